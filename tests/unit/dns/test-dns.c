/* DNS dissector unit tests on hand-built messages: header/question/records, name
 * compression (loops, bad pointers, length bounds), every truncation of a message from a
 * guard-page buffer, pairing, TCP framing, the probe, the tap and dns.log. */
#include <stdio.h>
#include <string.h>

#include "analyzer/output/log-sink.h"
#include "analyzer/report/report.h"
#include "dissectors/dns/dns-log.h"
#include "dissectors/dns/dns-parse.h"
#include "dissectors/dns/dns-stats.h"
#include "dissectors/dns/dns.h"
#include "tests/unit/dns/dns-builder.h"

#define MS G_GINT64_CONSTANT(1000000)

static FbGuard guard;

static const guint8 *guarded(const GByteArray *b, gsize n)
{
  return fb_guard_place(&guard, b->data, n);
}

static WtDnsError parse(const GByteArray *b, WtDnsMessage *m, WtDnsAnswers *a)
{
  gsize used;
  return wt_dns_parse_message(guarded(b, b->len), b->len, m, a, &used);
}

/* Reads one name at `off` of the message. */
static WtDnsError name_at(const GByteArray *b, gsize off, char *text, gsize *end)
{
  const guint8 *p = guarded(b, b->len);
  WtReader r = wt_reader_init(p, b->len);
  r.pos = off;
  WtDnsError e = wt_dns_read_name(p, b->len, &r, text);
  if (end)
    *end = r.pos;
  return e;
}

static const char *answer_text(const WtDnsAnswers *a, guint i)
{
  const char *p = a->text->str;
  for (guint k = 0; k < i; k++)
    p += strlen(p) + 1;
  return p;
}

/* ---------- parser ---------- */

static void test_query(void)
{
  g_autoptr(GByteArray) b = db_query(0xbeef, "www.example.com", 28);
  /* 12 header + 17 name (3www 7example 3com 0) + 4 */
  g_assert_cmpuint(b->len, ==, 33);
  WtDnsMessage m;
  g_assert_cmpint(parse(b, &m, NULL), ==, WT_DNS_OK);
  g_assert_cmpuint(m.hdr.id, ==, 0xbeef);
  g_assert_cmpuint(m.hdr.flags, ==, 0x0100);
  g_assert_cmpuint(m.hdr.qdcount, ==, 1);
  g_assert_true(m.has_question);
  g_assert_cmpstr(m.qname, ==, "www.example.com");
  g_assert_cmpuint(m.qtype, ==, 28);
  g_assert_cmpuint(m.qclass, ==, 1);
  g_assert_cmpuint(m.answers, ==, 0);
  g_assert_cmpuint(wt_dns_opcode(m.hdr.flags), ==, 0);
  g_assert_cmpuint(wt_dns_rcode(m.hdr.flags), ==, 0);
}

/* A response whose records use compression in owners and rdata:
 *   12: question www.example.com A IN   (example.com starts at 16)
 *   33: C0 0C  CNAME  ttl 300  rdata "3web" + C0 10 -> web.example.com (rdata at 45)
 *   51: C0 2D  A      ttl 60   192.0.2.7
 *   67: C0 2D  AAAA   ttl 60   2001:db8::7
 *   95: additional: root OPT, udp size 1232 */
static GByteArray *compressed_response(void)
{
  GByteArray *b = g_byte_array_new();
  db_header(b, 0x1234, 0x8180, 1, 3, 0, 1);
  db_question(b, "www.example.com", 1, 1);
  g_assert_cmpuint(b->len, ==, 33);
  db_ptr(b, 12);
  const guint8 cname[] = { 3, 'w', 'e', 'b', 0xc0, 16 };
  db_rr_tail(b, 5, 1, 300, cname, sizeof cname);
  g_assert_cmpuint(b->len, ==, 51);
  db_ptr(b, 45);
  const guint8 a[] = { 192, 0, 2, 7 };
  db_rr_tail(b, 1, 1, 60, a, 4);
  g_assert_cmpuint(b->len, ==, 67);
  db_ptr(b, 45);
  const guint8 aaaa[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7 };
  db_rr_tail(b, 28, 1, 60, aaaa, 16);
  g_assert_cmpuint(b->len, ==, 95);
  fb_u8(b, 0);
  db_rr_tail(b, 41, 1232, 0, NULL, 0);
  return b;
}

static void test_compression(void)
{
  g_autoptr(GByteArray) b = compressed_response();
  WtDnsMessage m;
  WtDnsAnswers a;
  wt_dns_answers_init(&a);
  g_assert_cmpint(parse(b, &m, &a), ==, WT_DNS_OK);
  g_assert_cmpuint(m.hdr.ancount, ==, 3);
  g_assert_cmpuint(m.answers, ==, 3);
  g_assert_cmpstr(m.first_owner, ==, "www.example.com");
  g_assert_true(m.has_edns);
  g_assert_cmpuint(m.edns_udp_size, ==, 1232);
  g_assert_cmpuint(a.n, ==, 3);
  g_assert_cmpstr(answer_text(&a, 0), ==, "web.example.com");
  g_assert_cmpstr(answer_text(&a, 1), ==, "192.0.2.7");
  g_assert_cmpstr(answer_text(&a, 2), ==, "2001:db8::7");
  g_assert_cmpuint(g_array_index(a.ttls, guint32, 0), ==, 300);
  g_assert_cmpuint(g_array_index(a.ttls, guint32, 1), ==, 60);
  /* in place, a compressed name ends after its pointer */
  char text[WT_DNS_NAME_TEXT_MAX];
  gsize end;
  g_assert_cmpint(name_at(b, 45, text, &end), ==, WT_DNS_OK);
  g_assert_cmpstr(text, ==, "web.example.com");
  g_assert_cmpuint(end, ==, 51);
  wt_dns_answers_reset(&a);
  g_assert_cmpuint(a.n, ==, 0);
  wt_dns_answers_clear(&a);
}

/* Every proper prefix of a valid message is truncated: the cut always falls inside a
 * field, pointers only point backwards (inside the prefix), and rdata lengths are checked
 * before the rdata is read. The guard page faults on any over-read. */
