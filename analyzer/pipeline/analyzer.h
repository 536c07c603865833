/* The pipeline: one direction of data flow. A frame is decoded (link -> IP -> TCP/UDP),
 * its flow found in the flow table, and the transport dissector (TCP tracking +
 * reassembly -> application dissector; UDP) runs. At the end every tap writes its
 * section of the report. */
#pragma once
#include <glib.h>
#include "analyzer/core/anomaly.h"
#include "analyzer/core/conn-observer.h"
#include "analyzer/pipeline/decode.h"
#include "analyzer/pipeline/flow-table.h"
#include "analyzer/pipeline/registry.h"
#include "analyzer/report/report.h"
#include "analyzer/core/stream.h"
#include "analyzer/output/log-rotation.h"

typedef struct {
  WtDecodeLimits decode;
  WtFlowLimits flows;
  gint64 time_wait_ns;       /* 2MSL linger after a TCP close (capture time) */
  gsize reasm_per_dir_cap;   /* out-of-order bytes buffered per direction */
  gsize reasm_global_cap;    /* all directions together */
  int overlap_policy;        /* 0 first (default, Linux), 1 last */
  const char *log_dir;       /* conn.log, http.log; NULL: none */
  WtLogRotation log_rotation; /* --log-rotate, --log-keep-*: interval_ns 0 for none */
  struct WtChExporter *exporter; /* --clickhouse: log records also go there; NULL: none */
  const WtConnObserver *conn_observer; /* given to TCP as is (--explain, --follow); NULL:
                                          none. One thread: not for --threads workers */
  guint top_n;               /* rows in top-N tables */
  gint64 timeline_interval_ns; /* --interval; 0: chosen from the capture's duration */
  gboolean live_metrics;      /* --metrics: --threads workers publish their taps' metrics
                                (wt_workers_metrics) */
  gboolean verify_checksums; /* drop TCP/UDP segments with a bad checksum (Zeek without
                                -C); default FALSE: count them (tcp.bad_checksum) and keep
                                them, as captures on the sending host carry offloaded,
                                unfilled checksums */
} WtAnalyzerConfig;

void wt_analyzer_config_init(WtAnalyzerConfig *c);

typedef struct WtAnalyzer WtAnalyzer;

WtAnalyzer *wt_analyzer_new(const WtAnalyzerConfig *cfg, GError **error);
void wt_analyzer_free(WtAnalyzer *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtAnalyzer, wt_analyzer_free)

/* Describe the input for the capture summary. */
void wt_analyzer_add_source(WtAnalyzer *a, const char *name, gboolean live);
void wt_analyzer_set_drops(WtAnalyzer *a, guint64 received, guint64 dropped,
                           guint64 if_dropped);

/* One frame (the WtFrameFunc of analyzer/capture/capture.h). */
void wt_analyzer_frame(gpointer analyzer, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                       const guint8 *bytes, int linktype);

/* End of input: every flow ends (logs written, taps updated). */
void wt_analyzer_finish(WtAnalyzer *a);

/* Close the --log-dir files (after wt_analyzer_finish): each gets its name (conn.log ...)
 * from its temporary one now. FALSE with error set (one message for all) when one could
 * not be written or renamed; every log is closed either way. wt_analyzer_free closes them
 * too, ignoring errors. */
gboolean wt_analyzer_close_logs(WtAnalyzer *a, GError **error);
/* The clock of rotated logs (--log-rotate): capture time reading files, the wall clock
 * live. Completes the files of an interval that has ended, then removes old files past
 * --log-keep-size/--log-keep-age. FALSE with error set when a file could not be written
 * or removed (the capture goes on). Cheap when nothing is due: call it for every frame. */
gboolean wt_analyzer_log_clock(WtAnalyzer *a, gint64 now_ns, GError **error);
/* Build the report (after wt_analyzer_finish). */
void wt_analyzer_report(WtAnalyzer *a, WtReport *r);

/* The application dissectors' sections only (http, dns ...), as they stand now: for the
 * live view, which reads the top tables of its interval from them. No flow is ended. */
void wt_analyzer_report_taps(WtAnalyzer *a, WtReport *r);

/* Counters so far, cheap enough to take every second while capturing (the live view):
 * no flow is ended and nothing is reported. */
typedef struct {
  guint64 frames, wire_bytes;
  guint64 flows_created;     /* flows of every IP protocol created so far */
  guint flows_live;          /* in the flow table now (closed TCP lingering included) */
  /* the live view's HTTP totals, which it fills from the series the HTTP dissector
   * declared (wt_analyzer_series_total); 0 from wt_analyzer_snapshot */
  guint64 http_requests;     /* request lines so far */
  guint64 http_status[5];    /* response status lines by class: [0] 1xx .. [4] 5xx */
  gint64 first_ts, last_ts;  /* capture time; 0 without frames */
  /* TCP connections, counted when the event is seen: started by a SYN, handshake
   * completed, refused (RST to the SYN), reset after the handshake */
  guint64 tcp_opened, tcp_established, tcp_refused, tcp_reset;
  /* application sessions alive now; those freed when their connection closed, before its
   * TIME-WAIT ended (WtTcpLiveCounts) */
  guint64 tcp_sessions_live, tcp_sessions_freed_at_close;
  WtFlowTable *flows;        /* borrowed, for views over the live flows (top talkers) */
} WtAnalyzerSnapshot;
void wt_analyzer_snapshot(WtAnalyzer *a, WtAnalyzerSnapshot *snap);
/* Column of the timeline series `key` as a dissector declared it ("http_requests"), or -1:
 * look it up once. */
