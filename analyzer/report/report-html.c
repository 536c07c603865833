/* The HTML report: one self-contained page. The C side renders every section of the
 * report model as HTML (so new sections appear without changes here) and places a chart
 * figure for every chart hint a tap wrote into the model; an inline script draws those
 * charts as SVG from the JSON report embedded in the page. No network access: no external
 * scripts, styles or fonts. */
#include "analyzer/report/report-html.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "analyzer/report/report-format.h"

/* The page's style and script (html/page.css, html/page.js) as page_css and page_js: one
 * string per line, NULL-terminated. The script draws every <figure class="chart"
 * data-spec='{...}'> from #wiretab-data; for tests and tools it marks each figure with
 * data-drawn="yes" and data-bars="N" (SVG rects drawn, each with data-k / data-v), and
 * <body data-charts="N">. */
#include "analyzer/report/html-assets.h"

/* ---------- escaping and number formatting ---------- */

static void append_escaped(GString *out, const char *s)
{
  if (!s)
    return;
  g_autofree char *valid = NULL;
  if (!g_utf8_validate(s, -1, NULL))
    s = valid = g_utf8_make_valid(s, -1);
  for (const char *p = s; *p; p++) {
    switch (*p) {
    case '&': g_string_append(out, "&amp;"); break;
    case '<': g_string_append(out, "&lt;"); break;
    case '>': g_string_append(out, "&gt;"); break;
    case '"': g_string_append(out, "&quot;"); break;
    case '\'': g_string_append(out, "&#39;"); break;
    default:
      /* control characters have no business in a page (U+0000-U+001F but tab/newline) */
      if ((unsigned char) *p < 0x20 && *p != '\t' && *p != '\n')
        g_string_append(out, "\xef\xbf\xbd");
      else
        g_string_append_c(out, *p);
    }
  }
}

char *wt_html_escape(const char *s)
{
  GString *out = g_string_new(NULL);
  append_escaped(out, s);
  return g_string_free(out, FALSE);
}

static void append_json_str(GString *out, const char *s)
{
  g_string_append_c(out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_printf(out, "\\%c", *p);
    else if (*p < 0x20)
      g_string_append_printf(out, "\\u%04x", *p);
    else
      g_string_append_c(out, (char) *p);
  }
  g_string_append_c(out, '"');
}

/* Large numbers with separators, small ones with four significant digits. */
static void append_double(GString *out, double d)
{
  if (!isfinite(d))
    g_string_append(out, "-");
  else if (fabs(d) >= 1000 && fabs(d) < 1e18)
    wt_report_append_i64(out, (gint64) llround(d));
  else if (d == floor(d))
    g_string_append_printf(out, "%.0f", d);
  else
    g_string_append_printf(out, "%.4g", d);
}

/* ---------- the model, generically ---------- */

static gboolean is_scalar(WtItemKind k)
{
  return k <= WT_ITEM_LIST && k != WT_ITEM_MAP;
}

static void append_scalar(GString *out, const WtSection *s, guint i, const WtItemView *it)
{
  switch (it->kind) {
  case WT_ITEM_U64: wt_report_append_thousands(out, it->u); break;
  case WT_ITEM_I64: wt_report_append_i64(out, it->i); break;
  case WT_ITEM_DOUBLE: append_double(out, it->d); break;
  case WT_ITEM_STR: append_escaped(out, it->s); break;
  case WT_ITEM_BOOL: g_string_append(out, it->b ? "yes" : "no"); break;
  case WT_ITEM_TS: wt_report_append_ts_utc(out, it->i); break;
  case WT_ITEM_LIST:
    for (guint j = 0; j < it->n; j++) {
      if (j)
        g_string_append(out, ", ");
      append_escaped(out, wt_section_list_entry(s, i, j));
    }
    break;
  default: break;
  }
}

static void open_heading(GString *out, int depth, const char *label)
{
  int h = CLAMP(depth + 3, 3, 6);
  g_string_append_printf(out, "<h%d>", h);
  append_escaped(out, label);
  g_string_append_printf(out, "</h%d>\n", h);
}

static gboolean numeric_col(WtColType t)
{
  return t != WT_COL_STR;
}

#define TABLE_FOLD_ROWS 30 /* longer tables start folded (<details>) */

