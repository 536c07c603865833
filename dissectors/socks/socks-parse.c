/* SOCKS handshake messages. See socks-parse.h. */
#include "dissectors/socks/socks-parse.h"

#include <string.h>

#include "analyzer/core/reader.h"

/* Copies n bytes as text (printable ASCII, else \xNN) into out (WT_SOCKS_NAME_BUF). */
static void copy_name(const guint8 *p, gsize n, char *out)
{
  static const char hex[] = "0123456789abcdef";
  gsize o = 0;
  n = MIN(n, (gsize) WT_SOCKS_MAX_NAME);
  for (gsize i = 0; i < n; i++) {
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
      out[o++] = (char) p[i];
    } else {
      out[o++] = '\\';
      out[o++] = 'x';
      out[o++] = hex[p[i] >> 4];
      out[o++] = hex[p[i] & 15];
    }
  }
  out[o] = '\0';
}

/* A NUL-terminated string of at most WT_SOCKS_MAX_NAME bytes at the reader's position. */
static WtSocksParse get_cstring(WtReader *r, char *out)
{
  const guint8 *p = wt_reader_here(r);
  gsize avail = wt_reader_remaining(r);
  gsize lim = MIN(avail, (gsize) WT_SOCKS_MAX_NAME + 1);
  const guint8 *nul = memchr(p, 0, lim);
  if (!nul)
    return avail > WT_SOCKS_MAX_NAME ? WT_SOCKS_BAD : WT_SOCKS_NEED_MORE;
  gsize n = (gsize) (nul - p);
  copy_name(p, n, out);
  wt_reader_skip(r, n + 1);
  return WT_SOCKS_OK;
}

WtSocksParse wt_socks_parse_v4_request(const guint8 *d, gsize len, WtSocksRequest *req,
                                       gsize *used)
{
  WtReader r = wt_reader_init(d, len);
  guint8 ver, cmd;
  guint16 port;
  const guint8 *ip;
  if (!wt_reader_get_u8(&r, &ver))
    return WT_SOCKS_NEED_MORE;
  if (ver != 4)
    return WT_SOCKS_BAD;
  if (!wt_reader_get_u8(&r, &cmd))
    return WT_SOCKS_NEED_MORE;
  if (cmd != WT_SOCKS_CMD_CONNECT && cmd != WT_SOCKS_CMD_BIND)
    return WT_SOCKS_BAD;
  if (!wt_reader_get_be16(&r, &port) || !wt_reader_get_bytes(&r, 4, &ip))
    return WT_SOCKS_NEED_MORE;
  memset(req, 0, sizeof *req);
  req->version = 4;
  req->command = cmd;
  req->target.port = port;
  WtSocksParse st = get_cstring(&r, req->user);
  if (st != WT_SOCKS_OK)
    return st;
  /* 4a: 0.0.0.x (x non-zero) says a name follows the user id */
  if (ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0) {
    req->v4a = TRUE;
    req->target.atyp = WT_SOCKS_ATYP_NAME;
    st = get_cstring(&r, req->target.name);
    if (st != WT_SOCKS_OK)
      return st;
    if (!req->target.name[0])
      return WT_SOCKS_BAD;
  } else {
    req->target.atyp = WT_SOCKS_ATYP_IPV4;
    memcpy(req->target.addr, ip, 4);
  }
  *used = r.pos;
  return WT_SOCKS_OK;
}

WtSocksParse wt_socks_parse_v5_greeting(const guint8 *d, gsize len, guint32 *methods,
                                        gsize *used)
{
  WtReader r = wt_reader_init(d, len);
  guint8 ver, n;
  const guint8 *m;
  if (!wt_reader_get_u8(&r, &ver))
    return WT_SOCKS_NEED_MORE;
  if (ver != 5)
    return WT_SOCKS_BAD;
  if (!wt_reader_get_u8(&r, &n))
    return WT_SOCKS_NEED_MORE;
  if (n == 0)
    return WT_SOCKS_BAD;
  if (!wt_reader_get_bytes(&r, n, &m))
    return WT_SOCKS_NEED_MORE;
  *methods = 0;
  for (guint i = 0; i < n; i++)
    if (m[i] < 32)
      *methods |= 1u << m[i];
  *used = r.pos;
  return WT_SOCKS_OK;
}

