/* Unit tests for --follow (analyzer/cli/follow.c) behind the command line's connection
 * observer (conn-watch.c): which connections the filter picks, the files' names
 * (tcpflow's: uid, sender, receiver) and contents, a missing directory made at set-up. */
#include <glib/gstdio.h>
#include <string.h>
#include "analyzer/cli/conn-watch.h"

static void info_init(WtConnInfo *info, guint16 resp_p)
{
  memset(info, 0, sizeof *info);
  g_strlcpy(info->uid, "CTest1", sizeof info->uid);
  info->orig_h.family = info->resp_h.family = 4;
  info->orig_h.bytes[0] = info->resp_h.bytes[0] = 10;
  info->orig_h.bytes[3] = 1;
  info->resp_h.bytes[3] = 2;
  info->orig_p = 40000;
  info->resp_p = resp_p;
  info->proto = 6;
}

static char *read_file(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return text;
}

static void test_follow_files(void)
{
  g_autofree char *tmp = g_dir_make_tmp("wt-follow-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename(tmp, "a", "b", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WtConnWatch) w = wt_conn_watch_new(NULL, "port 80", dir, &error);
  g_assert_no_error(error);
  g_assert_true(wt_conn_watch_prepare(w, &error)); /* made with its parents */
  g_assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
  const WtConnObserver *obs = wt_conn_watch_observer(w);
  g_assert_nonnull(obs);

  WtConnInfo other, web;
  info_init(&other, 81);
  info_init(&web, 80);
  g_assert_null(obs->watch(obs, &other));
  gpointer c = obs->watch(obs, &web);
  g_assert_nonnull(c);
  obs->stream_bytes(c, &web, WT_DIR_ORIG, (const guint8 *) "GET /", 5);
  obs->stream_bytes(c, &web, WT_DIR_RESP, (const guint8 *) "HTTP/1.1", 8);
  obs->stream_bytes(c, &web, WT_DIR_ORIG, (const guint8 *) " x", 2);
  obs->end(c, NULL, &web);

  g_autofree char *sent = read_file(dir, "CTest1-10.0.0.1.40000-10.0.0.2.80");
  g_autofree char *answered = read_file(dir, "CTest1-10.0.0.2.80-10.0.0.1.40000");
  g_assert_cmpstr(sent, ==, "GET / x");
  g_assert_cmpstr(answered, ==, "HTTP/1.1");
  g_autofree char *sent_path = g_build_filename(dir, "CTest1-10.0.0.1.40000-10.0.0.2.80", NULL);
  g_autofree char *answered_path = g_build_filename(dir, "CTest1-10.0.0.2.80-10.0.0.1.40000",
                                                    NULL);
  g_autofree char *a = g_build_filename(tmp, "a", NULL);
  g_remove(sent_path);
  g_remove(answered_path);
  g_rmdir(dir);
  g_rmdir(a);
  g_rmdir(tmp);
}

static void test_no_filter_no_observer(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WtConnWatch) w = wt_conn_watch_new(NULL, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(wt_conn_watch_prepare(w, &error));
  g_assert_null(wt_conn_watch_observer(w)); /* the analyzer runs without one */
  g_assert_null(wt_conn_watch_new("port 80", "host 1.2.3", NULL, &error));
  g_assert_nonnull(error); /* a bad filter: main makes it a usage error */
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cli/follow/files", test_follow_files);
  g_test_add_func("/cli/follow/no-filter", test_no_filter_no_observer);
  return g_test_run();
}
