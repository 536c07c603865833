#include "analyzer/pipeline/analyzer.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/pipeline/conversations.h"
#include "analyzer/pipeline/timeline.h"
#include "analyzer/pipeline/tunnel-sessions.h"
#include "analyzer/core/tunnel-log.h"
#include "analyzer/output/log-sink.h"
#include "dissectors/tcp/tcp.h"
#include "dissectors/udp/udp.h"

struct WtAnalyzer {
  WtAnalyzerConfig cfg;
  WtAnomalies *anomalies;
  WtDecoders *decoders;
  WtFlowTable *flows;
  WtRegistry *registry;
  WtAppContext app;
  GPtrArray *sinks;  /* WtLogSink*, one per log table with --log-dir: the files */
  GPtrArray *logs;   /* WtLog*, what app.logs points at: the sinks, or a worker's buffers */
  WtTcpDissector *tcp;
  WtUdpDissector *udp;
  WtConversations *convs;
  WtTimeline *timeline;
  WtTunnelSessions *tunnels; /* tunnel.log and conn.log's tunnel_parents */
  const guint64 *frame_counter; /* frames (one thread) or frame_no (a worker) */

  /* capture summary */
  GPtrArray *sources;
  gboolean live;
  guint64 frames, wire_bytes, cap_bytes;
  gint64 first_ts, last_ts;
  gboolean have_drops;
  guint64 received, dropped, if_dropped;
  gint64 next_expire_ts;
  guint64 non_monotonic;
  guint64 frame_no;  /* --threads worker: the current frame's number in the whole input */
  gboolean retention_checked; /* the old files were looked at once, at the first tick */
  gint64 log_now;    /* the last time given to wt_analyzer_log_clock */
};

void wt_analyzer_config_init(WtAnalyzerConfig *c)
{
  memset(c, 0, sizeof *c);
  wt_decode_limits_init(&c->decode);
  wt_flow_limits_default(&c->flows);
  c->time_wait_ns = 60 * G_GINT64_CONSTANT(1000000000);
  c->reasm_per_dir_cap = 1024 * 1024;
  c->reasm_global_cap = 256 * 1024 * 1024;
  c->overlap_policy = 0;
  c->top_n = 10;
}

static void on_flow_end(WtFlow *flow, WtFlowEndReason why, gpointer user_data)
{
  WtAnalyzer *a = user_data;
  if (flow->key.proto == 6) {
    wt_tcp_flow_end(a->tcp, flow, why);
  } else if (flow->key.proto == 17) {
    /* a tunnel carried by this connection ends with it (Zeek's Tunnel::CLOSE) */
    if (G_UNLIKELY(wt_tunnel_sessions_any(a->tunnels)))
      wt_tunnel_sessions_flow_end(a->tunnels, wt_app_log(&a->app, &wt_tunnel_log_table),
                                  flow, flow->last_ts);
    wt_udp_flow_end(a->udp, flow, why);
  }
  wt_conversations_add_flow(a->convs, flow);
  if (G_UNLIKELY(flow->info.n_tunnel_parents))
    wt_tunnel_parents_clear(&flow->info);
}

/* Each log table is a sink: its file and, with --clickhouse, the export queue
 * (log-sink.h). */
static gboolean open_log(WtAnalyzer *a, const WtLogTable *table, GError **error)
{
  if (a->cfg.log_rotation.interval_ns > 0) { /* files opened at their first record */
    WtLogSink *sink = wt_log_sink_open_rotating(a->cfg.log_dir, table, &a->cfg.log_rotation,
                                                a->cfg.exporter);
    g_ptr_array_add(a->sinks, sink);
    g_ptr_array_add(a->logs, wt_log_sink_log(sink));
    return TRUE;
  }
  g_autofree char *name = g_strdup_printf("%s.log", table->name);
  g_autofree char *path = g_build_filename(a->cfg.log_dir, name, NULL);
  WtLogSink *sink = wt_log_sink_open(path, table, a->cfg.exporter, error);
  if (!sink)
    return FALSE;
  g_ptr_array_add(a->sinks, sink);
  g_ptr_array_add(a->logs, wt_log_sink_log(sink));
  return TRUE;
}

