/* Unit tests of the ClickHouse pieces that need no server: the log line -> row mapping,
 * the schema text, URL and time parsing, and a log sink whose exporter cannot reach its
 * server (every row must be spilled, each exactly once, and the log file unchanged). */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "analyzer/output/clickhouse.h"
#include "analyzer/output/fleet-report.h"
#include "analyzer/output/log-sink.h"

static char *map(const char *sensor, const char *line)
{
  g_autoptr(GString) out = g_string_new(NULL);
  if (!wt_ch_row_from_log(out, sensor, line, strlen(line)))
    return NULL;
  return g_strdup(out->str);
}

static void test_row_conn(void)
{
  g_autofree char *r = map("s1",
    "{\"ts\":1795666951.018893,\"uid\":\"Cy4\",\"id.orig_h\":\"127.0.0.1\",\"id.orig_p\":37980,"
    "\"id.resp_h\":\"::1\",\"id.resp_p\":8080,\"proto\":\"tcp\",\"duration\":0.000407,"
    "\"syn_ts\":1795666951.018893}\n");
  g_assert_cmpstr(r, ==,
    "{\"sensor\":\"s1\",\"ts\":1795666951,\"ts_us\":18893,\"uid\":\"Cy4\",\"orig_h\":\"127.0.0.1\","
    "\"orig_p\":37980,\"resp_h\":\"::1\",\"resp_p\":8080,\"proto\":\"tcp\",\"duration\":0.000407,"
    "\"syn_ts\":1795666951.018893}\n");
}

static void test_row_values(void)
{
  /* strings with commas, brackets, braces and escaped quotes; arrays; booleans; null */
  g_autofree char *r = map("a\"b\\",
    "{\"ts\":12.5,\"query\":\"x,]}\\\"y\",\"answers\":[\"a,b\",\"c]\"],\"TTLs\":[1.0,2.5],"
    "\"AA\":true,\"rcode\":null,\"uri\":\"/\\\\xff\"}");
  g_assert_cmpstr(r, ==,
    "{\"sensor\":\"a\\\"b\\\\\",\"ts\":12,\"ts_us\":500000,\"query\":\"x,]}\\\"y\","
    "\"answers\":[\"a,b\",\"c]\"],\"TTLs\":[1.0,2.5],\"AA\":true,\"uri\":\"/\\\\xff\"}\n");
  g_autofree char *whole = map("s", "{\"ts\":7}");
  g_assert_cmpstr(whole, ==, "{\"sensor\":\"s\",\"ts\":7,\"ts_us\":0}\n");
  g_autofree char *long_frac = map("s", "{\"ts\":7.1234567}");
  g_assert_cmpstr(long_frac, ==, "{\"sensor\":\"s\",\"ts\":7,\"ts_us\":123456}\n");
}

static void test_row_bad(void)
{
  const char *bad[] = {
    "", "{", "[1]", "{\"ts\":-1}", "{\"ts\":\"x\"}", "{\"a\":1,", "{\"a\" 1}", "{\"a\":\"x}",
    "{\"k\\\"q\":1}", "{\"ts\":1.2.3}", "not json",
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GString) out = g_string_new("keep");
    g_assert_false(wt_ch_row_from_log(out, "s", bad[i], strlen(bad[i])));
    g_assert_cmpstr(out->str, ==, "keep"); /* unchanged on failure */
  }
}

