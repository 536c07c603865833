/* wt_inet_sum / wt_inet_pseudo_sum (word-at-a-time, vectorised) against the RFC 1071
 * definition written out byte pair by byte pair, over every length and alignment. */
#include <glib.h>
#include <string.h>

#include "dissectors/ip/inet-checksum.h"

/* RFC 1071: big-endian 16-bit words, odd byte padded with zero, end-around carry. */
static guint32 ref_sum(guint32 sum, const guint8 *d, gsize len)
{
  guint32 acc = sum;
  for (gsize i = 0; i < len; i += 2) {
    acc += (guint32) (d[i] << 8) | (i + 1 < len ? d[i + 1] : 0);
    acc = (acc & 0xffff) + (acc >> 16);
  }
  return acc;
}

static void test_rfc1071_example(void)
{
  /* RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
  static const guint8 d[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
  g_assert_cmphex(wt_inet_sum(0, d, sizeof d), ==, 0xddf2);
  g_assert_cmphex(wt_inet_fold(wt_inet_sum(0, d, sizeof d)), ==, 0x220d);
  /* odd length: the last byte is the high half of a word */
  g_assert_cmphex(wt_inet_sum(0, d, 3), ==, 0x0001 + 0xf200);
}

static void test_all_lengths_and_alignments(void)
{
  GRand *rand = g_rand_new_with_seed(1071);
  guint8 *buf = g_malloc(2048 + 16);
  for (gsize i = 0; i < 2048 + 16; i++)
    buf[i] = (guint8) g_rand_int(rand);
  for (gsize off = 0; off < 8; off++) {
    for (gsize len = 0; len <= 2048; len++) {
      guint32 start = g_rand_int_range(rand, 0, 0x10000);
      guint32 got = wt_inet_sum(start, buf + off, len);
      guint32 want = ref_sum(start, buf + off, len);
      if (got != want)
        g_error("offset %zu length %zu start %x: got %x, want %x", off, len, start, got, want);
      g_assert_cmpuint(wt_inet_fold(got), ==, wt_inet_fold(want));
    }
  }
  g_free(buf);
  g_rand_free(rand);
}

/* The extremes: all zero (sum 0, not 0xffff) and all 0xff (0xffff), where a wrong fold
 * would turn +0 into -0. */
static void test_zero_and_ones(void)
{
  guint8 buf[1500];
  memset(buf, 0, sizeof buf);
  for (gsize len = 0; len <= sizeof buf; len += 7)
    g_assert_cmphex(wt_inet_sum(0, buf, len), ==, 0);
  memset(buf, 0xff, sizeof buf);
  for (gsize len = 2; len <= sizeof buf; len += 2)
    g_assert_cmphex(wt_inet_sum(0, buf, len), ==, ref_sum(0, buf, len));
  g_assert_cmphex(wt_inet_sum(0, buf, 1500), ==, 0xffff);
}

/* Chained blocks (even lengths, as the header says) equal one call over the whole. */
static void test_chained(void)
{
  guint8 buf[1000];
  for (gsize i = 0; i < sizeof buf; i++)
    buf[i] = (guint8) (i * 37 + 11);
  guint32 whole = wt_inet_sum(0, buf, 999);
  for (gsize cut = 0; cut <= 998; cut += 2)
    g_assert_cmphex(wt_inet_sum(wt_inet_sum(0, buf, cut), buf + cut, 999 - cut), ==, whole);
}

/* The inline variant for IPv4 headers: every multiple of 4 up to 64 (and beyond), any
 * starting sum, all alignments. */
