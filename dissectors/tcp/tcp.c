/* TCP glue: segment -> connection tracker -> reassembler -> application dissector.
 * Nothing here parses TCP headers (tcp-header.c), tracks states (tcp-state.c), orders
 * bytes (reassembly.c) or understands the application (dissectors/http ...). */
#include "dissectors/tcp/tcp.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dissectors/tcp/conn-log.h"
#include "dissectors/tcp/reassembly.h"
#include "dissectors/tcp/tcp-state.h"
#include "dissectors/tcp/tcp-stats.h"

/* A stream whose first PROBE_MAX bytes match no probe gets no application dissector. */
#define PROBE_MAX 64
/* Protocols one connection may go through by hand-offs (WtStreamDissector.handoff): a
 * SOCKS handshake, then an HTTP CONNECT through it, then TLS ... */
#define MAX_SERVICES 4
typedef enum { APP_UNDECIDED, APP_NONE, APP_CHOSEN } AppState;

typedef struct TcpFlow TcpFlow;

typedef struct {
  TcpFlow *tf;
  WtDir dir;
} SinkCtx;

/* The WtStreamAcks of one direction: given to the application once (again after a role
 * swap), answering during each deliver() of `dir`. */
typedef struct {
  WtStreamAcks pub;
  const TcpFlow *tf;
  WtDir dir;
  guint64 next;  /* stream offset of the delivery point of `dir`: the end of this deliver() */
} AckQuery;

struct TcpFlow {
  WtTcpDissector *t;
  WtFlow *flow;
  WtTcpConn conn;
  WtReasmDir rd[2];     /* indexed by the current roles */
  SinkCtx sink[2];
  AppState app_state;
  WtAppChoice app;      /* when APP_CHOSEN */
  gpointer session;
  /* after a hand-off: the dissectors before the current one, the stream offsets where
   * the current session started, the port the last one named */
  const char *services[MAX_SERVICES];
  guint n_services;
  guint64 base[2];
  guint16 handoff_port;
  WtHandoffNote *note;   /* what the last session left for the next (WtHandoffNote) */
  const char *inner;     /* inner_service of a session freed at close (settle_app) */
  gboolean ending;       /* in wt_tcp_flow_end, which frees the session itself */
  gboolean final_choice; /* the direction ended: choose_app may not wait for more */
  gboolean in_deliver[2];
  guint64 stream_pos[2];  /* offset of the next byte offered to the app (consumed + gaps) */
  gpointer watch;         /* the observer's state when it watches this connection */
  guint64 watched[2];     /* bytes of each direction already given to the observer */
  /* WtStreamAcks (stream.h): bytes the last deliver() left unconsumed (offered again),
   * per direction, and, for an application that asks (allocated then), what the last
   * data segments acknowledged. */
  guint64 offered[2];
  struct AckSpans *acks;
  gboolean acks_off;      /* the application does not read them */
  guint acks_told;        /* bit d: aq[d] given to the application (or it reads none) */
  guint fast_sink;        /* bit d: deliveries of d go straight to the application */
  AckQuery aq[2];
  guint live_seen;        /* LIVE_*: the events of this connection already counted */
};

enum { LIVE_OPENED = 1u << 0, LIVE_ESTABLISHED = 1u << 1, LIVE_RST = 1u << 2 };

/* The last data segments of each direction, as on the wire: `len` bytes from `seq` came
 * with acknowledgement number `ack` (adjacent segments with the same one, a burst, share a
 * span). Turned into stream offsets only when asked (ack_query), which is rare. A ring of
 * ACK_SPANS slots, the newest at `newest`, the oldest after it; a slot never written is
 * (0, 0, 0): it holds no byte, and a first segment (0, ack 0) extends it as a new span. */
#define ACK_SPANS 8  /* 8: the slots' matches fit a byte (ack_query) */
typedef struct {
  guint32 seq[ACK_SPANS], len[ACK_SPANS], ack[ACK_SPANS];
  guint newest;
} AckRing;
typedef struct AckSpans {
  AckRing r[2];
} AckSpans;

struct WtTcpDissector {
  WtTcpConfig cfg;
  WtAppContext *app;
  const WtAppSelector *apps;
  const WtConnObserver *obs;
  WtReasm *reasm;
  WtTcpStats *stats;
  WtTcpLiveCounts live;
  /* WIRETAB_TCP_GENERAL set: no fast path, neither the tracker's nor the reassembler's
   * (tests/tools/tcp-fast-path-outputs.sh compares the outputs with and without) */
  gboolean general_only;
};