/* Dissectors find their tables' handles in app.logs (wt_app_log). */
static void publish_logs(WtAnalyzer *a)
{
  a->app.logs = (WtLog *const *) a->logs->pdata;
  a->app.n_logs = a->logs->len;
}

static gboolean open_logs(WtAnalyzer *a, GError **error)
{
  const char *dir = a->cfg.log_dir;
  if (!dir && a->cfg.exporter) { /* --clickhouse without --log-dir: records, no files */
    for (const WtLogTable *const *t = wt_registry_log_tables(); *t; t++) {
      WtLogSink *sink = wt_log_sink_new_stream(*t, NULL, a->cfg.exporter);
      g_ptr_array_add(a->sinks, sink);
      g_ptr_array_add(a->logs, wt_log_sink_log(sink));
    }
    publish_logs(a);
    return TRUE;
  }
  if (!dir)
    return TRUE;
  if (g_mkdir_with_parents(dir, 0755) != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                _("%s: cannot create log directory: %s"), dir, g_strerror(errno));
    return FALSE;
  }
  /* rotated files are created later, at their first record: a directory that cannot take
   * them fails now, before anything is read, as the unrotated logs do */
  if (a->cfg.log_rotation.interval_ns > 0 && access(dir, W_OK | X_OK) != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                _("%s: cannot write logs in this directory: %s; check that it is writable"),
                dir, g_strerror(errno));
    return FALSE;
  }
  for (const WtLogTable *const *t = wt_registry_log_tables(); *t; t++)
    if (!open_log(a, *t, error))
      return FALSE;
  publish_logs(a);
  return TRUE;
}

WtAnalyzer *wt_analyzer_new(const WtAnalyzerConfig *cfg, GError **error)
{
  g_autoptr(WtAnalyzer) a = g_new0(WtAnalyzer, 1);
  a->cfg = *cfg;
  a->anomalies = wt_anomalies_new();
  a->app.anomalies = a->anomalies;
  a->sources = g_ptr_array_new_with_free_func(g_free);
  a->decoders = wt_decoders_new(&cfg->decode);
  a->registry = wt_registry_new();
  a->convs = wt_conversations_new(100000);
  a->timeline = wt_timeline_new(cfg->timeline_interval_ns, 0);
  wt_registry_add_series(a->registry, a->timeline);
  a->app.series = wt_timeline_sink(a->timeline);
  a->app.apps = wt_registry_selector(a->registry);
  a->sinks = g_ptr_array_new();
  a->logs = g_ptr_array_new();
  if (!open_logs(a, error))
    return NULL;
  WtTcpConfig tc = {
    .time_wait_ns = cfg->time_wait_ns,
    .per_dir_cap = cfg->reasm_per_dir_cap,
    .global_cap = cfg->reasm_global_cap,
    .overlap_policy = cfg->overlap_policy,
    .observer = cfg->conn_observer,
  };
  a->tcp = wt_tcp_new(&tc, &a->app, wt_registry_selector(a->registry));
  a->udp = wt_udp_new(&a->app, wt_registry_selector(a->registry));
  WtFlowLimits fl = cfg->flows;
  fl.timeout_ns[WT_TIMER_TCP_CLOSED] = cfg->time_wait_ns;
  a->flows = wt_flow_table_new(&fl, on_flow_end, a, a->anomalies);
  a->tunnels = wt_tunnel_sessions_new();
  /* uids from the frame that created the flow, the same with any --threads */
  a->frame_counter = &a->frames;
  wt_flow_table_set_frame_counter(a->flows, a->frame_counter);
  return g_steal_pointer(&a);
}

