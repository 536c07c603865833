/* MPLS label stacks (RFC 3032). The stack does not say what it carries, so after the
 * bottom-of-stack label we look at the first nibble, as Zeek and tcpdump do: 4 is
 * IPv4, 6 is IPv6, 0 is a pseudowire control word (RFC 4385) followed by Ethernet. */
#include "dissectors/link/link.h"
#include "analyzer/core/decoder.h"

#define MPLS_BOS 0x100u

WtDecodeResult wt_mpls_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  const WtLinkLimits *lim = state;
  gboolean bottom = FALSE;
  for (guint i = 0; !bottom; i++) {
    guint32 entry;
    if (i >= lim->max_mpls_depth) {
      wt_anomaly(a, "mpls.too_deep");
      return wt_decode_stop(WT_DECODE_MALFORMED);
    }
    if (!wt_reader_get_be32(r, &entry))
      return wt_decode_short(pkt, r, a, "mpls.truncated");
    bottom = (entry & MPLS_BOS) != 0;
    if (pkt->mpls_depth < G_MAXUINT8)
      pkt->mpls_depth++;
  }
  guint8 first;
  if (wt_reader_remaining(r) < 1)
    return wt_decode_short(pkt, r, a, "mpls.truncated");
  first = *wt_reader_here(r);
  switch (first >> 4) {
  case 4:
    return wt_decode_next(WT_NEXT_ETHERTYPE, WT_ETHERTYPE_IPV4);
  case 6:
    return wt_decode_next(WT_NEXT_ETHERTYPE, WT_ETHERTYPE_IPV6);
  case 0:
    /* Ethernet pseudowire with control word (RFC 4448): 4 bytes, then a whole frame. */
    if (!wt_reader_skip(r, 4))
      return wt_decode_short(pkt, r, a, "mpls.truncated");
    return wt_decode_next(WT_NEXT_LINKTYPE, WT_DLT_EN10MB);
  default:
    wt_anomaly(a, "mpls.unknown_payload");
    return wt_decode_stop(WT_DECODE_UNSUPPORTED);
  }
}
