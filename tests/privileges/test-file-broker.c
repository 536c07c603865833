/* The file broker (analyzer/cli/file-broker.c) serves only what was registered: the named
 * file or the suffix in a registered directory, never a dot-name or another directory's
 * file, and removes the temporary files of a process that ends without committing. Each
 * case runs in a subprocess, since starting the broker forks and routes every atomic file
 * of the process through it. Runs as any user (no owner change asked). */
#include <errno.h>
#include <glib/gstdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "analyzer/cli/file-broker.h"
#include "analyzer/output/atomic-file.h"

static char *dir_a, *dir_b, *dir_c;

static WtFileBroker *registered(void)
{
  WtFileBroker *b = wt_file_broker_new();
  wt_file_broker_allow(b, dir_a, "report.json", NULL);
  wt_file_broker_allow(b, dir_b, NULL, ".log");
  return b;
}

static void start_broker(void)
{
  g_autoptr(GError) e = NULL;
  g_assert_true(wt_file_broker_start(registered(), &e));
}

/* What is served: the registered name, the registered suffix, nothing else. */
static void serves_only_registered(void)
{
  WtFileBroker *b = registered();
  g_autofree char *a_dots = g_build_filename(dir_b, "..", "a", NULL);
  g_assert_true(wt_file_broker_serves(b, dir_a, "report.json"));
  g_assert_true(wt_file_broker_serves(b, a_dots, "report.json")); /* the same directory */
  g_assert_false(wt_file_broker_serves(b, dir_a, "other.json"));
  g_assert_true(wt_file_broker_serves(b, dir_b, "conn.log"));
  g_assert_false(wt_file_broker_serves(b, dir_b, "conn.txt"));
  g_assert_false(wt_file_broker_serves(b, dir_b, ".hidden.log")); /* never a dot-name */
  g_assert_false(wt_file_broker_serves(b, dir_b, "x/y.log"));     /* nor a path */
  g_assert_false(wt_file_broker_serves(b, dir_c, "report.json")); /* another directory */
  wt_file_broker_free(b);
}

static gboolean write_file(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autoptr(GError) e = NULL;
  WtAtomicFile *f = wt_atomic_file_new(path, &e);
  if (!f)
    return FALSE;
  fputs("complete\n", wt_atomic_file_stream(f));
  return wt_atomic_file_commit(f, &e);
}

static guint n_entries(const char *dir)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  guint n = 0;
  while (g_dir_read_name(d)) /* g_dir_read_name lists dot-names too */
    n++;
  g_dir_close(d);
  return n;
}

static void served_files_land(void)
{
  if (g_test_subprocess()) {
    start_broker();
    g_assert_true(write_file(dir_a, "report.json"));
    g_assert_true(write_file(dir_b, "conn.log"));
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_autofree char *r = g_build_filename(dir_a, "report.json", NULL);
  g_autofree char *l = g_build_filename(dir_b, "conn.log", NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(r, &text, NULL, NULL));
  g_assert_cmpstr(text, ==, "complete\n");
  g_assert_true(g_file_test(l, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint(n_entries(dir_a), ==, 1); /* no temporary file left */
  g_assert_cmpuint(n_entries(dir_b), ==, 1);
}

static void killed_leaves_nothing(void)
{
  if (g_test_subprocess()) {
    start_broker();
    g_autofree char *path = g_build_filename(dir_b, "dns.log", NULL);
    WtAtomicFile *f = wt_atomic_file_new(path, NULL);
    g_assert_nonnull(f);
    fputs("half", wt_atomic_file_stream(f));
    fflush(wt_atomic_file_stream(f));
    _exit(0); /* as if killed: never committed */
  }
  guint before = n_entries(dir_b);
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  /* the broker notices its peer is gone and removes the temporary file */
  for (int i = 0; i < 50 && n_entries(dir_b) != before; i++)
    g_usleep(20000);
  g_assert_cmpuint(n_entries(dir_b), ==, before);
  g_autofree char *path = g_build_filename(dir_b, "dns.log", NULL);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* the subprocesses find the same directories: from the environment */
  const char *base = g_getenv("WT_BROKER_TEST_DIR");
  g_autofree char *made = NULL;
  if (!base) {
    made = g_dir_make_tmp("wt-broker-XXXXXX", NULL);
    g_setenv("WT_BROKER_TEST_DIR", made, TRUE);
    base = made;
  }
  dir_a = g_build_filename(base, "a", NULL);
  dir_b = g_build_filename(base, "b", NULL);
  dir_c = g_build_filename(base, "c", NULL);
  g_mkdir_with_parents(dir_a, 0755);
  g_mkdir_with_parents(dir_b, 0755);
  g_test_add_func("/file-broker/serves-only-registered", serves_only_registered);
  g_test_add_func("/file-broker/served-files-land", served_files_land);
  g_test_add_func("/file-broker/killed-leaves-nothing", killed_leaves_nothing);
  return g_test_run();
}
