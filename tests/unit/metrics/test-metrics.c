/* The live metrics (--metrics): the model (analyzer/core/metrics.h), its text in
 * Prometheus's exposition format 0.0.4, checked line by line by a strict parser written
 * from the format's specification and, when installed, by promtool (Debian's prometheus
 * package), and the libsoup server answering real HTTP requests. */
#include <gio/gio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "analyzer/core/metrics.h"
#include "analyzer/output/metrics-server.h"

/* ---- a strict parser of the text format ------------------------------------------------ */

typedef struct {
  GHashTable *types;   /* family -> "counter" ... */
  GHashTable *values;  /* "name{labels}" as written -> double (boxed) */
  guint samples;
} Parsed;

static void parsed_clear(Parsed *p)
{
  g_hash_table_destroy(p->types);
  g_hash_table_destroy(p->values);
}

/* The family a sample name belongs to: itself, or a histogram's without its suffix. */
static const char *family_of(Parsed *p, const char *name, char *buf, gsize size)
{
  if (g_hash_table_contains(p->types, name))
    return name;
  static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
  for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
    if (g_str_has_suffix(name, suffixes[i])) {
      g_strlcpy(buf, name, MIN(size, strlen(name) - strlen(suffixes[i]) + 1));
      const char *t = g_hash_table_lookup(p->types, buf);
      if (t && strcmp(t, "histogram") == 0)
        return buf;
    }
  }
  return NULL;
}

/* Fails the test on the first line the format does not allow. */
static void parse_exposition(const char *text, Parsed *p)
{
  p->types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  p->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  p->samples = 0;
  g_autoptr(GRegex) help = g_regex_new("^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) ((?:[^\\\\\\n]|\\\\[\\\\n])*)$", 0, 0, NULL);
  g_autoptr(GRegex) type = g_regex_new("^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$", 0, 0, NULL);
  g_autoptr(GRegex) sample = g_regex_new(
    "^([a-zA-Z_:][a-zA-Z0-9_:]*)"
    "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\""
    "(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\")*\\})?"
    " ([-+]?(?:[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\\+Inf|-Inf|NaN))$", 0, 0, NULL);
  g_assert_true(g_str_has_suffix(text, "\n"));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  const char *current = NULL; /* the family whose samples may follow */
  char cur_buf[256] = "";
  for (guint i = 0; lines[i] && lines[i + 1]; i++) {
    const char *l = lines[i];
    g_autoptr(GMatchInfo) mi = NULL;
    if (g_regex_match(help, l, 0, &mi)) {
      g_autofree char *name = g_match_info_fetch(mi, 1);
      g_assert_false(g_hash_table_contains(p->types, name)); /* HELP before TYPE, once */
      g_strlcpy(cur_buf, name, sizeof cur_buf);
      current = cur_buf;
      continue;
    }
    g_clear_pointer(&mi, g_match_info_unref);
    if (g_regex_match(type, l, 0, &mi)) {
      g_autofree char *name = g_match_info_fetch(mi, 1);
      g_assert_cmpstr(name, ==, current);
      g_assert_false(g_hash_table_contains(p->types, name));
      g_hash_table_insert(p->types, g_strdup(name), g_match_info_fetch(mi, 2));
      if (strcmp(g_hash_table_lookup(p->types, name), "counter") == 0)
        g_assert_true(g_str_has_suffix(name, "_total"));
      continue;
    }
    g_clear_pointer(&mi, g_match_info_unref);
    if (!g_regex_match(sample, l, 0, &mi))
      g_error("line %u is not in the exposition format: '%s'", i + 1, l);
    g_autofree char *name = g_match_info_fetch(mi, 1);
    g_autofree char *labels = g_match_info_fetch(mi, 2);
    g_autofree char *value = g_match_info_fetch(mi, 3);
    char buf[256];
    const char *fam = family_of(p, name, buf, sizeof buf);
    g_assert_nonnull(fam);
    g_assert_cmpstr(fam, ==, current); /* a family's samples together, after its TYPE */
    g_autofree char *key = g_strconcat(name, labels, NULL);
    g_assert_false(g_hash_table_contains(p->values, key)); /* no sample twice */
    double *v = g_new(double, 1);
    *v = g_ascii_strtod(value, NULL);
    g_hash_table_insert(p->values, g_steal_pointer(&key), v);
    p->samples++;
  }
}

