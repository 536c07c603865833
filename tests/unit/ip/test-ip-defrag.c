/* IPv4 and IPv6 fragment reassembly: in order, reversed, overlapping (identical and
 * conflicting), never completing (memory cap and timeout), and malformed trains. The
 * datagrams are built here; expected payloads are the bytes that were split. */
#include "tests/unit/decode/frame-builder.h"
#include "dissectors/link/link.h"
#include "dissectors/ip/ip-defrag.h"

#define SEC G_GINT64_CONSTANT(1000000000)
#define UDP_PAYLOAD 100

typedef struct {
  GByteArray *l4;  /* UDP header + payload: the bytes that get split */
  guint8 payload[UDP_PAYLOAD];
} Datagram;

/* UDP 4000 -> 53 with 100 payload bytes 0..99, checksum over the given family's
 * pseudo-header (computed on a whole unfragmented packet built for the purpose). */
static void datagram_init(Datagram *dg, int family)
{
  for (int i = 0; i < UDP_PAYLOAD; i++)
    dg->payload[i] = (guint8) i;
  GByteArray *whole = g_byte_array_new();
  gsize ip = family == 4 ? fb_ip4(whole, 17, 8 + UDP_PAYLOAD) : fb_ip6(whole, 17, 8 + UDP_PAYLOAD);
  gsize udp = fb_udp(whole, 4000, 53, dg->payload, UDP_PAYLOAD);
  fb_l4_checksum(whole, ip, udp, 8 + UDP_PAYLOAD, 17);
  dg->l4 = g_byte_array_new();
  fb_bytes(dg->l4, whole->data + udp, 8 + UDP_PAYLOAD);
  g_byte_array_unref(whole);
}

static void datagram_clear(Datagram *dg)
{
  g_byte_array_unref(dg->l4);
}

/* Ethernet + IPv4 fragment carrying data[off, off+len). */
static GByteArray *frag4(const guint8 *data, guint32 off, guint32 len, gboolean more, guint16 id)
{
  GByteArray *b = g_byte_array_new();
  fb_eth(b, 0x0800);
  fb_ip4_full(b, 17, (guint16) len, id, (guint16) ((more ? 0x2000 : 0) | (off / 8)), NULL, 0);
  fb_bytes(b, data + off, len);
  return b;
}

/* Ethernet + IPv6 (+ optional hop-by-hop) + fragment header carrying data[off, off+len). */
static GByteArray *frag6_full(const guint8 *data, guint32 off, guint32 len, gboolean more,
                              guint32 id, guint8 nh, gboolean hbh)
{
  GByteArray *b = g_byte_array_new();
  fb_eth(b, 0x86dd);
  fb_ip6(b, hbh ? 0 : 44, (guint16) ((hbh ? 8 : 0) + 8 + len));
  if (hbh) {
    static const guint8 h[8] = { 44, 0, 1, 4, 0, 0, 0, 0 };
    fb_bytes(b, h, 8);
  }
  fb_u8(b, nh);
  fb_u8(b, 0);
  fb_be16(b, (guint16) (off | (more ? 1u : 0u)));
  fb_be32(b, id);
  fb_bytes(b, data + off, len);
  return b;
}

static GByteArray *frag6(const guint8 *data, guint32 off, guint32 len, gboolean more, guint32 id)
{
  return frag6_full(data, off, len, more, id, 17, FALSE);
}

static WtDecodeStatus feed(Fx *fx, GByteArray *f, gint64 ts)
{
  WtDecodeStatus st = fx_decode_at(fx, f->data, f->len, f->len, WT_DLT_EN10MB, ts);
  g_byte_array_unref(f);
  return st;
}

static void assert_reassembled(Fx *fx, const Datagram *dg)
{
  WtPacket *p = &fx->pkt;
  g_assert_true(p->ip_reassembled);
  g_assert_nonnull(p->reassembled_buf);
  g_assert_cmpint(p->ip_proto, ==, 17);
  g_assert_cmpint(p->sport, ==, 4000);
  g_assert_cmpint(p->dport, ==, 53);
  g_assert_cmpuint(p->l4_wire_len, ==, 108);
  g_assert_cmpmem(p->payload, p->payload_len, dg->payload, UDP_PAYLOAD);
  g_assert_cmpuint(p->payload_wire_len, ==, UDP_PAYLOAD);
  g_assert_false(p->l4_bad_checksum); /* the checksum covers all 108 bytes */
}

