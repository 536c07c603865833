/* Unit tests of the progress bar line and the live view's renderers: numbers computed here
 * by hand from the inputs given. */
#include <glib.h>
#include <string.h>

#include "analyzer/cli/live-view.h"
#include "analyzer/cli/progress.h"

static void test_progress_half(void)
{
  /* half the bytes in 10 s: 50.0 %, 10 s left; 1,000,000 packets in 10 s = 100,000/s */
  g_autofree char *line = wt_progress_format(500, 1000, 1000000, 10.0, 120);
  g_assert_nonnull(strstr(line, " 50.0%"));
  g_assert_nonnull(strstr(line, "1,000,000 packets"));
  g_assert_nonnull(strstr(line, "100,000 pkt/s"));
  g_assert_nonnull(strstr(line, "elapsed 00:10"));
  g_assert_nonnull(strstr(line, "left 00:10"));
  /* a bar of 10..30 cells, half of it full */
  const char *open = strchr(line, '['), *close = strchr(line, ']');
  g_assert_nonnull(open);
  g_assert_nonnull(close);
  glong cells = close - open - 1, full = 0;
  for (const char *p = open + 1; p < close; p++)
    full += *p == '#';
  g_assert_cmpint(cells, >=, 10);
  g_assert_cmpint(cells, <=, 30);
  g_assert_cmpint(full, ==, cells / 2);
}

static void test_progress_unknown_size(void)
{
  /* standard input: no percent, no bar, no remaining time */
  g_autofree char *line = wt_progress_format(12345, -1, 42, 2.0, 120);
  g_assert_null(strchr(line, '%'));
  g_assert_null(strchr(line, '['));
  g_assert_null(strstr(line, "left"));
  g_assert_nonnull(strstr(line, "42 packets"));
  g_assert_nonnull(strstr(line, "21 pkt/s"));
}

static void test_progress_narrow(void)
{
  /* never wider than the terminal, or \r could not erase a wrapped line */
  for (guint w = 20; w < 100; w += 7) {
    g_autofree char *line = wt_progress_format(1, 3, 123456789, 3725.0, w);
    g_assert_cmpint(wt_text_width(line), <=, (glong) w);
  }
}

static void test_durations(void)
{
  GString *s = g_string_new(NULL);
  wt_progress_format_duration(s, 3725); /* 1 h 2 min 5 s */
  g_assert_cmpstr(s->str, ==, "1:02:05");
  g_string_truncate(s, 0);
  wt_progress_format_duration(s, 59.4);
  g_assert_cmpstr(s->str, ==, "00:59");
  g_string_truncate(s, 0);
  wt_progress_format_duration(s, -1);
  g_assert_cmpstr(s->str, ==, "--:--");
  g_string_free(s, TRUE);
}

static void test_bits(void)
{
  GString *s = g_string_new(NULL);
  wt_format_bits_per_sec(s, 999);
  g_assert_cmpstr(s->str, ==, "999 bit/s");
  g_string_truncate(s, 0);
  wt_format_bits_per_sec(s, 12345678);
  g_assert_cmpstr(s->str, ==, "12.3 Mbit/s");
  g_string_free(s, TRUE);
}

static WtLiveFrame two_seconds(WtTalker *talkers)
{
  WtLiveFrame f;
  memset(&f, 0, sizeof f);
  f.iface = "veth0";
  f.interval_s = 2.0;
  f.every_s = 2.0;
  f.elapsed_s = 6.0;
  f.wall_ts_us = G_GINT64_CONSTANT(1700000000) * G_USEC_PER_SEC;
  f.prev.frames = 1000;
  f.now.frames = 1600;          /* 600 in 2 s: 300 pkt/s */
  f.prev.wire_bytes = 0;
  f.now.wire_bytes = 250000;    /* 2,000,000 bits in 2 s: 1.0 Mbit/s */
  f.prev.flows_created = 10;
  f.now.flows_created = 17;     /* 3.5 new/s */
  f.prev.http_requests = 4;
  f.now.http_requests = 44;     /* 20 requests/s */
  f.now.http_status[1] = 30;    /* 2xx: 15/s */
  f.now.http_status[3] = 6;     /* 4xx: 3.0/s */
  f.active = 9;
  f.have_drops = TRUE;
  f.dropped_prev = 5;
  f.dropped = 8;
  f.if_dropped = 1;
  memset(talkers, 0, 2 * sizeof *talkers);
  talkers[0].addr.family = 4;
  memcpy(talkers[0].addr.bytes, (guint8[]) { 10, 0, 0, 1 }, 4);
  talkers[0].bytes = 125000;    /* 0.5 Mbit/s */
  talkers[0].packets = 100;     /* 50 pkt/s */
  f.talkers = talkers;
  f.n_talkers = 1;
  return f;
}

