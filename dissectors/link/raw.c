/* Link types without a link header worth the name: raw IP (version from the first
 * nibble, or fixed by the link type) and BSD loopback (a 4-byte address family). */
#include "dissectors/link/link.h"
#include "analyzer/core/decoder.h"

WtDecodeResult wt_raw_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) state;
  if (wt_reader_remaining(r) < 1)
    return wt_decode_short(pkt, r, a, "raw.truncated");
  switch (*wt_reader_here(r) >> 4) {
  case 4:
    return wt_decode_next(WT_NEXT_ETHERTYPE, WT_ETHERTYPE_IPV4);
  case 6:
    return wt_decode_next(WT_NEXT_ETHERTYPE, WT_ETHERTYPE_IPV6);
  default:
    wt_anomaly(a, "raw.bad_version");
    return wt_decode_stop(WT_DECODE_MALFORMED);
  }
}

WtDecodeResult wt_raw_ipv4_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) state;
  (void) pkt;
  (void) r;
  (void) a;
  return wt_decode_next(WT_NEXT_ETHERTYPE, WT_ETHERTYPE_IPV4);
}

WtDecodeResult wt_raw_ipv6_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) state;
  (void) pkt;
  (void) r;
  (void) a;
  return wt_decode_next(WT_NEXT_ETHERTYPE, WT_ETHERTYPE_IPV6);
}

/* AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD,
 * DragonFly) or 30 (Darwin). */
static guint32 loop_ethertype(guint32 family)
{
  switch (family) {
  case 2:
    return WT_ETHERTYPE_IPV4;
  case 24:
  case 28:
  case 30:
    return WT_ETHERTYPE_IPV6;
  default:
    return 0;
  }
}

/* DLT_NULL stores the family in the capturing host's byte order, DLT_LOOP in network
 * byte order; since both kinds of file exist in the wild we accept either order for
 * both. Known values read in the other order are all >= 2^24, so there is no
 * ambiguity. */
WtDecodeResult wt_loop_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) state;
  WtReader peek = *r;
  guint32 le, be;
  if (!wt_reader_get_le32(&peek, &le))
    return wt_decode_short(pkt, r, a, "loop.truncated");
  peek = *r;
  wt_reader_get_be32(&peek, &be);
  wt_reader_skip(r, 4);
  guint32 type = loop_ethertype(le);
  if (type == 0)
    type = loop_ethertype(be);
  if (type == 0)
    return wt_decode_stop(WT_DECODE_UNSUPPORTED);
  return wt_decode_next(WT_NEXT_ETHERTYPE, type);
}
