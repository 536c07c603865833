/* A SOCKS connection: the client's greeting, authentication and request, the server's
 * method choice, authentication status and reply, read as they arrive in each direction.
 * After a granted CONNECT (or the second reply of a granted BIND) nothing more is
 * consumed: handoff() hands the rest of both directions back to TCP's choice. A refused
 * request, UDP ASSOCIATE (the TCP connection only keeps the association) and anything
 * that is not SOCKS are read no further. */
#include "dissectors/socks/socks.h"

#include <string.h>

#include "dissectors/socks/socks-fleet.h"
#include "dissectors/socks/socks-log.h"
#include "dissectors/socks/socks-parse.h"
#include "dissectors/socks/socks-stats.h"

typedef enum {
  C_FIRST,  /* the greeting (5) or the request (4) */
  C_V5,     /* SOCKS 5 after the greeting: authentication or the request */
  C_HOLD,   /* the request was read: what follows is the tunnel's, left unconsumed */
  C_SKIP,   /* nothing more to read */
} ClientState;

typedef enum {
  S_FIRST,     /* method choice (5) or reply (4) */
  S_V5_AUTH,   /* the RFC 1929 status */
  S_REPLY,     /* the reply to the request (5), or BIND's second reply */
  S_HOLD,      /* granted: what follows is the tunnel's */
  S_SKIP,
} ServerState;

typedef struct {
  WtSocksStats *stats;
  WtAppContext *ctx;
  WtConnInfo conn;
  WtLog *log;
  ClientState cs;
  ServerState ss;
  guint8 version;          /* from the client's first message */
  gboolean have_request, have_reply, granted, handed_off;
  gboolean not_socks, malformed, auth_failed;
  guint8 replies;          /* replies read (BIND has two) */
  guint8 method;           /* the server's choice (SOCKS 5); 0xff none yet */
  guint8 code;             /* the last reply's */
  guint64 gaps;
  gint64 req_ts;
  WtSocksRequest req;
  WtSocksAddr bound;
  char user[WT_SOCKS_NAME_BUF];  /* RFC 1929 user name, else SOCKS 4 user id */
} SocksSession;

static gpointer socks_session_new(gpointer stats, WtAppContext *ctx, const WtConnInfo *conn)
{
  SocksSession *s = g_new0(SocksSession, 1);
  s->stats = stats;
  s->ctx = ctx;
  s->conn = *conn;
  s->log = wt_app_log(ctx, &wt_socks_log_table);
  s->method = WT_SOCKS_METHOD_REFUSED;
  return s;
}

/* Neither side is read any further (a refusal, an error, not SOCKS). */
static void give_up(SocksSession *s)
{
  s->cs = C_SKIP;
  s->ss = S_SKIP;
}

static void bad(SocksSession *s)
{
  if (!s->version)
    s->not_socks = TRUE;
  else
    s->malformed = TRUE;
  give_up(s);
}

/* One client message: bytes consumed, 0 when more are needed or the rest is held. */
static gsize client_step(SocksSession *s, const guint8 *d, gsize len, gint64 ts_ns)
{
  gsize used = 0;
  WtSocksParse st = WT_SOCKS_BAD;
  switch (s->cs) {
  case C_FIRST:
    if (d[0] == 4) {
      st = wt_socks_parse_v4_request(d, len, &s->req, &used);
      if (st == WT_SOCKS_OK) {
        s->version = 4;
        s->have_request = TRUE;
        s->req_ts = ts_ns;
        g_strlcpy(s->user, s->req.user, sizeof s->user);
        s->cs = C_HOLD;
      }
    } else if (d[0] == 5) {
      guint32 methods;
      st = wt_socks_parse_v5_greeting(d, len, &methods, &used);
      if (st == WT_SOCKS_OK) {
        s->version = 5;
        s->cs = C_V5;
      }
    }
    break;
  case C_V5:
    if (d[0] == 1) {
      st = wt_socks_parse_v5_auth(d, len, s->user, &used);
    } else {
      st = wt_socks_parse_v5_request(d, len, &s->req, &used);
      if (st == WT_SOCKS_OK) {
        s->have_request = TRUE;
        s->req_ts = ts_ns;
        s->cs = C_HOLD;
      }
    }
    break;
  case C_HOLD:
  case C_SKIP:
    return 0;
  }
  if (st == WT_SOCKS_BAD) {
    bad(s);
    return 0;
  }
  return st == WT_SOCKS_OK ? used : 0;
}