WtTcpDissector *wt_tcp_new(const WtTcpConfig *cfg, WtAppContext *app,
                           const WtAppSelector *apps)
{
  WtTcpDissector *t = g_new0(WtTcpDissector, 1);
  t->cfg = *cfg;
  t->app = app;
  t->apps = apps;
  t->obs = cfg->observer;
  WtReasmLimits rl;
  wt_reasm_limits_init(&rl);
  if (cfg->per_dir_cap)
    rl.per_dir_cap = cfg->per_dir_cap;
  if (cfg->global_cap)
    rl.global_cap = cfg->global_cap;
  rl.overlap_policy = cfg->overlap_policy;
  t->general_only = g_getenv("WIRETAB_TCP_GENERAL") != NULL;
  rl.general_only = t->general_only;
  t->reasm = wt_reasm_new(&rl, app->anomalies);
  t->stats = wt_tcp_stats_new();
  return t;
}

void wt_tcp_free(WtTcpDissector *t)
{
  if (!t)
    return;
  wt_reasm_free(t->reasm);
  wt_tcp_stats_free(t->stats);
  g_free(t);
}

/* ---------- application dispatch (the reassembler's sink) ---------- */

/* Probe first, then the responder's port; the originator's port only when the roles were
 * guessed (no SYN seen), as a server's port on the wrong side is then likely. */
static void choose_app(TcpFlow *tf, const guint8 *data, gsize len, WtDir dir, gboolean final)
{
  const WtAppSelector *apps = tf->t->apps;
  const WtConnInfo *ci = &tf->flow->info;
  WtAppChoice app = apps->by_probe(apps, WT_APP_STREAM, data, len, dir);
  if (!app.d && !final && len < PROBE_MAX && apps->probe_wait &&
      apps->probe_wait(apps, WT_APP_STREAM, data, len, dir))
    return; /* a probe needs more bytes to tell: the port may not decide yet */
  /* after a hand-off the ports are the proxy's: only the one the proxy was asked for */
  guint16 port = tf->n_services ? tf->handoff_port : ci->resp_p;
  if (!app.d && port)
    app = apps->by_port(apps, WT_APP_STREAM, port);
  if (!app.d && len < PROBE_MAX && !final)
    return; /* not sure yet: wait for more bytes */
  if (!app.d && tf->conn.orig_guessed && !tf->n_services)
    app = apps->by_port(apps, WT_APP_STREAM, ci->orig_p);
  if (!app.d) {
    tf->app_state = APP_NONE;
    return;
  }
  tf->app_state = APP_CHOSEN;
  tf->app = app;
  tf->session = app.d->session_new(app.stats, tf->t->app, ci);
  tf->t->live.sessions_live++;
  if (tf->note && app.d->adopt && strcmp(tf->note->to, app.d->name) == 0)
    app.d->adopt(tf->session, tf->note->data);
  g_clear_pointer(&tf->note, wt_handoff_note_free);
}

/* The observer gets each byte once: bytes offered again (not consumed last time) were
 * given already. */
static void watch_bytes(TcpFlow *tf, WtDir dir, const guint8 *data, gsize len)
{
  guint64 start = tf->stream_pos[dir];
  if (tf->watched[dir] > start) {
    guint64 skip = MIN((guint64) len, tf->watched[dir] - start);
    data += skip;
    len -= (gsize) skip;
  }
  if (len == 0)
    return;
  tf->t->obs->stream_bytes(tf->watch, &tf->flow->info, dir, data, len);
  tf->watched[dir] += len;
}

/* Remembers what a data segment of `dir` acknowledged (a few stores: every data segment
 * of an HTTP flow comes here). */
static inline void note_acks(AckSpans *a, WtDir dir, const WtPacket *pkt)
{
  AckRing *r = &a->r[dir];
  guint32 seq = pkt->tcp_seq + ((pkt->tcp_flags & WT_TCP_SYN) ? 1 : 0);
  guint i = r->newest;
  if (r->ack[i] == pkt->tcp_ack && r->seq[i] + r->len[i] == seq) {
    r->len[i] += (guint32) pkt->payload_len;
    return;
  }
  i = (i + 1) & (ACK_SPANS - 1);  /* the oldest goes */
  r->newest = i;
  r->seq[i] = seq;
  r->len[i] = (guint32) pkt->payload_len;
  r->ack[i] = pkt->tcp_ack;
}

