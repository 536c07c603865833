/* The live view: `-i IFACE --interval N`. Every N seconds (wall-clock), a screen on the
 * terminal redrawn in place: packets/s, bits/s, active connections, new connections/s,
 * HTTP requests/s and responses by status class, top talkers and kernel drops. When the
 * view's stream is not a terminal, one summary line per interval instead. The final
 * report follows on exit (the screen is left first). */
#pragma once
#include <glib.h>
#include <stdio.h>
#include "analyzer/pipeline/analyzer.h"
#include "analyzer/capture/capture.h"

typedef struct WtLiveView WtLiveView;

/* `tty`: draw screens (cursor control) rather than lines; `color`: bold titles. */
WtLiveView *wt_live_view_new(FILE *out, double interval_s, gboolean tty, gboolean color,
                             guint top_n);
/* Cheap; call after every batch of frames and every idle wake-up (at least every 200 ms).
 * Draws when the interval has passed. `src` gives the kernel drops (pcap_stats). */
void wt_live_view_tick(WtLiveView *v, WtAnalyzer *a, WtCaptureSource *src);
/* Leave the screen (restore the terminal) so the report can follow. */
void wt_live_view_finish(WtLiveView *v);
void wt_live_view_free(WtLiveView *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtLiveView, wt_live_view_free)
guint wt_live_view_refreshes(const WtLiveView *v);

/* One refresh worth of numbers, for the renderers (and tests). */
typedef struct {
  WtAddr addr;
  guint64 bytes;   /* IP bytes sent + received in the interval (flows live at refresh) */
  guint64 packets;
} WtTalker;

typedef struct {
  const char *iface;
  double interval_s;         /* wall-clock seconds since the previous refresh (rates) */
  double every_s;            /* the refresh interval asked for */
  double elapsed_s;          /* since the capture started */
  gint64 wall_ts_us;         /* g_get_real_time() of this refresh */
  WtAnalyzerSnapshot now, prev;
  guint active;              /* live flows not closed (TCP FIN/RST lingering excluded) */
  gboolean have_drops;
  guint64 received, dropped, dropped_prev, if_dropped;
  const WtTalker *talkers;   /* the top ones, most bytes first */
  guint n_talkers;
} WtLiveFrame;

/* The screen (lines ending in \n, no cursor control) and the one-line summary. */
char *wt_live_view_render_screen(const WtLiveFrame *f, gboolean color);
char *wt_live_view_render_line(const WtLiveFrame *f);
/* "12.3 Mbit/s" style rate with SI prefixes. */
void wt_format_bits_per_sec(GString *out, double bps);
