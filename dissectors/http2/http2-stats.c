/* The HTTP/2 tap. See http2-stats.h. */
#include "dissectors/http2/http2-stats.h"

#include <glib/gi18n.h>
#include <string.h>

#define H2_MAX_NAMES 1000 /* distinct settings ("NAME=value") kept */

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
  g_free(s);
}

void wt_http2_stats_link(gpointer p, gpointer http_stats)
{
  ((WtHttp2Stats *) p)->http = http_stats;
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
  /* the HTTP transactions are in the HTTP tap, which merges itself */
}

void wt_http2_stats_report(gpointer p, const WtReportOptions *opts, WtReport *r)
{
  WtHttp2Stats *s = p;
  guint rows = opts && opts->top_n ? opts->top_n : 10;
  WtSection *sec = wt_report_section(r, "http2", _("HTTP/2"));
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++)
    wt_section_u64(sec, scalars[i].name, _(scalars[i].label), *field(s, &scalars[i]));
  wt_top_n_report_map(s->frame_types, sec, "frame_types", _("Frames by type"));
  wt_top_n_report_map(s->rst_errors, sec, "rst_stream_errors", _("RST_STREAM error codes"));
  wt_top_n_report_map(s->goaway_errors, sec, "goaway_errors", _("GOAWAY error codes"));
  wt_top_n_report_table(s->settings, sec, "settings", _("Settings sent"), "setting",
                        _("Setting"), rows, wt_top_n_total(s->settings));
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
  return 0;
}