static void test_truncated_every_length(void)
{
  g_autoptr(GByteArray) b = compressed_response();
  for (gsize k = 0; k < b->len; k++) {
    WtDnsMessage m;
    WtDnsAnswers a;
    wt_dns_answers_init(&a);
    gsize used = 0;
    WtDnsError e = wt_dns_parse_message(guarded(b, k), k, &m, &a, &used);
    g_assert_cmpint(e, ==, WT_DNS_ERR_TRUNCATED);
    g_assert_cmpuint(used, <=, k);
    /* the question is complete once 12 + 17 + 4 bytes are there */
    g_assert_cmpint(m.has_question, ==, k >= 33);
    wt_dns_answers_clear(&a);
  }
  g_autoptr(GByteArray) q = db_query(1, "a.b", 1);
  for (gsize k = 0; k < q->len; k++) {
    WtDnsMessage m;
    g_assert_cmpint(wt_dns_parse_message(guarded(q, k), k, &m, NULL, NULL), ==,
                    WT_DNS_ERR_TRUNCATED);
  }
}

static void test_loops(void)
{
  char text[WT_DNS_NAME_TEXT_MAX];
  /* a pointer to itself */
  g_autoptr(GByteArray) b = g_byte_array_new();
  db_header(b, 1, 0, 1, 0, 0, 0);
  db_ptr(b, 12);
  fb_be32(b, 0x00010001);
  WtDnsMessage m;
  g_assert_cmpint(parse(b, &m, NULL), ==, WT_DNS_ERR_LOOP);
  g_assert_false(m.has_question);
  g_assert_cmpstr(wt_dns_error_name(WT_DNS_ERR_LOOP), ==, "dns.compression_loop");

  /* a label, then a pointer back to that label: "a.a.a..." forever */
  g_autoptr(GByteArray) c = g_byte_array_new();
  db_header(c, 1, 0, 1, 0, 0, 0);
  fb_u8(c, 1);
  fb_u8(c, 'a');
  db_ptr(c, 12);
  fb_be32(c, 0x00010001);
  g_assert_cmpint(parse(c, &m, NULL), ==, WT_DNS_ERR_LOOP);

  /* two pointers pointing at each other: 20 -> 22 (forward), 22 -> 20 */
  g_autoptr(GByteArray) d = g_byte_array_new();
  db_header(d, 1, 0, 0, 0, 0, 0);
  fb_zeros(d, 8);
  db_ptr(d, 22);
  db_ptr(d, 20);
  g_assert_cmpint(name_at(d, 20, text, NULL), ==, WT_DNS_ERR_LOOP);
  g_assert_cmpint(name_at(d, 22, text, NULL), ==, WT_DNS_ERR_LOOP);

  /* a chain of backward pointers: 100 hops are fine, 200 are not */
  g_autoptr(GByteArray) e = g_byte_array_new();
  db_header(e, 1, 0, 0, 0, 0, 0);
  fb_u8(e, 0);   /* root at 12 */
  fb_u8(e, 0);   /* padding: pointers at even offsets from 14 */
  for (guint i = 0; i < 200; i++)
    db_ptr(e, (guint16) (i == 0 ? 12 : 14 + 2 * (i - 1)));
  gsize end;
  g_assert_cmpint(name_at(e, 14 + 2 * 99, text, &end), ==, WT_DNS_OK);  /* 100 pointers */
  g_assert_cmpstr(text, ==, "");
  g_assert_cmpuint(end, ==, 14 + 2 * 99 + 2);
  g_assert_cmpint(name_at(e, 14 + 2 * 199, text, NULL), ==, WT_DNS_ERR_LOOP);
}

static void test_bad_pointer(void)
{
  char text[WT_DNS_NAME_TEXT_MAX];
  g_autoptr(GByteArray) b = g_byte_array_new();
  db_header(b, 1, 0, 1, 0, 0, 0);
  db_ptr(b, 0x3fff);  /* beyond the message */
  fb_be32(b, 0x00010001);
  WtDnsMessage m;
  g_assert_cmpint(parse(b, &m, NULL), ==, WT_DNS_ERR_BAD_POINTER);
  /* a pointer's second byte missing */
  g_autoptr(GByteArray) c = g_byte_array_new();
  db_header(c, 1, 0, 0, 0, 0, 0);
  fb_u8(c, 0xc0);
  g_assert_cmpint(name_at(c, 12, text, NULL), ==, WT_DNS_ERR_TRUNCATED);
}

static void test_name_length(void)
{
  char text[WT_DNS_NAME_TEXT_MAX];
  char l63[64], l61[62];
  memset(l63, 'x', 63);
  l63[63] = '\0';
  memset(l61, 'y', 61);
  l61[61] = '\0';
  /* 3 x (1 + 63) + (1 + 61) + 1 = 255 octets: the longest legal name */
  g_autofree char *longest = g_strjoin(".", l63, l63, l63, l61, NULL);
  g_autoptr(GByteArray) b = g_byte_array_new();
  db_header(b, 1, 0, 0, 0, 0, 0);
  db_name(b, longest);
  g_assert_cmpuint(b->len - 12, ==, 255);
  g_assert_cmpint(name_at(b, 12, text, NULL), ==, WT_DNS_OK);
  g_assert_cmpstr(text, ==, longest);
  /* one more octet: 4 x (1 + 63) + 1 = 257 */
  g_autofree char *too_long = g_strjoin(".", l63, l63, l63, l63, NULL);
  g_autoptr(GByteArray) c = g_byte_array_new();
  db_header(c, 1, 0, 0, 0, 0, 0);
  db_name(c, too_long);
  g_assert_cmpint(name_at(c, 12, text, NULL), ==, WT_DNS_ERR_NAME_TOO_LONG);
  /* too long only through compression: 64 octets + a pointer to a 193-octet name */
  g_autoptr(GByteArray) d = g_byte_array_new();
  db_header(d, 1, 0, 0, 0, 0, 0);
  g_autofree char *three = g_strjoin(".", l63, l63, l63, NULL);
  db_name(d, three);           /* 12 .. 204 */
  gsize second = d->len;
  db_labels(d, l63, TRUE);
  db_ptr(d, 12);
  g_assert_cmpint(name_at(d, 12, text, NULL), ==, WT_DNS_OK);
  g_assert_cmpint(name_at(d, second, text, NULL), ==, WT_DNS_ERR_NAME_TOO_LONG);
}

