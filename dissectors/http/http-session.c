/* HTTP/1.x per-connection state machine: one resumable parser per direction, a FIFO of
 * transactions pairing pipelined requests with responses, gap recovery, and the
 * WtStreamDissector glue.
 *
 * Resumable without copying: deliver() consumes whole units only (a complete line, or
 * body bytes), and leaves an incomplete line with the reassembler, which offers it again
 * with more bytes. `scanned` remembers how much of that pending line was already searched
 * for LF, so a line that arrives byte by byte costs linear, not quadratic, work. Every
 * pending line is bounded (header block, chunk line), so the reassembler never holds
 * more than WT_HTTP_MAX_HEADER_BLOCK bytes for us. */
#include "dissectors/http/http.h"
#include "dissectors/http/http-limits.h"
#include "dissectors/http/http-fleet.h"
#include "dissectors/http/http-log.h"
#include "dissectors/http/http-parse.h"
#include "dissectors/http/http-stats.h"
#include <string.h>

typedef enum {
  ST_START,       /* expecting a request line / status line */
  ST_HEADERS,
  ST_BODY,        /* `remaining` body bytes (Content-Length) */
  ST_CHUNK_SIZE,
  ST_CHUNK_DATA,
  ST_CHUNK_CRLF,  /* the CRLF after chunk data */
  ST_TRAILERS,
  ST_CLOSE,       /* response body delimited by the end of the connection */
  ST_WAIT,        /* client side after CONNECT / Upgrade: hold until the answer */
  ST_TUNNEL,      /* not HTTP any more: everything is consumed unread */
  ST_RESYNC,      /* lost track: skip to a line that starts a message cleanly */
} HalfState;

typedef enum {
  HDR_NONE, HDR_OTHER, HDR_CONTENT_LENGTH, HDR_TRANSFER_ENCODING, HDR_CONNECTION,
  HDR_UPGRADE, HDR_HOST, HDR_USER_AGENT, HDR_CONTENT_TYPE, HDR_HTTP2_SETTINGS,
} HeaderId;

typedef struct {
  HalfState state;
  gsize scanned;          /* bytes of the pending line already searched for LF */
  gboolean at_line_start; /* RESYNC: positioned at the start of a line */
  guint64 remaining;      /* BODY / CHUNK_DATA */
  gsize hdr_bytes;        /* current header block (start line included) */
  guint hdr_count;
  gint64 msg_ts;          /* capture time of the current message's first byte; 0 = none */
  gint64 last_ts;
  WtHttpTxn *txn;         /* transaction of the message being parsed */
  gboolean interim;       /* response side: the current message is a 1xx */
  gboolean maybe09;       /* request side: after a version-less request line, header
                           * lines (if any) still belong to it */
  /* framing and connection handling collected from the current header block */
  gboolean cl_seen, cl_bad, te_seen, te_chunked, conn_upgrade, upgrade_seen, websocket, h2c;
  guint64 content_length;
  HeaderId last_hdr;      /* for obs-fold continuation lines */
  /* Stream offsets (WtStreamAcks, WT_STREAM_UNKNOWN when not known): of data[0] during a
   * deliver() and of the next byte between them; just past the last byte offered; the end
   * of the last bytes the capture missed; what the segments of the current deliver()
   * acknowledged of the other direction. */
  guint64 base;
  guint64 seen_end;
  guint64 unseen_end;
  const WtStreamAcks *acks;  /* from TCP (asked only during a deliver()) */
  const gsize *cur_pos;      /* during a deliver(): how far it got */
  guint64 msg_end;           /* where the last whole message (or the stream) ended */
  gboolean msg_end_valid;    /* ... and nothing started after it yet */
} Half;

typedef struct {
  WtHttpStats *stats;
  WtAppContext *ctx;
  WtLog *log;             /* http.log, or NULL when it is not written */
  WtConnInfo conn;
  GQueue txns;            /* WtHttpTxn*, oldest first (linked by their own `link`) */
  WtHttpTxn *spare;       /* a finished transaction's memory, for the next one */
  guint32 depth;          /* transactions created so far */
  guint32 wait_depth;     /* client side in ST_WAIT for this transaction */
  gboolean tunnel;        /* CONNECT 2xx or 101: no more HTTP on this connection */
  /* CONNECT 2xx: what follows in both directions goes back to TCP's choice (handoff),
   * nothing of it is consumed here; the port the client asked for */
  gboolean handing_off;
  guint16 connect_port;
  /* `Upgrade: h2c` answered 101: the request, for the HTTP/2 session (handoff_note) */
  WtHttpUpgrade *upgrade;
  /* Capture loss (a gap in either direction): responses are paired with requests by the
   * TCP numbers, not only in order (pair_by_numbers). */
  gboolean lossy;
  gboolean pipelined;     /* a request sent without a byte received since the one before */
  guint64 last_req_acked;
  Half half[2];
} Session;

static void anomaly(Session *s, const char *name)
{
  wt_anomaly(s->ctx ? s->ctx->anomalies : NULL, name);
}

/* --- transactions ------------------------------------------------------------------- */

/* A copy of packet bytes for one of the transaction's strings, as wt_http_safe_strdup
 * makes it (at most `max` bytes, escaped when not printable ASCII), in the transaction's
 * own room when it is plain and fits. */
static char *txn_text(WtHttpTxn *t, const guint8 *p, gsize len, gsize max)
{
  len = MIN(len, max);
  gsize room = sizeof t->text - t->text_used;
  /* no bytes at all (a status line without a reason): NULL, as wt_http_safe_strdup gives */
  if (p && len < room) {
    if (wt_http_plain_prefix(p, len) == len) {
      char *s = t->text + t->text_used;
      memcpy(s, p, len);
      s[len] = '\0';
      t->text_used = (guint16) (t->text_used + len + 1);
      return s;
    }
  }
  return wt_http_safe_strdup(p, len, max);
}

/* Frees a string of the transaction unless it lives in the transaction's room. */
static void txn_text_free(const WtHttpTxn *t, char *s)
{
  if (s < t->text || s >= t->text + sizeof t->text)
    g_free(s);
}

/* Moves a string out of the transaction, to be freed with g_free by its new owner: a
 * copy when it lives in the transaction's room. */
static char *txn_text_take(WtHttpTxn *t, char **field)
{
  char *v = g_steal_pointer(field);
  if (v >= t->text && v < t->text + sizeof t->text)
    return g_strdup(v);
  return v;
}

/* Frees what the transaction points to, and keeps its memory as the session's spare (one
 * allocation less per request on a keep-alive connection). */
static void txn_free(Session *s, WtHttpTxn *t)
{
  txn_text_free(t, t->method);
  txn_text_free(t, t->uri);
  txn_text_free(t, t->host);
  txn_text_free(t, t->user_agent);
  txn_text_free(t, t->resp_content_type);
  txn_text_free(t, t->status_msg);
  txn_text_free(t, t->info_msg);
  g_free(t->h2_settings);
  if (s->spare)
    g_free(t);
  else
    s->spare = t;
}

static void txn_finalize(Session *s, WtHttpTxn *t)
{
  t->tls = s->conn.tls != FALSE;
  wt_http_stats_on_txn(s->stats, t);
  if (s->log)
    wt_http_log_write(s->log, &s->conn, t);
  txn_free(s, t);
}

/* Requests and responses each complete in order, so finished transactions form a
 * prefix of the queue. */
static void flush_finished(Session *s)
{
  WtHttpTxn *t;
  while ((t = g_queue_peek_head(&s->txns)) && t->req_done && t->resp_done) {
    g_queue_pop_head_link(&s->txns);
    txn_finalize(s, t);
  }
}

