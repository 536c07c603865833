#include "analyzer/core/json-out.h"

#include <math.h>
#include <string.h>

const char *wt_conn_info_addr(const WtConnInfo *ci, int dir)
{
  /* a cache inside a const struct: logically const, the text never changes while the
   * endpoints do not (wt_conn_info_reset_text clears it when they do) */
  char *text = (char *) ci->addr_text[dir ? 1 : 0];
  if (!text[0])
    wt_addr_to_string(dir ? &ci->resp_h : &ci->orig_h, text, sizeof ci->addr_text[0]);
  return text;
}

/* Bytes that go into a JSON string as they are: printable ASCII but the quote and the
 * backslash. */
static gboolean json_plain(guint8 c)
{
  return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void wt_json_escape(GString *out, const char *data, gsize len)
{
  g_string_append_c(out, '"');
  const guint8 *p = (const guint8 *) data;
  gsize i = 0;
  while (i < len) {
    gsize run = i;
    while (run < len && json_plain(p[run]))
      run++;
    if (run > i) {
      g_string_append_len(out, (const char *) p + i, (gssize) (run - i));
      i = run;
      continue;
    }
    guint8 c = p[i];
    if (c == '"' || c == '\\') {
      g_string_append_c(out, '\\');
      g_string_append_c(out, (char) c);
    } else if (c == '\n') {
      g_string_append(out, "\\n");
    } else if (c == '\r') {
      g_string_append(out, "\\r");
    } else if (c == '\t') {
      g_string_append(out, "\\t");
    } else if (c < 0x20 || c == 0x7f) {
      g_string_append_printf(out, "\\u%04x", c);
    } else {
      /* >= 0x80: valid UTF-8 goes as it is; other bytes as \xNN text, as Zeek writes them
       * (packet data need not be UTF-8, and JSON must be) */
      gunichar u = g_utf8_get_char_validated((const char *) p + i, (gssize) (len - i));
      if (u != (gunichar) -1 && u != (gunichar) -2) {
        gsize n = (gsize) g_unichar_to_utf8(u, NULL);
        g_string_append_len(out, (const char *) p + i, (gssize) n);
        i += n;
        continue;
      }
      g_string_append_printf(out, "\\\\x%02x", c);
    }
    i++;
  }
  g_string_append_c(out, '"');
}

/* Unsigned decimal without printf: logs write several numbers per record. */
static void append_u64(GString *s, guint64 v)
{
  char buf[24];
  int n = 0;
  do {
    buf[sizeof buf - 1 - n++] = (char) ('0' + v % 10);
    v /= 10;
  } while (v);
  g_string_append_len(s, buf + sizeof buf - n, n);
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

void wt_json_u64_value(GString *s, guint64 v)
{
  append_u64(s, v);
}

void wt_json_u64(GString *s, const char *key, guint64 v)
{
  wt_json_key(s, key);
  append_u64(s, v);
}

void wt_json_i64(GString *s, const char *key, gint64 v)
{
  wt_json_key(s, key);
  g_string_append_printf(s, "%" G_GINT64_FORMAT, v);
}

void wt_json_double(GString *s, const char *key, double v)
{
  wt_json_key(s, key);
  wt_json_double_value(s, v);
}

void wt_json_double_value(GString *s, double v)
{
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
  wt_json_ts_value(s, ts_ns);
}

void wt_json_ts_value(GString *s, gint64 ts_ns)
{
  if (ts_ns < 0) {
    g_string_append_c(s, '-');
    ts_ns = -ts_ns;
  }
  append_u64(s, (guint64) (ts_ns / 1000000000));
  /* six-digit fraction, zero-padded */
  char frac[7];
  guint64 us = (guint64) (ts_ns % 1000000000) / 1000;
  for (int i = 5; i >= 0; i--, us /= 10)
    frac[i] = (char) ('0' + us % 10);
  frac[6] = '.';
  g_string_append_c(s, '.');
  g_string_append_len(s, frac, 6);
}

void wt_json_conn_id(GString *s, gint64 ts_ns, const WtConnInfo *info)
{
  wt_json_ts(s, "ts", ts_ns);
  wt_json_str(s, "uid", info->uid);
  wt_json_str(s, "id.orig_h", wt_conn_info_addr(info, 0));
  wt_json_u64(s, "id.orig_p", info->orig_p);
  wt_json_str(s, "id.resp_h", wt_conn_info_addr(info, 1));
  wt_json_u64(s, "id.resp_p", info->resp_p);
}

void wt_json_end(GString *s)
{
  g_string_append(s, "}\n");
}
