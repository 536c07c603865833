/* The JSON log writer (analyzer/core/json-out.c, log-record.c) against the formatter it
 * replaced: the reference functions below are that code as it was (GString appends,
 * g_string_append_printf), kept here so that every number, timestamp and escaped byte
 * can be compared with what the logs have always held. */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/core/json-out.h"
#include "analyzer/core/log-record.h"
#include "analyzer/output/log-sink.h"
#include "dissectors/http/http-log.h"
#include "dissectors/http/http-txn.h"
#include "tests/unit/guard-page.h"

/* --- the formatter as it was --------------------------------------------------------------- */

static gboolean ref_json_plain(guint8 c)
{
  return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static void ref_escape(GString *out, const char *data, gsize len)
{
  g_string_append_c(out, '"');
  const guint8 *p = (const guint8 *) data;
  gsize i = 0;
  while (i < len) {
    gsize run = i;
    while (run < len && ref_json_plain(p[run]))
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

static void ref_u64(GString *s, guint64 v)
{
  g_string_append_printf(s, "%" G_GUINT64_FORMAT, v);
}

static void ref_ts(GString *s, gint64 ts_ns)
{
  if (ts_ns < 0) {
    g_string_append_c(s, '-');
    ts_ns = -ts_ns;
  }
  ref_u64(s, (guint64) (ts_ns / 1000000000));
  g_string_append_printf(s, ".%06" G_GUINT64_FORMAT, (guint64) (ts_ns % 1000000000) / 1000);
}

static void ref_value(GString *out, const WtLogValue *v)
{
  switch ((WtLogValueKind) v->kind) {
  case WT_LOG_V_NULL: g_string_append(out, "null"); break;
  case WT_LOG_V_STRING: ref_escape(out, v->v.s, v->len); break;
  case WT_LOG_V_COUNT: ref_u64(out, v->v.u); break;
  case WT_LOG_V_INT: g_string_append_printf(out, "%" G_GINT64_FORMAT, v->v.i); break;
  case WT_LOG_V_DOUBLE:
    if (isfinite(v->v.d))
      g_string_append_printf(out, "%.6f", v->v.d);
    else
      g_string_append(out, "null");
    break;
  case WT_LOG_V_BOOL: g_string_append(out, v->v.u ? "true" : "false"); break;
  case WT_LOG_V_TIME: ref_ts(out, v->v.i); break;
  case WT_LOG_V_INTERVAL:
    if (v->v.i >= 0)
      ref_ts(out, v->v.i);
    else
      g_string_append_printf(out, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT,
                             v->v.i / 1000000000, (v->v.i % 1000000000) / 1000);
    break;
  case WT_LOG_V_STRINGS: {
    const char *p = v->v.s;
    g_string_append_c(out, '[');
    for (guint i = 0; i < v->len; i++) {
      gsize len = strlen(p);
      if (i)
        g_string_append_c(out, ',');
      ref_escape(out, p, len);
      p += len + 1;
    }
    g_string_append_c(out, ']');
    break;
  }
  case WT_LOG_V_SECONDS:
    g_string_append_c(out, '[');
    for (guint i = 0; i < v->len; i++)
      g_string_append_printf(out, "%s%u.0", i ? "," : "", v->v.secs[i]);
    g_string_append_c(out, ']');
    break;
  default: g_string_append(out, "null"); break;
  }
}

static void ref_record(GString *out, const WtLogRecord *r)
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
    ref_value(out, &r->v[i]);
  }
  g_string_append(out, "}\n");
}

/* --- helpers ------------------------------------------------------------------------------- */

/* The new escaper on a copy placed right before an unreadable page (an over-read faults),
 * appended to a GString that already holds text and has little room (its growth runs). */
static void check_escape(const guint8 *data, gsize len)
{
  const char *g = (const char *) guarded(data, len);
  g_autoptr(GString) want = g_string_new("x");
  ref_escape(want, g, len);
  g_autoptr(GString) got = g_string_sized_new(1);
  g_string_append_c(got, 'x');
  wt_json_escape(got, g, len);
  if (!g_str_equal(got->str, want->str) || got->len != want->len) {
    g_autofree char *hex = g_strnfill(len * 2, ' ');
    for (gsize i = 0; i < len; i++)
      sprintf(hex + 2 * i, "%02x", data[i]);
    g_error("escape of %s: got %s, want %s", hex, got->str, want->str);
  }
}

static void check_u64(guint64 v)
{
  g_autoptr(GString) want = g_string_new(NULL), got = g_string_sized_new(1);
  ref_u64(want, v);
  wt_json_u64_value(got, v);
  g_assert_cmpstr(got->str, ==, want->str);
  g_assert_cmpuint(got->len, ==, want->len);
}

static void check_i64(gint64 v)
{
  g_autoptr(GString) want = g_string_new(NULL), got = g_string_sized_new(1);
  g_string_append_printf(want, "%" G_GINT64_FORMAT, v);
  wt_json_i64_value(got, v);
  g_assert_cmpstr(got->str, ==, want->str);
}

static void check_ts(gint64 ns)
{
  g_autoptr(GString) want = g_string_new(NULL), got = g_string_sized_new(1);
  ref_ts(want, ns);
  wt_json_ts_value(got, ns);
  g_assert_cmpstr(got->str, ==, want->str);
}

/* --- numbers ------------------------------------------------------------------------------- */

static void test_u64(void)
{
  /* every power of ten and its neighbours (where the digit count changes), the maxima */
  for (guint64 p = 1;; p *= 10) {
    check_u64(p - 1);
    check_u64(p);
    check_u64(p + 1);
    if (p > G_MAXUINT64 / 10)
      break;
  }
  check_u64(0);
  check_u64(G_MAXUINT64);
  check_u64(G_MAXUINT64 - 1);
  check_u64(G_MAXINT64);
  check_u64(G_MAXUINT32);
  check_u64(G_MAXUINT16);
  for (guint64 v = 0; v < 100000; v++)
    check_u64(v);
  GRand *rand = g_rand_new_with_seed(1);
  for (int i = 0; i < 200000; i++) {
    /* random bit lengths, so that every digit count comes up */
    guint64 v = ((guint64) g_rand_int(rand) << 32 | g_rand_int(rand)) >> g_rand_int_range(rand, 0, 64);
    check_u64(v);
  }
  g_rand_free(rand);
}

static void test_i64(void)
{
  check_i64(0);
  check_i64(G_MININT64);
  check_i64(G_MININT64 + 1);
  check_i64(G_MAXINT64);
  for (gint64 v = -100000; v < 100000; v++)
    check_i64(v);
  GRand *rand = g_rand_new_with_seed(2);
  for (int i = 0; i < 200000; i++) {
    gint64 v = (gint64) ((guint64) g_rand_int(rand) << 32 | g_rand_int(rand)) >> g_rand_int_range(rand, 0, 64);
    check_i64(v);
  }
  g_rand_free(rand);
}

/* Capture times: the fraction truncated to microseconds, never rounded (999,999,999 ns
 * stays .999999, no carry into the seconds). */
static void test_ts(void)
{
  static const gint64 ns[] = {
    0, 1, 999, 1000, 1001, 499999, 500000, 999999499, 999999500, 999999999, 1000000000,
    1000000001, 1999999999, 9999999999, 1796289793951245000, 1796289793951245999,
    1796289793999999500, 1796289793999999999, G_MAXINT64, G_MAXINT64 - 1,
    -1, -999, -1000, -999999500, -999999999, -1000000000, -1796289793951245999,
    G_MININT64 + 1,
  };
  for (guint i = 0; i < G_N_ELEMENTS(ns); i++)
    check_ts(ns[i]);
  for (gint64 v = 0; v < 2000000; v += 7)
    check_ts(v);
  GRand *rand = g_rand_new_with_seed(3);
  for (int i = 0; i < 200000; i++) {
    gint64 v = (gint64) (((guint64) g_rand_int(rand) << 32 | g_rand_int(rand)) >> 1);
    v >>= g_rand_int_range(rand, 0, 63);
    check_ts(g_rand_boolean(rand) ? v : -v);
  }
  g_rand_free(rand);
}

/* --- strings ------------------------------------------------------------------------------- */

/* Every byte value alone, and at every position (0-23) of a plain string of every length
 * up to 24 (the word loop, its tail, the tail's 1-3 and 4-7 byte loads). */
static void test_escape_each_byte(void)
{
  check_escape((const guint8 *) "", 0);
  guint8 buf[32];
  for (int c = 0; c < 256; c++) {
    for (gsize len = 1; len <= 24; len++) {
      for (gsize at = 0; at < len; at++) {
        memset(buf, 'a', sizeof buf);
        buf[at] = (guint8) c;
        check_escape(buf, len);
      }
    }
  }
}

/* Every pair of bytes, alone and after seven plain ones (a pair across a word's end). */
static void test_escape_pairs(void)
{
  guint8 buf[9] = "abcdefg";
  for (int a = 0; a < 256; a++) {
    for (int b = 0; b < 256; b++) {
      buf[7] = (guint8) a;
      buf[8] = (guint8) b;
      check_escape(buf + 7, 2);
      check_escape(buf, 9);
    }
  }
}

/* UTF-8: valid sequences of 2, 3 and 4 bytes, cut short at the end, overlong forms,
 * surrogates, code points past U+10FFFF, stray continuation bytes. */
static void test_escape_utf8(void)
{
  static const char *const cases[] = {
    "\xc3\xa9", "caf\xc3\xa9", "\xe4\xb8\xad\xe6\x96\x87", "\xf0\x9f\x98\x80",
    "\xc3", "\xe4\xb8", "\xf0\x9f\x98", "ab\xc3", "abcdefg\xe4\xb8", "abcdefgh\xf0\x9f\x98",
    "\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xed\xa0\x80", "\xed\xbf\xbf",
    "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\x80", "\xbf\xbf", "\xfe\xff",
    "/caf\xc3\xa9/\xe4\xb8\xad?q=\"x\"&b=\\\t\r\n\x01\x7f\xff",
    "\xef\xbb\xbf", "\xef\xbf\xbe", "\xef\xbf\xbf",
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    check_escape((const guint8 *) cases[i], strlen(cases[i]));
  /* every valid code point, encoded by GLib, alone and after 5 plain bytes */
  for (gunichar u = 0x80; u <= 0x10ffff; u += (u < 0x10000 ? 1 : 37)) {
    if (u >= 0xd800 && u < 0xe000)
      continue;
    guint8 buf[16] = "abcde";
    gint n = g_unichar_to_utf8(u, (char *) buf + 5);
    check_escape(buf + 5, (gsize) n);
    check_escape(buf, (gsize) n + 5);
  }
}

/* Random strings: any bytes, mostly printable ASCII, mostly UTF-8 text; lengths 0-300. */
static void test_escape_random(void)
{
  GRand *rand = g_rand_new_with_seed(4);
  guint8 buf[300];
  for (int i = 0; i < 300000; i++) {
    gsize len = (gsize) g_rand_int_range(rand, 0, i % 10 ? 40 : 300);
    int mode = g_rand_int_range(rand, 0, 3);
    for (gsize k = 0; k < len; k++) {
      guint32 r = g_rand_int(rand);
      if (mode == 0)
        buf[k] = (guint8) r;
      else if (mode == 1)
        buf[k] = (r & 0xff) < 250 ? (guint8) (0x20 + (r >> 8) % 95) : (guint8) (r >> 16);
      else
        buf[k] = (r & 0xff) < 200 ? (guint8) (0x20 + (r >> 8) % 95)
                 : (guint8) ("\xc3\xa9\xe4\xb8\xad\x22\x5c\x0a\x7f\x80"[(r >> 8) % 10]);
    }
    check_escape(buf, len);
  }
  g_rand_free(rand);
}

/* --- records ------------------------------------------------------------------------------- */

static const WtLogColumn test_columns[] = {
  WT_LOG_CONN_ID_COLUMNS,
  { "s", WT_LOG_STRING, "s", "String" },
  { "n", WT_LOG_COUNT, "n", "UInt64" },
  { "i", WT_LOG_INT, "i", "Int64" },
  { "d", WT_LOG_DOUBLE, "d", "Float64" },
  { "b", WT_LOG_BOOL, "b", "UInt8" },
  { "t", WT_LOG_TIME, "t", "Nullable(Float64)" },
  { "dur", WT_LOG_INTERVAL, "dur", "Float64" },
  { "parents", WT_LOG_STRINGS, "parents", "Array(String)" },
  { "secs", WT_LOG_INTERVALS, "secs", "Array(Float64)" },
  { "nothing", WT_LOG_STRING, "nothing", "String" },
  /* longer than a key slot: written from the column's name */
  { "a_column_name_longer_than_the_thirty_two_byte_slot", WT_LOG_COUNT, "long", "UInt64" },
  { "twenty_eight_chars_long_name", WT_LOG_COUNT, "l28", "UInt64" },
  { "twenty_nine_chars_long_namex", WT_LOG_COUNT, "l29", "UInt64" },
};

static const WtLogTable test_table = {
  .name = "test", .columns = test_columns, .n_columns = G_N_ELEMENTS(test_columns),
};

static void check_record(const WtLogRecord *r, WtLogJsonKeys *keys)
{
  g_autoptr(GString) want = g_string_new("prefix\n"), got = g_string_sized_new(1);
  g_string_append(got, "prefix\n");
  ref_record(want, r);
  wt_log_record_json_keys(got, r, keys);
  g_assert_cmpstr(got->str, ==, want->str);
  g_string_truncate(got, 7);
  wt_log_record_json(got, r);
  g_assert_cmpstr(got->str, ==, want->str);
}

/* Records of every value kind, every subset of the columns present (set bits from a
 * random mask), through the keys and without. */
static void test_records(void)
{
  WtLogJsonKeys *keys = wt_log_json_keys_new(&test_table);
  GRand *rand = g_rand_new_with_seed(5);
  static const guint32 secs[] = { 0, 1, 59, 3600, G_MAXUINT32 };
  static const char parents[] = "CAbc\0C\"q\\\0\0Cz";
  static const double doubles[] = { 0.0, 1.5, -2.25, 0.0000005, 1e300, -1e-300, NAN, INFINITY };
  WtConnInfo info = { .uid = "CHviLosfBGkUcqLYXt", .orig_p = 59304, .resp_p = 8080 };
  info.orig_h.family = 4;
  memcpy(info.orig_h.bytes, (guint8[]) { 127, 0, 0, 1 }, 4);
  info.resp_h.family = 6;
  memcpy(info.resp_h.bytes, (guint8[]) { 0x20, 1, 0xd, 0xb8, [15] = 1 }, 16);
  WtLogRecord empty;
  wt_log_record_init(&empty, &test_table);
  check_record(&empty, keys);
  for (int n = 0; n < 20000; n++) {
    WtLogRecord r;
    wt_log_record_init(&r, &test_table);
    wt_log_set_conn_id(&r, (gint64) g_rand_int(rand) * 1000003, &info);
    char s[64];
    gsize slen = (gsize) g_rand_int_range(rand, 0, sizeof s);
    for (gsize k = 0; k < slen; k++)
      s[k] = (char) g_rand_int_range(rand, 0, 256);
    wt_log_set_strn(&r, 6, s, slen);
    wt_log_set_count(&r, 7, (guint64) g_rand_int(rand) << g_rand_int_range(rand, 0, 33));
    wt_log_set_int(&r, 8, (gint64) g_rand_int(rand) - G_MAXINT32);
    wt_log_set_double(&r, 9, doubles[n % G_N_ELEMENTS(doubles)]);
    wt_log_set_bool(&r, 10, n & 1);
    /* the seconds' digits are kept from one record to the next: times in the same
     * second, the next, back again; around 100 s (where keeping starts) */
    static const gint64 near[] = { 99999999999, 100000000000, 100999999999, 0, 999999999 };
    gint64 half_seconds = g_rand_int_range(rand, -3, 4) * G_GINT64_CONSTANT(500000000);
    gint64 t = n % 4 == 0   ? (gint64) g_rand_int(rand) * 999999937
               : n % 4 == 1 ? G_GINT64_CONSTANT(1796289793000000000) + half_seconds
                                + g_rand_int_range(rand, 0, 1000000)
               : n % 4 == 2 ? near[g_rand_int_range(rand, 0, G_N_ELEMENTS(near))]
                            : -(gint64) n;
    wt_log_set_time(&r, 11, t);
    wt_log_set_time(&r, 1, t + g_rand_int_range(rand, 0, 3) * G_GINT64_CONSTANT(999999999));
    wt_log_set_interval(&r, 12, n % 5 ? (gint64) g_rand_int(rand) : -(gint64) g_rand_int(rand) * 977);
    wt_log_set_strings(&r, 13, parents, (guint) (n % 5));
    wt_log_set_seconds(&r, 14, secs, (guint) (n % 6));
    wt_log_set_str(&r, 15, NULL);
    wt_log_set_count(&r, 16, G_MAXUINT64);
    wt_log_set_count(&r, 17, 28);
    wt_log_set_count(&r, 18, 29);
    if (n % 7 == 0)
      r.v[7].kind = 99; /* a kind this writer does not know: null */
    r.set &= ((guint64) g_rand_int(rand) << 32 | g_rand_int(rand)) | (n % 2 ? ~0ull : 0);
    check_record(&r, keys);
  }
  g_rand_free(rand);
  wt_log_json_keys_free(keys);
}

/* The log sink writes the lines of wt_log_record_json, and a worker's buffer the same. */
static void test_sink_and_buffer(void)
{
  char *buf = NULL, *buf2 = NULL;
  size_t len = 0, len2 = 0;
  FILE *f = open_memstream(&buf, &len), *f2 = open_memstream(&buf2, &len2);
  WtLogSink *direct = wt_log_sink_new_stream(&test_table, f, NULL);
  WtLogSink *main_sink = wt_log_sink_new_stream(&test_table, f2, NULL);
  WtLogBuffer *b = wt_log_buffer_new(main_sink);
  g_autoptr(GString) want = g_string_new(NULL);
  WtConnInfo info = { .uid = "Cq", .orig_p = 1, .resp_p = 2 };
  info.orig_h.family = info.resp_h.family = 4;
  for (int n = 0; n < 1000; n++) {
    WtLogRecord r;
    wt_log_record_init(&r, &test_table);
    wt_log_set_conn_id(&r, n * G_GINT64_CONSTANT(1000000007), &info);
    g_autofree char *s = g_strdup_printf("value \"%d\"\n\xe4\xb8\xad\xff", n);
    wt_log_set_str(&r, 6, s);
    wt_log_set_count(&r, 7, (guint64) n * n * n);
    ref_record(want, &r);
    wt_log_write(wt_log_sink_log(direct), &r);
    wt_log_write(wt_log_buffer_log(b), &r);
    if (n % 97 == 0)
      wt_log_buffer_flush(b);
  }
  wt_log_buffer_flush(b);
  wt_log_buffer_free(b);
  wt_log_sink_free(direct);
  wt_log_sink_free(main_sink);
  fclose(f);
  fclose(f2);
  g_assert_cmpstr(buf, ==, want->str);
  g_assert_cmpstr(buf2, ==, want->str);
  free(buf);
  free(buf2);
}

/* Lines a sink keeps (it hands them to its stream in batches) come out in the order the
 * records came, before the lines of a worker buffer flushed after them, and all of them
 * once wt_log_sink_flush returns. */
static void test_sink_order(void)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  WtLogSink *sink = wt_log_sink_new_stream(&test_table, f, NULL);
  WtLogBuffer *b = wt_log_buffer_new(sink);
  g_autoptr(GString) want = g_string_new(NULL), in_buffer = g_string_new(NULL);
  WtConnInfo info = { .uid = "Co", .orig_p = 1, .resp_p = 2 };
  info.orig_h.family = info.resp_h.family = 4;
  GRand *rand = g_rand_new_with_seed(6);
  for (int n = 0; n < 5000; n++) {
    WtLogRecord r;
    wt_log_record_init(&r, &test_table);
    wt_log_set_conn_id(&r, n, &info);
    /* long lines now and then, so that the batch fills up at different points */
    g_autofree char *s = g_strnfill((gsize) g_rand_int_range(rand, 0, n % 50 ? 100 : 20000), 'v');
    wt_log_set_str(&r, 6, s);
    if (g_rand_boolean(rand)) {
      wt_log_write(wt_log_sink_log(sink), &r);
      ref_record(want, &r);
    } else {
      wt_log_write(wt_log_buffer_log(b), &r);
      ref_record(in_buffer, &r);
    }
    if (n % 13 == 0) {
      wt_log_buffer_flush(b);
      g_string_append_len(want, in_buffer->str, (gssize) in_buffer->len);
      g_string_truncate(in_buffer, 0);
    }
    if (n % 777 == 0) {
      wt_log_sink_flush(sink);
      g_assert_cmpuint(len, ==, want->len);
      g_assert_true(memcmp(buf, want->str, len) == 0);
    }
  }
  wt_log_buffer_flush(b);
  g_string_append_len(want, in_buffer->str, (gssize) in_buffer->len);
  wt_log_buffer_free(b);
  wt_log_sink_free(sink);
  fclose(f);
  g_assert_cmpuint(len, ==, want->len);
  g_assert_cmpstr(buf, ==, want->str);
  free(buf);
  g_rand_free(rand);
}

/* http.log's version field: "major.minor" of the reply (or the request) as printf's
 * "%u.%u" wrote it, for every pair of byte values; "2" for HTTP/2. */
static void test_http_version(void)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  WtLogSink *sink = wt_log_sink_new_stream(&wt_http_log_table, f, NULL);
  WtConnInfo info = { .uid = "Cv", .orig_p = 1, .resp_p = 2 };
  info.orig_h.family = info.resp_h.family = 4;
  g_autoptr(GString) want = g_string_new(NULL);
  for (guint major = 0; major < 256; major++) {
    for (guint minor = 0; minor < 256; minor++) {
      WtHttpTxn t = { 0 };
      gboolean reply = (major + minor) % 2;
      t.has_final = reply;
      if (reply) {
        t.resp_major = (guint8) major;
        t.resp_minor = (guint8) minor;
        t.req_major = 1;
      } else {
        t.req_major = (guint8) major;
        t.req_minor = (guint8) minor;
      }
      wt_http_log_write(wt_log_sink_log(sink), &info, &t);
      if (!reply && major == 2)
        g_string_append(want, "2\n");
      else
        g_string_append_printf(want, "%u.%u\n", major, minor);
    }
  }
  wt_log_sink_free(sink);
  fclose(f);
  g_autoptr(GString) got = g_string_new(NULL);
  g_auto(GStrv) lines = g_strsplit(buf, "\n", -1);
  for (guint i = 0; lines[i] && lines[i][0]; i++) {
    const char *v = strstr(lines[i], ",\"version\":\"");
    g_assert_nonnull(v);
    v += strlen(",\"version\":\"");
    g_string_append_len(got, v, strchr(v, '"') - v);
    g_string_append_c(got, '\n');
  }
  g_assert_cmpstr(got->str, ==, want->str);
  free(buf);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/json-out/u64", test_u64);
  g_test_add_func("/json-out/i64", test_i64);
  g_test_add_func("/json-out/timestamps", test_ts);
  g_test_add_func("/json-out/escape-each-byte", test_escape_each_byte);
  g_test_add_func("/json-out/escape-pairs", test_escape_pairs);
  g_test_add_func("/json-out/escape-utf8", test_escape_utf8);
  g_test_add_func("/json-out/escape-random", test_escape_random);
  g_test_add_func("/log-record/records", test_records);
  g_test_add_func("/log-record/sink-and-buffer", test_sink_and_buffer);
  g_test_add_func("/log-record/sink-order", test_sink_order);
  g_test_add_func("/http-log/version", test_http_version);
  return g_test_run();
}
