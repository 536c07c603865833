/* --threads: reader, batches, worker threads, per-worker log buffers; replicated reading
 * (every worker reads the file) and the live fanout. See workers.h. */
#include "analyzer/pipeline/workers.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/capture/capture.h"
#include "analyzer/output/clickhouse.h"
#include "analyzer/output/log-sink.h"
#include "analyzer/pipeline/decode.h"
#include "analyzer/pipeline/route-fast.h"

#include <glib/gi18n.h>

#define BATCH_BYTES (256 * 1024)
#define BATCHES_PER_WORKER 8     /* one being filled by the reader, the rest in flight */
#define IDLE_SEND_US (200 * 1000)
#define PARKED_BYTES_MAX ((gsize) 16 * 1024 * 1024)
/* a worker publishes at twice the rate the capture loop gathers (once a second), so what
 * is served is at most about a second and a half old */
#define METRICS_PUBLISH_US (G_USEC_PER_SEC / 2)

/* ---- batches ------------------------------------------------------------------------ */

typedef enum {
  REC_FRAME,
  REC_EXPIRE, /* timers at ts_ns (one thread's schedule) */
  REC_ANCHOR, /* ts_ns: the first frame of the whole input */
} RecKind;

/* A record in a batch; a frame's bytes follow, padded to 8. */
typedef struct {
  guint64 frame_no; /* 1-based number in the whole input */
  gint64 ts_ns;
  guint32 caplen, wirelen;
  gint32 linktype;
  guint32 kind;
} Rec;

static gsize rec_size(guint32 caplen)
{
  return sizeof(Rec) + (((gsize) caplen + 7) & ~(gsize) 7);
}

typedef struct {
  guint8 *data;
  gsize used, cap;
  gboolean end; /* the last batch: finish after it */
} Batch;

static Batch *batch_new(void)
{
  Batch *b = g_new0(Batch, 1);
  b->cap = BATCH_BYTES;
  b->data = g_malloc(b->cap);
  return b;
}

static void batch_free(gpointer p)
{
  Batch *b = p;
  g_free(b->data);
  g_free(b);
}

/* Where each frame goes: the decode tables (headers only) and the fragment table. The
 * reader has one; with replicated reading (wt_workers_run_files) every worker has its own,
 * fed the same frames, so they all take the same decisions. */
typedef void (*DeliverFunc)(gpointer user, guint worker, guint64 frame_no, gint64 ts_ns,
                            guint32 caplen, guint32 wirelen, int linktype,
                            const guint8 *bytes);

typedef struct {
  guint n;               /* workers */
  WtDecoders *dec;       /* the pipeline's decode tables, headers only */
  GHashTable *frags;     /* WtIpFragKey -> FragEntry */
  gsize parked_bytes;
  gint64 frag_timeout_ns;
  DeliverFunc deliver;   /* fragments, now or when released from parking */
  gpointer deliver_user;
} Router;

/* ---- workers ------------------------------------------------------------------------ */

typedef struct WtWorkers WtWorkers;

typedef struct {
  WtWorkers *w;
  WtAnalyzer *an;
  GThread *thread;
  GAsyncQueue *full;  /* reader -> worker */
  GAsyncQueue *empty; /* worker -> reader */
  Batch *cur;         /* being filled by the reader */
  /* records of this worker's dissectors, one buffer per log table, not yet in the sinks */
  WtLogBuffer *logs[WT_LOG_MAX_TABLES];
  guint n_logs;
  /* --metrics: the worker's taps as last published (under WtWorkers.metrics_lock) */
  WtMetrics *metrics;
  gint64 published_us;
  gboolean unpublished;  /* batches analysed since */
  /* fanout: the handle this worker reads, its last frame's time, the timer round and
   * the anchor it has run */
  guint member;
  gint64 last_ts;
  guint expire_gen;
  gboolean anchored;
  /* replicated reading: its own reader of every source, its own router and frame count
   * (every worker sees every frame), one thread's timer schedule */
  WtCaptureReplica **readers;
  WtCaptureReplica *reading;
  Router router;
  guint64 frame_no;
  gint64 next_expire_ts;
  guint64 published_frames; /* atomic: frame_no after each read of a block of frames */
} Worker;

/* IP fragments of TCP/UDP datagrams (WT_ROUTE_FRAGMENT), by the defragmenter's key of
 * their datagram: the worker that has the datagram's first fragment (the one with the
 * ports). Fragments that come before it are parked here. */
typedef struct {
  int worker;         /* -1: first fragment not seen yet */
  guint addr_worker;  /* by addresses only: where parked fragments go if it never comes */
  gint64 first_ts;
  guint64 have, total; /* fragment bytes seen; datagram length once the last one came */
  GPtrArray *parked;  /* Rec + bytes, g_malloc'd, in arrival order */
} FragEntry;

