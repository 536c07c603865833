/* The timeline tap: per-interval counters in capture time (packets, bytes, new
 * connections, HTTP requests and responses by status class), in bounded memory however
 * long the capture is.
 *
 * Counts go into buckets of a fixed width. When the buckets would exceed their bound, the
 * width grows (merging neighbours) so the whole capture always fits; the report then
 * groups buckets into rows at an interval chosen from the capture's duration (~60-300
 * rows), or at the width the user asked for. */
#pragma once
#include <glib.h>
#include "analyzer/report/report.h"

typedef enum {
  WT_TL_PACKETS,
  WT_TL_BYTES,            /* bytes on the wire */
  WT_TL_NEW_CONNECTIONS,  /* TCP and UDP flows created */
  WT_TL_HTTP_REQUESTS,
  WT_TL_HTTP_1XX,         /* response status lines by class (1xx interim ones too) */
  WT_TL_HTTP_2XX,
  WT_TL_HTTP_3XX,
  WT_TL_HTTP_4XX,
  WT_TL_HTTP_5XX,
  WT_TL_N_SERIES
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

/* Add n to `series` in the bucket of capture time ts_ns. Timestamps may go backwards (the
 * bucket range grows to the left). NULL timeline: nothing (dissectors call it
 * unconditionally). */
void wt_timeline_count(WtTimeline *tl, gint64 ts_ns, WtTimelineSeries series, guint64 n);
/* A response status line: counted in its class; codes outside 100..599 are not counted. */
void wt_timeline_count_http_status(WtTimeline *tl, gint64 ts_ns, guint code);

/* Current bucket width (ns) and number of buckets in use. */
gint64 wt_timeline_width(const WtTimeline *tl);
guint wt_timeline_n_buckets(const WtTimeline *tl);

/* The report interval (ns): a multiple of the bucket width. With a fixed width: the
 * current width. Otherwise the smallest ladder width >= duration / 300 (and >= the bucket
 * width), so a capture gives 60-300 rows. 0 when nothing was counted. */
gint64 wt_timeline_interval(const WtTimeline *tl);

/* One row of the report: [ts_ns, ts_ns + interval), counts per series. Rows cover every
 * interval from the first counted one to the last, empty ones included. */
typedef struct {
  gint64 ts_ns;
  guint64 v[WT_TL_N_SERIES];
} WtTimelineRow;
/* Rows at the report interval; g_array_unref it. */
GArray *wt_timeline_rows(const WtTimeline *tl, gint64 *interval_ns);

/* Section "timeline": interval (s), bucket_width (s), start_ts, rows, and the table
 * "timeline" (ts, time, packets, bytes, bits_per_sec, new_connections, http_requests,
 * http_1xx .. http_5xx). */
void wt_timeline_report(const WtTimeline *tl, WtReport *r);

/* --threads: every worker's timeline must use the grid one timeline would: anchor it (a
 * fixed width is aligned on the whole second of the first frame of the whole input)
 * before its first count. Nothing when already anchored. */
void wt_timeline_anchor(WtTimeline *tl, gint64 first_ts_ns);
/* --threads: add `from`'s counts into `into` (same width option and bound). Both widths
 * grow to the larger one, then further until the combined span fits the bound, exactly
 * as one timeline counting everything would have grown; `from` may be coarsened. */
void wt_timeline_merge(WtTimeline *into, WtTimeline *from);

/* The ladder of automatic widths: the smallest >= ns (0 if none). Exposed for tests. */
gint64 wt_timeline_ladder_at_least(gint64 ns);
