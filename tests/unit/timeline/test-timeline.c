/* Timeline: bucket merging, clock alignment, time going backwards, the user's fixed
 * interval and the automatic interval choice. Every expected number is worked out by
 * hand in the comment next to it. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/pipeline/registry.h"
#include "analyzer/pipeline/timeline.h"

#define MS G_GINT64_CONSTANT(1000000)
#define SEC G_GINT64_CONSTANT(1000000000)

static GArray *rows_of(WtTimeline *tl, gint64 *iv)
{
  return wt_timeline_rows(tl, iv);
}

static guint64 row_v(GArray *rows, guint k, guint s)
{
  g_assert_cmpuint(k, <, rows->len);
  return wt_timeline_row(rows, k)->v[s];
}

static gint64 row_ts(GArray *rows, guint k)
{
  g_assert_cmpuint(k, <, rows->len);
  return wt_timeline_row(rows, k)->ts_ns;
}

/* Series as a dissector declares them (HTTP's), numbered as the registry would number
 * the first dissector's: right after the timeline's own. */
static guint req_col, ok_col;
static const WtSeriesDef declared[] = {
  { &req_col, "http_requests", "HTTP requests" },
  { &ok_col, "http_2xx", "2xx" },
};
static const WtSeriesGroup group = { "http", declared, G_N_ELEMENTS(declared), NULL, 0 };

static WtTimeline *timeline_with_declared(void)
{
  req_col = WT_TL_N_OWN;
  ok_col = WT_TL_N_OWN + 1;
  WtTimeline *tl = wt_timeline_new(0, 0);
  wt_timeline_add_series(tl, &group);
  return tl;
}

static void test_ladder(void)
{
  g_assert_cmpint(wt_timeline_ladder_at_least(1), ==, 1 * MS);
  g_assert_cmpint(wt_timeline_ladder_at_least(1 * MS), ==, 1 * MS);
  g_assert_cmpint(wt_timeline_ladder_at_least(1 * MS + 1), ==, 5 * MS);
  g_assert_cmpint(wt_timeline_ladder_at_least(3340 * 1000), ==, 5 * MS);
  g_assert_cmpint(wt_timeline_ladder_at_least(12 * SEC), ==, 30 * SEC);
  g_assert_cmpint(wt_timeline_ladder_at_least(288 * SEC), ==, 300 * SEC);
  g_assert_cmpint(wt_timeline_ladder_at_least(86400 * SEC), ==, 86400 * SEC);
  /* beyond a day the widths double: 1 d, 2 d, 4 d */
  g_assert_cmpint(wt_timeline_ladder_at_least(172801 * SEC), ==, 345600 * SEC);
}

static void test_empty(void)
{
  g_autoptr(WtTimeline) tl = wt_timeline_new(0, 0);
  gint64 iv = -1;
  g_autoptr(GArray) rows = rows_of(tl, &iv);
  g_assert_cmpint(iv, ==, 0);
  g_assert_cmpuint(rows->len, ==, 0);
  wt_timeline_count(NULL, 1, WT_TL_PACKETS, 1); /* NULL is a no-op, as dissectors rely on */
}

/* Three packets within 2.1 ms, 1 ms buckets aligned on the clock. Span 2.1 ms / 300 rows
 * is far below 1 ms, so the interval is the 1 ms bucket: rows .000 (2), .001 (0), .002 (1). */
static void test_basic_alignment(void)
{
  g_autoptr(WtTimeline) tl = wt_timeline_new(0, 0);
  gint64 t0 = 1000 * SEC;
  wt_timeline_count(tl, t0, WT_TL_PACKETS, 1);
  wt_timeline_count(tl, t0 + 400 * 1000, WT_TL_PACKETS, 1);
  wt_timeline_count(tl, t0 + 2100 * 1000, WT_TL_PACKETS, 1);
  wt_timeline_count(tl, t0 + 2100 * 1000, WT_TL_BYTES, 60);
  gint64 iv;
  g_autoptr(GArray) rows = rows_of(tl, &iv);
  g_assert_cmpint(iv, ==, 1 * MS);
  g_assert_cmpuint(rows->len, ==, 3);
  g_assert_cmpint(row_ts(rows, 0), ==, t0);
  g_assert_cmpuint(row_v(rows, 0, WT_TL_PACKETS), ==, 2);
  g_assert_cmpuint(row_v(rows, 1, WT_TL_PACKETS), ==, 0);
  g_assert_cmpuint(row_v(rows, 2, WT_TL_PACKETS), ==, 1);
  g_assert_cmpuint(row_v(rows, 2, WT_TL_BYTES), ==, 60);
  g_assert_cmpuint(row_v(rows, 0, WT_TL_BYTES), ==, 0);

  /* a first packet in the middle of a millisecond: the row starts on the millisecond */
  g_autoptr(WtTimeline) tl2 = wt_timeline_new(0, 0);
  wt_timeline_count(tl2, t0 + 3700 * 1000, WT_TL_PACKETS, 1);
  g_autoptr(GArray) rows2 = rows_of(tl2, NULL);
  g_assert_cmpuint(rows2->len, ==, 1);
  g_assert_cmpint(row_ts(rows2, 0), ==, t0 + 3 * MS);
}

