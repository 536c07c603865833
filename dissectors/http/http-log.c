/* http.log records, written with the shared JSON log helpers (analyzer/core/json-out.h). */
#include "dissectors/http/http-log.h"

#include "analyzer/core/json-out.h"

static void field_str(GString *out, const char *key, const char *v)
{
  if (v) /* Zeek's JSON logs omit unset fields */
    wt_json_str(out, key, v);
}

void wt_http_log_write(FILE *out, const WtConnInfo *conn, const WtHttpTxn *t)
{
  char version[8];
  g_autoptr(GString) line = g_string_sized_new(512);
  gint64 ts = t->ts_req_start ? t->ts_req_start : t->ts_resp_start;

  g_string_append_c(line, '{');
  wt_json_conn_id(line, ts > 0 ? ts : 0, conn);
  wt_json_u64(line, "trans_depth", t->depth);
  field_str(line, "method", t->method);
  field_str(line, "host", t->host);
  field_str(line, "uri", t->uri);
  /* Zeek logs the reply's version when there is one */
  if (t->has_final || t->info_code)
    g_snprintf(version, sizeof version, "%u.%u", t->resp_major, t->resp_minor);
  else if (!t->orphan)
    g_snprintf(version, sizeof version, "%u.%u", t->req_major, t->req_minor);
  else
    version[0] = '\0';
  field_str(line, "version", version[0] ? version : NULL);
  field_str(line, "user_agent", t->user_agent);
  wt_json_u64(line, "request_body_len", t->req_body_len);
  wt_json_u64(line, "response_body_len", t->resp_body_len);
  if (t->has_final || t->raw_response) {
    wt_json_u64(line, "status_code", t->status_code);
    wt_json_str(line, "status_msg", t->status_msg ? t->status_msg : "");
  }
  if (t->info_code) {
    wt_json_u64(line, "info_code", t->info_code);
    wt_json_str(line, "info_msg", t->info_msg ? t->info_msg : "");
  }
  if (t->ts_resp_start && t->ts_req_end) {
    gint64 d = t->ts_resp_start - t->ts_req_end;
    wt_json_ts(line, "time_to_first_byte", d > 0 ? d : 0);
  }
  wt_json_bool(line, "incomplete", t->incomplete);
  wt_json_end(line);
  fwrite(line->str, 1, line->len, out);
}
