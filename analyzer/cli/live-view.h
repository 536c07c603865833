/* The live view: `-i IFACE --interval N`. A screen on the terminal, drawn at once and
 * then every N seconds (wall-clock), redrawn in place and cut to the terminal's size
 * (80x24 at least in mind). Three views, switched by keys as in htop or iftop: HTTP
 * (requests/s, error rate, a sparkline per status class over the last minute, the
 * interval's top status codes and methods, the slowest endpoints, top hosts and URIs),
 * TCP (connections opened, established, refused and reset per second, with sparklines)
 * and talkers (hosts by traffic). Every view has the packet rate, bit rate, connections
 * and kernel drops on top. Keys: h, t, a (or Tab) switch views, p or space pauses the
 * screen (the capture goes on), q stops the capture like Ctrl-C. When the view's stream
 * is not a terminal, one summary line per interval instead. The final report follows on
 * exit (the screen is left first). */
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
/* q was pressed: the capture should stop as on Ctrl-C. */
gboolean wt_live_view_quit_requested(const WtLiveView *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtLiveView, wt_live_view_free)
guint wt_live_view_refreshes(const WtLiveView *v);

typedef enum { WT_LIVE_HTTP, WT_LIVE_TCP, WT_LIVE_TALKERS, WT_LIVE_N_VIEWS } WtLiveViewKind;

/* A name with its rate in the interval (status code, method, host, URI). */
typedef struct {
  const char *name;
  double per_sec;
} WtLiveRow;

typedef struct {
  const char *method, *endpoint;
  guint64 requests;          /* since the start */
  double p50_ms, p99_ms;     /* time to the first response byte, since the start */
} WtLiveEndpoint;

/* Per-second rates at the last refreshes, oldest first (the sparklines). */
typedef struct {
  const double *v;
  guint n;
} WtLiveSeries;

enum { WT_LIVE_TCP_OPENED, WT_LIVE_TCP_ESTABLISHED, WT_LIVE_TCP_REFUSED, WT_LIVE_TCP_RESET,
       WT_LIVE_TCP_N };

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
  /* the screen: which view, its size (0: 80x24), block characters or ASCII */
  WtLiveViewKind view;
  gboolean paused;
  guint width, height;
  gboolean utf8;
  WtLiveSeries http_class[5];         /* responses/s by class, 1xx .. 5xx */
  WtLiveSeries tcp[WT_LIVE_TCP_N];    /* connections/s */
  guint tcp_attempts, tcp_closed;     /* TCP flows now: SYN unanswered; closed, lingering */
  const WtLiveRow *codes, *methods, *hosts, *uris; /* the interval's, busiest first */
  guint n_codes, n_methods, n_hosts, n_uris;
  const WtLiveEndpoint *endpoints;    /* slowest (p99) first */
  guint n_endpoints;
} WtLiveFrame;

/* The screen of f->view (lines ending in \n, no cursor control, at most f->height lines
 * of at most f->width columns) and the one-line summary. */
char *wt_live_view_render_screen(const WtLiveFrame *f, gboolean color);
char *wt_live_view_render_line(const WtLiveFrame *f);
/* "12.3 Mbit/s" style rate with SI prefixes. */
void wt_format_bits_per_sec(GString *out, double bps);
