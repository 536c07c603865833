/* Bounded counts by name. See top-n.h. */
#include "analyzer/core/top-n.h"

#include <glib/gi18n.h>

#define OTHER "(other)"

struct WtTopN {
  GHashTable *counts; /* char* -> guint64* */
  guint max_keys;
  guint64 other, total;
};

WtTopN *wt_top_n_new(guint max_keys)
{
  WtTopN *t = g_new0(WtTopN, 1);
  t->counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  t->max_keys = max_keys ? max_keys : 1;
  return t;
}

void wt_top_n_free(WtTopN *t)
{
  if (!t)
    return;
  g_hash_table_destroy(t->counts);
  g_free(t);
}

void wt_top_n_add(WtTopN *t, const char *name, guint64 n)
{
  t->total += n;
  guint64 *v = g_hash_table_lookup(t->counts, name);
  if (!v) {
    if (g_hash_table_size(t->counts) >= t->max_keys) {
      t->other += n;
      return;
    }
    v = g_new0(guint64, 1);
    g_hash_table_insert(t->counts, g_strdup(name), v);
  }
  *v += n;
}

guint64 wt_top_n_get(const WtTopN *t, const char *name)
{
  if (g_strcmp0(name, OTHER) == 0)
    return t->other;
  const guint64 *v = g_hash_table_lookup(t->counts, name);
  return v ? *v : 0;
}

guint64 wt_top_n_total(const WtTopN *t) { return t->total; }
guint wt_top_n_size(const WtTopN *t) { return g_hash_table_size(t->counts); }

void wt_top_n_merge(WtTopN *into, const WtTopN *from)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, from->counts);
  while (g_hash_table_iter_next(&it, &k, &v))
    wt_top_n_add(into, k, *(guint64 *) v);
  into->other += from->other;
  into->total += from->other;
}

typedef struct {
  const char *name;
  guint64 n;
} Row;

static gint row_cmp(gconstpointer a, gconstpointer b)
{
  const Row *x = a, *y = b;
  if (x->n != y->n)
    return x->n > y->n ? -1 : 1;
  return g_strcmp0(x->name, y->name);
}

static GArray *sorted_rows(const WtTopN *t)
{
  GArray *rows = g_array_sized_new(FALSE, FALSE, sizeof(Row), g_hash_table_size(t->counts) + 1);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, t->counts);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    Row r = { k, *(guint64 *) v };
    g_array_append_val(rows, r);
  }
  g_array_sort(rows, row_cmp);
  if (t->other) {
    Row r = { OTHER, t->other };
    g_array_append_val(rows, r);
  }
  return rows;
}

void wt_top_n_report_map(const WtTopN *t, WtSection *s, const char *key, const char *label)
{
  g_autoptr(GArray) rows = sorted_rows(t);
  wt_section_map_u64(s, key, label, NULL, 0);
  for (guint i = 0; i < rows->len; i++) {
    const Row *r = &g_array_index(rows, Row, i);
    wt_section_map_u64(s, key, label, r->name, r->n);
  }
}

void wt_top_n_report_table(const WtTopN *t, WtSection *s, const char *key, const char *label,
                           const char *name_col, const char *name_label, guint max_rows,
                           guint64 whole)
{
  WtTable *tab = wt_section_table(s, key, label);
  wt_table_column(tab, name_col, name_label, WT_COL_STR);
  wt_table_column(tab, "count", _("Count"), WT_COL_U64);
  wt_table_column(tab, "share", _("Share"), WT_COL_PERCENT);
  if (!whole)
    whole = t->total;
  g_autoptr(GArray) rows = sorted_rows(t);
  for (guint i = 0; i < rows->len && i < max_rows; i++) {
    const Row *r = &g_array_index(rows, Row, i);
    wt_table_row(tab);
    wt_table_str(tab, r->name);
    wt_table_u64(tab, r->n);
    wt_table_percent(tab, whole ? 100.0 * (double) r->n / (double) whole : 0);
  }
}
