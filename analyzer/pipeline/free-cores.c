/* --threads sized to the free cores. See free-cores.h. */
#include "analyzer/pipeline/free-cores.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SAMPLES 4
#define SAMPLE_GAP_US 1000

gint64 wt_free_cores_parse_running(const char *proc_stat)
{
  static const char field[] = "procs_running ";
  for (const char *p = proc_stat; p && *p;) {
    if (strncmp(p, field, sizeof field - 1) == 0) {
      char *end;
      long long v = strtoll(p + sizeof field - 1, &end, 10);
      return end != p + sizeof field - 1 && v >= 0 ? (gint64) v : -1;
    }
    p = strchr(p, '\n');
    if (p)
      p++;
  }
  return -1;
}

guint wt_free_cores_threads(guint wanted, guint cpus, const gint64 *running, guint n,
                            guint *free_cores)
{
  if (n == 0 || cpus == 0) {
    if (free_cores)
      *free_cores = cpus;
    return wanted;
  }
  gint64 fewest = running[0];
  for (guint i = 1; i < n; i++)
    fewest = MIN(fewest, running[i]);
  /* the sampling thread is runnable itself when it reads the count */
  gint64 others = MAX(fewest - 1, 0);
  guint free = others >= (gint64) cpus ? 0 : cpus - (guint) others;
  if (free_cores)
    *free_cores = free;
  if (wanted <= free)
    return wanted;
  return free >= 2 ? free : 1;
}

static guint affinity_cpus(void)
{
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0)
    return 0;
  return (guint) CPU_COUNT(&set);
}

guint wt_free_cores_threads_now(guint wanted, guint *free_cores)
{
  guint cpus = affinity_cpus();
  gint64 running[SAMPLES];
  guint n = 0;
  for (guint i = 0; i < SAMPLES; i++) {
    if (i)
      g_usleep(SAMPLE_GAP_US);
    g_autofree char *text = NULL;
    if (!g_file_get_contents("/proc/stat", &text, NULL, NULL))
      break;
    gint64 v = wt_free_cores_parse_running(text);
    if (v < 0)
      break;
    running[n++] = v;
  }
  return wt_free_cores_threads(wanted, n == SAMPLES ? cpus : 0, running, n == SAMPLES ? n : 0,
                               free_cores);
}