static void render_table(GString *out, const WtTable *t, const char *key, const char *label)
{
  guint ncols = wt_table_n_columns(t), nrows = wt_table_n_rows(t);
  gboolean fold = nrows > TABLE_FOLD_ROWS;
  if (fold) {
    g_string_append(out, "<details><summary>");
    append_escaped(out, label);
    g_string_append_printf(out, " (%u)</summary>\n", nrows);
  }
  if (nrows == 0) {
    g_string_append(out, "<div class=\"tw\"><table class=\"data\" data-key=\"");
    append_escaped(out, key);
    g_string_append(out, "\"><caption>");
    append_escaped(out, label);
    g_string_append(out, "</caption><tbody></tbody></table></div><p class=\"none\">(none)</p>\n");
    return;
  }
  g_string_append(out, "<div class=\"tw\"><table class=\"data\" data-key=\"");
  append_escaped(out, key);
  g_string_append(out, "\">");
  if (!fold) {
    g_string_append(out, "<caption>");
    append_escaped(out, label);
    g_string_append(out, "</caption>");
  }
  g_string_append(out, "\n<thead><tr>");
  for (guint c = 0; c < ncols; c++) {
    const char *ckey, *clabel;
    WtColType type;
    wt_table_column_info(t, c, &ckey, &clabel, &type);
    g_string_append_printf(out, "<th%s>", numeric_col(type) ? " class=\"n\"" : "");
    append_escaped(out, clabel);
    g_string_append(out, "</th>");
  }
  g_string_append(out, "</tr></thead>\n<tbody>\n");
  for (guint r = 0; r < nrows; r++) {
    g_string_append(out, "<tr>");
    for (guint c = 0; c < ncols; c++) {
      WtCellView cell;
      if (!wt_table_get_cell(t, r, c, &cell)) {
        g_string_append(out, "<td></td>");
        continue;
      }
      switch (cell.type) {
      case WT_COL_STR:
        g_string_append(out, "<td class=\"s\">");
        append_escaped(out, cell.s);
        break;
      case WT_COL_U64:
        g_string_append(out, "<td class=\"n\">");
        wt_report_append_thousands(out, cell.u);
        break;
      case WT_COL_I64:
        g_string_append(out, "<td class=\"n\">");
        wt_report_append_i64(out, cell.i);
        break;
      case WT_COL_DOUBLE:
        g_string_append(out, "<td class=\"n\">");
        append_double(out, cell.d);
        break;
      case WT_COL_PERCENT: {
        double p = isfinite(cell.d) ? CLAMP(cell.d, 0.0, 100.0) : 0.0;
        g_string_append_printf(out, "<td class=\"n p\" style=\"--p:%.1f%%\">%.1f%%", p,
                               isfinite(cell.d) ? cell.d : 0.0);
        break;
      }
      }
      g_string_append(out, "</td>");
    }
    g_string_append(out, "</tr>\n");
  }
  g_string_append(out, "</tbody></table></div>\n");
  if (fold)
    g_string_append(out, "</details>\n");
}

static void render_map(GString *out, const WtSection *s, guint i, const WtItemView *it)
{
  if (it->n == 0) {
    g_string_append(out, "<div class=\"tw\"><table><caption>");
    append_escaped(out, it->label);
    g_string_append(out, "</caption></table></div><p class=\"none\">(none)</p>\n");
    return;
  }
  guint64 total = 0;
  for (guint j = 0; j < it->n; j++) {
    guint64 v;
    wt_section_map_entry(s, i, j, &v);
    total += v;
  }
  g_string_append(out, "<div class=\"tw\"><table class=\"map\" data-key=\"");
  append_escaped(out, it->key);
  g_string_append(out, "\"><caption>");
  append_escaped(out, it->label);
  g_string_append(out, "</caption>\n<tbody>\n");
  for (guint j = 0; j < it->n; j++) {
    guint64 v;
    const char *name = wt_section_map_entry(s, i, j, &v);
    double p = total ? (double) v * 100.0 / (double) total : 0.0;
    g_string_append(out, "<tr><td class=\"s\">");
    append_escaped(out, name);
    g_string_append(out, "</td><td class=\"n\">");
    wt_report_append_thousands(out, v);
    g_string_append_printf(out, "</td><td class=\"n p\" style=\"--p:%.1f%%\">%.1f%%</td></tr>\n",
                           p, p);
  }
  g_string_append(out, "</tbody></table></div>\n");
}

