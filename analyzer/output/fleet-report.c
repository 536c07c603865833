/* The fleet report: SQL aggregations over the Distributed tables (conn, http, dns) that
 * every sensor's rows reach, written into the same WtReport model as a single run, with
 * the same section and key names where the logs carry the data (see docs/deployment.md
 * for what differs: packet-level counters are not in the logs). Results are read as
 * TabSeparated, which 18.16 writes and escapes simply. */
#include "analyzer/output/fleet-report.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "analyzer/output/clickhouse.h"
#include "analyzer/pipeline/timeline.h"
#include "dissectors/http/http-stats.h"
#include "dissectors/tcp/tcp-stats.h"
#include "dissectors/http/http-status.h"

typedef struct {
  const WtFleetQuery *q;
  char *db;       /* quoted database name */
  char *where;    /* sensors and time range, "1" when none */
  guint top;
} Fleet;

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
  if (!wt_ch_query(f->q->url, full, body, error))
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

static const char *cell(GPtrArray *rows, guint r, guint c)
{
  char **row = g_ptr_array_index(rows, r);
  for (guint i = 0; i <= c; i++)
    if (!row[i])
      return "";
  return row[c];
}

static guint64 u64(GPtrArray *rows, guint r, guint c)
{
  return g_ascii_strtoull(cell(rows, r, c), NULL, 10);
}

static double dbl(GPtrArray *rows, guint r, guint c)
{
  const char *s = cell(rows, r, c);
  if (!*s || strcmp(s, "nan") == 0 || strcmp(s, "inf") == 0)
    return 0.0;
  return g_ascii_strtod(s, NULL);
}

static double share(guint64 part, guint64 whole)
{
  return whole ? 100.0 * (double) part / (double) whole : 0.0;
}

/* "SELECT <what> FROM db.table WHERE <filter> [AND extra] <tail>" */
static GPtrArray *select_from(const Fleet *f, const char *table, const char *what,
                              const char *extra, const char *tail, GError **error)
{
  g_autofree char *sql = g_strdup_printf("SELECT %s FROM %s.%s WHERE %s%s%s %s", what, f->db,
                                         table, f->where, extra ? " AND " : "",
                                         extra ? extra : "", tail ? tail : "");
  return query(f, sql, error);
}

/* --- sections --------------------------------------------------------------------------- */

static const char *const conn_state_order[] = {
  "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH",
};
static const char *const conn_state_meaning[] = {
  "attempt, no reply", "established, not closed", "normal open and close", "rejected",
  "established, originator closed only", "established, responder closed only",
  "originator aborted (RST)", "responder aborted (RST)", "originator SYN then RST",
  "responder SYN+ACK then RST", "originator SYN then FIN", "responder SYN+ACK then FIN",
  "no SYN seen / other",
};
/* conn.log names ("mid-stream") and report keys ("mid_stream"), in report order */
static const char *const handshake_names[] = {
  "completed", "refused", "unanswered", "simultaneous", "mid-stream", "incomplete",
};
static const char *const close_kind_names[] = {
  "four-way", "three-segment", "simultaneous", "half-closed", "reset-by-orig",
  "reset-by-resp", "refused", "unanswered", "timed-out", "open-at-end",
};
/* the single-run report's labels (dissectors/tcp/tcp-stats.c) */
static const char *const handshake_labels[] = {
  "Completed (SYN, SYN+ACK, ACK)", "Refused (SYN answered by RST)", "Unanswered SYN",
  "Simultaneous open", "Mid-stream (no SYN seen)", "Answered, never completed",
};
static const char *const close_kind_labels[] = {
  "Four-way FIN close", "Three-segment close (FIN, FIN+ACK, ACK)", "Simultaneous close",
  "Half-closed (one FIN only)", "Reset by originator", "Reset by responder", "Refused",
  "Unanswered", "Timed out while open", "Still open at end of input",
};

static char *key_of(const char *name)
{
  char *k = g_strdup(name);
  g_strdelimit(k, "-", '_');
  return k;
}

static guint64 lookup_count(GPtrArray *rows, const char *name)
{
  for (guint r = 0; r < rows->len; r++)
    if (strcmp(cell(rows, r, 0), name) == 0)
      return u64(rows, r, 1);
  return 0;
}

