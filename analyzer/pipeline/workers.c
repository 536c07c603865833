/* --threads: reader, batches, worker threads, per-worker log buffers. See workers.h. */
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
  /* the pipeline's decode tables, headers only: which flow a frame belongs to */
  WtDecoders *route;
  GHashTable *frags;     /* WtIpFragKey -> FragEntry */
  gsize parked_bytes;
  gint64 frag_timeout_ns;
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
 * through one finalizer. */
static guint64 endpoint_hash(const WtAddr *a, guint16 port)
{
  guint64 w0, w1;
  memcpy(&w0, a->bytes, 8);
  memcpy(&w1, a->bytes + 8, 8);
  return w0 * 0x9E3779B97F4A7C15ull ^ w1 * 0xC2B2AE3D27D4EB4Full ^
         ((guint64) port << 8 | a->family) * 0x165667B19E3779F9ull;
}

/* Direction-independent: the sum does not care which endpoint is which. Inline: the
 * reader runs it on every frame. */
static inline guint pick(const WtWorkers *w, const WtAddr *a, guint16 pa,
                         const WtAddr *b, guint16 pb)
{
  guint64 h = mix64(endpoint_hash(a, pa) + endpoint_hash(b, pb));
  return (guint) (((h >> 32) * w->n) >> 32);
}

/* The frame's flow, or its datagram's identity, from the decode tables. */
static WtRouteKind route(WtWorkers *w, const guint8 *bytes, guint32 caplen, guint32 wirelen,
                         int linktype, WtRouteKey *key)
{
  if (G_LIKELY(wt_decode_route_fast(w->route, bytes, caplen, linktype, key)))
    return key->kind;
  WtPacket pkt;
  pkt.ts_ns = 0;
  pkt.caplen = caplen;
  pkt.wirelen = wirelen;
  pkt.linktype = linktype;
  pkt.frame = bytes;
  return wt_decode_route(w->route, &pkt, key);
}

guint wt_workers_shard(WtWorkers *w, const guint8 *bytes, guint32 caplen, guint32 wirelen,
                       int linktype)
{
  WtRouteKey key;
  switch (route(w, bytes, caplen, wirelen, linktype, &key)) {
  case WT_ROUTE_FRAGMENT: {
    FragEntry *e = g_hash_table_lookup(w->frags, &key.datagram);
    if (e && e->worker >= 0)
      return (guint) e->worker;
    if (key.frag_offset != 0)
      return pick(w, &key.src, 0, &key.dst, 0); /* if its first fragment never comes */
    return pick(w, &key.src, key.sport, &key.dst, key.dport);
  }
  case WT_ROUTE_FLOW:
    return pick(w, &key.src, key.sport, &key.dst, key.dport);
  default:
    return 0;
  }
}

/* ---- reader side: fragments ------------------------------------------------------------ */

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

/* The parked fragments of e, in arrival order, to `worker` (before anything else it gets
 * from now on). */
static void release(WtWorkers *w, FragEntry *e, guint worker)
{
  if (!e->parked)
    return;
  for (guint i = 0; i < e->parked->len; i++) {
    const Rec *r = g_ptr_array_index(e->parked, i);
    put_frame(&w->workers[worker], r->frame_no, r->ts_ns, r->caplen, r->wirelen,
              r->linktype, (const guint8 *) (r + 1));
    w->parked_bytes -= rec_size(r->caplen);
  }
  g_ptr_array_free(e->parked, TRUE);
  e->parked = NULL;
}

/* Fragments whose datagram the pipeline would drop now (fragment timeout), or all when
 * `all`: parked ones go where their addresses shard, to be dropped there as one thread
 * drops them; entries are forgotten. */
static void expire_frags(WtWorkers *w, gint64 now_ns, gboolean all)
{
  if (g_hash_table_size(w->frags) == 0)
    return;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, w->frags);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    FragEntry *e = v;
    if (!all && now_ns - e->first_ts <= w->frag_timeout_ns)
      continue;
    release(w, e, e->worker >= 0 ? (guint) e->worker : e->addr_worker);
    g_hash_table_iter_remove(&it);
  }
}

