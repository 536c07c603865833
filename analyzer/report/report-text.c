/* The text report: sections with aligned label/value lines and tables, for people at a
 * terminal. Renders the model only. */
#include "analyzer/report/report-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "analyzer/report/report-format.h"

/* Text numbers: integers with thousands separators, fractions with a precision that
 * suits their size (0.000123, 12.35, 12,866.1). */
static void append_double(GString *out, double d)
{
  if (!isfinite(d)) {
    g_string_append(out, "-");
    return;
  }
  double a = fabs(d);
  if (d == floor(d) && a < 1e15) {
    wt_report_append_i64(out, (gint64) d);
  } else if (a >= 1000 && a < 1e15) {
    if (d < 0)
      g_string_append_c(out, '-');
    wt_report_append_thousands(out, (guint64) a);
    g_string_append_printf(out, ".%d", (int) ((a - floor(a)) * 10) % 10);
  } else if (a >= 10) {
    g_string_append_printf(out, "%.2f", d);
  } else {
    g_string_append_printf(out, "%.3g", d);
  }
}

static void append_cell_text(GString *out, const Cell *c)
{
  switch (c->type) {
  case WT_COL_STR: g_string_append(out, wt_report_cell_display(c)); break;
  case WT_COL_U64: wt_report_append_thousands(out, c->v.u); break;
  case WT_COL_I64: wt_report_append_i64(out, c->v.i); break;
  case WT_COL_DOUBLE: append_double(out, c->v.d); break;
  case WT_COL_PERCENT: g_string_append_printf(out, "%.1f%%", c->v.d); break;
  }
}

static glong text_width(const char *s)
{
  /* display columns, so CJK labels (two columns per character) still align; ASCII (nearly
   * every cell) is a column a byte */
  const char *a = s;
  while (*a && !((guchar) *a & 0x80))
    a++;
  if (!*a)
    return (glong) (a - s);
  if (!g_utf8_validate(s, -1, NULL))
    return (glong) strlen(s);
  glong w = 0;
  for (const char *p = s; *p; p = g_utf8_next_char(p))
    w += g_unichar_iswide(g_utf8_get_char(p)) ? 2 : 1;
  return w;
}

static void pad_to(GString *out, const char *s, glong width, gboolean right)
{
  glong w = text_width(s);
  if (right)
    for (glong i = w; i < width; i++)
      g_string_append_c(out, ' ');
  g_string_append(out, s);
  if (!right)
    for (glong i = w; i < width; i++)
      g_string_append_c(out, ' ');
}

static gboolean column_hidden(const WtTable *t, guint c)
{
  if (!t->text_hidden)
    return FALSE;
  const char *key = g_array_index(t->columns, Column, c).key;
  for (guint i = 0; i < t->text_hidden->len; i++)
    if (strcmp(g_ptr_array_index(t->text_hidden, i), key) == 0)
      return TRUE;
  return FALSE;
}

/* Every shown numeric cell is zero (e.g. an idle interval of the timeline). */
static gboolean row_is_zero(const WtTable *t, const GArray *row)
{
  for (guint c = 0; c < row->len && c < t->columns->len; c++) {
    const Cell *cell = &g_array_index(row, Cell, c);
    if (column_hidden(t, c))
      continue;
    switch (cell->type) {
    case WT_COL_STR: break;
    case WT_COL_U64: if (cell->v.u) return FALSE; break;
    case WT_COL_I64: if (cell->v.i) return FALSE; break;
    case WT_COL_DOUBLE:
    case WT_COL_PERCENT: if (cell->v.d != 0) return FALSE; break;
    }
  }
  return TRUE;
}

