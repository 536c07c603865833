/* Typed log records: a dissector declares its log tables (name and typed columns) and emits
 * records into them; sinks (analyzer/output) decide where a record goes: a JSON-lines file,
 * a per-worker buffer, the ClickHouse queue. The file writer, the ClickHouse DDL and its
 * rows are all derived from the column descriptors, so a table's schema is written once.
 *
 * A record is a fixed array of values on the stack, set by column index: building one costs
 * no allocation. Strings are borrowed, valid until the record has been written. */
#pragma once
#include <glib.h>
#include "analyzer/core/stream.h"

/* What a column holds (its ClickHouse type says how it is stored there). */
typedef enum {
  WT_LOG_STRING,
  WT_LOG_COUNT,     /* unsigned */
  WT_LOG_INT,
  WT_LOG_DOUBLE,
  WT_LOG_BOOL,
  WT_LOG_TIME,      /* a capture time */
  WT_LOG_INTERVAL,  /* a duration */
  WT_LOG_STRINGS,   /* a vector of strings */
  WT_LOG_INTERVALS, /* a vector of durations */
} WtLogType;

typedef struct {
  const char *name;    /* Zeek's field name: "id.orig_h" */
  WtLogType type;
  const char *ch_name; /* its ClickHouse column: "orig_h" */
  const char *ch_type; /* "String", "Nullable(Float64)"; a "DateTime" time column gets a
                        * second "<name>_us UInt32" column for the microseconds */
} WtLogColumn;

typedef struct WtLogTable {
  const char *name;    /* "http": http.log, ClickHouse tables http_local and http */
  const WtLogColumn *columns;
  guint n_columns;     /* at most WT_LOG_MAX_COLUMNS */
  const guint8 *ch_order; /* the ClickHouse DDL's column order when it differs from the
                           * records' (n_columns indexes); NULL: the same */
} WtLogTable;

#define WT_LOG_MAX_COLUMNS 64
/* Log tables in one program, at most. */
#define WT_LOG_MAX_TABLES 16

/* Every connection's log starts with the connection's identity (Zeek's conn_id). */
#define WT_LOG_CONN_ID_COLUMNS                                                           \
  { "ts", WT_LOG_TIME, "ts", "DateTime" },                                              \
  { "uid", WT_LOG_STRING, "uid", "String" },                                            \
  { "id.orig_h", WT_LOG_STRING, "orig_h", "String" },                                   \
  { "id.orig_p", WT_LOG_COUNT, "orig_p", "UInt16" },                                    \
  { "id.resp_h", WT_LOG_STRING, "resp_h", "String" },                                   \
  { "id.resp_p", WT_LOG_COUNT, "resp_p", "UInt16" }

enum { WT_LOG_COL_TS, WT_LOG_COL_UID, WT_LOG_COL_ORIG_H, WT_LOG_COL_ORIG_P,
       WT_LOG_COL_RESP_H, WT_LOG_COL_RESP_P, WT_LOG_N_CONN_ID_COLUMNS };

/* How a value is written. A column's value may come in more than one form: durations as
 * nanoseconds (exact, integer maths) or as seconds in a double (six decimals, rounded),
 * so each writer keeps its own digits. */
typedef enum {
  WT_LOG_V_NULL,       /* written as null (JSON), left to the default (ClickHouse) */
  WT_LOG_V_STRING,
  WT_LOG_V_COUNT,
  WT_LOG_V_INT,
  WT_LOG_V_DOUBLE,     /* "%.6f" */
  WT_LOG_V_BOOL,
  WT_LOG_V_TIME,       /* nanoseconds as seconds.micro */
  WT_LOG_V_INTERVAL,   /* the same for durations */
  WT_LOG_V_STRINGS,    /* n NUL-terminated strings one after the other */
  WT_LOG_V_SECONDS,    /* n whole seconds (guint32) as a vector "N.0" */
} WtLogValueKind;

typedef struct {
  guint32 kind;        /* WtLogValueKind */
  guint32 len;         /* string bytes; vector elements */
  union {
    const char *s;
    guint64 u;
    gint64 i;
    double d;
    const guint32 *secs;
  } v;
} WtLogValue;

typedef struct {
  const WtLogTable *table;
  guint64 set;         /* bit i: column i has a value; the others are omitted */
  WtLogValue v[WT_LOG_MAX_COLUMNS];
} WtLogRecord;

/* Where records of one table go. Sinks embed it first and fill `write`. */
typedef struct WtLog WtLog;
struct WtLog {
  const WtLogTable *table;
  void (*write)(WtLog *log, const WtLogRecord *rec);
};

