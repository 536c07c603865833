/* A latency histogram with bounded memory whatever the traffic: log-linear buckets, 32 per
 * power of two (about 3 % error), over microseconds. Used for HTTP response times and DNS
 * round trips; percentiles are nearest-rank, never above the true maximum. */
#pragma once
#include <glib.h>
#include "analyzer/report/report.h"

#define WT_HIST_SUB_BITS 5
#define WT_HIST_SUB (1u << WT_HIST_SUB_BITS)
#define WT_HIST_BUCKETS (WT_HIST_SUB + (64 - WT_HIST_SUB_BITS) * WT_HIST_SUB)

typedef struct {
  guint64 n, sum_us, max_us;
  guint64 b[WT_HIST_BUCKETS];
} WtHistogram;

void wt_histogram_add(WtHistogram *h, guint64 us);
void wt_histogram_merge(WtHistogram *into, const WtHistogram *from);
/* Percentile p (0-100) in microseconds; 0 when empty; p100 is the exact maximum. */
double wt_histogram_percentile(const WtHistogram *h, double p);
/* How many samples were at most `us` microseconds, as far as the buckets tell (a bucket
 * counts when its middle is at most `us`: exact below 32 us, about 3 % above). */
guint64 wt_histogram_count_at_most(const WtHistogram *h, guint64 us);
/* Object `key` in `sec`: count, mean_ms, p50_ms, p90_ms, p95_ms, p99_ms, max_ms. */
void wt_histogram_report(const WtHistogram *h, WtSection *sec, const char *key,
                         const char *label);
/* Canonical text (for tests comparing taps): totals and every non-empty bucket. */
void wt_histogram_dump(const WtHistogram *h, GString *out, const char *name);
