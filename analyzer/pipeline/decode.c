/* The decoder pipeline (registry tables + table loop) and the protocol breakdown tap. */
#include "analyzer/pipeline/decode.h"
#include "analyzer/pipeline/route-fast.h"
#include "dissectors/link/link.h"
#include "dissectors/ip/ip.h"
#include "dissectors/ip/ip-defrag.h"
#include "dissectors/tcp/tcp-header.h"
#include "dissectors/udp/udp-header.h"
#include "dissectors/tunnel/tunnel.h"
#include "dissectors/ip/inet-checksum.h"

#include <glib/gi18n.h>
#include <pcap/pcap.h>
#include <string.h>

#define MAX_MPLS_DEPTH 16

typedef struct {
  WtDecodeFunc fn;
  gpointer state;
} Entry;

struct WtDecoders {
  WtDecodeLimits limits;
  WtLinkLimits link_limits;
  WtIpDefrag *defrag;
  WtDecodeStats stats;
  WtTunnels tunnels;
  /* wt_decode_route: the entry each table gave last (fn NULL: none yet) */
  struct {
    guint32 key;
    Entry e;
  } last[WT_NEXT_UDPPORT + 1];
};

void wt_decode_limits_init(WtDecodeLimits *l)
{
  l->frag_mem_cap = WT_DECODE_DEFAULT_FRAG_MEM_CAP;
  l->frag_timeout_ns = WT_DECODE_DEFAULT_FRAG_TIMEOUT_NS;
  l->max_vlan_depth = WT_DECODE_DEFAULT_MAX_VLAN_DEPTH;
  l->max_tunnel_depth = WT_TUNNEL_DEFAULT_MAX_DEPTH;
}

WtDecoders *wt_decoders_new(const WtDecodeLimits *limits)
{
  WtDecoders *d = g_new0(WtDecoders, 1);
  wt_decode_limits_init(&d->limits);
  if (limits) {
    if (limits->frag_mem_cap)
      d->limits.frag_mem_cap = limits->frag_mem_cap;
    if (limits->frag_timeout_ns > 0)
      d->limits.frag_timeout_ns = limits->frag_timeout_ns;
    if (limits->max_vlan_depth)
      d->limits.max_vlan_depth = limits->max_vlan_depth;
    if (limits->max_tunnel_depth)
      d->limits.max_tunnel_depth = limits->max_tunnel_depth;
    memcpy(d->limits.tunnel_ports, limits->tunnel_ports, sizeof limits->tunnel_ports);
    d->limits.n_tunnel_ports = MIN(limits->n_tunnel_ports, WT_DECODE_MAX_TUNNEL_PORTS);
  }
  wt_tunnels_init(&d->tunnels, d->limits.max_tunnel_depth);
  d->link_limits.max_vlan_depth = MIN(d->limits.max_vlan_depth, G_MAXUINT8);
  d->link_limits.max_mpls_depth = MAX_MPLS_DEPTH;
  d->defrag = wt_ip_defrag_new(d->limits.frag_mem_cap, d->limits.frag_timeout_ns);
  return d;
}

void wt_decoders_free(WtDecoders *d)
{
  if (!d)
    return;
  wt_ip_defrag_free(d->defrag);
  g_free(d);
}

/* ---- the registry tables ---------------------------------------------------------
 * Adding a protocol: a decoder in dissectors/<proto>/ and one case here. */

static inline gboolean lookup_linktype(WtDecoders *d, guint32 dlt, Entry *e)
{
  (void) d;
  switch (dlt) {
  case WT_DLT_EN10MB:
    e->fn = wt_eth_decode;
    return TRUE;
  case WT_DLT_LINUX_SLL:
    e->fn = wt_sll_decode;
    return TRUE;
  case WT_DLT_LINUX_SLL2:
    e->fn = wt_sll2_decode;
    return TRUE;
  case WT_DLT_RAW:
  case WT_DLT_RAW_OPENBSD:
  case WT_LINKTYPE_RAW:
    e->fn = wt_raw_decode;
    return TRUE;
  case WT_DLT_IPV4:
    e->fn = wt_raw_ipv4_decode;
    return TRUE;
  case WT_DLT_IPV6:
    e->fn = wt_raw_ipv6_decode;
    return TRUE;
  case WT_DLT_NULL:
  case WT_DLT_LOOP:
    e->fn = wt_loop_decode;
    return TRUE;
  case WT_DLT_NFLOG:
    e->fn = wt_nflog_decode;
    return TRUE;
  default:
    return FALSE;
  }
}

static inline gboolean lookup_ethertype(WtDecoders *d, guint32 type, Entry *e)
{
  if (type <= WT_ETHERTYPE_MAX_LENGTH) {
    e->fn = wt_llc_decode;
    return TRUE;
  }
  switch (type) {
  case WT_ETHERTYPE_IPV4:
    e->fn = wt_ip4_decode;
    e->state = d->defrag;
    return TRUE;
  case WT_ETHERTYPE_IPV6:
    e->fn = wt_ip6_decode;
    e->state = d->defrag;
    return TRUE;
  case WT_ETHERTYPE_VLAN:
  case WT_ETHERTYPE_QINQ:
  case WT_ETHERTYPE_QINQ_OLD:
    e->fn = wt_vlan_decode;
    e->state = &d->link_limits;
    return TRUE;
  case WT_ETHERTYPE_MPLS:
  case WT_ETHERTYPE_MPLS_MC:
    e->fn = wt_mpls_decode;
    e->state = &d->link_limits;
    return TRUE;
  default:
    return FALSE;
  }
}