/* The 108 bytes split as [0,48) [48,96) [96,108). */
static const guint32 OFF[3] = { 0, 48, 96 }, LEN[3] = { 48, 48, 12 };

static void test_ip4_in_order(Fx *fx, gconstpointer u)
{
  (void) u;
  Datagram dg;
  datagram_init(&dg, 4);
  g_assert_cmpint(feed(fx, frag4(dg.l4->data, 0, 48, TRUE, 7), SEC), ==, WT_DECODE_CONSUMED);
  g_assert_cmpint(fx->pkt.ip_version, ==, 4);
  g_assert_false(fx->pkt.ip_reassembled);
  g_assert_cmpint(feed(fx, frag4(dg.l4->data, 48, 48, TRUE, 7), SEC), ==, WT_DECODE_CONSUMED);
  g_assert_cmpint(feed(fx, frag4(dg.l4->data, 96, 12, FALSE, 7), SEC), ==, WT_DECODE_OK);
  assert_reassembled(fx, &dg);
  g_assert_cmpuint(fx->pkt.ip_total_len, ==, 20 + 108);
  g_assert_cmpuint(fx_n_anomalies(fx), ==, 0);
  const WtDecodeStats *s = wt_decoders_stats(fx->d);
  g_assert_cmpuint(s->reassembled, ==, 1);
  g_assert_cmpuint(s->fragments_held, ==, 2);
  g_assert_cmpuint(s->ipv4.packets, ==, 3);
  g_assert_cmpuint(s->udp.packets, ==, 1);
  g_assert_cmpuint(s->other.packets, ==, 0);
  datagram_clear(&dg);
}

static void test_ip4_reversed(Fx *fx, gconstpointer u)
{
  (void) u;
  Datagram dg;
  datagram_init(&dg, 4);
  for (int i = 2; i > 0; i--)
    g_assert_cmpint(feed(fx, frag4(dg.l4->data, OFF[i], LEN[i], i < 2, 9), SEC), ==,
                    WT_DECODE_CONSUMED);
  g_assert_cmpint(feed(fx, frag4(dg.l4->data, 0, 48, TRUE, 9), SEC), ==, WT_DECODE_OK);
  assert_reassembled(fx, &dg);
  g_assert_cmpuint(fx_n_anomalies(fx), ==, 0);
  datagram_clear(&dg);
}

/* Duplicates and partial overlaps with the same bytes: counted as overlap only. */
static void test_ip4_overlap(Fx *fx, gconstpointer u)
{
  (void) u;
  Datagram dg;
  datagram_init(&dg, 4);
  feed(fx, frag4(dg.l4->data, 0, 48, TRUE, 1), SEC);
  feed(fx, frag4(dg.l4->data, 0, 48, TRUE, 1), SEC);  /* duplicate */
  feed(fx, frag4(dg.l4->data, 40, 24, TRUE, 1), SEC); /* [40,64) straddles */
  feed(fx, frag4(dg.l4->data, 48, 48, TRUE, 1), SEC); /* [48,96) overlaps [48,64) */
  g_assert_cmpint(feed(fx, frag4(dg.l4->data, 96, 12, FALSE, 1), SEC), ==, WT_DECODE_OK);
  assert_reassembled(fx, &dg);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_overlap"), ==, 3);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_conflict"), ==, 0);
  datagram_clear(&dg);
}

