/* ClickHouse: export of log records (conn, http, dns ...) to a cluster, its schema, and the
 * SQL client the fleet report uses. Only what clickhouse-server 18.16 (Debian 12) has:
 * MergeTree, Distributed, JSONEachRow over the HTTP interface, DateTime plus a
 * microseconds column.
 *
 * Every log table (analyzer/core/log-record.h) is a ClickHouse table of the same name, its
 * columns derived from the table's column descriptors. Each sensor inserts into its own
 * node's MergeTree tables (conn_local, http_local ...); the Distributed tables (conn, http
 * ...) read every shard of the cluster. */
#pragma once
#include <glib.h>
#include "analyzer/core/log-record.h"
#include "analyzer/report/report.h"

/* Tables one exporter sends to, at most. */
#define WT_CH_MAX_TABLES WT_LOG_MAX_TABLES

#define WT_CH_ERROR wt_ch_error_quark()
typedef enum { WT_CH_ERROR_UNSUPPORTED, WT_CH_ERROR_USAGE, WT_CH_ERROR_SERVER } WtChError;
GQuark wt_ch_error_quark(void);

/* True when wiretab was built with libcurl (the export and the fleet report need it). */
gboolean wt_ch_available(void);

/* The database named in the URL's `database=` parameter, or "wiretab". */
char *wt_ch_url_database(const char *url);

/* One record as one JSONEachRow row of its table (with its newline): "sensor" first, then
 * the set columns under their ClickHouse names ("id.orig_h" -> "orig_h"), values as in
 * the log file; a DateTime time is split into seconds and microseconds ("ts":S,"ts_us":U:
 * 18.16 has no DateTime64); null values are left out (the column's default). */
void wt_ch_row_append(GString *out, const char *sensor, const WtLogRecord *r);

/* --clickhouse-schema: CREATE DATABASE, the per-node MergeTree tables and the Distributed
 * tables over `cluster`, for `database`, one pair per table of `tables` (NULL-terminated).
 * Statements are separated by ";\n\n". */
char *wt_ch_schema(const char *database, const char *cluster,
                   const WtLogTable *const *tables);
/* The same, one statement per array element (for sending over HTTP one by one). */
GPtrArray *wt_ch_schema_statements(const char *database, const char *cluster,
                                   const WtLogTable *const *tables);

/* One SQL statement over the HTTP interface (`url` as given to --clickhouse; its
 * parameters are kept). The response body goes to `out` (may be NULL). */
gboolean wt_ch_query(const char *url, const char *sql, GString *out, GError **error);

/* --- export ---------------------------------------------------------------------------- */

/* What the exporter has to say while it runs (the server is down, rows are spilled ...):
 * one line of text without its newline. The program decides where it goes. */
typedef void (*WtChNoticeFunc)(const char *message, gpointer user_data);

typedef struct {
  const WtLogTable *const *tables; /* NULL-terminated: the tables rows may go to */
  WtChNoticeFunc notice;   /* NULL: notices are dropped */
  gpointer notice_data;
  const char *url;         /* http://host:8123/?database=wiretab */
  const char *sensor;      /* every row's `sensor` column */
  const char *spill_dir;   /* rows that cannot be sent go to SPILL_DIR/clickhouse-spill/ */
  guint batch_rows;        /* a batch every this many rows of a table ... */
  gint64 flush_interval_us;/* ... or this often, whichever comes first */
  guint queue_rows;        /* rows waiting at most (all tables); past it rows spill */
  gint64 exit_timeout_us;  /* at exit, how long to keep trying before spilling the rest */
  gint64 max_backoff_us;   /* retry backoff doubles from 100 ms up to this */
} WtChExportConfig;

void wt_ch_export_config_init(WtChExportConfig *c);

typedef struct WtChExporter WtChExporter;

/* Starts the sender thread. Fails (clear message) without libcurl or without a spill dir. */
WtChExporter *wt_ch_exporter_new(const WtChExportConfig *cfg, GError **error);
/* One record. Never blocks on the network: the row is queued, or spilled when the queue
 * is full. Thread-safe. */
void wt_ch_exporter_push(WtChExporter *e, const WtLogRecord *r);
/* The same for a record already copied (wt_log_record_copy); takes it. */
void wt_ch_exporter_push_copy(WtChExporter *e, WtLogRecord *copy);
/* Sends what is queued (trying for at most exit_timeout_us), spills the rest, stops the
 * thread. Idempotent; wt_ch_exporter_free calls it. */
void wt_ch_exporter_close(WtChExporter *e);
void wt_ch_exporter_free(WtChExporter *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtChExporter, wt_ch_exporter_free)

typedef struct {
  guint64 rows;          /* records given to the exporter */
  guint64 rows_sent;     /* acknowledged by the server */
  guint64 rows_retried;  /* rows of batches that needed more than one attempt */
  guint64 rows_spilled;  /* written to the spill files instead */
  guint64 batches;       /* successful INSERTs */
  guint64 errors;        /* failed attempts */
  guint64 queue_peak;    /* most rows waiting at once */
  guint64 table_rows_sent[WT_CH_MAX_TABLES];    /* in the order of the config's tables */
  guint64 table_rows_spilled[WT_CH_MAX_TABLES];
} WtChExportStats;

void wt_ch_exporter_stats(WtChExporter *e, WtChExportStats *out);
/* The "export" section of the report (call after wt_ch_exporter_close). */
void wt_ch_exporter_report(WtChExporter *e, WtReport *r);
