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

/* --- numbers ----------------------------------------------------------------------------- */

static const char digit_pairs[] =
  "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
  "8081828384858687888990919293949596979899";

static guint u64_digits(guint64 v)
{
  guint n = 1;
  for (;;) {
    if (v < 10)
      return n;
    if (v < 100)
      return n + 1;
    if (v < 1000)
      return n + 2;
    if (v < 10000)
      return n + 3;
    v /= 10000;
    n += 4;
  }
}

/* Unsigned decimal without printf, two digits per division: logs write several numbers
 * per record, most of them one or two digits long. */
char *wt_json_put_u64(char *o, guint64 v)
{
  if (v < 10) {
    *o = (char) ('0' + v);
    return o + 1;
  }
  if (v < 100) {
    memcpy(o, digit_pairs + v * 2, 2);
    return o + 2;
  }
  char *end = o + u64_digits(v);
  char *p = end;
  while (v >= 100) {
    guint k = (guint) (v % 100) * 2;
    v /= 100;
    p -= 2;
    memcpy(p, digit_pairs + k, 2);
  }
  if (v >= 10)
    memcpy(p - 2, digit_pairs + v * 2, 2);
  else
    p[-1] = (char) ('0' + v);
  return end;
}

char *wt_json_put_i64(char *o, gint64 v)
{
  if (v >= 0)
    return wt_json_put_u64(o, (guint64) v);
  *o++ = '-';
  return wt_json_put_u64(o, -(guint64) v); /* unsigned negation: exact for G_MININT64 */
}

/* seconds.micro, the fraction truncated to six digits */
char *wt_json_put_ts(char *o, gint64 ts_ns)
{
  guint64 ns = (guint64) ts_ns;
  if (ts_ns < 0) {
    *o++ = '-';
    ns = -(guint64) ts_ns;
  }
  o = wt_json_put_u64(o, ns / 1000000000);
  guint us = (guint) (ns % 1000000000 / 1000);
  *o++ = '.';
  memcpy(o, digit_pairs + us / 10000 * 2, 2);
  memcpy(o + 2, digit_pairs + us / 100 % 100 * 2, 2);
  memcpy(o + 4, digit_pairs + us % 100 * 2, 2);
  return o + 6;
}

char *wt_json_put_ts_cached(char *o, gint64 ts_ns, WtJsonSecondsCache *cache)
{
  if (ts_ns < G_GINT64_CONSTANT(100000000000)) /* negative, or small: nothing to gain */
    return wt_json_put_ts(o, ts_ns);
  guint64 secs = (guint64) ts_ns / 1000000000;
  if (secs != cache->secs) {
    cache->len = (guint) (wt_json_put_u64(cache->text, secs) - cache->text);
    cache->secs = secs;
  }
  /* a fixed-size copy (WT_JSON_TS_ROOM covers it); the fraction goes after the digits */
  memcpy(o, cache->text, sizeof cache->text);
  o += cache->len;
  guint us = (guint) ((guint64) ts_ns % 1000000000 / 1000);
  *o++ = '.';
  memcpy(o, digit_pairs + us / 10000 * 2, 2);
  memcpy(o + 2, digit_pairs + us / 100 % 100 * 2, 2);
  memcpy(o + 4, digit_pairs + us % 100 * 2, 2);
  return o + 6;
}

void wt_json_grow(GString *s, gsize n)
{
  gsize len = s->len;
  g_string_set_size(s, len + n); /* grows the block; the length is set back below */
  s->len = len;
}

void wt_json_u64_value(GString *s, guint64 v)
{
  wt_json_commit(s, wt_json_put_u64(wt_json_reserve(s, WT_JSON_U64_ROOM), v));
}

void wt_json_i64_value(GString *s, gint64 v)
{
  wt_json_commit(s, wt_json_put_i64(wt_json_reserve(s, WT_JSON_I64_ROOM), v));
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
  wt_json_commit(s, wt_json_put_ts(wt_json_reserve(s, WT_JSON_TS_ROOM), ts_ns));
}

/* --- strings ----------------------------------------------------------------------------- */

static const char hex_digits[] = "0123456789abcdef";

/* One byte that is not plain (and the UTF-8 sequence it may start), escaped. Returns the
 * input bytes used. */