/* 100 packets, one per ms from t0, 16 buckets at most. 1 ms needs 100 buckets, 5 ms
 * needs 20, 10 ms needs 10: width 10 ms, ten buckets of 10 packets each. */
static void test_merge(void)
{
  g_autoptr(WtTimeline) tl = wt_timeline_new(0, 16);
  gint64 t0 = 5000 * SEC;
  for (int k = 0; k < 100; k++)
    wt_timeline_count(tl, t0 + k * MS, WT_TL_PACKETS, 1);
  g_assert_cmpint(wt_timeline_width(tl), ==, 10 * MS);
  g_assert_cmpuint(wt_timeline_n_buckets(tl), ==, 10);
  gint64 iv;
  g_autoptr(GArray) rows = rows_of(tl, &iv);
  g_assert_cmpint(iv, ==, 10 * MS);
  g_assert_cmpuint(rows->len, ==, 10);
  for (guint k = 0; k < 10; k++) {
    g_assert_cmpint(row_ts(rows, k), ==, t0 + k * 10 * MS);
    g_assert_cmpuint(row_v(rows, k, WT_TL_PACKETS), ==, 10);
  }
}

/* Merging when the first bucket is not on a boundary of the wider width: packets at
 * t0 + 3 ms .. t0 + 22 ms (20 packets, 1 ms apart), max 16 buckets. At 5 ms: buckets
 * [0,5) ms holds 3,4 (2 packets), [5,10) .. [20,25) hold 5 each except the last, which
 * holds 20,21,22 (3). Five buckets: 2 5 5 5 3. */
static void test_merge_unaligned(void)
{
  g_autoptr(WtTimeline) tl = wt_timeline_new(0, 16);
  gint64 t0 = 7000 * SEC;
  for (int k = 3; k <= 22; k++)
    wt_timeline_count(tl, t0 + k * MS, WT_TL_PACKETS, 1);
  g_assert_cmpint(wt_timeline_width(tl), ==, 5 * MS);
  g_autoptr(GArray) rows = rows_of(tl, NULL);
  g_assert_cmpuint(rows->len, ==, 5);
  guint64 want[] = { 2, 5, 5, 5, 3 };
  for (guint k = 0; k < 5; k++) {
    g_assert_cmpint(row_ts(rows, k), ==, t0 + k * 5 * MS);
    g_assert_cmpuint(row_v(rows, k, WT_TL_PACKETS), ==, want[k]);
  }
}

/* Time going backwards: 10.005 s then 10.001 s: the range grows to the left. */
static void test_backwards(void)
{
  g_autoptr(WtTimeline) tl = wt_timeline_new(0, 0);
  gint64 t0 = 10 * SEC;
  wt_timeline_count(tl, t0 + 5 * MS, WT_TL_PACKETS, 1);
  wt_timeline_count(tl, t0 + 1 * MS, WT_TL_PACKETS, 1);
  wt_timeline_count(tl, t0 + 5 * MS, WT_TL_PACKETS, 1);
  g_autoptr(GArray) rows = rows_of(tl, NULL);
  g_assert_cmpuint(rows->len, ==, 5);
  g_assert_cmpint(row_ts(rows, 0), ==, t0 + 1 * MS);
  g_assert_cmpuint(row_v(rows, 0, WT_TL_PACKETS), ==, 1);
  g_assert_cmpuint(row_v(rows, 4, WT_TL_PACKETS), ==, 2);

  /* backwards past the bound: 1.000 s then 0.950 s with 16 buckets: 51 buckets of 1 ms
   * do not fit, 11 of 5 ms do ([0.950, 1.005)). */
  g_autoptr(WtTimeline) tl2 = wt_timeline_new(0, 16);
  wt_timeline_count(tl2, 1 * SEC, WT_TL_PACKETS, 1);
  wt_timeline_count(tl2, 950 * MS, WT_TL_PACKETS, 1);
  g_assert_cmpint(wt_timeline_width(tl2), ==, 5 * MS);
  g_assert_cmpuint(wt_timeline_n_buckets(tl2), ==, 11);
  g_autoptr(GArray) rows2 = rows_of(tl2, NULL);
  g_assert_cmpint(row_ts(rows2, 0), ==, 950 * MS);
  g_assert_cmpuint(row_v(rows2, 0, WT_TL_PACKETS), ==, 1);
  g_assert_cmpuint(row_v(rows2, 10, WT_TL_PACKETS), ==, 1);
}