struct WtWorkers {
  WtAnalyzer *main;
  guint n;
  Worker *workers;
  GMutex log_lock;       /* one buffer flush at a time into the main sinks */
  gboolean live_metrics; /* workers publish their metrics (--metrics) */
  GMutex metrics_lock;   /* the workers' published metrics */
  guint64 frame_no;
  gboolean anchored;
  gint64 last_send_us;
  Router router;         /* the reader's (batch mode) */
  /* fanout (wt_workers_new_fanout): each worker reads its own handle of `src`; the
   * capture summary, frame numbers, the anchor and the timer rounds are shared under
   * count_lock (frame_no, anchored above too) */
  WtCaptureSource *src;
  GMutex count_lock;
  guint64 limit;       /* -c: frames in all; 0 none */
  gint64 anchor_ts;
  guint expire_gen;    /* a timer round is due when one thread would run one */
  gint64 expire_ts;
  gint stop;           /* atomic: the workers leave their read loops */
  char *read_error;    /* the first handle's read error (under count_lock) */
  /* replicated reading (wt_workers_new_replicated): the files every worker reads */
  gboolean replicated;
  GPtrArray *sources;  /* WtCaptureSource, borrowed */
  guint64 stop_at;     /* atomic: no worker analyses a frame numbered above it */
  gint reading;        /* atomic: workers still reading */
  gint current_source; /* atomic: the source worker 0 reads */
  char **source_errors; /* worker 0's read error per source, NULL if none */
  GMutex done_lock;    /* `reading` reaching 0 is signalled on done_cond */
  GCond done_cond;
};

static void send_batch(Worker *wk)
{
  g_async_queue_push(wk->full, wk->cur);
  wk->cur = g_async_queue_pop(wk->empty); /* waits when the worker is 8 batches behind */
  wk->cur->used = 0;
  wk->w->last_send_us = g_get_monotonic_time();
}

static Rec *rec_alloc(Worker *wk, gsize size)
{
  Batch *b = wk->cur;
  if (b->used + size > b->cap) {
    if (b->used)
      send_batch(wk);
    b = wk->cur;
    if (size > b->cap) { /* a frame larger than a batch: this batch grows for good */
      g_free(b->data);
      b->cap = size;
      b->data = g_malloc(size);
    }
  }
  Rec *r = (Rec *) (b->data + b->used);
  b->used += size;
  return r;
}

static void put_frame(Worker *wk, guint64 frame_no, gint64 ts_ns, guint32 caplen,
                      guint32 wirelen, int linktype, const guint8 *bytes)
{
  Rec *r = rec_alloc(wk, rec_size(caplen));
  r->frame_no = frame_no;
  r->ts_ns = ts_ns;
  r->caplen = caplen;
  r->wirelen = wirelen;
  r->linktype = linktype;
  r->kind = REC_FRAME;
  memcpy(r + 1, bytes, caplen);
}

static void put_mark(Worker *wk, RecKind kind, gint64 ts_ns)
{
  Rec *r = rec_alloc(wk, sizeof(Rec));
  memset(r, 0, sizeof *r);
  r->ts_ns = ts_ns;
  r->kind = kind;
}

/* ---- worker side: log buffers ------------------------------------------------------- */

/* The records of every log into the main sinks, under one lock. */
static void flush_logs(Worker *wk)
{
  gboolean any = FALSE;
  for (guint t = 0; t < wk->n_logs; t++)
    any = any || wt_log_buffer_pending(wk->logs[t]);
  if (!any)
    return;
  g_mutex_lock(&wk->w->log_lock);
  for (guint t = 0; t < wk->n_logs; t++)
    wt_log_buffer_flush(wk->logs[t]);
  g_mutex_unlock(&wk->w->log_lock);
}

static void run_batch(Worker *wk, const Batch *b)
{
  for (gsize off = 0; off < b->used;) {
    const Rec *r = (const Rec *) (b->data + off);
    switch (r->kind) {
    case REC_FRAME:
      wt_analyzer_worker_frame(wk->an, r->frame_no, r->ts_ns, r->caplen, r->wirelen,
                               (const guint8 *) (r + 1), r->linktype);
      off += rec_size(r->caplen);
      break;
    case REC_EXPIRE:
      wt_analyzer_expire(wk->an, r->ts_ns);
      off += sizeof(Rec);
      break;
    default: /* REC_ANCHOR */
      wt_analyzer_anchor(wk->an, r->ts_ns);
      off += sizeof(Rec);
      break;
    }
  }
}

/* The worker's taps as metrics, built on its own thread (nothing else reads its pipeline),
 * handed over by a pointer swap. */
static void publish_metrics(Worker *wk)
{
  WtMetrics *m = wt_metrics_new();
  wt_analyzer_metrics_taps(wk->an, m);
  g_mutex_lock(&wk->w->metrics_lock);
  WtMetrics *old = wk->metrics;
  wk->metrics = m;
  g_mutex_unlock(&wk->w->metrics_lock);
  wt_metrics_free(old);
  wk->published_us = g_get_monotonic_time();
  wk->unpublished = FALSE;
}

/* The next batch; with --metrics, publishes while waiting (at most every half second, and
 * once more when the traffic pauses, so the last batch's counts are served too). */
static Batch *next_batch(Worker *wk)
{
  if (!wk->w->live_metrics)
    return g_async_queue_pop(wk->full);
  for (;;) {
    gint64 now = g_get_monotonic_time();
    if (wk->unpublished && now - wk->published_us >= METRICS_PUBLISH_US)
      publish_metrics(wk);
    Batch *b = g_async_queue_timeout_pop(wk->full, METRICS_PUBLISH_US);
    if (b)
      return b;
  }
}

