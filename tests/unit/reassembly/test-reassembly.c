/* Unit tests of the TCP stream reassembler. Every expected byte string, gap length and
 * counter is computed from the segments the test builds, never from the reassembler. */
#include <string.h>
#include "dissectors/tcp/reassembly.h"

/* ---- a recording sink ---- */

enum { CONSUME_ALL, CONSUME_AT_MOST, CONSUME_LINES, CONSUME_NONE };

typedef struct {
  GByteArray *bytes;   /* consumed bytes, in order */
  GArray *gaps;        /* guint64 gap lengths */
  GString *log;        /* "d<offered>/<consumed> g<len> e" events */
  guint eofs;
  int mode;
  gsize at_most;
  const guint8 *last_ptr; /* data pointer of the last deliver call */
  gsize last_len;
  gint64 last_ts;
  guint64 offered;     /* sum of lengths offered */
} Rec;

static gsize rec_deliver(gpointer ctx, const guint8 *data, gsize len, gint64 ts_ns)
{
  Rec *r = ctx;
  gsize c = len;
  g_assert_cmpuint(r->eofs, ==, 0);
  g_assert_cmpuint(len, >, 0);
  switch (r->mode) {
  case CONSUME_AT_MOST:
    c = MIN(len, r->at_most);
    break;
  case CONSUME_LINES: /* up to and including the last '\n' */
    c = 0;
    for (gsize i = 0; i < len; i++)
      if (data[i] == '\n')
        c = i + 1;
    break;
  case CONSUME_NONE:
    c = 0;
    break;
  default:
    break;
  }
  g_byte_array_append(r->bytes, data, c);
  g_string_append_printf(r->log, "d%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT " ", len, c);
  r->last_ptr = data;
  r->last_len = len;
  r->last_ts = ts_ns;
  r->offered += len;
  return c;
}

static void rec_gap(gpointer ctx, guint64 len)
{
  Rec *r = ctx;
  g_assert_cmpuint(r->eofs, ==, 0);
  g_array_append_val(r->gaps, len);
  g_string_append_printf(r->log, "g%" G_GUINT64_FORMAT " ", len);
}

static void rec_eof(gpointer ctx, gint64 ts_ns)
{
  Rec *r = ctx;
  (void) ts_ns;
  r->eofs++;
  g_string_append(r->log, "e");
}

/* One reassembler, one direction, one recording sink. */
typedef struct {
  WtAnomalies *an;
  WtReasm *r;
  WtReasmDir d;
  Rec rec;
} T;

static void t_init(T *t, const WtReasmLimits *lim)
{
  memset(t, 0, sizeof *t);
  t->an = wt_anomalies_new();
  t->r = wt_reasm_new(lim, t->an);
  t->rec.bytes = g_byte_array_new();
  t->rec.gaps = g_array_new(FALSE, FALSE, sizeof(guint64));
  t->rec.log = g_string_new(NULL);
  WtReasmSink sink = { rec_deliver, rec_gap, rec_eof, &t->rec };
  wt_reasm_dir_init(&t->d, t->r, &sink);
}

static void t_fini(T *t)
{
  wt_reasm_dir_clear(&t->d);
  g_assert_cmpuint(wt_reasm_stats(t->r)->buffered_bytes, ==, 0);
  wt_reasm_free(t->r);
  wt_anomalies_free(t->an);
  g_byte_array_unref(t->rec.bytes);
  g_array_unref(t->rec.gaps);
  g_string_free(t->rec.log, TRUE);
}

static void limits_with(WtReasmLimits *l, int policy, gsize history)
{
  wt_reasm_limits_init(l);
  l->overlap_policy = policy;
  l->history = history;
}

/* A stream whose bytes differ from their neighbours and from their complements. */
static guint8 *make_stream(gsize len, guint seed)
{
  guint8 *s = g_malloc(len);
  for (gsize i = 0; i < len; i++)
    s[i] = (guint8) (i * 31 + seed * 17 + (i >> 8));
  return s;
}

#define ISN 1000000u
/* Sends stream bytes [off, off+len) of a direction whose SYN had ISN. */
static WtReasmResult send(T *t, const guint8 *s, guint64 off, gsize len)
{
  return wt_reasm_segment(&t->d, ISN + 1 + (guint32) off, s + off, len, FALSE, FALSE,
                          (gint64) off);
}

/* The same for a direction whose offset 0 is sequence number `base`. */
static WtReasmResult send_at(T *t, guint32 base, const guint8 *s, guint64 off, gsize len)
{
  return wt_reasm_segment(&t->d, base + (guint32) off, s + off, len, FALSE, FALSE, 0);
}

static void assert_bytes(const Rec *r, const guint8 *want, gsize len)
{
  g_assert_cmpuint(r->bytes->len, ==, len);
  g_assert_cmpmem(r->bytes->data, r->bytes->len, want, len);
}

static void assert_gaps(const Rec *r, const guint64 *want, guint n)
{
  g_assert_cmpuint(r->gaps->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint(g_array_index(r->gaps, guint64, i), ==, want[i]);
}

/* ---- tests ---- */

static void test_in_order(void)
{
  T t;
  t_init(&t, NULL);
  g_autofree guint8 *s = make_stream(30, 1);
  wt_reasm_dir_set_isn(&t.d, ISN);
  g_assert_cmpuint(send(&t, s, 0, 10), ==, WT_REASM_NEW_DATA);
  /* zero copy: the sink saw the caller's bytes */
  g_assert_true(t.rec.last_ptr == s);
  g_assert_cmpuint(send(&t, s, 10, 7), ==, WT_REASM_NEW_DATA);
  g_assert_true(t.rec.last_ptr == s + 10);
  g_assert_cmpuint(send(&t, s, 17, 13), ==, WT_REASM_NEW_DATA);
  assert_bytes(&t.rec, s, 30);
  g_assert_cmpstr(t.rec.log->str, ==, "d10/10 d7/7 d13/13 ");
  /* nothing was allocated */
  g_assert_null(t.d.segs);
  g_assert_null(t.d.left);
  g_assert_cmpuint(wt_reasm_dir_delivered(&t.d), ==, 30);
  g_assert_cmpuint(wt_reasm_dir_missed_bytes(&t.d), ==, 0);
  /* FIN alone at offset 30 ends the stream */
  wt_reasm_segment(&t.d, ISN + 31, NULL, 0, FALSE, TRUE, 99);
  g_assert_cmpuint(t.rec.eofs, ==, 1);
  wt_reasm_dir_close(&t.d, 100);
  g_assert_cmpuint(t.rec.eofs, ==, 1);
  t_fini(&t);
}

/* Visits every permutation of a[0..k) (Heap's algorithm). */
static void permute(guint *a, guint k, guint n, void (*fn)(const guint *, guint, gpointer),
                    gpointer user)
{
  if (k == 1) {
    fn(a, n, user);
    return;
  }
  permute(a, k - 1, n, fn, user);
  for (guint i = 0; i + 1 < k; i++) {
    guint j = (k % 2 == 0) ? i : 0;
    guint x = a[j];
    a[j] = a[k - 1];
    a[k - 1] = x;
    permute(a, k - 1, n, fn, user);
  }
}

typedef struct {
  const gsize *lens;
  guint n;
  int mode;
  gsize at_most;
  guint runs;
  GHashTable *seen; /* the orders visited, to prove they are all distinct */
} PermCase;

static void run_perm(const guint *order, guint n, gpointer user)
{
  PermCase *pc = user;
  gsize offs[8], total = 0;
  GString *key = g_string_new(NULL);
  for (guint i = 0; i < n; i++) {
    g_assert_cmpuint(order[i], <, n);
    g_string_append_c(key, (char) ('0' + order[i]));
  }
  g_hash_table_add(pc->seen, g_string_free(key, FALSE));
  for (guint i = 0; i < n; i++) {
    offs[i] = total;
    total += pc->lens[i];
  }
  g_autofree guint8 *s = make_stream(total, 3);
  T t;
  t_init(&t, NULL);
  t.rec.mode = pc->mode;
  t.rec.at_most = pc->at_most;
  wt_reasm_dir_set_isn(&t.d, ISN);
  gboolean arrived[8] = { FALSE };
  guint expect_ooo = 0;
  for (guint k = 0; k < n; k++) {
    guint i = order[k];
    gboolean earlier_missing = FALSE;
    for (guint j = 0; j < i; j++)
      earlier_missing |= !arrived[j];
    arrived[i] = TRUE;
    expect_ooo += earlier_missing;
    gboolean fin = (i == n - 1);
    WtReasmResult res = wt_reasm_segment(&t.d, ISN + 1 + (guint32) offs[i], s + offs[i],
                                         pc->lens[i], FALSE, fin, 1000 + k);
    WtReasmResult want = WT_REASM_NEW_DATA | (earlier_missing ? WT_REASM_OUT_OF_ORDER : 0);
    g_assert_cmpuint(res, ==, want);
    gboolean all = TRUE;
    for (guint j = 0; j < n; j++)
      all &= arrived[j];
    g_assert_cmpuint(t.rec.eofs, ==, all ? 1 : 0);
  }
  if (pc->mode == CONSUME_ALL) {
    assert_bytes(&t.rec, s, total);
    /* the last bytes were completed by the last arrival */
    g_assert_cmpint(t.rec.last_ts, ==, 1000 + n - 1);
  } else {
    /* a sink consuming at most k bytes per call keeps up only with what was offered */
    g_assert_cmpuint(t.rec.bytes->len, <=, total);
    g_assert_cmpmem(t.rec.bytes->data, t.rec.bytes->len, s, t.rec.bytes->len);
  }
  g_assert_cmpuint(t.rec.gaps->len, ==, 0);
  g_assert_cmpuint(wt_reasm_dir_ooo_segments(&t.d), ==, expect_ooo);
  g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_OOO_SEGS), ==, expect_ooo);
  g_assert_cmpuint(wt_reasm_dir_rexmit_segments(&t.d), ==, 0);
  g_assert_cmpuint(wt_reasm_dir_delivered(&t.d), ==, total);
  g_assert_null(t.d.segs ? g_tree_node_first(t.d.segs) : NULL);
  t_fini(&t);
  pc->runs++;
}

