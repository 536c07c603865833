/* The HTML writer without a browser: escaping, the generic rendering of every kind of
 * item, the embedded JSON block, and which chart figures are placed. (The browser test in
 * tests/html checks that the charts are drawn.) */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/report/report-html.h"

static char *render(WtReport *r)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  wt_report_write_html(r, f);
  fclose(f);
  char *out = g_strndup(buf, len);
  free(buf);
  return out;
}

static guint count(const char *hay, const char *needle)
{
  guint n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
    n++;
  return n;
}

static void test_escape(void)
{
  g_autofree char *a = wt_html_escape("<a href=\"x\">&'</a>");
  g_assert_cmpstr(a, ==, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  g_autofree char *b = wt_html_escape("ok \xff end"); /* invalid UTF-8 */
  g_assert_cmpstr(b, ==, "ok \xef\xbf\xbd end");
  g_autofree char *c = wt_html_escape("a\x01" "b\tc\n");  /* control char; tab, LF kept */
  g_assert_cmpstr(c, ==, "a\xef\xbf\xbd" "b\tc\n");
  g_autofree char *d = wt_html_escape("\xe4\xb8\xad\xe6\x96\x87"); /* valid UTF-8 kept */
  g_assert_cmpstr(d, ==, "\xe4\xb8\xad\xe6\x96\x87");
}

static const char evil[] = "</script><img src=x onerror=alert(1)>";

/* A section the writer has never heard of, with one item of every kind: all of it is on
 * the page, every string escaped. */
static void test_generic(void)
{
  g_autoptr(WtReport) r = wt_report_new();
  WtSection *s = wt_report_section(r, "zzz", "Brand new <section>");
  wt_section_u64(s, "big", "A big number", 1234567);
  wt_section_i64(s, "neg", "Negative", -9876);
  wt_section_double(s, "ratio", "Ratio", 0.12345);
  wt_section_str(s, "host", "Host", evil);
  wt_section_bool(s, "flag", "Flag", TRUE);
  wt_section_ts(s, "when", "When", G_GINT64_CONSTANT(1000000000) * 1000); /* 1970-01-01 00:16:40 */
  wt_section_list_str(s, "files", "Files", "a.pcap");
  wt_section_list_str(s, "files", "Files", "b&c.pcap");
  wt_section_map_u64(s, "codes", "Codes", "200", 3);
  wt_section_map_u64(s, "codes", "Codes", "404", 1);
  WtSection *o = wt_section_object(s, "inner", "Inner object");
  wt_section_u64(o, "deep", "Deep value", 42);
  WtTable *t = wt_section_table(s, "things", "Things");
  wt_table_column(t, "name", "Name", WT_COL_STR);
  wt_table_column(t, "n", "Count", WT_COL_U64);
  wt_table_column(t, "p", "Share", WT_COL_PERCENT);
  wt_table_row(t);
  wt_table_str(t, evil);
  wt_table_u64(t, 5000);
  wt_table_percent(t, 62.5);
  wt_table_row(t);
  wt_table_str(t, "second");
  wt_table_u64(t, 3);
  wt_table_percent(t, 37.5);
  g_autofree char *page = render(r);

  g_assert_nonnull(strstr(page, "<section id=\"sec-zzz\""));
  g_assert_nonnull(strstr(page, "<h2>Brand new &lt;section&gt;</h2>"));
  g_assert_nonnull(strstr(page, "<a href=\"#sec-zzz\">Brand new &lt;section&gt;</a>"));
  g_assert_nonnull(strstr(page, ">1,234,567<"));
  g_assert_nonnull(strstr(page, ">-9,876<"));
  g_assert_nonnull(strstr(page, ">0.1235<"));
  g_assert_nonnull(strstr(page, ">yes<"));
  g_assert_nonnull(strstr(page, ">1970-01-01 00:16:40.000000 UTC<"));
  g_assert_nonnull(strstr(page, ">a.pcap, b&amp;c.pcap<"));
  g_assert_nonnull(strstr(page, "<h3>Inner object</h3>"));
  g_assert_nonnull(strstr(page, ">42<"));
  /* the map: 3 of 4 is 75 % */
  g_assert_nonnull(strstr(page, "data-key=\"codes\""));
  g_assert_nonnull(strstr(page, ">75.0%<"));
  /* the table, both rows, its values formatted */
  g_assert_nonnull(strstr(page, "<table class=\"data\" data-key=\"things\"><caption>Things</caption>"));
  g_assert_nonnull(strstr(page, ">5,000<"));
  g_assert_nonnull(strstr(page, "style=\"--p:62.5%\">62.5%<"));
  g_assert_nonnull(strstr(page, ">second<"));
  /* the hostile string: escaped where shown (scalar and cell), never raw */
  g_assert_cmpuint(count(page, "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"), ==, 2);
  g_assert_null(strstr(page, "<img"));
  /* exactly the page's two scripts: the JSON block and the drawing code */
  g_assert_cmpuint(count(page, "<script"), ==, 2);
  g_assert_cmpuint(count(page, "</script>"), ==, 2);
}

/* The JSON block holds the --format json report with <, >, & as \u escapes. */
static void test_json_block(void)
{
  g_autoptr(WtReport) r = wt_report_new();
  WtSection *s = wt_report_section(r, "x", "X");
  wt_section_str(s, "uri", "URI", "/a</script><!--&b");
  g_autofree char *page = render(r);
  const char *open = "<script type=\"application/json\" id=\"wiretab-data\">";
  const char *start = strstr(page, open);
  g_assert_nonnull(start);
  start += strlen(open);
  const char *end = strstr(start, "</script>");
  g_assert_nonnull(end);
  g_autofree char *json = g_strndup(start, (gsize) (end - start));
  g_assert_null(strchr(json, '<'));
  g_assert_null(strchr(json, '>'));
  g_assert_null(strchr(json, '&'));
  g_assert_cmpstr(json, ==,
                  "{\"x\":{\"uri\":\"/a\\u003c/script\\u003e\\u003c!--\\u0026b\"}}\n");
}

static gboolean has_chart(const char *page, const char *title)
{
  g_autofree char *needle = g_strdup_printf("<figcaption>%s</figcaption>", title);
  return strstr(page, needle) != NULL;
}

/* A figure for every chart hint in the model whose item the section has, numbered by the
 * hint and drawn in the order of the numbers whatever order they were added in. */
static void test_chart_placement(void)
{
  static const WtChartHint hints[] = {
    { .id = 7, .item = "conn_states", .kind = "bars", .title = "States",
      .labels = WT_CHART_LABELS_TABLE, .label_table = "conn_state_table",
      .label_key = "conn_state", .label_col = "meaning" },
    { .id = 3, .item = "missing", .kind = "bars", .title = "Not drawn" },
    { .id = 2, .item = "conn_states", .kind = "bars", .title = "First", .wide = TRUE },
  };
  g_autoptr(WtReport) r = wt_report_new();
  WtSection *h = wt_report_section(r, "http", "HTTP");
  wt_section_map_u64(h, "status_codes", "Status codes", NULL, 0);
  WtSection *tcp = wt_report_section(r, "tcp", "TCP");
  wt_section_charts(tcp, hints, G_N_ELEMENTS(hints));
  g_assert_cmpuint(wt_section_n_charts(tcp), ==, 3);
  g_assert_cmpuint(wt_section_nth_chart(tcp, 0)->id, ==, 2);
  wt_section_map_u64(tcp, "conn_states", "By conn_state", "SF", 2);
  WtTable *t = wt_section_table(tcp, "conn_state_table", "Connection states");
  wt_table_column(t, "conn_state", "State", WT_COL_STR);
  wt_table_column(t, "meaning", "Meaning", WT_COL_STR);
  wt_table_row(t);
  wt_table_str(t, "SF");
  wt_table_str(t, "normal <open> and close");
  g_autofree char *page = render(r);
  g_assert_cmpuint(count(page, "<figure class=\"chart"), ==, 2);
  g_assert_false(has_chart(page, "Not drawn"));
  const char *first = strstr(page, "<figure class=\"chart wide\" data-chart=\"2\"");
  const char *second = strstr(page, "<figure class=\"chart\" data-chart=\"7\"");
  g_assert_nonnull(first);
  g_assert_nonnull(second);
  g_assert_true(first < second);
  g_assert_true(has_chart(page, "States"));
  /* the label from the table travels in the spec, escaped for the attribute */
  g_assert_nonnull(strstr(page, "&quot;labels&quot;:{&quot;SF&quot;:&quot;SF normal "
                                "&lt;open&gt; and close&quot;}"));
  g_assert_nonnull(strstr(page, "&quot;path&quot;:[&quot;tcp&quot;,&quot;conn_states&quot;]"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/report-html/escape", test_escape);
  g_test_add_func("/report-html/generic", test_generic);
  g_test_add_func("/report-html/json-block", test_json_block);
  g_test_add_func("/report-html/chart-placement", test_chart_placement);
  return g_test_run();
}
