/* Typed log records as JSON, with json-out's number formatting and escaping. See
 * log-record.h. */
#include "analyzer/core/log-record.h"

#include <string.h>

#include "analyzer/core/json-out.h"

void wt_log_set_str(WtLogRecord *r, guint col, const char *s)
{
  if (s)
    wt_log_set_strn(r, col, s, strlen(s));
  else
    wt_log_value_(r, col, WT_LOG_V_NULL);
}

void wt_log_set_conn_id(WtLogRecord *r, gint64 ts_ns, const WtConnInfo *info)
{
  wt_log_set_time(r, WT_LOG_COL_TS, ts_ns);
  wt_log_set_str(r, WT_LOG_COL_UID, info->uid);
  wt_log_set_str(r, WT_LOG_COL_ORIG_H, wt_conn_info_addr(info, 0));
  wt_log_set_count(r, WT_LOG_COL_ORIG_P, info->orig_p);
  wt_log_set_str(r, WT_LOG_COL_RESP_H, wt_conn_info_addr(info, 1));
  wt_log_set_count(r, WT_LOG_COL_RESP_P, info->resp_p);
}

/* Bytes a value borrows (strings, vectors). */
static gsize borrowed_bytes(const WtLogValue *v)
{
  switch ((WtLogValueKind) v->kind) {
  case WT_LOG_V_STRING: return v->len;
  case WT_LOG_V_SECONDS: return v->len * sizeof(guint32);
  case WT_LOG_V_STRINGS: {
    const char *p = v->v.s;
    for (guint i = 0; i < v->len; i++)
      p += strlen(p) + 1;
    return (gsize) (p - v->v.s);
  }
  default: return 0;
  }
}

/* ... rounded up, so that every copied block stays aligned for its vector */
static gsize borrowed_size(const WtLogValue *v)
{
  return (borrowed_bytes(v) + 7) & ~(gsize) 7;
}

WtLogRecord *wt_log_record_copy(const WtLogRecord *r)
{
  /* only the values up to the last set column: most of the fixed array stays unused */
  guint n = r->set ? 64 - (guint) __builtin_clzll(r->set) : 0;
  gsize head = G_STRUCT_OFFSET(WtLogRecord, v) + n * sizeof(WtLogValue);
  gsize extra = 0;
  for (guint64 set = r->set; set; set &= set - 1)
    extra += borrowed_size(&r->v[__builtin_ctzll(set)]);
  WtLogRecord *c = g_malloc(head + extra);
  memcpy(c, r, head);
  char *bytes = (char *) c + head;
  for (guint64 set = r->set; set; set &= set - 1) {
    WtLogValue *v = &c->v[__builtin_ctzll(set)];
    gsize size = borrowed_size(v);
    if (!size)
      continue;
    memcpy(bytes, v->v.s, borrowed_bytes(v));
    if (v->kind == WT_LOG_V_SECONDS)
      v->v.secs = (const guint32 *) (gpointer) bytes;
    else
      v->v.s = bytes;
    bytes += size;
  }
  return c;
}

static void strings_json(GString *out, const char *p, guint n)
{
  g_string_append_c(out, '[');
  for (guint i = 0; i < n; i++) {
    gsize len = strlen(p);
    if (i)
      g_string_append_c(out, ',');
    wt_json_escape(out, p, len);
    p += len + 1;
  }
  g_string_append_c(out, ']');
}

static void seconds_json(GString *out, const guint32 *secs, guint n)
{
  g_string_append_c(out, '[');
  for (guint i = 0; i < n; i++)
    g_string_append_printf(out, "%s%u.0", i ? "," : "", secs[i]);
  g_string_append_c(out, ']');
}

/* Durations are never negative in practice; should one be, it keeps the digits the
 * interval writer has always given it. */
static void interval_json(GString *out, gint64 ns)
{
  if (ns >= 0)
    wt_json_ts_value(out, ns);
  else
    g_string_append_printf(out, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT, ns / 1000000000,
                           (ns % 1000000000) / 1000);
}

void wt_log_value_json(GString *out, const WtLogValue *v)
{
  switch ((WtLogValueKind) v->kind) {
  case WT_LOG_V_NULL: g_string_append(out, "null"); break;
  case WT_LOG_V_STRING: wt_json_escape(out, v->v.s, v->len); break;
  case WT_LOG_V_COUNT: wt_json_u64_value(out, v->v.u); break;
  case WT_LOG_V_INT: g_string_append_printf(out, "%" G_GINT64_FORMAT, v->v.i); break;
  case WT_LOG_V_DOUBLE: wt_json_double_value(out, v->v.d); break;
  case WT_LOG_V_BOOL: g_string_append(out, v->v.u ? "true" : "false"); break;
  case WT_LOG_V_TIME: wt_json_ts_value(out, v->v.i); break;
  case WT_LOG_V_INTERVAL: interval_json(out, v->v.i); break;
  case WT_LOG_V_STRINGS: strings_json(out, v->v.s, v->len); break;
  case WT_LOG_V_SECONDS: seconds_json(out, v->v.secs, v->len); break;
  default: g_string_append(out, "null"); break;
  }
}

void wt_log_record_json(GString *out, const WtLogRecord *r)
{
  const WtLogColumn *cols = r->table->columns;
  gboolean first = TRUE;
  g_string_append_c(out, '{');
  for (guint64 set = r->set; set; set &= set - 1) {
    guint i = (guint) __builtin_ctzll(set);
    if (!first)
      g_string_append_c(out, ',');
    first = FALSE;
    g_string_append_c(out, '"');
    g_string_append(out, cols[i].name);
    g_string_append(out, "\":");
    wt_log_value_json(out, &r->v[i]);
  }
  g_string_append(out, "}\n");
}
