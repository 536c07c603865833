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
