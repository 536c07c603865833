/* wt_decode_frame's fast path (wt_decode_frame_fast: Ethernet II, IPv4 without options or
 * IPv6 without extension headers, TCP or UDP, from fixed offsets) gives exactly what the
 * decode tables give (wt_decode_frame_tables) whenever it takes a frame: every field of
 * the packet, the protocol counters of the report and the anomalies. Checked on every
 * frame of every capture in captures/ and the shared corpus (its sub-folders too), on
 * every snaplen cut of each frame's first 96 bytes (the wire length kept, and as a short
 * frame), and with the header fields the decoders look at replaced by the values they
 * single out. Where the fast path declines, it must have counted nothing. The verdict the
 * --threads reading gives ahead on the TCP or UDP checksum (wt_decode_l4_sum) is the fast
 * path's on every variant, none where it declines, and decoding with it is decoding
 * without it.
 *
 * How often it takes a frame is checked against tshark on two captures (both Ethernet,
 * every frame TCP over IPv6 or IPv4 without options: the fast path takes the segments
 * without options or with exactly NOP, NOP, timestamps; the handshake's go to the tables):
 *   F='tcp && (tcp.hdr_len == 20 || (tcp.hdr_len == 32 && tcp.options[0:4] == 01:01:08:0a))'
 *   tshark -n -r captures/http-lo-ipv6.pcap -Y "$F" | wc -l            -> 37 (of 41)
 *   tshark -n -r ../shared/captures/zeek-http-get.pcap -Y "$F" | wc -l -> 12 (of 14) */
#include "tests/unit/capture-corpus.h"
#include "analyzer/pipeline/decode.h"
#include "dissectors/link/link.h"
#include "dissectors/ip/ip.h"

#include <pcap/pcap.h>
#include <string.h>

/* Both halves, each with its own decoders and anomaly table, fed the same variants; and
 * the fast path given wt_decode_l4_sum's verdict (the --threads reading's), which must
 * decode every frame as the fast path does, and the opposite verdict, which must be the
 * one it takes. */
typedef struct {
  WtDecoders *fast, *tables, *with_sum, *flipped;
  WtAnomalies *fast_an, *tables_an, *with_sum_an, *flipped_an;
  WtCorpusCounts *counts;
} Pair;

/* A field added to WtPacket must be added to same_packet below. */
G_STATIC_ASSERT(sizeof(WtPacket) == 200);

static void same_addr(const WtAddr *x, const WtAddr *y)
{
  g_assert_cmpuint(x->family, ==, y->family);
  g_assert_cmpmem(x->pad, sizeof x->pad, y->pad, sizeof y->pad);
  g_assert_cmpmem(x->bytes, sizeof x->bytes, y->bytes, sizeof y->bytes);
}

