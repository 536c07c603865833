/* Log sinks: file + optional ClickHouse export queue; per-worker buffers. See log-sink.h. */
#include "analyzer/output/log-sink.h"
#include "analyzer/output/atomic-file.h"

#include <errno.h>
#include <glib/gi18n.h>

struct WtLogSink {
  WtLog log;             /* first: the handle dissectors get */
  WtAtomicFile *out;     /* the --log-dir file, under a temporary name until closed;
                          * NULL for a stream the caller owns, and for a rotating sink
                          * between its files */
  FILE *file;            /* its stream */
  gboolean writes_file;  /* records become JSON lines (FALSE: export only) */
  WtChExporter *exporter;
  GString *line;         /* reused for every record: no allocation per record; for a sink
                          * that does not rotate, the lines not yet handed to the stream
                          * (up to LINE_BATCH bytes: one fwrite per many records) */
  guint n_line_records;  /* records in line */
  WtLogJsonKeys *keys;   /* the table's JSON keys, written out once */

  /* --log-rotate: the file of the interval [start, end) is opened at its first record */
  char *dir;
  WtLogRotation rotation;
  gint64 interval_start, interval_end; /* 0, 0 before the first clock tick */
  guint64 lost;          /* records of intervals whose file could not be created */
  GError *open_error;    /* why, until wt_log_sink_tick reports it */
  GMutex lock;           /* worker buffers (--threads) flush while the reader ticks */
};

/* A rotating sink's file for the current interval, opened on first use. NULL when it
 * cannot be created (the record is counted as lost; the next interval tries again). */
static FILE *rotating_file(WtLogSink *s)
{
  if (s->out || s->open_error)
    return s->file;
  if (!s->interval_end) { /* a record before any tick: the interval of the wall clock */
    s->interval_start = wt_log_rotation_interval_start(&s->rotation, g_get_real_time() * 1000);
    s->interval_end = s->interval_start + s->rotation.interval_ns;
  }
  g_autofree char *name = wt_log_rotation_free_name(s->dir, s->log.table->name,
                                                    s->interval_start, s->interval_end);
  g_autofree char *path = g_build_filename(s->dir, name, NULL);
  s->out = wt_atomic_file_new(path, &s->open_error);
  s->file = s->out ? wt_atomic_file_stream(s->out) : NULL;
  return s->file;
}

static FILE *sink_stream(WtLogSink *s)
{
  return s->dir ? rotating_file(s) : s->file;
}

static void write_lines(WtLogSink *s, const char *lines, gsize len, guint n_records)
{
  FILE *f = sink_stream(s);
  if (f)
    fwrite(lines, 1, len, f);
  else
    s->lost += n_records;
}

/* The batched lines into the stream, in the order they came (caller holds s->lock). */
static void write_batch(WtLogSink *s)
{
  if (!s->line->len)
    return;
  write_lines(s, s->line->str, s->line->len, s->n_line_records);
  g_string_truncate(s->line, 0);
  s->n_line_records = 0;
}

/* A sink that does not rotate keeps its lines and hands them to the stream LINE_BATCH
 * bytes at a time (fwrite costs as much as formatting a line); a rotating one writes
 * each record at once, into the file of the interval it came in. Worker buffers flush
 * under the same lock, after the lines kept here. */
#define LINE_BATCH (64 * 1024)

