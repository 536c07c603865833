#include "dissectors/udp/udp-header.h"
#include "dissectors/ip/inet-checksum.h"
#include "dissectors/ip/ip.h"
#include "analyzer/core/decoder.h"

/* Only when every byte of the datagram was captured. Zero means "not computed" over
 * IPv4; over IPv6 it is not allowed (RFC 8200 8.1) but is counted, not verified. */
static void check_sum(WtPacket *pkt, const guint8 *dgram, gsize captured, guint32 len,
                      guint16 csum, WtAnomalies *a)
{
  if (csum == 0) {
    if (pkt->ip_version == 6)
      wt_anomaly(a, "udp.zero_checksum_ipv6");
    return;
  }
  if (captured < len)
    return;
  guint32 sum = wt_inet_pseudo_sum(pkt, WT_IPPROTO_UDP, len);
  if (wt_inet_fold(wt_inet_sum(sum, dgram, len)) != 0) {
    pkt->l4_bad_checksum = TRUE;
    wt_anomaly(a, "udp.bad_checksum");
  }
}

/* Not inlined into wt_udp_decode: its stack frame would cost the headers-only path. */
static G_GNUC_NO_INLINE WtDecodeResult decode_datagram(WtPacket *pkt, WtReader *r,
                                                       WtAnomalies *a)
{
  const guint8 *dgram = wt_reader_here(r);
  gsize captured = wt_reader_remaining(r);
  if (pkt->l4_wire_len < WT_UDP_HDR) {
    wt_anomaly(a, "udp.bad_length");
    return wt_decode_stop(WT_DECODE_MALFORMED);
  }
  guint16 ulen, csum;
  if (!wt_reader_get_be16(r, &pkt->sport) || !wt_reader_get_be16(r, &pkt->dport)
      || !wt_reader_get_be16(r, &ulen) || !wt_reader_get_be16(r, &csum))
    return wt_decode_short(pkt, r, a, "udp.truncated_header");
  guint32 len = ulen;
  if (len < WT_UDP_HDR) {
    wt_anomaly(a, "udp.bad_length");
    return wt_decode_stop(WT_DECODE_MALFORMED);
  }
  if (len != pkt->l4_wire_len) {
    /* Shorter: trailing bytes inside the IP packet are not UDP payload. Longer: the
     * IP length wins, there is nothing beyond it. */
    wt_anomaly(a, "udp.bad_length");
    len = MIN(len, pkt->l4_wire_len);
  }
  wt_reader_narrow(r, len - WT_UDP_HDR);
  pkt->payload = wt_reader_here(r);
  pkt->payload_len = (guint32) wt_reader_remaining(r);
  pkt->payload_wire_len = len - WT_UDP_HDR;
  if (ulen == len)
    check_sum(pkt, dgram, captured, len, csum, a);
  /* the UDP tunnels by port; no entry there: a plain datagram */
  return wt_decode_next(WT_NEXT_UDPPORT, (guint32) pkt->sport << 16 | pkt->dport);
}

WtDecodeResult wt_udp_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) state;
  if (!pkt->headers_only)
    return decode_datagram(pkt, r, a);
  if (!wt_ip_get_ports(pkt, r))
    return wt_decode_short(pkt, r, a, "udp.truncated_header");
  return wt_decode_next(WT_NEXT_NONE, 0);
}
