/* Frame decoder tests: hand-built frames for every link type and protocol, with the
 * expected values read off the bytes the test wrote, and every frame replayed cut at
 * every length from a guard-page buffer. */
#include "tests/unit/decode/frame-builder.h"
#include "dissectors/link/link.h"
#include "dissectors/ip/ip.h"

#include <stdio.h>

/* Frames written by scapy 2.5 (/usr/bin/python3, `bytes(Ether()/IP()/TCP(...))`), so
 * their checksums come from an implementation other than ours. scapy printed:
 *   scapy_v4_syn:  IP chksum 0x7c51, TCP chksum 0x9026
 *   scapy_v6_udp:  UDP chksum 0x4b6f
 *   scapy_v4_http: IP chksum 0x26b5, TCP chksum 0x96b4
 *   scapy_v6_tcp:  TCP chksum 0x7cd4 */
/* Ether/IP(192.0.2.1 > 198.51.100.2, id 0x1234, ttl 64)/TCP(40000 > 80, S, seq 1000,
 * win 64240, MSS 1460, SAckOK, TS (12345, 0), NOP, WScale 7) */
static const guint8 scapy_v4_syn[] = {0x00,0x11,0x22,0x33,0x44,0x55,0x66,0x77,0x88,0x99,0xaa,0xbb,0x08,0x00,0x45,0x00,0x00,0x3c,0x12,0x34,0x00,0x00,0x40,0x06,0x7c,0x51,0xc0,0x00,0x02,0x01,0xc6,0x33,0x64,0x02,0x9c,0x40,0x00,0x50,0x00,0x00,0x03,0xe8,0x00,0x00,0x00,0x00,0xa0,0x02,0xfa,0xf0,0x90,0x26,0x00,0x00,0x02,0x04,0x05,0xb4,0x04,0x02,0x08,0x0a,0x00,0x00,0x30,0x39,0x00,0x00,0x00,0x00,0x01,0x03,0x03,0x07};
/* Ether/IPv6(2001:db8::1 > 2001:db8::2, hlim 60)/UDP(5353 > 53)/"hello" */
static const guint8 scapy_v6_udp[] = {0x00,0x11,0x22,0x33,0x44,0x55,0x66,0x77,0x88,0x99,0xaa,0xbb,0x86,0xdd,0x60,0x00,0x00,0x00,0x00,0x0d,0x11,0x3c,0x20,0x01,0x0d,0xb8,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x01,0x20,0x01,0x0d,0xb8,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x02,0x14,0xe9,0x00,0x35,0x00,0x0d,0x4b,0x6f,0x68,0x65,0x6c,0x6c,0x6f};
/* Ether/IP(10.0.0.1 > 10.0.0.2, id 7, ttl 128)/TCP(1234 > 8080, PA, seq 0xfffffff0,
 * ack 0x10, win 512)/"GET / HTTP/1.1\r\n\r\n" */
static const guint8 scapy_v4_http[] = {0x00,0x11,0x22,0x33,0x44,0x55,0x66,0x77,0x88,0x99,0xaa,0xbb,0x08,0x00,0x45,0x00,0x00,0x3a,0x00,0x07,0x00,0x00,0x80,0x06,0x26,0xb5,0x0a,0x00,0x00,0x01,0x0a,0x00,0x00,0x02,0x04,0xd2,0x1f,0x90,0xff,0xff,0xff,0xf0,0x00,0x00,0x00,0x10,0x50,0x18,0x02,0x00,0x96,0xb4,0x00,0x00,0x47,0x45,0x54,0x20,0x2f,0x20,0x48,0x54,0x54,0x50,0x2f,0x31,0x2e,0x31,0x0d,0x0a,0x0d,0x0a};
/* Ether/IPv6(2001:db8::1 > 2001:db8::2)/TCP(443 > 50000, A, seq 1, ack 2)/"xyz" */
static const guint8 scapy_v6_tcp[] = {0x00,0x11,0x22,0x33,0x44,0x55,0x66,0x77,0x88,0x99,0xaa,0xbb,0x86,0xdd,0x60,0x00,0x00,0x00,0x00,0x17,0x06,0x40,0x20,0x01,0x0d,0xb8,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x01,0x20,0x01,0x0d,0xb8,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x02,0x01,0xbb,0xc3,0x50,0x00,0x00,0x00,0x01,0x00,0x00,0x00,0x02,0x50,0x10,0x20,0x00,0x7c,0xd4,0x00,0x00,0x78,0x79,0x7a};

#define ETH_HDR 14
static const char HTTP_GET[] = "GET / HTTP/1.1\r\n\r\n"; /* 18 bytes */

static void addr_is(const WtAddr *a, int family, const guint8 *bytes)
{
  g_assert_cmpint(a->family, ==, family);
  g_assert_cmpmem(a->bytes, family == 4 ? 4 : 16, bytes, family == 4 ? 4 : 16);
}

/* The --threads router's key for a frame (headers only) names the flow that the
 * analysis makes of the fully decoded frame in fx->pkt, under the conditions of
 * wt_analyzer_frame: the same addresses, and the same ports for TCP and UDP. */
static void assert_route_agrees(Fx *fx, const guint8 *f, gsize len, int dlt, WtDecodeStatus st)
{
  const WtPacket *p = &fx->pkt;
  gboolean ports = p->ip_proto == 6 || p->ip_proto == 17;
  WtRouteKey k;
  WtRouteKind kind = fb_route(fx->d, f, (guint32) len, (guint32) len, dlt, &k);
  if (p->ip_version == 0) {
    g_assert_cmpint(kind, ==, WT_ROUTE_NOT_IP);
    return;
  }
  if (st == WT_DECODE_CONSUMED || st == WT_DECODE_MALFORMED || (ports && st != WT_DECODE_OK))
    return; /* no flow */
  g_assert_cmpint(kind, ==, WT_ROUTE_FLOW);
  g_assert_cmpmem(&k.src, sizeof k.src, &p->src, sizeof p->src);
  g_assert_cmpmem(&k.dst, sizeof k.dst, &p->dst, sizeof p->dst);
  g_assert_cmpint(k.sport, ==, ports ? p->sport : 0);
  g_assert_cmpint(k.dport, ==, ports ? p->dport : 0);
}

/* Decode, check that it decoded as expected and that the router agrees, and sweep all
 * prefixes. */
static WtDecodeStatus check(Fx *fx, GByteArray *b, int dlt, WtDecodeStatus want)
{
  WtDecodeStatus st = fx_decode(fx, b->data, b->len, dlt);
  g_assert_cmpint(st, ==, want);
  assert_route_agrees(fx, b->data, b->len, dlt, st);
  fb_sweep(b->data, b->len, dlt, want);
  return st;
}

/* A TCP/IPv4 frame with 6 bytes of "hello!" payload, after whatever link header the
 * caller put in `b`. */
static void add_ip4_tcp(GByteArray *b)
{
  gsize ip = fb_ip4(b, 6, 20 + 6);
  gsize tcp = fb_tcp(b, 1025, 80, 100, 200, WT_TCP_ACK | WT_TCP_PSH, 1000, NULL, 0, "hello!", 6);
  fb_l4_checksum(b, ip, tcp, 26, 6);
}

