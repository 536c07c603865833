#include "dissectors/http/http-parse.h"
#include "dissectors/http/http-limits.h"
#include <string.h>

/* RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 * "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
/* RFC 9110 token characters: ALPHA DIGIT and !#$%&'*+-.^_`|~ (a table: this is asked for
 * every byte of every method and header name). */
const guint8 wt_http_tchar_table[256] = {
  ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
  ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
  ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
  ['8'] = 1, ['9'] = 1,
  ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
  ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
  ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
  ['Y'] = 1, ['Z'] = 1,
  ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
  ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
  ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
  ['y'] = 1, ['z'] = 1,
};

/* Inline within this file: the parsers ask it for every byte of every name. */
static inline gboolean is_tchar(guint8 c)
{
  return wt_http_tchar_table[c];
}

gboolean wt_http_is_tchar(guint8 c)
{
  return is_tchar(c);
}

#define ONES 0x0101010101010101u
#define HIGHS 0x8080808080808080u

/* Word-at-a-time byte tests (the "has a byte less than n" and "has a zero byte" tests):
 * each sets the high bit of every byte that passes; a byte can be marked wrongly only
 * above (after, in memory order) one that passes, through a borrow or carry it started,
 * so the lowest mark is exact. */
static inline guint64 bytes_below(guint64 w, guint8 n)  /* n <= 128 */
{
  return (w - n * ONES) & ~w & HIGHS;
}

static inline guint64 bytes_equal(guint64 w, guint8 c)
{
  guint64 d = w ^ (c * ONES);
  return (d - ONES) & ~d & HIGHS;
}

static inline guint64 bytes_from_7f(guint64 w)  /* 0x7f and above */
{
  return ((w + ONES) | w) & HIGHS;
}

/* Index of the first marked byte of w (memory order: x86-64 is little-endian). */
static inline gsize first_marked(guint64 mask)
{
  return (gsize) __builtin_ctzll(mask) / 8;
}

static inline gboolean is_plain_byte(guint8 c)
{
  return c >= 0x20 && c < 0x7f;
}

static inline guint64 not_plain(guint64 w)
{
  return bytes_below(w, 0x20) | bytes_from_7f(w);
}

/* The rest after the whole words is the last word of the span, overlapping the one before:
 * its bytes before p + i passed, so its first mark is at or after p + i, and exact. */
gsize wt_http_plain_prefix(const guint8 *p, gsize n)
{
  gsize i = 0;
  guint64 w, m;
  for (; i + 8 <= n; i += 8) {
    memcpy(&w, p + i, 8);
    if ((m = not_plain(w)))
      return i + first_marked(m);
  }
  if (i == n || n < 8) {
    while (i < n && is_plain_byte(p[i]))
      i++;
    return i;
  }
  memcpy(&w, p + n - 8, 8);
  return (m = not_plain(w)) ? n - 8 + first_marked(m) : n;
}

static inline guint64 bytes_upper(guint64 w)
{
  return wt_http_bytes_in(w, 'A', 'Z');
}

gboolean wt_http_has_upper(const guint8 *p, gsize n)
{
  gsize i = 0;
  for (; i + 8 <= n; i += 8) {
    guint64 w;
    memcpy(&w, p + i, 8);
    if (bytes_upper(w))
      return TRUE;
  }
  for (; i < n; i++)
    if (p[i] >= 'A' && p[i] <= 'Z')
      return TRUE;
  return FALSE;
}

/* request-target bytes: anything visible; obs-text (>= 0x80) is tolerated because real
 * clients send raw UTF-8. */
static gboolean is_target_byte(guint8 c)
{
  return c > 0x20 && c != 0x7f;
}

static inline guint64 not_target(guint64 w)
{
  return bytes_below(w, 0x21) | bytes_equal(w, 0x7f);
}

