/* Test helpers: build frames byte by byte, run them through the decoders, and replay
 * every prefix of a frame from a guard-page buffer so a one-byte over-read faults
 * (picohttpparser's test.c). The checksum here is a deliberately naive RFC 1071 sum,
 * written separately from dissectors/ip/inet-checksum.c so the two check each other. */
#pragma once
#include <glib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzer/pipeline/decode.h"

/* ---- byte building ------------------------------------------------------------- */

static inline void fb_u8(GByteArray *b, guint8 v) { g_byte_array_append(b, &v, 1); }
static inline void fb_be16(GByteArray *b, guint16 v)
{
  guint8 x[2] = { (guint8) (v >> 8), (guint8) v };
  g_byte_array_append(b, x, 2);
}
static inline void fb_be32(GByteArray *b, guint32 v)
{
  guint8 x[4] = { (guint8) (v >> 24), (guint8) (v >> 16), (guint8) (v >> 8), (guint8) v };
  g_byte_array_append(b, x, 4);
}
static inline void fb_le32(GByteArray *b, guint32 v)
{
  guint8 x[4] = { (guint8) v, (guint8) (v >> 8), (guint8) (v >> 16), (guint8) (v >> 24) };
  g_byte_array_append(b, x, 4);
}
static inline void fb_bytes(GByteArray *b, const void *p, gsize n) { g_byte_array_append(b, p, (guint) n); }
static inline void fb_zeros(GByteArray *b, gsize n)
{
  for (gsize i = 0; i < n; i++)
    fb_u8(b, 0);
}
static inline void fb_put16(GByteArray *b, gsize off, guint16 v)
{
  b->data[off] = (guint8) (v >> 8);
  b->data[off + 1] = (guint8) v;
}

