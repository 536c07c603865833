/* One HTTP/2 connection: the framer of each direction, an HPACK inflater per direction
 * (libnghttp2), the streams as HTTP transactions. See http2.h. */
#include "dissectors/http2/http2.h"

#include <nghttp2/nghttp2.h>
#include <string.h>

#include "analyzer/core/anomaly.h"
#include "dissectors/http/http.h"
#include "dissectors/http2/http2-frame.h"
#include "dissectors/http2/http2-stats.h"

/* Limits: every structure that grows with traffic has one, and a counter for hitting it. */
#define H2_MAX_STREAMS 1024        /* streams tracked at once per connection: too_many_streams */
#define H2_MAX_HEADER_BLOCK 65536  /* bytes of one header block: header_block_too_large */
#define H2_MAX_CONTINUATIONS 64    /* CONTINUATION frames of one block: continuation_flood */
#define H2_MAX_FIELDS 256          /* fields of one block looked at: too_many_headers */
#define H2_MAX_PATH 8192           /* bytes of :path kept */
#define H2_MAX_VALUE 1024          /* bytes of other values kept */
/* HPACK dynamic table of one direction: a peer may announce up to 4 GiB in
 * SETTINGS_HEADER_TABLE_SIZE and its encoder could then fill it; 64 KiB covers the real
 * ones (4,096 by default, 65,536 for some browsers). Above, the table is kept at this size
 * and a block that needs more fails to decode (hpack_error, then hpack_desync):
 * header_table_capped */
#define H2_MAX_HEADER_TABLE 65536

typedef struct {
  guint32 id, depth;
  char *method, *authority, *path, *user_agent, *content_type;
  guint16 status, info_code;
  guint n_interim;
  guint64 req_body, resp_body;
  gint64 ts_req_start, ts_req_end, ts_resp_start, ts_resp_end;
  guint req_undecoded : 1;
  guint resp_undecoded : 1;
  guint has_request : 1;
  guint req_end : 1;
  guint resp_end : 1;
  guint pushed : 1;
  guint reset : 1;
  guint upgraded : 1;  /* stream 1 of an `Upgrade: h2c` connection: its request was HTTP/1.1 */
  guint grpc : 1;      /* content-type application/grpc* (request or response) */
  int grpc_status;     /* from the response's trailers (or trailers-only headers); -1: none */
} H2Stream;

/* The fields of the header block being decoded. */
typedef struct {
  char *method, *authority, *host, *path, *user_agent, *content_type;
  guint16 status;
  gboolean bad_status;
  int grpc_status; /* -1: none */
  guint n;
} H2Block;

typedef struct {
  WtH2Framer fr;
  nghttp2_hd_inflater *hd;
  gboolean desync;        /* the HPACK state is unknown: no more header blocks decoded */
  gboolean gap_seen;
  /* the header block in progress (HEADERS or PUSH_PROMISE, then CONTINUATIONs) */
  gboolean in_block, block_open_hd, block_skip, block_desync;
  guint8 block_type;
  guint32 block_stream, block_promised;
  gboolean block_end_stream;
  gsize block_bytes;
  guint block_conts;
  gint64 block_ts;
  H2Block blk;
} H2Dir;

typedef struct {
  WtHttp2Stats *stats;
  WtAppContext *ctx;
  WtConnInfo conn;
  H2Dir d[2];
  GHashTable *streams; /* stream id -> H2Stream */
  guint32 depth;
  guint32 max_client_stream; /* the highest stream id the client opened */
  gboolean goaway_seen[2];
  guint32 goaway_last[2]; /* last-stream-id of a GOAWAY sent by that direction */
  WtDir cur_dir;
  gint64 ts;
} H2Session;

/* `name`: a static "http2.<reason>" (the anomaly table keeps the pointer) */
static void anomaly(H2Session *s, const char *name)
{
  if (s->ctx && s->ctx->anomalies)
    wt_anomaly(s->ctx->anomalies, name);
}

