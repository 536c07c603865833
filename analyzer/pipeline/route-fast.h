#pragma once
/* The --threads router's fast path, inline: with replicated reading every worker runs it on
 * every frame of the input, so a call, a filled WtRouteKey and its reloads cost as much as
 * the parsing itself. */
#include <glib.h>
#include <string.h>

#include "analyzer/pipeline/decode.h"
#include "dissectors/ip/ip.h"
#include "dissectors/link/link.h"

/* A frame's flow as the fast path reads it: the addresses stay in the frame. */
typedef struct {
  const guint8 *src, *dst; /* 4 bytes (family 4) or 16 (family 6) */
  guint16 sport, dport;
  guint8 family;
} WtRouteFlow;

/* Whether one of the ports is a UDP tunnel's (the default ones and --tunnel-port): such a
 * frame goes the general way, by the tunnel endpoints' addresses. */
gboolean wt_decode_is_udp_tunnel(const WtDecoders *d, guint16 sport, guint16 dport);

/* The fast path of wt_decode_route for the frames nearly every capture is made of:
 * Ethernet II, then IPv4 or IPv6 without extension headers, then TCP or UDP (not a tunnel
 * port), not a fragment, with the ports captured inside the IP length. Read from fixed
 * offsets, with exactly the answer the tables give for such a frame (the Ethernet, IPv4,
 * IPv6, TCP and UDP decoders in headers-only mode read nothing else that matters: see
 * tests/unit/decode/test-route-fast.c, which compares both on every capture). FALSE
 * for anything else (VLAN, options too short, zero or short lengths, other link types):
 * the caller then walks the tables (wt_decode_route). */
static inline gboolean wt_route_flow_fast(const WtDecoders *d, const guint8 *f, guint32 caplen,
                                          int linktype, WtRouteFlow *out)
{
  enum { ETH = 14, IP6_HDR_LEN = 40 };
  if (linktype != WT_DLT_EN10MB || caplen < ETH + 20 + 4)
    return FALSE;
  guint16 type = (guint16) (f[12] << 8 | f[13]);
  const guint8 *ip = f + ETH;
  const guint8 *l4;
  guint8 proto;
  if (type == WT_ETHERTYPE_IPV4) {
    guint ihl = (ip[0] & 0x0fu) * 4u;
    guint total = (guint) (ip[2] << 8 | ip[3]);
    guint frag = (guint) (ip[6] << 8 | ip[7]) & 0x3fffu; /* MF and offset */
    if (G_LIKELY(ip[0] == 0x45)) {
      /* no options: version and header length hold, caplen was checked above */
      if (total < 20 + 4 || frag)
        return FALSE;
    } else if (ip[0] >> 4 != 4 || ihl < 20 || caplen < ETH + ihl + 4 || total < ihl + 4 ||
               frag) {
      return FALSE;
    }
    proto = ip[9];
    out->family = 4;
    out->src = ip + 12;
    out->dst = ip + 16;
    l4 = ip + ihl;
  } else if (type == WT_ETHERTYPE_IPV6) {
    guint plen = (guint) (ip[4] << 8 | ip[5]);
    if (ip[0] >> 4 != 6 || caplen < ETH + IP6_HDR_LEN + 4 || plen < 4)
      return FALSE;
    proto = ip[6];
    out->family = 6;
    out->src = ip + 8;
    out->dst = ip + 24;
    l4 = ip + IP6_HDR_LEN;
  } else {
    return FALSE;
  }
  if (proto != WT_IPPROTO_TCP && proto != WT_IPPROTO_UDP)
    return FALSE;
  out->sport = (guint16) (l4[0] << 8 | l4[1]);
  out->dport = (guint16) (l4[2] << 8 | l4[3]);
  if (proto == WT_IPPROTO_UDP && wt_decode_is_udp_tunnel(d, out->sport, out->dport))
    return FALSE;
  return TRUE;
}