static void write_table_text(GString *out, const WtTable *t, const char *indent)
{
  guint ncols = t->columns->len;
  g_autofree glong *width = g_new0(glong, ncols);
  g_autofree gboolean *shown_row = g_new0(gboolean, t->rows->len + 1);
  GPtrArray *rendered = g_ptr_array_new_with_free_func(g_free);
  guint skipped = 0;
  for (guint c = 0; c < ncols; c++)
    width[c] = text_width(g_array_index(t->columns, Column, c).label);
  for (guint r = 0; r < t->rows->len; r++) {
    GArray *row = g_ptr_array_index(t->rows, r);
    shown_row[r] = !(t->text_skip_zero_rows && row_is_zero(t, row));
    skipped += !shown_row[r];
    for (guint c = 0; c < ncols; c++) {
      GString *cell = g_string_new(NULL);
      if (c < row->len)
        append_cell_text(cell, &g_array_index(row, Cell, c));
      if (shown_row[r])
        width[c] = MAX(width[c], text_width(cell->str));
      g_ptr_array_add(rendered, g_string_free(cell, FALSE));
    }
  }
  /* the last shown column ends the line */
  guint last = 0;
  for (guint c = 0; c < ncols; c++)
    if (!column_hidden(t, c))
      last = c;
  g_string_append(out, indent);
  for (guint c = 0; c < ncols; c++) {
    if (column_hidden(t, c))
      continue;
    const Column *col = &g_array_index(t->columns, Column, c);
    if (c == last && col->type == WT_COL_STR)
      g_string_append(out, col->label);
    else
      pad_to(out, col->label, width[c], col->type != WT_COL_STR);
    g_string_append(out, c < last ? "  " : "\n");
  }
  g_string_append(out, indent);
  for (guint c = 0; c < ncols; c++) {
    if (column_hidden(t, c))
      continue;
    for (glong i = 0; i < width[c]; i++)
      g_string_append_c(out, '-');
    g_string_append(out, c < last ? "  " : "\n");
  }
  for (guint r = 0; r < t->rows->len; r++) {
    if (!shown_row[r])
      continue;
    g_string_append(out, indent);
    for (guint c = 0; c < ncols; c++) {
      if (column_hidden(t, c))
        continue;
      const Column *col = &g_array_index(t->columns, Column, c);
      const char *cell = g_ptr_array_index(rendered, r * ncols + c);
      if (c == last && col->type == WT_COL_STR)
        g_string_append(out, cell); /* no trailing blanks */
      else
        pad_to(out, cell, width[c], col->type != WT_COL_STR);
      g_string_append(out, c < last ? "  " : "\n");
    }
  }
  if (t->rows->len == 0)
    g_string_append_printf(out, "%s%s\n", indent, _("(none)"));
  if (skipped) {
    g_autofree char *note =
      g_strdup_printf(_("(%u rows with nothing to count not shown; JSON and CSV have them)"),
                      skipped);
    g_string_append_printf(out, "%s%s\n", indent, note);
  }
  g_ptr_array_free(rendered, TRUE);
}

void wt_report_append_scalar_text(GString *out, const Item *it)
{
  switch (it->kind) {
  case ITEM_U64: wt_report_append_thousands(out, it->v.u); break;
  case ITEM_I64: wt_report_append_i64(out, it->v.i); break;
  case ITEM_DOUBLE: append_double(out, it->v.d); break;
  case ITEM_STR: g_string_append(out, it->s); break;
  case ITEM_BOOL: g_string_append(out, it->v.b ? _("yes") : _("no")); break;
  case ITEM_TS: wt_report_append_ts_utc(out, it->v.i); break;
  case ITEM_LIST:
    for (guint i = 0; i < it->list->len; i++) {
      if (i)
        g_string_append(out, ", ");
      g_string_append(out, g_ptr_array_index(it->list, i));
    }
    break;
  default: break;
  }
}

static gboolean is_scalar(const Item *it)
{
  return it->kind <= ITEM_TS;
}

/* An object whose items are all scalars, with the same keys as `like` (if given). */
static gboolean is_flat_object(const Item *it, const Item *like)
{
  if (it->kind != ITEM_OBJECT || it->object->items->len == 0)
    return FALSE;
  const GPtrArray *items = it->object->items;
  for (guint i = 0; i < items->len; i++)
    if (!is_scalar(g_ptr_array_index(items, i)))
      return FALSE;
  if (!like)
    return TRUE;
  const GPtrArray *ref = like->object->items;
  if (ref->len != items->len)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    if (strcmp(((Item *) g_ptr_array_index(items, i))->key,
               ((Item *) g_ptr_array_index(ref, i))->key) != 0)
      return FALSE;
  return TRUE;
}

/* Consecutive flat objects with the same keys (e.g. protocols.ipv4, .ipv6, .tcp, each with
 * packets and bytes) read better as one table: a row per object, a column per key. */
static guint write_object_run_text(GString *out, const WtSection *s, guint start,
                                   const char *indent)
{
  const Item *first = g_ptr_array_index(s->items, start);
  guint end = start + 1;
  while (end < s->items->len && is_flat_object(g_ptr_array_index(s->items, end), first))
    end++;
  if (end - start < 2)
    return 0;
  WtTable t = { 0 };
  t.columns = g_array_new(FALSE, FALSE, sizeof(Column));
  t.rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_array_unref);
  Column c0 = { (char *) "", (char *) "", WT_COL_STR };
  g_array_append_val(t.columns, c0);
  const GPtrArray *keys = first->object->items;
  for (guint k = 0; k < keys->len; k++) {
    const Item *ki = g_ptr_array_index(keys, k);
    Column c = { ki->key, ki->label, WT_COL_U64 };
    g_array_append_val(t.columns, c);
  }
  for (guint i = start; i < end; i++) {
    const Item *obj = g_ptr_array_index(s->items, i);
    wt_table_row(&t);
    wt_table_str(&t, obj->label);
    for (guint k = 0; k < obj->object->items->len; k++) {
      const Item *v = g_ptr_array_index(obj->object->items, k);
      GString *txt = g_string_new(NULL);
      wt_report_append_scalar_text(txt, v);
      wt_table_str(&t, txt->str);
      g_string_free(txt, TRUE);
    }
  }
  /* the value cells are pre-rendered strings: align them right like numbers */
  for (guint k = 1; k < t.columns->len; k++)
    g_array_index(t.columns, Column, k).type = WT_COL_U64;
  write_table_text(out, &t, indent);
  g_array_free(t.columns, TRUE);
  g_ptr_array_free(t.rows, TRUE);
  return end - start;
}