/* The same counts in any order give the same rows (the width depends only on the span). */
static void test_order_invariance(void)
{
  g_autoptr(WtTimeline) a = wt_timeline_new(0, 32);
  g_autoptr(WtTimeline) b = wt_timeline_new(0, 32);
  GRand *rnd = g_rand_new_with_seed(7);
  enum { N = 2000 };
  gint64 ts[N];
  for (int k = 0; k < N; k++)
    ts[k] = 1700000000 * SEC + g_rand_int_range(rnd, 0, 90000) * MS;
  for (int k = 0; k < N; k++)
    wt_timeline_count(a, ts[k], WT_TL_PACKETS, 1);
  for (int k = N - 1; k >= 0; k--)
    wt_timeline_count(b, ts[k], WT_TL_PACKETS, 1);
  g_rand_free(rnd);
  g_assert_cmpint(wt_timeline_width(a), ==, wt_timeline_width(b));
  g_assert_cmpuint(wt_timeline_n_buckets(a), <=, 32);
  gint64 iva, ivb;
  g_autoptr(GArray) ra = rows_of(a, &iva);
  g_autoptr(GArray) rb = rows_of(b, &ivb);
  g_assert_cmpint(iva, ==, ivb);
  g_assert_cmpuint(ra->len, ==, rb->len);
  guint64 total = 0;
  for (guint k = 0; k < ra->len; k++) {
    g_assert_cmpint(row_ts(ra, k), ==, row_ts(rb, k));
    g_assert_cmpuint(row_v(ra, k, WT_TL_PACKETS), ==, row_v(rb, k, WT_TL_PACKETS));
    total += row_v(ra, k, WT_TL_PACKETS);
  }
  g_assert_cmpuint(total, ==, N);
}

/* --interval 7: buckets of exactly 7 s from the first packet's whole second (100 s):
 * [100,107) holds 100.5 and 106.9, [107,114) holds 107.0 and 113.99, [114,121) 114.0. */
static void test_fixed_interval(void)
{
  g_autoptr(WtTimeline) tl = wt_timeline_new(7 * SEC, 0);
  gint64 t[] = { 100500 * MS, 106900 * MS, 107000 * MS, 113990 * MS, 114000 * MS };
  for (guint k = 0; k < G_N_ELEMENTS(t); k++)
    wt_timeline_count(tl, t[k], WT_TL_PACKETS, 1);
  gint64 iv;
  g_autoptr(GArray) rows = rows_of(tl, &iv);
  g_assert_cmpint(iv, ==, 7 * SEC);
  g_assert_cmpuint(rows->len, ==, 3);
  g_assert_cmpint(row_ts(rows, 0), ==, 100 * SEC);
  g_assert_cmpint(row_ts(rows, 2), ==, 114 * SEC);
  g_assert_cmpuint(row_v(rows, 0, WT_TL_PACKETS), ==, 2);
  g_assert_cmpuint(row_v(rows, 1, WT_TL_PACKETS), ==, 2);
  g_assert_cmpuint(row_v(rows, 2, WT_TL_PACKETS), ==, 1);
}

/* --interval 1 with 16 buckets and 40 s of packets (one per second from 1000 s): 1 s needs
 * 40, 2 s needs 20, 4 s needs 10: rows of 4 s, 4 packets each. */
static void test_fixed_interval_outgrown(void)
{
  g_autoptr(WtTimeline) tl = wt_timeline_new(1 * SEC, 16);
  for (int k = 0; k < 40; k++)
    wt_timeline_count(tl, (1000 + k) * SEC + 250 * MS, WT_TL_PACKETS, 1);
  gint64 iv;
  g_autoptr(GArray) rows = rows_of(tl, &iv);
  g_assert_cmpint(iv, ==, 4 * SEC);
  g_assert_cmpuint(rows->len, ==, 10);
  for (guint k = 0; k < 10; k++) {
    g_assert_cmpint(row_ts(rows, k), ==, (1000 + 4 * (gint64) k) * SEC);
    g_assert_cmpuint(row_v(rows, k, WT_TL_PACKETS), ==, 4);
  }
}