static inline gboolean lookup_ipproto(WtDecoders *d, guint32 proto, Entry *e)
{
  if (G_LIKELY(proto == WT_IPPROTO_TCP)) { /* most packets: before the sparse switch */
    e->fn = wt_tcp_decode;
    return TRUE;
  }
  switch (proto) {
  case WT_IPPROTO_TCP:
    e->fn = wt_tcp_decode;
    return TRUE;
  case WT_IPPROTO_UDP:
    e->fn = wt_udp_decode;
    return TRUE;
  case WT_IPPROTO_ICMP:
    e->fn = wt_icmp_decode;
    return TRUE;
  case WT_IPPROTO_ICMPV6:
    e->fn = wt_icmp6_decode;
    return TRUE;
  case 4:  /* IPv4 in IP */
  case 41: /* IPv6 in IP */
    e->fn = wt_ipip_decode;
    e->state = &d->tunnels;
    return TRUE;
  case 47: /* GRE */
    e->fn = wt_gre_decode;
    e->state = &d->tunnels;
    return TRUE;
  default:
    return FALSE;
  }
}

static WtDecodeFunc udp_tunnel_decoder(WtTunnelType type)
{
  switch (type) {
  case WT_TUNNEL_VXLAN:
    return wt_vxlan_decode;
  case WT_TUNNEL_GENEVE:
    return wt_geneve_decode;
  case WT_TUNNEL_GTPU:
    return wt_gtpu_decode;
  case WT_TUNNEL_TEREDO:
    return wt_teredo_decode;
  case WT_TUNNEL_AYIYA:
    return wt_ayiya_decode;
  case WT_TUNNEL_GRE_UDP:
    return wt_gre_udp_decode;
  case WT_TUNNEL_IP:
  case WT_TUNNEL_GRE:
  case WT_TUNNEL_PPTP:
  case WT_TUNNEL_ERSPAN:
  case WT_TUNNEL_N:
  default:
    return NULL;
  }
}

/* The ports the user gave (--tunnel-port), before the defaults. */
static G_GNUC_NO_INLINE WtDecodeFunc configured_udp_tunnel(const WtDecoders *d, guint32 port)
{
  for (guint i = 0; i < d->limits.n_tunnel_ports; i++)
    if (d->limits.tunnel_ports[i].port == port)
      return udp_tunnel_decoder(d->limits.tunnel_ports[i].type);
  return NULL;
}

/* The UDP tunnels by one port; none: plain UDP. */
static inline WtDecodeFunc udp_tunnel(const WtDecoders *d, guint32 port)
{
  if (G_UNLIKELY(d->limits.n_tunnel_ports)) {
    WtDecodeFunc fn = configured_udp_tunnel(d, port);
    if (fn)
      return fn;
  }
  switch (port) {
  case WT_PORT_VXLAN:
  case WT_PORT_VXLAN_LINUX:
    return wt_vxlan_decode;
  case WT_PORT_GENEVE:
    return wt_geneve_decode;
  case WT_PORT_GTPU:
    return wt_gtpu_decode;
  case WT_PORT_TEREDO:
    return wt_teredo_decode;
  case WT_PORT_AYIYA:
    return wt_ayiya_decode;
  case WT_PORT_GRE_UDP:
    return wt_gre_udp_decode;
  default:
    return NULL;
  }
}

static guint add_port_once(guint16 *ports, guint n, guint max, guint16 port)
{
  for (guint i = 0; i < n; i++)
    if (ports[i] == port)
      return n;
  if (n < max)
    ports[n++] = port;
  return n;
}

guint wt_decode_udp_tunnel_ports(const WtDecodeLimits *l, guint16 *ports, guint max)
{
  static const guint16 defaults[] = { WT_PORT_VXLAN, WT_PORT_VXLAN_LINUX, WT_PORT_GENEVE,
                                      WT_PORT_GTPU, WT_PORT_TEREDO, WT_PORT_AYIYA,
                                      WT_PORT_GRE_UDP };
  guint n = 0;
  for (guint i = 0; i < G_N_ELEMENTS(defaults); i++)
    n = add_port_once(ports, n, max, defaults[i]);
  for (guint i = 0; l && i < l->n_tunnel_ports; i++)
    n = add_port_once(ports, n, max, l->tunnel_ports[i].port);
  return n;
}

static gboolean tunnel_type_by_name(const char *name, WtTunnelType *out)
{
  if (g_ascii_strcasecmp(name, "gtpu") == 0)
    name = "gtpv1";
  for (guint t = 0; t < WT_TUNNEL_N; t++)
    if (udp_tunnel_decoder((WtTunnelType) t)
        && g_ascii_strcasecmp(name, wt_tunnel_type_name((WtTunnelType) t)) == 0) {
      *out = (WtTunnelType) t;
      return TRUE;
    }
  return FALSE;
}

static gboolean add_tunnel_port(WtDecodeLimits *l, const char *text, WtTunnelType type,
                                const char *spec, GError **error)
{
  guint64 port;
  if (!g_ascii_string_to_unsigned(text, 10, 1, 65535, &port, NULL)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                _("--tunnel-port %s: '%s' is not a UDP port (1 to 65535)"), spec, text);
    return FALSE;
  }
  if (l->n_tunnel_ports >= WT_DECODE_MAX_TUNNEL_PORTS) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                _("--tunnel-port %s: at most %u ports in all"), spec,
                WT_DECODE_MAX_TUNNEL_PORTS);
    return FALSE;
  }
  l->tunnel_ports[l->n_tunnel_ports].port = (guint16) port;
  l->tunnel_ports[l->n_tunnel_ports].type = (guint8) type;
  l->n_tunnel_ports++;
  return TRUE;
}