/* An object holding scalars only, the kind that repeats (protocols: ipv4 {packets, bytes},
 * ipv6 {...}): a run of them with the same keys reads best as one table. */
static gboolean is_flat_object(const WtItemView *it, const WtItemView *like)
{
  if (it->kind != WT_ITEM_OBJECT)
    return FALSE;
  guint n = wt_section_n_items(it->object);
  if (n == 0 || (like && n != wt_section_n_items(like->object)))
    return FALSE;
  for (guint j = 0; j < n; j++) {
    WtItemView a;
    wt_section_nth_item(it->object, j, &a);
    if (!is_scalar(a.kind))
      return FALSE;
    if (like) {
      WtItemView b;
      wt_section_nth_item(like->object, j, &b);
      if (strcmp(a.key, b.key) != 0)
        return FALSE;
    }
  }
  return TRUE;
}

static void render_object_run(GString *out, const WtSection *s, guint start, guint end)
{
  WtItemView first;
  wt_section_nth_item(s, start, &first);
  guint ncols = wt_section_n_items(first.object);
  g_string_append(out, "<div class=\"tw\"><table class=\"data\"><thead><tr><th></th>");
  for (guint c = 0; c < ncols; c++) {
    WtItemView col;
    wt_section_nth_item(first.object, c, &col);
    g_string_append_printf(out, "<th%s>", col.kind == WT_ITEM_STR ? "" : " class=\"n\"");
    append_escaped(out, col.label);
    g_string_append(out, "</th>");
  }
  g_string_append(out, "</tr></thead>\n<tbody>\n");
  for (guint i = start; i < end; i++) {
    WtItemView row;
    wt_section_nth_item(s, i, &row);
    g_string_append(out, "<tr><th>");
    append_escaped(out, row.label);
    g_string_append(out, "</th>");
    for (guint c = 0; c < ncols; c++) {
      WtItemView v;
      wt_section_nth_item(row.object, c, &v);
      g_string_append_printf(out, "<td%s>", v.kind == WT_ITEM_STR ? " class=\"s\"" : " class=\"n\"");
      append_scalar(out, row.object, c, &v);
      g_string_append(out, "</td>");
    }
    g_string_append(out, "</tr>\n");
  }
  g_string_append(out, "</tbody></table></div>\n");
}

static void render_items(GString *out, const WtSection *s, int depth)
{
  guint n = wt_section_n_items(s);
  guint i = 0;
  while (i < n) {
    WtItemView it;
    wt_section_nth_item(s, i, &it);
    if (is_scalar(it.kind)) {
      /* consecutive scalars: one label/value table */
      g_string_append(out, "<div class=\"tw\"><table class=\"kv\"><tbody>\n");
      for (; i < n; i++) {
        wt_section_nth_item(s, i, &it);
        if (!is_scalar(it.kind))
          break;
        g_string_append(out, "<tr><th>");
        append_escaped(out, it.label);
        g_string_append(out, "</th><td data-key=\"");
        append_escaped(out, it.key);
        g_string_append(out, "\">");
        append_scalar(out, s, i, &it);
        g_string_append(out, "</td></tr>\n");
      }
      g_string_append(out, "</tbody></table></div>\n");
      continue;
    }
    if (is_flat_object(&it, NULL)) {
      guint end = i + 1;
      for (; end < n; end++) {
        WtItemView next;
        wt_section_nth_item(s, end, &next);
        if (!is_flat_object(&next, &it))
          break;
      }
      if (end - i >= 2) {
        render_object_run(out, s, i, end);
        i = end;
        continue;
      }
    }
    switch (it.kind) {
    case WT_ITEM_MAP: render_map(out, s, i, &it); break;
    case WT_ITEM_TABLE: render_table(out, it.table, it.key, it.label); break;
    case WT_ITEM_OBJECT:
      g_string_append(out, "<div class=\"obj\">");
      open_heading(out, depth, it.label);
      render_items(out, it.object, depth + 1);
      g_string_append(out, "</div>\n");
      break;
    default: break;
    }
    i++;
  }
}

/* ---------- charts: the hints the taps wrote into the model ---------- */

static gboolean find_item(const WtSection *s, const char *key, WtItemView *out)
{
  if (!s)
    return FALSE;
  for (guint i = 0; i < wt_section_n_items(s); i++) {
    wt_section_nth_item(s, i, out);
    if (strcmp(out->key, key) == 0)
      return TRUE;
  }
  return FALSE;
}

