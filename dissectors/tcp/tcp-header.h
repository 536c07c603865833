/* TCP header decoder (RFC 9293): ports, sequence numbers, flags, window, the options
 * the connection tracker needs (MSS, window scale, SACK permitted, timestamps), and
 * the checksum when the whole segment was captured. */
#pragma once
#include "analyzer/core/packet.h"

#define WT_TCP_MIN_HDR 20
/* Option walk bound: 40 option bytes hold at most 40 single-byte options. */
#define WT_TCP_MAX_OPTIONS 40

WtDecodeResult wt_tcp_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