static void block_clear(H2Block *b)
{
  g_free(b->method);
  g_free(b->authority);
  g_free(b->host);
  g_free(b->path);
  g_free(b->user_agent);
  g_free(b->content_type);
  memset(b, 0, sizeof *b);
  b->grpc_status = -1;
}

static void stream_free(gpointer p)
{
  H2Stream *st = p;
  g_free(st->method);
  g_free(st->authority);
  g_free(st->path);
  g_free(st->user_agent);
  g_free(st->content_type);
  g_free(st);
}

static gboolean is_block_type(guint8 type)
{
  return type == WT_H2_HEADERS || type == WT_H2_PUSH_PROMISE || type == WT_H2_CONTINUATION;
}

/* --- streams -------------------------------------------------------------------------- */

static H2Stream *stream_find(H2Session *s, guint32 id)
{
  return g_hash_table_lookup(s->streams, GUINT_TO_POINTER(id));
}

static H2Stream *stream_new(H2Session *s, guint32 id)
{
  if (g_hash_table_size(s->streams) >= H2_MAX_STREAMS) {
    s->stats->streams_untracked++;
    anomaly(s, "http2.too_many_streams");
    return NULL;
  }
  H2Stream *st = g_new0(H2Stream, 1);
  st->id = id;
  st->depth = ++s->depth;
  st->grpc_status = -1;
  g_hash_table_insert(s->streams, GUINT_TO_POINTER(id), st);
  s->stats->streams++;
  return st;
}

typedef enum { END_DONE, END_RESET, END_REFUSED, END_CLOSE } H2End;

/* The stream is over: into the HTTP tap (requested streams with their request headers),
 * counted apart otherwise; removed. */
static void stream_finish(H2Session *s, H2Stream *st, H2End how)
{
  if (how == END_REFUSED) {
    s->stats->streams_refused++;
  } else if (st->pushed) {
    /* counted apart (streams_pushed), not among the requested transactions */
  } else if (!st->has_request) {
    if (st->req_undecoded)
      s->stats->streams_undecoded++;
  } else if (s->stats->http) {
    if (st->grpc)
      wt_http2_stats_on_grpc(s->stats, st->path, st->grpc_status);
    WtHttpExchange x = {
      .major = 2, .minor = 0,
      .stream_id = st->id, .depth = st->depth,
      .method = st->method, .authority = st->authority, .path = st->path,
      .user_agent = st->user_agent, .content_type = st->content_type,
      .status = st->status, .info_code = st->info_code, .n_interim = st->n_interim,
      .upgraded = st->upgraded,
      .req_body_len = st->req_body, .resp_body_len = st->resp_body,
      .ts_req_start = st->ts_req_start, .ts_req_end = st->ts_req_end,
      .ts_resp_start = st->ts_resp_start, .ts_resp_end = st->ts_resp_end,
      .incomplete = how == END_RESET || !st->resp_end || st->resp_undecoded,
      .answer_lost = !st->status && (st->resp_undecoded || s->d[WT_DIR_RESP].gap_seen),
    };
    wt_http_add_exchange(s->stats->http, s->ctx, &s->conn, &x);
  }
  g_hash_table_remove(s->streams, GUINT_TO_POINTER(st->id));
}

/* A GOAWAY sent by `dir`: the peer's streams above its last-stream-id were refused. */
static void refuse_above(H2Session *s, WtDir dir, guint32 last)
{
  /* streams the receiver of the GOAWAY started: odd ones by the client, even (pushed) by
   * the server */
  guint parity = dir == WT_DIR_RESP ? 1 : 0;
  g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint32));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, s->streams);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    guint32 id = GPOINTER_TO_UINT(k);
    if (id > last && (id & 1u) == parity && !((H2Stream *) v)->status)
      g_array_append_val(ids, id);
  }
  for (guint i = 0; i < ids->len; i++)
    stream_finish(s, stream_find(s, g_array_index(ids, guint32, i)), END_REFUSED);
}