static WtHttpTxn *txn_new(Session *s)
{
  WtHttpTxn *t = g_steal_pointer(&s->spare);
  if (t)
    memset(t, 0, G_STRUCT_OFFSET(WtHttpTxn, text));  /* the room for strings is free */
  else
    t = g_new0(WtHttpTxn, 1);
  t->link.data = t;
  t->depth = ++s->depth;
  t->req_off = t->req_acked = t->unseen_after = WT_STREAM_UNKNOWN;
  g_queue_push_tail_link(&s->txns, &t->link);
  /* A client pipelining without answers: give up on the oldest (counted unanswered). */
  WtHttpTxn *head = g_queue_peek_head(&s->txns);
  if (g_queue_get_length(&s->txns) > WT_HTTP_MAX_PENDING && head != s->half[0].txn &&
      head != s->half[1].txn) {
    anomaly(s, "http.too_many_pending");
    g_queue_pop_head_link(&s->txns);
    txn_finalize(s, head);
  }
  return t;
}

static WtHttpTxn *first_unanswered(Session *s)
{
  for (GList *l = s->txns.head; l; l = l->next) {
    WtHttpTxn *t = l->data;
    if (!t->resp_done)
      return t;
  }
  return NULL;
}

static char *safe_copy(const guint8 *p, gsize len, gsize max)
{
  return wt_http_safe_strdup(p, len, max);
}

/* --- lines -------------------------------------------------------------------------- */

/* Finds the LF ending the line that starts at data[pos], resuming after the bytes
 * searched by earlier calls. */
static gboolean find_line(Half *h, const guint8 *data, gsize len, gsize pos, gsize *lf)
{
  gsize avail = len - pos;
  gsize from = MIN(h->scanned, avail);
  const guint8 *nl = avail > from ? memchr(data + pos + from, '\n', avail - from) : NULL;
  if (!nl) {
    h->scanned = avail;
    return FALSE;
  }
  h->scanned = 0;
  *lf = (gsize) (nl - data);
  return TRUE;
}

/* Line content without LF and the CR before it. */
static gsize line_len(const guint8 *data, gsize pos, gsize lf)
{
  gsize n = lf - pos;
  if (n > 0 && data[lf - 1] == '\r')
    n--;
  return n;
}

typedef enum { LINE_OK, LINE_MORE, LINE_TOO_LONG } LineResult;

/* The next line, if it fits in `budget` bytes (LF included). The answer does not depend
 * on how the stream was cut: a line too long is too long whether or not its LF arrived. */
static LineResult next_line(Half *h, const guint8 *data, gsize len, gsize pos, gsize budget,
                            gsize *lf)
{
  if (find_line(h, data, len, pos, lf))
    return *lf - pos + 1 > budget ? LINE_TOO_LONG : LINE_OK;
  *lf = G_MAXSIZE;  /* too long without its end: the rest of it is skipped later */
  return len - pos >= budget ? LINE_TOO_LONG : LINE_MORE;
}

static gsize header_budget(const Half *h)
{
  return h->hdr_bytes < WT_HTTP_MAX_HEADER_BLOCK ? WT_HTTP_MAX_HEADER_BLOCK - h->hdr_bytes : 0;
}

/* --- message boundaries ------------------------------------------------------------- */

static void enter_resync(Session *s, Half *h, gboolean at_line_start)
{
  (void) s;
  h->state = ST_RESYNC;
  h->at_line_start = at_line_start;
  h->scanned = 0;
  h->msg_ts = 0;
  h->txn = NULL;
  h->interim = FALSE;
}

static void reset_headers(Half *h)
{
  h->maybe09 = FALSE;
  h->hdr_bytes = 0;
  h->hdr_count = 0;
  h->cl_seen = h->cl_bad = h->te_seen = h->te_chunked = FALSE;
  h->conn_upgrade = h->upgrade_seen = h->websocket = h->h2c = FALSE;
  h->content_length = 0;
  h->last_hdr = HDR_NONE;
}

static void enter_tunnel(Session *s)
{
  s->tunnel = TRUE;
  for (int d = 0; d < 2; d++) {
    Half *h = &s->half[d];
    /* a client message still in flight finishes first (request_done checks s->tunnel) */
    if (h->state == ST_START || h->state == ST_WAIT || h->state == ST_RESYNC) {
      h->state = ST_TUNNEL;
      h->scanned = 0;
    }
  }
}

static void request_done(Session *s, Half *h, gint64 ts)
{
  WtHttpTxn *t = h->txn;
  h->txn = NULL;
  h->msg_ts = 0;
  h->state = ST_START;
  if (t) {
    t->req_done = TRUE;
    if (!t->ts_req_end)  /* an HTTP/0.9 request ended with its line */
      t->ts_req_end = ts;
    if ((t->is_connect || t->wants_upgrade) && !t->has_final) {
      h->state = ST_WAIT;  /* tunnel or not: the response decides */
      s->wait_depth = t->depth;
    }
  }
  if (s->tunnel)
    h->state = ST_TUNNEL;
  flush_finished(s);
}

/* The client side waiting on transaction `t` resumes HTTP parsing. */
static void release_wait(Session *s, const WtHttpTxn *t)
{
  Half *c = &s->half[WT_DIR_ORIG];
  if (c->state == ST_WAIT && s->wait_depth == t->depth)
    c->state = ST_START;
}

/* The stream offset reached so far (during a deliver(), or after a gap). */
static guint64 offset_now(const Half *h)
{
  if (h->base == WT_STREAM_UNKNOWN)
    return WT_STREAM_UNKNOWN;
  return h->base + (h->cur_pos ? *h->cur_pos : 0);
}

static void response_done(Session *s, Half *h, gint64 ts)
{
  WtHttpTxn *t = h->txn;
  h->msg_end = offset_now(h);
  h->msg_end_valid = h->msg_end != WT_STREAM_UNKNOWN;
  h->txn = NULL;
  h->msg_ts = 0;
  h->state = s->tunnel ? ST_TUNNEL : ST_START;
  if (t) {
    t->resp_done = TRUE;
    t->ts_resp_end = ts;
    if (!s->tunnel)
      release_wait(s, t);
  }
  flush_finished(s);
}

/* The message in progress in `dir` is cut short (gap, limit, framing error): its
 * transaction is incomplete, and that side of it is over. */
static void abort_message(Session *s, WtDir dir, gint64 ts)
{
  Half *h = &s->half[dir];
  WtHttpTxn *t = h->txn;
  if (!t)
    return;
  t->incomplete = TRUE;
  if (dir == WT_DIR_ORIG) {
    t->req_done = TRUE;
    if (!t->ts_req_end)
      t->ts_req_end = ts;
  } else if (!h->interim) {
    /* a broken interim response leaves the transaction waiting for its final one */
    t->resp_done = TRUE;
    t->ts_resp_end = ts;
    release_wait(s, t);
  }
  h->txn = NULL;
  flush_finished(s);
}

/* Skips an over-long line: up to its LF if that arrived (the next line may start a
 * message), else everything offered (resync then skips to the LF). */
static void skip_long_line(Session *s, WtDir dir, Half *h, const char *reason, gsize len,
                           gsize *pos, gsize lf, gint64 ts)
{
  anomaly(s, reason);
  abort_message(s, dir, ts);
  enter_resync(s, h, lf != G_MAXSIZE);
  *pos = lf != G_MAXSIZE ? lf + 1 : len;
}

/* --- headers ------------------------------------------------------------------------ */

/* A header name (token characters only: wt_http_parse_field_line checked them) equals
 * `lower`, a lower-case literal of letters, digits and '-' of the name's length. Setting
 * bit 0x20 folds exactly here: among token characters only 'A'-'Z' and 'a'-'z' map onto a
 * letter, and only a digit or '-' onto itself (the others are control bytes). Names of 8
 * or more bytes are compared as two (possibly overlapping) 64-bit words. */
static inline gboolean name_is(WtHttpSpan name, const char *lower)
{
  const gsize n = __builtin_strlen(lower);
  const guint64 fold = 0x2020202020202020u;
  if (n >= 8) {
    guint64 a, b, la, lb;
    memcpy(&a, name.p, 8);
    memcpy(&b, name.p + n - 8, 8);
    memcpy(&la, lower, 8);
    memcpy(&lb, lower + n - 8, 8);
    return ((a | fold) == la) & ((b | fold) == lb);
  }
  for (gsize i = 0; i < n; i++)
    if ((name.p[i] | 0x20) != lower[i])
      return FALSE;
  return TRUE;
}