/* Old rotated files past --log-keep-size/--log-keep-age: removed. */
static gboolean apply_retention(WtAnalyzer *a, gint64 now_ns, GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  for (const WtLogTable *const *t = wt_registry_log_tables(); *t; t++)
    g_ptr_array_add(names, (gpointer) (*t)->name);
  g_ptr_array_add(names, NULL);
  GError *e = NULL;
  wt_log_retention_apply(a->cfg.log_dir, (const char *const *) names->pdata,
                         &a->cfg.log_rotation, now_ns, &e);
  if (e)
    g_propagate_error(error, e);
  return e == NULL;
}

gboolean wt_analyzer_log_clock(WtAnalyzer *a, gint64 now_ns, GError **error)
{
  if (a->cfg.log_rotation.interval_ns <= 0 || !a->cfg.log_dir)
    return TRUE;
  gboolean completed = !a->retention_checked, ok = TRUE;
  a->retention_checked = TRUE;
  a->log_now = MAX(a->log_now, now_ns);
  for (guint t = 0; t < a->sinks->len; t++) {
    int r = wt_log_sink_tick(g_ptr_array_index(a->sinks, t), now_ns, ok ? error : NULL);
    completed = completed || r == 1;
    ok = ok && r >= 0;
  }
  if (completed && !apply_retention(a, now_ns, ok ? error : NULL))
    ok = FALSE;
  return ok;
}

static void forget_logs(WtAnalyzer *a)
{
  a->app.logs = NULL;
  a->app.n_logs = 0;
  g_ptr_array_set_size(a->logs, 0);
}

static void close_logs(WtAnalyzer *a)
{
  if (!a->sinks)
    return;
  forget_logs(a);
  for (guint t = 0; t < a->sinks->len; t++)
    wt_log_sink_free(g_ptr_array_index(a->sinks, t));
  g_ptr_array_set_size(a->sinks, 0);
}

gboolean wt_analyzer_close_logs(WtAnalyzer *a, GError **error)
{
  GError *first = NULL;
  forget_logs(a);
  for (guint t = 0; t < a->sinks->len; t++) {
    g_autoptr(GError) e = NULL;
    if (!wt_log_sink_close(g_ptr_array_index(a->sinks, t), &e)) {
      if (!first) /* one line for all: a full disk fails every log */
        first = g_steal_pointer(&e);
      else {
        GError *both = g_error_new(first->domain, first->code, "%s; %s", first->message,
                                   e->message);
        g_error_free(first);
        first = both;
      }
    }
  }
  g_ptr_array_set_size(a->sinks, 0);
  /* the last file is complete now: the limits hold for it too */
  if (!first && a->cfg.log_rotation.interval_ns > 0 && a->cfg.log_dir && a->retention_checked)
    apply_retention(a, a->log_now, &first);
  if (first)
    g_propagate_error(error, first);
  return first == NULL;
}

void wt_analyzer_free(WtAnalyzer *a)
{
  if (!a)
    return;
  wt_flow_table_free(a->flows); /* ends remaining flows through the dissectors */
  wt_tunnel_sessions_free(a->tunnels);
  if (a->tcp)
    wt_tcp_free(a->tcp);
  if (a->udp)
    wt_udp_free(a->udp);
  wt_registry_free(a->registry);
  wt_conversations_free(a->convs);
  wt_timeline_free(a->timeline);
  if (a->decoders)
    wt_decoders_free(a->decoders);
  close_logs(a);
  if (a->sinks)
    g_ptr_array_free(a->sinks, TRUE);
  if (a->logs)
    g_ptr_array_free(a->logs, TRUE);
  g_ptr_array_free(a->sources, TRUE);
  wt_anomalies_free(a->anomalies);
  g_free(a);
}

void wt_analyzer_add_source(WtAnalyzer *a, const char *name, gboolean live)
{
  g_ptr_array_add(a->sources, g_strdup(name));
  a->live = a->live || live;
}

void wt_analyzer_set_drops(WtAnalyzer *a, guint64 received, guint64 dropped,
                           guint64 if_dropped)
{
  a->have_drops = TRUE;
  a->received = received;
  a->dropped = dropped;
  a->if_dropped = if_dropped;
}