gboolean wt_decode_add_tunnel_ports(WtDecodeLimits *l, const char *spec, GError **error)
{
  const char *eq = strchr(spec, '=');
  g_autofree char *name = g_strndup(spec, eq ? (gsize) (eq - spec) : strlen(spec));
  WtTunnelType type;
  if (!eq || !tunnel_type_by_name(name, &type)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                _("--tunnel-port %s: give TYPE=PORT[,PORT...], TYPE one of vxlan, geneve, "
                  "gtpv1, teredo, ayiya, gre-udp"), spec);
    return FALSE;
  }
  g_auto(GStrv) ports = g_strsplit(eq + 1, ",", -1);
  for (char **p = ports; *p; p++)
    if (!add_tunnel_port(l, *p, type, spec, error))
      return FALSE;
  if (!ports[0]) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                _("--tunnel-port %s: no port after '='"), spec);
    return FALSE;
  }
  return TRUE;
}

static inline gboolean lookup_udpport(WtDecoders *d, guint32 ports, Entry *e)
{
  e->fn = udp_tunnel(d, ports & 0xffff);
  if (!e->fn)
    e->fn = udp_tunnel(d, ports >> 16);
  if (!e->fn)
    return FALSE;
  e->state = &d->tunnels;
  return TRUE;
}

G_ALWAYS_INLINE static inline gboolean lookup(WtDecoders *d, WtNextTable t, guint32 key,
                                              Entry *e)
{
  e->fn = NULL;
  e->state = NULL;
  switch (t) {
  case WT_NEXT_LINKTYPE:
    return lookup_linktype(d, key, e);
  case WT_NEXT_ETHERTYPE:
    return lookup_ethertype(d, key, e);
  case WT_NEXT_IPPROTO:
    return lookup_ipproto(d, key, e);
  case WT_NEXT_UDPPORT:
    return lookup_udpport(d, key, e);
  case WT_NEXT_NONE:
  default:
    return FALSE;
  }
}

/* ---- the table loop ------------------------------------------------------------- */

/* What the loop saw, for the tap. */
typedef struct {
  WtDecodeStatus status;
  guint32 l4_proto; /* IP protocol whose decoder ran, or G_MAXUINT32 */
  gboolean llc;
} Outcome;

static void reset_packet(WtPacket *pkt)
{
  WtPacket keep = *pkt;
  memset(pkt, 0, sizeof *pkt);
  pkt->ts_ns = keep.ts_ns;
  pkt->caplen = keep.caplen;
  pkt->wirelen = keep.wirelen;
  pkt->linktype = keep.linktype;
  pkt->frame = keep.frame;
  pkt->tcp_wscale = -1;
}

/* Every decoder consumes at least one header or stops, but the walk is bounded anyway:
 * link + tags + MPLS + LLC + IP + transport with room to spare, and as much again for
 * each tunnel layer. */
static guint max_steps(const WtDecoders *d)
{
  return d->link_limits.max_vlan_depth + 16 + 8 * d->tunnels.max_depth;
}

/* A tunnel decoder ran (pkt->tunnel_tried) and the walk stopped: when the tunnel's
 * header or its inner packet did not decode, the frame stays counted as the packet it
 * was before the last tunnel decoder (dissectors/tunnel keeps it), with the reason.
 * `table` is where the walk stopped, `in_tunnel` whether a tunnel decoder stopped it. */
static G_GNUC_NO_INLINE Outcome fall_back(WtDecoders *d, WtPacket *pkt, Outcome o,
                                          WtNextTable table, gboolean in_tunnel,
                                          WtAnomalies *a)
{
  const WtPacket *before = wt_tunnels_fallback(&d->tunnels);
  WtTunnelFailure why;
  gboolean entered = pkt->tunnel_depth > before->tunnel_depth;
  switch (o.status) {
  case WT_DECODE_OK:
  case WT_DECODE_CONSUMED:
    return o;
  case WT_DECODE_UNSUPPORTED:
    /* a tunnel carrying what we do not decode stays as it was; an inner IP packet whose
     * protocol we do not decode is the inner packet */
    if (!entered || (table == WT_NEXT_IPPROTO && !in_tunnel))
      return o;
    why = WT_TUNNEL_FAIL_INNER_NOT_IP;
    break;
  case WT_DECODE_TRUNCATED:
    why = entered ? WT_TUNNEL_FAIL_INNER_TRUNCATED : WT_TUNNEL_FAIL_HEADER;
    break;
  case WT_DECODE_MALFORMED:
  default:
    why = entered ? WT_TUNNEL_FAIL_INNER_MALFORMED : WT_TUNNEL_FAIL_HEADER;
    break;
  }
  wt_tunnels_failed(&d->tunnels, why, a);
  *pkt = *before;
  o.l4_proto = pkt->ip_proto;
  /* what the carrier was without the tunnel decoders: a UDP datagram, or an IP protocol
   * not decoded */
  o.status = pkt->ip_proto == WT_IPPROTO_UDP ? WT_DECODE_OK : WT_DECODE_UNSUPPORTED;
  return o;
}

G_ALWAYS_INLINE static inline Outcome run_tables(WtDecoders *d, WtPacket *pkt, WtAnomalies *a)
{
  Outcome o = { WT_DECODE_OK, G_MAXUINT32, FALSE };
  WtReader r = wt_reader_init(pkt->frame, pkt->caplen);
  WtNextTable table = WT_NEXT_LINKTYPE;
  guint32 key = (guint32) pkt->linktype;
  guint steps = max_steps(d);
  for (guint step = 0; step < steps; step++) {
    Entry e;
    if (!lookup(d, table, key, &e)) {
      if (table == WT_NEXT_UDPPORT)
        return o; /* a plain UDP datagram */
      if (table == WT_NEXT_LINKTYPE && step == 0)
        wt_anomaly(a, "link.unknown_linktype");
      o.status = WT_DECODE_UNSUPPORTED;
      return G_UNLIKELY(pkt->tunnel_tried) ? fall_back(d, pkt, o, table, FALSE, a) : o;
    }
    if (e.fn == wt_llc_decode)
      o.llc = TRUE;
    if (table == WT_NEXT_IPPROTO)
      o.l4_proto = key;
    WtDecodeResult res = e.fn(e.state, pkt, &r, a);
    if (res.status != WT_DECODE_OK || res.next_table == WT_NEXT_NONE) {
      o.status = res.status;
      if (G_UNLIKELY(pkt->tunnel_tried))
        return fall_back(d, pkt, o, table, e.state == &d->tunnels, a);
      return o;
    }
    table = res.next_table;
    key = res.next_key;
  }
  wt_anomaly(a, "decode.too_many_layers");
  o.status = WT_DECODE_MALFORMED;
  return G_UNLIKELY(pkt->tunnel_tried) ? fall_back(d, pkt, o, table, FALSE, a) : o;
}

