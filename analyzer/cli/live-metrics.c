#include "analyzer/cli/live-metrics.h"

#include "analyzer/output/metrics-server.h"

#define PUBLISH_EVERY_US G_USEC_PER_SEC

struct WtLiveMetrics {
  WtMetricsServer *server;
  gint64 last_us;
};

WtLiveMetrics *wt_live_metrics_new(const char *spec, const char *sensor, const char *iface,
                                   GError **error)
{
  const char *labels[] = { "sensor", sensor ? sensor : g_get_host_name(), "interface", iface,
                           NULL };
  WtMetricsServer *server = wt_metrics_server_new(spec, labels, error);
  if (!server)
    return NULL;
  WtLiveMetrics *lm = g_new0(WtLiveMetrics, 1);
  lm->server = server;
  return lm;
}

/* What the kernel could not hand over (pcap_stats): the count so far, like the report's. */
static void add_drops(WtMetrics *m, WtCaptureSource *src)
{
  wt_metrics_declare(m, "wiretab_kernel_drops_total", WT_METRIC_COUNTER,
                     "Frames the kernel dropped for lack of buffer space (pcap_stats ps_drop)");
  wt_metrics_declare(m, "wiretab_interface_drops_total", WT_METRIC_COUNTER,
                     "Frames the interface or its driver dropped (pcap_stats ps_ifdrop)");
  guint64 received, dropped = 0, if_dropped = 0;
  if (src && !wt_capture_stats(src, &received, &dropped, &if_dropped))
    dropped = if_dropped = 0;
  wt_metrics_add(m, "wiretab_kernel_drops_total", (double) dropped, NULL);
  wt_metrics_add(m, "wiretab_interface_drops_total", (double) if_dropped, NULL);
}

void wt_live_metrics_tick(WtLiveMetrics *lm, WtAnalyzer *a, WtWorkers *workers,
                          WtCaptureSource *src, gboolean now)
{
  if (!lm)
    return;
  gint64 t = g_get_monotonic_time();
  if (!now && t - lm->last_us < PUBLISH_EVERY_US)
    return;
  lm->last_us = t;
  g_autoptr(WtMetrics) m = wt_metrics_new();
  if (workers) /* fanout workers count into `a` as they read */
    wt_workers_metrics_capture(workers, m);
  else
    wt_analyzer_metrics_capture(a, m);
  add_drops(m, src);
  /* with --threads the main pipeline's taps are empty, but declare every family */
  wt_analyzer_metrics_taps(a, m);
  if (workers)
    wt_workers_metrics(workers, m);
  wt_metrics_server_publish(lm->server, m);
}

void wt_live_metrics_free(WtLiveMetrics *lm)
{
  if (!lm)
    return;
  wt_metrics_server_free(lm->server);
  g_free(lm);
}