WtSocksParse wt_socks_parse_v5_auth(const guint8 *d, gsize len, char *user, gsize *used)
{
  WtReader r = wt_reader_init(d, len);
  guint8 ver, ulen, plen;
  const guint8 *u, *pw;
  if (!wt_reader_get_u8(&r, &ver))
    return WT_SOCKS_NEED_MORE;
  if (ver != 1)
    return WT_SOCKS_BAD;
  if (!wt_reader_get_u8(&r, &ulen) || !wt_reader_get_bytes(&r, ulen, &u) ||
      !wt_reader_get_u8(&r, &plen) || !wt_reader_get_bytes(&r, plen, &pw))
    return WT_SOCKS_NEED_MORE;
  copy_name(u, ulen, user);
  *used = r.pos;
  return WT_SOCKS_OK;
}

/* ATYP, address, port (requests and replies of SOCKS 5). */
static WtSocksParse get_v5_addr(WtReader *r, WtSocksAddr *a)
{
  guint8 atyp, n;
  const guint8 *p;
  if (!wt_reader_get_u8(r, &atyp))
    return WT_SOCKS_NEED_MORE;
  memset(a, 0, sizeof *a);
  a->atyp = atyp;
  switch (atyp) {
  case WT_SOCKS_ATYP_IPV4:
    if (!wt_reader_get_bytes(r, 4, &p))
      return WT_SOCKS_NEED_MORE;
    memcpy(a->addr, p, 4);
    break;
  case WT_SOCKS_ATYP_IPV6:
    if (!wt_reader_get_bytes(r, 16, &p))
      return WT_SOCKS_NEED_MORE;
    memcpy(a->addr, p, 16);
    break;
  case WT_SOCKS_ATYP_NAME:
    if (!wt_reader_get_u8(r, &n))
      return WT_SOCKS_NEED_MORE;
    if (!wt_reader_get_bytes(r, n, &p))
      return WT_SOCKS_NEED_MORE;
    copy_name(p, n, a->name);
    break;
  default:
    return WT_SOCKS_BAD;
  }
  if (!wt_reader_get_be16(r, &a->port))
    return WT_SOCKS_NEED_MORE;
  return WT_SOCKS_OK;
}

WtSocksParse wt_socks_parse_v5_request(const guint8 *d, gsize len, WtSocksRequest *req,
                                       gsize *used)
{
  WtReader r = wt_reader_init(d, len);
  guint8 ver, cmd, rsv;
  if (!wt_reader_get_u8(&r, &ver))
    return WT_SOCKS_NEED_MORE;
  if (ver != 5)
    return WT_SOCKS_BAD;
  if (!wt_reader_get_u8(&r, &cmd))
    return WT_SOCKS_NEED_MORE;
  if (cmd < WT_SOCKS_CMD_CONNECT || cmd > WT_SOCKS_CMD_UDP)
    return WT_SOCKS_BAD;
  if (!wt_reader_get_u8(&r, &rsv))
    return WT_SOCKS_NEED_MORE;
  if (rsv != 0)
    return WT_SOCKS_BAD;
  WtSocksAddr a;
  WtSocksParse st = get_v5_addr(&r, &a);
  if (st != WT_SOCKS_OK)
    return st;
  memset(req, 0, sizeof *req);
  req->version = 5;
  req->command = cmd;
  req->target = a;
  *used = r.pos;
  return WT_SOCKS_OK;
}

WtSocksParse wt_socks_parse_v4_reply(const guint8 *d, gsize len, guint8 *code,
                                     WtSocksAddr *bound, gsize *used)
{
  WtReader r = wt_reader_init(d, len);
  guint8 vn, cd;
  const guint8 *ip;
  if (!wt_reader_get_u8(&r, &vn))
    return WT_SOCKS_NEED_MORE;
  if (vn != 0 && vn != 4)  /* 0 by the protocol; some servers answer 4 */
    return WT_SOCKS_BAD;
  if (!wt_reader_get_u8(&r, &cd))
    return WT_SOCKS_NEED_MORE;
  if (cd < 90 || cd > 93)
    return WT_SOCKS_BAD;
  memset(bound, 0, sizeof *bound);
  if (!wt_reader_get_be16(&r, &bound->port) || !wt_reader_get_bytes(&r, 4, &ip))
    return WT_SOCKS_NEED_MORE;
  bound->atyp = WT_SOCKS_ATYP_IPV4;
  memcpy(bound->addr, ip, 4);
  *code = cd;
  *used = r.pos;
  return WT_SOCKS_OK;
}

