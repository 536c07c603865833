/* The frame decoder pipeline: runs the registry tables (link type -> ethertype -> IP
 * protocol) over one captured frame, and keeps the protocol breakdown tap that writes
 * the "protocols" report section. */
#pragma once
#include <glib.h>
#include "analyzer/core/packet.h"
#include "analyzer/core/decoder.h" /* the decoders' helpers: wt_decode_short ... */
#include "analyzer/core/anomaly.h"
#include "analyzer/report/report.h"
#include "dissectors/ip/ip-defrag.h"
#include "dissectors/tunnel/tunnel.h"

/* UDP ports given to tunnel types beyond the defaults (--tunnel-port), at most. */
#define WT_DECODE_MAX_TUNNEL_PORTS 32u

/* A field left 0 takes its default. */
typedef struct {
  gsize frag_mem_cap;     /* bytes held for IP reassembly, all datagrams together */
  gint64 frag_timeout_ns; /* capture time a datagram may stay incomplete */
  guint max_vlan_depth;   /* stacked 802.1Q/802.1ad tags before the frame is malformed */
  guint max_tunnel_depth; /* tunnel layers decapsulated beyond the outer packet */
  /* UDP ports of tunnels besides the defaults (Zeek's Tunnel::vxlan_ports ...): a port
   * named here is that type's, whatever its default */
  struct {
    guint16 port;
    guint8 type;          /* WtTunnelType, a UDP tunnel */
  } tunnel_ports[WT_DECODE_MAX_TUNNEL_PORTS];
  guint n_tunnel_ports;
} WtDecodeLimits;

#define WT_DECODE_DEFAULT_FRAG_MEM_CAP ((gsize) 16 * 1024 * 1024)
#define WT_DECODE_DEFAULT_FRAG_TIMEOUT_NS ((gint64) 30 * G_GINT64_CONSTANT(1000000000))
#define WT_DECODE_DEFAULT_MAX_VLAN_DEPTH 8u

/* Fill `l` with the defaults above. */
void wt_decode_limits_init(WtDecodeLimits *l);
/* "vxlan=4790" or "geneve=6082,6083": the ports added to `l`. Types: vxlan, geneve,
 * gtpv1 (or gtpu), teredo, ayiya, gre-udp. FALSE with a message naming what is wrong. */
gboolean wt_decode_add_tunnel_ports(WtDecodeLimits *l, const char *spec, GError **error);
/* Every UDP port a tunnel is decoded on with `l` (NULL: the defaults): the defaults and
 * the --tunnel-port ones, each once; returns how many were written (at most max). */
guint wt_decode_udp_tunnel_ports(const WtDecodeLimits *l, guint16 *ports, guint max);

typedef struct {
  guint64 packets;
  guint64 bytes; /* wire bytes of the frames counted */
} WtProtoCount;

#define WT_DECODE_MAX_LINKTYPES 16

/* The protocol breakdown. Every frame lands in exactly one of: tcp, udp, icmp, icmpv6,
 * other, or fragments_held (an IP fragment kept for reassembly). A reassembled datagram
 * counts under its upper-layer protocol once, on the frame that completed it. */
typedef struct {
  guint64 frames;
  guint64 bytes;              /* wire bytes */
  guint64 snaplen_truncated;  /* frames with caplen < wirelen */
  guint64 truncated;          /* decode stopped for lack of captured bytes */
  guint64 malformed;          /* decode stopped on contradictory headers */
  guint64 llc;                /* 802.2 LLC/SNAP frames (802.3 length field) */
  WtProtoCount ipv4, ipv6, tcp, udp, icmp, icmpv6, other;
  guint64 fragments_held;     /* fragment frames kept (datagram not complete yet) */
  guint64 reassembled;        /* datagrams completed by reassembly */
  guint64 icmp_types[256];
  guint64 icmpv6_types[256];
  struct {
    int dlt;
    guint64 frames;
    guint64 bytes;  /* wire bytes */
  } link[WT_DECODE_MAX_LINKTYPES];
  guint n_link;
  guint64 link_overflow;      /* frames of link types beyond WT_DECODE_MAX_LINKTYPES */
} WtDecodeStats;

typedef struct WtDecoders WtDecoders;

/* `limits` may be NULL for the defaults. */
WtDecoders *wt_decoders_new(const WtDecodeLimits *limits);
void wt_decoders_free(WtDecoders *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtDecoders, wt_decoders_free)

/* Decode one frame. The caller fills pkt->ts_ns, caplen, wirelen, linktype and frame;
 * every other field is reset here. On return the upper-layer payload window is
 * pkt->payload/payload_len (for TCP/UDP/ICMP, and for unknown IP protocols the IP
 * payload). WT_DECODE_OK means every layer present was decoded; UNSUPPORTED means a
 * valid protocol we do not decode (ARP, ESP, ...); CONSUMED means an IP fragment kept
 * for reassembly. pkt->reassembled_buf stays valid until the next call. */
WtDecodeStatus wt_decode_frame(WtDecoders *d, WtPacket *pkt, WtAnomalies *a);
/* The two halves of wt_decode_frame, for the test that proves them equal. The fast path:
 * TRUE when it decoded the frame (pkt, counters and anomalies exactly as the tables give
 * them); FALSE when the frame is not its common case, with nothing counted. The tables:
 * any frame. */