static double value_of(Parsed *p, const char *key)
{
  const double *v = g_hash_table_lookup(p->values, key);
  if (!v)
    g_error("no sample %s", key);
  return *v;
}

/* promtool's own parser and lint (Debian's prometheus package), when installed. */
static void promtool_check(const char *text)
{
  g_autofree char *promtool = g_find_program_in_path("promtool");
  if (!promtool) {
    g_test_message("promtool not installed: only the test's own parser ran");
    return;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) sp = g_subprocess_new(
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_MERGE, &error, promtool, "check", "metrics", NULL);
  g_assert_no_error(error);
  g_autofree char *out = NULL;
  g_assert_true(g_subprocess_communicate_utf8(sp, text, NULL, &out, NULL, &error));
  g_assert_no_error(error);
  if (!g_subprocess_get_successful(sp))
    g_error("promtool check metrics failed:\n%s\non:\n%s", out, text);
}

/* ---- the model and its text --------------------------------------------------------- */

static WtMetrics *sample_metrics(double scale)
{
  WtMetrics *m = wt_metrics_new();
  wt_metrics_declare(m, "t_requests_total", WT_METRIC_COUNTER, "Requests by method");
  wt_metrics_declare(m, "t_active", WT_METRIC_GAUGE, "A help text with \\ and\nnewline");
  wt_metrics_declare(m, "t_empty_total", WT_METRIC_COUNTER, "Nothing counted yet");
  wt_metrics_add(m, "t_requests_total", 3 * scale, "method", "GET", NULL);
  wt_metrics_add(m, "t_requests_total", 1 * scale, "method", "we\"ird\\na\nme", NULL);
  wt_metrics_add(m, "t_requests_total", 2 * scale, "method", "\xe4\xb8\xad", "code", "200",
                 NULL);
  wt_metrics_add(m, "t_active", 0.25 * scale, NULL);
  return m;
}

/* A label value that is not UTF-8 (a byte from the wire) must not spoil the scrape. */
static void test_not_utf8(void)
{
  g_autoptr(WtMetrics) m = wt_metrics_new();
  wt_metrics_declare(m, "t_total", WT_METRIC_COUNTER, "Bytes from the wire");
  wt_metrics_add(m, "t_total", 1, "method", "G\xffT", NULL);
  g_autofree char *text = wt_metrics_exposition(m, NULL);
  g_assert_true(g_utf8_validate(text, -1, NULL));
  g_assert_cmpstr(text, ==, "# HELP t_total Bytes from the wire\n# TYPE t_total counter\n"
                            "t_total{method=\"G\xef\xbf\xbdT\"} 1\n");
  promtool_check(text);
}

static void test_exposition(void)
{
  g_autoptr(WtMetrics) m = sample_metrics(1);
  g_autofree char *text = wt_metrics_exposition(m, "sensor=\"s\\\"1\",interface=\"lo\"");
  /* the format's rules, by hand: HELP escapes \ and newline, label values also " */
  g_assert_cmpstr(text, ==,
    "# HELP t_requests_total Requests by method\n"
    "# TYPE t_requests_total counter\n"
    "t_requests_total{sensor=\"s\\\"1\",interface=\"lo\",method=\"GET\"} 3\n"
    "t_requests_total{sensor=\"s\\\"1\",interface=\"lo\",method=\"we\\\"ird\\\\na\\nme\"} 1\n"
    "t_requests_total{sensor=\"s\\\"1\",interface=\"lo\",method=\"\xe4\xb8\xad\",code=\"200\"} 2\n"
    "# HELP t_active A help text with \\\\ and\\nnewline\n"
    "# TYPE t_active gauge\n"
    "t_active{sensor=\"s\\\"1\",interface=\"lo\"} 0.25\n"
    "# HELP t_empty_total Nothing counted yet\n"
    "# TYPE t_empty_total counter\n");
  Parsed p;
  parse_exposition(text, &p);
  g_assert_cmpuint(p.samples, ==, 4);
  g_assert_cmpfloat(value_of(&p, "t_active{sensor=\"s\\\"1\",interface=\"lo\"}"), ==, 0.25);
  parsed_clear(&p);
  promtool_check(text);
  g_autofree char *bare = wt_metrics_exposition(m, NULL);
  g_assert_nonnull(strstr(bare, "\nt_active 0.25\n"));
  parse_exposition(bare, &p);
  parsed_clear(&p);
}

