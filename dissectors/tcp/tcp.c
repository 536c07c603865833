/* TCP glue: segment -> connection tracker -> reassembler -> application dissector.
 * Nothing here parses TCP headers (tcp-header.c), tracks states (tcp-state.c), orders
 * bytes (reassembly.c) or understands the application (dissectors/http ...). */
#include "dissectors/tcp/tcp.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "analyzer/cli/conn-filter.h"
#include "dissectors/tcp/conn-log.h"
#include "dissectors/tcp/explain.h"
#include "dissectors/tcp/reassembly.h"
#include "dissectors/tcp/tcp-state.h"
#include "dissectors/tcp/tcp-stats.h"

/* A stream whose first PROBE_MAX bytes match no probe gets no application dissector. */
#define PROBE_MAX 64
enum { APP_UNDECIDED = -1, APP_NONE = -2 };

typedef struct TcpFlow TcpFlow;

typedef struct {
  TcpFlow *tf;
  WtDir dir;
} SinkCtx;

struct TcpFlow {
  WtTcpDissector *t;
  WtFlow *flow;
  WtTcpConn conn;
  WtReasmDir rd[2];     /* indexed by the current roles */
  SinkCtx sink[2];
  int app;              /* registry index, APP_UNDECIDED or APP_NONE */
  gpointer session;
  guint64 stream_pos[2];  /* offset of the next byte offered to the app (consumed + gaps) */
  gboolean explain;
  FILE *follow[2];        /* --follow: one file per direction, or stdout for both */
  guint64 followed[2];    /* bytes of each direction already written */
};

struct WtTcpDissector {
  WtTcpConfig cfg;
  WtAppContext *app;
  WtRegistry *reg;
  WtReasm *reasm;
  WtTcpStats *stats;
  WtConnFilter *explain;
  WtConnFilter *follow;
};

WtTcpDissector *wt_tcp_new(const WtTcpConfig *cfg, WtAppContext *app, WtRegistry *reg,
                           GError **error)
{
  WtTcpDissector *t = g_new0(WtTcpDissector, 1);
  t->cfg = *cfg;
  t->app = app;
  t->reg = reg;
  WtReasmLimits rl;
  wt_reasm_limits_init(&rl);
  if (cfg->per_dir_cap)
    rl.per_dir_cap = cfg->per_dir_cap;
  if (cfg->global_cap)
    rl.global_cap = cfg->global_cap;
  rl.overlap_policy = cfg->overlap_policy;
  t->reasm = wt_reasm_new(&rl, app->anomalies);
  t->stats = wt_tcp_stats_new();
  if (cfg->explain && !(t->explain = wt_conn_filter_parse(cfg->explain, error)))
    goto fail;
  if (cfg->follow && !(t->follow = wt_conn_filter_parse(cfg->follow, error)))
    goto fail;
  if (cfg->follow_dir && g_mkdir_with_parents(cfg->follow_dir, 0755) != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                _("%s: cannot create the --follow directory: %s"), cfg->follow_dir,
                g_strerror(errno));
    goto fail;
  }
  return t;
fail:
  wt_tcp_free(t);
  return NULL;
}

void wt_tcp_free(WtTcpDissector *t)
{
  if (!t)
    return;
  wt_reasm_free(t->reasm);
  wt_tcp_stats_free(t->stats);
  wt_conn_filter_free(t->explain);
  wt_conn_filter_free(t->follow);
  g_free(t);
}

/* ---------- application dispatch (the reassembler's sink) ---------- */

static void choose_app(TcpFlow *tf, const guint8 *data, gsize len, WtDir dir, gboolean final)
{
  WtRegistry *reg = tf->t->reg;
  const WtConnInfo *ci = &tf->flow->info;
  int app = wt_registry_probe(reg, data, len, dir);
  if (app < 0)
    app = wt_registry_by_port(reg, ci->resp_p);
  if (app < 0 && len < PROBE_MAX && !final)
    return; /* not sure yet: wait for more bytes */
  if (app < 0 && tf->conn.orig_guessed)
    app = wt_registry_by_port(reg, ci->orig_p);
  if (app < 0) {
    tf->app = APP_NONE;
    return;
  }
  const WtStreamDissector *d = wt_registry_get(reg, (guint) app);
  tf->app = app;
  tf->session = d->session_new(wt_registry_stats(reg, (guint) app), tf->t->app, ci);
}

