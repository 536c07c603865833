/* Logs rotated by time (--log-rotate) and removed past a size or an age (--log-keep-size,
 * --log-keep-age).
 *
 * Intervals are aligned to multiples of the rotation interval since the epoch (UTC), as
 * Zeek aligns its rotation: with 1h, 12:00:00 to 13:00:00. A rotated file is named
 * after its table and its interval,
 *
 *     conn.2026-12-03-12-00-00_2026-12-03-13-00-00.log
 *
 * (Zeek's date format, start and end in UTC); a second file for the same interval (wiretab
 * restarted inside it) gets ".1", ".2" ... before ".log", so nothing is overwritten. */
#pragma once
#include <glib.h>

#define WT_NS_PER_SEC G_GINT64_CONSTANT(1000000000)

typedef struct {
  gint64 interval_ns;   /* 0: no rotation (conn.log ...) */
  guint64 keep_bytes;   /* rotated files of all tables together; 0: no size limit */
  gint64 keep_age_ns;   /* files whose interval ended longer ago are removed; 0: kept */
} WtLogRotation;

/* "90s", "10m", "1h", "1d", "2w" (a bare number is seconds) into nanoseconds. FALSE when
 * the text is not such a duration or is not positive. */
gboolean wt_parse_duration(const char *text, gint64 *ns);
/* "500M", "10G", "1T", "4096" (bytes; K, M, G, T are powers of 1024, an optional "B" or
 * "iB" after them). FALSE when not such a size or zero. */
gboolean wt_parse_size(const char *text, guint64 *bytes);

/* The start of the interval holding `now_ns`. */
gint64 wt_log_rotation_interval_start(const WtLogRotation *r, gint64 now_ns);
/* "conn.2026-12-03-12-00-00_2026-12-03-13-00-00.log", with ".N" before ".log" when
 * seq > 0 (g_free). */
char *wt_log_rotation_file_name(const char *table, gint64 start_ns, gint64 end_ns, guint seq);
/* The first name of that form not taken in `dir` (g_free). */
char *wt_log_rotation_free_name(const char *dir, const char *table, gint64 start_ns,
                                gint64 end_ns);
/* Parses a rotated file's name: TRUE with its table (g_free), start and end when `name`
 * is one. */
gboolean wt_log_rotation_parse_name(const char *name, char **table, gint64 *start_ns,
                                    gint64 *end_ns);

/* Removes the rotated files of `tables` in `dir`, oldest interval first, while together
 * they exceed keep_bytes, and those whose interval ended before now_ns - keep_age_ns.
 * Files of other names (the open temporary files, conn.log, spill files) are never
 * touched. Returns the number removed; a file that cannot be removed is named in *error
 * (the first one), the others are still tried. */
guint wt_log_retention_apply(const char *dir, const char *const *tables,
                             const WtLogRotation *r, gint64 now_ns, GError **error);
