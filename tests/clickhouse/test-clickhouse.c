/* Unit tests of the ClickHouse pieces that need no server: the record -> row mapping,
 * the schema text, URL and time parsing, and a log sink whose exporter cannot reach its
 * server (every row must be spilled, each exactly once, and the log file unchanged). */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "analyzer/core/conn-log.h"
#include "analyzer/core/tunnel-log.h"
#include "analyzer/output/clickhouse.h"
#include "analyzer/output/fleet-report.h"
#include "analyzer/output/log-sink.h"
#include "dissectors/dns/dns-log.h"
#include "dissectors/http/http-log.h"

static WtConnInfo test_conn(const char *uid, guint16 orig_p)
{
  WtConnInfo c = { .orig_p = orig_p, .resp_p = 8080, .proto = 6 };
  g_strlcpy(c.uid, uid, sizeof c.uid);
  c.orig_h.family = 4;
  memcpy(c.orig_h.bytes, (guint8[]) { 127, 0, 0, 1 }, 4);
  c.resp_h.family = 6;
  c.resp_h.bytes[15] = 1;
  return c;
}

static char *row_of(const char *sensor, const WtLogRecord *r)
{
  g_autoptr(GString) out = g_string_new(NULL);
  wt_ch_row_append(out, sensor, r);
  return g_strdup(out->str);
}

static void test_row_conn(void)
{
  WtConnInfo c = test_conn("Cy4", 37980);
  WtLogRecord r;
  wt_conn_log_begin(&r, G_GINT64_CONSTANT(1795666951018893000), &c, "tcp");
  wt_log_set_interval(&r, WT_CONN_COL_DURATION, 407000);
  wt_log_set_time(&r, WT_CONN_COL_SYN_TS, G_GINT64_CONSTANT(1795666951018893000));
  g_autofree char *row = row_of("s1", &r);
  g_assert_cmpstr(row, ==,
    "{\"sensor\":\"s1\",\"ts\":1795666951,\"ts_us\":18893,\"uid\":\"Cy4\",\"orig_h\":\"127.0.0.1\","
    "\"orig_p\":37980,\"resp_h\":\"::1\",\"resp_p\":8080,\"proto\":\"tcp\",\"duration\":0.000407,"
    "\"syn_ts\":1795666951.018893}\n");
  /* the log line of the same record: Zeek's names, the time whole */
  g_autoptr(GString) line = g_string_new(NULL);
  wt_log_record_json(line, &r);
  g_assert_cmpstr(line->str, ==,
    "{\"ts\":1795666951.018893,\"uid\":\"Cy4\",\"id.orig_h\":\"127.0.0.1\",\"id.orig_p\":37980,"
    "\"id.resp_h\":\"::1\",\"id.resp_p\":8080,\"proto\":\"tcp\",\"duration\":0.000407,"
    "\"syn_ts\":1795666951.018893}\n");
}

enum { V_TS, V_QUERY, V_ANSWERS, V_TTLS, V_AA, V_RCODE, V_URI, V_N };
static const WtLogColumn value_columns[] = {
  { "ts", WT_LOG_TIME, "ts", "DateTime" },
  { "query", WT_LOG_STRING, "query", "String" },
  { "answers", WT_LOG_STRINGS, "answers", "Array(String)" },
  { "TTLs", WT_LOG_INTERVALS, "TTLs", "Array(Float64)" },
  { "AA", WT_LOG_BOOL, "AA", "UInt8" },
  { "rcode", WT_LOG_COUNT, "rcode", "Nullable(UInt16)" },
  { "uri", WT_LOG_STRING, "uri", "String" },
};
static const WtLogTable value_table = { "values", value_columns, V_N, NULL };

