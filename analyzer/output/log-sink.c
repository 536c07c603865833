/* Log sinks: file + optional ClickHouse export queue. See log-sink.h. */
#include "analyzer/output/log-sink.h"
#include "analyzer/output/atomic-file.h"

#include <errno.h>
#include <string.h>

struct WtLogSink {
  WtAtomicFile *out;     /* the --log-dir file, under a temporary name until closed */
  FILE *file;            /* its stream */
  FILE *front;           /* what writers get: `file`, or the cookie stream */
  WtChExporter *exporter;
  WtChTable table;
  GString *partial;      /* bytes after the last newline seen */
};

static void push_records(WtLogSink *s, const char *data, gsize len)
{
  const char *p = data, *end = data + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (gsize) (end - p));
    if (!nl) {
      g_string_append_len(s->partial, p, end - p);
      return;
    }
    if (s->partial->len) {
      g_string_append_len(s->partial, p, nl - p);
      wt_ch_exporter_push(s->exporter, s->table, s->partial->str, s->partial->len);
      g_string_truncate(s->partial, 0);
    } else if (nl > p) {
      wt_ch_exporter_push(s->exporter, s->table, p, (gsize) (nl - p));
    }
    p = nl + 1;
  }
}

void wt_log_sink_write_len(WtLogSink *s, const char *data, gsize len)
{
  if (len == 0)
    return;
  fwrite(data, 1, len, s->file);
  if (s->exporter)
    push_records(s, data, len);
}

void wt_log_sink_write(WtLogSink *s, const GString *lines)
{
  wt_log_sink_write_len(s, lines->str, lines->len);
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t size)
{
  wt_log_sink_write_len(cookie, buf, size);
  return (ssize_t) size;
}

WtLogSink *wt_log_sink_open(const char *path, WtChExporter *exporter, WtChTable table,
                            GError **error)
{
  WtAtomicFile *out = wt_atomic_file_new(path, NULL);
  if (!out) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                "%s: cannot write log: %s; check that the directory is writable", path,
                g_strerror(errno));
    return NULL;
  }
  FILE *f = wt_atomic_file_stream(out);
  WtLogSink *s = g_new0(WtLogSink, 1);
  s->out = out;
  s->file = f;
  s->front = f;
  s->exporter = exporter;
  s->table = table;
  s->partial = g_string_new(NULL);
  if (exporter) {
    cookie_io_functions_t io = { .read = NULL, .write = cookie_write, .seek = NULL,
                                 .close = NULL };
    s->front = fopencookie(s, "w", io);
    if (!s->front) {
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                  "%s: cannot set up the export stream: %s", path, g_strerror(errno));
      wt_atomic_file_discard(out);
      g_string_free(s->partial, TRUE);
      g_free(s);
      return NULL;
    }
    /* Line-buffered: each record reaches the queue when its newline is written, so a
     * live capture exports within the batch interval rather than per 4 KiB. */
    setvbuf(s->front, NULL, _IOLBF, 0);
  }
  return s;
}

FILE *wt_log_sink_stream(WtLogSink *s)
{
  return s->front;
}

void wt_log_sink_flush(WtLogSink *s)
{
  if (s->front != s->file)
    fflush(s->front);
  fflush(s->file);
}

gboolean wt_log_sink_close(WtLogSink *s, GError **error)
{
  if (!s)
    return TRUE;
  if (s->front != s->file)
    fclose(s->front); /* flushes through cookie_write */
  if (s->exporter && s->partial->len)
    wt_ch_exporter_push(s->exporter, s->table, s->partial->str, s->partial->len);
  gboolean ok = wt_atomic_file_commit(s->out, error); /* renamed to its name when complete */
  g_string_free(s->partial, TRUE);
  g_free(s);
  return ok;
}

void wt_log_sink_free(WtLogSink *s)
{
  wt_log_sink_close(s, NULL);
}
