/* The live fanout program (analyzer/capture/fanout-bpf.c) keeps every flow on one handle as
 * the --threads router keys flows (wt_decode_route): on every frame of every capture in
 * captures/ and the shared corpus (its sub-folders too), for 2, 3 and 4 handles, the
 * program's answer is the same for every frame of a flow, both directions included, and
 * within 0..n-1. The flow of a frame is the router's key (outer addresses, TCP/UDP ports,
 * none for a UDP tunnel), an IP fragment's that of its datagram's first fragment.
 *
 * The program runs here in a small classic BPF interpreter that reads the frame as the
 * kernel shows it to a fanout program: the protocol (SKF_AD_PROTOCOL) and loads relative
 * to the network header (SKF_NET_OFF), with one VLAN tag already taken out of the frame, a
 * failed load ending the program with 0. IPv4 fragments but the first are left out: with
 * PACKET_FANOUT_FLAG_DEFRAG the kernel reassembles them before the program sees the
 * datagram, whose headers are the first fragment's. The kernel's own checker must accept
 * the program (attached to a socket as a filter, which needs no privilege), also with the
 * most tunnel ports there can be; a --tunnel-port value is checked on built frames. */
#include "tests/unit/capture-corpus.h"
#include "analyzer/capture/fanout-bpf.h"
#include "analyzer/pipeline/decode.h"
#include "dissectors/link/link.h"

#include <linux/filter.h>
#include <pcap/pcap.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- the frame as the kernel sees it, and the interpreter ---------------------------- */

typedef struct {
  guint16 protocol;   /* skb->protocol */
  const guint8 *net;  /* the network header */
  guint32 net_len;    /* bytes captured from it on */
  gboolean oob;       /* a load went past the captured bytes */
} KernelView;

static guint16 be16(const guint8 *p) { return (guint16) (p[0] << 8 | p[1]); }

static gboolean is_vlan(guint16 et) { return et == 0x8100 || et == 0x88a8; }

/* FALSE for link types a Linux interface does not deliver (they are left out). */
static gboolean kernel_view(const guint8 *f, guint32 caplen, int linktype, KernelView *v)
{
  guint32 off;
  guint16 proto;
  switch (linktype) {
  case WT_DLT_EN10MB:
    if (caplen < 14)
      return FALSE;
    off = 14, proto = be16(f + 12);
    if (is_vlan(proto) && caplen >= 18) /* the receive path takes one tag out */
      off = 18, proto = be16(f + 16);
    if (proto < 0x0600)
      proto = 0; /* an 802.3 length: no IP */
    break;
  case WT_DLT_LINUX_SLL:
    if (caplen < 16)
      return FALSE;
    off = 16, proto = be16(f + 14);
    if (is_vlan(proto) && caplen >= 20)
      off = 20, proto = be16(f + 18);
    break;
  case WT_DLT_LINUX_SLL2:
    if (caplen < 20)
      return FALSE;
    off = 20, proto = be16(f);
    break;
  case WT_DLT_RAW:
  case WT_DLT_IPV4:
  case WT_DLT_IPV6:
    if (caplen < 1)
      return FALSE;
    off = 0, proto = f[0] >> 4 == 4 ? 0x0800 : f[0] >> 4 == 6 ? 0x86dd : 0;
    break;
  default:
    return FALSE;
  }
  v->protocol = proto;
  v->net = f + off;
  v->net_len = caplen - off;
  v->oob = FALSE;
  return TRUE;
}

/* A load at offset k (absolute) or X + k (indirect): FALSE when it fails (the program then
 * returns 0, as in the kernel). */
