#include "analyzer/output/metrics-server.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* ---- address ------------------------------------------------------------------------ */

static gboolean bad_address(const char *spec, GError **error)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
              _("--metrics %s: give ADDR:PORT with a numeric address and a port from 1 to "
                "65535, e.g. 127.0.0.1:9100, [::1]:9100 or :9100 (every address)"),
              spec);
  return FALSE;
}

gboolean wt_metrics_parse_address(const char *spec, char **host, guint16 *port,
                                  GError **error)
{
  const char *colon = strrchr(spec, ':');
  if (!colon || !colon[1])
    return bad_address(spec, error);
  char *end;
  unsigned long p = strtoul(colon + 1, &end, 10);
  if (*end || p < 1 || p > 65535 || !g_ascii_isdigit(colon[1]))
    return bad_address(spec, error);
  g_autofree char *h = g_strndup(spec, (gsize) (colon - spec));
  gsize n = strlen(h);
  if (n >= 2 && h[0] == '[' && h[n - 1] == ']') { /* [v6]:port */
    memmove(h, h + 1, n - 2);
    h[n - 2] = '\0';
  } else if (strchr(h, ':')) {
    return bad_address(spec, error); /* an IPv6 address needs its brackets */
  }
  if (!*h) {
    g_free(h);
    h = g_strdup("0.0.0.0");
  } else if (g_ascii_strcasecmp(h, "localhost") == 0) {
    g_free(h);
    h = g_strdup("127.0.0.1");
  }
  if (!g_hostname_is_ip_address(h))
    return bad_address(spec, error);
  *host = g_steal_pointer(&h);
  *port = (guint16) p;
  return TRUE;
}

/* ---- the text format ------------------------------------------------------------------ */

static void append_help(GString *out, const char *help)
{
  for (const char *p = help; *p; p++) {
    if (*p == '\\')
      g_string_append(out, "\\\\");
    else if (*p == '\n')
      g_string_append(out, "\\n");
    else
      g_string_append_c(out, *p);
  }
}

/* Counts as integers (exact up to 2^53); anything else in the shortest form that reads
 * back the same, with a dot whatever the locale. */
static void append_value(GString *out, double v)
{
  if (v == (double) (gint64) v && v < 9007199254740992.0 && v > -9007199254740992.0) {
    g_string_append_printf(out, "%" G_GINT64_FORMAT, (gint64) v);
    return;
  }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd(buf, sizeof buf, "%.15g", v);
  if (g_ascii_strtod(buf, NULL) != v)
    g_ascii_formatd(buf, sizeof buf, "%.17g", v);
  g_string_append(out, buf);
}

static const char *type_name(WtMetricType t)
{
  switch (t) {
  case WT_METRIC_GAUGE:
    return "gauge";
  case WT_METRIC_HISTOGRAM:
    return "histogram";
  default:
    return "counter";
  }
}

char *wt_metrics_exposition(const WtMetrics *m, const char *const_labels)
{
  GString *out = g_string_new(NULL);
  const char *cl = const_labels ? const_labels : "";
  for (guint f = 0; f < wt_metrics_n_families(m); f++) {
    const char *name, *help;
    WtMetricType type;
    guint n;
    wt_metrics_family(m, f, &name, &type, &help, &n);
    g_string_append_printf(out, "# HELP %s ", name);
    append_help(out, help);
    g_string_append_printf(out, "\n# TYPE %s %s\n", name, type_name(type));
    for (guint i = 0; i < n; i++) {
      const WtMetricSample *s = wt_metrics_sample(m, f, i);
      g_string_append_printf(out, "%s%s", name, s->suffix);
      if (*cl || *s->labels)
        g_string_append_printf(out, "{%s%s%s}", cl, *cl && *s->labels ? "," : "", s->labels);
      g_string_append_c(out, ' ');
      append_value(out, s->value);
      g_string_append_c(out, '\n');
    }
  }
  return g_string_free(out, FALSE);
}

/* ---- the server --------------------------------------------------------------------- */

struct WtMetricsServer {
  char *spec, *host;
  guint16 port;
  char *const_labels;
  GMainContext *ctx;
  GMainLoop *loop;
  GThread *thread;
  SoupServer *server; /* the server thread's */
  /* set up on the server thread; the caller waits for it */
  GMutex lock;
  GCond started_cond;
  gboolean started;
  GError *start_error;
  /* under lock: the last snapshot, and the scrape count */
  GBytes *text;
  guint64 scrapes;
};