gboolean wt_decode_frame_fast(WtDecoders *d, WtPacket *pkt, WtAnomalies *a);
WtDecodeStatus wt_decode_frame_tables(WtDecoders *d, WtPacket *pkt, WtAnomalies *a);

/* A frame's TCP or UDP checksum as the fast path would find it, verified before the frame
 * is decoded: the --threads reading, which streams every byte of the file anyway, verifies
 * it there, and the worker that analyses the frame then reads only what it parses (a
 * response body's bytes are otherwise read by nothing but the checksum). */
typedef enum {
  WT_L4_SUM_UNKNOWN, /* not verified ahead: the decoder verifies it */
  WT_L4_SUM_OK,      /* verifies, or a UDP checksum of zero over IPv4 (none to verify) */
  WT_L4_SUM_BAD,
} WtL4Sum;

/* The verdict for a frame wt_decode_frame_fast would take (Ethernet II, IP, TCP or UDP,
 * whole); UNKNOWN for any other, which the fast path declines and the tables verify.
 * Reads the decoders' configuration only (the tunnel ports): any thread may call it. */
WtL4Sum wt_decode_l4_sum(const WtDecoders *d, const guint8 *frame, guint32 caplen,
                         guint32 wirelen, int linktype);
/* wt_decode_frame with wt_decode_l4_sum's verdict on this very frame, which the fast path
 * takes instead of summing the segment again (UNKNOWN: it sums it). */
WtDecodeStatus wt_decode_frame_with_sum(WtDecoders *d, WtPacket *pkt, WtAnomalies *a,
                                        WtL4Sum sum);

/* After wt_decode_frame decapsulated `pkt` (pkt->tunnel_depth > 0): its layer `i`
 * (0: outermost, i < pkt->tunnel_depth) with the packet that carried it; NULL beyond
 * WT_TUNNEL_MAX_LAYERS. A layer carried by UDP (VXLAN, Geneve, GTP-U, Teredo, AYIYA, GRE
 * in UDP) makes the frame part of that UDP flow as well, as in Zeek's conn.log; IP in IP
 * and GRE are no flows of their own. Valid until the next decode. */
const WtTunnelLayer *wt_decode_layer(const WtDecoders *d, guint i);
/* A flow began inside a tunnel: counted in the "tunnels" section by the innermost type. */
void wt_decoders_note_inner_flow(WtDecoders *d, const WtPacket *pkt);

/* What the --threads reader needs to choose a frame's worker (wt_decode_route). */
typedef enum {
  WT_ROUTE_NOT_IP,   /* no IP header: part of no flow */
  WT_ROUTE_FLOW,     /* the frame names its flow: addresses and (TCP, UDP) ports */
  WT_ROUTE_FRAGMENT, /* an IP fragment whose flow only its datagram's first fragment
                      * names (TCP and UDP over IPv4; every IPv6 fragment, since the
                      * upper layer is only in the first) */
} WtRouteKind;

typedef struct {
  WtRouteKind kind;
  WtAddr src, dst;
  guint16 sport, dport;   /* 0 when the protocol has none or they were not captured */
  /* WT_ROUTE_FRAGMENT: the datagram (the defragmenter's key) and this piece of it; for
   * the first fragment (offset 0) sport/dport are the datagram's */
  WtIpFragKey datagram;
  guint32 frag_offset, frag_len;
  gboolean frag_more;
} WtRouteKey;

/* The flow of one frame, for the --threads router: the tables of wt_decode_frame run
 * over the headers only (pkt->headers_only: bounded reads, no checksums, no reassembly,
 * no anomalies); statistics and fragment state in `d` are left alone. The caller fills
 * pkt as for wt_decode_frame. `out` holds only what its kind names. */
WtRouteKind wt_decode_route(WtDecoders *d, WtPacket *pkt, WtRouteKey *out);
/* The same answer for the common case (Ethernet II, IPv4 or IPv6 without extension
 * headers, TCP or UDP, not a fragment) from fixed offsets, without the tables: TRUE and
 * out filled (kind WT_ROUTE_FLOW), or FALSE, then ask wt_decode_route. The router's frame
 * path uses its inline form, wt_route_flow_fast (route-fast.h). */
gboolean wt_decode_route_fast(const WtDecoders *d, const guint8 *frame, guint32 caplen,
                              int linktype,
                              WtRouteKey *out);

/* Drop fragment trains older than the timeout at capture time `now_ns` (counted as
 * ip4.frag_timeout / ip6.frag_timeout). wt_decode_frame already does this as it goes;
 * call it at end of input with G_MAXINT64 to count what never completed. */
void wt_decoders_expire(WtDecoders *d, gint64 now_ns, WtAnomalies *a);

const WtDecodeStats *wt_decoders_stats(const WtDecoders *d);
/* Add `from`'s statistics into `into` (fragment state is not merged). */
void wt_decoders_merge(WtDecoders *into, const WtDecoders *from);
/* Write the "protocols" section. */
void wt_decoders_report(WtDecoders *d, WtReport *r);

/* "EN10MB", "LINUX_SLL", "RAW" ... (libpcap's names); "unknown" if not known. */
const char *wt_linktype_name(int dlt);