static void test_bad_label(void)
{
  char text[WT_DNS_NAME_TEXT_MAX];
  for (guint8 t = 0x40; t != 0; t = (guint8) (t == 0x40 ? 0x80 : 0)) {
    g_autoptr(GByteArray) b = g_byte_array_new();
    db_header(b, 1, 0, 0, 0, 0, 0);
    fb_u8(b, 1);
    fb_u8(b, 'a');
    fb_u8(b, t | 1);  /* extended (01) / reserved (10) label type */
    fb_u8(b, 'b');
    fb_u8(b, 0);
    g_assert_cmpint(name_at(b, 12, text, NULL), ==, WT_DNS_ERR_BAD_NAME);
  }
  g_assert_cmpstr(wt_dns_error_name(WT_DNS_ERR_BAD_NAME), ==, "dns.bad_name");
}

static void test_escape(void)
{
  char text[WT_DNS_NAME_TEXT_MAX];
  g_autoptr(GByteArray) b = g_byte_array_new();
  db_header(b, 1, 0, 0, 0, 0, 0);
  const guint8 raw[] = { 4, 'a', 0x00, ' ', '\\', 2, 0xff, 'Z', 0 };
  fb_bytes(b, raw, sizeof raw);
  g_assert_cmpint(name_at(b, 12, text, NULL), ==, WT_DNS_OK);
  g_assert_cmpstr(text, ==, "a\\x00\\x20\\x5c.\\xffz");  /* lower-cased like Zeek */
  /* the root */
  g_autoptr(GByteArray) c = g_byte_array_new();
  db_header(c, 1, 0, 0, 0, 0, 0);
  fb_u8(c, 0);
  g_assert_cmpint(name_at(c, 12, text, NULL), ==, WT_DNS_OK);
  g_assert_cmpstr(text, ==, "");
}

static void test_rdata(void)
{
  g_autoptr(GByteArray) b = g_byte_array_new();
  db_header(b, 7, 0x8400, 1, 5, 0, 0);
  db_question(b, "example.org", 15, 1);  /* example.org at 12 */
  db_ptr(b, 12);
  const guint8 mx[] = { 0, 10, 4, 'm', 'a', 'i', 'l', 0xc0, 12 };
  db_rr_tail(b, 15, 1, 3600, mx, sizeof mx);
  db_ptr(b, 12);
  const guint8 txt[] = { 5, 'h', 'e', 'l', 'l', 'o', 2, 'h', 'i' };
  db_rr_tail(b, 16, 1, 10, txt, sizeof txt);
  db_ptr(b, 12);
  const guint8 srv[] = { 0, 1, 0, 2, 0x01, 0xbb, 3, 's', 'r', 'v', 0xc0, 12 };
  db_rr_tail(b, 33, 1, 20, srv, sizeof srv);
  db_ptr(b, 12);
  GByteArray *soa = g_byte_array_new();
  const guint8 mname[] = { 2, 'n', 's', 0xc0, 12, 0xc0, 12 };  /* ns.example.org, example.org */
  fb_bytes(soa, mname, sizeof mname);
  fb_zeros(soa, 20);
  db_rr_tail(b, 6, 1, 30, soa->data, (guint16) soa->len);
  g_byte_array_unref(soa);
  db_ptr(b, 12);
  const guint8 unk[] = { 1, 2, 3 };
  db_rr_tail(b, 65280, 1, 40, unk, sizeof unk);
  WtDnsMessage m;
  WtDnsAnswers a;
  wt_dns_answers_init(&a);
  g_assert_cmpint(parse(b, &m, &a), ==, WT_DNS_OK);
  g_assert_cmpuint(a.n, ==, 5);
  g_assert_cmpstr(answer_text(&a, 0), ==, "mail.example.org");
  g_assert_cmpstr(answer_text(&a, 1), ==, "TXT 5 hello TXT 2 hi");
  g_assert_cmpstr(answer_text(&a, 2), ==, "srv.example.org");
  g_assert_cmpstr(answer_text(&a, 3), ==, "ns.example.org");
  g_assert_cmpstr(answer_text(&a, 4), ==, "<unknown type=65280>");
  g_assert_cmpuint(g_array_index(a.ttls, guint32, 4), ==, 40);
  wt_dns_answers_clear(&a);

  /* an A record with 5 bytes of rdata */
  g_autoptr(GByteArray) c = g_byte_array_new();
  db_header(c, 7, 0x8180, 1, 1, 0, 0);
  db_question(c, "x.org", 1, 1);
  db_ptr(c, 12);
  const guint8 five[] = { 1, 2, 3, 4, 5 };
  db_rr_tail(c, 1, 1, 1, five, 5);
  g_assert_cmpint(parse(c, &m, NULL), ==, WT_DNS_ERR_BAD_RDATA);
  g_assert_true(m.has_question);
}

static void test_names_of_numbers(void)
{
  g_assert_cmpstr(wt_dns_qtype_name(1), ==, "A");
  g_assert_cmpstr(wt_dns_qtype_name(28), ==, "AAAA");
  g_assert_cmpstr(wt_dns_qtype_name(15), ==, "MX");
  g_assert_cmpstr(wt_dns_qtype_name(255), ==, "*");
  g_assert_null(wt_dns_qtype_name(65280));
  g_assert_cmpstr(wt_dns_rcode_name(3), ==, "NXDOMAIN");
  g_assert_cmpstr(wt_dns_rcode_name(2), ==, "SERVFAIL");
  g_assert_null(wt_dns_rcode_name(12));
  g_assert_cmpstr(wt_dns_qclass_name(1), ==, "C_INTERNET");
  g_assert_cmpstr(wt_dns_opcode_name(5), ==, "dynamic-update");
}