/* --- header blocks -------------------------------------------------------------------- */

static char *value_text(const nghttp2_nv *nv, gsize max)
{
  return wt_http_safe_text(nv->value, nv->valuelen, max);
}

static gboolean name_is(const nghttp2_nv *nv, const char *name)
{
  gsize n = strlen(name);
  return nv->namelen == n && memcmp(nv->name, name, n) == 0;
}

static void set_once(char **slot, char *v)
{
  if (*slot)
    g_free(v);
  else
    *slot = v;
}

static void on_field(H2Session *s, H2Dir *d, const nghttp2_nv *nv)
{
  H2Block *b = &d->blk;
  if (++b->n > H2_MAX_FIELDS) {
    if (b->n == H2_MAX_FIELDS + 1)
      anomaly(s, "http2.too_many_headers");
    return;
  }
  if (name_is(nv, ":method"))
    set_once(&b->method, value_text(nv, 64));
  else if (name_is(nv, ":authority"))
    set_once(&b->authority, value_text(nv, H2_MAX_VALUE));
  else if (name_is(nv, "host"))
    set_once(&b->host, value_text(nv, H2_MAX_VALUE));
  else if (name_is(nv, ":path"))
    set_once(&b->path, value_text(nv, H2_MAX_PATH));
  else if (name_is(nv, "user-agent"))
    set_once(&b->user_agent, value_text(nv, H2_MAX_VALUE));
  else if (name_is(nv, ":status")) {
    /* exactly three digits */
    if (nv->valuelen == 3 && g_ascii_isdigit(nv->value[0]) && g_ascii_isdigit(nv->value[1]) &&
        g_ascii_isdigit(nv->value[2]) && !b->status)
      b->status = (guint16) ((nv->value[0] - '0') * 100 + (nv->value[1] - '0') * 10 +
                             (nv->value[2] - '0'));
    else
      b->bad_status = TRUE;
  } else if (name_is(nv, "grpc-status")) {
    /* a decimal code (gRPC's HTTP/2 protocol: 1*DIGIT) */
    int code = 0;
    gboolean ok = nv->valuelen > 0 && nv->valuelen <= 5;
    for (gsize i = 0; ok && i < nv->valuelen; i++) {
      ok = g_ascii_isdigit(nv->value[i]);
      code = code * 10 + (nv->value[i] - '0');
    }
    if (ok && b->grpc_status < 0)
      b->grpc_status = code;
  } else if (name_is(nv, "content-type") && !b->content_type) {
    gsize n = 0;
    while (n < nv->valuelen && nv->value[n] != ';')
      n++;
    while (n > 0 && (nv->value[n - 1] == ' ' || nv->value[n - 1] == '\t'))
      n--;
    g_autofree char *t = wt_http_safe_text(nv->value, n, 128);
    b->content_type = g_ascii_strdown(t, -1);
  }
}

/* Feeds a fragment to the direction's inflater; `final` with the block's last one. */
static void inflate(H2Session *s, H2Dir *d, const guint8 *p, gsize len, gboolean final)
{
  if (d->block_skip)
    return;
  for (;;) {
    nghttp2_nv nv;
    int flags = 0;
    ssize_t rv = nghttp2_hd_inflate_hd2(d->hd, &nv, &flags, p, len, final);
    if (rv < 0) {
      anomaly(s, "http2.hpack_error");
      d->desync = TRUE;
      d->block_skip = TRUE;
      return;
    }
    p += rv;
    len -= (gsize) rv;
    if (flags & NGHTTP2_HD_INFLATE_EMIT)
      on_field(s, d, &nv);
    if (flags & NGHTTP2_HD_INFLATE_FINAL) {
      nghttp2_hd_inflate_end_headers(d->hd);
      break;
    }
    if (!(flags & NGHTTP2_HD_INFLATE_EMIT) && len == 0)
      break;
  }
}