/* The server's reply to the request was read. */
static void reply_read(SocksSession *s)
{
  s->have_reply = TRUE;
  s->replies++;
  gboolean ok = s->version == 4 ? s->code == WT_SOCKS4_GRANTED : s->code == 0;
  s->granted = ok;
  if (!ok || s->req.command == WT_SOCKS_CMD_UDP) {
    give_up(s);
    return;
  }
  /* BIND: the first reply gives the address to connect to, the second the connection */
  if (s->req.command == WT_SOCKS_CMD_BIND && s->replies < 2) {
    s->ss = S_REPLY;
    return;
  }
  s->ss = S_HOLD;
}

static gsize server_step(SocksSession *s, const guint8 *d, gsize len)
{
  gsize used = 0;
  WtSocksParse st = WT_SOCKS_BAD;
  if (!s->version)
    return 0;  /* the client's first message decides which SOCKS this is */
  switch (s->ss) {
  case S_FIRST:
    if (s->version == 4) {
      if (!s->have_request)
        return 0;
      st = wt_socks_parse_v4_reply(d, len, &s->code, &s->bound, &used);
      if (st == WT_SOCKS_OK)
        reply_read(s);
    } else {
      st = wt_socks_parse_v5_method(d, len, &s->method, &used);
      if (st == WT_SOCKS_OK) {
        if (s->method == WT_SOCKS_METHOD_REFUSED)
          give_up(s);
        else
          s->ss = s->method == WT_SOCKS_METHOD_USERPASS ? S_V5_AUTH : S_REPLY;
      }
    }
    break;
  case S_V5_AUTH: {
    guint8 status;
    st = wt_socks_parse_v5_auth_reply(d, len, &status, &used);
    if (st == WT_SOCKS_OK) {
      if (status != 0) {
        s->auth_failed = TRUE;
        give_up(s);  /* authentication failed: the server closes */
      }
      else
        s->ss = S_REPLY;
    }
    break;
  }
  case S_REPLY:
    if (!s->have_request)
      return 0;
    st = s->version == 4 ? wt_socks_parse_v4_reply(d, len, &s->code, &s->bound, &used)
                         : wt_socks_parse_v5_reply(d, len, &s->code, &s->bound, &used);
    if (st == WT_SOCKS_OK)
      reply_read(s);
    break;
  case S_HOLD:
  case S_SKIP:
    return 0;
  }
  if (st == WT_SOCKS_BAD) {
    bad(s);
    return 0;
  }
  return st == WT_SOCKS_OK ? used : 0;
}

static gsize socks_deliver(gpointer p, WtDir dir, const guint8 *data, gsize len, gint64 ts_ns)
{
  SocksSession *s = p;
  gsize off = 0;
  while (off < len) {
    gsize n = dir == WT_DIR_ORIG ? client_step(s, data + off, len - off, ts_ns)
                                 : server_step(s, data + off, len - off);
    if (n == 0)
      break;
    off += n;
  }
  /* read no further: everything is consumed unread */
  if (dir == WT_DIR_ORIG ? s->cs == C_SKIP : s->ss == S_SKIP)
    return len;
  return off;
}

static gboolean socks_handoff(gpointer p, guint16 *port)
{
  SocksSession *s = p;
  if (s->handed_off || s->cs != C_HOLD || s->ss != S_HOLD)
    return FALSE;
  s->handed_off = TRUE;
  *port = s->req.target.port;
  return TRUE;
}