static void test_netbios(void)
{
  /* "FRED" padded with spaces to 15, suffix 0x00: F=0x46 -> "EG", space=0x20 -> "CA" */
  char out[17];
  g_assert_true(wt_dns_netbios_decode("EGFCEFEECACACACACACACACACACACAAA", out));
  g_assert_cmpstr(out, ==, "FRED");
  g_assert_false(wt_dns_netbios_decode("www", out));
  g_assert_false(wt_dns_netbios_decode("ZZFCEFEECACACACACACACACACACACAAA", out));
}

/* ---------- sessions ---------- */

typedef struct {
  WtAnomalies *anomalies;
  WtAppContext ctx;
  FILE *log_stream;
  WtLogSink *sink;
  WtLog *logs[1];
  char *log;
  gsize log_len;
  WtDnsStats *stats;
  WtConnInfo conn;
} DnsFx;

static void dfx_setup(DnsFx *fx, gconstpointer data)
{
  (void) data;
  memset(fx, 0, sizeof *fx);
  fx->anomalies = wt_anomalies_new();
  fx->ctx.anomalies = fx->anomalies;
  fx->log_stream = open_memstream(&fx->log, &fx->log_len);
  fx->sink = wt_log_sink_new_stream(&wt_dns_log_table, fx->log_stream, NULL);
  fx->logs[0] = wt_log_sink_log(fx->sink);
  fx->ctx.logs = fx->logs;
  fx->ctx.n_logs = 1;
  fx->stats = wt_dns_dissector.stats_new();
  g_strlcpy(fx->conn.uid, "CTest", sizeof fx->conn.uid);
  fx->conn.orig_p = 40000;
  fx->conn.resp_p = 53;
  fx->conn.proto = 17;
}

static void dfx_teardown(DnsFx *fx, gconstpointer data)
{
  (void) data;
  wt_log_sink_free(fx->sink);
  if (fx->log_stream)
    fclose(fx->log_stream);
  free(fx->log);
  wt_dns_dissector.stats_free(fx->stats);
  wt_anomalies_free(fx->anomalies);
}

static const char *fx_log(DnsFx *fx)
{
  wt_log_sink_flush(fx->sink);
  return fx->log ? fx->log : "";
}

