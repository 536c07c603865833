/* IPv6 (RFC 8200): fixed header, payload-length narrowing, the extension header chain
 * (bounded), and fragments. pkt->ip_proto is the upper-layer protocol at the end of
 * the chain. */
#include "dissectors/ip/ip.h"
#include "dissectors/ip/ip-defrag.h"
#include "analyzer/core/decoder.h"

#include <string.h>

#define IP6_HDR 40

typedef struct {
  WtIpDefrag *defrag;
  WtPacket *pkt;
  WtReader *r;
  WtAnomalies *a;
  const guint8 *ip_start;  /* for ip_total_len after reassembly */
  guint8 nh;               /* the header the reader is positioned at */
  gboolean cut;            /* the frame held less than the payload length said */
  gboolean reassembled;
} Ip6Walk;

/* Shrink the upper-layer wire length by one extension header. FALSE if the chain is
 * longer than the payload length says. */
static gboolean consume_wire(Ip6Walk *w, gsize n)
{
  if (w->pkt->l4_wire_len < n) {
    wt_anomaly(w->a, "ip6.bad_ext_length");
    return FALSE;
  }
  w->pkt->l4_wire_len -= (guint32) n;
  return TRUE;
}

/* Generic "next header, length" extension: options headers, routing, mobility, HIP,
 * shim6 count in 8-byte units after the first 8; AH in 4-byte units after the first 8. */
static WtDecodeStatus skip_ext(Ip6Walk *w, gboolean ah)
{
  guint8 next, hlen;
  WtReader peek = *w->r;
  if (!wt_reader_get_u8(&peek, &next) || !wt_reader_get_u8(&peek, &hlen))
    return wt_decode_short(w->pkt, w->r, w->a, "ip6.truncated").status;
  gsize len = ah ? ((gsize) hlen + 2) * 4 : ((gsize) hlen + 1) * 8;
  if (!consume_wire(w, len))
    return WT_DECODE_MALFORMED;
  if (!wt_reader_skip(w->r, len))
    return wt_decode_short(w->pkt, w->r, w->a, "ip6.truncated").status;
  w->nh = next;
  return WT_DECODE_OK;
}

/* Headers only: the fragment's identity names its datagram; the first fragment goes on
 * through the chain to the upper-layer header, whose ports name the datagram's flow. A
 * second fragment header would start a datagram inside one that is not reassembled
 * here: the walk ends. */
static WtDecodeStatus fragment_headers_only(Ip6Walk *w, guint32 id, guint32 offset,
                                            gboolean more, guint8 next)
{
  if (w->pkt->ip_fragment)
    return WT_DECODE_MALFORMED;
  wt_ip_note_fragment(w->pkt, id, offset, more);
  if (offset != 0)
    return WT_DECODE_CONSUMED;
  w->nh = next;
  return WT_DECODE_OK;
}

static WtDecodeStatus fragment(Ip6Walk *w)
{
  guint8 next, reserved;
  guint16 offmf;
  guint32 id;
  if (!consume_wire(w, 8))
    return WT_DECODE_MALFORMED;
  if (!wt_reader_get_u8(w->r, &next) || !wt_reader_get_u8(w->r, &reserved)
      || !wt_reader_get_be16(w->r, &offmf) || !wt_reader_get_be32(w->r, &id))
    return wt_decode_short(w->pkt, w->r, w->a, "ip6.truncated").status;
  guint32 offset = offmf & 0xfff8u;
  gboolean more = (offmf & 1) != 0;
  if (offset == 0 && !more) {
    /* Atomic fragment (RFC 6946): not part of any train, just go on. */
    w->nh = next;
    return WT_DECODE_OK;
  }
  if (w->reassembled) {
    wt_anomaly(w->a, "ip6.nested_fragment");
    return WT_DECODE_MALFORMED;
  }
  WtPacket *pkt = w->pkt;
  if (pkt->headers_only)
    return fragment_headers_only(w, id, offset, more, next);
  wt_ip_note_fragment(pkt, id, offset, more);
  if (wt_reader_remaining(w->r) < pkt->l4_wire_len || w->cut) {
    wt_anomaly(w->a, "ip6.frag_truncated");
    return WT_DECODE_CONSUMED;
  }
  WtIpFragment f;
  memset(&f, 0, sizeof f);
  wt_ip_frag_key(pkt, &f.key);
  f.ts_ns = pkt->ts_ns;
  f.offset = offset;
  f.data = wt_reader_here(w->r);
  f.len = pkt->l4_wire_len;
  f.more = more;
  f.next_header = next;
  WtIpDatagram dg;
  if (!wt_ip_defrag_add(w->defrag, &f, w->a, &dg))
    return WT_DECODE_CONSUMED;
  /* Everything up to and including the fragment header stays as it was; the
   * reassembled bytes are the fragmentable part that followed it. */
  gsize unfrag = (gsize) (wt_reader_here(w->r) - w->ip_start);
  *w->r = wt_reader_init(dg.data, dg.len);
  pkt->ip_reassembled = TRUE;
  pkt->reassembled_buf = dg.data;
  pkt->ip_total_len = (guint32) (unfrag + dg.len);
  pkt->l4_wire_len = dg.len;
  w->reassembled = TRUE;
  w->nh = dg.next_header;
  return WT_DECODE_OK;
}