/* (the rest as in wt_http_plain_prefix) */
gsize wt_http_target_prefix(const guint8 *p, gsize n)
{
  gsize i = 0;
  guint64 w, m;
  for (; i + 8 <= n; i += 8) {
    memcpy(&w, p + i, 8);
    if ((m = not_target(w)))
      return i + first_marked(m);
  }
  if (i == n || n < 8) {
    while (i < n && is_target_byte(p[i]))
      i++;
    return i;
  }
  memcpy(&w, p + n - 8, 8);
  return (m = not_target(w)) ? n - 8 + first_marked(m) : n;
}

static gboolean is_ows(guint8 c)
{
  return c == ' ' || c == '\t';
}

static const char *const known_methods[] = {
  "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
  /* WebDAV and its extensions (RFC 4918, 3253, 3648, 3744, 4437, 4791, 5323, 5842) */
  "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "REPORT",
  "MKCALENDAR", "ACL", "BIND", "UNBIND", "REBIND", "CHECKIN", "CHECKOUT", "UNCHECKOUT",
  "VERSION-CONTROL", "MERGE", "MKWORKSPACE", "MKACTIVITY", "BASELINE-CONTROL", "LABEL",
  "UPDATE", "ORDERPATCH", "MKREDIRECTREF", "UPDATEREDIRECTREF",
  /* HTTP/2 connection preface, and the safe-query method draft */
  "PRI", "QUERY",
};

const char *wt_http_method_known(const guint8 *p, gsize len)
{
  for (gsize i = 0; i < G_N_ELEMENTS(known_methods); i++) {
    const char *m = known_methods[i];
    gsize n = strlen(m);
    if (n == len && memcmp(m, p, n) == 0)
      return m;
  }
  return NULL;
}

static gboolean parse_version(const guint8 *p, gsize len, guint8 *major, guint8 *minor)
{
  /* "HTTP/" DIGIT "." DIGIT, exactly 8 bytes */
  if (len != 8 || memcmp(p, "HTTP/", 5) != 0 || !g_ascii_isdigit(p[5]) || p[6] != '.' ||
      !g_ascii_isdigit(p[7]))
    return FALSE;
  *major = (guint8) (p[5] - '0');
  *minor = (guint8) (p[7] - '0');
  return TRUE;
}

gboolean wt_http_parse_request_line(const guint8 *line, gsize len, WtHttpRequestLine *out)
{
  gsize i = 0;
  memset(out, 0, sizeof *out);
  while (i < len && i <= WT_HTTP_MAX_METHOD && is_tchar(line[i]))
    i++;
  if (i == 0 || i > WT_HTTP_MAX_METHOD || i == len || line[i] != ' ')
    return FALSE;
  out->method.p = line;
  out->method.len = i;
  i++;  /* SP */
  gsize t0 = i;
  i += wt_http_target_prefix(line + t0, len - t0);
  if (i == t0)
    return FALSE;
  out->target.p = line + t0;
  out->target.len = i - t0;
  if (i == len) {
    if (parse_version(out->target.p, out->target.len, &out->major, &out->minor)) {
      out->missing_uri = TRUE;  /* "OPTIONS HTTP/1.1" */
      out->target.len = 0;
      return TRUE;
    }
    /* HTTP/0.9 simple request: method SP target, no version (RFC 1945 4.1) */
    out->http09 = TRUE;
    out->major = 0;
    out->minor = 9;
    return TRUE;
  }
  if (line[i] != ' ')
    return FALSE;
  i++;
  if (parse_version(line + i, len - i, &out->major, &out->minor))
    return TRUE;
  /* "GET / HTTP/1." and the like: still a request, with a broken version */
  if (len - i < 5 || memcmp(line + i, "HTTP/", 5) != 0)
    return FALSE;
  for (gsize k = i; k < len; k++)
    if (!is_target_byte(line[k]))
      return FALSE;
  out->bad_version = TRUE;
  out->major = out->minor = 0;
  return TRUE;
}

