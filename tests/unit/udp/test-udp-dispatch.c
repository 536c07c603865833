/* UDP payload dispatch through the whole pipeline (frames -> decoders -> flow table ->
 * dissectors/udp -> registry): the dissector is chosen once per flow by port (responder,
 * then originator), then by content probe; stream-only dissectors (HTTP) never get datagrams; datagrams cut by the
 * snaplen are not dissected; conn.log carries the service. Frames are built by hand. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/pipeline/analyzer.h"
#include "tests/unit/dns/dns-builder.h"

#define SEC G_GINT64_CONSTANT(1000000000)

typedef struct {
  WtAnalyzer *a;
  char *dir;
  gint64 ts;
} UdpFx;

static void ufx_setup(UdpFx *fx, gconstpointer data)
{
  (void) data;
  fx->dir = g_dir_make_tmp("wt-udp-XXXXXX", NULL);
  g_assert_nonnull(fx->dir);
  WtAnalyzerConfig cfg;
  wt_analyzer_config_init(&cfg);
  cfg.log_dir = fx->dir;
  g_autoptr(GError) err = NULL;
  fx->a = wt_analyzer_new(&cfg, &err);
  g_assert_no_error(err);
  fx->ts = 1700000000 * SEC;
}

static void ufx_teardown(UdpFx *fx, gconstpointer data)
{
  (void) data;
  if (fx->a)
    wt_analyzer_free(fx->a);
  const char *logs[] = { "conn.log", "http.log", "dns.log" };
  for (guint i = 0; i < G_N_ELEMENTS(logs); i++) {
    g_autofree char *p = g_build_filename(fx->dir, logs[i], NULL);
    g_unlink(p);
  }
  g_rmdir(fx->dir);
  g_free(fx->dir);
}

/* An Ethernet/IPv4/UDP frame; `reply` swaps addresses and ports. `snap` > 0 cuts the
 * captured bytes to that many (the wire length stays). */
static void udp_frame(UdpFx *fx, guint16 cport, guint16 sport, gboolean reply, const void *payload,
                      gsize len, gsize snap)
{
  g_autoptr(GByteArray) b = g_byte_array_new();
  fb_eth(b, 0x0800);
  gsize ip = fb_ip4(b, 17, (guint16) (8 + len));
  if (reply) {
    guint8 tmp[4];
    memcpy(tmp, b->data + ip + 12, 4);
    memmove(b->data + ip + 12, b->data + ip + 16, 4);
    memcpy(b->data + ip + 16, tmp, 4);  /* the header checksum does not change */
  }
  fb_udp(b, reply ? sport : cport, reply ? cport : sport, payload, len);
  fx->ts += SEC / 100;
  guint32 caplen = snap ? (guint32) snap : b->len;
  wt_analyzer_frame(fx->a, fx->ts, caplen, b->len, b->data, 1);
}

static void dns_pair(UdpFx *fx, guint16 cport, guint16 sport, guint16 id)
{
  g_autoptr(GByteArray) q = db_query(id, "dispatch.test", 1);
  g_autoptr(GByteArray) r = db_response(id, "dispatch.test", 0, 4);
  udp_frame(fx, cport, sport, FALSE, q->data, q->len, 0);
  udp_frame(fx, cport, sport, TRUE, r->data, r->len, 0);
}

static char *finish(UdpFx *fx, char **conn_log, char **dns_log)
{
  wt_analyzer_finish(fx->a);
  g_autoptr(WtReport) r = wt_report_new();
  wt_analyzer_report(fx->a, r);
  char *json = NULL;
  gsize len = 0;
  FILE *f = open_memstream(&json, &len);
  wt_report_write_json(r, f);
  fclose(f);
  wt_analyzer_free(fx->a);  /* closes (flushes) the logs */
  fx->a = NULL;
  g_autofree char *cp = g_build_filename(fx->dir, "conn.log", NULL);
  g_autofree char *dp = g_build_filename(fx->dir, "dns.log", NULL);
  g_assert_true(g_file_get_contents(cp, conn_log, NULL, NULL));
  g_assert_true(g_file_get_contents(dp, dns_log, NULL, NULL));
  return json;
}

/* The conn.log line of the flow from client port `port` (must be exactly one). */
static char *conn_line(const char *log, guint port)
{
  g_autofree char *needle = g_strdup_printf("\"id.orig_p\":%u,", port);
  g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
  char *found = NULL;
  for (guint i = 0; lines[i]; i++)
    if (strstr(lines[i], needle)) {
      g_assert_null(found);
      found = g_strdup(lines[i]);
    }
  g_assert_nonnull(found);
  return found;
}

static guint count(const char *s, const char *needle)
{
  guint n = 0;
  for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
    n++;
  return n;
}

static void test_dispatch(UdpFx *fx, gconstpointer data)
{
  (void) data;
  dns_pair(fx, 40000, 53, 1);        /* by port */
  dns_pair(fx, 40001, 9999, 2);      /* by content */
  const char *get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  udp_frame(fx, 40002, 80, FALSE, get, strlen(get), 0);  /* HTTP is stream-only */
  const guint8 junk[] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
  udp_frame(fx, 40003, 9998, FALSE, junk, sizeof junk, 0);
  g_autoptr(GByteArray) late = db_query(3, "late.test", 1);  /* decided already: none */
  udp_frame(fx, 40003, 9998, FALSE, late->data, late->len, 0);
  g_autoptr(GByteArray) snapped = db_query(4, "snapped.test", 1);
  udp_frame(fx, 40004, 53, FALSE, snapped->data, snapped->len, 14 + 20 + 8 + 10);
  g_autofree char *conn = NULL, *dns = NULL;
  g_autofree char *json = finish(fx, &conn, &dns);

  g_autofree char *c53 = conn_line(conn, 40000);
  g_autofree char *c9999 = conn_line(conn, 40001);
  g_autofree char *c80 = conn_line(conn, 40002);
  g_autofree char *c9998 = conn_line(conn, 40003);
  g_autofree char *csnap = conn_line(conn, 40004);
  g_assert_nonnull(strstr(c9998, "\"orig_pkts\":2,"));
  /* the snapped flow is DNS by port, its only datagram was not dissected */
  g_assert_nonnull(strstr(csnap, "\"service\":\"dns\""));
  g_assert_nonnull(strstr(c53, "\"service\":\"dns\""));
  g_assert_nonnull(strstr(c9999, "\"service\":\"dns\""));
  g_assert_nonnull(strstr(c80, "\"service\":null"));
  g_assert_nonnull(strstr(c9998, "\"service\":null"));
  /* two answered pairs and the snapped flow's (port 53: dns) nothing */
  g_assert_cmpuint(count(dns, "\n"), ==, 2);
  g_assert_cmpuint(count(dns, "dispatch.test"), ==, 2);
  g_assert_null(strstr(dns, "late.test"));
  g_assert_null(strstr(dns, "snapped.test"));
  /* report: 3 dns flows (53, 9999, and the snapped one on 53), 4 datagrams dissected */
  g_assert_nonnull(strstr(json, "\"services\": {\"dns\": 3}") ? json
                   : strstr(json, "\"services\":{\"dns\":3}"));
  g_assert_true(strstr(json, "\"datagrams_dissected\": 4") || strstr(json, "\"datagrams_dissected\":4"));
  g_assert_true(strstr(json, "\"datagrams_snapped\": 1") || strstr(json, "\"datagrams_snapped\":1"));
  g_assert_null(strstr(json, "dns.truncated"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/udp/dispatch", UdpFx, NULL, ufx_setup, test_dispatch, ufx_teardown);
  return g_test_run();
}