/* An overlap with different bytes: counted; the bytes that came first are kept. */
static void test_ip4_conflict(Fx *fx, gconstpointer u)
{
  (void) u;
  Datagram dg;
  datagram_init(&dg, 4);
  guint8 evil[108];
  memcpy(evil, dg.l4->data, sizeof evil);
  for (int i = 48; i < 96; i++)
    evil[i] ^= 0x5a;
  feed(fx, frag4(dg.l4->data, 48, 48, TRUE, 2), SEC);
  feed(fx, frag4(evil, 48, 48, TRUE, 2), SEC);
  feed(fx, frag4(dg.l4->data, 0, 48, TRUE, 2), SEC);
  g_assert_cmpint(feed(fx, frag4(dg.l4->data, 96, 12, FALSE, 2), SEC), ==, WT_DECODE_OK);
  assert_reassembled(fx, &dg);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_overlap"), ==, 1);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_conflict"), ==, 1);

  /* two different ends: the second "last fragment" contradicts the first */
  feed(fx, frag4(dg.l4->data, 96, 12, FALSE, 3), SEC);
  feed(fx, frag4(dg.l4->data, 88, 8, FALSE, 3), SEC);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_conflict"), ==, 2);
  /* data beyond the known end */
  feed(fx, frag4(dg.l4->data, 96, 8, TRUE, 3), SEC);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_conflict"), ==, 2);
  g_autoptr(GByteArray) big = g_byte_array_new();
  fb_bytes(big, dg.l4->data, 108);
  fb_zeros(big, 16);
  feed(fx, frag4(big->data, 104, 16, TRUE, 3), SEC); /* cut to [104,108): same bytes */
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_conflict"), ==, 3);
  datagram_clear(&dg);
}

/* Two pieces 30 s + 1 ns apart (default timeout 30 s): the first is dropped when the
 * next fragment arrives, and what is left is counted at the end. */
static void test_ip4_timeout(Fx *fx, gconstpointer u)
{
  (void) u;
  Datagram dg;
  datagram_init(&dg, 4);
  gint64 t0 = 1000 * SEC;
  feed(fx, frag4(dg.l4->data, 0, 48, TRUE, 4), t0);
  feed(fx, frag4(dg.l4->data, 48, 48, TRUE, 4), t0 + 30 * SEC); /* not yet: exactly 30 s */
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_timeout"), ==, 0);
  g_assert_cmpint(feed(fx, frag4(dg.l4->data, 96, 12, FALSE, 4), t0 + 30 * SEC + 1), ==,
                  WT_DECODE_CONSUMED);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_timeout"), ==, 1);
  /* the train restarted with the last piece; it never completes */
  wt_decoders_expire(fx->d, G_MAXINT64, fx->a);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_timeout"), ==, 2);
  g_assert_cmpuint(wt_decoders_stats(fx->d)->reassembled, ==, 0);
  datagram_clear(&dg);
}

/* Many first fragments that never complete under a small memory cap: memory stays
 * under the cap, every datagram dropped for it is counted, and a datagram that is still
 * held completes. */
static void test_ip4_cap(void)
{
  const gsize cap = 8192;
  WtDecodeLimits lim;
  wt_decode_limits_init(&lim);
  lim.frag_mem_cap = cap;
  Fx fx;
  fx.d = wt_decoders_new(&lim);
  fx.a = wt_anomalies_new();
  Datagram dg;
  datagram_init(&dg, 4);
  for (guint16 id = 100; id < 200; id++)
    feed(&fx, frag4(dg.l4->data, 0, 48, TRUE, id), SEC);
  guint64 dropped = fx_anom(&fx, "ip.frag_cap");
  g_assert_cmpuint(dropped, >, 0);
  g_assert_cmpuint(dropped, <, 100);
  /* the newest train is still there */
  feed(&fx, frag4(dg.l4->data, 48, 48, TRUE, 199), SEC);
  g_assert_cmpint(feed(&fx, frag4(dg.l4->data, 96, 12, FALSE, 199), SEC), ==, WT_DECODE_OK);
  assert_reassembled(&fx, &dg);
  /* the oldest is not */
  feed(&fx, frag4(dg.l4->data, 48, 48, TRUE, 100), SEC);
  g_assert_cmpint(feed(&fx, frag4(dg.l4->data, 96, 12, FALSE, 100), SEC), ==, WT_DECODE_CONSUMED);
  wt_decoders_free(fx.d);
  wt_anomalies_free(fx.a);
  datagram_clear(&dg);
}

