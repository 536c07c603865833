/* UDP header decoder (RFC 768): ports, length checks, checksum when the whole
 * datagram was captured. */
#pragma once
#include "analyzer/core/packet.h"

#define WT_UDP_HDR 8

WtDecodeResult wt_udp_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