static gpointer worker_main(gpointer data)
{
  Worker *wk = data;
  for (;;) {
    Batch *b = next_batch(wk);
    run_batch(wk, b);
    wk->unpublished = TRUE;
    gboolean end = b->end;
    g_async_queue_push(wk->empty, b);
    flush_logs(wk);
    if (end)
      break;
  }
  wt_analyzer_finish(wk->an); /* every flow ends: the last log lines */
  flush_logs(wk);
  return NULL;
}

/* ---- reader side: which worker --------------------------------------------------------- */

static guint64 mix64(guint64 x)
{
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

/* Cheap per endpoint (multiplies, no mixing rounds): the sum of both endpoints goes
 * through one finalizer. w0, w1: the address's 16 bytes as WtAddr holds them. */
static inline guint64 endpoint_words_hash(guint64 w0, guint64 w1, guint16 port, guint8 family)
{
  return w0 * 0x9E3779B97F4A7C15ull ^ w1 * 0xC2B2AE3D27D4EB4Full ^
         ((guint64) port << 8 | family) * 0x165667B19E3779F9ull;
}

static guint64 endpoint_hash(const WtAddr *a, guint16 port)
{
  guint64 w0, w1;
  memcpy(&w0, a->bytes, 8);
  memcpy(&w1, a->bytes + 8, 8);
  return endpoint_words_hash(w0, w1, port, a->family);
}

/* The same from the address in the frame: an IPv4 address fills the first 4 bytes of
 * WtAddr's 16, the rest are zero. */
static inline guint64 frame_endpoint_hash(const guint8 *addr, guint8 family, guint16 port)
{
  guint64 w0 = 0, w1 = 0;
  if (family == 4) {
    memcpy(&w0, addr, 4);
  } else {
    memcpy(&w0, addr, 8);
    memcpy(&w1, addr + 8, 8);
  }
  return endpoint_words_hash(w0, w1, port, family);
}

static inline guint shard_of(const Router *r, guint64 endpoints_sum)
{
  guint64 h = mix64(endpoints_sum);
  return (guint) (((h >> 32) * r->n) >> 32);
}

/* Direction-independent: the sum does not care which endpoint is which. Inline: the
 * reader runs it on every frame. */
static inline guint pick(const Router *r, const WtAddr *a, guint16 pa, const WtAddr *b,
                         guint16 pb)
{
  return shard_of(r, endpoint_hash(a, pa) + endpoint_hash(b, pb));
}

/* pick for a frame of the fast path, with the family known once for both endpoints. */
static inline guint pick_flow(const Router *r, const WtRouteFlow *f)
{
  if (f->family == 4)
    return shard_of(r, frame_endpoint_hash(f->src, 4, f->sport) +
                           frame_endpoint_hash(f->dst, 4, f->dport));
  return shard_of(r, frame_endpoint_hash(f->src, 6, f->sport) +
                         frame_endpoint_hash(f->dst, 6, f->dport));
}

/* The frame's flow or its datagram's identity from the decode tables (the fast path
 * failed or was not asked). */
static WtRouteKind route_tables(Router *r, const guint8 *bytes, guint32 caplen,
                                guint32 wirelen, int linktype, WtRouteKey *key)
{
  WtPacket pkt;
  pkt.ts_ns = 0;
  pkt.caplen = caplen;
  pkt.wirelen = wirelen;
  pkt.linktype = linktype;
  pkt.frame = bytes;
  return wt_decode_route(r->dec, &pkt, key);
}

/* The frame's flow, or its datagram's identity, from the decode tables. */
static WtRouteKind route(Router *r, const guint8 *bytes, guint32 caplen, guint32 wirelen,
                         int linktype, WtRouteKey *key)
{
  if (G_LIKELY(wt_decode_route_fast(r->dec, bytes, caplen, linktype, key)))
    return key->kind;
  return route_tables(r, bytes, caplen, wirelen, linktype, key);
}

guint wt_workers_shard(WtWorkers *w, const guint8 *bytes, guint32 caplen, guint32 wirelen,
                       int linktype)
{
  Router *r = &w->router;
  WtRouteKey key;
  switch (route(r, bytes, caplen, wirelen, linktype, &key)) {
  case WT_ROUTE_FRAGMENT: {
    FragEntry *e = g_hash_table_lookup(r->frags, &key.datagram);
    if (e && e->worker >= 0)
      return (guint) e->worker;
    if (key.frag_offset != 0)
      return pick(r, &key.src, 0, &key.dst, 0); /* if its first fragment never comes */
    return pick(r, &key.src, key.sport, &key.dst, key.dport);
  }
  case WT_ROUTE_FLOW:
    return pick(r, &key.src, key.sport, &key.dst, key.dport);
  default:
    return 0;
  }
}

/* ---- routing: fragments ------------------------------------------------------------------ */

static guint frag_hash(gconstpointer p)
{
  const WtIpFragKey *k = p;
  return (guint) mix64(endpoint_hash(&k->src, 0) ^ endpoint_hash(&k->dst, 0) ^
                       ((guint64) k->id << 8 | k->proto));
}

static gboolean frag_equal(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, sizeof(WtIpFragKey)) == 0;
}

static void frag_entry_free(gpointer p)
{
  FragEntry *e = p;
  if (e->parked)
    g_ptr_array_free(e->parked, TRUE);
  g_free(e);
}

