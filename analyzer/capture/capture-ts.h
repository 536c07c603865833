/* Capture time in nanoseconds from a frame's seconds and fraction, shared by every reader
 * (capture.c's libpcap callbacks and the pcap block reader, pcap-mmap.c) so each gives
 * the same time for the same record. */
#pragma once
#include <glib.h>

/* Latest capture time we pass on (2^62 ns, year 2116): pcapng timestamps are 64-bit, so a
 * damaged or hostile file can name seconds whose nanoseconds overflow a gint64; clamped
 * (and negative times raised to 0) so every later "ts + timeout" and "last - first" stays
 * in range. Found by tests/fuzz/fuzz-capture.c. */
#define WT_CAPTURE_MAX_TS_NS (G_GINT64_CONSTANT(1) << 62)

static inline gint64 wt_capture_ts_ns(gint64 sec, gint64 frac_ns)
{
  if (sec < 0 || frac_ns < 0)
    return 0;
  if (sec >= WT_CAPTURE_MAX_TS_NS / 1000000000)
    return WT_CAPTURE_MAX_TS_NS;
  return MIN(sec * 1000000000 + frac_ns, WT_CAPTURE_MAX_TS_NS);
}
