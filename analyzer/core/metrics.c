#include "analyzer/core/metrics.h"

#include <stdarg.h>
#include <string.h>

typedef struct {
  const char *name, *help;
  WtMetricType type;
  GPtrArray *samples; /* WtMetricSample *, owned by WtMetrics.by_key */
} Family;

typedef struct {
  WtMetricSample pub;
  char *labels;
} Sample;

struct WtMetrics {
  GPtrArray *families;  /* Family *, in order of declaration */
  GHashTable *by_name;  /* name -> Family * */
  GHashTable *by_key;   /* "name\037suffix\037labels" -> Sample * */
};

static void family_free(gpointer p)
{
  Family *f = p;
  g_ptr_array_free(f->samples, TRUE);
  g_free(f);
}

static void sample_free(gpointer p)
{
  Sample *s = p;
  g_free(s->labels);
  g_free(s);
}

WtMetrics *wt_metrics_new(void)
{
  WtMetrics *m = g_new0(WtMetrics, 1);
  m->families = g_ptr_array_new_with_free_func(family_free);
  m->by_name = g_hash_table_new(g_str_hash, g_str_equal);
  m->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, sample_free);
  return m;
}

void wt_metrics_free(WtMetrics *m)
{
  if (!m)
    return;
  g_ptr_array_free(m->families, TRUE);
  g_hash_table_destroy(m->by_name);
  g_hash_table_destroy(m->by_key);
  g_free(m);
}

void wt_metrics_declare(WtMetrics *m, const char *name, WtMetricType type, const char *help)
{
  if (g_hash_table_contains(m->by_name, name))
    return;
  Family *f = g_new0(Family, 1);
  f->name = name;
  f->help = help;
  f->type = type;
  f->samples = g_ptr_array_new();
  g_ptr_array_add(m->families, f);
  g_hash_table_insert(m->by_name, (gpointer) name, f);
}

/* The sample of a declared family, created at 0 on first use. */
static Sample *sample_slot(WtMetrics *m, Family *f, const char *suffix, const char *labels)
{
  g_autofree char *key = g_strjoin("\037", f->name, suffix, labels, NULL);
  Sample *s = g_hash_table_lookup(m->by_key, key);
  if (s)
    return s;
  s = g_new0(Sample, 1);
  s->labels = g_strdup(labels);
  s->pub.suffix = suffix;
  s->pub.labels = s->labels;
  g_ptr_array_add(f->samples, s);
  g_hash_table_insert(m->by_key, g_steal_pointer(&key), s);
  return s;
}

void wt_metrics_escape_label(GString *out, const char *value)
{
  /* Prometheus refuses a whole scrape over one label value that is not UTF-8 */
  g_autofree char *valid = g_utf8_validate(value, -1, NULL) ? NULL : g_utf8_make_valid(value, -1);
  for (const char *p = valid ? valid : value; *p; p++) {
    if (*p == '\\')
      g_string_append(out, "\\\\");
    else if (*p == '"')
      g_string_append(out, "\\\"");
    else if (*p == '\n')
      g_string_append(out, "\\n");
    else
      g_string_append_c(out, *p);
  }
}

static void append_label(GString *labels, const char *name, const char *value)
{
  if (labels->len)
    g_string_append_c(labels, ',');
  g_string_append_printf(labels, "%s=\"", name);
  wt_metrics_escape_label(labels, value);
  g_string_append_c(labels, '"');
}

void wt_metrics_add(WtMetrics *m, const char *name, double value, ...)
{
  Family *f = g_hash_table_lookup(m->by_name, name);
  g_return_if_fail(f != NULL);
  g_autoptr(GString) labels = g_string_new(NULL);
  va_list ap;
  va_start(ap, value);
  for (const char *ln; (ln = va_arg(ap, const char *));) {
    const char *lv = va_arg(ap, const char *);
    append_label(labels, ln, lv ? lv : "");
  }
  va_end(ap);
  sample_slot(m, f, "", labels->str)->pub.value += value;
}

void wt_metrics_add_histogram(WtMetrics *m, const char *name, const WtHistogram *h,
                              const double *bounds_s, guint n_bounds)
{
  Family *f = g_hash_table_lookup(m->by_name, name);
  g_return_if_fail(f != NULL && f->type == WT_METRIC_HISTOGRAM);
  g_autoptr(GString) le = g_string_new(NULL);
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  for (guint i = 0; i < n_bounds; i++) {
    g_string_truncate(le, 0);
    append_label(le, "le", g_ascii_formatd(num, sizeof num, "%g", bounds_s[i]));
    guint64 us = (guint64) (bounds_s[i] * 1e6 + 0.5);
    sample_slot(m, f, "_bucket", le->str)->pub.value +=
      (double) wt_histogram_count_at_most(h, us);
  }
  sample_slot(m, f, "_bucket", "le=\"+Inf\"")->pub.value += (double) h->n;
  sample_slot(m, f, "_sum", "")->pub.value += (double) h->sum_us / 1e6;
  sample_slot(m, f, "_count", "")->pub.value += (double) h->n;
}

void wt_metrics_merge(WtMetrics *into, const WtMetrics *from)
{
  for (guint i = 0; i < from->families->len; i++) {
    const Family *ff = g_ptr_array_index(from->families, i);
    wt_metrics_declare(into, ff->name, ff->type, ff->help);
    Family *fi = g_hash_table_lookup(into->by_name, ff->name);
    for (guint j = 0; j < ff->samples->len; j++) {
      const Sample *s = g_ptr_array_index(ff->samples, j);
      sample_slot(into, fi, s->pub.suffix, s->labels)->pub.value += s->pub.value;
    }
  }
}

guint wt_metrics_n_families(const WtMetrics *m)
{
  return m->families->len;
}

void wt_metrics_family(const WtMetrics *m, guint i, const char **name, WtMetricType *type,
                       const char **help, guint *n_samples)
{
  const Family *f = g_ptr_array_index(m->families, i);
  *name = f->name;
  *type = f->type;
  *help = f->help;
  *n_samples = f->samples->len;
}

const WtMetricSample *wt_metrics_sample(const WtMetrics *m, guint family, guint i)
{
  const Family *f = g_ptr_array_index(m->families, family);
  const Sample *s = g_ptr_array_index(f->samples, i);
  return &s->pub;
}

double wt_metrics_get(const WtMetrics *m, const char *name, const char *suffix,
                      const char *labels)
{
  g_autofree char *key = g_strjoin("\037", name, suffix, labels, NULL);
  const Sample *s = g_hash_table_lookup(m->by_key, key);
  return s ? s->pub.value : 0;
}
