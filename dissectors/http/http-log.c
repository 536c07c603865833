/* http.log records: the table and the transaction -> record mapping. */
#include "dissectors/http/http-log.h"

enum {
  COL_TRANS_DEPTH = WT_LOG_N_CONN_ID_COLUMNS,
  COL_METHOD,
  COL_HOST,
  COL_URI,
  COL_VERSION,
  COL_USER_AGENT,
  COL_REQUEST_BODY_LEN,
  COL_RESPONSE_BODY_LEN,
  COL_STATUS_CODE,
  COL_STATUS_MSG,
  COL_INFO_CODE,
  COL_INFO_MSG,
  COL_TIME_TO_FIRST_BYTE,
  COL_INCOMPLETE,
  COL_STREAM_ID,
  COL_TLS,
  N_COLUMNS
};

static const WtLogColumn http_columns[] = {
  WT_LOG_CONN_ID_COLUMNS,
  { "trans_depth", WT_LOG_COUNT, "trans_depth", "UInt32" },
  { "method", WT_LOG_STRING, "method", "String" },
  { "host", WT_LOG_STRING, "host", "String" },
  { "uri", WT_LOG_STRING, "uri", "String" },
  { "version", WT_LOG_STRING, "version", "String" },
  { "user_agent", WT_LOG_STRING, "user_agent", "String" },
  { "request_body_len", WT_LOG_COUNT, "request_body_len", "UInt64" },
  { "response_body_len", WT_LOG_COUNT, "response_body_len", "UInt64" },
  { "status_code", WT_LOG_COUNT, "status_code", "UInt16" },
  { "status_msg", WT_LOG_STRING, "status_msg", "String" },
  { "info_code", WT_LOG_COUNT, "info_code", "UInt16" },
  { "info_msg", WT_LOG_STRING, "info_msg", "String" },
  { "time_to_first_byte", WT_LOG_INTERVAL, "time_to_first_byte", "Nullable(Float64)" },
  { "incomplete", WT_LOG_BOOL, "incomplete", "UInt8" },
  /* HTTP/2's stream; omitted for HTTP/1 (ClickHouse: 0) */
  { "stream_id", WT_LOG_COUNT, "stream_id", "UInt32" },
  /* read from a decrypted TLS connection (https); omitted for plain HTTP (ClickHouse: 0) */
  { "tls", WT_LOG_BOOL, "tls", "UInt8" },
};

G_STATIC_ASSERT(G_N_ELEMENTS(http_columns) == N_COLUMNS);

const WtLogTable wt_http_log_table = {
  .name = "http",
  .columns = http_columns,
  .n_columns = N_COLUMNS,
};

static char *put_u8(char *o, guint v)
{
  if (v >= 100)
    *o++ = (char) ('0' + v / 100);
  if (v >= 10)
    *o++ = (char) ('0' + v / 10 % 10);
  *o++ = (char) ('0' + v % 10);
  return o;
}

static void set_str(WtLogRecord *r, guint col, const char *v)
{
  if (v) /* Zeek's JSON logs omit unset fields */
    wt_log_set_str(r, col, v);
}

/* "major.minor" (printf's "%u.%u", without printf: one per transaction); returns the
 * length. `out` holds at least 8 bytes. */
static gsize format_version(char out[8], guint8 major, guint8 minor)
{
  char *o = out;
  o = put_u8(o, major);
  *o++ = '.';
  o = put_u8(o, minor);
  return (gsize) (o - out);
}

void wt_http_log_write(WtLog *log, const WtConnInfo *conn, const WtHttpTxn *t)
{
  char version[8];
  WtLogRecord r;
  gint64 ts = t->ts_req_start ? t->ts_req_start : t->ts_resp_start;

  wt_log_record_init(&r, &wt_http_log_table);
  wt_log_set_conn_id(&r, ts > 0 ? ts : 0, conn);
  wt_log_set_count(&r, COL_TRANS_DEPTH, t->depth);
  set_str(&r, COL_METHOD, t->method);
  set_str(&r, COL_HOST, t->host);
  set_str(&r, COL_URI, t->uri);
  /* Zeek logs the reply's version when there is one */
  if (t->req_major == 2 || (t->orphan && t->resp_major == 2))
    wt_log_set_strn(&r, COL_VERSION, "2", 1);
  else if (t->has_final || t->info_code)
    wt_log_set_strn(&r, COL_VERSION, version,
                    format_version(version, t->resp_major, t->resp_minor));
  else if (!t->orphan)
    wt_log_set_strn(&r, COL_VERSION, version,
                    format_version(version, t->req_major, t->req_minor));
  set_str(&r, COL_USER_AGENT, t->user_agent);
  wt_log_set_count(&r, COL_REQUEST_BODY_LEN, t->req_body_len);
  wt_log_set_count(&r, COL_RESPONSE_BODY_LEN, t->resp_body_len);
  if (t->has_final || t->raw_response) {
    wt_log_set_count(&r, COL_STATUS_CODE, t->status_code);
    wt_log_set_str(&r, COL_STATUS_MSG, t->status_msg ? t->status_msg : "");
  }
  if (t->info_code) {
    wt_log_set_count(&r, COL_INFO_CODE, t->info_code);
    wt_log_set_str(&r, COL_INFO_MSG, t->info_msg ? t->info_msg : "");
  }
  if (t->ts_resp_start && t->ts_req_end) {
    gint64 d = t->ts_resp_start - t->ts_req_end;
    wt_log_set_time(&r, COL_TIME_TO_FIRST_BYTE, d > 0 ? d : 0);
  }
  wt_log_set_bool(&r, COL_INCOMPLETE, t->incomplete);
  if (t->stream_id)
    wt_log_set_count(&r, COL_STREAM_ID, t->stream_id);
  if (t->tls)
    wt_log_set_bool(&r, COL_TLS, TRUE);
  wt_log_write(log, &r);
}
