/* ICMP (RFC 792) and ICMPv6 (RFC 4443): type and code for the breakdown. */
#include "dissectors/ip/ip.h"
#include "analyzer/core/decoder.h"

static WtDecodeResult decode_type_code(WtPacket *pkt, WtReader *r, WtAnomalies *a,
                                       const char *short_anomaly)
{
  guint8 type, code;
  if (!wt_reader_get_u8(r, &type) || !wt_reader_get_u8(r, &code))
    return wt_decode_short(pkt, r, a, short_anomaly);
  pkt->icmp_type = type;
  pkt->icmp_code = code;
  /* The checksum is not verified; the rest of the message is the payload. */
  wt_reader_skip(r, 2);
  wt_ip_set_payload(pkt, r);
  pkt->payload_wire_len = pkt->l4_wire_len >= 4 ? pkt->l4_wire_len - 4 : pkt->payload_len;
  return wt_decode_next(WT_NEXT_NONE, 0);
}

WtDecodeResult wt_icmp_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) state;
  return decode_type_code(pkt, r, a, "icmp.truncated");
}

WtDecodeResult wt_icmp6_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) state;
  return decode_type_code(pkt, r, a, "icmp6.truncated");
}