/* The stream offset (as the app counts it) of sequence number `seq` of direction `d`, whose
 * delivery point is at stream offset `next`. */
static gboolean app_offset(const TcpFlow *tf, int d, guint64 next, guint32 seq, gint64 *off)
{
  gint64 delta;
  if (!wt_reasm_dir_seq_delta(&tf->rd[d], seq, &delta))
    return FALSE;
  *off = (gint64) next + delta;
  return TRUE;
}

static guint64 ack_query(const WtStreamAcks *self, guint64 off)
{
  const AckQuery *q = (const AckQuery *) self;
  const TcpFlow *tf = q->tf;
  const AckSpans *a = tf->acks;
  gint64 d0;
  off += tf->base[q->dir];  /* the session counts from its own start (after a hand-off) */
  if (!a || off >= q->next || q->next - off > G_MAXINT32 ||
      !wt_reasm_dir_seq_delta(&tf->rd[q->dir], 0, &d0))
    return WT_STREAM_UNKNOWN;
  /* the sequence number of byte `off`: the delivery point's, less the distance to it */
  guint32 seq = (guint32) -d0 - (guint32) (q->next - off);
  const AckRing *r = &a->r[q->dir];
  guint hit = 0;  /* bit i: slot i holds byte `seq` */
  for (guint i = 0; i < ACK_SPANS; i++)
    hit |= (guint) (seq - r->seq[i] < r->len[i]) << i;
  if (!hit)
    return WT_STREAM_UNKNOWN;
  /* the first copy of a byte is the one delivered (a retransmission comes later): the
   * oldest slot that holds it, counting from the one after the newest */
  guint first = (r->newest + 1) & (ACK_SPANS - 1);
  guint by_age = ((hit >> first) | (hit << (ACK_SPANS - first))) & ((1u << ACK_SPANS) - 1);
  guint i = (first + (guint) __builtin_ctz(by_age)) & (ACK_SPANS - 1);
  /* the other direction is between deliveries: its point is consumed + left over */
  int peer = 1 - q->dir;
  gint64 acked;
  if (!app_offset(tf, peer, tf->stream_pos[peer] + tf->offered[peer], r->ack[i], &acked))
    return WT_STREAM_UNKNOWN;
  acked -= (gint64) tf->base[peer];
  return acked > 0 ? (guint64) acked : 0;
}

/* The application (or one that may still be chosen) reads WtStreamAcks. */
static gboolean wants_acks(const TcpFlow *tf)
{
  if (tf->app_state == APP_NONE)
    return FALSE;
  return tf->app_state == APP_UNDECIDED || tf->app.d->acks || tf->app.d->handoff;
}

/* Gives the application the WtStreamAcks of `dir`, anchored at the next deliver(): once,
 * and again after a role swap; it counts the stream offsets itself meanwhile. */
G_NO_INLINE static void tell_acks(TcpFlow *tf, WtDir dir)
{
  tf->acks_told |= 1u << dir;
  AckQuery *q = &tf->aq[dir];
  q->pub.at = tf->stream_pos[dir] - tf->base[dir]; /* the session's own offsets */
  q->pub.acked = ack_query;
  q->tf = tf;
  q->dir = dir;
  if (tf->app.d->acks) /* one that only hands off keeps the ring for the next */
    tf->app.d->acks(tf->session, dir, &q->pub);
}

/* Offers bytes to the application (choosing it first when still undecided); returns how
 * many it consumed. */
static gsize app_deliver(TcpFlow *tf, WtDir dir, const guint8 *data, gsize len, gint64 ts_ns)
{
  if (tf->app_state == APP_UNDECIDED) {
    choose_app(tf, data, len, dir, tf->final_choice);
    if (tf->app_state != APP_UNDECIDED && !wants_acks(tf)) {
      tf->acks_off = TRUE;
      tf->acks_told = 3;
      g_clear_pointer(&tf->acks, g_free);
    }
  }
  if (tf->app_state == APP_UNDECIDED)
    return 0;
  if (tf->app_state == APP_NONE)
    return len;
  tf->aq[dir].next = tf->stream_pos[dir] + len;
  if (G_UNLIKELY(!(tf->acks_told & (1u << dir))))
    tell_acks(tf, dir);
  return tf->app.d->deliver(tf->session, dir, data, len, ts_ns);
}

/* The session says the rest of the connection is another protocol: end it, and choose
 * again on what follows (WtStreamDissector.handoff). */
