/* The fleet report's "http" section, from every sensor's http.log rows: the same keys as
 * a single run's HTTP tap where the log carries the data. */
#include "dissectors/http/http-fleet.h"

#include <string.h>

#include "dissectors/http/http-stats.h"
#include "dissectors/http/http-status.h"

static const char *const class_keys[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };

/* The class sums of a (key, count) result grouped further by class. */
#define CLASS_COLUMNS                                                                       \
  "countIf(status_code >= 100 AND status_code < 200), "                                    \
  "countIf(status_code >= 200 AND status_code < 300), "                                    \
  "countIf(status_code >= 300 AND status_code < 400), "                                    \
  "countIf(status_code >= 400 AND status_code < 500), "                                    \
  "countIf(status_code >= 500 AND status_code < 600), countIf(status_code = 0)"

static void top_table(WtSection *sec, const char *key, const char *label, const char *col,
                      const char *col_label, GPtrArray *rows, guint64 whole)
{
  WtTable *t = wt_section_table(sec, key, label);
  wt_table_column(t, col, col_label, WT_COL_STR);
  wt_table_column(t, "count", "Count", WT_COL_U64);
  wt_table_column(t, "share", "Share", WT_COL_PERCENT);
  for (guint i = 0; i < rows->len; i++) {
    wt_table_row(t);
    wt_table_str(t, wt_fleet_cell(rows, i, 0));
    wt_table_u64(t, wt_fleet_u64(rows, i, 1));
    wt_table_percent(t, wt_fleet_share(wt_fleet_u64(rows, i, 1), whole));
  }
}

typedef struct {
  char *method, *endpoint;
  guint64 count, cls[6]; /* 1xx..5xx, none */
  double lat_sum_ms, lat_max_ms;
  guint64 lat_n;
} Endpoint;

static void endpoint_free(gpointer p)
{
  Endpoint *e = p;
  g_free(e->method);
  g_free(e->endpoint);
  g_free(e);
}

static gint by_count(gconstpointer a, gconstpointer b)
{
  const Endpoint *x = *(Endpoint *const *) a, *y = *(Endpoint *const *) b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  int c = strcmp(x->endpoint, y->endpoint);
  return c ? c : strcmp(x->method, y->method);
}

/* Endpoints fold ids out of paths with the HTTP tap's own rule (wt_http_endpoint_of), so
 * the fleet's endpoints are the same as a single run's; ClickHouse groups by path first. */
static gboolean report_endpoints(const WtFleet *f, WtSection *sec, GError **error)
{
  g_autoptr(GPtrArray) rows = wt_fleet_select(f, "http",
    "method, splitByChar('?', uri)[1] AS path, count() AS n, " CLASS_COLUMNS ", "
    "count(time_to_first_byte), sum(time_to_first_byte), max(time_to_first_byte)",
    "method != ''", "GROUP BY method, path ORDER BY n DESC LIMIT 100000", error);
  if (!rows)
    return FALSE;
  g_autoptr(GHashTable) by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(endpoint_free);
  for (guint i = 0; i < rows->len; i++) {
    g_autofree char *ep = wt_http_endpoint_of(wt_fleet_cell(rows, i, 1));
    char *key = g_strdup_printf("%s %s", wt_fleet_cell(rows, i, 0), ep);
    Endpoint *e = g_hash_table_lookup(by_key, key);
    if (!e) {
      e = g_new0(Endpoint, 1);
      e->method = g_strdup(wt_fleet_cell(rows, i, 0));
      e->endpoint = g_strdup(ep);
      g_hash_table_insert(by_key, key, e);
      g_ptr_array_add(list, e);
    } else {
      g_free(key);
    }
    e->count += wt_fleet_u64(rows, i, 2);
    for (int c = 0; c < 6; c++)
      e->cls[c] += wt_fleet_u64(rows, i, 3 + (guint) c);
    e->lat_n += wt_fleet_u64(rows, i, 9);
    e->lat_sum_ms += wt_fleet_dbl(rows, i, 10) * 1e3;
    e->lat_max_ms = MAX(e->lat_max_ms, wt_fleet_dbl(rows, i, 11) * 1e3);
  }
  g_ptr_array_sort(list, by_count);
  WtTable *t = wt_section_table(sec, "endpoints", "REST endpoints");
  wt_table_column(t, "method", "Method", WT_COL_STR);
  wt_table_column(t, "endpoint", "Endpoint", WT_COL_STR);
  wt_table_column(t, "count", "Requests", WT_COL_U64);
  for (int c = 0; c < 5; c++)
    wt_table_column(t, class_keys[c], class_keys[c], WT_COL_U64);
  wt_table_column(t, "none", "No answer", WT_COL_U64);
  wt_table_column(t, "mean_ms", "Mean ms", WT_COL_DOUBLE);
  wt_table_column(t, "max_ms", "Max ms", WT_COL_DOUBLE);
  for (guint i = 0; i < list->len && i < f->top; i++) {
    const Endpoint *e = g_ptr_array_index(list, i);
    wt_table_row(t);
    wt_table_str(t, e->method);
    wt_table_str(t, e->endpoint);
    wt_table_u64(t, e->count);
    for (int c = 0; c < 6; c++)
      wt_table_u64(t, e->cls[c]);
    wt_table_double(t, e->lat_n ? e->lat_sum_ms / (double) e->lat_n : 0);
    wt_table_double(t, e->lat_max_ms);
  }
  return TRUE;
}