static void block_fragment(H2Session *s, H2Dir *d, const guint8 *p, gsize len, gboolean final)
{
  if (!d->block_skip && len > H2_MAX_HEADER_BLOCK - d->block_bytes) {
    anomaly(s, "http2.header_block_too_large");
    d->block_skip = TRUE;
    d->desync = TRUE; /* the rest of the block would have changed the dynamic table */
  }
  d->block_bytes += MIN(len, (gsize) H2_MAX_HEADER_BLOCK);
  inflate(s, d, p, len, final);
}

/* A block started: the inflater is fed only while the HPACK state is known. */
static void block_begin(H2Session *s, H2Dir *d, const WtH2FrameHeader *h, const WtH2Fields *f)
{
  block_clear(&d->blk);
  d->in_block = TRUE;
  d->block_type = h->type;
  d->block_stream = h->stream_id;
  d->block_promised = f->promised_id;
  d->block_end_stream = h->type == WT_H2_HEADERS && (h->flags & WT_H2_FLAG_END_STREAM);
  d->block_bytes = 0;
  d->block_conts = 0;
  d->block_ts = s->ts;
  d->block_desync = d->desync;
  d->block_skip = d->desync;
}

static gboolean is_grpc(const char *content_type)
{
  return content_type && g_str_has_prefix(content_type, "application/grpc");
}

static void apply_request(H2Session *s, H2Stream *st, H2Block *b, gboolean decoded)
{
  if (!decoded) {
    st->req_undecoded = TRUE;
    return;
  }
  st->has_request = TRUE;
  if (!b->method || !b->path) /* RFC 9113 8.3.1 (CONNECT has no :path: counted too) */
    anomaly(s, "http2.missing_pseudo_header");
  /* a request without :method is still a request: "-" in the tables, as for HTTP/1 */
  st->method = b->method ? g_steal_pointer(&b->method) : g_strdup("-");
  st->authority = b->authority ? g_steal_pointer(&b->authority) : g_steal_pointer(&b->host);
  st->path = g_steal_pointer(&b->path);
  st->user_agent = g_steal_pointer(&b->user_agent);
  st->grpc = is_grpc(b->content_type);
}

/* The block ended (END_HEADERS): what it means for its stream. */
static void block_end(H2Session *s, WtDir dir, H2Dir *d)
{
  gboolean decoded = !d->block_skip;
  H2Block *b = &d->blk;
  d->in_block = FALSE;
  if (d->block_desync) {
    s->stats->hpack_desync++;
    anomaly(s, "http2.hpack_desync");
  } else if (decoded) {
    s->stats->header_blocks++;
  }
  if (d->block_type == WT_H2_PUSH_PROMISE) {
    if (dir != WT_DIR_RESP) {
      anomaly(s, "http2.push_from_client");
    } else if (!stream_find(s, d->block_promised)) {
      H2Stream *st = stream_new(s, d->block_promised);
      if (st) {
        st->pushed = TRUE;
        s->stats->streams_pushed++;
        apply_request(s, st, b, decoded);
        st->ts_req_start = st->ts_req_end = d->block_ts;
        st->req_end = TRUE;
      }
    }
    block_clear(b);
    return;
  }
  H2Stream *st = stream_find(s, d->block_stream);
  if (dir == WT_DIR_ORIG) {
    if (!st) {
      if ((d->block_stream & 1u) == 0) {
        anomaly(s, "http2.bad_stream_id");
      } else if (s->goaway_seen[WT_DIR_RESP] && d->block_stream > s->goaway_last[WT_DIR_RESP]) {
        s->stats->streams_refused++;
      } else if (d->block_stream <= s->max_client_stream) {
        /* a stream already closed (reset, or its tracking ended): late headers */
      } else {
        s->max_client_stream = d->block_stream;
        if ((st = stream_new(s, d->block_stream))) {
          apply_request(s, st, b, decoded);
          st->ts_req_start = d->block_ts;
        }
      }
    } else {
      s->stats->trailers++; /* a second block from the client: trailers */
    }
    if (st && d->block_end_stream) {
      st->req_end = TRUE;
      st->ts_req_end = d->block_ts;
    }
  } else {
    if (!st) {
      /* closed streams (a response crossing the client's RST_STREAM) are no anomaly */
      if (((d->block_stream & 1u) == 0 || d->block_stream > s->max_client_stream) &&
          !s->d[WT_DIR_ORIG].gap_seen) /* not when the capture lost client bytes */
        anomaly(s, "http2.response_without_request");
    } else if (!decoded) {
      st->resp_undecoded = TRUE;
    } else if (b->bad_status || (!b->status && !st->status)) {
      anomaly(s, "http2.bad_status");
    } else if (b->status && b->status >= 100 && b->status <= 199 && b->status != 101) {
      st->n_interim++;
      st->info_code = b->status;
      s->stats->interim++;
    } else if (b->status && !st->status) {
      st->status = b->status;
      st->ts_resp_start = d->block_ts;
      st->grpc |= is_grpc(b->content_type);
      st->content_type = g_steal_pointer(&b->content_type);
    } else {
      s->stats->trailers++;
    }
    if (st && decoded && b->grpc_status >= 0)
      st->grpc_status = b->grpc_status; /* trailers, or a trailers-only response */
    if (st && d->block_end_stream) {
      st->resp_end = TRUE;
      st->ts_resp_end = d->block_ts;
      stream_finish(s, st, END_DONE);
    }
  }
  block_clear(b);
}

