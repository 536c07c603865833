#include "dissectors/ip/inet-checksum.h"

#include <string.h>
/* WT_INET_SUM_SCALAR_ONLY: built so by the checksum's test, to check the path a CPU
 * without AVX2 (or not x86-64) takes, on a machine that has it. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(WT_INET_SUM_SCALAR_ONLY)
#include <immintrin.h>
#define WT_SUM_AVX2 1
#endif

/* One's-complement addition is associative, so folding the running sum down to 16 bits
 * between blocks gives the same result and keeps the return value small. Without a loop:
 * adding a word to itself rotated by half its width leaves in the top half the sum of both
 * halves with the end-around carry (high + low overflows the low half exactly when it
 * overflows the top one), once for 64 -> 32 bits and once for 32 -> 16. The result is the
 * same as folding until it fits: 0 only for 0, otherwise the one value in [1, 0xffff]
 * congruent to acc modulo 0xffff. */
static inline guint32 fold16(guint64 acc)
{
  acc += acc >> 32 | acc << 32;
  guint32 x = (guint32) (acc >> 32);
  x += x >> 16 | x << 16;
  return x >> 16;
}

/* The hot loop of every TCP segment (all payload bytes pass through it), so it adds words
 * in host byte order: no byte shuffling. RFC 1071 2(B): the one's-complement sum is byte-order independent, so
 * the host-order sum folded to 16 bits, read back as a big-endian number, is the sum of
 * the big-endian 16-bit words. Exactly, including +0/-0: a folded sum is 0 only when
 * every word was 0, otherwise in [1, 0xffff], a complete residue system mod 0xffff.
 * Words are added 8 bytes at a time with the carry counted (end-around carry: 2^64 is 1
 * modulo 0xffff), without a loop for the last 0-7 bytes. On x86-64 with AVX2 (tested at
 * run time), segments of 64 bytes or more are summed in 32-byte blocks by
 * sum_blocks_avx2 first (3 instructions per 32 bytes; vpmovzxdq into 64-bit lanes took 4),
 * then at most 31 bytes are left. */
#ifdef WT_SUM_AVX2
/* Flipping each 16-bit word's top bit (xor 0x8000) makes it a signed number, word - 32768,
 * which vpmaddwd against ones adds in pairs into 32-bit lanes: one xor (with the load),
 * one multiply-add and one add per 32 bytes. The true sum of the host-order words is the
 * lanes' sum plus 32768 for each word, exactly. A lane moves by at most 65,536 per block,
 * so the lanes are widened to 64 bits every FLUSH_BLOCKS blocks (2^13 * 2^16 = 2^29 <
 * 2^31). Four blocks are added in a tree, then once into the accumulator. */
enum { FLUSH_BLOCKS = 1 << 13 };

__attribute__((target("avx2")))
static inline __m256i block_pairs(const guint8 *p, __m256i flip, __m256i ones)
{
  __m256i x = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *) p), flip);
  return _mm256_madd_epi16(x, ones);
}

__attribute__((target("avx2")))
static guint64 sum_blocks_avx2(const guint8 *p, gsize blocks)
{
  const __m256i flip = _mm256_set1_epi16((short) 0x8000), ones = _mm256_set1_epi16(1);
  gint64 total = 0;
  for (gsize left = blocks; left;) {
    gsize n = left > FLUSH_BLOCKS ? FLUSH_BLOCKS : left;
    left -= n;
    __m256i a = _mm256_setzero_si256();
    for (; n >= 4; n -= 4, p += 128) {
      __m256i two = _mm256_add_epi32(block_pairs(p, flip, ones), block_pairs(p + 32, flip, ones));
      __m256i other = _mm256_add_epi32(block_pairs(p + 64, flip, ones),
                                       block_pairs(p + 96, flip, ones));
      a = _mm256_add_epi32(a, _mm256_add_epi32(two, other));
    }
    for (; n; n--, p += 32)
      a = _mm256_add_epi32(a, block_pairs(p, flip, ones));
    __m256i w = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(a)),
                                 _mm256_cvtepi32_epi64(_mm256_extracti128_si256(a, 1)));
    __m128i s = _mm_add_epi64(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
    total += _mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1);
  }
  return (guint64) (total + (gint64) blocks * 16 * 32768);
}
#endif

/* acc += the 8 bytes at p as a host-order word, the carry out counted in *carry. */
static inline void add_word64(guint64 *acc, guint64 *carry, const guint8 *p)
{
  guint64 w;
  memcpy(&w, p, 8);
  *acc += w;
  *carry += *acc < w;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
guint32 wt_inet_sum(guint32 sum, const guint8 *data, gsize len)
{
  guint64 acc = 0, carry = 0;
  gsize i = 0;
#ifdef WT_SUM_AVX2
  if (len >= 64 && __builtin_cpu_supports("avx2")) {
    acc = sum_blocks_avx2(data, len / 32);
    i = len & ~(gsize) 31;
  }
#endif
  for (; len - i >= 8; i += 8)
    add_word64(&acc, &carry, data + i);
  guint64 rest = 0; /* the last 0-7 bytes, in host order, odd byte padded with zero */
  if (len - i >= 4) {
    guint32 w;
    memcpy(&w, data + i, 4);
    rest += w;
    i += 4;
  }
  if (len - i >= 2) {
    guint16 w;
    memcpy(&w, data + i, 2);
    rest += w;
    i += 2;
  }
  if (i < len) {
    const guint8 last[2] = { data[i], 0 };
    guint16 w;
    memcpy(&w, last, 2);
    rest += w;
  }
  /* 2^32 = 1 modulo 0xffff as well: halve the 64-bit sum before the carries and the rest
   * join it, so nothing overflows */
  guint16 host = (guint16) fold16((acc & 0xffffffffu) + (acc >> 32) + carry + rest);
  guint16 be;
  memcpy(&be, &host, 2);
  return fold16((guint64) sum + GUINT16_FROM_BE(be));
}

/* The 32-bit word at p, in host order. */
static inline guint64 word32_at(const guint8 *p)
{
  guint32 w;
  memcpy(&w, p, 4);
  return w;
}

/* Addresses are whole 32-bit words: summed in host order like wt_inet_sum, written out
 * for each family (this runs once per TCP/UDP segment; a loop over the length cost two
 * loops and a branch each time). */
guint32 wt_inet_pseudo_sum_addrs(const guint8 *s, const guint8 *d, guint8 family,
                                 guint8 proto, guint32 l4_len)
{
  guint64 addrs = word32_at(s) + word32_at(d);
  if (family == 6)
    addrs += word32_at(s + 4) + word32_at(s + 8) + word32_at(s + 12) + word32_at(d + 4)
             + word32_at(d + 8) + word32_at(d + 12);
  guint16 host = (guint16) fold16(addrs);
  guint16 be;
  memcpy(&be, &host, 2);
  guint64 acc = GUINT16_FROM_BE(be);
  acc += proto;
  acc += l4_len >> 16;
  acc += l4_len & 0xffff;
  return fold16(acc);
}

guint32 wt_inet_pseudo_sum(const WtPacket *pkt, guint8 proto, guint32 l4_len)
{
  return wt_inet_pseudo_sum_addrs(pkt->src.bytes, pkt->dst.bytes, pkt->src.family, proto,
                                  l4_len);
}
