/* The CSV report (RFC 4180): one file per table and summary.csv with every scalar and map
 * entry as section,key,value rows. Renders the model only. */
#include "analyzer/report/report-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "analyzer/report/report-format.h"

static void append_csv_field(GString *out, const char *s)
{
  if (strpbrk(s, ",\"\r\n") == NULL) {
    g_string_append(out, s);
    return;
  }
  g_string_append_c(out, '"');
  for (const char *p = s; *p; p++) {
    if (*p == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *p);
  }
  g_string_append_c(out, '"');
}

static void append_cell_csv(GString *out, const Cell *c)
{
  switch (c->type) {
  case WT_COL_STR: append_csv_field(out, c->s ? c->s : ""); break;
  case WT_COL_U64: g_string_append_printf(out, "%" G_GUINT64_FORMAT, c->v.u); break;
  case WT_COL_I64: g_string_append_printf(out, "%" G_GINT64_FORMAT, c->v.i); break;
  case WT_COL_DOUBLE:
  case WT_COL_PERCENT: g_string_append_printf(out, "%.6f", c->v.d); break;
  }
}

/* Where each CSV file goes: by default g_file_set_contents (temporary file + rename, so a
 * killed run never leaves a half-written file). */
typedef struct {
  WtCsvFileFunc fn;
  gpointer user;
} CsvOut;

static gboolean set_contents(const char *path, const char *data, gsize len, gpointer user,
                             GError **error)
{
  (void) user;
  return g_file_set_contents(path, data, (gssize) len, error);
}

static gboolean write_file_atomically(const CsvOut *out, const char *path,
                                      const GString *content, GError **error)
{
  return out->fn(path, content->str, content->len, out->user, error);
}

static gboolean write_table_csv(const CsvOut *out, const char *dir, const char *name, const WtTable *t,
                                GError **error)
{
  GString *buf = g_string_new(NULL);
  for (guint c = 0; c < t->columns->len; c++) {
    if (c)
      g_string_append_c(buf, ',');
    append_csv_field(buf, g_array_index(t->columns, Column, c).key);
  }
  g_string_append(buf, "\r\n");
  for (guint r = 0; r < t->rows->len; r++) {
    GArray *row = g_ptr_array_index(t->rows, r);
    for (guint c = 0; c < row->len; c++) {
      if (c)
        g_string_append_c(buf, ',');
      append_cell_csv(buf, &g_array_index(row, Cell, c));
    }
    g_string_append(buf, "\r\n");
  }
  g_autofree char *file = g_strconcat(name, ".csv", NULL);
  g_autofree char *path = g_build_filename(dir, file, NULL);
  gboolean ok = write_file_atomically(out, path, buf, error);
  g_string_free(buf, TRUE);
  return ok;
}

/* Scalars and maps of every section, as section,key,value rows (summary.csv). */
static void append_summary_csv(GString *buf, const char *prefix, const WtSection *s)
{
  for (guint i = 0; i < s->items->len; i++) {
    const Item *it = g_ptr_array_index(s->items, i);
    if (it->kind == ITEM_TABLE)
      continue;
    if (it->kind == ITEM_OBJECT) {
      g_autofree char *sub = g_strconcat(prefix, ".", it->key, NULL);
      append_summary_csv(buf, sub, it->object);
      continue;
    }
    if (it->kind == ITEM_MAP) {
      for (guint j = 0; j < it->map->len; j++) {
        const MapEntry *e = &g_array_index(it->map, MapEntry, j);
        append_csv_field(buf, prefix);
        g_string_append_c(buf, ',');
        g_autofree char *k = g_strconcat(it->key, ".", e->name, NULL);
        append_csv_field(buf, k);
        g_string_append_printf(buf, ",%" G_GUINT64_FORMAT "\r\n", e->value);
      }
      continue;
    }
    append_csv_field(buf, prefix);
    g_string_append_c(buf, ',');
    append_csv_field(buf, it->key);
    g_string_append_c(buf, ',');
    GString *v = g_string_new(NULL);
    if (it->kind == ITEM_U64)
      g_string_append_printf(v, "%" G_GUINT64_FORMAT, it->v.u);
    else if (it->kind == ITEM_I64)
      g_string_append_printf(v, "%" G_GINT64_FORMAT, it->v.i);
    else if (it->kind == ITEM_TS)
      wt_report_append_ts_seconds(v, it->v.i);
    else if (it->kind == ITEM_DOUBLE)
      g_string_append_printf(v, "%.6f", isfinite(it->v.d) ? it->v.d : 0.0); /* a number, not "67,947.8" */
    else if (it->kind == ITEM_BOOL)
      g_string_append(v, it->v.b ? "true" : "false");
    else
      wt_report_append_scalar_text(v, it);
    append_csv_field(buf, v->str);
    g_string_free(v, TRUE);
    g_string_append(buf, "\r\n");
  }
}

static gboolean write_tables_csv(const CsvOut *out, const char *dir, const WtSection *s, GError **error)
{
  for (guint i = 0; i < s->items->len; i++) {
    const Item *it = g_ptr_array_index(s->items, i);
    if (it->kind == ITEM_TABLE &&
        !write_table_csv(out, dir, it->table->csv_name ? it->table->csv_name : it->key, it->table,
                         error))
      return FALSE;
    if (it->kind == ITEM_OBJECT && !write_tables_csv(out, dir, it->object, error))
      return FALSE;
  }
  return TRUE;
}

gboolean wt_report_write_csv(WtReport *r, const char *dir, GError **error)
{
  return wt_report_write_csv_with(r, dir, set_contents, NULL, error);
}

gboolean wt_report_write_csv_with(WtReport *r, const char *dir, WtCsvFileFunc fn,
                                  gpointer user, GError **error)
{
  CsvOut o = { fn, user };
  const CsvOut *out = &o;
  if (g_mkdir_with_parents(dir, 0755) != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                "cannot create directory %s: %s", dir, g_strerror(errno));
    return FALSE;
  }
  GString *summary = g_string_new("section,key,value\r\n");
  for (guint i = 0; i < r->sections->len; i++) {
    const WtSection *s = g_ptr_array_index(r->sections, i);
    append_summary_csv(summary, s->key, s);
    if (!write_tables_csv(out, dir, s, error)) {
      g_string_free(summary, TRUE);
      return FALSE;
    }
  }
  g_autofree char *path = g_build_filename(dir, "summary.csv", NULL);
  gboolean ok = write_file_atomically(out, path, summary, error);
  g_string_free(summary, TRUE);
  return ok;
}

/* CSV on a stream (no directory): the summary rows only. */
void wt_report_write_csv_summary(WtReport *r, FILE *out)
{
  GString *summary = g_string_new("section,key,value\r\n");
  for (guint i = 0; i < r->sections->len; i++) {
    const WtSection *s = g_ptr_array_index(r->sections, i);
    append_summary_csv(summary, s->key, s);
  }
  fwrite(summary->str, 1, summary->len, out);
  g_string_free(summary, TRUE);
}