static HeaderId header_id(WtHttpSpan name)
{
  /* by length first: most header lines (Accept, Date, Server ...) are rejected by it,
   * then one comparison */
  switch (name.len) {
  case 4:
    return name_is(name, "host") ? HDR_HOST : HDR_OTHER;
  case 7:
    return name_is(name, "upgrade") ? HDR_UPGRADE : HDR_OTHER;
  case 10:
    if (name_is(name, "connection"))
      return HDR_CONNECTION;
    return name_is(name, "user-agent") ? HDR_USER_AGENT : HDR_OTHER;
  case 12:
    return name_is(name, "content-type") ? HDR_CONTENT_TYPE : HDR_OTHER;
  case 14:
    if (name_is(name, "content-length"))
      return HDR_CONTENT_LENGTH;
    return name_is(name, "http2-settings") ? HDR_HTTP2_SETTINGS : HDR_OTHER;
  case 17:
    return name_is(name, "transfer-encoding") ? HDR_TRANSFER_ENCODING : HDR_OTHER;
  default:
    return HDR_OTHER;
  }
}

/* HTTP2-Settings' value: a SETTINGS payload in base64url without padding (RFC 7540
 * 3.2.1), at most WT_HTTP_MAX_H2_SETTINGS bytes of it; NULL when it is not base64url. */
#define WT_HTTP_MAX_H2_SETTINGS 384 /* 64 settings */
static guint8 *base64url_decode(const guint8 *v, gsize len, gsize *out_len)
{
  while (len > 0 && v[len - 1] == '=')
    len--;
  g_autofree guint8 *out = g_malloc(len * 3 / 4 + 1);
  gsize n = 0;
  guint32 acc = 0;
  guint bits = 0;
  for (gsize i = 0; i < len && n < WT_HTTP_MAX_H2_SETTINGS; i++) {
    guint8 c = v[i];
    gint d = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
           : c >= '0' && c <= '9' ? c - '0' + 52 : c == '-' ? 62 : c == '_' ? 63 : -1;
    if (d < 0)
      return NULL;
    acc = (acc << 6) | (guint32) d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (guint8) (acc >> bits);
    }
  }
  *out_len = n;
  return g_steal_pointer(&out);
}

/* Appends an obs-fold continuation to a kept string field ("a" + " " + "b"). */
static void append_folded(WtHttpTxn *t, char **field, const guint8 *p, gsize len)
{
  if (!*field)
    return;
  g_autofree char *more = safe_copy(p, len, WT_HTTP_MAX_FIELD);
  char *joined = g_strconcat(*field, " ", more, NULL);
  if (strlen(joined) > WT_HTTP_MAX_FIELD)
    joined[WT_HTTP_MAX_FIELD] = '\0';
  txn_text_free(t, *field);
  *field = joined;
}

static char *media_type(WtHttpTxn *t, const guint8 *v, gsize len)
{
  const guint8 *semi = memchr(v, ';', len);
  gsize n = semi ? (gsize) (semi - v) : len;
  while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
    n--;
  char *s = txn_text(t, v, n, 128);
  for (char *c = s; *c; c++)
    if (*c >= 'A' && *c <= 'Z')
      *c = (char) (*c | 0x20);
  return s;
}

/* One field line (or, with `folded`, a continuation of the previous one). Values of
 * list headers are read token by token, so a continuation is just more tokens. */
static void handle_field(Session *s, WtDir dir, Half *h, HeaderId id, const guint8 *v,
                         gsize len, gboolean folded)
{
  WtHttpTxn *t = h->txn;
  switch (id) {
  case HDR_CONTENT_LENGTH: {
    guint64 n = 0;
    gboolean ok = !folded && wt_http_parse_content_length(v, len, &n);
    if (!ok || (h->cl_seen && n != h->content_length))
      h->cl_bad = TRUE;  /* invalid, or duplicated with a different value */
    if (ok && !h->cl_seen)
      h->content_length = n;
    h->cl_seen = TRUE;
    break;
  }
  case HDR_TRANSFER_ENCODING: {
    WtHttpSpan last = wt_http_list_last(v, len);
    h->te_seen = TRUE;
    if (last.len > 0)
      h->te_chunked = wt_http_span_ieq(last, "chunked");
    break;
  }
  case HDR_CONNECTION:
    if (wt_http_list_has_token(v, len, "upgrade"))
      h->conn_upgrade = TRUE;
    break;
  case HDR_UPGRADE:
    h->upgrade_seen = TRUE;
    if (wt_http_list_has_token(v, len, "websocket"))
      h->websocket = TRUE;
    if (wt_http_list_has_token(v, len, "h2c"))
      h->h2c = TRUE;
    break;
  case HDR_HOST:
    if (dir != WT_DIR_ORIG || !t)
      break;
    if (folded) {
      append_folded(t, &t->host, v, len);
    } else if (t->host) {
      anomaly(s, "http.duplicate_host");
    } else {
      t->host = txn_text(t, v, len, WT_HTTP_MAX_FIELD);
    }
    break;
  case HDR_USER_AGENT:
    if (dir != WT_DIR_ORIG || !t)
      break;
    if (folded)
      append_folded(t, &t->user_agent, v, len);
    else if (!t->user_agent)
      t->user_agent = txn_text(t, v, len, WT_HTTP_MAX_FIELD);
    break;
  case HDR_CONTENT_TYPE:
    if (dir == WT_DIR_RESP && t && !h->interim && !folded && !t->resp_content_type)
      t->resp_content_type = media_type(t, v, len);
    break;
  case HDR_HTTP2_SETTINGS:
    if (dir == WT_DIR_ORIG && t && !folded && !t->h2_settings)
      t->h2_settings = base64url_decode(v, len, &t->h2_settings_len);
    break;
  case HDR_NONE:
  case HDR_OTHER:
    break;
  }
}

static void handle_header_line(Session *s, WtDir dir, Half *h, const guint8 *line, gsize len,
                               gboolean trailer)
{
  if (line[0] == ' ' || line[0] == '\t') {
    /* obs-fold (RFC 9112 5.2): deprecated, still sent by old software */
    anomaly(s, "http.obs_fold");
    if (h->last_hdr == HDR_NONE) {
      anomaly(s, "http.bad_header");
      return;
    }
    gsize i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
      i++;
    if (!trailer)
      handle_field(s, dir, h, h->last_hdr, line + i, len - i, TRUE);
    return;
  }
  if (++h->hdr_count == WT_HTTP_MAX_HEADERS + 1)
    anomaly(s, "http.too_many_headers");  /* once per message; framing is still read */
  WtHttpHeader hdr;
  if (!wt_http_parse_field_line(line, len, &hdr)) {
    anomaly(s, "http.bad_header");
    h->last_hdr = HDR_NONE;
    return;
  }
  if (hdr.bad_value)
    anomaly(s, "http.bad_header_value");
  h->last_hdr = header_id(hdr.name);
  if (trailer) {
    /* framing fields are not allowed in trailers (RFC 9110 6.5.1): ignored */
    if (h->last_hdr == HDR_CONTENT_LENGTH || h->last_hdr == HDR_TRANSFER_ENCODING)
      anomaly(s, "http.bad_trailer");
    return;
  }
  if (h->last_hdr != HDR_OTHER)  /* (the other fields are not read) */
    handle_field(s, dir, h, h->last_hdr, hdr.value.p, hdr.value.len, FALSE);
  if (h->last_hdr == HDR_OTHER && dir == WT_DIR_ORIG && h->txn &&
      hdr.name.len == 6 && name_is(hdr.name, "expect") &&
      wt_http_span_ieq(hdr.value, "100-continue"))
    h->txn->expect_continue = TRUE;
}