static void hand_off(TcpFlow *tf, guint16 port)
{
  tf->services[tf->n_services++] = tf->app.d->name;  /* each counts towards the limit */
  g_clear_pointer(&tf->note, wt_handoff_note_free);
  if (tf->app.d->handoff_note)
    tf->note = tf->app.d->handoff_note(tf->session);
  tf->app.d->session_free(tf->session);
  tf->session = NULL;
  tf->t->live.sessions_live--;
  tf->handoff_port = port;
  tf->base[0] = tf->stream_pos[0];
  tf->base[1] = tf->stream_pos[1];
  /* one more hand-off than the list holds: the rest stays unanalysed */
  tf->app_state = tf->n_services < MAX_SERVICES ? APP_UNDECIDED : APP_NONE;
  /* the next session gets its own WtStreamAcks, and no fast path until it is chosen */
  tf->acks_told = tf->acks_off ? 3 : 0;
  tf->fast_sink = 0;
}

/* Any delivery: observer, application choice, WtStreamAcks to give. */
G_NO_INLINE static gsize sink_deliver_any(TcpFlow *tf, WtDir dir, const guint8 *data, gsize len,
                                          gint64 ts_ns)
{
  if (tf->watch)
    watch_bytes(tf, dir, data, len);
  gsize used = 0;
  tf->in_deliver[dir] = TRUE;
  for (;;) {
    gsize n = app_deliver(tf, dir, data + used, len - used, ts_ns);
    n = MIN(n, len - used);
    used += n;
    tf->stream_pos[dir] += n;
    guint16 port = 0;
    if (tf->app_state != APP_CHOSEN || !tf->app.d->handoff ||
        !tf->app.d->handoff(tf->session, &port))
      break;
    hand_off(tf, port);
    /* What the other direction left unconsumed belongs to the new protocol and was sent
     * before these bytes (a client's request held back until the proxy's answer): it goes
     * first, then the rest of this delivery. */
    WtDir other = (WtDir) (1 - dir);
    tf->offered[dir] = len - used;
    if (tf->offered[other] && !tf->in_deliver[other])
      wt_reasm_dir_reoffer(&tf->rd[other], ts_ns);
    if (used == len)
      break;
  }
  tf->in_deliver[dir] = FALSE;
  tf->offered[dir] = len - used;
  if (!tf->watch && tf->app_state == APP_CHOSEN && (tf->acks_told & (1u << dir)))
    tf->fast_sink |= 1u << dir;
  return used;
}

/* The fast path's session handed off after consuming `used` of data[0..len): as
 * sink_deliver_any's loop does, the other direction's leftover goes to the new protocol
 * first, then the rest of this delivery. Returns the bytes consumed in all. */
G_NO_INLINE static gsize fast_handoff(TcpFlow *tf, WtDir dir, const guint8 *data, gsize len,
                                      gsize used, guint16 port, gint64 ts_ns)
{
  hand_off(tf, port);
  WtDir other = (WtDir) (1 - dir);
  tf->offered[dir] = len - used;
  if (tf->offered[other] && !tf->in_deliver[other]) {
    tf->in_deliver[dir] = TRUE;
    wt_reasm_dir_reoffer(&tf->rd[other], ts_ns);
    tf->in_deliver[dir] = FALSE;
  }
  if (used < len)
    used += sink_deliver_any(tf, dir, data + used, len - used, ts_ns);
  return used;
}

/* Per delivery: to the chosen application, nothing else to do (fast_sink) in most. */
static gsize sink_deliver(gpointer ctx, const guint8 *data, gsize len, gint64 ts_ns)
{
  SinkCtx *sc = ctx;
  TcpFlow *tf = sc->tf;
  WtDir dir = sc->dir;
  if (G_UNLIKELY(!(tf->fast_sink & (1u << dir))))
    return sink_deliver_any(tf, dir, data, len, ts_ns);
  const WtStreamDissector *d = tf->app.d;
  tf->aq[dir].next = tf->stream_pos[dir] + len;
  gsize used = d->deliver(tf->session, dir, data, len, ts_ns);
  used = MIN(used, len); /* a session claiming more than offered is a bug: do not trust it */
  tf->stream_pos[dir] += used;
  tf->offered[dir] = len - used;
  guint16 port = 0;
  if (d->handoff && G_UNLIKELY(d->handoff(tf->session, &port)))
    return fast_handoff(tf, dir, data, len, used, port, ts_ns);
  return used;
}

