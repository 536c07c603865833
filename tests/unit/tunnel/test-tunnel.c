/* The tunnel decoders (dissectors/tunnel) run by the decode tables on hand-built frames:
 * what each decapsulates, the tunnel identity in the packet, the fall-back to the outer
 * packet with its reason, the depth limit, and every prefix of every frame replayed from
 * a guard-page buffer (frame-builder.h's sweep) as a snaplen cut and as a runt. */
#include "../decode/frame-builder.h"
#include "dissectors/tunnel/tunnel.h"

#define DLT_EN10MB 1
#define DLT_RAW 12

static const guint8 OUT_A[4] = { 10, 0, 0, 1 };
static const guint8 OUT_B[4] = { 10, 0, 0, 2 };
static const guint8 IN_A[4] = { 172, 16, 0, 1 };
static const guint8 IN_B[4] = { 172, 16, 0, 2 };

/* IPv4 header between `src` and `dst`, total length patched by ip4_end. */
static gsize ip4(GByteArray *b, guint8 proto, const guint8 *src, const guint8 *dst)
{
  gsize off = b->len;
  fb_u8(b, 0x45);
  fb_u8(b, 0);
  fb_be16(b, 0);
  fb_be16(b, 1);
  fb_be16(b, 0x4000);
  fb_u8(b, 64);
  fb_u8(b, proto);
  fb_be16(b, 0);
  fb_bytes(b, src, 4);
  fb_bytes(b, dst, 4);
  return off;
}

static void ip4_end(GByteArray *b, gsize off)
{
  fb_put16(b, off + 2, (guint16) (b->len - off));
  fb_put16(b, off + 10, 0);
  fb_put16(b, off + 10, fb_cksum(b->data + off, 20, 0));
}

static gsize ip6(GByteArray *b, guint8 nh)
{
  return fb_ip6(b, nh, 0);
}

static void ip6_end(GByteArray *b, gsize off)
{
  fb_put16(b, off + 4, (guint16) (b->len - off - 40));
}

static gsize udp(GByteArray *b, guint16 sport, guint16 dport)
{
  gsize off = b->len;
  fb_udp(b, sport, dport, NULL, 0);
  return off;
}

static void udp_end(GByteArray *b, gsize off)
{
  fb_put16(b, off + 4, (guint16) (b->len - off));
}

/* the inner packet: IPv4 172.16.0.1:1234 -> 172.16.0.2:80 TCP SYN */
static void inner_ip4_tcp(GByteArray *b)
{
  gsize ip = ip4(b, 6, IN_A, IN_B);
  fb_tcp(b, 1234, 80, 1000, 0, WT_TCP_SYN, 65535, NULL, 0, NULL, 0);
  ip4_end(b, ip);
}

static void inner_ip6_udp(GByteArray *b)
{
  gsize ip = ip6(b, 17);
  gsize u = udp(b, 5353, 53);
  fb_zeros(b, 4);
  udp_end(b, u);
  ip6_end(b, ip);
}

typedef void (*Payload)(GByteArray *b, gconstpointer arg);

/* eth / IPv4 outer_a -> outer_b / UDP sport -> dport / payload */
static GByteArray *over_udp(const guint8 *oa, const guint8 *ob, guint16 sport, guint16 dport,
                            Payload fill, gconstpointer arg)
{
  GByteArray *b = g_byte_array_new();
  fb_eth(b, 0x0800);
  gsize ip = ip4(b, 17, oa, ob);
  gsize u = udp(b, sport, dport);
  fill(b, arg);
  udp_end(b, u);
  ip4_end(b, ip);
  return b;
}

static void vxlan(GByteArray *b, gconstpointer arg)
{
  guint32 vni = GPOINTER_TO_UINT(arg);
  fb_be32(b, 0x08000000u);
  fb_be32(b, vni << 8);
  fb_eth(b, 0x0800);
  inner_ip4_tcp(b);
}

