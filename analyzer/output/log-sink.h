/* Where the records of one log table go: its --log-dir file (JSON lines, Zeek's field
 * names) and, with --clickhouse, the export queue (rows built from the record's values).
 * Dissectors see a sink as a WtLog (analyzer/core/log-record.h).
 *
 * With --threads each worker writes into a WtLogBuffer per table instead: the records'
 * lines (and copies for the export queue) are kept there and handed to the main sink in
 * one piece per batch. */
#pragma once
#include <glib.h>
#include "analyzer/core/log-record.h"
#include "analyzer/output/clickhouse.h"
#include "analyzer/output/log-rotation.h"

typedef struct WtLogSink WtLogSink;

/* Creates `path` atomically: written under a temporary name in its directory, renamed to
 * `path` when the sink is closed (analyzer/output/atomic-file.h). `exporter` may be NULL. */
WtLogSink *wt_log_sink_open(const char *path, const WtLogTable *table, WtChExporter *exporter,
                            GError **error);
/* --log-rotate: the table's files in `dir`, one per interval of `rotation` (named as
 * log-rotation.h says), each created at its first record and renamed to its name when
 * the interval ends (wt_log_sink_tick) or the sink is closed: a file under its final name
 * is complete. No file for an interval without records. */
WtLogSink *wt_log_sink_open_rotating(const char *dir, const WtLogTable *table,
                                     const WtLogRotation *rotation, WtChExporter *exporter);
/* The clock of a rotating sink (capture time reading files, the wall clock live): when
 * now_ns is past the current interval, its file is completed and the next record goes to
 * the file of now_ns's interval. Returns 1 when a file was completed (time to apply the
 * retention), 0 when nothing changed, -1 with error set when the file could not be
 * completed or an interval's file could not be created (its records are lost and
 * counted). Called by one thread; --threads workers may flush meanwhile. No-op for a
 * sink that does not rotate. */
int wt_log_sink_tick(WtLogSink *s, gint64 now_ns, GError **error);
/* A sink onto a stream the caller owns (and closes after freeing the sink), e.g. a
 * memory stream in a test; stream NULL: records go only to the exporter (--clickhouse
 * without --log-dir). */
WtLogSink *wt_log_sink_new_stream(const WtLogTable *table, FILE *stream,
                                  WtChExporter *exporter);
/* The handle records are written through (valid until wt_log_sink_free). */
WtLog *wt_log_sink_log(WtLogSink *s);
/* Everything written so far reaches the file. */
void wt_log_sink_flush(WtLogSink *s);
/* Flushes and closes. The file gets its name only now; FALSE with error set when it could
 * not be written (removed) or renamed (kept under its temporary name). Frees s. */
gboolean wt_log_sink_close(WtLogSink *s, GError **error);
/* wt_log_sink_close, errors ignored. */
void wt_log_sink_free(WtLogSink *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtLogSink, wt_log_sink_free)

typedef struct WtLogBuffer WtLogBuffer;

/* A worker's buffer in front of `main` (a sink of the same table). */
WtLogBuffer *wt_log_buffer_new(WtLogSink *main);
WtLog *wt_log_buffer_log(WtLogBuffer *b);
/* TRUE when records wait in the buffer. */
gboolean wt_log_buffer_pending(const WtLogBuffer *b);
/* The waiting records into the main sink's file and export queue. The caller makes sure
 * that one buffer at a time writes into a sink. */
void wt_log_buffer_flush(WtLogBuffer *b);
void wt_log_buffer_free(WtLogBuffer *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtLogBuffer, wt_log_buffer_free)