/* Body framing of the message whose header block just ended (RFC 9112 6.3). */
static void start_body(Session *s, WtDir dir, Half *h, gint64 ts, gboolean close_ok)
{
  if (h->te_seen) {
    if (h->cl_seen)
      anomaly(s, "http.te_and_cl");  /* request smuggling shape; TE wins */
    if (h->te_chunked) {
      h->state = ST_CHUNK_SIZE;
      return;
    }
    if (close_ok) {
      h->state = ST_CLOSE;
      return;
    }
    /* a request whose framing cannot be known */
    anomaly(s, "http.bad_transfer_encoding");
    abort_message(s, dir, ts);
    enter_resync(s, h, TRUE);
    return;
  }
  if (h->cl_bad) {
    anomaly(s, "http.bad_content_length");
    abort_message(s, dir, ts);
    enter_resync(s, h, TRUE);
    return;
  }
  if (h->cl_seen && h->content_length > 0) {
    h->remaining = h->content_length;
    h->state = ST_BODY;
    return;
  }
  if (!h->cl_seen && close_ok) {
    h->state = ST_CLOSE;
    return;
  }
  if (dir == WT_DIR_ORIG)
    request_done(s, h, ts);
  else
    response_done(s, h, ts);
}

static void request_headers_end(Session *s, Half *h, gint64 ts)
{
  WtHttpTxn *t = h->txn;
  if (t && h->upgrade_seen && h->conn_upgrade) {
    t->wants_upgrade = TRUE;
    t->wants_h2c = h->h2c;
  }
  start_body(s, WT_DIR_ORIG, h, ts, FALSE);
}

/* The port of a CONNECT target ("host:port", "[v6]:port"); 0 when there is none. */
static guint16 connect_port_of(const char *uri)
{
  const char *colon = uri ? strrchr(uri, ':') : NULL;
  if (!colon || (strchr(uri, ']') && strchr(uri, ']') > colon))
    return 0;
  guint v = 0;
  const char *p = colon + 1;
  if (!*p)
    return 0;
  for (; *p; p++) {
    if (!g_ascii_isdigit(*p) || v > 6553)
      return 0;
    v = v * 10 + (guint) (*p - '0');
  }
  return v <= 65535 ? (guint16) v : 0;
}

/* Counts an upgraded request no HTTP/2 session took, as the HTTP/1.1 101 it was seen as;
 * frees it. */
static void upgrade_free(gpointer p)
{
  WtHttpUpgrade *u = p;
  if (!u->taken) {
    WtHttpExchange x = {
      .major = 1, .minor = 1, .depth = u->depth,
      .method = u->method, .authority = u->authority, .path = u->path,
      .user_agent = u->user_agent, .status = 101, .info_code = 101, .upgraded = TRUE,
      .req_body_len = u->req_body_len,
      .ts_req_start = u->ts_req_start, .ts_req_end = u->ts_req_end,
      .ts_resp_start = u->ts_switch, .ts_resp_end = u->ts_switch,
    };
    wt_http_add_exchange(u->stats, u->ctx, &u->conn, &x);
  }
  g_free(u->method);
  g_free(u->authority);
  g_free(u->path);
  g_free(u->user_agent);
  g_free(u->settings);
  g_free(u);
}

/* `Upgrade: h2c` answered 101 Switching Protocols: HTTP/2 follows in both directions right
 * after the 101's head (server) and the request (client), and the request's answer is
 * stream 1's. The transaction leaves the HTTP/1 queue for the HTTP/2 session (handoff,
 * handoff_note), which counts it once. */
static void switch_to_h2c(Session *s, Half *h, WtHttpTxn *t, gint64 ts)
{
  WtHttpUpgrade *u = g_new0(WtHttpUpgrade, 1);
  u->method = txn_text_take(t, &t->method);
  u->authority = txn_text_take(t, &t->host);
  u->path = txn_text_take(t, &t->uri);
  u->user_agent = txn_text_take(t, &t->user_agent);
  u->settings = g_steal_pointer(&t->h2_settings);
  u->settings_len = t->h2_settings_len;
  u->depth = t->depth;
  u->req_body_len = t->req_body_len;
  u->ts_req_start = t->ts_req_start;
  u->ts_req_end = t->ts_req_end;
  u->ts_switch = h->msg_ts ? h->msg_ts : ts;
  u->stats = s->stats;
  u->ctx = s->ctx;
  u->conn = s->conn;
  if (s->upgrade)
    upgrade_free(s->upgrade);  /* cannot happen twice on one connection; counted if so */
  s->upgrade = u;
  s->handing_off = TRUE;
  s->connect_port = 0;
  g_queue_unlink(&s->txns, &t->link);
  for (int d = 0; d < 2; d++)
    if (s->half[d].txn == t)
      s->half[d].txn = NULL;
  txn_free(s, t);
  h->msg_ts = 0;
  enter_tunnel(s);
  h->state = ST_TUNNEL;
  flush_finished(s);
}

static void response_headers_end(Session *s, Half *h, gint64 ts)
{
  WtHttpTxn *t = h->txn;
  if (h->interim) {
    /* 1xx: no body; the final response follows */
    h->txn = NULL;
    h->msg_ts = 0;
    h->interim = FALSE;
    h->state = ST_START;
    return;
  }
  guint code = t->status_code;
  if (t->resp_content_type)
    wt_http_stats_on_content_type(s->stats, t->resp_content_type);
  if (code == 101 && t->wants_h2c) {
    switch_to_h2c(s, h, t, ts);
    return;
  }
  if (code == 101) {
    /* informational and final at once: Zeek logs it as status_code and info_code */
    t->info_code = 101;
    txn_text_free(t, t->info_msg);
    t->info_msg = g_strdup(t->status_msg);
    t->upgraded = TRUE;
    t->websocket = h->websocket;
    enter_tunnel(s);
    response_done(s, h, ts);
    return;
  }
  if (t->is_connect && code >= 200 && code <= 299) {
    t->tunnel = TRUE;
    s->handing_off = TRUE;
    s->connect_port = connect_port_of(t->uri);
    enter_tunnel(s);
    response_done(s, h, ts);
    return;
  }
  release_wait(s, t);  /* CONNECT / Upgrade refused: the client goes on with HTTP */
  if (t->is_head || code == 204 || code == 304) {
    response_done(s, h, ts);
    return;
  }
  start_body(s, WT_DIR_RESP, h, ts, TRUE);
}

/* --- start lines -------------------------------------------------------------------- */

/* What the segment carrying data[at] of the current deliver() acknowledged. */
static guint64 acked_at(const Half *h, gsize at)
{
  if (!h->acks || !h->cur_pos || h->base == WT_STREAM_UNKNOWN)
    return WT_STREAM_UNKNOWN;  /* (answers only during a deliver()) */
  return h->acks->acked(h->acks, h->base + at);
}

static guint64 offset_at(const Half *h, gsize at)
{
  return h->base == WT_STREAM_UNKNOWN ? WT_STREAM_UNKNOWN : h->base + at;
}


static void begin_headers(Half *h, gsize line_total)
{
  reset_headers(h);
  h->hdr_bytes = line_total;
  h->state = ST_HEADERS;
}

/* The start line of a message in `dir`: START_LINE when line, n and total describe a
 * non-empty line (consumed), START_WAIT when more bytes are needed, START_DONE when the line was
 * handled here (too long: skipped and resync; empty: tolerated between messages). */
typedef enum { START_LINE, START_WAIT, START_DONE } StartLine;

