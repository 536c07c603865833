/* RFC 1071 Internet checksum, shared by IPv4, TCP, UDP, ICMP and ICMPv6. */
#pragma once
#include <glib.h>
#include "analyzer/packet.h"

/* Add `len` bytes to a running one's-complement sum (not yet folded). Bytes are taken
 * as big-endian 16-bit words; an odd trailing byte is padded with zero. Only call with
 * an odd `len` for the last block. */
guint32 wt_inet_sum(guint32 sum, const guint8 *data, gsize len);
/* Fold a running sum to 16 bits and complement it: 0 means "verifies". */
guint16 wt_inet_fold(guint32 sum);
/* Sum of the TCP/UDP/ICMPv6 pseudo-header for the packet's addresses (IPv4 or IPv6). */
guint32 wt_inet_pseudo_sum(const WtPacket *pkt, guint8 proto, guint32 l4_len);
