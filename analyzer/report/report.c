/* The report model and its three writers (text, JSON, CSV). Taps fill the model; the
 * writers never know which dissector wrote what. */
#include "analyzer/report/report.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <time.h>

typedef enum {
  ITEM_U64, ITEM_I64, ITEM_DOUBLE, ITEM_STR, ITEM_BOOL, ITEM_TS, ITEM_MAP, ITEM_LIST,
  ITEM_OBJECT, ITEM_TABLE
} ItemKind;

typedef struct {
  char *name;
  guint64 value;
} MapEntry;

typedef struct {
  WtColType type;
  union { guint64 u; gint64 i; double d; } v;
  char *s;
  gboolean tr; /* s is a msgid: shown translated, written as is to JSON and CSV */
} Cell;

typedef struct {
  char *key, *label;
  WtColType type;
} Column;

struct WtTable {
  GArray *columns; /* Column */
  GPtrArray *rows; /* GArray of Cell */
  char *csv_name;        /* CSV file name (without .csv) when it differs from the key */
  /* text rendering only */
  gboolean text_skip_zero_rows;
  GPtrArray *text_hidden; /* column keys not shown in text (char*, owned) */
};

typedef struct {
  ItemKind kind;
  gboolean text_hidden; /* shown in JSON/CSV/HTML, left out of text (a table says it) */
  char *key, *label;
  union { guint64 u; gint64 i; double d; gboolean b; } v;
  char *s;
  GArray *map;       /* MapEntry */
  GPtrArray *list;   /* char* */
  WtSection *object;
  WtTable *table;
} Item;

struct WtSection {
  char *key, *label;
  GPtrArray *items; /* Item* */
  GPtrArray *charts; /* const WtChartHint*, by id; NULL until the first */
};

struct WtReport {
  GPtrArray *sections; /* WtSection* */
};

static void section_free(WtSection *s);

static void cell_clear(gpointer p)
{
  g_free(((Cell *) p)->s);
}

static void table_free(WtTable *t)
{
  g_free(t->csv_name);
  if (t->text_hidden)
    g_ptr_array_free(t->text_hidden, TRUE);
  for (guint i = 0; i < t->columns->len; i++) {
    Column *c = &g_array_index(t->columns, Column, i);
    g_free(c->key);
    g_free(c->label);
  }
  g_array_free(t->columns, TRUE);
  g_ptr_array_free(t->rows, TRUE);
  g_free(t);
}

static void item_free(gpointer p)
{
  Item *it = p;
  g_free(it->key);
  g_free(it->label);
  g_free(it->s);
  if (it->map) {
    for (guint i = 0; i < it->map->len; i++)
      g_free(g_array_index(it->map, MapEntry, i).name);
    g_array_free(it->map, TRUE);
  }
  if (it->list)
    g_ptr_array_free(it->list, TRUE);
  if (it->object)
    section_free(it->object);
  if (it->table)
    table_free(it->table);
  g_free(it);
}

static WtSection *section_new(const char *key, const char *label)
{
  WtSection *s = g_new0(WtSection, 1);
  s->key = g_strdup(key);
  s->label = g_strdup(label ? label : key);
  s->items = g_ptr_array_new_with_free_func(item_free);
  return s;
}

static void section_free(WtSection *s)
{
  g_free(s->key);
  g_free(s->label);
  g_ptr_array_free(s->items, TRUE);
  if (s->charts)
    g_ptr_array_free(s->charts, TRUE);
  g_free(s);
}

WtReport *wt_report_new(void)
{
  WtReport *r = g_new0(WtReport, 1);
  r->sections = g_ptr_array_new_with_free_func((GDestroyNotify) section_free);
  return r;
}

void wt_report_free(WtReport *r)
{
  if (!r)
    return;
  g_ptr_array_free(r->sections, TRUE);
  g_free(r);
}

WtSection *wt_report_find_section(WtReport *r, const char *key)
{
  for (guint i = 0; i < r->sections->len; i++) {
    WtSection *s = g_ptr_array_index(r->sections, i);
    if (strcmp(s->key, key) == 0)
      return s;
  }
  return NULL;
}