static StartLine take_start_line(Session *s, WtDir dir, Half *h, const guint8 *data,
                                 gsize len, gsize *pos, gint64 ts, const guint8 **line,
                                 gsize *n, gsize *total)
{
  gsize lf;
  switch (next_line(h, data, len, *pos, WT_HTTP_MAX_HEADER_BLOCK, &lf)) {
  case LINE_MORE:
    return START_WAIT;
  case LINE_TOO_LONG:
    skip_long_line(s, dir, h, "http.header_too_long", len, pos, lf, ts);
    return START_DONE;
  case LINE_OK:
    break;
  }
  *line = data + *pos;
  *n = line_len(data, *pos, lf);
  *total = lf - *pos + 1;
  *pos = lf + 1;
  if (*n == 0) {
    h->msg_ts = 0;  /* empty lines between messages are tolerated (RFC 9112 2.2) */
    return START_DONE;
  }
  return START_LINE;
}

/* Returns FALSE when more bytes are needed. */
static gboolean request_line(Session *s, Half *h, const guint8 *data, gsize len, gsize *pos,
                             gint64 ts)
{
  if (h->msg_ts == 0)
    h->msg_ts = ts;
  const guint8 *line;
  gsize n, total, at = *pos;
  switch (take_start_line(s, WT_DIR_ORIG, h, data, len, pos, ts, &line, &n, &total)) {
  case START_WAIT:
    return FALSE;
  case START_DONE:
    return TRUE;
  case START_LINE:
    break;
  }
  WtHttpRequestLine rl;
  if (!wt_http_parse_request_line(line, n, &rl)) {
    anomaly(s, "http.bad_request_line");
    enter_resync(s, h, TRUE);
    return TRUE;
  }
  if (rl.http09 && rl.method.len < 3) {
    /* Without a version little tells a request from noise: an HTTP/0.9 request needs a
     * method of at least three characters, the length of GET ("T /x" is no request),
     * the rule Zeek applies (HTTP_Analyzer::HTTP_RequestLine) */
    anomaly(s, "http.bad_request_line");
    enter_resync(s, h, TRUE);
    return TRUE;
  }
  if (rl.major == 2 && rl.minor == 0 && rl.method.len == 3 && memcmp(rl.method.p, "PRI", 3) == 0) {
    /* HTTP/2 with prior knowledge: "PRI * HTTP/2.0" starts the connection preface */
    s->stats->h2_prefaces++;
    enter_tunnel(s);
    return TRUE;
  }
  if (rl.bad_version || (!rl.http09 && rl.major != 1))
    anomaly(s, "http.bad_version");
  if (rl.missing_uri)
    anomaly(s, "http.missing_uri");
  if (s->ctx)
    wt_series_count(s->ctx->series, h->msg_ts, wt_http_series_col[WT_HTTP_SERIES_REQUESTS], 1);
  WtHttpTxn *t = txn_new(s);
  t->method = txn_text(t, rl.method.p, rl.method.len, WT_HTTP_MAX_METHOD);
  t->uri = txn_text(t, rl.target.p, rl.target.len, WT_HTTP_MAX_FIELD);
  t->req_major = rl.major;
  t->req_minor = rl.minor;
  t->ts_req_start = h->msg_ts;
  t->req_off = offset_at(h, at);
  t->req_acked = acked_at(h, at);
  if (t->req_acked != WT_STREAM_UNKNOWN) {
    /* nothing of the server's stream arrived since the previous request: pipelining */
    if (t->req_acked == s->last_req_acked)
      s->pipelined = TRUE;
    s->last_req_acked = t->req_acked;
  }
  t->is_head = rl.method.len == 4 && memcmp(rl.method.p, "HEAD", 4) == 0;
  t->is_connect = rl.method.len == 7 && memcmp(rl.method.p, "CONNECT", 7) == 0;
  h->txn = t;
  begin_headers(h, total);
  if (rl.http09) {
    /* A real HTTP/0.9 request ends here; broken 1.x clients ("GET /HTTP/1.1") send
     * header lines after it. Header lines that follow still count as its own. */
    t->http09 = TRUE;
    t->ts_req_end = ts;
    h->maybe09 = TRUE;
  }
  return TRUE;
}

/* --- pairing after capture loss ---------------------------------------------------- */

/* The request's answer went by in bytes the capture lost. */
static void answer_lost(Session *s, WtHttpTxn *t)
{
  t->answer_lost = TRUE;
  t->resp_done = TRUE;
  release_wait(s, t);
}

/* Which request does a response answer, once the capture lost bytes on this connection?
 * `head` is the oldest request without a final answer (what in-order pairing would take),
 * `c` where the status line starts in the server's stream, `acked` how much of the
 * client's stream the server had received when it sent it. Returns the request, or NULL:
 * "request not captured". Requests whose answer must have come before it are marked
 * "answer not captured".
 *
 * A client that waits for each answer (no pipelining seen on the connection) sent the
 * request this response answers before it received the response's first byte, and every
 * later request after (it waited): the answer is the last request whose sender had
 * received at most `c` bytes of the server's stream. The server had received it (its
 * start lies below `acked`). If the client's stream has bytes the capture never showed us
 * after that request's start and below `acked`, a request lost there may be the one
 * answered: not paired (ambiguous), but the requests up to it were answered either way.
 * A pipelining client: in order, but never a request the server had not received. */
static WtHttpTxn *pair_by_numbers(Session *s, WtHttpTxn *head, guint64 c, guint64 acked)
{
  if (!head || head->orphan || acked == WT_STREAM_UNKNOWN || c == WT_STREAM_UNKNOWN)
    return head;
  const Half *client = &s->half[WT_DIR_ORIG];
  GList *from = g_queue_find(&s->txns, head);
  if (s->pipelined) {
    /* Server bytes lost after a whole response and before this one held at least one
     * response: the oldest request's (one, at least). */
    const Half *server = &s->half[WT_DIR_RESP];
    if (server->msg_end_valid && server->unseen_end != WT_STREAM_UNKNOWN &&
        server->unseen_end > server->msg_end && c >= server->unseen_end) {
      answer_lost(s, head);
      head = first_unanswered(s);
      if (!head)
        return NULL;
    }
    return head->req_off != WT_STREAM_UNKNOWN && head->req_off >= acked ? NULL : head;
  }
  GList *pick = NULL;
  for (GList *l = from; l; l = l->next) {
    WtHttpTxn *t = l->data;
    if (t->resp_done || t->orphan)
      continue;
    if (t->req_acked == WT_STREAM_UNKNOWN || t->req_off == WT_STREAM_UNKNOWN)
      return head;  /* a request we cannot place: in order, as without loss */
    if (t->req_acked <= c && t->req_off < acked)
      pick = l;
  }
  if (!pick)
    return NULL;
  /* (+ 1: the client's FIN, acknowledged like a byte) */
  gboolean ambiguous = client->seen_end == WT_STREAM_UNKNOWN || acked > client->seen_end + 1;
  for (GList *l = pick; l && !ambiguous; l = l->next) {
    WtHttpTxn *t = l->data;
    if (t->unseen_after != WT_STREAM_UNKNOWN && t->unseen_after < acked)
      ambiguous = TRUE;
  }
  for (GList *l = from; l != pick->next; l = l->next) {
    WtHttpTxn *t = l->data;
    if ((l != pick || ambiguous) && !t->resp_done && !t->orphan)
      answer_lost(s, t);
  }
  return ambiguous ? NULL : pick->data;
}

