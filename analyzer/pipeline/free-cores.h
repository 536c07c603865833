/* --threads N sized to the cores other programs leave free, so that a busy machine never
 * runs the analysis slower than one thread would: N threads on fewer cores than that only
 * add the work each worker repeats (reading, routing) and time-slicing.
 *
 * Free cores = the CPUs this process may run on (sched_getaffinity) minus the other
 * threads runnable right now (/proc/stat's procs_running, less this thread), taking the
 * smallest of a few samples a millisecond apart: a program that keeps a core busy is
 * runnable in every sample, a short burst is not. An instant count, not idle time over
 * 50-100 ms, so that the start is not delayed (a run of the benchmark takes half a
 * second). */
#pragma once
#include <glib.h>

/* procs_running of a /proc/stat text; -1 when it has none. */
gint64 wt_free_cores_parse_running(const char *proc_stat);
/* The threads to use for `wanted` (>= 1) on `cpus` CPUs when the samples of procs_running
 * (taken by a thread of this process, which counts itself) are running[0 .. n): `wanted`
 * when that many cores are free, else the free cores, and 1 (one thread, no workers)
 * when fewer than 2 are free. n == 0: `wanted`. *free_cores (may be NULL): the estimate. */
guint wt_free_cores_threads(guint wanted, guint cpus, const gint64 *running, guint n,
                            guint *free_cores);
/* The same for this process now: its affinity mask and /proc/stat sampled 4 times over
 * ~3 ms. `wanted` when either cannot be read. */
guint wt_free_cores_threads_now(guint wanted, guint *free_cores);