/* A header block cut short (another frame in its middle, a lost frame): its changes to the
 * dynamic table are unknown, so is the direction's HPACK state from now on. */
static void block_abandon(H2Session *s, H2Dir *d)
{
  if (!d->in_block)
    return;
  d->in_block = FALSE;
  d->desync = TRUE;
  block_clear(&d->blk);
  (void) s;
}

/* --- frames --------------------------------------------------------------------------- */

static void change_table_size(H2Session *s, H2Dir *d, guint32 size)
{
  if (size > H2_MAX_HEADER_TABLE) {
    anomaly(s, "http2.header_table_capped");
    size = H2_MAX_HEADER_TABLE;
  }
  nghttp2_hd_inflate_change_table_size(d->hd, size);
}

static void on_settings(H2Session *s, WtDir dir, const guint8 *p, gsize len)
{
  WtH2SettingsIter it = { p, len, 0 };
  guint16 id;
  guint32 v;
  while (wt_h2_settings_next(&it, &id, &v)) {
    const char *name = wt_h2_setting_name(id);
    char key[64];
    if (name)
      g_snprintf(key, sizeof key, "%s=%u", name, v);
    else
      g_snprintf(key, sizeof key, "0x%04x=%u", id, v);
    wt_top_n_add(s->stats->settings, key, 1);
    const char *bad = wt_h2_setting_check(id, v);
    if (bad) {
      anomaly(s, bad);
      continue;
    }
    H2Dir *peer = &s->d[!dir];
    if (id == WT_H2_SETTINGS_HEADER_TABLE_SIZE && !peer->in_block && peer->hd)
      change_table_size(s, peer, v); /* the peer's encoder's limit */
    else if (id == WT_H2_SETTINGS_MAX_FRAME_SIZE)
      peer->fr.max_frame_size = v; /* frames the peer sends to `dir` */
  }
}

static void count_frame(H2Session *s, guint8 type)
{
  s->stats->frames++;
  wt_top_n_add(s->stats->frame_types, wt_h2_frame_type_name(type), 1);
}

