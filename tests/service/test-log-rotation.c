/* Unit tests of analyzer/output/log-rotation.c: the option values, the file names and the
 * retention rules, on files made in a temporary directory. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "analyzer/output/log-rotation.h"

#define S(n) ((gint64) (n) * WT_NS_PER_SEC)

static void test_durations(void)
{
  gint64 ns = 0;
  g_assert_true(wt_parse_duration("10m", &ns));
  g_assert_cmpint(ns, ==, S(600));
  g_assert_true(wt_parse_duration("1h", &ns));
  g_assert_cmpint(ns, ==, S(3600));
  g_assert_true(wt_parse_duration("1d", &ns));
  g_assert_cmpint(ns, ==, S(86400));
  g_assert_true(wt_parse_duration("2w", &ns));
  g_assert_cmpint(ns, ==, S(14 * 86400));
  g_assert_true(wt_parse_duration("90", &ns));
  g_assert_cmpint(ns, ==, S(90));
  const char *bad[] = { "", "0", "-1h", "1x", "h", "1h30m", "99999999999999d", NULL };
  for (const char **b = bad; *b; b++)
    g_assert_false(wt_parse_duration(*b, &ns));
}

static void test_sizes(void)
{
  guint64 n = 0;
  g_assert_true(wt_parse_size("4096", &n));
  g_assert_cmpuint(n, ==, 4096);
  g_assert_true(wt_parse_size("500M", &n));
  g_assert_cmpuint(n, ==, 500ull << 20);
  g_assert_true(wt_parse_size("10G", &n));
  g_assert_cmpuint(n, ==, 10ull << 30);
  g_assert_true(wt_parse_size("10GiB", &n));
  g_assert_cmpuint(n, ==, 10ull << 30);
  g_assert_true(wt_parse_size("1k", &n));
  g_assert_cmpuint(n, ==, 1024);
  const char *bad[] = { "", "0", "-5M", "5X", "M", "5Mi", "99999999999T", NULL };
  for (const char **b = bad; *b; b++)
    g_assert_false(wt_parse_size(*b, &n));
}

static void test_names(void)
{
  WtLogRotation r = { .interval_ns = S(3600) };
  /* 2026-12-03 12:34:56.5 UTC */
  gint64 now = S(1796301296) + 500000000;
  gint64 start = wt_log_rotation_interval_start(&r, now);
  g_assert_cmpint(start, ==, S(1796299200)); /* 12:00:00 */
  g_autofree char *name = wt_log_rotation_file_name("conn", start, start + r.interval_ns, 0);
  g_assert_cmpstr(name, ==, "conn.2026-12-03-12-00-00_2026-12-03-13-00-00.log");
  g_autofree char *second = wt_log_rotation_file_name("http", start, start + r.interval_ns, 2);
  g_assert_cmpstr(second, ==, "http.2026-12-03-12-00-00_2026-12-03-13-00-00.2.log");
  g_autofree char *table = NULL;
  gint64 a, b;
  g_assert_true(wt_log_rotation_parse_name(second, &table, &a, &b));
  g_assert_cmpstr(table, ==, "http");
  g_assert_cmpint(a, ==, start);
  g_assert_cmpint(b, ==, start + r.interval_ns);
  const char *not_rotated[] = { "conn.log", ".conn.2026-12-03-12-00-00_2026-12-03-13-00-00.log.AbC123",
                                "conn.2026-12-03-12-00-00_2026-12-03-13-00-00.log.gz",
                                "conn.2026-12-03-12-00-00_2026-12-03-13-00-00.x.log", NULL };
  for (const char **n = not_rotated; *n; n++) {
    char *t = NULL;
    g_assert_false(wt_log_rotation_parse_name(*n, &t, &a, &b));
    g_assert_null(t);
  }
}

static void write_file(const char *dir, const char *name, gsize bytes)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autofree char *data = g_malloc0(bytes + 1);
  memset(data, 'x', bytes);
  g_assert_true(g_file_set_contents(path, data, (gssize) bytes, NULL));
}

static gboolean exists(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  return g_file_test(path, G_FILE_TEST_EXISTS);
}

/* Three hours of conn and dns files, a restart in the second hour, and files that are not
 * rotated logs: the size limit removes whole oldest intervals first, other files stay. */
static void test_retention(void)
{
  g_autofree char *dir = g_dir_make_tmp("wt-retention-XXXXXX", NULL);
  WtLogRotation r = { .interval_ns = S(3600) };
  gint64 t0 = S(1796299200);
  char *names[4][3] = { { NULL } };
  for (int h = 0; h < 3; h++) {
    names[h][0] = wt_log_rotation_file_name("conn", t0 + h * r.interval_ns, t0 + (h + 1) * r.interval_ns, 0);
    names[h][1] = wt_log_rotation_file_name("dns", t0 + h * r.interval_ns, t0 + (h + 1) * r.interval_ns, 0);
    write_file(dir, names[h][0], 1000);
    write_file(dir, names[h][1], 500);
  }
  names[3][0] = wt_log_rotation_file_name("conn", t0 + r.interval_ns, t0 + 2 * r.interval_ns, 1);
  write_file(dir, names[3][0], 1000);
  const char *others[] = { "conn.log", "clickhouse-spill", ".conn.2026-12-03-15-00-00_2026-12-03-16-00-00.log.Ab12Cd",
                           "weird.2026-12-03-12-00-00_2026-12-03-13-00-00.log", NULL };
  for (const char **o = others; *o; o++)
    write_file(dir, *o, 100000);
  const char *tables[] = { "conn", "dns", "http", NULL };

  /* nothing set: nothing removed */
  g_assert_cmpuint(wt_log_retention_apply(dir, tables, &r, t0 + S(4 * 3600), NULL), ==, 0);
  /* 5500 bytes of rotated logs; at most 4000: the first hour goes (1500), then 4000 fit */
  r.keep_bytes = 4000;
  g_assert_cmpuint(wt_log_retention_apply(dir, tables, &r, t0, NULL), ==, 2);
  g_assert_false(exists(dir, names[0][0]));
  g_assert_false(exists(dir, names[0][1]));
  g_assert_true(exists(dir, names[1][0]) && exists(dir, names[3][0]));
  /* at most 3000 (4000 left): of the second hour, dns and its first conn file go, the
   * restart's conn file (newer) stays */
  r.keep_bytes = 3000;
  g_assert_cmpuint(wt_log_retention_apply(dir, tables, &r, t0, NULL), ==, 2);
  g_assert_false(exists(dir, names[1][0]) || exists(dir, names[1][1]));
  g_assert_true(exists(dir, names[3][0]));
  /* by age: an hour that ended more than 90 minutes before the clock goes */
  r.keep_bytes = 0;
  r.keep_age_ns = S(90 * 60);
  g_assert_cmpuint(wt_log_retention_apply(dir, tables, &r, t0 + S(3 * 3600 + 45 * 60), NULL), ==, 1);
  g_assert_false(exists(dir, names[3][0]));
  g_assert_true(exists(dir, names[2][0]) && exists(dir, names[2][1]));
  for (const char **o = others; *o; o++)
    g_assert_true(exists(dir, *o));

  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 3; j++)
      g_free(names[i][j]);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *n;
  while ((n = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(dir, n, NULL);
    g_unlink(p);
  }
  g_rmdir(dir);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/log-rotation/durations", test_durations);
  g_test_add_func("/log-rotation/sizes", test_sizes);
  g_test_add_func("/log-rotation/names", test_names);
  g_test_add_func("/log-rotation/retention", test_retention);
  return g_test_run();
}
