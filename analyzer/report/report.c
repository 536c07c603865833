/* The report model: taps fill it (sections, scalars, maps, tables, chart hints); the
 * writers (report-text.c, report-json.c, report-csv.c, report-html.c) render it and never
 * know which dissector wrote what. */
#include "analyzer/report/report-private.h"

#include <glib/gi18n.h>
#include <string.h>

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
  g_free(s->nothing);
  g_free(s);
}

WtReport *wt_report_new(void)
{
  WtReport *r = g_new0(WtReport, 1);
  r->sections = g_ptr_array_new_with_free_func((GDestroyNotify) section_free);
  r->declared = g_ptr_array_new_with_free_func(g_free);
  return r;
}

void wt_report_free(WtReport *r)
{
  if (!r)
    return;
  g_ptr_array_free(r->sections, TRUE);
  g_ptr_array_free(r->declared, TRUE);
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
const char *wt_report_cell_display(const Cell *c)
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

/* ---------- read-only walk (the HTML writer, tests) ---------- */

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
  out->s = cell->type == WT_COL_STR ? wt_report_cell_display(cell) : cell->s;
  return TRUE;
}

/* ---- headlines, empty sections and --sections --------------------------------------- */

void wt_section_set_lead(WtSection *s) { s->lead = TRUE; }
gboolean wt_section_is_lead(const WtSection *s) { return s->lead; }

void wt_section_set_nothing(WtSection *s, const char *phrase)
{
  g_free(s->nothing);
  s->nothing = g_strdup(phrase);
}

static gboolean table_is_empty(const WtTable *t)
{
  return t->rows->len == 0;
}

static gboolean item_is_empty(const Item *it)
{
  switch (it->kind) {
  case ITEM_U64: return it->v.u == 0;
  case ITEM_I64:
  case ITEM_TS: return it->v.i == 0;
  case ITEM_DOUBLE: return it->v.d == 0;
  case ITEM_BOOL: return !it->v.b;
  case ITEM_STR: return !it->s || !*it->s;
  case ITEM_MAP: return it->map->len == 0;
  case ITEM_LIST: return it->list->len == 0;
  case ITEM_OBJECT: return wt_section_is_empty(it->object);
  case ITEM_TABLE: return table_is_empty(it->table);
  }
  return FALSE;
}

gboolean wt_section_is_empty(const WtSection *s)
{
  for (guint i = 0; i < s->items->len; i++)
    if (!item_is_empty(g_ptr_array_index(s->items, i)))
      return FALSE;
  return TRUE;
}

char *wt_section_nothing_line(const WtSection *s)
{
  /* TRANSLATORS: an empty section of the text report, e.g. "DNS: no messages" */
  return g_strdup_printf(_("%s: %s"), s->label, s->nothing ? s->nothing : _("none"));
}

GPtrArray *wt_report_display_order(const WtReport *r)
{
  GPtrArray *order = g_ptr_array_sized_new(r->sections->len);
  if (r->user_order) {
    for (guint i = 0; i < r->sections->len; i++)
      g_ptr_array_add(order, g_ptr_array_index(r->sections, i));
    return order;
  }
  if (r->sections->len)
    g_ptr_array_add(order, g_ptr_array_index(r->sections, 0));
  for (guint i = 1; i < r->sections->len; i++) {
    WtSection *s = g_ptr_array_index(r->sections, i);
    if (s->lead && !wt_section_is_empty(s))
      g_ptr_array_add(order, s);
  }
  for (guint i = 1; i < r->sections->len; i++) {
    WtSection *s = g_ptr_array_index(r->sections, i);
    if (!(s->lead && !wt_section_is_empty(s)))
      g_ptr_array_add(order, s);
  }
  return order;
}

void wt_report_declare_section(WtReport *r, const char *key)
{
  g_ptr_array_add(r->declared, g_strdup(key));
}

char **wt_report_section_keys(const WtReport *r)
{
  GStrvBuilder *b = g_strv_builder_new();
  for (guint i = 0; i < r->sections->len; i++)
    g_strv_builder_add(b, ((WtSection *) g_ptr_array_index(r->sections, i))->key);
  for (guint i = 0; i < r->declared->len; i++) {
    const char *key = g_ptr_array_index(r->declared, i);
    if (!wt_report_find_section((WtReport *) r, key))
      g_strv_builder_add(b, key);
  }
  char **keys = g_strv_builder_end(b);
  g_strv_builder_unref(b);
  return keys;
}

gboolean wt_report_check_section_names(const char *list, const char *const *known,
                                       GError **error)
{
  g_auto(GStrv) names = g_strsplit(list, ",", -1);
  guint n = 0;
  for (char **name = names; *name; name++) {
    g_strstrip(*name);
    if (!**name)
      continue;
    n++;
    if (!g_strv_contains(known, *name)) {
      g_autofree char *valid = g_strjoinv(", ", (char **) known);
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                  _("--sections: no section named '%s'; the sections are: %s"), *name, valid);
      return FALSE;
    }
  }
  if (n == 0) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                _("--sections needs at least one section name"));
    return FALSE;
  }
  return TRUE;
}

gboolean wt_report_keep_sections(WtReport *r, const char *list, const char *const *known,
                                 GError **error)
{
  g_auto(GStrv) own = wt_report_section_keys(r);
  if (!wt_report_check_section_names(list, known ? known : (const char *const *) own, error))
    return FALSE;
  g_auto(GStrv) names = g_strsplit(list, ",", -1);
  GPtrArray *kept = g_ptr_array_new_with_free_func((GDestroyNotify) section_free);
  for (char **name = names; *name; name++) {
    g_strstrip(*name);
    for (guint i = 0; i < r->sections->len; i++) {
      WtSection *s = g_ptr_array_index(r->sections, i);
      if (strcmp(s->key, *name) == 0) { /* moved: a name given twice is found once */
        g_ptr_array_add(kept, g_ptr_array_steal_index(r->sections, i));
        break;
      }
    }
  }
  g_ptr_array_free(r->sections, TRUE);
  r->sections = kept;
  r->user_order = TRUE;
  return TRUE;
}