static void sink_write(WtLog *log, const WtLogRecord *r)
{
  WtLogSink *s = (WtLogSink *) log;
  if (s->writes_file) {
    g_mutex_lock(&s->lock);
    wt_log_record_json_keys(s->line, r, s->keys);
    s->n_line_records++;
    if (s->dir || s->line->len >= LINE_BATCH)
      write_batch(s);
    g_mutex_unlock(&s->lock);
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
  s->writes_file = TRUE;
  s->exporter = exporter;
  s->line = g_string_sized_new(1024);
  s->keys = wt_log_json_keys_new(table);
  g_mutex_init(&s->lock);
  return s;
}

WtLogSink *wt_log_sink_open_rotating(const char *dir, const WtLogTable *table,
                                     const WtLogRotation *rotation, WtChExporter *exporter)
{
  WtLogSink *s = g_new0(WtLogSink, 1);
  s->log.table = table;
  s->log.write = sink_write;
  s->writes_file = TRUE;
  s->exporter = exporter;
  s->line = g_string_sized_new(1024);
  s->keys = wt_log_json_keys_new(table);
  s->dir = g_strdup(dir);
  s->rotation = *rotation;
  g_mutex_init(&s->lock);
  return s;
}

/* The current file gets its name (it is complete); the next record opens the next one. */
static gboolean rotate(WtLogSink *s, GError **error)
{
  gboolean ok = TRUE;
  write_batch(s);
  if (s->out) {
    ok = wt_atomic_file_commit(s->out, error);
    s->out = NULL;
    s->file = NULL;
  }
  if (s->open_error) { /* a new interval tries again */
    if (ok)
      g_propagate_prefixed_error(error, g_steal_pointer(&s->open_error),
                                 _("%llu log records lost: "), (unsigned long long) s->lost);
    g_clear_error(&s->open_error);
    ok = FALSE;
  }
  return ok;
}

int wt_log_sink_tick(WtLogSink *s, gint64 now_ns, GError **error)
{
  if (!s->dir || (s->interval_end && now_ns < s->interval_end))
    return 0; /* the common case, without the lock: only this thread moves the clock */
  g_mutex_lock(&s->lock);
  gboolean had_file = s->out != NULL;
  gboolean ok = rotate(s, error);
  s->interval_start = wt_log_rotation_interval_start(&s->rotation, now_ns);
  s->interval_end = s->interval_start + s->rotation.interval_ns;
  g_mutex_unlock(&s->lock);
  return ok ? (had_file ? 1 : 0) : -1;
}

WtLogSink *wt_log_sink_new_stream(const WtLogTable *table, FILE *stream,
                                  WtChExporter *exporter)
{
  WtLogSink *s = g_new0(WtLogSink, 1);
  s->log.table = table;
  s->log.write = sink_write;
  s->file = stream;
  s->writes_file = stream != NULL;
  s->exporter = exporter;
  s->line = g_string_sized_new(1024);
  s->keys = wt_log_json_keys_new(table);
  g_mutex_init(&s->lock);
  return s;
}

WtLog *wt_log_sink_log(WtLogSink *s)
{
  return &s->log;
}

void wt_log_sink_flush(WtLogSink *s)
{
  g_mutex_lock(&s->lock);
  write_batch(s);
  if (s->file)
    fflush(s->file);
  g_mutex_unlock(&s->lock);
}

gboolean wt_log_sink_close(WtLogSink *s, GError **error)
{
  if (!s)
    return TRUE;
  gboolean ok = TRUE;
  write_batch(s);
  if (s->dir)
    ok = rotate(s, error);
  else if (s->out)
    ok = wt_atomic_file_commit(s->out, error); /* renamed to its name when complete */
  else if (s->file)
    fflush(s->file);
  g_string_free(s->line, TRUE);
  wt_log_json_keys_free(s->keys);
  g_free(s->dir);
  g_clear_error(&s->open_error);
  g_mutex_clear(&s->lock);
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
  guint n_lines;
  GPtrArray *rows;       /* with --clickhouse, their copies for the export queue */
  WtLogJsonKeys *keys;   /* the worker's own (it keeps the last time's digits) */
};

static void buffer_write(WtLog *log, const WtLogRecord *r)
{
  WtLogBuffer *b = (WtLogBuffer *) log;
  if (b->main->writes_file) {
    wt_log_record_json_keys(b->lines, r, b->keys);
    b->n_lines++;
  }
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
  b->keys = wt_log_json_keys_new(main->log.table);
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
  g_mutex_lock(&s->lock);
  write_batch(s);
  if (b->lines->len)
    write_lines(s, b->lines->str, b->lines->len, b->n_lines);
  g_mutex_unlock(&s->lock);
  g_string_truncate(b->lines, 0);
  b->n_lines = 0;
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
  wt_log_json_keys_free(b->keys);
  g_free(b);
}
