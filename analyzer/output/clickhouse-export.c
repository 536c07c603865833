/* The ClickHouse exporter: a bounded queue filled by the packet path and a sender thread
 * that posts `INSERT INTO <table>_local FORMAT JSONEachRow` batches.
 *
 * Nothing is lost: a batch that fails is kept and retried with a doubling backoff while
 * new rows wait in the queue; when the queue is full, new rows go to the spill files
 * (SPILL_DIR/clickhouse-spill/<table>.json, rows already in the table's column form, so
 * replaying them is one curl command); at exit the queue is sent, and what cannot be sent
 * within the exit timeout is spilled too. Every row ends up counted exactly once as sent
 * or spilled. The packet path never waits on the network: it takes the queue lock for a
 * push, or writes one spill line. */
#include "analyzer/output/clickhouse.h"

#include <errno.h>
#include <stdarg.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#ifdef WT_HAVE_CURL
#include <curl/curl.h>
#endif

void wt_ch_export_config_init(WtChExportConfig *c)
{
  memset(c, 0, sizeof *c);
  c->batch_rows = 5000;
  c->flush_interval_us = G_USEC_PER_SEC;
  c->queue_rows = 200000;
  c->exit_timeout_us = 10 * G_USEC_PER_SEC;
  c->max_backoff_us = 5 * G_USEC_PER_SEC;
}

/* Server errors (the server answered, but not 200) are retried this many times before
 * the batch is spilled: a row the server rejects would otherwise block the queue for
 * ever. Connection failures are retried until the exit timeout. */
#define MAX_ANSWERED_ATTEMPTS 4

struct WtChExporter {
  WtChExportConfig cfg;
  char *url, *sensor, *spill_dir;
  const WtLogTable *tables[WT_CH_MAX_TABLES];
  guint n_tables;
  char *insert_url[WT_CH_MAX_TABLES];

  GMutex lock;             /* queue, counters, stopping */
  GCond wake;              /* sender: rows, stop */
  GQueue queue[WT_CH_MAX_TABLES]; /* WtLogRecord* copies, made into rows when sent */
  guint queued;            /* all tables */
  gboolean stopping, closed;
  gint64 exit_deadline;
  WtChExportStats st;
  GThread *thread;

  GMutex spill_lock;       /* spill files (both threads write) */
  FILE *spill[WT_CH_MAX_TABLES];
  gboolean warned_full, warned_exit, warned_down;
};

/* Says what happened through the program's notice callback, if it installed one. */
G_GNUC_PRINTF(2, 3)
static void notice(const WtChExporter *e, const char *fmt, ...)
{
  if (!e->cfg.notice)
    return;
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  e->cfg.notice(msg, e->cfg.notice_data);
}

static const char *table_name(const WtChExporter *e, guint t)
{
  return e->tables[t]->name;
}

/* Index of `table` among the exporter's tables, or -1. */
static int table_index(const WtChExporter *e, const WtLogTable *table)
{
  for (guint t = 0; t < e->n_tables; t++)
    if (e->tables[t] == table)
      return (int) t;
  return -1;
}

static char *insert_url(const char *base, const char *table)
{
  g_autofree char *sql = g_strdup_printf("INSERT INTO %s_local FORMAT JSONEachRow", table);
  g_autofree char *esc = g_uri_escape_string(sql, NULL, FALSE);
  /* Fields the table does not have (a newer wiretab's) are skipped, not an error. */
  return g_strdup_printf("%s%squery=%s&input_format_skip_unknown_fields=1", base,
                         strchr(base, '?') ? "&" : "?", esc);
}

/* --- spill ------------------------------------------------------------------------------- */

static char *spill_path(const WtChExporter *e, guint t)
{
  g_autofree char *name = g_strdup_printf("%s.json", table_name(e, t));
  return g_build_filename(e->spill_dir, "clickhouse-spill", name, NULL);
}

/* Appends the records' rows to the table's spill file. Takes spill_lock; counts under
 * `lock`. */
