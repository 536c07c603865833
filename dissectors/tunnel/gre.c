/* IP in IP (IP protocols 4 and 41, either outer version), GRE (RFC 2784 and 2890: checksum,
 * key, sequence number; RFC 1701 routing is refused), PPTP's enhanced GRE (version 1,
 * RFC 2637) carrying PPP, ERSPAN types I, II and III, and GRE in UDP (RFC 8086). */
#include "dissectors/tunnel/tunnel-priv.h"

#define GRE_C 0x80
#define GRE_R 0x40
#define GRE_K 0x20
#define GRE_S 0x10
#define GRE_A 0x80 /* second byte, version 1: acknowledgment number present */

#define GRE_PROTO_PPP 0x880bu
#define GRE_PROTO_ERSPAN_12 0x88beu /* type I without, type II with a sequence number */
#define GRE_PROTO_ERSPAN_3 0x22ebu

WtDecodeResult wt_ipip_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) r;
  if (pkt->headers_only)
    return wt_decode_stop(WT_DECODE_OK);
  wt_tunnel_begin(state, pkt);
  guint8 proto = pkt->ip_proto;
  if (!wt_tunnel_enter(state, pkt, a, WT_TUNNEL_IP, 0))
    return wt_decode_stop(WT_DECODE_UNSUPPORTED);
  return wt_decode_next(WT_NEXT_ETHERTYPE, proto == 4 ? WT_TUNNEL_ETH_IPV4 : WT_TUNNEL_ETH_IPV6);
}

/* PPP inside PPTP's GRE: address and control (ff 03) may be left out, the protocol may be
 * one byte (RFC 1661 6.5, 6.6). IP and IPv6 go on; anything else (LCP, CCP ...) is not
 * an IP packet. */
static WtDecodeResult ppp(const WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  guint8 b0, b1;
  if (wt_reader_remaining(r) >= 2 && wt_reader_here(r)[0] == 0xff && wt_reader_here(r)[1] == 0x03)
    wt_reader_skip(r, 2);
  if (!wt_reader_get_u8(r, &b0))
    return wt_tunnel_short(pkt, a, "pptp.truncated");
  guint16 proto = b0;
  if (!(b0 & 1)) {
    if (!wt_reader_get_u8(r, &b1))
      return wt_tunnel_short(pkt, a, "pptp.truncated");
    proto = (guint16) (b0 << 8 | b1);
  }
  switch (proto) {
  case 0x0021:
    return wt_decode_next(WT_NEXT_ETHERTYPE, WT_TUNNEL_ETH_IPV4);
  case 0x0057:
    return wt_decode_next(WT_NEXT_ETHERTYPE, WT_TUNNEL_ETH_IPV6);
  default:
    return wt_decode_stop(WT_DECODE_UNSUPPORTED);
  }
}

/* ERSPAN type II (8 bytes, version 1) and III (12 bytes, version 2, 8 more with the O
 * flag): the mirrored Ethernet frame follows. The session id is the tunnel's own. */
static WtDecodeResult erspan(WtTunnels *t, WtPacket *pkt, WtReader *r, WtAnomalies *a,
                             guint type)
{
  guint32 session = 0;
  if (type > 1) {
    const guint8 *h;
    if (!wt_reader_get_bytes(r, type == 2 ? 8 : 12, &h))
      return wt_tunnel_short(pkt, a, "erspan.truncated");
    if ((h[0] >> 4) != type - 1)
      return wt_tunnel_bad(a, "erspan.bad_version");
    session = (guint32) ((h[2] & 0x03) << 8 | h[3]);
    if (type == 3 && (h[11] & 0x01) && !wt_reader_skip(r, 8))
      return wt_tunnel_short(pkt, a, "erspan.truncated");
  }
  if (!wt_tunnel_enter(t, pkt, a, WT_TUNNEL_ERSPAN, session))
    return wt_decode_stop(WT_DECODE_OK);
  return wt_decode_next(WT_NEXT_LINKTYPE, WT_TUNNEL_DLT_EN10MB);
}