static void assert_inner_tcp(const WtPacket *pkt, WtTunnelType type, guint depth)
{
  g_assert_cmpuint(pkt->ip_version, ==, 4);
  g_assert_cmpuint(pkt->ip_proto, ==, 6);
  g_assert_cmpmem(pkt->src.bytes, 4, IN_A, 4);
  g_assert_cmpmem(pkt->dst.bytes, 4, IN_B, 4);
  g_assert_cmpuint(pkt->sport, ==, 1234);
  g_assert_cmpuint(pkt->dport, ==, 80);
  g_assert_cmpuint(pkt->tunnel_depth, ==, depth);
  g_assert_cmpuint(pkt->tunnel_type, ==, type);
  g_assert_cmpuint(pkt->tunnel_id, !=, 0);
}

static void test_vxlan(Fx *fx, gconstpointer data)
{
  (void) data;
  GByteArray *b = over_udp(OUT_A, OUT_B, 40000, WT_PORT_VXLAN, vxlan, GUINT_TO_POINTER(123));
  g_assert_cmpint(fx_decode(fx, b->data, b->len, DLT_EN10MB), ==, WT_DECODE_OK);
  assert_inner_tcp(&fx->pkt, WT_TUNNEL_VXLAN, 1);
  guint32 id = fx->pkt.tunnel_id;
  const WtTunnelLayer *layer = wt_decode_layer(fx->d, 0);
  g_assert_nonnull(layer);
  g_assert_cmpuint(layer->type, ==, WT_TUNNEL_VXLAN);
  const WtPacket *outer = &layer->carrier;
  g_assert_cmpuint(outer->ip_proto, ==, 17);
  g_assert_cmpuint(outer->dport, ==, WT_PORT_VXLAN);
  g_assert_cmpuint(outer->tunnel_depth, ==, 0);
  g_assert_cmpuint(outer->tunnel_id, ==, 0);

  /* the answer, outer endpoints swapped: the same tunnel */
  GByteArray *back = over_udp(OUT_B, OUT_A, 40001, WT_PORT_VXLAN, vxlan, GUINT_TO_POINTER(123));
  g_assert_cmpint(fx_decode(fx, back->data, back->len, DLT_EN10MB), ==, WT_DECODE_OK);
  g_assert_cmpuint(fx->pkt.tunnel_id, ==, id);
  /* another VNI: another tunnel; Linux's port 8472 too */
  GByteArray *other = over_udp(OUT_A, OUT_B, 40000, WT_PORT_VXLAN_LINUX, vxlan,
                               GUINT_TO_POINTER(124));
  g_assert_cmpint(fx_decode(fx, other->data, other->len, DLT_EN10MB), ==, WT_DECODE_OK);
  assert_inner_tcp(&fx->pkt, WT_TUNNEL_VXLAN, 1);
  g_assert_cmpuint(fx->pkt.tunnel_id, !=, id);
  fb_sweep(b->data, b->len, DLT_EN10MB, WT_DECODE_OK);
  g_byte_array_unref(b);
  g_byte_array_unref(back);
  g_byte_array_unref(other);
}

/* A header that does not parse, an inner packet that does not: the frame stays the outer
 * UDP datagram, counted by reason. */
static void vxlan_bad_inner(GByteArray *b, gconstpointer arg)
{
  (void) arg;
  fb_be32(b, 0x08000000u);
  fb_be32(b, 7u << 8);
  fb_eth(b, 0x0800);
  fb_u8(b, 0x45);
  fb_zeros(b, 7); /* an IPv4 header cut short inside a whole datagram */
}

static void vxlan_arp(GByteArray *b, gconstpointer arg)
{
  (void) arg;
  fb_be32(b, 0x08000000u);
  fb_be32(b, 7u << 8);
  fb_eth(b, 0x0806);
  fb_zeros(b, 28);
}