static void spill_rows(WtChExporter *e, guint t, WtLogRecord **recs, guint n, const char *why)
{
  if (n == 0)
    return;
  g_mutex_lock(&e->spill_lock);
  if (!e->spill[t]) {
    g_autofree char *path = spill_path(e, t);
    g_autofree char *dir = g_path_get_dirname(path);
    g_mkdir_with_parents(dir, 0755);
    e->spill[t] = fopen(path, "a");
    if (!e->spill[t])
      notice(e, "wiretab: error: ClickHouse export: cannot open the spill file %s: %s; "
                "%u %s rows are lost", path, g_strerror(errno), n, table_name(e, t));
  }
  gboolean first = FALSE;
  if (e->spill[t]) {
    g_autoptr(GString) row = g_string_sized_new(1024);
    for (guint i = 0; i < n; i++) {
      g_string_truncate(row, 0);
      wt_ch_row_append(row, e->sensor, recs[i]);
      fwrite(row->str, 1, row->len, e->spill[t]);
    }
    fflush(e->spill[t]);
  }
  g_mutex_unlock(&e->spill_lock);

  g_mutex_lock(&e->lock);
  e->st.rows_spilled += n;
  e->st.table_rows_spilled[t] += n;
  gboolean *warned = e->stopping ? &e->warned_exit : &e->warned_full;
  first = !*warned;
  *warned = TRUE;
  g_mutex_unlock(&e->lock);
  if (first) {
    g_autofree char *path = spill_path(e, t);
    notice(e, "wiretab: warning: ClickHouse export: %s; rows go to %s (and the other "
              "tables' files next to it); replay with: curl --data-binary @%s '%s'",
              why, path, path, e->insert_url[t]);
  }
}

/* --- push (packet path) --------------------------------------------------------------- */

void wt_ch_exporter_push(WtChExporter *e, const WtLogRecord *r)
{
  wt_ch_exporter_push_copy(e, wt_log_record_copy(r));
}

/* The packet path only copies the record: rows are made on the sender thread. */
void wt_ch_exporter_push_copy(WtChExporter *e, WtLogRecord *row)
{
  int ti = table_index(e, row->table);
  if (ti < 0) { /* not a table of this exporter's schema: nowhere to insert it */
    g_free(row);
    return;
  }
  guint t = (guint) ti;
  g_mutex_lock(&e->lock);
  e->st.rows++;
  if (e->queued >= e->cfg.queue_rows || e->closed) {
    g_mutex_unlock(&e->lock);
    spill_rows(e, t, &row, 1, "the queue is full (the server is down or slow)");
    g_free(row);
    return;
  }
  g_queue_push_tail(&e->queue[t], row);
  e->queued++;
  if (e->queued > e->st.queue_peak)
    e->st.queue_peak = e->queued;
  if (e->queue[t].length >= e->cfg.batch_rows)
    g_cond_signal(&e->wake);
  g_mutex_unlock(&e->lock);
}

/* --- sender thread --------------------------------------------------------------------- */

typedef struct {
  guint table;
  GPtrArray *rows;   /* WtLogRecord*, owned */
  GString *body;     /* JSONEachRow */
} Batch;

#ifdef WT_HAVE_CURL
static size_t on_body(char *data, size_t size, size_t n, void *user)
{
  GString *out = user;
  if (out->len < 4096)
    g_string_append_len(out, data, (gssize) MIN(size * n, 4096));
  return size * n;
}

/* One attempt. 1: sent; 0: the server answered with an error; -1: no answer. */
static int post_batch(WtChExporter *e, CURL *c, const Batch *b, GString *err)
{
  g_autoptr(GString) resp = g_string_new(NULL);
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_URL, e->insert_url[b->table]);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, b->body->str);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) b->body->len);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (rc == CURLE_OK && status == 200)
    return 1;
  if (rc != CURLE_OK) {
    g_string_assign(err, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return -1;
  }
  g_strstrip(resp->str);
  g_string_printf(err, "HTTP %ld: %.300s", status, resp->str);
  /* ClickHouse's codes for an unknown database (81) or table (60) */
  if (strstr(resp->str, "Code: 81,") || strstr(resp->str, "Code: 60,"))
    g_string_append(err, " (create the schema on this node first: wiretab "
                         "--clickhouse-schema | clickhouse-client --multiquery)");
  return 0;
}
#endif