/* --threads: each worker's samples add up; samples only one side has are kept. */
static void test_merge(void)
{
  g_autoptr(WtMetrics) a = sample_metrics(1);
  g_autoptr(WtMetrics) b = sample_metrics(10);
  wt_metrics_add(b, "t_empty_total", 7, "name", "x", NULL);
  g_autoptr(WtMetrics) sum = wt_metrics_new();
  wt_metrics_merge(sum, a);
  wt_metrics_merge(sum, b);
  g_assert_cmpfloat(wt_metrics_get(sum, "t_requests_total", "", "method=\"GET\""), ==, 33);
  g_assert_cmpfloat(wt_metrics_get(sum, "t_active", "", ""), ==, 2.75);
  g_assert_cmpfloat(wt_metrics_get(sum, "t_empty_total", "", "name=\"x\""), ==, 7);
  g_assert_cmpuint(wt_metrics_n_families(sum), ==, 3);
}

/* Buckets are cumulative, end in +Inf = _count, _sum in seconds. The samples sit well
 * inside the histogram's buckets, so each falls on its side of every bound. */
static void test_histogram(void)
{
  static const guint64 samples_us[] = { 10, 10, 10, 200, 3000, 3000, 2000000 };
  WtHistogram *h = g_new0(WtHistogram, 1);
  guint64 sum = 0;
  for (guint i = 0; i < G_N_ELEMENTS(samples_us); i++) {
    wt_histogram_add(h, samples_us[i]);
    sum += samples_us[i];
  }
  static const double bounds[] = { 0.0001, 0.001, 0.01, 1, 5 };
  static const guint expect[] = { 3, 4, 6, 6, 7 };
  g_autoptr(WtMetrics) m = wt_metrics_new();
  wt_metrics_declare(m, "t_seconds", WT_METRIC_HISTOGRAM, "Latency");
  wt_metrics_add_histogram(m, "t_seconds", h, bounds, G_N_ELEMENTS(bounds));
  g_autofree char *text = wt_metrics_exposition(m, "sensor=\"a\"");
  Parsed p;
  parse_exposition(text, &p);
  char key[128];
  for (guint i = 0; i < G_N_ELEMENTS(bounds); i++) {
    char num[G_ASCII_DTOSTR_BUF_SIZE];
    g_snprintf(key, sizeof key, "t_seconds_bucket{sensor=\"a\",le=\"%s\"}",
               g_ascii_formatd(num, sizeof num, "%g", bounds[i]));
    g_assert_cmpfloat(value_of(&p, key), ==, expect[i]);
  }
  g_assert_cmpfloat(value_of(&p, "t_seconds_bucket{sensor=\"a\",le=\"+Inf\"}"), ==,
                    G_N_ELEMENTS(samples_us));
  g_assert_cmpfloat(value_of(&p, "t_seconds_count{sensor=\"a\"}"), ==, G_N_ELEMENTS(samples_us));
  g_assert_cmpfloat_with_epsilon(value_of(&p, "t_seconds_sum{sensor=\"a\"}"), sum / 1e6, 1e-12);
  parsed_clear(&p);
  promtool_check(text);
  g_free(h);
}

