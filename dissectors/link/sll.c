/* Linux cooked capture ("any" device): v1 (DLT_LINUX_SLL, 16 bytes) and v2
 * (DLT_LINUX_SLL2, 20 bytes). The protocol field is an ethertype for everything we
 * decode; values <= 1500 are Linux's ETH_P_802_2 (4) / ETH_P_802_3 (1) pseudo-types,
 * which the ethertype table sends to LLC. */
#include "dissectors/link/link.h"
#include "analyzer/core/decoder.h"

#define ARPHRD_NETLINK 824 /* netlink messages, not network frames */

WtDecodeResult wt_sll_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) state;
  guint16 pkttype, hatype, halen, proto;
  if (!wt_reader_get_be16(r, &pkttype) || !wt_reader_get_be16(r, &hatype)
      || !wt_reader_get_be16(r, &halen) || !wt_reader_skip(r, 8) || !wt_reader_get_be16(r, &proto))
    return wt_decode_short(pkt, r, a, "sll.truncated");
  (void) pkttype;
  (void) halen;
  if (hatype == ARPHRD_NETLINK)
    return wt_decode_stop(WT_DECODE_UNSUPPORTED);
  return wt_decode_next(WT_NEXT_ETHERTYPE, proto);
}

WtDecodeResult wt_sll2_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) state;
  guint16 proto, hatype;
  /* protocol, reserved, interface index, hatype, pkttype, halen, address[8] */
  if (!wt_reader_get_be16(r, &proto) || !wt_reader_skip(r, 2 + 4) || !wt_reader_get_be16(r, &hatype)
      || !wt_reader_skip(r, 1 + 1 + 8))
    return wt_decode_short(pkt, r, a, "sll2.truncated");
  if (hatype == ARPHRD_NETLINK)
    return wt_decode_stop(WT_DECODE_UNSUPPORTED);
  return wt_decode_next(WT_NEXT_ETHERTYPE, proto);
}