static gboolean is_empty_group(const Item *it)
{
  switch (it->kind) {
  case ITEM_MAP: return it->map->len == 0;
  case ITEM_TABLE: return it->table->rows->len == 0;
  case ITEM_OBJECT: return wt_section_is_empty(it->object);
  default: return FALSE;
  }
}

static void write_section_text(GString *out, const WtSection *s, int depth, gboolean color)
{
  g_autofree char *indent = g_strnfill((gsize) depth * 2 + 2, ' ');
  /* label column width for aligned "label: value" lines */
  glong lw = 0;
  for (guint i = 0; i < s->items->len; i++) {
    const Item *it = g_ptr_array_index(s->items, i);
    if (it->kind <= ITEM_LIST)
      lw = MAX(lw, text_width(it->label));
  }
  for (guint i = 0; i < s->items->len; i++) {
    const Item *it = g_ptr_array_index(s->items, i);
    if (it->text_hidden)
      continue;
    if (is_empty_group(it)) {
      /* an empty map, table or object says so on one line, not with a table's head */
      g_string_append_printf(out, "%s%s: %s\n", indent, it->label, _("none"));
      continue;
    }
    switch (it->kind) {
    case ITEM_MAP: {
      g_string_append_printf(out, "%s%s%s%s\n", indent, color ? "\033[1m" : "", it->label,
                             color ? "\033[0m" : "");
      if (it->map->len == 0)
        g_string_append_printf(out, "%s  %s\n", indent, _("(none)"));
      glong nw = 0;
      for (guint j = 0; j < it->map->len; j++)
        nw = MAX(nw, text_width(g_array_index(it->map, MapEntry, j).name));
      for (guint j = 0; j < it->map->len; j++) {
        const MapEntry *e = &g_array_index(it->map, MapEntry, j);
        g_string_append_printf(out, "%s  ", indent);
        pad_to(out, e->name, nw, FALSE);
        g_string_append(out, "  ");
        wt_report_append_thousands(out, e->value);
        g_string_append_c(out, '\n');
      }
      break;
    }
    case ITEM_OBJECT: {
      guint run = is_flat_object(it, NULL) ? write_object_run_text(out, s, i, indent) : 0;
      if (run) {
        i += run - 1;
        break;
      }
      g_string_append_printf(out, "%s%s%s%s\n", indent, color ? "\033[1m" : "", it->label,
                             color ? "\033[0m" : "");
      write_section_text(out, it->object, depth + 1, color);
      break;
    }
    case ITEM_TABLE:
      g_string_append_printf(out, "%s%s%s%s\n", indent, color ? "\033[1m" : "", it->label,
                             color ? "\033[0m" : "");
      write_table_text(out, it->table, indent);
      break;
    default:
      g_string_append(out, indent);
      pad_to(out, it->label, lw, FALSE);
      g_string_append(out, "  ");
      wt_report_append_scalar_text(out, it);
      g_string_append_c(out, '\n');
    }
  }
}

/* A section with nothing to show is one line ("DNS: no messages"); consecutive ones
 * stay together, the others are separated by a blank line. */
void wt_report_write_text(WtReport *r, FILE *out, gboolean color)
{
  GString *buf = g_string_new(NULL);
  g_autoptr(GPtrArray) order = wt_report_display_order(r);
  gboolean prev_one_line = FALSE;
  for (guint i = 0; i < order->len; i++) {
    const WtSection *s = g_ptr_array_index(order, i);
    gboolean one_line = wt_section_is_empty(s);
    if (i && !(one_line && prev_one_line))
      g_string_append_c(buf, '\n');
    prev_one_line = one_line;
    if (one_line) {
      g_autofree char *line = wt_section_nothing_line(s);
      g_string_append_printf(buf, "%s\n", line);
      continue;
    }
    g_string_append_printf(buf, "%s== %s ==%s\n", color ? "\033[1;36m" : "", s->label,
                           color ? "\033[0m" : "");
    write_section_text(buf, s, 0, color);
  }
  fwrite(buf->str, 1, buf->len, out);
  g_string_free(buf, TRUE);
}