/* Capture summary; TRUE when the timers are due (once per captured second). */
static inline gboolean note_summary(WtAnalyzer *a, gint64 ts_ns)
{
  if (a->frames == 1 || ts_ns < a->first_ts)
    a->first_ts = ts_ns;
  if (ts_ns < a->last_ts)
    a->non_monotonic++;
  if (ts_ns > a->last_ts)
    a->last_ts = ts_ns;
  return wt_analyzer_timer_due(&a->next_expire_ts, ts_ns);
}

static void note_time(WtAnalyzer *a, gint64 ts_ns)
{
  /* Timers run on capture time, checked once per captured second. */
  if (note_summary(a, ts_ns)) {
    wt_flow_table_expire(a->flows, ts_ns);
    wt_decoders_expire(a->decoders, ts_ns, a->anomalies);
    wt_tunnel_sessions_expire(a->tunnels, wt_app_log(&a->app, &wt_tunnel_log_table), ts_ns);
  }
}

/* Port reuse: the old connection ends here (conn.log, taps), the SYN starts a new flow on
 * the same tuple, its serial from this frame as any flow's (flow-table.h). */
static WtFlow *restart_flow(WtAnalyzer *a, WtFlow *old, const WtFlowKey *key,
                            gboolean sent_by_lo, gint64 ts_ns, WtDir *dir)
{
  gboolean created;
  wt_flow_table_remove(a->flows, old, WT_FLOW_END_CLOSED);
  WtFlow *flow = wt_flow_table_lookup(a->flows, key, sent_by_lo, ts_ns, &created);
  *dir = wt_flow_dir(flow, sent_by_lo);
  return flow;
}

/* The uids of the tunnels that carried this frame, outermost first. */
typedef struct {
  guint n;
  char uid[WT_TUNNEL_MAX_LAYERS][20];
} FrameTunnels;

/* A layer carried by UDP: the datagram belongs to that UDP flow as well (Zeek logs
 * both), counted there first. Returns the flow. */
static WtFlow *carrier_flow(WtAnalyzer *a, const WtPacket *carrier)
{
  WtPacket pkt = *carrier;
  if (!a->cfg.verify_checksums)
    pkt.l4_bad_checksum = FALSE;
  WtFlowKey key;
  gboolean sent_by_lo, created;
  wt_flow_key_from_packet(&pkt, &key, &sent_by_lo);
  WtFlow *flow = wt_flow_table_lookup(a->flows, &key, sent_by_lo, pkt.ts_ns, &created);
  WtDir dir = wt_flow_dir(flow, sent_by_lo);
  wt_udp_packet(a->udp, flow, created, &pkt, dir);
  if (created)
    wt_timeline_count(a->timeline, pkt.ts_ns, WT_TL_NEW_CONNECTIONS, 1);
  flow->pkts[dir]++;
  flow->ip_bytes[dir] += pkt.ip_total_len;
  flow->payload_bytes[dir] += pkt.payload_wire_len;
  wt_flow_table_touch(a->flows, flow, pkt.ts_ns);
  return flow;
}

/* Each layer of a decapsulated frame: its UDP carrier's flow counted, its tunnel noted
 * (tunnel.log), its uid kept for the flow inside. */
static G_GNUC_NO_INLINE void tunnel_layers(WtAnalyzer *a, const WtPacket *inner,
                                           FrameTunnels *ft)
{
  WtLog *log = wt_app_log(&a->app, &wt_tunnel_log_table);
  ft->n = 0;
  for (guint i = 0; i < inner->tunnel_depth; i++) {
    const WtTunnelLayer *layer = wt_decode_layer(a->decoders, i);
    if (!layer)
      break;
    const WtPacket *c = &layer->carrier;
    WtFlow *udp = c->ip_proto == 17 ? carrier_flow(a, c) : NULL;
    if (udp && i > 0) /* a UDP connection inside a tunnel: its parent, as any flow's */
      wt_tunnel_parents_add(&udp->info, ft->uid[i - 1]);
    if (!wt_tunnel_is_udp_conn(layer->type))
      udp = NULL;
    /* serials no flow takes: the top bit, the frame and the layer */
    guint64 serial = G_GUINT64_CONSTANT(1) << 63 | *a->frame_counter << 4 | i;
    const char *uid = wt_tunnel_sessions_note(a->tunnels, log, layer, udp, serial, inner->ts_ns);
    g_strlcpy(ft->uid[ft->n++], uid, sizeof ft->uid[0]);
  }
}