static void test_parse_address(void)
{
  static const struct { const char *spec, *host; guint port; } good[] = {
    { "127.0.0.1:9100", "127.0.0.1", 9100 }, { "[::1]:80", "::1", 80 },
    { ":9100", "0.0.0.0", 9100 }, { "localhost:1", "127.0.0.1", 1 },
    { "0.0.0.0:65535", "0.0.0.0", 65535 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
    g_autofree char *host = NULL;
    guint16 port = 0;
    g_autoptr(GError) error = NULL;
    g_assert_true(wt_metrics_parse_address(good[i].spec, &host, &port, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(host, ==, good[i].host);
    g_assert_cmpuint(port, ==, good[i].port);
  }
  static const char *const bad[] = { "9100", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
                                     "127.0.0.1:65536", "127.0.0.1:-1", "::1:9100",
                                     "example.org:80", "1.2.3:80", "127.0.0.1:9x" };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *host = NULL;
    guint16 port = 0;
    g_autoptr(GError) error = NULL;
    g_assert_false(wt_metrics_parse_address(bad[i], &host, &port, &error));
    g_assert_nonnull(strstr(error->message, bad[i])); /* the message names it */
  }
}

/* ---- the server ----------------------------------------------------------------------- */

/* A port nothing listens on now (the kernel's choice). */
static guint16 free_port(void)
{
  g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  g_assert_true(g_socket_bind(s, any, FALSE, NULL));
  g_autoptr(GSocketAddress) got = g_socket_get_local_address(s, NULL);
  return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(got));
}

static GBytes *get(SoupSession *session, const char *method, const char *url, guint *status,
                   char **content_type, char **connection)
{
  g_autoptr(SoupMessage) msg = soup_message_new(method, url);
  g_autoptr(GError) error = NULL;
  GBytes *body = soup_session_send_and_read(session, msg, NULL, &error);
  g_assert_no_error(error);
  *status = soup_message_get_status(msg);
  if (content_type)
    *content_type = g_strdup(soup_message_headers_get_one(
      soup_message_get_response_headers(msg), "Content-Type"));
  if (connection)
    *connection = g_strdup(soup_message_headers_get_one(
      soup_message_get_response_headers(msg), "Connection"));
  return body;
}

static void test_server(void)
{
  guint16 port = free_port();
  g_autofree char *spec = g_strdup_printf("127.0.0.1:%u", port);
  const char *labels[] = { "sensor", "unit", "interface", "lo", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(WtMetricsServer) s = wt_metrics_server_new(spec, labels, &error);
  g_assert_no_error(error);
  g_autoptr(SoupSession) session = soup_session_new();
  g_autofree char *url = g_strdup_printf("http://%s/metrics", spec);
  guint status;
  g_autoptr(GBytes) before = get(session, "GET", url, &status, NULL, NULL);
  g_assert_cmpuint(status, ==, 503); /* nothing published yet */

  g_autoptr(WtMetrics) m = sample_metrics(1);
  wt_metrics_server_publish(s, m);
  g_autofree char *ctype = NULL, *conn = NULL;
  g_autoptr(GBytes) body = get(session, "GET", url, &status, &ctype, &conn);
  g_assert_cmpuint(status, ==, 200);
  g_assert_cmpstr(ctype, ==, "text/plain; version=0.0.4; charset=utf-8");
  g_assert_cmpstr(conn, ==, "close"); /* one scrape per connection (libsoup 3.2's leak) */
  g_autofree char *expect = wt_metrics_exposition(m, "sensor=\"unit\",interface=\"lo\"");
  gsize len;
  const char *data = g_bytes_get_data(body, &len);
  g_assert_cmpmem(data, len, expect, strlen(expect));

  g_autofree char *other = g_strdup_printf("http://%s/", spec);
  g_autoptr(GBytes) nf = get(session, "GET", other, &status, NULL, NULL);
  g_assert_cmpuint(status, ==, 404);
  g_autoptr(GBytes) post = get(session, "POST", url, &status, NULL, NULL);
  g_assert_cmpuint(status, ==, 405);
  g_assert_cmpuint(wt_metrics_server_scrapes(s), ==, 2);

  /* a second server on the same address: an error naming it */
  g_autoptr(GError) busy = NULL;
  g_assert_null(wt_metrics_server_new(spec, labels, &busy));
  g_assert_error(busy, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull(strstr(busy->message, spec));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/metrics/exposition", test_exposition);
  g_test_add_func("/metrics/not-utf8", test_not_utf8);
  g_test_add_func("/metrics/merge", test_merge);
  g_test_add_func("/metrics/histogram", test_histogram);
  g_test_add_func("/metrics/parse-address", test_parse_address);
  g_test_add_func("/metrics/server", test_server);
  return g_test_run();
}
