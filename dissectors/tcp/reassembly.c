/* TCP stream reassembly: see reassembly.h for the model. */
#include "dissectors/tcp/reassembly.h"
#include "analyzer/core/packet.h"
#include <string.h>

struct WtReasm {
  WtReasmLimits limits;
  WtAnomalies *anomalies;
  WtReasmStats st;
};

/* One stored run of out-of-order bytes. The tree key points at `off`. */
typedef struct {
  guint64 off;
  gsize len;
  guint8 *data;
} WtReasmSeg;

/* A leftover buffer up to this size is kept when emptied: applications often leave a
 * partial header line between segments, and re-allocating for each would be a per-packet
 * allocation. */
#define LEFT_KEEP 4096u

void wt_reasm_limits_init(WtReasmLimits *limits)
{
  limits->per_dir_cap = 1u << 20;
  limits->global_cap = (gsize) 256u << 20;
  limits->overlap_policy = WT_OVERLAP_FIRST;
  limits->leftover_cap = 64u << 10;
  limits->history = 0;
  limits->general_only = FALSE;
}

WtReasm *wt_reasm_new(const WtReasmLimits *limits, WtAnomalies *anomalies)
{
  WtReasm *r = g_new0(WtReasm, 1);
  WtReasmLimits def;
  wt_reasm_limits_init(&def);
  r->limits = limits ? *limits : def;
  if (!r->limits.per_dir_cap)
    r->limits.per_dir_cap = def.per_dir_cap;
  if (!r->limits.global_cap)
    r->limits.global_cap = def.global_cap;
  if (!r->limits.leftover_cap)
    r->limits.leftover_cap = def.leftover_cap;
  if (r->limits.overlap_policy != WT_OVERLAP_LAST)
    r->limits.overlap_policy = WT_OVERLAP_FIRST;
  r->anomalies = anomalies;
  return r;
}

void wt_reasm_free(WtReasm *r)
{
  g_free(r);
}

const WtReasmStats *wt_reasm_stats(const WtReasm *r)
{
  return &r->st;
}

/* ---- small helpers ---- */

static void count(WtReasmDir *d, const char *name, guint64 n)
{
  if (n)
    wt_anomaly_add(d->r->anomalies, name, n);
}

static void account(WtReasmDir *d, gssize delta)
{
  d->buffered += delta;
  if (d->r) {
    d->r->st.buffered_bytes += delta;
    if (d->r->st.buffered_bytes > d->r->st.peak_buffered_bytes)
      d->r->st.peak_buffered_bytes = d->r->st.buffered_bytes;
  }
}