/* Automatic interval from the duration, default bound 4096 buckets:
 * an hour: 1 ms .. 500 ms buckets cannot hold 3600 s in 4096 (500 ms: 7200), 1 s can;
 * 3600 s / 300 = 12 s -> 30 s rows: 0 .. 3600 s is 121 rows (both ends included).
 * A day: 86400 / 300 = 288 s -> 300 s rows, 289 of them. */
static void test_auto_interval(void)
{
  gint64 t0 = G_GINT64_CONSTANT(1800000000) * SEC; /* a multiple of 30 s and 300 s */
  g_autoptr(WtTimeline) hour = wt_timeline_new(0, 0);
  wt_timeline_count(hour, t0, WT_TL_PACKETS, 1);
  wt_timeline_count(hour, t0 + 3600 * SEC, WT_TL_PACKETS, 1);
  g_assert_cmpint(wt_timeline_width(hour), ==, 1 * SEC);
  gint64 iv;
  g_autoptr(GArray) rows = rows_of(hour, &iv);
  g_assert_cmpint(iv, ==, 30 * SEC);
  g_assert_cmpuint(rows->len, ==, 121);
  g_assert_cmpint(row_ts(rows, 0), ==, t0);
  g_assert_cmpuint(row_v(rows, 0, WT_TL_PACKETS), ==, 1);
  g_assert_cmpuint(row_v(rows, 120, WT_TL_PACKETS), ==, 1);

  g_autoptr(WtTimeline) day = wt_timeline_new(0, 0);
  wt_timeline_count(day, t0, WT_TL_PACKETS, 1);
  wt_timeline_count(day, t0 + 86400 * SEC, WT_TL_PACKETS, 1);
  g_autoptr(GArray) drows = rows_of(day, &iv);
  g_assert_cmpint(iv, ==, 300 * SEC);
  g_assert_cmpuint(drows->len, ==, 289);
  /* memory stays bounded: a day at the default bound is 4096 buckets or fewer */
  g_assert_cmpuint(wt_timeline_n_buckets(day), <=, WT_TIMELINE_MAX_BUCKETS_DEFAULT);

  /* one second (the project's http-mix-small is ~1.002 s): 1.002 s / 300 = 3.34 ms ->
   * 5 ms rows */
  g_autoptr(WtTimeline) sec = wt_timeline_new(0, 0);
  wt_timeline_count(sec, t0 + 18 * MS, WT_TL_PACKETS, 1);
  wt_timeline_count(sec, t0 + 1020 * MS, WT_TL_PACKETS, 1);
  g_autoptr(GArray) srows = rows_of(sec, &iv);
  g_assert_cmpint(iv, ==, 5 * MS);
  g_assert_cmpuint(srows->len, ==, (1020 - 15) / 5 + 1);
}

/* Declared series: counted through the sink by their number, found by their key, summed
 * over the buckets; a number beyond the columns counts nothing. */
static void test_declared_series(void)
{
  g_autoptr(WtTimeline) tl = timeline_with_declared();
  WtSeriesSink *sink = wt_timeline_sink(tl);
  g_assert_cmpuint(wt_timeline_n_series(tl), ==, WT_TL_N_OWN + 2);
  g_assert_cmpint(wt_timeline_series_index(tl, "http_2xx"), ==, WT_TL_N_OWN + 1);
  g_assert_cmpint(wt_timeline_series_index(tl, "packets"), ==, WT_TL_PACKETS);
  g_assert_cmpint(wt_timeline_series_index(tl, "http_5xx"), ==, -1);
  wt_series_count(sink, 42 * SEC, ok_col, 2);
  wt_series_count(sink, 43 * SEC, ok_col, 1);
  wt_series_count(sink, 43 * SEC, req_col, 4);
  wt_series_count(sink, 43 * SEC, WT_TL_N_OWN + 2, 1);
  wt_series_count(NULL, 43 * SEC, req_col, 1);
  g_assert_cmpuint(wt_timeline_total(tl, ok_col), ==, 3);
  g_assert_cmpuint(wt_timeline_total(tl, req_col), ==, 4);
  g_assert_cmpuint(wt_timeline_total(tl, WT_TL_PACKETS), ==, 0);
  g_autoptr(GArray) rows = rows_of(tl, NULL);
  g_assert_cmpuint(row_v(rows, 0, ok_col), ==, 2);
  g_assert_cmpuint(row_v(rows, rows->len - 1, ok_col), ==, 1);
}

