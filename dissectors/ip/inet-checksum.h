/* RFC 1071 Internet checksum, shared by IPv4, TCP, UDP, ICMP and ICMPv6. */
#pragma once
#include <glib.h>
#include <string.h>
#include "analyzer/core/packet.h"

/* Add `len` bytes to a running one's-complement sum (not yet folded). Bytes are taken
 * as big-endian 16-bit words; an odd trailing byte is padded with zero. Only call with
 * an odd `len` for the last block. */
guint32 wt_inet_sum(guint32 sum, const guint8 *data, gsize len);
/* wt_inet_sum for a short block whose length is a multiple of 4 (an IPv4 header): the same
 * result, without the call and the vector loop's set-up, which cost more than the sum
 * itself for 20 bytes. */
static inline guint32 wt_inet_sum_words(guint32 sum, const guint8 *data, gsize len)
{
  guint64 acc = 0;
  for (gsize i = 0; i + 4 <= len; i += 4) {
    guint32 w;
    memcpy(&w, data + i, 4);
    acc += w;
  }
  acc = (acc & 0xffffffffu) + (acc >> 32); /* fold to 16 bits in host order */
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffff) + (acc >> 16);
  acc = (acc & 0xffff) + (acc >> 16);
  acc = (acc & 0xffff) + (acc >> 16);
  guint16 host = (guint16) acc, be;
  memcpy(&be, &host, 2);
  guint64 r = (guint64) sum + GUINT16_FROM_BE(be);
  r = (r & 0xffff) + (r >> 16);
  r = (r & 0xffff) + (r >> 16);
  r = (r & 0xffff) + (r >> 16);
  return (guint32) r;
}

/* Fold a running sum to 16 bits and complement it: 0 means "verifies". Inline: it runs
 * once per IPv4 header and once per segment. */
static inline guint16 wt_inet_fold(guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}
/* Sum of the TCP/UDP/ICMPv6 pseudo-header for the packet's addresses (IPv4 or IPv6). */
guint32 wt_inet_pseudo_sum(const WtPacket *pkt, guint8 proto, guint32 l4_len);
/* The same from the addresses as they are in a header: 4 bytes each for family 4, 16 for
 * family 6. */
guint32 wt_inet_pseudo_sum_addrs(const guint8 *src, const guint8 *dst, guint8 family,
                                 guint8 proto, guint32 l4_len);