static void perm_case(const gsize *lens, guint n, int mode, gsize at_most, guint want_runs)
{
  guint a[8];
  for (guint i = 0; i < 8; i++)
    a[i] = i;
  PermCase pc = { lens, n, mode, at_most, 0,
                  g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL) };
  permute(a, n, n, run_perm, &pc);
  g_assert_cmpuint(pc.runs, ==, want_runs);
  g_assert_cmpuint(g_hash_table_size(pc.seen), ==, want_runs);
  g_hash_table_destroy(pc.seen);
}

static void test_permutations(void)
{
  static const gsize lens5[] = { 3, 1, 4, 1, 5 };
  static const gsize lens6[] = { 1460, 7, 1, 3000, 2, 1460 };
  perm_case(lens5, 5, CONSUME_ALL, 0, 120);
  perm_case(lens6, 6, CONSUME_ALL, 0, 720);
  /* the same with a sink that takes at most 2 bytes per call (leftover path) */
  perm_case(lens5, 5, CONSUME_AT_MOST, 2, 120);
  perm_case(lens6, 6, CONSUME_AT_MOST, 1000, 720);
}

/* A = [4,10) original (buffered, out of order), then B = [b0,b1) for every b0 < b1 <= 16,
 * with original or complemented bytes, then the remaining holes with original bytes. */
static void test_overlap_buffered(void)
{
  enum { L = 16, A0 = 4, A1 = 10 };
  g_autofree guint8 *s = make_stream(L, 5);
  guint8 alt[L];
  for (int i = 0; i < L; i++)
    alt[i] = (guint8) ~s[i];
  guint cases = 0;
  for (int policy = WT_OVERLAP_FIRST; policy <= WT_OVERLAP_LAST; policy++)
    for (int conflicting = 0; conflicting <= 1; conflicting++)
      for (int b0 = 0; b0 < L; b0++)
        for (int b1 = b0 + 1; b1 <= L; b1++) {
          WtReasmLimits lim;
          limits_with(&lim, policy, 0);
          T t;
          t_init(&t, &lim);
          wt_reasm_dir_set_isn(&t.d, ISN);
          const guint8 *bsrc = conflicting ? alt : s;
          gboolean in_a[L], in_b[L];
          int ov = 0, bnew = 0;
          for (int p = 0; p < L; p++) {
            in_a[p] = p >= A0 && p < A1;
            in_b[p] = p >= b0 && p < b1;
            ov += in_a[p] && in_b[p];
            bnew += in_b[p] && !in_a[p];
          }
          g_assert_cmpuint(send(&t, s, A0, A1 - A0), ==,
                           WT_REASM_NEW_DATA | WT_REASM_OUT_OF_ORDER);
          WtReasmResult res = wt_reasm_segment(&t.d, ISN + 1 + b0, bsrc + b0, b1 - b0,
                                               FALSE, FALSE, 0);
          WtReasmResult want = 0;
          if (bnew)
            want |= WT_REASM_NEW_DATA;
          if (ov)
            want |= bnew ? WT_REASM_PARTIAL_OVERLAP : WT_REASM_RETRANSMIT;
          if (bnew && b0 > 0)
            want |= WT_REASM_OUT_OF_ORDER;
          if (ov && conflicting)
            want |= WT_REASM_CONFLICT;
          g_assert_cmpuint(res, ==, want);
          /* fill the remaining holes, in order, with original bytes */
          for (int p = 0; p < L;) {
            if (in_a[p] || in_b[p]) {
              p++;
              continue;
            }
            int q = p;
            while (q < L && !in_a[q] && !in_b[q])
              q++;
            g_assert_cmpuint(send(&t, s, p, q - p) & WT_REASM_CONFLICT, ==, 0);
            p = q;
          }
          wt_reasm_dir_close(&t.d, 0);
          guint8 want_bytes[L];
          for (int p = 0; p < L; p++) {
            gboolean b_wins = in_b[p] && (!in_a[p] || policy == WT_OVERLAP_LAST);
            want_bytes[p] = b_wins ? bsrc[p] : s[p];
          }
          assert_bytes(&t.rec, want_bytes, L);
          g_assert_cmpuint(t.rec.gaps->len, ==, 0);
          g_assert_cmpuint(t.rec.eofs, ==, 1);
          g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_CONFLICT), ==,
                           (ov && conflicting) ? 1 : 0);
          g_assert_cmpuint(wt_reasm_dir_rexmit_bytes(&t.d), ==, (guint64) ov);
          g_assert_cmpuint(wt_reasm_dir_rexmit_segments(&t.d), ==, (ov && !bnew) ? 1 : 0);
          t_fini(&t);
          cases++;
        }
  g_assert_cmpuint(cases, ==, 2 * 2 * (L * (L + 1) / 2));
}