/* Takes up to batch_rows rows of the fullest table. Called with `lock` held. */
static Batch *take_batch(WtChExporter *e)
{
  int best = -1;
  for (int t = 0; t < (int) e->n_tables; t++)
    if (e->queue[t].length && (best < 0 || e->queue[t].length > e->queue[best].length))
      best = t;
  if (best < 0)
    return NULL;
  Batch *b = g_new0(Batch, 1);
  b->table = (guint) best;
  b->rows = g_ptr_array_new_with_free_func(g_free);
  while (b->rows->len < e->cfg.batch_rows && e->queue[best].length)
    g_ptr_array_add(b->rows, g_queue_pop_head(&e->queue[best]));
  e->queued -= b->rows->len;
  return b;
}

static void batch_free(Batch *b)
{
  g_ptr_array_free(b->rows, TRUE);
  if (b->body)
    g_string_free(b->body, TRUE);
  g_free(b);
}

/* The records' rows one after the other, outside the lock. */
static void build_body(WtChExporter *e, Batch *b)
{
  b->body = g_string_sized_new(b->rows->len * 600);
  for (guint i = 0; i < b->rows->len; i++)
    wt_ch_row_append(b->body, e->sensor, g_ptr_array_index(b->rows, i));
}

/* Waits up to `us` or until stop is requested; returns the `stopping` flag. */
static gboolean sleep_unless_stopping(WtChExporter *e, gint64 us)
{
  g_mutex_lock(&e->lock);
  gint64 until = g_get_monotonic_time() + us;
  while (!e->stopping && g_get_monotonic_time() < until)
    g_cond_wait_until(&e->wake, &e->lock, until);
  gboolean s = e->stopping;
  g_mutex_unlock(&e->lock);
  return s;
}

static gboolean past_exit_deadline(WtChExporter *e)
{
  g_mutex_lock(&e->lock);
  gboolean past = e->stopping && g_get_monotonic_time() >= e->exit_deadline;
  g_mutex_unlock(&e->lock);
  return past;
}

static void count(WtChExporter *e, guint64 *field, guint64 n)
{
  g_mutex_lock(&e->lock);
  *field += n;
  g_mutex_unlock(&e->lock);
}

/* Sends one batch, retrying with backoff; spills it when that is hopeless. */
static void send_batch(WtChExporter *e, gpointer curl, Batch *b)
{
  guint rows = b->rows->len;
  if (rows == 0)
    return;
  gint64 backoff = 100 * 1000;
  guint answered_failures = 0;
  g_autoptr(GString) err = g_string_new(NULL);
  for (guint attempt = 0;; attempt++) {
    int r = -1;
#ifdef WT_HAVE_CURL
    r = post_batch(e, curl, b, err);
#else
    (void) curl;
#endif
    if (r == 1) {
      g_mutex_lock(&e->lock);
      e->st.rows_sent += rows;
      e->st.table_rows_sent[b->table] += rows;
      e->st.batches++;
      if (attempt > 0)
        e->st.rows_retried += rows;
      gboolean was_down = e->warned_down;
      e->warned_down = FALSE;
      g_mutex_unlock(&e->lock);
      if (was_down)
        notice(e, "wiretab: ClickHouse export: %s: sending again", e->url);
      return;
    }
    count(e, &e->st.errors, 1);
    if (r == 0)
      answered_failures++;
    g_mutex_lock(&e->lock);
    gboolean warn = !e->warned_down;
    e->warned_down = TRUE;
    g_mutex_unlock(&e->lock);
    if (warn)
      notice(e, "wiretab: warning: ClickHouse export: %s: %s; retrying (rows wait in the "
                "queue, up to %u)", e->url, err->str, e->cfg.queue_rows);
    if (answered_failures >= MAX_ANSWERED_ATTEMPTS || past_exit_deadline(e))
      break;
    sleep_unless_stopping(e, backoff);
    if (past_exit_deadline(e))
      break;
    backoff = MIN(backoff * 2, e->cfg.max_backoff_us);
  }
  /* Hopeless: the server keeps rejecting the batch, or the exit timeout has passed. */
  g_autofree char *why = g_strdup_printf("%s: %s", e->url, err->str);
  spill_rows(e, b->table, (WtLogRecord **) b->rows->pdata, b->rows->len, why);
}