static void vxlan_no_i(GByteArray *b, gconstpointer arg)
{
  (void) arg;
  fb_be32(b, 0);
  fb_be32(b, 0);
}

static void test_fall_back(Fx *fx, gconstpointer data)
{
  (void) data;
  Payload fills[] = { vxlan_bad_inner, vxlan_arp, vxlan_no_i };
  const char *anomaly[] = { "tunnel.inner_malformed", "tunnel.inner_not_ip", "vxlan.no_vni" };
  for (guint i = 0; i < G_N_ELEMENTS(fills); i++) {
    GByteArray *b = over_udp(OUT_A, OUT_B, 40000, WT_PORT_VXLAN, fills[i], NULL);
    g_assert_cmpint(fx_decode(fx, b->data, b->len, DLT_EN10MB), ==, WT_DECODE_OK);
    g_assert_cmpuint(fx->pkt.ip_proto, ==, 17);
    g_assert_cmpuint(fx->pkt.dport, ==, WT_PORT_VXLAN);
    g_assert_cmpmem(fx->pkt.src.bytes, 4, OUT_A, 4);
    g_assert_cmpuint(fx->pkt.tunnel_depth, ==, 0);
    g_assert_cmpuint(fx->pkt.tunnel_id, ==, 0);
    g_assert_cmpuint(fx_anom(fx, anomaly[i]), ==, 1);
    fb_sweep(b->data, b->len, DLT_EN10MB, WT_DECODE_OK);
    g_byte_array_unref(b);
  }
  g_assert_cmpuint(wt_decoders_stats(fx->d)->udp.packets, ==, 3);
  g_assert_cmpuint(wt_decoders_stats(fx->d)->malformed, ==, 0);
}

static void geneve(GByteArray *b, gconstpointer arg)
{
  gboolean v6 = GPOINTER_TO_INT(arg);
  fb_u8(b, 2); /* two words of options */
  fb_u8(b, 0);
  fb_be16(b, v6 ? 0x86dd : 0x6558);
  fb_be32(b, 77u << 8);
  fb_be16(b, 0x0103); /* option class */
  fb_u8(b, 0x80);     /* type */
  fb_u8(b, 1);        /* one word of data */
  fb_be32(b, 0xdeadbeef);
  if (v6) {
    inner_ip6_udp(b);
  } else {
    fb_eth(b, 0x0800);
    inner_ip4_tcp(b);
  }
}

static void test_geneve(Fx *fx, gconstpointer data)
{
  (void) data;
  GByteArray *b = over_udp(OUT_A, OUT_B, 40000, WT_PORT_GENEVE, geneve, GINT_TO_POINTER(0));
  g_assert_cmpint(fx_decode(fx, b->data, b->len, DLT_EN10MB), ==, WT_DECODE_OK);
  assert_inner_tcp(&fx->pkt, WT_TUNNEL_GENEVE, 1);
  fb_sweep(b->data, b->len, DLT_EN10MB, WT_DECODE_OK);
  GByteArray *b6 = over_udp(OUT_A, OUT_B, 40000, WT_PORT_GENEVE, geneve, GINT_TO_POINTER(1));
  g_assert_cmpint(fx_decode(fx, b6->data, b6->len, DLT_EN10MB), ==, WT_DECODE_OK);
  g_assert_cmpuint(fx->pkt.ip_version, ==, 6);
  g_assert_cmpuint(fx->pkt.dport, ==, 53);
  fb_sweep(b6->data, b6->len, DLT_EN10MB, WT_DECODE_OK);
  g_byte_array_unref(b);
  g_byte_array_unref(b6);
}