static const guint8 FB_MAC_DST[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const guint8 FB_MAC_SRC[6] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };
static const guint8 FB_IP4_A[4] = { 192, 0, 2, 1 };
static const guint8 FB_IP4_B[4] = { 198, 51, 100, 2 };
static const guint8 FB_IP6_A[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const guint8 FB_IP6_B[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

static inline void fb_eth(GByteArray *b, guint16 type)
{
  fb_bytes(b, FB_MAC_DST, 6);
  fb_bytes(b, FB_MAC_SRC, 6);
  fb_be16(b, type);
}

static inline void fb_vlan(GByteArray *b, guint16 vid, guint16 inner_type)
{
  fb_be16(b, (guint16) ((3u << 13) | vid)); /* PCP 3, DEI 0 */
  fb_be16(b, inner_type);
}

static inline void fb_mpls(GByteArray *b, guint32 label, gboolean bottom)
{
  fb_be32(b, (label << 12) | (bottom ? 0x100u : 0u) | 64u);
}

/* Naive RFC 1071: sum of 16-bit big-endian words, odd byte padded, end-around carry. */
static inline guint16 fb_cksum(const guint8 *p, gsize n, guint32 initial)
{
  guint32 sum = initial;
  for (gsize i = 0; i < n; i++) {
    guint32 word = (i % 2 == 0) ? (guint32) p[i] << 8 : p[i];
    sum += word;
    if (sum > 0xffff)
      sum = (sum & 0xffff) + 1;
  }
  return (guint16) (~sum & 0xffff);
}

/* IPv4 header with `opt_len` option bytes from `opts`; total length = header +
 * payload_len. Returns the header offset. */
static inline gsize fb_ip4_full(GByteArray *b, guint8 proto, guint16 payload_len, guint16 id,
                                guint16 frag, const guint8 *opts, gsize opt_len)
{
  gsize off = b->len;
  gsize ihl = 20 + opt_len;
  fb_u8(b, (guint8) (0x40 | (ihl / 4)));
  fb_u8(b, 0);
  fb_be16(b, (guint16) (ihl + payload_len));
  fb_be16(b, id);
  fb_be16(b, frag);
  fb_u8(b, 64);
  fb_u8(b, proto);
  fb_be16(b, 0);
  fb_bytes(b, FB_IP4_A, 4);
  fb_bytes(b, FB_IP4_B, 4);
  if (opt_len)
    fb_bytes(b, opts, opt_len);
  fb_put16(b, off + 10, fb_cksum(b->data + off, ihl, 0));
  return off;
}

static inline gsize fb_ip4(GByteArray *b, guint8 proto, guint16 payload_len)
{
  return fb_ip4_full(b, proto, payload_len, 0x1234, 0x4000 /* DF */, NULL, 0);
}

static inline gsize fb_ip6(GByteArray *b, guint8 nh, guint16 payload_len)
{
  gsize off = b->len;
  fb_be32(b, 0x60000000u);
  fb_be16(b, payload_len);
  fb_u8(b, nh);
  fb_u8(b, 57);
  fb_bytes(b, FB_IP6_A, 16);
  fb_bytes(b, FB_IP6_B, 16);
  return off;
}

/* TCP header with options and payload; checksum left zero (see fb_l4_checksum). */
static inline gsize fb_tcp(GByteArray *b, guint16 sport, guint16 dport, guint32 seq, guint32 ack,
                           guint8 flags, guint16 win, const guint8 *opts, gsize opt_len,
                           const void *payload, gsize plen)
{
  gsize off = b->len;
  fb_be16(b, sport);
  fb_be16(b, dport);
  fb_be32(b, seq);
  fb_be32(b, ack);
  fb_be16(b, (guint16) ((((20 + opt_len) / 4) << 12) | flags));
  fb_be16(b, win);
  fb_be16(b, 0);
  fb_be16(b, 0);
  if (opt_len)
    fb_bytes(b, opts, opt_len);
  if (plen)
    fb_bytes(b, payload, plen);
  return off;
}

static inline gsize fb_udp(GByteArray *b, guint16 sport, guint16 dport, const void *payload,
                           gsize plen)
{
  gsize off = b->len;
  fb_be16(b, sport);
  fb_be16(b, dport);
  fb_be16(b, (guint16) (8 + plen));
  fb_be16(b, 0);
  if (plen)
    fb_bytes(b, payload, plen);
  return off;
}

/* Fill in the TCP (csum at +16) or UDP (+6) checksum of the `l4_len` bytes at l4_off,
 * with the pseudo-header from the IP header at ip_off. */
static inline void fb_l4_checksum(GByteArray *b, gsize ip_off, gsize l4_off, gsize l4_len,
                                  guint8 proto)
{
  fb_put16(b, l4_off + (proto == 6 ? 16 : 6), 0);
  GByteArray *ph = g_byte_array_new();
  gboolean v6 = (b->data[ip_off] >> 4) == 6;
  if (v6) {
    fb_bytes(ph, b->data + ip_off + 8, 32);
    fb_be32(ph, (guint32) l4_len);
    fb_zeros(ph, 3);
    fb_u8(ph, proto);
  } else {
    fb_bytes(ph, b->data + ip_off + 12, 8);
    fb_u8(ph, 0);
    fb_u8(ph, proto);
    fb_be16(ph, (guint16) l4_len);
  }
  fb_bytes(ph, b->data + l4_off, l4_len);
  guint16 c = fb_cksum(ph->data, ph->len, 0);
  if (proto == 17 && c == 0)
    c = 0xffff;
  fb_put16(b, l4_off + (proto == 6 ? 16 : 6), c);
  g_byte_array_unref(ph);
}

/* ---- decoding ------------------------------------------------------------------ */

typedef struct {
  WtDecoders *d;
  WtAnomalies *a;
  WtPacket pkt;
} Fx;

static inline void fx_setup(Fx *fx, gconstpointer data)
{
  (void) data;
  fx->d = wt_decoders_new(NULL);
  fx->a = wt_anomalies_new();
  memset(&fx->pkt, 0, sizeof fx->pkt);
}

static inline void fx_teardown(Fx *fx, gconstpointer data)
{
  (void) data;
  wt_decoders_free(fx->d);
  wt_anomalies_free(fx->a);
}

static inline WtDecodeStatus fx_decode_at(Fx *fx, const guint8 *f, guint32 caplen,
                                          guint32 wirelen, int dlt, gint64 ts_ns)
{
  memset(&fx->pkt, 0, sizeof fx->pkt);
  fx->pkt.ts_ns = ts_ns;
  fx->pkt.caplen = caplen;
  fx->pkt.wirelen = wirelen;
  fx->pkt.linktype = dlt;
  fx->pkt.frame = f;
  return wt_decode_frame(fx->d, &fx->pkt, fx->a);
}

static inline WtDecodeStatus fx_decode(Fx *fx, const guint8 *f, gsize len, int dlt)
{
  return fx_decode_at(fx, f, (guint32) len, (guint32) len, dlt, G_GINT64_CONSTANT(1000000000));
}

static inline guint64 fx_anom(Fx *fx, const char *name)
{
  return wt_anomaly_get(fx->a, name);
}

/* Number of distinct anomaly names counted so far. */
static inline guint fx_n_anomalies(Fx *fx)
{
  GPtrArray *names = wt_anomalies_names(fx->a);
  guint n = names->len;
  g_ptr_array_unref(names);
  return n;
}

/* Headers-only decoding (wt_decode_route) of the same bytes, as the --threads reader
 * does it. */
static inline WtRouteKind fb_route(WtDecoders *d, const guint8 *f, guint32 caplen,
                                   guint32 wirelen, int dlt, WtRouteKey *key)
{
  WtPacket pkt;
  memset(&pkt, 0, sizeof pkt);
  pkt.ts_ns = 1;
  pkt.caplen = caplen;
  pkt.wirelen = wirelen;
  pkt.linktype = dlt;
  pkt.frame = f;
  return wt_decode_route(d, &pkt, key);
}

/* ---- guard-page replay ----------------------------------------------------------- */

typedef struct {
  guint8 *base;
  gsize page;
} FbGuard;

static inline FbGuard fb_guard_new(gsize max_len)
{
  FbGuard g;
  g.page = (gsize) sysconf(_SC_PAGESIZE);
  gsize pages = (max_len + g.page - 1) / g.page + 1;
  g.base = mmap(NULL, (pages + 1) * g.page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                -1, 0);
  g_assert_true(g.base != MAP_FAILED);
  g_assert_cmpint(mprotect(g.base + pages * g.page, g.page, PROT_NONE), ==, 0);
  g.page = pages * g.page; /* now: offset of the guard page */
  return g;
}

static inline void fb_guard_free(FbGuard *g)
{
  munmap(g->base, g->page + (gsize) sysconf(_SC_PAGESIZE));
}

/* Copy `n` bytes so that they end right at the guard page. */
static inline const guint8 *fb_guard_place(FbGuard *g, const guint8 *src, gsize n)
{
  guint8 *dst = g->base + g->page - n;
  if (n)
    memcpy(dst, src, n);
  return dst;
}

/* The payload window must lie inside the captured bytes (or the reassembly buffer). */
static inline void fb_assert_payload_inside(const WtPacket *pkt, const guint8 *f, gsize n)
{
  if (!pkt->payload || pkt->payload == pkt->reassembled_buf)
    return;
  if (pkt->ip_reassembled)
    return;
  g_assert_true(pkt->payload >= f);
  g_assert_cmpuint((gsize) (pkt->payload - f), <=, n);
  g_assert_cmpuint(pkt->payload_len, <=, n - (gsize) (pkt->payload - f));
  g_assert_cmpuint(pkt->payload_wire_len, >=, pkt->payload_len);
}

/* Feed every prefix 0..len-1 of `frame`, twice: as a snaplen cut (wirelen = len) and
 * as a runt (wirelen = caplen), through wt_decode_frame and wt_decode_route. Nothing
 * may crash or read past the end; a cut frame never decodes as malformed just for being
 * cut, unless the full frame does too. */
static inline void fb_sweep(const guint8 *frame, gsize len, int dlt, WtDecodeStatus full)
{
  FbGuard g = fb_guard_new(len);
  WtDecoders *d = wt_decoders_new(NULL);
  WtAnomalies *a = wt_anomalies_new();
  for (gsize n = 0; n < len; n++) {
    const guint8 *f = fb_guard_place(&g, frame, n);
    for (int runt = 0; runt < 2; runt++) {
      WtPacket pkt;
      memset(&pkt, 0, sizeof pkt);
      pkt.ts_ns = 1;
      pkt.caplen = (guint32) n;
      pkt.wirelen = runt ? (guint32) n : (guint32) len;
      pkt.linktype = dlt;
      pkt.frame = f;
      WtDecodeStatus st = wt_decode_frame(d, &pkt, a);
      g_assert_cmpint(st, >=, WT_DECODE_OK);
      g_assert_cmpint(st, <=, WT_DECODE_CONSUMED);
      if (!runt && full != WT_DECODE_MALFORMED)
        g_assert_cmpint(st, !=, WT_DECODE_MALFORMED);
      fb_assert_payload_inside(&pkt, f, n);
      WtRouteKey key;
      WtRouteKind kind = fb_route(d, f, pkt.caplen, pkt.wirelen, dlt, &key);
      g_assert_cmpint(kind, >=, WT_ROUTE_NOT_IP);
      g_assert_cmpint(kind, <=, WT_ROUTE_FRAGMENT);
    }
  }
  wt_decoders_free(d);
  wt_anomalies_free(a);
  fb_guard_free(&g);
}
