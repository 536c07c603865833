/* The HTTP/2 tap. See http2-stats.h. */
#include "dissectors/http2/http2-stats.h"

#include <glib/gi18n.h>
#include <string.h>

#define H2_MAX_NAMES 1000 /* distinct settings ("NAME=value") kept */
#define GRPC_MAX_ROWS 1000 /* distinct (service/method, status) kept; the rest is "(other)" */
#define GRPC_MAX_METHOD 200 /* bytes of service/method kept */

typedef struct {
  const char *name, *label;
  gsize off;
} Scalar;

#define SCALAR(f, label) { #f, label, G_STRUCT_OFFSET(WtHttp2Stats, f) }
static const Scalar scalars[] = {
  SCALAR(connections, N_("Connections")),
  SCALAR(upgrades, N_("Connections upgraded from HTTP/1.1 (Upgrade: h2c)")),
  SCALAR(frames, N_("Frames")),
  SCALAR(header_blocks, N_("Header blocks decoded")),
  SCALAR(hpack_desync, N_("Header blocks not decodable (HPACK state unknown)")),
  SCALAR(streams, N_("Streams")),
  SCALAR(streams_reset, N_("Streams reset before the response")),
  SCALAR(streams_refused, N_("Streams refused (above GOAWAY's last stream)")),
  SCALAR(streams_pushed, N_("Pushed streams (PUSH_PROMISE)")),
  SCALAR(streams_untracked, N_("Streams not tracked (concurrent stream cap)")),
  SCALAR(streams_undecoded, N_("Streams without decodable request headers")),
  SCALAR(interim, N_("Interim (1xx) responses")),
  SCALAR(trailers, N_("Trailer header blocks")),
  SCALAR(goaway, N_("GOAWAY frames")),
  SCALAR(gaps, N_("Capture gaps")),
  SCALAR(framing_lost, N_("Gaps over a frame header (framing lost)")),
  SCALAR(resyncs, N_("Frame boundaries found again after such a gap")),
  SCALAR(framing_given_up, N_("Directions given up (no frame boundary found again)")),
  SCALAR(grpc_calls, N_("gRPC calls")),
};

static guint64 *field(WtHttp2Stats *s, const Scalar *sc)
{
  return (guint64 *) ((guint8 *) s + sc->off);
}

gpointer wt_http2_stats_new(void)
{
  WtHttp2Stats *s = g_new0(WtHttp2Stats, 1);
  s->frame_types = wt_top_n_new(H2_MAX_NAMES);
  s->rst_errors = wt_top_n_new(H2_MAX_NAMES);
  s->goaway_errors = wt_top_n_new(H2_MAX_NAMES);
  s->settings = wt_top_n_new(H2_MAX_NAMES);
  s->grpc_status = wt_top_n_new(H2_MAX_NAMES);
  s->grpc_methods = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  return s;
}

void wt_http2_stats_free(gpointer p)
{
  WtHttp2Stats *s = p;
  if (!s)
    return;
  wt_top_n_free(s->frame_types);
  wt_top_n_free(s->rst_errors);
  wt_top_n_free(s->goaway_errors);
  wt_top_n_free(s->settings);
  wt_top_n_free(s->grpc_status);
  g_hash_table_destroy(s->grpc_methods);
  g_free(s);
}

void wt_http2_stats_link(gpointer p, gpointer http_stats)
{
  ((WtHttp2Stats *) p)->http = http_stats;
}

const char *wt_grpc_status_name(int code)
{
  static const char *const names[] = {
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
    "UNAUTHENTICATED",
  };
  return code >= 0 && code < (int) G_N_ELEMENTS(names) ? names[code] : NULL;
}

/* `row` is "service/method\tSTATUS"; past GRPC_MAX_ROWS distinct rows: "(other)". */
static void grpc_add_row(WtHttp2Stats *s, const char *row, guint64 n)
{
  guint64 *count = g_hash_table_lookup(s->grpc_methods, row);
  if (!count && g_hash_table_size(s->grpc_methods) >= GRPC_MAX_ROWS)
    row = "(other)\t(other)";
  if (!count && !(count = g_hash_table_lookup(s->grpc_methods, row))) {
    count = g_new0(guint64, 1);
    g_hash_table_insert(s->grpc_methods, g_strdup(row), count);
  }
  *count += n;
}

void wt_http2_stats_on_grpc(WtHttp2Stats *s, const char *path, int status)
{
  char code_text[24];
  const char *name = wt_grpc_status_name(status);
  if (!name && status >= 0) {
    g_snprintf(code_text, sizeof code_text, "(code %d)", status);
    name = code_text;
  } else if (!name) {
    name = "(none)"; /* reset or lost before grpc-status */
  }
  const char *method = path && *path == '/' ? path + 1 : path ? path : "-";
  gsize n = strcspn(method, "?\t");
  g_autofree char *row = g_strdup_printf("%.*s\t%s", (int) MIN(n, (gsize) GRPC_MAX_METHOD),
                                         method, name);
  s->grpc_calls++;
  wt_top_n_add(s->grpc_status, name, 1);
  grpc_add_row(s, row, 1);
}