/* GRE version 0 with checksum, key and sequence number over IPv4 */
static GByteArray *gre_frame(guint8 flags, guint16 proto, guint32 key, Payload fill,
                             gconstpointer arg)
{
  GByteArray *b = g_byte_array_new();
  fb_eth(b, 0x0800);
  gsize ip = ip4(b, 47, OUT_A, OUT_B);
  fb_u8(b, flags);
  fb_u8(b, 0);
  fb_be16(b, proto);
  if (flags & 0x80)
    fb_be32(b, 0);
  if (flags & 0x20)
    fb_be32(b, key);
  if (flags & 0x10)
    fb_be32(b, 99);
  fill(b, arg);
  ip4_end(b, ip);
  return b;
}

static void fill_ip4(GByteArray *b, gconstpointer arg)
{
  (void) arg;
  inner_ip4_tcp(b);
}

static void fill_eth_ip4(GByteArray *b, gconstpointer arg)
{
  (void) arg;
  fb_eth(b, 0x0800);
  inner_ip4_tcp(b);
}

static void test_gre(Fx *fx, gconstpointer data)
{
  (void) data;
  GByteArray *b = gre_frame(0xb0, 0x0800, 5, fill_ip4, NULL);
  g_assert_cmpint(fx_decode(fx, b->data, b->len, DLT_EN10MB), ==, WT_DECODE_OK);
  assert_inner_tcp(&fx->pkt, WT_TUNNEL_GRE, 1);
  guint32 id5 = fx->pkt.tunnel_id;
  /* GRE is no flow of its own: its carrier is the IP packet, protocol 47 */
  g_assert_cmpuint(wt_decode_layer(fx->d, 0)->carrier.ip_proto, ==, 47);
  fb_sweep(b->data, b->len, DLT_EN10MB, WT_DECODE_OK);
  GByteArray *k6 = gre_frame(0x20, 0x0800, 6, fill_ip4, NULL);
  g_assert_cmpint(fx_decode(fx, k6->data, k6->len, DLT_EN10MB), ==, WT_DECODE_OK);
  g_assert_cmpuint(fx->pkt.tunnel_id, !=, id5);
  GByteArray *teb = gre_frame(0x00, 0x6558, 0, fill_eth_ip4, NULL);
  g_assert_cmpint(fx_decode(fx, teb->data, teb->len, DLT_EN10MB), ==, WT_DECODE_OK);
  assert_inner_tcp(&fx->pkt, WT_TUNNEL_GRE, 1);
  fb_sweep(teb->data, teb->len, DLT_EN10MB, WT_DECODE_OK);
  /* routing present (RFC 1701): refused, the frame stays a GRE packet */
  GByteArray *rt = gre_frame(0x40, 0x0800, 0, fill_ip4, NULL);
  g_assert_cmpint(fx_decode(fx, rt->data, rt->len, DLT_EN10MB), ==, WT_DECODE_UNSUPPORTED);
  g_assert_cmpuint(fx->pkt.ip_proto, ==, 47);
  g_assert_cmpuint(fx->pkt.tunnel_depth, ==, 0);
  g_assert_cmpuint(fx_anom(fx, "gre.routing"), ==, 1);
  /* a payload not decoded: as before, an IP protocol not decoded, no anomaly */
  GByteArray *unk = gre_frame(0x00, 0x0806, 0, fill_ip4, NULL);
  g_assert_cmpint(fx_decode(fx, unk->data, unk->len, DLT_EN10MB), ==, WT_DECODE_UNSUPPORTED);
  g_assert_cmpuint(fx->pkt.tunnel_depth, ==, 0);
  g_byte_array_unref(b);
  g_byte_array_unref(k6);
  g_byte_array_unref(teb);
  g_byte_array_unref(rt);
  g_byte_array_unref(unk);
}