WtSection *wt_report_section(WtReport *r, const char *key, const char *label)
{
  WtSection *s = wt_report_find_section(r, key);
  if (s)
    return s;
  s = section_new(key, label);
  g_ptr_array_add(r->sections, s);
  return s;
}

static Item *find_item(WtSection *s, const char *key)
{
  for (guint i = 0; i < s->items->len; i++) {
    Item *it = g_ptr_array_index(s->items, i);
    if (strcmp(it->key, key) == 0)
      return it;
  }
  return NULL;
}

static Item *add_item(WtSection *s, ItemKind kind, const char *key, const char *label)
{
  Item *it = g_new0(Item, 1);
  it->kind = kind;
  it->key = g_strdup(key);
  it->label = g_strdup(label ? label : key);
  g_ptr_array_add(s->items, it);
  return it;
}

void wt_section_u64(WtSection *s, const char *key, const char *label, guint64 v)
{
  add_item(s, ITEM_U64, key, label)->v.u = v;
}

void wt_section_i64(WtSection *s, const char *key, const char *label, gint64 v)
{
  add_item(s, ITEM_I64, key, label)->v.i = v;
}

void wt_section_double(WtSection *s, const char *key, const char *label, double v)
{
  add_item(s, ITEM_DOUBLE, key, label)->v.d = v;
}

void wt_section_str(WtSection *s, const char *key, const char *label, const char *v)
{
  add_item(s, ITEM_STR, key, label)->s = g_strdup(v ? v : "");
}

void wt_section_bool(WtSection *s, const char *key, const char *label, gboolean v)
{
  add_item(s, ITEM_BOOL, key, label)->v.b = v;
}

void wt_section_ts(WtSection *s, const char *key, const char *label, gint64 ts_ns)
{
  add_item(s, ITEM_TS, key, label)->v.i = ts_ns;
}

void wt_section_map_u64(WtSection *s, const char *key, const char *label, const char *name,
                        guint64 v)
{
  Item *it = find_item(s, key);
  if (!it || it->kind != ITEM_MAP) {
    it = add_item(s, ITEM_MAP, key, label);
    it->map = g_array_new(FALSE, FALSE, sizeof(MapEntry));
  }
  if (!name)
    return; /* only make sure the (possibly empty) map exists */
  MapEntry e = { g_strdup(name), v };
  g_array_append_val(it->map, e);
}

void wt_section_list_str(WtSection *s, const char *key, const char *label, const char *v)
{
  Item *it = find_item(s, key);
  if (!it || it->kind != ITEM_LIST) {
    it = add_item(s, ITEM_LIST, key, label);
    it->list = g_ptr_array_new_with_free_func(g_free);
  }
  g_ptr_array_add(it->list, g_strdup(v));
}

WtSection *wt_section_object(WtSection *s, const char *key, const char *label)
{
  Item *it = find_item(s, key);
  if (it && it->kind == ITEM_OBJECT)
    return it->object;
  it = add_item(s, ITEM_OBJECT, key, label);
  it->object = section_new(key, label);
  return it->object;
}

void wt_section_charts(WtSection *s, const WtChartHint *hints, guint n)
{
  if (!s->charts)
    s->charts = g_ptr_array_new();
  for (guint k = 0; k < n; k++) {
    guint at = s->charts->len; /* a handful per section: insertion keeps them by number */
    while (at > 0 && ((const WtChartHint *) g_ptr_array_index(s->charts, at - 1))->id > hints[k].id)
      at--;
    g_ptr_array_insert(s->charts, (gint) at, (gpointer) &hints[k]);
  }
}

guint wt_section_n_charts(const WtSection *s) { return s->charts ? s->charts->len : 0; }

const WtChartHint *wt_section_nth_chart(const WtSection *s, guint i)
{
  return s->charts && i < s->charts->len ? g_ptr_array_index(s->charts, i) : NULL;
}

void wt_section_hide_in_text(WtSection *s, const char *key)
{
  for (guint i = 0; i < s->items->len; i++) {
    Item *it = g_ptr_array_index(s->items, i);
    if (strcmp(it->key, key) == 0)
      it->text_hidden = TRUE;
  }
}

