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

void wt_json_u64_value(GString *s, guint64 v)
{
  append_u64(s, v);
}

void wt_json_double_value(GString *s, double v)
{
  if (isfinite(v))
    g_string_append_printf(s, "%.6f", v);
  else
    g_string_append(s, "null");
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

