/* The tunnels found by UDP port: VXLAN (RFC 7348), Geneve (RFC 8926), GTPv1-U (3GPP TS
 * 29.281), Teredo (RFC 4380) and AYIYA. A datagram on such a port that is not what the
 * port says (another message type, not an IP packet) stays a plain UDP datagram. */
#include "dissectors/tunnel/tunnel-priv.h"

/* An entered layer's inner packet must be IP; before entering, a datagram that does not
 * carry IP is plain UDP (status OK, nothing next). */
static WtDecodeResult enter_ip(WtTunnels *t, WtPacket *pkt, const WtReader *r, WtAnomalies *a,
                               WtTunnelType type, guint32 vni)
{
  WtDecodeResult next = wt_tunnel_next_ip(r);
  if (next.status != WT_DECODE_OK)
    return wt_decode_stop(WT_DECODE_OK);
  if (!wt_tunnel_enter(t, pkt, a, type, vni))
    return wt_decode_stop(WT_DECODE_OK);
  return next;
}

/* flags (I = 0x08), 24 reserved bits, the 24-bit VNI, 8 reserved bits; Ethernet follows */
WtDecodeResult wt_vxlan_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  if (pkt->headers_only)
    return wt_decode_stop(WT_DECODE_OK);
  wt_tunnel_begin(state, pkt);
  const guint8 *h;
  if (!wt_reader_get_bytes(r, 8, &h))
    return wt_tunnel_short(pkt, a, "vxlan.truncated");
  if (!(h[0] & 0x08))
    return wt_tunnel_bad(a, "vxlan.no_vni");
  guint32 vni = (guint32) (h[4] << 16 | h[5] << 8 | h[6]);
  if (!wt_tunnel_enter(state, pkt, a, WT_TUNNEL_VXLAN, vni))
    return wt_decode_stop(WT_DECODE_OK);
  return wt_decode_next(WT_NEXT_LINKTYPE, WT_TUNNEL_DLT_EN10MB);
}

/* version (2 bits, 0), options length (6 bits, 4-byte words), flags, protocol type, the
 * 24-bit VNI, reserved; the options are skipped */
WtDecodeResult wt_geneve_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  if (pkt->headers_only)
    return wt_decode_stop(WT_DECODE_OK);
  wt_tunnel_begin(state, pkt);
  const guint8 *h;
  if (!wt_reader_get_bytes(r, 8, &h))
    return wt_tunnel_short(pkt, a, "geneve.truncated");
  if (h[0] >> 6 != 0)
    return wt_tunnel_bad(a, "geneve.bad_version");
  if (!wt_reader_skip(r, (gsize) (h[0] & 0x3f) * 4))
    return wt_tunnel_short(pkt, a, "geneve.truncated");
  guint32 proto = (guint32) (h[2] << 8 | h[3]);
  guint32 vni = (guint32) (h[4] << 16 | h[5] << 8 | h[6]);
  WtDecodeResult next;
  if (proto == WT_TUNNEL_ETH_TEB)
    next = wt_decode_next(WT_NEXT_LINKTYPE, WT_TUNNEL_DLT_EN10MB);
  else
    next = wt_decode_next(WT_NEXT_ETHERTYPE, proto);
  if (!wt_tunnel_enter(state, pkt, a, WT_TUNNEL_GENEVE, vni))
    return wt_decode_stop(WT_DECODE_OK);
  return next;
}

/* GTPv1-U: flags (version 1, PT 1, E, S, PN), message type (0xff: a G-PDU carries a user
 * packet), length, TEID; with any of E, S, PN a 4-byte field (sequence, N-PDU, next
 * extension type), then the extension headers (length in 4-byte words, the last byte
 * naming the next). The TEID differs by direction: not part of the identity. */