static void append_labels(GString *spec, const WtSection *s, const WtChartHint *c,
                          const WtItemView *item)
{
  gboolean any = FALSE;
  g_string_append(spec, ",\"labels\":{");
  if (c->labels == WT_CHART_LABELS_ITEMS && item->kind == WT_ITEM_OBJECT) {
    for (guint i = 0; i < wt_section_n_items(item->object); i++) {
      WtItemView it;
      wt_section_nth_item(item->object, i, &it);
      if (any)
        g_string_append_c(spec, ',');
      append_json_str(spec, it.key);
      g_string_append_c(spec, ':');
      append_json_str(spec, it.label);
      any = TRUE;
    }
  }
  WtItemView tv;
  if ((c->labels == WT_CHART_LABELS_TABLE || c->labels == WT_CHART_LABELS_COLUMNS) &&
      find_item(s, c->label_table, &tv) && tv.kind == WT_ITEM_TABLE) {
    const WtTable *t = tv.table;
    if (c->labels == WT_CHART_LABELS_COLUMNS) {
      for (guint col = 0; col < wt_table_n_columns(t); col++) {
        const char *k, *l;
        wt_table_column_info(t, col, &k, &l, NULL);
        if (any)
          g_string_append_c(spec, ',');
        append_json_str(spec, k);
        g_string_append_c(spec, ':');
        append_json_str(spec, l);
        any = TRUE;
      }
    } else {
      gint kc = -1, lc = -1;
      for (guint col = 0; col < wt_table_n_columns(t); col++) {
        const char *k;
        wt_table_column_info(t, col, &k, NULL, NULL);
        if (strcmp(k, c->label_key) == 0)
          kc = (gint) col;
        if (strcmp(k, c->label_col) == 0)
          lc = (gint) col;
      }
      for (guint row = 0; kc >= 0 && lc >= 0 && row < wt_table_n_rows(t); row++) {
        WtCellView kv, lv;
        if (!wt_table_get_cell(t, row, (guint) kc, &kv) ||
            !wt_table_get_cell(t, row, (guint) lc, &lv) || lv.type != WT_COL_STR)
          continue;
        g_autofree char *k = kv.type == WT_COL_STR ? g_strdup(kv.s ? kv.s : "")
                             : kv.type == WT_COL_I64 ? g_strdup_printf("%" G_GINT64_FORMAT, kv.i)
                                                     : g_strdup_printf("%" G_GUINT64_FORMAT, kv.u);
        g_autofree char *l = g_strdup_printf("%s %s", k, lv.s ? lv.s : "");
        if (any)
          g_string_append_c(spec, ',');
        append_json_str(spec, k);
        g_string_append_c(spec, ':');
        append_json_str(spec, l);
        any = TRUE;
      }
    }
  }
  g_string_append_c(spec, '}');
}

static void render_charts(GString *out, const WtSection *s)
{
  const char *skey = wt_section_get_key(s);
  g_string_append(out, "<div class=\"charts\">");
  for (guint i = 0; i < wt_section_n_charts(s); i++) {
    const WtChartHint *c = wt_section_nth_chart(s, i);
    WtItemView item;
    if (!find_item(s, c->item, &item))
      continue;
    GString *spec = g_string_new("{\"kind\":");
    append_json_str(spec, c->kind);
    g_string_append(spec, ",\"path\":[");
    append_json_str(spec, skey);
    g_string_append_c(spec, ',');
    append_json_str(spec, c->item);
    g_string_append_c(spec, ']');
    if (c->options)
      g_string_append_printf(spec, ",%s", c->options);
    if (c->labels != WT_CHART_LABELS_NONE)
      append_labels(spec, s, c, &item);
    g_string_append_c(spec, '}');
    g_string_append_printf(out, "\n<figure class=\"chart%s\" data-chart=\"%u\" data-empty=\"",
                           c->wide ? " wide" : "", c->id);
    append_escaped(out, _("no data"));
    g_string_append(out, "\" data-spec=\"");
    append_escaped(out, spec->str);
    g_string_append(out, "\"><figcaption>");
    append_escaped(out, _(c->title));
    g_string_append(out, "</figcaption></figure>");
    g_string_free(spec, TRUE);
  }
  g_string_append(out, "</div>\n");
}

/* ---------- the page ---------- */