/* http.log's `version` is the response's (Zeek's rule), the request's when nothing was
 * answered; "2" for HTTP/2. The per-capture table counts the request's version, so the two
 * differ only for a request answered in another HTTP/1 version (1.0 answered in 1.1). */
static const char *const version_keys[] = { "0.9", "1.0", "1.1", "2", "other" };

static guint version_slot(const char *v)
{
  for (guint i = 0; i + 1 < G_N_ELEMENTS(version_keys); i++)
    if (strcmp(version_keys[i], v) == 0)
      return i;
  return G_N_ELEMENTS(version_keys) - 1;
}

static gboolean report_versions(const WtFleet *f, WtSection *sec, GError **error)
{
  g_autoptr(GPtrArray) rows = wt_fleet_select(f, "http", "version, count()", NULL,
                                              "GROUP BY version", error);
  if (!rows)
    return FALSE;
  guint64 count[G_N_ELEMENTS(version_keys)] = { 0 }, all = 0;
  for (guint i = 0; i < rows->len; i++) {
    guint64 n = wt_fleet_u64(rows, i, 1);
    count[version_slot(wt_fleet_cell(rows, i, 0))] += n;
    all += n;
  }
  WtTable *t = wt_section_table(sec, "versions", "Transactions by protocol version");
  wt_table_column(t, "version", "Version", WT_COL_STR);
  wt_table_column(t, "count", "Transactions", WT_COL_U64);
  wt_table_column(t, "share", "Share", WT_COL_PERCENT);
  for (guint i = 0; i < G_N_ELEMENTS(version_keys); i++) {
    if (!count[i])
      continue;
    wt_table_row(t);
    wt_table_str(t, version_keys[i]);
    wt_table_u64(t, count[i]);
    wt_table_percent(t, wt_fleet_share(count[i], all));
  }
  return TRUE;
}

/* http next to https from http.log's `tls` flag; as in a capture's report, only when some
 * HTTPS was read, so a fleet without decrypted TLS keeps its shape. */
