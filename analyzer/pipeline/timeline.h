/* The timeline tap: per-interval counters in capture time (packets, bytes, new
 * connections, then the series dissectors declared, e.g. HTTP requests and responses by
 * status class), in bounded memory however long the capture is.
 *
 * Counts go into buckets of a fixed width. When the buckets would exceed their bound, the
 * width grows (merging neighbours) so the whole capture always fits; the report then
 * groups buckets into rows at an interval chosen from the capture's duration (~60-300
 * rows), or at the width the user asked for. */
#pragma once
#include <glib.h>
#include "analyzer/core/series.h"
#include "analyzer/report/report.h"

/* The timeline's own series; declared ones (wt_timeline_add_series) follow. */
typedef enum {
  WT_TL_PACKETS,
  WT_TL_BYTES,            /* bytes on the wire */
  WT_TL_NEW_CONNECTIONS,  /* TCP and UDP flows created */
  WT_TL_N_OWN
} WtTimelineSeries;

#define WT_TIMELINE_MAX_BUCKETS_DEFAULT 4096u
#define WT_TIMELINE_MIN_BUCKETS 16u
#define WT_NS_PER_SEC G_GINT64_CONSTANT(1000000000)

typedef struct WtTimeline WtTimeline;

/* fixed_width_ns > 0: the user's --interval; buckets are exactly that wide (aligned on
 * whole seconds of the first packet) and only doubled if the capture outgrows the bound.
 * 0: widths from a ladder of round intervals (1 ms, 5 ms, 10 ms ... 1 s, 5 s, 10 s, 30 s,
 * 1 min ... 1 day, then doubling), aligned on the clock (multiples of the width since the
 * epoch). max_buckets: 0 for the default (4096); at least WT_TIMELINE_MIN_BUCKETS. */
WtTimeline *wt_timeline_new(gint64 fixed_width_ns, guint max_buckets);
void wt_timeline_free(WtTimeline *tl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtTimeline, wt_timeline_free)

/* Columns for the series a dissector declared, after those already there: each must have
 * been numbered (*index) as the next column. Before the first count. The group's charts
 * go with the report. */
void wt_timeline_add_series(WtTimeline *tl, const WtSeriesGroup *group);
guint wt_timeline_n_series(const WtTimeline *tl);
/* Column of the series with this key, or -1. */
int wt_timeline_series_index(const WtTimeline *tl, const char *key);
/* The timeline as the sink dissectors count into (wt_series_count). */
WtSeriesSink *wt_timeline_sink(WtTimeline *tl);

/* Add n to `series` in the bucket of capture time ts_ns. Timestamps may go backwards (the
 * bucket range grows to the left). NULL timeline or an unknown series: nothing. */
void wt_timeline_count(WtTimeline *tl, gint64 ts_ns, guint series, guint64 n);
/* The bucket last counted into and the capture times seen: the first member of every
 * timeline, so the usual frame, in the bucket of the one before, is counted inline
 * (wt_timeline_count_frame) without a call. `cur` is valid while cur_lo < cur_hi, which
 * holds only once a bucket exists. */
typedef struct {
  gint64 cur_lo, cur_hi; /* the bucket's times: [cur_lo, cur_hi) */
  guint64 *cur;          /* its counters */
  gint64 min_ts, max_ts;
} WtTimelineCursor;

/* wt_timeline_count_frame when the frame is not in the last bucket. */
void wt_timeline_count_frame_slow(WtTimeline *tl, gint64 ts_ns, guint64 wirelen);
/* One frame: 1 packet and `wirelen` bytes, as the two wt_timeline_count calls would add
 * them (every frame comes here, so the bucket is found once and the usual case, the
 * bucket of the previous frame, is one range test). */
static inline void wt_timeline_count_frame(WtTimeline *tl, gint64 ts_ns, guint64 wirelen)
{
  WtTimelineCursor *at = (WtTimelineCursor *) (void *) tl;
  if (G_LIKELY(tl && ts_ns >= 0 && ts_ns >= at->cur_lo && ts_ns < at->cur_hi)) {
    if (ts_ns < at->min_ts)
      at->min_ts = ts_ns;
    if (ts_ns > at->max_ts)
      at->max_ts = ts_ns;
    at->cur[WT_TL_PACKETS] += 1;
    at->cur[WT_TL_BYTES] += wirelen;
    return;
  }
  wt_timeline_count_frame_slow(tl, ts_ns, wirelen);
}
/* Everything counted in `series` so far (sums the buckets: a few thousand at most). */
guint64 wt_timeline_total(const WtTimeline *tl, guint series);

/* Current bucket width (ns) and number of buckets in use. */
gint64 wt_timeline_width(const WtTimeline *tl);
guint wt_timeline_n_buckets(const WtTimeline *tl);

/* The report interval (ns): a multiple of the bucket width. With a fixed width: the
 * current width. Otherwise the smallest ladder width >= duration / 300 (and >= the bucket
 * width), so a capture gives 60-300 rows. 0 when nothing was counted. */
gint64 wt_timeline_interval(const WtTimeline *tl);

/* One row of the report: [ts_ns, ts_ns + interval), counts per series (one per column,
 * wt_timeline_n_series). Rows cover every interval from the first counted one to the
 * last, empty ones included. */
typedef struct {
  gint64 ts_ns;
  guint64 v[];
} WtTimelineRow;
/* Rows at the report interval; g_array_unref it. Read row i with wt_timeline_row (the
 * rows are as long as the timeline has series, so g_array_index cannot). */
GArray *wt_timeline_rows(const WtTimeline *tl, gint64 *interval_ns);
static inline const WtTimelineRow *wt_timeline_row(const GArray *rows, guint i)
{
  return (const WtTimelineRow *) (const void *) (rows->data +
                                                 (gsize) i * g_array_get_element_size((GArray *) rows));
}

/* Section "timeline": interval (s), bucket_width (s), start_ts, rows, and the table
 * "timeline" (ts, time, packets, bytes, bits_per_sec, new_connections, then the declared
 * series, e.g. http_requests, http_1xx .. http_5xx). */
void wt_timeline_report(const WtTimeline *tl, WtReport *r);

/* The timeline's charts in section `s` (figures 0, 1 and 4: packets, bits and new
 * connections per second), and those of each group whose dissector's section in `r` has
 * charts (the dissector saw traffic). wt_timeline_report adds them; for timeline
 * sections built elsewhere (from ClickHouse). */
void wt_timeline_report_charts(WtReport *r, WtSection *s, const WtSeriesGroup *const *groups,
                               guint n_groups);

/* --threads: every worker's timeline must use the grid one timeline would: anchor it (a
 * fixed width is aligned on the whole second of the first frame of the whole input)
 * before its first count. Nothing when already anchored. */
void wt_timeline_anchor(WtTimeline *tl, gint64 first_ts_ns);
/* --threads: add `from`'s counts into `into` (same width option, bound and series). Both widths
 * grow to the larger one, then further until the combined span fits the bound, exactly
 * as one timeline counting everything would have grown; `from` may be coarsened. */
void wt_timeline_merge(WtTimeline *into, WtTimeline *from);

/* The ladder of automatic widths: the smallest >= ns (0 if none). Exposed for tests. */
gint64 wt_timeline_ladder_at_least(gint64 ns);