static void add_ip6_udp(GByteArray *b)
{
  gsize ip = fb_ip6(b, 17, 8 + 4);
  gsize udp = fb_udp(b, 5000, 53, "abcd", 4);
  fb_l4_checksum(b, ip, udp, 12, 17);
}

static void assert_ip4_tcp(Fx *fx)
{
  WtPacket *p = &fx->pkt;
  g_assert_cmpint(p->ip_version, ==, 4);
  addr_is(&p->src, 4, FB_IP4_A);
  addr_is(&p->dst, 4, FB_IP4_B);
  g_assert_cmpint(p->ip_proto, ==, 6);
  g_assert_cmpint(p->ttl, ==, 64);
  g_assert_cmpuint(p->ip_total_len, ==, 46);
  g_assert_cmpuint(p->l4_wire_len, ==, 26);
  g_assert_cmpint(p->sport, ==, 1025);
  g_assert_cmpint(p->dport, ==, 80);
  g_assert_cmpuint(p->tcp_seq, ==, 100);
  g_assert_cmpuint(p->tcp_ack, ==, 200);
  g_assert_cmpint(p->tcp_flags, ==, WT_TCP_ACK | WT_TCP_PSH);
  g_assert_cmpuint(p->payload_len, ==, 6);
  g_assert_cmpuint(p->payload_wire_len, ==, 6);
  g_assert_cmpmem(p->payload, 6, "hello!", 6);
  g_assert_false(p->l4_bad_checksum);
}

static void assert_ip6_udp(Fx *fx)
{
  WtPacket *p = &fx->pkt;
  g_assert_cmpint(p->ip_version, ==, 6);
  addr_is(&p->src, 6, FB_IP6_A);
  addr_is(&p->dst, 6, FB_IP6_B);
  g_assert_cmpint(p->ip_proto, ==, 17);
  g_assert_cmpint(p->ttl, ==, 57);
  g_assert_cmpint(p->sport, ==, 5000);
  g_assert_cmpint(p->dport, ==, 53);
  g_assert_cmpuint(p->payload_len, ==, 4);
  g_assert_cmpmem(p->payload, 4, "abcd", 4);
  g_assert_false(p->l4_bad_checksum);
}

/* ---- scapy frames: fields and checksums ------------------------------------------ */

static void test_scapy_v4_syn(Fx *fx, gconstpointer u)
{
  (void) u;
  g_assert_cmpint(fx_decode(fx, scapy_v4_syn, sizeof scapy_v4_syn, WT_DLT_EN10MB), ==, WT_DECODE_OK);
  WtPacket *p = &fx->pkt;
  static const guint8 a[4] = { 192, 0, 2, 1 }, b[4] = { 198, 51, 100, 2 };
  addr_is(&p->src, 4, a);
  addr_is(&p->dst, 4, b);
  g_assert_cmpint(p->ttl, ==, 64);
  g_assert_cmpuint(p->ip_total_len, ==, 60);
  g_assert_cmpint(p->sport, ==, 40000);
  g_assert_cmpint(p->dport, ==, 80);
  g_assert_cmpuint(p->tcp_seq, ==, 1000);
  g_assert_cmpint(p->tcp_flags, ==, WT_TCP_SYN);
  g_assert_cmpint(p->tcp_win, ==, 64240);
  g_assert_cmpint(p->tcp_hdr_len, ==, 40);
  g_assert_cmpint(p->tcp_mss, ==, 1460);
  g_assert_cmpint(p->tcp_wscale, ==, 7);
  g_assert_true(p->tcp_sack_ok);
  g_assert_true(p->tcp_has_ts);
  g_assert_cmpuint(p->tcp_tsval, ==, 12345);
  g_assert_cmpuint(p->tcp_tsecr, ==, 0);
  g_assert_cmpuint(p->payload_len, ==, 0);
  g_assert_false(p->l4_bad_checksum);
  g_assert_cmpuint(fx_n_anomalies(fx), ==, 0);
  fb_sweep(scapy_v4_syn, sizeof scapy_v4_syn, WT_DLT_EN10MB, WT_DECODE_OK);
}

static void test_scapy_v4_http(Fx *fx, gconstpointer u)
{
  (void) u;
  g_assert_cmpint(fx_decode(fx, scapy_v4_http, sizeof scapy_v4_http, WT_DLT_EN10MB), ==, WT_DECODE_OK);
  WtPacket *p = &fx->pkt;
  g_assert_cmpint(p->ttl, ==, 128);
  g_assert_cmpint(p->sport, ==, 1234);
  g_assert_cmpint(p->dport, ==, 8080);
  g_assert_cmpuint(p->tcp_seq, ==, 0xfffffff0u);
  g_assert_cmpuint(p->tcp_ack, ==, 0x10);
  g_assert_cmpint(p->tcp_flags, ==, WT_TCP_PSH | WT_TCP_ACK);
  g_assert_cmpint(p->tcp_wscale, ==, -1);
  g_assert_cmpint(p->tcp_mss, ==, 0);
  g_assert_cmpuint(p->payload_len, ==, 18);
  g_assert_cmpmem(p->payload, 18, HTTP_GET, 18);
  g_assert_false(p->l4_bad_checksum);
  g_assert_cmpuint(fx_n_anomalies(fx), ==, 0);
  fb_sweep(scapy_v4_http, sizeof scapy_v4_http, WT_DLT_EN10MB, WT_DECODE_OK);
}

static void test_scapy_v6(Fx *fx, gconstpointer u)
{
  (void) u;
  g_assert_cmpint(fx_decode(fx, scapy_v6_udp, sizeof scapy_v6_udp, WT_DLT_EN10MB), ==, WT_DECODE_OK);
  WtPacket *p = &fx->pkt;
  addr_is(&p->src, 6, FB_IP6_A);
  g_assert_cmpint(p->ttl, ==, 60);
  g_assert_cmpint(p->ip_proto, ==, 17);
  g_assert_cmpuint(p->ip_total_len, ==, 53);
  g_assert_cmpuint(p->l4_wire_len, ==, 13);
  g_assert_cmpint(p->sport, ==, 5353);
  g_assert_cmpint(p->dport, ==, 53);
  g_assert_cmpmem(p->payload, p->payload_len, "hello", 5);
  g_assert_false(p->l4_bad_checksum);

  g_assert_cmpint(fx_decode(fx, scapy_v6_tcp, sizeof scapy_v6_tcp, WT_DLT_EN10MB), ==, WT_DECODE_OK);
  g_assert_cmpint(p->sport, ==, 443);
  g_assert_cmpint(p->dport, ==, 50000);
  g_assert_cmpuint(p->tcp_seq, ==, 1);
  g_assert_cmpuint(p->tcp_ack, ==, 2);
  g_assert_cmpmem(p->payload, p->payload_len, "xyz", 3);
  g_assert_false(p->l4_bad_checksum);
  g_assert_cmpuint(fx_n_anomalies(fx), ==, 0);
  fb_sweep(scapy_v6_udp, sizeof scapy_v6_udp, WT_DLT_EN10MB, WT_DECODE_OK);
  fb_sweep(scapy_v6_tcp, sizeof scapy_v6_tcp, WT_DLT_EN10MB, WT_DECODE_OK);
}

/* Flip one payload byte: the checksums no longer verify, which is counted but changes
 * nothing else. */
