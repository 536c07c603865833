/* HTTP/1.x stream dissector (RFC 9110/9112) behind the WtStreamDissector interface, with
 * its tap (report section "http") and Zeek-style http.log. */
#pragma once
#include "analyzer/core/stream.h"

extern const WtStreamDissector wt_http_dissector;

/* The tap behind wt_http_dissector.stats_new (opaque outside dissectors/http). */
typedef struct WtHttpStats WtHttpStats;

/* Getters for tests and tools. `name` is one of the report's scalar keys: requests,
 * responses, final_responses, interim, unanswered, orphan_responses, incomplete, tunnels,
 * upgrades, websocket_upgrades, http09, h2_prefaces, expect_continue, gaps, resyncs,
 * request_body_bytes, response_body_bytes. Unknown names give 0. */
guint64 wt_http_stats_get(const WtHttpStats *s, const char *name);
guint64 wt_http_stats_status_count(const WtHttpStats *s, guint code);
guint64 wt_http_stats_method_count(const WtHttpStats *s, const char *method);
/* Count for one key of a top-N table ("hosts", "uris", "endpoints" (key "GET /a/{id}"),
 * "user_agents", "content_types"); "(other)" is the overflow row. */
guint64 wt_http_stats_top_count(const WtHttpStats *s, const char *table, const char *key);
/* The chart hints of section "http" (for reports built elsewhere, e.g. from ClickHouse). */
void wt_http_report_charts(WtSection *sec);
/* Every counter and table in a canonical, sorted text form: equal dumps mean equal taps
 * (used by the invariance tests). */
char *wt_http_stats_dump(const WtHttpStats *s);