static void sink_gap(gpointer ctx, guint64 len)
{
  SinkCtx *sc = ctx;
  TcpFlow *tf = sc->tf;
  tf->stream_pos[sc->dir] += len;
  tf->offered[sc->dir] = 0;  /* the reassembler dropped them: part of this gap */
  tf->watched[sc->dir] = MAX(tf->watched[sc->dir], tf->stream_pos[sc->dir]);
  wt_tcp_conn_note_gap(&tf->conn, sc->dir, wt_reasm_dir_gap_missed(&tf->rd[sc->dir]));
  if (tf->app_state == APP_CHOSEN)
    tf->app.d->gap(tf->session, sc->dir, len);
}

/* Both directions ended and the application was told: a closed connection stays in the
 * flow table for TIME-WAIT (late segments are counted as such), but no byte can reach its
 * session any more. A session that has nothing left to log (settled) is freed now, as the
 * flow's end would free it, keeping only its names for conn.log's service; the ACK spans
 * go with it (only a deliver() reads them). */
static void settle_app(TcpFlow *tf)
{
  const WtStreamDissector *d = tf->app.d;
  if (tf->ending || !d->settled || !d->settled(tf->session))
    return;
  if (d->inner_service)
    tf->inner = d->inner_service(tf->session);
  d->session_free(tf->session);
  tf->session = NULL;
  tf->services[tf->n_services++] = d->name;  /* room: a chosen one has a slot (hand_off) */
  tf->app_state = APP_NONE;
  tf->fast_sink = 0;
  g_clear_pointer(&tf->acks, g_free);
  tf->t->live.sessions_live--;
  tf->t->live.sessions_freed_at_close++;
}

static void sink_eof(gpointer ctx, gint64 ts_ns)
{
  SinkCtx *sc = ctx;
  TcpFlow *tf = sc->tf;
  if (tf->app_state == APP_UNDECIDED && tf->offered[sc->dir] && !tf->in_deliver[sc->dir]) {
    /* no more bytes will come: choose on those there are (port included) */
    tf->final_choice = TRUE;
    wt_reasm_dir_reoffer(&tf->rd[sc->dir], ts_ns);
    tf->final_choice = FALSE;
  }
  if (tf->app_state != APP_CHOSEN)
    return;
  tf->app.d->eof(tf->session, sc->dir, ts_ns);
  if (tf->rd[0].eof_sent && tf->rd[1].eof_sent)
    settle_app(tf);
}

/* ---------- per-flow set-up and tear-down ---------- */

static void bind_sinks(TcpFlow *tf)
{
  for (int d = 0; d < 2; d++) {
    tf->sink[d].tf = tf;
    tf->sink[d].dir = (WtDir) d;
    tf->rd[d].sink.ctx = &tf->sink[d];
  }
}

static TcpFlow *tcp_flow_new(WtTcpDissector *t, WtFlow *flow)
{
  TcpFlow *tf = g_new0(TcpFlow, 1);
  tf->t = t;
  tf->flow = flow;
  tf->app_state = APP_UNDECIDED;
  tf->acks = g_new0(AckSpans, 1);  /* freed when the application turns out to read none */
  wt_tcp_conn_init(&tf->conn, t->cfg.time_wait_ns);
  WtReasmSink sink = { sink_deliver, sink_gap, sink_eof, NULL };
  for (int d = 0; d < 2; d++)
    wt_reasm_dir_init(&tf->rd[d], t->reasm, &sink);
  bind_sinks(tf);
  flow->proto_state = tf;
  return tf;
}

/* Asked once the roles are known (after the first segment). */
static void offer_to_observer(TcpFlow *tf)
{
  const WtConnObserver *obs = tf->t->obs;
  if (obs)
    tf->watch = obs->watch(obs, &tf->flow->info);
}

static void swap_roles(TcpFlow *tf, WtFlow *flow)
{
  wt_flow_flip(flow);
  WtReasmDir tmp = tf->rd[0];
  tf->rd[0] = tf->rd[1];
  tf->rd[1] = tmp;
  guint64 p = tf->stream_pos[0];
  tf->stream_pos[0] = tf->stream_pos[1];
  tf->stream_pos[1] = p;
  p = tf->offered[0];
  tf->offered[0] = tf->offered[1];
  tf->offered[1] = p;
  p = tf->base[0];
  tf->base[0] = tf->base[1];
  tf->base[1] = p;
  if (tf->acks) {
    AckRing r = tf->acks->r[0];
    tf->acks->r[0] = tf->acks->r[1];
    tf->acks->r[1] = r;
  }
  if (!tf->acks_off)
    tf->acks_told = 0;  /* anchored again at the next deliver() of each direction */
  tf->fast_sink = 0;
  bind_sinks(tf);
}