static gboolean report_schemes(const WtFleet *f, WtSection *sec, GError **error)
{
  g_autoptr(GPtrArray) rows = wt_fleet_select(f, "http", "countIf(tls = 0), countIf(tls != 0)",
                                              NULL, NULL, error);
  if (!rows)
    return FALSE;
  guint64 plain = wt_fleet_u64(rows, 0, 0), https = wt_fleet_u64(rows, 0, 1);
  if (!https)
    return TRUE;
  static const char *const scheme_keys[] = { "http", "https" };
  const guint64 count[] = { plain, https };
  WtTable *t = wt_section_table(sec, "schemes", "Transactions by scheme");
  wt_table_column(t, "scheme", "Scheme", WT_COL_STR);
  wt_table_column(t, "count", "Transactions", WT_COL_U64);
  wt_table_column(t, "share", "Share", WT_COL_PERCENT);
  for (guint i = 0; i < G_N_ELEMENTS(count); i++) {
    wt_table_row(t);
    wt_table_str(t, scheme_keys[i]);
    wt_table_u64(t, count[i]);
    wt_table_percent(t, wt_fleet_share(count[i], plain + https));
  }
  return TRUE;
}

gboolean wt_http_fleet_report(const WtFleet *f, WtReport *r, GError **error)
{
  g_autoptr(GPtrArray) tot = wt_fleet_select(f, "http",
    "countIf(method != ''), countIf(status_code != 0) + countIf(info_code != 0), "
    "countIf(status_code != 0), countIf(info_code != 0), "
    "countIf(method != '' AND status_code = 0), countIf(method = '' AND status_code != 0), "
    "countIf(incomplete != 0), sum(request_body_len), sum(response_body_len), "
    "count(time_to_first_byte), avg(time_to_first_byte), "
    "quantileExact(0.5)(time_to_first_byte), quantileExact(0.9)(time_to_first_byte), "
    "quantileExact(0.95)(time_to_first_byte), quantileExact(0.99)(time_to_first_byte), "
    "max(time_to_first_byte)", NULL, NULL, error);
  if (!tot)
    return FALSE;
  /* every status line: the final one and the interim (1xx) one http.log keeps */
  g_autofree char *codes_sql = g_strdup_printf(
    "SELECT code, count() FROM (SELECT status_code AS code FROM %s.http WHERE %s AND "
    "status_code != 0 UNION ALL SELECT info_code AS code FROM %s.http WHERE %s AND "
    "info_code != 0) GROUP BY code ORDER BY code", f->db, f->where, f->db, f->where);
  g_autoptr(GPtrArray) codes = wt_fleet_query(f, codes_sql, error);
  if (!codes)
    return FALSE;
  g_autoptr(GPtrArray) methods = wt_fleet_select(f, "http", "method, count() AS n, " CLASS_COLUMNS,
                                             "method != ''",
                                             "GROUP BY method ORDER BY n DESC, method", error);
  if (!methods)
    return FALSE;
  g_autofree char *lim = g_strdup_printf("ORDER BY n DESC, k LIMIT %u", f->top);
  g_autofree char *hosts_tail = g_strdup_printf("GROUP BY host AS k %s", lim);
  g_autoptr(GPtrArray) hosts = wt_fleet_select(f, "http", "host, count() AS n", "method != ''",
                                           hosts_tail, error);
  g_autofree char *uris_tail = g_strdup_printf("GROUP BY k %s", lim);
  g_autoptr(GPtrArray) uris = hosts ? wt_fleet_select(f, "http",
                                                  "splitByChar('?', uri)[1] AS k, count() AS n",
                                                  "method != ''", uris_tail, error) : NULL;
  g_autoptr(GPtrArray) uas = uris ? wt_fleet_select(f, "http", "user_agent AS k, count() AS n",
                                                "method != '' AND user_agent != ''",
                                                uris_tail, error) : NULL;
  if (!uas)
    return FALSE;

  guint64 requests = wt_fleet_u64(tot, 0, 0);
  WtSection *sec = wt_report_section(r, "http", "HTTP");
  wt_section_set_lead(sec); /* as in a capture's report: right after the fleet summary */
  wt_section_set_nothing(sec, "no requests");
  wt_section_u64(sec, "requests", "Requests", requests);
  wt_section_u64(sec, "responses", "Responses", wt_fleet_u64(tot, 0, 1));
  if (requests > 0 || wt_fleet_u64(tot, 0, 1) > 0)
    wt_http_report_charts(sec);
  wt_section_u64(sec, "final_responses", "Final responses", wt_fleet_u64(tot, 0, 2));
  wt_section_u64(sec, "interim", "Interim (1xx) responses", wt_fleet_u64(tot, 0, 3));
  wt_section_u64(sec, "unanswered", "Unanswered requests", wt_fleet_u64(tot, 0, 4));
  wt_section_u64(sec, "orphan_responses", "Responses without a request", wt_fleet_u64(tot, 0, 5));
  wt_section_u64(sec, "incomplete", "Incomplete transactions", wt_fleet_u64(tot, 0, 6));
  wt_section_u64(sec, "request_body_bytes", "Request body bytes", wt_fleet_u64(tot, 0, 7));
  wt_section_u64(sec, "response_body_bytes", "Response body bytes", wt_fleet_u64(tot, 0, 8));

  wt_fleet_map(sec, "methods", "Methods", methods);
  guint64 total_codes = 0, classes[5] = { 0 };
  for (guint i = 0; i < codes->len; i++)
    total_codes += wt_fleet_u64(codes, i, 1);
  wt_section_map_u64(sec, "status_codes", "Status codes", NULL, 0);
  for (guint i = 0; i < codes->len; i++) {
    guint code = (guint) wt_fleet_u64(codes, i, 0);
    char key[8];
    g_snprintf(key, sizeof key, "%03u", code);
    wt_section_map_u64(sec, "status_codes", "Status codes", key, wt_fleet_u64(codes, i, 1));
    if (code >= 100 && code <= 599)
      classes[code / 100 - 1] += wt_fleet_u64(codes, i, 1);
  }
  wt_section_map_u64(sec, "status_classes", "Status classes", NULL, 0);
  for (int c = 0; c < 5; c++)
    if (classes[c])
      wt_section_map_u64(sec, "status_classes", "Status classes", class_keys[c], classes[c]);

  WtTable *t = wt_section_table(sec, "methods_table", "Methods");
  wt_table_column(t, "method", "Method", WT_COL_STR);
  wt_table_column(t, "count", "Requests", WT_COL_U64);
  wt_table_column(t, "share", "Share", WT_COL_PERCENT);
  for (guint i = 0; i < methods->len; i++) {
    wt_table_row(t);
    wt_table_str(t, wt_fleet_cell(methods, i, 0));
    wt_table_u64(t, wt_fleet_u64(methods, i, 1));
    wt_table_percent(t, wt_fleet_share(wt_fleet_u64(methods, i, 1), requests));
  }
  t = wt_section_table(sec, "methods_by_class", "Methods by status class");
  wt_table_column(t, "method", "Method", WT_COL_STR);
  for (int c = 0; c < 5; c++)
    wt_table_column(t, class_keys[c], class_keys[c], WT_COL_U64);
  wt_table_column(t, "none", "No answer", WT_COL_U64);
  for (guint i = 0; i < methods->len; i++) {
    wt_table_row(t);
    wt_table_str(t, wt_fleet_cell(methods, i, 0));
    for (guint c = 0; c < 6; c++)
      wt_table_u64(t, wt_fleet_u64(methods, i, 2 + c));
  }
  t = wt_section_table(sec, "status_table", "Status codes");
  wt_table_column(t, "code", "Code", WT_COL_U64);
  wt_table_column(t, "class", "Class", WT_COL_STR);
  wt_table_column(t, "reason", "Reason", WT_COL_STR);
  wt_table_column(t, "count", "Responses", WT_COL_U64);
  wt_table_column(t, "share", "Share", WT_COL_PERCENT);
  wt_table_column(t, "meaning", "Meaning", WT_COL_STR);
  for (guint i = 0; i < codes->len; i++) {
    guint code = (guint) wt_fleet_u64(codes, i, 0);
    const WtHttpStatusInfo *info = wt_http_status_lookup(code);
    wt_table_row(t);
    wt_table_u64(t, code);
    wt_table_str(t, wt_http_status_class_name(code));
    wt_table_str(t, info ? info->reason : "(unregistered)");
    wt_table_u64(t, wt_fleet_u64(codes, i, 1));
    wt_table_percent(t, wt_fleet_share(wt_fleet_u64(codes, i, 1), total_codes));
    wt_table_str(t, info ? info->meaning : "not a registered status code");
  }
  WtSection *o = wt_section_object(sec, "time_to_first_byte", "Time to first byte");
  wt_section_u64(o, "count", "Samples", wt_fleet_u64(tot, 0, 9));
  static const char *const pk[] = { "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms",
                                    "max_ms" };
  static const char *const pl[] = { "Mean (ms)", "p50 (ms)", "p90 (ms)", "p95 (ms)",
                                    "p99 (ms)", "Max (ms)" };
  for (guint i = 0; i < G_N_ELEMENTS(pk); i++)
    wt_section_double(o, pk[i], pl[i], wt_fleet_u64(tot, 0, 9) ? wt_fleet_dbl(tot, 0, 10 + i) * 1e3 : 0);
  top_table(sec, "hosts", "Hosts", "host", "Host", hosts, requests);
  top_table(sec, "uris", "URIs", "uri", "URI", uris, requests);
  top_table(sec, "user_agents", "User agents", "user_agent", "User agent", uas, requests);
  return report_endpoints(f, sec, error) && report_versions(f, sec, error) &&
         report_schemes(f, sec, error);
}