static gboolean load(KernelView *v, gint64 k, guint size, gboolean absolute, guint32 *out)
{
  if (absolute && k >= WT_SKF_AD_OFF && k < 0) {
    g_assert_cmpint(k, ==, WT_SKF_AD_OFF + WT_SKF_AD_PROTOCOL); /* the only one used */
    *out = v->protocol;
    return TRUE;
  }
  /* the start of the data differs between received and sent frames: only
   * network-header-relative loads are meaningful */
  g_assert_cmpint(k, <, 0);
  g_assert_cmpint(k, >=, WT_SKF_NET_OFF);
  gint64 off = k - WT_SKF_NET_OFF;
  if (off + size > v->net_len) {
    v->oob = TRUE;
    return FALSE;
  }
  const guint8 *p = v->net + off;
  *out = size == 1 ? p[0] : size == 2 ? be16(p) : (guint32) be16(p) << 16 | be16(p + 2);
  return TRUE;
}

static guint32 alu(guint16 op, guint32 a, guint32 b)
{
  switch (op) {
  case BPF_ADD: return a + b;
  case BPF_SUB: return a - b;
  case BPF_MUL: return a * b;
  case BPF_DIV: g_assert_cmpuint(b, !=, 0); return a / b;
  case BPF_MOD: g_assert_cmpuint(b, !=, 0); return a % b;
  case BPF_AND: return a & b;
  case BPF_OR: return a | b;
  case BPF_XOR: return a ^ b;
  case BPF_LSH: return b < 32 ? a << b : 0;
  case BPF_RSH: return b < 32 ? a >> b : 0;
  case BPF_NEG: return -a;
  default: g_assert_not_reached();
  }
}

static gboolean jump_taken(guint16 op, guint32 a, guint32 b)
{
  switch (op) {
  case BPF_JEQ: return a == b;
  case BPF_JGT: return a > b;
  case BPF_JGE: return a >= b;
  case BPF_JSET: return (a & b) != 0;
  default: g_assert_not_reached();
  }
}

static guint size_of(guint16 code)
{
  return BPF_SIZE(code) == BPF_W ? 4 : BPF_SIZE(code) == BPF_H ? 2 : 1;
}

static guint32 run(const struct bpf_program *prog, KernelView *v)
{
  guint32 A = 0, X = 0, M[BPF_MEMWORDS] = { 0 };
  guint written = 0; /* scratch words stored so far: the kernel refuses a read before */
  for (guint pc = 0; pc < prog->bf_len; pc++) {
    const struct bpf_insn *in = &prog->bf_insns[pc];
    guint16 c = in->code;
    switch (BPF_CLASS(c)) {
    case BPF_LD:
      if (BPF_MODE(c) == BPF_IMM)
        A = in->k;
      else if (BPF_MODE(c) == BPF_MEM) {
        g_assert_true(written & (1u << in->k));
        A = M[in->k];
      } else if (!load(v, BPF_MODE(c) == BPF_ABS ? (gint64) (gint32) in->k
                                                  : (gint64) X + (gint32) in->k,
                       size_of(c), BPF_MODE(c) == BPF_ABS, &A))
        return 0;
      break;
    case BPF_LDX:
      g_assert_true(BPF_MODE(c) == BPF_IMM || BPF_MODE(c) == BPF_MEM);
      if (BPF_MODE(c) == BPF_MEM)
        g_assert_true(written & (1u << in->k));
      X = BPF_MODE(c) == BPF_IMM ? in->k : M[in->k];
      break;
    case BPF_ST:
    case BPF_STX:
      g_assert_cmpuint(in->k, <, BPF_MEMWORDS);
      M[in->k] = BPF_CLASS(c) == BPF_ST ? A : X;
      written |= 1u << in->k;
      break;
    case BPF_ALU:
      A = alu(BPF_OP(c), A, BPF_SRC(c) == BPF_X ? X : in->k);
      break;
    case BPF_JMP:
      if (BPF_OP(c) == BPF_JA)
        pc += in->k;
      else
        pc += jump_taken(BPF_OP(c), A, BPF_SRC(c) == BPF_X ? X : in->k) ? in->jt : in->jf;
      break;
    case BPF_RET:
      return BPF_RVAL(c) == BPF_A ? A : in->k;
    case BPF_MISC:
      if (BPF_MISCOP(c) == BPF_TAX)
        X = A;
      else
        A = X;
      break;
    default:
      g_assert_not_reached();
    }
  }
  g_assert_not_reached(); /* a program ends in a return */
}