static void on_frame(gpointer ctx, const WtH2FrameHeader *h, const WtH2Fields *f,
                     const guint8 *payload, const char *bad)
{
  H2Session *s = ctx;
  WtDir dir = s->cur_dir;
  H2Dir *d = &s->d[dir];
  count_frame(s, h->type);
  if (d->in_block && (h->type != WT_H2_CONTINUATION || h->stream_id != d->block_stream)) {
    anomaly(s, "http2.continuation_expected");
    block_abandon(s, d);
  }
  if (bad) {
    anomaly(s, bad);
    if (is_block_type(h->type)) {
      block_abandon(s, d);
      d->desync = TRUE;
    }
    return;
  }
  H2Stream *st;
  switch (h->type) {
  case WT_H2_DATA:
    if ((st = stream_find(s, h->stream_id))) {
      if (dir == WT_DIR_ORIG)
        st->req_body += f->frag_len;
      else
        st->resp_body += f->frag_len;
      if (h->flags & WT_H2_FLAG_END_STREAM) {
        if (dir == WT_DIR_ORIG) {
          st->req_end = TRUE;
          st->ts_req_end = s->ts;
        } else {
          st->resp_end = TRUE;
          st->ts_resp_end = s->ts;
          stream_finish(s, st, END_DONE);
        }
      }
    }
    break;
  case WT_H2_HEADERS:
  case WT_H2_PUSH_PROMISE:
    block_begin(s, d, h, f);
    block_fragment(s, d, payload + f->frag_off, f->frag_len,
                   (h->flags & WT_H2_FLAG_END_HEADERS) != 0);
    if (h->flags & WT_H2_FLAG_END_HEADERS)
      block_end(s, dir, d);
    break;
  case WT_H2_CONTINUATION:
    if (!d->in_block) {
      anomaly(s, "http2.unexpected_continuation");
      d->desync = TRUE;
      break;
    }
    if (++d->block_conts > H2_MAX_CONTINUATIONS && !d->block_skip) {
      anomaly(s, "http2.continuation_flood");
      d->block_skip = TRUE;
      d->desync = TRUE;
    }
    block_fragment(s, d, payload + f->frag_off, f->frag_len,
                   (h->flags & WT_H2_FLAG_END_HEADERS) != 0);
    if (h->flags & WT_H2_FLAG_END_HEADERS)
      block_end(s, dir, d);
    break;
  case WT_H2_RST_STREAM: {
    const char *name = wt_h2_error_name(f->error_code);
    wt_top_n_add(s->stats->rst_errors, name ? name : "(unregistered)", 1);
    if ((st = stream_find(s, h->stream_id))) {
      if (!st->status) {
        st->reset = TRUE;
        s->stats->streams_reset++;
      }
      stream_finish(s, st, st->status ? END_CLOSE : END_RESET);
    }
    break;
  }
  case WT_H2_SETTINGS:
    if (!(h->flags & WT_H2_FLAG_ACK))
      on_settings(s, dir, payload, h->length);
    break;
  case WT_H2_GOAWAY: {
    const char *name = wt_h2_error_name(f->error_code);
    s->stats->goaway++;
    wt_top_n_add(s->stats->goaway_errors, name ? name : "(unregistered)", 1);
    s->goaway_seen[dir] = TRUE;
    s->goaway_last[dir] = f->last_stream_id;
    refuse_above(s, dir, f->last_stream_id);
    break;
  }
  default: /* PRIORITY, PING, WINDOW_UPDATE, extension types: counted */
    break;
  }
}

static void on_lost(gpointer ctx, const WtH2FrameHeader *h, WtH2LostWhy why)
{
  H2Session *s = ctx;
  H2Dir *d = &s->d[s->cur_dir];
  count_frame(s, h->type);
  if (why == WT_H2_LOST_TOO_LARGE)
    anomaly(s, "http2.frame_not_decoded");
  if (is_block_type(h->type) || d->in_block) {
    block_abandon(s, d);
    d->desync = TRUE;
  }
}

static void on_framer_anomaly(gpointer ctx, const char *reason)
{
  anomaly(ctx, reason);
}

/* After a gap over a frame header: frames found again (their header blocks stay
 * undecodable: the HPACK state is unknown), or none, and that direction is not read on. */