gboolean wt_http_parse_status_line(const guint8 *line, gsize len, WtHttpStatusLine *out)
{
  memset(out, 0, sizeof *out);
  if (len < 12 || !parse_version(line, 8, &out->major, &out->minor) || line[8] != ' ')
    return FALSE;
  guint code = 0;
  for (gsize i = 9; i < 12; i++) {
    if (!g_ascii_isdigit(line[i]))
      return FALSE;
    code = code * 10 + (guint) (line[i] - '0');
  }
  out->code = (guint16) code;
  if (len == 12)  /* "HTTP/1.1 200" without SP: tolerated, as every client does */
    return TRUE;
  if (line[12] != ' ')  /* a fourth digit, or garbage: not a three-digit code */
    return FALSE;
  if (wt_http_has_control_byte(line + 13, len - 13))
    return FALSE;
  out->reason.p = line + 13;
  out->reason.len = len - 13;
  return TRUE;
}

static gboolean is_control_byte(guint8 c)
{
  return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Any byte below 0x20 or equal to 0x7f in the 8 bytes of w: the word-at-a-time tests of
 * "has a byte less than n" and "has a zero byte" (exact as yes/no answers). */
static gboolean word_may_have_control(guint64 w)
{
  const guint64 ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  guint64 del = w ^ (0x7f * ones);
  /* (!= 0: as a gboolean, an int, the marks of bytes 4-7 would be cut off) */
  return ((((w - 0x20 * ones) & ~w) | ((del - ones) & ~del)) & highs) != 0;
}

/* A control byte other than HTAB in a field value (every header line's whole value
 * passes here): eight bytes per step, and the bytes of a word that may hold one are
 * looked at one by one (a tab alone sends a word there). */
static gboolean has_control_bytewise(const guint8 *p, gsize n)
{
  for (gsize k = 0; k < n; k++)
    if (is_control_byte(p[k]))
      return TRUE;
  return FALSE;
}

gboolean wt_http_has_control_byte(const guint8 *p, gsize n)
{
  if (n < 8)
    return has_control_bytewise(p, n);
  /* whole words, the last one ending at the last byte (it may overlap the one before); a
   * word that may hold one (a tab alone sends a word there) sends the value to the byte
   * loop */
  guint64 w;
  for (gsize k = 0; k + 8 < n; k += 8) {
    memcpy(&w, p + k, 8);
    if (G_UNLIKELY(word_may_have_control(w)))
      return has_control_bytewise(p, n);
  }
  memcpy(&w, p + n - 8, 8);
  return word_may_have_control(w) && has_control_bytewise(p, n);
}

gboolean wt_http_parse_header(const guint8 *line, gsize len, WtHttpHeader *out)
{
  memset(out, 0, sizeof *out);
  gsize i = 0;
  while (i < len && is_tchar(line[i]))
    i++;
  /* RFC 9112 5.1: no whitespace between name and colon */
  if (i == 0 || i == len || line[i] != ':')
    return FALSE;
  out->name.p = line;
  out->name.len = i;
  i++;
  while (i < len && is_ows(line[i]))
    i++;
  gsize end = len;
  while (end > i && is_ows(line[end - 1]))
    end--;
  out->bad_value = wt_http_has_control_byte(line + i, end - i);
  out->value.p = line + i;
  out->value.len = end - i;
  return TRUE;
}

static int hex_value(guint8 c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (guint8) g_ascii_tolower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

gboolean wt_http_parse_chunk_size(const guint8 *line, gsize len, guint64 *size)
{
  guint64 v = 0;
  gsize i = 0;
  int h;
  while (i < len && (h = hex_value(line[i])) >= 0) {
    if (v > ((guint64) G_MAXINT64 >> 4))
      return FALSE;  /* the next shift would pass 2^63 - 1 */
    v = (v << 4) | (guint64) h;
    i++;
  }
  if (i == 0)
    return FALSE;
  while (i < len && is_ows(line[i]))
    i++;
  /* chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): skipped, but must start
   * with ';' */
  if (i < len && line[i] != ';')
    return FALSE;
  *size = v;
  return TRUE;
}

gboolean wt_http_parse_content_length(const guint8 *v, gsize len, guint64 *out)
{
  /* the usual value: 1 to 18 digits and nothing else (below 10^18: no overflow) */
  if (len >= 1 && len <= 18) {
    guint64 n = 0;
    gsize i = 0;
    for (; i < len; i++) {
      guint d = (guint) v[i] - '0';
      if (d > 9)
        break;
      n = n * 10 + d;
    }
    if (i == len) {
      *out = n;
      return TRUE;
    }
  }
  gboolean have = FALSE;
  guint64 first = 0;
  gsize i = 0;
  for (;;) {
    while (i < len && is_ows(v[i]))
      i++;
    guint64 n = 0;
    gsize d0 = i;
    while (i < len && g_ascii_isdigit(v[i])) {
      guint digit = (guint) (v[i] - '0');
      /* (the first test, a constant, spares the division for all but 19-digit values) */
      if (n > ((guint64) G_MAXINT64 - 9) / 10 && n > ((guint64) G_MAXINT64 - digit) / 10)
        return FALSE;  /* overflow */
      n = n * 10 + digit;
      i++;
    }
    if (i == d0)
      return FALSE;  /* empty element, sign or garbage */
    if (have && n != first)
      return FALSE;
    first = n;
    have = TRUE;
    while (i < len && is_ows(v[i]))
      i++;
    if (i == len)
      break;
    if (v[i] != ',')
      return FALSE;
    i++;
  }
  *out = first;
  return TRUE;
}

/* Calls back for each list element [b, e), OWS and ;parameters trimmed. */
static WtHttpSpan list_element(const guint8 *v, gsize b, gsize e)
{
  gsize semi = b;
  while (semi < e && v[semi] != ';')
    semi++;
  e = semi;
  while (b < e && is_ows(v[b]))
    b++;
  while (e > b && is_ows(v[e - 1]))
    e--;
  WtHttpSpan s = { v + b, e - b };
  return s;
}

/* Is v[b..e), OWS and ;parameters trimmed, the token (n bytes, none of them OWS or ';')?
 * That is: OWS, the token, then only OWS up to the end or a ';'. Compares from the first
 * byte, so "keep-alive" is not "upgrade" at the first letter. */
static gboolean element_is(const guint8 *v, gsize b, gsize e, const char *token, gsize n)
{
  while (b < e && is_ows(v[b]))
    b++;
  if (e - b < n)
    return FALSE;
  for (gsize i = 0; i < n; i++) {
    guint8 c = v[b + i], t = (guint8) token[i];
    c = c >= 'A' && c <= 'Z' ? (guint8) (c | 0x20) : c;
    t = t >= 'A' && t <= 'Z' ? (guint8) (t | 0x20) : t;
    if (c != t)
      return FALSE;
  }
  for (gsize k = b + n; k < e && v[k] != ';'; k++)
    if (!is_ows(v[k]))
      return FALSE;
  return TRUE;
}

gboolean wt_http_list_has_token(const guint8 *v, gsize len, const char *token)
{
  gsize n = strlen(token);
  gsize b = 0;
  while (b <= len) {
    const guint8 *comma = len > b ? memchr(v + b, ',', len - b) : NULL;
    gsize e = comma ? (gsize) (comma - v) : len;
    if (element_is(v, b, e, token, n))
      return TRUE;
    b = e + 1;
  }
  return FALSE;
}

WtHttpSpan wt_http_list_last(const guint8 *v, gsize len)
{
  gsize e = len;
  /* skip empty trailing elements ("chunked, ") */
  for (;;) {
    gsize b = e;
    while (b > 0 && v[b - 1] != ',')
      b--;
    WtHttpSpan s = list_element(v, b, e);
    if (s.len > 0 || b == 0)
      return s;
    e = b - 1;
  }
}

WtHttpLook wt_http_look_request(const guint8 *p, gsize len)
{
  gboolean prefix = FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS(known_methods); i++) {
    const char *m = known_methods[i];
    gsize n = strlen(m);
    if (memcmp(p, m, MIN(len, n)) != 0)
      continue;
    if (len <= n)
      prefix = TRUE;  /* "GE", or "GET" without the byte after it yet */
    else if (p[n] == ' ')
      return WT_HTTP_LOOK_YES;
    /* else "UPDATEX": maybe a longer method ("UPDATEREDIRECTREF") still matches */
  }
  return prefix ? WT_HTTP_LOOK_MORE : WT_HTTP_LOOK_NO;
}

WtHttpLook wt_http_look_status(const guint8 *p, gsize len)
{
  static const char want[] = "HTTP/1.";
  gsize n = sizeof want - 1;
  gsize k = MIN(len, n);
  if (memcmp(p, want, k) != 0)
    return WT_HTTP_LOOK_NO;
  return len >= n ? WT_HTTP_LOOK_YES : WT_HTTP_LOOK_MORE;
}

/* The line after a start line found while resynchronising: a header field name and its
 * colon, or the empty line that ends the header block. */
static WtHttpLook look_next_line(const guint8 *q, gsize n)
{
  if (n == 0)
    return WT_HTTP_LOOK_MORE;
  if (q[0] == '\n')
    return WT_HTTP_LOOK_YES;
  if (q[0] == '\r') {
    if (n < 2)
      return WT_HTTP_LOOK_MORE;
    return q[1] == '\n' ? WT_HTTP_LOOK_YES : WT_HTTP_LOOK_NO;
  }
  for (gsize k = 0; k < n; k++) {
    if (q[k] == ':')
      return k > 0 ? WT_HTTP_LOOK_YES : WT_HTTP_LOOK_NO;
    if (!wt_http_tchar_table[q[k]] || k >= 64)
      return WT_HTTP_LOOK_NO;
  }
  return WT_HTTP_LOOK_MORE;
}

WtHttpLook wt_http_look_status_whole(const guint8 *p, gsize len)
{
  /* "HTTP/1." DIGIT SP 3DIGIT [ SP reason ] [CR] LF; parse_status_line's rules */
  static const char want[] = "HTTP/1.";
  gsize i;
  for (i = 0; i < 7; i++) {
    if (i == len)
      return WT_HTTP_LOOK_MORE;
    if (p[i] != (guint8) want[i])
      return WT_HTTP_LOOK_NO;
  }
  if (len == 7)
    return WT_HTTP_LOOK_MORE;
  if (!g_ascii_isdigit(p[7]))
    return WT_HTTP_LOOK_NO;
  if (len == 8)
    return WT_HTTP_LOOK_MORE;
  if (p[8] != ' ')
    return WT_HTTP_LOOK_NO;
  for (i = 9; i < 12; i++) {
    if (i == len)
      return WT_HTTP_LOOK_MORE;
    if (!g_ascii_isdigit(p[i]) || (i == 9 && p[i] == '0'))
      return WT_HTTP_LOOK_NO;
  }
  if (i == len)
    return WT_HTTP_LOOK_MORE;
  if (p[i] == ' ') {
    for (i++; i < len && p[i] != '\r' && p[i] != '\n'; i++) {
      guint8 c = p[i];
      if ((c < 0x20 && c != '\t') || c == 0x7f || i >= WT_HTTP_MAX_RESYNC_LINE)
        return WT_HTTP_LOOK_NO;
    }
    if (i == len)
      return WT_HTTP_LOOK_MORE;
  }
  if (p[i] == '\r') {
    if (++i == len)
      return WT_HTTP_LOOK_MORE;
  }
  if (p[i] != '\n')
    return WT_HTTP_LOOK_NO;
  i++;
  return look_next_line(p + i, len - i);
}