/* conn.log's tunnel_parents, as Zeek's: the innermost tunnel of each frame (a nested
 * path is read by joining tunnel.log's rows), every one the flow came through. */
static G_GNUC_NO_INLINE void note_parents(WtFlow *flow, const FrameTunnels *ft,
                                          guint depth)
{
  if (ft->n == depth)
    wt_tunnel_parents_add(&flow->info, ft->uid[ft->n - 1]);
}

/* A frame, with the verdict on its TCP or UDP checksum if one was reached ahead. */
static inline void analyze_frame(WtAnalyzer *a, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                                 const guint8 *bytes, int linktype, WtL4Sum l4_sum)
{
  WtPacket pkt;
  pkt.ts_ns = ts_ns;
  pkt.caplen = caplen;
  pkt.wirelen = wirelen;
  pkt.linktype = linktype;
  pkt.frame = bytes;

  a->frames++;
  a->wire_bytes += wirelen;
  a->cap_bytes += caplen;
  note_time(a, ts_ns);
  wt_timeline_count_frame(a->timeline, ts_ns, wirelen);

  WtDecodeStatus st = wt_decode_frame_with_sum(a->decoders, &pkt, a->anomalies, l4_sum);
  FrameTunnels ft;
  if (G_UNLIKELY(pkt.tunnel_depth))
    tunnel_layers(a, &pkt, &ft);
  if (pkt.ip_version == 0 || st == WT_DECODE_CONSUMED || st == WT_DECODE_MALFORMED)
    return;
  /* TCP and UDP need their whole header; other IP protocols are flows by address. */
  if ((pkt.ip_proto == 6 || pkt.ip_proto == 17) && st != WT_DECODE_OK)
    return;
  if (pkt.ip_proto != 6 && pkt.ip_proto != 17) {
    pkt.sport = pkt.dport = 0;
  }

  if (!a->cfg.verify_checksums)
    pkt.l4_bad_checksum = FALSE; /* counted by the decoder; analysed anyway */

  WtFlowKey key;
  gboolean sent_by_lo, created;
  wt_flow_key_from_packet(&pkt, &key, &sent_by_lo);
  WtFlow *flow = wt_flow_table_lookup(a->flows, &key, sent_by_lo, ts_ns, &created);
  WtDir dir = wt_flow_dir(flow, sent_by_lo);
  /* a flow began: found none, or port reuse ended the one found and began another (only
   * the lookup and restart_flow create flows here; the tunnels' carriers came before) */
  gboolean began = created;
  if (pkt.ip_proto == 6) {
    if (!created && wt_tcp_starts_new_connection(a->tcp, flow, &pkt, dir)) {
      flow = restart_flow(a, flow, &key, sent_by_lo, ts_ns, &dir);
      began = TRUE;
    }
    wt_flow_table_set_timer(a->flows, flow, wt_tcp_packet(a->tcp, flow, &pkt, &dir));
  } else if (pkt.ip_proto == 17) {
    wt_udp_packet(a->udp, flow, created, &pkt, dir);
  }
  /* Only when a flow began: this frame's time is already in the timeline (packets), so a
   * zero count would change nothing and costs a bucket lookup per packet. */
  if (began) {
    if (pkt.ip_proto == 6 || pkt.ip_proto == 17)
      wt_timeline_count(a->timeline, ts_ns, WT_TL_NEW_CONNECTIONS, 1);
    if (G_UNLIKELY(pkt.tunnel_depth))
      wt_decoders_note_inner_flow(a->decoders, &pkt);
  }
  if (G_UNLIKELY(pkt.tunnel_depth))
    note_parents(flow, &ft, pkt.tunnel_depth);
  flow->pkts[dir]++;
  flow->ip_bytes[dir] += pkt.ip_total_len;
  flow->payload_bytes[dir] += pkt.payload_wire_len;
  wt_flow_table_touch(a->flows, flow, ts_ns);
}

