/* --threads: reader, batches, worker threads, per-worker log buffers. See workers.h. */
#include "analyzer/pipeline/workers.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/output/clickhouse.h"
#include "analyzer/output/log-sink.h"
#include "dissectors/ip/ip.h"
#include "dissectors/link/link.h"

#define BATCH_BYTES (256 * 1024)
#define BATCHES_PER_WORKER 8     /* one being filled by the reader, the rest in flight */
#define IDLE_SEND_US (200 * 1000)
#define PARKED_BYTES_MAX ((gsize) 16 * 1024 * 1024)
#define MPLS_MAX_DEPTH 16        /* as analyzer/pipeline/decode.c */

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
} Worker;

/* IP fragments of TCP/UDP datagrams: the worker that has the datagram's first fragment
 * (the one with the ports). Fragments that come before it are parked here. */
typedef struct {
  WtAddr src, dst;
  guint32 id;
  guint8 family, proto; /* IPv6: proto 0 (the identification is per address pair) */
  guint8 pad[2];
} FragKey;

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
  guint64 frame_no;
  gboolean anchored;
  gint64 last_send_us;
  /* shard decode: the link decoders of the pipeline, their anomalies thrown away */
  WtLinkLimits link_limits;
  guint max_steps;
  WtAnomalies *scratch;
  GHashTable *frags;     /* FragKey -> FragEntry */
  gsize parked_bytes;
  gint64 frag_timeout_ns;
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

