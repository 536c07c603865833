/* SOCKS 4, 4a (the de-facto protocol of NEC's socks4.protocol and socks4a.protocol) and 5
 * (RFC 1928, with RFC 1929 username/password authentication): the messages of the
 * handshake, resumable. Each parser is given whatever has arrived of one direction and
 * answers "need more", "done, *used bytes" or "not this message"; it never reads beyond
 * len. Names are at most 255 bytes on the wire (the protocols' own limit). */
#pragma once
#include <glib.h>

typedef enum {
  WT_SOCKS_NEED_MORE,
  WT_SOCKS_OK,
  WT_SOCKS_BAD,   /* not the message expected here */
} WtSocksParse;

enum { WT_SOCKS_CMD_CONNECT = 1, WT_SOCKS_CMD_BIND = 2, WT_SOCKS_CMD_UDP = 3 };
enum { WT_SOCKS_ATYP_IPV4 = 1, WT_SOCKS_ATYP_NAME = 3, WT_SOCKS_ATYP_IPV6 = 4 };
enum { WT_SOCKS_METHOD_NONE = 0, WT_SOCKS_METHOD_GSSAPI = 1, WT_SOCKS_METHOD_USERPASS = 2,
       WT_SOCKS_METHOD_REFUSED = 0xff };
#define WT_SOCKS4_GRANTED 90
#define WT_SOCKS_MAX_NAME 255
/* a name as logged: printable ASCII kept, other bytes as \xNN */
#define WT_SOCKS_NAME_BUF (4 * WT_SOCKS_MAX_NAME + 1)

/* An address and port: a request's target or a reply's bound address. */
typedef struct {
  guint8 atyp;              /* WT_SOCKS_ATYP_*; 0: none */
  guint8 addr[16];          /* 4 bytes for IPv4, 16 for IPv6 */
  char name[WT_SOCKS_NAME_BUF];  /* WT_SOCKS_ATYP_NAME */
  guint16 port;
} WtSocksAddr;

typedef struct {
  guint8 version;           /* 4 or 5 */
  gboolean v4a;             /* SOCKS 4a: the target is a name */
  guint8 command;           /* WT_SOCKS_CMD_* */
  WtSocksAddr target;
  char user[WT_SOCKS_NAME_BUF];  /* SOCKS 4 user id (may be empty); not set by SOCKS 5 */
} WtSocksRequest;

/* Client messages. */
WtSocksParse wt_socks_parse_v4_request(const guint8 *d, gsize len, WtSocksRequest *req,
                                       gsize *used);
/* VER 5, NMETHODS, METHODS: *methods gets bit m set for each method m < 32 offered. */
WtSocksParse wt_socks_parse_v5_greeting(const guint8 *d, gsize len, guint32 *methods,
                                        gsize *used);
/* RFC 1929: VER 1, ULEN, UNAME, PLEN, PASSWD (the password is not kept). */
WtSocksParse wt_socks_parse_v5_auth(const guint8 *d, gsize len, char *user, gsize *used);
WtSocksParse wt_socks_parse_v5_request(const guint8 *d, gsize len, WtSocksRequest *req,
                                       gsize *used);

/* Server messages. */
WtSocksParse wt_socks_parse_v4_reply(const guint8 *d, gsize len, guint8 *code,
                                     WtSocksAddr *bound, gsize *used);
WtSocksParse wt_socks_parse_v5_method(const guint8 *d, gsize len, guint8 *method, gsize *used);
WtSocksParse wt_socks_parse_v5_auth_reply(const guint8 *d, gsize len, guint8 *status,
                                          gsize *used);
WtSocksParse wt_socks_parse_v5_reply(const guint8 *d, gsize len, guint8 *code,
                                     WtSocksAddr *bound, gsize *used);

/* The content probe: the client's first message is a whole SOCKS 4/4a request or a whole
 * SOCKS 5 greeting with known methods, and nothing or the start of a next message follows. */
gboolean wt_socks_probe(const guint8 *d, gsize len);

/* Zeek's status text for a reply code ("succeeded", "Connection refused" ...); buf for
 * unknown codes ("unknown-N"). */
const char *wt_socks_status(guint8 version, guint8 code, char *buf, gsize size);