/* A = [0,10) delivered in order, then B = [b0,b1) at every offset. Only the held history
 * can show a conflict; the delivered bytes stand under both policies. */
static void test_overlap_delivered(void)
{
  enum { L = 16, A1 = 10 };
  g_autofree guint8 *s = make_stream(L, 6);
  guint8 alt[L];
  for (int i = 0; i < L; i++)
    alt[i] = (guint8) ~s[i];
  for (int policy = WT_OVERLAP_FIRST; policy <= WT_OVERLAP_LAST; policy++)
    for (gsize history = 0; history <= 64; history += 64)
      for (int conflicting = 0; conflicting <= 1; conflicting++)
        for (int b0 = 0; b0 < L; b0++)
          for (int b1 = b0 + 1; b1 <= L; b1++) {
            WtReasmLimits lim;
            limits_with(&lim, policy, history);
            T t;
            t_init(&t, &lim);
            wt_reasm_dir_set_isn(&t.d, ISN);
            const guint8 *bsrc = conflicting ? alt : s;
            send(&t, s, 0, A1);
            int ov = MAX(0, MIN(b1, A1) - b0);
            int bnew = (b1 - b0) - ov;
            WtReasmResult res = wt_reasm_segment(&t.d, ISN + 1 + b0, bsrc + b0, b1 - b0,
                                                 FALSE, FALSE, 0);
            /* one byte just below the delivery point is a keep-alive probe */
            gboolean keepalive = b0 == A1 - 1 && b1 == A1;
            gboolean conflict = ov && conflicting && history && !keepalive;
            WtReasmResult want = (bnew ? WT_REASM_NEW_DATA : 0) |
              (ov ? (bnew ? WT_REASM_PARTIAL_OVERLAP : WT_REASM_RETRANSMIT) : 0) |
              (bnew && b0 > A1 ? WT_REASM_OUT_OF_ORDER : 0) |
              (conflict ? WT_REASM_CONFLICT : 0);
            g_assert_cmpuint(res, ==, want);
            /* fill what is missing between 10 and 16 with original bytes */
            for (int p = A1; p < L;) {
              if (p >= b0 && p < b1) {
                p++;
                continue;
              }
              int q = p;
              while (q < L && !(q >= b0 && q < b1))
                q++;
              send(&t, s, p, q - p);
              p = q;
            }
            guint8 want_bytes[L];
            for (int p = 0; p < L; p++)
              want_bytes[p] = (p >= A1 && p >= b0 && p < b1) ? bsrc[p] : s[p];
            assert_bytes(&t.rec, want_bytes, L);
            g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_CONFLICT), ==, conflict ? 1 : 0);
            t_fini(&t);
          }
}

/* History wraps in its ring: a conflict 3 bytes back from a long stream is seen, one
 * older than the history is not. */
static void test_history_ring(void)
{
  WtReasmLimits lim;
  limits_with(&lim, WT_OVERLAP_FIRST, 16);
  T t;
  t_init(&t, &lim);
  g_autofree guint8 *s = make_stream(100, 7);
  guint8 alt[100];
  for (int i = 0; i < 100; i++)
    alt[i] = (guint8) ~s[i];
  wt_reasm_dir_set_isn(&t.d, ISN);
  for (int off = 0; off < 100; off += 7)
    send(&t, s, off, MIN(7, 100 - off));
  /* held: [84,100) */
  g_assert_cmpuint(wt_reasm_segment(&t.d, ISN + 1 + 95, alt + 95, 3, FALSE, FALSE, 0), ==,
                   WT_REASM_RETRANSMIT | WT_REASM_CONFLICT);
  g_assert_cmpuint(wt_reasm_segment(&t.d, ISN + 1 + 80, alt + 80, 4, FALSE, FALSE, 0), ==,
                   WT_REASM_RETRANSMIT);
  /* straddling the ring's wrap point (offset 96 = ring position 0) */
  g_assert_cmpuint(wt_reasm_segment(&t.d, ISN + 1 + 86, s + 86, 14, FALSE, FALSE, 0), ==,
                   WT_REASM_RETRANSMIT);
  guint8 x[14];
  memcpy(x, s + 86, 14);
  x[13] ^= 1;
  g_assert_cmpuint(wt_reasm_segment(&t.d, ISN + 1 + 86, x, 14, FALSE, FALSE, 0), ==,
                   WT_REASM_RETRANSMIT | WT_REASM_CONFLICT);
  g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_CONFLICT), ==, 2);
  assert_bytes(&t.rec, s, 100);
  t_fini(&t);
}

/* Every segment sent twice, the copy a few segments later. */
static void test_duplicates(void)
{
  T t;
  t_init(&t, NULL);
  g_autofree guint8 *s = make_stream(100, 8);
  wt_reasm_dir_set_isn(&t.d, ISN);
  guint64 dup_bytes = 0;
  guint dup_segs = 0;
  for (int off = 0; off < 100; off += 10) {
    g_assert_cmpuint(send(&t, s, off, 10), ==, WT_REASM_NEW_DATA);
    if (off >= 30) {
      g_assert_cmpuint(send(&t, s, off - 30, 10), ==, WT_REASM_RETRANSMIT);
      dup_bytes += 10;
      dup_segs++;
    }
    g_assert_cmpuint(send(&t, s, off, 10), ==, WT_REASM_RETRANSMIT);
    dup_bytes += 10;
    dup_segs++;
  }
  assert_bytes(&t.rec, s, 100);
  g_assert_cmpuint(wt_reasm_dir_rexmit_segments(&t.d), ==, dup_segs);
  g_assert_cmpuint(wt_reasm_dir_rexmit_bytes(&t.d), ==, dup_bytes);
  g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_REXMIT_SEGS), ==, dup_segs);
  g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_REXMIT_BYTES), ==, dup_bytes);
  g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_CONFLICT), ==, 0);
  t_fini(&t);

  /* out of order, duplicated while buffered */
  t_init(&t, NULL);
  g_autofree guint8 *u = make_stream(30, 9);
  wt_reasm_dir_set_isn(&t.d, ISN);
  g_assert_cmpuint(send(&t, u, 20, 10), ==, WT_REASM_NEW_DATA | WT_REASM_OUT_OF_ORDER);
  g_assert_cmpuint(send(&t, u, 20, 10), ==, WT_REASM_RETRANSMIT);
  g_assert_cmpuint(send(&t, u, 22, 5), ==, WT_REASM_RETRANSMIT);
  g_assert_cmpuint(wt_reasm_dir_buffered_payload(&t.d), ==, 10);
  g_assert_cmpuint(send(&t, u, 0, 30), ==, WT_REASM_NEW_DATA | WT_REASM_PARTIAL_OVERLAP);
  assert_bytes(&t.rec, u, 30);
  g_assert_cmpuint(wt_reasm_dir_rexmit_bytes(&t.d), ==, 10 + 5 + 10);
  t_fini(&t);
}

