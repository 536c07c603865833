#include "analyzer/report/report-format.h"

#include <time.h>

/* 1234567 -> "1,234,567" */
void wt_report_append_thousands(GString *out, guint64 v)
{
  char digits[32];
  int n = g_snprintf(digits, sizeof digits, "%" G_GUINT64_FORMAT, v);
  for (int i = 0; i < n; i++) {
    if (i > 0 && (n - i) % 3 == 0)
      g_string_append_c(out, ',');
    g_string_append_c(out, digits[i]);
  }
}

void wt_report_append_i64(GString *out, gint64 v)
{
  if (v < 0) {
    g_string_append_c(out, '-');
    wt_report_append_thousands(out, (guint64) 0 - (guint64) v);
  } else {
    wt_report_append_thousands(out, (guint64) v);
  }
}

void wt_report_append_ts_utc(GString *out, gint64 ts_ns)
{
  if (ts_ns == 0) {
    g_string_append(out, "-");
    return;
  }
  time_t secs = (time_t) (ts_ns / 1000000000);
  gint64 frac = ts_ns % 1000000000;
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  g_string_append_printf(out, "%s.%06" G_GINT64_FORMAT " UTC", buf, frac / 1000);
}

void wt_report_append_ts_seconds(GString *out, gint64 ts_ns)
{
  g_string_append_printf(out, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT, ts_ns / 1000000000,
                         (ts_ns % 1000000000) / 1000);
}
