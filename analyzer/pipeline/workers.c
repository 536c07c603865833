/* --threads: reader, batches, worker threads, per-worker log buffers; shared reading of
 * pcap files (the workers read them in turns) and the live fanout. See workers.h. */
#include "analyzer/pipeline/workers.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
  REC_REF,    /* a frame in the file's mapping: a Ref, not a Rec */
  REC_REF_SUM_OK,  /* the same, its TCP or UDP checksum verified by the reading */
  REC_REF_SUM_BAD, /* the same, the checksum wrong */
} RecKind;

/* A record in a batch; a frame's bytes follow, padded to 8. */
typedef struct {
  guint16 kind; /* first in Rec and Ref: what the record is */
  guint16 unused;
  gint32 linktype;
  guint32 caplen, wirelen;
  guint64 frame_no; /* 1-based number in the whole input */
  gint64 ts_ns;
} Rec;

/* A frame in the file's mapping (the shared reading's chunks), relative to its chunk: its
 * number and address less the chunk's first, the link type the chunk's. 24 bytes, not a
 * Rec and a pointer (40): the records cross from the reading worker's CPU to the
 * analysing one's, and that costs by the line. */
typedef struct {
  guint16 kind; /* REC_REF + the WtL4Sum verdict of the reading */
  guint16 frame; /* frame_no - Chunk.first_frame (a chunk has at most CHUNK_FRAMES) */
  guint32 at;    /* bytes - Chunk.base (a chunk spans about CHUNK_FILE_BYTES) */
  guint32 caplen, wirelen;
  gint64 ts_ns;
} Ref;

/* The reading's verdict on the frame's checksum rides in the kind. */
G_STATIC_ASSERT(REC_REF + WT_L4_SUM_OK == REC_REF_SUM_OK &&
                REC_REF + WT_L4_SUM_BAD == REC_REF_SUM_BAD);

static inline gboolean is_ref(guint16 kind)
{
  return kind >= REC_REF;
}

static inline WtL4Sum ref_sum(guint16 kind)
{
  return (WtL4Sum) (kind - REC_REF);
}

static gsize rec_size(guint32 caplen)
{
  return sizeof(Rec) + (((gsize) caplen + 7) & ~(gsize) 7);
}

#define REF_SIZE sizeof(Ref)

static void rec_set(Rec *r, RecKind kind, guint64 frame_no, gint64 ts_ns, guint32 caplen,
                    guint32 wirelen, int linktype)
{
  r->frame_no = frame_no;
  r->ts_ns = ts_ns;
  r->caplen = caplen;
  r->wirelen = wirelen;
  r->linktype = linktype;
  r->kind = kind;
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

/* Where each frame goes: the decode tables (headers only) and the fragment table. One per
 * WtWorkers: the reader thread's, or the shared reading's (used by one worker at a time). */
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
  /* shared reading: per source, the offset from which it still needs the file (the
   * start of its next chunk) */
  WtCaptureReplica **holds;
  /* shared reading: where the worker's time went (wt_workers_write_times) */
  gint64 read_ns, wait_ns, start_ns, end_ns, cpu_ns;
  guint chunks_read_here;
} Worker;

/* Shared reading: the frames of a stretch of one source, routed: for each worker its
 * records (frames referred to in the file's mapping, timer instants). */
typedef struct {
  Batch *recs;         /* one per worker */
  const guint8 *base;  /* its first frame's bytes in the mapping: Ref.at counts from it */
  guint64 first_frame; /* the number before its first frame: Ref.frame counts from it */
  gint32 linktype;     /* its source's, for every Ref */
  guint source;
  gint64 next_offset;  /* the file offset after its last frame */
  gboolean source_end; /* the source ends with it */
  gboolean last;       /* no chunk after it */
  gint done;           /* atomic: workers done with it */
} Chunk;

/* Chunks in the ring: a worker may be this many behind the reading. */
#define CHUNK_RING 8
/* Chunks kept read ahead of a worker, so that nobody waits for a read. 3, not 2, since
 * the reading verifies checksums (0.615x one thread's time against 0.656x, 25 rounds). */
#define CHUNK_LEAD 3

