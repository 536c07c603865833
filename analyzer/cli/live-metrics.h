/* --metrics ADDR:PORT during a live capture: once a second the capture loop gathers the
 * pipeline's metrics (the reader's counts, the taps of this thread's pipeline or of every
 * --threads worker, the kernel's drops) and hands them to the HTTP server
 * (analyzer/output/metrics-server.h), which serves the last snapshot to every scrape. */
#pragma once
#include <glib.h>
#include "analyzer/capture/capture.h"
#include "analyzer/pipeline/analyzer.h"
#include "analyzer/pipeline/workers.h"

typedef struct WtLiveMetrics WtLiveMetrics;

/* Listens on `spec` now (before root is dropped, so a port below 1024 works as root).
 * Every sample is labelled sensor=`sensor` (NULL: the host name) and interface=`iface`. */
WtLiveMetrics *wt_live_metrics_new(const char *spec, const char *sensor, const char *iface,
                                   GError **error);
/* Cheap; call after every batch of frames and every idle wake-up. Publishes when a second
 * has passed since the last time, or at once when `now`. NULL-safe; `workers` may be NULL. */
void wt_live_metrics_tick(WtLiveMetrics *lm, WtAnalyzer *a, WtWorkers *workers,
                          WtCaptureSource *src, gboolean now);
void wt_live_metrics_free(WtLiveMetrics *lm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtLiveMetrics, wt_live_metrics_free)