/* The report section: keys and the per-row bits/s (bytes * 8 / interval). Two rows of
 * 1 ms: 125 bytes in the first -> 125 * 8 / 0.001 = 1,000,000 bits/s. */
static void test_report_json(void)
{
  g_autoptr(WtTimeline) tl = timeline_with_declared();
  gint64 t0 = 1000 * SEC;
  wt_timeline_count(tl, t0, WT_TL_PACKETS, 1);
  wt_timeline_count(tl, t0, WT_TL_BYTES, 125);
  wt_timeline_count(tl, t0, WT_TL_NEW_CONNECTIONS, 1);
  wt_timeline_count(tl, t0 + 1 * MS, req_col, 1);
  g_autoptr(WtReport) r = wt_report_new();
  wt_timeline_report(tl, r);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  wt_report_write_json(r, f);
  fclose(f);
  g_assert_nonnull(strstr(buf, "\"timeline\":{\"interval\":0.001000,"));
  g_assert_nonnull(strstr(buf, "\"start_ts\":1000.000000"));
  g_assert_nonnull(strstr(buf, "\"rows\":2,"));
  g_assert_nonnull(strstr(buf, "{\"ts\":1000.000000,\"time\":\"00:16:40.000\",\"packets\":1,"
                               "\"bytes\":125,\"bits_per_sec\":1000000.000000,"
                               "\"new_connections\":1,\"http_requests\":0,"));
  g_assert_nonnull(strstr(buf, "{\"ts\":1000.001000,\"time\":\"00:16:40.001\",\"packets\":0,"
                               "\"bytes\":0,\"bits_per_sec\":0.000000,"
                               "\"new_connections\":0,\"http_requests\":1,\"http_2xx\":0}"));
  free(buf);
}

/* The registry numbers the series the dissectors declared after the timeline's own and
 * gives the timeline a column for each, in the dissector's order: HTTP's requests, then
 * 1xx .. 5xx, as the report's table has always had them. */
static void test_registry_series(void)
{
  g_autoptr(WtTimeline) tl = wt_timeline_new(0, 0);
  WtRegistry *reg = wt_registry_new();
  wt_registry_add_series(reg, tl);
  int req = wt_timeline_series_index(tl, "http_requests");
  g_assert_cmpint(req, >=, WT_TL_N_OWN);
  for (int c = 1; c <= 5; c++) {
    char key[16];
    g_snprintf(key, sizeof key, "http_%dxx", c);
    g_assert_cmpint(wt_timeline_series_index(tl, key), ==, req + c);
  }
  wt_series_count(wt_timeline_sink(tl), 5 * SEC, (guint) req, 3);
  g_assert_cmpuint(wt_timeline_total(tl, (guint) req), ==, 3);
  g_autoptr(WtReport) r = wt_report_new();
  wt_timeline_report(tl, r);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  wt_report_write_json(r, f);
  fclose(f);
  /* HTTP's columns right after the timeline's own; other dissectors' may follow */
  g_assert_nonnull(strstr(buf, "\"new_connections\":0,\"http_requests\":3,\"http_1xx\":0,"
                               "\"http_2xx\":0,\"http_3xx\":0,\"http_4xx\":0,\"http_5xx\":0"));
  free(buf);
  wt_registry_free(reg);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/timeline/ladder", test_ladder);
  g_test_add_func("/timeline/empty", test_empty);
  g_test_add_func("/timeline/basic-alignment", test_basic_alignment);
  g_test_add_func("/timeline/merge", test_merge);
  g_test_add_func("/timeline/merge-unaligned", test_merge_unaligned);
  g_test_add_func("/timeline/backwards", test_backwards);
  g_test_add_func("/timeline/order-invariance", test_order_invariance);
  g_test_add_func("/timeline/fixed-interval", test_fixed_interval);
  g_test_add_func("/timeline/fixed-interval-outgrown", test_fixed_interval_outgrown);
  g_test_add_func("/timeline/auto-interval", test_auto_interval);
  g_test_add_func("/timeline/declared-series", test_declared_series);
  g_test_add_func("/timeline/registry-series", test_registry_series);
  g_test_add_func("/timeline/report-json", test_report_json);
  return g_test_run();
}