static WtTimerClass timer_class(const TcpFlow *tf)
{
  if (wt_tcp_conn_is_closed(&tf->conn))
    return WT_TIMER_TCP_CLOSED;
  if (tf->conn.handshake_done || tf->conn.st[WT_DIR_RESP].pkts > 0)
    return WT_TIMER_TCP_ACTIVE;
  return WT_TIMER_TCP_ATTEMPT;
}

/* `note`: the tracker's WT_TCP_NOTE_* for this segment (a constant 0 on the common path). */
G_ALWAYS_INLINE static inline void reassemble_seg(TcpFlow *tf, const WtPacket *pkt, WtDir dir,
                                                  guint note)
{
  guint8 fl = pkt->tcp_flags;
  if (G_UNLIKELY(note & WT_TCP_NOTE_RST_IGNORED)) { /* went on after a RST: deliver the rest */
    wt_reasm_dir_resume(&tf->rd[0], pkt->ts_ns);
    wt_reasm_dir_resume(&tf->rd[1], pkt->ts_ns);
  }
  /* The ACK first: its sender had received those bytes of the peer before it sent this
   * segment, so after capture loss the application sees them in that order too (a
   * response never before the request it acknowledges). Without loss it moves nothing.
   * An ACK far beyond anything the peer sent is ignored (counted by the tracker). */
  gboolean ack_ok = (fl & WT_TCP_ACK) && !(note & WT_TCP_NOTE_ACK_IGNORED);
  /* (noted first: only this direction's ring, which deliveries of the other do not read) */
  if (pkt->payload_len && ack_ok && tf->acks)  /* (none once the application reads none) */
    note_acks(tf->acks, dir, pkt);
  if (ack_ok && !(fl & WT_TCP_RST))
    wt_reasm_ack(&tf->rd[1 - dir], pkt->tcp_ack, pkt->ts_ns);
  WtReasmResult res = wt_reasm_segment(&tf->rd[dir], pkt->tcp_seq, pkt->payload,
                                       pkt->payload_len, (fl & WT_TCP_SYN) != 0,
                                       (fl & WT_TCP_FIN) != 0, pkt->ts_ns);

  if (res & (WT_REASM_RETRANSMIT | WT_REASM_PARTIAL_OVERLAP))
    wt_tcp_conn_note_retransmit(&tf->conn, dir);
  if (fl & WT_TCP_RST) { /* closed at flow end unless the connection goes on */
    wt_reasm_dir_hold(&tf->rd[0], pkt->ts_ns);
    wt_reasm_dir_hold(&tf->rd[1], pkt->ts_ns);
  }
}

G_NO_INLINE static void reassemble_noted(TcpFlow *tf, const WtPacket *pkt, WtDir dir,
                                         guint note)
{
  reassemble_seg(tf, pkt, dir, note);
}

static void reassemble(TcpFlow *tf, const WtPacket *pkt, WtDir dir)
{
  if (pkt->l4_bad_checksum)
    return; /* the receiver would have dropped it (Zeek does too) */
  guint note = wt_tcp_conn_notes(&tf->conn); /* 0 but on rare segments */
  if (G_UNLIKELY(note))
    reassemble_noted(tf, pkt, dir, note);
  else
    reassemble_seg(tf, pkt, dir, 0);
}

gboolean wt_tcp_syn_starts_new_connection(const WtTcpDissector *t, const WtFlow *flow,
                                          const WtPacket *pkt, WtDir dir)
{
  (void) t;
  const TcpFlow *tf = flow->proto_state;
  return tf && wt_tcp_conn_is_new_syn(&tf->conn, pkt, dir);
}

/* Each connection's opening, handshake and reset counted once, when seen. */
static void count_live(WtTcpLiveCounts *live, TcpFlow *tf)
{
  const WtTcpConn *c = &tf->conn;
  if (!(tf->live_seen & LIVE_OPENED) && c->ep[WT_DIR_ORIG].syn_sent) {
    tf->live_seen |= LIVE_OPENED;
    live->opened++;
  }
  if (!(tf->live_seen & LIVE_ESTABLISHED) && c->handshake_done) {
    tf->live_seen |= LIVE_ESTABLISHED;
    live->established++;
  }
  if (!(tf->live_seen & LIVE_RST) && c->any_rst) {
    tf->live_seen |= LIVE_RST;
    if (c->handshake_done)
      live->reset++;
    else if (c->ep[WT_DIR_RESP].rst_sent && !c->ep[WT_DIR_RESP].synack_sent)
      live->refused++;
  }
}

