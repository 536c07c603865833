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

/* One transaction carried by another HTTP version (an HTTP/2 stream), for the HTTP tap and
 * http.log: dissectors/http2 adds its streams through wt_http_add_exchange, so the HTTP
 * tables (section "http") hold every version, with a breakdown by version. Strings are
 * borrowed for the call; they must be safe text (wt_http_safe_text). */
typedef struct {
  guint8 major, minor;          /* 2, 0 for HTTP/2 */
  guint32 stream_id;            /* logged in http.log's stream_id; 0: none */
  guint32 depth;                /* 1-based position on the connection */
  const char *method;           /* NULL: no request seen */
  const char *authority;        /* :authority (or Host) -> the hosts table */
  const char *path;             /* :path -> URIs and endpoints */
  const char *user_agent;
  const char *content_type;     /* media type of the response, lowercase, no parameters */
  guint16 status;               /* final status; 0 = none */
  guint16 info_code;            /* the last interim (1xx) status, 0 = none */
  guint n_interim;              /* interim responses, each counted as a status line */
  guint64 req_body_len, resp_body_len;
  gint64 ts_req_start, ts_req_end, ts_resp_start, ts_resp_end; /* 0 = unset */
  gboolean upgraded;            /* answered 101 Switching Protocols first (h2c Upgrade) */
  gboolean incomplete;          /* reset, cut by a gap or by the end of input */
  gboolean answer_lost;         /* no final status because the capture lost the answer */
} WtHttpExchange;

/* Adds one transaction to the HTTP tap `stats` (the HTTP dissector's stats: a descriptor
 * with .tap_of = "http" gets it from the registry) and, when http.log is written, its row. */
void wt_http_add_exchange(WtHttpStats *stats, const WtAppContext *ctx, const WtConnInfo *conn,
                          const WtHttpExchange *x);
/* A capture gap on a connection whose transactions go through wt_http_add_exchange (counted
 * in `gaps`, which also shows answer_not_captured / request_not_captured). */
void wt_http_add_gap(WtHttpStats *stats);
/* Packet bytes as text safe for tables and logs (see wt_http_safe_strdup). */
char *wt_http_safe_text(const guint8 *p, gsize len, gsize max);
/* How many transactions of one version the tap holds ("0.9", "1.0", "1.1", "2", "other"). */
guint64 wt_http_stats_version_count(const WtHttpStats *s, const char *version);
/* How many transactions the tap holds of one scheme: "http", or "https" (decrypted TLS). */
guint64 wt_http_stats_scheme_count(const WtHttpStats *s, const char *scheme);

/* An HTTP/1.1 request upgraded to HTTP/2 (`Upgrade: h2c` answered 101 Switching Protocols,
 * RFC 7540 section 3.2): its response comes as HTTP/2 on stream 1. The HTTP session leaves
 * it for the HTTP/2 session (a WtHandoffNote to "http2"), which counts the transaction once,
 * with stream 1's status, and sets `taken`. Freeing a note no session took counts it as the
 * HTTP/1.1 101 it was seen as (the capture ended at the switch). */
typedef struct {
  char *method, *authority, *path, *user_agent;  /* owned; a taker steals them */
  guint32 depth;
  guint64 req_body_len;
  gint64 ts_req_start, ts_req_end, ts_switch;  /* ts_switch: the 101's head */
  gboolean taken;
  /* where to count it when no session takes it */
  WtHttpStats *stats;
  const WtAppContext *ctx;
  WtConnInfo conn;
} WtHttpUpgrade;