static GByteArray *pptp_frame(guint16 ppp_proto, gboolean acfc)
{
  GByteArray *b = g_byte_array_new();
  fb_eth(b, 0x0800);
  gsize ip = ip4(b, 47, OUT_A, OUT_B);
  fb_u8(b, 0x30); /* K, S */
  fb_u8(b, 0x81); /* A, version 1 */
  fb_be16(b, 0x880b);
  gsize len_at = b->len;
  fb_be16(b, 0);
  fb_be16(b, 42); /* call id */
  fb_be32(b, 1);  /* sequence */
  fb_be32(b, 0);  /* acknowledgment */
  gsize start = b->len;
  if (!acfc) {
    fb_u8(b, 0xff);
    fb_u8(b, 0x03);
  }
  if (ppp_proto < 0x100)
    fb_u8(b, (guint8) ppp_proto);
  else
    fb_be16(b, ppp_proto);
  if (ppp_proto == 0x21 || ppp_proto == 0x0021)
    inner_ip4_tcp(b);
  else
    fb_zeros(b, 8);
  fb_put16(b, len_at, (guint16) (b->len - start));
  ip4_end(b, ip);
  return b;
}

static void test_pptp(Fx *fx, gconstpointer data)
{
  (void) data;
  GByteArray *b = pptp_frame(0x0021, FALSE);
  g_assert_cmpint(fx_decode(fx, b->data, b->len, DLT_EN10MB), ==, WT_DECODE_OK);
  assert_inner_tcp(&fx->pkt, WT_TUNNEL_PPTP, 1);
  fb_sweep(b->data, b->len, DLT_EN10MB, WT_DECODE_OK);
  GByteArray *c = pptp_frame(0x21, TRUE); /* compressed address, control and protocol */
  g_assert_cmpint(fx_decode(fx, c->data, c->len, DLT_EN10MB), ==, WT_DECODE_OK);
  assert_inner_tcp(&fx->pkt, WT_TUNNEL_PPTP, 1);
  GByteArray *lcp = pptp_frame(0xc021, FALSE);
  g_assert_cmpint(fx_decode(fx, lcp->data, lcp->len, DLT_EN10MB), ==, WT_DECODE_UNSUPPORTED);
  g_assert_cmpuint(fx->pkt.ip_proto, ==, 47);
  g_assert_cmpuint(fx_anom(fx, "tunnel.inner_not_ip"), ==, 1);
  g_byte_array_unref(b);
  g_byte_array_unref(c);
  g_byte_array_unref(lcp);
}

static void erspan2(GByteArray *b, gconstpointer arg)
{
  (void) arg;
  fb_be32(b, 0x10000000u | 0x0000u); /* version 1, VLAN 0 */
  fb_be32(b, 0x00000155u);            /* session 0x155 */
  fb_eth(b, 0x0800);
  inner_ip4_tcp(b);
}

static void erspan3(GByteArray *b, gconstpointer arg)
{
  gboolean o = GPOINTER_TO_INT(arg);
  fb_be32(b, 0x20000003u); /* version 2, VLAN 0, session 3 */
  fb_be32(b, 0);           /* timestamp */
  fb_be32(b, o ? 1u : 0u); /* SGT, P, FT, HW id, D, Gra, O */
  if (o)
    fb_zeros(b, 8);
  fb_eth(b, 0x0800);
  inner_ip4_tcp(b);
}

static void test_erspan(Fx *fx, gconstpointer data)
{
  (void) data;
  GByteArray *frames[] = {
    gre_frame(0x00, 0x88be, 0, fill_eth_ip4, NULL),  /* type I: no header */
    gre_frame(0x10, 0x88be, 0, erspan2, NULL),       /* type II: sequence number */
    gre_frame(0x00, 0x22eb, 0, erspan3, GINT_TO_POINTER(0)),
    gre_frame(0x00, 0x22eb, 0, erspan3, GINT_TO_POINTER(1)),
  };
  for (guint i = 0; i < G_N_ELEMENTS(frames); i++) {
    g_test_message("ERSPAN frame %u", i);
    g_assert_cmpint(fx_decode(fx, frames[i]->data, frames[i]->len, DLT_EN10MB), ==, WT_DECODE_OK);
    assert_inner_tcp(&fx->pkt, WT_TUNNEL_ERSPAN, 1);
    fb_sweep(frames[i]->data, frames[i]->len, DLT_EN10MB, WT_DECODE_OK);
    g_byte_array_unref(frames[i]);
  }
}