static gboolean status_line(Session *s, Half *h, const guint8 *data, gsize len, gsize *pos,
                            gint64 ts)
{
  if (h->msg_ts == 0)
    h->msg_ts = ts;
  WtHttpTxn *t = first_unanswered(s);
  if (t && t->http09 && !t->has_final) {
    /* The answer to an HTTP/0.9 request is raw bytes until close, even when it looks
     * like a status line (RFC 1945 4.1; Zeek logs it as status 0 with the whole answer
     * as body, e.g. zeek-http-methods.pcap "TRACE /HTTP/1.1"). */
    h->txn = t;
    t->raw_response = TRUE;
    t->ts_resp_start = h->msg_ts;
    h->state = ST_CLOSE;
    return TRUE;
  }
  const guint8 *line;
  gsize n, total, at = *pos;
  switch (take_start_line(s, WT_DIR_RESP, h, data, len, pos, ts, &line, &n, &total)) {
  case START_WAIT:
    return FALSE;
  case START_DONE:
    return TRUE;
  case START_LINE:
    break;
  }
  WtHttpStatusLine sl;
  if (!wt_http_parse_status_line(line, n, &sl) || sl.code < 100) {
    anomaly(s, "http.bad_status_line");
    enter_resync(s, h, TRUE);
    return TRUE;
  }
  if (sl.code > 599)
    anomaly(s, "http.bad_status_code");  /* RFC 9110 15: treat as 5xx-like, keep going */
  if (sl.major != 1)
    anomaly(s, "http.bad_version");
  guint64 acked = s->lossy || !t ? acked_at(h, at) : WT_STREAM_UNKNOWN;
  if (s->lossy)
    t = pair_by_numbers(s, t, offset_at(h, at), acked);
  h->msg_end_valid = FALSE;
  if (!t) {
    t = txn_new(s);  /* capture started mid-connection, or the request was lost */
    t->orphan = TRUE;
    /* the server had received client bytes we never saw: the request was among them */
    const Half *c = &s->half[WT_DIR_ORIG];
    t->request_lost = s->lossy || (acked != WT_STREAM_UNKNOWN &&
                                   c->seen_end != WT_STREAM_UNKNOWN && acked > c->seen_end + 1);
    t->req_done = TRUE;
  }
  /* A 101 switching to h2c is stream 1's interim response: whoever finishes that
   * transaction counts it (the HTTP/2 session, or upgrade_free) */
  gboolean h2c_switch = sl.code == 101 && t->wants_h2c;
  if (!h2c_switch)
    wt_http_stats_on_status(s->stats, sl.code);
  /* the status class series; codes outside 100..599 are in none */
  if (s->ctx && !h2c_switch && sl.code >= 100 && sl.code <= 599)
    wt_series_count(s->ctx->series, h->msg_ts,
                    wt_http_series_col[WT_HTTP_SERIES_1XX + sl.code / 100 - 1], 1);
  t->resp_major = sl.major;
  t->resp_minor = sl.minor;
  h->txn = t;
  h->interim = sl.code >= 100 && sl.code <= 199 && sl.code != 101;
  if (h->interim) {
    t->info_code = sl.code;
    txn_text_free(t, t->info_msg);
    t->info_msg = txn_text(t, sl.reason.p, sl.reason.len, WT_HTTP_MAX_REASON);
  } else {
    t->status_code = sl.code;
    t->status_msg = txn_text(t, sl.reason.p, sl.reason.len, WT_HTTP_MAX_REASON);
    t->has_final = TRUE;
    t->ts_resp_start = h->msg_ts;
  }
  begin_headers(h, total);
  return TRUE;
}

/* --- the per-direction step --------------------------------------------------------- */

static void add_body(Session *s, WtDir dir, Half *h, guint64 n)
{
  (void) s;
  if (!h->txn)
    return;
  if (dir == WT_DIR_ORIG)
    h->txn->req_body_len += n;
  else
    h->txn->resp_body_len += n;
}

static void message_done(Session *s, WtDir dir, Half *h, gint64 ts)
{
  if (dir == WT_DIR_ORIG)
    request_done(s, h, ts);
  else
    response_done(s, h, ts);
}

static gboolean looks_like_header(const guint8 *line, gsize n)
{
  WtHttpHeader hdr;
  return wt_http_parse_field_line(line, n, &hdr);
}

/* Header or trailer lines until the empty line. Every whole field line offered is read in
 * this one call (a field line changes no state but the header block's), so a header block
 * costs one pass through step() rather than one per line. */
static gboolean header_lines(Session *s, WtDir dir, Half *h, const guint8 *data, gsize len,
                             gsize *pos, gint64 ts, gboolean trailer)
{
  for (;;) {
    gsize lf;
    switch (next_line(h, data, len, *pos, header_budget(h), &lf)) {
    case LINE_MORE:
      return FALSE;
    case LINE_TOO_LONG:
      skip_long_line(s, dir, h, "http.header_too_long", len, pos, lf, ts);
      return TRUE;
    case LINE_OK:
      break;
    }
    const guint8 *line = data + *pos;
    gsize n = line_len(data, *pos, lf);
    if (h->maybe09 && n > 0 && !looks_like_header(line, n)) {
      /* nothing after the HTTP/0.9 request line: this line is the next request's */
      request_done(s, h, ts);
      return TRUE;
    }
    h->maybe09 = FALSE;
    h->hdr_bytes += lf - *pos + 1;
    *pos = lf + 1;
    if (n == 0)
      break;
    handle_header_line(s, dir, h, line, n, trailer);
  }
  if (trailer)
    message_done(s, dir, h, ts);
  else if (dir == WT_DIR_ORIG)
    request_headers_end(s, h, ts);
  else
    response_headers_end(s, h, ts);
  return TRUE;
}

static gboolean chunk_size_line(Session *s, WtDir dir, Half *h, const guint8 *data, gsize len,
                                gsize *pos, gint64 ts)
{
  gsize lf;
  guint64 size;
  switch (next_line(h, data, len, *pos, WT_HTTP_MAX_CHUNK_LINE, &lf)) {
  case LINE_MORE:
    return FALSE;
  case LINE_TOO_LONG:
    skip_long_line(s, dir, h, "http.bad_chunk_size", len, pos, lf, ts);
    return TRUE;
  case LINE_OK:
    break;
  }
  const guint8 *line = data + *pos;
  gsize n = line_len(data, *pos, lf);
  *pos = lf + 1;
  if (!wt_http_parse_chunk_size(line, n, &size)) {
    anomaly(s, "http.bad_chunk_size");
    abort_message(s, dir, ts);
    enter_resync(s, h, TRUE);
    return TRUE;
  }
  if (size == 0) {
    h->hdr_bytes = 0;  /* trailers get their own header-block budget */
    h->hdr_count = 0;
    h->last_hdr = HDR_NONE;
    h->state = ST_TRAILERS;
  } else {
    h->remaining = size;
    h->state = ST_CHUNK_DATA;
  }
  return TRUE;
}

static gboolean chunk_crlf(Session *s, Half *h, const guint8 *data, gsize len, gsize *pos)
{
  gsize avail = len - *pos;
  if (avail == 0)
    return FALSE;
  const guint8 *p = data + *pos;
  if (p[0] == '\n') {
    *pos += 1;
  } else if (p[0] == '\r') {
    if (avail < 2)
      return FALSE;
    if (p[1] == '\n')
      *pos += 2;
    else
      anomaly(s, "http.chunk_missing_crlf");
  } else {
    /* lenient, like most servers: the next chunk-size line starts right here */
    anomaly(s, "http.chunk_missing_crlf");
  }
  h->state = ST_CHUNK_SIZE;
  return TRUE;
}

/* A request line glued to the end of bytes we could not frame, e.g. the body of a request
 * whose Content-Length was invalid followed directly by the next request:
 * "abcGET /after HTTP/1.1". Only whole request lines ending in an HTTP/1.x version count,
 * so body bytes rarely pass for one. Returns the offset of the request in the line, or -1. */
static gssize embedded_request(const guint8 *line, gsize n)
{
  if (n > 0 && line[n - 1] == '\r')
    n--;
  if (n < 14 || memcmp(line + n - 9, " HTTP/1.", 8) != 0)
    return -1;
  for (gsize m = 1; m + 14 <= n; m++) {
    WtHttpRequestLine rl;
    if (wt_http_look_request(line + m, n - m) == WT_HTTP_LOOK_YES &&
        wt_http_parse_request_line(line + m, n - m, &rl) && !rl.http09 && !rl.bad_version)
      return (gssize) m;
  }
  return -1;
}

/* Response side, inside a line (after the bytes at a line start were no status line): a
 * status line may begin anywhere, e.g. right after the tail of a binary body that had no
 * line feed before it. Searches the rest of the line (to `nl`, or to the end of the bytes
 * when NULL) for one that is whole and followed by a plausible next line, so that bytes
 * inside a body are not taken for one; keeps the bytes from a candidate that needs more.
 * Without one, skips the line as before. */