static gboolean is_extension(guint8 nh)
{
  switch (nh) {
  case WT_IPPROTO_HOPOPTS:
  case WT_IPPROTO_ROUTING:
  case WT_IPPROTO_DSTOPTS:
  case WT_IPPROTO_MOBILITY:
  case WT_IPPROTO_HIP:
  case WT_IPPROTO_SHIM6:
  case WT_IPPROTO_AH:
  case WT_IPPROTO_FRAGMENT:
    return TRUE;
  default:
    return FALSE; /* upper layer (or ESP / no next header: opaque) */
  }
}

/* Walk up to WT_IP6_MAX_EXT_HEADERS extension headers; stop at the first header that
 * is not one. */
static WtDecodeStatus walk_chain(Ip6Walk *w)
{
  for (guint i = 0; is_extension(w->nh); i++) {
    WtDecodeStatus st;
    if (i == WT_IP6_MAX_EXT_HEADERS) {
      wt_anomaly(w->a, "ip6.too_many_ext");
      return WT_DECODE_MALFORMED;
    }
    if (w->nh == WT_IPPROTO_HOPOPTS && i != 0)
      wt_anomaly(w->a, "ip6.hbh_not_first");
    if (w->nh == WT_IPPROTO_FRAGMENT)
      st = fragment(w);
    else
      st = skip_ext(w, w->nh == WT_IPPROTO_AH);
    if (st != WT_DECODE_OK)
      return st;
  }
  return WT_DECODE_OK;
}

WtDecodeResult wt_ip6_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a)
{
  const guint8 *start = wt_reader_here(r);
  gsize extra = wt_decode_at_snaplen(pkt, r) ? pkt->wirelen - pkt->caplen : 0;
  guint32 vtcfl;
  guint16 plen;
  guint8 nh, hlim;
  const guint8 *src, *dst;
  if (!wt_reader_get_be32(r, &vtcfl) || !wt_reader_get_be16(r, &plen) || !wt_reader_get_u8(r, &nh)
      || !wt_reader_get_u8(r, &hlim) || !wt_reader_get_bytes(r, 16, &src)
      || !wt_reader_get_bytes(r, 16, &dst))
    return wt_decode_short(pkt, r, a, "ip6.truncated");
  if (vtcfl >> 28 != 6) {
    wt_anomaly(a, "ip6.bad_version");
    return wt_decode_stop(WT_DECODE_MALFORMED);
  }
  pkt->ip_version = 6;
  pkt->ttl = hlim;
  pkt->src.family = pkt->dst.family = 6;
  memcpy(pkt->src.bytes, src, 16);
  memcpy(pkt->dst.bytes, dst, 16);

  gsize body = plen;
  gboolean cut = FALSE;
  if (plen == 0) {
    /* A jumbogram (RFC 2675) or segmentation offload: use the frame length. */
    wt_anomaly(a, "ip6.zero_payload_length");
    body = wt_reader_remaining(r) + extra;
  }
  if (!wt_reader_narrow(r, body) && wt_reader_remaining(r) + extra < body) {
    wt_anomaly(a, "ip6.bad_length");
    body = wt_reader_remaining(r) + extra;
    cut = TRUE;
  }
  pkt->ip_total_len = (guint32) (IP6_HDR + body);
  pkt->l4_wire_len = (guint32) body;

  Ip6Walk w = { state, pkt, r, a, start, nh, cut, FALSE };
  WtDecodeStatus st = walk_chain(&w);
  pkt->ip_proto = w.nh;
  if (st != WT_DECODE_OK)
    return wt_decode_stop(st);
  wt_ip_set_payload(pkt, r);
  return wt_decode_next(WT_NEXT_IPPROTO, w.nh);
}