WtTable *wt_section_table(WtSection *s, const char *key, const char *label)
{
  Item *it = add_item(s, ITEM_TABLE, key, label);
  it->table = g_new0(WtTable, 1);
  it->table->columns = g_array_new(FALSE, FALSE, sizeof(Column));
  it->table->rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_array_unref);
  return it->table;
}

void wt_table_column(WtTable *t, const char *key, const char *label, WtColType type)
{
  Column c = { g_strdup(key), g_strdup(label ? label : key), type };
  g_array_append_val(t->columns, c);
}

void wt_table_set_csv_name(WtTable *t, const char *name)
{
  g_free(t->csv_name);
  t->csv_name = g_strdup(name);
}

void wt_table_text_compact(WtTable *t, gboolean skip_zero_rows, const char *const *hidden_keys)
{
  t->text_skip_zero_rows = skip_zero_rows;
  for (; hidden_keys && *hidden_keys; hidden_keys++) {
    if (!t->text_hidden)
      t->text_hidden = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(t->text_hidden, g_strdup(*hidden_keys));
  }
}

void wt_table_row(WtTable *t)
{
  GArray *row = g_array_new(FALSE, TRUE, sizeof(Cell));
  g_array_set_clear_func(row, cell_clear);
  g_ptr_array_add(t->rows, row);
}

static Cell *next_cell(WtTable *t, WtColType type)
{
  g_return_val_if_fail(t->rows->len > 0, NULL);
  GArray *row = g_ptr_array_index(t->rows, t->rows->len - 1);
  g_return_val_if_fail(row->len < t->columns->len, NULL);
  Cell c = { 0 };
  c.type = type;
  g_array_append_val(row, c);
  return &g_array_index(row, Cell, row->len - 1);
}

void wt_table_str(WtTable *t, const char *v)
{
  Cell *c = next_cell(t, WT_COL_STR);
  if (c)
    c->s = g_strdup(v ? v : "");
}

void wt_table_str_tr(WtTable *t, const char *msgid)
{
  Cell *c = next_cell(t, WT_COL_STR);
  if (c) {
    c->s = g_strdup(msgid ? msgid : "");
    c->tr = msgid && *msgid;
  }
}

/* The text shown for a string cell. */
static const char *cell_display(const Cell *c)
{
  if (!c->s)
    return "";
  return c->tr ? _(c->s) : c->s;
}

void wt_table_u64(WtTable *t, guint64 v)
{
  Cell *c = next_cell(t, WT_COL_U64);
  if (c)
    c->v.u = v;
}

void wt_table_i64(WtTable *t, gint64 v)
{
  Cell *c = next_cell(t, WT_COL_I64);
  if (c)
    c->v.i = v;
}

void wt_table_double(WtTable *t, double v)
{
  Cell *c = next_cell(t, WT_COL_DOUBLE);
  if (c)
    c->v.d = v;
}

void wt_table_percent(WtTable *t, double v)
{
  Cell *c = next_cell(t, WT_COL_PERCENT);
  if (c)
    c->v.d = v;
}

/* ---------- formatting helpers ---------- */

/* 1234567 -> "1,234,567" */
static void append_thousands(GString *out, guint64 v)
{
  char digits[32];
  int n = g_snprintf(digits, sizeof digits, "%" G_GUINT64_FORMAT, v);
  for (int i = 0; i < n; i++) {
    if (i > 0 && (n - i) % 3 == 0)
      g_string_append_c(out, ',');
    g_string_append_c(out, digits[i]);
  }
}

static void append_i64_thousands(GString *out, gint64 v)
{
  if (v < 0) {
    g_string_append_c(out, '-');
    append_thousands(out, (guint64) 0 - (guint64) v);
  } else {
    append_thousands(out, (guint64) v);
  }
}