static void test_wraparound(void)
{
  /* ISN 0xFFFFFFF0: data starts at 0xFFFFFFF1 and crosses 2^32 after 15 bytes */
  for (guint32 isn = 0xFFFFFFF0u; isn != 0x8u; isn += 3) {
    T t;
    t_init(&t, NULL);
    g_autofree guint8 *s = make_stream(64, 10);
    wt_reasm_dir_set_isn(&t.d, isn);
    /* segments of 8 bytes, odd ones first */
    for (int pass = 1; pass >= 0; pass--)
      for (int i = pass; i < 8; i += 2)
        wt_reasm_segment(&t.d, isn + 1 + i * 8, s + i * 8, 8, FALSE, i == 7, i);
    assert_bytes(&t.rec, s, 64);
    g_assert_cmpuint(t.rec.eofs, ==, 1);
    g_assert_cmpuint(wt_reasm_dir_ooo_segments(&t.d), ==, 4);
    t_fini(&t);
  }
  /* an ACK-driven gap across the wrap */
  T t;
  t_init(&t, NULL);
  g_autofree guint8 *s = make_stream(40, 11);
  guint32 isn = 0xFFFFFFFAu;
  wt_reasm_dir_set_isn(&t.d, isn);
  wt_reasm_segment(&t.d, isn + 1, s, 3, FALSE, FALSE, 0);
  wt_reasm_segment(&t.d, isn + 1 + 20, s + 20, 10, FALSE, FALSE, 0);
  wt_reasm_ack(&t.d, isn + 1 + 25, 0); /* 0x00000014: numerically below the ISN */
  static const guint64 gap[] = { 17 };
  assert_gaps(&t.rec, gap, 1);
  g_assert_cmpuint(t.rec.bytes->len, ==, 13);
  g_assert_cmpmem(t.rec.bytes->data, 3, s, 3);
  g_assert_cmpmem(t.rec.bytes->data + 3, 10, s + 20, 10);
  g_assert_cmpuint(wt_reasm_dir_missed_bytes(&t.d), ==, 17);
  t_fini(&t);
}

static gsize count_deliver(gpointer ctx, const guint8 *data, gsize len, gint64 ts_ns)
{
  (void) data;
  (void) ts_ns;
  *(guint64 *) ctx += len;
  return len;
}

/* More than 4 GiB through one direction: offsets keep growing past 2^32, and a hole
 * beyond 4 GiB is still filled in the right place. */
static void test_beyond_4gib(void)
{
  enum { SEG = 65536 };
  g_autofree guint8 *buf = make_stream(SEG, 12);
  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  g_autoptr(WtReasm) r = wt_reasm_new(NULL, an);
  guint64 got = 0;
  WtReasmSink sink = { count_deliver, NULL, NULL, &got };
  WtReasmDir d;
  wt_reasm_dir_init(&d, r, &sink);
  guint32 isn = 0x9ABCDEF0u;
  wt_reasm_dir_set_isn(&d, isn);
  const guint64 nseg = (G_GUINT64_CONSTANT(1) << 32) / SEG + 4; /* 4 GiB + 256 KiB */
  for (guint64 i = 0; i < nseg; i++) {
    guint32 seq = isn + 1 + (guint32) (i * SEG);
    if (i == nseg - 3) {
      /* send i+1 first, then i */
      g_assert_cmpuint(wt_reasm_segment(&d, seq + SEG, buf, SEG, FALSE, FALSE, 0), ==,
                       WT_REASM_NEW_DATA | WT_REASM_OUT_OF_ORDER);
      g_assert_cmpuint(got, ==, i * SEG);
      wt_reasm_segment(&d, seq, buf, SEG, FALSE, FALSE, 0);
      g_assert_cmpuint(got, ==, (i + 2) * SEG);
      i++;
      continue;
    }
    wt_reasm_segment(&d, seq, buf, SEG, FALSE, FALSE, 0);
  }
  g_assert_cmpuint(got, ==, nseg * SEG);
  g_assert_cmpuint(got, >, G_GUINT64_CONSTANT(1) << 32);
  g_assert_cmpuint(wt_reasm_dir_delivered(&d), ==, nseg * SEG);
  /* a retransmission of the very first segment now aliases 4 GiB ahead; it lies 2^32
   * bytes back, which a 32-bit sequence number cannot express: it looks like old data
   * just behind the delivery point and must not be delivered again */
  g_assert_cmpuint(wt_reasm_segment(&d, isn + 1, buf, SEG, FALSE, FALSE, 0), ==,
                   WT_REASM_RETRANSMIT);
  /* an ACK-driven gap beyond 4 GiB */
  guint32 next_seq = isn + 1 + (guint32) (nseg * SEG);
  wt_reasm_ack(&d, next_seq + 1000, 0);
  g_assert_cmpuint(wt_reasm_dir_missed_bytes(&d), ==, 1000);
  wt_reasm_segment(&d, next_seq + 1000, buf, 10, FALSE, FALSE, 0);
  g_assert_cmpuint(got, ==, nseg * SEG + 10);
  g_assert_cmpuint(wt_reasm_dir_ooo_segments(&d), ==, 1);
  wt_reasm_dir_clear(&d);
}

