/* Linux NFLOG (DLT_NFLOG): a 4-byte header (family, version, resource id) and then
 * netlink-style TLVs; the packet itself is the NFULA_PAYLOAD TLV. TLV length and type
 * are in host byte order: libpcap swaps them when the file came from a host of the
 * other endianness, so here they are always in ours. */
#include "dissectors/link/link.h"
#include "analyzer/core/decoder.h"

#define NFULA_PAYLOAD 9
#define NFLOG_MAX_TLVS 64 /* a real record has about a dozen */

static gboolean get_host16(WtReader *r, guint16 *v)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  return wt_reader_get_le16(r, v);
#else
  return wt_reader_get_be16(r, v);
#endif
}

WtDecodeResult wt_nflog_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) state;
  guint8 family, version;
  if (!wt_reader_get_u8(r, &family) || !wt_reader_get_u8(r, &version) || !wt_reader_skip(r, 2))
    return wt_decode_short(pkt, r, a, "nflog.truncated");
  if (version != 0) {
    wt_anomaly(a, "nflog.bad_version");
    return wt_decode_stop(WT_DECODE_MALFORMED);
  }
  for (guint i = 0; i < NFLOG_MAX_TLVS; i++) {
    guint16 len, type;
    if (wt_reader_remaining(r) == 0)
      return wt_decode_stop(WT_DECODE_UNSUPPORTED); /* a record without packet bytes */
    if (!get_host16(r, &len) || !get_host16(r, &type))
      return wt_decode_short(pkt, r, a, "nflog.truncated");
    if (len < 4) {
      wt_anomaly(a, "nflog.bad_tlv_length");
      return wt_decode_stop(WT_DECODE_MALFORMED);
    }
    gsize value_len = len - 4u;
    if ((type & 0x7fff) == NFULA_PAYLOAD) {
      if (!wt_reader_narrow(r, value_len) && !wt_decode_at_snaplen(pkt, r)) {
        wt_anomaly(a, "nflog.bad_tlv_length");
        return wt_decode_stop(WT_DECODE_MALFORMED);
      }
      if (family == 2)
        return wt_decode_next(WT_NEXT_ETHERTYPE, WT_ETHERTYPE_IPV4);
      if (family == 10)
        return wt_decode_next(WT_NEXT_ETHERTYPE, WT_ETHERTYPE_IPV6);
      return wt_decode_next(WT_NEXT_LINKTYPE, WT_DLT_RAW);
    }
    /* TLVs are padded to 4 bytes. */
    gsize padded = (value_len + 3u) & ~(gsize) 3u;
    if (!wt_reader_skip(r, padded))
      return wt_decode_short(pkt, r, a, "nflog.truncated");
  }
  wt_anomaly(a, "nflog.too_many_tlvs");
  return wt_decode_stop(WT_DECODE_MALFORMED);
}
