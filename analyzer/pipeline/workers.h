/* --threads N: frames are read on the calling thread (the reader) and analysed by N worker
 * threads, each a complete pipeline (WtAnalyzer) fed the frames of its flows only.
 *
 * The reader copies each frame into the current batch (256 KiB) of its worker, chosen by
 * a direction-independent hash of the flow: IP addresses and, for TCP and UDP, ports,
 * as the pipeline's decode tables find them (wt_decode_route, headers only); IP
 * fragments follow the first fragment of their datagram, so a datagram is reassembled
 * where the rest of its flow is analysed. Full batches go to the worker through a queue
 * (one hand-off per batch, never per frame) and come back empty through another, so the
 * memory in flight is bounded (8 batches per worker).
 *
 * Results equal one thread's: the reader counts the capture summary, sends every worker
 * the timer instants one thread would use, and numbers the frames (flow uids come from
 * the number of a flow's first frame); at the end each worker's taps are merged into the
 * main analyzer. Log lines are buffered per worker and written to the main analyzer's
 * log sinks under one lock per buffer flush (after each batch), whole lines only.
 * docs/performance.md has the design and what is not identical (peaks, caps). */
#pragma once
#include <glib.h>
#include "analyzer/pipeline/analyzer.h"

typedef struct WtWorkers WtWorkers;

/* n >= 1 workers, each with a pipeline built from cfg; `main` (made from the same cfg,
 * with the log sinks) gets the capture summary as frames arrive and every worker's taps
 * in wt_workers_finish. NULL with error set when a pipeline cannot be built. */
WtWorkers *wt_workers_new(WtAnalyzer *main, const WtAnalyzerConfig *cfg, guint n,
                          GError **error);
/* One frame (the WtFrameFunc of analyzer/capture/capture.h, with the WtWorkers as user data).
 * The bytes are copied. */
void wt_workers_frame(gpointer workers, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                      const guint8 *bytes, int linktype);
/* Between reads: hands partly filled batches to the workers when the last hand-off is
 * more than 200 ms ago, so a slow live capture still reaches the logs promptly. */
void wt_workers_idle(WtWorkers *w);
/* --metrics (cfg->live_metrics): every worker's last published metrics (its taps, at
 * most a second old; wt_analyzer_metrics_taps on its own thread) added into m. */
void wt_workers_metrics(WtWorkers *w, WtMetrics *m);
/* End of input: the workers analyse what they were given, end their flows, write their
 * last log lines and stop; their taps are merged into `main`. Frees w. Call
 * wt_analyzer_finish(main) after it. */
void wt_workers_finish(WtWorkers *w);

/* The worker (0 .. n-1) a frame goes to when it is not an IP fragment; exposed for
 * tests. For a fragment of a TCP/UDP datagram: the worker of its first fragment. */
guint wt_workers_shard(WtWorkers *w, const guint8 *bytes, guint32 caplen, guint32 wirelen,
                       int linktype);