/* ---- flows as the router keys them ------------------------------------------------- */

typedef struct {
  WtAddr a, b;
  guint16 pa, pb;
} FlowKey;

static GBytes *flow_key(const WtAddr *s, guint16 sp, const WtAddr *d, guint16 dp)
{
  FlowKey k;
  memset(&k, 0, sizeof k);
  int c = memcmp(s, d, sizeof *s);
  gboolean swap = c > 0 || (c == 0 && sp > dp); /* one order for both directions */
  k.a = swap ? *d : *s, k.pa = swap ? dp : sp;
  k.b = swap ? *s : *d, k.pb = swap ? sp : dp;
  return g_bytes_new(&k, sizeof k);
}

typedef struct {
  guint n;                  /* handles */
  const struct bpf_program *prog;
  WtDecoders *d;
  GHashTable *flows;        /* FlowKey -> handle + 1 */
  GHashTable *datagrams;    /* WtIpFragKey -> FlowKey of its first fragment */
  guint64 frames, checked, left_out;
  guint64 file_frames; /* frame number in the current file */
  guint64 *flows_per_handle;
} Check;

/* The flow the router puts this frame in; NULL for no flow or a frame left out. */
static GBytes *router_flow(Check *c, const guint8 *f, guint32 caplen, guint32 wirelen,
                           int linktype)
{
  WtPacket pkt;
  wt_corpus_packet(&pkt, f, caplen, wirelen, linktype);
  WtRouteKey k;
  switch (wt_decode_route(c->d, &pkt, &k)) {
  case WT_ROUTE_FLOW:
    return flow_key(&k.src, k.sport, &k.dst, k.dport);
  case WT_ROUTE_FRAGMENT: {
    if (k.datagram.family == 4 && k.frag_offset != 0)
      return NULL; /* reassembled by the kernel into its first fragment's datagram */
    GBytes *dg = g_bytes_new(&k.datagram, sizeof k.datagram);
    GBytes *flow = g_hash_table_lookup(c->datagrams, dg);
    if (flow) {
      g_bytes_unref(dg);
      return g_bytes_ref(flow);
    }
    flow = k.frag_offset == 0 ? flow_key(&k.src, k.sport, &k.dst, k.dport)
                              : flow_key(&k.src, 0, &k.dst, 0);
    g_hash_table_insert(c->datagrams, dg, g_bytes_ref(flow));
    return flow;
  }
  case WT_ROUTE_NOT_IP:
  default:
    return NULL;
  }
}

static void check_frame(Check *c, const guint8 *f, guint32 caplen, guint32 wirelen,
                        int linktype, const char *path)
{
  c->frames++;
  c->file_frames++;
  KernelView v;
  if (!kernel_view(f, caplen, linktype, &v)) {
    c->left_out++;
    return;
  }
  guint32 handle = run(c->prog, &v);
  g_assert_cmpuint(handle, <, c->n);
  if (v.oob && caplen < wirelen) {
    c->left_out++; /* the kernel reads the whole frame: not what the capture kept */
    return;
  }
  g_autoptr(GBytes) flow = router_flow(c, f, caplen, wirelen, linktype);
  if (!flow)
    return;
  c->checked++;
  gpointer seen = g_hash_table_lookup(c->flows, flow);
  if (!seen) {
    g_hash_table_insert(c->flows, g_bytes_ref(flow), GUINT_TO_POINTER(handle + 1));
    c->flows_per_handle[handle]++;
    return;
  }
  if (GPOINTER_TO_UINT(seen) != handle + 1)
    g_error("%s frame %" G_GUINT64_FORMAT ": its flow went to handle %u before, now %u",
            path, c->file_frames, GPOINTER_TO_UINT(seen) - 1, handle);
}

typedef struct {
  Check *check;
  const char *path;
  guint files;
} Corpus;

static void check_exact_frame(const guint8 *bytes, guint32 caplen, guint32 wirelen,
                              int linktype, gpointer user)
{
  Corpus *corpus = user;
  g_autofree guint8 *exact = g_memdup2(bytes, caplen); /* ASan sees a read past it */
  check_frame(corpus->check, exact, caplen, wirelen, linktype, corpus->path);
}