static void append_ts_iso(GString *out, gint64 ts_ns)
{
  if (ts_ns == 0) {
    g_string_append(out, "-");
    return;
  }
  time_t secs = (time_t) (ts_ns / 1000000000);
  gint64 frac = ts_ns % 1000000000;
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  g_string_append_printf(out, "%s.%06" G_GINT64_FORMAT " UTC", buf, frac / 1000);
}

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
    append_i64_thousands(out, (gint64) d);
  } else if (a >= 1000 && a < 1e15) {
    if (d < 0)
      g_string_append_c(out, '-');
    append_thousands(out, (guint64) a);
    g_string_append_printf(out, ".%d", (int) ((a - floor(a)) * 10) % 10);
  } else if (a >= 10) {
    g_string_append_printf(out, "%.2f", d);
  } else {
    g_string_append_printf(out, "%.3g", d);
  }
}

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

/* ---------- text ---------- */

static void append_cell_text(GString *out, const Cell *c)
{
  switch (c->type) {
  case WT_COL_STR: g_string_append(out, cell_display(c)); break;
  case WT_COL_U64: append_thousands(out, c->v.u); break;
  case WT_COL_I64: append_i64_thousands(out, c->v.i); break;
  case WT_COL_DOUBLE: append_double(out, c->v.d); break;
  case WT_COL_PERCENT: g_string_append_printf(out, "%.1f%%", c->v.d); break;
  }
}

static glong text_width(const char *s)
{
  /* display columns, so CJK labels (two columns per character) still align */
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

static void write_scalar_text(GString *out, const Item *it)
{
  switch (it->kind) {
  case ITEM_U64: append_thousands(out, it->v.u); break;
  case ITEM_I64: append_i64_thousands(out, it->v.i); break;
  case ITEM_DOUBLE: append_double(out, it->v.d); break;
  case ITEM_STR: g_string_append(out, it->s); break;
  case ITEM_BOOL: g_string_append(out, it->v.b ? _("yes") : _("no")); break;
  case ITEM_TS: append_ts_iso(out, it->v.i); break;
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
      write_scalar_text(txt, v);
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
        append_thousands(out, e->value);
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
      write_scalar_text(out, it);
      g_string_append_c(out, '\n');
    }
  }
}

void wt_report_write_text(WtReport *r, FILE *out, gboolean color)
{
  GString *buf = g_string_new(NULL);
  for (guint i = 0; i < r->sections->len; i++) {
    const WtSection *s = g_ptr_array_index(r->sections, i);
    if (i)
      g_string_append_c(buf, '\n');
    g_string_append_printf(buf, "%s== %s ==%s\n", color ? "\033[1;36m" : "", s->label,
                           color ? "\033[0m" : "");
    write_section_text(buf, s, 0, color);
  }
  fwrite(buf->str, 1, buf->len, out);
  g_string_free(buf, TRUE);
}

/* ---------- JSON ---------- */

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
        g_string_append_printf(out, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT,
                               it->v.i / 1000000000, (it->v.i % 1000000000) / 1000);
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

/* ---------- CSV (RFC 4180) ---------- */

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

static gboolean write_file_atomically(const char *path, const GString *content, GError **error)
{
  /* temporary file + rename, so a killed run never leaves a half-written file */
  return g_file_set_contents(path, content->str, (gssize) content->len, error);
}

static gboolean write_table_csv(const char *dir, const char *name, const WtTable *t,
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
  gboolean ok = write_file_atomically(path, buf, error);
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
      g_string_append_printf(v, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT,
                             it->v.i / 1000000000, (it->v.i % 1000000000) / 1000);
    else if (it->kind == ITEM_DOUBLE)
      g_string_append_printf(v, "%.6f", isfinite(it->v.d) ? it->v.d : 0.0); /* a number, not "67,947.8" */
    else if (it->kind == ITEM_BOOL)
      g_string_append(v, it->v.b ? "true" : "false");
    else
      write_scalar_text(v, it);
    append_csv_field(buf, v->str);
    g_string_free(v, TRUE);
    g_string_append(buf, "\r\n");
  }
}

static gboolean write_tables_csv(const char *dir, const WtSection *s, GError **error)
{
  for (guint i = 0; i < s->items->len; i++) {
    const Item *it = g_ptr_array_index(s->items, i);
    if (it->kind == ITEM_TABLE &&
        !write_table_csv(dir, it->table->csv_name ? it->table->csv_name : it->key, it->table,
                         error))
      return FALSE;
    if (it->kind == ITEM_OBJECT && !write_tables_csv(dir, it->object, error))
      return FALSE;
  }
  return TRUE;
}

