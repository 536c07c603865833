#include "analyzer/capture/fanout-bpf.h"

/* A tiny assembler: forward jumps to labels, resolved at the end (classic BPF jumps only
 * forward, conditional ones at most 255 instructions). */
typedef enum {
  L_NEXT, /* fall through */
  L_IP4,
  L_IP4_PORTS,
  L_UDP4,
  L_IP6,
  L_IP6_EXT0, /* WT_FANOUT_BPF_IP6_EXT labels, one per extension header */
  L_IP6_FRAG0 = L_IP6_EXT0 + WT_FANOUT_BPF_IP6_EXT, /* the same for a fragment header */
  L_TCP6 = L_IP6_FRAG0 + WT_FANOUT_BPF_IP6_EXT,
  L_PORTS_SUM,
  L_ADDR_ONLY,
  L_MIX,
  L_NOT_IP,
  L_N
} Label;

typedef struct {
  GArray *insns; /* struct bpf_insn */
  gint pos[L_N]; /* instruction index of each label, -1 until placed */
  GArray *jumps; /* Fixup */
} Asm;

typedef struct {
  guint at;
  Label jt, jf, ja; /* ja: an unconditional jump's target (L_NEXT: none) */
} Fixup;

/* Scratch memory words */
enum { M_ADDR, M_SPORT, M_DPORT, M_PROTO, M_OFF };

static void emit(Asm *a, guint16 code, guint32 k)
{
  struct bpf_insn i = { code, 0, 0, k };
  g_array_append_val(a->insns, i);
}

static void emit_jump(Asm *a, guint16 code, guint32 k, Label jt, Label jf)
{
  Fixup f = { a->insns->len, jt, jf, L_NEXT };
  g_array_append_val(a->jumps, f);
  emit(a, BPF_JMP | code | BPF_K, k);
}

static void emit_ja(Asm *a, Label to)
{
  Fixup f = { a->insns->len, L_NEXT, L_NEXT, to };
  g_array_append_val(a->jumps, f);
  emit(a, BPF_JMP | BPF_JA, 0);
}

static void place(Asm *a, Label l) { a->pos[l] = (gint) a->insns->len; }

static guint32 distance(const Asm *a, guint from, Label to, guint32 max)
{
  if (to == L_NEXT)
    return 0;
  g_assert(a->pos[to] > (gint) from);
  guint32 d = (guint32) a->pos[to] - from - 1;
  g_assert(d <= max);
  return d;
}

static void resolve(Asm *a)
{
  for (guint i = 0; i < a->jumps->len; i++) {
    const Fixup *f = &g_array_index(a->jumps, Fixup, i);
    struct bpf_insn *in = &g_array_index(a->insns, struct bpf_insn, f->at);
    if (f->ja != L_NEXT) {
      in->k = distance(a, f->at, f->ja, G_MAXUINT32);
      continue;
    }
    in->jt = (guint8) distance(a, f->at, f->jt, 255);
    in->jf = (guint8) distance(a, f->at, f->jf, 255);
  }
}

/* Loads from the network header: absolute (offset k) or indirect (X + k). */
static void ld_net(Asm *a, guint16 size, guint32 off)
{
  emit(a, BPF_LD | size | BPF_ABS, (guint32) WT_SKF_NET_OFF + off);
}

static void ld_net_ind(Asm *a, guint16 size, guint32 off)
{
  emit(a, BPF_LD | size | BPF_IND, (guint32) WT_SKF_NET_OFF + off);
}

/* M_SPORT and M_DPORT from the transport header at X (TCP and UDP alike). */
static void store_ports(Asm *a)
{
  ld_net_ind(a, BPF_H, 0);
  emit(a, BPF_ST, M_SPORT);
  ld_net_ind(a, BPF_H, 2);
  emit(a, BPF_ST, M_DPORT);
}

