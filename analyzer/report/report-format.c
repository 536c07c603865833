#include "analyzer/report/report-format.h"

#include <time.h>

/* 1234567 -> "1,234,567", written from the last digit back, a comma after every third:
 * every number of every report table goes through here, and g_snprintf() and a byte at a
 * time cost ~700 instructions a number (half of writing a 250-row timeline). */
void wt_report_append_thousands(GString *out, guint64 v)
{
  char buf[32]; /* 20 digits and 6 commas at most */
  char *p = buf + sizeof buf;
  int digits = 0;
  do {
    if (digits > 0 && digits % 3 == 0)
      *--p = ',';
    *--p = (char) ('0' + v % 10);
    v /= 10;
    digits++;
  } while (v != 0);
  g_string_append_len(out, p, buf + sizeof buf - p);
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