static gpointer sender_main(gpointer data)
{
  WtChExporter *e = data;
  gpointer curl = NULL;
#ifdef WT_HAVE_CURL
  CURL *c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
  curl = c;
#endif
  gint64 next_flush = g_get_monotonic_time() + e->cfg.flush_interval_us;
  for (;;) {
    g_mutex_lock(&e->lock);
    for (;;) {
      gboolean full = FALSE;
      for (guint t = 0; t < e->n_tables; t++)
        full = full || e->queue[t].length >= e->cfg.batch_rows;
      if (full || e->stopping || g_get_monotonic_time() >= next_flush)
        break;
      g_cond_wait_until(&e->wake, &e->lock, next_flush);
    }
    gboolean stopping = e->stopping;
    gboolean past = stopping && g_get_monotonic_time() >= e->exit_deadline;
    Batch *b = take_batch(e);
    g_mutex_unlock(&e->lock);
    if (!b) {
      if (stopping)
        break;
      next_flush = g_get_monotonic_time() + e->cfg.flush_interval_us;
      continue;
    }
    if (past) {
      spill_rows(e, b->table, (WtLogRecord **) b->rows->pdata, b->rows->len,
                 "the exit timeout passed before the queue was sent");
    } else {
      build_body(e, b);
      send_batch(e, curl, b);
    }
    batch_free(b);
  }
#ifdef WT_HAVE_CURL
  curl_easy_cleanup(c);
#endif
  return NULL;
}

/* --- lifetime ---------------------------------------------------------------------------- */

WtChExporter *wt_ch_exporter_new(const WtChExportConfig *cfg, GError **error)
{
  if (!wt_ch_available()) {
    g_set_error(error, WT_CH_ERROR, WT_CH_ERROR_UNSUPPORTED,
                "--clickhouse: this wiretab was built without libcurl; install "
                "libcurl4-openssl-dev and rebuild (meson finds it by itself)");
    return NULL;
  }
  if (!cfg->url || !(g_str_has_prefix(cfg->url, "http://") ||
                     g_str_has_prefix(cfg->url, "https://"))) {
    g_set_error(error, WT_CH_ERROR, WT_CH_ERROR_USAGE,
                "--clickhouse takes the HTTP interface's URL, e.g. "
                "http://127.0.0.1:8123/?database=wiretab (got '%s')",
                cfg->url ? cfg->url : "");
    return NULL;
  }
  if (!cfg->spill_dir) {
    g_set_error(error, WT_CH_ERROR, WT_CH_ERROR_USAGE,
                "--clickhouse needs --log-dir DIR: rows that cannot be sent are spilled "
                "there");
    return NULL;
  }
#ifdef WT_HAVE_CURL
  static gsize curl_ready;
  if (g_once_init_enter(&curl_ready)) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    g_once_init_leave(&curl_ready, 1);
  }