/* IP in IP: 4in4, 6in4, 4in6, 6in6 */
static void test_ipip(Fx *fx, gconstpointer data)
{
  (void) data;
  for (int outer6 = 0; outer6 < 2; outer6++) {
    for (int inner6 = 0; inner6 < 2; inner6++) {
      GByteArray *b = g_byte_array_new();
      guint8 proto = inner6 ? 41 : 4;
      gsize ip = outer6 ? ip6(b, proto) : ip4(b, proto, OUT_A, OUT_B);
      if (inner6)
        inner_ip6_udp(b);
      else
        inner_ip4_tcp(b);
      if (outer6)
        ip6_end(b, ip);
      else
        ip4_end(b, ip);
      g_assert_cmpint(fx_decode(fx, b->data, b->len, DLT_RAW), ==, WT_DECODE_OK);
      g_assert_cmpuint(fx->pkt.ip_version, ==, inner6 ? 6 : 4);
      g_assert_cmpuint(fx->pkt.tunnel_depth, ==, 1);
      g_assert_cmpuint(fx->pkt.tunnel_type, ==, WT_TUNNEL_IP);
      fb_sweep(b->data, b->len, DLT_RAW, WT_DECODE_OK);
      g_byte_array_unref(b);
    }
  }
}

/* Three layers of IPv4 in IPv4: the third is beyond Zeek's limit of two, so the packet
 * is analysed as the second layer's inner packet (protocol 4, not decoded) */
static void test_depth(Fx *fx, gconstpointer data)
{
  (void) data;
  GByteArray *b = g_byte_array_new();
  gsize l1 = ip4(b, 4, OUT_A, OUT_B);
  gsize l2 = ip4(b, 4, OUT_B, OUT_A);
  gsize l3 = ip4(b, 4, IN_B, IN_A);
  inner_ip4_tcp(b);
  ip4_end(b, l3);
  ip4_end(b, l2);
  ip4_end(b, l1);
  g_assert_cmpint(fx_decode(fx, b->data, b->len, DLT_RAW), ==, WT_DECODE_UNSUPPORTED);
  g_assert_cmpuint(fx->pkt.tunnel_depth, ==, 2);
  g_assert_cmpuint(fx->pkt.ip_proto, ==, 4);
  g_assert_cmpmem(fx->pkt.src.bytes, 4, IN_B, 4);
  g_assert_cmpuint(fx_anom(fx, "tunnel.too_deep"), ==, 1);
  /* two layers are decapsulated */
  GByteArray *two = g_byte_array_new();
  l1 = ip4(two, 4, OUT_A, OUT_B);
  l2 = ip4(two, 4, OUT_B, OUT_A);
  inner_ip4_tcp(two);
  ip4_end(two, l2);
  ip4_end(two, l1);
  g_assert_cmpint(fx_decode(fx, two->data, two->len, DLT_RAW), ==, WT_DECODE_OK);
  assert_inner_tcp(&fx->pkt, WT_TUNNEL_IP, 2);
  fb_sweep(b->data, b->len, DLT_RAW, WT_DECODE_UNSUPPORTED);
  g_byte_array_unref(b);
  g_byte_array_unref(two);
}

static void gtpu(GByteArray *b, gconstpointer arg)
{
  guint type = GPOINTER_TO_UINT(arg);
  gboolean ext = type == 0xff;
  fb_u8(b, ext ? 0x34 : 0x30); /* version 1, PT, E */
  fb_u8(b, (guint8) (type == 0xfe ? 1 : 0xff));
  gsize len_at = b->len;
  fb_be16(b, 0);
  fb_be32(b, 0x11223344u); /* TEID */
  gsize start = b->len;
  if (ext) {
    fb_be16(b, 0); /* sequence */
    fb_u8(b, 0);   /* N-PDU */
    fb_u8(b, 0x85); /* PDU session container */
    fb_u8(b, 1);    /* one word */
    fb_u8(b, 0x10);
    fb_u8(b, 0x09);
    fb_u8(b, 0);    /* no more */
  }
  inner_ip4_tcp(b);
  fb_put16(b, len_at, (guint16) (b->len - start));
}

