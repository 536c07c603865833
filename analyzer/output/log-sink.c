/* Log sinks: file + optional ClickHouse export queue; per-worker buffers. See log-sink.h. */
#include "analyzer/output/log-sink.h"
#include "analyzer/output/atomic-file.h"

#include <errno.h>

struct WtLogSink {
  WtLog log;             /* first: the handle dissectors get */
  WtAtomicFile *out;     /* the --log-dir file, under a temporary name until closed;
                          * NULL for a stream the caller owns */
  FILE *file;            /* its stream */
  WtChExporter *exporter;
  GString *line;         /* reused for every record: no allocation per record */
};

static void sink_write(WtLog *log, const WtLogRecord *r)
{
  WtLogSink *s = (WtLogSink *) log;
  g_string_truncate(s->line, 0);
  if (s->file) {
    wt_log_record_json(s->line, r);
    fwrite(s->line->str, 1, s->line->len, s->file);
  }
  if (s->exporter)
    wt_ch_exporter_push(s->exporter, r);
}

WtLogSink *wt_log_sink_open(const char *path, const WtLogTable *table, WtChExporter *exporter,
                            GError **error)
{
  WtAtomicFile *out = wt_atomic_file_new(path, NULL);
  if (!out) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                "%s: cannot write log: %s; check that the directory is writable", path,
                g_strerror(errno));
    return NULL;
  }
  WtLogSink *s = g_new0(WtLogSink, 1);
  s->log.table = table;
  s->log.write = sink_write;
  s->out = out;
  s->file = wt_atomic_file_stream(out);
  s->exporter = exporter;
  s->line = g_string_sized_new(1024);
  return s;
}

WtLogSink *wt_log_sink_new_stream(const WtLogTable *table, FILE *stream,
                                  WtChExporter *exporter)
{
  WtLogSink *s = g_new0(WtLogSink, 1);
  s->log.table = table;
  s->log.write = sink_write;
  s->file = stream;
  s->exporter = exporter;
  s->line = g_string_sized_new(1024);
  return s;
}

WtLog *wt_log_sink_log(WtLogSink *s)
{
  return &s->log;
}

void wt_log_sink_flush(WtLogSink *s)
{
  if (s->file)
    fflush(s->file);
}

gboolean wt_log_sink_close(WtLogSink *s, GError **error)
{
  if (!s)
    return TRUE;
  gboolean ok = TRUE;
  if (s->out)
    ok = wt_atomic_file_commit(s->out, error); /* renamed to its name when complete */
  else if (s->file)
    fflush(s->file);
  g_string_free(s->line, TRUE);
  g_free(s);
  return ok;
}

void wt_log_sink_free(WtLogSink *s)
{
  wt_log_sink_close(s, NULL);
}

/* --- per-worker buffers -------------------------------------------------------------- */

struct WtLogBuffer {
  WtLog log;             /* first: the handle the worker's dissectors get */
  WtLogSink *main;
  GString *lines;        /* JSON lines not yet in the main sink's file */
  GPtrArray *rows;       /* with --clickhouse, their copies for the export queue */
};

static void buffer_write(WtLog *log, const WtLogRecord *r)
{
  WtLogBuffer *b = (WtLogBuffer *) log;
  if (b->main->file)
    wt_log_record_json(b->lines, r);
  if (b->main->exporter)
    g_ptr_array_add(b->rows, wt_log_record_copy(r));
}

WtLogBuffer *wt_log_buffer_new(WtLogSink *main)
{
  WtLogBuffer *b = g_new0(WtLogBuffer, 1);
  b->log.table = main->log.table;
  b->log.write = buffer_write;
  b->main = main;
  b->lines = g_string_sized_new(4096);
  b->rows = g_ptr_array_new_with_free_func(g_free);
  return b;
}

WtLog *wt_log_buffer_log(WtLogBuffer *b)
{
  return &b->log;
}

gboolean wt_log_buffer_pending(const WtLogBuffer *b)
{
  return b->lines->len > 0 || b->rows->len > 0;
}

void wt_log_buffer_flush(WtLogBuffer *b)
{
  WtLogSink *s = b->main;
  if (s->file)
    fwrite(b->lines->str, 1, b->lines->len, s->file);
  g_string_truncate(b->lines, 0);
  for (guint i = 0; i < b->rows->len; i++)
    wt_ch_exporter_push_copy(s->exporter, g_steal_pointer(&b->rows->pdata[i]));
  g_ptr_array_set_size(b->rows, 0);
}

void wt_log_buffer_free(WtLogBuffer *b)
{
  if (!b)
    return;
  g_string_free(b->lines, TRUE);
  g_ptr_array_free(b->rows, TRUE);
  g_free(b);
}