static void check_corpus_file(const char *path, gpointer user)
{
  Corpus *corpus = user;
  Check *c = corpus->check;
  c->file_frames = 0;
  c->flows = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                   (GDestroyNotify) g_bytes_unref, NULL);
  c->datagrams = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                       (GDestroyNotify) g_bytes_unref,
                                       (GDestroyNotify) g_bytes_unref);
  corpus->path = path;
  corpus->files += wt_corpus_frames(path, check_exact_frame, corpus);
  g_hash_table_destroy(c->flows);
  g_hash_table_destroy(c->datagrams);
}

/* The kernel's classic BPF checker accepts it (as a socket filter: no privilege needed). */
static void assert_kernel_accepts(const struct bpf_program *prog)
{
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  g_assert_cmpint(fd, >=, 0);
  struct sock_fprog fp = { (unsigned short) prog->bf_len,
                           (struct sock_filter *) prog->bf_insns };
  int rc = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp);
  if (rc != 0)
    g_error("the kernel refuses the fanout program: %s", g_strerror(errno));
  close(fd);
}

static void test_every_capture(gconstpointer data)
{
  guint n = GPOINTER_TO_UINT(data);
  guint16 ports[64];
  guint n_ports = wt_decode_udp_tunnel_ports(NULL, ports, G_N_ELEMENTS(ports));
  struct bpf_program prog;
  wt_fanout_bpf_build(n, ports, n_ports, &prog);
  assert_kernel_accepts(&prog);
  g_autoptr(WtDecoders) d = wt_decoders_new(NULL);
  g_autofree guint64 *per_handle = g_new0(guint64, n);
  Check c = { n, &prog, d, NULL, NULL, 0, 0, 0, 0, per_handle };
  Corpus corpus = { &c, NULL, 0 };
  wt_corpus_foreach(check_corpus_file, &corpus);
  guint files = corpus.files;
  wt_fanout_bpf_free(&prog);
  guint64 flows = 0;
  for (guint i = 0; i < n; i++)
    flows += per_handle[i];
  g_test_message("%u handles: %u captures, %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
                 " checked against the router, %" G_GUINT64_FORMAT " left out, %"
                 G_GUINT64_FORMAT " flows",
                 n, files, c.frames, c.checked, c.left_out, flows);
  for (guint i = 0; i < n; i++)
    g_test_message("  handle %u: %" G_GUINT64_FORMAT " flows", i, per_handle[i]);
  g_assert_cmpuint(files, >=, 10);
  g_assert_cmpuint(c.checked, >, c.frames / 2);
  /* a spread, not a fixed answer: every handle gets a fair share of the flows */
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint(per_handle[i] * n * 2, >=, flows);
}

/* The most tunnel ports there can be still makes a program the kernel takes (its jumps
 * over the port list stay within reach). */
static void test_most_tunnel_ports(void)
{
  WtDecodeLimits l = { 0 };
  wt_decode_limits_init(&l);
  for (guint i = 0; i < WT_DECODE_MAX_TUNNEL_PORTS; i++) {
    g_autofree char *spec = g_strdup_printf("vxlan=%u", 40000 + i);
    g_assert_true(wt_decode_add_tunnel_ports(&l, spec, NULL));
  }
  guint16 ports[64];
  guint n_ports = wt_decode_udp_tunnel_ports(&l, ports, G_N_ELEMENTS(ports));
  g_assert_cmpuint(n_ports, ==, 7 + WT_DECODE_MAX_TUNNEL_PORTS); /* the 7 defaults */
  struct bpf_program prog;
  wt_fanout_bpf_build(4, ports, n_ports, &prog);
  assert_kernel_accepts(&prog);
  wt_fanout_bpf_free(&prog);
}

/* Ethernet, IPv4 from `src` to `dst`, then an 8-byte UDP header (proto 17) or 8 bytes of
 * ICMP (proto 1), and 8 bytes of payload. */
