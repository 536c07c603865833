/* The timeline tap: counters per interval of capture time in a bounded array of buckets
 * whose width grows (neighbours merged) when the capture outgrows the bound. */
#include "analyzer/pipeline/timeline.h"

#include <glib/gi18n.h>
#include <string.h>
#include <time.h>

#define ROWS_MAX 300 /* the automatic interval gives at most this many rows */

typedef struct {
  const char *key, *label; /* label: a msgid */
} Column;

static const Column own_columns[WT_TL_N_OWN] = {
  [WT_TL_PACKETS] = { "packets", N_("Packets") },
  [WT_TL_BYTES] = { "bytes", N_("Bytes") },
  [WT_TL_NEW_CONNECTIONS] = { "new_connections", N_("New conns") },
};

struct WtTimeline {
  WtTimelineCursor at; /* first: wt_timeline_count_frame reads it inline (timeline.h) */
  guint n;         /* series per bucket */
  Column *cols;    /* n of them: own_columns, then the declared ones */
  GPtrArray *groups; /* const WtSeriesGroup*: the declared ones, for their charts */
  gint64 width;    /* bucket width, ns */
  gint64 anchor;   /* bucket k covers [anchor + k * width, anchor + (k + 1) * width) */
  gboolean fixed;  /* the user chose the width: grow by doubling, not by the ladder */
  gboolean anchored;
  gint64 requested;
  guint max;       /* bound on buckets in use */
  gint64 first;    /* bucket number of buckets[0] */
  guint len, cap;  /* buckets in use / allocated */
  guint64 *buckets; /* len * n counters */
};

/* Round widths, each a multiple of the one before, so merging keeps clock-aligned
 * buckets and every larger width is a whole number of smaller ones. */
static const gint64 ladder_ms[] = {
  1, 5, 10, 50, 100, 500, 1000, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000, 10800000, 21600000, 43200000, 86400000,
};

gint64 wt_timeline_ladder_at_least(gint64 ns)
{
  for (guint i = 0; i < G_N_ELEMENTS(ladder_ms); i++)
    if (ladder_ms[i] * 1000000 >= ns)
      return ladder_ms[i] * 1000000;
  /* beyond a day: doubling days */
  gint64 w = ladder_ms[G_N_ELEMENTS(ladder_ms) - 1] * 1000000;
  while (w < ns && w <= G_MAXINT64 / 4)
    w *= 2;
  return w;
}

static gint64 next_width(const WtTimeline *tl)
{
  if (tl->fixed)
    return tl->width * 2;
  return wt_timeline_ladder_at_least(tl->width + 1);
}