static gboolean resync_status(Session *s, Half *h, const guint8 *data, gsize len, gsize *pos,
                              const guint8 *nl)
{
  const guint8 *end = nl ? nl : data + len;
  for (const guint8 *c = data + *pos; c < end && (c = memchr(c, 'H', (gsize) (end - c)));
       c++) {
    switch (wt_http_look_status_whole(c, (gsize) (data + len - c))) {
    case WT_HTTP_LOOK_NO:
      continue;
    case WT_HTTP_LOOK_MORE:
      *pos = (gsize) (c - data);  /* bounded: a status line and a field name */
      return FALSE;
    case WT_HTTP_LOOK_YES:
      s->stats->resyncs++;
      *pos = (gsize) (c - data);
      h->state = ST_START;
      h->scanned = 0;
      h->msg_ts = 0;
      return TRUE;
    }
  }
  if (!nl) {
    *pos = len;
    return FALSE;
  }
  *pos = (gsize) (nl - data) + 1;
  h->at_line_start = TRUE;
  return TRUE;
}

static gboolean resync(Session *s, WtDir dir, Half *h, const guint8 *data, gsize len,
                       gsize *pos)
{
  gsize avail = len - *pos;
  if (avail == 0)
    return FALSE;
  if (!h->at_line_start) {
    const guint8 *nl = memchr(data + *pos, '\n', avail);
    if (!nl) {
      if (dir == WT_DIR_RESP)
        return resync_status(s, h, data, len, pos, NULL);
      if (avail < WT_HTTP_MAX_RESYNC_LINE)
        return FALSE; /* keep the partial line: it may end in a request (bounded) */
      *pos = len;
      return FALSE;
    }
    if (dir == WT_DIR_RESP)
      return resync_status(s, h, data, len, pos, nl);
    gssize m = embedded_request(data + *pos, (gsize) (nl - data) - *pos);
    if (m > 0) {
      s->stats->resyncs++;
      *pos += (gsize) m;
      h->state = ST_START;
      h->scanned = 0;
      h->msg_ts = 0;
      return TRUE;
    }
    *pos = (gsize) (nl - data) + 1;
    h->at_line_start = TRUE;
    return TRUE;
  }
  WtHttpLook look = dir == WT_DIR_ORIG ? wt_http_look_request(data + *pos, avail)
                                       : wt_http_look_status(data + *pos, avail);
  switch (look) {
  case WT_HTTP_LOOK_MORE:
    return FALSE;  /* held: a few bytes at most (the longest method name) */
  case WT_HTTP_LOOK_YES:
    s->stats->resyncs++;
    h->state = ST_START;
    h->scanned = 0;
    h->msg_ts = 0;
    return TRUE;
  case WT_HTTP_LOOK_NO:
    h->at_line_start = FALSE;
    return TRUE;
  }
  return FALSE;
}

static gboolean wait_answer(Session *s, Half *h, const guint8 *data, gsize len, gsize pos)
{
  gsize avail = len - pos;
  if (avail == 0)
    return FALSE;
  switch (wt_http_look_request(data + pos, avail)) {
  case WT_HTTP_LOOK_YES:
    h->state = ST_START;  /* the client went on with HTTP without waiting */
    return TRUE;
  case WT_HTTP_LOOK_MORE:
    return FALSE;
  case WT_HTTP_LOOK_NO:
    break;
  }
  if (avail < WT_HTTP_MAX_WAIT_HOLD)
    return FALSE;
  anomaly(s, "http.tunnel_assumed");  /* no answer, and the client is not speaking HTTP */
  enter_tunnel(s);
  return TRUE;
}

/* One unit of work (a line, a body slice, a state change). Returns FALSE when it needs
 * more bytes; *pos is then what deliver() reports consumed. */
static gboolean step(Session *s, WtDir dir, const guint8 *data, gsize len, gsize *pos, gint64 ts)
{
  Half *h = &s->half[dir];
  gsize avail = len - *pos;
  switch (h->state) {
  case ST_START: {
    if (avail == 0)
      return FALSE;
    gsize start = *pos;
    gboolean more = dir == WT_DIR_ORIG ? request_line(s, h, data, len, pos, ts)
                                       : status_line(s, h, data, len, pos, ts);
    if (!more)
      *pos = start;  /* a start line not complete yet stays with the reassembler */
    return more;
  }
  case ST_HEADERS:
    return header_lines(s, dir, h, data, len, pos, ts, FALSE);
  case ST_TRAILERS:
    return header_lines(s, dir, h, data, len, pos, ts, TRUE);
  case ST_BODY:
  case ST_CHUNK_DATA: {
    if (avail == 0)
      return FALSE;
    guint64 n = MIN((guint64) avail, h->remaining);
    *pos += (gsize) n;
    h->remaining -= n;
    add_body(s, dir, h, n);
    if (h->remaining == 0) {
      if (h->state == ST_BODY)
        message_done(s, dir, h, ts);
      else
        h->state = ST_CHUNK_CRLF;
    }
    return TRUE;
  }
  case ST_CHUNK_SIZE:
    return chunk_size_line(s, dir, h, data, len, pos, ts);
  case ST_CHUNK_CRLF:
    return chunk_crlf(s, h, data, len, pos);
  case ST_CLOSE:
    add_body(s, dir, h, avail);
    *pos = len;
    return FALSE;
  case ST_TUNNEL:
    if (!s->handing_off)  /* after CONNECT 2xx the bytes go to another dissector */
      *pos = len;
    return FALSE;
  case ST_WAIT:
    return wait_answer(s, h, data, len, *pos);
  case ST_RESYNC:
    return resync(s, dir, h, data, len, pos);
  }
  return FALSE;
}

/* --- WtStreamDissector ------------------------------------------------------------- */

static gpointer session_new(gpointer stats, WtAppContext *ctx, const WtConnInfo *conn)
{
  Session *s = g_new0(Session, 1);
  s->stats = stats;
  s->half[0].base = s->half[1].base = WT_STREAM_UNKNOWN;
  s->ctx = ctx;
  s->log = wt_app_log(ctx, &wt_http_log_table);
  if (conn)
    s->conn = *conn;
  g_queue_init(&s->txns);
  s->last_req_acked = WT_STREAM_UNKNOWN;
  for (int d = 0; d < 2; d++) {
    Half *h = &s->half[d];
    h->seen_end = h->unseen_end = WT_STREAM_UNKNOWN;
  }
  return s;
}

static void acks(gpointer p, WtDir dir, const WtStreamAcks *a)
{
  Session *s = p;
  Half *h = &s->half[dir];
  if (h->base == WT_STREAM_UNKNOWN && a->at == 0) {
    h->msg_end = 0;  /* the stream's start is a message boundary */
    h->msg_end_valid = TRUE;
  }
  h->base = a->at;
  h->acks = a;
}

/* The usual segment of a large body: all of it lies inside a body (or chunk) of known
 * length, which goes on after it. It is counted and consumed as step() would (ST_BODY /
 * ST_CHUNK_DATA, then nothing left), without the pass through step(). */
static gboolean inside_body(const Half *h, gsize len)
{
  return (h->state == ST_BODY || h->state == ST_CHUNK_DATA) && len > 0 && len < h->remaining;
}

static gsize deliver(gpointer p, WtDir dir, const guint8 *data, gsize len, gint64 ts_ns)
{
  Session *s = p;
  Half *h = &s->half[dir];
  if (inside_body(h, len)) {
    h->last_ts = ts_ns;
    h->remaining -= len;
    add_body(s, dir, h, len);
    if (h->base != WT_STREAM_UNKNOWN) {
      h->seen_end = h->base + len;
      h->base += len;
    }
    return len;
  }
  gsize pos = 0;
  if (len > 0)
    h->last_ts = ts_ns;
  h->cur_pos = &pos;
  while (step(s, dir, data, len, &pos, ts_ns))
    ;
  h->cur_pos = NULL;
  if (h->base != WT_STREAM_UNKNOWN) {
    h->seen_end = h->base + len;
    h->base += pos;
  }
  return pos;
}