#endif
  WtChExporter *e = g_new0(WtChExporter, 1);
  e->cfg = *cfg;
  e->cfg.batch_rows = MAX(cfg->batch_rows, 1);
  e->cfg.queue_rows = MAX(cfg->queue_rows, e->cfg.batch_rows);
  e->url = g_strdup(cfg->url);
  e->sensor = g_strdup(cfg->sensor ? cfg->sensor : g_get_host_name());
  e->spill_dir = g_strdup(cfg->spill_dir);
  e->cfg.url = e->url;
  e->cfg.sensor = e->sensor;
  e->cfg.spill_dir = e->spill_dir;
  for (const WtLogTable *const *t = cfg->tables; t && *t && e->n_tables < WT_CH_MAX_TABLES;
       t++)
    e->tables[e->n_tables++] = *t;
  for (guint t = 0; t < e->n_tables; t++) {
    e->insert_url[t] = insert_url(e->url, table_name(e, t));
    g_queue_init(&e->queue[t]);
  }
  g_mutex_init(&e->lock);
  g_mutex_init(&e->spill_lock);
  g_cond_init(&e->wake);
  e->thread = g_thread_new("wt-clickhouse", sender_main, e);
  return e;
}

void wt_ch_exporter_close(WtChExporter *e)
{
  if (!e || !e->thread)
    return;
  g_mutex_lock(&e->lock);
  e->stopping = TRUE;
  e->exit_deadline = g_get_monotonic_time() + e->cfg.exit_timeout_us;
  g_cond_broadcast(&e->wake);
  g_mutex_unlock(&e->lock);
  g_thread_join(e->thread);
  e->thread = NULL;
  g_mutex_lock(&e->lock);
  e->closed = TRUE; /* a late push spills rather than waits for a thread that is gone */
  g_mutex_unlock(&e->lock);
  for (guint t = 0; t < e->n_tables; t++)
    if (e->spill[t]) {
      fclose(e->spill[t]);
      e->spill[t] = NULL;
    }
}

void wt_ch_exporter_free(WtChExporter *e)
{
  if (!e)
    return;
  wt_ch_exporter_close(e);
  for (guint t = 0; t < e->n_tables; t++) {
    g_queue_clear_full(&e->queue[t], g_free);
    g_free(e->insert_url[t]);
  }
  g_mutex_clear(&e->lock);
  g_mutex_clear(&e->spill_lock);
  g_cond_clear(&e->wake);
  g_free(e->url);
  g_free(e->sensor);
  g_free(e->spill_dir);
  g_free(e);
}

void wt_ch_exporter_stats(WtChExporter *e, WtChExportStats *out)
{
  g_mutex_lock(&e->lock);
  *out = e->st;
  g_mutex_unlock(&e->lock);
}

void wt_ch_exporter_report(WtChExporter *e, WtReport *r)
{
  WtChExportStats st;
  wt_ch_exporter_stats(e, &st);
  WtSection *s = wt_report_section(r, "export", "ClickHouse export");
  wt_section_str(s, "url", "Server", e->url);
  wt_section_str(s, "sensor", "Sensor", e->sensor);
  wt_section_u64(s, "rows", "Rows", st.rows);
  wt_section_u64(s, "rows_sent", "Rows sent", st.rows_sent);
  wt_section_u64(s, "rows_retried", "Rows sent after a retry", st.rows_retried);
  wt_section_u64(s, "rows_spilled", "Rows spilled to files", st.rows_spilled);
  wt_section_u64(s, "batches", "Batches sent", st.batches);
  wt_section_u64(s, "errors", "Failed attempts", st.errors);
  wt_section_u64(s, "queue_peak", "Rows queued at once (peak)", st.queue_peak);
  wt_section_u64(s, "queue_limit", "Queue limit (rows)", e->cfg.queue_rows);
  for (guint t = 0; t < e->n_tables; t++)
    wt_section_map_u64(s, "tables_sent", "Rows sent by table", table_name(e, t),
                       st.table_rows_sent[t]);
  for (guint t = 0; t < e->n_tables; t++)
    wt_section_map_u64(s, "tables_spilled", "Rows spilled by table", table_name(e, t),
                       st.table_rows_spilled[t]);
  if (st.rows_spilled) {
    g_autofree char *dir = g_build_filename(e->spill_dir, "clickhouse-spill", NULL);
    wt_section_str(s, "spill_dir", "Spill files", dir);
  }
}