static gint compare_offsets(gconstpointer a, gconstpointer b, gpointer user_data)
{
  (void) user_data;
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

static void seg_free(gpointer p)
{
  WtReasmSeg *s = p;
  g_free(s->data);
  g_free(s);
}

static WtReasmSeg *node_seg(GTreeNode *n)
{
  return n ? g_tree_node_value(n) : NULL;
}

static WtReasmSeg *first_seg(const WtReasmDir *d)
{
  return d->segs ? node_seg(g_tree_node_first(d->segs)) : NULL;
}

/* The last stored segment starting at or before `off`. */
static WtReasmSeg *seg_at_or_before(const WtReasmDir *d, guint64 off)
{
  if (!d->segs)
    return NULL;
  GTreeNode *after = g_tree_upper_bound(d->segs, &off);
  return node_seg(after ? g_tree_node_previous(after) : g_tree_node_last(d->segs));
}

/* The first stored segment starting at or after `off`. */
static WtReasmSeg *seg_at_or_after(const WtReasmDir *d, guint64 off)
{
  return d->segs ? node_seg(g_tree_lower_bound(d->segs, &off)) : NULL;
}

/* Maps a 32-bit sequence number to the stream offset nearest the delivery point, so
 * wraparound at 2^32 and streams beyond 4 GiB need no special case. May be negative
 * (before the stream start). */
static gint64 seq_to_off(const WtReasmDir *d, guint32 seq)
{
  guint32 next_seq = d->seq0 + (guint32) d->next;
  gint32 delta = (gint32) (seq - next_seq);
  return (gint64) d->next + delta;
}

/* ---- what the sink sees ---- */

static gsize sink_deliver(WtReasmDir *d, const guint8 *data, gsize len, gint64 ts_ns)
{
  if (!d->sink.deliver)
    return len;
  gsize c = d->sink.deliver(d->sink.ctx, data, len, ts_ns);
  return MIN(c, len); /* a sink claiming more than offered is a bug; do not trust it */
}

static void left_drop(WtReasmDir *d)
{
  d->left_len = 0;
  if (d->left_cap > LEFT_KEEP) {
    g_clear_pointer(&d->left, g_free);
    d->left_cap = 0;
  }
}

static void left_append(WtReasmDir *d, const guint8 *data, gsize len)
{
  if (d->left_cap - d->left_len < len) {
    gsize cap = MAX(d->left_cap * 2, d->left_len + len);
    cap = MAX(cap, 256);
    d->left = g_realloc(d->left, cap);
    d->left_cap = cap;
  }
  memcpy(d->left + d->left_len, data, len);
  d->left_len += len;
}

static void left_consume(WtReasmDir *d, gsize n)
{
  if (n >= d->left_len) {
    left_drop(d);
    return;
  }
  memmove(d->left, d->left + n, d->left_len - n);
  d->left_len -= n;
}

/* Keeps the last `history` bytes handed on, to check retransmissions against. */
static void hist_store(WtReasmDir *d, const guint8 *data, gsize len)
{
  gsize h = d->r->limits.history;
  if (!h)
    return;
  if (!d->hist)
    d->hist = g_malloc(h);
  guint64 at = d->next;
  if (len > h) {
    data += len - h;
    at += len - h;
    len = h;
  }
  gsize pos = at % h, first = MIN(len, h - pos);
  memcpy(d->hist + pos, data, first);
  memcpy(d->hist, data + first, len - first);
}

static void give_up_stalled(WtReasmDir *d);

/* Hands `len` new in-order bytes at the delivery point to the sink: straight from `data`
 * when nothing is left over, else appended to the leftover and offered together. */
static void emit(WtReasmDir *d, const guint8 *data, gsize len, gint64 ts_ns)
{
  if (!len)
    return;
  hist_store(d, data, len);
  d->next += len;
  d->st.delivered += len;
  if (!d->left_len) {
    gsize c = sink_deliver(d, data, len, ts_ns);
    if (c < len)
      left_append(d, data + c, len - c);
  } else {
    left_append(d, data, len);
    left_consume(d, sink_deliver(d, d->left, d->left_len, ts_ns));
  }
  give_up_stalled(d);
}

/* emit() of len > 0 bytes when nothing is left over (the fast path's case), inline: the
 * leftover can only grow when the sink leaves bytes (it never calls back into this
 * direction). */
G_ALWAYS_INLINE static inline void emit_fresh(WtReasmDir *d, const guint8 *data, gsize len,
                                              gint64 ts_ns)
{
  hist_store(d, data, len);
  d->next += len;
  d->st.delivered += len;
  gsize c = sink_deliver(d, data, len, ts_ns);
  if (G_UNLIKELY(c < len)) {
    left_append(d, data + c, len - c);
    give_up_stalled(d);
  }
}

static void give_up_stalled(WtReasmDir *d)
{
  if (d->left_len > d->r->limits.leftover_cap) {
    /* The application will not consume: give up on these bytes so analysis goes on. */
    guint64 n = d->left_len;
    left_drop(d);
    d->st.stalled_bytes += n;
    count(d, WT_REASM_A_APP_STALLED, 1);
    d->gap_missed = 0; /* captured, only not consumed */
    if (d->sink.gap)
      d->sink.gap(d->sink.ctx, n);
  }
}

/* Declares [next, to) never seen. Unconsumed leftover bytes in front of it go with it, so
 * the application's position stays right. */
static void skip_hole(WtReasmDir *d, guint64 to)
{
  guint64 n = to - d->next;
  guint64 dropped = d->left_len;
  left_drop(d);
  d->next = to;
  d->hist_from = to;
  d->st.gaps++;
  d->st.missed_bytes += n;
  count(d, WT_REASM_A_GAPS, 1);
  count(d, WT_REASM_A_MISSED_BYTES, n);
  d->gap_missed = n;
  if (d->sink.gap)
    d->sink.gap(d->sink.ctx, n + dropped);
}

/* Delivers stored segments that start at the delivery point. */
static void drain(WtReasmDir *d, gint64 ts_ns)
{
  WtReasmSeg *s;
  while ((s = first_seg(d)) && s->off == d->next) {
    g_tree_steal(d->segs, &s->off);
    account(d, -(gssize) (s->len + WT_REASM_SEG_OVERHEAD));
    emit(d, s->data, s->len, ts_ns);
    seg_free(s);
  }
}

/* A closed direction delivers nothing more and stores nothing (a late segment is only
 * counted: a retransmission, data after the FIN): its emptied buffers go now rather than
 * with the connection, which a closed one keeps for TIME-WAIT. The history stays: late
 * retransmissions are still checked against it. */
static void release_stream_buffers(WtReasmDir *d)
{
  if (d->segs && g_tree_nnodes(d->segs) == 0)
    g_clear_pointer(&d->segs, g_tree_destroy);
  if (!d->left_len) {
    g_clear_pointer(&d->left, g_free);
    d->left_cap = 0;
  }
}

static void finish(WtReasmDir *d, gint64 ts_ns)
{
  if (d->closed)
    return;
  WtReasmSeg *s;
  while ((s = first_seg(d))) {
    if (s->off > d->next)
      skip_hole(d, s->off);
    drain(d, ts_ns);
  }
  /* The FIN's place says the bytes before it existed, even if never captured. */
  if (d->fin_seen && d->fin_off > d->next)
    skip_hole(d, d->fin_off);
  d->closed = 1;
  left_drop(d);
  release_stream_buffers(d);
  if (!d->eof_sent) {
    d->eof_sent = 1;
    if (d->sink.eof)
      d->sink.eof(d->sink.ctx, ts_ns);
  }
}

static void maybe_finish(WtReasmDir *d, gint64 ts_ns)
{
  if (d->fin_seen && !d->closed && !d->held && d->next >= d->fin_off)
    finish(d, ts_ns);
}

/* ---- overlap checks ---- */

/* TRUE if [off, off+len), all below the delivery point, differs from the copy still held
 * (leftover, history); bytes no longer held are not checked. */
static gboolean differs_from_held(const WtReasmDir *d, guint64 off, const guint8 *data,
                                  gsize len)
{
  guint64 end = off + len;
  guint64 left_from = d->next - d->left_len;
  if (end > left_from) {
    guint64 a = MAX(off, left_from);
    if (memcmp(data + (a - off), d->left + (a - left_from), end - a) != 0)
      return TRUE;
    end = a;
  }
  gsize h = d->r->limits.history;
  if (!h || !d->hist)
    return FALSE;
  guint64 lo = MAX(d->hist_from, d->next > h ? d->next - h : 0);
  for (guint64 o = MAX(off, lo); o < end;) {
    gsize pos = o % h;
    gsize n = MIN(end - o, h - pos);
    if (memcmp(data + (o - off), d->hist + pos, n) != 0)
      return TRUE;
    o += n;
  }
  return FALSE;
}

/* Bytes [from, to) of the new data (which starts at `off`) overlap stored segment `s`. */
static void overlap_stored(WtReasmDir *d, WtReasmSeg *s, guint64 off, const guint8 *data,
                           guint64 from, guint64 to, gboolean *conflict)
{
  const guint8 *newer = data + (from - off);
  guint8 *kept = s->data + (from - s->off);
  if (memcmp(newer, kept, to - from) == 0)
    return;
  *conflict = TRUE;
  if (d->r->limits.overlap_policy == WT_OVERLAP_LAST)
    memcpy(kept, newer, to - from);
}

/* Stores new bytes [at, at+n) that overlap nothing stored. */
static void add_piece(WtReasmDir *d, guint64 at, const guint8 *src, gsize n)
{
  WtReasmSeg *p = seg_at_or_before(d, at);
  if (p && p->off + p->len == at && p->len + n <= WT_REASM_COALESCE_MAX) {
    p->data = g_realloc(p->data, p->len + n);
    memcpy(p->data + p->len, src, n);
    p->len += n;
    account(d, n);
    return;
  }
  if (!d->segs)
    d->segs = g_tree_new_full(compare_offsets, NULL, NULL, seg_free);
  WtReasmSeg *s = g_new(WtReasmSeg, 1);
  s->off = at;
  s->len = n;
  s->data = g_memdup2(src, n);
  g_tree_insert(d->segs, &s->off, s);
  account(d, n + WT_REASM_SEG_OVERHEAD);
}

/* Stores [off, off+len) (all at or beyond the delivery point) around what is stored
 * already; returns how many bytes were new. */
static gsize store(WtReasmDir *d, guint64 off, const guint8 *data, gsize len,
                   gboolean *conflict)
{
  guint64 cur = off, end = off + len;
  gsize fresh = 0;
  WtReasmSeg *p = seg_at_or_before(d, cur);
  if (p && p->off + p->len > cur) {
    guint64 to = MIN(p->off + p->len, end);
    overlap_stored(d, p, off, data, cur, to, conflict);
    cur = to;
  }
  while (cur < end) {
    WtReasmSeg *s = seg_at_or_after(d, cur);
    guint64 hole_end = s ? MIN(s->off, end) : end;
    if (hole_end > cur) {
      add_piece(d, cur, data + (cur - off), hole_end - cur);
      fresh += hole_end - cur;
      cur = hole_end;
      continue;
    }
    guint64 to = MIN(s->off + s->len, end);
    overlap_stored(d, s, off, data, cur, to, conflict);
    cur = to;
  }
  return fresh;
}

/* At a cap the oldest hole becomes a gap and what follows it is delivered. The direction
 * adding data pays for the global cap: its own data is what pushed it over. */
G_ALWAYS_INLINE static inline void enforce_caps(WtReasmDir *d, gint64 ts_ns)
{
  WtReasmSeg *s;
  while ((d->buffered > d->r->limits.per_dir_cap ||
          d->r->st.buffered_bytes > d->r->limits.global_cap) && (s = first_seg(d))) {
    d->r->st.cap_hits++;
    count(d, WT_REASM_A_CAP, 1);
    skip_hole(d, s->off);
    drain(d, ts_ns);
  }
}

/* Drops stored bytes beyond a FIN learnt after they were stored. */
static void trim_after_fin(WtReasmDir *d)
{
  WtReasmSeg *s;
  guint64 dropped = 0;
  while (d->segs && (s = node_seg(g_tree_node_last(d->segs))) && s->off + s->len > d->fin_off) {
    if (s->off >= d->fin_off) {
      dropped += s->len;
      account(d, -(gssize) (s->len + WT_REASM_SEG_OVERHEAD));
      g_tree_remove(d->segs, &s->off);
    } else {
      gsize keep = d->fin_off - s->off;
      dropped += s->len - keep;
      account(d, -(gssize) (s->len - keep));
      s->len = keep;
    }
  }
  if (dropped) {
    d->st.after_fin_bytes += dropped;
    count(d, WT_REASM_A_AFTER_FIN, 1);
  }
}

/* ---- public API ---- */

void wt_reasm_dir_init(WtReasmDir *d, WtReasm *r, const WtReasmSink *sink)
{
  memset(d, 0, sizeof *d);
  d->r = r;
  d->general_only = r && r->limits.general_only;
  if (sink)
    d->sink = *sink;
}

void wt_reasm_dir_set_isn(WtReasmDir *d, guint32 isn)
{
  if (d->started)
    return;
  d->started = 1;
  d->seq0 = isn + 1;
}

void wt_reasm_dir_start_midstream(WtReasmDir *d, guint32 seq)
{
  if (d->started)
    return;
  d->started = 1;
  d->seq0 = seq;
}

/* The data part of a segment: `off` may be below the delivery point (old bytes). */
static WtReasmResult segment_data(WtReasmDir *d, gint64 off, const guint8 *data, gsize len,
                                  gint64 ts_ns)
{
  gboolean conflict = FALSE, beyond_hole = FALSE;
  gsize old = 0, fresh = 0;
  WtReasmResult res = 0;

  if (off < 0) { /* before the stream start (picked up mid-stream): old by definition */
    gsize skip = MIN((guint64) -off, len);
    old += skip;
    data += skip;
    len -= skip;
    off += skip;
  }
  if (len && (guint64) off < d->next) {
    gsize n = MIN(d->next - (guint64) off, len);
    /* A keep-alive probe re-sends the last byte, often as garbage (one 0x00 byte from
     * Windows): not a conflicting retransmission. */
    gboolean keepalive = len == 1 && (guint64) off + 1 == d->next;
    conflict = !keepalive && differs_from_held(d, off, data, n);
    old += n;
    data += n;
    len -= n;
    off += n;
  }
  if (len && d->closed)
    len = 0; /* closed without FIN (RST, timeout): nothing more is delivered */
  if (len && (guint64) off == d->next) {
    WtReasmSeg *s = first_seg(d);
    gsize direct = s ? MIN(len, s->off - d->next) : len;
    emit(d, data, direct, ts_ns);
    fresh += direct;
    data += direct;
    len -= direct;
    off += direct;
  } else if (len) {
    beyond_hole = TRUE;
  }
  if (len) {
    gsize f = store(d, off, data, len, &conflict);
    fresh += f;
    old += len - f;
  }
  drain(d, ts_ns); /* the bytes may have filled the hole in front of stored ones */
  enforce_caps(d, ts_ns);

  if (fresh)
    res |= WT_REASM_NEW_DATA;
  if (old) {
    d->st.rexmit_bytes += old;
    count(d, WT_REASM_A_REXMIT_BYTES, old);
    if (fresh) {
      res |= WT_REASM_PARTIAL_OVERLAP;
      count(d, WT_REASM_A_PARTIAL, 1);
    } else {
      res |= WT_REASM_RETRANSMIT;
      d->st.rexmit_segments++;
      count(d, WT_REASM_A_REXMIT_SEGS, 1);
    }
  }
  if (beyond_hole && fresh) {
    res |= WT_REASM_OUT_OF_ORDER;
    d->st.ooo_segments++;
    count(d, WT_REASM_A_OOO_SEGS, 1);
  }
  if (conflict) {
    res |= WT_REASM_CONFLICT;
    d->st.conflicts++;
    count(d, WT_REASM_A_CONFLICT, 1);
  }
  return res;
}

/* The data part of a segment while held (after a RST): new bytes are only stored, within
 * the caps (there is no hole to give up instead); nothing is delivered or counted. */
G_NO_INLINE static WtReasmResult held_data(WtReasmDir *d, gint64 off, const guint8 *data,
                                           gsize len)
{
  if (off < (gint64) d->next) { /* bytes already delivered */
    gsize n = (gsize) MIN((guint64) ((gint64) d->next - off), (guint64) len);
    data += n;
    len -= n;
    off += (gint64) n;
  }
  if (!len || d->buffered + len + WT_REASM_SEG_OVERHEAD > d->r->limits.per_dir_cap ||
      d->r->st.buffered_bytes + len + WT_REASM_SEG_OVERHEAD > d->r->limits.global_cap)
    return 0;
  gboolean conflict = FALSE;
  return store(d, (guint64) off, data, len, &conflict) ? WT_REASM_NEW_DATA : 0;
}

/* The common segment: no SYN or FIN, on a started direction that is not closed, held or
 * past a FIN, with nothing stored out of order and nothing left over, exactly at the
 * delivery point. What segment_data does for it then: its bytes go straight to the sink
 * (emit), nothing to store, drain or cap, no old byte; a bare ACK only marks the
 * direction as seen. */
G_ALWAYS_INLINE static inline gboolean in_order_fits(const WtReasmDir *d, guint32 seq,
                                                     const guint8 *data, gsize len,
                                                     gboolean syn, gboolean fin)
{
  return !syn && !fin && d->started && !d->closed && !d->held && !d->fin_seen &&
         !d->general_only && d->buffered == 0 && d->left_len == 0 && (data || !len) &&
         seq == d->seq0 + (guint32) d->next && d->r;
}

/* Any segment (wt_reasm_segment without its fast path). */
G_NO_INLINE static WtReasmResult segment_general(WtReasmDir *d, guint32 seq, const guint8 *data,
                                                 gsize len, gboolean syn, gboolean fin,
                                                 gint64 ts_ns)
{
  WtReasmResult res = 0;
  g_return_val_if_fail(d->r != NULL, 0);
  if (!data)
    len = 0;
  d->own_segment = 1;
  if (!d->started) {
    if (syn)
      wt_reasm_dir_set_isn(d, seq);
    else
      wt_reasm_dir_start_midstream(d, seq);
  }
  /* SYN occupies one sequence number; data on it (Fast Open) follows it. */
  gint64 off = seq_to_off(d, syn ? seq + 1 : seq);

  if (fin && !d->fin_seen && off + (gint64) len >= 0 && !d->closed) {
    d->fin_seen = 1;
    d->fin_off = off + len;
    trim_after_fin(d);
  }
  if (len && d->fin_seen && off + (gint64) len > (gint64) d->fin_off) {
    gint64 from = MAX(off, (gint64) d->fin_off);
    gsize beyond = off + len - from;
    res |= WT_REASM_AFTER_FIN;
    d->st.after_fin_bytes += beyond;
    count(d, WT_REASM_A_AFTER_FIN, 1);
    len -= beyond;
  }
  if (len)
    res |= G_UNLIKELY(d->held) ? held_data(d, off, data, len)
                               : segment_data(d, off, data, len, ts_ns);
  maybe_finish(d, ts_ns);
  return res;
}

WtReasmResult wt_reasm_segment(WtReasmDir *d, guint32 seq, const guint8 *data, gsize len,
                               gboolean syn, gboolean fin, gint64 ts_ns)
{
  if (G_LIKELY(in_order_fits(d, seq, data, len, syn, fin))) {
    d->own_segment = 1;
    if (!len)
      return 0;
    emit_fresh(d, data, len, ts_ns);
    return WT_REASM_NEW_DATA;
  }
  return segment_general(d, seq, data, len, syn, fin, ts_ns);
}

void wt_reasm_ack_general(WtReasmDir *d, guint32 ack, gint64 ts_ns)
{
  if (!d->r || d->closed || d->held)
    return;
  if (!d->started) {
    /* Picked up mid-stream: the peer's ACK says where the bytes not yet received start,
     * which may be before the first segment of this direction that we capture (it may
     * come late, reordered); starting there keeps such bytes and makes a hole visible. */
    wt_reasm_dir_start_midstream(d, ack);
    return;
  }
  gint64 a = seq_to_off(d, ack);
  if (!d->own_segment) {
    /* Nothing of this direction captured yet (a one-sided capture, or its first segment
     * comes late): the peer's ACKs only move the start. A hole is no evidence of loss
     * for a side never seen, and Zeek reports no content gap for it either. */
    if ((gint64) d->next < a && !first_seg(d))
      d->next = (guint64) a;
    return;
  }
  if (d->fin_seen && a > (gint64) d->fin_off)
    a = d->fin_off; /* the FIN's own sequence number is no data */
  while ((gint64) d->next < a) {
    WtReasmSeg *s = first_seg(d);
    guint64 to = s ? MIN(s->off, (guint64) a) : (guint64) a;
    if (to > d->next)
      skip_hole(d, to);
    drain(d, ts_ns);
  }
  maybe_finish(d, ts_ns);
}

void wt_reasm_dir_close(WtReasmDir *d, gint64 ts_ns)
{
  if (!d->r)
    return;
  if (d->held) {
    /* the reset was real: what came after it is not part of the stream */
    if (d->segs) {
      account(d, -(gssize) d->buffered);
      g_tree_destroy(d->segs);
      d->segs = NULL;
    }
    d->fin_seen = d->held_fin;
    d->held = 0;
  }
  finish(d, ts_ns);
}

void wt_reasm_dir_hold(WtReasmDir *d, gint64 ts_ns)
{
  if (!d->r || d->closed || d->held)
    return;
  WtReasmSeg *s;
  while ((s = first_seg(d))) {
    if (s->off > d->next)
      skip_hole(d, s->off);
    drain(d, ts_ns);
  }
  if (d->fin_seen && d->fin_off > d->next)
    skip_hole(d, d->fin_off);
  maybe_finish(d, ts_ns);
  if (d->closed)
    return;
  d->held = 1;
  d->held_fin = d->fin_seen;
}

void wt_reasm_dir_resume(WtReasmDir *d, gint64 ts_ns)
{
  if (!d->r || !d->held)
    return;
  d->held = 0;
  drain(d, ts_ns);
  enforce_caps(d, ts_ns);
  maybe_finish(d, ts_ns);
}

void wt_reasm_dir_reoffer(WtReasmDir *d, gint64 ts_ns)
{
  if (d->left_len)
    left_consume(d, sink_deliver(d, d->left, d->left_len, ts_ns));
}

guint64 wt_reasm_dir_gap_missed(const WtReasmDir *d)
{
  return d->gap_missed;
}

void wt_reasm_dir_clear(WtReasmDir *d)
{
  if (d->segs) {
    account(d, -(gssize) d->buffered);
    g_tree_destroy(d->segs);
    d->segs = NULL;
  }
  g_clear_pointer(&d->left, g_free);
  d->left_len = d->left_cap = 0;
  g_clear_pointer(&d->hist, g_free);
}

guint64 wt_reasm_dir_missed_bytes(const WtReasmDir *d) { return d->st.missed_bytes; }
guint64 wt_reasm_dir_delivered(const WtReasmDir *d) { return d->st.delivered; }
guint64 wt_reasm_dir_rexmit_segments(const WtReasmDir *d) { return d->st.rexmit_segments; }
guint64 wt_reasm_dir_rexmit_bytes(const WtReasmDir *d) { return d->st.rexmit_bytes; }
guint64 wt_reasm_dir_ooo_segments(const WtReasmDir *d) { return d->st.ooo_segments; }
const WtReasmDirStats *wt_reasm_dir_stats(const WtReasmDir *d) { return &d->st; }

gsize wt_reasm_dir_buffered_payload(const WtReasmDir *d)
{
  gsize n = d->segs ? (gsize) g_tree_nnodes(d->segs) : 0;
  return d->buffered - n * WT_REASM_SEG_OVERHEAD;
}