static void test_row_values(void)
{
  /* strings with commas, brackets, braces and quotes; arrays; booleans; null */
  static const char answers[] = "a,b\0c]";
  static const guint32 ttls[] = { 1, 2 };
  WtLogRecord r;
  wt_log_record_init(&r, &value_table);
  wt_log_set_time(&r, V_TS, G_GINT64_CONSTANT(12500000000));
  wt_log_set_str(&r, V_QUERY, "x,]}\"y");
  wt_log_set_strings(&r, V_ANSWERS, answers, 2);
  wt_log_set_seconds(&r, V_TTLS, ttls, 2);
  wt_log_set_bool(&r, V_AA, TRUE);
  wt_log_set_str(&r, V_RCODE, NULL);
  wt_log_set_str(&r, V_URI, "/\\xff");
  g_autofree char *row = row_of("a\"b\\", &r);
  g_assert_cmpstr(row, ==,
    "{\"sensor\":\"a\\\"b\\\\\",\"ts\":12,\"ts_us\":500000,\"query\":\"x,]}\\\"y\","
    "\"answers\":[\"a,b\",\"c]\"],\"TTLs\":[1.0,2.0],\"AA\":true,\"uri\":\"/\\\\xff\"}\n");
  g_autoptr(GString) line = g_string_new(NULL);
  wt_log_record_json(line, &r);
  g_assert_cmpstr(line->str, ==,
    "{\"ts\":12.500000,\"query\":\"x,]}\\\"y\",\"answers\":[\"a,b\",\"c]\"],\"TTLs\":[1.0,2.0],"
    "\"AA\":true,\"rcode\":null,\"uri\":\"/\\\\xff\"}\n");
  wt_log_record_init(&r, &value_table);
  wt_log_set_time(&r, V_TS, G_GINT64_CONSTANT(7000000000));
  g_autofree char *whole = row_of("s", &r);
  g_assert_cmpstr(whole, ==, "{\"sensor\":\"s\",\"ts\":7,\"ts_us\":0}\n");
  wt_log_set_time(&r, V_TS, G_GINT64_CONSTANT(7123456789));
  g_autofree char *frac = row_of("s", &r);
  g_assert_cmpstr(frac, ==, "{\"sensor\":\"s\",\"ts\":7,\"ts_us\":123456}\n");
}

static const WtLogTable *const all_tables[] = { &wt_conn_log_table, &wt_http_log_table,
                                                &wt_dns_log_table, &wt_tunnel_log_table,
                                                NULL };
static const WtLogTable *const http_only[] = { &wt_http_log_table, NULL };

static void test_schema(void)
{
  g_autoptr(GPtrArray) st = wt_ch_schema_statements("db", "c", all_tables);
  g_assert_cmpuint(st->len, ==, 9); /* database, 4 x (local, distributed) */
  g_assert_cmpstr(g_ptr_array_index(st, 0), ==, "CREATE DATABASE IF NOT EXISTS `db`");
  const char *local = g_ptr_array_index(st, 1), *dist = g_ptr_array_index(st, 2);
  g_assert_true(g_str_has_prefix(local, "CREATE TABLE IF NOT EXISTS `db`.conn_local ("));
  g_assert_nonnull(strstr(local, "ENGINE = MergeTree\nPARTITION BY toYYYYMMDD(ts)\n"
                                 "ORDER BY (sensor, ts)"));
  g_assert_nonnull(strstr(local, "    orig_h String,\n"));
  g_assert_null(strstr(local, "DateTime64"));
  /* derived from the column descriptors: the sensor first, the time as two columns, the
   * teardown times in the order the tables were first created with */
  g_assert_nonnull(strstr(local, "(\n    sensor String,\n    ts DateTime,\n    ts_us UInt32,\n"
                                 "    uid String,\n"));
  g_assert_nonnull(strstr(local, "    resp_fin_acked_ts Nullable(Float64),\n"
                                 "    orig_rst_ts Nullable(Float64),\n"
                                 "    resp_rst_ts Nullable(Float64),\n"
                                 "    orig_payload_bytes UInt64,\n"));
  /* tunnel_parents came later: last, so an existing table takes it with ADD COLUMN */
  g_assert_nonnull(strstr(local, "    resp_keepalives UInt64,\n"
                                 "    tunnel_parents Array(String)\n)\nENGINE"));
  g_assert_cmpstr(dist, ==, "CREATE TABLE IF NOT EXISTS `db`.conn AS `db`.conn_local\n"
                            "ENGINE = Distributed(`c`, `db`, conn_local, rand())");
  g_autofree char *all = wt_ch_schema("we`ird", "x", all_tables);
  g_assert_nonnull(strstr(all, "`we\\`ird`.dns_local"));
  const char *tunnel = g_ptr_array_index(st, 7);
  g_assert_nonnull(strstr(tunnel, "    resp_p UInt16,\n    tunnel_type String,\n"
                                  "    action String\n)\nENGINE"));
}

static void test_url_database(void)
{
  g_autofree char *a = wt_ch_url_database("http://h:8123/?user=u&database=abc%20d");
  g_assert_cmpstr(a, ==, "abc d");
  g_autofree char *b = wt_ch_url_database("http://h:8123/");
  g_assert_cmpstr(b, ==, "wiretab");
  g_autofree char *c = wt_ch_url_database("http://h:8123/?database=");
  g_assert_cmpstr(c, ==, "wiretab");
}