static void test_ack_gap(void)
{
  T t;
  t_init(&t, NULL);
  g_autofree guint8 *s = make_stream(60, 13);
  wt_reasm_dir_set_isn(&t.d, ISN);
  /* the peer's ACK of the SYN is no gap */
  wt_reasm_ack(&t.d, ISN + 1, 0);
  g_assert_cmpuint(t.rec.gaps->len, ==, 0);
  send(&t, s, 0, 10);
  send(&t, s, 20, 10);
  send(&t, s, 35, 5);
  /* an ACK inside the buffered segment: hole [10,20) is a gap, [20,30) delivered */
  wt_reasm_ack(&t.d, ISN + 1 + 25, 1);
  static const guint64 g1[] = { 10 };
  assert_gaps(&t.rec, g1, 1);
  g_assert_cmpuint(t.rec.bytes->len, ==, 20);
  g_assert_cmpmem(t.rec.bytes->data + 10, 10, s + 20, 10);
  /* an ACK beyond everything: hole [30,35), [35,40) delivered, hole [40,45) */
  wt_reasm_ack(&t.d, ISN + 1 + 45, 2);
  static const guint64 g2[] = { 10, 5, 5 };
  assert_gaps(&t.rec, g2, 3);
  g_assert_cmpuint(t.rec.bytes->len, ==, 25);
  g_assert_cmpmem(t.rec.bytes->data + 20, 5, s + 35, 5);
  g_assert_cmpuint(wt_reasm_dir_missed_bytes(&t.d), ==, 20);
  g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_GAPS), ==, 3);
  g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_MISSED_BYTES), ==, 20);
  /* the late copy of a skipped hole is old data */
  g_assert_cmpuint(send(&t, s, 40, 5), ==, WT_REASM_RETRANSMIT);
  g_assert_cmpuint(send(&t, s, 40, 10), ==, WT_REASM_NEW_DATA | WT_REASM_PARTIAL_OVERLAP);
  g_assert_cmpuint(t.rec.bytes->len, ==, 30);
  g_assert_cmpmem(t.rec.bytes->data + 25, 5, s + 45, 5);
  /* an old ACK changes nothing */
  wt_reasm_ack(&t.d, ISN + 1 + 3, 3);
  g_assert_cmpuint(t.rec.gaps->len, ==, 3);
  /* the ACK of the FIN is not a gap of one byte */
  wt_reasm_segment(&t.d, ISN + 1 + 50, s + 50, 10, FALSE, TRUE, 4);
  g_assert_cmpuint(t.rec.eofs, ==, 1);
  wt_reasm_ack(&t.d, ISN + 1 + 61, 5);
  g_assert_cmpuint(t.rec.gaps->len, ==, 3);
  g_assert_cmpuint(wt_reasm_dir_missed_bytes(&t.d), ==, 20);
  t_fini(&t);

  /* the ACK of a FIN whose data was never seen: gap up to the FIN, then eof */
  t_init(&t, NULL);
  wt_reasm_dir_set_isn(&t.d, ISN);
  wt_reasm_segment(&t.d, ISN + 1 + 30, NULL, 0, FALSE, TRUE, 0);
  g_assert_cmpuint(t.rec.eofs, ==, 0);
  wt_reasm_ack(&t.d, ISN + 1 + 31, 0);
  static const guint64 g3[] = { 30 };
  assert_gaps(&t.rec, g3, 1);
  g_assert_cmpuint(t.rec.eofs, ==, 1);
  t_fini(&t);
}

static void test_close_with_holes(void)
{
  T t;
  t_init(&t, NULL);
  g_autofree guint8 *s = make_stream(30, 14);
  wt_reasm_dir_set_isn(&t.d, ISN);
  send(&t, s, 0, 5);
  send(&t, s, 20, 5);
  send(&t, s, 10, 5);
  wt_reasm_segment(&t.d, ISN + 1 + 30, NULL, 0, FALSE, TRUE, 0); /* FIN at 30 */
  g_assert_cmpuint(t.rec.eofs, ==, 0);
  wt_reasm_dir_close(&t.d, 7);
  wt_reasm_dir_close(&t.d, 8);
  g_assert_cmpstr(t.rec.log->str, ==, "d5/5 g5 d5/5 g5 d5/5 g5 e");
  g_assert_cmpuint(wt_reasm_dir_missed_bytes(&t.d), ==, 15);
  g_assert_cmpuint(t.rec.eofs, ==, 1);
  /* nothing after close */
  g_assert_cmpuint(send(&t, s, 25, 5), ==, WT_REASM_RETRANSMIT);
  t_fini(&t);

  /* close without a FIN: no gap after the last buffered byte */
  t_init(&t, NULL);
  wt_reasm_dir_set_isn(&t.d, ISN);
  send(&t, s, 3, 4);
  wt_reasm_dir_close(&t.d, 0);
  g_assert_cmpstr(t.rec.log->str, ==, "g3 d4/4 e");
  g_assert_cmpuint(send(&t, s, 10, 5), ==, 0);
  t_fini(&t);
}

static void test_cap_per_dir(void)
{
  WtReasmLimits lim;
  wt_reasm_limits_init(&lim);
  lim.per_dir_cap = 1000;
  T t;
  t_init(&t, &lim);
  g_autofree guint8 *s = make_stream(2000, 15);
  wt_reasm_dir_set_isn(&t.d, ISN);
  /* each 300-byte segment costs 300 + 64 = 364: two fit (728), the third does not */
  send(&t, s, 100, 300);
  send(&t, s, 500, 300);
  g_assert_cmpuint(t.d.buffered, ==, 2 * (300 + WT_REASM_SEG_OVERHEAD));
  g_assert_cmpuint(t.rec.bytes->len, ==, 0);
  send(&t, s, 900, 300);
  static const guint64 g1[] = { 100 };
  assert_gaps(&t.rec, g1, 1);
  assert_bytes(&t.rec, s + 100, 300);
  g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_CAP), ==, 1);
  send(&t, s, 1300, 300);
  static const guint64 g2[] = { 100, 100 };
  assert_gaps(&t.rec, g2, 2);
  g_assert_cmpuint(t.rec.bytes->len, ==, 600);
  g_assert_cmpmem(t.rec.bytes->data + 300, 300, s + 500, 300);
  g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_CAP), ==, 2);
  g_assert_cmpuint(wt_reasm_dir_missed_bytes(&t.d), ==, 200);
  g_assert_cmpuint(wt_reasm_stats(t.r)->cap_hits, ==, 2);
  /* filling the hole at 800 delivers the rest */
  send(&t, s, 800, 100);
  send(&t, s, 1200, 100);
  g_assert_cmpuint(t.rec.bytes->len, ==, 600 + 100 + 300 + 100 + 300);
  g_assert_cmpmem(t.rec.bytes->data + 600, 800, s + 800, 800);
  g_assert_cmpuint(wt_reasm_stats(t.r)->buffered_bytes, ==, 0);
  t_fini(&t);
}

static void test_cap_global(void)
{
  WtReasmLimits lim;
  wt_reasm_limits_init(&lim);
  lim.global_cap = 1000;
  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  g_autoptr(WtReasm) r = wt_reasm_new(&lim, an);
  Rec rec[2];
  WtReasmDir d[2];
  g_autofree guint8 *s = make_stream(2000, 16);
  for (int i = 0; i < 2; i++) {
    memset(&rec[i], 0, sizeof rec[i]);
    rec[i].bytes = g_byte_array_new();
    rec[i].gaps = g_array_new(FALSE, FALSE, sizeof(guint64));
    rec[i].log = g_string_new(NULL);
    WtReasmSink sink = { rec_deliver, rec_gap, rec_eof, &rec[i] };
    wt_reasm_dir_init(&d[i], r, &sink);
    wt_reasm_dir_set_isn(&d[i], ISN * (i + 1));
  }
  /* direction 0 buffers 2 x 364 = 728; direction 1 adds 364 -> 1092 > 1000 */
  wt_reasm_segment(&d[0], ISN + 1 + 100, s + 100, 300, FALSE, FALSE, 0);
  wt_reasm_segment(&d[0], ISN + 1 + 500, s + 500, 300, FALSE, FALSE, 0);
  g_assert_cmpuint(wt_reasm_stats(r)->buffered_bytes, ==, 728);
  wt_reasm_segment(&d[1], 2 * ISN + 1 + 50, s + 50, 300, FALSE, FALSE, 0);
  /* the direction that pushed the total over the cap gives up its oldest hole */
  g_assert_cmpstr(rec[1].log->str, ==, "g50 d300/300 ");
  g_assert_cmpstr(rec[0].log->str, ==, "");
  g_assert_cmpuint(wt_reasm_stats(r)->buffered_bytes, ==, 728);
  g_assert_cmpuint(wt_reasm_stats(r)->peak_buffered_bytes, ==, 1092);
  g_assert_cmpuint(wt_anomaly_get(an, WT_REASM_A_CAP), ==, 1);
  /* direction 0 adds a third: 1092 again, its own hole [0,100) goes */
  wt_reasm_segment(&d[0], ISN + 1 + 900, s + 900, 300, FALSE, FALSE, 0);
  g_assert_cmpstr(rec[0].log->str, ==, "g100 d300/300 ");
  g_assert_cmpstr(rec[1].log->str, ==, "g50 d300/300 ");
  g_assert_cmpuint(wt_reasm_stats(r)->buffered_bytes, ==, 728);
  g_assert_cmpuint(wt_anomaly_get(an, WT_REASM_A_CAP), ==, 2);
  for (int i = 0; i < 2; i++) {
    wt_reasm_dir_clear(&d[i]);
    g_byte_array_unref(rec[i].bytes);
    g_array_unref(rec[i].gaps);
    g_string_free(rec[i].log, TRUE);
  }
  g_assert_cmpuint(wt_reasm_stats(r)->buffered_bytes, ==, 0);
}

