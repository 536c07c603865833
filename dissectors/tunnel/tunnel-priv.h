/* What the tunnel decoders share. */
#pragma once
#include "dissectors/tunnel/tunnel.h"
#include "analyzer/core/decoder.h"

#define WT_TUNNEL_DLT_EN10MB 1u
#define WT_TUNNEL_ETH_IPV4 0x0800u
#define WT_TUNNEL_ETH_IPV6 0x86ddu
#define WT_TUNNEL_ETH_TEB 0x6558u /* transparent Ethernet bridging */

/* Every tunnel decoder first (after the headers-only check): keeps the packet as it is,
 * to fall back on when this layer or its inner packet does not decode. */
static inline void wt_tunnel_begin(WtTunnels *t, WtPacket *pkt)
{
  t->fallback = *pkt;
  pkt->tunnel_tried = TRUE;
}

/* A layer's header parsed: note it in the packet, and its carrier in t->layers. FALSE
 * (counted tunnel.too_deep) when it would be one more than the limit: the decoder then
 * stops and the packet stays what it was. `vni` is the layer's own identity (VNI, GRE key, ERSPAN session) or 0 when the
 * type has none that both directions share. */
gboolean wt_tunnel_enter(WtTunnels *t, WtPacket *pkt, WtAnomalies *a, WtTunnelType type,
                         guint32 vni);

/* The tunnel header ran out of bytes: TRUNCATED when the capture cut the frame,
 * otherwise the anomaly and MALFORMED. */
WtDecodeResult wt_tunnel_short(const WtPacket *pkt, WtAnomalies *a, const char *anomaly);
/* The header contradicts itself. */
WtDecodeResult wt_tunnel_bad(WtAnomalies *a, const char *anomaly);

/* The table of what a layer carries, from the first nibble of an IP header (4 or 6);
 * UNSUPPORTED when it is neither. */
WtDecodeResult wt_tunnel_next_ip(const WtReader *r);
