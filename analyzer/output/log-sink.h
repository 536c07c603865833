/* Where a log record goes: its --log-dir file and, with --clickhouse, the export queue.
 *
 * The log writers build one JSON line per record and write it to a FILE*. A sink owns the
 * log file; without an exporter wt_log_sink_stream() is that file itself (nothing changes
 * on the hot path). With an exporter it is a stdio front (fopencookie) whose bytes are
 * written through to the file unchanged and cut at newlines into records for the queue,
 * so the writers keep their FILE* and the file stays byte-identical. */
#pragma once
#include <glib.h>
#include <stdio.h>
#include "analyzer/output/clickhouse.h"

typedef struct WtLogSink WtLogSink;

/* Creates `path` atomically: written under a temporary name in its directory, renamed to
 * `path` when the sink is closed (analyzer/output/atomic-file.h). `exporter` may be NULL; `table`
 * says where its rows go. */
WtLogSink *wt_log_sink_open(const char *path, WtChExporter *exporter, WtChTable table,
                            GError **error);
/* Whole records (one or more lines, each ending in '\n'); a trailing partial line is
 * kept until its newline arrives. */
void wt_log_sink_write(WtLogSink *s, const GString *lines);
void wt_log_sink_write_len(WtLogSink *s, const char *data, gsize len);
/* The FILE* for writers that take one (valid until wt_log_sink_free). */
FILE *wt_log_sink_stream(WtLogSink *s);
/* Everything written so far reaches the file and the queue. */
void wt_log_sink_flush(WtLogSink *s);
/* Flushes and closes; a partial last line (no newline) is still exported. The file gets
 * its name only now; FALSE with error set when it could not be written (removed) or
 * renamed (kept under its temporary name). Frees s. */
gboolean wt_log_sink_close(WtLogSink *s, GError **error);
/* wt_log_sink_close, errors ignored. */
void wt_log_sink_free(WtLogSink *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtLogSink, wt_log_sink_free)
