#include "dissectors/ip/inet-checksum.h"

#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define WT_SUM_AVX2 1
#endif

/* One's-complement addition is associative, so folding the running sum down to 16 bits
 * between blocks gives the same result and keeps the return value small. */
static guint32 fold16(guint64 acc)
{
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  return (guint32) acc;
}

/* The hot loop of every TCP segment (all payload bytes pass through it), so it adds 32-bit
 * words in host byte order into a 64-bit accumulator: no byte shuffling, no carries to
 * handle inside the loop (2^32 words before it could overflow), and the compiler can
 * vectorise it. RFC 1071 2(B): the one's-complement sum is byte-order independent, so
 * the host-order sum folded to 16 bits, read back as a big-endian number, is the sum of
 * the big-endian 16-bit words. Exactly, including +0/-0: a folded sum is 0 only when
 * every word was 0, otherwise in [1, 0xffff], a complete residue system mod 0xffff.
 * On x86-64 with AVX2 (tested at run time), blocks of 128 bytes are summed first by
 * sum_blocks_avx2; the compiler's own vectorisation of the loop below takes 8
 * instructions per 32 bytes, that loop 19 per 128. */
#ifdef WT_SUM_AVX2
/* Sixteen 32-bit words per step, each group of four zero-extended to 64-bit lanes
 * straight from memory (vpmovzxdq) into one of two accumulators. */
__attribute__((target("avx2")))
static guint64 sum_blocks_avx2(const guint8 *p, gsize blocks)
{
  __m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
  for (gsize k = 0; k < blocks; k++, p += 128) {
    for (int j = 0; j < 128; j += 32) {
      a = _mm256_add_epi64(a, _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *) (p + j))));
      b = _mm256_add_epi64(b, _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *) (p + j + 16))));
    }
  }
  a = _mm256_add_epi64(a, b);
  __m128i s = _mm_add_epi64(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
  return (guint64) _mm_cvtsi128_si64(s) + (guint64) _mm_extract_epi64(s, 1);
}
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
guint32 wt_inet_sum(guint32 sum, const guint8 *data, gsize len)
{
  guint64 acc = 0;
  gsize i = 0;
#ifdef WT_SUM_AVX2
  if (len >= 128 && __builtin_cpu_supports("avx2")) {
    acc = sum_blocks_avx2(data, len / 128);
    i = len & ~(gsize) 127;
  }
#endif
  for (; len - i >= 4; i += 4) {
    guint32 w;
    memcpy(&w, data + i, 4);
    acc += w;
  }
  if (len - i >= 2) {
    guint16 w;
    memcpy(&w, data + i, 2);
    acc += w;
    i += 2;
  }
  if (i < len) {
    const guint8 last[2] = { data[i], 0 }; /* the odd byte, padded with zero */
    guint16 w;
    memcpy(&w, last, 2);
    acc += w;
  }
  guint16 host = (guint16) fold16(acc);
  guint16 be;
  memcpy(&be, &host, 2);
  return fold16((guint64) sum + GUINT16_FROM_BE(be));
}

guint16 wt_inet_fold(guint32 sum)
{
  return (guint16) ~fold16(sum);
}

/* Addresses are whole 32-bit words: summed in host order like wt_inet_sum, without a call
 * per address (this runs once per TCP/UDP segment). */
static guint64 addr_sum_host(const WtAddr *a, gsize alen)
{
  guint64 acc = 0;
  for (gsize i = 0; i < alen; i += 4) {
    guint32 w;
    memcpy(&w, a->bytes + i, 4);
    acc += w;
  }
  return acc;
}

guint32 wt_inet_pseudo_sum(const WtPacket *pkt, guint8 proto, guint32 l4_len)
{
  gsize alen = pkt->src.family == 6 ? 16 : 4;
  guint16 host = (guint16) fold16(addr_sum_host(&pkt->src, alen) + addr_sum_host(&pkt->dst, alen));
  guint16 be;
  memcpy(&be, &host, 2);
  guint64 acc = GUINT16_FROM_BE(be);
  acc += proto;
  acc += l4_len >> 16;
  acc += l4_len & 0xffff;
  return fold16(acc);
}