/* M_ADDR: the sum of the words of both addresses (the same in both directions). */
static void sum_addresses(Asm *a, guint32 first, guint words)
{
  ld_net(a, BPF_W, first);
  for (guint i = 1; i < words; i++) {
    emit(a, BPF_MISC | BPF_TAX, 0);
    ld_net(a, BPF_W, first + 4 * i);
    emit(a, BPF_ALU | BPF_ADD | BPF_X, 0);
  }
  emit(a, BPF_ST, M_ADDR);
}

static void ipv4(Asm *a, const guint16 *tunnel_ports, guint n_ports)
{
  place(a, L_IP4);
  sum_addresses(a, 12, 2);
  ld_net(a, BPF_H, 6); /* a fragment but the first: no ports */
  emit_jump(a, BPF_JSET, 0x1fff, L_ADDR_ONLY, L_NEXT);
  ld_net(a, BPF_B, 9);
  emit(a, BPF_ST, M_PROTO);
  emit_jump(a, BPF_JEQ, 6, L_IP4_PORTS, L_NEXT);
  emit_jump(a, BPF_JEQ, 17, L_IP4_PORTS, L_ADDR_ONLY);
  place(a, L_IP4_PORTS);
  ld_net(a, BPF_B, 0); /* X = the header length */
  emit(a, BPF_ALU | BPF_AND | BPF_K, 0x0f);
  emit(a, BPF_ALU | BPF_LSH | BPF_K, 2);
  emit(a, BPF_MISC | BPF_TAX, 0);
  store_ports(a);
  emit(a, BPF_LD | BPF_MEM, M_PROTO);
  emit_jump(a, BPF_JEQ, 17, L_UDP4, L_PORTS_SUM);
  place(a, L_UDP4); /* a tunnel's UDP goes by its addresses, as in the router */
  for (guint side = M_SPORT; side <= M_DPORT; side++) {
    emit(a, BPF_LD | BPF_MEM, side);
    for (guint i = 0; i < n_ports; i++)
      emit_jump(a, BPF_JEQ, tunnel_ports[i], L_ADDR_ONLY, L_NEXT);
  }
  emit_ja(a, L_PORTS_SUM);
}

/* Next header in A, its offset in X: TCP, or extension header `e` to skip (e ==
 * WT_FANOUT_BPF_IP6_EXT: no more). */
static void ipv6_next(Asm *a, guint e)
{
  emit_jump(a, BPF_JEQ, 6, L_TCP6, L_NEXT);
  if (e == WT_FANOUT_BPF_IP6_EXT) {
    emit_ja(a, L_ADDR_ONLY);
    return;
  }
  Label ext = (Label) (L_IP6_EXT0 + e);
  emit_jump(a, BPF_JEQ, 0, ext, L_NEXT);   /* hop-by-hop options */
  emit_jump(a, BPF_JEQ, 43, ext, L_NEXT);  /* routing */
  emit_jump(a, BPF_JEQ, 60, ext, L_NEXT);  /* destination options */
  emit_jump(a, BPF_JEQ, 44, (Label) (L_IP6_FRAG0 + e), L_ADDR_ONLY);
}

/* Extension header e at X: its next header in A, the header after it in X. A fragment
 * header goes on only for a datagram's first fragment (an atomic one included): the
 * others carry no ports. */
static void ipv6_ext(Asm *a, guint e)
{
  place(a, (Label) (L_IP6_EXT0 + e));
  ld_net_ind(a, BPF_B, 1); /* length in 8-octet units, not counting the first 8 */
  emit(a, BPF_ALU | BPF_ADD | BPF_K, 1);
  emit(a, BPF_ALU | BPF_LSH | BPF_K, 3);
  emit(a, BPF_ALU | BPF_ADD | BPF_X, 0);
  emit(a, BPF_ST, M_OFF);
  ld_net_ind(a, BPF_B, 0);
  emit(a, BPF_LDX | BPF_MEM, M_OFF);
  ipv6_next(a, e + 1);
  place(a, (Label) (L_IP6_FRAG0 + e));
  ld_net_ind(a, BPF_H, 2); /* the fragment offset */
  emit_jump(a, BPF_JSET, 0xfff8, L_ADDR_ONLY, L_NEXT);
  emit(a, BPF_MISC | BPF_TXA, 0);
  emit(a, BPF_ALU | BPF_ADD | BPF_K, 8);
  emit(a, BPF_ST, M_OFF);
  ld_net_ind(a, BPF_B, 0);
  emit(a, BPF_LDX | BPF_MEM, M_OFF);
  ipv6_next(a, e + 1);
}

