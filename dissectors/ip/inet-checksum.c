#include "dissectors/ip/inet-checksum.h"

#include <string.h>

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
 * On x86-64 an AVX2 copy (twice the words per instruction) is chosen at load time when the
 * CPU has it. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
guint32 wt_inet_sum(guint32 sum, const guint8 *data, gsize len)
{
  guint64 acc = 0;
  gsize i = 0;
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