void wt_analyzer_frame(gpointer analyzer, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                       const guint8 *bytes, int linktype)
{
  analyze_frame(analyzer, ts_ns, caplen, wirelen, bytes, linktype, WT_L4_SUM_UNKNOWN);
}

void wt_analyzer_finish(WtAnalyzer *a)
{
  wt_flow_table_flush(a->flows);
  wt_decoders_expire(a->decoders, G_MAXINT64, a->anomalies);
  for (guint t = 0; t < a->sinks->len; t++) /* files complete */
    wt_log_sink_flush(g_ptr_array_index(a->sinks, t));
}

static void report_capture(WtAnalyzer *a, WtReport *r)
{
  WtSection *s = wt_report_section(r, "capture", _("Capture summary"));
  for (guint i = 0; i < a->sources->len; i++)
    wt_section_list_str(s, a->live ? "interfaces" : "files", a->live ? _("Interfaces") : _("Files"),
                        g_ptr_array_index(a->sources, i));
  const WtDecodeStats *ds = wt_decoders_stats(a->decoders);
  for (guint i = 0; i < ds->n_link; i++)
    wt_section_map_u64(s, "link_types", _("Link types"), wt_linktype_name(ds->link[i].dlt),
                       ds->link[i].frames);
  wt_section_u64(s, "packets", _("Packets"), a->frames);
  wt_section_u64(s, "bytes", _("Bytes on the wire"), a->wire_bytes);
  wt_section_u64(s, "captured_bytes", _("Bytes captured"), a->cap_bytes);
  wt_section_ts(s, "first_ts", _("First packet"), a->frames ? a->first_ts : 0);
  wt_section_ts(s, "last_ts", _("Last packet"), a->frames ? a->last_ts : 0);
  double dur = a->frames ? (double) (a->last_ts - a->first_ts) / 1e9 : 0.0;
  wt_section_double(s, "duration", _("Duration (s)"), dur);
  wt_section_double(s, "packets_per_sec", _("Average packets/s"), dur > 0 ? a->frames / dur : 0);
  wt_section_double(s, "bits_per_sec", _("Average bits/s"),
                    dur > 0 ? (double) a->wire_bytes * 8.0 / dur : 0);
  wt_section_u64(s, "dropped", _("Dropped by the kernel"), a->have_drops ? a->dropped : 0);
  if (a->have_drops) {
    wt_section_u64(s, "if_dropped", _("Dropped by the interface"), a->if_dropped);
    wt_section_u64(s, "received", _("Received by the filter"), a->received);
  }
  wt_section_u64(s, "flows", _("Flows"), wt_flow_table_created(a->flows));
  wt_section_u64(s, "flows_peak", _("Flows live at once (peak)"), wt_flow_table_peak(a->flows));
  wt_section_u64(s, "flows_evicted", _("Flows evicted at the cap"),
                 wt_flow_table_evicted(a->flows));
  if (a->non_monotonic)
    wt_section_u64(s, "time_went_backwards", _("Frames with earlier timestamps"), a->non_monotonic);
}

/* JSON: "anomalies": {"ip4.bad_header": 3, ...}; text: one aligned line per counter. */
static void report_anomalies(WtAnalyzer *a, WtReport *r)
{
  WtSection *s = wt_report_section(r, "anomalies", _("Anomalies"));
  g_autoptr(GPtrArray) names = wt_anomalies_names(a->anomalies);
  for (guint i = 0; i < names->len; i++) {
    const char *n = g_ptr_array_index(names, i);
    wt_section_u64(s, n, n, wt_anomaly_get(a->anomalies, n));
  }
}