/* A frame longer than this has its TCP or UDP checksum verified by the reading, and the
 * analysing worker asks only for these first bytes of it (headers, and an HTTP message's
 * start); a shorter one the worker reads whole and verifies itself. */
#define FRAME_HEAD_BYTES 256
/* Up to this many workers the reading verifies the checksums. It is the serial part: with
 * the sums ~560 instructions a frame, without ~310, against ~1,550 of analysis a frame
 * for all workers together, so from 4 workers on the reading would be the bound
 * (docs/performance.md, "Scaling to 8 and 16 cores"). */
#define READING_SUMS_MAX_WORKERS 3

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
  /* shared reading (wt_workers_new_replicated): the files, read in turns by the workers
   * (one at a time: reader_busy) into the ring of chunks */
  gboolean replicated;
  GPtrArray *sources;  /* WtCaptureSource, borrowed */
  WtCaptureReplica **source_readers; /* the read position in each source */
  guint64 stop_at;     /* atomic: no frame numbered above it is read */
  gint reading_workers; /* atomic: workers not finished */
  gint current_source; /* atomic: the source being read */
  char **source_errors; /* the read error per source, NULL if none */
  GMutex done_lock;    /* `reading_workers` reaching 0 is signalled on done_cond */
  GCond done_cond;
  /* what the reading worker (reader_busy) alone touches */
  guint read_source;
  gboolean source_named;
  gboolean input_end;  /* the last chunk is read */
  Chunk *reading;      /* the chunk being read */
  Chunk chunks[CHUNK_RING];
  guint64 chunks_read; /* atomic; written under chunk_lock */
  guint64 frames_read; /* atomic: frame_no after the last chunk read */
  GMutex chunk_lock;   /* chunk_cond: a chunk read, or one done by every worker */
  GCond chunk_cond;
  guint chunk_waiters; /* under chunk_lock: workers in chunk_wait() */
  gboolean reader_busy; /* under chunk_lock: a worker has the reading */
  guintptr prefetched; /* the reading: the file is asked for up to this address */
  gint64 started_ns;
  /* touch_ahead(): the source being read, where its reading is (after the last chunk) and
   * up to where its pages are mapped (all atomic; a stale pair costs time, not results) */
  gint touch_source;
  gint64 read_offset;
  gint64 touched;
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
  rec_set(r, REC_FRAME, frame_no, ts_ns, caplen, wirelen, linktype);
  memcpy(r + 1, bytes, caplen);
}

static void put_mark(Worker *wk, RecKind kind, gint64 ts_ns)
{
  rec_set(rec_alloc(wk, sizeof(Rec)), kind, 0, ts_ns, 0, 0, 0);
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
                               (const guint8 *) (r + 1), r->linktype, WT_L4_SUM_UNKNOWN);
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
  rec_set(p, REC_FRAME, frame_no, ts_ns, caplen, wirelen, linktype);
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

/* The fast path inline, everything else (and its large WtRouteKey) out of line: it runs
 * on every frame, in the serial part of the reading. */
static inline guint router_frame(Router *r, guint64 frame_no, gint64 ts_ns, guint32 caplen,
                                 guint32 wirelen, int linktype, const guint8 *bytes)
{
  WtRouteFlow flow;
  if (G_LIKELY(wt_route_flow_fast(r->dec, bytes, caplen, linktype, &flow)))
    return pick_flow(r, &flow);
  return router_frame_tables(r, frame_no, ts_ns, caplen, wirelen, linktype, bytes);
}

/* ---- reader side: the frame loop ---------------------------------------------------- */

/* Marks a timer instant or the anchor for every worker. */
typedef void (*MarkFunc)(WtWorkers *w, RecKind kind, gint64 ts_ns);

/* What the reading does with every frame, wherever the frames go (the reader thread's
 * batches, the shared reading's chunks): number it, count it into the capture summary,
 * mark the anchor and one thread's timer instants for every worker, route it. Inline
 * with a constant `mark`, so neither caller pays for the pointer. */