/* Floor division: bucket numbers left of the anchor are negative. */
static gint64 floor_div(gint64 a, gint64 b)
{
  gint64 q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

WtTimeline *wt_timeline_new(gint64 fixed_width_ns, guint max_buckets)
{
  WtTimeline *tl = g_new0(WtTimeline, 1);
  tl->max = max_buckets ? MAX(max_buckets, WT_TIMELINE_MIN_BUCKETS)
                        : WT_TIMELINE_MAX_BUCKETS_DEFAULT;
  tl->fixed = fixed_width_ns > 0;
  tl->requested = MAX(fixed_width_ns, 0);
  tl->width = tl->fixed ? fixed_width_ns : ladder_ms[0] * 1000000;
  tl->n = WT_TL_N_OWN;
  tl->cols = g_memdup2(own_columns, sizeof own_columns);
  tl->groups = g_ptr_array_new();
  return tl;
}

void wt_timeline_add_series(WtTimeline *tl, const WtSeriesGroup *group)
{
  g_return_if_fail(tl->cap == 0); /* buckets are n counters wide from the first count on */
  const WtSeriesDef *defs = group->defs;
  tl->cols = g_renew(Column, tl->cols, tl->n + group->n_defs);
  for (guint i = 0; i < group->n_defs; i++) {
    g_return_if_fail(*defs[i].index == tl->n);
    tl->cols[tl->n++] = (Column) { defs[i].key, defs[i].label };
  }
  g_ptr_array_add(tl->groups, (gpointer) group);
}

guint wt_timeline_n_series(const WtTimeline *tl) { return tl->n; }

int wt_timeline_series_index(const WtTimeline *tl, const char *key)
{
  for (guint s = 0; s < tl->n; s++)
    if (strcmp(tl->cols[s].key, key) == 0)
      return (int) s;
  return -1;
}

/* The sink handed to dissectors is the timeline itself, behind the opaque core type. */
WtSeriesSink *wt_timeline_sink(WtTimeline *tl) { return (WtSeriesSink *) (void *) tl; }

void wt_series_count(WtSeriesSink *sink, gint64 ts_ns, guint index, guint64 n)
{
  wt_timeline_count((WtTimeline *) (void *) sink, ts_ns, index, n);
}

void wt_timeline_free(WtTimeline *tl)
{
  if (!tl)
    return;
  g_free(tl->buckets);
  g_free(tl->cols);
  g_ptr_array_free(tl->groups, TRUE);
  g_free(tl);
}

static guint64 *bucket(const WtTimeline *tl, guint idx)
{
  return tl->buckets + (gsize) idx * tl->n;
}

static void reserve(WtTimeline *tl, guint len)
{
  if (len <= tl->cap)
    return;
  guint cap = MAX(tl->cap, 64u);
  while (cap < len)
    cap *= 2;
  cap = MIN(cap, tl->max);
  tl->buckets = g_renew(guint64, tl->buckets, (gsize) cap * tl->n);
  memset(bucket(tl, tl->cap), 0, (gsize) (cap - tl->cap) * tl->n * sizeof(guint64));
  tl->cap = cap;
}

/* Width grows to the next step: bucket b goes into floor(b / f). In place: a bucket only
 * ever moves left, onto one already moved. */
static void merge(WtTimeline *tl)
{
  gint64 nw = next_width(tl);
  gint64 f = nw / tl->width;
  gint64 nfirst = floor_div(tl->first, f);
  guint nlen = 0;
  for (guint i = 0; i < tl->len; i++) {
    guint to = (guint) (floor_div(tl->first + i, f) - nfirst);
    nlen = to + 1;
    if (to == i)
      continue;
    guint64 *src = bucket(tl, i), *dst = bucket(tl, to);
    for (guint s = 0; s < tl->n; s++) {
      dst[s] += src[s];
      src[s] = 0;
    }
  }
  tl->width = nw;
  tl->first = nfirst;
  tl->len = nlen;
  tl->at.cur_lo = tl->at.cur_hi = 0; /* cached bucket is stale */
}

/* Index of the bucket for ts, growing the range (and merging) as needed. Out of line:
 * inlined, its registers would burden every count (most hit the cached bucket). */
G_GNUC_NO_INLINE static guint locate(WtTimeline *tl, gint64 ts)
{
  if (!tl->anchored && tl->fixed)
    tl->anchor = floor_div(ts, WT_NS_PER_SEC) * WT_NS_PER_SEC; /* whole seconds */
  tl->anchored = TRUE;
  for (;;) {
    gint64 b = floor_div(ts - tl->anchor, tl->width);
    if (tl->len == 0) {
      reserve(tl, 1);
      tl->first = b;
      tl->len = 1;
    }
    gint64 last = tl->first + tl->len - 1;
    gint64 lo = MIN(b, tl->first), hi = MAX(b, last);
    if (hi - lo >= (gint64) tl->max) {
      merge(tl);
      continue;
    }
    if (b < tl->first) {
      guint shift = (guint) (tl->first - b);
      reserve(tl, tl->len + shift);
      memmove(bucket(tl, shift), bucket(tl, 0),
              (gsize) tl->len * tl->n * sizeof(guint64));
      memset(bucket(tl, 0), 0, (gsize) shift * tl->n * sizeof(guint64));
      tl->first = b;
      tl->len += shift;
    } else if (b > last) {
      guint nlen = (guint) (b - tl->first + 1);
      reserve(tl, nlen);
      tl->len = nlen;
    }
    tl->at.cur_lo = tl->anchor + b * tl->width;
    tl->at.cur_hi = tl->at.cur_lo + tl->width;
    guint idx = (guint) (b - tl->first);
    tl->at.cur = bucket(tl, idx);
    return idx;
  }
}

void wt_timeline_count(WtTimeline *tl, gint64 ts_ns, guint series, guint64 n)
{
  if (!tl || series >= tl->n)
    return;
  if (ts_ns < 0)
    ts_ns = 0; /* pcap time starts at the epoch; keep the arithmetic far from overflow */
  if (tl->len == 0 || ts_ns < tl->at.min_ts)
    tl->at.min_ts = ts_ns;
  if (tl->len == 0 || ts_ns > tl->at.max_ts)
    tl->at.max_ts = ts_ns;
  guint64 *b = (tl->len && ts_ns >= tl->at.cur_lo && ts_ns < tl->at.cur_hi)
                  ? tl->at.cur : bucket(tl, locate(tl, ts_ns));
  b[series] += n;
}

void wt_timeline_count_frame_slow(WtTimeline *tl, gint64 ts_ns, guint64 wirelen)
{
  wt_timeline_count(tl, ts_ns, WT_TL_PACKETS, 1);
  wt_timeline_count(tl, ts_ns, WT_TL_BYTES, wirelen);
}

guint64 wt_timeline_total(const WtTimeline *tl, guint series)
{
  guint64 sum = 0;
  for (guint i = 0; series < tl->n && i < tl->len; i++)
    sum += bucket(tl, i)[series];
  return sum;
}

gint64 wt_timeline_width(const WtTimeline *tl) { return tl->width; }
guint wt_timeline_n_buckets(const WtTimeline *tl) { return tl->len; }

gint64 wt_timeline_interval(const WtTimeline *tl)
{
  if (tl->len == 0)
    return 0;
  if (tl->fixed)
    return tl->width;
  gint64 span = tl->at.max_ts - tl->at.min_ts;
  gint64 want = span / ROWS_MAX + (span % ROWS_MAX != 0);
  return wt_timeline_ladder_at_least(MAX(want, tl->width));
}

GArray *wt_timeline_rows(const WtTimeline *tl, gint64 *interval_ns)
{
  GArray *rows = g_array_new(FALSE, TRUE, sizeof(WtTimelineRow) + tl->n * sizeof(guint64));
  gint64 iv = wt_timeline_interval(tl);
  if (interval_ns)
    *interval_ns = iv;
  if (iv == 0)
    return rows;
  gint64 f = iv / tl->width; /* whole: ladder widths divide the larger ones */
  gint64 rfirst = floor_div(tl->first, f);
  gint64 rlast = floor_div(tl->first + tl->len - 1, f);
  g_array_set_size(rows, (guint) (rlast - rfirst + 1));
  for (guint k = 0; k < rows->len; k++)
    ((WtTimelineRow *) wt_timeline_row(rows, k))->ts_ns = tl->anchor + (rfirst + k) * iv;
  for (guint i = 0; i < tl->len; i++) {
    WtTimelineRow *row =
      (WtTimelineRow *) wt_timeline_row(rows, (guint) (floor_div(tl->first + i, f) - rfirst));
    const guint64 *b = bucket(tl, i);
    for (guint s = 0; s < tl->n; s++)
      row->v[s] += b[s];
  }
  return rows;
}

/* "HH:MM:SS" (".mmm" below a second), with the date when the rows cross a day. */
static void format_time(char *buf, gsize size, gint64 ts_ns, gboolean date, gboolean ms)
{
  time_t secs = (time_t) (ts_ns / WT_NS_PER_SEC);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char base[40];
  strftime(base, sizeof base, date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
  if (ms)
    g_snprintf(buf, size, "%s.%03d", base, (int) (ts_ns % WT_NS_PER_SEC / 1000000));
  else
    g_snprintf(buf, size, "%s", base);
}

static const WtChartHint own_charts[] = {
  { .id = 0, .item = "timeline", .kind = "series", .title = N_("Packets per second"),
    .options = "\"fields\":[\"packets\"]," WT_SERIES_CHART_PER_SECOND, .wide = TRUE },
  { .id = 1, .item = "timeline", .kind = "series", .title = N_("Bits per second"),
    .options = "\"fields\":[\"bits_per_sec\"]", .wide = TRUE },
  { .id = 4, .item = "timeline", .kind = "series", .title = N_("New connections per second"),
    .options = "\"fields\":[\"new_connections\"]," WT_SERIES_CHART_PER_SECOND, .wide = TRUE },
};

void wt_timeline_report_charts(WtReport *r, WtSection *s, const WtSeriesGroup *const *groups,
                               guint n_groups)
{
  wt_section_charts(s, own_charts, G_N_ELEMENTS(own_charts));
  for (guint i = 0; i < n_groups; i++) {
    const WtSection *owner = wt_report_find_section(r, groups[i]->section);
    if (owner && wt_section_n_charts(owner) > 0)
      wt_section_charts(s, groups[i]->charts, groups[i]->n_charts);
  }
}

void wt_timeline_report(const WtTimeline *tl, WtReport *r)
{
  WtSection *s = wt_report_section(r, "timeline", _("Timeline"));
  gint64 iv = 0;
  g_autoptr(GArray) rows = wt_timeline_rows(tl, &iv);
  wt_section_double(s, "interval", _("Interval (s)"), (double) iv / 1e9);
  if (tl->fixed)
    wt_section_double(s, "interval_requested", _("Interval asked for (s)"),
                      (double) tl->requested / 1e9);
  wt_section_double(s, "bucket_width", _("Counting resolution (s)"), (double) tl->width / 1e9);
  gint64 start = rows->len ? wt_timeline_row(rows, 0)->ts_ns : 0;
  wt_section_ts(s, "start_ts", _("Start"), start);
  wt_section_u64(s, "rows", _("Rows"), rows->len);

  WtTable *t = wt_section_table(s, "timeline", _("Per interval"));
  /* people reading text want the busy intervals and the clock time, not epoch seconds */
  static const char *const text_hidden[] = { "ts", NULL };
  wt_table_text_compact(t, TRUE, text_hidden);
  wt_table_column(t, "ts", _("Start (s since epoch)"), WT_COL_DOUBLE);
  wt_table_column(t, "time", _("Time (UTC)"), WT_COL_STR);
  wt_table_column(t, "packets", _(tl->cols[WT_TL_PACKETS].label), WT_COL_U64);
  wt_table_column(t, "bytes", _(tl->cols[WT_TL_BYTES].label), WT_COL_U64);
  wt_table_column(t, "bits_per_sec", _("Bits/s"), WT_COL_DOUBLE);
  for (guint k = WT_TL_NEW_CONNECTIONS; k < tl->n; k++)
    wt_table_column(t, tl->cols[k].key, _(tl->cols[k].label), WT_COL_U64);

  gint64 end = rows->len ? wt_timeline_row(rows, rows->len - 1)->ts_ns : 0;
  gboolean date = floor_div(start, 86400 * WT_NS_PER_SEC) != floor_div(end, 86400 * WT_NS_PER_SEC);
  gboolean ms = iv % WT_NS_PER_SEC != 0;
  for (guint k = 0; k < rows->len; k++) {
    const WtTimelineRow *row = wt_timeline_row(rows, k);
    char when[64];
    format_time(when, sizeof when, row->ts_ns, date, ms);
    wt_table_row(t);
    wt_table_double(t, (double) row->ts_ns / 1e9);
    wt_table_str(t, when);
    wt_table_u64(t, row->v[WT_TL_PACKETS]);
    wt_table_u64(t, row->v[WT_TL_BYTES]);
    wt_table_double(t, (double) row->v[WT_TL_BYTES] * 8.0 * 1e9 / (double) iv);
    for (guint sr = WT_TL_NEW_CONNECTIONS; sr < tl->n; sr++)
      wt_table_u64(t, row->v[sr]);
  }
  wt_timeline_report_charts(r, s, (const WtSeriesGroup *const *) tl->groups->pdata,
                            tl->groups->len);
}

void wt_timeline_anchor(WtTimeline *tl, gint64 first_ts_ns)
{
  if (tl->anchored)
    return;
  if (tl->fixed)
    tl->anchor = floor_div(MAX(first_ts_ns, 0), WT_NS_PER_SEC) * WT_NS_PER_SEC; /* as locate */
  tl->anchored = TRUE;
}

void wt_timeline_merge(WtTimeline *into, WtTimeline *from)
{
  g_return_if_fail(into->n == from->n);
  if (from->len == 0)
    return;
  if (!into->anchored) {
    into->anchor = from->anchor;
    into->anchored = TRUE;
  }
  /* Widths are steps of one sequence (ladder or doubling), each a multiple of the one
   * before: coarsen the finer side, then both while the union is too wide. */
  while (into->width < from->width)
    merge(into);
  while (from->width < into->width)
    merge(from);
  for (;;) {
    gint64 lo = into->len ? MIN(into->first, from->first) : from->first;
    gint64 hi = from->first + from->len - 1;
    if (into->len)
      hi = MAX(hi, into->first + (gint64) into->len - 1);
    if (hi - lo < (gint64) into->max)
      break;
    merge(into);
    merge(from);
  }
  if (into->len == 0) {
    into->at.min_ts = from->at.min_ts;
    into->at.max_ts = from->at.max_ts;
  } else {
    into->at.min_ts = MIN(into->at.min_ts, from->at.min_ts);
    into->at.max_ts = MAX(into->at.max_ts, from->at.max_ts);
  }
  for (guint i = 0; i < from->len; i++) {
    const guint64 *src = bucket(from, i);
    guint idx = locate(into, into->anchor + (from->first + (gint64) i) * into->width);
    guint64 *dst = bucket(into, idx);
    for (guint s = 0; s < into->n; s++)
      dst[s] += src[s];
  }
}
