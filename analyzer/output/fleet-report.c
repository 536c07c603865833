/* The fleet report: SQL aggregations over the Distributed tables (conn, http, dns ...) that
 * every sensor's rows reach, written into the same WtReport model as a single run, with
 * the same section and key names where the logs carry the data (see docs/deployment.md
 * for what differs: packet-level counters are not in the logs). Results are read as
 * TabSeparated, which 18.16 writes and escapes simply. */
#include "analyzer/output/fleet-report.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "dissectors/tcp/tcp.h"
#include "dissectors/udp/udp.h"
#include "analyzer/output/clickhouse.h"
#include "analyzer/pipeline/registry.h"
#include "analyzer/pipeline/timeline.h"

/* The sections' view of the query (fleet-query.h); user_data is the WtFleetQuery. */
typedef WtFleet Fleet;

static const WtFleetQuery *fleet_query(const Fleet *f)
{
  return f->user_data;
}

/* --- query helpers ------------------------------------------------------------------ */

static char *sql_string(const char *s)
{
  GString *q = g_string_new("'");
  for (; *s; s++) {
    if (*s == '\'' || *s == '\\')
      g_string_append_c(q, '\\');
    g_string_append_c(q, *s);
  }
  g_string_append_c(q, '\'');
  return g_string_free(q, FALSE);
}

static char *tsv_unescape(const char *s, gsize n)
{
  GString *o = g_string_sized_new(n);
  for (gsize i = 0; i < n; i++) {
    if (s[i] != '\\' || i + 1 == n) {
      g_string_append_c(o, s[i]);
      continue;
    }
    char c = s[++i];
    switch (c) {
    case 't': g_string_append_c(o, '\t'); break;
    case 'n': g_string_append_c(o, '\n'); break;
    case 'r': g_string_append_c(o, '\r'); break;
    case 'b': g_string_append_c(o, '\b'); break;
    case 'f': g_string_append_c(o, '\f'); break;
    case '0': g_string_append_c(o, '\0'); break;
    case 'N': g_string_append(o, ""); break; /* NULL */
    default: g_string_append_c(o, c); break;
    }
  }
  return g_string_free(o, FALSE);
}

/* Rows of a TabSeparated result: GPtrArray of GStrv. NULL with `error` set on failure. */
static GPtrArray *query(const Fleet *f, const char *sql, GError **error)
{
  g_autoptr(GString) body = g_string_new(NULL);
  g_autofree char *full = g_strdup_printf("%s FORMAT TabSeparated", sql);
  if (!wt_ch_query(fleet_query(f)->url, full, body, error))
    return NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
  const char *p = body->str, *end = body->str + body->len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (gsize) (end - p));
    if (!nl)
      nl = end;
    GPtrArray *cells = g_ptr_array_new();
    const char *c = p;
    for (;;) {
      const char *tab = memchr(c, '\t', (gsize) (nl - c));
      const char *ce = tab ? tab : nl;
      g_ptr_array_add(cells, tsv_unescape(c, (gsize) (ce - c)));
      if (!tab)
        break;
      c = tab + 1;
    }
    g_ptr_array_add(cells, NULL);
    g_ptr_array_add(rows, g_ptr_array_free(cells, FALSE));
    p = nl + 1;
  }
  return rows;
}

/* Short names for the generic sections below. */
static const char *cell(GPtrArray *rows, guint r, guint c)
{
  return wt_fleet_cell(rows, r, c);
}

static guint64 u64(GPtrArray *rows, guint r, guint c)
{
  return wt_fleet_u64(rows, r, c);
}

static double share(guint64 part, guint64 whole)
{
  return wt_fleet_share(part, whole);
}

static GPtrArray *select_from(const Fleet *f, const char *table, const char *what,
                              const char *extra, const char *tail, GError **error)
{
  return wt_fleet_select(f, table, what, extra, tail, error);
}

/* --- fleet, sensors, top hosts --------------------------------------------------------- */