static void follow_write(TcpFlow *tf, WtDir dir, const guint8 *data, gsize len)
{
  /* bytes offered again (not consumed last time) were already written */
  guint64 start = tf->stream_pos[dir];
  if (tf->followed[dir] > start) {
    guint64 skip = MIN((guint64) len, tf->followed[dir] - start);
    data += skip;
    len -= (gsize) skip;
  }
  if (len == 0)
    return;
  FILE *f = tf->follow[dir];
  if (f == stdout) {
    char a[64], b[64];
    const WtConnInfo *ci = &tf->flow->info;
    gboolean o = dir == WT_DIR_ORIG;
    fprintf(f, "\n==> %s %s:%u -> %s:%u, %zu bytes\n", ci->uid,
            wt_addr_to_string(o ? &ci->orig_h : &ci->resp_h, a, sizeof a),
            o ? ci->orig_p : ci->resp_p,
            wt_addr_to_string(o ? &ci->resp_h : &ci->orig_h, b, sizeof b),
            o ? ci->resp_p : ci->orig_p, len);
  }
  fwrite(data, 1, len, f);
  tf->followed[dir] += len;
}

static gsize sink_deliver(gpointer ctx, const guint8 *data, gsize len, gint64 ts_ns)
{
  SinkCtx *sc = ctx;
  TcpFlow *tf = sc->tf;
  if (tf->follow[sc->dir])
    follow_write(tf, sc->dir, data, len);
  if (tf->app == APP_UNDECIDED)
    choose_app(tf, data, len, sc->dir, FALSE);
  gsize used;
  if (tf->app == APP_UNDECIDED)
    used = 0;
  else if (tf->app == APP_NONE)
    used = len;
  else
    used = wt_registry_get(tf->t->reg, (guint) tf->app)
             ->deliver(tf->session, sc->dir, data, len, ts_ns);
  tf->stream_pos[sc->dir] += used;
  return used;
}

static void sink_gap(gpointer ctx, guint64 len)
{
  SinkCtx *sc = ctx;
  TcpFlow *tf = sc->tf;
  tf->stream_pos[sc->dir] += len;
  tf->followed[sc->dir] = MAX(tf->followed[sc->dir], tf->stream_pos[sc->dir]);
  wt_tcp_conn_note_gap(&tf->conn, sc->dir, wt_reasm_dir_gap_missed(&tf->rd[sc->dir]));
  if (tf->app >= 0)
    wt_registry_get(tf->t->reg, (guint) tf->app)->gap(tf->session, sc->dir, len);
}

static void sink_eof(gpointer ctx, gint64 ts_ns)
{
  SinkCtx *sc = ctx;
  TcpFlow *tf = sc->tf;
  if (tf->app >= 0)
    wt_registry_get(tf->t->reg, (guint) tf->app)->eof(tf->session, sc->dir, ts_ns);
}

/* ---------- per-flow set-up and tear-down ---------- */

static void open_follow(TcpFlow *tf)
{
  const char *dir = tf->t->cfg.follow_dir;
  if (!dir) {
    tf->follow[0] = tf->follow[1] = stdout;
    return;
  }
  /* tcpflow's naming: one file per direction, sender first */
  const WtConnInfo *ci = &tf->flow->info;
  for (int d = 0; d < 2; d++) {
    char a[64], b[64];
    wt_addr_to_string(d == 0 ? &ci->orig_h : &ci->resp_h, a, sizeof a);
    wt_addr_to_string(d == 0 ? &ci->resp_h : &ci->orig_h, b, sizeof b);
    g_autofree char *name = g_strdup_printf("%s-%s.%u-%s.%u", ci->uid, a,
                                            d == 0 ? ci->orig_p : ci->resp_p, b,
                                            d == 0 ? ci->resp_p : ci->orig_p);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    tf->follow[d] = fopen(path, "wb");
    if (!tf->follow[d])
      g_printerr(_("wiretab: %s: cannot write followed stream: %s\n"), path, g_strerror(errno));
  }
}

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
  tf->app = APP_UNDECIDED;
  wt_tcp_conn_init(&tf->conn, t->cfg.time_wait_ns);
  WtReasmSink sink = { sink_deliver, sink_gap, sink_eof, NULL };
  for (int d = 0; d < 2; d++)
    wt_reasm_dir_init(&tf->rd[d], t->reasm, &sink);
  bind_sinks(tf);
  flow->proto_state = tf;
  return tf;
}

/* Matching is done once the roles are known (after the first segment). */
static void match_filters(TcpFlow *tf)
{
  WtTcpDissector *t = tf->t;
  if (t->explain && wt_conn_filter_match(t->explain, &tf->flow->info)) {
    tf->explain = TRUE;
    wt_explain_begin(stdout, &tf->flow->info);
  }
  if (t->follow && wt_conn_filter_match(t->follow, &tf->flow->info))
    open_follow(tf);
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
  bind_sinks(tf);
}