static GByteArray *ip4_frame(const guint8 src[4], const guint8 dst[4], guint8 proto,
                             guint16 sport, guint16 dport)
{
  static const guint8 eth[14] = { 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
                                  0xaa, 0xbb, 0x08, 0x00 };
  guint8 ip[20] = { 0x45, 0, 0, 36, 0x12, 0x34, 0x40, 0, 64, proto };
  memcpy(ip + 12, src, 4);
  memcpy(ip + 16, dst, 4);
  guint8 l4[16] = { (guint8) (sport >> 8), (guint8) sport, (guint8) (dport >> 8),
                    (guint8) dport, 0, 16 };
  GByteArray *b = g_byte_array_new();
  g_byte_array_append(b, eth, sizeof eth);
  g_byte_array_append(b, ip, sizeof ip);
  g_byte_array_append(b, l4, sizeof l4);
  return b;
}

static guint32 handle_of(const struct bpf_program *prog, const GByteArray *f)
{
  KernelView v;
  g_assert_true(kernel_view(f->data, f->len, WT_DLT_EN10MB, &v));
  return run(prog, &v);
}

/* A --tunnel-port value reaches the program: VXLAN on UDP 4790 between two hosts, both
 * directions and many outer source ports, goes to one handle, the one of the router's key
 * (the addresses only, as for ICMP between them); without the option the same datagrams
 * are spread by their ports. */
static void test_configured_tunnel_port(void)
{
  WtDecodeLimits l = { 0 };
  wt_decode_limits_init(&l);
  g_assert_true(wt_decode_add_tunnel_ports(&l, "vxlan=4790", NULL));
  guint16 ports[64];
  struct bpf_program with, without;
  wt_fanout_bpf_build(4, ports, wt_decode_udp_tunnel_ports(&l, ports, 64), &with);
  wt_fanout_bpf_build(4, ports, wt_decode_udp_tunnel_ports(NULL, ports, 64), &without);
  g_autoptr(WtDecoders) d = wt_decoders_new(&l);
  static const guint8 a[4] = { 192, 0, 2, 1 }, b[4] = { 198, 51, 100, 2 };
  GByteArray *icmp = ip4_frame(a, b, 1, 0, 0);
  guint32 want = handle_of(&with, icmp);
  g_byte_array_unref(icmp);
  guint spread = 0;
  for (guint16 sport = 40000; sport < 40064; sport++) {
    for (int dir = 0; dir < 2; dir++) {
      GByteArray *f = dir ? ip4_frame(b, a, 17, sport + 7, 4790)
                          : ip4_frame(a, b, 17, sport, 4790);
      g_assert_cmpuint(handle_of(&with, f), ==, want);
      spread |= 1u << handle_of(&without, f);
      WtPacket pkt;
      memset(&pkt, 0, sizeof pkt);
      pkt.caplen = pkt.wirelen = f->len;
      pkt.linktype = WT_DLT_EN10MB;
      pkt.frame = f->data;
      WtRouteKey k;
      g_assert_cmpint(wt_decode_route(d, &pkt, &k), ==, WT_ROUTE_FLOW);
      g_assert_cmpuint(k.sport, ==, 0); /* the router: a tunnel, by its addresses */
      g_assert_cmpuint(k.dport, ==, 0);
      g_byte_array_unref(f);
    }
  }
  g_assert_cmpuint(spread, ==, 0xf); /* without the option: all 4 handles */
  wt_fanout_bpf_free(&with);
  wt_fanout_bpf_free(&without);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_data_func("/fanout-bpf/every-capture/2", GUINT_TO_POINTER(2), test_every_capture);
  g_test_add_data_func("/fanout-bpf/every-capture/3", GUINT_TO_POINTER(3), test_every_capture);
  g_test_add_data_func("/fanout-bpf/every-capture/4", GUINT_TO_POINTER(4), test_every_capture);
  g_test_add_func("/fanout-bpf/most-tunnel-ports", test_most_tunnel_ports);
  g_test_add_func("/fanout-bpf/configured-tunnel-port", test_configured_tunnel_port);
  return g_test_run();
}