/* Every line of the screen fits `width` display columns; at most `height` lines. */
static void assert_fits(const char *s, guint width, guint height)
{
  g_auto(GStrv) lines = g_strsplit(s, "\n", -1);
  guint n = g_strv_length(lines) - 1; /* after the last \n */
  g_assert_cmpuint(n, <=, height);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint(wt_text_width(lines[i]), <=, (glong) width);
}

static void test_live_screen(void)
{
  WtTalker t[2];
  WtLiveFrame f = two_seconds(t);
  WtLiveRow codes[] = { { "200", 15.0 }, { "404", 3.0 } };
  WtLiveRow methods[] = { { "GET", 20.0 } };
  WtLiveEndpoint eps[] = { { "GET", "/api/items/{id}/a-rather-long-endpoint-name-that-must-be-cut-"
                                    "to-the-screen", 40, 1.5, 12.25 } };
  double spark2xx[] = { 0, 5, 10, 15 };
  f.codes = codes;
  f.n_codes = 2;
  f.methods = methods;
  f.n_methods = 1;
  f.endpoints = eps;
  f.n_endpoints = 1;
  f.http_class[1] = (WtLiveSeries) { spark2xx, 4 };
  f.utf8 = TRUE;
  f.prev.tcp_opened = 2;
  f.now.tcp_opened = 10;        /* 4.0/s */
  f.now.tcp_refused = 1;        /* 0.5/s */
  g_autofree char *s = wt_live_view_render_screen(&f, FALSE);
  g_assert_nonnull(strstr(s, "veth0"));
  g_assert_nonnull(strstr(s, "[HTTP]"));
  g_assert_nonnull(strstr(s, "Packets/s 300   Bits/s 1.0 Mbit/s   Kernel drops 8 (3 now)"));
  g_assert_nonnull(strstr(s, "Connections 9 active, 3.5 new/s   TCP/s: 4.0 opened, 0.5 refused"));
  /* 36 responses in the interval, 6 of them 4xx */
  g_assert_nonnull(strstr(s, "HTTP 20.0 requests/s   44 in all   errors (4xx, 5xx) 16.7% of responses"));
  g_assert_nonnull(strstr(s, " 2xx             15.0/s  ▁▄▆█"));
  g_assert_nonnull(strstr(s, " 4xx              3.0/s"));
  g_assert_nonnull(strstr(s, " 200"));
  g_assert_nonnull(strstr(s, "GET /api/items/{id}/a-rather"));
  g_assert_nonnull(strstr(s, "       40      1.500     12.250"));
  g_assert_null(strchr(s, '\033')); /* no colour asked for */
  assert_fits(s, 80, 24);
  f.view = WT_LIVE_TALKERS;
  g_free(s);
  s = wt_live_view_render_screen(&f, FALSE);
  g_assert_nonnull(strstr(s, "10.0.0.1"));
  g_assert_nonnull(strstr(s, "500.0 kbit/s"));
  g_assert_nonnull(strstr(s, "50.0 pkt/s"));
  assert_fits(s, 80, 24);
  f.view = WT_LIVE_TCP;
  f.paused = TRUE;
  f.width = 100;
  f.height = 30;
  g_free(s);
  s = wt_live_view_render_screen(&f, TRUE);
  g_assert_nonnull(strstr(s, "PAUSED"));
  g_assert_nonnull(strstr(s, " opened           4.0/s"));
  g_assert_nonnull(strstr(s, " refused          0.5/s"));
  f.width = 80;
  f.height = 24;
  for (int v = 0; v < WT_LIVE_N_VIEWS; v++) {
    f.view = v;
    g_free(s);
    s = wt_live_view_render_screen(&f, FALSE);
    assert_fits(s, 80, 24);
  }
}

static void test_live_line(void)
{
  WtTalker t[2];
  WtLiveFrame f = two_seconds(t);
  g_autofree char *s = wt_live_view_render_line(&f);
  g_assert_nonnull(strstr(s, "veth0: 300 pkt/s, 1.0 Mbit/s, 9 active conns, 3.5 new conns/s, "
                             "20.0 HTTP req/s, status 1xx=0 2xx=30 3xx=0 4xx=6 5xx=0, drops 3, "
                             "top 10.0.0.1\n"));
  g_assert_cmpint(strchr(s, '\n') - s, ==, (glong) strlen(s) - 1); /* one line */
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ux/progress/half", test_progress_half);
  g_test_add_func("/ux/progress/unknown-size", test_progress_unknown_size);
  g_test_add_func("/ux/progress/narrow", test_progress_narrow);
  g_test_add_func("/ux/progress/durations", test_durations);
  g_test_add_func("/ux/live/bits", test_bits);
  g_test_add_func("/ux/live/screen", test_live_screen);
  g_test_add_func("/ux/live/line", test_live_line);
  return g_test_run();
}