static void router_init(Router *r, guint n, const WtDecodeLimits *limits, DeliverFunc deliver,
                        gpointer user)
{
  WtDecodeLimits dl = *limits;
  r->n = n;
  r->frag_timeout_ns = dl.frag_timeout_ns > 0 ? dl.frag_timeout_ns
                                              : WT_DECODE_DEFAULT_FRAG_TIMEOUT_NS;
  r->dec = wt_decoders_new(&dl); /* the same VLAN depth limit as the workers' */
  r->frags = g_hash_table_new_full(frag_hash, frag_equal, g_free, frag_entry_free);
  r->deliver = deliver;
  r->deliver_user = user;
}

static void router_clear(Router *r)
{
  if (r->frags)
    g_hash_table_destroy(r->frags);
  if (r->dec)
    wt_decoders_free(r->dec);
  r->frags = NULL;
  r->dec = NULL;
}

/* The parked fragments of e, in arrival order, to `worker` (before anything else it gets
 * from now on). */
static void release(Router *r, FragEntry *e, guint worker)
{
  if (!e->parked)
    return;
  for (guint i = 0; i < e->parked->len; i++) {
    const Rec *p = g_ptr_array_index(e->parked, i);
    r->deliver(r->deliver_user, worker, p->frame_no, p->ts_ns, p->caplen, p->wirelen,
               p->linktype, (const guint8 *) (p + 1));
    r->parked_bytes -= rec_size(p->caplen);
  }
  g_ptr_array_free(e->parked, TRUE);
  e->parked = NULL;
}

/* Fragments whose datagram the pipeline would drop now (fragment timeout), or all when
 * `all`: parked ones go where their addresses shard, to be dropped there as one thread
 * drops them; entries are forgotten. */
static void expire_frags(Router *r, gint64 now_ns, gboolean all)
{
  if (g_hash_table_size(r->frags) == 0)
    return;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->frags);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    FragEntry *e = v;
    if (!all && now_ns - e->first_ts <= r->frag_timeout_ns)
      continue;
    release(r, e, e->worker >= 0 ? (guint) e->worker : e->addr_worker);
    g_hash_table_iter_remove(&it);
  }
}

static void route_fragment(Router *r, const WtRouteKey *rt, guint64 frame_no, gint64 ts_ns,
                           guint32 caplen, guint32 wirelen, int linktype,
                           const guint8 *bytes)
{
  FragEntry *e = g_hash_table_lookup(r->frags, &rt->datagram);
  if (!e) {
    e = g_new0(FragEntry, 1);
    e->worker = -1;
    e->addr_worker = pick(r, &rt->src, 0, &rt->dst, 0);
    e->first_ts = ts_ns;
    g_hash_table_insert(r->frags, g_memdup2(&rt->datagram, sizeof rt->datagram), e);
  }
  if (rt->frag_offset == 0 && e->worker < 0) {
    /* the ports are 0 when the first fragment did not hold them: by addresses */
    e->worker = (int) pick(r, &rt->src, rt->sport, &rt->dst, rt->dport);
    release(r, e, (guint) e->worker);
  }
  /* Complete (by byte count): forget it, so that a later datagram reusing the IP id
   * (another flow, perhaps) is routed by its own first fragment. */
  e->have += rt->frag_len;
  if (!rt->frag_more)
    e->total = (guint64) rt->frag_offset + rt->frag_len;
  if (e->worker >= 0) {
    r->deliver(r->deliver_user, (guint) e->worker, frame_no, ts_ns, caplen, wirelen,
               linktype, bytes);
    if (e->total && e->have >= e->total)
      g_hash_table_remove(r->frags, &rt->datagram);
    return;
  }
  /* before its first fragment: wait for it (bounded) */
  Rec *p = g_malloc(rec_size(caplen));
  p->frame_no = frame_no;
  p->ts_ns = ts_ns;
  p->caplen = caplen;
  p->wirelen = wirelen;
  p->linktype = linktype;
  p->kind = REC_FRAME;
  memcpy(p + 1, bytes, caplen);
  if (!e->parked)
    e->parked = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(e->parked, p);
  r->parked_bytes += rec_size(caplen);
  if (r->parked_bytes > PARKED_BYTES_MAX) {
    /* a flood of orphan fragments: give up waiting, by addresses */
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, r->frags);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
      FragEntry *o = v;
      if (o->worker < 0 && o->parked) {
        o->worker = (int) o->addr_worker;
        release(r, o, o->addr_worker);
      }
    }
  }
}

#define ROUTE_DELIVERED G_MAXUINT

/* The worker of a frame; ROUTE_DELIVERED for an IP fragment, which went to r->deliver (or
 * was parked until its datagram's first fragment comes). */
static G_GNUC_NO_INLINE guint router_frame_tables(Router *r, guint64 frame_no, gint64 ts_ns,
                                                   guint32 caplen, guint32 wirelen,
                                                   int linktype, const guint8 *bytes)
{
  WtRouteKey key;
  switch (route_tables(r, bytes, caplen, wirelen, linktype, &key)) {
  case WT_ROUTE_FRAGMENT:
    route_fragment(r, &key, frame_no, ts_ns, caplen, wirelen, linktype, bytes);
    return ROUTE_DELIVERED;
  case WT_ROUTE_FLOW:
    return pick(r, &key.src, key.sport, &key.dst, key.dport);
  default:
    return 0;
  }
}

/* The fast path inline, everything else (and its large WtRouteKey) out of line: with
 * replicated reading every worker runs this on every frame. */