static void test_partial_consumer(void)
{
  static const char msg[] = "GET / HTTP/1.1\r\nHost: example\r\nAccept: */*\r\n\r\n";
  const gsize n = sizeof msg - 1;
  /* every split of the message into 3 segments */
  for (gsize a = 1; a < n - 1; a++)
    for (gsize b = a + 1; b < n; b++) {
      T t;
      t_init(&t, NULL);
      t.rec.mode = CONSUME_LINES;
      const guint8 *m = (const guint8 *) msg;
      wt_reasm_dir_set_isn(&t.d, ISN);
      send(&t, m, 0, a);
      send(&t, m, a, b - a);
      send(&t, m, b, n - b);
      assert_bytes(&t.rec, m, n);
      g_assert_cmpuint(t.d.left_len, ==, 0);
      g_assert_cmpuint(wt_reasm_dir_delivered(&t.d), ==, n);
      t_fini(&t);
    }

  /* a leftover is offered again in front of the next bytes */
  T t;
  t_init(&t, NULL);
  t.rec.mode = CONSUME_AT_MOST;
  t.rec.at_most = 4;
  g_autofree guint8 *s = make_stream(40, 17);
  wt_reasm_dir_set_isn(&t.d, ISN);
  send(&t, s, 0, 10);
  g_assert_true(t.rec.last_ptr == s); /* the first offer is the caller's bytes */
  send(&t, s, 10, 10);
  g_assert_cmpstr(t.rec.log->str, ==, "d10/4 d16/4 ");
  send(&t, s, 30, 10); /* out of order: nothing offered */
  send(&t, s, 20, 10);
  g_assert_cmpstr(t.rec.log->str, ==, "d10/4 d16/4 d22/4 d28/4 ");
  assert_bytes(&t.rec, s, 16);
  t_fini(&t);
}

static void test_app_stalled(void)
{
  WtReasmLimits lim;
  wt_reasm_limits_init(&lim);
  lim.leftover_cap = 100;
  T t;
  t_init(&t, &lim);
  t.rec.mode = CONSUME_NONE;
  g_autofree guint8 *s = make_stream(200, 18);
  wt_reasm_dir_set_isn(&t.d, ISN);
  send(&t, s, 0, 60);
  send(&t, s, 60, 60); /* leftover 120 > 100: dropped as a gap */
  send(&t, s, 120, 60);
  g_assert_cmpstr(t.rec.log->str, ==, "d60/0 d120/0 g120 d60/0 ");
  g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_APP_STALLED), ==, 1);
  g_assert_cmpuint(t.d.st.stalled_bytes, ==, 120);
  g_assert_cmpuint(wt_reasm_dir_missed_bytes(&t.d), ==, 0);
  /* a conflicting retransmission of bytes still held in the leftover is seen */
  guint8 x = (guint8) ~s[130];
  g_assert_cmpuint(wt_reasm_segment(&t.d, ISN + 1 + 130, &x, 1, FALSE, FALSE, 0), ==,
                   WT_REASM_RETRANSMIT | WT_REASM_CONFLICT);
  /* a hole behind an unconsumed leftover: the gap covers the leftover too */
  send(&t, s, 190, 10);
  wt_reasm_dir_close(&t.d, 0);
  g_assert_cmpstr(t.rec.log->str, ==, "d60/0 d120/0 g120 d60/0 g70 d10/0 e");
  g_assert_cmpuint(wt_reasm_dir_missed_bytes(&t.d), ==, 10);
  t_fini(&t);
}

static void test_data_on_syn(void)
{
  T t;
  t_init(&t, NULL);
  g_autofree guint8 *s = make_stream(20, 19);
  /* Fast Open: 8 bytes on the SYN (seq = ISN, data from ISN+1) */
  g_assert_cmpuint(wt_reasm_segment(&t.d, ISN, s, 8, TRUE, FALSE, 0), ==, WT_REASM_NEW_DATA);
  /* the SYN retransmitted with its data */
  g_assert_cmpuint(wt_reasm_segment(&t.d, ISN, s, 8, TRUE, FALSE, 0), ==, WT_REASM_RETRANSMIT);
  g_assert_cmpuint(send(&t, s, 8, 12), ==, WT_REASM_NEW_DATA);
  assert_bytes(&t.rec, s, 20);
  t_fini(&t);

  /* SYN without data, then data: the SYN's sequence number is not a byte */
  t_init(&t, NULL);
  wt_reasm_segment(&t.d, ISN, NULL, 0, TRUE, FALSE, 0);
  send(&t, s, 0, 20);
  assert_bytes(&t.rec, s, 20);
  g_assert_cmpuint(t.rec.gaps->len, ==, 0);
  t_fini(&t);
}

static void test_data_after_fin(void)
{
  T t;
  t_init(&t, NULL);
  g_autofree guint8 *s = make_stream(30, 20);
  wt_reasm_dir_set_isn(&t.d, ISN);
  /* FIN on [5,10) arrives before [0,5): eof waits for the hole */
  g_assert_cmpuint(wt_reasm_segment(&t.d, ISN + 1 + 5, s + 5, 5, FALSE, TRUE, 0), ==,
                   WT_REASM_NEW_DATA | WT_REASM_OUT_OF_ORDER);
  g_assert_cmpuint(t.rec.eofs, ==, 0);
  send(&t, s, 0, 5);
  g_assert_cmpuint(t.rec.eofs, ==, 1);
  assert_bytes(&t.rec, s, 10);
  /* data beyond the FIN */
  g_assert_cmpuint(send(&t, s, 10, 5), ==, WT_REASM_AFTER_FIN);
  g_assert_cmpuint(send(&t, s, 8, 5), ==, WT_REASM_RETRANSMIT | WT_REASM_AFTER_FIN);
  g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_AFTER_FIN), ==, 2);
  g_assert_cmpuint(t.d.st.after_fin_bytes, ==, 5 + 3);
  assert_bytes(&t.rec, s, 10);
  t_fini(&t);

  /* buffered bytes beyond a FIN learnt later are dropped */
  t_init(&t, NULL);
  wt_reasm_dir_set_isn(&t.d, ISN);
  send(&t, s, 12, 8);
  send(&t, s, 22, 4);
  wt_reasm_segment(&t.d, ISN + 1 + 5, s + 5, 10, FALSE, TRUE, 0); /* FIN at 15 */
  g_assert_cmpuint(t.d.st.after_fin_bytes, ==, 5 + 4);
  send(&t, s, 0, 5);
  assert_bytes(&t.rec, s, 15);
  g_assert_cmpuint(t.rec.eofs, ==, 1);
  t_fini(&t);
}