static void ipv6(Asm *a)
{
  place(a, L_IP6);
  sum_addresses(a, 8, 8);
  emit(a, BPF_LDX | BPF_IMM, 40);
  ld_net(a, BPF_B, 6);
  ipv6_next(a, 0);
  for (guint e = 0; e < WT_FANOUT_BPF_IP6_EXT; e++)
    ipv6_ext(a, e);
  place(a, L_TCP6);
  store_ports(a);
}

/* A = the sum of both ports (0 for addresses only) mixed with the sum of both addresses
 * (murmur3's finalizer), modulo n. */
static void mix(Asm *a, guint n)
{
  place(a, L_PORTS_SUM);
  emit(a, BPF_LD | BPF_MEM, M_SPORT);
  emit(a, BPF_LDX | BPF_MEM, M_DPORT);
  emit(a, BPF_ALU | BPF_ADD | BPF_X, 0);
  emit_ja(a, L_MIX);
  place(a, L_ADDR_ONLY);
  emit(a, BPF_LD | BPF_IMM, 0);
  place(a, L_MIX);
  emit(a, BPF_ALU | BPF_MUL | BPF_K, 0x9e3779b1u);
  emit(a, BPF_LDX | BPF_MEM, M_ADDR);
  emit(a, BPF_ALU | BPF_ADD | BPF_X, 0);
  static const guint32 steps[][2] = { { 16, 0x85ebca6bu }, { 13, 0xc2b2ae35u }, { 16, 0 } };
  for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
    emit(a, BPF_MISC | BPF_TAX, 0);
    emit(a, BPF_ALU | BPF_RSH | BPF_K, steps[i][0]);
    emit(a, BPF_ALU | BPF_XOR | BPF_X, 0);
    if (steps[i][1])
      emit(a, BPF_ALU | BPF_MUL | BPF_K, steps[i][1]);
  }
  emit(a, BPF_ALU | BPF_MOD | BPF_K, n);
  emit(a, BPF_RET | BPF_A, 0);
}

void wt_fanout_bpf_build(guint n, const guint16 *tunnel_ports, guint n_ports,
                         struct bpf_program *out)
{
  g_return_if_fail(n >= 1);
  Asm a = { g_array_new(FALSE, FALSE, sizeof(struct bpf_insn)), { 0 },
            g_array_new(FALSE, FALSE, sizeof(Fixup)) };
  for (guint i = 0; i < L_N; i++)
    a.pos[i] = -1;
  emit(&a, BPF_LD | BPF_W | BPF_ABS, (guint32) (WT_SKF_AD_OFF + WT_SKF_AD_PROTOCOL));
  emit_jump(&a, BPF_JEQ, 0x0800, L_IP4, L_NEXT);
  emit_jump(&a, BPF_JEQ, 0x86dd, L_IP6, L_NOT_IP);
  ipv4(&a, tunnel_ports, n_ports);
  ipv6(&a);
  mix(&a, n);
  place(&a, L_NOT_IP);
  emit(&a, BPF_RET | BPF_K, 0);
  resolve(&a);
  g_array_free(a.jumps, TRUE);
  out->bf_len = a.insns->len;
  out->bf_insns = (struct bpf_insn *) (void *) g_array_free(a.insns, FALSE);
}

void wt_fanout_bpf_free(struct bpf_program *prog)
{
  g_free(prog->bf_insns);
  prog->bf_insns = NULL;
  prog->bf_len = 0;
}
