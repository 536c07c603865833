/* Tunnel decoders: each reads one encapsulation header, notes the layer in the packet
 * (pkt->tunnel_depth, tunnel_type, tunnel_id) and names the table of what it carries, so
 * the inner packet runs through the same decode tables as a packet on the wire. The
 * pipeline's decoder table (analyzer/pipeline/decode.c) lists them: IP protocols 4, 41
 * and 47, and UDP ports (WT_NEXT_UDPPORT). decoder_state of every one is the WtTunnels.
 *
 * Headers-only decoding (pkt->headers_only, the --threads router) stops at the outermost
 * tunnel: a frame is routed by the tunnel endpoints' addresses (wt_decode_route), so the
 * outer flows and the flows inside one tunnel are analysed by the same worker. */
#pragma once
#include <glib.h>
#include "analyzer/core/packet.h"
#include "analyzer/core/anomaly.h"
#include "analyzer/report/report.h"

typedef enum {
  WT_TUNNEL_IP = 0,   /* IP in IP: 4in4, 6in4, 4in6, 6in6 (IP protocols 4 and 41) */
  WT_TUNNEL_GRE,      /* RFC 2784/2890, version 0 */
  WT_TUNNEL_PPTP,     /* PPTP's enhanced GRE (version 1) carrying PPP */
  WT_TUNNEL_ERSPAN,   /* ERSPAN types I, II and III over GRE */
  WT_TUNNEL_GRE_UDP,  /* GRE in UDP, RFC 8086 (port 4754) */
  WT_TUNNEL_VXLAN,    /* RFC 7348, UDP 4789 and Linux's 8472 */
  WT_TUNNEL_GENEVE,   /* RFC 8926, UDP 6081 */
  WT_TUNNEL_GTPU,     /* GTPv1-U G-PDUs, UDP 2152 */
  WT_TUNNEL_TEREDO,   /* RFC 4380, UDP 3544 */
  WT_TUNNEL_AYIYA,    /* AYIYA, UDP 5072 */
  WT_TUNNEL_N
} WtTunnelType;

/* Why an encapsulated packet stayed counted as its outer packet. */
typedef enum {
  WT_TUNNEL_FAIL_HEADER = 0, /* the tunnel header itself was short or contradictory */
  WT_TUNNEL_FAIL_INNER_TRUNCATED,
  WT_TUNNEL_FAIL_INNER_MALFORMED,
  WT_TUNNEL_FAIL_INNER_NOT_IP, /* e.g. ARP inside VXLAN, PPP control inside PPTP */
  WT_TUNNEL_FAIL_TOO_DEEP,     /* one more layer than the depth limit */
  WT_TUNNEL_FAIL_N
} WtTunnelFailure;

/* Zeek's Tunnel::max_depth: layers decapsulated beyond the outer packet. */
#define WT_TUNNEL_DEFAULT_MAX_DEPTH 2u

/* The UDP ports of the UDP tunnels. */
enum {
  WT_PORT_VXLAN = 4789,
  WT_PORT_VXLAN_LINUX = 8472,
  WT_PORT_GENEVE = 6081,
  WT_PORT_GTPU = 2152,
  WT_PORT_TEREDO = 3544,
  WT_PORT_AYIYA = 5072,
  WT_PORT_GRE_UDP = 4754,
};

/* Layers of one frame whose carrier is kept (tunnel.log, the outer UDP flows): deeper
 * ones are still decapsulated, but have no tunnel.log row or conn.log parent. */
#define WT_TUNNEL_MAX_LAYERS 8u

/* One layer of this frame: the type and the packet that carried it, as it was when the
 * layer's header was read (its addresses, ports and tunnel_id: the enclosing path's). */
typedef struct {
  WtTunnelType type;
  WtPacket carrier;
} WtTunnelLayer;

/* The decoders' state and the "tunnels" tap. */
typedef struct {
  guint max_depth;
  /* this frame: the packet before the last tunnel decoder ran (to fall back on) and
   * before the first (the outer packet) */
  WtPacket fallback, outer;
  /* this frame's layers, outermost first; valid up to the packet's tunnel_depth (a
   * layer whose inner packet did not decode is dropped with it) */
  WtTunnelLayer layers[WT_TUNNEL_MAX_LAYERS];
  guint64 packets[WT_TUNNEL_N];      /* layers of this type decapsulated */
  guint64 bytes[WT_TUNNEL_N];        /* wire bytes of the frames carrying them */
  guint64 inner_flows[WT_TUNNEL_N];  /* flows begun inside (by the innermost layer) */
  guint64 failures[WT_TUNNEL_FAIL_N];
} WtTunnels;

void wt_tunnels_init(WtTunnels *t, guint max_depth);
/* For the pipeline, after a tunnel decoder ran on this frame (pkt->tunnel_tried): the
 * packet before the last tunnel decoder, and before the first. */
static inline const WtPacket *wt_tunnels_fallback(const WtTunnels *t) { return &t->fallback; }
static inline const WtPacket *wt_tunnels_outer(const WtTunnels *t) { return &t->outer; }
/* Layer `i` (0: outermost) of the frame just decoded, i < pkt->tunnel_depth; NULL beyond
 * WT_TUNNEL_MAX_LAYERS. */
static inline const WtTunnelLayer *wt_tunnels_layer(const WtTunnels *t, guint i)
{
  return i < WT_TUNNEL_MAX_LAYERS ? &t->layers[i] : NULL;
}
/* Zeek's Tunnel::Type for tunnel.log: "Tunnel::VXLAN", "Tunnel::GRE" (GRE, PPTP, ERSPAN
 * and GRE in UDP alike, as Zeek names them) ... */
const char *wt_tunnel_zeek_type(WtTunnelType type);
/* Does Zeek see this type's tunnel as the UDP connection carrying it (tunnel.log row
 * with that connection's uid and ports), rather than as the pair of IP addresses? */
gboolean wt_tunnel_is_udp_conn(WtTunnelType type);
void wt_tunnels_merge(WtTunnels *into, const WtTunnels *from);
/* A layer failed: `reason`, counted as the anomaly tunnel.<reason> as well (for
 * WT_TUNNEL_FAIL_HEADER the decoder already counted its own anomaly). */
void wt_tunnels_failed(WtTunnels *t, WtTunnelFailure reason, WtAnomalies *a);
/* Writes the "tunnels" section, only when a tunnel or a failure was seen (plain captures
 * keep their report). */
void wt_tunnels_report(const WtTunnels *t, WtReport *r);
const char *wt_tunnel_type_name(WtTunnelType type);
const char *wt_tunnel_failure_name(WtTunnelFailure reason);

WtDecodeResult wt_ipip_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_gre_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_gre_udp_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_vxlan_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_geneve_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_gtpu_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_teredo_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_ayiya_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