static void test_bad_l4_checksum(Fx *fx, gconstpointer u)
{
  (void) u;
  guint8 f[sizeof scapy_v4_http];
  memcpy(f, scapy_v4_http, sizeof f);
  f[sizeof f - 1] ^= 0x01;
  g_assert_cmpint(fx_decode(fx, f, sizeof f, WT_DLT_EN10MB), ==, WT_DECODE_OK);
  g_assert_true(fx->pkt.l4_bad_checksum);
  g_assert_cmpuint(fx->pkt.payload_len, ==, 18);
  g_assert_cmpuint(fx_anom(fx, "tcp.bad_checksum"), ==, 1);

  guint8 u6[sizeof scapy_v6_udp];
  memcpy(u6, scapy_v6_udp, sizeof u6);
  u6[sizeof u6 - 1] ^= 0x20;
  g_assert_cmpint(fx_decode(fx, u6, sizeof u6, WT_DLT_EN10MB), ==, WT_DECODE_OK);
  g_assert_true(fx->pkt.l4_bad_checksum);
  g_assert_cmpuint(fx_anom(fx, "udp.bad_checksum"), ==, 1);

  /* Cut by the snaplen: not verifiable, so not counted. */
  g_assert_cmpint(fx_decode_at(fx, f, 60, sizeof f, WT_DLT_EN10MB, 1), ==, WT_DECODE_OK);
  g_assert_false(fx->pkt.l4_bad_checksum);
  g_assert_cmpuint(fx_anom(fx, "tcp.bad_checksum"), ==, 1);
}

static void test_ip4_bad_checksum(Fx *fx, gconstpointer u)
{
  (void) u;
  guint8 f[sizeof scapy_v4_http];
  memcpy(f, scapy_v4_http, sizeof f);
  f[ETH_HDR + 10] ^= 0xff; /* header checksum */
  g_assert_cmpint(fx_decode(fx, f, sizeof f, WT_DLT_EN10MB), ==, WT_DECODE_OK);
  g_assert_cmpuint(fx_anom(fx, "ip4.bad_checksum"), ==, 1);
  g_assert_cmpint(fx->pkt.dport, ==, 8080); /* not dropped */
  g_assert_false(fx->pkt.l4_bad_checksum);
}

/* Snaplen cut after 6 payload bytes: decoding goes on with what was captured, the
 * claimed lengths stay, nothing is malformed. */
static void test_snaplen(Fx *fx, gconstpointer u)
{
  (void) u;
  g_assert_cmpint(fx_decode_at(fx, scapy_v4_http, 60, sizeof scapy_v4_http, WT_DLT_EN10MB, 1), ==,
                  WT_DECODE_OK);
  WtPacket *p = &fx->pkt;
  g_assert_cmpuint(p->ip_total_len, ==, 58);
  g_assert_cmpuint(p->l4_wire_len, ==, 38);
  g_assert_cmpuint(p->payload_len, ==, 6);
  g_assert_cmpuint(p->payload_wire_len, ==, 18);
  g_assert_cmpmem(p->payload, 6, "GET / ", 6);
  g_assert_cmpuint(fx_anom(fx, "frame.snaplen_truncated"), ==, 1);
  g_assert_cmpuint(fx_n_anomalies(fx), ==, 1);
  /* Cut inside the TCP header: truncated, not malformed. */
  g_assert_cmpint(fx_decode_at(fx, scapy_v4_http, 40, sizeof scapy_v4_http, WT_DLT_EN10MB, 1), ==,
                  WT_DECODE_TRUNCATED);
  g_assert_cmpint(p->ip_version, ==, 4);
  /* The same cut without the wire length to explain it is a runt: IP claims more than
   * the wire held, and 6 bytes cannot hold a TCP header. */
  g_assert_cmpint(fx_decode_at(fx, scapy_v4_http, 40, 40, WT_DLT_EN10MB, 1), ==,
                  WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "ip4.bad_length"), ==, 1);
  g_assert_cmpuint(fx_anom(fx, "tcp.truncated_header"), ==, 1);
  const WtDecodeStats *s = wt_decoders_stats(fx->d);
  g_assert_cmpuint(s->snaplen_truncated, ==, 2);
  g_assert_cmpuint(s->truncated, ==, 1);
}

/* 54-byte TCP ACK padded to the 60-byte Ethernet minimum with non-zero bytes: the
 * padding must not become payload. */