static void on_resync(gpointer ctx, gboolean found, guint64 skipped)
{
  H2Session *s = ctx;
  (void) skipped;
  if (found) {
    s->stats->resyncs++;
  } else {
    s->stats->framing_given_up++;
    anomaly(s, "http2.framing_given_up");
  }
}

static const WtH2FramerSink framer_sink = { on_frame, on_lost, on_framer_anomaly, on_resync };

/* --- the session ---------------------------------------------------------------------- */

static gpointer session_new(gpointer stats, WtAppContext *ctx, const WtConnInfo *conn)
{
  H2Session *s = g_new0(H2Session, 1);
  s->stats = stats;
  s->ctx = ctx;
  s->conn = *conn;
  s->streams = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, stream_free);
  for (int i = 0; i < 2; i++) {
    wt_h2_framer_init(&s->d[i].fr, i == WT_DIR_ORIG);
    if (nghttp2_hd_inflate_new(&s->d[i].hd) != 0) {
      s->d[i].hd = NULL;
      s->d[i].desync = TRUE;
    }
  }
  s->stats->connections++;
  return s;
}

/* The connection was upgraded from HTTP/1.1 (`Upgrade: h2c` answered 101): the request
 * the HTTP session saw is stream 1's, half-closed by the client (RFC 7540 section 3.2);
 * its answer comes as HTTP/2. The 101 is its interim response. */
static void adopt(gpointer p, gpointer data)
{
  H2Session *s = p;
  WtHttpUpgrade *u = data;
  s->stats->upgrades++;
  if (u->settings_len) /* the client's first SETTINGS, in the upgrade request */
    on_settings(s, WT_DIR_ORIG, u->settings, u->settings_len);
  if (u->depth)
    s->depth = u->depth - 1; /* stream 1 keeps its place on the connection */
  H2Stream *st = stream_new(s, 1);
  if (!st)
    return;
  u->taken = TRUE;
  s->max_client_stream = 1;
  st->upgraded = TRUE;
  st->has_request = TRUE;
  st->req_end = TRUE;
  st->method = u->method ? g_steal_pointer(&u->method) : g_strdup("-");
  st->authority = g_steal_pointer(&u->authority);
  st->path = g_steal_pointer(&u->path);
  st->user_agent = g_steal_pointer(&u->user_agent);
  st->req_body = u->req_body_len;
  st->ts_req_start = u->ts_req_start;
  st->ts_req_end = u->ts_req_end;
  st->info_code = 101; /* counted (as interim) with the transaction, not by HTTP/1 */
  st->n_interim = 1;
}

static gsize deliver(gpointer p, WtDir dir, const guint8 *data, gsize len, gint64 ts_ns)
{
  H2Session *s = p;
  s->cur_dir = dir;
  s->ts = ts_ns;
  return wt_h2_framer_feed(&s->d[dir].fr, data, len, &framer_sink, s);
}

static void gap(gpointer p, WtDir dir, guint64 len)
{
  H2Session *s = p;
  H2Dir *d = &s->d[dir];
  s->cur_dir = dir;
  s->stats->gaps++;
  if (s->stats->http)
    wt_http_add_gap(s->stats->http);
  d->gap_seen = TRUE;
  if (!wt_h2_framer_gap(&d->fr, len, &framer_sink, s)) {
    s->stats->framing_lost++;
    anomaly(s, "http2.framing_lost");
    block_abandon(s, d);
    d->desync = TRUE;
  }
}

/* The direction has ended: its HPACK table (up to 4 KiB by default, 64 KiB at most, and
 * the inflater's own buffers) goes now rather than when the flow leaves the table after
 * TIME-WAIT. The streams stay: they are finished, in stream order, when the session is
 * freed. */
static void eof(gpointer p, WtDir dir, gint64 ts_ns)
{
  H2Session *s = p;
  H2Dir *d = &s->d[dir];
  (void) ts_ns;
  if (d->hd && !d->in_block) {
    nghttp2_hd_inflate_del(d->hd);
    d->hd = NULL;
    d->desync = TRUE; /* nothing comes after the end; if it did, it could not be decoded */
  }
}

