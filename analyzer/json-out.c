#include "analyzer/json-out.h"

#include <math.h>
#include <string.h>

void wt_json_escape(GString *out, const char *data, gsize len)
{
  g_string_append_c(out, '"');
  const unsigned char *p = (const unsigned char *) data;
  for (gsize i = 0; i < len; i++) {
    unsigned char c = p[i];
    if (c == '"')
      g_string_append(out, "\\\"");
    else if (c == '\\')
      g_string_append(out, "\\\\");
    else if (c < 0x20 || c >= 0x7f)
      /* bytes, not characters: packet data need not be UTF-8 (Zeek writes \xNN) */
      g_string_append_printf(out, "\\\\x%02x", c);
    else
      g_string_append_c(out, (char) c);
  }
  g_string_append_c(out, '"');
}

void wt_json_key(GString *s, const char *key)
{
  if (s->len > 1)
    g_string_append_c(s, ',');
  g_string_append_c(s, '"');
  g_string_append(s, key);
  g_string_append(s, "\":");
}

void wt_json_str(GString *s, const char *key, const char *v)
{
  wt_json_key(s, key);
  if (v)
    wt_json_escape(s, v, strlen(v));
  else
    g_string_append(s, "null");
}

void wt_json_strn(GString *s, const char *key, const char *v, gsize len)
{
  wt_json_key(s, key);
  wt_json_escape(s, v, len);
}

void wt_json_u64(GString *s, const char *key, guint64 v)
{
  wt_json_key(s, key);
  g_string_append_printf(s, "%" G_GUINT64_FORMAT, v);
}

void wt_json_i64(GString *s, const char *key, gint64 v)
{
  wt_json_key(s, key);
  g_string_append_printf(s, "%" G_GINT64_FORMAT, v);
}

void wt_json_double(GString *s, const char *key, double v)
{
  wt_json_key(s, key);
  if (isfinite(v))
    g_string_append_printf(s, "%.6f", v);
  else
    g_string_append(s, "null");
}

void wt_json_bool(GString *s, const char *key, gboolean v)
{
  wt_json_key(s, key);
  g_string_append(s, v ? "true" : "false");
}

void wt_json_raw(GString *s, const char *key, const char *raw)
{
  wt_json_key(s, key);
  g_string_append(s, raw);
}

void wt_json_ts(GString *s, const char *key, gint64 ts_ns)
{
  wt_json_key(s, key);
  g_string_append_printf(s, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT, ts_ns / 1000000000,
                         (ts_ns % 1000000000) / 1000);
}

void wt_json_conn_id(GString *s, gint64 ts_ns, const WtConnInfo *info)
{
  char a[64], b[64];
  wt_json_ts(s, "ts", ts_ns);
  wt_json_str(s, "uid", info->uid);
  wt_json_str(s, "id.orig_h", wt_addr_to_string(&info->orig_h, a, sizeof a));
  wt_json_u64(s, "id.orig_p", info->orig_p);
  wt_json_str(s, "id.resp_h", wt_addr_to_string(&info->resp_h, b, sizeof b));
  wt_json_u64(s, "id.resp_p", info->resp_p);
}

void wt_json_end(GString *s)
{
  g_string_append(s, "}\n");
}