static void same_packet(const WtPacket *x, const WtPacket *y)
{
  g_assert_cmpint(x->ts_ns, ==, y->ts_ns);
  g_assert_cmpuint(x->caplen, ==, y->caplen);
  g_assert_cmpuint(x->wirelen, ==, y->wirelen);
  g_assert_cmpint(x->linktype, ==, y->linktype);
  g_assert_true(x->frame == y->frame);
  g_assert_cmpint(x->headers_only, ==, y->headers_only);
  g_assert_cmpmem(x->vlan_ids, sizeof x->vlan_ids, y->vlan_ids, sizeof y->vlan_ids);
  g_assert_cmpuint(x->vlan_depth, ==, y->vlan_depth);
  g_assert_cmpuint(x->mpls_depth, ==, y->mpls_depth);
  g_assert_cmpuint(x->ip_version, ==, y->ip_version);
  g_assert_cmpuint(x->ip_proto, ==, y->ip_proto);
  g_assert_cmpuint(x->ttl, ==, y->ttl);
  g_assert_cmpint(x->ip_reassembled, ==, y->ip_reassembled);
  same_addr(&x->src, &y->src);
  same_addr(&x->dst, &y->dst);
  g_assert_cmpuint(x->ip_total_len, ==, y->ip_total_len);
  g_assert_cmpuint(x->l4_wire_len, ==, y->l4_wire_len);
  g_assert_cmpint(x->ip_fragment, ==, y->ip_fragment);
  g_assert_cmpuint(x->frag_id, ==, y->frag_id);
  g_assert_cmpuint(x->frag_offset, ==, y->frag_offset);
  g_assert_cmpuint(x->frag_len, ==, y->frag_len);
  g_assert_cmpint(x->frag_more, ==, y->frag_more);
  g_assert_cmpuint(x->sport, ==, y->sport);
  g_assert_cmpuint(x->dport, ==, y->dport);
  g_assert_cmpuint(x->tcp_seq, ==, y->tcp_seq);
  g_assert_cmpuint(x->tcp_ack, ==, y->tcp_ack);
  g_assert_cmpuint(x->tcp_flags, ==, y->tcp_flags);
  g_assert_cmpuint(x->tcp_hdr_len, ==, y->tcp_hdr_len);
  g_assert_cmpuint(x->tcp_win, ==, y->tcp_win);
  g_assert_cmpint(x->tcp_wscale, ==, y->tcp_wscale);
  g_assert_cmpuint(x->tcp_mss, ==, y->tcp_mss);
  g_assert_cmpint(x->tcp_sack_ok, ==, y->tcp_sack_ok);
  g_assert_cmpint(x->tcp_has_ts, ==, y->tcp_has_ts);
  g_assert_cmpuint(x->tcp_tsval, ==, y->tcp_tsval);
  g_assert_cmpuint(x->tcp_tsecr, ==, y->tcp_tsecr);
  g_assert_cmpint(x->l4_bad_checksum, ==, y->l4_bad_checksum);
  g_assert_cmpuint(x->icmp_type, ==, y->icmp_type);
  g_assert_cmpuint(x->icmp_code, ==, y->icmp_code);
  g_assert_cmpuint(x->tunnel_depth, ==, y->tunnel_depth);
  g_assert_cmpuint(x->tunnel_type, ==, y->tunnel_type);
  g_assert_cmpint(x->tunnel_tried, ==, y->tunnel_tried);
  g_assert_cmpuint(x->tunnel_id, ==, y->tunnel_id);
  g_assert_true(x->payload == y->payload);
  g_assert_cmpuint(x->payload_len, ==, y->payload_len);
  g_assert_cmpuint(x->payload_wire_len, ==, y->payload_wire_len);
  g_assert_true(x->reassembled_buf == y->reassembled_buf);
}

static void same_anomalies(const WtAnomalies *x, const WtAnomalies *y)
{
  g_autoptr(GPtrArray) nx = wt_anomalies_names(x);
  g_autoptr(GPtrArray) ny = wt_anomalies_names(y);
  g_assert_cmpuint(nx->len, ==, ny->len);
  for (guint i = 0; i < nx->len; i++) {
    const char *n = g_ptr_array_index(nx, i);
    g_assert_cmpstr(n, ==, g_ptr_array_index(ny, i));
    g_assert_cmpuint(wt_anomaly_get(x, n), ==, wt_anomaly_get(y, n));
  }
}

static void same_stats(const WtDecodeStats *x, const WtDecodeStats *y)
{
  /* the counters are 64-bit words and ints in pairs: no padding to differ */
  g_assert_cmpmem(x, sizeof *x, y, sizeof *y);
}

/* A packet as the analyzer hands it over: the frame fields set, the rest left as it was
 * (filled with a pattern, so a field the fast path forgets shows). */
static void frame_packet(WtPacket *pkt, const guint8 *bytes, guint32 caplen, guint32 wirelen,
                         int linktype)
{
  memset(pkt, 0xa5, sizeof *pkt);
  pkt->ts_ns = 1234567890;
  pkt->caplen = caplen;
  pkt->wirelen = wirelen;
  pkt->linktype = linktype;
  pkt->frame = bytes;
}

