/* The text report's layout rules, on models built here: what counts as an empty section,
 * the one line it becomes, a lead section's place, and --sections (order, unknown names,
 * declared sections). */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/report/report-format.h"
#include "analyzer/report/report.h"

static char *text_of(WtReport *r)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  wt_report_write_text(r, f, FALSE);
  fclose(f);
  return buf;
}

/* capture (always something), a busy tcp, an empty dns, a lead http */
static WtReport *sample(gboolean http_busy)
{
  WtReport *r = wt_report_new();
  WtSection *cap = wt_report_section(r, "capture", "Capture summary");
  wt_section_list_str(cap, "files", "Files", "x.pcap");
  WtSection *tcp = wt_report_section(r, "tcp", "TCP connections");
  wt_section_u64(tcp, "connections", "Connections", 3);
  WtSection *idle = wt_section_object(tcp, "anomalies", "Segment anomalies");
  wt_section_u64(idle, "retransmissions", "Retransmitted segments", 0);
  WtSection *dns = wt_report_section(r, "dns", "DNS");
  wt_section_set_nothing(dns, "no messages");
  wt_section_u64(dns, "messages", "DNS messages", 0);
  wt_section_map_u64(dns, "qtypes", "Queries by type", NULL, 0);
  WtTable *t = wt_section_table(dns, "top_queries", "Top queried names");
  wt_table_column(t, "name", "Name", WT_COL_STR);
  WtSection *http = wt_report_section(r, "http", "HTTP");
  wt_section_set_lead(http);
  wt_section_u64(http, "requests", "Requests", http_busy ? 20 : 0);
  return r;
}

static void test_empty(void)
{
  g_autoptr(WtReport) r = sample(TRUE);
  g_assert_true(wt_section_is_empty(wt_report_find_section(r, "dns")));
  g_assert_false(wt_section_is_empty(wt_report_find_section(r, "tcp")));
  g_assert_false(wt_section_is_empty(wt_report_find_section(r, "capture")));
  g_autofree char *line = wt_section_nothing_line(wt_report_find_section(r, "dns"));
  g_assert_cmpstr(line, ==, "DNS: no messages");
  WtSection *udp = wt_report_section(r, "udp", "UDP");
  wt_section_str(udp, "note", "Note", "");
  g_assert_true(wt_section_is_empty(udp));
  g_autofree char *udp_line = wt_section_nothing_line(udp);
  g_assert_cmpstr(udp_line, ==, "UDP: none"); /* no phrase: the default */
}

static void test_text_layout(void)
{
  g_autoptr(WtReport) r = sample(TRUE);
  g_autofree char *text = text_of(r);
  g_assert_cmpstr(text, ==,
                  "== Capture summary ==\n"
                  "  Files  x.pcap\n"
                  "\n"
                  "== HTTP ==\n"
                  "  Requests  20\n"
                  "\n"
                  "== TCP connections ==\n"
                  "  Connections  3\n"
                  "  Segment anomalies: none\n"
                  "\n"
                  "DNS: no messages\n");
  /* a lead section with nothing keeps its place, as one line */
  g_autoptr(WtReport) quiet = sample(FALSE);
  g_autofree char *q = text_of(quiet);
  g_assert_nonnull(strstr(q, "DNS: no messages\nHTTP: none\n"));
  g_assert_null(strstr(q, "== HTTP =="));
}

static void test_keep_sections(void)
{
  g_autoptr(WtReport) r = sample(TRUE);
  g_autoptr(GError) error = NULL;
  g_assert_false(wt_report_keep_sections(r, "http,dnss", NULL, &error));
  g_assert_nonnull(strstr(error->message, "'dnss'"));
  g_assert_nonnull(strstr(error->message, "capture, tcp, dns, http"));
  g_assert_cmpuint(wt_report_n_sections(r), ==, 4); /* left as it was */
  g_clear_error(&error);
  g_assert_false(wt_report_keep_sections(r, " , ", NULL, &error));
  g_clear_error(&error);
  g_assert_true(wt_report_keep_sections(r, "dns, capture", NULL, &error));
  g_assert_cmpuint(wt_report_n_sections(r), ==, 2);
  g_assert_cmpstr(wt_section_get_key(wt_report_nth_section(r, 0)), ==, "dns");
  g_autofree char *text = text_of(r);
  g_assert_cmpstr(text, ==, "DNS: no messages\n\n== Capture summary ==\n  Files  x.pcap\n");
}

static void test_declared(void)
{
  g_autoptr(WtReport) r = sample(TRUE);
  wt_report_declare_section(r, "tunnels");
  wt_report_declare_section(r, "dns"); /* present anyway: listed once */
  g_auto(GStrv) keys = wt_report_section_keys(r);
  g_autofree char *all = g_strjoinv(",", keys);
  g_assert_cmpstr(all, ==, "capture,tcp,dns,http,tunnels");
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_report_keep_sections(r, "tunnels", NULL, &error));
  g_assert_cmpuint(wt_report_n_sections(r), ==, 0);
}

/* Numbers with thousands separators, against the same numbers printed by printf and
 * grouped here, over the edges of each group and the ends of the range. */
static void test_thousands(void)
{
  const guint64 values[] = { 0, 1, 9, 10, 99, 100, 999, 1000, 1001, 9999, 10000, 99999,
                             100000, 999999, 1000000, 1234567, 12345678, 123456789,
                             1000000000, G_MAXUINT32, (guint64) G_MAXUINT32 + 1,
                             G_MAXINT64, G_MAXUINT64 };
  for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
    g_autofree char *plain = g_strdup_printf("%" G_GUINT64_FORMAT, values[i]);
    GString *want = g_string_new(NULL);
    gsize n = strlen(plain);
    for (gsize k = 0; k < n; k++) {
      if (k > 0 && (n - k) % 3 == 0)
        g_string_append_c(want, ',');
      g_string_append_c(want, plain[k]);
    }
    GString *got = g_string_new("x");
    wt_report_append_thousands(got, values[i]);
    g_assert_cmpstr(got->str + 1, ==, want->str);
    g_string_free(got, TRUE);
    g_string_free(want, TRUE);
  }
  GString *neg = g_string_new(NULL);
  wt_report_append_i64(neg, G_MININT64);
  g_assert_cmpstr(neg->str, ==, "-9,223,372,036,854,775,808");
  g_string_truncate(neg, 0);
  wt_report_append_i64(neg, -1234);
  g_assert_cmpstr(neg->str, ==, "-1,234");
  g_string_free(neg, TRUE);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/report-layout/empty", test_empty);
  g_test_add_func("/report-layout/text", test_text_layout);
  g_test_add_func("/report-layout/keep-sections", test_keep_sections);
  g_test_add_func("/report-layout/declared", test_declared);
  g_test_add_func("/report-layout/thousands", test_thousands);
  return g_test_run();
}