gboolean wt_report_write_csv(WtReport *r, const char *dir, GError **error)
{
  if (g_mkdir_with_parents(dir, 0755) != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                "cannot create directory %s: %s", dir, g_strerror(errno));
    return FALSE;
  }
  GString *summary = g_string_new("section,key,value\r\n");
  for (guint i = 0; i < r->sections->len; i++) {
    const WtSection *s = g_ptr_array_index(r->sections, i);
    append_summary_csv(summary, s->key, s);
    if (!write_tables_csv(dir, s, error)) {
      g_string_free(summary, TRUE);
      return FALSE;
    }
  }
  g_autofree char *path = g_build_filename(dir, "summary.csv", NULL);
  gboolean ok = write_file_atomically(path, summary, error);
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

/* ---------- read-only walk (writers outside this file: HTML) ---------- */

G_STATIC_ASSERT((int) ITEM_TABLE == (int) WT_ITEM_TABLE && (int) ITEM_TS == (int) WT_ITEM_TS);

guint wt_report_n_sections(const WtReport *r) { return r->sections->len; }

const WtSection *wt_report_nth_section(const WtReport *r, guint i)
{
  g_return_val_if_fail(i < r->sections->len, NULL);
  return g_ptr_array_index(r->sections, i);
}

const char *wt_section_get_key(const WtSection *s) { return s->key; }
const char *wt_section_get_label(const WtSection *s) { return s->label; }
guint wt_section_n_items(const WtSection *s) { return s->items->len; }

void wt_section_nth_item(const WtSection *s, guint i, WtItemView *out)
{
  memset(out, 0, sizeof *out);
  g_return_if_fail(i < s->items->len);
  const Item *it = g_ptr_array_index(s->items, i);
  out->kind = (WtItemKind) it->kind; /* same order as ItemKind */
  out->key = it->key;
  out->label = it->label;
  out->u = it->v.u;
  out->i = it->v.i;
  out->d = it->v.d;
  out->b = it->v.b;
  out->s = it->s;
  out->n = it->map ? it->map->len : it->list ? it->list->len : 0;
  out->object = it->object;
  out->table = it->table;
}

const char *wt_section_map_entry(const WtSection *s, guint i, guint j, guint64 *value)
{
  g_return_val_if_fail(i < s->items->len, NULL);
  const Item *it = g_ptr_array_index(s->items, i);
  g_return_val_if_fail(it->map && j < it->map->len, NULL);
  const MapEntry *e = &g_array_index(it->map, MapEntry, j);
  if (value)
    *value = e->value;
  return e->name;
}

const char *wt_section_list_entry(const WtSection *s, guint i, guint j)
{
  g_return_val_if_fail(i < s->items->len, NULL);
  const Item *it = g_ptr_array_index(s->items, i);
  g_return_val_if_fail(it->list && j < it->list->len, NULL);
  return g_ptr_array_index(it->list, j);
}

guint wt_table_n_columns(const WtTable *t) { return t->columns->len; }

void wt_table_column_info(const WtTable *t, guint c, const char **key, const char **label,
                          WtColType *type)
{
  g_return_if_fail(c < t->columns->len);
  const Column *col = &g_array_index(t->columns, Column, c);
  if (key)
    *key = col->key;
  if (label)
    *label = col->label;
  if (type)
    *type = col->type;
}

guint wt_table_n_rows(const WtTable *t) { return t->rows->len; }

gboolean wt_table_get_cell(const WtTable *t, guint r, guint c, WtCellView *out)
{
  memset(out, 0, sizeof *out);
  g_return_val_if_fail(r < t->rows->len, FALSE);
  GArray *row = g_ptr_array_index(t->rows, r);
  if (c >= row->len)
    return FALSE;
  const Cell *cell = &g_array_index(row, Cell, c);
  out->type = cell->type;
  out->u = cell->v.u;
  out->i = cell->v.i;
  out->d = cell->v.d;
  out->s = cell->type == WT_COL_STR ? cell_display(cell) : cell->s;
  return TRUE;
}