static void assert_same_decode(Pair *p, const guint8 *bytes, guint32 caplen, guint32 wirelen,
                               int linktype, WtCorpusCounts *c)
{
  c->variants++;
  /* a buffer of exactly caplen bytes: a read past the cut is an error under ASan */
  g_autofree guint8 *exact = g_memdup2(bytes, caplen);
  WtPacket fast, slow;
  frame_packet(&fast, exact, caplen, wirelen, linktype);
  WtL4Sum sum = wt_decode_l4_sum(p->with_sum, exact, caplen, wirelen, linktype);
  if (!wt_decode_frame_fast(p->fast, &fast, p->fast_an)) {
    /* declined: nothing counted (the tables' twin did not see it either), no verdict */
    same_stats(wt_decoders_stats(p->fast), wt_decoders_stats(p->tables));
    g_assert_cmpint(sum, ==, WT_L4_SUM_UNKNOWN);
    return;
  }
  g_assert_cmpint(sum, ==, fast.l4_bad_checksum ? WT_L4_SUM_BAD : WT_L4_SUM_OK);
  WtPacket with;
  frame_packet(&with, exact, caplen, wirelen, linktype);
  g_assert_cmpint(wt_decode_frame_with_sum(p->with_sum, &with, p->with_sum_an, sum), ==,
                  WT_DECODE_OK);
  same_packet(&with, &fast);
  same_stats(wt_decoders_stats(p->with_sum), wt_decoders_stats(p->fast));
  same_anomalies(p->with_sum_an, p->fast_an);
  /* a UDP checksum of zero over IPv4 is not verified: no verdict to take */
  gboolean verified = fast.ip_proto == WT_IPPROTO_TCP || fast.payload[-2] || fast.payload[-1];
  WtPacket flipped;
  frame_packet(&flipped, exact, caplen, wirelen, linktype);
  wt_decode_frame_with_sum(p->flipped, &flipped, p->flipped_an,
                           sum == WT_L4_SUM_OK ? WT_L4_SUM_BAD : WT_L4_SUM_OK);
  g_assert_cmpint(flipped.l4_bad_checksum, ==, verified ? !fast.l4_bad_checksum : FALSE);
  c->fast++;
  frame_packet(&slow, exact, caplen, wirelen, linktype);
  g_assert_cmpint(wt_decode_frame_tables(p->tables, &slow, p->tables_an), ==, WT_DECODE_OK);
  same_packet(&fast, &slow);
  same_stats(wt_decoders_stats(p->fast), wt_decoders_stats(p->tables));
  same_anomalies(p->fast_an, p->tables_an);
}

