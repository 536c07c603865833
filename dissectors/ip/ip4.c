/* IPv4 (RFC 791): header checks, options walk, total-length narrowing, header
 * checksum, and handing fragments to reassembly. */
#include "dissectors/ip/ip.h"
#include "dissectors/ip/ip-defrag.h"
#include "dissectors/ip/inet-checksum.h"
#include "analyzer/core/decoder.h"

#include <string.h>

#define IP4_MIN_HDR 20
#define IP4_FLAG_MF 0x2000
#define IP4_OFFSET_MASK 0x1fff

typedef struct {
  guint8 ihl;        /* header length in bytes */
  guint16 total_len;
  guint16 id;
  guint16 frag;      /* flags + offset */
  guint8 ttl, proto;
} Ip4Header;

void wt_ip_set_payload(WtPacket *pkt, const WtReader *r)
{
  pkt->payload = wt_reader_here(r);
  pkt->payload_len = (guint32) wt_reader_remaining(r);
  pkt->payload_wire_len = MAX(pkt->l4_wire_len, pkt->payload_len);
}

void wt_ip_note_fragment(WtPacket *pkt, guint32 id, guint32 offset, gboolean more)
{
  pkt->ip_fragment = TRUE;
  pkt->frag_id = id;
  pkt->frag_offset = offset;
  pkt->frag_len = pkt->l4_wire_len;
  pkt->frag_more = more;
}

/* Options: type-length-value except EOL (0) and NOP (1). A length that runs past the
 * header is counted; we do not act on any option. */
static void walk_options(const guint8 *opt, gsize len, WtAnomalies *a)
{
  gsize i = 0;
  while (i < len) {
    guint8 type = opt[i];
    if (type == 0)
      return;
    if (type == 1) {
      i++;
      continue;
    }
    if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i) {
      wt_anomaly(a, "ip4.bad_option");
      return;
    }
    i += opt[i + 1];
  }
}

/* Bytes of this IP packet that existed on the wire beyond what was captured. */
static gsize uncaptured(const WtPacket *pkt, const WtReader *r)
{
  return wt_decode_at_snaplen(pkt, r) ? pkt->wirelen - pkt->caplen : 0;
}

static WtDecodeResult reassemble(WtIpDefrag *defrag, WtPacket *pkt, WtReader *r,
                                 const Ip4Header *h, WtAnomalies *a)
{
  if (wt_reader_remaining(r) < pkt->l4_wire_len || h->total_len != pkt->ip_total_len) {
    /* A fragment cut by the snaplen (or shorter than its header says) cannot be put
     * back together. */
    wt_anomaly(a, "ip4.frag_truncated");
    return wt_decode_stop(WT_DECODE_CONSUMED);
  }
  WtIpFragment f;
  memset(&f, 0, sizeof f);
  wt_ip_frag_key(pkt, &f.key);
  f.ts_ns = pkt->ts_ns;
  f.offset = pkt->frag_offset;
  f.data = wt_reader_here(r);
  f.len = pkt->l4_wire_len;
  f.more = pkt->frag_more;
  f.next_header = h->proto;
  WtIpDatagram dg;
  if (!wt_ip_defrag_add(defrag, &f, a, &dg))
    return wt_decode_stop(WT_DECODE_CONSUMED);
  *r = wt_reader_init(dg.data, dg.len);
  pkt->ip_reassembled = TRUE;
  pkt->reassembled_buf = dg.data;
  pkt->ip_total_len = h->ihl + dg.len;
  pkt->l4_wire_len = dg.len;
  wt_ip_set_payload(pkt, r);
  return wt_decode_next(WT_NEXT_IPPROTO, h->proto);
}

/* The fixed 20 bytes with one bounds check (nothing is filled in when they are not all
 * there). */
static gboolean read_header(WtReader *r, Ip4Header *h, WtPacket *pkt)
{
  const guint8 *b;
  if (!wt_reader_get_bytes(r, IP4_MIN_HDR, &b))
    return FALSE;
  guint8 vihl = b[0];
  h->total_len = (guint16) ((b[2] << 8) | b[3]);
  h->id = (guint16) ((b[4] << 8) | b[5]);
  h->frag = (guint16) ((b[6] << 8) | b[7]);
  h->ttl = b[8];
  h->proto = b[9];
  h->ihl = (guint8) ((vihl & 0x0f) * 4);
  pkt->ip_version = (guint8) (vihl >> 4);
  pkt->src.family = pkt->dst.family = 4;
  memcpy(pkt->src.bytes, b + 12, 4);
  memcpy(pkt->dst.bytes, b + 16, 4);
  return TRUE;
}

WtDecodeResult wt_ip4_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  WtIpDefrag *defrag = state;
  const guint8 *start = wt_reader_here(r);
  gsize extra = uncaptured(pkt, r);
  Ip4Header h;
  if (!read_header(r, &h, pkt))
    return wt_decode_short(pkt, r, a, "ip4.truncated");
  if (pkt->ip_version != 4) {
    pkt->ip_version = 0;
    wt_anomaly(a, "ip4.bad_version");
    return wt_decode_stop(WT_DECODE_MALFORMED);
  }
  if (h.ihl < IP4_MIN_HDR) {
    wt_anomaly(a, "ip4.bad_header");
    return wt_decode_stop(WT_DECODE_MALFORMED);
  }
  const guint8 *opts;
  if (!wt_reader_get_bytes(r, h.ihl - IP4_MIN_HDR, &opts))
    return wt_decode_short(pkt, r, a, "ip4.truncated");
  pkt->ttl = h.ttl;
  pkt->ip_proto = h.proto;
  if (!pkt->headers_only) {
    walk_options(opts, h.ihl - IP4_MIN_HDR, a);
    if (wt_inet_fold(wt_inet_sum_words(0, start, h.ihl)) != 0)
      wt_anomaly(a, "ip4.bad_checksum");
  }

  gsize total = h.total_len;
  if (total == 0) {
    /* TCP segmentation offload leaves the length zero in captures taken on the
     * sender; the frame length is the best we have. */
    wt_anomaly(a, "ip4.zero_total_length");
    total = h.ihl + wt_reader_remaining(r) + extra;
  }
  if (total < h.ihl) {
    wt_anomaly(a, "ip4.bad_header");
    return wt_decode_stop(WT_DECODE_MALFORMED);
  }
  gsize body = total - h.ihl;
  if (!wt_reader_narrow(r, body) && wt_reader_remaining(r) + extra < body) {
    /* The header claims more than the frame held even on the wire: go on with what
     * was there, as for a snaplen cut, but say so. */
    wt_anomaly(a, "ip4.bad_length");
    body = wt_reader_remaining(r) + extra;
    total = h.ihl + body;
  }
  pkt->ip_total_len = (guint32) total;
  pkt->l4_wire_len = (guint32) body;
  if (!pkt->headers_only)
    wt_ip_set_payload(pkt, r);

  if ((h.frag & (IP4_FLAG_MF | IP4_OFFSET_MASK)) != 0) {
    wt_ip_note_fragment(pkt, h.id, (guint32) (h.frag & IP4_OFFSET_MASK) * 8u,
                        (h.frag & IP4_FLAG_MF) != 0);
    if (!pkt->headers_only)
      return reassemble(defrag, pkt, r, &h, a);
    /* Headers only: the first fragment goes on to the upper-layer header, whose ports
     * name the flow of the whole datagram; the others are known by their identity. */
    if (pkt->frag_offset != 0)
      return wt_decode_stop(WT_DECODE_CONSUMED);
  }
  return wt_decode_next(WT_NEXT_IPPROTO, h.proto);
}