static gboolean report_tcp(const Fleet *f, WtReport *r, GError **error)
{
  const char *tcp = "proto = 'tcp'";
  g_autoptr(GPtrArray) tot = select_from(f, "conn",
    "count(), countIf(first_closer = 'orig'), countIf(first_closer = 'resp'), "
    "sum(orig_retransmits + resp_retransmits), sum(orig_out_of_order + resp_out_of_order), "
    "sum(orig_dup_acks + resp_dup_acks), sum(orig_zero_windows + resp_zero_windows), "
    "sum(orig_keepalives + resp_keepalives), sum(missed_bytes), "
    "sum(orig_pkts), sum(resp_pkts), sum(orig_ip_bytes), sum(resp_ip_bytes), "
    "sum(orig_payload_bytes), sum(resp_payload_bytes), "
    "count(handshake_rtt), quantileExact(0.5)(handshake_rtt), "
    "quantileExact(0.9)(handshake_rtt), quantileExact(0.99)(handshake_rtt), "
    "min(handshake_rtt), max(handshake_rtt)", tcp, NULL, error);
  if (!tot)
    return FALSE;
  g_autoptr(GPtrArray) states = select_from(f, "conn", "conn_state, count()", tcp,
                                            "GROUP BY conn_state", error);
  if (!states)
    return FALSE;
  g_autoptr(GPtrArray) hs = select_from(f, "conn", "handshake, count()", tcp,
                                        "GROUP BY handshake", error);
  if (!hs)
    return FALSE;
  g_autoptr(GPtrArray) td = select_from(f, "conn", "close_kind, count()", tcp,
                                        "GROUP BY close_kind", error);
  if (!td)
    return FALSE;

  guint64 conns = tot->len ? u64(tot, 0, 0) : 0;
  WtSection *sec = wt_report_section(r, "tcp", "TCP connections");
  wt_tcp_report_charts(sec);
  wt_section_u64(sec, "connections", "Connections", conns);
  wt_section_map_u64(sec, "conn_states", "By Zeek conn_state", NULL, 0);
  for (gsize i = 0; i < G_N_ELEMENTS(conn_state_order); i++) {
    guint64 n = lookup_count(states, conn_state_order[i]);
    if (n)
      wt_section_map_u64(sec, "conn_states", "By Zeek conn_state", conn_state_order[i], n);
  }
  WtSection *h = wt_section_object(sec, "handshake", "Handshakes");
  for (gsize i = 0; i < G_N_ELEMENTS(handshake_names); i++) {
    g_autofree char *k = key_of(handshake_names[i]);
    wt_section_u64(h, k, handshake_labels[i], lookup_count(hs, handshake_names[i]));
  }
  WtSection *t = wt_section_object(sec, "teardown", "Teardowns");
  for (gsize i = 0; i < G_N_ELEMENTS(close_kind_names); i++) {
    g_autofree char *k = key_of(close_kind_names[i]);
    wt_section_u64(t, k, close_kind_labels[i], lookup_count(td, close_kind_names[i]));
  }
  if (tot->len) {
    wt_section_u64(t, "closed_first_by_orig", "First FIN/RST from originator", u64(tot, 0, 1));
    wt_section_u64(t, "closed_first_by_resp", "First FIN/RST from responder", u64(tot, 0, 2));
    WtSection *rtt = wt_section_object(sec, "rtt_ms", "Handshake RTT, SYN to ACK (ms)");
    guint64 samples = u64(tot, 0, 15);
    wt_section_u64(rtt, "samples", "Samples", samples);
    if (samples) {
      wt_section_double(rtt, "p50", "50th percentile", dbl(tot, 0, 16) * 1e3);
      wt_section_double(rtt, "p90", "90th percentile", dbl(tot, 0, 17) * 1e3);
      wt_section_double(rtt, "p99", "99th percentile", dbl(tot, 0, 18) * 1e3);
      wt_section_double(rtt, "min", "Minimum", dbl(tot, 0, 19) * 1e3);
      wt_section_double(rtt, "max", "Maximum", dbl(tot, 0, 20) * 1e3);
    }
    WtSection *an = wt_section_object(sec, "anomalies", "Segment anomalies");
    wt_section_u64(an, "retransmissions", "Retransmitted segments", u64(tot, 0, 3));
    wt_section_u64(an, "out_of_order", "Out-of-order segments", u64(tot, 0, 4));
    wt_section_u64(an, "duplicate_acks", "Duplicate ACKs", u64(tot, 0, 5));
    wt_section_u64(an, "zero_windows", "Zero-window advertisements", u64(tot, 0, 6));
    wt_section_u64(an, "keepalives", "Keep-alives", u64(tot, 0, 7));
    wt_section_u64(an, "missed_bytes", "Missed bytes", u64(tot, 0, 8));
    WtSection *tr = wt_section_object(sec, "traffic", "Traffic");
    wt_section_u64(tr, "orig_pkts", "Originator packets", u64(tot, 0, 9));
    wt_section_u64(tr, "resp_pkts", "Responder packets", u64(tot, 0, 10));
    wt_section_u64(tr, "orig_ip_bytes", "Originator IP bytes", u64(tot, 0, 11));
    wt_section_u64(tr, "resp_ip_bytes", "Responder IP bytes", u64(tot, 0, 12));
    wt_section_u64(tr, "orig_payload_bytes", "Originator payload bytes", u64(tot, 0, 13));
    wt_section_u64(tr, "resp_payload_bytes", "Responder payload bytes", u64(tot, 0, 14));
  }
  WtTable *tb = wt_section_table(sec, "conn_state_table", "Connection states");
  wt_table_column(tb, "conn_state", "State", WT_COL_STR);
  wt_table_column(tb, "meaning", "Meaning", WT_COL_STR);
  wt_table_column(tb, "connections", "Connections", WT_COL_U64);
  wt_table_column(tb, "percent", "%", WT_COL_PERCENT);
  for (gsize i = 0; i < G_N_ELEMENTS(conn_state_order); i++) {
    guint64 n = lookup_count(states, conn_state_order[i]);
    if (!n)
      continue;
    wt_table_row(tb);
    wt_table_str(tb, conn_state_order[i]);
    wt_table_str(tb, conn_state_meaning[i]);
    wt_table_u64(tb, n);
    wt_table_percent(tb, share(n, conns));
  }
  tb = wt_section_table(sec, "teardown_table", "How connections ended");
  wt_table_column(tb, "close_kind", "Close", WT_COL_STR);
  wt_table_column(tb, "connections", "Connections", WT_COL_U64);
  wt_table_column(tb, "percent", "%", WT_COL_PERCENT);
  for (gsize i = 0; i < G_N_ELEMENTS(close_kind_names); i++) {
    guint64 n = lookup_count(td, close_kind_names[i]);
    if (!n)
      continue;
    wt_table_row(tb);
    wt_table_str(tb, close_kind_names[i]);
    wt_table_u64(tb, n);
    wt_table_percent(tb, share(n, conns));
  }
  return TRUE;
}