int wt_analyzer_series_index(const WtAnalyzer *a, const char *key);
/* Everything counted in series `index` so far (0 for -1); cheap enough once a second. */
guint64 wt_analyzer_series_total(const WtAnalyzer *a, int index);

/* Live metrics (--metrics), cheap enough once a second while capturing. The reader's
 * share: packets and bytes (with --threads only the main analyzer counts them). */
void wt_analyzer_metrics_capture(const WtAnalyzer *a, WtMetrics *m);
/* The pipeline's share: flows, TCP connections by conn_state, every dissector's metrics,
 * anomalies by name (with --threads, each worker's, summed). */
void wt_analyzer_metrics_taps(const WtAnalyzer *a, WtMetrics *m);

WtAnomalies *wt_analyzer_anomalies(WtAnalyzer *a);
guint64 wt_analyzer_frames(const WtAnalyzer *a);

/* ---- --threads (analyzer/pipeline/workers.c) ------------------------------------------------
 * The main analyzer keeps the capture summary, the log sinks and, at the end, the merged
 * taps; each worker is a complete pipeline fed only the frames of its flows. */
struct WtLogSink;

/* A worker pipeline: no log files of its own (wt_analyzer_add_log), no timers of
 * its own (the reader sends wt_analyzer_expire at the instants one thread would expire),
 * flow serials from the frame numbers given to wt_analyzer_worker_frame. */
WtAnalyzer *wt_analyzer_new_worker(const WtAnalyzerConfig *cfg, GError **error);
/* One more place the worker's dissectors write records to (a log table's buffer). */
void wt_analyzer_add_log(WtAnalyzer *a, WtLog *log);
/* The main analyzer's log sinks, one per table (none without --log-dir). */
guint wt_analyzer_n_log_sinks(const WtAnalyzer *a);
struct WtLogSink *wt_analyzer_log_sink(WtAnalyzer *a, guint i);
/* Frame number `frame_no` (1-based, in the whole input) for a worker, with the verdict on
 * its TCP or UDP checksum if the reading reached one (wt_decode_l4_sum; else
 * WT_L4_SUM_UNKNOWN). */
void wt_analyzer_worker_frame(WtAnalyzer *a, guint64 frame_no, gint64 ts_ns, guint32 caplen,
                              guint32 wirelen, const guint8 *bytes, int linktype,
                              WtL4Sum l4_sum);
/* The reader's share of a frame, on the main analyzer: capture summary only. TRUE when
 * one thread would run its timers before this frame (then wt_analyzer_expire(ts_ns) on
 * every worker before it). */
gboolean wt_analyzer_count_frame(WtAnalyzer *a, gint64 ts_ns, guint32 caplen, guint32 wirelen);
/* Timers at capture time now_ns: flow idle timeouts, IP fragment timeouts. */
/* The same for a frame read from one handle of a fanout group: out of order only when
 * `in_order` is FALSE (earlier than that handle's previous frame), since the handles'
 * frames interleave in any order. */
gboolean wt_analyzer_count_member_frame(WtAnalyzer *a, gint64 ts_ns, guint32 caplen,
                                        guint32 wirelen, gboolean in_order);
void wt_analyzer_expire(WtAnalyzer *a, gint64 now_ns);
/* One thread's timer schedule: timers run at the first frame (any capture time is >= 0)
 * and then at the first frame a captured second or more after the last run. TRUE when
 * they run before the frame at ts_ns (*next_ts, 0 at the start, moves on). The capture
 * summary decides with it, and so does each worker that reads the whole input itself. */
#define WT_ANALYZER_TIMER_EVERY_NS G_GINT64_CONSTANT(1000000000)
static inline gboolean wt_analyzer_timer_due(gint64 *next_ts, gint64 ts_ns)
{
  if (ts_ns < *next_ts)
    return FALSE;
  *next_ts = ts_ns + WT_ANALYZER_TIMER_EVERY_NS;
  return TRUE;
}
/* The first frame's time of the whole input, before a worker's first frame. */
void wt_analyzer_anchor(WtAnalyzer *a, gint64 first_ts_ns);
/* After wt_analyzer_finish(from): add its taps into `into` (not the capture summary,
 * which `into` counted itself). */
void wt_analyzer_merge(WtAnalyzer *into, WtAnalyzer *from);