static inline guint reading_frame(WtWorkers *w, MarkFunc mark, gint64 ts_ns, guint32 caplen,
                                  guint32 wirelen, int linktype, const guint8 *bytes,
                                  guint64 *frame_no)
{
  *frame_no = ++w->frame_no;
  if (G_UNLIKELY(!w->anchored)) {
    mark(w, REC_ANCHOR, ts_ns);
    w->anchored = TRUE;
  }
  if (G_UNLIKELY(wt_analyzer_count_frame(w->main, ts_ns, caplen, wirelen))) {
    expire_frags(&w->router, ts_ns, FALSE);
    mark(w, REC_EXPIRE, ts_ns);
  }
  return router_frame(&w->router, *frame_no, ts_ns, caplen, wirelen, linktype, bytes);
}

static void batch_marks(WtWorkers *w, RecKind kind, gint64 ts_ns)
{
  for (guint i = 0; i < w->n; i++)
    put_mark(&w->workers[i], kind, ts_ns);
}

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
  guint64 frame_no;
  guint worker = reading_frame(w, batch_marks, ts_ns, caplen, wirelen, linktype, bytes,
                               &frame_no);
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
  wt_analyzer_worker_frame(wk->an, frame_no, ts_ns, caplen, wirelen, bytes, linktype,
                           WT_L4_SUM_UNKNOWN);
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
    return __atomic_load_n(&w->frames_read, __ATOMIC_RELAXED);
  g_mutex_lock(&w->count_lock);
  guint64 n = w->frame_no;
  g_mutex_unlock(&w->count_lock);
  return n;
}