static void test_schema(void)
{
  g_autoptr(GPtrArray) st = wt_ch_schema_statements("db", "c");
  g_assert_cmpuint(st->len, ==, 7); /* database, 3 x (local, distributed) */
  g_assert_cmpstr(g_ptr_array_index(st, 0), ==, "CREATE DATABASE IF NOT EXISTS `db`");
  const char *local = g_ptr_array_index(st, 1), *dist = g_ptr_array_index(st, 2);
  g_assert_true(g_str_has_prefix(local, "CREATE TABLE IF NOT EXISTS `db`.conn_local ("));
  g_assert_nonnull(strstr(local, "ENGINE = MergeTree\nPARTITION BY toYYYYMMDD(ts)\n"
                                 "ORDER BY (sensor, ts)"));
  g_assert_nonnull(strstr(local, "    orig_h String,\n"));
  g_assert_null(strstr(local, "DateTime64"));
  g_assert_cmpstr(dist, ==, "CREATE TABLE IF NOT EXISTS `db`.conn AS `db`.conn_local\n"
                            "ENGINE = Distributed(`c`, `db`, conn_local, rand())");
  g_autofree char *all = wt_ch_schema("we`ird", "x");
  g_assert_nonnull(strstr(all, "`we\\`ird`.dns_local"));
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

/* A sink with an exporter whose server does not exist: the log file gets exactly the
 * bytes written, cut anywhere; every record is spilled once, mapped, in order. */
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
  ec.batch_rows = 2;
  ec.queue_rows = 3;
  ec.exit_timeout_us = 300 * 1000;
  ec.max_backoff_us = 50 * 1000;
  g_autoptr(GError) err = NULL;
  WtChExporter *e = wt_ch_exporter_new(&ec, &err);
  g_assert_no_error(err);
  g_autofree char *path = g_build_filename(dir, "http.log", NULL);
  WtLogSink *s = wt_log_sink_open(path, e, WT_CH_HTTP, &err);
  g_assert_no_error(err);
  FILE *f = wt_log_sink_stream(s);
  g_autoptr(GString) all = g_string_new(NULL);
  for (int i = 0; i < 40; i++)
    g_string_append_printf(all, "{\"ts\":%d.000001,\"uid\":\"C%d\",\"id.orig_p\":%d}\n",
                           1000 + i, i, i);
  /* written in uneven pieces: half lines, several lines at once, single bytes */
  gsize pos = 0, step = 1;
  while (pos < all->len) {
    gsize n = MIN(step, all->len - pos);
    fwrite(all->str + pos, 1, n, f);
    pos += n;
    step = step * 3 % 97 + 1;
  }
  g_autoptr(GString) direct = g_string_new("{\"ts\":2000.5,\"uid\":\"D\"}\n");
  wt_log_sink_write(s, direct);
  wt_log_sink_free(s);
  wt_ch_exporter_close(e);
  WtChExportStats st;
  wt_ch_exporter_stats(e, &st);
  g_assert_cmpuint(st.rows, ==, 41);
  g_assert_cmpuint(st.rows_sent, ==, 0);
  g_assert_cmpuint(st.rows_spilled, ==, 41);
  g_assert_cmpuint(st.table_rows_spilled[WT_CH_HTTP], ==, 41);
  g_assert_cmpuint(st.errors, >, 0);
  g_assert_cmpuint(st.queue_peak, <=, 3);

  g_autofree char *file = NULL;
  g_assert_true(g_file_get_contents(path, &file, NULL, NULL));
  g_string_append(all, direct->str);
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

/* Without an exporter the sink's stream is the file itself: nothing on the hot path. */
static void test_sink_plain(void)
{
  g_autofree char *dir = g_dir_make_tmp("wt-ch-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "conn.log", NULL);
  WtLogSink *s = wt_log_sink_open(path, NULL, WT_CH_CONN, NULL);
  g_assert_nonnull(s);
  fputs("{\"a\":1}\n", wt_log_sink_stream(s));
  wt_log_sink_free(s);
  g_autofree char *file = NULL;
  g_assert_true(g_file_get_contents(path, &file, NULL, NULL));
  g_assert_cmpstr(file, ==, "{\"a\":1}\n");
  g_autoptr(GError) err = NULL;
  g_autofree char *nowhere = g_build_filename(dir, "no", "such", "x.log", NULL);
  g_assert_null(wt_log_sink_open(nowhere, NULL, WT_CH_CONN, &err));
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
  g_test_add_func("/clickhouse/row/bad", test_row_bad);
  g_test_add_func("/clickhouse/schema", test_schema);
  g_test_add_func("/clickhouse/url-database", test_url_database);
  g_test_add_func("/clickhouse/parse-time", test_parse_time);
  g_test_add_func("/clickhouse/sink/spill", test_sink_spill);
  g_test_add_func("/clickhouse/sink/plain", test_sink_plain);
  g_test_add_func("/clickhouse/exporter/usage", test_exporter_usage);
  return g_test_run();
}