/* The same through the WtIpDefrag API, to see the memory accounting itself. */
static void test_defrag_api(void)
{
  const gsize cap = 8192;
  g_autoptr(WtIpDefrag) d = wt_ip_defrag_new(cap, 30 * SEC);
  g_autoptr(WtAnomalies) a = wt_anomalies_new();
  guint8 data[1500];
  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8) (i * 7);
  WtIpFragment f;
  memset(&f, 0, sizeof f);
  f.key.family = 4;
  f.key.proto = 17;
  f.ts_ns = SEC;
  f.data = data;
  f.len = 1480;
  f.more = TRUE;
  WtIpDatagram out;
  guint n = 0;
  for (guint32 id = 0; id < 50; id++) {
    f.key.id = id;
    g_assert_false(wt_ip_defrag_add(d, &f, a, &out));
    g_assert_cmpuint(wt_ip_defrag_mem(d), <=, cap);
    n++;
  }
  g_assert_cmpuint(wt_ip_defrag_pending(d) + wt_anomaly_get(a, "ip.frag_cap"), ==, n);

  /* one datagram larger than the cap on its own: dropped, counted */
  f.key.id = 1000;
  guint64 before = wt_anomaly_get(a, "ip.frag_cap");
  for (guint32 off = 0; off < 8 * 1480; off += 1480) {
    f.offset = off;
    wt_ip_defrag_add(d, &f, a, &out);
    g_assert_cmpuint(wt_ip_defrag_mem(d), <=, cap);
  }
  g_assert_cmpuint(wt_anomaly_get(a, "ip.frag_cap"), >, before);

  /* completing everything returns the memory */
  wt_ip_defrag_expire(d, G_MAXINT64, a);
  g_assert_cmpuint(wt_ip_defrag_pending(d), ==, 0);
  g_assert_cmpuint(wt_ip_defrag_mem(d), ==, 0);
  f.key.id = 2000;
  f.offset = 0;
  f.len = 16;
  g_assert_false(wt_ip_defrag_add(d, &f, a, &out));
  f.offset = 16;
  f.data = data + 16;
  f.len = 5;
  f.more = FALSE;
  g_assert_true(wt_ip_defrag_add(d, &f, a, &out));
  g_assert_cmpuint(out.len, ==, 21);
  g_assert_cmpmem(out.data, 16, data, 16);
  g_assert_cmpmem(out.data + 16, 5, data + 16, 5);
  g_assert_cmpuint(wt_ip_defrag_mem(d), ==, 0);
  g_assert_cmpuint(wt_ip_defrag_pending(d), ==, 0);
}

static void test_ip4_bad_trains(Fx *fx, gconstpointer u)
{
  (void) u;
  g_autoptr(GByteArray) z = g_byte_array_new();
  fb_zeros(z, 65536 + 64);
  /* a non-last fragment whose length is not a multiple of 8 */
  feed(fx, frag4(z->data, 0, 12, TRUE, 5), SEC);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_bad_length"), ==, 1);
  /* The shape of zeek's ipv4/fragmented-1.pcap: a short first piece, the last piece,
   * then a first piece that runs past the end; it is cut at the end and fills the
   * hole, so the datagram completes (as in Wireshark), the short piece's bytes kept. */
  Datagram dg;
  datagram_init(&dg, 4);
  g_autoptr(GByteArray) longer = g_byte_array_new();
  fb_bytes(longer, dg.l4->data, 108);
  fb_zeros(longer, 100);
  feed(fx, frag4(dg.l4->data, 0, 12, TRUE, 20), SEC);
  feed(fx, frag4(dg.l4->data, 96, 12, FALSE, 20), SEC);
  g_assert_cmpint(feed(fx, frag4(longer->data, 0, 200, TRUE, 20), SEC), ==, WT_DECODE_OK);
  assert_reassembled(fx, &dg);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_bad_length"), ==, 2);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_conflict"), ==, 1);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_overlap"), ==, 1);
  datagram_clear(&dg);
  /* data past 65535 */
  feed(fx, frag4(z->data, 65528, 16, FALSE, 5), SEC);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_too_large"), ==, 1);
  /* 65 separate 8-byte pieces with holes between them */
  for (guint32 i = 0; i <= WT_IP_DEFRAG_MAX_PIECES; i++)
    feed(fx, frag4(z->data, i * 16, 8, TRUE, 6), SEC);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_too_many"), ==, 1);
  /* a fragment cut by the snaplen cannot be used */
  GByteArray *f = frag4(z->data, 0, 48, TRUE, 8);
  g_assert_cmpint(fx_decode_at(fx, f->data, f->len - 10, f->len, WT_DLT_EN10MB, SEC), ==,
                  WT_DECODE_CONSUMED);
  g_byte_array_unref(f);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_truncated"), ==, 1);
}