void wt_tcp_live_counts(const WtTcpDissector *t, WtTcpLiveCounts *out)
{
  *out = t->live;
}

/* A segment the tracker took its fast path for (WtTcpUpdate.steady): what the general
 * path below does for it, without what cannot happen then. No flip, no note (its ACK is
 * used), no SYN, FIN or RST, no connection event to count (count_live saw the same
 * endpoints after the segment before), and not closed: no FIN, no RST. */
G_ALWAYS_INLINE static inline WtTimerClass steady_segment(WtTcpDissector *t, TcpFlow *tf,
                                                         const WtPacket *pkt, WtDir dir)
{
  if (pkt->payload_len && tf->acks)
    note_acks(tf->acks, dir, pkt);
  wt_reasm_ack(&tf->rd[1 - dir], pkt->tcp_ack, pkt->ts_ns);
  WtReasmResult res = wt_reasm_segment(&tf->rd[dir], pkt->tcp_seq, pkt->payload,
                                       pkt->payload_len, FALSE, FALSE, pkt->ts_ns);
  if (res & (WT_REASM_RETRANSMIT | WT_REASM_PARTIAL_OVERLAP))
    wt_tcp_conn_note_retransmit(&tf->conn, dir);
  if (tf->watch)
    t->obs->segment(tf->watch, &tf->conn, pkt, dir);
  const WtTcpConn *c = &tf->conn;
  return c->handshake_done || c->st[WT_DIR_RESP].pkts > 0 ? WT_TIMER_TCP_ACTIVE
                                                           : WT_TIMER_TCP_ATTEMPT;
}

WtTimerClass wt_tcp_packet(WtTcpDissector *t, WtFlow *flow, WtPacket *pkt, WtDir *dir)
{
  TcpFlow *tf = flow->proto_state;
  gboolean fresh = tf == NULL;
  if (fresh)
    tf = tcp_flow_new(t, flow);
  WtTcpUpdate up = G_UNLIKELY(t->general_only)
                       ? wt_tcp_conn_update_general(&tf->conn, pkt, *dir, t->app->anomalies)
                       : wt_tcp_conn_update(&tf->conn, pkt, *dir, t->app->anomalies);
  if (G_LIKELY(up.steady))
    return steady_segment(t, tf, pkt, *dir);
  if (up.flipped)
    swap_roles(tf, flow);
  *dir = up.dir;
  if (fresh)
    offer_to_observer(tf);
  reassemble(tf, pkt, *dir);
  if (tf->watch)
    t->obs->segment(tf->watch, &tf->conn, pkt, *dir);
  if (tf->live_seen != (LIVE_OPENED | LIVE_ESTABLISHED | LIVE_RST))
    count_live(&t->live, tf);
  return timer_class(tf);
}

