#include "analyzer/cli/live-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "analyzer/cli/progress.h"

#define HISTORY 256  /* refreshes kept for the sparklines (a minute at 0.25 s) */
enum { SERIES_HTTP = 0, SERIES_TCP = 5, N_SERIES = 5 + WT_LIVE_TCP_N };

struct WtLiveView {
  FILE *out;
  gint64 interval_us;
  gboolean tty, color, on_screen;
  guint top_n;
  gint64 start_us, last_us, due_us;
  guint refreshes;
  WtAnalyzerSnapshot prev;
  /* the HTTP series' timeline columns: requests, then 1xx .. 5xx (-1 when absent) */
  int http_series[6];
  gboolean http_series_known;
  guint64 dropped_prev;
  /* per-flow IP bytes and packets at the previous refresh, keyed by the flow's serial,
   * so top talkers show this interval's traffic */
  GHashTable *flow_bytes, *flow_pkts;
  /* the sparklines: a ring of per-second rates per series */
  double history[N_SERIES][HISTORY];
  guint hist_head, hist_len;
  /* the report's totals at the previous refresh (status codes, methods, hosts, URIs),
   * "kind\tname" -> count, so the tables show the interval */
  GHashTable *totals;
  /* keys */
  WtLiveViewKind view;
  gboolean paused, quit;
  gboolean raw;              /* stdin in non-canonical mode (restored at finish) */
  struct termios saved_tio;
  struct WtLiveData *data;   /* the last refresh's, drawn again on a key */
};

struct WtLiveData;
static void live_data_free(struct WtLiveData *d);

