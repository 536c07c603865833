/* --metrics ADDR:PORT: the live metrics (analyzer/core/metrics.h) served at /metrics in
 * Prometheus's text exposition format (version 0.0.4) by libsoup's HTTP server on a thread
 * of its own. The capture loop never waits for a client: it publishes a rendered snapshot
 * (wt_metrics_server_publish: a pointer swap under a short lock) and the server thread
 * answers every scrape with the last one. Knows no protocol. */
#pragma once
#include <glib.h>
#include "analyzer/core/metrics.h"

/* "127.0.0.1:9100", "[::1]:9100", ":9100" (every address), "localhost:9100": a numeric
 * address (or localhost) and a port 1-65535. FALSE with a message naming `spec`. */
gboolean wt_metrics_parse_address(const char *spec, char **host, guint16 *port,
                                  GError **error);

/* The exposition text of m: # HELP and # TYPE of every family, then its samples, each
 * with the `const_labels` (already escaped pairs, e.g. sensor="s1",interface="eth0"; may be
 * NULL) before its own. */
char *wt_metrics_exposition(const WtMetrics *m, const char *const_labels);

typedef struct WtMetricsServer WtMetricsServer;

/* Listen on `spec` (ADDR:PORT) now, serve from a thread. `labels`: NULL-terminated
 * name, value pairs every sample carries (sensor, interface). NULL with an error naming
 * the address (in use, not local, no permission). Until the first publish, /metrics
 * answers 503. */
WtMetricsServer *wt_metrics_server_new(const char *spec, const char *const *labels,
                                       GError **error);
/* The snapshot the next scrapes get (rendered here, on the caller's thread). */
void wt_metrics_server_publish(WtMetricsServer *s, const WtMetrics *m);
/* Scrapes answered so far (tests, the final notice). */
guint64 wt_metrics_server_scrapes(WtMetricsServer *s);
/* Stop serving, join the thread. NULL-safe. */
void wt_metrics_server_free(WtMetricsServer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtMetricsServer, wt_metrics_server_free)