/* Every prefix of the completing fragment, after the other two arrived whole: the
 * reassembly path must not read past the end either. */
static void test_ip4_sweep(void)
{
  Datagram dg;
  datagram_init(&dg, 4);
  GByteArray *last = frag4(dg.l4->data, 96, 12, FALSE, 11);
  FbGuard g = fb_guard_new(last->len);
  for (gsize n = 0; n <= last->len; n++) {
    Fx fx;
    fx_setup(&fx, NULL);
    feed(&fx, frag4(dg.l4->data, 0, 48, TRUE, 11), SEC);
    feed(&fx, frag4(dg.l4->data, 48, 48, TRUE, 11), SEC);
    const guint8 *p = fb_guard_place(&g, last->data, n);
    WtDecodeStatus st = fx_decode_at(&fx, p, (guint32) n, last->len, WT_DLT_EN10MB, SEC);
    g_assert_cmpint(st, ==, n == last->len ? WT_DECODE_OK : n < 34 ? WT_DECODE_TRUNCATED
                                                                   : WT_DECODE_CONSUMED);
    fx_teardown(&fx, NULL);
  }
  fb_guard_free(&g);
  g_byte_array_unref(last);
  /* and each of the three alone */
  for (int i = 0; i < 3; i++) {
    GByteArray *f = frag4(dg.l4->data, OFF[i], LEN[i], i < 2, 12);
    fb_sweep(f->data, f->len, WT_DLT_EN10MB, WT_DECODE_CONSUMED);
    g_byte_array_unref(f);
  }
  datagram_clear(&dg);
}

/* ---- IPv6 ------------------------------------------------------------------------- */

static void assert_reassembled6(Fx *fx, const Datagram *dg, guint32 unfrag)
{
  assert_reassembled(fx, dg);
  g_assert_cmpint(fx->pkt.ip_version, ==, 6);
  g_assert_cmpuint(fx->pkt.ip_total_len, ==, 40 + unfrag + 108);
}

static void test_ip6_in_order_and_reversed(Fx *fx, gconstpointer u)
{
  (void) u;
  Datagram dg;
  datagram_init(&dg, 6);
  for (int i = 0; i < 3; i++)
    g_assert_cmpint(feed(fx, frag6(dg.l4->data, OFF[i], LEN[i], i < 2, 0x10000), SEC), ==,
                    i < 2 ? WT_DECODE_CONSUMED : WT_DECODE_OK);
  assert_reassembled6(fx, &dg, 8);
  for (int i = 2; i >= 0; i--)
    g_assert_cmpint(feed(fx, frag6(dg.l4->data, OFF[i], LEN[i], i < 2, 0x10001), SEC), ==,
                    i > 0 ? WT_DECODE_CONSUMED : WT_DECODE_OK);
  assert_reassembled6(fx, &dg, 8);
  /* with a hop-by-hop header in the unfragmentable part */
  for (int i = 0; i < 3; i++)
    feed(fx, frag6_full(dg.l4->data, OFF[i], LEN[i], i < 2, 0x10002, 17, TRUE), SEC);
  assert_reassembled6(fx, &dg, 16);
  g_assert_cmpuint(fx_n_anomalies(fx), ==, 0);
  g_assert_cmpuint(wt_decoders_stats(fx->d)->reassembled, ==, 3);
  datagram_clear(&dg);
}

/* The fragmentable part starts with a destination-options header: after reassembly
 * the chain walk goes on through it to UDP. */