static gboolean report_udp(const Fleet *f, WtReport *r, GError **error)
{
  const char *udp = "proto = 'udp'";
  g_autoptr(GPtrArray) tot = select_from(f, "conn",
    "count(), sum(orig_pkts + resp_pkts), sum(orig_ip_bytes + resp_ip_bytes)", udp, NULL,
    error);
  g_autoptr(GPtrArray) states = tot ? select_from(f, "conn", "conn_state, count()", udp,
                                                  "GROUP BY conn_state ORDER BY conn_state",
                                                  error) : NULL;
  g_autoptr(GPtrArray) services = states ? select_from(f, "conn", "service, count()",
                                                       "proto = 'udp' AND service != ''",
                                                       "GROUP BY service ORDER BY service",
                                                       error) : NULL;
  g_autofree char *ports_tail = g_strdup_printf("GROUP BY resp_p ORDER BY b DESC, resp_p "
                                                "LIMIT %u", f->top);
  g_autoptr(GPtrArray) ports = services ? select_from(f, "conn",
    "resp_p, any(service), count(), sum(orig_pkts + resp_pkts), "
    "sum(orig_ip_bytes + resp_ip_bytes) AS b", udp, ports_tail, error) : NULL;
  if (!ports)
    return FALSE;
  WtSection *sec = wt_report_section(r, "udp", "UDP flows");
  wt_section_u64(sec, "flows", "Flows", tot->len ? u64(tot, 0, 0) : 0);
  wt_section_u64(sec, "packets", "Packets", tot->len ? u64(tot, 0, 1) : 0);
  wt_section_u64(sec, "bytes", "IP bytes", tot->len ? u64(tot, 0, 2) : 0);
  wt_section_map_u64(sec, "conn_states", "By conn_state", NULL, 0);
  for (guint i = 0; i < states->len; i++)
    wt_section_map_u64(sec, "conn_states", "By conn_state", cell(states, i, 0),
                       u64(states, i, 1));
  wt_section_map_u64(sec, "services", "Services", NULL, 0);
  for (guint i = 0; i < services->len; i++)
    wt_section_map_u64(sec, "services", "Services", cell(services, i, 0),
                       u64(services, i, 1));
  WtTable *t = wt_section_table(sec, "udp_services", "UDP services");
  wt_table_column(t, "port", "Port", WT_COL_U64);
  wt_table_column(t, "service", "Service", WT_COL_STR);
  wt_table_column(t, "flows", "Flows", WT_COL_U64);
  wt_table_column(t, "packets", "Packets", WT_COL_U64);
  wt_table_column(t, "bytes", "Bytes", WT_COL_U64);
  for (guint i = 0; i < ports->len; i++) {
    wt_table_row(t);
    wt_table_u64(t, u64(ports, i, 0));
    wt_table_str(t, cell(ports, i, 1));
    wt_table_u64(t, u64(ports, i, 2));
    wt_table_u64(t, u64(ports, i, 3));
    wt_table_u64(t, u64(ports, i, 4));
  }
  return TRUE;
}

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
    wt_table_str(t, cell(rows, i, 0));
    wt_table_u64(t, u64(rows, i, 1));
    wt_table_percent(t, share(u64(rows, i, 1), whole));
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
static gboolean report_endpoints(const Fleet *f, WtSection *sec, GError **error)
{
  g_autoptr(GPtrArray) rows = select_from(f, "http",
    "method, splitByChar('?', uri)[1] AS path, count() AS n, " CLASS_COLUMNS ", "
    "count(time_to_first_byte), sum(time_to_first_byte), max(time_to_first_byte)",
    "method != ''", "GROUP BY method, path ORDER BY n DESC LIMIT 100000", error);
  if (!rows)
    return FALSE;
  g_autoptr(GHashTable) by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(endpoint_free);
  for (guint i = 0; i < rows->len; i++) {
    g_autofree char *ep = wt_http_endpoint_of(cell(rows, i, 1));
    char *key = g_strdup_printf("%s %s", cell(rows, i, 0), ep);
    Endpoint *e = g_hash_table_lookup(by_key, key);
    if (!e) {
      e = g_new0(Endpoint, 1);
      e->method = g_strdup(cell(rows, i, 0));
      e->endpoint = g_strdup(ep);
      g_hash_table_insert(by_key, key, e);
      g_ptr_array_add(list, e);
    } else {
      g_free(key);
    }
    e->count += u64(rows, i, 2);
    for (int c = 0; c < 6; c++)
      e->cls[c] += u64(rows, i, 3 + (guint) c);
    e->lat_n += u64(rows, i, 9);
    e->lat_sum_ms += dbl(rows, i, 10) * 1e3;
    e->lat_max_ms = MAX(e->lat_max_ms, dbl(rows, i, 11) * 1e3);
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

static gboolean report_http(const Fleet *f, WtReport *r, GError **error)
{
  g_autoptr(GPtrArray) tot = select_from(f, "http",
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
  g_autoptr(GPtrArray) codes = query(f, codes_sql, error);
  if (!codes)
    return FALSE;
  g_autoptr(GPtrArray) methods = select_from(f, "http", "method, count() AS n, " CLASS_COLUMNS,
                                             "method != ''",
                                             "GROUP BY method ORDER BY n DESC, method", error);
  if (!methods)
    return FALSE;
  g_autofree char *lim = g_strdup_printf("ORDER BY n DESC, k LIMIT %u", f->top);
  g_autofree char *hosts_tail = g_strdup_printf("GROUP BY host AS k %s", lim);
  g_autoptr(GPtrArray) hosts = select_from(f, "http", "host, count() AS n", "method != ''",
                                           hosts_tail, error);
  g_autofree char *uris_tail = g_strdup_printf("GROUP BY k %s", lim);
  g_autoptr(GPtrArray) uris = hosts ? select_from(f, "http",
                                                  "splitByChar('?', uri)[1] AS k, count() AS n",
                                                  "method != ''", uris_tail, error) : NULL;
  g_autoptr(GPtrArray) uas = uris ? select_from(f, "http", "user_agent AS k, count() AS n",
                                                "method != '' AND user_agent != ''",
                                                uris_tail, error) : NULL;
  if (!uas)
    return FALSE;

  guint64 requests = u64(tot, 0, 0);
  WtSection *sec = wt_report_section(r, "http", "HTTP");
  wt_section_u64(sec, "requests", "Requests", requests);
  wt_section_u64(sec, "responses", "Responses", u64(tot, 0, 1));
  if (requests > 0 || u64(tot, 0, 1) > 0)
    wt_http_report_charts(sec);
  wt_section_u64(sec, "final_responses", "Final responses", u64(tot, 0, 2));
  wt_section_u64(sec, "interim", "Interim (1xx) responses", u64(tot, 0, 3));
  wt_section_u64(sec, "unanswered", "Unanswered requests", u64(tot, 0, 4));
  wt_section_u64(sec, "orphan_responses", "Responses without a request", u64(tot, 0, 5));
  wt_section_u64(sec, "incomplete", "Incomplete transactions", u64(tot, 0, 6));
  wt_section_u64(sec, "request_body_bytes", "Request body bytes", u64(tot, 0, 7));
  wt_section_u64(sec, "response_body_bytes", "Response body bytes", u64(tot, 0, 8));

  wt_section_map_u64(sec, "methods", "Methods", NULL, 0);
  for (guint i = 0; i < methods->len; i++)
    wt_section_map_u64(sec, "methods", "Methods", cell(methods, i, 0), u64(methods, i, 1));
  guint64 total_codes = 0, classes[5] = { 0 };
  for (guint i = 0; i < codes->len; i++)
    total_codes += u64(codes, i, 1);
  wt_section_map_u64(sec, "status_codes", "Status codes", NULL, 0);
  for (guint i = 0; i < codes->len; i++) {
    guint code = (guint) u64(codes, i, 0);
    char key[8];
    g_snprintf(key, sizeof key, "%03u", code);
    wt_section_map_u64(sec, "status_codes", "Status codes", key, u64(codes, i, 1));
    if (code >= 100 && code <= 599)
      classes[code / 100 - 1] += u64(codes, i, 1);
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
    wt_table_str(t, cell(methods, i, 0));
    wt_table_u64(t, u64(methods, i, 1));
    wt_table_percent(t, share(u64(methods, i, 1), requests));
  }
  t = wt_section_table(sec, "methods_by_class", "Methods by status class");
  wt_table_column(t, "method", "Method", WT_COL_STR);
  for (int c = 0; c < 5; c++)
    wt_table_column(t, class_keys[c], class_keys[c], WT_COL_U64);
  wt_table_column(t, "none", "No answer", WT_COL_U64);
  for (guint i = 0; i < methods->len; i++) {
    wt_table_row(t);
    wt_table_str(t, cell(methods, i, 0));
    for (guint c = 0; c < 6; c++)
      wt_table_u64(t, u64(methods, i, 2 + c));
  }
  t = wt_section_table(sec, "status_table", "Status codes");
  wt_table_column(t, "code", "Code", WT_COL_U64);
  wt_table_column(t, "class", "Class", WT_COL_STR);
  wt_table_column(t, "reason", "Reason", WT_COL_STR);
  wt_table_column(t, "count", "Responses", WT_COL_U64);
  wt_table_column(t, "share", "Share", WT_COL_PERCENT);
  wt_table_column(t, "meaning", "Meaning", WT_COL_STR);
  for (guint i = 0; i < codes->len; i++) {
    guint code = (guint) u64(codes, i, 0);
    const WtHttpStatusInfo *info = wt_http_status_lookup(code);
    wt_table_row(t);
    wt_table_u64(t, code);
    wt_table_str(t, wt_http_status_class_name(code));
    wt_table_str(t, info ? info->reason : "(unregistered)");
    wt_table_u64(t, u64(codes, i, 1));
    wt_table_percent(t, share(u64(codes, i, 1), total_codes));
    wt_table_str(t, info ? info->meaning : "not a registered status code");
  }
  WtSection *o = wt_section_object(sec, "time_to_first_byte", "Time to first byte");
  wt_section_u64(o, "count", "Samples", u64(tot, 0, 9));
  static const char *const pk[] = { "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms",
                                    "max_ms" };
  static const char *const pl[] = { "Mean (ms)", "p50 (ms)", "p90 (ms)", "p95 (ms)",
                                    "p99 (ms)", "Max (ms)" };
  for (guint i = 0; i < G_N_ELEMENTS(pk); i++)
    wt_section_double(o, pk[i], pl[i], u64(tot, 0, 9) ? dbl(tot, 0, 10 + i) * 1e3 : 0);
  top_table(sec, "hosts", "Hosts", "host", "Host", hosts, requests);
  top_table(sec, "uris", "URIs", "uri", "URI", uris, requests);
  top_table(sec, "user_agents", "User agents", "user_agent", "User agent", uas, requests);
  return report_endpoints(f, sec, error);
}

static gboolean report_dns(const Fleet *f, WtReport *r, GError **error)
{
  g_autoptr(GPtrArray) tot = select_from(f, "dns",
    "count(), countIf(rcode IS NOT NULL), countIf(rcode IS NULL), countIf(TC != 0), "
    "countIf(proto = 'udp'), countIf(proto = 'tcp'), count(rtt), avg(rtt), "
    "quantileExact(0.5)(rtt), quantileExact(0.9)(rtt), quantileExact(0.95)(rtt), "
    "quantileExact(0.99)(rtt), max(rtt)", NULL, NULL, error);
  g_autoptr(GPtrArray) qtypes = tot ? select_from(f, "dns", "qtype_name AS k, count()",
                                                  "qtype_name != ''",
                                                  "GROUP BY k ORDER BY k", error) : NULL;
  g_autoptr(GPtrArray) rcodes = qtypes ? select_from(f, "dns", "rcode_name AS k, count()",
                                                     "rcode_name != ''",
                                                     "GROUP BY k ORDER BY k", error) : NULL;
  g_autoptr(GPtrArray) opcodes = rcodes ? select_from(f, "dns", "opcode_name AS k, count()",
                                                      "opcode_name != ''",
                                                      "GROUP BY k ORDER BY k", error) : NULL;
  g_autofree char *tail = g_strdup_printf("GROUP BY k ORDER BY n DESC, k LIMIT %u", f->top);
  g_autoptr(GPtrArray) top = opcodes ? select_from(f, "dns",
    "lower(query) AS k, count() AS n, countIf(rcode_name = 'NXDOMAIN'), countIf(rcode IS NULL)",
    "query != ''", tail, error) : NULL;
  if (!top)
    return FALSE;
  guint64 n = u64(tot, 0, 0);
  WtSection *sec = wt_report_section(r, "dns", "DNS");
  wt_section_u64(sec, "queries", "Queries", n);
  wt_section_u64(sec, "answered", "Answered", u64(tot, 0, 1));
  wt_section_u64(sec, "unanswered", "Unanswered", u64(tot, 0, 2));
  wt_section_u64(sec, "truncated_responses", "Truncated responses (TC)", u64(tot, 0, 3));
  wt_section_u64(sec, "udp_messages", "Over UDP", u64(tot, 0, 4));
  wt_section_u64(sec, "tcp_messages", "Over TCP", u64(tot, 0, 5));
  struct { const char *key, *label; GPtrArray *rows; } maps[] = {
    { "qtypes", "Query types", qtypes }, { "rcodes", "Response codes", rcodes },
    { "opcodes", "Opcodes", opcodes },
  };
  for (guint m = 0; m < G_N_ELEMENTS(maps); m++) {
    wt_section_map_u64(sec, maps[m].key, maps[m].label, NULL, 0);
    for (guint i = 0; i < maps[m].rows->len; i++)
      wt_section_map_u64(sec, maps[m].key, maps[m].label, cell(maps[m].rows, i, 0),
                         u64(maps[m].rows, i, 1));
  }
  WtSection *o = wt_section_object(sec, "rtt", "Query to response time");
  wt_section_u64(o, "count", "Samples", u64(tot, 0, 6));
  static const char *const pk[] = { "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms",
                                    "max_ms" };
  for (guint i = 0; i < G_N_ELEMENTS(pk); i++)
    wt_section_double(o, pk[i], pk[i], u64(tot, 0, 6) ? dbl(tot, 0, 7 + i) * 1e3 : 0);
  WtTable *t = wt_section_table(sec, "top_queries", "Top queries");
  wt_table_column(t, "query", "Query", WT_COL_STR);
  wt_table_column(t, "count", "Count", WT_COL_U64);
  wt_table_column(t, "share", "Share", WT_COL_PERCENT);
  wt_table_column(t, "nxdomain", "NXDOMAIN", WT_COL_U64);
  wt_table_column(t, "unanswered", "Unanswered", WT_COL_U64);
  for (guint i = 0; i < top->len; i++) {
    wt_table_row(t);
    wt_table_str(t, cell(top, i, 0));
    wt_table_u64(t, u64(top, i, 1));
    wt_table_percent(t, share(u64(top, i, 1), n));
    wt_table_u64(t, u64(top, i, 2));
    wt_table_u64(t, u64(top, i, 3));
  }
  return TRUE;
}

/* --- fleet, sensors, top hosts --------------------------------------------------------- */

typedef struct {
  gint64 first_us, last_us;
} Span;

/* First and last record over the three tables, microseconds since the epoch. */
static gboolean span_of(const Fleet *f, Span *s, GError **error)
{
  s->first_us = G_MAXINT64;
  s->last_us = 0;
  for (int t = 0; t < WT_CH_N_TABLES; t++) {
    g_autoptr(GPtrArray) rows = select_from(f, wt_ch_table_name((WtChTable) t),
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
  g_autofree char *db = wt_ch_url_database(f->q->url);
  wt_section_str(s, "source", "Source", f->q->url);
  wt_section_str(s, "database", "Database", db);
  if (f->q->since)
    wt_section_ts(s, "since", "Since", f->q->since * 1000000000);
  if (f->q->until)
    wt_section_ts(s, "until", "Until", f->q->until * 1000000000);
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
  gint64 iv = choose_interval(last - first, f->q->interval_s);
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
  /* the charts a report of one capture has: the timeline's and HTTP's series ones */
  const WtSeriesGroup *groups[] = { wt_http_dissector.series };
  wt_timeline_report_charts(r, sec, groups, G_N_ELEMENTS(groups));
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

gboolean wt_fleet_report(const WtFleetQuery *q, WtReport *r, GError **error)
{
  if (!q->url || !(g_str_has_prefix(q->url, "http://") || g_str_has_prefix(q->url, "https://"))) {
    g_set_error(error, WT_CH_ERROR, WT_CH_ERROR_USAGE,
                "--from-clickhouse takes the HTTP interface's URL, e.g. "
                "http://127.0.0.1:8123/?database=wiretab");
    return FALSE;
  }
  Fleet f = { .q = q, .top = q->top_n ? q->top_n : 10 };
  g_autofree char *dbname = wt_ch_url_database(q->url);
  GString *db = g_string_new("`");
  for (const char *p = dbname; *p; p++) {
    if (*p == '`' || *p == '\\')
      g_string_append_c(db, '\\');
    g_string_append_c(db, *p);
  }
  g_string_append_c(db, '`');
  f.db = g_string_free(db, FALSE);
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
  f.where = g_string_free(w, FALSE);

  Span span;
  gboolean ok = span_of(&f, &span, error) && report_fleet(&f, &span, r, error) &&
                report_tcp(&f, r, error) && report_udp(&f, r, error) &&
                report_http(&f, r, error) && report_dns(&f, r, error) &&
                report_timeline(&f, &span, r, error);
  g_free(f.db);
  g_free(f.where);
  return ok;
}
