/* Unit tests of the TLS hello sniffer. Hellos are built byte by byte here (RFC 8446
 * layouts); expected values are the ones written into them. Every offer ends right before
 * a PROT_NONE page, so a one-byte over-read faults. */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "dissectors/tls/tls.h"

#define D (&wt_tls_dissector)
#define ARENA_SIZE (1u << 20)
static guint8 *arena;

static void arena_init(void)
{
  long page = sysconf(_SC_PAGESIZE);
  arena = mmap(NULL, ARENA_SIZE + (gsize) page, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert(arena != MAP_FAILED);
  g_assert_cmpint(mprotect(arena + ARENA_SIZE, (gsize) page, PROT_NONE), ==, 0);
}

static const guint8 *guarded(const guint8 *p, gsize n)
{
  guint8 *dst = arena + ARENA_SIZE - n;
  memmove(dst, p, n);
  return dst;
}

/* ---- builders ---- */

static void put8(GByteArray *b, guint v)
{
  guint8 c = (guint8) v;
  g_byte_array_append(b, &c, 1);
}

static void put16(GByteArray *b, guint v)
{
  put8(b, v >> 8);
  put8(b, v);
}

static void put24(GByteArray *b, guint v)
{
  put8(b, v >> 16);
  put16(b, v & 0xffff);
}

static void put_bytes(GByteArray *b, const void *p, gsize n)
{
  g_byte_array_append(b, p, (guint) n);
}

static void put_str8(GByteArray *b, const char *s)
{
  put8(b, (guint) strlen(s));
  put_bytes(b, s, strlen(s));
}

/* A ClientHello body: legacy 0x0303, SNI, ALPN h2 + http/1.1, supported_versions GREASE,
 * 1.3, 1.2 (when `modern`), else a TLS 1.0 hello without extensions. */
static GByteArray *client_hello_body(const char *sni, gboolean modern)
{
  GByteArray *b = g_byte_array_new();
  put16(b, modern ? 0x0303 : 0x0301);
  for (int i = 0; i < 32; i++)
    put8(b, (guint) i);          /* random */
  put8(b, 32);
  for (int i = 0; i < 32; i++)
    put8(b, 0xee);               /* session id */
  put16(b, 4);
  put16(b, 0x1301);
  put16(b, 0x1302);
  put8(b, 1);
  put8(b, 0);                    /* null compression */
  if (!modern)
    return b;
  GByteArray *ext = g_byte_array_new();
  if (sni) {
    put16(ext, 0);               /* server_name */
    put16(ext, (guint) strlen(sni) + 5);
    put16(ext, (guint) strlen(sni) + 3);
    put8(ext, 0);                /* host_name */
    put16(ext, (guint) strlen(sni));
    put_bytes(ext, sni, strlen(sni));
  }
  put16(ext, 16);                /* ALPN */
  put16(ext, 2 + 3 + 9);
  put16(ext, 3 + 9);
  put_str8(ext, "h2");
  put_str8(ext, "http/1.1");
  put16(ext, 43);                /* supported_versions */
  put16(ext, 7);
  put8(ext, 6);
  put16(ext, 0x1a1a);            /* GREASE: ignored */
  put16(ext, 0x0304);
  put16(ext, 0x0303);
  put16(b, ext->len);
  put_bytes(b, ext->data, ext->len);
  g_byte_array_unref(ext);
  return b;
}

static GByteArray *server_hello_body(guint16 selected)
{
  GByteArray *b = g_byte_array_new();
  put16(b, 0x0303);
  for (int i = 0; i < 32; i++)
    put8(b, 0x55);
  put8(b, 0);
  put16(b, 0x1301);
  put8(b, 0);
  if (selected) {
    put16(b, 6);
    put16(b, 43);
    put16(b, 2);
    put16(b, selected);
  }
  return b;
}

/* Wraps a handshake message of `type` in records carrying at most `frag` bytes each. */
static GByteArray *records(guint8 type, GByteArray *body, gsize frag)
{
  GByteArray *hs = g_byte_array_new();
  put8(hs, type);
  put24(hs, body->len);
  put_bytes(hs, body->data, body->len);
  GByteArray *out = g_byte_array_new();
  for (gsize off = 0; off < hs->len; off += frag) {
    gsize n = MIN(frag, hs->len - off);
    put8(out, 22);
    put16(out, 0x0301);
    put16(out, (guint) n);
    put_bytes(out, hs->data + off, n);
  }
  g_byte_array_unref(hs);
  g_byte_array_unref(body);
  return out;
}

/* ---- feeding: whole, byte by byte, and at every split point give the same tap ---- */

static char *summary(const WtTlsStats *st)
{
  return g_strdup_printf("ch=%" G_GUINT64_FORMAT " sh=%" G_GUINT64_FORMAT " nosni=%" G_GUINT64_FORMAT
                         " bad=%" G_GUINT64_FORMAT " nottls=%" G_GUINT64_FORMAT " sni=%" G_GUINT64_FORMAT
                         " h2=%" G_GUINT64_FORMAT " v13=%" G_GUINT64_FORMAT " n13=%" G_GUINT64_FORMAT,
                         wt_tls_stats_get(st, "client_hellos"), wt_tls_stats_get(st, "server_hellos"),
                         wt_tls_stats_get(st, "no_sni"), wt_tls_stats_get(st, "malformed"),
                         wt_tls_stats_get(st, "not_tls"),
                         wt_tls_stats_count(st, "sni", "example.com"),
                         wt_tls_stats_count(st, "alpn", "h2"),
                         wt_tls_stats_count(st, "client_versions", "TLS 1.3"),
                         wt_tls_stats_count(st, "negotiated_versions", "TLS 1.3"));
}

/* Feeds orig then resp, cutting orig at `cut` (0: whole; G_MAXSIZE: byte by byte). */
static WtTlsStats *feed(const GByteArray *orig, const GByteArray *resp, gsize cut,
                        WtAnomalies *an)
{
  WtAppContext ctx = { .anomalies = an };
  WtTlsStats *st = D->stats_new();
  gpointer ses = D->session_new(st, &ctx, NULL);
  const GByteArray *dirs[2] = { orig, resp };
  for (int d = 0; d < 2; d++) {
    if (!dirs[d])
      continue;
    GByteArray *pending = g_byte_array_new();
    gsize off = 0, n = dirs[d]->len;
    while (off < n) {
      gsize k = cut == G_MAXSIZE ? 1 : (cut && d == 0 && off < cut) ? cut - off : n - off;
      g_byte_array_append(pending, dirs[d]->data + off, (guint) k);
      off += k;
      gsize used = D->deliver(ses, (WtDir) d, guarded(pending->data, pending->len),
                              pending->len, 0);
      g_assert_cmpuint(used, <=, pending->len);
      g_byte_array_remove_range(pending, 0, (guint) used);
    }
    g_byte_array_unref(pending);
    D->eof(ses, (WtDir) d, 0);
  }
  D->session_free(ses);
  return st;
}

static char *feed_all_ways(const GByteArray *orig, const GByteArray *resp)
{
  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  WtTlsStats *st = feed(orig, resp, 0, an);
  char *want = summary(st);
  D->stats_free(st);
  for (gsize cut = 1; cut <= orig->len; cut++) {
    gsize c = cut == orig->len ? G_MAXSIZE : cut;
    g_autoptr(WtAnomalies) an2 = wt_anomalies_new();
    st = feed(orig, resp, c, an2);
    g_autofree char *got = summary(st);
    g_assert_cmpstr(got, ==, want);
    D->stats_free(st);
  }
  return want;
}

static void test_hello_pair(void)
{
  g_autoptr(GByteArray) ch = records(1, client_hello_body("Example.COM", TRUE), 16384);
  g_autoptr(GByteArray) sh = records(2, server_hello_body(0x0304), 16384);
  /* an encrypted-looking record after each hello is skipped unread */
  put_bytes(ch, "\x17\x03\x03\x00\x02zz", 7);
  put_bytes(sh, "\x17\x03\x03\x00\x02zz", 7);
  g_autofree char *s = feed_all_ways(ch, sh);
  g_assert_cmpstr(s, ==, "ch=1 sh=1 nosni=0 bad=0 nottls=0 sni=1 h2=1 v13=1 n13=1");

  g_assert_true(D->probe(guarded(ch->data, 6), 6, WT_DIR_ORIG));
  g_assert_true(D->probe(guarded(sh->data, 6), 6, WT_DIR_RESP));
  g_assert_false(D->probe(guarded(ch->data, 5), 5, WT_DIR_ORIG));
  g_assert_false(D->probe(guarded((const guint8 *) "GET / ", 6), 6, WT_DIR_ORIG));
}

static void test_fragmented_hello(void)
{
  /* the handshake message spread over 10-byte records (RFC 8446 5.1 allows it) */
  g_autoptr(GByteArray) ch = records(1, client_hello_body("example.com", TRUE), 10);
  g_autoptr(GByteArray) sh = records(2, server_hello_body(0), 7);
  g_autofree char *s = feed_all_ways(ch, sh);
  g_assert_cmpstr(s, ==, "ch=1 sh=1 nosni=0 bad=0 nottls=0 sni=1 h2=1 v13=1 n13=0");
  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  WtTlsStats *st = feed(ch, sh, 0, an);
  /* no supported_versions in the ServerHello: its legacy version 0x0303 counts */
  g_assert_cmpuint(wt_tls_stats_count(st, "negotiated_versions", "TLS 1.2"), ==, 1);
  g_assert_cmpuint(wt_tls_stats_count(st, "alpn", "http/1.1"), ==, 1);
  D->stats_free(st);
}

static void test_old_and_odd(void)
{
  g_autoptr(GByteArray) ch = records(1, client_hello_body(NULL, FALSE), 16384);
  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  WtTlsStats *st = feed(ch, NULL, 0, an);
  g_assert_cmpuint(wt_tls_stats_get(st, "client_hellos"), ==, 1);
  g_assert_cmpuint(wt_tls_stats_get(st, "no_sni"), ==, 1);
  g_assert_cmpuint(wt_tls_stats_count(st, "client_versions", "TLS 1.0"), ==, 1);
  D->stats_free(st);

  /* SSH and HTTP are not TLS; SSLv2-format hello */
  g_autoptr(GByteArray) ssh = g_byte_array_new();
  put_bytes(ssh, "SSH-2.0-OpenSSH_9.2\r\n", 21);
  st = feed(ssh, NULL, 0, an);
  g_assert_cmpuint(wt_tls_stats_get(st, "not_tls"), ==, 1);
  D->stats_free(st);
  g_autoptr(GByteArray) v2 = g_byte_array_new();
  put_bytes(v2, "\x80\x2e\x01\x00\x02\x00\x15", 7);
  st = feed(v2, NULL, 0, an);
  g_assert_cmpuint(wt_tls_stats_get(st, "sslv2_hellos"), ==, 1);
  D->stats_free(st);
}

static void test_malformed(void)
{
  /* SNI length one past its extension: caught, counted, no over-read (guard page) */
  GByteArray *body = client_hello_body("example.com", TRUE);
  gsize at = 2 + 32 + 1 + 32 + 2 + 4 + 1 + 1 + 2;  /* first extension */
  g_assert_cmpuint(body->data[at + 1], ==, 0);       /* type server_name */
  body->data[at + 8] += 1;                           /* host_name length */
  g_autoptr(GByteArray) ch = records(1, body, 16384);
  g_autofree char *s = feed_all_ways(ch, NULL);
  g_assert_cmpstr(s, ==, "ch=0 sh=0 nosni=0 bad=1 nottls=0 sni=0 h2=0 v13=0 n13=0");
  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  WtTlsStats *st = feed(ch, NULL, 0, an);
  g_assert_cmpuint(wt_anomaly_get(an, "tls.bad_client_hello"), ==, 1);
  D->stats_free(st);

  /* every truncation of a valid hello is either waited for or rejected, never read past */
  g_autoptr(GByteArray) good = records(1, client_hello_body("example.com", TRUE), 16384);
  for (gsize n = 1; n < good->len; n++) {
    g_autoptr(GByteArray) cut = g_byte_array_new();
    put_bytes(cut, good->data, n);
    g_autoptr(WtAnomalies) an2 = wt_anomalies_new();
    st = feed(cut, NULL, 0, an2);
    g_assert_cmpuint(wt_tls_stats_get(st, "client_hellos"), ==, 0);
    D->stats_free(st);
  }
  /* a handshake length beyond the cap */
  g_autoptr(GByteArray) big = g_byte_array_new();
  put_bytes(big, "\x16\x03\x01\x00\x04\x01\xff\xff\xff", 9);
  g_autoptr(WtAnomalies) an3 = wt_anomalies_new();
  st = feed(big, NULL, 0, an3);
  g_assert_cmpuint(wt_anomaly_get(an3, "tls.hello_too_long"), ==, 1);
  D->stats_free(st);
}

static void test_report_and_merge(void)
{
  g_autoptr(GByteArray) ch = records(1, client_hello_body("a.example", TRUE), 16384);
  g_autoptr(GByteArray) sh = records(2, server_hello_body(0x0304), 16384);
  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  WtTlsStats *a = feed(ch, sh, 0, an), *b = feed(ch, sh, 0, an);
  D->stats_merge(a, b);
  D->stats_free(b);
  g_autoptr(WtReport) rep = wt_report_new();
  D->report(a, NULL, rep);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  wt_report_write_json(rep, f);
  fclose(f);
  g_assert_nonnull(strstr(buf, "\"client_hellos\":2"));
  g_assert_nonnull(strstr(buf, "\"negotiated_versions\":{\"TLS 1.3\":2}"));
  g_assert_nonnull(strstr(buf, "{\"server_name\":\"a.example\",\"count\":2,"));
  free(buf);
  D->stats_free(a);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  arena_init();
  g_test_add_func("/tls/hello-pair", test_hello_pair);
  g_test_add_func("/tls/fragmented-hello", test_fragmented_hello);
  g_test_add_func("/tls/old-and-odd", test_old_and_odd);
  g_test_add_func("/tls/malformed", test_malformed);
  g_test_add_func("/tls/report-merge", test_report_and_merge);
  return g_test_run();
}