WtSocksParse wt_socks_parse_v5_method(const guint8 *d, gsize len, guint8 *method, gsize *used)
{
  if (len < 1)
    return WT_SOCKS_NEED_MORE;
  if (d[0] != 5)
    return WT_SOCKS_BAD;
  if (len < 2)
    return WT_SOCKS_NEED_MORE;
  *method = d[1];
  *used = 2;
  return WT_SOCKS_OK;
}

WtSocksParse wt_socks_parse_v5_auth_reply(const guint8 *d, gsize len, guint8 *status,
                                          gsize *used)
{
  if (len < 1)
    return WT_SOCKS_NEED_MORE;
  if (d[0] != 1 && d[0] != 5)  /* 1 by RFC 1929; some servers answer 5 */
    return WT_SOCKS_BAD;
  if (len < 2)
    return WT_SOCKS_NEED_MORE;
  *status = d[1];
  *used = 2;
  return WT_SOCKS_OK;
}

WtSocksParse wt_socks_parse_v5_reply(const guint8 *d, gsize len, guint8 *code,
                                     WtSocksAddr *bound, gsize *used)
{
  WtReader r = wt_reader_init(d, len);
  guint8 ver, rep, rsv;
  if (!wt_reader_get_u8(&r, &ver))
    return WT_SOCKS_NEED_MORE;
  if (ver != 5)
    return WT_SOCKS_BAD;
  if (!wt_reader_get_u8(&r, &rep) || !wt_reader_get_u8(&r, &rsv))
    return WT_SOCKS_NEED_MORE;
  WtSocksParse st = get_v5_addr(&r, bound);
  if (st != WT_SOCKS_OK)
    return st;
  *code = rep;
  *used = r.pos;
  return WT_SOCKS_OK;
}

/* A method a client may offer: the RFC's, IANA's assigned ones, the private range. */
static gboolean method_known(guint8 m)
{
  return m <= 9 || (m >= 0x80 && m <= 0xfe);
}

gboolean wt_socks_probe(const guint8 *d, gsize len)
{
  gsize used = 0;
  if (len < 3)
    return FALSE;
  if (d[0] == 5) {
    guint32 methods;
    if (d[1] == 0 || d[1] > 16 ||
        wt_socks_parse_v5_greeting(d, len, &methods, &used) != WT_SOCKS_OK)
      return FALSE;
    for (gsize i = 2; i < used; i++)
      if (!method_known(d[i]))
        return FALSE;
    /* what may follow without waiting: authentication (1) or a request (5) */
    return used == len || d[used] == 1 || d[used] == 5;
  }
  if (d[0] == 4) {
    WtSocksRequest req;
    if (wt_socks_parse_v4_request(d, len, &req, &used) != WT_SOCKS_OK)
      return FALSE;
    if (req.target.port == 0)
      return FALSE;
    if (req.v4a) {
      for (const char *p = req.target.name; *p; p++)
        if (*p == '\\' || *p == ' ')
          return FALSE;  /* a host name: no escaped bytes, no spaces */
    }
    return TRUE;
  }
  return FALSE;
}

const char *wt_socks_status(guint8 version, guint8 code, char *buf, gsize size)
{
  /* Zeek's SOCKS::v4_status and SOCKS::v5_status (base/protocols/socks/consts.zeek) */
  static const char *const v4[] = {
    "succeeded", "general SOCKS server failure",
    "request failed because client is not running identd",
    "request failed because client's identd could not confirm the user ID string in the request",
  };
  static const char *const v5[] = {
    "succeeded", "general SOCKS server failure", "connection not allowed by ruleset",
    "Network unreachable", "Host unreachable", "Connection refused", "TTL expired",
    "Command not supported", "Address type not supported",
  };
  if (version == 4 && code >= 90 && code - 90 < (int) G_N_ELEMENTS(v4))
    return v4[code - 90];
  if (version == 5 && code < G_N_ELEMENTS(v5))
    return v5[code];
  g_snprintf(buf, size, "unknown-%u", code);
  return buf;
}