/* ---- the tap -------------------------------------------------------------------- */

static void count(WtProtoCount *c, guint64 bytes)
{
  c->packets++;
  c->bytes += bytes;
}

static void count_linktype(WtDecodeStats *s, int dlt, guint64 n, guint64 bytes)
{
  for (guint i = 0; i < s->n_link; i++) {
    if (s->link[i].dlt == dlt) {
      s->link[i].frames += n;
      s->link[i].bytes += bytes;
      return;
    }
  }
  if (s->n_link < WT_DECODE_MAX_LINKTYPES) {
    s->link[s->n_link].dlt = dlt;
    s->link[s->n_link].frames = n;
    s->link[s->n_link].bytes = bytes;
    s->n_link++;
  } else {
    s->link_overflow += n;
  }
}

static void tap(WtDecodeStats *s, const WtPacket *pkt, const Outcome *o)
{
  guint64 bytes = pkt->wirelen;
  s->frames++;
  s->bytes += bytes;
  count_linktype(s, pkt->linktype, 1, bytes);
  if (pkt->caplen < pkt->wirelen)
    s->snaplen_truncated++;
  if (o->status == WT_DECODE_TRUNCATED)
    s->truncated++;
  else if (o->status == WT_DECODE_MALFORMED)
    s->malformed++;
  if (o->llc)
    s->llc++;
  if (pkt->ip_version == 4)
    count(&s->ipv4, bytes);
  else if (pkt->ip_version == 6)
    count(&s->ipv6, bytes);
  if (pkt->ip_reassembled)
    s->reassembled++;
  if (o->status == WT_DECODE_CONSUMED) {
    s->fragments_held++;
    return;
  }
  /* A transport header counts if its decoder ran and did not find it malformed (a
   * snaplen-truncated header is still that protocol). */
  guint32 l4 = o->status == WT_DECODE_MALFORMED ? G_MAXUINT32 : o->l4_proto;
  switch (l4) {
  case WT_IPPROTO_TCP:
    count(&s->tcp, bytes);
    break;
  case WT_IPPROTO_UDP:
    count(&s->udp, bytes);
    break;
  case WT_IPPROTO_ICMP:
    count(&s->icmp, bytes);
    if (o->status == WT_DECODE_OK)
      s->icmp_types[pkt->icmp_type]++;
    break;
  case WT_IPPROTO_ICMPV6:
    count(&s->icmpv6, bytes);
    if (o->status == WT_DECODE_OK)
      s->icmpv6_types[pkt->icmp_type]++;
    break;
  default:
    count(&s->other, bytes);
    break;
  }
}

WtDecodeStatus wt_decode_frame_tables(WtDecoders *d, WtPacket *pkt, WtAnomalies *a)
{
  reset_packet(pkt);
  wt_ip_defrag_release(d->defrag);
  if (pkt->caplen < pkt->wirelen)
    wt_anomaly(a, "frame.snaplen_truncated");
  Outcome o = run_tables(d, pkt, a);
  tap(&d->stats, pkt, &o);
  return o.status;
}

/* ---- the fast path of wt_decode_frame ---------------------------------------------
 * Most frames are Ethernet II, IPv4 without options or IPv6 without extension headers,
 * not a fragment, then TCP or UDP, captured whole. For those the table walk (an indirect
 * call and a table lookup per layer, a reader bounds check per field) is replaced by reads
 * at fixed offsets, checked once up front. Every field of the packet, every counter of the
 * tap and every anomaly come out as the walk gives them (tests/unit/decode/
 * test-decode-fast.c compares both on every frame of every capture, cut and mutated); a
 * frame the fast path does not take, or one on which a decoder would count an anomaly
 * other than a bad checksum, goes to the walk untouched. */

enum { ETH_HDR = 14, IP4_HDR = 20, IP6_HDR = 40, TCP_HDR = 20, UDP_HDR = 8,
       TCP_TS_HDR = 32 /* NOP, NOP, timestamps */ };