void wt_analyzer_report(WtAnalyzer *a, WtReport *r)
{
  report_capture(a, r);
  wt_decoders_report(a->decoders, r);
  wt_conversations_report(a->convs, r, a->cfg.top_n);
  wt_tcp_report(a->tcp, r);
  wt_udp_report(a->udp, r);
  WtReportOptions opts = { .top_n = a->cfg.top_n };
  wt_registry_report(a->registry, &opts, r);
  wt_timeline_report(a->timeline, r);
  report_anomalies(a, r);
}

void wt_analyzer_report_taps(WtAnalyzer *a, WtReport *r)
{
  WtReportOptions opts = { .top_n = a->cfg.top_n };
  wt_registry_report(a->registry, &opts, r);
}

void wt_analyzer_snapshot(WtAnalyzer *a, WtAnalyzerSnapshot *snap)
{
  memset(snap, 0, sizeof *snap);
  snap->frames = a->frames;
  snap->wire_bytes = a->wire_bytes;
  snap->flows_created = wt_flow_table_created(a->flows);
  snap->flows_live = wt_flow_table_size(a->flows);
  snap->first_ts = a->frames ? a->first_ts : 0;
  snap->last_ts = a->frames ? a->last_ts : 0;
  WtTcpLiveCounts tcp;
  wt_tcp_live_counts(a->tcp, &tcp);
  snap->tcp_opened = tcp.opened;
  snap->tcp_established = tcp.established;
  snap->tcp_refused = tcp.refused;
  snap->tcp_reset = tcp.reset;
  snap->tcp_sessions_live = tcp.sessions_live;
  snap->tcp_sessions_freed_at_close = tcp.sessions_freed_at_close;
  snap->flows = a->flows;
}

int wt_analyzer_series_index(const WtAnalyzer *a, const char *key)
{
  return wt_timeline_series_index(a->timeline, key);
}

guint64 wt_analyzer_series_total(const WtAnalyzer *a, int index)
{
  /* the timeline holds at most a few thousand buckets: summing them is the cheap way to
   * totals without a second set of counters in the dissectors */
  return index < 0 ? 0 : wt_timeline_total(a->timeline, (guint) index);
}

void wt_analyzer_metrics_capture(const WtAnalyzer *a, WtMetrics *m)
{
  wt_metrics_declare(m, "wiretab_packets_total", WT_METRIC_COUNTER,
                     "Frames captured (after the capture filter)");
  wt_metrics_declare(m, "wiretab_bytes_total", WT_METRIC_COUNTER,
                     "Bytes of the captured frames as on the wire");
  wt_metrics_add(m, "wiretab_packets_total", (double) a->frames, NULL);
  wt_metrics_add(m, "wiretab_bytes_total", (double) a->wire_bytes, NULL);
}

static void metrics_anomalies(const WtAnalyzer *a, WtMetrics *m)
{
  wt_metrics_declare(m, "wiretab_anomalies_total", WT_METRIC_COUNTER,
                     "Anomalies (malformed or unexpected traffic) by name");
  g_autoptr(GPtrArray) names = wt_anomalies_names(a->anomalies);
  for (guint i = 0; i < names->len; i++) {
    const char *n = g_ptr_array_index(names, i);
    wt_metrics_add(m, "wiretab_anomalies_total", (double) wt_anomaly_get(a->anomalies, n),
                   "name", n, NULL);
  }
}

void wt_analyzer_metrics_taps(const WtAnalyzer *a, WtMetrics *m)
{
  wt_metrics_declare(m, "wiretab_flows_total", WT_METRIC_COUNTER,
                     "Flows (TCP, UDP and other IP conversations) seen");
  wt_metrics_declare(m, "wiretab_flows_active", WT_METRIC_GAUGE,
                     "Flows in the flow table now");
  wt_metrics_add(m, "wiretab_flows_total", (double) wt_flow_table_created(a->flows), NULL);
  wt_metrics_add(m, "wiretab_flows_active", (double) wt_flow_table_size(a->flows), NULL);
  wt_tcp_metrics(a->tcp, m);
  wt_registry_metrics(a->registry, m);
  metrics_anomalies(a, m);
}