static void test_words(void)
{
  GRand *rand = g_rand_new_with_seed(791);
  guint8 buf[256 + 8];
  for (int round = 0; round < 2000; round++) {
    for (gsize i = 0; i < sizeof buf; i++)
      buf[i] = (guint8) (round < 10 ? 0xff : round < 20 ? 0 : g_rand_int(rand));
    gsize off = (gsize) round % 8, len = 4 * (gsize) g_rand_int_range(rand, 0, 65);
    guint32 start = round % 3 == 0 ? g_rand_int(rand) : (guint32) g_rand_int_range(rand, 0, 0x10000);
    guint32 got = wt_inet_sum_words(start, buf + off, len);
    g_assert_cmphex(got, <=, 0xffff);
    /* a start above 16 bits is only defined up to folding */
    g_assert_cmphex(wt_inet_fold(got), ==, wt_inet_fold(ref_sum(start, buf + off, len)));
    if (start <= 0xffff)
      g_assert_cmphex(got, ==, ref_sum(start, buf + off, len));
  }
  g_rand_free(rand);
}

static guint32 ref_pseudo(const WtPacket *p, guint8 proto, guint32 l4_len)
{
  gsize alen = p->src.family == 6 ? 16 : 4;
  guint32 s = ref_sum(0, p->src.bytes, alen);
  s = ref_sum(s, p->dst.bytes, alen);
  guint8 tail[8] = { 0, proto, 0, 0, (guint8) (l4_len >> 24), (guint8) (l4_len >> 16),
                     (guint8) (l4_len >> 8), (guint8) l4_len };
  return ref_sum(s, tail, sizeof tail);
}

static void test_pseudo_header(void)
{
  GRand *rand = g_rand_new_with_seed(793);
  for (int n = 0; n < 20000; n++) {
    WtPacket p;
    memset(&p, 0, sizeof p);
    p.src.family = p.dst.family = (n & 1) ? 6 : 4;
    gsize alen = p.src.family == 6 ? 16 : 4;
    for (gsize i = 0; i < alen; i++) {
      p.src.bytes[i] = (guint8) g_rand_int(rand);
      p.dst.bytes[i] = (guint8) (n < 100 ? 0xff : g_rand_int(rand));
    }
    guint8 proto = (n & 2) ? 6 : 17;
    guint32 len = n < 10000 ? (guint32) g_rand_int_range(rand, 0, 65536) : g_rand_int(rand);
    g_assert_cmphex(wt_inet_pseudo_sum(&p, proto, len), ==, ref_pseudo(&p, proto, len));
  }
  g_rand_free(rand);
}

/* Blocks far longer than a packet, where the vector sum widens its 32-bit lanes part way
 * (every 512 KiB): all words 0x0000 and 0x8000 (the lanes' most negative and smallest
 * positive step once the top bit is flipped), all 0xffff, and random bytes. */
static void test_long_blocks(void)
{
  const gsize n = (1u << 20) * 3 + 37;
  guint8 *buf = g_malloc(n);
  GRand *rand = g_rand_new_with_seed(1701);
  for (int kind = 0; kind < 4; kind++) {
    for (gsize i = 0; i < n; i++)
      buf[i] = kind == 0 ? 0 : kind == 1 ? (i % 2 ? 0 : 0x80) : kind == 2 ? 0xff
                                                               : (guint8) g_rand_int(rand);
    for (gsize len = 65535; len <= n; len = len * 3 + 1)
      g_assert_cmphex(wt_inet_sum(0, buf, len), ==, ref_sum(0, buf, len));
    g_assert_cmphex(wt_inet_sum(0, buf, n), ==, ref_sum(0, buf, n));
  }
  g_rand_free(rand);
  g_free(buf);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/checksum/rfc1071-example", test_rfc1071_example);
  g_test_add_func("/checksum/all-lengths-and-alignments", test_all_lengths_and_alignments);
  g_test_add_func("/checksum/zero-and-ones", test_zero_and_ones);
  g_test_add_func("/checksum/chained", test_chained);
  g_test_add_func("/checksum/pseudo-header", test_pseudo_header);
  g_test_add_func("/checksum/words", test_words);
  g_test_add_func("/checksum/long-blocks", test_long_blocks);
  return g_test_run();
}
