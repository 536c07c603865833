/* Timeline series a dissector declares and counts (Wireshark's hf_register_info: the
 * descriptor lists its fields, registration gives each one its number).
 *
 * A dissector's descriptor (WtStreamDissector.series) lists its series in column order;
 * when the registry is built every series gets its column in the timeline, written to
 * its `index`. The dissector then counts with that number through a WtSeriesSink (the
 * pipeline's timeline behind it): an array increment, no lookup by name. */
#pragma once
#include <glib.h>

typedef struct {
  guint *index;        /* set when the registry is built: the series' column */
  const char *key;     /* column key in JSON and CSV, e.g. "http_requests" */
  const char *label;   /* column title, a msgid (N_("HTTP requests")): translated when
                          the report is written */
} WtSeriesDef;

/* Where counts go (opaque; the pipeline's timeline). */
typedef struct WtSeriesSink WtSeriesSink;

/* Add n to series `index` in the interval of capture time ts_ns. NULL sink: nothing
 * (dissectors count unconditionally; unit tests give no sink). */
void wt_series_count(WtSeriesSink *sink, gint64 ts_ns, guint index, guint64 n);