static guint count_lines(const char *s)
{
  guint n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

static void send(gpointer sess, WtDir dir, GByteArray *b, gint64 ts)
{
  wt_dns_dissector.datagram(sess, dir, guarded(b, b->len), b->len, ts);
  g_byte_array_unref(b);
}

static guint64 st(DnsFx *fx, const char *name) { return wt_dns_stats_get(fx->stats, name); }

static void test_pairing(DnsFx *fx, gconstpointer data)
{
  (void) data;
  gpointer s = wt_dns_dissector.session_new(fx->stats, &fx->ctx, &fx->conn);
  gint64 t0 = 1700000000 * G_GINT64_CONSTANT(1000000000);
  send(s, WT_DIR_ORIG, db_query(0x0a0b, "Host.Example.COM", 1), t0);
  send(s, WT_DIR_RESP, db_response(0x0a0b, "Host.Example.COM", 0, 9), t0 + 5 * MS);
  send(s, WT_DIR_ORIG, db_query(0x0a0c, "nope.example.com", 1), t0 + 10 * MS);
  send(s, WT_DIR_RESP, db_response(0x0a0c, "nope.example.com", 3, 0), t0 + 12 * MS);
  wt_dns_dissector.session_free(s);
  g_assert_cmpuint(st(fx, "messages"), ==, 4);
  g_assert_cmpuint(st(fx, "queries"), ==, 2);
  g_assert_cmpuint(st(fx, "responses"), ==, 2);
  g_assert_cmpuint(st(fx, "answered"), ==, 2);
  g_assert_cmpuint(st(fx, "unanswered"), ==, 0);
  g_assert_cmpuint(st(fx, "orphan_responses"), ==, 0);
  g_assert_cmpuint(wt_dns_stats_qtype_count(fx->stats, "A"), ==, 2);
  g_assert_cmpuint(wt_dns_stats_rcode_count(fx->stats, "NOERROR"), ==, 1);
  g_assert_cmpuint(wt_dns_stats_rcode_count(fx->stats, "NXDOMAIN"), ==, 1);
  g_assert_cmpuint(wt_dns_stats_name_count(fx->stats, "host.example.com"), ==, 1);
  /* 2 ms and 5 ms: the histogram is exact below 32 us, ~3 % above; max is exact */
  g_assert_cmpfloat_with_epsilon(wt_dns_stats_rtt_ms(fx->stats, 100), 5.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(wt_dns_stats_rtt_ms(fx->stats, 50), 2.0, 2.0 * 0.04);
  const char *log = fx_log(fx);
  g_assert_cmpuint(count_lines(log), ==, 2);
  g_assert_nonnull(strstr(log, "\"uid\":\"CTest\""));
  g_assert_nonnull(strstr(log, "\"proto\":\"udp\",\"trans_id\":2571,\"rtt\":0.005000,"
                                "\"query\":\"host.example.com\",\"qclass\":1,"
                                "\"qclass_name\":\"C_INTERNET\",\"qtype\":1,\"qtype_name\":\"A\","
                                "\"rcode\":0,\"rcode_name\":\"NOERROR\",\"AA\":false,\"TC\":false,"
                                "\"RD\":true,\"RA\":true,\"Z\":0,\"answers\":[\"192.0.2.9\"],"
                                "\"TTLs\":[60.0],\"rejected\":false,\"opcode\":0,"
                                "\"opcode_name\":\"query\"}\n"));
  g_assert_nonnull(strstr(log, "\"trans_id\":2572,\"rtt\":0.002000,\"query\":\"nope.example.com\""));
  g_assert_nonnull(strstr(log, "\"rcode\":3,\"rcode_name\":\"NXDOMAIN\""));
}

/* Zeek's pairing: a retransmitted query (same id) leaves the second copy pending when the
 * one response arrives; it is unanswered at the end. */
static void test_retransmit(DnsFx *fx, gconstpointer data)
{
  (void) data;
  gpointer s = wt_dns_dissector.session_new(fx->stats, &fx->ctx, &fx->conn);
  send(s, WT_DIR_ORIG, db_query(7, "a.test", 1), 1000 * MS);
  send(s, WT_DIR_ORIG, db_query(7, "a.test", 1), 6000 * MS);
  send(s, WT_DIR_RESP, db_response(7, "a.test", 0, 1), 6080 * MS);
  g_assert_cmpuint(count_lines(fx_log(fx)), ==, 1);
  g_assert_nonnull(strstr(fx_log(fx), "\"rtt\":5.080000"));
  wt_dns_dissector.session_free(s);
  g_assert_cmpuint(count_lines(fx_log(fx)), ==, 2);
  g_assert_cmpuint(st(fx, "queries"), ==, 2);
  g_assert_cmpuint(st(fx, "answered"), ==, 1);
  g_assert_cmpuint(st(fx, "unanswered"), ==, 1);
  /* the unanswered line has no rcode and no rtt */
  const char *second = strchr(fx_log(fx), '\n') + 1;
  g_assert_null(strstr(second, "rcode"));
  g_assert_null(strstr(second, "rtt"));
}

/* mDNS announcement: a response without question; Zeek logs the answer's owner. */
static void test_orphan(DnsFx *fx, gconstpointer data)
{
  (void) data;
  fx->conn.orig_p = fx->conn.resp_p = 5353;
  gpointer s = wt_dns_dissector.session_new(fx->stats, &fx->ctx, &fx->conn);
  GByteArray *b = g_byte_array_new();
  db_header(b, 0, 0x8400, 0, 1, 0, 0);
  db_name(b, "printer._ipp._tcp.local");
  const guint8 target[] = { 7, 'p', 'r', 'i', 'n', 't', 'e', 'r', 5, 'l', 'o', 'c', 'a', 'l', 0 };
  GByteArray *rd = g_byte_array_new();
  fb_zeros(rd, 6);
  fb_bytes(rd, target, sizeof target);
  db_rr_tail(b, 33, 0x8001, 120, rd->data, (guint16) rd->len);
  g_byte_array_unref(rd);
  send(s, WT_DIR_ORIG, b, 1000 * MS);
  wt_dns_dissector.session_free(s);
  g_assert_cmpuint(st(fx, "responses"), ==, 1);
  g_assert_cmpuint(st(fx, "orphan_responses"), ==, 1);
  g_assert_cmpuint(st(fx, "queries"), ==, 0);
  const char *log = fx_log(fx);
  g_assert_cmpuint(count_lines(log), ==, 1);
  g_assert_nonnull(strstr(log, "\"query\":\"printer._ipp._tcp.local\",\"rcode\":0"));
  g_assert_nonnull(strstr(log, "\"AA\":true"));
  g_assert_nonnull(strstr(log, "\"answers\":[\"printer.local\"],\"TTLs\":[120.0]"));
  g_assert_null(strstr(log, "qtype"));
}

static void test_too_many_pending(DnsFx *fx, gconstpointer data)
{
  (void) data;
  gpointer s = wt_dns_dissector.session_new(fx->stats, &fx->ctx, &fx->conn);
  for (guint i = 0; i < 130; i++)
    send(s, WT_DIR_ORIG, db_query((guint16) i, "flood.test", 1), (gint64) i * MS);
  /* 130 > 128: the two oldest were given up (and logged) already */
  g_assert_cmpuint(st(fx, "too_many_pending"), ==, 2);
  g_assert_cmpuint(wt_anomaly_get(fx->anomalies, "dns.too_many_pending"), ==, 2);
  g_assert_cmpuint(count_lines(fx_log(fx)), ==, 2);
  /* query 5 is still pending and can be answered */
  send(s, WT_DIR_RESP, db_response(5, "flood.test", 0, 5), 200 * MS);
  g_assert_cmpuint(st(fx, "answered"), ==, 1);
  wt_dns_dissector.session_free(s);
  g_assert_cmpuint(st(fx, "unanswered"), ==, 129);
  g_assert_cmpuint(count_lines(fx_log(fx)), ==, 130);
}

/* 70 A records in one response: the log keeps 64 (WT_DNS_MAX_LOGGED_ANSWERS), the message
 * is counted once as dns.too_many_answers. */
static void test_too_many_answers(DnsFx *fx, gconstpointer data)
{
  (void) data;
  gpointer s = wt_dns_dissector.session_new(fx->stats, &fx->ctx, &fx->conn);
  send(s, WT_DIR_ORIG, db_query(7, "many.test", 1), 0);
  GByteArray *b = g_byte_array_new();
  db_header(b, 7, 0x8180, 1, 70, 0, 0);
  db_question(b, "many.test", 1, 1);
  for (guint i = 0; i < 70; i++) {
    const guint8 a[4] = { 192, 0, 2, (guint8) i };
    db_ptr(b, 12);
    db_rr_tail(b, 1, 1, 60, a, 4);
  }
  send(s, WT_DIR_RESP, b, MS);
  wt_dns_dissector.session_free(s);
  g_assert_cmpuint(wt_anomaly_get(fx->anomalies, "dns.too_many_answers"), ==, 1);
  const char *log = fx_log(fx);
  g_assert_nonnull(strstr(log, "\"192.0.2.63\"]"));  /* the 64th is the last logged */
  g_assert_null(strstr(log, "\"192.0.2.64\""));
}

static void test_malformed(DnsFx *fx, gconstpointer data)
{
  (void) data;
  gpointer s = wt_dns_dissector.session_new(fx->stats, &fx->ctx, &fx->conn);
  GByteArray *loop = g_byte_array_new();
  db_header(loop, 1, 0x0100, 1, 0, 0, 0);
  db_ptr(loop, 12);
  fb_be32(loop, 0x00010001);
  send(s, WT_DIR_ORIG, loop, 0);
  GByteArray *shortmsg = g_byte_array_new();
  fb_zeros(shortmsg, 5);
  send(s, WT_DIR_ORIG, shortmsg, 0);
  /* broken in its records: still paired and logged with what was read */
  send(s, WT_DIR_ORIG, db_query(9, "ok.test", 1), 10 * MS);
  GByteArray *r = db_response(9, "ok.test", 0, 1);
  g_byte_array_set_size(r, r->len - 2);  /* cut inside the A record's rdata */
  fb_put16(r, r->len - 4, 4);            /* (rdlength stays 4) */
  send(s, WT_DIR_RESP, r, 11 * MS);
  wt_dns_dissector.session_free(s);
  g_assert_cmpuint(st(fx, "malformed"), ==, 3);
  g_assert_cmpuint(wt_dns_stats_malformed_count(fx->stats, "dns.compression_loop"), ==, 1);
  g_assert_cmpuint(wt_dns_stats_malformed_count(fx->stats, "dns.truncated"), ==, 2);
  g_assert_cmpuint(wt_anomaly_get(fx->anomalies, "dns.compression_loop"), ==, 1);
  g_assert_cmpuint(wt_anomaly_get(fx->anomalies, "dns.truncated"), ==, 2);
  g_assert_cmpuint(st(fx, "queries"), ==, 1);
  g_assert_cmpuint(st(fx, "answered"), ==, 1);
  g_assert_cmpuint(count_lines(fx_log(fx)), ==, 1);
}

/* A name longer than the pending query's inline buffer, answered and unanswered. */
static void test_long_name(DnsFx *fx, gconstpointer data)
{
  (void) data;
  char label[61];
  memset(label, 'q', 60);
  label[60] = '\0';
  g_autofree char *name = g_strjoin(".", label, label, label, "test", NULL);  /* 188 chars */
  gpointer s = wt_dns_dissector.session_new(fx->stats, &fx->ctx, &fx->conn);
  send(s, WT_DIR_ORIG, db_query(1, name, 1), 0);
  send(s, WT_DIR_ORIG, db_query(2, name, 1), 0);
  send(s, WT_DIR_RESP, db_response(1, name, 0, 1), MS);
  wt_dns_dissector.session_free(s);
  g_assert_cmpuint(st(fx, "answered"), ==, 1);
  g_assert_cmpuint(st(fx, "unanswered"), ==, 1);
  g_assert_cmpuint(wt_dns_stats_name_count(fx->stats, name), ==, 2);
  g_autofree char *field = g_strdup_printf("\"query\":\"%s\"", name);
  const char *log = fx_log(fx);
  const char *first = strstr(log, field);
  g_assert_nonnull(first);
  g_assert_nonnull(strstr(first + 1, field));
}

/* ---------- TCP ---------- */

static GByteArray *tcp_stream(guint n)
{
  GByteArray *all = g_byte_array_new();
  for (guint i = 0; i < n; i++) {
    g_autoptr(GByteArray) q = db_query((guint16) (100 + i), "tcp.example", 28);
    fb_be16(all, (guint16) q->len);
    fb_bytes(all, q->data, q->len);
  }
  return all;
}

/* Feeds `data` in pieces of `step` bytes the way the reassembler does: what was not
 * consumed is offered again in front of the next piece. */
static void feed_like_reassembler(gpointer s, WtDir dir, const GByteArray *data, gsize step,
                                  gint64 ts)
{
  GByteArray *pending = g_byte_array_new();
  for (gsize off = 0; off < data->len; off += step) {
    fb_bytes(pending, data->data + off, MIN(step, data->len - off));
    gsize used = wt_dns_dissector.deliver(s, dir, guarded(pending, pending->len), pending->len, ts);
    g_assert_cmpuint(used, <=, pending->len);
    g_byte_array_remove_range(pending, 0, (guint) used);
  }
  g_assert_cmpuint(pending->len, ==, 0);
  g_byte_array_unref(pending);
}

static void test_tcp_framing(DnsFx *fx, gconstpointer data)
{
  (void) data;
  fx->conn.proto = 6;
  g_autoptr(GByteArray) stream = tcp_stream(3);
  gsize one = stream->len / 3;  /* 2 + 12 + 13 + 4 */
  g_assert_cmpuint(one, ==, 31);
  /* partial: nothing consumed until a whole message is there */
  gpointer s = wt_dns_dissector.session_new(fx->stats, &fx->ctx, &fx->conn);
  for (gsize k = 0; k < one; k++)
    g_assert_cmpuint(wt_dns_dissector.deliver(s, WT_DIR_ORIG, guarded(stream, k), k, 0), ==, 0);
  g_assert_cmpuint(wt_dns_dissector.deliver(s, WT_DIR_ORIG, guarded(stream, one + 5), one + 5, 0),
                   ==, one);
  wt_dns_dissector.session_free(s);
  g_assert_cmpuint(st(fx, "tcp_messages"), ==, 1);
  /* every piece size gives the same three queries */
  for (gsize step = 1; step <= stream->len; step++) {
    WtDnsStats *before = fx->stats;
    fx->stats = wt_dns_dissector.stats_new();
    s = wt_dns_dissector.session_new(fx->stats, &fx->ctx, &fx->conn);
    feed_like_reassembler(s, WT_DIR_ORIG, stream, step, 0);
    wt_dns_dissector.session_free(s);
    g_assert_cmpuint(st(fx, "tcp_messages"), ==, 3);
    g_assert_cmpuint(st(fx, "queries"), ==, 3);
    g_assert_cmpuint(wt_dns_stats_qtype_count(fx->stats, "AAAA"), ==, 3);
    g_assert_cmpuint(st(fx, "malformed"), ==, 0);
    wt_dns_dissector.stats_free(fx->stats);
    fx->stats = before;
  }
  g_assert_nonnull(strstr(fx_log(fx), "\"proto\":\"tcp\""));
}

static void test_tcp_gap_and_bad_length(DnsFx *fx, gconstpointer data)
{
  (void) data;
  fx->conn.proto = 6;
  g_autoptr(GByteArray) stream = tcp_stream(2);
  gpointer s = wt_dns_dissector.session_new(fx->stats, &fx->ctx, &fx->conn);
  wt_dns_dissector.gap(s, WT_DIR_ORIG, 100);
  g_assert_cmpuint(wt_dns_dissector.deliver(s, WT_DIR_ORIG, guarded(stream, stream->len),
                                            stream->len, 0), ==, stream->len);
  g_assert_cmpuint(st(fx, "messages"), ==, 0);
  g_assert_cmpuint(wt_anomaly_get(fx->anomalies, "dns.tcp_gap"), ==, 1);
  /* the other direction is unaffected; a length below a header loses its framing */
  g_autoptr(GByteArray) bad = g_byte_array_new();
  fb_be16(bad, 3);
  fb_zeros(bad, 40);
  g_assert_cmpuint(wt_dns_dissector.deliver(s, WT_DIR_RESP, guarded(bad, bad->len), bad->len, 0),
                   ==, bad->len);
  g_assert_cmpuint(wt_anomaly_get(fx->anomalies, "dns.tcp_bad_length"), ==, 1);
  wt_dns_dissector.session_free(s);
}

/* ---------- probe ---------- */

static void test_probe(void)
{
  g_autoptr(GByteArray) q = db_query(1, "probe.example", 1);
  g_assert_true(wt_dns_dissector.probe(guarded(q, q->len), q->len, WT_DIR_ORIG));
  g_assert_false(wt_dns_dissector.probe(guarded(q, q->len), q->len, WT_DIR_RESP));
  /* dig's queries: AD set, an EDNS OPT record */
  g_autoptr(GByteArray) dig = g_byte_array_new();
  db_header(dig, 1, 0x0120, 1, 0, 0, 1);
  db_question(dig, "probe.example", 1, 1);
  fb_u8(dig, 0);
  db_rr_tail(dig, 41, 1232, 0, NULL, 0);
  g_assert_true(wt_dns_dissector.probe(guarded(dig, dig->len), dig->len, WT_DIR_ORIG));
  fb_put16(dig, 2, 0x0160);  /* the reserved Z bit */
  g_assert_false(wt_dns_dissector.probe(guarded(dig, dig->len), dig->len, WT_DIR_ORIG));
  g_autoptr(GByteArray) r = db_response(1, "probe.example", 0, 1);
  g_assert_true(wt_dns_dissector.probe(guarded(r, r->len), r->len, WT_DIR_RESP));
  /* with trailing bytes, cut short, or with the TCP length prefix: not a datagram */
  g_autoptr(GByteArray) longer = db_query(1, "probe.example", 1);
  fb_u8(longer, 0);
  g_assert_false(wt_dns_dissector.probe(guarded(longer, longer->len), longer->len, WT_DIR_ORIG));
  g_assert_false(wt_dns_dissector.probe(guarded(q, q->len - 1), q->len - 1, WT_DIR_ORIG));
  g_autoptr(GByteArray) tcp = tcp_stream(1);
  g_assert_false(wt_dns_dissector.probe(guarded(tcp, tcp->len), tcp->len, WT_DIR_ORIG));
  const char *http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  g_assert_false(wt_dns_dissector.probe((const guint8 *) http, strlen(http), WT_DIR_ORIG));
  for (gsize k = 0; k < q->len; k++)
    g_assert_false(wt_dns_dissector.probe(guarded(q, k), k, WT_DIR_ORIG));
}

/* ---------- tap ---------- */

static char *report_json(WtDnsStats *s)
{
  g_autoptr(WtReport) r = wt_report_new();
  wt_dns_dissector.report(s, NULL, r);
  char *buf = NULL;
  gsize len = 0;
  FILE *f = open_memstream(&buf, &len);
  wt_report_write_json(r, f);
  fclose(f);
  return buf;
}

static void test_report_and_merge(DnsFx *fx, gconstpointer data)
{
  (void) data;
  gpointer s = wt_dns_dissector.session_new(fx->stats, &fx->ctx, &fx->conn);
  send(s, WT_DIR_ORIG, db_query(1, "a.example", 1), 0);
  send(s, WT_DIR_RESP, db_response(1, "a.example", 2, 0), 3 * MS);
  send(s, WT_DIR_ORIG, db_query(2, "b.example", 15), 0);
  wt_dns_dissector.session_free(s);
  g_autofree char *json = report_json(fx->stats);
  g_assert_nonnull(strstr(json, "\"dns\""));
  g_assert_nonnull(strstr(json, "\"queries\": 2") ? json : strstr(json, "\"queries\":2"));
  g_assert_true(strstr(json, "SERVFAIL") != NULL);
  g_assert_true(strstr(json, "\"MX\"") != NULL);
  g_assert_true(strstr(json, "top_queries") != NULL);
  g_assert_true(strstr(json, "malformed_reasons") != NULL);
  /* merging a tap into an empty one gives the same numbers */
  WtDnsStats *sum = wt_dns_dissector.stats_new();
  wt_dns_dissector.stats_merge(sum, fx->stats);
  wt_dns_dissector.stats_merge(sum, fx->stats);
  g_assert_cmpuint(wt_dns_stats_get(sum, "queries"), ==, 4);
  g_assert_cmpuint(wt_dns_stats_get(sum, "unanswered"), ==, 2);
  g_assert_cmpuint(wt_dns_stats_rcode_count(sum, "SERVFAIL"), ==, 2);
  g_assert_cmpuint(wt_dns_stats_qtype_count(sum, "MX"), ==, 2);
  g_assert_cmpuint(wt_dns_stats_name_count(sum, "b.example"), ==, 2);
  g_assert_cmpfloat_with_epsilon(wt_dns_stats_rtt_ms(sum, 100), 3.0, 1e-9);
  wt_dns_dissector.stats_free(sum);
}

/* 1..1000 ms: nearest-rank p50 = 500 ms, p99 = 990 ms, within the histogram's ~3 %. */
static void test_rtt_percentiles(DnsFx *fx, gconstpointer data)
{
  (void) data;
  for (guint i = 1; i <= 1000; i++)
    wt_dns_stats_on_query_done(fx->stats, NULL, 0, (gint64) i * MS);
  g_assert_cmpfloat(ABS(wt_dns_stats_rtt_ms(fx->stats, 50) - 500.0), <=, 500.0 * 0.035);
  g_assert_cmpfloat(ABS(wt_dns_stats_rtt_ms(fx->stats, 99) - 990.0), <=, 990.0 * 0.035);
  g_assert_cmpfloat_with_epsilon(wt_dns_stats_rtt_ms(fx->stats, 100), 1000.0, 1e-9);
}

/* ---------- mutations ---------- */

/* Seeded random mutations of valid messages (byte flips, pointer bytes, count fields,
 * cuts), each parsed from the guard page and fed to a UDP and a TCP session: whatever
 * the bytes, parsing ends with a known status inside the buffer, and the session's
 * counters stay consistent. A cheap stand-in for a fuzzer, run on every `meson test`. */
static void test_mutations(DnsFx *fx, gconstpointer data)
{
  (void) data;
  GRand *rng = g_rand_new_with_seed(20260526);
  GByteArray *seeds[3] = { compressed_response(), db_query(5, "seed.example.org", 16), NULL };
  seeds[2] = g_byte_array_new();
  {
    g_autoptr(GByteArray) r = db_response(6, "x.y", 0, 1);
    fb_bytes(seeds[2], r->data, r->len);
  }
  gpointer udp = wt_dns_dissector.session_new(fx->stats, &fx->ctx, &fx->conn);
  WtConnInfo tc = fx->conn;
  tc.proto = 6;
  gpointer tcp = wt_dns_dissector.session_new(fx->stats, &fx->ctx, &tc);
  guint64 parsed_ok = 0;
  for (guint iter = 0; iter < 20000; iter++) {
    const GByteArray *seed = seeds[iter % 3];
    g_autoptr(GByteArray) m = g_byte_array_new();
    fb_bytes(m, seed->data, seed->len);
    guint edits = 1 + g_rand_int_range(rng, 0, 4);
    for (guint e = 0; e < edits && m->len > 0; e++) {
      guint pos = (guint) g_rand_int_range(rng, 0, (gint32) m->len);
      switch (g_rand_int_range(rng, 0, 5)) {
      case 0: m->data[pos] = (guint8) g_rand_int(rng); break;
      case 1: m->data[pos] = (guint8) (0xc0 | g_rand_int_range(rng, 0, 4)); break; /* pointer */
      case 2: if (pos + 1 < m->len) m->data[pos + 1] = (guint8) g_rand_int_range(rng, 0, 128); break;
      case 3: g_byte_array_set_size(m, pos); break;                                 /* cut */
      default: if (m->len >= 12) fb_put16(m, 4 + 2 * g_rand_int_range(rng, 0, 4),
                                          (guint16) g_rand_int_range(rng, 0, 40)); break;
      }
    }
    WtDnsMessage msg;
    WtDnsAnswers a;
    wt_dns_answers_init(&a);
    gsize used = 0;
    WtDnsError err = wt_dns_parse_message(guarded(m, m->len), m->len, &msg, &a, &used);
    g_assert_cmpint(err, >=, WT_DNS_OK);
    g_assert_cmpint(err, <, WT_DNS_ERR_N);
    g_assert_cmpuint(used, <=, m->len);
    g_assert_cmpuint(a.n, ==, a.ttls->len);
    g_assert_cmpuint(strlen(msg.qname), <, WT_DNS_NAME_TEXT_MAX);
    parsed_ok += err == WT_DNS_OK;
    wt_dns_answers_clear(&a);
    wt_dns_dissector.datagram(udp, iter & 1 ? WT_DIR_RESP : WT_DIR_ORIG, guarded(m, m->len),
                              m->len, (gint64) iter * MS);
    /* the same bytes behind a length prefix on the TCP side */
    g_autoptr(GByteArray) framed = g_byte_array_new();
    fb_be16(framed, (guint16) m->len);
    fb_bytes(framed, m->data, m->len);
    gsize took = wt_dns_dissector.deliver(tcp, WT_DIR_ORIG, guarded(framed, framed->len),
                                          framed->len, (gint64) iter * MS);
    g_assert_cmpuint(took, <=, framed->len);
  }
  wt_dns_dissector.session_free(udp);
  wt_dns_dissector.session_free(tcp);
  for (guint i = 0; i < 3; i++)
    g_byte_array_unref(seeds[i]);
  g_rand_free(rng);
  /* the mutations keep some messages valid and break the rest */
  g_assert_cmpuint(parsed_ok, >, 0);
  g_assert_cmpuint(parsed_ok, <, 20000);
  g_assert_cmpuint(st(fx, "malformed"), >, 0);
  /* every query ends answered or unanswered; every response is paired or an orphan */
  g_assert_cmpuint(st(fx, "answered") + st(fx, "unanswered"), ==, st(fx, "queries"));
  g_assert_cmpuint(st(fx, "responses"), ==, st(fx, "answered") + st(fx, "orphan_responses"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  guard = fb_guard_new(70000);
  g_test_add_func("/dns/parse/query", test_query);
  g_test_add_func("/dns/parse/compression", test_compression);
  g_test_add_func("/dns/parse/truncated-every-length", test_truncated_every_length);
  g_test_add_func("/dns/parse/compression-loops", test_loops);
  g_test_add_func("/dns/parse/bad-pointer", test_bad_pointer);
  g_test_add_func("/dns/parse/name-length", test_name_length);
  g_test_add_func("/dns/parse/bad-label", test_bad_label);
  g_test_add_func("/dns/parse/escape", test_escape);
  g_test_add_func("/dns/parse/rdata", test_rdata);
  g_test_add_func("/dns/parse/names-of-numbers", test_names_of_numbers);
  g_test_add_func("/dns/netbios", test_netbios);
  g_test_add_func("/dns/probe", test_probe);
#define FX(path, fn) g_test_add(path, DnsFx, NULL, dfx_setup, fn, dfx_teardown)
  FX("/dns/session/pairing", test_pairing);
  FX("/dns/session/retransmit", test_retransmit);
  FX("/dns/session/orphan-mdns", test_orphan);
  FX("/dns/session/too-many-pending", test_too_many_pending);
  FX("/dns/session/too-many-answers", test_too_many_answers);
  FX("/dns/session/malformed", test_malformed);
  FX("/dns/session/long-name", test_long_name);
  FX("/dns/tcp/framing", test_tcp_framing);
  FX("/dns/tcp/gap-and-bad-length", test_tcp_gap_and_bad_length);
  FX("/dns/stats/report-and-merge", test_report_and_merge);
  FX("/dns/stats/rtt-percentiles", test_rtt_percentiles);
  FX("/dns/mutations", test_mutations);
  int rc = g_test_run();
  fb_guard_free(&guard);
  return rc;
}