static void test_gtpu(Fx *fx, gconstpointer data)
{
  (void) data;
  GByteArray *b = over_udp(OUT_A, OUT_B, WT_PORT_GTPU, WT_PORT_GTPU, gtpu, GUINT_TO_POINTER(0xff));
  g_assert_cmpint(fx_decode(fx, b->data, b->len, DLT_EN10MB), ==, WT_DECODE_OK);
  assert_inner_tcp(&fx->pkt, WT_TUNNEL_GTPU, 1);
  fb_sweep(b->data, b->len, DLT_EN10MB, WT_DECODE_OK);
  GByteArray *plain = over_udp(OUT_A, OUT_B, 2152, 2152, gtpu, GUINT_TO_POINTER(0));
  g_assert_cmpint(fx_decode(fx, plain->data, plain->len, DLT_EN10MB), ==, WT_DECODE_OK);
  assert_inner_tcp(&fx->pkt, WT_TUNNEL_GTPU, 1);
  /* an echo request is GTP-U but carries no user packet: plain UDP */
  GByteArray *echo = over_udp(OUT_A, OUT_B, 2152, 2152, gtpu, GUINT_TO_POINTER(0xfe));
  g_assert_cmpint(fx_decode(fx, echo->data, echo->len, DLT_EN10MB), ==, WT_DECODE_OK);
  g_assert_cmpuint(fx->pkt.tunnel_depth, ==, 0);
  g_assert_cmpuint(fx->pkt.dport, ==, 2152);
  g_byte_array_unref(b);
  g_byte_array_unref(plain);
  g_byte_array_unref(echo);
}

static void teredo(GByteArray *b, gconstpointer arg)
{
  guint what = GPOINTER_TO_UINT(arg);
  if (what & 1) { /* authentication: id 2 bytes, value 3 bytes, nonce, confirmation */
    fb_be16(b, 0x0001);
    fb_u8(b, 2);
    fb_u8(b, 3);
    fb_zeros(b, 2 + 3 + 8 + 1);
  }
  if (what & 2) { /* origin: port and address */
    fb_be16(b, 0x0000);
    fb_be16(b, 0x1234);
    fb_be32(b, 0x01020304);
  }
  if (what & 4) { /* a bubble */
    gsize ip = ip6(b, 59);
    ip6_end(b, ip);
  } else {
    inner_ip6_udp(b);
  }
}

static void test_teredo(Fx *fx, gconstpointer data)
{
  (void) data;
  for (guint what = 0; what < 8; what++) {
    g_test_message("Teredo variant %u", what);
    GByteArray *b = over_udp(OUT_A, OUT_B, 3797, WT_PORT_TEREDO, teredo, GUINT_TO_POINTER(what));
    WtDecodeStatus st = fx_decode(fx, b->data, b->len, DLT_EN10MB);
    /* a bubble: IPv6 with no next header, an IP protocol not decoded */
    g_assert_cmpint(st, ==, (what & 4) ? WT_DECODE_UNSUPPORTED : WT_DECODE_OK);
    g_assert_cmpuint(fx->pkt.ip_version, ==, 6);
    g_assert_cmpuint(fx->pkt.tunnel_type, ==, WT_TUNNEL_TEREDO);
    g_assert_cmpuint(fx->pkt.tunnel_depth, ==, 1);
    g_assert_cmpuint(fx->pkt.ip_proto, ==, (what & 4) ? 59 : 17);
    fb_sweep(b->data, b->len, DLT_EN10MB, st);
    g_byte_array_unref(b);
  }
}