WtAnomalies *wt_analyzer_anomalies(WtAnalyzer *a) { return a->anomalies; }
guint64 wt_analyzer_frames(const WtAnalyzer *a) { return a->frames; }

/* ---- --threads ---------------------------------------------------------------------- */

WtAnalyzer *wt_analyzer_new_worker(const WtAnalyzerConfig *cfg, GError **error)
{
  WtAnalyzerConfig wc = *cfg;
  wc.log_dir = NULL; /* lines go to the streams the worker gets, then to the main sinks */
  wc.exporter = NULL;
  WtAnalyzer *a = wt_analyzer_new(&wc, error);
  if (!a)
    return NULL;
  a->next_expire_ts = G_MAXINT64; /* timers run on wt_analyzer_expire only */
  a->frame_counter = &a->frame_no;
  wt_flow_table_set_frame_counter(a->flows, a->frame_counter);
  return a;
}

void wt_analyzer_add_log(WtAnalyzer *a, WtLog *log)
{
  g_ptr_array_add(a->logs, log);
  publish_logs(a);
}

guint wt_analyzer_n_log_sinks(const WtAnalyzer *a)
{
  return a->sinks->len;
}

struct WtLogSink *wt_analyzer_log_sink(WtAnalyzer *a, guint i)
{
  return i < a->sinks->len ? g_ptr_array_index(a->sinks, i) : NULL;
}

void wt_analyzer_worker_frame(WtAnalyzer *a, guint64 frame_no, gint64 ts_ns, guint32 caplen,
                              guint32 wirelen, const guint8 *bytes, int linktype,
                              WtL4Sum l4_sum)
{
  a->frame_no = frame_no;
  analyze_frame(a, ts_ns, caplen, wirelen, bytes, linktype, l4_sum);
}

gboolean wt_analyzer_count_frame(WtAnalyzer *a, gint64 ts_ns, guint32 caplen, guint32 wirelen)
{
  a->frames++;
  a->wire_bytes += wirelen;
  a->cap_bytes += caplen;
  return note_summary(a, ts_ns);
}

gboolean wt_analyzer_count_member_frame(WtAnalyzer *a, gint64 ts_ns, guint32 caplen,
                                        guint32 wirelen, gboolean in_order)
{
  guint64 before = a->non_monotonic;
  gboolean expire = wt_analyzer_count_frame(a, ts_ns, caplen, wirelen);
  if (in_order)
    a->non_monotonic = before; /* interleaving of two handles, not of the capture */
  return expire;
}

void wt_analyzer_expire(WtAnalyzer *a, gint64 now_ns)
{
  wt_flow_table_expire(a->flows, now_ns);
  wt_decoders_expire(a->decoders, now_ns, a->anomalies);
  wt_tunnel_sessions_expire(a->tunnels, wt_app_log(&a->app, &wt_tunnel_log_table), now_ns);
}

void wt_analyzer_anchor(WtAnalyzer *a, gint64 first_ts_ns)
{
  wt_timeline_anchor(a->timeline, first_ts_ns);
}

void wt_analyzer_merge(WtAnalyzer *into, WtAnalyzer *from)
{
  wt_decoders_merge(into->decoders, from->decoders);
  wt_flow_table_merge_counters(into->flows, from->flows);
  wt_tcp_merge(into->tcp, from->tcp);
  wt_udp_merge(into->udp, from->udp);
  wt_registry_merge(into->registry, from->registry);
  wt_conversations_merge(into->convs, from->convs);
  wt_timeline_merge(into->timeline, from->timeline);
  wt_anomalies_merge(into->anomalies, from->anomalies);
}
