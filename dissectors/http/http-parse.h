/* Bounded HTTP/1.x line parsers (RFC 9112), after nginx's ngx_http_parse_* and
 * picohttpparser: each function sees exactly one complete line (without its LF, and
 * without the CR before it), reads only inside [line, line + len), and never uses str*
 * or strtol on packet bytes. The resumable part (finding lines, framing, state) lives in
 * http-session.c. */
#pragma once
#include <glib.h>
#include <string.h>

typedef struct {
  const guint8 *p;
  gsize len;
} WtHttpSpan;

typedef struct {
  WtHttpSpan method;
  WtHttpSpan target;
  guint8 major, minor;  /* 0.9 for a version-less (HTTP/0.9) request line */
  gboolean http09;
  /* Tolerated damage (as Zeek does), each worth an anomaly: a version token that starts
   * with "HTTP/" but is not HTTP/d.d (major = minor = 0), and "METHOD HTTP/1.1" without
   * a target (target empty, version read). */
  gboolean bad_version;
  gboolean missing_uri;
} WtHttpRequestLine;

typedef struct {
  guint8 major, minor;
  guint16 code;          /* exactly three digits: 000..999 */
  WtHttpSpan reason;
} WtHttpStatusLine;

typedef struct {
  WtHttpSpan name;
  WtHttpSpan value;      /* OWS trimmed on both sides */
  gboolean bad_value;    /* NUL, CR or another control byte inside the value */
} WtHttpHeader;

gboolean wt_http_parse_request_line(const guint8 *line, gsize len, WtHttpRequestLine *out);
gboolean wt_http_parse_status_line(const guint8 *line, gsize len, WtHttpStatusLine *out);
gboolean wt_http_parse_header(const guint8 *line, gsize len, WtHttpHeader *out);

/* The bytes of w (eight bytes, memory order) from `lo` to `hi` (1 <= lo <= hi <= 0x7e),
 * each marked by its high bit: computed on the low seven bits of each byte (adding to them
 * never carries into the next byte), bytes from 0x80 up excluded. Exact for every byte. */
static inline guint64 wt_http_bytes_in(guint64 w, guint8 lo, guint8 hi)
{
  const guint64 ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  guint64 low7 = w & ~highs;
  guint64 from_lo = low7 + (guint64) (0x80 - lo) * ones;
  guint64 above_hi = low7 + (guint64) (0x7f - hi) * ones;
  return from_lo & ~above_hi & ~w & highs;
}

/* RFC 9110 token characters (tchar): 1, others 0. */
extern const guint8 wt_http_tchar_table[256];
/* A control byte other than HTAB (below 0x20, or 0x7f) in p[0..n): eight bytes per step. */
gboolean wt_http_has_control_byte(const guint8 *p, gsize n);

/* wt_http_parse_header for a field line lying in a buffer in which its end was found, as
 * the session reads them: line[len] is readable and is CR or LF, bytes no field name
 * holds, so the name scan needs no length test per byte. Inline: it runs for every field
 * line. Same answer and, when TRUE, the same *out (on FALSE *out is not set). */
static inline gboolean wt_http_parse_field_line(const guint8 *line, gsize len, WtHttpHeader *out)
{
  gsize i = 0;
  while (wt_http_tchar_table[line[i]])  /* stops at line[len] at the latest */
    i++;
  /* RFC 9112 5.1: no whitespace between name and colon */
  if (i == 0 || i >= len || line[i] != ':')
    return FALSE;
  out->name.p = line;
  out->name.len = i;
  i++;
  while (i < len && (line[i] == ' ' || line[i] == '\t'))
    i++;
  gsize end = len;
  while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t'))
    end--;
  out->bad_value = wt_http_has_control_byte(line + i, end - i);
  out->value.p = line + i;
  out->value.len = end - i;
  return TRUE;
}
/* chunk-size [ BWS ; chunk-ext ] ; sizes above G_MAXINT64 are rejected (overflow). */
gboolean wt_http_parse_chunk_size(const guint8 *line, gsize len, guint64 *size);
/* Content-Length: 1*DIGIT, or a list of identical values ("5, 5", RFC 9110 8.6).
 * Rejects empty, signed, differing and overflowing (> G_MAXINT64) values. */
gboolean wt_http_parse_content_length(const guint8 *v, gsize len, guint64 *out);

/* Comma-separated token lists (Connection, Transfer-Encoding, Upgrade): parameters after
 * ';' are ignored, comparison is ASCII case-insensitive. */
gboolean wt_http_list_has_token(const guint8 *v, gsize len, const char *token);
/* The last element of the list, OWS and parameters trimmed (may be empty). */
WtHttpSpan wt_http_list_last(const guint8 *v, gsize len);

/* ASCII case-insensitive comparison with a literal of ours (never packet bytes). Inline:
 * every header line asks it a few times, and with a literal argument the length is a
 * constant, so a span of another length is rejected in one comparison. */
static inline gboolean wt_http_span_ieq(WtHttpSpan s, const char *lit)
{
  gsize n = __builtin_strlen(lit);
  if (s.len != n)
    return FALSE;
  for (gsize i = 0; i < n; i++) {
    guint8 a = s.p[i], b = (guint8) lit[i];
    a = a >= 'A' && a <= 'Z' ? (guint8) (a | 0x20) : a;
    b = b >= 'A' && b <= 'Z' ? (guint8) (b | 0x20) : b;
    if (a != b)
      return FALSE;
  }
  return TRUE;
}
gboolean wt_http_is_tchar(guint8 c);

/* Scanning helpers, eight bytes per step (word-at-a-time byte tests whose lowest hit is
 * exact), equal to the byte loops they replace on every input:
 * the length of the leading run of printable ASCII (0x20-0x7e) of p[0..n); */
gsize wt_http_plain_prefix(const guint8 *p, gsize n);
/* the length of the leading run of request-target bytes (above 0x20, not 0x7f). */
gsize wt_http_target_prefix(const guint8 *p, gsize n);
/* Is there an ASCII upper-case letter ('A'-'Z') in p[0..n)? */
gboolean wt_http_has_upper(const guint8 *p, gsize n);

/* The canonical name of a registered method (RFC 9110, WebDAV, ...), or NULL. Methods are
 * case-sensitive. */
const char *wt_http_method_known(const guint8 *p, gsize len);

/* Resynchronisation and probing: does a line starting here look like the start of a
 * message? Answers MORE while the bytes seen are a prefix of something that would match,
 * so the answer never depends on how the stream was cut. */
typedef enum { WT_HTTP_LOOK_NO, WT_HTTP_LOOK_YES, WT_HTTP_LOOK_MORE } WtHttpLook;
WtHttpLook wt_http_look_request(const guint8 *p, gsize len);  /* known method + SP */
WtHttpLook wt_http_look_status(const guint8 *p, gsize len);   /* "HTTP/1." */
/* Resynchronisation anywhere (after lost bytes, not only at a line start): does a whole
 * status line start at p[0] ("HTTP/1.d", SP, a three-digit code from 100, optional reason,
 * CRLF or LF), followed by a plausible next line (a field name and ':' or the empty line
 * ending the header block)? MORE while the bytes seen are a prefix of such a thing. A
 * status line longer than WT_HTTP_MAX_RESYNC_LINE is NO. Only these bytes are read. */
WtHttpLook wt_http_look_status_whole(const guint8 *p, gsize len);
