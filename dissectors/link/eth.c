/* Ethernet II / 802.3 framing, 802.1Q and 802.1ad VLAN tags, 802.2 LLC/SNAP. */
#include "dissectors/link/link.h"
#include "analyzer/core/decoder.h"

#define ETH_ADDRS_LEN 12 /* destination + source MAC */

WtDecodeResult wt_eth_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) state;
  guint16 type;
  if (!wt_reader_skip(r, ETH_ADDRS_LEN) || !wt_reader_get_be16(r, &type))
    return wt_decode_short(pkt, r, a, "eth.truncated");
  if (type <= WT_ETHERTYPE_MAX_LENGTH) {
    /* 802.3: the field is the LLC frame length. Narrowing drops the padding of short
     * frames; a length beyond what was captured is left to the LLC decoder's reads. */
    wt_reader_narrow(r, type);
  }
  return wt_decode_next(WT_NEXT_ETHERTYPE, type);
}

/* 802.2 LLC header (DSAP, SSAP, control) and, for SNAP (AA AA 03), the OUI and
 * ethertype. Only SNAP with OUI 00-00-00 (RFC 1042 encapsulated ethertypes) carries
 * something we decode; STP, NetBIOS, IPX over LLC are valid but not ours. */
WtDecodeResult wt_llc_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) state;
  guint8 dsap, ssap, ctrl;
  if (!wt_reader_get_u8(r, &dsap) || !wt_reader_get_u8(r, &ssap) || !wt_reader_get_u8(r, &ctrl))
    return wt_decode_short(pkt, r, a, "llc.truncated");
  if (dsap != 0xaa || ssap != 0xaa || ctrl != 0x03)
    return wt_decode_stop(WT_DECODE_UNSUPPORTED);
  const guint8 *oui;
  guint16 type;
  if (!wt_reader_get_bytes(r, 3, &oui) || !wt_reader_get_be16(r, &type))
    return wt_decode_short(pkt, r, a, "llc.truncated");
  if (oui[0] != 0 || oui[1] != 0 || oui[2] != 0 || type <= WT_ETHERTYPE_MAX_LENGTH)
    return wt_decode_stop(WT_DECODE_UNSUPPORTED);
  return wt_decode_next(WT_NEXT_ETHERTYPE, type);
}

/* One VLAN tag (TCI + inner ethertype). Stacks of any depth arrive here once per tag
 * through the ethertype table; the depth limit keeps a crafted frame of nothing but
 * tags from running the table loop long. */
WtDecodeResult wt_vlan_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  const WtLinkLimits *lim = state;
  guint16 tci, type;
  if (pkt->vlan_depth >= lim->max_vlan_depth) {
    wt_anomaly(a, "eth.vlan_too_deep");
    return wt_decode_stop(WT_DECODE_MALFORMED);
  }
  if (!wt_reader_get_be16(r, &tci) || !wt_reader_get_be16(r, &type))
    return wt_decode_short(pkt, r, a, "vlan.truncated");
  if (pkt->vlan_depth < G_N_ELEMENTS(pkt->vlan_ids))
    pkt->vlan_ids[pkt->vlan_depth] = tci & 0x0fff;
  pkt->vlan_depth++;
  if (type <= WT_ETHERTYPE_MAX_LENGTH)
    wt_reader_narrow(r, type);
  return wt_decode_next(WT_NEXT_ETHERTYPE, type);
}