static void put16(guint8 *p, guint v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

/* One 16-bit field at `off` set to each of `values`, the frame restored after each. */
static void try_values16(Pair *p, const guint8 *bytes, guint32 caplen, guint32 wirelen,
                         guint off, const guint *values, guint n, WtCorpusCounts *c)
{
  if (off + 2 > caplen)
    return;
  g_autofree guint8 *m = g_memdup2(bytes, caplen);
  for (guint i = 0; i < n; i++) {
    put16(m + off, values[i]);
    assert_same_decode(p, m, caplen, wirelen, WT_DLT_EN10MB, c);
  }
}

/* One byte at `off` set to each of `values`. */
static void try_values8(Pair *p, const guint8 *bytes, guint32 caplen, guint32 wirelen,
                        guint off, const guint8 *values, guint n, WtCorpusCounts *c)
{
  if (off >= caplen)
    return;
  g_autofree guint8 *m = g_memdup2(bytes, caplen);
  for (guint i = 0; i < n; i++) {
    m[off] = values[i];
    assert_same_decode(p, m, caplen, wirelen, WT_DLT_EN10MB, c);
  }
}

/* The transport header at `l4`: ports (tunnel ports among them), lengths, the data offset,
 * the option bytes of the fast layout, the checksum. */
static void mutate_l4(Pair *p, const guint8 *bytes, guint32 caplen, guint32 wirelen,
                      guint l4, guint8 proto, WtCorpusCounts *c)
{
  const guint ports[] = { 0, 53, 80, WT_PORT_VXLAN, WT_PORT_GENEVE, WT_PORT_GTPU,
                          WT_PORT_TEREDO, 0xffff };
  try_values16(p, bytes, caplen, wirelen, l4, ports, G_N_ELEMENTS(ports), c);
  try_values16(p, bytes, caplen, wirelen, l4 + 2, ports, G_N_ELEMENTS(ports), c);
  const guint sums[] = { 0, 1, 0xffff };
  if (proto == WT_IPPROTO_UDP) {
    guint body = caplen - l4;
    const guint lens[] = { 0, 7, 8, body - 1, body, body + 1, 0xffff };
    try_values16(p, bytes, caplen, wirelen, l4 + 4, lens, G_N_ELEMENTS(lens), c);
    try_values16(p, bytes, caplen, wirelen, l4 + 6, sums, G_N_ELEMENTS(sums), c);
    return;
  }
  const guint8 offsets[] = { 0x00, 0x40, 0x50, 0x60, 0x70, 0x80, 0xa0, 0xf0 };
  try_values8(p, bytes, caplen, wirelen, l4 + 12, offsets, G_N_ELEMENTS(offsets), c);
  try_values16(p, bytes, caplen, wirelen, l4 + 16, sums, G_N_ELEMENTS(sums), c);
  const guint8 opts[] = { 0, 1, 2, 3, 4, 8, 9, 10, 0xff };
  for (guint i = 20; i < 24; i++)
    try_values8(p, bytes, caplen, wirelen, l4 + i, opts, G_N_ELEMENTS(opts), c);
}

static void mutate_ip4(Pair *p, const guint8 *bytes, guint32 caplen, guint32 wirelen, WtCorpusCounts *c)
{
  const guint8 *ip = bytes + 14;
  guint ihl = (ip[0] & 0x0fu) * 4u;
  guint total = (guint) (ip[2] << 8 | ip[3]);
  const guint totals[] = { 0, 1, ihl - 1, ihl, ihl + 7, ihl + 8, ihl + 19, ihl + 20,
                           total - 1, total + 1, caplen - 14, caplen - 13, 0xffff };
  try_values16(p, bytes, caplen, wirelen, 16, totals, G_N_ELEMENTS(totals), c);
  const guint frags[] = { 0x2000, 0x0001, 0x4000, 0x8000, 0x1fff };  /* MF, offset, DF, RF */
  try_values16(p, bytes, caplen, wirelen, 20, frags, G_N_ELEMENTS(frags), c);
  guint8 vihl[32];
  for (guint v = 0; v < 16; v++) {  /* version and header length nibbles */
    vihl[v] = (guint8) (v << 4 | (ip[0] & 0x0f));
    vihl[16 + v] = (guint8) (0x40 | v);
  }
  try_values8(p, bytes, caplen, wirelen, 14, vihl, G_N_ELEMENTS(vihl), c);
  const guint8 protos[] = { 1, 4, 6, 17, 41, 47, 58, 132 };
  try_values8(p, bytes, caplen, wirelen, 14 + 9, protos, G_N_ELEMENTS(protos), c);
  const guint sums[] = { 0, 1, 0xffff };
  try_values16(p, bytes, caplen, wirelen, 14 + 10, sums, G_N_ELEMENTS(sums), c);
  if (ihl >= 20 && caplen >= 14 + ihl)
    mutate_l4(p, bytes, caplen, wirelen, 14 + ihl, ip[9], c);
}

static void mutate_ip6(Pair *p, const guint8 *bytes, guint32 caplen, guint32 wirelen, WtCorpusCounts *c)
{
  const guint8 *ip = bytes + 14;
  guint plen = (guint) (ip[4] << 8 | ip[5]);
  const guint plens[] = { 0, 1, 7, 8, 19, 20, plen - 1, plen + 1, caplen - 54, caplen - 53,
                          0xffff };
  try_values16(p, bytes, caplen, wirelen, 18, plens, G_N_ELEMENTS(plens), c);
  const guint8 versions[] = { 0x00, 0x40, 0x60, 0x6f, 0x70, 0xf0 };
  try_values8(p, bytes, caplen, wirelen, 14, versions, G_N_ELEMENTS(versions), c);
  const guint8 nexts[] = { 0, 6, 17, 43, 44, 58, 59, 60 };
  try_values8(p, bytes, caplen, wirelen, 14 + 6, nexts, G_N_ELEMENTS(nexts), c);
  mutate_l4(p, bytes, caplen, wirelen, 14 + 40, ip[6], c);
}

/* The frame, its cuts, its wire length changed, and its header fields at the values the
 * decoders single out. */
static void check_frame(const guint8 *bytes, guint32 caplen, guint32 wirelen, int linktype,
                        gpointer user)
{
  Pair *p = user;
  WtCorpusCounts *c = p->counts;
  c->frames++;
  assert_same_decode(p, bytes, caplen, wirelen, linktype, c);
  assert_same_decode(p, bytes, caplen, wirelen + 1, linktype, c);
  for (guint32 cut = 0; cut < caplen && cut <= 96; cut++) {
    assert_same_decode(p, bytes, cut, wirelen, linktype, c);
    assert_same_decode(p, bytes, cut, cut, linktype, c);
  }
  if (linktype != WT_DLT_EN10MB || caplen < 14 + 40 + 8)
    return;
  const guint types[] = { 0x0800, 0x86dd, 0x8100, 0x0806, 0x05dc };
  try_values16(p, bytes, caplen, wirelen, 12, types, G_N_ELEMENTS(types), c);
  if (bytes[12] == 0x08 && bytes[13] == 0x00)
    mutate_ip4(p, bytes, caplen, wirelen, c);
  else if (bytes[12] == 0x86 && bytes[13] == 0xdd)
    mutate_ip6(p, bytes, caplen, wirelen, c);
}

static gboolean check_file(const char *path, WtCorpusCounts *total)
{
  guint64 before = total->frames;
  Pair p = { wt_decoders_new(NULL), wt_decoders_new(NULL), wt_decoders_new(NULL),
             wt_decoders_new(NULL), wt_anomalies_new(), wt_anomalies_new(),
             wt_anomalies_new(), wt_anomalies_new(), total };
  wt_corpus_frames(path, check_frame, &p);
  wt_decoders_free(p.fast);
  wt_decoders_free(p.tables);
  wt_decoders_free(p.with_sum);
  wt_decoders_free(p.flipped);
  wt_anomalies_free(p.fast_an);
  wt_anomalies_free(p.tables_an);
  wt_anomalies_free(p.with_sum_an);
  wt_anomalies_free(p.flipped_an);
  return total->frames > before;
}

static void test_every_capture(void)
{
  wt_corpus_check_every(check_file, "frames", "taken by the fast path");
}

typedef struct {
  WtDecoders *d;
  WtAnomalies *a;
  guint64 fast;
} Taken;

static void count_taken(const guint8 *bytes, guint32 caplen, guint32 wirelen, int linktype,
                        gpointer user)
{
  Taken *t = user;
  WtPacket pkt;
  frame_packet(&pkt, bytes, caplen, wirelen, linktype);
  t->fast += wt_decode_frame_fast(t->d, &pkt, t->a);
}

static void test_takes(gconstpointer data)
{
  const char *const *want = data;
  if (!g_file_test(want[0], G_FILE_TEST_EXISTS)) {
    g_test_skip("capture not present");
    return;
  }
  g_autoptr(WtDecoders) d = wt_decoders_new(NULL);
  g_autoptr(WtAnomalies) a = wt_anomalies_new();
  Taken t = { d, a, 0 };
  g_assert_true(wt_corpus_frames(want[0], count_taken, &t));
  g_assert_cmpuint(t.fast, ==, g_ascii_strtoull(want[1], NULL, 10));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  static const char *ipv6[2] = { WT_CAPTURES_DIR "/http-lo-ipv6.pcap", "37" };
  static const char *ipv4[2] = { WT_SHARED_CAPTURES_DEFAULT "/zeek-http-get.pcap", "12" };
  g_test_add_func("/decode-fast/every-capture", test_every_capture);
  g_test_add_data_func("/decode-fast/takes/http-lo-ipv6", ipv6, test_takes);
  g_test_add_data_func("/decode-fast/takes/zeek-http-get", ipv4, test_takes);
  return g_test_run();
}