static inline guint16 be16_at(const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static inline guint32 be32_at(const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* The 20-byte IPv4 header verifies when its one's-complement sum is 0xffff. Summed as host
 * order words like wt_inet_sum: 0xffff reads the same in both byte orders, and a folded sum
 * is 0 only when every word is 0, as in wt_inet_sum_words. */
static inline gboolean ip4_header_sum_ok(const guint8 *h)
{
  guint32 w[5];
  memcpy(w, h, sizeof w);
  guint64 acc = (guint64) w[0] + w[1] + w[2] + w[3] + w[4];
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffff) + (acc >> 16);
  acc = (acc & 0xffff) + (acc >> 16);
  acc = (acc & 0xffff) + (acc >> 16);
  return acc == 0xffff;
}

/* What the fast path found in the IP header, before anything is written. */
typedef struct {
  const guint8 *ip, *l4;
  guint32 l4_len;   /* upper-layer bytes, as the IP header says and all captured */
  guint8 version, proto;
} FastIp;

/* IPv4 with a 20-byte header and IPv6 with TCP or UDP right after the fixed header,
 * whose length field is neither zero nor more than the frame holds, not a fragment. */
static inline gboolean fast_ip(const guint8 *f, guint32 caplen, FastIp *ip)
{
  guint16 type = be16_at(f + 12);
  const guint8 *h = f + ETH_HDR;
  guint32 room = caplen - ETH_HDR;
  if (type == WT_ETHERTYPE_IPV4) {
    guint32 total = be16_at(h + 2);
    if (h[0] != 0x45 || total < IP4_HDR + UDP_HDR || total > room
        || (be16_at(h + 6) & 0x3fff) != 0) /* MF or an offset */
      return FALSE;
    ip->version = 4;
    ip->proto = h[9];
    ip->l4 = h + IP4_HDR;
    ip->l4_len = total - IP4_HDR;
  } else if (type == WT_ETHERTYPE_IPV6) {
    if (room < IP6_HDR + UDP_HDR || h[0] >> 4 != 6)
      return FALSE;
    guint32 plen = be16_at(h + 4);
    if (plen < UDP_HDR || plen > room - IP6_HDR)
      return FALSE;
    ip->version = 6;
    ip->proto = h[6];
    ip->l4 = h + IP6_HDR;
    ip->l4_len = plen;
  } else {
    return FALSE;
  }
  ip->ip = h;
  return TRUE;
}

/* TCP whose data offset fits the segment, with no options or exactly NOP, NOP, timestamps
 * (the options every other layout may count anomalies for are the walk's). */
static inline gboolean fast_tcp_ok(const FastIp *ip)
{
  const guint8 *t = ip->l4;
  if (ip->l4_len < TCP_HDR)
    return FALSE;
  guint hdr = (t[12] >> 4) * 4u;
  if (hdr == TCP_HDR)
    return TRUE;
  static const guint8 nop_nop_ts[4] = { 1, 1, 8, 10 };
  return hdr == TCP_TS_HDR && ip->l4_len >= TCP_TS_HDR && memcmp(t + 20, nop_nop_ts, 4) == 0;
}

/* UDP whose length agrees with IP's, not to or from a tunnel port, not a zero checksum
 * over IPv6 (each is an anomaly or another decoder). */
static inline gboolean fast_udp_ok(const WtDecoders *d, const FastIp *ip)
{
  const guint8 *u = ip->l4;
  if (be16_at(u + 4) != ip->l4_len || (ip->version == 6 && be16_at(u + 6) == 0))
    return FALSE;
  return !udp_tunnel(d, be16_at(u)) && !udp_tunnel(d, be16_at(u + 2));
}

/* The fields no decoder of the fast path writes, as reset_packet leaves them. */
static inline void fast_clear(WtPacket *pkt)
{
  pkt->headers_only = FALSE;
  memset(pkt->vlan_ids, 0, sizeof pkt->vlan_ids);
  pkt->vlan_depth = 0;
  pkt->mpls_depth = 0;
  pkt->ip_reassembled = FALSE;
  pkt->ip_fragment = FALSE;
  pkt->frag_id = pkt->frag_offset = pkt->frag_len = 0;
  pkt->frag_more = FALSE;
  pkt->tcp_seq = pkt->tcp_ack = 0;
  pkt->tcp_flags = 0;
  pkt->tcp_hdr_len = 0;
  pkt->tcp_win = 0;
  pkt->tcp_wscale = -1;
  pkt->tcp_mss = 0;
  pkt->tcp_sack_ok = FALSE;
  pkt->tcp_has_ts = FALSE;
  pkt->tcp_tsval = pkt->tcp_tsecr = 0;
  pkt->l4_bad_checksum = FALSE;
  pkt->icmp_type = pkt->icmp_code = 0;
  pkt->tunnel_depth = 0;
  pkt->tunnel_type = 0;
  pkt->tunnel_tried = FALSE;
  pkt->tunnel_id = 0;
  pkt->reassembled_buf = NULL;
}

/* The network layer as wt_ip4_decode / wt_ip6_decode fill it (header checksum included). */
static inline void fast_fill_ip(WtPacket *pkt, const FastIp *ip, WtAnomalies *a)
{
  const guint8 *h = ip->ip;
  WtAddr src = { 0 }, dst = { 0 };
  pkt->ip_version = ip->version;
  pkt->ip_proto = ip->proto;
  src.family = dst.family = ip->version;
  if (ip->version == 4) {
    pkt->ttl = h[8];
    memcpy(src.bytes, h + 12, 4);
    memcpy(dst.bytes, h + 16, 4);
    pkt->ip_total_len = IP4_HDR + ip->l4_len;
    if (!ip4_header_sum_ok(h))
      wt_anomaly(a, "ip4.bad_checksum");
  } else {
    pkt->ttl = h[7];
    memcpy(src.bytes, h + 8, 16);
    memcpy(dst.bytes, h + 24, 16);
    pkt->ip_total_len = IP6_HDR + ip->l4_len;
  }
  pkt->src = src;
  pkt->dst = dst;
  pkt->l4_wire_len = ip->l4_len;
}

/* The checksum over the whole segment or datagram (all of it was captured). The IPv4
 * pseudo-header is summed here from the header's address words (wt_inet_sum takes any
 * running sum that fits 32 bits, as big-endian words added up), without a call; IPv6's
 * from the header's address bytes, the same ones fast_fill_ip copies. */
static inline gboolean fast_l4_sum_ok(const FastIp *ip)
{
  guint32 sum;
  if (ip->version == 4) {
    const guint8 *a = ip->ip + 12;
    sum = (guint32) be16_at(a) + be16_at(a + 2) + be16_at(a + 4) + be16_at(a + 6) + ip->proto
          + ip->l4_len;
  } else {
    sum = wt_inet_pseudo_sum_addrs(ip->ip + 8, ip->ip + 24, 6, ip->proto, ip->l4_len);
  }
  return wt_inet_fold(wt_inet_sum(sum, ip->l4, ip->l4_len)) == 0;
}

/* Whether the fast path verifies the frame's checksum: always for TCP; for UDP unless the
 * checksum is zero over IPv4 (not computed; fast_udp_ok declines it over IPv6). */
static inline gboolean fast_sum_present(const FastIp *ip)
{
  return ip->proto == WT_IPPROTO_TCP || be16_at(ip->l4 + 6) != 0;
}

/* The verdict given ahead, or the sum now. */
static inline gboolean fast_l4_verdict_ok(const FastIp *ip, WtL4Sum sum)
{
  if (sum != WT_L4_SUM_UNKNOWN)
    return sum == WT_L4_SUM_OK;
  return fast_l4_sum_ok(ip);
}

/* As decode_segment in dissectors/tcp/tcp-header.c for the layouts fast_tcp_ok takes. */
static inline void fast_fill_tcp(WtPacket *pkt, const FastIp *ip, WtAnomalies *a,
                                 WtL4Sum sum)
{
  const guint8 *t = ip->l4;
  guint hdr = (t[12] >> 4) * 4u;
  pkt->sport = be16_at(t);
  pkt->dport = be16_at(t + 2);
  pkt->tcp_seq = be32_at(t + 4);
  pkt->tcp_ack = be32_at(t + 8);
  pkt->tcp_flags = t[13];
  pkt->tcp_hdr_len = (guint8) hdr;
  pkt->tcp_win = be16_at(t + 14);
  if (hdr == TCP_TS_HDR) {
    pkt->tcp_has_ts = TRUE;
    pkt->tcp_tsval = be32_at(t + 24);
    pkt->tcp_tsecr = be32_at(t + 28);
  }
  pkt->payload = t + hdr;
  pkt->payload_len = pkt->payload_wire_len = ip->l4_len - hdr;
  if (!fast_l4_verdict_ok(ip, sum)) {
    pkt->l4_bad_checksum = TRUE;
    wt_anomaly(a, "tcp.bad_checksum");
  }
}

/* As decode_datagram in dissectors/udp/udp-header.c for the datagrams fast_udp_ok takes
 * (a zero checksum over IPv4: not computed, nothing to verify). */
static inline void fast_fill_udp(WtPacket *pkt, const FastIp *ip, WtAnomalies *a,
                                 WtL4Sum sum)
{
  const guint8 *u = ip->l4;
  pkt->sport = be16_at(u);
  pkt->dport = be16_at(u + 2);
  pkt->payload = u + UDP_HDR;
  pkt->payload_len = pkt->payload_wire_len = ip->l4_len - UDP_HDR;
  if (fast_sum_present(ip) && !fast_l4_verdict_ok(ip, sum)) {
    pkt->l4_bad_checksum = TRUE;
    wt_anomaly(a, "udp.bad_checksum");
  }
}

/* tap() for a frame the fast path decoded: whole, status OK, IPv4 or IPv6, TCP or UDP. */
static inline void fast_tap(WtDecodeStats *s, const WtPacket *pkt)
{
  guint64 bytes = pkt->wirelen;
  s->frames++;
  s->bytes += bytes;
  count_linktype(s, pkt->linktype, 1, bytes);
  count(pkt->ip_version == 4 ? &s->ipv4 : &s->ipv6, bytes);
  count(pkt->ip_proto == WT_IPPROTO_TCP ? &s->tcp : &s->udp, bytes);
}

/* The frames the fast path takes: what it found in the IP header, and whether TCP. */
static inline gboolean fast_takes(const WtDecoders *d, const guint8 *frame, guint32 caplen,
                                  guint32 wirelen, int linktype, FastIp *ip, gboolean *tcp)
{
  if (linktype != WT_DLT_EN10MB || caplen != wirelen || caplen < ETH_HDR + IP4_HDR + UDP_HDR
      || !fast_ip(frame, caplen, ip))
    return FALSE;
  *tcp = ip->proto == WT_IPPROTO_TCP;
  return *tcp ? fast_tcp_ok(ip) : ip->proto == WT_IPPROTO_UDP && fast_udp_ok(d, ip);
}

static inline gboolean decode_fast(WtDecoders *d, WtPacket *pkt, WtAnomalies *a, WtL4Sum sum)
{
  FastIp ip;
  gboolean tcp;
  if (!fast_takes(d, pkt->frame, pkt->caplen, pkt->wirelen, pkt->linktype, &ip, &tcp))
    return FALSE;
  fast_clear(pkt);
  fast_fill_ip(pkt, &ip, a);
  if (tcp)
    fast_fill_tcp(pkt, &ip, a, sum);
  else
    fast_fill_udp(pkt, &ip, a, sum);
  fast_tap(&d->stats, pkt);
  return TRUE;
}

gboolean wt_decode_frame_fast(WtDecoders *d, WtPacket *pkt, WtAnomalies *a)
{
  return decode_fast(d, pkt, a, WT_L4_SUM_UNKNOWN);
}

WtL4Sum wt_decode_l4_sum(const WtDecoders *d, const guint8 *frame, guint32 caplen,
                         guint32 wirelen, int linktype)
{
  FastIp ip;
  gboolean tcp;
  if (!fast_takes(d, frame, caplen, wirelen, linktype, &ip, &tcp))
    return WT_L4_SUM_UNKNOWN;
  if (!fast_sum_present(&ip))
    return WT_L4_SUM_OK; /* none to verify */
  return fast_l4_sum_ok(&ip) ? WT_L4_SUM_OK : WT_L4_SUM_BAD;
}

WtDecodeStatus wt_decode_frame_with_sum(WtDecoders *d, WtPacket *pkt, WtAnomalies *a,
                                        WtL4Sum sum)
{
  if (G_LIKELY(decode_fast(d, pkt, a, sum))) {
    wt_ip_defrag_release(d->defrag);
    return WT_DECODE_OK;
  }
  return wt_decode_frame_tables(d, pkt, a);
}

WtDecodeStatus wt_decode_frame(WtDecoders *d, WtPacket *pkt, WtAnomalies *a)
{
  return wt_decode_frame_with_sum(d, pkt, a, WT_L4_SUM_UNKNOWN);
}

const WtTunnelLayer *wt_decode_layer(const WtDecoders *d, guint i)
{
  return wt_tunnels_layer(&d->tunnels, i);
}

void wt_decoders_note_inner_flow(WtDecoders *d, const WtPacket *pkt)
{
  if (pkt->tunnel_depth && pkt->tunnel_type < WT_TUNNEL_N)
    d->tunnels.inner_flows[pkt->tunnel_type]++;
}

/* Protocols whose flows have ports (WtFlowKey): the others are flows by addresses. */
static gboolean has_ports(guint8 proto)
{
  return proto == WT_IPPROTO_TCP || proto == WT_IPPROTO_UDP;
}

/* lookup, remembering each table's last answer: consecutive frames mostly take the same
 * path through the tables, and the --threads reader decodes every frame serially. */
static inline gboolean lookup_again(WtDecoders *d, WtNextTable t, guint32 key, Entry *e)
{
  if ((guint) t >= G_N_ELEMENTS(d->last))
    return lookup(d, t, key, e);
  if (d->last[t].e.fn && d->last[t].key == key) {
    *e = d->last[t].e;
    return TRUE;
  }
  if (!lookup(d, t, key, e))
    return FALSE;
  d->last[t].key = key;
  d->last[t].e = *e;
  return TRUE;
}

/* The table loop of run_tables for wt_decode_route, without the tap's bookkeeping: the
 * --threads reader runs it on every frame. */
static WtDecodeStatus walk_headers(WtDecoders *d, WtPacket *pkt)
{
  WtReader r = wt_reader_init(pkt->frame, pkt->caplen);
  WtDecodeResult res = wt_decode_next(WT_NEXT_LINKTYPE, (guint32) pkt->linktype);
  guint steps = max_steps(d);
  for (guint step = 0; step < steps; step++) {
    Entry e;
    if (!lookup_again(d, res.next_table, res.next_key, &e))
      return WT_DECODE_UNSUPPORTED;
    res = e.fn(e.state, pkt, &r, NULL);
    if (res.status != WT_DECODE_OK || res.next_table == WT_NEXT_NONE)
      return res.status;
  }
  return WT_DECODE_MALFORMED;
}

gboolean wt_decode_is_udp_tunnel(const WtDecoders *d, guint16 sport, guint16 dport)
{
  return udp_tunnel(d, sport) || udp_tunnel(d, dport);
}

/* wt_route_flow_fast's answer as a WtRouteKey, addresses zero-padded as the decoder's. */
gboolean wt_decode_route_fast(const WtDecoders *d, const guint8 *f, guint32 caplen, int linktype,
                              WtRouteKey *out)
{
  WtRouteFlow fl;
  if (!wt_route_flow_fast(d, f, caplen, linktype, &fl))
    return FALSE;
  gsize len = fl.family == 4 ? 4 : 16;
  out->src = out->dst = (WtAddr) { .family = fl.family }; /* as the decoder's zeroed packet */
  memcpy(out->src.bytes, fl.src, len);
  memcpy(out->dst.bytes, fl.dst, len);
  out->sport = fl.sport;
  out->dport = fl.dport;
  out->kind = WT_ROUTE_FLOW;
  return TRUE;
}

WtRouteKind wt_decode_route(WtDecoders *d, WtPacket *pkt, WtRouteKey *out)
{
  reset_packet(pkt);
  pkt->headers_only = TRUE;
  WtDecodeStatus st = walk_headers(d, pkt);
  if (pkt->ip_version == 0)
    return out->kind = WT_ROUTE_NOT_IP;
  out->src = pkt->src;
  out->dst = pkt->dst;
  /* OK after a TCP or UDP decoder: it read the ports. A UDP tunnel's frames go by the
   * tunnel endpoints' addresses only: its two directions often use different source
   * ports (VXLAN, GRE in UDP: a hash of the inner flow), and the flows inside must meet
   * in one worker, with the outer flows. */
  gboolean ports = st == WT_DECODE_OK && has_ports(pkt->ip_proto);
  if (ports && pkt->ip_proto == WT_IPPROTO_UDP
      && G_UNLIKELY(udp_tunnel(d, pkt->sport) || udp_tunnel(d, pkt->dport)))
    ports = FALSE;
  out->sport = ports ? pkt->sport : 0;
  out->dport = ports ? pkt->dport : 0;
  if (!pkt->ip_fragment || (pkt->ip_version == 4 && !has_ports(pkt->ip_proto)))
    return out->kind = WT_ROUTE_FLOW;
  wt_ip_frag_key(pkt, &out->datagram);
  out->frag_offset = pkt->frag_offset;
  out->frag_len = pkt->frag_len;
  out->frag_more = pkt->frag_more;
  return out->kind = WT_ROUTE_FRAGMENT;
}

void wt_decoders_expire(WtDecoders *d, gint64 now_ns, WtAnomalies *a)
{
  wt_ip_defrag_expire(d->defrag, now_ns, a);
}

const WtDecodeStats *wt_decoders_stats(const WtDecoders *d)
{
  return &d->stats;
}

static void merge_count(WtProtoCount *into, const WtProtoCount *from)
{
  into->packets += from->packets;
  into->bytes += from->bytes;
}

void wt_decoders_merge(WtDecoders *into, const WtDecoders *from)
{
  WtDecodeStats *s = &into->stats;
  const WtDecodeStats *f = &from->stats;
  s->frames += f->frames;
  s->bytes += f->bytes;
  s->snaplen_truncated += f->snaplen_truncated;
  s->truncated += f->truncated;
  s->malformed += f->malformed;
  s->llc += f->llc;
  merge_count(&s->ipv4, &f->ipv4);
  merge_count(&s->ipv6, &f->ipv6);
  merge_count(&s->tcp, &f->tcp);
  merge_count(&s->udp, &f->udp);
  merge_count(&s->icmp, &f->icmp);
  merge_count(&s->icmpv6, &f->icmpv6);
  merge_count(&s->other, &f->other);
  s->fragments_held += f->fragments_held;
  s->reassembled += f->reassembled;
  for (guint i = 0; i < 256; i++) {
    s->icmp_types[i] += f->icmp_types[i];
    s->icmpv6_types[i] += f->icmpv6_types[i];
  }
  for (guint i = 0; i < f->n_link; i++)
    count_linktype(s, f->link[i].dlt, f->link[i].frames, f->link[i].bytes);
  s->link_overflow += f->link_overflow;
  wt_tunnels_merge(&into->tunnels, &from->tunnels);
}

/* ---- the report ----------------------------------------------------------------- */

const char *wt_linktype_name(int dlt)
{
  switch (dlt) {
  case WT_DLT_RAW:
  case WT_DLT_RAW_OPENBSD:
  case WT_LINKTYPE_RAW:
    return "RAW"; /* the same thing under three numbers */
  case WT_DLT_LOOP:
    return "LOOP";
  default:
    break;
  }
  const char *name = pcap_datalink_val_to_name(dlt);
  return name ? name : "unknown";
}

static const char *icmp_type_name(guint type)
{
  switch (type) {
  case 0: return "echo-reply";
  case 3: return "destination-unreachable";
  case 4: return "source-quench";
  case 5: return "redirect";
  case 8: return "echo-request";
  case 9: return "router-advertisement";
  case 10: return "router-solicitation";
  case 11: return "time-exceeded";
  case 12: return "parameter-problem";
  case 13: return "timestamp";
  case 14: return "timestamp-reply";
  default: return NULL;
  }
}

static const char *icmpv6_type_name(guint type)
{
  switch (type) {
  case 1: return "destination-unreachable";
  case 2: return "packet-too-big";
  case 3: return "time-exceeded";
  case 4: return "parameter-problem";
  case 128: return "echo-request";
  case 129: return "echo-reply";
  case 130: return "mld-query";
  case 131: return "mld-report";
  case 133: return "router-solicitation";
  case 134: return "router-advertisement";
  case 135: return "neighbor-solicitation";
  case 136: return "neighbor-advertisement";
  case 137: return "redirect";
  case 143: return "mldv2-report";
  default: return NULL;
  }
}

static void report_count(WtSection *s, const char *key, const char *label, const WtProtoCount *c)
{
  WtSection *o = wt_section_object(s, key, label);
  wt_section_u64(o, "packets", _("Packets"), c->packets);
  wt_section_u64(o, "bytes", _("Bytes"), c->bytes);
}

static void report_types(WtSection *s, const char *key, const char *label, const guint64 *counts,
                         const char *(*name_of)(guint))
{
  wt_section_map_u64(s, key, label, NULL, 0); /* {} when there were none */
  for (guint t = 0; t < 256; t++) {
    if (counts[t] == 0)
      continue;
    char buf[16];
    const char *name = name_of(t);
    if (!name) {
      g_snprintf(buf, sizeof buf, "type-%u", t);
      name = buf;
    }
    wt_section_map_u64(s, key, label, name, counts[t]);
  }
}

void wt_decoders_report(WtDecoders *d, WtReport *r)
{
  const WtDecodeStats *st = &d->stats;
  WtSection *s = wt_report_section(r, "protocols", _("Protocols"));
  wt_section_u64(s, "frames", _("Frames"), st->frames);
  wt_section_u64(s, "bytes", _("Bytes"), st->bytes);
  report_count(s, "ipv4", _("IPv4"), &st->ipv4);
  report_count(s, "ipv6", _("IPv6"), &st->ipv6);
  report_count(s, "tcp", _("TCP"), &st->tcp);
  report_count(s, "udp", _("UDP"), &st->udp);
  report_count(s, "icmp", _("ICMP"), &st->icmp);
  report_count(s, "icmpv6", _("ICMPv6"), &st->icmpv6);
  report_count(s, "other", _("Other"), &st->other);
  wt_section_map_u64(s, "link_types", _("Link types"), NULL, 0);
  for (guint i = 0; i < st->n_link; i++) {
    char buf[32];
    const char *name = wt_linktype_name(st->link[i].dlt);
    if (g_str_equal(name, "unknown")) {
      g_snprintf(buf, sizeof buf, "DLT_%d", st->link[i].dlt);
      name = buf;
    }
    wt_section_map_u64(s, "link_types", _("Link types"), name, st->link[i].frames);
  }
  if (st->link_overflow)
    wt_section_map_u64(s, "link_types", _("Link types"), "other", st->link_overflow);
  report_types(s, "icmp_types", _("ICMP types"), st->icmp_types, icmp_type_name);
  report_types(s, "icmpv6_types", _("ICMPv6 types"), st->icmpv6_types, icmpv6_type_name);
  WtSection *frag = wt_section_object(s, "fragments", _("IP fragments"));
  wt_section_u64(frag, "held", _("Fragment frames held for reassembly"), st->fragments_held);
  wt_section_u64(frag, "reassembled", _("Datagrams reassembled"), st->reassembled);
  wt_section_u64(frag, "pending", _("Datagrams still incomplete"), wt_ip_defrag_pending(d->defrag));
  wt_section_u64(s, "llc_frames", _("802.2 LLC frames"), st->llc);
  wt_section_u64(s, "snaplen_truncated", _("Frames cut by the snaplen"), st->snaplen_truncated);
  wt_section_u64(s, "truncated", _("Frames with truncated headers"), st->truncated);
  wt_section_u64(s, "malformed", _("Malformed frames"), st->malformed);
  /* present only when the capture had tunnels, but always a name --sections accepts */
  wt_report_declare_section(r, "tunnels");
  wt_tunnels_report(&d->tunnels, r);
}
