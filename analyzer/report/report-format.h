/* Number and time formatting the report writers share (text, CSV, HTML). */
#pragma once
#include <glib.h>

/* 1234567 -> "1,234,567" */
void wt_report_append_thousands(GString *out, guint64 v);
/* -1234 -> "-1,234" */
void wt_report_append_i64(GString *out, gint64 v);
/* "2024-05-01 12:00:00.123456 UTC"; "-" for 0 (no time). */
void wt_report_append_ts_utc(GString *out, gint64 ts_ns);
/* "1714564800.123456": seconds since the epoch with microseconds (JSON, CSV). */
void wt_report_append_ts_seconds(GString *out, gint64 ts_ns);