static void socks_gap(gpointer p, WtDir dir, guint64 len)
{
  SocksSession *s = p;
  (void) dir;
  (void) len;
  /* a hole inside the handshake: its messages cannot be framed again */
  if (s->cs != C_SKIP || s->ss != S_SKIP) {
    s->gaps++;
    give_up(s);
  }
}

static void socks_eof(gpointer p, WtDir dir, gint64 ts_ns)
{
  (void) p;
  (void) dir;
  (void) ts_ns;
}

static const char *method_name(guint8 m)
{
  switch (m) {
  case WT_SOCKS_METHOD_NONE:
    return "none";
  case WT_SOCKS_METHOD_GSSAPI:
    return "gssapi";
  case WT_SOCKS_METHOD_USERPASS:
    return "username/password";
  case WT_SOCKS_METHOD_REFUSED:
    return "no acceptable method";
  default:
    return "other";
  }
}

static const char *command_name(guint8 c)
{
  switch (c) {
  case WT_SOCKS_CMD_CONNECT:
    return "connect";
  case WT_SOCKS_CMD_BIND:
    return "bind";
  default:
    return "udp_associate";
  }
}

static void socks_session_free(gpointer p)
{
  SocksSession *s = p;
  WtSocksConnSummary c = { 0 };
  char status_buf[16], target[WT_SOCKS_NAME_BUF + 8];
  const char *status = s->have_reply ? wt_socks_status(s->version, s->code, status_buf,
                                                       sizeof status_buf)
                                     : NULL;
  if (s->have_request) {
    c.version = s->version == 4 ? (s->req.v4a ? "4a" : "4") : "5";
    c.command = command_name(s->req.command);
    if (s->version == 5)
      c.auth = method_name(s->method);
    c.status = status;
    c.granted = s->granted;
    const WtSocksAddr *a = &s->req.target;
    if (a->atyp == WT_SOCKS_ATYP_NAME) {
      g_snprintf(target, sizeof target, "%s:%u", a->name, a->port);
    } else {
      WtAddr w = { 0 };
      char text[64];
      w.family = a->atyp == WT_SOCKS_ATYP_IPV4 ? 4 : 6;
      memcpy(w.bytes, a->addr, w.family == 4 ? 4 : 16);
      wt_addr_to_string(&w, text, sizeof text);
      g_snprintf(target, sizeof target, w.family == 6 ? "[%s]:%u" : "%s:%u", text, a->port);
    }
    c.target = target;
    if (s->log)
      wt_socks_log_write(s->log, &s->conn, s->req_ts, &s->req, s->user, status,
                         s->have_reply ? &s->bound : NULL);
  }
  c.handed_off = s->handed_off;
  c.auth_failed = s->auth_failed;
  c.not_socks = s->not_socks;
  c.malformed = s->malformed;
  c.gaps = s->gaps;
  wt_socks_stats_add(s->stats, &c);
  g_free(s);
}

static gboolean socks_probe(const guint8 *data, gsize len, WtDir dir)
{
  return dir == WT_DIR_ORIG && wt_socks_probe(data, len);
}

static const guint16 socks_ports[] = { 1080, 0 };

static const WtLogTable *const socks_log_tables[] = { &wt_socks_log_table, NULL };

const WtStreamDissector wt_socks_dissector = {
  .name = "socks",
  .ports = socks_ports,
  .log_tables = socks_log_tables,
  .probe = socks_probe,
  .stats_new = wt_socks_stats_new,
  .stats_free = wt_socks_stats_free,
  .stats_merge = wt_socks_stats_merge,
  .report = wt_socks_stats_report,
  .fleet_report = wt_socks_fleet_report,
  .session_new = socks_session_new,
  .deliver = socks_deliver,
  .gap = socks_gap,
  .eof = socks_eof,
  .session_free = socks_session_free,
  .handoff = socks_handoff,
};