/* HTTP status classes, as the timeline's columns */
static const char *const class_keys[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
typedef struct {
  gint64 first_us, last_us;
} Span;

/* First and last record over every log table, microseconds since the epoch. */
static gboolean span_of(const Fleet *f, Span *s, GError **error)
{
  s->first_us = G_MAXINT64;
  s->last_us = 0;
  for (const WtLogTable *const *t = fleet_query(f)->tables; *t; t++) {
    g_autoptr(GPtrArray) rows = select_from(f, (*t)->name,
      "count(), min(toUInt64(ts) * 1000000 + ts_us), max(toUInt64(ts) * 1000000 + ts_us)",
      NULL, NULL, error);
    if (!rows)
      return FALSE;
    if (rows->len && u64(rows, 0, 0)) {
      s->first_us = MIN(s->first_us, (gint64) u64(rows, 0, 1));
      s->last_us = MAX(s->last_us, (gint64) u64(rows, 0, 2));
    }
  }
  if (s->first_us == G_MAXINT64)
    s->first_us = s->last_us = 0;
  return TRUE;
}

static gboolean report_fleet(const Fleet *f, const Span *span, WtReport *r, GError **error)
{
  g_autofree char *sql = g_strdup_printf(
    "SELECT sensor, sum(c), sum(tcp), sum(udp), sum(b), sum(h), sum(d), min(f), max(l) FROM ("
    "SELECT sensor, count() AS c, countIf(proto = 'tcp') AS tcp, countIf(proto = 'udp') AS udp,"
    " sum(orig_ip_bytes + resp_ip_bytes) AS b, toUInt64(0) AS h, toUInt64(0) AS d,"
    " min(ts) AS f, max(ts) AS l FROM %s.conn WHERE %s GROUP BY sensor "
    "UNION ALL SELECT sensor, toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0),"
    " countIf(method != ''), toUInt64(0), min(ts), max(ts) FROM %s.http WHERE %s GROUP BY sensor "
    "UNION ALL SELECT sensor, toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0),"
    " count(), min(ts), max(ts) FROM %s.dns WHERE %s GROUP BY sensor"
    ") GROUP BY sensor ORDER BY sensor",
    f->db, f->where, f->db, f->where, f->db, f->where);
  g_autoptr(GPtrArray) sensors = query(f, sql, error);
  if (!sensors)
    return FALSE;
  g_autofree char *hosts_sql = g_strdup_printf(
    "SELECT h, sum(c), sum(b) AS bytes FROM ("
    "SELECT orig_h AS h, count() AS c, sum(orig_ip_bytes + resp_ip_bytes) AS b "
    "FROM %s.conn WHERE %s GROUP BY h UNION ALL "
    "SELECT resp_h AS h, count() AS c, sum(orig_ip_bytes + resp_ip_bytes) AS b "
    "FROM %s.conn WHERE %s GROUP BY h) GROUP BY h ORDER BY bytes DESC, h LIMIT %u",
    f->db, f->where, f->db, f->where, f->top);
  g_autoptr(GPtrArray) hosts = query(f, hosts_sql, error);
  if (!hosts)
    return FALSE;

  WtSection *s = wt_report_section(r, "fleet", "Fleet (ClickHouse)");
  g_autofree char *db = wt_ch_url_database(fleet_query(f)->url);
  wt_section_str(s, "source", "Source", fleet_query(f)->url);
  wt_section_str(s, "database", "Database", db);
  if (fleet_query(f)->since)
    wt_section_ts(s, "since", "Since", fleet_query(f)->since * 1000000000);
  if (fleet_query(f)->until)
    wt_section_ts(s, "until", "Until", fleet_query(f)->until * 1000000000);
  for (guint i = 0; i < sensors->len; i++)
    wt_section_list_str(s, "sensors", "Sensors", cell(sensors, i, 0));
  wt_section_u64(s, "sensor_count", "Sensor count", sensors->len);
  wt_section_ts(s, "first_ts", "First record", span->first_us * 1000);
  wt_section_ts(s, "last_ts", "Last record", span->last_us * 1000);
  wt_section_double(s, "duration", "Duration (s)",
                    (double) (span->last_us - span->first_us) / 1e6);
  guint64 sum[6] = { 0 };
  for (guint i = 0; i < sensors->len; i++)
    for (guint c = 0; c < 6; c++)
      sum[c] += u64(sensors, i, 1 + c);
  wt_section_u64(s, "flows", "Flows (conn.log records)", sum[0]);
  wt_section_u64(s, "http_transactions", "HTTP requests", sum[4]);
  wt_section_u64(s, "dns_records", "DNS records", sum[5]);

  WtTable *t = wt_section_table(s, "sensors_table", "Per sensor");
  wt_table_column(t, "sensor", "Sensor", WT_COL_STR);
  wt_table_column(t, "flows", "Flows", WT_COL_U64);
  wt_table_column(t, "tcp", "TCP", WT_COL_U64);
  wt_table_column(t, "udp", "UDP", WT_COL_U64);
  wt_table_column(t, "ip_bytes", "IP bytes", WT_COL_U64);
  wt_table_column(t, "http_requests", "HTTP requests", WT_COL_U64);
  wt_table_column(t, "dns_records", "DNS records", WT_COL_U64);
  wt_table_column(t, "first", "First record", WT_COL_STR);
  wt_table_column(t, "last", "Last record", WT_COL_STR);
  wt_table_column(t, "share", "Share of flows", WT_COL_PERCENT);
  for (guint i = 0; i < sensors->len; i++) {
    wt_table_row(t);
    wt_table_str(t, cell(sensors, i, 0));
    for (guint c = 1; c <= 6; c++)
      wt_table_u64(t, u64(sensors, i, c));
    wt_table_str(t, cell(sensors, i, 7));
    wt_table_str(t, cell(sensors, i, 8));
    wt_table_percent(t, share(u64(sensors, i, 1), sum[0]));
  }
  t = wt_section_table(s, "top_hosts", "Top hosts by IP bytes");
  wt_table_column(t, "host", "Host", WT_COL_STR);
  wt_table_column(t, "flows", "Flows", WT_COL_U64);
  wt_table_column(t, "bytes", "IP bytes", WT_COL_U64);
  for (guint i = 0; i < hosts->len; i++) {
    wt_table_row(t);
    wt_table_str(t, cell(hosts, i, 0));
    wt_table_u64(t, u64(hosts, i, 1));
    wt_table_u64(t, u64(hosts, i, 2));
  }
  return TRUE;
}

/* --- timeline -------------------------------------------------------------------------- */

static gint64 choose_interval(gint64 span_s, gint64 asked)
{
  if (asked > 0)
    return asked;
  static const gint64 ladder[] = { 1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600,
                                   43200, 86400 };
  gint64 want = (span_s + 299) / 300;
  for (gsize i = 0; i < G_N_ELEMENTS(ladder); i++)
    if (ladder[i] >= want)
      return ladder[i];
  gint64 d = 86400;
  while (d < want)
    d *= 2;
  return d;
}

enum { TL_CONN, TL_REQ, TL_1XX, TL_5XX = TL_1XX + 4, TL_N };

static gboolean report_timeline(const Fleet *f, const Span *span, WtReport *r, GError **error)
{
  gint64 first = span->first_us / 1000000, last = span->last_us / 1000000;
  gint64 iv = choose_interval(last - first, fleet_query(f)->interval_s);
  WtSection *sec = wt_report_section(r, "timeline", "Timeline");
  wt_section_double(sec, "interval", "Interval (s)", (double) iv);
  gint64 start = span->last_us ? first / iv * iv : 0;
  guint64 nrows = span->last_us ? (guint64) ((last / iv * iv - start) / iv + 1) : 0;
  if (nrows > 100000) /* a --interval far too small for the range */
    nrows = 100000;
  wt_section_ts(sec, "start_ts", "Start", start * 1000000000);
  wt_section_u64(sec, "rows", "Rows", nrows);
  g_autofree guint64 *cnt = g_new0(guint64, MAX(nrows, 1) * TL_N);
  g_autofree char *bucket = g_strdup_printf("intDiv(toUInt32(ts) - %" G_GINT64_FORMAT ", %"
                                            G_GINT64_FORMAT ") AS b", start, iv);
  g_autofree char *conn_what = g_strdup_printf("%s, count()", bucket);
  g_autoptr(GPtrArray) conns = select_from(f, "conn", conn_what, NULL, "GROUP BY b", error);
  if (!conns)
    return FALSE;
  /* requests and responses counted at the request's time (http.log has one ts) */
  g_autofree char *http_what = g_strdup_printf("%s, countIf(method != ''), %s", bucket,
    "countIf(status_code >= 100 AND status_code < 200) + countIf(info_code != 0), "
    "countIf(status_code >= 200 AND status_code < 300), "
    "countIf(status_code >= 300 AND status_code < 400), "
    "countIf(status_code >= 400 AND status_code < 500), "
    "countIf(status_code >= 500 AND status_code < 600)");
  g_autoptr(GPtrArray) http = select_from(f, "http", http_what, NULL, "GROUP BY b", error);
  if (!http)
    return FALSE;
  for (guint i = 0; i < conns->len; i++) {
    guint64 b = u64(conns, i, 0);
    if (b < nrows)
      cnt[b * TL_N + TL_CONN] += u64(conns, i, 1);
  }
  for (guint i = 0; i < http->len; i++) {
    guint64 b = u64(http, i, 0);
    if (b < nrows)
      for (guint c = 0; c < 6; c++)
        cnt[b * TL_N + TL_REQ + c] += u64(http, i, 1 + c);
  }
  /* the charts a report of one capture has: the timeline's and the declared series' */
  guint n_groups;
  const WtSeriesGroup *const *groups = wt_registry_series_groups(&n_groups);
  wt_timeline_report_charts(r, sec, groups, n_groups);
  WtTable *t = wt_section_table(sec, "timeline", "Timeline");
  wt_table_column(t, "ts", "Start (epoch s)", WT_COL_U64);
  wt_table_column(t, "time", "Time (UTC)", WT_COL_STR);
  wt_table_column(t, "new_connections", "New connections", WT_COL_U64);
  wt_table_column(t, "http_requests", "HTTP requests", WT_COL_U64);
  for (int c = 0; c < 5; c++) {
    char key[16];
    g_snprintf(key, sizeof key, "http_%s", class_keys[c]);
    wt_table_column(t, key, class_keys[c], WT_COL_U64);
  }
  gboolean days = nrows && (start / 86400) != ((start + (gint64) nrows * iv) / 86400);
  for (guint64 i = 0; i < nrows; i++) {
    gint64 ts = start + (gint64) i * iv;
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(ts);
    g_autofree char *tm = g_date_time_format(dt, days ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S");
    wt_table_row(t);
    wt_table_u64(t, (guint64) ts);
    wt_table_str(t, tm);
    for (int c = 0; c < TL_N; c++)
      wt_table_u64(t, cnt[i * TL_N + (guint64) c]);
  }
  return TRUE;
}

/* --- entry points ---------------------------------------------------------------------- */

gboolean wt_fleet_parse_time(const char *s, gint64 *out, GError **error)
{
  char *end = NULL;
  if (*s == '-' && s[1]) {
    gint64 n = g_ascii_strtoll(s + 1, &end, 10);
    gint64 unit = 0;
    if (end && strcmp(end, "s") == 0) unit = 1;
    else if (end && strcmp(end, "m") == 0) unit = 60;
    else if (end && strcmp(end, "h") == 0) unit = 3600;
    else if (end && strcmp(end, "d") == 0) unit = 86400;
    if (unit && n > 0 && end != s + 1) {
      *out = g_get_real_time() / G_USEC_PER_SEC - n * unit;
      return TRUE;
    }
  } else {
    gint64 n = g_ascii_strtoll(s, &end, 10);
    if (end && *end == '\0' && end != s && n > 0) {
      *out = n;
      return TRUE;
    }
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(s, utc);
    if (!dt && strlen(s) == 10) {
      g_autofree char *full = g_strdup_printf("%sT00:00:00", s);
      dt = g_date_time_new_from_iso8601(full, utc);
    }
    if (dt) {
      *out = g_date_time_to_unix(dt);
      return TRUE;
    }
  }
  g_set_error(error, WT_CH_ERROR, WT_CH_ERROR_USAGE,
              "'%s' is not a time: give seconds since the epoch, an ISO 8601 date or time "
              "(2024-05-01, 2024-05-01T12:00:00Z), or -30m / -2h / -7d from now", s);
  return FALSE;
}

/* The sections' view of q: the quoted database and the WHERE condition (sensors, time
 * range), freed by fleet_close. FALSE when the URL is not ClickHouse's HTTP interface. */
static gboolean fleet_open(const WtFleetQuery *q, Fleet *f, GError **error)
{
  if (!q->url || !(g_str_has_prefix(q->url, "http://") || g_str_has_prefix(q->url, "https://"))) {
    g_set_error(error, WT_CH_ERROR, WT_CH_ERROR_USAGE,
                "--from-clickhouse takes the HTTP interface's URL, e.g. "
                "http://127.0.0.1:8123/?database=wiretab");
    return FALSE;
  }
  *f = (Fleet) { .top = q->top_n ? q->top_n : 10, .query = query, .user_data = (gpointer) q };
  g_autofree char *dbname = wt_ch_url_database(q->url);
  GString *db = g_string_new("`");
  for (const char *p = dbname; *p; p++) {
    if (*p == '`' || *p == '\\')
      g_string_append_c(db, '\\');
    g_string_append_c(db, *p);
  }
  g_string_append_c(db, '`');
  f->db = g_string_free(db, FALSE);
  GString *w = g_string_new("1");
  if (q->sensors && q->sensors[0]) {
    g_string_append(w, " AND sensor IN (");
    for (guint i = 0; q->sensors[i]; i++) {
      g_autofree char *lit = sql_string(q->sensors[i]);
      g_string_append_printf(w, "%s%s", i ? ", " : "", lit);
    }
    g_string_append_c(w, ')');
  }
  if (q->since)
    g_string_append_printf(w, " AND ts >= toDateTime(%" G_GINT64_FORMAT ")", q->since);
  if (q->until)
    g_string_append_printf(w, " AND ts < toDateTime(%" G_GINT64_FORMAT ")", q->until);
  f->where = g_string_free(w, FALSE);
  return TRUE;
}

static void fleet_close(Fleet *f)
{
  g_free((char *) f->db);
  g_free((char *) f->where);
}

gboolean wt_fleet_report(const WtFleetQuery *q, WtReport *r, GError **error)
{
  Fleet f;
  if (!fleet_open(q, &f, error))
    return FALSE;
  Span span;
  gboolean ok = span_of(&f, &span, error) && report_fleet(&f, &span, r, error) &&
                wt_tcp_fleet_report(&f, r, error) && wt_udp_fleet_report(&f, r, error);
  for (const WtFleetSectionFunc *sec = q->sections; ok && sec && *sec; sec++)
    ok = (*sec)(&f, r, error);
  ok = ok && report_timeline(&f, &span, r, error);
  fleet_close(&f);
  return ok;
}

gboolean wt_fleet_metrics(const WtFleetQuery *q, const WtFleetMetricsFunc *funcs,
                          WtMetrics *m, GError **error)
{
  Fleet f;
  if (!fleet_open(q, &f, error))
    return FALSE;
  gboolean ok = TRUE;
  for (const WtFleetMetricsFunc *fn = funcs; ok && fn && *fn; fn++)
    ok = (*fn)(&f, m, error);
  fleet_close(&f);
  return ok;
}