/* Bytes [from, from + len) of `dir` were never seen. */
static void note_unseen(Session *s, WtDir dir, Half *h, guint64 len)
{
  s->lossy = TRUE;
  if (h->base == WT_STREAM_UNKNOWN) {
    /* nothing of `dir` was offered yet: the gap starts the stream (a message boundary) */
    h->base = 0;
    h->msg_end = 0;
    h->msg_end_valid = TRUE;
  }
  guint64 from = h->base;
  h->base += len;
  h->seen_end = h->unseen_end = h->base;
  if (dir != WT_DIR_ORIG)
    return;
  /* a request lost here would come after the newest request seen */
  WtHttpTxn *t = NULL;
  for (GList *l = s->txns.tail; l && !t; l = l->prev)
    if (!((WtHttpTxn *) l->data)->orphan)
      t = l->data;
  if (t && t->unseen_after == WT_STREAM_UNKNOWN)
    t->unseen_after = from;
}

static void gap(gpointer p, WtDir dir, guint64 len)
{
  Session *s = p;
  Half *h = &s->half[dir];
  s->stats->gaps++;
  h->scanned = 0;
  note_unseen(s, dir, h, len);
  switch (h->state) {
  case ST_BODY:
  case ST_CHUNK_DATA:
    if (len <= h->remaining) {
      /* the gap lies inside a body of known length: still in sync */
      if (h->txn)
        h->txn->incomplete = TRUE;
      h->remaining -= len;
      add_body(s, dir, h, len);
      if (h->remaining == 0) {
        if (h->state == ST_BODY)
          message_done(s, dir, h, h->last_ts);
        else
          h->state = ST_CHUNK_CRLF;
      }
      return;
    }
    break;
  case ST_CLOSE:
    if (h->txn)
      h->txn->incomplete = TRUE;
    add_body(s, dir, h, len);
    return;
  case ST_TUNNEL:
  case ST_WAIT:
    return;
  case ST_START:
  case ST_HEADERS:
  case ST_CHUNK_SIZE:
  case ST_CHUNK_CRLF:
  case ST_TRAILERS:
  case ST_RESYNC:
    break;
  }
  abort_message(s, dir, h->last_ts);
  /* the bytes after the gap may start a message: look before skipping a line */
  enter_resync(s, h, TRUE);
}

static void eof(gpointer p, WtDir dir, gint64 ts_ns)
{
  Session *s = p;
  Half *h = &s->half[dir];
  if (h->state == ST_HEADERS && h->maybe09) {
    request_done(s, h, ts_ns);  /* a complete HTTP/0.9 request */
    h->maybe09 = FALSE;
  }
  switch (h->state) {
  case ST_CLOSE:
    /* the close delimits the body: complete, not truncated */
    message_done(s, dir, h, h->last_ts ? h->last_ts : ts_ns);
    break;
  case ST_HEADERS:
  case ST_BODY:
  case ST_CHUNK_SIZE:
  case ST_CHUNK_DATA:
  case ST_CHUNK_CRLF:
  case ST_TRAILERS:
    anomaly(s, "http.truncated_message");
    abort_message(s, dir, ts_ns);
    break;
  case ST_START:
  case ST_WAIT:
  case ST_TUNNEL:
  case ST_RESYNC:
    break;
  }
  h->state = ST_TUNNEL;  /* nothing more is parsed in this direction */
  h->txn = NULL;
}

static void session_free(gpointer p)
{
  Session *s = p;
  if (!s)
    return;
  WtHttpTxn *t;
  const Half *server = &s->half[WT_DIR_RESP];
  if (s->upgrade)
    upgrade_free(s->upgrade);
  GList *l;
  while ((l = g_queue_pop_head_link(&s->txns))) {
    t = l->data;
    /* a message still in progress without an eof was cut short */
    if (t == s->half[0].txn || t == s->half[1].txn)
      t->incomplete = TRUE;
    /* Without an answer: the server never answered, unless the capture lost server bytes
     * sent after the client sent the request (the answer may be among them). */
    if (s->lossy && !t->orphan && !t->has_final && server->unseen_end != WT_STREAM_UNKNOWN &&
        (t->req_acked == WT_STREAM_UNKNOWN || server->unseen_end > t->req_acked))
      t->answer_lost = TRUE;
    txn_finalize(s, t);
  }
  g_free(s->spare);
  g_free(s);
}

/* Both directions ended: with every transaction logged, freeing now writes nothing. */
static gboolean settled(gpointer p)
{
  Session *s = p;
  return g_queue_is_empty(&s->txns);
}

/* CONNECT answered 2xx: the rest of the connection is the tunnel's (TLS, HTTP ...); 101
 * to `Upgrade: h2c`: HTTP/2's. */
static gboolean handoff(gpointer p, guint16 *port)
{
  Session *s = p;
  if (!s->handing_off)
    return FALSE;
  *port = s->connect_port;
  return TRUE;
}

/* After `Upgrade: h2c` answered 101: the upgraded request, for HTTP/2's stream 1. */
static WtHandoffNote *handoff_note(gpointer p)
{
  Session *s = p;
  if (!s->upgrade)
    return NULL;
  WtHandoffNote *n = g_new0(WtHandoffNote, 1);
  n->to = "http2";
  n->data = g_steal_pointer(&s->upgrade);
  n->free_data = upgrade_free;
  return n;
}

static gboolean probe(const guint8 *data, gsize len, WtDir dir)
{
  /* HTTP/2's connection preface ("PRI * HTTP/2.0...", also as far as it has arrived) is
   * the HTTP/2 dissector's */
  static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  if (dir == WT_DIR_ORIG && len >= 3 && memcmp(data, preface, MIN(len, sizeof preface - 1)) == 0)
    return FALSE;
  if (dir == WT_DIR_RESP)
    return wt_http_look_status(data, len) == WT_HTTP_LOOK_YES;
  if (wt_http_look_request(data, len) == WT_HTTP_LOOK_YES)
    return TRUE;
  /* an unknown method: uppercase token, SP, then '/', '*' or an absolute "http" URI */
  gsize i = 0;
  while (i < len && i <= 20 && data[i] >= 'A' && data[i] <= 'Z')
    i++;
  if (i == 0 || i > 20 || i >= len || data[i] != ' ')
    return FALSE;
  i++;
  if (i < len && (data[i] == '/' || data[i] == '*'))
    return TRUE;
  return len - i >= 4 && g_ascii_tolower(data[i]) == 'h' && g_ascii_tolower(data[i + 1]) == 't' &&
         g_ascii_tolower(data[i + 2]) == 't' && g_ascii_tolower(data[i + 3]) == 'p';
}

static const guint16 http_ports[] = { 80, 8080, 8000, 8008, 8888, 3128, 81, 591, 0 };

static const WtLogTable *const http_log_tables[] = { &wt_http_log_table, NULL };

static const char *const http_alpn[] = { "http/1.1", "http/1.0", NULL };

const WtStreamDissector wt_http_dissector = {
  .name = "http",
  .ports = http_ports,
  .log_tables = http_log_tables,
  .fleet_report = wt_http_fleet_report,
  .fleet_metrics = wt_http_fleet_metrics,
  .probe = probe,
  .stats_new = wt_http_stats_new,
  .stats_free = wt_http_stats_free,
  .stats_merge = wt_http_stats_merge,
  .report = wt_http_stats_report,
  .metrics = wt_http_stats_metrics,
  .series = &wt_http_series,
  .session_new = session_new,
  .deliver = deliver,
  .gap = gap,
  .eof = eof,
  .session_free = session_free,
  .settled = settled,
  .acks = acks,
  .handoff = handoff,
  .alpn = http_alpn,
  .handoff_note = handoff_note,
};