static void update_timer(WtFlowTable *ft, WtFlow *flow, TcpFlow *tf)
{
  WtTimerClass c;
  if (wt_tcp_conn_is_closed(&tf->conn))
    c = WT_TIMER_TCP_CLOSED;
  else if (tf->conn.handshake_done || tf->conn.st[WT_DIR_RESP].pkts > 0)
    c = WT_TIMER_TCP_ACTIVE;
  else
    c = WT_TIMER_TCP_ATTEMPT;
  wt_flow_table_set_timer(ft, flow, c);
}

static void reassemble(TcpFlow *tf, const WtPacket *pkt, WtDir dir)
{
  if (pkt->l4_bad_checksum)
    return; /* the receiver would have dropped it (Zeek does too) */
  guint8 fl = pkt->tcp_flags;
  guint note = wt_tcp_conn_notes(&tf->conn); /* 0 but on rare segments */
  if (G_UNLIKELY(note & WT_TCP_NOTE_RST_IGNORED)) { /* went on after a RST: deliver the rest */
    wt_reasm_dir_resume(&tf->rd[0], pkt->ts_ns);
    wt_reasm_dir_resume(&tf->rd[1], pkt->ts_ns);
  }
  WtReasmResult res = wt_reasm_segment(&tf->rd[dir], pkt->tcp_seq, pkt->payload,
                                       pkt->payload_len, (fl & WT_TCP_SYN) != 0,
                                       (fl & WT_TCP_FIN) != 0, pkt->ts_ns);
  if (res & (WT_REASM_RETRANSMIT | WT_REASM_PARTIAL_OVERLAP))
    wt_tcp_conn_note_retransmit(&tf->conn, dir);
  if ((fl & WT_TCP_ACK) && !(fl & WT_TCP_RST) && !(note & WT_TCP_NOTE_ACK_IGNORED))
    wt_reasm_ack(&tf->rd[1 - dir], pkt->tcp_ack, pkt->ts_ns);
  if (fl & WT_TCP_RST) { /* closed at flow end unless the connection goes on */
    wt_reasm_dir_hold(&tf->rd[0], pkt->ts_ns);
    wt_reasm_dir_hold(&tf->rd[1], pkt->ts_ns);
  }
}

WtFlow *wt_tcp_packet(WtTcpDissector *t, WtFlowTable *ft, WtFlow *flow, gboolean created,
                      gboolean sent_by_lo, WtPacket *pkt, WtDir *dir)
{
  TcpFlow *tf = flow->proto_state;
  if (!created && tf && wt_tcp_conn_is_new_syn(&tf->conn, pkt, *dir)) {
    /* port reuse: the old connection ends here, the SYN starts a new one */
    WtFlowKey key = flow->key;
    wt_flow_table_remove(ft, flow, WT_FLOW_END_CLOSED);
    flow = wt_flow_table_lookup(ft, &key, sent_by_lo, pkt->ts_ns, &created);
    *dir = wt_flow_dir(flow, sent_by_lo);
    tf = NULL;
  }
  gboolean fresh = tf == NULL;
  if (fresh)
    tf = tcp_flow_new(t, flow);
  WtTcpUpdate up = wt_tcp_conn_update(&tf->conn, pkt, *dir, t->app->anomalies);
  if (up.flipped)
    swap_roles(tf, flow);
  *dir = up.dir;
  if (fresh)
    match_filters(tf);
  reassemble(tf, pkt, *dir);
  if (tf->explain)
    wt_explain_segment(stdout, &tf->conn, pkt, *dir);
  update_timer(ft, flow, tf);
  return flow;
}

static void close_follow(TcpFlow *tf)
{
  for (int d = 0; d < 2; d++)
    if (tf->follow[d] && tf->follow[d] != stdout)
      fclose(tf->follow[d]);
  tf->follow[0] = tf->follow[1] = NULL;
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
  wt_reasm_dir_close(&tf->rd[WT_DIR_ORIG], flow->last_ts);
  wt_reasm_dir_close(&tf->rd[WT_DIR_RESP], flow->last_ts);
  if (tf->app == APP_UNDECIDED)
    tf->app = APP_NONE;
  const char *service = NULL;
  if (tf->app >= 0) {
    const WtStreamDissector *d = wt_registry_get(t->reg, (guint) tf->app);
    d->session_free(tf->session);
    service = d->name;
  }
  if (t->app->conn_log)
    wt_conn_log_write(t->app->conn_log, &tf->conn, &flow->info, service);
  wt_tcp_stats_add_conn(t->stats, &tf->conn);
  if (tf->explain)
    wt_explain_end(stdout, &tf->conn, &flow->info);
  close_follow(tf);
  wt_reasm_dir_clear(&tf->rd[0]);
  wt_reasm_dir_clear(&tf->rd[1]);
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