void wt_format_bits_per_sec(GString *out, double bps)
{
  static const char *const unit[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s" };
  guint u = 0;
  while (bps >= 1000.0 && u + 1 < G_N_ELEMENTS(unit)) {
    bps /= 1000.0;
    u++;
  }
  g_string_append_printf(out, u ? "%.1f %s" : "%.0f %s", bps, unit[u]);
}

static void append_rate(GString *out, guint64 delta, double dt)
{
  double r = dt > 0 ? (double) delta / dt : 0.0;
  if (r >= 100 || r == 0)
    wt_format_thousands(out, (guint64) (r + 0.5));
  else
    g_string_append_printf(out, "%.1f", r);
}

/* ---- the screen ------------------------------------------------------------------- */

#define LIVE_DEFAULT_W 80
#define LIVE_DEFAULT_H 24
#define SPARK_SECONDS 60.0

typedef struct {
  GString *o;        /* the screen so far */
  guint width, lines, max_lines;
  gboolean color;
} Screen;

/* Appends `line` cut to the screen's width (display columns), if a line is left. */
static void put(Screen *sc, const char *line)
{
  if (sc->lines >= sc->max_lines)
    return;
  glong w = 0;
  const char *p = line;
  while (*p && *p != '\n') {
    gunichar c = g_utf8_get_char_validated(p, -1);
    int cw = (c == (gunichar) -1 || c == (gunichar) -2) ? 1 : (g_unichar_iswide(c) ? 2 : 1);
    if (w + cw > (glong) sc->width)
      break;
    w += cw;
    const char *next = (c == (gunichar) -1 || c == (gunichar) -2) ? p + 1 : g_utf8_next_char(p);
    g_string_append_len(sc->o, p, next - p);
    p = next;
  }
  g_string_append_c(sc->o, '\n');
  sc->lines++;
}

static void put_title(Screen *sc, const char *text)
{
  if (!sc->color) {
    put(sc, text);
    return;
  }
  /* the escapes take no columns: cut the text first */
  Screen tmp = { g_string_new(NULL), sc->width, 0, 1, FALSE };
  put(&tmp, text);
  g_string_truncate(tmp.o, tmp.o->len - 1);
  g_autofree char *bold = g_strdup_printf("\033[1m%s\033[0m", tmp.o->str);
  g_string_free(tmp.o, TRUE);
  if (sc->lines < sc->max_lines) {
    g_string_append(sc->o, bold);
    g_string_append_c(sc->o, '\n');
    sc->lines++;
  }
}

/* `text` padded with blanks to `w` display columns (cut when longer). */
static void append_padded(GString *out, const char *text, glong w)
{
  Screen tmp = { g_string_new(NULL), (guint) MAX(w, 0), 0, 1, FALSE };
  put(&tmp, text);
  g_string_truncate(tmp.o, tmp.o->len - 1);
  g_string_append(out, tmp.o->str);
  for (glong i = wt_text_width(tmp.o->str); i < w; i++)
    g_string_append_c(out, ' ');
  g_string_free(tmp.o, TRUE);
}

/* `text` right-aligned in `w` display columns (printf's %*s counts bytes, not columns). */
static void append_right(GString *out, const char *text, glong w)
{
  for (glong i = wt_text_width(text); i < w; i++)
    g_string_append_c(out, ' ');
  g_string_append(out, text);
}

static char *rate_text(double per_sec)
{
  GString *t = g_string_new(NULL);
  if (per_sec >= 100 || per_sec == 0)
    wt_format_thousands(t, (guint64) (per_sec + 0.5));
  else
    g_string_append_printf(t, "%.1f", per_sec);
  return g_string_free(t, FALSE);
}

static double per_sec(guint64 now, guint64 prev, double dt)
{
  return dt > 0 && now > prev ? (double) (now - prev) / dt : 0.0;
}

/* The last `width` values of `s` as block characters, scaled to their maximum. */
static void append_sparkline(GString *out, const WtLiveSeries *s, guint width, gboolean utf8)
{
  static const char *const blocks[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
  static const char ascii[] = "_.-:=+*#";
  guint n = MIN(s->n, width), first = s->n - n;
  double max = 0;
  for (guint i = first; i < s->n; i++)
    max = MAX(max, s->v[i]);
  for (guint i = first; i < s->n; i++) {
    /* zero is the baseline; anything above it shows at least one step up */
    guint level = s->v[i] <= 0 || max <= 0 ? 0 : 1 + (guint) (s->v[i] / max * 6.999);
    if (utf8)
      g_string_append(out, blocks[level]);
    else
      g_string_append_c(out, ascii[level]);
  }
}

static void header(Screen *sc, const WtLiveFrame *f)
{
  GString *t = g_string_new(NULL);
  char clock[16] = "";
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local(f->wall_ts_us / G_USEC_PER_SEC);
  if (now) {
    g_autofree char *c = g_date_time_format(now, "%H:%M:%S");
    g_strlcpy(clock, c, sizeof clock);
  }
  wt_progress_format_duration(t, f->elapsed_s);
  static const char *const names[] = { N_("HTTP"), N_("TCP"), N_("talkers") };
  g_autofree char *head =
    /* TRANSLATORS: live view title: interface, clock time, refresh interval, elapsed,
     * the view shown */
    g_strdup_printf(_("wiretab on %s   %s   every %g s   running %s   [%s]%s"), f->iface,
                    clock, f->every_s, t->str, _(names[f->view]),
                    f->paused ? _("   PAUSED") : "");
  put_title(sc, head);
  g_string_free(t, TRUE);
}

/* Packets, bits, connections and drops: on top of every view. */
static void traffic_lines(Screen *sc, const WtLiveFrame *f)
{
  const WtAnalyzerSnapshot *n = &f->now, *p = &f->prev;
  double dt = f->interval_s;
  GString *l = g_string_new(NULL);
  g_autofree char *pps = rate_text(per_sec(n->frames, p->frames, dt));
  GString *bps = g_string_new(NULL);
  wt_format_bits_per_sec(bps, per_sec(n->wire_bytes, p->wire_bytes, dt) * 8.0);
  g_string_append_printf(l, _("Packets/s %s   Bits/s %s   Kernel drops "), pps, bps->str);
  if (f->have_drops) {
    GString *d = g_string_new(NULL);
    wt_format_thousands(d, f->dropped);
    g_string_append_printf(l, _("%s (%llu now)"), d->str,
                           (unsigned long long) (f->dropped - MIN(f->dropped_prev, f->dropped)));
    g_string_free(d, TRUE);
  } else {
    g_string_append(l, _("unknown"));
  }
  put(sc, l->str);
  g_string_truncate(l, 0);
  GString *act = g_string_new(NULL);
  wt_format_thousands(act, f->active);
  g_autofree char *newc = rate_text(per_sec(n->flows_created, p->flows_created, dt));
  g_autofree char *op = rate_text(per_sec(n->tcp_opened, p->tcp_opened, dt));
  g_autofree char *rf = rate_text(per_sec(n->tcp_refused, p->tcp_refused, dt));
  g_autofree char *rs = rate_text(per_sec(n->tcp_reset, p->tcp_reset, dt));
  g_string_append_printf(l, _("Connections %s active, %s new/s   TCP/s: %s opened, %s refused, "
                              "%s reset"), act->str, newc, op, rf, rs);
  put(sc, l->str);
  g_string_free(act, TRUE);
  g_string_free(bps, TRUE);
  g_string_free(l, TRUE);
}

/* Rows of two lists side by side, each half the width: "name  rate/s". */
static void two_columns(Screen *sc, const char *ltitle, const WtLiveRow *lr, guint ln,
                        const char *rtitle, const WtLiveRow *rr, guint rn, guint rows)
{
  glong half = (glong) sc->width / 2;
  GString *l = g_string_new(NULL);
  append_padded(l, ltitle, half);
  g_string_append(l, rtitle);
  put_title(sc, l->str);
  for (guint i = 0; i < rows; i++) {
    g_string_truncate(l, 0);
    for (int side = 0; side < 2; side++) {
      const WtLiveRow *r = side ? rr : lr;
      guint n = side ? rn : ln;
      GString *cell = g_string_new(" ");
      if (i < n) {
        g_autofree char *rate = rate_text(r[i].per_sec);
        glong name_w = half - 13;
        append_padded(cell, r[i].name, name_w);
        g_string_append_printf(cell, " %8s/s", rate);
      } else if (i == 0) {
        g_string_append(cell, _("(none)"));
      }
      if (side == 0)
        append_padded(l, cell->str, half);
      else
        g_string_append(l, cell->str);
      g_string_free(cell, TRUE);
    }
    put(sc, l->str);
  }
  g_string_free(l, TRUE);
}

static guint table_rows(const Screen *sc)
{
  /* three rows in 24 lines; a taller terminal gives each of the three blocks its share */
  return 3 + (sc->max_lines > LIVE_DEFAULT_H ? (sc->max_lines - LIVE_DEFAULT_H) / 3 : 0);
}

static void spark_line(Screen *sc, const char *name, double rate, const WtLiveSeries *s,
                       gboolean utf8)
{
  GString *l = g_string_new(" ");
  g_autofree char *r = rate_text(rate);
  append_padded(l, name, 12);
  g_string_append_printf(l, "%8s/s  ", r);
  glong used = wt_text_width(l->str);
  append_sparkline(l, s, (guint) MAX((glong) sc->width - used, 0), utf8);
  put(sc, l->str);
  g_string_free(l, TRUE);
}

static void http_view(Screen *sc, const WtLiveFrame *f)
{
  const WtAnalyzerSnapshot *n = &f->now, *p = &f->prev;
  double dt = f->interval_s;
  guint64 answered = 0, errors = 0;
  for (guint c = 0; c < 5; c++) {
    guint64 d = n->http_status[c] - MIN(p->http_status[c], n->http_status[c]);
    answered += d;
    if (c >= 3)
      errors += d;
  }
  g_autofree char *rps = rate_text(per_sec(n->http_requests, p->http_requests, dt));
  GString *tot = g_string_new(NULL);
  wt_format_thousands(tot, n->http_requests);
  g_autofree char *line =
    g_strdup_printf(_("HTTP %s requests/s   %s in all   errors (4xx, 5xx) %.1f%% of responses"),
                    rps, tot->str, answered ? 100.0 * (double) errors / (double) answered : 0.0);
  put(sc, line);
  g_string_free(tot, TRUE);
  put_title(sc, _("Status classes, responses/s over the last minute"));
  static const char *const cls[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
  for (guint c = 0; c < 5; c++)
    spark_line(sc, cls[c], per_sec(n->http_status[c], p->http_status[c], dt), &f->http_class[c],
               f->utf8);
  guint rows = table_rows(sc);
  two_columns(sc, _("Status codes (this interval)"), f->codes, f->n_codes,
              _("Methods (this interval)"), f->methods, f->n_methods, rows);
  GString *l = g_string_new(NULL);
  glong ew = (glong) sc->width - 32;
  append_padded(l, _("Slowest endpoints (time to first byte)"), ew + 1);
  append_right(l, _("requests"), 9);
  append_right(l, _("p50 ms"), 11);
  append_right(l, _("p99 ms"), 11);
  put_title(sc, l->str);
  for (guint i = 0; i < rows; i++) {
    g_string_assign(l, " ");
    if (i < f->n_endpoints) {
      const WtLiveEndpoint *e = &f->endpoints[i];
      g_autofree char *name = g_strdup_printf("%s %s", e->method, e->endpoint);
      append_padded(l, name, ew);
      g_string_append_printf(l, "%9" G_GUINT64_FORMAT " %10.3f %10.3f", e->requests, e->p50_ms,
                             e->p99_ms);
    } else if (i == 0) {
      g_string_append(l, _("(none)"));
    }
    put(sc, l->str);
  }
  g_string_free(l, TRUE);
  two_columns(sc, _("Top hosts (this interval)"), f->hosts, f->n_hosts,
              _("Top URIs (this interval)"), f->uris, f->n_uris, rows);
}

static void tcp_view(Screen *sc, const WtLiveFrame *f)
{
  const WtAnalyzerSnapshot *n = &f->now, *p = &f->prev;
  double dt = f->interval_s;
  put_title(sc, _("TCP connections per second over the last minute"));
  const char *names[WT_LIVE_TCP_N] = { _("opened"), _("established"), _("refused"),
                                       _("reset") };
  const guint64 now[WT_LIVE_TCP_N] = { n->tcp_opened, n->tcp_established, n->tcp_refused,
                                       n->tcp_reset };
  const guint64 prev[WT_LIVE_TCP_N] = { p->tcp_opened, p->tcp_established, p->tcp_refused,
                                        p->tcp_reset };
  for (guint i = 0; i < WT_LIVE_TCP_N; i++)
    spark_line(sc, names[i], per_sec(now[i], prev[i], dt), &f->tcp[i], f->utf8);
  put(sc, "");
  put_title(sc, _("Since the start"));
  GString *l = g_string_new(NULL);
  for (guint i = 0; i < WT_LIVE_TCP_N; i++) {
    g_string_assign(l, " ");
    append_padded(l, names[i], 12);
    GString *v = g_string_new(NULL);
    wt_format_thousands(v, now[i]);
    g_string_append_printf(l, "%10s", v->str);
    g_string_free(v, TRUE);
    put(sc, l->str);
  }
  put(sc, "");
  g_autofree char *table =
    g_strdup_printf(_("In the flow table now: %u awaiting an answer to their SYN, %u closed "
                      "(lingering)"), f->tcp_attempts, f->tcp_closed);
  put(sc, table);
  g_string_free(l, TRUE);
}

static void talkers_view(Screen *sc, const WtLiveFrame *f)
{
  double dt = f->interval_s;
  put_title(sc, _("Top talkers (this interval, flows live at refresh)"));
  if (f->n_talkers == 0) {
    g_autofree char *none = g_strdup_printf("  %s", _("(none)"));
    put(sc, none);
  }
  GString *l = g_string_new(NULL);
  for (guint i = 0; i < f->n_talkers; i++) {
    char addr[64];
    wt_addr_to_string(&f->talkers[i].addr, addr, sizeof addr);
    GString *bps = g_string_new(NULL);
    wt_format_bits_per_sec(bps, dt > 0 ? (double) f->talkers[i].bytes * 8.0 / dt : 0);
    g_autofree char *pkts = rate_text(dt > 0 ? (double) f->talkers[i].packets / dt : 0);
    g_string_assign(l, "  ");
    append_padded(l, addr, MAX((glong) sc->width - 36, 16));
    g_string_append_printf(l, " %14s  ", bps->str);
    g_string_append_printf(l, _("%s pkt/s"), pkts);
    put(sc, l->str);
    g_string_free(bps, TRUE);
  }
  g_string_free(l, TRUE);
}

char *wt_live_view_render_screen(const WtLiveFrame *f, gboolean color)
{
  Screen sc = { g_string_new(NULL), f->width ? f->width : LIVE_DEFAULT_W, 0,
                f->height ? f->height : LIVE_DEFAULT_H, color };
  /* the last line is the keys' */
  sc.max_lines--;
  header(&sc, f);
  traffic_lines(&sc, f);
  switch (f->view) {
  case WT_LIVE_HTTP: http_view(&sc, f); break;
  case WT_LIVE_TCP: tcp_view(&sc, f); break;
  default: talkers_view(&sc, f); break;
  }
  sc.max_lines++;
  while (sc.lines < sc.max_lines - 1 && f->height)
    put(&sc, "");
  put(&sc, _("h HTTP  t TCP  a talkers  p pause  q quit (Ctrl-C too), then the report"));
  return g_string_free(sc.o, FALSE);
}

/* HTTP totals from the series the HTTP dissector declared, found by name once. */
static void snapshot_http(WtLiveView *v, WtAnalyzer *a, WtAnalyzerSnapshot *snap)
{
  if (!v->http_series_known) {
    static const char *const keys[] = { "http_requests", "http_1xx", "http_2xx", "http_3xx",
                                        "http_4xx", "http_5xx" };
    G_STATIC_ASSERT(G_N_ELEMENTS(keys) == G_N_ELEMENTS(v->http_series));
    for (guint k = 0; k < G_N_ELEMENTS(keys); k++)
      v->http_series[k] = wt_analyzer_series_index(a, keys[k]);
    v->http_series_known = TRUE;
  }
  snap->http_requests = wt_analyzer_series_total(a, v->http_series[0]);
  for (guint c = 0; c < 5; c++)
    snap->http_status[c] = wt_analyzer_series_total(a, v->http_series[1 + c]);
}

char *wt_live_view_render_line(const WtLiveFrame *f)
{
  const WtAnalyzerSnapshot *n = &f->now, *p = &f->prev;
  double dt = f->interval_s;
  GString *pps = g_string_new(NULL), *bps = g_string_new(NULL), *ncs = g_string_new(NULL),
          *rps = g_string_new(NULL);
  append_rate(pps, n->frames - p->frames, dt);
  wt_format_bits_per_sec(bps, dt > 0 ? (double) (n->wire_bytes - p->wire_bytes) * 8.0 / dt : 0);
  append_rate(ncs, n->flows_created - p->flows_created, dt);
  append_rate(rps, n->http_requests - p->http_requests, dt);
  char clock[16] = "";
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local(f->wall_ts_us / G_USEC_PER_SEC);
  if (now) {
    g_autofree char *c = g_date_time_format(now, "%H:%M:%S");
    g_strlcpy(clock, c, sizeof clock);
  }
  GString *o = g_string_new(NULL);
  /* TRANSLATORS: one line per --interval when the live view is not on a terminal */
  g_string_append_printf(o, _("%s %s: %s pkt/s, %s, %u active conns, %s new conns/s, %s HTTP "
                              "req/s, status"),
                         clock, f->iface, pps->str, bps->str, f->active, ncs->str, rps->str);
  for (guint c = 0; c < 5; c++)
    g_string_append_printf(o, " %uxx=%" G_GUINT64_FORMAT, c + 1,
                           n->http_status[c] - p->http_status[c]);
  if (f->have_drops)
    g_string_append_printf(o, _(", drops %llu"),
                           (unsigned long long) (f->dropped - MIN(f->dropped_prev, f->dropped)));
  if (f->n_talkers) {
    char addr[64];
    wt_addr_to_string(&f->talkers[0].addr, addr, sizeof addr);
    g_string_append_printf(o, _(", top %s"), addr);
  }
  g_string_append_c(o, '\n');
  g_string_free(pps, TRUE);
  g_string_free(bps, TRUE);
  g_string_free(ncs, TRUE);
  g_string_free(rps, TRUE);
  return g_string_free(o, FALSE);
}

/* Keys come from the terminal the screen is on: no line buffering, no echo. Not when
 * run in the background (`wiretab ... &`): changing the terminal would stop the process
 * (SIGTTOU), and the keys belong to the shell. */
static void keys_begin(WtLiveView *v)
{
  if (!v->tty || !isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp() ||
      tcgetattr(STDIN_FILENO, &v->saved_tio) != 0)
    return;
  struct termios raw = v->saved_tio;
  raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
  raw.c_cc[VMIN] = 0;
  raw.c_cc[VTIME] = 0;
  if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
    v->raw = TRUE;
}

static void keys_end(WtLiveView *v)
{
  if (v->raw)
    tcsetattr(STDIN_FILENO, TCSANOW, &v->saved_tio);
  v->raw = FALSE;
}

/* The keys pressed since the last call; TRUE if the screen must be drawn again now. */
static gboolean read_keys(WtLiveView *v)
{
  if (!v->raw)
    return FALSE;
  gboolean redraw = FALSE;
  char buf[32];
  ssize_t n;
  while ((n = read(STDIN_FILENO, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; i++) {
      switch (buf[i]) {
      case 'h': case 'H': v->view = WT_LIVE_HTTP; redraw = TRUE; break;
      case 't': case 'T': v->view = WT_LIVE_TCP; redraw = TRUE; break;
      case 'a': case 'A': v->view = WT_LIVE_TALKERS; redraw = TRUE; break;
      case '\t': v->view = (v->view + 1) % WT_LIVE_N_VIEWS; redraw = TRUE; break;
      case 'p': case 'P': case ' ': v->paused = !v->paused; redraw = TRUE; break;
      case 'q': case 'Q': v->quit = TRUE; break;
      default: break;
      }
    }
  }
  return redraw;
}

WtLiveView *wt_live_view_new(FILE *out, double interval_s, gboolean tty, gboolean color,
                             guint top_n)
{
  WtLiveView *v = g_new0(WtLiveView, 1);
  v->out = out;
  v->interval_us = MAX((gint64) (interval_s * G_USEC_PER_SEC), 100000);
  v->tty = tty;
  v->color = color;
  v->top_n = top_n ? MIN(top_n, 20) : 5;
  v->start_us = v->last_us = g_get_monotonic_time();
  v->due_us = v->start_us; /* the first screen at once: an operator sees it is running */
  v->flow_bytes = g_hash_table_new(g_direct_hash, g_direct_equal);
  v->flow_pkts = g_hash_table_new(g_direct_hash, g_direct_equal);
  v->totals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  keys_begin(v);
  return v;
}

void wt_live_view_finish(WtLiveView *v)
{
  if (!v)
    return;
  keys_end(v);
  if (!v->on_screen)
    return;
  /* show the cursor, leave the alternate screen: the terminal is as it was */
  fputs("\033[?25h\033[?1049l", v->out);
  fflush(v->out);
  v->on_screen = FALSE;
}

void wt_live_view_free(WtLiveView *v)
{
  if (!v)
    return;
  wt_live_view_finish(v);
  g_hash_table_destroy(v->flow_bytes);
  g_hash_table_destroy(v->flow_pkts);
  g_hash_table_destroy(v->totals);
  live_data_free(v->data);
  g_free(v);
}

gboolean wt_live_view_quit_requested(const WtLiveView *v) { return v && v->quit; }

guint wt_live_view_refreshes(const WtLiveView *v) { return v ? v->refreshes : 0; }

typedef struct {
  WtLiveView *v;
  GHashTable *bytes, *pkts;   /* this refresh's per-flow totals */
  GHashTable *hosts;          /* WtAddr* -> WtTalker* (host's totals in the interval) */
  guint active, attempts, closed;
} Walk;

static guint addr_hash(gconstpointer p)
{
  const WtAddr *a = p;
  guint h = a->family;
  for (int i = 0; i < 16; i++)
    h = h * 31 + a->bytes[i];
  return h;
}

static gboolean addr_equal(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, sizeof(WtAddr)) == 0;
}

static void add_host(Walk *w, const WtAddr *addr, guint64 bytes, guint64 pkts)
{
  WtTalker *t = g_hash_table_lookup(w->hosts, addr);
  if (!t) {
    t = g_new0(WtTalker, 1);
    t->addr = *addr;
    g_hash_table_insert(w->hosts, &t->addr, t);
  }
  t->bytes += bytes;
  t->packets += pkts;
}

static void walk_flow(WtFlow *f, gpointer ud)
{
  Walk *w = ud;
  if (f->timer != WT_TIMER_TCP_CLOSED)
    w->active++;
  w->attempts += f->timer == WT_TIMER_TCP_ATTEMPT;
  w->closed += f->timer == WT_TIMER_TCP_CLOSED;
  gpointer key = GSIZE_TO_POINTER((gsize) f->serial);
  guint64 bytes = f->ip_bytes[0] + f->ip_bytes[1];
  guint64 pkts = f->pkts[0] + f->pkts[1];
  guint64 b0 = GPOINTER_TO_SIZE(g_hash_table_lookup(w->v->flow_bytes, key));
  guint64 p0 = GPOINTER_TO_SIZE(g_hash_table_lookup(w->v->flow_pkts, key));
  g_hash_table_insert(w->bytes, key, GSIZE_TO_POINTER((gsize) bytes));
  g_hash_table_insert(w->pkts, key, GSIZE_TO_POINTER((gsize) pkts));
  if (bytes > b0 || pkts > p0) {
    add_host(w, &f->key.lo, bytes - MIN(b0, bytes), pkts - MIN(p0, pkts));
    add_host(w, &f->key.hi, bytes - MIN(b0, bytes), pkts - MIN(p0, pkts));
  }
}

static gint talker_cmp(gconstpointer a, gconstpointer b)
{
  const WtTalker *x = *(WtTalker *const *) a, *y = *(WtTalker *const *) b;
  if (x->bytes != y->bytes)
    return x->bytes > y->bytes ? -1 : 1;
  return wt_addr_compare(&x->addr, &y->addr);
}

/* ---- one refresh's data, kept for redraws (a key pressed, the screen paused) ------- */

struct WtLiveData {
  WtLiveFrame frame;               /* points into the rest */
  GStringChunk *strings;
  GArray *rows[4];                 /* WtLiveRow: codes, methods, hosts, URIs */
  GArray *endpoints;               /* WtLiveEndpoint */
  WtTalker *talkers;
  double spark[N_SERIES][HISTORY]; /* linear copies of the rings, oldest first */
};

static void live_data_free(struct WtLiveData *d)
{
  if (!d)
    return;
  g_string_chunk_free(d->strings);
  for (guint i = 0; i < 4; i++)
    g_array_free(d->rows[i], TRUE);
  g_array_free(d->endpoints, TRUE);
  g_free(d->talkers);
  g_free(d);
}

static gint row_cmp(gconstpointer a, gconstpointer b)
{
  const WtLiveRow *x = a, *y = b;
  if (x->per_sec != y->per_sec)
    return x->per_sec > y->per_sec ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* One name's total now: its rate in the interval into `rows` (when it moved), the total
 * kept for the next refresh in `totals`. */
static void note_total(WtLiveView *v, struct WtLiveData *d, GHashTable *totals, guint kind,
                       const char *name, guint64 count, double dt)
{
  if (name[0] == '(') /* "(other)", "(rest)": not a name of their own */
    return;
  g_autofree char *key = g_strdup_printf("%u\t%s", kind, name);
  guint64 before = GPOINTER_TO_SIZE(g_hash_table_lookup(v->totals, key));
  g_hash_table_insert(totals, g_steal_pointer(&key), GSIZE_TO_POINTER((gsize) count));
  if (count > before && dt > 0) {
    WtLiveRow r = { g_string_chunk_insert(d->strings, name), (double) (count - before) / dt };
    g_array_append_val(d->rows[kind], r);
  }
}

static gboolean find_item(const WtSection *s, const char *key, guint *index, WtItemView *it)
{
  for (guint i = 0; s && i < wt_section_n_items(s); i++) {
    wt_section_nth_item(s, i, it);
    if (strcmp(it->key, key) == 0) {
      *index = i;
      return TRUE;
    }
  }
  return FALSE;
}

static int column(const WtTable *t, const char *key)
{
  for (guint c = 0; c < wt_table_n_columns(t); c++) {
    const char *k;
    wt_table_column_info(t, c, &k, NULL, NULL);
    if (strcmp(k, key) == 0)
      return (int) c;
  }
  return -1;
}

static const char *cell_str(const WtTable *t, guint r, int c)
{
  WtCellView cv;
  return c >= 0 && wt_table_get_cell(t, r, (guint) c, &cv) && cv.s ? cv.s : "";
}

static double cell_num(const WtTable *t, guint r, int c)
{
  WtCellView cv;
  if (c < 0 || !wt_table_get_cell(t, r, (guint) c, &cv))
    return 0;
  switch (cv.type) {
  case WT_COL_U64: return (double) cv.u;
  case WT_COL_I64: return (double) cv.i;
  case WT_COL_DOUBLE: case WT_COL_PERCENT: return cv.d;
  default: return 0;
  }
}

static gint endpoint_cmp(gconstpointer a, gconstpointer b)
{
  const WtLiveEndpoint *x = a, *y = b;
  if (x->p99_ms != y->p99_ms)
    return x->p99_ms > y->p99_ms ? -1 : 1;
  return x->requests > y->requests ? -1 : x->requests < y->requests;
}

/* The HTTP section's status codes, methods, hosts, URIs and endpoints as they stand. */
static void http_tables(WtLiveView *v, WtAnalyzer *a, struct WtLiveData *d, double dt)
{
  g_autoptr(WtReport) r = wt_report_new();
  wt_analyzer_report_taps(a, r);
  const WtSection *http = wt_report_find_section(r, "http");
  GHashTable *totals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  static const char *const maps[] = { "status_codes", "methods" };
  WtItemView it;
  guint idx;
  for (guint k = 0; k < G_N_ELEMENTS(maps); k++) {
    if (!find_item(http, maps[k], &idx, &it) || it.kind != WT_ITEM_MAP)
      continue;
    for (guint j = 0; j < it.n; j++) {
      guint64 count;
      const char *name = wt_section_map_entry(http, idx, j, &count);
      note_total(v, d, totals, k, name, count, dt);
    }
  }
  static const char *const tables[][2] = { { "hosts", "host" }, { "uris", "uri" } };
  for (guint k = 0; k < G_N_ELEMENTS(tables); k++) {
    if (!find_item(http, tables[k][0], &idx, &it) || it.kind != WT_ITEM_TABLE)
      continue;
    int name_c = column(it.table, tables[k][1]), count_c = column(it.table, "count");
    for (guint row = 0; row < wt_table_n_rows(it.table); row++)
      note_total(v, d, totals, 2 + k, cell_str(it.table, row, name_c),
                 (guint64) cell_num(it.table, row, count_c), dt);
  }
  if (find_item(http, "endpoints", &idx, &it) && it.kind == WT_ITEM_TABLE) {
    const WtTable *t = it.table;
    int m = column(t, "method"), e = column(t, "endpoint"), n = column(t, "count"),
        p50 = column(t, "p50_ms"), p99 = column(t, "p99_ms");
    for (guint row = 0; row < wt_table_n_rows(t); row++) {
      WtLiveEndpoint ep = { g_string_chunk_insert(d->strings, cell_str(t, row, m)),
                            g_string_chunk_insert(d->strings, cell_str(t, row, e)),
                            (guint64) cell_num(t, row, n), cell_num(t, row, p50),
                            cell_num(t, row, p99) };
      g_array_append_val(d->endpoints, ep);
    }
    g_array_sort(d->endpoints, endpoint_cmp);
  }
  for (guint k = 0; k < 4; k++)
    g_array_sort(d->rows[k], row_cmp);
  g_hash_table_destroy(v->totals);
  v->totals = totals;
}

/* This refresh's per-second rates into the rings, and the last minute of them out. */
static void push_history(WtLiveView *v, struct WtLiveData *d, const double *rates)
{
  guint slot = (v->hist_head + v->hist_len) % HISTORY;
  if (v->hist_len < HISTORY)
    v->hist_len++;
  else
    v->hist_head = (v->hist_head + 1) % HISTORY;
  for (guint s = 0; s < N_SERIES; s++)
    v->history[s][slot] = rates[s];
  guint minute = (guint) ceil(SPARK_SECONDS * G_USEC_PER_SEC / (double) v->interval_us);
  guint n = MIN(v->hist_len, MIN(minute, HISTORY));
  guint first = (v->hist_head + v->hist_len - n) % HISTORY;
  for (guint s = 0; s < N_SERIES; s++) {
    for (guint i = 0; i < n; i++)
      d->spark[s][i] = v->history[s][(first + i) % HISTORY];
  }
  for (guint c = 0; c < 5; c++)
    d->frame.http_class[c] = (WtLiveSeries) { d->spark[SERIES_HTTP + c], n };
  for (guint t = 0; t < WT_LIVE_TCP_N; t++)
    d->frame.tcp[t] = (WtLiveSeries) { d->spark[SERIES_TCP + t], n };
}

static void frame_rows(struct WtLiveData *d)
{
  WtLiveFrame *f = &d->frame;
  f->codes = (const WtLiveRow *) d->rows[0]->data;
  f->n_codes = d->rows[0]->len;
  f->methods = (const WtLiveRow *) d->rows[1]->data;
  f->n_methods = d->rows[1]->len;
  f->hosts = (const WtLiveRow *) d->rows[2]->data;
  f->n_hosts = d->rows[2]->len;
  f->uris = (const WtLiveRow *) d->rows[3]->data;
  f->n_uris = d->rows[3]->len;
  f->endpoints = (const WtLiveEndpoint *) d->endpoints->data;
  f->n_endpoints = d->endpoints->len;
}

static void terminal_size(WtLiveView *v, WtLiveFrame *f)
{
  struct winsize ws;
  if (ioctl(fileno(v->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    f->width = ws.ws_col;
    f->height = ws.ws_row;
  } else {
    f->width = 80;
    f->height = 24;
  }
}

static void draw(WtLiveView *v)
{
  WtLiveFrame *f = &v->data->frame;
  f->view = v->view;
  f->paused = v->paused;
  terminal_size(v, f);
  g_autofree char *screen = wt_live_view_render_screen(f, v->color);
  GString *o = g_string_new(NULL);
  if (!v->on_screen)
    g_string_append(o, "\033[?1049h\033[?25l"); /* alternate screen, hide cursor */
  g_string_append(o, "\033[H");
  /* erase each line's tail and everything below: no stale characters from a longer
   * previous screen; no newline after the last line, so a full screen does not scroll */
  for (const char *p = screen; *p;) {
    const char *nl = strchr(p, '\n');
    gsize len = nl ? (gsize) (nl - p) : strlen(p);
    g_string_append_len(o, p, (gssize) len);
    g_string_append(o, "\033[K");
    p += len + (nl ? 1 : 0);
    if (*p)
      g_string_append(o, "\r\n");
  }
  g_string_append(o, "\033[J");
  fwrite(o->str, 1, o->len, v->out);
  g_string_free(o, TRUE);
  v->on_screen = TRUE;
}

void wt_live_view_tick(WtLiveView *v, WtAnalyzer *a, WtCaptureSource *src)
{
  if (!v)
    return;
  gboolean key = read_keys(v);
  gint64 now = g_get_monotonic_time();
  if (now < v->due_us || v->paused) {
    if (now >= v->due_us) /* paused: the screen stays; the next refresh covers the pause */
      v->due_us = now + v->interval_us;
    if (key && v->data && v->tty) {
      draw(v);
      fflush(v->out);
    }
    return;
  }
  /* the next refresh on the interval's grid, so late wake-ups do not add up to drift */
  v->due_us += v->interval_us;
  if (v->due_us <= now)
    v->due_us = now + v->interval_us;

  struct WtLiveData *d = g_new0(struct WtLiveData, 1);
  d->strings = g_string_chunk_new(1024);
  for (guint k = 0; k < 4; k++)
    d->rows[k] = g_array_new(FALSE, FALSE, sizeof(WtLiveRow));
  d->endpoints = g_array_new(FALSE, FALSE, sizeof(WtLiveEndpoint));
  WtLiveFrame *f = &d->frame;
  f->iface = src ? wt_capture_name(src) : "-";
  f->interval_s = v->refreshes ? (double) (now - v->last_us) / 1e6 : 0; /* 0: no rates yet */
  f->every_s = (double) v->interval_us / 1e6;
  f->elapsed_s = (double) (now - v->start_us) / 1e6;
  f->wall_ts_us = g_get_real_time();
  f->utf8 = g_get_charset(NULL);
  wt_analyzer_snapshot(a, &f->now);
  snapshot_http(v, a, &f->now);
  f->prev = v->refreshes ? v->prev : f->now; /* the first screen: no interval yet */
  guint64 ifd = 0;
  if (src && wt_capture_stats(src, &f->received, &f->dropped, &ifd)) {
    f->have_drops = TRUE;
    f->if_dropped = ifd;
    f->dropped_prev = v->refreshes ? v->dropped_prev : f->dropped;
  }

  Walk w = { v, g_hash_table_new(g_direct_hash, g_direct_equal),
             g_hash_table_new(g_direct_hash, g_direct_equal),
             g_hash_table_new_full(addr_hash, addr_equal, NULL, g_free), 0, 0, 0 };
  wt_flow_table_foreach(f->now.flows, walk_flow, &w);
  f->active = w.active;
  f->tcp_attempts = w.attempts;
  f->tcp_closed = w.closed;
  g_autoptr(GPtrArray) hosts = g_ptr_array_new();
  GHashTableIter it;
  gpointer hk, hv;
  g_hash_table_iter_init(&it, w.hosts);
  while (g_hash_table_iter_next(&it, &hk, &hv))
    g_ptr_array_add(hosts, hv);
  g_ptr_array_sort(hosts, talker_cmp);
  guint n = MIN(hosts->len, v->top_n);
  d->talkers = g_new0(WtTalker, MAX(n, 1));
  for (guint i = 0; i < n; i++)
    d->talkers[i] = *(WtTalker *) g_ptr_array_index(hosts, i);
  f->talkers = d->talkers;
  f->n_talkers = n;

  double dt = f->interval_s;
  http_tables(v, a, d, dt);
  frame_rows(d);
  double rates[N_SERIES];
  for (guint c = 0; c < 5; c++)
    rates[SERIES_HTTP + c] = per_sec(f->now.http_status[c], f->prev.http_status[c], dt);
  rates[SERIES_TCP + WT_LIVE_TCP_OPENED] = per_sec(f->now.tcp_opened, f->prev.tcp_opened, dt);
  rates[SERIES_TCP + WT_LIVE_TCP_ESTABLISHED] =
    per_sec(f->now.tcp_established, f->prev.tcp_established, dt);
  rates[SERIES_TCP + WT_LIVE_TCP_REFUSED] = per_sec(f->now.tcp_refused, f->prev.tcp_refused, dt);
  rates[SERIES_TCP + WT_LIVE_TCP_RESET] = per_sec(f->now.tcp_reset, f->prev.tcp_reset, dt);
  if (v->refreshes)
    push_history(v, d, rates);
  live_data_free(v->data);
  v->data = d;

  if (v->tty) {
    draw(v);
  } else if (v->refreshes) {
    /* lines: one per interval, none for the first (it has no interval) */
    g_autofree char *line = wt_live_view_render_line(f);
    fputs(line, v->out);
  }
  fflush(v->out);

  g_hash_table_destroy(v->flow_bytes);
  g_hash_table_destroy(v->flow_pkts);
  v->flow_bytes = w.bytes;
  v->flow_pkts = w.pkts;
  g_hash_table_destroy(w.hosts);
  v->prev = f->now;
  v->dropped_prev = f->dropped;
  v->last_us = now;
  v->refreshes++;
}
