#include "dissectors/http/http-log.h"

void wt_http_json_string(GString *out, const char *s)
{
  g_string_append_c(out, '"');
  for (const guint8 *p = (const guint8 *) s; *p; p++) {
    switch (*p) {
    case '"': g_string_append(out, "\\\""); break;
    case '\\': g_string_append(out, "\\\\"); break;
    case '\n': g_string_append(out, "\\n"); break;
    case '\r': g_string_append(out, "\\r"); break;
    case '\t': g_string_append(out, "\\t"); break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        g_string_append_printf(out, "\\u%04x", *p);
      else
        g_string_append_c(out, (char) *p);
    }
  }
  g_string_append_c(out, '"');
}

static void field_str(GString *out, const char *key, const char *v)
{
  if (!v)
    return;  /* Zeek's JSON logs omit unset fields */
  g_string_append_printf(out, ",\"%s\":", key);
  wt_http_json_string(out, v);
}

static void field_u64(GString *out, const char *key, guint64 v)
{
  g_string_append_printf(out, ",\"%s\":%" G_GUINT64_FORMAT, key, v);
}

static void append_ts(GString *out, gint64 ts_ns)
{
  if (ts_ns < 0)
    ts_ns = 0;
  g_string_append_printf(out, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT, ts_ns / 1000000000,
                         (ts_ns % 1000000000) / 1000);
}

void wt_http_log_write(FILE *out, const WtConnInfo *conn, const WtHttpTxn *t)
{
  char orig[64], resp[64], version[8];
  g_autoptr(GString) line = g_string_sized_new(512);
  gint64 ts = t->ts_req_start ? t->ts_req_start : t->ts_resp_start;

  g_string_append(line, "{\"ts\":");
  append_ts(line, ts);
  field_str(line, "uid", conn->uid);
  field_str(line, "id.orig_h", wt_addr_to_string(&conn->orig_h, orig, sizeof orig));
  field_u64(line, "id.orig_p", conn->orig_p);
  field_str(line, "id.resp_h", wt_addr_to_string(&conn->resp_h, resp, sizeof resp));
  field_u64(line, "id.resp_p", conn->resp_p);
  field_u64(line, "trans_depth", t->depth);
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
  field_u64(line, "request_body_len", t->req_body_len);
  field_u64(line, "response_body_len", t->resp_body_len);
  if (t->has_final || t->raw_response) {
    field_u64(line, "status_code", t->status_code);
    field_str(line, "status_msg", t->status_msg ? t->status_msg : "");
  }
  if (t->info_code) {
    field_u64(line, "info_code", t->info_code);
    field_str(line, "info_msg", t->info_msg ? t->info_msg : "");
  }
  if (t->ts_resp_start && t->ts_req_end) {
    gint64 d = t->ts_resp_start - t->ts_req_end;
    g_string_append(line, ",\"time_to_first_byte\":");
    append_ts(line, d > 0 ? d : 0);
  }
  g_string_append_printf(line, ",\"incomplete\":%s}\n", t->incomplete ? "true" : "false");
  fwrite(line->str, 1, line->len, out);
}