static gint cmp_id(gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return x < y ? -1 : x > y;
}

static void session_free(gpointer p)
{
  H2Session *s = p;
  if (!s)
    return;
  /* the streams still open, in stream order */
  g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint32));
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init(&it, s->streams);
  while (g_hash_table_iter_next(&it, &k, NULL)) {
    guint32 id = GPOINTER_TO_UINT(k);
    g_array_append_val(ids, id);
  }
  g_array_sort(ids, cmp_id);
  for (guint i = 0; i < ids->len; i++)
    stream_finish(s, stream_find(s, g_array_index(ids, guint32, i)), END_CLOSE);
  g_hash_table_destroy(s->streams);
  for (int i = 0; i < 2; i++) {
    block_clear(&s->d[i].blk);
    if (s->d[i].hd)
      nghttp2_hd_inflate_del(s->d[i].hd);
  }
  g_free(s);
}

/* Both directions ended: no stream left open, so freeing now logs nothing. */
static gboolean settled(gpointer p)
{
  const H2Session *s = p;
  return g_hash_table_size(s->streams) == 0;
}

/* The client's connection preface (prior knowledge), as far as it has arrived: "PRI" is
 * enough (RFC 9113 3.4: the method PRI is reserved for it), so a preface cut early is not
 * taken by the responder port's dissector. A server may send its preface (a
 * SETTINGS frame: type 4, no flags, stream 0, a multiple of 6 bytes up to the default
 * frame size) before the client's arrives. */
static gboolean probe(const guint8 *data, gsize len, WtDir dir)
{
  if (dir == WT_DIR_RESP) {
    WtH2FrameHeader h;
    return wt_h2_frame_header_parse(data, len, &h) && h.type == WT_H2_SETTINGS &&
           h.flags == 0 && h.stream_id == 0 && data[5] == 0 &&
           h.length % 6 == 0 && h.length <= WT_H2_DEFAULT_MAX_FRAME_SIZE;
  }
  if (len < 3)
    return FALSE;
  return memcmp(data, WT_H2_PREFACE, MIN(len, (gsize) WT_H2_PREFACE_LEN)) == 0;
}

/* RFC 9113 3.2: HTTP/2 over TLS */
static const char *const http2_alpn[] = { "h2", NULL };
/* Fewer bytes than probe() needs that may still be a preface: the client's (before "PRI")
 * or the server's SETTINGS frame header so far (length < 64 KiB, type 4, no flags, stream
 * 0). Without this, TCP would pick the responder port's dissector (HTTP/1 on 8080) on "P". */
static gboolean probe_wait(const guint8 *data, gsize len, WtDir dir)
{
  if (len == 0)
    return FALSE;
  if (dir == WT_DIR_ORIG)
    return len < 3 && memcmp(data, WT_H2_PREFACE, len) == 0;
  static const guint8 settings_header[WT_H2_FRAME_HEADER_LEN] = { 0, 0, 0, WT_H2_SETTINGS };
  if (len >= WT_H2_FRAME_HEADER_LEN)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if ((i == 1 || i == 2) ? FALSE : data[i] != settings_header[i])
      return FALSE;
  return TRUE;
}

const WtStreamDissector wt_http2_dissector = {
  .name = "http2",
  .probe = probe,
  .probe_wait = probe_wait,
  .tap_of = "http",
  .tap_link = wt_http2_stats_link,
  .stats_new = wt_http2_stats_new,
  .stats_free = wt_http2_stats_free,
  .stats_merge = wt_http2_stats_merge,
  .report = wt_http2_stats_report,
  .session_new = session_new,
  .deliver = deliver,
  .gap = gap,
  .eof = eof,
  .session_free = session_free,
  .settled = settled,
  .alpn = http2_alpn,
  .adopt = adopt,
};