static void route_fragment(WtWorkers *w, const WtRouteKey *rt, guint64 frame_no,
                           gint64 ts_ns, guint32 caplen, guint32 wirelen, int linktype,
                           const guint8 *bytes)
{
  FragEntry *e = g_hash_table_lookup(w->frags, &rt->datagram);
  if (!e) {
    e = g_new0(FragEntry, 1);
    e->worker = -1;
    e->addr_worker = pick(w, &rt->src, 0, &rt->dst, 0);
    e->first_ts = ts_ns;
    g_hash_table_insert(w->frags, g_memdup2(&rt->datagram, sizeof rt->datagram), e);
  }
  if (rt->frag_offset == 0 && e->worker < 0) {
    /* the ports are 0 when the first fragment did not hold them: by addresses */
    e->worker = (int) pick(w, &rt->src, rt->sport, &rt->dst, rt->dport);
    release(w, e, (guint) e->worker);
  }
  /* Complete (by byte count): forget it, so that a later datagram reusing the IP id
   * (another flow, perhaps) is routed by its own first fragment. */
  e->have += rt->frag_len;
  if (!rt->frag_more)
    e->total = (guint64) rt->frag_offset + rt->frag_len;
  if (e->worker >= 0) {
    put_frame(&w->workers[e->worker], frame_no, ts_ns, caplen, wirelen, linktype, bytes);
    if (e->total && e->have >= e->total)
      g_hash_table_remove(w->frags, &rt->datagram);
    return;
  }
  /* before its first fragment: wait for it (bounded) */
  Rec *r = g_malloc(rec_size(caplen));
  r->frame_no = frame_no;
  r->ts_ns = ts_ns;
  r->caplen = caplen;
  r->wirelen = wirelen;
  r->linktype = linktype;
  r->kind = REC_FRAME;
  memcpy(r + 1, bytes, caplen);
  if (!e->parked)
    e->parked = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(e->parked, r);
  w->parked_bytes += rec_size(caplen);
  if (w->parked_bytes > PARKED_BYTES_MAX) {
    /* a flood of orphan fragments: give up waiting, by addresses */
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, w->frags);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
      FragEntry *o = v;
      if (o->worker < 0 && o->parked) {
        o->worker = (int) o->addr_worker;
        release(w, o, o->addr_worker);
      }
    }
  }
}

/* ---- reader side: the frame loop ---------------------------------------------------- */

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
    expire_frags(w, ts_ns, FALSE);
    for (guint i = 0; i < w->n; i++)
      put_mark(&w->workers[i], REC_EXPIRE, ts_ns);
  }
  WtRouteKey key;
  guint worker;
  switch (route(w, bytes, caplen, wirelen, linktype, &key)) {
  case WT_ROUTE_FRAGMENT:
    route_fragment(w, &key, frame_no, ts_ns, caplen, wirelen, linktype, bytes);
    return;
  case WT_ROUTE_FLOW:
    worker = pick(w, &key.src, key.sport, &key.dst, key.dport);
    break;
  default:
    worker = 0;
    break;
  }
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
  g_mutex_lock(&w->count_lock);
  guint64 n = w->frame_no;
  g_mutex_unlock(&w->count_lock);
  return n;
}

gboolean wt_workers_running(WtWorkers *w)
{
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
  g_hash_table_destroy(w->frags);
  wt_decoders_free(w->route);
  g_mutex_clear(&w->log_lock);
  g_mutex_clear(&w->metrics_lock);
  g_mutex_clear(&w->count_lock);
  g_free(w->read_error);
  g_free(w);
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
  wk->full = g_async_queue_new();
  wk->empty = g_async_queue_new_full(batch_free);
  for (int i = 1; i < BATCHES_PER_WORKER; i++)
    g_async_queue_push(wk->empty, batch_new());
  wk->cur = batch_new();
  return TRUE;
}

static WtWorkers *workers_new(WtAnalyzer *main, const WtAnalyzerConfig *cfg, guint n,
                              WtCaptureSource *src, guint64 limit, GError **error)
{
  g_return_val_if_fail(n >= 1, NULL);
  WtWorkers *w = g_new0(WtWorkers, 1);
  w->main = main;
  w->n = n;
  w->src = src;
  w->limit = limit;
  g_mutex_init(&w->log_lock);
  g_mutex_init(&w->metrics_lock);
  g_mutex_init(&w->count_lock);
  w->live_metrics = cfg->live_metrics;
  WtDecodeLimits dl = cfg->decode;
  w->frag_timeout_ns = dl.frag_timeout_ns > 0 ? dl.frag_timeout_ns
                                              : WT_DECODE_DEFAULT_FRAG_TIMEOUT_NS;
  w->route = wt_decoders_new(&dl); /* the same VLAN depth limit as the workers' */
  w->frags = g_hash_table_new_full(frag_hash, frag_equal, g_free, frag_entry_free);
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
    w->workers[i].thread = g_thread_new(name, src ? fanout_main : worker_main,
                                        &w->workers[i]);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  w->last_send_us = g_get_monotonic_time();
  return w;
}

WtWorkers *wt_workers_new(WtAnalyzer *main, const WtAnalyzerConfig *cfg, guint n,
                          GError **error)
{
  return workers_new(main, cfg, n, NULL, 0, error);
}

WtWorkers *wt_workers_new_fanout(WtAnalyzer *main, const WtAnalyzerConfig *cfg,
                                 WtCaptureSource *src, guint64 limit, GError **error)
{
  wt_capture_set_nonblocking(src, TRUE);
  return workers_new(main, cfg, wt_capture_members(src), src, limit, error);
}

void wt_workers_finish(WtWorkers *w)
{
  expire_frags(w, 0, TRUE);
  g_atomic_int_set(&w->stop, 1); /* fanout: the read loops end */
  for (guint i = 0; i < w->n && !w->src; i++) {
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
