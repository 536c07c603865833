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
 * Classic pcap files have no reader thread (wt_workers_new_replicated): the workers take
 * turns at reading the mapped file, a chunk of frames at a time, route them as the reader
 * does and hand each other the frames' addresses in the mapping (no copy).
 * docs/performance.md has the design and what is not identical (peaks, caps). */
#pragma once
#include <glib.h>
#include <stdio.h>
#include "analyzer/capture/capture.h"
#include "analyzer/pipeline/analyzer.h"

typedef struct WtWorkers WtWorkers;

/* n >= 1 workers, each with a pipeline built from cfg; `main` (made from the same cfg,
 * with the log sinks) gets the capture summary as frames arrive and every worker's taps
 * in wt_workers_finish. NULL with error set when a pipeline cannot be built. */
WtWorkers *wt_workers_new(WtAnalyzer *main, const WtAnalyzerConfig *cfg, guint n,
                          GError **error);
/* Live capture spread by the kernel (wt_capture_open_live_fanout): one worker per handle
 * of `src`, each reading its handle on its own thread and analysing what it reads, with no
 * reader in between. The frames are numbered, counted into `main`'s capture summary and
 * the timer rounds called as one thread would, under one short lock per frame; `limit`
 * (-c) stops them all after that many frames (0: none). The calling thread only waits
 * (wt_workers_running) and gathers (wt_workers_frames, wt_workers_metrics*), then calls
 * wt_workers_finish. src must outlive the workers. */
WtWorkers *wt_workers_new_fanout(WtAnalyzer *main, const WtAnalyzerConfig *cfg,
                                 WtCaptureSource *src, guint64 limit, GError **error);
/* Plain pcap files (wt_capture_can_replicate on every one of `sources`, read in order):
 * no reader thread. The files are mapped whole and read in chunks (up to 1,024 frames or
 * 1 MiB) by whichever worker needs the next chunk or is free to read ahead, one at a time:
 * it numbers the frames, counts the capture summary into `main`, names the sources there,
 * runs one thread's timer schedule and the reader's router, and writes for each worker
 * the addresses of its frames (and the timer instants) into the chunk; every worker then
 * analyses its own frames of each chunk, in order, from the mapping. A ring of 8 chunks
 * bounds how far the reading runs ahead of the slowest worker, and so the part of the
 * file mapped at once. Idle workers map the pages ahead of the reading, so the page faults
 * stay out of the serial part.
 * `limit` (-c): frames in all, 0 none. The calling thread waits (wt_workers_running,
 * wt_workers_frames, wt_workers_stop), prints wt_workers_source_error for each source,
 * then calls wt_workers_finish. `sources` outlives the workers. */
WtWorkers *wt_workers_new_replicated(WtAnalyzer *main, const WtAnalyzerConfig *cfg, guint n,
                                     GPtrArray *sources, guint64 limit, GError **error);
/* Replicated: TRUE once every worker has read all it will read (then wt_workers_finish),
 * FALSE after timeout_us. */
gboolean wt_workers_wait(WtWorkers *w, gint64 timeout_us);
/* Replicated, once wt_workers_wait said TRUE: each worker's CPU time, the time it spent
 * reading chunks for all and waiting for another's, and when it ran, one line each
 * (WIRETAB_THREADS_TIMES). */
void wt_workers_write_times(WtWorkers *w, FILE *out);
/* Stop reading (a signal): the chunks read so far are analysed, no further one is read. */
void wt_workers_stop(WtWorkers *w);
/* Replicated: the source being read (index in `sources`), and the read error that ended
 * source i (NULL: none). */
guint wt_workers_current_source(WtWorkers *w);
const char *wt_workers_source_error(WtWorkers *w, guint i);
/* Fanout, replicated: frames counted so far; FALSE once the workers stopped by themselves (the -c
 * limit, or a read error: wt_workers_read_error, NULL otherwise). */
guint64 wt_workers_frames(WtWorkers *w);
gboolean wt_workers_running(WtWorkers *w);
const char *wt_workers_read_error(WtWorkers *w);
/* The capture counts of `main` as metrics, read under the lock the fanout workers count
 * under (any mode). */
void wt_workers_metrics_capture(WtWorkers *w, WtMetrics *m);
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