static inline guint router_frame(Router *r, guint64 frame_no, gint64 ts_ns, guint32 caplen,
                                 guint32 wirelen, int linktype, const guint8 *bytes)
{
  WtRouteFlow flow;
  if (G_LIKELY(wt_route_flow_fast(r->dec, bytes, caplen, linktype, &flow)))
    return pick_flow(r, &flow);
  return router_frame_tables(r, frame_no, ts_ns, caplen, wirelen, linktype, bytes);
}

/* ---- reader side: the frame loop ---------------------------------------------------- */

static void deliver_to_batch(gpointer user, guint worker, guint64 frame_no, gint64 ts_ns,
                             guint32 caplen, guint32 wirelen, int linktype,
                             const guint8 *bytes)
{
  WtWorkers *w = user;
  put_frame(&w->workers[worker], frame_no, ts_ns, caplen, wirelen, linktype, bytes);
}

void wt_workers_frame(gpointer workers, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                      const guint8 *bytes, int linktype)
{
  WtWorkers *w = workers;
  guint64 frame_no = ++w->frame_no;
  if (!w->anchored) {
    for (guint i = 0; i < w->n; i++)
      put_mark(&w->workers[i], REC_ANCHOR, ts_ns);
    w->anchored = TRUE;
  }
  if (wt_analyzer_count_frame(w->main, ts_ns, caplen, wirelen)) {
    expire_frags(&w->router, ts_ns, FALSE);
    for (guint i = 0; i < w->n; i++)
      put_mark(&w->workers[i], REC_EXPIRE, ts_ns);
  }
  guint worker = router_frame(&w->router, frame_no, ts_ns, caplen, wirelen, linktype, bytes);
  if (worker != ROUTE_DELIVERED)
    put_frame(&w->workers[worker], frame_no, ts_ns, caplen, wirelen, linktype, bytes);
}

void wt_workers_idle(WtWorkers *w)
{
  if (w->src)
    return; /* fanout: the workers read and flush on their own */
  if (g_get_monotonic_time() - w->last_send_us < IDLE_SEND_US)
    return;
  for (guint i = 0; i < w->n; i++)
    if (w->workers[i].cur->used)
      send_batch(&w->workers[i]);
  w->last_send_us = g_get_monotonic_time();
}

/* ---- fanout: each worker reads its own handle ---------------------------------------- */

/* The shared part of a frame, under one lock: its number in the whole capture, the
 * summary, the anchor and whether a timer round is due (then run here, at the frame's
 * time, before the frame). FALSE past the -c limit. */
static gboolean fanout_count(Worker *wk, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                             guint64 *frame_no)
{
  WtWorkers *w = wk->w;
  gboolean in_order = ts_ns >= wk->last_ts;
  if (in_order)
    wk->last_ts = ts_ns;
  g_mutex_lock(&w->count_lock);
  gboolean over = w->limit && w->frame_no >= w->limit;
  if (!over) {
    *frame_no = ++w->frame_no;
    if (!w->anchored) {
      w->anchored = TRUE;
      w->anchor_ts = ts_ns;
    }
    if (wt_analyzer_count_member_frame(w->main, ts_ns, caplen, wirelen, in_order)) {
      w->expire_gen++;
      w->expire_ts = ts_ns;
    }
  }
  gint64 anchor = w->anchor_ts;
  guint gen = w->expire_gen;
  g_mutex_unlock(&w->count_lock);
  if (over) {
    g_atomic_int_set(&w->stop, 1);
    return FALSE;
  }
  if (!wk->anchored) {
    wt_analyzer_anchor(wk->an, anchor);
    wk->anchored = TRUE;
  }
  if (gen != wk->expire_gen) { /* a timer round came due: at this frame's time */
    wk->expire_gen = gen;
    wt_analyzer_expire(wk->an, ts_ns);
  }
  return TRUE;
}

/* Between reads: the timers of this worker's pipeline when a round came due since it last
 * ran one (another worker's frame called it), at the instant it was called. */
static void fanout_timers(Worker *wk)
{
  WtWorkers *w = wk->w;
  g_mutex_lock(&w->count_lock);
  guint gen = w->expire_gen;
  gint64 at = w->expire_ts;
  g_mutex_unlock(&w->count_lock);
  if (gen == wk->expire_gen)
    return;
  wk->expire_gen = gen;
  wt_analyzer_expire(wk->an, at);
  wk->unpublished = TRUE; /* flows may have ended: their counts go to the metrics too */
}

static void fanout_frame(gpointer user, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                         const guint8 *bytes, int linktype)
{
  Worker *wk = user;
  guint64 frame_no;
  if (!fanout_count(wk, ts_ns, caplen, wirelen, &frame_no)) {
    wt_capture_break(wk->w->src);
    return;
  }
  wt_analyzer_worker_frame(wk->an, frame_no, ts_ns, caplen, wirelen, bytes, linktype);
  wk->unpublished = TRUE;
}

static void fanout_error(WtWorkers *w, const char *message)
{
  g_mutex_lock(&w->count_lock);
  if (!w->read_error)
    w->read_error = g_strdup(message);
  g_mutex_unlock(&w->count_lock);
  g_atomic_int_set(&w->stop, 1);
}

/* The workers stopped for the -c limit or a read error rather than a stop from outside. */
static gboolean fanout_stopped_itself(WtWorkers *w)
{
  g_mutex_lock(&w->count_lock);
  gboolean itself = w->read_error || (w->limit && w->frame_no >= w->limit);
  g_mutex_unlock(&w->count_lock);
  return itself;
}

