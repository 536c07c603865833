/* Unit tests for sizing --threads to the free cores (analyzer/pipeline/free-cores.h), on
 * /proc/stat texts as Linux writes them (the tail of a 2-CPU machine's file; the counts
 * are what the samples say: the sampling thread is one of the running ones). */
#include <glib.h>

#include "analyzer/pipeline/free-cores.h"

/* /proc/stat of a 2-CPU VM with procs_running set to `running`. */
static char *proc_stat(int running)
{
  return g_strdup_printf(
    "cpu  1204471 5208 262305 3174040 9520 0 14071 0 0 0\n"
    "cpu0 602781 2599 131460 1586226 4776 0 11290 0 0 0\n"
    "cpu1 601690 2609 130845 1587814 4744 0 2781 0 0 0\n"
    "intr 83456221 0 9 0 0 0 0 0 0 0 0 0 0 156 0 0 0\n"
    "ctxt 45795380\n"
    "btime 1796289262\n"
    "processes 1637911\n"
    "procs_running %d\n"
    "procs_blocked 1\n"
    "softirq 27140296 0 2470569 1549 9293789 4956013 0 30 1705457 39346 8673543\n",
    running);
}

static void test_parse(void)
{
  g_autofree char *s = proc_stat(5);
  g_assert_cmpint(wt_free_cores_parse_running(s), ==, 5);
  g_autofree char *t = proc_stat(1);
  g_assert_cmpint(wt_free_cores_parse_running(t), ==, 1);
  /* not a /proc/stat, or the field cut */
  g_assert_cmpint(wt_free_cores_parse_running("cpu 1 2 3\nctxt 4\n"), ==, -1);
  g_assert_cmpint(wt_free_cores_parse_running("procs_running \n"), ==, -1);
  g_assert_cmpint(wt_free_cores_parse_running(""), ==, -1);
  /* a field that only starts like it is not it */
  g_assert_cmpint(wt_free_cores_parse_running("xprocs_running 3\nprocs_running 2\n"), ==, 2);
}

/* The samples of each case as /proc/stat texts, parsed, then sized. */
static guint sized(guint wanted, guint cpus, const int *running, guint n, guint *free_cores)
{
  gint64 v[8];
  for (guint i = 0; i < n; i++) {
    g_autofree char *s = proc_stat(running[i]);
    v[i] = wt_free_cores_parse_running(s);
  }
  return wt_free_cores_threads(wanted, cpus, v, n, free_cores);
}

static void test_sizing(void)
{
  guint free_cores;
  /* quiet 2-CPU machine: only the sampling thread runs: 2 free, 2 threads */
  const int quiet[] = { 1, 1, 2, 1 };
  g_assert_cmpuint(sized(2, 2, quiet, 4, &free_cores), ==, 2);
  g_assert_cmpuint(free_cores, ==, 2);
  /* one `yes` per core (2 running besides us in every sample): one thread */
  const int busy[] = { 3, 3, 4, 3 };
  g_assert_cmpuint(sized(2, 2, busy, 4, &free_cores), ==, 1);
  g_assert_cmpuint(free_cores, ==, 0);
  /* one core busy: 1 free, fewer than 2: one thread */
  const int half[] = { 2, 3, 2, 2 };
  g_assert_cmpuint(sized(2, 2, half, 4, &free_cores), ==, 1);
  g_assert_cmpuint(free_cores, ==, 1);
  /* a short burst in some samples only does not count: the smallest sample is taken */
  const int burst[] = { 5, 1, 4, 3 };
  g_assert_cmpuint(sized(2, 2, burst, 4, &free_cores), ==, 2);
  /* 16 CPUs, 5 busy: 11 free; asked 8: 8; asked 16: 11 */
  const int sixteen[] = { 6, 7, 6, 6 };
  g_assert_cmpuint(sized(8, 16, sixteen, 4, &free_cores), ==, 8);
  g_assert_cmpuint(free_cores, ==, 11);
  g_assert_cmpuint(sized(16, 16, sixteen, 4, NULL), ==, 11);
  /* more runnable than CPUs: none free */
  const int over[] = { 40, 38, 39, 41 };
  g_assert_cmpuint(sized(4, 8, over, 4, &free_cores), ==, 1);
  g_assert_cmpuint(free_cores, ==, 0);
  /* no samples (no /proc): as asked */
  g_assert_cmpuint(wt_free_cores_threads(3, 2, NULL, 0, NULL), ==, 3);
  /* one thread asked: one thread */
  g_assert_cmpuint(sized(1, 2, quiet, 4, NULL), ==, 1);
}

/* On this machine: never more than asked, never 0. */
static void test_now(void)
{
  guint free_cores = 0;
  guint n = wt_free_cores_threads_now(4, &free_cores);
  g_assert_cmpuint(n, >=, 1);
  g_assert_cmpuint(n, <=, 4);
  g_assert_cmpuint(n == 4 || n == 1 || n == free_cores, ==, TRUE);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/threads/free-cores/parse", test_parse);
  g_test_add_func("/threads/free-cores/sizing", test_sizing);
  g_test_add_func("/threads/free-cores/now", test_now);
  return g_test_run();
}