static void test_ip6_ext_after_fragment(Fx *fx, gconstpointer u)
{
  (void) u;
  GByteArray *whole = g_byte_array_new();
  gsize ip = fb_ip6(whole, 60, 8 + 8 + UDP_PAYLOAD);
  static const guint8 dst[8] = { 17, 0, 1, 4, 0, 0, 0, 0 };
  fb_bytes(whole, dst, 8);
  guint8 pl[UDP_PAYLOAD];
  for (int i = 0; i < UDP_PAYLOAD; i++)
    pl[i] = (guint8) (255 - i);
  gsize udp = fb_udp(whole, 4000, 53, pl, UDP_PAYLOAD);
  fb_l4_checksum(whole, ip, udp, 8 + UDP_PAYLOAD, 17);
  const guint8 *part = whole->data + 40; /* dstopts + UDP: 116 bytes */
  feed(fx, frag6_full(part, 0, 64, TRUE, 77, 60, FALSE), SEC);
  g_assert_cmpint(feed(fx, frag6_full(part, 64, 52, FALSE, 77, 60, FALSE), SEC), ==, WT_DECODE_OK);
  g_assert_true(fx->pkt.ip_reassembled);
  g_assert_cmpint(fx->pkt.ip_proto, ==, 17);
  g_assert_cmpint(fx->pkt.dport, ==, 53);
  g_assert_cmpmem(fx->pkt.payload, fx->pkt.payload_len, pl, UDP_PAYLOAD);
  g_assert_false(fx->pkt.l4_bad_checksum);
  g_assert_cmpuint(fx->pkt.ip_total_len, ==, 40 + 8 + 116);
  g_byte_array_unref(whole);
}

static void test_ip6_conflict_and_timeout(Fx *fx, gconstpointer u)
{
  (void) u;
  Datagram dg;
  datagram_init(&dg, 6);
  guint8 evil[108];
  memcpy(evil, dg.l4->data, sizeof evil);
  evil[10] ^= 1;
  feed(fx, frag6(dg.l4->data, 0, 48, TRUE, 5), SEC);
  feed(fx, frag6(evil, 0, 48, TRUE, 5), SEC);
  g_assert_cmpuint(fx_anom(fx, "ip6.frag_overlap"), ==, 1);
  g_assert_cmpuint(fx_anom(fx, "ip6.frag_conflict"), ==, 1);
  feed(fx, frag6(dg.l4->data, 48, 48, TRUE, 5), SEC);
  g_assert_cmpint(feed(fx, frag6(dg.l4->data, 96, 12, FALSE, 5), SEC), ==, WT_DECODE_OK);
  assert_reassembled6(fx, &dg, 8);

  feed(fx, frag6(dg.l4->data, 0, 48, TRUE, 6), SEC);
  feed(fx, frag6(dg.l4->data, 48, 48, TRUE, 7), 40 * SEC);
  g_assert_cmpuint(fx_anom(fx, "ip6.frag_timeout"), ==, 1);
  g_assert_cmpuint(fx_anom(fx, "ip4.frag_timeout"), ==, 0);

  /* A train whose reassembled bytes start with another (non-atomic) fragment header:
   * fragments inside fragments are refused. */
  GByteArray *inner = g_byte_array_new();
  fb_u8(inner, 17);
  fb_u8(inner, 0);
  fb_be16(inner, 8 | 1);
  fb_be32(inner, 1);
  fb_bytes(inner, dg.l4->data, 40);
  feed(fx, frag6_full(inner->data, 0, 24, TRUE, 8, 44, FALSE), SEC);
  g_assert_cmpint(feed(fx, frag6_full(inner->data, 24, 24, FALSE, 8, 44, FALSE), SEC), ==,
                  WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "ip6.nested_fragment"), ==, 1);
  g_byte_array_unref(inner);
  datagram_clear(&dg);
}

static void test_ip6_sweep(void)
{
  Datagram dg;
  datagram_init(&dg, 6);
  for (int i = 0; i < 3; i++) {
    GByteArray *f = frag6_full(dg.l4->data, OFF[i], LEN[i], i < 2, 12, 17, TRUE);
    fb_sweep(f->data, f->len, WT_DLT_EN10MB, WT_DECODE_CONSUMED);
    g_byte_array_unref(f);
  }
  datagram_clear(&dg);
}

/* ---- the --threads router: fragments by their datagram, headers only --------------- */

static WtRouteKind route(Fx *fx, GByteArray *f, WtRouteKey *key)
{
  WtRouteKind kind = fb_route(fx->d, f->data, f->len, f->len, WT_DLT_EN10MB, key);
  g_byte_array_unref(f);
  return kind;
}

static void assert_datagram(const WtRouteKey *k, int family, guint32 id, guint8 proto)
{
  g_assert_cmpint(k->datagram.family, ==, family);
  g_assert_cmpuint(k->datagram.id, ==, id);
  g_assert_cmpint(k->datagram.proto, ==, proto);
  g_assert_cmpmem(&k->datagram.src, sizeof(WtAddr), &k->src, sizeof(WtAddr));
  g_assert_cmpmem(&k->datagram.dst, sizeof(WtAddr), &k->dst, sizeof(WtAddr));
}

