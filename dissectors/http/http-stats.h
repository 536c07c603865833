/* The HTTP tap: counters and bounded top-N tables filled by the session state machine,
 * merged across threads, and drawn into the "http" report section. Internal to
 * dissectors/http; tests use the getters in http.h. */
#pragma once
#include "analyzer/core/histogram.h"
#include <glib.h>
#include "analyzer/report/report.h"
#include "dissectors/http/http.h"
#include "dissectors/http/http-txn.h"

struct WtHttpStats {
  guint64 requests, responses, final_responses, interim, unanswered, orphan_responses;
  guint64 incomplete, tunnels, upgrades, websocket_upgrades, http09, h2_prefaces;
  guint64 expect_continue, gaps, resyncs;
  /* after capture loss: requests whose answer went by unseen, responses whose request did
   * (both also apart from unanswered / orphan_responses... see report-format.md) */
  guint64 answer_not_captured, request_not_captured;
  guint64 req_body_bytes, resp_body_bytes;
  guint64 status[1000];          /* response messages by code, 1xx included */
  GHashTable *methods;           /* name -> WtHttpMethodCount; bounded, see limits */
  guint extra_methods;           /* non-standard names counted by name so far */
  struct WtHttpKeyIndex *method_index; /* lookups into methods */
  const char *last_method;       /* the methods table's key last found, and its value */
  struct WtHttpAgg *last_method_agg;
  struct WtHttpTop *hosts, *uris, *endpoints, *user_agents, *content_types;
  WtHistogram *ttfb, *ttlb;
  /* the "proxies" section's HTTP part: requests in absolute form (to a forward proxy),
   * CONNECT requests by target and by answer */
  guint64 forward_requests, connect_requests;
  struct WtHttpTop *forward_hosts, *connect_targets, *connect_answers;
  guint64 versions[5];           /* transactions by version: 0.9, 1.0, 1.1, 2, other */
  guint64 schemes[2];            /* transactions by scheme: http, https (decrypted TLS) */
  GString *scratch;              /* the endpoint key being built (no allocation per request) */
};

/* Timeline series (wt_http_dissector.series), in column order. */
enum {
  WT_HTTP_SERIES_REQUESTS, /* request lines */
  WT_HTTP_SERIES_1XX,      /* response status lines by class (1xx interim ones too) */
  WT_HTTP_SERIES_2XX,
  WT_HTTP_SERIES_3XX,
  WT_HTTP_SERIES_4XX,
  WT_HTTP_SERIES_5XX,
  WT_HTTP_N_SERIES
};
extern const WtSeriesGroup wt_http_series;
/* Their timeline columns, set when the registry is built. */
extern guint wt_http_series_col[WT_HTTP_N_SERIES];

/* The tap callbacks of wt_http_dissector. */
gpointer wt_http_stats_new(void);
void wt_http_stats_free(gpointer s);
void wt_http_stats_merge(gpointer into, gpointer from);
void wt_http_stats_report(gpointer s, const WtReportOptions *opts, WtReport *r);
void wt_http_stats_metrics(gconstpointer s, WtMetrics *m);

/* Called by the session. */
void wt_http_stats_on_status(WtHttpStats *s, guint code);        /* every status line */
void wt_http_stats_on_content_type(WtHttpStats *s, const char *media_type);
void wt_http_stats_on_txn(WtHttpStats *s, const WtHttpTxn *t);   /* when it ends */

/* The text both sides of a JSON string may hold: printable ASCII and valid UTF-8 kept,
 * every other byte written as the four characters \xNN (Zeek's log convention), input
 * truncated to `max` bytes. Never NUL inside. */
char *wt_http_safe_strdup(const guint8 *p, gsize len, gsize max);
/* `endpoint` of a path: numeric, UUID and long hex segments become {id}; query and
 * fragment dropped. Returns a newly allocated string. */
char *wt_http_endpoint_of(const char *uri);
