/* HTTP/2: the frame layer (every frame type, padding, priority, malformed frames, every
 * split of the input before a guard page, gaps) and the session (HPACK through
 * libnghttp2, transactions into the HTTP tap, resets, GOAWAY, interim responses,
 * trailers, SETTINGS_HEADER_TABLE_SIZE, HPACK state lost after a gap). */
#include <glib.h>
#include <nghttp2/nghttp2.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzer/core/anomaly.h"
#include "dissectors/http/http.h"
#include "dissectors/http2/http2-frame.h"
#include "dissectors/http2/http2.h"

#define ARENA_SIZE (256 * 1024)
static guint8 *arena;

/* n bytes copied to end right before an unreadable page: a one-byte over-read faults */
static const guint8 *guarded(const void *p, gsize n)
{
  if (!arena) {
    long page = sysconf(_SC_PAGESIZE);
    arena = mmap(NULL, ARENA_SIZE + (gsize) page, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert(arena != MAP_FAILED);
    g_assert_cmpint(mprotect(arena + ARENA_SIZE, (gsize) page, PROT_NONE), ==, 0);
  }
  g_assert_cmpuint(n, <=, ARENA_SIZE);
  guint8 *dst = arena + ARENA_SIZE - n;
  if (n)
    memmove(dst, p, n);
  return dst;
}

/* --- building frames ---------------------------------------------------------------- */

static void put_frame(GByteArray *b, guint8 type, guint8 flags, guint32 sid, const void *p,
                      gsize len)
{
  guint8 h[9] = { (guint8) (len >> 16), (guint8) (len >> 8), (guint8) len, type, flags,
                  (guint8) (sid >> 24), (guint8) (sid >> 16), (guint8) (sid >> 8),
                  (guint8) sid };
  g_byte_array_append(b, h, 9);
  if (len)
    g_byte_array_append(b, p, (guint) len);
}

static void put_be32(guint8 *p, guint32 v)
{
  p[0] = (guint8) (v >> 24);
  p[1] = (guint8) (v >> 16);
  p[2] = (guint8) (v >> 8);
  p[3] = (guint8) v;
}

/* --- the framer: events as text ----------------------------------------------------- */

static void ev_frame(gpointer ctx, const WtH2FrameHeader *h, const WtH2Fields *f,
                     const guint8 *payload, const char *bad)
{
  guint sum = 0;
  if (h->type != WT_H2_DATA && !bad)
    for (gsize i = 0; i < f->frag_len; i++)
      sum += payload[f->frag_off + i];
  g_string_append_printf(ctx, "F%s/%02x/%u/%zu/%u/%s ", wt_h2_frame_type_name(h->type),
                         h->flags, h->stream_id, f->frag_len, sum, bad ? bad : "-");
}

static void ev_lost(gpointer ctx, const WtH2FrameHeader *h, WtH2LostWhy why)
{
  g_string_append_printf(ctx, "L%s/%d ", wt_h2_frame_type_name(h->type), why);
}

static void ev_anomaly(gpointer ctx, const char *reason)
{
  g_string_append_printf(ctx, "A%s ", reason);
}

static void ev_resync(gpointer ctx, gboolean found, guint64 skipped)
{
  g_string_append_printf(ctx, "R%s/%" G_GUINT64_FORMAT " ", found ? "found" : "lost", skipped);
}

static const WtH2FramerSink ev_sink = { ev_frame, ev_lost, ev_anomaly, ev_resync };

/* Feeds `all` in pieces of `step` bytes the way the reassembler does (unconsumed bytes are
 * offered again with more), each time from right before the guard page. */
static char *feed_steps(const guint8 *all, gsize n, gsize step, gboolean preface)
{
  WtH2Framer fr;
  wt_h2_framer_init(&fr, preface);
  GString *ev = g_string_new("");
  g_autoptr(GByteArray) pend = g_byte_array_new();
  for (gsize i = 0; i < n; i += step) {
    g_byte_array_append(pend, all + i, (guint) MIN(step, n - i));
    gsize c = wt_h2_framer_feed(&fr, guarded(pend->data, pend->len), pend->len, &ev_sink, ev);
    g_assert_cmpuint(c, <=, pend->len);
    g_byte_array_remove_range(pend, 0, (guint) c);
  }
  g_assert_cmpuint(pend->len, ==, 0);
  return g_string_free(ev, FALSE);
}

static GByteArray *every_frame_type(void)
{
  GByteArray *b = g_byte_array_new();
  g_byte_array_append(b, (const guint8 *) WT_H2_PREFACE, WT_H2_PREFACE_LEN);
  guint8 settings[12] = { 0, 1, 0, 0, 0x10, 0, 0, 5, 0, 0, 0x40, 0 }; /* 4096, 16384 */
  put_frame(b, WT_H2_SETTINGS, 0, 0, settings, sizeof settings);
  put_frame(b, WT_H2_SETTINGS, WT_H2_FLAG_ACK, 0, NULL, 0);
  /* HEADERS with padding (2) and priority, then a CONTINUATION */
  guint8 hd[1 + 5 + 3 + 2] = { 2, 0x80, 0, 0, 0, 15, 0x82, 0x86, 0x84, 0, 0 };
  put_frame(b, WT_H2_HEADERS, WT_H2_FLAG_PADDED | WT_H2_FLAG_PRIORITY, 1, hd, sizeof hd);
  guint8 cont[2] = { 0x41, 0x00 };
  put_frame(b, WT_H2_CONTINUATION, WT_H2_FLAG_END_HEADERS, 1, cont, sizeof cont);
  guint8 data[1 + 5 + 3] = { 3, 'h', 'e', 'l', 'l', 'o', 0, 0, 0 };
  put_frame(b, WT_H2_DATA, WT_H2_FLAG_PADDED | WT_H2_FLAG_END_STREAM, 1, data, sizeof data);
  guint8 prio[5] = { 0, 0, 0, 1, 200 };
  put_frame(b, WT_H2_PRIORITY, 0, 3, prio, sizeof prio);
  guint8 rst[4] = { 0, 0, 0, 8 };
  put_frame(b, WT_H2_RST_STREAM, 0, 3, rst, sizeof rst);
  guint8 pp[4 + 1] = { 0, 0, 0, 2, 0x82 };
  put_frame(b, WT_H2_PUSH_PROMISE, WT_H2_FLAG_END_HEADERS, 1, pp, sizeof pp);
  guint8 ping[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  put_frame(b, WT_H2_PING, 0, 0, ping, sizeof ping);
  guint8 wu[4] = { 0, 1, 0, 0 };
  put_frame(b, WT_H2_WINDOW_UPDATE, 0, 0, wu, sizeof wu);
  guint8 ga[8 + 3] = { 0, 0, 0, 1, 0, 0, 0, 0, 'b', 'y', 'e' };
  put_frame(b, WT_H2_GOAWAY, 0, 0, ga, sizeof ga);
  put_frame(b, 0x42, 0, 7, "ext", 3); /* an extension type: ignored */
  /* malformed, but the framing goes on */
  put_frame(b, WT_H2_PING, 0, 0, ping, 4);           /* bad_frame_size */
  put_frame(b, WT_H2_DATA, 0, 0, "x", 1);            /* bad_stream_id */
  guint8 badpad[3] = { 5, 'a', 'b' };
  put_frame(b, WT_H2_DATA, WT_H2_FLAG_PADDED, 5, badpad, sizeof badpad); /* bad_padding */
  guint8 wu0[4] = { 0 };
  put_frame(b, WT_H2_WINDOW_UPDATE, 0, 1, wu0, sizeof wu0); /* bad_window_increment */
  guint8 self[5] = { 0, 0, 0, 9, 1 };
  put_frame(b, WT_H2_PRIORITY, 0, 9, self, sizeof self); /* self_dependency */
  put_frame(b, WT_H2_SETTINGS, WT_H2_FLAG_ACK, 0, settings, 6); /* ACK with a payload */
  return b;
}

static const char every_frame_events[] =
  "FSETTINGS/00/0/0/0/- FSETTINGS/01/0/0/0/- FHEADERS/28/1/3/396/- "
  "FCONTINUATION/04/1/2/65/- FDATA/09/1/5/0/- FPRIORITY/00/3/0/0/- FRST_STREAM/00/3/0/0/- "
  "FPUSH_PROMISE/04/1/1/130/- FPING/00/0/0/0/- FWINDOW_UPDATE/00/0/0/0/- "
  "FGOAWAY/00/0/0/0/- Funknown/00/7/0/0/- FPING/00/0/0/0/http2.bad_frame_size "
  "FDATA/00/0/0/0/http2.bad_stream_id FDATA/08/5/0/0/http2.bad_padding "
  "FWINDOW_UPDATE/00/1/0/0/http2.bad_window_increment FPRIORITY/00/9/0/0/http2.self_dependency "
  "FSETTINGS/01/0/0/0/http2.bad_frame_size ";

static void test_framer_splits(void)
{
  g_autoptr(GByteArray) b = every_frame_type();
  for (gsize step = 1; step <= b->len; step++) {
    g_autofree char *ev = feed_steps(b->data, b->len, step, TRUE);
    g_assert_cmpstr(ev, ==, every_frame_events);
  }
}

static void test_frame_fields(void)
{
  WtH2FrameHeader h;
  WtH2Fields f;
  guint8 hdr[9] = { 0, 0, 8, WT_H2_GOAWAY, 0, 0x80, 0, 0, 0 };
  g_assert_false(wt_h2_frame_header_parse(guarded(hdr, 8), 8, &h));
  g_assert_true(wt_h2_frame_header_parse(guarded(hdr, 9), 9, &h));
  g_assert_cmpuint(h.stream_id, ==, 0); /* the reserved bit is not part of the id */
  guint8 ga[8];
  put_be32(ga, 0x80000007u);
  put_be32(ga + 4, 11);
  g_assert_null(wt_h2_frame_fields(&h, guarded(ga, 8), 8, &f));
  g_assert_cmpuint(f.last_stream_id, ==, 7);
  g_assert_cmpuint(f.error_code, ==, 11);
  g_assert_cmpstr(wt_h2_error_name(f.error_code), ==, "ENHANCE_YOUR_CALM");
  g_assert_null(wt_h2_error_name(14));
  /* a short GOAWAY */
  h.length = 7;
  g_assert_cmpstr(wt_h2_frame_fields(&h, guarded(ga, 7), 7, &f), ==, "http2.bad_frame_size");
  /* HEADERS whose priority does not fit */
  WtH2FrameHeader hh = { 3, WT_H2_HEADERS, WT_H2_FLAG_PRIORITY, 1 };
  g_assert_cmpstr(wt_h2_frame_fields(&hh, guarded(ga, 3), 3, &f), ==, "http2.bad_frame_size");
  /* PUSH_PROMISE with padding longer than what is left */
  guint8 pp[6] = { 3, 0, 0, 0, 2, 0x82 };
  WtH2FrameHeader ph = { 6, WT_H2_PUSH_PROMISE, WT_H2_FLAG_PADDED, 1 };
  g_assert_cmpstr(wt_h2_frame_fields(&ph, guarded(pp, 6), 6, &f), ==, "http2.bad_padding");
  /* settings: names, values, checks */
  guint8 st[12] = { 0, 5, 0, 0, 0x10, 0, 0, 2, 0, 0, 0, 2 };
  WtH2SettingsIter it = { guarded(st, 12), 12, 0 };
  guint16 id;
  guint32 v;
  g_assert_true(wt_h2_settings_next(&it, &id, &v));
  g_assert_cmpstr(wt_h2_setting_name(id), ==, "MAX_FRAME_SIZE");
  g_assert_cmpstr(wt_h2_setting_check(id, v), ==, "http2.bad_setting_value"); /* 4096 < 16384 */
  g_assert_true(wt_h2_settings_next(&it, &id, &v));
  g_assert_cmpstr(wt_h2_setting_check(id, v), ==, "http2.bad_setting_value"); /* ENABLE_PUSH 2 */
  g_assert_false(wt_h2_settings_next(&it, &id, &v));
}

static void test_framer_limits_and_gaps(void)
{
  /* a frame above SETTINGS_MAX_FRAME_SIZE is counted, and still read */
  g_autoptr(GByteArray) b = g_byte_array_new();
  g_autofree guint8 *big = g_malloc0(WT_H2_MAX_BUFFERED_FRAME + 10);
  put_frame(b, WT_H2_DATA, 0, 1, big, 20000);
  put_frame(b, WT_H2_HEADERS, WT_H2_FLAG_END_HEADERS, 3, big, WT_H2_MAX_BUFFERED_FRAME + 10);
  put_frame(b, WT_H2_PING, 0, 0, big, 8);
  g_autofree char *ev = feed_steps(b->data, b->len, 1000, FALSE);
  g_assert_cmpstr(ev, ==, "Ahttp2.frame_too_large FDATA/00/1/20000/0/- Ahttp2.frame_too_large LHEADERS/0 "
                          "FPING/00/0/0/0/- ");

  /* gaps: inside a DATA payload and inside a buffered payload the framing goes on; over
   * a frame header it is lost */
  WtH2Framer fr;
  GString *e = g_string_new("");
  wt_h2_framer_init(&fr, FALSE);
  g_autoptr(GByteArray) d = g_byte_array_new();
  put_frame(d, WT_H2_DATA, 0, 1, big, 100);
  gsize c = wt_h2_framer_feed(&fr, guarded(d->data, 30), 30, &ev_sink, e);
  g_assert_cmpuint(c, ==, 30);
  g_assert_true(wt_h2_framer_gap(&fr, 50, &ev_sink, e));  /* 29 of 100 left */
  g_assert_cmpuint(fr.skip, ==, 29);
  g_assert_cmpuint(wt_h2_framer_feed(&fr, guarded(big, 29), 29, &ev_sink, e), ==, 29);
  g_assert_cmpint(fr.phase, ==, WT_H2_FR_HEADER);
  g_autoptr(GByteArray) h = g_byte_array_new();
  put_frame(h, WT_H2_HEADERS, WT_H2_FLAG_END_HEADERS, 3, big, 40);
  c = wt_h2_framer_feed(&fr, guarded(h->data, 20), 20, &ev_sink, e);
  g_assert_cmpuint(c, ==, 9); /* the header; the payload waits whole */
  g_assert_true(wt_h2_framer_gap(&fr, 40, &ev_sink, e)); /* the whole payload lost */
  g_assert_cmpint(fr.phase, ==, WT_H2_FR_HEADER);
  g_assert_false(wt_h2_framer_gap(&fr, 5, &ev_sink, e)); /* over the next header */
  g_assert_cmpint(fr.phase, ==, WT_H2_FR_RESYNC);
  /* zeros are no frame header (DATA on stream 0): searched, all but the last 8 consumed */
  g_assert_cmpuint(wt_h2_framer_feed(&fr, guarded(big, 9), 9, &ev_sink, e), ==, 1);
  g_assert_cmpint(fr.phase, ==, WT_H2_FR_RESYNC);
  g_autofree char *s = g_string_free(e, FALSE);
  g_assert_cmpstr(s, ==, "FDATA/00/1/100/0/- LHEADERS/1 ");

  /* not a preface */
  wt_h2_framer_init(&fr, TRUE);
  e = g_string_new("");
  g_assert_cmpuint(wt_h2_framer_feed(&fr, guarded("GET / HTTP/1.1\r\n", 16), 16, &ev_sink, e),
                   ==, 16);
  g_autofree char *s2 = g_string_free(e, FALSE);
  g_assert_cmpstr(s2, ==, "Ahttp2.bad_preface ");
}

/* --- sessions ------------------------------------------------------------------------- */

typedef struct {
  nghttp2_hd_deflater *def[2]; /* the client's and the server's encoders */
  GByteArray *out[2];
} Conv;

static void conv_init(Conv *c)
{
  for (int i = 0; i < 2; i++) {
    g_assert_cmpint(nghttp2_hd_deflate_new(&c->def[i], 16384), ==, 0); /* may grow */
    c->out[i] = g_byte_array_new();
  }
  g_byte_array_append(c->out[0], (const guint8 *) WT_H2_PREFACE, WT_H2_PREFACE_LEN);
}

static void conv_clear(Conv *c)
{
  for (int i = 0; i < 2; i++) {
    nghttp2_hd_deflate_del(c->def[i]);
    g_byte_array_unref(c->out[i]);
  }
}

/* A header block from side `dir` ("name", "value", ... NULL) as HEADERS (+ CONTINUATION
 * when split > 0: the first `split` bytes in HEADERS). */
static void headers(Conv *c, int dir, guint32 sid, gboolean end_stream, gsize split, ...)
{
  nghttp2_nv nv[32];
  gsize n = 0;
  va_list ap;
  va_start(ap, split);
  const char *name;
  while ((name = va_arg(ap, const char *))) {
    const char *value = va_arg(ap, const char *);
    nv[n++] = (nghttp2_nv) { (guint8 *) name, (guint8 *) value, strlen(name), strlen(value),
                             NGHTTP2_NV_FLAG_NONE };
  }
  va_end(ap);
  guint8 buf[4096];
  ssize_t len = nghttp2_hd_deflate_hd(c->def[dir], buf, sizeof buf, nv, n);
  g_assert_cmpint(len, >, 0);
  guint8 es = end_stream ? WT_H2_FLAG_END_STREAM : 0;
  if (split && split < (gsize) len) {
    put_frame(c->out[dir], WT_H2_HEADERS, es, sid, buf, split);
    put_frame(c->out[dir], WT_H2_CONTINUATION, WT_H2_FLAG_END_HEADERS, sid, buf + split,
              (gsize) len - split);
  } else {
    put_frame(c->out[dir], WT_H2_HEADERS, es | WT_H2_FLAG_END_HEADERS, sid, buf, (gsize) len);
  }
}

typedef struct {
  gpointer http, h2;
  WtAnomalies *anomalies;
  WtAppContext ctx;
} Taps;

static void taps_init(Taps *t)
{
  t->http = wt_http_dissector.stats_new();
  t->h2 = wt_http2_dissector.stats_new();
  g_assert_cmpstr(wt_http2_dissector.tap_of, ==, "http");
  wt_http2_dissector.tap_link(t->h2, t->http);
  t->anomalies = wt_anomalies_new();
  memset(&t->ctx, 0, sizeof t->ctx);
  t->ctx.anomalies = t->anomalies;
}

static void taps_clear(Taps *t)
{
  wt_http_dissector.stats_free(t->http);
  wt_http2_dissector.stats_free(t->h2);
  wt_anomalies_free(t->anomalies);
}

/* Both directions, client first, in pieces of `step` bytes; `gap_at`/`gap_len`: a gap in
 * the server's direction at that offset. */
static void run(Taps *t, Conv *c, gsize step, gsize gap_at, gsize gap_len)
{
  WtConnInfo ci = { .orig_p = 40000, .resp_p = 8080, .proto = 6 };
  gpointer s = wt_http2_dissector.session_new(t->h2, &t->ctx, &ci);
  for (int dir = 0; dir < 2; dir++) {
    g_autoptr(GByteArray) pend = g_byte_array_new();
    const GByteArray *all = c->out[dir];
    for (gsize i = 0; i < all->len;) {
      if (dir == 1 && gap_len && i == gap_at) {
        g_byte_array_set_size(pend, 0);
        wt_http2_dissector.gap(s, WT_DIR_RESP, gap_len);
        i += gap_len;
        continue;
      }
      gsize n = MIN(step, all->len - i);
      if (dir == 1 && gap_len && i < gap_at && i + n > gap_at)
        n = gap_at - i;
      g_byte_array_append(pend, all->data + i, (guint) n);
      i += n;
      gsize used = wt_http2_dissector.deliver(s, (WtDir) dir, guarded(pend->data, pend->len),
                                              pend->len, 1000000 * (gint64) (dir + 1) + (gint64) i);
      g_byte_array_remove_range(pend, 0, (guint) used);
    }
  }
  wt_http2_dissector.session_free(s);
}

static guint64 h2get(Taps *t, const char *k)
{
  return wt_http2_stats_get(t->h2, k);
}

static void test_session_transactions(void)
{
  for (gsize step = 1; step <= 64; step = step * 2 + 1) {
    Conv c;
    Taps t;
    conv_init(&c);
    taps_init(&t);
    put_frame(c.out[1], WT_H2_SETTINGS, 0, 0, NULL, 0);
    /* 1: GET -> 100, 200 with a body and trailers; split into HEADERS + CONTINUATION */
    headers(&c, 0, 1, TRUE, 5, ":method", "GET", ":scheme", "http", ":authority",
            "Example.test", ":path", "/a/123?q=1", "user-agent", "unit/1", NULL);
    headers(&c, 1, 1, FALSE, 0, ":status", "100", NULL);
    headers(&c, 1, 1, FALSE, 0, ":status", "200", "content-type", "Text/HTML; charset=utf-8",
            NULL);
    put_frame(c.out[1], WT_H2_DATA, 0, 1, "hello", 5);
    headers(&c, 1, 1, TRUE, 0, "grpc-status", "0", NULL);
    /* 3: POST with a body -> 201 */
    headers(&c, 0, 3, FALSE, 0, ":method", "POST", ":scheme", "http", ":authority",
            "example.test", ":path", "/items", NULL);
    put_frame(c.out[0], WT_H2_DATA, WT_H2_FLAG_END_STREAM, 3, "0123456789", 10);
    headers(&c, 1, 3, TRUE, 0, ":status", "201", NULL);
    /* 5: reset by the client before any response */
    headers(&c, 0, 5, TRUE, 0, ":method", "GET", ":scheme", "http", ":authority",
            "example.test", ":path", "/slow", NULL);
    guint8 rst[4] = { 0, 0, 0, 8 };
    put_frame(c.out[0], WT_H2_RST_STREAM, 0, 5, rst, 4);
    /* 7 and 9: GOAWAY with last-stream-id 7: 9 refused, 7 answered after it */
    headers(&c, 0, 7, TRUE, 0, ":method", "DELETE", ":scheme", "http", ":authority",
            "example.test", ":path", "/items/7", NULL);
    headers(&c, 0, 9, TRUE, 0, ":method", "GET", ":scheme", "http", ":authority",
            "example.test", ":path", "/late", NULL);
    guint8 ga[8] = { 0, 0, 0, 7, 0, 0, 0, 0 };
    put_frame(c.out[1], WT_H2_GOAWAY, 0, 0, ga, 8);
    headers(&c, 1, 7, TRUE, 0, ":status", "204", NULL);
    run(&t, &c, step, 0, 0);

    WtHttpStats *hs = t.http;
    g_assert_cmpuint(wt_http_stats_get(hs, "requests"), ==, 4); /* 1, 3, 5 (reset), 7 */
    g_assert_cmpuint(wt_http_stats_get(hs, "unanswered"), ==, 1);
    g_assert_cmpuint(wt_http_stats_method_count(hs, "GET"), ==, 2); /* 1 and the reset 5 */
    g_assert_cmpuint(wt_http_stats_method_count(hs, "POST"), ==, 1);
    g_assert_cmpuint(wt_http_stats_method_count(hs, "DELETE"), ==, 1);
    g_assert_cmpuint(wt_http_stats_status_count(hs, 100), ==, 1);
    g_assert_cmpuint(wt_http_stats_status_count(hs, 200), ==, 1);
    g_assert_cmpuint(wt_http_stats_status_count(hs, 201), ==, 1);
    g_assert_cmpuint(wt_http_stats_status_count(hs, 204), ==, 1);
    g_assert_cmpuint(wt_http_stats_get(hs, "interim"), ==, 1);
    g_assert_cmpuint(wt_http_stats_get(hs, "response_body_bytes"), ==, 5);
    g_assert_cmpuint(wt_http_stats_get(hs, "request_body_bytes"), ==, 10);
    g_assert_cmpuint(wt_http_stats_version_count(hs, "2"), ==, 4);
    g_assert_cmpuint(wt_http_stats_top_count(hs, "hosts", "example.test"), ==, 4);
    g_assert_cmpuint(wt_http_stats_top_count(hs, "uris", "/a/123"), ==, 1);
    g_assert_cmpuint(wt_http_stats_top_count(hs, "endpoints", "GET /a/{id}"), ==, 1);
    g_assert_cmpuint(wt_http_stats_top_count(hs, "content_types", "text/html"), ==, 1);
    g_assert_cmpuint(wt_http_stats_top_count(hs, "user_agents", "unit/1"), ==, 1);
    g_assert_cmpuint(wt_http_stats_get(hs, "incomplete"), ==, 1); /* the reset one */
    g_assert_cmpuint(h2get(&t, "streams"), ==, 5);
    g_assert_cmpuint(h2get(&t, "streams_reset"), ==, 1);
    g_assert_cmpuint(h2get(&t, "streams_refused"), ==, 1);
    g_assert_cmpuint(h2get(&t, "trailers"), ==, 1);
    g_assert_cmpuint(h2get(&t, "interim"), ==, 1);
    g_assert_cmpuint(h2get(&t, "hpack_desync"), ==, 0);
    g_assert_cmpuint(wt_http2_stats_count(t.h2, "rst_stream_errors", "CANCEL"), ==, 1);
    g_assert_cmpuint(wt_http2_stats_count(t.h2, "goaway_errors", "NO_ERROR"), ==, 1);
    g_assert_cmpuint(wt_http2_stats_count(t.h2, "frames", "CONTINUATION"), ==, 1);
    g_autoptr(GPtrArray) names = wt_anomalies_names(t.anomalies);
    g_assert_cmpuint(names->len, ==, 0);
    taps_clear(&t);
    conv_clear(&c);
  }
}

/* The client allows a larger table: the server's encoder uses it (a dynamic table size
 * update above the default 4096), which decodes only if the setting was honoured. */
static void test_header_table_size(void)
{
  Conv c;
  Taps t;
  conv_init(&c);
  taps_init(&t);
  guint8 st[6] = { 0, 1, 0, 0, 0x20, 0 }; /* HEADER_TABLE_SIZE 8192 */
  put_frame(c.out[0], WT_H2_SETTINGS, 0, 0, st, 6);
  g_assert_cmpint(nghttp2_hd_deflate_change_table_size(c.def[1], 8192), ==, 0);
  headers(&c, 0, 1, TRUE, 0, ":method", "GET", ":scheme", "http", ":path", "/", NULL);
  headers(&c, 1, 1, TRUE, 0, ":status", "200", NULL);
  run(&t, &c, 7, 0, 0);
  g_assert_cmpuint(wt_http_stats_status_count(t.http, 200), ==, 1);
  g_assert_cmpuint(wt_anomaly_get(t.anomalies, "http2.hpack_error"), ==, 0);
  taps_clear(&t);
  conv_clear(&c);

  /* without the setting the same update is a decoding error, counted, never guessed */
  conv_init(&c);
  taps_init(&t);
  g_assert_cmpint(nghttp2_hd_deflate_change_table_size(c.def[1], 8192), ==, 0);
  headers(&c, 0, 1, TRUE, 0, ":method", "GET", ":scheme", "http", ":path", "/", NULL);
  headers(&c, 1, 1, TRUE, 0, ":status", "200", NULL);
  headers(&c, 0, 3, TRUE, 0, ":method", "GET", ":scheme", "http", ":path", "/b", NULL);
  headers(&c, 1, 3, TRUE, 0, ":status", "404", NULL);
  run(&t, &c, 7, 0, 0);
  g_assert_cmpuint(wt_anomaly_get(t.anomalies, "http2.hpack_error"), ==, 1);
  g_assert_cmpuint(wt_anomaly_get(t.anomalies, "http2.hpack_desync"), ==, 1);
  g_assert_cmpuint(wt_http_stats_status_count(t.http, 200), ==, 0);
  g_assert_cmpuint(wt_http_stats_status_count(t.http, 404), ==, 0);
  g_assert_cmpuint(wt_http_stats_get(t.http, "requests"), ==, 2); /* answers not decoded */
  taps_clear(&t);
  conv_clear(&c);
}

/* A client allowing a table over 64 KiB (1,000,000 bytes): the server's table is kept at
 * 64 KiB (header_table_capped). An encoder using 16 KiB of it decodes; one using 128 KiB
 * sends a table size update above the cap, a decoding error, counted. */
static void test_header_table_capped(void)
{
  const gsize encoder_max[2] = { 16384, 131072 };
  for (int i = 0; i < 2; i++) {
    Conv c;
    Taps t;
    conv_init(&c);
    taps_init(&t);
    nghttp2_hd_deflate_del(c.def[1]);
    g_assert_cmpint(nghttp2_hd_deflate_new(&c.def[1], encoder_max[i]), ==, 0);
    guint8 st[6] = { 0, 1, 0x00, 0x0f, 0x42, 0x40 }; /* HEADER_TABLE_SIZE 1,000,000 */
    put_frame(c.out[0], WT_H2_SETTINGS, 0, 0, st, 6);
    g_assert_cmpint(nghttp2_hd_deflate_change_table_size(c.def[1], 1000000), ==, 0);
    headers(&c, 0, 1, TRUE, 0, ":method", "GET", ":scheme", "http", ":path", "/", NULL);
    headers(&c, 1, 1, TRUE, 0, ":status", "200", NULL);
    run(&t, &c, 7, 0, 0);
    g_assert_cmpuint(wt_anomaly_get(t.anomalies, "http2.header_table_capped"), ==, 1);
    g_assert_cmpuint(wt_anomaly_get(t.anomalies, "http2.hpack_error"), ==, (guint64) i);
    g_assert_cmpuint(wt_http_stats_status_count(t.http, 200), ==, i == 0 ? 1 : 0);
    g_assert_cmpuint(wt_http_stats_get(t.http, "requests"), ==, 1);
    taps_clear(&t);
    conv_clear(&c);
  }
}

/* A gap inside the server's header block: its HPACK state is unknown from then on, later
 * blocks are counted (hpack_desync) and no status is invented; a gap inside DATA only
 * loses bytes. */
static void test_gap_desync(void)
{
  Conv c;
  Taps t;
  conv_init(&c);
  taps_init(&t);
  headers(&c, 0, 1, TRUE, 0, ":method", "GET", ":scheme", "http", ":path", "/1", NULL);
  headers(&c, 0, 3, TRUE, 0, ":method", "GET", ":scheme", "http", ":path", "/2", NULL);
  headers(&c, 0, 5, TRUE, 0, ":method", "GET", ":scheme", "http", ":path", "/3", NULL);
  g_autofree guint8 *zeros = g_malloc0(1000);
  headers(&c, 1, 1, FALSE, 0, ":status", "200", NULL);
  put_frame(c.out[1], WT_H2_DATA, WT_H2_FLAG_END_STREAM, 1, zeros, 1000);
  gsize gap_data = c.out[1]->len - 500; /* inside the DATA payload */
  gsize hdr3 = c.out[1]->len;
  headers(&c, 1, 3, TRUE, 0, ":status", "404", "server", "unit-test-server-name", NULL);
  headers(&c, 1, 5, TRUE, 0, ":status", "503", "server", "unit-test-server-name", NULL);
  /* first: the gap inside DATA keeps everything decodable */
  run(&t, &c, 100, gap_data, 100);
  g_assert_cmpuint(wt_http_stats_status_count(t.http, 404), ==, 1);
  g_assert_cmpuint(wt_http_stats_status_count(t.http, 503), ==, 1);
  g_assert_cmpuint(h2get(&t, "hpack_desync"), ==, 0);
  taps_clear(&t);
  /* then: a gap inside stream 3's header block payload (its first 3 bytes) */
  taps_init(&t);
  run(&t, &c, 100, hdr3 + 9, 3);
  g_assert_cmpuint(wt_http_stats_status_count(t.http, 200), ==, 1);
  g_assert_cmpuint(wt_http_stats_status_count(t.http, 404), ==, 0);
  g_assert_cmpuint(wt_http_stats_status_count(t.http, 503), ==, 0);
  g_assert_cmpuint(h2get(&t, "hpack_desync"), ==, 1);
  g_assert_cmpuint(wt_anomaly_get(t.anomalies, "http2.hpack_desync"), ==, 1);
  g_assert_cmpuint(wt_http_stats_get(t.http, "requests"), ==, 3);
  g_assert_cmpuint(wt_http_stats_get(t.http, "answer_not_captured"), ==, 2);
  taps_clear(&t);
  conv_clear(&c);
}

/* CONTINUATION flood: the cap stops decoding, the framing goes on. */
static void test_continuation_flood(void)
{
  Conv c;
  Taps t;
  conv_init(&c);
  taps_init(&t);
  guint8 lit[3] = { 0x40, 0x01, 'x' }; /* a field name's start: never completed */
  put_frame(c.out[0], WT_H2_HEADERS, 0, 1, lit, 1);
  for (int i = 0; i < 100; i++)
    put_frame(c.out[0], WT_H2_CONTINUATION, 0, 1, lit + 1, 1);
  put_frame(c.out[0], WT_H2_CONTINUATION, WT_H2_FLAG_END_HEADERS, 1, lit + 2, 1);
  guint8 ping[8] = { 0 };
  put_frame(c.out[0], WT_H2_PING, 0, 0, ping, 8);
  run(&t, &c, 50, 0, 0);
  g_assert_cmpuint(wt_anomaly_get(t.anomalies, "http2.continuation_flood"), ==, 1);
  g_assert_cmpuint(wt_http2_stats_count(t.h2, "frames", "PING"), ==, 1);
  g_assert_cmpuint(wt_http_stats_get(t.http, "requests"), ==, 0);
  taps_clear(&t);
  conv_clear(&c);
}

/* After a gap over a frame header the framer looks for the next one: a lone plausible
 * header (an RST_STREAM) followed by no other is passed over; a header followed by
 * another is taken. No header within the scan limit: given up. */
static void test_framer_resync(void)
{
  g_autoptr(GByteArray) b = g_byte_array_new();
  guint8 junk[40];
  memset(junk, 'x', sizeof junk);
  g_byte_array_append(b, junk, 13);
  guint8 code[4] = { 0, 0, 0, 8 };
  put_frame(b, WT_H2_RST_STREAM, 0, 1, code, sizeof code); /* then junk: no chain */
  g_byte_array_append(b, junk, sizeof junk);
  gsize skipped = b->len;
  guint8 block[3] = { 0x88, 0x82, 0x84 };
  put_frame(b, WT_H2_HEADERS, WT_H2_FLAG_END_HEADERS, 3, block, sizeof block);
  put_frame(b, WT_H2_DATA, WT_H2_FLAG_END_STREAM, 3, junk, 5);
  guint8 ping[8] = { 0 };
  put_frame(b, WT_H2_PING, 0, 0, ping, sizeof ping);
  for (gsize step = 1; step <= b->len; step += 6) {
    WtH2Framer fr;
    wt_h2_framer_init(&fr, FALSE);
    GString *e = g_string_new("");
    g_assert_false(wt_h2_framer_gap(&fr, 100, &ev_sink, e));
    g_autoptr(GByteArray) pend = g_byte_array_new();
    for (gsize i = 0; i < b->len; i += step) {
      g_byte_array_append(pend, b->data + i, (guint) MIN(step, b->len - i));
      gsize c = wt_h2_framer_feed(&fr, guarded(pend->data, pend->len), pend->len, &ev_sink, e);
      g_byte_array_remove_range(pend, 0, (guint) c);
    }
    g_autofree char *got = g_string_free(e, FALSE);
    g_autofree char *want = g_strdup_printf("Rfound/%zu FHEADERS/04/3/3/%u/- FDATA/01/3/5/0/- "
                                            "FPING/00/0/0/0/- ", skipped, 0x88u + 0x82 + 0x84);
    g_assert_cmpstr(got, ==, want);
  }
  /* nothing but junk: searched up to the limit, then given up */
  WtH2Framer fr;
  wt_h2_framer_init(&fr, FALSE);
  GString *e = g_string_new("");
  g_assert_false(wt_h2_framer_gap(&fr, 1, &ev_sink, e));
  g_autofree guint8 *lots = g_malloc(65536);
  memset(lots, 'x', 65536);
  gsize left = 0;
  for (guint i = 0; i < 20 && fr.phase == WT_H2_FR_RESYNC; i++) {
    gsize c = wt_h2_framer_feed(&fr, guarded(lots, 65536), 65536, &ev_sink, e);
    left = 65536 - c;
    g_assert_cmpuint(left, <, WT_H2_FRAME_HEADER_LEN);
  }
  g_assert_cmpint(fr.phase, ==, WT_H2_FR_LOST);
  g_autofree char *got = g_string_free(e, FALSE);
  g_assert_true(g_str_has_prefix(got, "Rlost/"));
  (void) left;
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/http2/frame/fields", test_frame_fields);
  g_test_add_func("/http2/frame/every-type-every-split", test_framer_splits);
  g_test_add_func("/http2/frame/limits-and-gaps", test_framer_limits_and_gaps);
  g_test_add_func("/http2/frame/resync", test_framer_resync);
  g_test_add_func("/http2/session/transactions", test_session_transactions);
  g_test_add_func("/http2/session/header-table-size", test_header_table_size);
  g_test_add_func("/http2/session/header-table-capped", test_header_table_capped);
  g_test_add_func("/http2/session/gap-desync", test_gap_desync);
  g_test_add_func("/http2/session/continuation-flood", test_continuation_flood);
  return g_test_run();
}