static gsize put_special(char **out, const guint8 *p, gsize avail)
{
  char *o = *out;
  guint8 c = p[0];
  gsize used = 1;
  if (c == '"' || c == '\\') {
    o[0] = '\\';
    o[1] = (char) c;
    o += 2;
  } else if (c == '\n' || c == '\r' || c == '\t') {
    o[0] = '\\';
    o[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
    o += 2;
  } else if (c < 0x20 || c == 0x7f) {
    memcpy(o, "\\u00", 4);
    o[4] = hex_digits[c >> 4];
    o[5] = hex_digits[c & 15];
    o += 6;
  } else {
    /* >= 0x80: valid UTF-8 goes as it is; other bytes as \xNN text, as Zeek writes them
     * (packet data need not be UTF-8, and JSON must be) */
    gunichar u = g_utf8_get_char_validated((const char *) p, (gssize) avail);
    if (u != (gunichar) -1 && u != (gunichar) -2) {
      used = (gsize) g_unichar_to_utf8(u, NULL);
      memcpy(o, p, used);
      o += used;
    } else {
      memcpy(o, "\\\\x", 3);
      o[3] = hex_digits[c >> 4];
      o[4] = hex_digits[c & 15];
      o += 5;
    }
  }
  *out = o;
  return used;
}

#if G_BYTE_ORDER == G_LITTLE_ENDIAN
#define ONES G_GUINT64_CONSTANT(0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT(0x8080808080808080)

/* Bit 7 of each byte set when the byte does not go into a JSON string as it is (printable
 * ASCII but the quote and the backslash do). Computed on the low seven bits of each byte,
 * where no sum carries into the next byte: exact for every byte, so the lowest set bit is
 * the first such byte. */
static inline guint64 not_plain_bytes(guint64 w)
{
  guint64 low7 = w & (ONES * 0x7f);
  guint64 from_space = low7 + ONES * 0x60;                 /* >= 0x20 */
  guint64 not_quote = (low7 ^ (ONES * '"')) + ONES * 0x7f;  /* != '"' */
  guint64 not_bs = (low7 ^ (ONES * '\\')) + ONES * 0x7f;   /* != '\\' */
  guint64 del = low7 + ONES;                               /* == 0x7f */
  return (~(from_space & not_quote & not_bs) | del | w) & HIGHS; /* w: >= 0x80 */
}

/* The last 1-7 bytes of a string as a word, zero above them (a zero byte is not plain, so
 * the scan stops there), read without touching memory past the string. */
static inline guint64 load_tail(const guint8 *p, gsize n)
{
  if (n >= 4) {
    guint32 lo, hi;
    memcpy(&lo, p, 4);
    memcpy(&hi, p + n - 4, 4); /* overlaps lo for n < 8: the same bytes in the same place */
    return lo | (guint64) hi << ((n - 4) * 8);
  }
  return p[0] | (guint64) p[n / 2] << (n / 2 * 8) | (guint64) p[n - 1] << ((n - 1) * 8);
}

/* The string from byte i on, where a byte that is not plain comes soon: the general loop,
 * with the closing quote. */
static G_GNUC_NO_INLINE char *put_escaped_rest(char *o, const guint8 *p, gsize i, gsize len)
{
  while (i < len) {
    guint64 w;
    if (len - i >= 8)
      memcpy(&w, p + i, 8);
    else
      w = load_tail(p + i, len - i);
    memcpy(o, &w, 8);
    guint64 special = not_plain_bytes(w);
    if (!special) {
      o += 8;
      i += 8;
      continue;
    }
    /* the first byte that is not plain; at most the tail's end, where the zeros start */
    gsize plain = (gsize) __builtin_ctzll(special) / 8;
    o += plain;
    i += plain;
    if (i < len)
      i += put_special(&o, p + i, len - i);
  }
  *o++ = '"';
  return o;
}

/* The plain bytes are found eight at a time and copied as whole words (the room has
 * WT_JSON_PUT_SLACK bytes for the part of a word past the plain ones). Most strings are
 * plain throughout: this loop calls nothing until the first byte that is not. */
char *wt_json_put_escaped(char *o, const char *data, gsize len)
{
  const guint8 *p = (const guint8 *) data;
  *o++ = '"';
  for (gsize i = 0; i < len;) {
    guint64 w;
    if (len - i >= 8)
      memcpy(&w, p + i, 8);
    else
      w = load_tail(p + i, len - i);
    memcpy(o, &w, 8);
    guint64 special = not_plain_bytes(w);
    if (!special) {
      o += 8;
      i += 8;
      continue;
    }
    gsize plain = (gsize) __builtin_ctzll(special) / 8;
    o += plain;
    i += plain;
    if (i < len)
      return put_escaped_rest(o, p, i, len);
    break;
  }
  *o++ = '"';
  return o;
}
#else
/* Bytes that go into a JSON string as they are: printable ASCII but the quote and the
 * backslash. */
static gboolean json_plain(guint8 c)
{
  return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

char *wt_json_put_escaped(char *o, const char *data, gsize len)
{
  const guint8 *p = (const guint8 *) data;
  gsize i = 0;
  *o++ = '"';
  while (i < len) {
    while (i < len && json_plain(p[i]))
      *o++ = (char) p[i++];
    if (i < len)
      i += put_special(&o, p + i, len - i);
  }
  *o++ = '"';
  return o;
}
#endif

void wt_json_escape(GString *out, const char *data, gsize len)
{
  wt_json_commit(out, wt_json_put_escaped(wt_json_reserve(out, WT_JSON_ESCAPED_ROOM(len)),
                                          data, len));
}