static void append_lines(GString *out, const char *const *lines)
{
  for (; *lines; lines++)
    g_string_append(out, *lines);
}

/* The JSON report inside <script>: '<', '>' and '&' only ever occur inside JSON strings,
 * where \u003c etc. mean the same, so "</script>" or "<!--" in a URI cannot end the
 * block. */
static void append_json_report(GString *out, WtReport *r)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (!mem)
    return;
  wt_report_write_json(r, mem);
  fclose(mem);
  for (size_t i = 0; i < len; i++) {
    switch (buf[i]) {
    case '<': g_string_append(out, "\\u003c"); break;
    case '>': g_string_append(out, "\\u003e"); break;
    case '&': g_string_append(out, "\\u0026"); break;
    default: g_string_append_c(out, buf[i]);
    }
  }
  free(buf);
}

static void render_header(GString *out, WtReport *r)
{
  const WtSection *cap = wt_report_find_section(r, "capture");
  WtItemView it;
  g_string_append(out, "<header><h1>wiretab report</h1><p>");
  gboolean any = FALSE;
  guint idx = 0;
  for (; cap && idx < wt_section_n_items(cap); idx++) {
    wt_section_nth_item(cap, idx, &it);
    if (it.kind == WT_ITEM_LIST &&
        (strcmp(it.key, "files") == 0 || strcmp(it.key, "interfaces") == 0)) {
      append_scalar(out, cap, idx, &it);
      any = TRUE;
      break;
    }
  }
  if (find_item(cap, "packets", &it)) {
    g_string_append(out, any ? " &middot; " : "");
    wt_report_append_thousands(out, it.u);
    g_string_append(out, " packets");
    any = TRUE;
  }
  if (find_item(cap, "first_ts", &it) && it.i) {
    g_string_append(out, any ? " &middot; " : "");
    wt_report_append_ts_utc(out, it.i);
    WtItemView d;
    if (find_item(cap, "duration", &d)) {
      g_string_append(out, ", ");
      append_double(out, d.d);
      g_string_append(out, " s");
    }
  }
  g_string_append(out, "</p></header>\n");
}

void wt_report_write_html(WtReport *r, FILE *out)
{
  GString *b = g_string_new(NULL);
  /* TRANSLATORS: the page's language tag (BCP 47): "zh-CN" for Simplified Chinese */
  g_string_append_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
                         "<meta charset=\"utf-8\">\n"
                         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                         "<meta name=\"generator\" content=\"wiretab " WT_VERSION "\">\n"
                         "<title>%s</title>\n<style>\n", _("en"), _("wiretab report"));
  append_lines(b, page_css);
  g_string_append(b, "</style>\n</head>\n<body>\n");
  render_header(b, r);
  g_string_append(b, "<nav>");
  g_autoptr(GPtrArray) order = wt_report_display_order(r);
  for (guint i = 0; i < order->len; i++) {
    const WtSection *s = g_ptr_array_index(order, i);
    g_string_append(b, "<a href=\"#sec-");
    append_escaped(b, wt_section_get_key(s));
    g_string_append(b, "\">");
    append_escaped(b, wt_section_get_label(s));
    g_string_append(b, "</a>");
  }
  g_string_append(b, "</nav>\n<main>\n");
  for (guint i = 0; i < order->len; i++) {
    const WtSection *s = g_ptr_array_index(order, i);
    g_string_append(b, "<section id=\"sec-");
    append_escaped(b, wt_section_get_key(s));
    g_string_append(b, "\" data-key=\"");
    append_escaped(b, wt_section_get_key(s));
    g_string_append(b, "\"><h2>");
    append_escaped(b, wt_section_get_label(s));
    g_string_append(b, "</h2>\n");
    render_charts(b, s);
    render_items(b, s, 0);
    g_string_append(b, "</section>\n");
  }
  g_string_append(b, "</main>\n<footer>wiretab " WT_VERSION
                     " &middot; the numbers behind the charts are the JSON report in this page "
                     "(#wiretab-data)</footer>\n"
                     "<script type=\"application/json\" id=\"wiretab-data\">");
  append_json_report(b, r);
  g_string_append(b, "</script>\n<script>\n");
  append_lines(b, page_js);
  g_string_append(b, "</script>\n</body>\n</html>\n");
  fwrite(b->str, 1, b->len, out);
  g_string_free(b, TRUE);
}
