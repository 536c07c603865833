/* Unit tests of the SOCKS handshake parsers and of the session's hand-off. Expected values
 * are written out by hand from the bytes each test builds (RFC 1928, RFC 1929, the SOCKS 4
 * and 4a protocol notes); every input sits right before a PROT_NONE page so a one-byte
 * over-read faults, and every prefix of a message is offered before the whole. */
#include <string.h>
#include "tests/unit/guard-page.h"
#include "dissectors/socks/socks.h"
#include "dissectors/socks/socks-parse.h"

/* SOCKS 5 request: CONNECT www.osnews.com:80 (the request of Zeek's socks.pcap) */
static const guint8 v5_req[] = { 5, 1, 0, 3, 14, 'w', 'w', 'w', '.', 'o', 's', 'n', 'e', 'w',
                                 's', '.', 'c', 'o', 'm', 0, 80 };

static void test_v5_request(void)
{
  WtSocksRequest req;
  gsize used = 0;
  for (gsize k = 0; k < sizeof v5_req; k++)
    g_assert_cmpint(wt_socks_parse_v5_request(guarded(v5_req, k), k, &req, &used), ==,
                    WT_SOCKS_NEED_MORE);
  g_assert_cmpint(wt_socks_parse_v5_request(guarded(v5_req, sizeof v5_req), sizeof v5_req,
                                            &req, &used), ==, WT_SOCKS_OK);
  g_assert_cmpuint(used, ==, sizeof v5_req);
  g_assert_cmpuint(req.version, ==, 5);
  g_assert_cmpuint(req.command, ==, WT_SOCKS_CMD_CONNECT);
  g_assert_cmpuint(req.target.atyp, ==, WT_SOCKS_ATYP_NAME);
  g_assert_cmpstr(req.target.name, ==, "www.osnews.com");
  g_assert_cmpuint(req.target.port, ==, 80);
  /* IPv6 target; reserved byte not zero; unknown address type */
  const guint8 v6[] = { 5, 1, 0, 4, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0xbb };
  g_assert_cmpint(wt_socks_parse_v5_request(guarded(v6, sizeof v6), sizeof v6, &req, &used), ==,
                  WT_SOCKS_OK);
  g_assert_cmpuint(req.target.atyp, ==, WT_SOCKS_ATYP_IPV6);
  g_assert_cmpuint(req.target.addr[15], ==, 1);
  g_assert_cmpuint(req.target.port, ==, 443);
  const guint8 rsv[] = { 5, 1, 1, 1, 1, 2, 3, 4, 0, 80 };
  g_assert_cmpint(wt_socks_parse_v5_request(guarded(rsv, sizeof rsv), sizeof rsv, &req, &used), ==,
                  WT_SOCKS_BAD);
  const guint8 atyp[] = { 5, 1, 0, 2, 1, 2, 3, 4, 0, 80 };
  g_assert_cmpint(wt_socks_parse_v5_request(guarded(atyp, sizeof atyp), sizeof atyp, &req, &used),
                  ==, WT_SOCKS_BAD);
  /* a name with a control byte is kept, escaped */
  const guint8 ctl[] = { 5, 1, 0, 3, 3, 'a', 1, 'b', 0, 80 };
  g_assert_cmpint(wt_socks_parse_v5_request(guarded(ctl, sizeof ctl), sizeof ctl, &req, &used), ==,
                  WT_SOCKS_OK);
  g_assert_cmpstr(req.target.name, ==, "a\\x01b");
}