static void ayiya(GByteArray *b, gconstpointer arg)
{
  (void) arg;
  fb_u8(b, 0x41);   /* id length 2^4, type 1 */
  fb_u8(b, 0x52);   /* signature 5 words, SHA-1 */
  fb_u8(b, 0x21);   /* auth method 2, opcode 1 (forward) */
  fb_u8(b, 41);     /* IPv6 */
  fb_be32(b, 0);    /* epoch */
  fb_zeros(b, 16 + 20);
  inner_ip6_udp(b);
}

static void gre_udp(GByteArray *b, gconstpointer arg)
{
  (void) arg;
  fb_be16(b, 0);
  fb_be16(b, 0x0800);
  inner_ip4_tcp(b);
}

static void test_ayiya_gre_udp(Fx *fx, gconstpointer data)
{
  (void) data;
  GByteArray *b = over_udp(OUT_A, OUT_B, 40000, WT_PORT_AYIYA, ayiya, NULL);
  g_assert_cmpint(fx_decode(fx, b->data, b->len, DLT_EN10MB), ==, WT_DECODE_OK);
  g_assert_cmpuint(fx->pkt.tunnel_type, ==, WT_TUNNEL_AYIYA);
  g_assert_cmpuint(fx->pkt.ip_version, ==, 6);
  fb_sweep(b->data, b->len, DLT_EN10MB, WT_DECODE_OK);
  GByteArray *g = over_udp(OUT_A, OUT_B, 40000, WT_PORT_GRE_UDP, gre_udp, NULL);
  g_assert_cmpint(fx_decode(fx, g->data, g->len, DLT_EN10MB), ==, WT_DECODE_OK);
  assert_inner_tcp(&fx->pkt, WT_TUNNEL_GRE_UDP, 1);
  fb_sweep(g->data, g->len, DLT_EN10MB, WT_DECODE_OK);
  g_byte_array_unref(b);
  g_byte_array_unref(g);
}

/* The --threads router stops at the outermost tunnel: a frame goes by its tunnel
 * endpoints' addresses (a UDP tunnel's two directions may use different source ports),
 * so the flows inside and the outer flows meet in one worker */
static void test_route(Fx *fx, gconstpointer data)
{
  (void) data;
  GByteArray *b = over_udp(OUT_A, OUT_B, 40000, WT_PORT_VXLAN, vxlan, GUINT_TO_POINTER(5));
  WtRouteKey key;
  g_assert_cmpint(fb_route(fx->d, b->data, b->len, b->len, DLT_EN10MB, &key), ==, WT_ROUTE_FLOW);
  g_assert_cmpmem(key.src.bytes, 4, OUT_A, 4);
  g_assert_cmpuint(key.sport, ==, 0);
  g_assert_cmpuint(key.dport, ==, 0);
  GByteArray *g = gre_frame(0x20, 0x0800, 5, fill_ip4, NULL);
  g_assert_cmpint(fb_route(fx->d, g->data, g->len, g->len, DLT_EN10MB, &key), ==, WT_ROUTE_FLOW);
  g_assert_cmpmem(key.src.bytes, 4, OUT_A, 4);
  g_assert_cmpuint(key.sport, ==, 0);
  g_byte_array_unref(b);
  g_byte_array_unref(g);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define T(name, fn) g_test_add("/tunnel/" name, Fx, NULL, fx_setup, fn, fx_teardown)
  T("vxlan", test_vxlan);
  T("fall-back", test_fall_back);
  T("geneve", test_geneve);
  T("gre", test_gre);
  T("pptp", test_pptp);
  T("erspan", test_erspan);
  T("ipip", test_ipip);
  T("depth", test_depth);
  T("gtpu", test_gtpu);
  T("teredo", test_teredo);
  T("ayiya-gre-udp", test_ayiya_gre_udp);
  T("route", test_route);
  return g_test_run();
}