/* Only the set mask is cleared: values are read only where their bit is set. */
static inline void wt_log_record_init(WtLogRecord *r, const WtLogTable *table)
{
  r->table = table;
  r->set = 0;
}

static inline WtLogValue *wt_log_value_(WtLogRecord *r, guint col, WtLogValueKind kind)
{
  r->set |= G_GUINT64_CONSTANT(1) << col;
  r->v[col].kind = kind;
  return &r->v[col];
}

/* NULL writes null */
void wt_log_set_str(WtLogRecord *r, guint col, const char *s);
static inline void wt_log_set_strn(WtLogRecord *r, guint col, const char *s, gsize len)
{
  WtLogValue *v = wt_log_value_(r, col, WT_LOG_V_STRING);
  v->v.s = s;
  v->len = (guint32) len;
}
static inline void wt_log_set_count(WtLogRecord *r, guint col, guint64 u)
{
  wt_log_value_(r, col, WT_LOG_V_COUNT)->v.u = u;
}
static inline void wt_log_set_int(WtLogRecord *r, guint col, gint64 i)
{
  wt_log_value_(r, col, WT_LOG_V_INT)->v.i = i;
}
static inline void wt_log_set_double(WtLogRecord *r, guint col, double d)
{
  wt_log_value_(r, col, WT_LOG_V_DOUBLE)->v.d = d;
}
static inline void wt_log_set_bool(WtLogRecord *r, guint col, gboolean b)
{
  wt_log_value_(r, col, WT_LOG_V_BOOL)->v.u = b ? 1 : 0;
}
/* Times and intervals from nanoseconds: seconds with six decimals, truncated. */
static inline void wt_log_set_time(WtLogRecord *r, guint col, gint64 ns)
{
  wt_log_value_(r, col, WT_LOG_V_TIME)->v.i = ns;
}
static inline void wt_log_set_interval(WtLogRecord *r, guint col, gint64 ns)
{
  wt_log_value_(r, col, WT_LOG_V_INTERVAL)->v.i = ns;
}
static inline void wt_log_set_strings(WtLogRecord *r, guint col, const char *packed, guint n)
{
  WtLogValue *v = wt_log_value_(r, col, WT_LOG_V_STRINGS);
  v->v.s = packed;
  v->len = n;
}
static inline void wt_log_set_seconds(WtLogRecord *r, guint col, const guint32 *secs, guint n)
{
  WtLogValue *v = wt_log_value_(r, col, WT_LOG_V_SECONDS);
  v->v.secs = secs;
  v->len = n;
}

/* ts, uid, id.orig_h, id.orig_p, id.resp_h, id.resp_p (WT_LOG_CONN_ID_COLUMNS first). */
void wt_log_set_conn_id(WtLogRecord *r, gint64 ts_ns, const WtConnInfo *info);

/* The record and the bytes it borrows copied into one block (g_free it), for writing
 * later or on another thread: a memory copy, no formatting. */
WtLogRecord *wt_log_record_copy(const WtLogRecord *r);

/* The value as JSON (a string quoted and escaped, null, a number ...). */
void wt_log_value_json(GString *out, const WtLogValue *v);
/* The record as one JSON line (Zeek's field names, unset columns omitted, "}\n"). */
void wt_log_record_json(GString *out, const WtLogRecord *r);

/* A table's JSON keys (`,"name":`) written out once, for a writer of many records: the
 * same lines as wt_log_record_json, without measuring every field's name each time. It
 * also keeps the digits of the last capture time's seconds: one per writer (thread). */
typedef struct WtLogJsonKeys WtLogJsonKeys;
WtLogJsonKeys *wt_log_json_keys_new(const WtLogTable *table);
void wt_log_json_keys_free(WtLogJsonKeys *keys);
/* r's table must be the keys' table. */
void wt_log_record_json_keys(GString *out, const WtLogRecord *r, WtLogJsonKeys *keys);

/* The sink of `table` in this analysis, or NULL when the table is not written (check
 * before building a record: a disabled table costs nothing). */
static inline WtLog *wt_app_log(const WtAppContext *ctx, const WtLogTable *table)
{
  if (!ctx)
    return NULL;
  for (guint i = 0; i < ctx->n_logs; i++)
    if (ctx->logs[i]->table == table)
      return ctx->logs[i];
  return NULL;
}

static inline void wt_log_write(WtLog *log, const WtLogRecord *r)
{
  log->write(log, r);
}
