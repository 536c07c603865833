/* Timeline series a dissector declares and counts (Wireshark's hf_register_info: the
 * descriptor lists its fields, registration gives each one its number).
 *
 * A dissector's descriptor (WtStreamDissector.series) lists its series in column order,
 * with the charts the HTML page draws of them; when the registry is built every series
 * gets its column in the timeline, written to its `index`. The dissector then counts
 * with that number through a WtSeriesSink (the pipeline's timeline behind it): an array
 * increment, no lookup by name. */
#pragma once
#include <glib.h>
#include "analyzer/report/report.h"

typedef struct {
  guint *index;        /* set when the registry is built: the series' column */
  const char *key;     /* column key in JSON and CSV, e.g. "http_requests" */
  const char *label;   /* column title, a msgid (N_("HTTP requests")): translated when
                          the report is written */
} WtSeriesDef;

/* A dissector's series and the charts of them on the timeline's table (item "timeline" of
 * section "timeline"; see WT_SERIES_CHART_PER_SECOND). */
typedef struct {
  const char *section;       /* the dissector's report section ("http"): the charts are
                                drawn when that section has charts of its own, i.e. when
                                its tap saw traffic to chart */
  const WtSeriesDef *defs;   /* in column order */
  guint n_defs;
  const WtChartHint *charts;
  guint n_charts;
} WtSeriesGroup;

/* Chart options: values per second of the timeline's interval. */
#define WT_SERIES_CHART_PER_SECOND "\"perSecond\":true,\"interval\":[\"timeline\",\"interval\"]"

/* Where counts go (opaque; the pipeline's timeline). */
typedef struct WtSeriesSink WtSeriesSink;

/* Add n to series `index` in the interval of capture time ts_ns. NULL sink: nothing
 * (dissectors count unconditionally; unit tests give no sink). */
void wt_series_count(WtSeriesSink *sink, gint64 ts_ns, guint index, guint64 n);