static void test_parse_time(void)
{
  gint64 t = 0;
  g_assert_true(wt_fleet_parse_time("1700000000", &t, NULL));
  g_assert_cmpint(t, ==, 1700000000);
  g_assert_true(wt_fleet_parse_time("2024-05-01", &t, NULL));
  g_assert_cmpint(t, ==, 1714521600); /* date -u -d 2024-05-01 +%s */
  g_assert_true(wt_fleet_parse_time("2024-05-01T12:00:00Z", &t, NULL));
  g_assert_cmpint(t, ==, 1714564800);
  g_assert_true(wt_fleet_parse_time("2024-05-01T12:00:00+02:00", &t, NULL));
  g_assert_cmpint(t, ==, 1714557600);
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  g_assert_true(wt_fleet_parse_time("-2h", &t, NULL));
  g_assert_cmpint(now - 7200 - t, <=, 0);
  g_assert_cmpint(now - 7200 - t, >=, -2);
  const char *bad[] = { "junk", "-2x", "-h", "", "2024-13-01" };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) e = NULL;
    g_assert_false(wt_fleet_parse_time(bad[i], &t, &e));
    g_assert_nonnull(e);
  }
}

/* One http.log-like record: ts, uid and the originator's port. */
static void small_record(WtLogRecord *r, gint64 ts_ns, const char *uid, int orig_p)
{
  wt_log_record_init(r, &wt_http_log_table);
  wt_log_set_time(r, WT_LOG_COL_TS, ts_ns);
  wt_log_set_str(r, WT_LOG_COL_UID, uid);
  if (orig_p >= 0)
    wt_log_set_count(r, WT_LOG_COL_ORIG_P, (guint64) orig_p);
}

/* A sink with an exporter whose server does not exist: the log file gets exactly the
 * records' lines; every record is spilled once, as its row; records that went through a
 * worker's buffer too. */
static void test_sink_spill(void)
{
  if (!wt_ch_available()) {
    g_test_skip("built without libcurl");
    return;
  }
  g_autofree char *dir = g_dir_make_tmp("wt-ch-XXXXXX", NULL);
  WtChExportConfig ec;
  wt_ch_export_config_init(&ec);
  ec.url = "http://127.0.0.1:1/?database=x"; /* port 1: refused at once */
  ec.sensor = "unit";
  ec.spill_dir = dir;
  ec.tables = http_only;
  ec.batch_rows = 2;
  ec.queue_rows = 3;
  ec.exit_timeout_us = 300 * 1000;
  ec.max_backoff_us = 50 * 1000;
  g_autoptr(GError) err = NULL;
  WtChExporter *e = wt_ch_exporter_new(&ec, &err);
  g_assert_no_error(err);
  g_autofree char *path = g_build_filename(dir, "http.log", NULL);
  WtLogSink *s = wt_log_sink_open(path, &wt_http_log_table, e, &err);
  g_assert_no_error(err);
  g_autoptr(GString) all = g_string_new(NULL);
  for (int i = 0; i < 40; i++) {
    WtLogRecord r;
    g_autofree char *uid = g_strdup_printf("C%d", i);
    small_record(&r, (gint64) (1000 + i) * 1000000000 + 1000, uid, i);
    wt_log_write(wt_log_sink_log(s), &r);
    g_string_append_printf(all, "{\"ts\":%d.000001,\"uid\":\"C%d\",\"id.orig_p\":%d}\n",
                           1000 + i, i, i);
  }
  /* --threads: a worker's record waits in its buffer until the batch is flushed */
  WtLogBuffer *buf = wt_log_buffer_new(s);
  WtLogRecord direct;
  small_record(&direct, G_GINT64_CONSTANT(2000500000000), "D", -1);
  wt_log_write(wt_log_buffer_log(buf), &direct);
  g_assert_true(wt_log_buffer_pending(buf));
  wt_log_buffer_flush(buf);
  g_assert_false(wt_log_buffer_pending(buf));
  wt_log_buffer_free(buf);
  wt_log_sink_free(s);
  wt_ch_exporter_close(e);
  WtChExportStats st;
  wt_ch_exporter_stats(e, &st);
  g_assert_cmpuint(st.rows, ==, 41);
  g_assert_cmpuint(st.rows_sent, ==, 0);
  g_assert_cmpuint(st.rows_spilled, ==, 41);
  g_assert_cmpuint(st.table_rows_spilled[0], ==, 41); /* http, the only table */
  g_assert_cmpuint(st.errors, >, 0);
  g_assert_cmpuint(st.queue_peak, <=, 3);

  g_autofree char *file = NULL;
  g_assert_true(g_file_get_contents(path, &file, NULL, NULL));
  g_string_append(all, "{\"ts\":2000.500000,\"uid\":\"D\"}\n");
  g_assert_cmpstr(file, ==, all->str);

  g_autofree char *spill_path = g_build_filename(dir, "clickhouse-spill", "http.json", NULL);
  g_autofree char *spill = NULL;
  g_assert_true(g_file_get_contents(spill_path, &spill, NULL, NULL));
  g_auto(GStrv) rows = g_strsplit(spill, "\n", -1);
  g_assert_cmpuint(g_strv_length(rows), ==, 42); /* 41 rows and the empty tail */
  /* Order: the queue keeps its order, but rows spilled when the queue was full come
   * before the queued rows they overtook; check the set and one mapping. */
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (int i = 0; i < 41; i++)
    g_hash_table_add(seen, rows[i]);
  for (int i = 0; i < 40; i++) {
    g_autofree char *want = g_strdup_printf(
      "{\"sensor\":\"unit\",\"ts\":%d,\"ts_us\":1,\"uid\":\"C%d\",\"orig_p\":%d}", 1000 + i, i, i);
    g_assert_true(g_hash_table_contains(seen, want));
  }
  g_assert_true(g_hash_table_contains(seen,
                                      "{\"sensor\":\"unit\",\"ts\":2000,\"ts_us\":500000,\"uid\":\"D\"}"));
  wt_ch_exporter_free(e);
  g_remove(spill_path);
  g_autofree char *spill_dir = g_build_filename(dir, "clickhouse-spill", NULL);
  g_rmdir(spill_dir);
  g_remove(path);
  g_rmdir(dir);
}