static void test_padding(Fx *fx, gconstpointer u)
{
  (void) u;
  g_autoptr(GByteArray) b = g_byte_array_new();
  fb_eth(b, 0x0800);
  gsize ip = fb_ip4(b, 6, 20);
  gsize tcp = fb_tcp(b, 1025, 80, 1, 1, WT_TCP_ACK, 100, NULL, 0, NULL, 0);
  fb_l4_checksum(b, ip, tcp, 20, 6);
  for (int i = 0; i < 6; i++)
    fb_u8(b, 0xee);
  g_assert_cmpuint(b->len, ==, 60);
  check(fx, b, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpuint(fx->pkt.payload_len, ==, 0);
  g_assert_cmpuint(fx->pkt.payload_wire_len, ==, 0);
  g_assert_false(fx->pkt.l4_bad_checksum); /* the sum covers 20 bytes, not 26 */

  /* UDP with 2 payload bytes, padded to 60 */
  g_autoptr(GByteArray) c = g_byte_array_new();
  fb_eth(c, 0x0800);
  ip = fb_ip4(c, 17, 10);
  gsize udp = fb_udp(c, 7, 9, "hi", 2);
  fb_l4_checksum(c, ip, udp, 10, 17);
  while (c->len < 60)
    fb_u8(c, 0xee);
  check(fx, c, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpuint(fx->pkt.payload_len, ==, 2);
  g_assert_cmpmem(fx->pkt.payload, 2, "hi", 2);
  g_assert_cmpuint(fx_n_anomalies(fx), ==, 0);
}

/* ---- IPv4 header checks ---------------------------------------------------------- */

static void test_ip4_options(Fx *fx, gconstpointer u)
{
  (void) u;
  /* NOP, record route (type 7, length 7, pointer 4, one empty slot), EOL */
  static const guint8 opts[] = { 1, 7, 7, 4, 0, 0, 0, 0, 0, 0, 0, 0 };
  g_autoptr(GByteArray) b = g_byte_array_new();
  fb_eth(b, 0x0800);
  gsize ip = fb_ip4_full(b, 17, 12, 1, 0, opts, sizeof opts);
  gsize udp = fb_udp(b, 1, 2, "opts", 4);
  fb_l4_checksum(b, ip, udp, 12, 17);
  check(fx, b, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpuint(fx->pkt.ip_total_len, ==, 32 + 12);
  g_assert_cmpmem(fx->pkt.payload, fx->pkt.payload_len, "opts", 4);
  g_assert_cmpuint(fx_n_anomalies(fx), ==, 0);

  /* option length 9 runs past the 12 option bytes (from offset 4) -> counted */
  static const guint8 bad[] = { 1, 1, 1, 1, 7, 9, 4, 0, 0, 0, 0, 0 };
  g_autoptr(GByteArray) c = g_byte_array_new();
  fb_eth(c, 0x0800);
  ip = fb_ip4_full(c, 17, 8, 1, 0, bad, sizeof bad);
  udp = fb_udp(c, 1, 2, NULL, 0);
  fb_l4_checksum(c, ip, udp, 8, 17);
  check(fx, c, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpuint(fx_anom(fx, "ip4.bad_option"), ==, 1);
}

static void test_ip4_bad_headers(Fx *fx, gconstpointer u)
{
  (void) u;
  g_autoptr(GByteArray) b = g_byte_array_new();
  fb_eth(b, 0x0800);
  add_ip4_tcp(b);

  g_autoptr(GByteArray) v = g_byte_array_new_take(g_memdup2(b->data, b->len), b->len);
  v->data[ETH_HDR] = 0x55; /* version 5 */
  check(fx, v, WT_DLT_EN10MB, WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "ip4.bad_version"), ==, 1);
  g_assert_cmpint(fx->pkt.ip_version, ==, 0);

  g_autoptr(GByteArray) h = g_byte_array_new_take(g_memdup2(b->data, b->len), b->len);
  h->data[ETH_HDR] = 0x44; /* IHL 4 = 16 bytes < 20 */
  check(fx, h, WT_DLT_EN10MB, WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "ip4.bad_header"), ==, 1);

  g_autoptr(GByteArray) t = g_byte_array_new_take(g_memdup2(b->data, b->len), b->len);
  fb_put16(t, ETH_HDR + 2, 19); /* total length below the header length */
  check(fx, t, WT_DLT_EN10MB, WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "ip4.bad_header"), ==, 2);

  /* total length 2000 but the (complete) frame holds 46 IP bytes */
  g_autoptr(GByteArray) l = g_byte_array_new_take(g_memdup2(b->data, b->len), b->len);
  fb_put16(l, ETH_HDR + 2, 2000);
  fx_decode(fx, l->data, l->len, WT_DLT_EN10MB);
  g_assert_cmpuint(fx_anom(fx, "ip4.bad_length"), ==, 1);
  g_assert_cmpuint(fx->pkt.ip_total_len, ==, 46);
  g_assert_cmpint(fx->pkt.dport, ==, 80);
  fb_sweep(l->data, l->len, WT_DLT_EN10MB, WT_DECODE_OK);

  /* total length 0 (segmentation offload): the frame length is used */
  g_autoptr(GByteArray) z = g_byte_array_new_take(g_memdup2(b->data, b->len), b->len);
  fb_put16(z, ETH_HDR + 2, 0);
  g_assert_cmpint(fx_decode(fx, z->data, z->len, WT_DLT_EN10MB), ==, WT_DECODE_OK);
  g_assert_cmpuint(fx_anom(fx, "ip4.zero_total_length"), ==, 1);
  g_assert_cmpuint(fx->pkt.payload_len, ==, 6);
}

/* ---- link layers ----------------------------------------------------------------- */

static void test_vlan(Fx *fx, gconstpointer u)
{
  (void) u;
  g_autoptr(GByteArray) b = g_byte_array_new();
  fb_eth(b, 0x8100);
  fb_vlan(b, 100, 0x0800);
  add_ip4_tcp(b);
  check(fx, b, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpint(fx->pkt.vlan_depth, ==, 1);
  g_assert_cmpint(fx->pkt.vlan_ids[0], ==, 100);
  assert_ip4_tcp(fx);

  /* Q-in-Q: 802.1ad S-tag 10, 802.1Q C-tag 20, IPv6 */
  g_autoptr(GByteArray) q = g_byte_array_new();
  fb_eth(q, 0x88a8);
  fb_vlan(q, 10, 0x8100);
  fb_vlan(q, 20, 0x86dd);
  add_ip6_udp(q);
  check(fx, q, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpint(fx->pkt.vlan_depth, ==, 2);
  g_assert_cmpint(fx->pkt.vlan_ids[0], ==, 10);
  g_assert_cmpint(fx->pkt.vlan_ids[1], ==, 20);
  assert_ip6_udp(fx);

  /* pre-standard 0x9100 outer tag */
  g_autoptr(GByteArray) o = g_byte_array_new();
  fb_eth(o, 0x9100);
  fb_vlan(o, 4094, 0x8100);
  fb_vlan(o, 1, 0x0800);
  add_ip4_tcp(o);
  check(fx, o, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpint(fx->pkt.vlan_depth, ==, 2);
  g_assert_cmpint(fx->pkt.vlan_ids[0], ==, 4094);
  g_assert_cmpint(fx->pkt.vlan_ids[1], ==, 1);
  assert_ip4_tcp(fx);
}

static GByteArray *vlan_stack(guint depth)
{
  GByteArray *b = g_byte_array_new();
  fb_eth(b, 0x8100);
  for (guint i = 0; i < depth; i++)
    fb_vlan(b, (guint16) (i + 1), i + 1 < depth ? 0x8100 : 0x0800);
  add_ip4_tcp(b);
  return b;
}

static void test_deep_vlan(Fx *fx, gconstpointer u)
{
  (void) u;
  /* 6 tags: all decoded, the first 4 ids kept */
  g_autoptr(GByteArray) six = vlan_stack(6);
  check(fx, six, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpint(fx->pkt.vlan_depth, ==, 6);
  for (int i = 0; i < 4; i++)
    g_assert_cmpint(fx->pkt.vlan_ids[i], ==, i + 1);
  assert_ip4_tcp(fx);

  /* exactly the default limit (8) still decodes */
  g_autoptr(GByteArray) eight = vlan_stack(WT_DECODE_DEFAULT_MAX_VLAN_DEPTH);
  check(fx, eight, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpint(fx->pkt.vlan_depth, ==, 8);

  /* one more is malformed, counted */
  g_autoptr(GByteArray) nine = vlan_stack(WT_DECODE_DEFAULT_MAX_VLAN_DEPTH + 1);
  check(fx, nine, WT_DLT_EN10MB, WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "eth.vlan_too_deep"), ==, 1);
  g_assert_cmpint(fx->pkt.ip_version, ==, 0);

  /* a frame of nothing but 300 tags */
  g_autoptr(GByteArray) many = g_byte_array_new();
  fb_eth(many, 0x8100);
  for (int i = 0; i < 300; i++)
    fb_vlan(many, 5, 0x8100);
  check(fx, many, WT_DLT_EN10MB, WT_DECODE_MALFORMED);
}

static void test_mpls(Fx *fx, gconstpointer u)
{
  (void) u;
  g_autoptr(GByteArray) b = g_byte_array_new();
  fb_eth(b, 0x8847);
  fb_mpls(b, 1000, FALSE);
  fb_mpls(b, 2000, TRUE);
  add_ip4_tcp(b);
  check(fx, b, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpint(fx->pkt.mpls_depth, ==, 2);
  assert_ip4_tcp(fx);

  g_autoptr(GByteArray) six = g_byte_array_new();
  fb_eth(six, 0x8848);
  fb_mpls(six, 7, TRUE);
  add_ip6_udp(six);
  check(fx, six, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpint(fx->pkt.mpls_depth, ==, 1);
  assert_ip6_udp(fx);

  /* VLAN, then MPLS, then an Ethernet pseudowire with control word, then VLAN 33 */
  g_autoptr(GByteArray) pw = g_byte_array_new();
  fb_eth(pw, 0x8100);
  fb_vlan(pw, 12, 0x8847);
  fb_mpls(pw, 16, TRUE);
  fb_be32(pw, 0); /* control word */
  fb_eth(pw, 0x8100);
  fb_vlan(pw, 33, 0x0800);
  add_ip4_tcp(pw);
  check(fx, pw, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpint(fx->pkt.vlan_depth, ==, 2);
  g_assert_cmpint(fx->pkt.vlan_ids[0], ==, 12);
  g_assert_cmpint(fx->pkt.vlan_ids[1], ==, 33);
  g_assert_cmpint(fx->pkt.mpls_depth, ==, 1);
  assert_ip4_tcp(fx);

  /* 17 labels without bottom of stack: more than the 16 we walk */
  g_autoptr(GByteArray) deep = g_byte_array_new();
  fb_eth(deep, 0x8847);
  for (int i = 0; i < 17; i++)
    fb_mpls(deep, 5, FALSE);
  add_ip4_tcp(deep);
  check(fx, deep, WT_DLT_EN10MB, WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "mpls.too_deep"), ==, 1);

  /* something that is neither IP nor a control word after the stack */
  g_autoptr(GByteArray) odd = g_byte_array_new();
  fb_eth(odd, 0x8847);
  fb_mpls(odd, 5, TRUE);
  fb_be32(odd, 0x9abcdef0);
  check(fx, odd, WT_DLT_EN10MB, WT_DECODE_UNSUPPORTED);
  g_assert_cmpuint(fx_anom(fx, "mpls.unknown_payload"), ==, 1);
}

static void test_llc(Fx *fx, gconstpointer u)
{
  (void) u;
  /* 802.3 frame, SNAP with OUI 0 carrying IPv4, plus 4 padding bytes */
  g_autoptr(GByteArray) b = g_byte_array_new();
  fb_eth(b, 8 + 46);
  static const guint8 snap[] = { 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00 };
  fb_bytes(b, snap, sizeof snap);
  add_ip4_tcp(b);
  fb_zeros(b, 4);
  check(fx, b, WT_DLT_EN10MB, WT_DECODE_OK);
  assert_ip4_tcp(fx);

  /* spanning tree BPDU: LLC 42 42 03, not ours, counted */
  g_autoptr(GByteArray) stp = g_byte_array_new();
  fb_eth(stp, 38);
  static const guint8 bpdu[] = { 0x42, 0x42, 0x03, 0, 0, 0, 0 };
  fb_bytes(stp, bpdu, sizeof bpdu);
  fb_zeros(stp, 38 - sizeof bpdu + 8);
  check(fx, stp, WT_DLT_EN10MB, WT_DECODE_UNSUPPORTED);
  g_assert_cmpuint(wt_decoders_stats(fx->d)->llc, ==, 2);
  g_assert_cmpint(fx->pkt.ip_version, ==, 0);

  /* ARP: a valid ethertype we do not decode */
  g_autoptr(GByteArray) arp = g_byte_array_new();
  fb_eth(arp, 0x0806);
  fb_zeros(arp, 28);
  check(fx, arp, WT_DLT_EN10MB, WT_DECODE_UNSUPPORTED);
  g_assert_cmpuint(fx_n_anomalies(fx), ==, 0);
}

static void test_sll(Fx *fx, gconstpointer u)
{
  (void) u;
  /* v1: packet type 0 (to us), ARPHRD_ETHER, address length 6, address, IPv4 */
  g_autoptr(GByteArray) b = g_byte_array_new();
  fb_be16(b, 0);
  fb_be16(b, 1);
  fb_be16(b, 6);
  fb_bytes(b, FB_MAC_SRC, 6);
  fb_zeros(b, 2);
  fb_be16(b, 0x0800);
  add_ip4_tcp(b);
  check(fx, b, WT_DLT_LINUX_SLL, WT_DECODE_OK);
  assert_ip4_tcp(fx);

  /* v2: protocol, reserved, ifindex, ARPHRD_ETHER, packet type, addr len, addr[8] */
  g_autoptr(GByteArray) c = g_byte_array_new();
  fb_be16(c, 0x86dd);
  fb_be16(c, 0);
  fb_be32(c, 3);
  fb_be16(c, 1);
  fb_u8(c, 4);
  fb_u8(c, 6);
  fb_bytes(c, FB_MAC_SRC, 6);
  fb_zeros(c, 2);
  add_ip6_udp(c);
  check(fx, c, WT_DLT_LINUX_SLL2, WT_DECODE_OK);
  assert_ip6_udp(fx);
}

static void test_raw(Fx *fx, gconstpointer u)
{
  (void) u;
  g_autoptr(GByteArray) v4 = g_byte_array_new();
  add_ip4_tcp(v4);
  g_autoptr(GByteArray) v6 = g_byte_array_new();
  add_ip6_udp(v6);
  static const int raw[] = { WT_DLT_RAW, WT_DLT_RAW_OPENBSD, WT_LINKTYPE_RAW };
  for (guint i = 0; i < G_N_ELEMENTS(raw); i++) {
    check(fx, v4, raw[i], WT_DECODE_OK);
    assert_ip4_tcp(fx);
    check(fx, v6, raw[i], WT_DECODE_OK);
    assert_ip6_udp(fx);
  }
  check(fx, v4, WT_DLT_IPV4, WT_DECODE_OK);
  assert_ip4_tcp(fx);
  check(fx, v6, WT_DLT_IPV6, WT_DECODE_OK);
  assert_ip6_udp(fx);
  /* DLT_IPV4 holding an IPv6 packet: the IPv4 decoder refuses it */
  check(fx, v6, WT_DLT_IPV4, WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "ip4.bad_version"), ==, 1);
  /* raw with version nibble 5 */
  g_autoptr(GByteArray) bad = g_byte_array_new_take(g_memdup2(v4->data, v4->len), v4->len);
  bad->data[0] = 0x55;
  check(fx, bad, WT_DLT_RAW, WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "raw.bad_version"), ==, 1);
}

static void test_loopback(Fx *fx, gconstpointer u)
{
  (void) u;
  struct {
    int dlt;
    gboolean big_endian;
    guint32 family;
    gboolean v6;
  } cases[] = {
    { WT_DLT_NULL, FALSE, 2, FALSE },  { WT_DLT_NULL, TRUE, 2, FALSE },
    { WT_DLT_LOOP, TRUE, 2, FALSE },   { WT_DLT_NULL, FALSE, 24, TRUE },
    { WT_DLT_NULL, FALSE, 28, TRUE },  { WT_DLT_NULL, FALSE, 30, TRUE },
    { WT_DLT_LOOP, TRUE, 30, TRUE },   { WT_DLT_NULL, TRUE, 28, TRUE },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GByteArray) b = g_byte_array_new();
    if (cases[i].big_endian)
      fb_be32(b, cases[i].family);
    else
      fb_le32(b, cases[i].family);
    if (cases[i].v6)
      add_ip6_udp(b);
    else
      add_ip4_tcp(b);
    check(fx, b, cases[i].dlt, WT_DECODE_OK);
    if (cases[i].v6)
      assert_ip6_udp(fx);
    else
      assert_ip4_tcp(fx);
  }
  /* AF 7 (OSI): not IP */
  g_autoptr(GByteArray) o = g_byte_array_new();
  fb_le32(o, 7);
  add_ip4_tcp(o);
  check(fx, o, WT_DLT_NULL, WT_DECODE_UNSUPPORTED);
  g_assert_cmpint(fx->pkt.ip_version, ==, 0);
  g_assert_cmpuint(fx_n_anomalies(fx), ==, 0);
}

static void test_nflog(Fx *fx, gconstpointer u)
{
  (void) u;
  /* family AF_INET, version 0, resource id 0 (big endian); a prefix TLV (type 10,
   * 4 + 5 bytes, padded to 12), then the payload TLV (type 9). TLV fields are in host
   * byte order. */
  g_autoptr(GByteArray) ip = g_byte_array_new();
  add_ip4_tcp(ip);
  g_autoptr(GByteArray) b = g_byte_array_new();
  fb_u8(b, 2);
  fb_u8(b, 0);
  fb_be16(b, 0);
  guint16 tlv[2] = { 9, 10 };
  fb_bytes(b, tlv, 4);
  fb_bytes(b, "pfx\0\0\0\0\0", 8);
  tlv[0] = (guint16) (4 + ip->len);
  tlv[1] = 9;
  fb_bytes(b, tlv, 4);
  fb_bytes(b, ip->data, ip->len);
  fb_zeros(b, 2); /* padding after the payload must not reach IP */
  check(fx, b, WT_DLT_NFLOG, WT_DECODE_OK);
  assert_ip4_tcp(fx);
}

static void test_unknown_linktype(Fx *fx, gconstpointer u)
{
  (void) u;
  g_autoptr(GByteArray) b = g_byte_array_new();
  add_ip4_tcp(b);
  check(fx, b, 147 /* DLT_USER0 */, WT_DECODE_UNSUPPORTED);
  g_assert_cmpuint(fx_anom(fx, "link.unknown_linktype"), ==, 1);
  const WtDecodeStats *s = wt_decoders_stats(fx->d);
  g_assert_cmpuint(s->other.packets, ==, 1);
}

/* ---- IPv6 extension headers --------------------------------------------------------- */

/* Generic extension header: next header, length in 8-byte units after the first 8, PadN. */
static void fb_ext(GByteArray *b, guint8 nh, guint8 units)
{
  fb_u8(b, nh);
  fb_u8(b, units);
  gsize pad = (gsize) (units + 1) * 8 - 2;
  fb_u8(b, 1); /* PadN option covering the rest */
  fb_u8(b, (guint8) (pad - 2 > 255 ? 0 : pad - 2));
  fb_zeros(b, pad - 2);
}

static void test_ip6_ext_chain(Fx *fx, gconstpointer u)
{
  (void) u;
  /* HBH (8) + dest opts (16) + routing (8) + atomic fragment (8) + AH (12+4=16) + TCP */
  g_autoptr(GByteArray) b = g_byte_array_new();
  fb_eth(b, 0x86dd);
  gsize ip = fb_ip6(b, 0, 8 + 16 + 8 + 8 + 16 + 26);
  fb_ext(b, 60, 0);
  fb_ext(b, 43, 1);
  fb_u8(b, 44); /* routing: nh, len 0, type 4, segments left 0, 4 bytes */
  fb_u8(b, 0);
  fb_u8(b, 4);
  fb_u8(b, 0);
  fb_zeros(b, 4);
  fb_u8(b, 51); /* atomic fragment: offset 0, M 0 */
  fb_u8(b, 0);
  fb_be16(b, 0);
  fb_be32(b, 0xabcdef);
  fb_u8(b, 6); /* AH: payload len 2 -> (2+2)*4 = 16 bytes */
  fb_u8(b, 2);
  fb_zeros(b, 14);
  gsize tcp = fb_tcp(b, 1025, 80, 100, 200, WT_TCP_ACK | WT_TCP_PSH, 1000, NULL, 0, "hello!", 6);
  fb_l4_checksum(b, ip, tcp, 26, 6);
  check(fx, b, WT_DLT_EN10MB, WT_DECODE_OK);
  WtPacket *p = &fx->pkt;
  g_assert_cmpint(p->ip_proto, ==, 6);
  g_assert_cmpuint(p->ip_total_len, ==, 40 + 56 + 26);
  g_assert_cmpuint(p->l4_wire_len, ==, 26);
  g_assert_cmpint(p->sport, ==, 1025);
  g_assert_cmpmem(p->payload, p->payload_len, "hello!", 6);
  g_assert_false(p->l4_bad_checksum);
  g_assert_cmpuint(fx_n_anomalies(fx), ==, 0);

  /* an extension header longer than the payload length says */
  g_autoptr(GByteArray) c = g_byte_array_new();
  fb_eth(c, 0x86dd);
  fb_ip6(c, 60, 8);
  fb_ext(c, 17, 1); /* 16 bytes, payload length only 8 */
  check(fx, c, WT_DLT_EN10MB, WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "ip6.bad_ext_length"), ==, 1);

  /* hop-by-hop after another extension header */
  g_autoptr(GByteArray) h = g_byte_array_new();
  fb_eth(h, 0x86dd);
  gsize ip6 = fb_ip6(h, 60, 16 + 12);
  fb_ext(h, 0, 0);
  fb_ext(h, 17, 0);
  gsize u6 = fb_udp(h, 3, 4, "four", 4);
  fb_l4_checksum(h, ip6, u6, 12, 17);
  check(fx, h, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpuint(fx_anom(fx, "ip6.hbh_not_first"), ==, 1);
  g_assert_cmpint(fx->pkt.dport, ==, 4);
  g_assert_false(fx->pkt.l4_bad_checksum);

  /* ESP: opaque, counted as other with ip_proto 50 */
  g_autoptr(GByteArray) e = g_byte_array_new();
  fb_eth(e, 0x86dd);
  fb_ip6(e, 50, 16);
  fb_zeros(e, 16);
  check(fx, e, WT_DLT_EN10MB, WT_DECODE_UNSUPPORTED);
  g_assert_cmpint(fx->pkt.ip_proto, ==, 50);
  g_assert_cmpuint(fx->pkt.payload_len, ==, 16);
}

/* A chain of WT_IP6_MAX_EXT_HEADERS destination-options headers of the largest size
 * each (length 255: 2048 bytes) still decodes; one header more is counted. */
static GByteArray *long_chain(guint n)
{
  GByteArray *b = g_byte_array_new();
  fb_eth(b, 0x86dd);
  gsize ip = fb_ip6(b, 60, (guint16) (n * 2048 + 8 + 3));
  for (guint i = 0; i < n; i++)
    fb_ext(b, i + 1 < n ? 60 : 17, 255);
  gsize udp = fb_udp(b, 9, 9, "end", 3);
  fb_l4_checksum(b, ip, udp, 11, 17);
  return b;
}

static void test_ip6_max_chain(Fx *fx, gconstpointer u)
{
  (void) u;
  g_autoptr(GByteArray) max = long_chain(WT_IP6_MAX_EXT_HEADERS);
  g_assert_cmpuint(max->len, ==, 14 + 40 + 16 * 2048 + 11);
  check(fx, max, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpint(fx->pkt.ip_proto, ==, 17);
  g_assert_cmpmem(fx->pkt.payload, fx->pkt.payload_len, "end", 3);
  g_assert_false(fx->pkt.l4_bad_checksum);

  g_autoptr(GByteArray) over = long_chain(WT_IP6_MAX_EXT_HEADERS + 1);
  g_assert_cmpint(fx_decode(fx, over->data, over->len, WT_DLT_EN10MB), ==, WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "ip6.too_many_ext"), ==, 1);
}

/* ---- transport headers ------------------------------------------------------------ */

static void test_tcp_bad(Fx *fx, gconstpointer u)
{
  (void) u;
  g_autoptr(GByteArray) b = g_byte_array_new();
  fb_eth(b, 0x0800);
  add_ip4_tcp(b);
  gsize tcp = ETH_HDR + 20;

  g_autoptr(GByteArray) lo = g_byte_array_new_take(g_memdup2(b->data, b->len), b->len);
  lo->data[tcp + 12] = 0x40 | (lo->data[tcp + 12] & 0x0f); /* data offset 4 = 16 bytes */
  check(fx, lo, WT_DLT_EN10MB, WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "tcp.bad_data_offset"), ==, 1);

  g_autoptr(GByteArray) hi = g_byte_array_new_take(g_memdup2(b->data, b->len), b->len);
  hi->data[tcp + 12] = 0x70; /* 28 bytes > the 26 the IP header leaves */
  check(fx, hi, WT_DLT_EN10MB, WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "tcp.bad_data_offset"), ==, 2);

  /* options: MSS with length 3, then length 0 */
  static const guint8 opts[] = { 2, 3, 5, 1, 8, 0, 0, 0 };
  g_autoptr(GByteArray) o = g_byte_array_new();
  fb_eth(o, 0x0800);
  gsize ip = fb_ip4(o, 6, 28);
  gsize t = fb_tcp(o, 1, 2, 3, 4, WT_TCP_SYN, 5, opts, sizeof opts, NULL, 0);
  fb_l4_checksum(o, ip, t, 28, 6);
  check(fx, o, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpuint(fx_anom(fx, "tcp.bad_option_length"), ==, 2);
  g_assert_cmpint(fx->pkt.tcp_mss, ==, 0);

  /* window scale 15 is clamped to 14 */
  static const guint8 ws[] = { 3, 3, 15, 0 };
  g_autoptr(GByteArray) w = g_byte_array_new();
  fb_eth(w, 0x0800);
  ip = fb_ip4(w, 6, 24);
  t = fb_tcp(w, 1, 2, 3, 4, WT_TCP_SYN, 5, ws, sizeof ws, NULL, 0);
  fb_l4_checksum(w, ip, t, 24, 6);
  check(fx, w, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpint(fx->pkt.tcp_wscale, ==, 14);
  g_assert_cmpuint(fx_anom(fx, "tcp.bad_window_scale"), ==, 1);

  /* IP says 10 bytes of TCP */
  g_autoptr(GByteArray) s = g_byte_array_new();
  fb_eth(s, 0x0800);
  fb_ip4(s, 6, 10);
  fb_zeros(s, 10);
  check(fx, s, WT_DLT_EN10MB, WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "tcp.truncated_header"), ==, 1);
}

static void test_udp_bad(Fx *fx, gconstpointer u)
{
  (void) u;
  g_autoptr(GByteArray) b = g_byte_array_new();
  fb_eth(b, 0x0800);
  gsize ip = fb_ip4(b, 17, 8 + 4);
  gsize udp = fb_udp(b, 1, 2, "data", 4);
  fb_l4_checksum(b, ip, udp, 12, 17);

  g_autoptr(GByteArray) s = g_byte_array_new_take(g_memdup2(b->data, b->len), b->len);
  fb_put16(s, udp + 4, 7);
  check(fx, s, WT_DLT_EN10MB, WT_DECODE_MALFORMED);
  g_assert_cmpuint(fx_anom(fx, "udp.bad_length"), ==, 1);

  /* UDP length 10 < 12 IP payload bytes: payload narrowed to 2, counted */
  g_autoptr(GByteArray) n = g_byte_array_new_take(g_memdup2(b->data, b->len), b->len);
  fb_put16(n, udp + 4, 10);
  fb_l4_checksum(n, ETH_HDR, udp, 10, 17);
  check(fx, n, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpuint(fx_anom(fx, "udp.bad_length"), ==, 2);
  g_assert_cmpmem(fx->pkt.payload, fx->pkt.payload_len, "da", 2);

  /* UDP length 100 > IP payload: the IP length wins */
  g_autoptr(GByteArray) l = g_byte_array_new_take(g_memdup2(b->data, b->len), b->len);
  fb_put16(l, udp + 4, 100);
  check(fx, l, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpuint(fx_anom(fx, "udp.bad_length"), ==, 3);
  g_assert_cmpmem(fx->pkt.payload, fx->pkt.payload_len, "data", 4);

  /* checksum 0 over IPv4: not computed, fine */
  g_autoptr(GByteArray) z = g_byte_array_new_take(g_memdup2(b->data, b->len), b->len);
  fb_put16(z, udp + 6, 0);
  check(fx, z, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_false(fx->pkt.l4_bad_checksum);
  g_assert_cmpuint(fx_anom(fx, "udp.bad_checksum"), ==, 0);

  /* checksum 0 over IPv6 is not allowed (RFC 8200 8.1): counted, not verified */
  g_autoptr(GByteArray) z6 = g_byte_array_new();
  fb_eth(z6, 0x86dd);
  fb_ip6(z6, 17, 8 + 4);
  fb_udp(z6, 1, 2, "data", 4);
  check(fx, z6, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_false(fx->pkt.l4_bad_checksum);
  g_assert_cmpuint(fx_anom(fx, "udp.zero_checksum_ipv6"), ==, 1);

  /* wrong checksum */
  g_autoptr(GByteArray) w = g_byte_array_new_take(g_memdup2(b->data, b->len), b->len);
  w->data[udp + 6] ^= 0x10;
  check(fx, w, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_true(fx->pkt.l4_bad_checksum);
  g_assert_cmpuint(fx_anom(fx, "udp.bad_checksum"), ==, 1);
}

static void test_icmp(Fx *fx, gconstpointer u)
{
  (void) u;
  /* echo request, id 1, seq 2, 4 data bytes */
  g_autoptr(GByteArray) b = g_byte_array_new();
  fb_eth(b, 0x0800);
  fb_ip4(b, 1, 12);
  static const guint8 echo[] = { 8, 0, 0, 0, 0, 1, 0, 2, 'p', 'i', 'n', 'g' };
  fb_bytes(b, echo, sizeof echo);
  check(fx, b, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpint(fx->pkt.icmp_type, ==, 8);
  g_assert_cmpint(fx->pkt.icmp_code, ==, 0);

  /* ICMPv6 destination unreachable, code 4 (port unreachable) */
  g_autoptr(GByteArray) c = g_byte_array_new();
  fb_eth(c, 0x86dd);
  fb_ip6(c, 58, 8);
  static const guint8 unreach[] = { 1, 4, 0, 0, 0, 0, 0, 0 };
  fb_bytes(c, unreach, sizeof unreach);
  check(fx, c, WT_DLT_EN10MB, WT_DECODE_OK);
  g_assert_cmpint(fx->pkt.icmp_type, ==, 1);
  g_assert_cmpint(fx->pkt.icmp_code, ==, 4);

  const WtDecodeStats *s = wt_decoders_stats(fx->d);
  g_assert_cmpuint(s->icmp.packets, ==, 1);
  g_assert_cmpuint(s->icmp.bytes, ==, 14 + 20 + 12);
  g_assert_cmpuint(s->icmp_types[8], ==, 1);
  g_assert_cmpuint(s->icmpv6.packets, ==, 1);
  g_assert_cmpuint(s->icmpv6_types[1], ==, 1);
}

/* ---- the tap ---------------------------------------------------------------------- */

static void test_stats_and_report(Fx *fx, gconstpointer u)
{
  (void) u;
  fx_decode(fx, scapy_v4_syn, sizeof scapy_v4_syn, WT_DLT_EN10MB);   /* 74 bytes tcp */
  fx_decode(fx, scapy_v4_http, sizeof scapy_v4_http, WT_DLT_EN10MB); /* 72 bytes tcp */
  fx_decode(fx, scapy_v6_udp, sizeof scapy_v6_udp, WT_DLT_EN10MB);   /* 67 bytes udp */
  g_autoptr(GByteArray) raw = g_byte_array_new();
  add_ip6_udp(raw);                                                  /* 52 bytes udp */
  fx_decode(fx, raw->data, raw->len, WT_DLT_RAW);
  g_autoptr(GByteArray) arp = g_byte_array_new();
  fb_eth(arp, 0x0806);
  fb_zeros(arp, 46);                                                 /* 60 bytes other */
  fx_decode(fx, arp->data, arp->len, WT_DLT_EN10MB);

  const WtDecodeStats *s = wt_decoders_stats(fx->d);
  g_assert_cmpuint(s->frames, ==, 5);
  g_assert_cmpuint(s->bytes, ==, 74 + 72 + 67 + 52 + 60);
  g_assert_cmpuint(s->ipv4.packets, ==, 2);
  g_assert_cmpuint(s->ipv4.bytes, ==, 74 + 72);
  g_assert_cmpuint(s->ipv6.packets, ==, 2);
  g_assert_cmpuint(s->ipv6.bytes, ==, 67 + 52);
  g_assert_cmpuint(s->tcp.packets, ==, 2);
  g_assert_cmpuint(s->udp.packets, ==, 2);
  g_assert_cmpuint(s->udp.bytes, ==, 67 + 52);
  g_assert_cmpuint(s->other.packets, ==, 1);
  g_assert_cmpuint(s->other.bytes, ==, 60);
  g_assert_cmpuint(s->n_link, ==, 2);
  g_assert_cmpint(s->link[0].dlt, ==, WT_DLT_EN10MB);
  g_assert_cmpuint(s->link[0].frames, ==, 4);
  g_assert_cmpuint(s->link[0].bytes, ==, 74 + 72 + 67 + 60);
  g_assert_cmpint(s->link[1].dlt, ==, WT_DLT_RAW);
  g_assert_cmpuint(s->link[1].bytes, ==, 52);

  g_autoptr(WtDecoders) twin = wt_decoders_new(NULL);
  wt_decoders_merge(twin, fx->d);
  wt_decoders_merge(twin, fx->d);
  const WtDecodeStats *t = wt_decoders_stats(twin);
  g_assert_cmpuint(t->frames, ==, 10);
  g_assert_cmpuint(t->tcp.bytes, ==, 2 * (74 + 72));
  g_assert_cmpuint(t->n_link, ==, 2);
  g_assert_cmpuint(t->link[0].frames, ==, 8);
  g_assert_cmpuint(t->link[1].bytes, ==, 104);

  g_assert_cmpstr(wt_linktype_name(1), ==, "EN10MB");
  g_assert_cmpstr(wt_linktype_name(113), ==, "LINUX_SLL");
  g_assert_cmpstr(wt_linktype_name(276), ==, "LINUX_SLL2");
  g_assert_cmpstr(wt_linktype_name(101), ==, "RAW");
  g_assert_cmpstr(wt_linktype_name(0), ==, "NULL");

  g_autoptr(WtReport) r = wt_report_new();
  wt_decoders_report(fx->d, r);
  char *json = NULL;
  size_t json_len = 0;
  FILE *out = open_memstream(&json, &json_len);
  wt_report_write_json(r, out);
  fclose(out);
  GString *compact = g_string_new(NULL);
  for (const char *c = json; *c; c++)
    if (*c != ' ' && *c != '\n' && *c != '\t')
      g_string_append_c(compact, *c);
  free(json);
  g_autofree char *cj = g_string_free(compact, FALSE);
  g_assert_nonnull(strstr(cj, "\"protocols\":{"));
  g_assert_nonnull(strstr(cj, "\"tcp\":{\"packets\":2,\"bytes\":146}"));
  g_assert_nonnull(strstr(cj, "\"ipv6\":{\"packets\":2,\"bytes\":119}"));
  g_assert_nonnull(strstr(cj, "\"other\":{\"packets\":1,\"bytes\":60}"));
  g_assert_nonnull(strstr(cj, "\"link_types\":{\"EN10MB\":4,\"RAW\":1}"));
  /* no ICMP seen: the maps are still there, empty */
  g_assert_nonnull(strstr(cj, "\"icmp_types\":{}"));
  g_assert_nonnull(strstr(cj, "\"icmpv6_types\":{}"));
}

static void test_addr(void)
{
  WtAddr a = { 0 }, b = { 0 };
  char buf[64];
  a.family = 4;
  memcpy(a.bytes, FB_IP4_A, 4);
  g_assert_cmpstr(wt_addr_to_string(&a, buf, sizeof buf), ==, "192.0.2.1");
  b.family = 6;
  memcpy(b.bytes, FB_IP6_B, 16);
  g_assert_cmpstr(wt_addr_to_string(&b, buf, sizeof buf), ==, "2001:db8::2");
  g_assert_cmpint(wt_addr_compare(&a, &b), <, 0);
  g_assert_cmpint(wt_addr_compare(&b, &a), >, 0);
  g_assert_cmpint(wt_addr_compare(&a, &a), ==, 0);
  WtAddr c = a;
  c.bytes[3] = 2;
  g_assert_cmpint(wt_addr_compare(&a, &c), <, 0);
}

#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  ADD("/decode/scapy/ipv4-syn", test_scapy_v4_syn);
  ADD("/decode/scapy/ipv4-http", test_scapy_v4_http);
  ADD("/decode/scapy/ipv6", test_scapy_v6);
  ADD("/decode/checksum/l4-bad", test_bad_l4_checksum);
  ADD("/decode/checksum/ip4-bad", test_ip4_bad_checksum);
  ADD("/decode/ip4/snaplen", test_snaplen);
  ADD("/decode/ip4/padding", test_padding);
  ADD("/decode/ip4/options", test_ip4_options);
  ADD("/decode/ip4/bad-headers", test_ip4_bad_headers);
  ADD("/decode/link/vlan", test_vlan);
  ADD("/decode/link/deep-vlan", test_deep_vlan);
  ADD("/decode/link/mpls", test_mpls);
  ADD("/decode/link/llc", test_llc);
  ADD("/decode/link/sll", test_sll);
  ADD("/decode/link/raw", test_raw);
  ADD("/decode/link/loopback", test_loopback);
  ADD("/decode/link/nflog", test_nflog);
  ADD("/decode/link/unknown", test_unknown_linktype);
  ADD("/decode/ip6/ext-chain", test_ip6_ext_chain);
  ADD("/decode/ip6/max-chain", test_ip6_max_chain);
  ADD("/decode/tcp/bad", test_tcp_bad);
  ADD("/decode/udp/bad", test_udp_bad);
  ADD("/decode/icmp", test_icmp);
  ADD("/decode/stats-and-report", test_stats_and_report);
  g_test_add_func("/decode/addr", test_addr);
  return g_test_run();
}
