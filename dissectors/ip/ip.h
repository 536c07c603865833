/* Network-layer decoders. decoder_state of wt_ip4_decode and wt_ip6_decode is the
 * shared WtIpDefrag. */
#pragma once
#include "analyzer/core/packet.h"

enum {
  WT_IPPROTO_HOPOPTS = 0,
  WT_IPPROTO_ICMP = 1,
  WT_IPPROTO_TCP = 6,
  WT_IPPROTO_UDP = 17,
  WT_IPPROTO_ROUTING = 43,
  WT_IPPROTO_FRAGMENT = 44,
  WT_IPPROTO_ESP = 50,
  WT_IPPROTO_AH = 51,
  WT_IPPROTO_ICMPV6 = 58,
  WT_IPPROTO_NONE = 59,
  WT_IPPROTO_DSTOPTS = 60,
  WT_IPPROTO_MOBILITY = 135,
  WT_IPPROTO_HIP = 139,
  WT_IPPROTO_SHIM6 = 140,
};

/* Bound on IPv6 extension headers walked in one packet (ip6.too_many_ext beyond). Real
 * traffic has at most a handful; RFC 8200 recommends each appear at most once. */
#define WT_IP6_MAX_EXT_HEADERS 16

WtDecodeResult wt_ip4_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_ip6_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
/* ICMP and ICMPv6: type and code only. */
WtDecodeResult wt_icmp_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_icmp6_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);

/* After the network header: point pkt->payload at the reader's window, with the wire
 * length the IP header claims (used for protocols we do not decode). */
void wt_ip_set_payload(WtPacket *pkt, const WtReader *r);
/* Record that the frame is an IP fragment (pkt->frag_*), its data being the
 * pkt->l4_wire_len bytes the headers give it. */
void wt_ip_note_fragment(WtPacket *pkt, guint32 id, guint32 offset, gboolean more);

/* TCP and UDP headers start with the two ports, which is all that headers-only decoding
 * (pkt->headers_only) reads of them. FALSE, with nothing read, when fewer than 4 bytes
 * are there. */
static inline gboolean wt_ip_get_ports(WtPacket *pkt, WtReader *r)
{
  const guint8 *p;
  if (!wt_reader_get_bytes(r, 4, &p))
    return FALSE;
  pkt->sport = (guint16) ((p[0] << 8) | p[1]);
  pkt->dport = (guint16) ((p[2] << 8) | p[3]);
  return TRUE;
}