/* Without an exporter a record is its line in the file, nothing else. */
static void test_sink_plain(void)
{
  g_autofree char *dir = g_dir_make_tmp("wt-ch-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "conn.log", NULL);
  WtLogSink *s = wt_log_sink_open(path, &wt_conn_log_table, NULL, NULL);
  g_assert_nonnull(s);
  WtLogRecord r;
  wt_log_record_init(&r, &wt_conn_log_table);
  wt_log_set_count(&r, WT_CONN_COL_ORIG_PKTS, 1);
  wt_log_write(wt_log_sink_log(s), &r);
  wt_log_sink_free(s);
  g_autofree char *file = NULL;
  g_assert_true(g_file_get_contents(path, &file, NULL, NULL));
  g_assert_cmpstr(file, ==, "{\"orig_pkts\":1}\n");
  g_autoptr(GError) err = NULL;
  g_autofree char *nowhere = g_build_filename(dir, "no", "such", "x.log", NULL);
  g_assert_null(wt_log_sink_open(nowhere, &wt_conn_log_table, NULL, &err));
  g_assert_nonnull(strstr(err->message, "cannot write log"));
  g_remove(path);
  g_rmdir(dir);
}

static void test_exporter_usage(void)
{
  WtChExportConfig ec;
  wt_ch_export_config_init(&ec);
  g_autoptr(GError) e1 = NULL;
  ec.url = "127.0.0.1:8123";
  ec.spill_dir = g_get_tmp_dir();
  g_assert_null(wt_ch_exporter_new(&ec, &e1));
  g_assert_nonnull(e1);
  g_autoptr(GError) e2 = NULL;
  ec.url = "http://127.0.0.1:8123/";
  ec.spill_dir = NULL;
  g_assert_null(wt_ch_exporter_new(&ec, &e2));
  if (wt_ch_available())
    g_assert_nonnull(strstr(e2->message, "--log-dir"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/clickhouse/row/conn", test_row_conn);
  g_test_add_func("/clickhouse/row/values", test_row_values);
  g_test_add_func("/clickhouse/schema", test_schema);
  g_test_add_func("/clickhouse/url-database", test_url_database);
  g_test_add_func("/clickhouse/parse-time", test_parse_time);
  g_test_add_func("/clickhouse/sink/spill", test_sink_spill);
  g_test_add_func("/clickhouse/sink/plain", test_sink_plain);
  g_test_add_func("/clickhouse/exporter/usage", test_exporter_usage);
  return g_test_run();
}