WtDecodeResult wt_gtpu_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  if (pkt->headers_only)
    return wt_decode_stop(WT_DECODE_OK);
  wt_tunnel_begin(state, pkt);
  const guint8 *h;
  if (!wt_reader_get_bytes(r, 8, &h))
    return wt_tunnel_short(pkt, a, "gtpu.truncated");
  if ((h[0] >> 5) != 1 || !(h[0] & 0x10))
    return wt_decode_stop(WT_DECODE_OK); /* GTPv0, GTP' or GTPv2-C: not GTP-U */
  if (h[1] != 0xff)
    return wt_decode_stop(WT_DECODE_OK); /* echo, error indication ...: no user packet */
  guint32 len = (guint32) (h[2] << 8 | h[3]);
  if (len < wt_reader_remaining(r))
    wt_reader_narrow(r, len);
  if (h[0] & 0x07) {
    const guint8 *opt;
    if (!wt_reader_get_bytes(r, 4, &opt))
      return wt_tunnel_short(pkt, a, "gtpu.truncated");
    guint8 next_ext = (h[0] & 0x04) ? opt[3] : 0;
    for (guint n = 0; next_ext != 0; n++) {
      guint8 words;
      if (n >= 16)
        return wt_tunnel_bad(a, "gtpu.too_many_extensions");
      if (!wt_reader_get_u8(r, &words))
        return wt_tunnel_short(pkt, a, "gtpu.truncated");
      if (words == 0)
        return wt_tunnel_bad(a, "gtpu.bad_extension");
      const guint8 *ext;
      if (!wt_reader_get_bytes(r, (gsize) words * 4 - 1, &ext))
        return wt_tunnel_short(pkt, a, "gtpu.truncated");
      next_ext = ext[words * 4 - 2];
    }
  }
  return enter_ip(state, pkt, r, a, WT_TUNNEL_GTPU, 0);
}

/* Teredo: an IPv6 packet, optionally after an authentication indicator (00 01, client id
 * length, authentication value length, id, value, 8-byte nonce, confirmation byte) and an
 * origin indicator (00 00, obfuscated port and address). Bubbles are IPv6 packets with no
 * next header (59) and no payload. */
WtDecodeResult wt_teredo_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  if (pkt->headers_only)
    return wt_decode_stop(WT_DECODE_OK);
  wt_tunnel_begin(state, pkt);
  WtReader c = *r;
  guint16 ind;
  if (wt_reader_peek_be16(&c, 0, &ind) && ind == 0x0001) {
    const guint8 *h;
    if (!wt_reader_get_bytes(&c, 4, &h))
      return wt_decode_stop(WT_DECODE_OK);
    if (!wt_reader_skip(&c, (gsize) h[2] + h[3] + 9))
      return wt_decode_stop(WT_DECODE_OK);
  }
  if (wt_reader_peek_be16(&c, 0, &ind) && ind == 0x0000 && !wt_reader_skip(&c, 8))
    return wt_decode_stop(WT_DECODE_OK);
  /* a whole IPv6 header whose payload length fits the datagram, or it is not Teredo */
  const guint8 *ip6;
  if (wt_reader_remaining(&c) < 40)
    return wt_decode_stop(WT_DECODE_OK);
  ip6 = wt_reader_here(&c);
  if (ip6[0] >> 4 != 6 || (gsize) (ip6[4] << 8 | ip6[5]) + 40 > pkt->payload_wire_len)
    return wt_decode_stop(WT_DECODE_OK);
  if (!wt_tunnel_enter(state, pkt, a, WT_TUNNEL_TEREDO, 0))
    return wt_decode_stop(WT_DECODE_OK);
  *r = c;
  return wt_decode_next(WT_NEXT_ETHERTYPE, WT_TUNNEL_ETH_IPV6);
}

/* AYIYA: id length (log2) and type, signature length (4-byte words) and hash method,
 * authentication method and opcode (1: forward), next header (4 or 41), epoch, then the
 * id and the signature. */
WtDecodeResult wt_ayiya_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  if (pkt->headers_only)
    return wt_decode_stop(WT_DECODE_OK);
  wt_tunnel_begin(state, pkt);
  WtReader c = *r;
  const guint8 *h;
  if (!wt_reader_get_bytes(&c, 8, &h))
    return wt_decode_stop(WT_DECODE_OK);
  if ((h[2] & 0x0f) != 1 || (h[3] != 4 && h[3] != 41))
    return wt_decode_stop(WT_DECODE_OK);
  if (!wt_reader_skip(&c, ((gsize) 1 << (h[0] >> 4)) + (gsize) (h[1] >> 4) * 4))
    return wt_tunnel_short(pkt, a, "ayiya.truncated");
  if (!wt_tunnel_enter(state, pkt, a, WT_TUNNEL_AYIYA, 0))
    return wt_decode_stop(WT_DECODE_OK);
  *r = c;
  return wt_decode_next(WT_NEXT_ETHERTYPE, h[3] == 4 ? WT_TUNNEL_ETH_IPV4 : WT_TUNNEL_ETH_IPV6);
}