void wt_tcp_flow_end(WtTcpDissector *t, WtFlow *flow, WtFlowEndReason why)
{
  TcpFlow *tf = flow->proto_state;
  if (!tf)
    return;
  if (why == WT_FLOW_END_TIMEOUT || why == WT_FLOW_END_EVICTED)
    wt_tcp_conn_timeout(&tf->conn, flow->last_ts);
  else
    wt_tcp_conn_finish(&tf->conn, flow->last_ts);
  /* flush: holes become gaps, then end-of-stream, before the session goes */
  tf->ending = TRUE;
  wt_reasm_dir_close(&tf->rd[WT_DIR_ORIG], flow->last_ts);
  wt_reasm_dir_close(&tf->rd[WT_DIR_RESP], flow->last_ts);
  if (tf->app_state == APP_UNDECIDED)
    tf->app_state = APP_NONE;
  /* conn.log's service: every protocol the connection went through, as Zeek lists them */
  /* (a set, as Zeek's: HTTP inside an HTTP CONNECT tunnel is "http" once) */
  const char *names[MAX_SERVICES + 1];
  guint n = 0;
  for (guint i = 0; i < tf->n_services; i++)
    names[n++] = tf->services[i];
  const char *inner = tf->inner;  /* (a session freed at close: settle_app) */
  if (tf->app_state == APP_CHOSEN) {
    if (tf->app.d->inner_service)
      inner = tf->app.d->inner_service(tf->session);
    tf->app.d->session_free(tf->session);
    t->live.sessions_live--;
    names[n++] = tf->app.d->name;
  }
  g_clear_pointer(&tf->note, wt_handoff_note_free);  /* left for a session that never came */
  char service_buf[64] = "";
  for (guint i = 0; i < n; i++) {
    gboolean dup = FALSE;
    for (guint j = 0; j < i; j++)
      dup = dup || strcmp(names[j], names[i]) == 0;
    if (dup)
      continue;
    if (service_buf[0])
      g_strlcat(service_buf, ",", sizeof service_buf);
    g_strlcat(service_buf, names[i], sizeof service_buf);
  }
  /* what was read inside the last one (decrypted TLS) is named even when an outer layer
   * had the same name: "http,tls,http" is HTTP read inside TLS inside an HTTP CONNECT */
  if (inner) {
    if (service_buf[0])
      g_strlcat(service_buf, ",", sizeof service_buf);
    g_strlcat(service_buf, inner, sizeof service_buf);
  }
  const char *service = service_buf[0] ? service_buf : NULL;
  WtLog *conn_log = wt_app_log(t->app, &wt_conn_log_table);
  if (conn_log)
    wt_tcp_conn_log_write(conn_log, &tf->conn, &flow->info, service);
  wt_tcp_stats_add_conn(t->stats, &tf->conn);
  if (tf->watch)
    t->obs->end(tf->watch, &tf->conn, &flow->info);
  wt_reasm_dir_clear(&tf->rd[0]);
  wt_reasm_dir_clear(&tf->rd[1]);
  g_free(tf->acks);
  g_free(tf);
  flow->proto_state = NULL;
}

void wt_tcp_report(WtTcpDissector *t, WtReport *r)
{
  wt_tcp_stats_report(t->stats, r);
  const WtReasmStats *rs = wt_reasm_stats(t->reasm);
  WtSection *s = wt_report_section(r, "tcp", _("TCP connections"));
  WtSection *o = wt_section_object(s, "reassembly", _("Reassembly"));
  wt_section_u64(o, "peak_buffered_bytes", _("Peak out-of-order bytes buffered"),
                 rs->peak_buffered_bytes);
  wt_section_u64(o, "cap_hits", _("Holes forced to gaps at a memory cap"), rs->cap_hits);
}

void wt_tcp_merge(WtTcpDissector *into, const WtTcpDissector *from)
{
  wt_tcp_stats_merge(into->stats, from->stats);
  /* wt_reasm_stats is a read-only view of into's own reassembler: written here only */
  WtReasmStats *rs = (WtReasmStats *) wt_reasm_stats(into->reasm);
  const WtReasmStats *fs = wt_reasm_stats(from->reasm);
  rs->buffered_bytes += fs->buffered_bytes;
  rs->peak_buffered_bytes += fs->peak_buffered_bytes;
  rs->cap_hits += fs->cap_hits;
}

void wt_tcp_metrics(const WtTcpDissector *t, WtMetrics *m)
{
  wt_metrics_declare(m, "wiretab_tcp_connections_total", WT_METRIC_COUNTER,
                     "TCP connections ended, by Zeek conn_state");
  /* every state, zeros too: a series that exists from the start rates cleanly */
  for (guint i = 0; i < WT_CONN_STATE_COUNT; i++)
    wt_metrics_add(m, "wiretab_tcp_connections_total", (double) t->stats->conn_states[i],
                   "conn_state", wt_conn_state_name((WtConnState) i), NULL);
  /* the same connections as they happen, without waiting for their end */
  wt_metrics_declare(m, "wiretab_tcp_connection_events_total", WT_METRIC_COUNTER,
                     "TCP connections opened (SYN), established (handshake done), refused "
                     "(SYN answered by RST) and reset (RST after the handshake), when seen");
  const struct { const char *name; guint64 n; } events[] = {
    { "opened", t->live.opened }, { "established", t->live.established },
    { "refused", t->live.refused }, { "reset", t->live.reset },
  };
  for (guint i = 0; i < G_N_ELEMENTS(events); i++)
    wt_metrics_add(m, "wiretab_tcp_connection_events_total", (double) events[i].n, "event",
                   events[i].name, NULL);
}