static void on_request(SoupServer *server, SoupServerMessage *msg, const char *path,
                       GHashTable *query, gpointer user_data)
{
  (void) server;
  (void) query;
  WtMetricsServer *s = user_data;
  const char *method = soup_server_message_get_method(msg);
  if (strcmp(path, "/metrics") != 0) {
    soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
    soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_STATIC,
                                     "wiretab serves /metrics\n", 24);
    return;
  }
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
    soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
                                 "GET, HEAD");
    return;
  }
  g_mutex_lock(&s->lock);
  GBytes *text = s->text ? g_bytes_ref(s->text) : NULL;
  s->scrapes++;
  g_mutex_unlock(&s->lock);
  if (!text) {
    soup_server_message_set_status(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
    return;
  }
  soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
  SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_content_type(h, CONTENT_TYPE, NULL);
  /* One scrape per connection, closed by the server: libsoup 3.2 (Debian 12) leaks a
   * keep-alive connection the client closes while idle; a scraper reconnecting every
   * few seconds costs nothing next to a sensor that leaks for months. */
  soup_message_headers_replace(h, "Connection", "close");
  soup_message_body_append_bytes(soup_server_message_get_response_body(msg), text);
  g_bytes_unref(text);
}

static gboolean listen_now(WtMetricsServer *s, GError **error)
{
  s->server = soup_server_new("server-header", "wiretab", NULL);
  soup_server_add_handler(s->server, NULL, on_request, s, NULL);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new_from_string(s->host, s->port);
  g_autoptr(GError) err = NULL;
  if (addr && soup_server_listen(s->server, addr, 0, &err))
    return TRUE;
  if (err && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                _("--metrics %s: the address is in use (another program listens on that "
                  "port): choose another port"), s->spec);
  else
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, _("--metrics %s: cannot listen: %s"),
                s->spec, err ? err->message : _("not a usable address"));
  return FALSE;
}

static gpointer server_main(gpointer data)
{
  WtMetricsServer *s = data;
  g_main_context_push_thread_default(s->ctx);
  GError *err = NULL;
  gboolean ok = listen_now(s, &err);
  g_mutex_lock(&s->lock);
  s->started = TRUE;
  s->start_error = err;
  g_cond_signal(&s->started_cond);
  g_mutex_unlock(&s->lock);
  if (ok)
    g_main_loop_run(s->loop);
  soup_server_disconnect(s->server);
  g_clear_object(&s->server);
  /* the connections' last callbacks run before the context goes */
  while (g_main_context_iteration(s->ctx, FALSE))
    ;
  g_main_context_pop_thread_default(s->ctx);
  return NULL;
}

static char *escape_const_labels(const char *const *labels)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; labels && labels[i] && labels[i + 1]; i += 2) {
    if (out->len)
      g_string_append_c(out, ',');
    g_string_append_printf(out, "%s=\"", labels[i]);
    wt_metrics_escape_label(out, labels[i + 1]);
    g_string_append_c(out, '"');
  }
  return g_string_free(out, FALSE);
}

static void server_destroy(WtMetricsServer *s)
{
  g_main_loop_unref(s->loop);
  g_main_context_unref(s->ctx);
  g_mutex_clear(&s->lock);
  g_cond_clear(&s->started_cond);
  if (s->text)
    g_bytes_unref(s->text);
  g_free(s->const_labels);
  g_free(s->spec);
  g_free(s->host);
  g_free(s);
}

WtMetricsServer *wt_metrics_server_new(const char *spec, const char *const *labels,
                                       GError **error)
{
  WtMetricsServer *s = g_new0(WtMetricsServer, 1);
  if (!wt_metrics_parse_address(spec, &s->host, &s->port, error)) {
    g_free(s);
    return NULL;
  }
  s->spec = g_strdup(spec);
  s->const_labels = escape_const_labels(labels);
  s->ctx = g_main_context_new();
  s->loop = g_main_loop_new(s->ctx, FALSE);
  g_mutex_init(&s->lock);
  g_cond_init(&s->started_cond);
  /* Ctrl-C and friends are the capture loop's: the server thread is born without them */
  sigset_t stop, old;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop, &old);
  s->thread = g_thread_new("wiretab-metrics", server_main, s);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  g_mutex_lock(&s->lock);
  while (!s->started)
    g_cond_wait(&s->started_cond, &s->lock);
  g_mutex_unlock(&s->lock);
  if (s->start_error) {
    g_thread_join(s->thread);
    g_propagate_error(error, s->start_error);
    server_destroy(s);
    return NULL;
  }
  return s;
}

void wt_metrics_server_publish(WtMetricsServer *s, const WtMetrics *m)
{
  char *text = wt_metrics_exposition(m, s->const_labels);
  GBytes *b = g_bytes_new_take(text, strlen(text));
  g_mutex_lock(&s->lock);
  GBytes *old = s->text;
  s->text = b;
  g_mutex_unlock(&s->lock);
  if (old)
    g_bytes_unref(old);
}

guint64 wt_metrics_server_scrapes(WtMetricsServer *s)
{
  g_mutex_lock(&s->lock);
  guint64 n = s->scrapes;
  g_mutex_unlock(&s->lock);
  return n;
}

static gboolean quit_loop(gpointer data)
{
  g_main_loop_quit(((WtMetricsServer *) data)->loop);
  return G_SOURCE_REMOVE;
}

void wt_metrics_server_free(WtMetricsServer *s)
{
  if (!s)
    return;
  /* a source, not g_main_loop_quit: a quit before the loop runs would be lost */
  g_main_context_invoke(s->ctx, quit_loop, s);
  g_thread_join(s->thread);
  server_destroy(s);
}