static gpointer fanout_main(gpointer data)
{
  Worker *wk = data;
  WtWorkers *w = wk->w;
  int fd = wt_capture_member_fd(w->src, wk->member);
  while (!g_atomic_int_get(&w->stop)) {
    if (fd >= 0) {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      poll(&pfd, 1, 200); /* bounded: the stop flag is seen within 200 ms */
    }
    g_autoptr(GError) err = NULL;
    int n = wt_capture_dispatch_member(w->src, wk->member, -1, fanout_frame, wk, &err);
    if (n == -1) {
      fanout_error(w, err->message);
      break;
    }
    fanout_timers(wk);
    flush_logs(wk);
    if (w->live_metrics && wk->unpublished &&
        g_get_monotonic_time() - wk->published_us >= METRICS_PUBLISH_US)
      publish_metrics(wk);
  }
  if (!fanout_stopped_itself(w)) /* a stop from outside: what the kernel still held */
    wt_capture_drain_member(w->src, wk->member, fanout_frame, wk);
  wt_analyzer_finish(wk->an); /* every flow ends: the last log lines */
  flush_logs(wk);
  return NULL;
}

guint64 wt_workers_frames(WtWorkers *w)
{
  if (w->replicated)
    return __atomic_load_n(&w->workers[0].published_frames, __ATOMIC_RELAXED);
  g_mutex_lock(&w->count_lock);
  guint64 n = w->frame_no;
  g_mutex_unlock(&w->count_lock);
  return n;
}

gboolean wt_workers_running(WtWorkers *w)
{
  if (w->replicated)
    return g_atomic_int_get(&w->reading) > 0;
  return !g_atomic_int_get(&w->stop);
}

const char *wt_workers_read_error(WtWorkers *w)
{
  return w->read_error;
}

void wt_workers_metrics_capture(WtWorkers *w, WtMetrics *m)
{
  g_mutex_lock(&w->count_lock);
  wt_analyzer_metrics_capture(w->main, m);
  g_mutex_unlock(&w->count_lock);
}

/* ---- replicated reading: every worker reads the files -------------------------------- */

/* Frames per read of a replica: the stop flag, the logs and the published count are looked
 * at between reads. */
#define REPLICA_READ_FRAMES 4096

/* A frame routed (now, or released from parking) to `worker`: analysed if it is this one. */
static void deliver_here(gpointer user, guint worker, guint64 frame_no, gint64 ts_ns,
                         guint32 caplen, guint32 wirelen, int linktype, const guint8 *bytes)
{
  Worker *wk = user;
  if (worker == wk->member)
    wt_analyzer_worker_frame(wk->an, frame_no, ts_ns, caplen, wirelen, bytes, linktype);
}

/* Every worker runs this on every frame of the input, in the same order, so the frame
 * numbers, the timer instants and the router's decisions (its fragment table, parking) are
 * the same in all of them: each analyses the frames routed to it, as the reader's batches
 * would have given them. No stop test here: the reads end at the stop frame
 * (replica_read_source). */
static inline void replica_frame_common(Worker *wk, gint64 ts_ns, guint32 caplen,
                                        guint32 wirelen, const guint8 *bytes, int linktype)
{
  guint64 frame_no = ++wk->frame_no;
  if (G_UNLIKELY(frame_no == 1))
    wt_analyzer_anchor(wk->an, ts_ns);
  if (G_UNLIKELY(wt_analyzer_timer_due(&wk->next_expire_ts, ts_ns))) {
    expire_frags(&wk->router, ts_ns, FALSE);
    wt_analyzer_expire(wk->an, ts_ns);
  }
  guint to = router_frame(&wk->router, frame_no, ts_ns, caplen, wirelen, linktype, bytes);
  if (to == wk->member)
    wt_analyzer_worker_frame(wk->an, frame_no, ts_ns, caplen, wirelen, bytes, linktype);
}

static void replica_frame(gpointer user, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                          const guint8 *bytes, int linktype)
{
  replica_frame_common(user, ts_ns, caplen, wirelen, bytes, linktype);
}

/* Worker 0's: it also counts the capture summary (a callback of its own, so that the
 * others test nothing for it). */
static void replica_frame_counting(gpointer user, gint64 ts_ns, guint32 caplen,
                                   guint32 wirelen, const guint8 *bytes, int linktype)
{
  Worker *wk = user;
  wt_analyzer_count_frame(wk->w->main, ts_ns, caplen, wirelen);
  replica_frame_common(wk, ts_ns, caplen, wirelen, bytes, linktype);
}

/* One source to its end, a read error or the stop frame. Worker 0 names the source in the
 * main analyzer (as the one-thread loop does before reading it) and keeps its error. Each
 * read is cut at the stop frame (-c, or a stop) as it was when the read began, so every
 * worker ends at the same frame (wt_workers_stop leaves room for the reads under way). */