/* Each fragment says where it belongs; only the first one has the ports. Nothing is
 * held for reassembly or counted in the decoders' statistics. */
static void test_route(Fx *fx, gconstpointer u)
{
  (void) u;
  Datagram dg;
  WtRouteKey k;
  datagram_init(&dg, 4);
  for (int i = 2; i >= 0; i--) { /* last first: each one is routed on its own */
    g_assert_cmpint(route(fx, frag4(dg.l4->data, OFF[i], LEN[i], i < 2, 7), &k), ==,
                    WT_ROUTE_FRAGMENT);
    assert_datagram(&k, 4, 7, 17);
    g_assert_cmpuint(k.frag_offset, ==, OFF[i]);
    g_assert_cmpuint(k.frag_len, ==, LEN[i]);
    g_assert_cmpint(k.frag_more, ==, i < 2);
    g_assert_cmpint(k.sport, ==, i == 0 ? 4000 : 0);
    g_assert_cmpint(k.dport, ==, i == 0 ? 53 : 0);
  }
  /* the first fragment too short for the ports: by addresses */
  g_assert_cmpint(route(fx, frag4(dg.l4->data, 0, 2, TRUE, 8), &k), ==, WT_ROUTE_FRAGMENT);
  g_assert_cmpint(k.sport, ==, 0);
  datagram_clear(&dg);

  /* a fragmented ICMP echo is a flow by addresses whatever the fragment */
  GByteArray *b = g_byte_array_new();
  fb_eth(b, 0x0800);
  fb_ip4_full(b, 1, 16, 9, 0x2000 | 2, NULL, 0);
  fb_zeros(b, 16);
  g_assert_cmpint(route(fx, b, &k), ==, WT_ROUTE_FLOW);
  g_assert_cmpint(k.sport, ==, 0);

  /* IPv6: the upper layer is only in the first fragment, so every one goes by its
   * datagram (identification per address pair: no protocol in the key) */
  datagram_init(&dg, 6);
  for (int i = 0; i < 3; i++) {
    GByteArray *f = frag6_full(dg.l4->data, OFF[i], LEN[i], i < 2, 12, 17, i == 1);
    g_assert_cmpint(route(fx, f, &k), ==, WT_ROUTE_FRAGMENT);
    assert_datagram(&k, 6, 12, 0);
    g_assert_cmpuint(k.frag_offset, ==, OFF[i]);
    g_assert_cmpuint(k.frag_len, ==, LEN[i]);
    g_assert_cmpint(k.frag_more, ==, i < 2);
    g_assert_cmpint(k.sport, ==, i == 0 ? 4000 : 0);
  }
  datagram_clear(&dg);

  const WtDecodeStats *s = wt_decoders_stats(fx->d);
  g_assert_cmpuint(s->frames, ==, 0);
  g_assert_cmpuint(s->fragments_held, ==, 0);
}

#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  ADD("/defrag/ip4/in-order", test_ip4_in_order);
  ADD("/defrag/ip4/reversed", test_ip4_reversed);
  ADD("/defrag/ip4/overlap", test_ip4_overlap);
  ADD("/defrag/ip4/conflict", test_ip4_conflict);
  ADD("/defrag/ip4/timeout", test_ip4_timeout);
  g_test_add_func("/defrag/ip4/cap", test_ip4_cap);
  g_test_add_func("/defrag/api", test_defrag_api);
  ADD("/defrag/ip4/bad-trains", test_ip4_bad_trains);
  g_test_add_func("/defrag/ip4/sweep", test_ip4_sweep);
  ADD("/defrag/ip6/in-order-and-reversed", test_ip6_in_order_and_reversed);
  ADD("/defrag/ip6/ext-after-fragment", test_ip6_ext_after_fragment);
  ADD("/defrag/ip6/conflict-and-timeout", test_ip6_conflict_and_timeout);
  g_test_add_func("/defrag/ip6/sweep", test_ip6_sweep);
  ADD("/defrag/route", test_route);
  return g_test_run();
}