static void test_v5_greeting_auth_replies(void)
{
  guint32 methods = 0;
  gsize used = 0;
  const guint8 greet[] = { 5, 2, 0, 2 };
  for (gsize k = 0; k < sizeof greet; k++)
    g_assert_cmpint(wt_socks_parse_v5_greeting(guarded(greet, k), k, &methods, &used), ==,
                    WT_SOCKS_NEED_MORE);
  g_assert_cmpint(wt_socks_parse_v5_greeting(guarded(greet, 4), 4, &methods, &used), ==,
                  WT_SOCKS_OK);
  g_assert_cmpuint(used, ==, 4);
  g_assert_cmpuint(methods, ==, (1u << 0) | (1u << 2));
  const guint8 none[] = { 5, 0 };
  g_assert_cmpint(wt_socks_parse_v5_greeting(guarded(none, 2), 2, &methods, &used), ==,
                  WT_SOCKS_BAD);

  /* RFC 1929: bob / alice (Zeek's socks-auth.pcap) */
  const guint8 auth[] = { 1, 3, 'b', 'o', 'b', 5, 'a', 'l', 'i', 'c', 'e' };
  char user[WT_SOCKS_NAME_BUF];
  for (gsize k = 0; k < sizeof auth; k++)
    g_assert_cmpint(wt_socks_parse_v5_auth(guarded(auth, k), k, user, &used), ==,
                    WT_SOCKS_NEED_MORE);
  g_assert_cmpint(wt_socks_parse_v5_auth(guarded(auth, sizeof auth), sizeof auth, user, &used), ==,
                  WT_SOCKS_OK);
  g_assert_cmpuint(used, ==, sizeof auth);
  g_assert_cmpstr(user, ==, "bob");

  guint8 m = 0, st = 9, code = 9;
  const guint8 sel[] = { 5, 2 };
  g_assert_cmpint(wt_socks_parse_v5_method(guarded(sel, 1), 1, &m, &used), ==, WT_SOCKS_NEED_MORE);
  g_assert_cmpint(wt_socks_parse_v5_method(guarded(sel, 2), 2, &m, &used), ==, WT_SOCKS_OK);
  g_assert_cmpuint(m, ==, WT_SOCKS_METHOD_USERPASS);
  const guint8 ar[] = { 1, 0 };
  g_assert_cmpint(wt_socks_parse_v5_auth_reply(guarded(ar, 2), 2, &st, &used), ==, WT_SOCKS_OK);
  g_assert_cmpuint(st, ==, 0);

  /* reply: succeeded, bound 192.168.0.31:2688 */
  const guint8 rep[] = { 5, 0, 0, 1, 192, 168, 0, 31, 0x0a, 0x80 };
  WtSocksAddr b;
  for (gsize k = 0; k < sizeof rep; k++)
    g_assert_cmpint(wt_socks_parse_v5_reply(guarded(rep, k), k, &code, &b, &used), ==,
                    WT_SOCKS_NEED_MORE);
  g_assert_cmpint(wt_socks_parse_v5_reply(guarded(rep, sizeof rep), sizeof rep, &code, &b, &used),
                  ==, WT_SOCKS_OK);
  g_assert_cmpuint(code, ==, 0);
  g_assert_cmpuint(b.atyp, ==, WT_SOCKS_ATYP_IPV4);
  g_assert_cmpuint(b.addr[3], ==, 31);
  g_assert_cmpuint(b.port, ==, 2688);
}

static void test_v4(void)
{
  WtSocksRequest req;
  gsize used = 0;
  /* SOCKS 4: CONNECT 127.0.0.1:80, user "u" */
  const guint8 v4[] = { 4, 1, 0, 80, 127, 0, 0, 1, 'u', 0 };
  for (gsize k = 0; k < sizeof v4; k++)
    g_assert_cmpint(wt_socks_parse_v4_request(guarded(v4, k), k, &req, &used), ==,
                    WT_SOCKS_NEED_MORE);
  g_assert_cmpint(wt_socks_parse_v4_request(guarded(v4, sizeof v4), sizeof v4, &req, &used), ==,
                  WT_SOCKS_OK);
  g_assert_cmpuint(used, ==, sizeof v4);
  g_assert(!req.v4a);
  g_assert_cmpstr(req.user, ==, "u");
  g_assert_cmpuint(req.target.addr[0], ==, 127);
  /* SOCKS 4a: 0.0.0.1 and a name after the (empty) user id */
  const guint8 v4a[] = { 4, 1, 0x01, 0xbb, 0, 0, 0, 1, 0, 'a', '.', 't', 'e', 's', 't', 0 };
  for (gsize k = 0; k < sizeof v4a; k++)
    g_assert_cmpint(wt_socks_parse_v4_request(guarded(v4a, k), k, &req, &used), ==,
                    WT_SOCKS_NEED_MORE);
  g_assert_cmpint(wt_socks_parse_v4_request(guarded(v4a, sizeof v4a), sizeof v4a, &req, &used), ==,
                  WT_SOCKS_OK);
  g_assert(req.v4a);
  g_assert_cmpstr(req.target.name, ==, "a.test");
  g_assert_cmpuint(req.target.port, ==, 443);
  /* a user id without its NUL within 255 bytes is not SOCKS */
  guint8 big[8 + 300];
  memcpy(big, v4, 8);
  memset(big + 8, 'x', 300);
  g_assert_cmpint(wt_socks_parse_v4_request(guarded(big, sizeof big), sizeof big, &req, &used), ==,
                  WT_SOCKS_BAD);
  /* reply: granted (90), and a code out of range */
  guint8 code = 0;
  WtSocksAddr b;
  const guint8 rep[] = { 0, 90, 0, 0, 0, 0, 0, 0 };
  for (gsize k = 0; k < sizeof rep; k++)
    g_assert_cmpint(wt_socks_parse_v4_reply(guarded(rep, k), k, &code, &b, &used), ==,
                    WT_SOCKS_NEED_MORE);
  g_assert_cmpint(wt_socks_parse_v4_reply(guarded(rep, 8), 8, &code, &b, &used), ==, WT_SOCKS_OK);
  g_assert_cmpuint(code, ==, 90);
  const guint8 bad[] = { 0, 89, 0, 0, 0, 0, 0, 0 };
  g_assert_cmpint(wt_socks_parse_v4_reply(guarded(bad, 8), 8, &code, &b, &used), ==, WT_SOCKS_BAD);
  char buf[16];
  g_assert_cmpstr(wt_socks_status(4, 90, buf, sizeof buf), ==, "succeeded");
  g_assert_cmpstr(wt_socks_status(5, 5, buf, sizeof buf), ==, "Connection refused");
  g_assert_cmpstr(wt_socks_status(5, 42, buf, sizeof buf), ==, "unknown-42");
}