static gpointer worker_main(gpointer data)
{
  Worker *wk = data;
  for (;;) {
    Batch *b = g_async_queue_pop(wk->full);
    run_batch(wk, b);
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

/* Direction-independent: the sum does not care which endpoint is which. */
static guint pick(const WtWorkers *w, const WtAddr *a, guint16 pa, const WtAddr *b,
                  guint16 pb)
{
  guint64 h = mix64(endpoint_hash(a, pa) + endpoint_hash(b, pb));
  return (guint) (((h >> 32) * w->n) >> 32);
}

typedef enum {
  ROUTE_NOT_IP,  /* no IP header found: worker 0 */
  ROUTE_FLOW,    /* addresses (and ports) known */
  ROUTE_FRAG,    /* a fragment of a TCP/UDP datagram (or any IPv6 fragment) */
} RouteKind;

typedef struct {
  RouteKind kind;
  WtAddr src, dst;
  guint16 sport, dport;
  gboolean first;   /* ROUTE_FRAG: the fragment at offset 0 */
  gboolean ports;   /* ROUTE_FRAG first: ports found */
  gboolean last;    /* ROUTE_FRAG: no more fragments after this one (MF clear) */
  guint32 frag_off, frag_len; /* ROUTE_FRAG: where its data goes, how much (headers' word) */
  FragKey key;
} Route;

static void addr_set(WtAddr *a, guint8 family, const guint8 *bytes)
{
  memset(a, 0, sizeof *a);
  a->family = family;
  memcpy(a->bytes, bytes, family == 4 ? 4 : 16);
}

/* Ports at `off` of an upper-layer header (TCP and UDP both start with them). */
static gboolean get_ports(const guint8 *p, gsize len, gsize off, Route *rt)
{
  if (off + 4 > len)
    return FALSE;
  rt->sport = (guint16) (p[off] << 8 | p[off + 1]);
  rt->dport = (guint16) (p[off + 2] << 8 | p[off + 3]);
  return TRUE;
}

static void route_ip4(const guint8 *p, gsize len, Route *rt)
{
  if (len < 20 || p[0] >> 4 != 4)
    return;
  gsize ihl = (gsize) (p[0] & 15) * 4;
  guint8 proto = p[9];
  addr_set(&rt->src, 4, p + 12);
  addr_set(&rt->dst, 4, p + 16);
  rt->kind = ROUTE_FLOW;
  guint16 frag = (guint16) (p[6] << 8 | p[7]);
  gboolean more = (frag & 0x2000) != 0;
  guint16 offset = frag & 0x1fff;
  if (proto != WT_IPPROTO_TCP && proto != WT_IPPROTO_UDP)
    return; /* a flow by addresses: fragments need no care */
  if (ihl < 20)
    return;
  if (!more && offset == 0) {
    get_ports(p, len, ihl, rt);
    return;
  }
  rt->kind = ROUTE_FRAG;
  rt->first = offset == 0;
  rt->ports = rt->first && get_ports(p, len, ihl, rt);
  rt->last = !more;
  guint16 total = (guint16) (p[2] << 8 | p[3]);
  rt->frag_off = (guint32) offset * 8;
  rt->frag_len = total > ihl ? (guint32) (total - ihl) : 0;
  rt->key.src = rt->src;
  rt->key.dst = rt->dst;
  rt->key.id = (guint32) (p[4] << 8 | p[5]);
  rt->key.family = 4;
  rt->key.proto = proto;
}

static gboolean ip6_is_extension(guint8 nh)
{
  switch (nh) {
  case WT_IPPROTO_HOPOPTS:
  case WT_IPPROTO_ROUTING:
  case WT_IPPROTO_DSTOPTS:
  case WT_IPPROTO_MOBILITY:
  case WT_IPPROTO_HIP:
  case WT_IPPROTO_SHIM6:
  case WT_IPPROTO_AH:
  case WT_IPPROTO_FRAGMENT:
    return TRUE;
  default:
    return FALSE;
  }
}

/* The extension header chain as ip6.c walks it; ports after it for TCP/UDP. Every
 * fragment goes through the fragment table: the upper layer is only known from the
 * first fragment. */
static void route_ip6(const guint8 *p, gsize len, Route *rt)
{
  if (len < 40 || p[0] >> 4 != 6)
    return;
  addr_set(&rt->src, 6, p + 8);
  addr_set(&rt->dst, 6, p + 24);
  rt->kind = ROUTE_FLOW;
  guint8 nh = p[6];
  gsize off = 40;
  for (guint i = 0; ip6_is_extension(nh) && i < WT_IP6_MAX_EXT_HEADERS; i++) {
    if (off + 8 > len)
      return;
    if (nh == WT_IPPROTO_FRAGMENT) {
      guint16 ofl = (guint16) (p[off + 2] << 8 | p[off + 3]);
      if (ofl & 0xfff9) { /* offset or M set: a real fragment, not an atomic one */
        if (rt->kind == ROUTE_FRAG)
          return; /* nested: malformed for ip6.c */
        rt->kind = ROUTE_FRAG;
        rt->first = (ofl & 0xfff8) == 0;
        rt->last = (ofl & 1) == 0;
        rt->frag_off = ofl & 0xfff8;
        gsize end = 40 + (gsize) (p[4] << 8 | p[5]);
        rt->frag_len = end > off + 8 ? (guint32) (end - off - 8) : 0;
        rt->key.src = rt->src;
        rt->key.dst = rt->dst;
        rt->key.id = (guint32) p[off + 4] << 24 | (guint32) p[off + 5] << 16 |
                     (guint32) p[off + 6] << 8 | p[off + 7];
        rt->key.family = 6;
        if (!rt->first)
          return;
      }
      nh = p[off];
      off += 8;
      continue;
    }
    gsize hlen = nh == WT_IPPROTO_AH ? ((gsize) p[off + 1] + 2) * 4
                                     : ((gsize) p[off + 1] + 1) * 8;
    nh = p[off];
    off += hlen;
  }
  if (nh == WT_IPPROTO_TCP || nh == WT_IPPROTO_UDP) {
    gboolean got = get_ports(p, len, off, rt);
    if (rt->kind == ROUTE_FRAG)
      rt->ports = got;
  }
}

/* Link layers through the pipeline's own decoders (VLAN stacks, MPLS, LLC/SNAP, cooked
 * captures ...) up to the IP header, so the shard never disagrees with the flow key. */
static Route route_frame(WtWorkers *w, const guint8 *bytes, guint32 caplen, guint32 wirelen,
                         int linktype)
{
  Route rt;
  memset(&rt, 0, sizeof rt);
  rt.kind = ROUTE_NOT_IP;
  /* plain Ethernet II carrying IP, most frames: what wt_eth_decode would find */
  if (linktype == WT_DLT_EN10MB && caplen >= 14) {
    guint16 type = (guint16) (bytes[12] << 8 | bytes[13]);
    if (type == WT_ETHERTYPE_IPV4) {
      route_ip4(bytes + 14, caplen - 14, &rt);
      return rt;
    }
    if (type == WT_ETHERTYPE_IPV6) {
      route_ip6(bytes + 14, caplen - 14, &rt);
      return rt;
    }
  }
  WtPacket pkt;
  memset(&pkt, 0, sizeof pkt);
  pkt.caplen = caplen;
  pkt.wirelen = wirelen;
  pkt.linktype = linktype;
  pkt.frame = bytes;
  pkt.tcp_wscale = -1;
  WtReader r = wt_reader_init(bytes, caplen);
  WtNextTable table = WT_NEXT_LINKTYPE;
  guint32 key = (guint32) linktype;
  for (guint step = 0; step < w->max_steps; step++) {
    WtDecodeFunc fn = NULL;
    gpointer state = NULL;
    if (table == WT_NEXT_LINKTYPE) {
      switch (key) {
      case WT_DLT_EN10MB: fn = wt_eth_decode; break;
      case WT_DLT_LINUX_SLL: fn = wt_sll_decode; break;
      case WT_DLT_LINUX_SLL2: fn = wt_sll2_decode; break;
      case WT_DLT_RAW:
      case WT_DLT_RAW_OPENBSD:
      case WT_LINKTYPE_RAW: fn = wt_raw_decode; break;
      case WT_DLT_IPV4: fn = wt_raw_ipv4_decode; break;
      case WT_DLT_IPV6: fn = wt_raw_ipv6_decode; break;
      case WT_DLT_NULL:
      case WT_DLT_LOOP: fn = wt_loop_decode; break;
      case WT_DLT_NFLOG: fn = wt_nflog_decode; break;
      default: return rt;
      }
    } else if (table == WT_NEXT_ETHERTYPE) {
      if (key == WT_ETHERTYPE_IPV4) {
        route_ip4(wt_reader_here(&r), wt_reader_remaining(&r), &rt);
        return rt;
      }
      if (key == WT_ETHERTYPE_IPV6) {
        route_ip6(wt_reader_here(&r), wt_reader_remaining(&r), &rt);
        return rt;
      }
      if (key <= WT_ETHERTYPE_MAX_LENGTH) {
        fn = wt_llc_decode;
      } else if (key == WT_ETHERTYPE_VLAN || key == WT_ETHERTYPE_QINQ ||
                 key == WT_ETHERTYPE_QINQ_OLD) {
        fn = wt_vlan_decode;
        state = &w->link_limits;
      } else if (key == WT_ETHERTYPE_MPLS || key == WT_ETHERTYPE_MPLS_MC) {
        fn = wt_mpls_decode;
        state = &w->link_limits;
      } else {
        return rt;
      }
    } else {
      return rt;
    }
    WtDecodeResult res = fn(state, &pkt, &r, w->scratch);
    if (res.status != WT_DECODE_OK || res.next_table == WT_NEXT_NONE)
      return rt;
    table = res.next_table;
    key = res.next_key;
  }
  return rt;
}

guint wt_workers_shard(WtWorkers *w, const guint8 *bytes, guint32 caplen, guint32 wirelen,
                       int linktype)
{
  Route rt = route_frame(w, bytes, caplen, wirelen, linktype);
  if (rt.kind == ROUTE_NOT_IP)
    return 0;
  if (rt.kind == ROUTE_FRAG && !(rt.first && rt.ports)) {
    FragEntry *e = g_hash_table_lookup(w->frags, &rt.key);
    if (e && e->worker >= 0)
      return (guint) e->worker;
    return pick(w, &rt.src, 0, &rt.dst, 0);
  }
  return pick(w, &rt.src, rt.sport, &rt.dst, rt.dport);
}

/* ---- reader side: fragments ------------------------------------------------------------ */

static guint frag_hash(gconstpointer p)
{
  const FragKey *k = p;
  return (guint) mix64(endpoint_hash(&k->src, 0) ^ endpoint_hash(&k->dst, 0) ^
                       ((guint64) k->id << 8 | k->proto));
}

static gboolean frag_equal(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, sizeof(FragKey)) == 0;
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

static void route_fragment(WtWorkers *w, const Route *rt, guint64 frame_no, gint64 ts_ns,
                           guint32 caplen, guint32 wirelen, int linktype,
                           const guint8 *bytes)
{
  FragEntry *e = g_hash_table_lookup(w->frags, &rt->key);
  if (!e) {
    e = g_new0(FragEntry, 1);
    e->worker = -1;
    e->addr_worker = pick(w, &rt->src, 0, &rt->dst, 0);
    e->first_ts = ts_ns;
    FragKey *k = g_new(FragKey, 1);
    *k = rt->key;
    g_hash_table_insert(w->frags, k, e);
  }
  if (rt->first && e->worker < 0) {
    e->worker = (int) (rt->ports ? pick(w, &rt->src, rt->sport, &rt->dst, rt->dport)
                                 : e->addr_worker);
    release(w, e, (guint) e->worker);
  }
  /* Complete (by byte count): forget it, so that a later datagram reusing the IP id
   * (another flow, perhaps) is routed by its own first fragment. */
  e->have += rt->frag_len;
  if (rt->last)
    e->total = (guint64) rt->frag_off + rt->frag_len;
  if (e->worker >= 0) {
    put_frame(&w->workers[e->worker], frame_no, ts_ns, caplen, wirelen, linktype, bytes);
    if (e->total && e->have >= e->total)
      g_hash_table_remove(w->frags, &rt->key);
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
  Route rt = route_frame(w, bytes, caplen, wirelen, linktype);
  guint worker;
  switch (rt.kind) {
  case ROUTE_FRAG:
    route_fragment(w, &rt, frame_no, ts_ns, caplen, wirelen, linktype, bytes);
    return;
  case ROUTE_FLOW:
    worker = pick(w, &rt.src, rt.sport, &rt.dst, rt.dport);
    break;
  default:
    worker = 0;
    break;
  }
  put_frame(&w->workers[worker], frame_no, ts_ns, caplen, wirelen, linktype, bytes);
}

void wt_workers_idle(WtWorkers *w)
{
  if (g_get_monotonic_time() - w->last_send_us < IDLE_SEND_US)
    return;
  for (guint i = 0; i < w->n; i++)
    if (w->workers[i].cur->used)
      send_batch(&w->workers[i]);
  w->last_send_us = g_get_monotonic_time();
}

/* ---- set-up and the end ------------------------------------------------------------- */

static void worker_clear(Worker *wk)
{
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
  wt_anomalies_free(w->scratch);
  g_mutex_clear(&w->log_lock);
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
  wk->full = g_async_queue_new();
  wk->empty = g_async_queue_new_full(batch_free);
  for (int i = 1; i < BATCHES_PER_WORKER; i++)
    g_async_queue_push(wk->empty, batch_new());
  wk->cur = batch_new();
  return TRUE;
}

WtWorkers *wt_workers_new(WtAnalyzer *main, const WtAnalyzerConfig *cfg, guint n,
                          GError **error)
{
  g_return_val_if_fail(n >= 1, NULL);
  WtWorkers *w = g_new0(WtWorkers, 1);
  w->main = main;
  w->n = n;
  g_mutex_init(&w->log_lock);
  WtDecodeLimits dl = cfg->decode;
  guint vlan_depth = dl.max_vlan_depth ? dl.max_vlan_depth : WT_DECODE_DEFAULT_MAX_VLAN_DEPTH;
  w->link_limits.max_vlan_depth = MIN(vlan_depth, G_MAXUINT8);
  w->link_limits.max_mpls_depth = MPLS_MAX_DEPTH;
  w->max_steps = w->link_limits.max_vlan_depth + 16;
  w->frag_timeout_ns = dl.frag_timeout_ns > 0 ? dl.frag_timeout_ns
                                              : WT_DECODE_DEFAULT_FRAG_TIMEOUT_NS;
  w->scratch = wt_anomalies_new();
  w->frags = g_hash_table_new_full(frag_hash, frag_equal, g_free, frag_entry_free);
  w->workers = g_new0(Worker, n);
  for (guint i = 0; i < n; i++) {
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
    w->workers[i].thread = g_thread_new(name, worker_main, &w->workers[i]);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  w->last_send_us = g_get_monotonic_time();
  return w;
}

void wt_workers_finish(WtWorkers *w)
{
  expire_frags(w, 0, TRUE);
  for (guint i = 0; i < w->n; i++) {
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