gboolean wt_workers_running(WtWorkers *w)
{
  if (w->replicated)
    return g_atomic_int_get(&w->reading_workers) > 0;
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

/* ---- shared reading: the workers take turns at reading the files -------------------- */

/* Frames per chunk, and the file bytes after which a chunk ends early (large frames): the
 * ring's chunks bound the part of the file the workers hold at once. */
#define CHUNK_FRAMES 1024
#define CHUNK_FILE_BYTES ((gint64) 1 << 20)
#define CHUNK_READ_STEP 64 /* frames per read, so the byte bound is looked at often */
G_STATIC_ASSERT(CHUNK_FRAMES <= G_MAXUINT16); /* Ref.frame counts a chunk's frames */

static Rec *chunk_rec(Batch *b, gsize size)
{
  if (b->used + size > b->cap) {
    b->cap = MAX(b->cap * 2, b->used + size);
    b->data = g_realloc(b->data, b->cap);
  }
  Rec *r = (Rec *) (b->data + b->used);
  b->used += size;
  return r;
}

static void chunk_put_ref(Chunk *c, Batch *b, guint64 frame_no, gint64 ts_ns,
                          guint32 caplen, guint32 wirelen, int linktype, const guint8 *bytes,
                          WtL4Sum sum)
{
  if (G_UNLIKELY(!c->base)) { /* the chunk's first frame: one source, ascending addresses */
    c->base = bytes;
    c->linktype = linktype;
  }
  Ref *f = (Ref *) chunk_rec(b, REF_SIZE);
  f->kind = (guint16) (REC_REF + sum);
  f->frame = (guint16) (frame_no - c->first_frame);
  f->at = (guint32) (bytes - c->base);
  f->caplen = caplen;
  f->wirelen = wirelen;
  f->ts_ns = ts_ns;
}

static void chunk_put_mark(Batch *b, RecKind kind, gint64 ts_ns)
{
  rec_set(chunk_rec(b, sizeof(Rec)), kind, 0, ts_ns, 0, 0, 0);
}

static void chunk_marks(WtWorkers *w, RecKind kind, gint64 ts_ns)
{
  for (guint i = 0; i < w->n; i++)
    chunk_put_mark(&w->reading->recs[i], kind, ts_ns);
}

/* Fragments, now or released from parking: copied, as the parked ones live only until
 * released. */
static void deliver_to_chunk(gpointer user, guint worker, guint64 frame_no, gint64 ts_ns,
                             guint32 caplen, guint32 wirelen, int linktype,
                             const guint8 *bytes)
{
  WtWorkers *w = user;
  Rec *r = chunk_rec(&w->reading->recs[worker], rec_size(caplen));
  rec_set(r, REC_FRAME, frame_no, ts_ns, caplen, wirelen, linktype);
  memcpy(r + 1, bytes, caplen);
}

/* How far beyond the frame just read the reading has the CPU load the file. */
#define READ_PREFETCH_BYTES 8192

/* The reading skips most frames' bytes, and the next record's place is only known once
 * this one is read: without asking for the file ahead, every skipped frame waits for
 * memory. A line asked for once is not asked again; a frame before the last one asked
 * for, or far behind it, is another file's (a prefetch never faults, even past the end
 * of a mapping). */
static inline void prefetch_ahead(WtWorkers *w, const guint8 *end)
{
  guintptr at = (guintptr) end, want = at + READ_PREFETCH_BYTES, next = w->prefetched;
  if (next < at || next > want)
    next = at;
  for (; next < want; next += 64)
    __builtin_prefetch((const void *) next);
  w->prefetched = next;
}

/* The reader's frame function: what wt_workers_frame does, with the frame referred to in
 * the file's mapping instead of copied. */
static void shared_frame(gpointer user, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                         const guint8 *bytes, int linktype)
{
  WtWorkers *w = user;
  prefetch_ahead(w, bytes + caplen);
  guint64 frame_no;
  guint to = reading_frame(w, chunk_marks, ts_ns, caplen, wirelen, linktype, bytes,
                           &frame_no);
  /* The reading has every byte of the frame on its way in (prefetch_ahead): summing a long
   * frame here spares the analysing worker the bytes nothing else reads (most of a
   * response body's), which it would otherwise fetch again on its own CPU. */
  if (to != ROUTE_DELIVERED)
    chunk_put_ref(w->reading, &w->reading->recs[to], frame_no, ts_ns, caplen, wirelen,
                  linktype, bytes,
                  w->n <= READING_SUMS_MAX_WORKERS && caplen > FRAME_HEAD_BYTES
                      ? wt_decode_l4_sum(w->router.dec, bytes, caplen, wirelen, linktype)
                      : WT_L4_SUM_UNKNOWN);
}

/* chunk_cond's wait and wake, under chunk_lock. GLib's g_cond_broadcast() is a system
 * call whether anybody waits or not, and the reading wakes three times a chunk, where the
 * other worker is nearly never waiting: counted, the wake is only made for a waiter
 * (12,484 -> 1,120 futex calls on the 2 GB capture with two workers). */
static void chunk_wait(WtWorkers *w)
{
  w->chunk_waiters++;
  g_cond_wait(&w->chunk_cond, &w->chunk_lock);
  w->chunk_waiters--;
}

static void chunk_wake(WtWorkers *w)
{
  if (w->chunk_waiters)
    g_cond_broadcast(&w->chunk_cond);
}

/* Waits until every worker is done with the chunk that used slot k % CHUNK_RING. */
static void wait_slot(WtWorkers *w, guint64 k)
{
  Chunk *c = &w->chunks[k % CHUNK_RING];
  if (k < CHUNK_RING || (guint) g_atomic_int_get(&c->done) == w->n)
    return;
  g_mutex_lock(&w->chunk_lock);
  while ((guint) g_atomic_int_get(&c->done) < w->n)
    chunk_wait(w);
  g_mutex_unlock(&w->chunk_lock);
}

/* The reading (the right to read the next chunk, and what it guards) if nobody has it:
 * never waited for, as its holder may be waiting for this worker to finish an older chunk
 * (wait_slot). With `unless_read`, not if chunk unless_read is read meanwhile. */
static gboolean reading_take(WtWorkers *w, guint64 unless_read)
{
  g_mutex_lock(&w->chunk_lock);
  gboolean got = !w->reader_busy && w->chunks_read <= unless_read;
  if (got)
    w->reader_busy = TRUE;
  g_mutex_unlock(&w->chunk_lock);
  return got;
}

static void reading_give(WtWorkers *w)
{
  g_mutex_lock(&w->chunk_lock);
  w->reader_busy = FALSE;
  chunk_wake(w);
  g_mutex_unlock(&w->chunk_lock);
}

/* The next chunk, by the worker that has the reading: frames of one source up to
 * CHUNK_FRAMES, the source's end, the stop frame, or CHUNK_FILE_BYTES of the file. The
 * last chunk also releases the fragments still parked. */
static void read_chunk(WtWorkers *w)
{
  guint64 k = w->chunks_read;
  wait_slot(w, k);
  Chunk *c = &w->chunks[k % CHUNK_RING];
  for (guint i = 0; i < w->n; i++)
    c->recs[i].used = 0;
  c->source_end = c->last = FALSE;
  c->base = NULL;
  c->first_frame = w->frame_no;
  g_atomic_int_set(&c->done, 0);
  w->reading = c;
  guint frames = 0;
  gint64 chunk_start = -1; /* the file offset of its first frame */
  while (w->read_source < w->sources->len) {
    guint i = w->read_source;
    WtCaptureReplica *r = w->source_readers[i];
    if (!w->source_named) { /* as the one-thread loop does before reading it */
      g_atomic_int_set(&w->current_source, (gint) i);
      wt_analyzer_add_source(w->main, wt_capture_name(g_ptr_array_index(w->sources, i)),
                             FALSE);
      w->source_named = TRUE;
    }
    c->source = i;
    c->next_offset = wt_capture_replica_offset(r);
    if (chunk_start < 0)
      chunk_start = c->next_offset;
    guint64 stop_at = __atomic_load_n(&w->stop_at, __ATOMIC_RELAXED);
    if (w->frame_no >= stop_at) {
      w->read_source = w->sources->len; /* no further source either */
      break;
    }
    guint64 left = MIN(stop_at - w->frame_no, (guint64) (CHUNK_FRAMES - frames));
    g_autoptr(GError) err = NULL;
    int n = wt_capture_replica_dispatch(r, (int) MIN(left, CHUNK_READ_STEP), shared_frame, w,
                                        &err);
    if (n == -1)
      w->source_errors[i] = g_strdup(err->message);
    if (n <= 0) { /* its end, a read error (a break is not asked for) */
      c->source_end = TRUE;
      w->read_source++;
      __atomic_store_n(&w->read_offset, 0, __ATOMIC_RELAXED);
      __atomic_store_n(&w->touched, 0, __ATOMIC_RELAXED);
      g_atomic_int_set(&w->touch_source, (gint) w->read_source);
      w->source_named = FALSE;
      break;
    }
    frames += (guint) n;
    c->next_offset = wt_capture_replica_offset(r);
    __atomic_store_n(&w->read_offset, c->next_offset, __ATOMIC_RELAXED);
    if (frames >= CHUNK_FRAMES || c->next_offset - chunk_start >= CHUNK_FILE_BYTES)
      break;
  }
  if (w->read_source >= w->sources->len) {
    c->last = w->input_end = TRUE;
    expire_frags(&w->router, 0, TRUE); /* parked fragments whose first one never came */
  }
  w->reading = NULL;
  __atomic_store_n(&w->frames_read, w->frame_no, __ATOMIC_RELAXED);
  g_mutex_lock(&w->chunk_lock);
  __atomic_store_n(&w->chunks_read, k + 1, __ATOMIC_RELEASE);
  chunk_wake(w);
  g_mutex_unlock(&w->chunk_lock);
}

/* How far ahead of the reading the idle workers map the file, in steps of TOUCH_STEP: the
 * mapped pages count in the resident memory until given back behind the slowest worker. */
#define TOUCH_AHEAD ((gint64) 4 << 20)
#define TOUCH_STEP ((gint64) 1 << 20)

/* A worker not reading maps the file's pages ahead of the reading, so the page faults
 * are taken beside the reading rather than in it (the reading is the serial part). */
static void touch_ahead(Worker *wk)
{
  WtWorkers *w = wk->w;
  guint src = (guint) g_atomic_int_get(&w->touch_source);
  if (src >= w->sources->len)
    return;
  gint64 reading = __atomic_load_n(&w->read_offset, __ATOMIC_RELAXED);
  for (int steps = 0; steps < 2; steps++) { /* at most 2 steps, then back to analysing */
    gint64 cur = __atomic_load_n(&w->touched, __ATOMIC_RELAXED);
    gint64 at = MAX(cur, reading);
    if (at >= reading + TOUCH_AHEAD)
      return;
    if (!__atomic_compare_exchange_n(&w->touched, &cur, at + TOUCH_STEP, FALSE,
                                     __ATOMIC_RELAXED, __ATOMIC_RELAXED))
      continue; /* another worker took this step */
    if (wt_capture_replica_touch(wk->holds[src], at, TOUCH_STEP) <= 0)
      return;
  }
}

static gint64 now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* read_chunk by worker wk (which has the reading), counted in its times. */
static void read_chunk_timed(Worker *wk)
{
  gint64 t0 = now_ns();
  read_chunk(wk->w);
  wk->read_ns += now_ns() - t0;
  wk->chunks_read_here++;
}

/* Chunk k is read: by this worker, or by another (waited for). FALSE after the last
 * chunk. */
static gboolean chunk_ready(Worker *wk, guint64 k)
{
  WtWorkers *w = wk->w;
  while (__atomic_load_n(&w->chunks_read, __ATOMIC_ACQUIRE) <= k) {
    if (reading_take(w, k)) {
      if (!w->input_end)
        read_chunk_timed(wk);
      gboolean ended = w->input_end && w->chunks_read <= k;
      reading_give(w);
      if (ended)
        return FALSE;
      continue;
    }
    touch_ahead(wk);
    gint64 t0 = now_ns();
    g_mutex_lock(&w->chunk_lock);
    while (__atomic_load_n(&w->chunks_read, __ATOMIC_ACQUIRE) <= k && w->reader_busy)
      chunk_wait(w);
    g_mutex_unlock(&w->chunk_lock);
    wk->wait_ns += now_ns() - t0;
  }
  return TRUE;
}

/* How many frames ahead of the analysis run_chunk asks for a frame's bytes, and how many
 * records ahead for the records themselves. */
#define RUN_PREFETCH_FRAMES 2
#define RUN_PREFETCH_RECS 16

/* Asks for the lines of the frame RUN_PREFETCH_FRAMES references on from the record at
 * `next` (the one after the frame being analysed), if the records up to it are references:
 * every line, or its first FRAME_HEAD_BYTES when the reading verified its checksum. A
 * worker's frames lie between the other workers' in the mapping, so the CPU's own
 * prefetcher, which follows runs of lines, fetches little of them ahead; and without a
 * verdict the analysis reads every byte (the checksum). Asking for the first two lines of
 * the next frame only left the rest to be waited for: two frames ahead and whole,
 * `--threads 2` took 1.12x the CPU of one thread instead of 1.29x (docs/performance.md,
 * "Session 6"). */
static inline void prefetch_frame_ahead(const Chunk *c, const Batch *b, gsize next)
{
  gsize at = next;
  for (guint k = 1; k < RUN_PREFETCH_FRAMES; k++) {
    if (at >= b->used || !is_ref(((const Rec *) (b->data + at))->kind))
      return;
    at += REF_SIZE;
  }
  const Ref *f = (const Ref *) (b->data + at);
  if (at >= b->used || !is_ref(f->kind))
    return;
  const guint8 *bytes = c->base + f->at;
  /* with the checksum verified, the analysis reads the headers and what it parses of the
   * payload; a body's bytes are passed over unread */
  guint32 want = ref_sum(f->kind) == WT_L4_SUM_UNKNOWN ? f->caplen : FRAME_HEAD_BYTES;
  guintptr end = (guintptr) bytes + want;
  for (guintptr line = (guintptr) bytes & ~(guintptr) 63; line < end; line += 64)
    __builtin_prefetch((const void *) line);
}

/* A chunk's records for this worker. The frames are in the mapping: asked for ahead of
 * their analysis (prefetch_frame_ahead). */
static void run_chunk(Worker *wk, const Chunk *c, const Batch *b)
{
  for (gsize off = 0; off < b->used;) {
    const Rec *r = (const Rec *) (b->data + off);
    if (G_LIKELY(is_ref(r->kind))) {
      const Ref f = *(const Ref *) r;
      off += REF_SIZE;
      /* the records were written by the worker that read the chunk, on another CPU: each
       * line comes from that CPU's cache, slower than memory streamed in order (the CPU
       * time of --threads 2, 1.25x -> 1.18x one thread's; docs/performance.md, "Session
       * 6"); a prefetch beyond the batch's end is harmless */
      __builtin_prefetch(b->data + off + RUN_PREFETCH_RECS * REF_SIZE);
      prefetch_frame_ahead(c, b, off);
      wt_analyzer_worker_frame(wk->an, c->first_frame + f.frame, f.ts_ns, f.caplen,
                               f.wirelen, c->base + f.at, c->linktype, ref_sum(f.kind));
      continue;
    }
    Batch one = { .data = (guint8 *) r, .used = r->kind == REC_FRAME ? rec_size(r->caplen)
                                                                    : sizeof(Rec) };
    run_batch(wk, &one);
    off += one.used;
  }
}

/* Done with chunk k: its slot may be reused once every worker is, and this worker holds
 * only the file from the next chunk on. */
static void chunk_done(Worker *wk, const Chunk *c)
{
  WtWorkers *w = wk->w;
  if (c->source_end)
    wt_capture_replica_done(wk->holds[c->source]);
  else
    wt_capture_replica_hold(wk->holds[c->source], c->next_offset);
  if ((guint) g_atomic_int_add((gint *) &c->done, 1) + 1 == w->n) {
    g_mutex_lock(&w->chunk_lock);
    chunk_wake(w);
    g_mutex_unlock(&w->chunk_lock);
  }
}

static gpointer shared_main(gpointer data)
{
  Worker *wk = data;
  wk->start_ns = now_ns();
  WtWorkers *w = wk->w;
  for (guint64 k = 0; chunk_ready(wk, k); k++) {
    Chunk *c = &w->chunks[k % CHUNK_RING];
    gboolean last = c->last;
    run_chunk(wk, c, &c->recs[wk->member]);
    chunk_done(wk, c);
    flush_logs(wk);
    if (last)
      break;
    touch_ahead(wk);
    /* keep CHUNK_LEAD chunks read ahead, by whichever worker is free to */
    if (__atomic_load_n(&w->chunks_read, __ATOMIC_ACQUIRE) < k + 1 + CHUNK_LEAD &&
        reading_take(w, G_MAXUINT64)) {
      if (!w->input_end && w->chunks_read < k + 1 + CHUNK_LEAD)
        read_chunk_timed(wk);
      reading_give(w);
    }
  }
  for (guint i = 0; i < w->sources->len; i++) /* files it stopped before: nobody waits */
    wt_capture_replica_done(wk->holds[i]);
  struct timespec cpu;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
  wk->cpu_ns = cpu.tv_sec * 1000000000LL + cpu.tv_nsec;
  wk->end_ns = now_ns();
  wt_analyzer_finish(wk->an); /* every flow ends: the last log lines */
  flush_logs(wk);
  g_mutex_lock(&w->done_lock);
  if (g_atomic_int_dec_and_test(&w->reading_workers))
    g_cond_broadcast(&w->done_cond);
  g_mutex_unlock(&w->done_lock);
  return NULL;
}

void wt_workers_write_times(WtWorkers *w, FILE *out)
{
  for (guint i = 0; w->replicated && i < w->n; i++) {
    const Worker *wk = &w->workers[i];
    fprintf(out, "wiretab: worker %u: CPU %.3f s, read %.3f s in %u chunks, waited %.3f s, "
            "ran %.3f..%.3f s\n", i, wk->cpu_ns / 1e9, wk->read_ns / 1e9,
            wk->chunks_read_here, wk->wait_ns / 1e9, (wk->start_ns - w->started_ns) / 1e9,
            (wk->end_ns - w->started_ns) / 1e9);
  }
}

gboolean wt_workers_wait(WtWorkers *w, gint64 timeout_us)
{
  gint64 until = g_get_monotonic_time() + timeout_us;
  g_mutex_lock(&w->done_lock);
  while (g_atomic_int_get(&w->reading_workers) > 0)
    if (!g_cond_wait_until(&w->done_cond, &w->done_lock, until))
      break;
  gboolean done = g_atomic_int_get(&w->reading_workers) == 0;
  g_mutex_unlock(&w->done_lock);
  return done;
}

void wt_workers_stop(WtWorkers *w)
{
  if (!w->replicated) {
    g_atomic_int_set(&w->stop, 1);
    return;
  }
  /* the chunks read so far are analysed; the reading stops before the next one */
  guint64 at = __atomic_load_n(&w->frames_read, __ATOMIC_RELAXED);
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
  for (guint i = 0; wk->holds && i < wk->w->sources->len; i++)
    wt_capture_replica_free(wk->holds[i]);
  g_free(wk->holds);
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
  for (guint i = 0; w->source_readers && i < w->sources->len; i++)
    wt_capture_replica_free(w->source_readers[i]);
  g_free(w->source_readers);
  for (guint c = 0; c < CHUNK_RING; c++) {
    for (guint i = 0; w->chunks[c].recs && i < w->n; i++)
      g_free(w->chunks[c].recs[i].data);
    g_free(w->chunks[c].recs);
  }
  g_mutex_clear(&w->chunk_lock);
  g_cond_clear(&w->chunk_cond);
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

/* A reader of every source for the reading (it reports the progress), or one for a
 * worker's holds. */
static gboolean replicas_new(WtWorkers *w, WtCaptureReplica ***out, gboolean progress,
                             GError **error)
{
  *out = g_new0(WtCaptureReplica *, w->sources->len);
  for (guint i = 0; i < w->sources->len; i++) {
    WtCaptureSource *src = g_ptr_array_index(w->sources, i);
    (*out)[i] = wt_capture_replica_new(src, progress);
    if (!(*out)[i]) {
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
    return replicas_new(w, &wk->holds, FALSE, error);
  wk->full = g_async_queue_new();
  wk->empty = g_async_queue_new_full(batch_free);
  for (int i = 1; i < BATCHES_PER_WORKER; i++)
    g_async_queue_push(wk->empty, batch_new());
  wk->cur = batch_new();
  return TRUE;
}

/* How much address space glibc asks for beyond a request when a heap grows. Each worker
 * allocates from a heap (arena) of its own, which otherwise grows a page at a time, one
 * mprotect() per page: ~800 a worker on a 2 GB capture, and with them TLB shootdowns
 * (404 -> 307 a run with two workers). Address space only: the pages count as memory
 * once written, as before. */
#define WORKER_HEAP_PAD ((int) (8 << 20))

static WtWorkers *workers_new(WtAnalyzer *main, const WtAnalyzerConfig *cfg, guint n,
                              WtCaptureSource *src, GPtrArray *sources, guint64 limit,
                              GError **error)
{
  g_return_val_if_fail(n >= 1, NULL);
  mallopt(M_TOP_PAD, WORKER_HEAP_PAD);
  WtWorkers *w = g_new0(WtWorkers, 1);
  w->started_ns = now_ns();
  w->main = main;
  w->n = n;
  w->src = src;
  w->limit = limit;
  w->replicated = sources != NULL;
  w->sources = sources;
  w->stop_at = limit ? limit : G_MAXUINT64;
  w->reading_workers = (gint) n;
  if (sources)
    w->source_errors = g_new0(char *, sources->len);
  g_mutex_init(&w->chunk_lock);
  g_cond_init(&w->chunk_cond);
  g_mutex_init(&w->log_lock);
  g_mutex_init(&w->metrics_lock);
  g_mutex_init(&w->count_lock);
  g_mutex_init(&w->done_lock);
  g_cond_init(&w->done_cond);
  w->live_metrics = cfg->live_metrics;
  router_init(&w->router, n, &cfg->decode, sources ? deliver_to_chunk : deliver_to_batch, w);
  w->workers = g_new0(Worker, n);
  for (guint c = 0; sources && c < CHUNK_RING; c++)
    w->chunks[c].recs = g_new0(Batch, n);

  for (guint i = 0; i < n; i++) {
    w->workers[i].member = i;
    if (!worker_init(w, &w->workers[i], cfg, error)) {
      workers_free(w);
      return NULL;
    }
  }
  if (sources && !replicas_new(w, &w->source_readers, TRUE, error)) {
    workers_free(w);
    return NULL;
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
    GThreadFunc run = src ? fanout_main : sources ? shared_main : worker_main;
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