static void replica_read_source(Worker *wk, guint i)
{
  WtWorkers *w = wk->w;
  WtCaptureSource *src = g_ptr_array_index(w->sources, i);
  if (wk->member == 0) {
    g_atomic_int_set(&w->current_source, (gint) i);
    wt_analyzer_add_source(w->main, wt_capture_name(src), FALSE);
  }
  WtFrameFunc frame = wk->member == 0 ? replica_frame_counting : replica_frame;
  wk->reading = wk->readers[i];
  for (;;) {
    guint64 stop_at = __atomic_load_n(&w->stop_at, __ATOMIC_RELAXED);
    if (wk->frame_no >= stop_at) {
      wt_capture_replica_done(wk->reading); /* the others do not wait for it */
      return;
    }
    guint64 left = stop_at - wk->frame_no;
    int max = left < REPLICA_READ_FRAMES ? (int) left : REPLICA_READ_FRAMES;
    g_autoptr(GError) err = NULL;
    int n = wt_capture_replica_dispatch(wk->reading, max, frame, wk, &err);
    __atomic_store_n(&wk->published_frames, wk->frame_no, __ATOMIC_RELAXED);
    flush_logs(wk);
    if (n == -1 && wk->member == 0)
      w->source_errors[i] = g_strdup(err->message);
    if (n <= 0) {
      wt_capture_replica_done(wk->reading);
      return;
    }
  }
}

static gpointer replica_main(gpointer data)
{
  Worker *wk = data;
  WtWorkers *w = wk->w;
  for (guint i = 0; i < w->sources->len; i++) {
    /* as the one-thread loop: no further source once the stop frame is reached */
    if (wk->frame_no >= __atomic_load_n(&w->stop_at, __ATOMIC_RELAXED))
      break;
    replica_read_source(wk, i);
  }
  for (guint i = 0; i < w->sources->len; i++) /* files it stopped before: nobody waits */
    wt_capture_replica_done(wk->readers[i]);
  expire_frags(&wk->router, 0, TRUE); /* parked fragments whose first one never came */
  wt_analyzer_finish(wk->an);         /* every flow ends: the last log lines */
  flush_logs(wk);
  g_mutex_lock(&w->done_lock);
  if (g_atomic_int_dec_and_test(&w->reading))
    g_cond_broadcast(&w->done_cond);
  g_mutex_unlock(&w->done_lock);
  return NULL;
}

gboolean wt_workers_wait(WtWorkers *w, gint64 timeout_us)
{
  gint64 until = g_get_monotonic_time() + timeout_us;
  g_mutex_lock(&w->done_lock);
  while (g_atomic_int_get(&w->reading) > 0)
    if (!g_cond_wait_until(&w->done_cond, &w->done_lock, until))
      break;
  gboolean done = g_atomic_int_get(&w->reading) == 0;
  g_mutex_unlock(&w->done_lock);
  return done;
}

void wt_workers_stop(WtWorkers *w)
{
  if (!w->replicated) {
    g_atomic_int_set(&w->stop, 1);
    return;
  }
  /* A worker is at most one read ahead of the count it published, and a read that began
   * before the new stop frame is seen runs to its end: stopping every one at a frame
   * three reads past the furthest keeps them equal (the frames up to it are analysed). */
  guint64 furthest = 0;
  for (guint i = 0; i < w->n; i++)
    furthest = MAX(furthest, __atomic_load_n(&w->workers[i].published_frames,
                                             __ATOMIC_RELAXED));
  guint64 at = furthest + 3 * REPLICA_READ_FRAMES;
  guint64 cur = __atomic_load_n(&w->stop_at, __ATOMIC_RELAXED);
  while (at < cur &&
         !__atomic_compare_exchange_n(&w->stop_at, &cur, at, FALSE, __ATOMIC_RELAXED,
                                      __ATOMIC_RELAXED)) {
  }
}

guint wt_workers_current_source(WtWorkers *w)
{
  return (guint) g_atomic_int_get(&w->current_source);
}

const char *wt_workers_source_error(WtWorkers *w, guint i)
{
  return w->replicated && i < w->sources->len ? w->source_errors[i] : NULL;
}

/* ---- set-up and the end ------------------------------------------------------------- */

void wt_workers_metrics(WtWorkers *w, WtMetrics *m)
{
  g_mutex_lock(&w->metrics_lock);
  for (guint i = 0; i < w->n; i++)
    if (w->workers[i].metrics)
      wt_metrics_merge(m, w->workers[i].metrics);
  g_mutex_unlock(&w->metrics_lock);
}

static void worker_clear(Worker *wk)
{
  wt_metrics_free(wk->metrics);
  wt_analyzer_free(wk->an); /* before its log streams: nothing is written any more */
  for (guint t = 0; t < wk->n_logs; t++)
    wt_log_buffer_free(wk->logs[t]);
  if (wk->cur)
    batch_free(wk->cur);
  for (guint i = 0; wk->readers && i < wk->w->sources->len; i++)
    wt_capture_replica_free(wk->readers[i]);
  g_free(wk->readers);
  router_clear(&wk->router);
  if (wk->empty)
    g_async_queue_unref(wk->empty);
  if (wk->full)
    g_async_queue_unref(wk->full);
}

static void workers_free(WtWorkers *w)
{
  for (guint i = 0; i < w->n; i++)
    worker_clear(&w->workers[i]);
  g_free(w->workers);
  router_clear(&w->router);
  g_mutex_clear(&w->log_lock);
  g_mutex_clear(&w->metrics_lock);
  g_mutex_clear(&w->count_lock);
  g_mutex_clear(&w->done_lock);
  g_cond_clear(&w->done_cond);
  g_free(w->read_error);
  if (w->source_errors)
    for (guint i = 0; i < w->sources->len; i++)
      g_free(w->source_errors[i]);
  g_free(w->source_errors);
  g_free(w);
}