static WtDecodeResult gre(WtTunnels *t, WtPacket *pkt, WtReader *r, WtAnomalies *a,
                          WtTunnelType type)
{
  guint8 f0, f1;
  guint16 proto;
  if (!wt_reader_get_u8(r, &f0) || !wt_reader_get_u8(r, &f1) || !wt_reader_get_be16(r, &proto))
    return wt_tunnel_short(pkt, a, "gre.truncated");
  guint32 key = 0;
  guint version = f1 & 0x07;
  if (version == 0) {
    if (f0 & GRE_R)
      return wt_tunnel_bad(a, "gre.routing");
    if ((f0 & GRE_C) && !wt_reader_skip(r, 4))
      return wt_tunnel_short(pkt, a, "gre.truncated");
    if ((f0 & GRE_K) && !wt_reader_get_be32(r, &key))
      return wt_tunnel_short(pkt, a, "gre.truncated");
    if ((f0 & GRE_S) && !wt_reader_skip(r, 4))
      return wt_tunnel_short(pkt, a, "gre.truncated");
  } else if (version == 1) {
    /* the call id differs by direction: not part of the identity */
    guint16 payload_len, call_id;
    if (proto != GRE_PROTO_PPP || !(f0 & GRE_K) || (f0 & (GRE_C | GRE_R)))
      return wt_tunnel_bad(a, "pptp.bad_header");
    if (!wt_reader_get_be16(r, &payload_len) || !wt_reader_get_be16(r, &call_id))
      return wt_tunnel_short(pkt, a, "pptp.truncated");
    if ((f0 & GRE_S) && !wt_reader_skip(r, 4))
      return wt_tunnel_short(pkt, a, "pptp.truncated");
    if ((f1 & GRE_A) && !wt_reader_skip(r, 4))
      return wt_tunnel_short(pkt, a, "pptp.truncated");
    if (!(f0 & GRE_S) || payload_len == 0)
      return wt_decode_stop(WT_DECODE_UNSUPPORTED); /* an acknowledgment alone */
    if (payload_len < wt_reader_remaining(r))
      wt_reader_narrow(r, payload_len);
    if (!wt_tunnel_enter(t, pkt, a, WT_TUNNEL_PPTP, 0))
      return wt_decode_stop(WT_DECODE_UNSUPPORTED);
    return ppp(pkt, r, a);
  } else {
    return wt_tunnel_bad(a, "gre.bad_version");
  }
  switch (proto) {
  case WT_TUNNEL_ETH_IPV4:
  case WT_TUNNEL_ETH_IPV6:
    if (!wt_tunnel_enter(t, pkt, a, type, key))
      return wt_decode_stop(WT_DECODE_OK);
    return wt_decode_next(WT_NEXT_ETHERTYPE, proto);
  case WT_TUNNEL_ETH_TEB:
    if (!wt_tunnel_enter(t, pkt, a, type, key))
      return wt_decode_stop(WT_DECODE_OK);
    return wt_decode_next(WT_NEXT_LINKTYPE, WT_TUNNEL_DLT_EN10MB);
  case GRE_PROTO_ERSPAN_12:
    return erspan(t, pkt, r, a, (f0 & GRE_S) ? 2 : 1);
  case GRE_PROTO_ERSPAN_3:
    return erspan(t, pkt, r, a, 3);
  default:
    return wt_decode_stop(WT_DECODE_UNSUPPORTED); /* a payload we do not decode */
  }
}

WtDecodeResult wt_gre_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  if (pkt->headers_only)
    return wt_decode_stop(WT_DECODE_OK);
  wt_tunnel_begin(state, pkt);
  WtDecodeResult res = gre(state, pkt, r, a, WT_TUNNEL_GRE);
  /* a GRE packet that carries nothing decoded stays what it was: an IP protocol we do
   * not decode */
  if (res.status == WT_DECODE_OK && res.next_table == WT_NEXT_NONE)
    return wt_decode_stop(WT_DECODE_UNSUPPORTED);
  return res;
}

WtDecodeResult wt_gre_udp_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  if (pkt->headers_only)
    return wt_decode_stop(WT_DECODE_OK);
  wt_tunnel_begin(state, pkt);
  guint8 depth = pkt->tunnel_depth;
  WtDecodeResult res = gre(state, pkt, r, a, WT_TUNNEL_GRE_UDP);
  /* inside UDP, a payload that is not decoded leaves a plain UDP datagram */
  if (res.status == WT_DECODE_UNSUPPORTED && pkt->tunnel_depth == depth)
    return wt_decode_stop(WT_DECODE_OK);
  return res;
}