static void test_midstream(void)
{
  T t;
  t_init(&t, NULL);
  g_autofree guint8 *s = make_stream(50, 21);
  /* picked up at sequence 5000 (= s[20]); bytes before it are old */
  g_assert_cmpuint(wt_reasm_segment(&t.d, 5000, s + 20, 10, FALSE, FALSE, 0), ==,
                   WT_REASM_NEW_DATA);
  g_assert_cmpuint(wt_reasm_segment(&t.d, 4990, s + 10, 10, FALSE, FALSE, 0), ==,
                   WT_REASM_RETRANSMIT);
  g_assert_cmpuint(wt_reasm_segment(&t.d, 4995, s + 15, 20, FALSE, FALSE, 0), ==,
                   WT_REASM_NEW_DATA | WT_REASM_PARTIAL_OVERLAP);
  assert_bytes(&t.rec, s + 20, 15);
  /* 10 old, then 5 before the start + 10 below the delivery point */
  g_assert_cmpuint(wt_reasm_dir_rexmit_bytes(&t.d), ==, 10 + 5 + 10);
  t_fini(&t);
}

/* Mid-stream pickup where the peer's ACK is seen first: the direction starts at the ACK,
 * so a segment that precedes the first one captured is kept, and a never-seen start is a
 * gap instead of silently lost. */
static void test_midstream_ack_start(void)
{
  T t;
  t_init(&t, NULL);
  g_autofree guint8 *s = make_stream(60, 25);
  wt_reasm_ack(&t.d, 7000, 0); /* stream offset 0 = sequence 7000 = s[0] */
  g_assert_cmpuint(send_at(&t, 7000, s, 20, 10), ==, WT_REASM_NEW_DATA | WT_REASM_OUT_OF_ORDER);
  g_assert_cmpuint(send_at(&t, 7000, s, 0, 20), ==, WT_REASM_NEW_DATA);
  assert_bytes(&t.rec, s, 30);
  /* a later ACK moves nothing back: an ACK below changes nothing */
  wt_reasm_ack(&t.d, 6990, 0);
  g_assert_cmpuint(t.rec.gaps->len, ==, 0);
  t_fini(&t);

  t_init(&t, NULL);
  wt_reasm_ack(&t.d, 7000, 0);
  send_at(&t, 7000, s, 25, 10);
  wt_reasm_dir_close(&t.d, 0);
  g_assert_cmpstr(t.rec.log->str, ==, "g25 d10/10 e");
  t_fini(&t);
}

/* Tiny out-of-order segments are coalesced; accounting follows. */
static void test_coalesce(void)
{
  T t;
  t_init(&t, NULL);
  g_autofree guint8 *s = make_stream(5000, 22);
  wt_reasm_dir_set_isn(&t.d, ISN);
  for (int off = 1; off < 5000; off++)
    send(&t, s, off, 1);
  /* 4999 bytes: 4096 in one run, 903 in a second */
  g_assert_cmpuint(g_tree_nnodes(t.d.segs), ==, 2);
  g_assert_cmpuint(t.d.buffered, ==, 4999 + 2 * WT_REASM_SEG_OVERHEAD);
  g_assert_cmpuint(wt_reasm_dir_buffered_payload(&t.d), ==, 4999);
  send(&t, s, 0, 1);
  assert_bytes(&t.rec, s, 5000);
  g_assert_cmpuint(t.d.buffered, ==, 0);
  t_fini(&t);
}

/* Random segmentations of one stream, each segment maybe sent again later, maybe
 * overlapping its predecessor, delivered in a shuffled window: always exactly the stream,
 * no gap, under both policies and with a consumer that takes whole lines only. */
static void test_random_invariance(void)
{
  enum { L = 3000 };
  g_autoptr(GRand) rng = g_rand_new_with_seed(20240601);
  g_autofree guint8 *s = make_stream(L, 23);
  for (gsize i = 0; i < L; i += 37)
    s[i] = '\n'; /* lines for the line consumer */
  s[L - 1] = '\n';
  for (int iter = 0; iter < 300; iter++) {
    WtReasmLimits lim;
    limits_with(&lim, iter % 2 ? WT_OVERLAP_LAST : WT_OVERLAP_FIRST, iter % 3 ? 0 : 512);
    T t;
    t_init(&t, &lim);
    t.rec.mode = iter % 4 == 3 ? CONSUME_LINES : CONSUME_ALL;
    guint32 isn = g_rand_int(rng);
    wt_reasm_dir_set_isn(&t.d, isn);
    /* segments: [start, len), with extra copies and overlapping re-sends */
    GArray *segs = g_array_new(FALSE, FALSE, sizeof(guint64) * 2);
    for (gsize off = 0; off < L;) {
      gsize want = g_rand_int_range(rng, 1, 200); /* not inside MIN: evaluated twice */
      gsize n = MIN(want, L - off);
      guint64 seg[2] = { off, n };
      g_array_append_val(segs, seg);
      if (g_rand_int_range(rng, 0, 4) == 0)
        g_array_append_val(segs, seg);
      if (off && g_rand_int_range(rng, 0, 4) == 0) {
        gint32 most = (gint32) MIN(off, 300);
        gsize back = g_rand_int_range(rng, 1, most + 1);
        guint64 ov[2] = { off - back, back + n };
        g_array_append_val(segs, ov);
      }
      off += n;
    }
    /* shuffle within a window of 8 */
    for (guint i = 0; i < segs->len; i++) {
      guint r = g_rand_int_range(rng, 0, 8);
      guint j = MIN(segs->len - 1, i + r);
      guint64 *a = &g_array_index(segs, guint64, 2 * i), *b = &g_array_index(segs, guint64, 2 * j);
      guint64 x0 = a[0], x1 = a[1];
      a[0] = b[0], a[1] = b[1];
      b[0] = x0, b[1] = x1;
    }
    for (guint i = 0; i < segs->len; i++) {
      guint64 *seg = &g_array_index(segs, guint64, 2 * i);
      wt_reasm_segment(&t.d, isn + 1 + (guint32) seg[0], s + seg[0], seg[1], FALSE,
                       seg[0] + seg[1] == L, i);
    }
    assert_bytes(&t.rec, s, L);
    g_assert_cmpuint(t.rec.gaps->len, ==, 0);
    g_assert_cmpuint(t.rec.eofs, ==, 1);
    g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_CONFLICT), ==, 0);
    g_assert_cmpuint(wt_reasm_dir_delivered(&t.d), ==, L);
    g_array_unref(segs);
    t_fini(&t);
  }
}