static void test_probe(void)
{
  const guint8 g1[] = { 5, 1, 0 };
  g_assert(wt_socks_probe(guarded(g1, 3), 3));
  g_assert(!wt_socks_probe(guarded(g1, 2), 2));
  const guint8 g2[] = { 5, 1, 0, 5, 1 };  /* greeting and the request's start */
  g_assert(wt_socks_probe(guarded(g2, 5), 5));
  const guint8 g3[] = { 5, 1, 0x42 };      /* an unassigned method */
  g_assert(!wt_socks_probe(guarded(g3, 3), 3));
  const guint8 g4[] = { 5, 1, 0, 'G' };    /* something else follows */
  g_assert(!wt_socks_probe(guarded(g4, 4), 4));
  const guint8 v4[] = { 4, 1, 0, 80, 10, 0, 0, 1, 0 };
  g_assert(wt_socks_probe(guarded(v4, sizeof v4), sizeof v4));
  const char *http = "GET / HTTP/1.1\r\n";
  g_assert(!wt_socks_probe(guarded(http, strlen(http)), strlen(http)));
  const guint8 tls[] = { 0x16, 3, 1, 0, 0x40 };
  g_assert(!wt_socks_probe(guarded(tls, 5), 5));
}

/* The session as TCP drives it: bytes offered one at a time, the unconsumed rest offered
 * again with the next; after the reply, handoff() says where the tunnel starts. */
typedef struct {
  GByteArray *pending[2];
  gsize consumed[2];
} Feed;

static void feed(const WtStreamDissector *d, gpointer s, Feed *f, WtDir dir, const guint8 *p,
                 gsize n, gboolean bytewise)
{
  for (gsize i = 0; i < n;) {
    gsize step = bytewise ? 1 : n - i;
    g_byte_array_append(f->pending[dir], p + i, (guint) step);
    i += step;
    gsize len = f->pending[dir]->len;
    gsize c = d->deliver(s, dir, guarded(f->pending[dir]->data, len), len, 1000);
    g_assert_cmpuint(c, <=, len);
    g_byte_array_remove_range(f->pending[dir], 0, (guint) c);
    f->consumed[dir] += c;
  }
}

