/* The JSON report: one object, a member per section (docs/report-format.md is its
 * stable schema). Renders the model only. */
#include "analyzer/report/report-private.h"

#include <math.h>

#include "analyzer/report/report-format.h"

static void append_json_string(GString *out, const char *s)
{
  g_string_append_c(out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
    switch (*p) {
    case '"': g_string_append(out, "\\\""); break;
    case '\\': g_string_append(out, "\\\\"); break;
    case '\n': g_string_append(out, "\\n"); break;
    case '\r': g_string_append(out, "\\r"); break;
    case '\t': g_string_append(out, "\\t"); break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        g_string_append_printf(out, "\\u%04x", *p);
      else
        g_string_append_c(out, (char) *p);
    }
  }
  g_string_append_c(out, '"');
}

static void append_json_double(GString *out, double d)
{
  if (!isfinite(d))
    g_string_append(out, "null");
  else
    g_string_append_printf(out, "%.6f", d);
}

static void append_cell_json(GString *out, const Cell *c)
{
  switch (c->type) {
  case WT_COL_STR: append_json_string(out, c->s ? c->s : ""); break;
  case WT_COL_U64: g_string_append_printf(out, "%" G_GUINT64_FORMAT, c->v.u); break;
  case WT_COL_I64: g_string_append_printf(out, "%" G_GINT64_FORMAT, c->v.i); break;
  case WT_COL_DOUBLE:
  case WT_COL_PERCENT: append_json_double(out, c->v.d); break;
  }
}

static void write_section_json(GString *out, const WtSection *s)
{
  g_string_append_c(out, '{');
  for (guint i = 0; i < s->items->len; i++) {
    const Item *it = g_ptr_array_index(s->items, i);
    if (i)
      g_string_append_c(out, ',');
    append_json_string(out, it->key);
    g_string_append_c(out, ':');
    switch (it->kind) {
    case ITEM_U64: g_string_append_printf(out, "%" G_GUINT64_FORMAT, it->v.u); break;
    case ITEM_I64: g_string_append_printf(out, "%" G_GINT64_FORMAT, it->v.i); break;
    case ITEM_DOUBLE: append_json_double(out, it->v.d); break;
    case ITEM_STR: append_json_string(out, it->s); break;
    case ITEM_BOOL: g_string_append(out, it->v.b ? "true" : "false"); break;
    case ITEM_TS:
      if (it->v.i == 0)
        g_string_append(out, "null");
      else
        wt_report_append_ts_seconds(out, it->v.i);
      break;
    case ITEM_MAP:
      g_string_append_c(out, '{');
      for (guint j = 0; j < it->map->len; j++) {
        const MapEntry *e = &g_array_index(it->map, MapEntry, j);
        if (j)
          g_string_append_c(out, ',');
        append_json_string(out, e->name);
        g_string_append_printf(out, ":%" G_GUINT64_FORMAT, e->value);
      }
      g_string_append_c(out, '}');
      break;
    case ITEM_LIST:
      g_string_append_c(out, '[');
      for (guint j = 0; j < it->list->len; j++) {
        if (j)
          g_string_append_c(out, ',');
        append_json_string(out, g_ptr_array_index(it->list, j));
      }
      g_string_append_c(out, ']');
      break;
    case ITEM_OBJECT: write_section_json(out, it->object); break;
    case ITEM_TABLE: {
      const WtTable *t = it->table;
      g_string_append_c(out, '[');
      for (guint r = 0; r < t->rows->len; r++) {
        GArray *row = g_ptr_array_index(t->rows, r);
        if (r)
          g_string_append_c(out, ',');
        g_string_append_c(out, '{');
        for (guint c = 0; c < row->len && c < t->columns->len; c++) {
          if (c)
            g_string_append_c(out, ',');
          append_json_string(out, g_array_index(t->columns, Column, c).key);
          g_string_append_c(out, ':');
          append_cell_json(out, &g_array_index(row, Cell, c));
        }
        g_string_append_c(out, '}');
      }
      g_string_append_c(out, ']');
      break;
    }
    }
  }
  g_string_append_c(out, '}');
}

void wt_report_write_json(WtReport *r, FILE *out)
{
  GString *buf = g_string_new("{");
  for (guint i = 0; i < r->sections->len; i++) {
    const WtSection *s = g_ptr_array_index(r->sections, i);
    if (i)
      g_string_append_c(buf, ',');
    append_json_string(buf, s->key);
    g_string_append_c(buf, ':');
    write_section_json(buf, s);
  }
  g_string_append(buf, "}\n");
  fwrite(buf->str, 1, buf->len, out);
  g_string_free(buf, TRUE);
}