/* --- fleet metrics (--from-clickhouse --metrics) ------------------------------------- */

static const char *metric_class(guint64 code)
{
  static const char *const names[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
  return code >= 100 && code <= 599 ? names[code / 100 - 1] : "other";
}

/* The live counters' names, help and labels, plus `sensor`; the response time histogram
 * is not here (http.log keeps a duration per row, not the live histogram's buckets). */
gboolean wt_http_fleet_metrics(const WtFleet *f, WtMetrics *m, GError **error)
{
  wt_metrics_declare(m, "wiretab_http_requests_total", WT_METRIC_COUNTER,
                     "HTTP requests (transactions with a request line) by method");
  wt_metrics_declare(m, "wiretab_http_responses_total", WT_METRIC_COUNTER,
                     "HTTP response status lines (1xx interim ones too) by code and class");
  g_autoptr(GPtrArray) methods = wt_fleet_select(f, "http", "sensor, method, count()",
                                                 "method != ''",
                                                 "GROUP BY sensor, method ORDER BY sensor, method",
                                                 error);
  if (!methods)
    return FALSE;
  /* the final status line and the interim (1xx) one http.log keeps, as the report counts */
  g_autofree char *codes_sql = g_strdup_printf(
    "SELECT sensor, code, count() FROM (SELECT sensor, status_code AS code FROM %s.http "
    "WHERE %s AND status_code != 0 UNION ALL SELECT sensor, info_code AS code FROM %s.http "
    "WHERE %s AND info_code != 0) GROUP BY sensor, code ORDER BY sensor, code",
    f->db, f->where, f->db, f->where);
  g_autoptr(GPtrArray) codes = wt_fleet_query(f, codes_sql, error);
  if (!codes)
    return FALSE;
  for (guint i = 0; i < methods->len; i++)
    wt_metrics_add(m, "wiretab_http_requests_total", (double) wt_fleet_u64(methods, i, 2),
                   "sensor", wt_fleet_cell(methods, i, 0), "method",
                   wt_fleet_cell(methods, i, 1), NULL);
  for (guint i = 0; i < codes->len; i++) {
    guint64 code = wt_fleet_u64(codes, i, 1);
    wt_metrics_add(m, "wiretab_http_responses_total", (double) wt_fleet_u64(codes, i, 2),
                   "sensor", wt_fleet_cell(codes, i, 0), "code", wt_fleet_cell(codes, i, 1),
                   "class", metric_class(code), NULL);
  }
  return TRUE;
}