static gint cmp_grpc_rows(gconstpointer a, gconstpointer b, gpointer methods)
{
  const char *x = *(const char *const *) a, *y = *(const char *const *) b;
  guint64 nx = *(guint64 *) g_hash_table_lookup(methods, x);
  guint64 ny = *(guint64 *) g_hash_table_lookup(methods, y);
  if (nx != ny)
    return nx > ny ? -1 : 1;
  return strcmp(x, y);
}

/* The grpc table: service/method by grpc-status, most calls first. */
static void grpc_report(const WtHttp2Stats *s, WtSection *sec, guint max_rows)
{
  WtTable *t = wt_section_table(sec, "grpc_methods", _("gRPC calls by method and status"));
  wt_table_column(t, "method", _("Service/method"), WT_COL_STR);
  wt_table_column(t, "status", _("grpc-status"), WT_COL_STR);
  wt_table_column(t, "calls", _("Calls"), WT_COL_U64);
  g_autoptr(GPtrArray) rows = g_ptr_array_new();
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init(&it, s->grpc_methods);
  while (g_hash_table_iter_next(&it, &k, NULL))
    g_ptr_array_add(rows, k);
  g_ptr_array_sort_with_data(rows, cmp_grpc_rows, s->grpc_methods);
  for (guint i = 0; i < rows->len && i < max_rows; i++) {
    const char *row = g_ptr_array_index(rows, i);
    const char *tab = strchr(row, '\t');
    g_autofree char *method = g_strndup(row, (gsize) (tab - row));
    wt_table_row(t);
    wt_table_str(t, method);
    wt_table_str(t, tab + 1);
    wt_table_u64(t, *(guint64 *) g_hash_table_lookup(s->grpc_methods, row));
  }
}

void wt_http2_stats_merge(gpointer into_p, gpointer from_p)
{
  WtHttp2Stats *into = into_p, *from = from_p;
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++)
    *field(into, &scalars[i]) += *field(from, &scalars[i]);
  wt_top_n_merge(into->frame_types, from->frame_types);
  wt_top_n_merge(into->rst_errors, from->rst_errors);
  wt_top_n_merge(into->goaway_errors, from->goaway_errors);
  wt_top_n_merge(into->settings, from->settings);
  wt_top_n_merge(into->grpc_status, from->grpc_status);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, from->grpc_methods);
  while (g_hash_table_iter_next(&it, &k, &v))
    grpc_add_row(into, k, *(guint64 *) v);
  /* the HTTP transactions are in the HTTP tap, which merges itself */
}

/* The HTML page's charts of the section (numbers kept once given: tools find them) */
static const WtChartHint frame_charts[] = {
  { .id = 31, .item = "frame_types", .kind = "bars", .title = N_("HTTP/2 frames by type") },
};
static const WtChartHint grpc_charts[] = {
  { .id = 32, .item = "grpc_status", .kind = "bars", .title = N_("gRPC calls by grpc-status") },
};

void wt_http2_stats_report(gpointer p, const WtReportOptions *opts, WtReport *r)
{
  WtHttp2Stats *s = p;
  guint rows = opts && opts->top_n ? opts->top_n : 10;
  WtSection *sec = wt_report_section(r, "http2", _("HTTP/2"));
  if (s->frames)
    wt_section_charts(sec, frame_charts, G_N_ELEMENTS(frame_charts));
  if (s->grpc_calls)
    wt_section_charts(sec, grpc_charts, G_N_ELEMENTS(grpc_charts));
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++)
    wt_section_u64(sec, scalars[i].name, _(scalars[i].label), *field(s, &scalars[i]));
  wt_top_n_report_map(s->frame_types, sec, "frame_types", _("Frames by type"));
  wt_top_n_report_map(s->rst_errors, sec, "rst_stream_errors", _("RST_STREAM error codes"));
  wt_top_n_report_map(s->goaway_errors, sec, "goaway_errors", _("GOAWAY error codes"));
  wt_top_n_report_table(s->settings, sec, "settings", _("Settings sent"), "setting",
                        _("Setting"), rows, wt_top_n_total(s->settings));
  wt_top_n_report_map(s->grpc_status, sec, "grpc_status", _("gRPC calls by grpc-status"));
  grpc_report(s, sec, rows);
}

guint64 wt_http2_stats_get(const WtHttp2Stats *s, const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++)
    if (strcmp(scalars[i].name, name) == 0)
      return *field((WtHttp2Stats *) s, &scalars[i]);
  return 0;
}

guint64 wt_http2_stats_count(const WtHttp2Stats *s, const char *table, const char *key)
{
  if (strcmp(table, "frames") == 0)
    return wt_top_n_get(s->frame_types, key);
  if (strcmp(table, "rst_stream_errors") == 0)
    return wt_top_n_get(s->rst_errors, key);
  if (strcmp(table, "goaway_errors") == 0)
    return wt_top_n_get(s->goaway_errors, key);
  if (strcmp(table, "settings") == 0)
    return wt_top_n_get(s->settings, key);
  if (strcmp(table, "grpc_status") == 0)
    return wt_top_n_get(s->grpc_status, key);
  return 0;
}