/* Replicated reading: a reader of every source (worker 0's reports the progress) and a
 * router of its own. */
static gboolean replica_init(WtWorkers *w, Worker *wk, const WtAnalyzerConfig *cfg,
                             GError **error)
{
  router_init(&wk->router, w->n, &cfg->decode, deliver_here, wk);
  wk->readers = g_new0(WtCaptureReplica *, w->sources->len);
  for (guint i = 0; i < w->sources->len; i++) {
    WtCaptureSource *src = g_ptr_array_index(w->sources, i);
    wk->readers[i] = wt_capture_replica_new(src, wk->member == 0);
    if (!wk->readers[i]) {
      g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_OPEN,
                  _("%s: cannot map the file once more for --threads; give --threads 1"),
                  wt_capture_name(src));
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean worker_init(WtWorkers *w, Worker *wk, const WtAnalyzerConfig *cfg,
                            GError **error)
{
  wk->w = w;
  wk->an = wt_analyzer_new_worker(cfg, error);
  if (!wk->an)
    return FALSE;
  for (guint t = 0; t < wt_analyzer_n_log_sinks(w->main) && t < WT_LOG_MAX_TABLES; t++) {
    wk->logs[wk->n_logs] = wt_log_buffer_new(wt_analyzer_log_sink(w->main, t));
    wt_analyzer_add_log(wk->an, wt_log_buffer_log(wk->logs[wk->n_logs++]));
  }
  if (w->src)
    return TRUE; /* fanout: the worker reads its own handle, no batches */
  if (w->replicated)
    return replica_init(w, wk, cfg, error);
  wk->full = g_async_queue_new();
  wk->empty = g_async_queue_new_full(batch_free);
  for (int i = 1; i < BATCHES_PER_WORKER; i++)
    g_async_queue_push(wk->empty, batch_new());
  wk->cur = batch_new();
  return TRUE;
}

static WtWorkers *workers_new(WtAnalyzer *main, const WtAnalyzerConfig *cfg, guint n,
                              WtCaptureSource *src, GPtrArray *sources, guint64 limit,
                              GError **error)
{
  g_return_val_if_fail(n >= 1, NULL);
  WtWorkers *w = g_new0(WtWorkers, 1);
  w->main = main;
  w->n = n;
  w->src = src;
  w->limit = limit;
  w->replicated = sources != NULL;
  w->sources = sources;
  w->stop_at = limit ? limit : G_MAXUINT64;
  w->reading = (gint) n;
  if (sources)
    w->source_errors = g_new0(char *, sources->len);
  g_mutex_init(&w->log_lock);
  g_mutex_init(&w->metrics_lock);
  g_mutex_init(&w->count_lock);
  g_mutex_init(&w->done_lock);
  g_cond_init(&w->done_cond);
  w->live_metrics = cfg->live_metrics;
  router_init(&w->router, n, &cfg->decode, deliver_to_batch, w);
  w->workers = g_new0(Worker, n);
  for (guint i = 0; i < n; i++) {
    w->workers[i].member = i;
    if (!worker_init(w, &w->workers[i], cfg, error)) {
      workers_free(w);
      return NULL;
    }
  }
  /* Ctrl-C and friends stop the reader (main.c's handler breaks its read): the workers
   * never take them, so they are born with them blocked. */
  sigset_t stop, old;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop, &old);
  for (guint i = 0; i < n; i++) {
    g_autofree char *name = g_strdup_printf("wiretab-w%u", i);
    GThreadFunc run = src ? fanout_main : sources ? replica_main : worker_main;
    w->workers[i].thread = g_thread_new(name, run, &w->workers[i]);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  w->last_send_us = g_get_monotonic_time();
  return w;
}

WtWorkers *wt_workers_new(WtAnalyzer *main, const WtAnalyzerConfig *cfg, guint n,
                          GError **error)
{
  return workers_new(main, cfg, n, NULL, NULL, 0, error);
}

WtWorkers *wt_workers_new_replicated(WtAnalyzer *main, const WtAnalyzerConfig *cfg, guint n,
                                     GPtrArray *sources, guint64 limit, GError **error)
{
  return workers_new(main, cfg, n, NULL, sources, limit, error);
}

WtWorkers *wt_workers_new_fanout(WtAnalyzer *main, const WtAnalyzerConfig *cfg,
                                 WtCaptureSource *src, guint64 limit, GError **error)
{
  wt_capture_set_nonblocking(src, TRUE);
  return workers_new(main, cfg, wt_capture_members(src), src, NULL, limit, error);
}

void wt_workers_finish(WtWorkers *w)
{
  expire_frags(&w->router, 0, TRUE);
  g_atomic_int_set(&w->stop, 1); /* fanout: the read loops end */
  for (guint i = 0; i < w->n && !w->src && !w->replicated; i++) {
    Worker *wk = &w->workers[i];
    wk->cur->end = TRUE;
    g_async_queue_push(wk->full, wk->cur);
    wk->cur = NULL;
  }
  for (guint i = 0; i < w->n; i++) {
    g_thread_join(w->workers[i].thread);
    wt_analyzer_merge(w->main, w->workers[i].an);
  }
  workers_free(w);
}