/* A keep-alive probe (the last byte again, as garbage) is no conflict. */
static void test_keepalive(void)
{
  WtReasmLimits lim;
  limits_with(&lim, WT_OVERLAP_FIRST, 64);
  T t;
  t_init(&t, &lim);
  g_autofree guint8 *s = make_stream(10, 24);
  wt_reasm_dir_set_isn(&t.d, ISN);
  send(&t, s, 0, 10);
  guint8 z = (guint8) ~s[9];
  g_assert_cmpuint(wt_reasm_segment(&t.d, ISN + 1 + 9, &z, 1, FALSE, FALSE, 0), ==,
                   WT_REASM_RETRANSMIT);
  /* the same garbage byte one further back is a conflict */
  z = (guint8) ~s[8];
  g_assert_cmpuint(wt_reasm_segment(&t.d, ISN + 1 + 8, &z, 1, FALSE, FALSE, 0), ==,
                   WT_REASM_RETRANSMIT | WT_REASM_CONFLICT);
  t_fini(&t);
}

/* A RST holds the direction: what came before is delivered (holes as gaps), later bytes
 * are kept; resume delivers them (the peer ignored the RST). */
static void test_hold_resume(void)
{
  T t;
  t_init(&t, NULL);
  g_autofree guint8 *s = make_stream(300, 31);
  wt_reasm_dir_set_isn(&t.d, ISN);
  send(&t, s, 0, 100);
  send(&t, s, 150, 50);                     /* a hole [100, 150) before the RST */
  wt_reasm_dir_hold(&t.d, 1);
  g_assert_cmpstr(t.rec.log->str, ==, "d100/100 g50 d50/50 ");
  send(&t, s, 200, 60);                     /* after the RST: kept */
  send(&t, s, 260, 40);
  wt_reasm_ack(&t.d, ISN + 1 + 400, 2);      /* ignored while held: no gap */
  g_assert_cmpuint(t.rec.bytes->len, ==, 150);
  g_assert_cmpuint(t.rec.eofs, ==, 0);
  wt_reasm_dir_resume(&t.d, 3);
  g_assert_cmpuint(t.rec.bytes->len, ==, 250);
  g_assert_cmpmem(t.rec.bytes->data + 150, 100, s + 200, 100);
  g_assert_cmpuint(wt_reasm_dir_missed_bytes(&t.d), ==, 50);
  g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_OOO_SEGS), ==, 1); /* only the pre-RST one */
  wt_reasm_dir_close(&t.d, 4);
  g_assert_cmpuint(t.rec.eofs, ==, 1);
  t_fini(&t);
}

/* The RST was acted on: what was kept after it is dropped at close, FIN included. */
static void test_hold_close(void)
{
  T t;
  t_init(&t, NULL);
  g_autofree guint8 *s = make_stream(200, 32);
  wt_reasm_dir_set_isn(&t.d, ISN);
  send(&t, s, 0, 100);
  wt_reasm_dir_hold(&t.d, 1);
  send(&t, s, 100, 50);
  wt_reasm_segment(&t.d, ISN + 1 + 150, NULL, 0, FALSE, TRUE, 2);
  wt_reasm_dir_close(&t.d, 3);
  g_assert_cmpstr(t.rec.log->str, ==, "d100/100 e");
  assert_bytes(&t.rec, s, 100);
  g_assert_cmpuint(wt_reasm_dir_missed_bytes(&t.d), ==, 0);
  g_assert_cmpuint(wt_reasm_stats(t.r)->buffered_bytes, ==, 0);
  t_fini(&t);
}

static guint64 last_gap_missed;
static WtReasmDir *gap_dir;
static void gap_missed_probe(gpointer ctx, guint64 len)
{
  rec_gap(ctx, len);
  last_gap_missed = wt_reasm_dir_gap_missed(gap_dir);
}

/* A gap notice includes the application's unconsumed bytes; only the bytes never
 * captured are missed (conn.log's missed_bytes takes wt_reasm_dir_gap_missed). */
static void test_gap_missed(void)
{
  T t;
  t_init(&t, NULL);
  t.d.sink.gap = gap_missed_probe;
  gap_dir = &t.d;
  t.rec.mode = CONSUME_AT_MOST;
  t.rec.at_most = 70;
  g_autofree guint8 *s = make_stream(200, 33);
  wt_reasm_dir_set_isn(&t.d, ISN);
  send(&t, s, 0, 100);                      /* 30 bytes left over */
  wt_reasm_ack(&t.d, ISN + 1 + 120, 1);      /* 20 bytes never seen */
  const guint64 want[] = { 50 };
  assert_gaps(&t.rec, want, 1);
  g_assert_cmpuint(last_gap_missed, ==, 20);
  g_assert_cmpuint(wt_reasm_dir_missed_bytes(&t.d), ==, 20);
  g_assert_cmpuint(wt_anomaly_get(t.an, WT_REASM_A_MISSED_BYTES), ==, 20);
  t_fini(&t);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/reassembly/in-order", test_in_order);
  g_test_add_func("/reassembly/permutations", test_permutations);
  g_test_add_func("/reassembly/overlap-buffered", test_overlap_buffered);
  g_test_add_func("/reassembly/overlap-delivered", test_overlap_delivered);
  g_test_add_func("/reassembly/history-ring", test_history_ring);
  g_test_add_func("/reassembly/duplicates", test_duplicates);
  g_test_add_func("/reassembly/wraparound", test_wraparound);
  g_test_add_func("/reassembly/beyond-4gib", test_beyond_4gib);
  g_test_add_func("/reassembly/ack-gap", test_ack_gap);
  g_test_add_func("/reassembly/close-with-holes", test_close_with_holes);
  g_test_add_func("/reassembly/cap-per-dir", test_cap_per_dir);
  g_test_add_func("/reassembly/cap-global", test_cap_global);
  g_test_add_func("/reassembly/partial-consumer", test_partial_consumer);
  g_test_add_func("/reassembly/app-stalled", test_app_stalled);
  g_test_add_func("/reassembly/data-on-syn", test_data_on_syn);
  g_test_add_func("/reassembly/data-after-fin", test_data_after_fin);
  g_test_add_func("/reassembly/midstream", test_midstream);
  g_test_add_func("/reassembly/midstream-ack-start", test_midstream_ack_start);
  g_test_add_func("/reassembly/coalesce", test_coalesce);
  g_test_add_func("/reassembly/random-invariance", test_random_invariance);
  g_test_add_func("/reassembly/keepalive", test_keepalive);
  g_test_add_func("/reassembly/hold-resume", test_hold_resume);
  g_test_add_func("/reassembly/hold-close", test_hold_close);
  g_test_add_func("/reassembly/gap-missed", test_gap_missed);
  return g_test_run();
}
