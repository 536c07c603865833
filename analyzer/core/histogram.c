#include "analyzer/core/histogram.h"

#include <glib/gi18n.h>

static guint bucket_index(guint64 v)
{
  if (v < WT_HIST_SUB)
    return (guint) v;
  guint e = (guint) (63 - __builtin_clzll(v)); /* e >= WT_HIST_SUB_BITS */
  guint sub = (guint) ((v >> (e - WT_HIST_SUB_BITS)) & (WT_HIST_SUB - 1));
  return WT_HIST_SUB + (e - WT_HIST_SUB_BITS) * WT_HIST_SUB + sub;
}

/* Middle of the bucket's value range. */
static double bucket_value(guint idx)
{
  if (idx < WT_HIST_SUB)
    return idx;
  guint e = (idx - WT_HIST_SUB) / WT_HIST_SUB + WT_HIST_SUB_BITS;
  guint sub = (idx - WT_HIST_SUB) % WT_HIST_SUB;
  double width = (double) (1ull << (e - WT_HIST_SUB_BITS));
  return (double) (1ull << e) + sub * width + width / 2;
}

void wt_histogram_add(WtHistogram *h, guint64 us)
{
  h->n++;
  h->sum_us += us;
  h->max_us = MAX(h->max_us, us);
  h->b[bucket_index(us)]++;
}

void wt_histogram_merge(WtHistogram *into, const WtHistogram *from)
{
  into->n += from->n;
  into->sum_us += from->sum_us;
  into->max_us = MAX(into->max_us, from->max_us);
  for (guint i = 0; i < WT_HIST_BUCKETS; i++)
    into->b[i] += from->b[i];
}

guint64 wt_histogram_count_at_most(const WtHistogram *h, guint64 us)
{
  guint64 n = 0;
  for (guint i = 0; i < WT_HIST_BUCKETS && bucket_value(i) <= (double) us; i++)
    n += h->b[i];
  return n;
}

double wt_histogram_percentile(const WtHistogram *h, double p)
{
  if (h->n == 0)
    return 0;
  guint64 rank = (guint64) (p / 100.0 * (double) h->n + 0.999999);
  rank = MAX(rank, 1);
  if (rank >= h->n)
    return (double) h->max_us; /* the last sample is the largest: exact */
  guint64 seen = 0;
  for (guint i = 0; i < WT_HIST_BUCKETS; i++) {
    seen += h->b[i];
    if (seen >= rank)
      return MIN(bucket_value(i), (double) h->max_us);
  }
  return (double) h->max_us;
}

void wt_histogram_report(const WtHistogram *h, WtSection *sec, const char *key,
                         const char *label)
{
  WtSection *o = wt_section_object(sec, key, label);
  wt_section_u64(o, "count", _("Samples"), h->n);
  wt_section_double(o, "mean_ms", _("Mean (ms)"), h->n ? (double) h->sum_us / h->n / 1000.0 : 0);
  wt_section_double(o, "p50_ms", _("p50 (ms)"), wt_histogram_percentile(h, 50) / 1000.0);
  wt_section_double(o, "p90_ms", _("p90 (ms)"), wt_histogram_percentile(h, 90) / 1000.0);
  wt_section_double(o, "p95_ms", _("p95 (ms)"), wt_histogram_percentile(h, 95) / 1000.0);
  wt_section_double(o, "p99_ms", _("p99 (ms)"), wt_histogram_percentile(h, 99) / 1000.0);
  wt_section_double(o, "max_ms", _("Max (ms)"), (double) h->max_us / 1000.0);
}

void wt_histogram_dump(const WtHistogram *h, GString *out, const char *name)
{
  g_string_append_printf(out, "%s: n=%" G_GUINT64_FORMAT " sum=%" G_GUINT64_FORMAT
                         " max=%" G_GUINT64_FORMAT "\n", name, h->n, h->sum_us, h->max_us);
  for (guint i = 0; i < WT_HIST_BUCKETS; i++)
    if (h->b[i])
      g_string_append_printf(out, "  [%u] %" G_GUINT64_FORMAT "\n", i, h->b[i]);
}