static void run_handshake(gboolean bytewise)
{
  const WtStreamDissector *d = &wt_socks_dissector;
  gpointer stats = d->stats_new();
  WtAppContext ctx = { 0 };
  WtConnInfo ci = { 0 };
  gpointer s = d->session_new(stats, &ctx, &ci);
  Feed f = { { g_byte_array_new(), g_byte_array_new() }, { 0, 0 } };
  guint16 port = 0;
  const guint8 greet[] = { 5, 1, 2 };
  const guint8 auth[] = { 1, 3, 'b', 'o', 'b', 5, 'a', 'l', 'i', 'c', 'e' };
  const guint8 sel[] = { 5, 2 }, ok[] = { 1, 0 };
  const guint8 rep[] = { 5, 0, 0, 1, 192, 168, 0, 31, 0x0a, 0x80 };
  const char *inner_c = "GET / HTTP/1.1\r\n", *inner_s = "HTTP/1.1 200 OK\r\n";
  feed(d, s, &f, WT_DIR_ORIG, greet, sizeof greet, bytewise);
  feed(d, s, &f, WT_DIR_RESP, sel, sizeof sel, bytewise);
  feed(d, s, &f, WT_DIR_ORIG, auth, sizeof auth, bytewise);
  feed(d, s, &f, WT_DIR_RESP, ok, sizeof ok, bytewise);
  g_assert(!d->handoff(s, &port));
  /* the client sends its request and, without waiting, the tunnel's first bytes */
  GByteArray *c = g_byte_array_new();
  g_byte_array_append(c, v5_req, sizeof v5_req);
  g_byte_array_append(c, (const guint8 *) inner_c, (guint) strlen(inner_c));
  feed(d, s, &f, WT_DIR_ORIG, c->data, c->len, bytewise);
  g_assert(!d->handoff(s, &port));
  GByteArray *r = g_byte_array_new();
  g_byte_array_append(r, rep, sizeof rep);
  g_byte_array_append(r, (const guint8 *) inner_s, (guint) strlen(inner_s));
  feed(d, s, &f, WT_DIR_RESP, r->data, r->len, bytewise);
  g_assert(d->handoff(s, &port));
  g_assert_cmpuint(port, ==, 80);
  g_assert(!d->handoff(s, &port));  /* once */
  /* exactly the handshake was consumed; the tunnel's bytes are left for the next dissector */
  g_assert_cmpuint(f.consumed[WT_DIR_ORIG], ==, sizeof greet + sizeof auth + sizeof v5_req);
  g_assert_cmpuint(f.consumed[WT_DIR_RESP], ==, sizeof sel + sizeof ok + sizeof rep);
  g_assert_cmpuint(f.pending[WT_DIR_ORIG]->len, ==, strlen(inner_c));
  g_assert_cmpuint(f.pending[WT_DIR_RESP]->len, ==, strlen(inner_s));
  d->session_free(s);
  const WtSocksStats *st = stats;
  g_assert_cmpuint(wt_socks_stats_get(st, "handshakes"), ==, 1);
  g_assert_cmpuint(wt_socks_stats_get(st, "granted"), ==, 1);
  g_assert_cmpuint(wt_socks_stats_get(st, "handed_off"), ==, 1);
  g_assert_cmpuint(wt_socks_stats_count(st, "socks_auth", "username/password"), ==, 1);
  g_assert_cmpuint(wt_socks_stats_count(st, "socks_targets", "www.osnews.com:80"), ==, 1);
  g_byte_array_unref(c);
  g_byte_array_unref(r);
  g_byte_array_unref(f.pending[0]);
  g_byte_array_unref(f.pending[1]);
  d->stats_free(stats);
}

static void test_session_whole(void) { run_handshake(FALSE); }
static void test_session_bytewise(void) { run_handshake(TRUE); }

static void test_session_refused(void)
{
  const WtStreamDissector *d = &wt_socks_dissector;
  gpointer stats = d->stats_new();
  WtAppContext ctx = { 0 };
  WtConnInfo ci = { 0 };
  gpointer s = d->session_new(stats, &ctx, &ci);
  guint16 port = 0;
  const guint8 v4[] = { 4, 1, 0, 80, 127, 0, 0, 1, 0 };
  const guint8 rep[] = { 0, 91, 0, 0, 0, 0, 0, 0, 'x' };
  g_assert_cmpuint(d->deliver(s, WT_DIR_ORIG, guarded(v4, sizeof v4), sizeof v4, 1), ==, sizeof v4);
  /* refused: the rest is consumed unread, no hand-off */
  g_assert_cmpuint(d->deliver(s, WT_DIR_RESP, guarded(rep, sizeof rep), sizeof rep, 2), ==,
                   sizeof rep);
  g_assert(!d->handoff(s, &port));
  d->session_free(s);
  g_assert_cmpuint(wt_socks_stats_get(stats, "refused"), ==, 1);
  g_assert_cmpuint(wt_socks_stats_count(stats, "socks_replies", "general SOCKS server failure"),
                   ==, 1);
  d->stats_free(stats);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/socks/v5-request", test_v5_request);
  g_test_add_func("/socks/v5-greeting-auth-replies", test_v5_greeting_auth_replies);
  g_test_add_func("/socks/v4", test_v4);
  g_test_add_func("/socks/probe", test_probe);
  g_test_add_func("/socks/session-whole", test_session_whole);
  g_test_add_func("/socks/session-bytewise", test_session_bytewise);
  g_test_add_func("/socks/session-refused", test_session_refused);
  return g_test_run();
}
