#include "dissectors/tcp/tcp-header.h"
#include "dissectors/ip/inet-checksum.h"
#include "dissectors/ip/ip.h"
#include "analyzer/core/decoder.h"

enum { OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WSCALE = 3, OPT_SACK_OK = 4, OPT_TS = 8 };

#define TCP_MAX_WSCALE 14 /* RFC 7323 2.3: larger shifts are treated as 14 */

static guint32 be32_at(const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* One option with its value `v` of `vlen` bytes. A known kind with the wrong length
 * is counted and otherwise ignored. */
static void take_option(WtPacket *pkt, guint8 kind, const guint8 *v, guint8 vlen, WtAnomalies *a)
{
  switch (kind) {
  case OPT_MSS:
    if (vlen != 2)
      break;
    pkt->tcp_mss = (guint16) ((v[0] << 8) | v[1]);
    return;
  case OPT_WSCALE:
    if (vlen != 1)
      break;
    if (v[0] > TCP_MAX_WSCALE)
      wt_anomaly(a, "tcp.bad_window_scale");
    pkt->tcp_wscale = (gint8) MIN(v[0], TCP_MAX_WSCALE);
    return;
  case OPT_SACK_OK:
    if (vlen != 0)
      break;
    pkt->tcp_sack_ok = TRUE;
    return;
  case OPT_TS:
    if (vlen != 8)
      break;
    pkt->tcp_has_ts = TRUE;
    pkt->tcp_tsval = be32_at(v);
    pkt->tcp_tsecr = be32_at(v + 4);
    return;
  default:
    return; /* SACK blocks, MD5, TFO ...: not needed */
  }
  wt_anomaly(a, "tcp.bad_option_length");
}

static void walk_options(WtPacket *pkt, const guint8 *opt, gsize len, WtAnomalies *a)
{
  /* Almost every segment of an established Linux connection carries exactly NOP, NOP,
   * timestamps: take that layout in one comparison (same result as the walk below). */
  if (len == 12 && opt[0] == OPT_NOP && opt[1] == OPT_NOP && opt[2] == OPT_TS && opt[3] == 10) {
    pkt->tcp_has_ts = TRUE;
    pkt->tcp_tsval = be32_at(opt + 4);
    pkt->tcp_tsecr = be32_at(opt + 8);
    return;
  }
  gsize i = 0;
  for (guint n = 0; n < WT_TCP_MAX_OPTIONS && i < len; n++) {
    guint8 kind = opt[i];
    if (kind == OPT_EOL)
      return;
    if (kind == OPT_NOP) {
      i++;
      continue;
    }
    if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i) {
      wt_anomaly(a, "tcp.bad_option_length");
      return;
    }
    take_option(pkt, kind, opt + i + 2, (guint8) (opt[i + 1] - 2), a);
    i += opt[i + 1];
  }
}

static guint16 be16_at(const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

/* The 20-byte fixed header. When it was captured whole (every segment but a snaplen-cut
 * one) it is taken with one bounds check; otherwise field by field, so a cut header
 * keeps the fields that were there. */
static gboolean read_fixed_header(WtReader *r, WtPacket *pkt, guint16 *offflags)
{
  const guint8 *h;
  if (wt_reader_get_bytes(r, WT_TCP_MIN_HDR, &h)) {
    pkt->sport = be16_at(h);
    pkt->dport = be16_at(h + 2);
    pkt->tcp_seq = be32_at(h + 4);
    pkt->tcp_ack = be32_at(h + 8);
    *offflags = be16_at(h + 12);
    pkt->tcp_win = be16_at(h + 14);
    return TRUE; /* checksum (16) is verified over the whole segment; urgent (18) unused */
  }
  guint16 urg, csum;
  return wt_reader_get_be16(r, &pkt->sport) && wt_reader_get_be16(r, &pkt->dport)
         && wt_reader_get_be32(r, &pkt->tcp_seq) && wt_reader_get_be32(r, &pkt->tcp_ack)
         && wt_reader_get_be16(r, offflags) && wt_reader_get_be16(r, &pkt->tcp_win)
         && wt_reader_get_be16(r, &csum) && wt_reader_get_be16(r, &urg);
}

/* Only when every byte of the segment was captured (not after a snaplen cut). */
static void check_sum(WtPacket *pkt, const guint8 *seg, gsize captured, WtAnomalies *a)
{
  if (captured != pkt->l4_wire_len)
    return;
  guint32 sum = wt_inet_pseudo_sum(pkt, WT_IPPROTO_TCP, pkt->l4_wire_len);
  if (wt_inet_fold(wt_inet_sum(sum, seg, captured)) != 0) {
    pkt->l4_bad_checksum = TRUE;
    wt_anomaly(a, "tcp.bad_checksum");
  }
}

/* Not inlined into wt_tcp_decode: its stack frame would cost the headers-only path. */
static G_GNUC_NO_INLINE WtDecodeResult decode_segment(WtPacket *pkt, WtReader *r,
                                                      WtAnomalies *a)
{
  const guint8 *seg = wt_reader_here(r);
  gsize captured = wt_reader_remaining(r);
  pkt->tcp_wscale = -1;
  if (pkt->l4_wire_len < WT_TCP_MIN_HDR) {
    wt_anomaly(a, "tcp.truncated_header");
    return wt_decode_stop(WT_DECODE_MALFORMED);
  }
  guint16 offflags;
  if (!read_fixed_header(r, pkt, &offflags))
    return wt_decode_short(pkt, r, a, "tcp.truncated_header");
  guint hdr = (offflags >> 12) * 4u;
  pkt->tcp_flags = (guint8) (offflags & 0xff);
  if (hdr < WT_TCP_MIN_HDR || hdr > pkt->l4_wire_len) {
    wt_anomaly(a, "tcp.bad_data_offset");
    return wt_decode_stop(WT_DECODE_MALFORMED);
  }
  pkt->tcp_hdr_len = (guint8) hdr;
  const guint8 *opt;
  if (!wt_reader_get_bytes(r, hdr - WT_TCP_MIN_HDR, &opt))
    return wt_decode_short(pkt, r, a, "tcp.truncated_header");
  walk_options(pkt, opt, hdr - WT_TCP_MIN_HDR, a);
  pkt->payload = wt_reader_here(r);
  pkt->payload_len = (guint32) wt_reader_remaining(r);
  pkt->payload_wire_len = pkt->l4_wire_len - hdr;
  check_sum(pkt, seg, captured, a);
  return wt_decode_next(WT_NEXT_NONE, 0);
}

WtDecodeResult wt_tcp_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  (void) state;
  if (!pkt->headers_only)
    return decode_segment(pkt, r, a);
  if (!wt_ip_get_ports(pkt, r))
    return wt_decode_short(pkt, r, a, "tcp.truncated_header");
  return wt_decode_next(WT_NEXT_NONE, 0);
}
