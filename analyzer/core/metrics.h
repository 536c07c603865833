/* Live metrics (--metrics): counters, gauges and histograms by name and labels, filled
 * while capturing by the pipeline and each protocol's tap (WtStreamDissector.metrics), and
 * rendered by analyzer/output/metrics-server.c in Prometheus's text format. The model
 * knows no protocol and no format: a family is a name, a type and a help text; a sample
 * is a family's value for one set of labels. Adding the same sample twice adds the
 * values, so the snapshots of --threads workers are summed by wt_metrics_merge. */
#pragma once
#include <glib.h>
#include "analyzer/core/histogram.h"

typedef enum { WT_METRIC_COUNTER, WT_METRIC_GAUGE, WT_METRIC_HISTOGRAM } WtMetricType;

typedef struct WtMetrics WtMetrics;

WtMetrics *wt_metrics_new(void);
void wt_metrics_free(WtMetrics *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtMetrics, wt_metrics_free)

/* Declare a family, once or again (the first declaration wins): it is written even
 * with no sample (a counter that has not counted yet). `name` is the full metric name
 * (counters end in _total); name and help must be string literals or outlive m. */
void wt_metrics_declare(WtMetrics *m, const char *name, WtMetricType type, const char *help);

/* Add `value` to the sample of family `name` (declared before) with the labels given as
 * NULL-terminated name, value pairs: wt_metrics_add(m, "x_total", 3, "code", "200", NULL).
 * Label values may be any text (escaped when written). */
void wt_metrics_add(WtMetrics *m, const char *name, double value, ...) G_GNUC_NULL_TERMINATED;

/* A histogram family's buckets from a latency histogram (microseconds): the cumulative
 * count at each upper bound of `bounds_s` (seconds, ascending) and +Inf, the sum (in
 * seconds) and the count. Samples fall into a bound's bucket by the histogram's bucket
 * (about 3 %, see histogram.h). No labels but the server's own. */
void wt_metrics_add_histogram(WtMetrics *m, const char *name, const WtHistogram *h,
                              const double *bounds_s, guint n_bounds);

/* Every sample of `from` added into `into` (families declared there too). */
void wt_metrics_merge(WtMetrics *into, const WtMetrics *from);

/* Reading the model (the writer): families in order of declaration, each family's
 * samples in order of first addition. */
typedef struct {
  const char *suffix;  /* "" or, for histograms, "_bucket", "_sum", "_count" */
  const char *labels;  /* the escaped label pairs: code="200",class="2xx" (or "") */
  double value;
} WtMetricSample;

guint wt_metrics_n_families(const WtMetrics *m);
void wt_metrics_family(const WtMetrics *m, guint i, const char **name, WtMetricType *type,
                       const char **help, guint *n_samples);
const WtMetricSample *wt_metrics_sample(const WtMetrics *m, guint family, guint i);
/* The value of one sample by family, suffix and escaped labels (0 when absent): tests. */
double wt_metrics_get(const WtMetrics *m, const char *name, const char *suffix,
                      const char *labels);

/* Escape a label value as the text format requires (backslash, double quote, newline);
 * bytes that are not UTF-8 become U+FFFD. */
void wt_metrics_escape_label(GString *out, const char *value);
