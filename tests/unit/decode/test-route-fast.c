/* The --threads reader's fast route (wt_decode_route_fast: Ethernet II, IPv4/IPv6 without
 * extension headers, TCP/UDP, not a fragment, from fixed offsets) gives exactly the answer
 * of the decode tables (wt_decode_route) whenever it answers: on every frame of every
 * capture in captures/ and the shared corpus (its sub-folders too), on every snaplen cut
 * of each frame's first 96 bytes, and with the IPv4 total length, fragment field and IPv6
 * payload length replaced by the edge values the decoders treat specially. A frame sent
 * to the worker of another flow would split that flow between threads.
 *
 * How often it answers is checked against tshark on two captures:
 *   tshark -n -r captures/http-lo-ipv6.pcap -Y 'eth.type==0x86dd && tcp && ipv6.nxt==6' | wc -l  -> 41
 *   tshark -n -r ../shared/captures/zeek-http-get.pcap -Y 'eth.type==0x0800 && tcp' | wc -l  -> 14 */
#include "tests/unit/capture-corpus.h"
#include "analyzer/pipeline/decode.h"
#include "dissectors/link/link.h"

#include <pcap/pcap.h>
#include <string.h>

static void assert_same_route(WtDecoders *d, const guint8 *bytes, guint32 caplen,
                              guint32 wirelen, int linktype, WtCorpusCounts *c)
{
  WtRouteKey fast;
  c->variants++;
  /* a buffer of exactly caplen bytes: a read past the cut is an error under ASan */
  g_autofree guint8 *exact = g_memdup2(bytes, caplen);
  bytes = exact;
  if (!wt_decode_route_fast(d, bytes, caplen, linktype, &fast))
    return;
  c->fast++;
  WtPacket pkt;
  wt_corpus_packet(&pkt, bytes, caplen, wirelen, linktype);
  WtRouteKey slow;
  g_assert_cmpint(wt_decode_route(d, &pkt, &slow), ==, WT_ROUTE_FLOW);
  g_assert_cmpint(fast.kind, ==, WT_ROUTE_FLOW);
  g_assert_cmpmem(&fast.src, sizeof fast.src, &slow.src, sizeof slow.src);
  g_assert_cmpmem(&fast.dst, sizeof fast.dst, &slow.dst, sizeof slow.dst);
  g_assert_cmpuint(fast.sport, ==, slow.sport);
  g_assert_cmpuint(fast.dport, ==, slow.dport);
}

static void put16(guint8 *p, guint v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

/* The frame, its cuts, and its length fields at the values the decoders single out. */
typedef struct {
  WtDecoders *d;
  WtCorpusCounts *counts;
} Check;

static void check_frame(const guint8 *bytes, guint32 caplen, guint32 wirelen, int linktype,
                        gpointer user)
{
  WtDecoders *d = ((Check *) user)->d;
  WtCorpusCounts *c = ((Check *) user)->counts;
  c->frames++;
  assert_same_route(d, bytes, caplen, wirelen, linktype, c);
  for (guint32 cut = 0; cut < caplen && cut <= 96; cut++)
    assert_same_route(d, bytes, cut, wirelen, linktype, c);
  if (linktype != WT_DLT_EN10MB || caplen < 14 + 40 + 8)
    return;
  g_autofree guint8 *m = g_memdup2(bytes, caplen);
  guint8 *ip = m + 14;
  guint ihl = (ip[0] & 0x0fu) * 4u;
  if (bytes[12] == 0x08 && bytes[13] == 0x00) {
    const guint totals[] = { 0, 1, ihl - 1, ihl, ihl + 3, ihl + 4, ihl + 8, 0xffff };
    for (guint i = 0; i < G_N_ELEMENTS(totals); i++) {
      put16(ip + 2, totals[i]);
      assert_same_route(d, m, caplen, wirelen, linktype, c);
    }
    memcpy(ip, bytes + 14, 20);
    const guint frags[] = { 0x2000, 0x0001, 0x4000, 0x8000, 0x1fff };  /* MF, offset, DF, RF */
    for (guint i = 0; i < G_N_ELEMENTS(frags); i++) {
      put16(ip + 6, frags[i]);
      assert_same_route(d, m, caplen, wirelen, linktype, c);
    }
    memcpy(ip, bytes + 14, 20);
    for (guint v = 0; v < 16; v++) {  /* version and header length nibbles */
      ip[0] = (guint8) (v << 4 | (bytes[14] & 0x0f));
      assert_same_route(d, m, caplen, wirelen, linktype, c);
      ip[0] = (guint8) (0x40 | v);
      assert_same_route(d, m, caplen, wirelen, linktype, c);
    }
  } else if (bytes[12] == 0x86 && bytes[13] == 0xdd) {
    const guint plens[] = { 0, 1, 3, 4, 8, 0xffff };
    for (guint i = 0; i < G_N_ELEMENTS(plens); i++) {
      put16(ip + 4, plens[i]);
      assert_same_route(d, m, caplen, wirelen, linktype, c);
    }
  }
}

static gboolean check_file(const char *path, WtCorpusCounts *total)
{
  guint64 before = total->frames;
  g_autoptr(WtDecoders) d = wt_decoders_new(NULL);
  Check c = { d, total };
  wt_corpus_frames(path, check_frame, &c);
  return total->frames > before;
}

static void test_every_capture(void)
{
  wt_corpus_check_every(check_file, "frames", "answered by the fast route");
}

typedef struct {
  WtDecoders *d;
  guint64 fast;
} Answered;

static void count_answered(const guint8 *bytes, guint32 caplen, guint32 wirelen, int linktype,
                           gpointer user)
{
  (void) wirelen;
  Answered *a = user;
  WtRouteKey k;
  a->fast += wt_decode_route_fast(a->d, bytes, caplen, linktype, &k);
}

static void test_answers(gconstpointer data)
{
  const char *const *want = data;
  if (!g_file_test(want[0], G_FILE_TEST_EXISTS)) {
    g_test_skip("capture not present");
    return;
  }
  g_autoptr(WtDecoders) d = wt_decoders_new(NULL);
  Answered a = { d, 0 };
  g_assert_true(wt_corpus_frames(want[0], count_answered, &a));
  g_assert_cmpuint(a.fast, ==, g_ascii_strtoull(want[1], NULL, 10));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  static const char *ipv6[2] = { WT_CAPTURES_DIR "/http-lo-ipv6.pcap", "41" };
  static const char *ipv4[2] = { WT_SHARED_CAPTURES_DEFAULT "/zeek-http-get.pcap", "14" };
  g_test_add_func("/route-fast/every-capture", test_every_capture);
  g_test_add_data_func("/route-fast/answers/http-lo-ipv6", ipv6, test_answers);
  g_test_add_data_func("/route-fast/answers/zeek-http-get", ipv4, test_answers);
  return g_test_run();
}
