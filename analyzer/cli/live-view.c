#include "analyzer/cli/live-view.h"

#include <glib/gi18n.h>
#include <string.h>

#include "analyzer/cli/progress.h"

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
};

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

static void title(GString *out, gboolean color, const char *text)
{
  g_string_append_printf(out, "%s%s%s", color ? "\033[1m" : "", text, color ? "\033[0m" : "");
}

/* "label" padded to `w` display columns */
static void label(GString *out, const char *text, glong w)
{
  g_string_append(out, text);
  for (glong i = wt_text_width(text); i < w; i++)
    g_string_append_c(out, ' ');
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

char *wt_live_view_render_screen(const WtLiveFrame *f, gboolean color)
{
  GString *o = g_string_new(NULL);
  double dt = f->interval_s;
  const WtAnalyzerSnapshot *n = &f->now, *p = &f->prev;
  GString *t = g_string_new(NULL);
  char clock[16] = "";
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local(f->wall_ts_us / G_USEC_PER_SEC);
  if (now) {
    g_autofree char *c = g_date_time_format(now, "%H:%M:%S");
    g_strlcpy(clock, c, sizeof clock);
  }
  wt_progress_format_duration(t, f->elapsed_s);
  g_autofree char *head =
    /* TRANSLATORS: live view title: interface, clock time, refresh interval, elapsed */
    g_strdup_printf(_("wiretab on %s   %s   every %g s   running %s"), f->iface, clock,
                    f->every_s, t->str);
  title(o, color, head);
  g_string_append(o, "\n\n");

  const char *labels[] = { _("Packets/s"), _("Bits/s"), _("Connections"), _("HTTP"),
                           _("Status classes"), _("Kernel drops") };
  glong lw = 0;
  for (gsize i = 0; i < G_N_ELEMENTS(labels); i++)
    lw = MAX(lw, wt_text_width(labels[i]));
  lw += 2;

  label(o, labels[0], lw);
  append_rate(o, n->frames - p->frames, dt);
  g_string_append(o, "   ");
  g_string_truncate(t, 0);
  wt_format_thousands(t, n->frames);
  g_string_append_printf(o, _("(%s in all)"), t->str);
  g_string_append_c(o, '\n');

  label(o, labels[1], lw);
  wt_format_bits_per_sec(o, dt > 0 ? (double) (n->wire_bytes - p->wire_bytes) * 8.0 / dt : 0);
  g_string_append_c(o, '\n');

  label(o, labels[2], lw);
  g_string_truncate(t, 0);
  wt_format_thousands(t, f->active);
  GString *r = g_string_new(NULL);
  append_rate(r, n->flows_created - p->flows_created, dt);
  GString *tot = g_string_new(NULL);
  wt_format_thousands(tot, n->flows_created);
  g_string_append_printf(o, _("%s active   %s new/s   %s in all"), t->str, r->str, tot->str);
  g_string_append_c(o, '\n');

  label(o, labels[3], lw);
  g_string_truncate(r, 0);
  append_rate(r, n->http_requests - p->http_requests, dt);
  g_string_truncate(tot, 0);
  wt_format_thousands(tot, n->http_requests);
  g_string_append_printf(o, _("%s requests/s   %s requests in all"), r->str, tot->str);
  g_string_append_c(o, '\n');

  label(o, labels[4], lw);
  for (guint c = 0; c < 5; c++) {
    g_string_append_printf(o, "%s%uxx ", c ? "   " : "", c + 1);
    append_rate(o, n->http_status[c] - p->http_status[c], dt);
    g_string_append(o, "/s");
  }
  g_string_append_c(o, '\n');

  label(o, labels[5], lw);
  if (f->have_drops) {
    g_string_truncate(t, 0);
    wt_format_thousands(t, f->dropped);
    g_string_truncate(r, 0);
    wt_format_thousands(r, f->dropped - MIN(f->dropped_prev, f->dropped));
    g_string_truncate(tot, 0);
    wt_format_thousands(tot, f->if_dropped);
    g_string_append_printf(o, _("%s (%s in this interval), %s by the interface"), t->str,
                           r->str, tot->str);
  } else {
    g_string_append(o, _("unknown"));
  }
  g_string_append(o, "\n\n");

  title(o, color, _("Top talkers (this interval, flows live at refresh)"));
  g_string_append_c(o, '\n');
  if (f->n_talkers == 0)
    g_string_append_printf(o, "  %s\n", _("(none)"));
  for (guint i = 0; i < f->n_talkers; i++) {
    char addr[64];
    wt_addr_to_string(&f->talkers[i].addr, addr, sizeof addr);
    g_string_truncate(t, 0);
    wt_format_bits_per_sec(t, dt > 0 ? (double) f->talkers[i].bytes * 8.0 / dt : 0);
    g_string_truncate(r, 0);
    append_rate(r, f->talkers[i].packets, dt);
    g_string_append_printf(o, "  %-40s %14s  ", addr, t->str);
    g_string_append_printf(o, _("%s pkt/s"), r->str);
    g_string_append_c(o, '\n');
  }
  g_string_append_c(o, '\n');
  g_string_append(o, _("Ctrl-C stops the capture and prints the report."));
  g_string_append_c(o, '\n');
  g_string_free(t, TRUE);
  g_string_free(r, TRUE);
  g_string_free(tot, TRUE);
  return g_string_free(o, FALSE);
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
  v->due_us = v->start_us + v->interval_us;
  v->flow_bytes = g_hash_table_new(g_direct_hash, g_direct_equal);
  v->flow_pkts = g_hash_table_new(g_direct_hash, g_direct_equal);
  return v;
}

void wt_live_view_finish(WtLiveView *v)
{
  if (!v || !v->on_screen)
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
  g_free(v);
}

guint wt_live_view_refreshes(const WtLiveView *v) { return v ? v->refreshes : 0; }

typedef struct {
  WtLiveView *v;
  GHashTable *bytes, *pkts;   /* this refresh's per-flow totals */
  GHashTable *hosts;          /* WtAddr* -> WtTalker* (host's totals in the interval) */
  guint active;
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

void wt_live_view_tick(WtLiveView *v, WtAnalyzer *a, WtCaptureSource *src)
{
  if (!v)
    return;
  gint64 now = g_get_monotonic_time();
  if (now < v->due_us)
    return;
  /* the next refresh on the interval's grid, so late wake-ups do not add up to drift */
  v->due_us += v->interval_us;
  if (v->due_us <= now)
    v->due_us = now + v->interval_us;

  WtLiveFrame f;
  memset(&f, 0, sizeof f);
  f.iface = src ? wt_capture_name(src) : "-";
  f.interval_s = (double) (now - v->last_us) / 1e6;
  f.every_s = (double) v->interval_us / 1e6;
  f.elapsed_s = (double) (now - v->start_us) / 1e6;
  f.wall_ts_us = g_get_real_time();
  wt_analyzer_snapshot(a, &f.now);
  snapshot_http(v, a, &f.now);
  f.prev = v->prev;
  guint64 ifd = 0;
  if (src && wt_capture_stats(src, &f.received, &f.dropped, &ifd)) {
    f.have_drops = TRUE;
    f.if_dropped = ifd;
    f.dropped_prev = v->dropped_prev;
  }

  Walk w = { v, g_hash_table_new(g_direct_hash, g_direct_equal),
             g_hash_table_new(g_direct_hash, g_direct_equal),
             g_hash_table_new_full(addr_hash, addr_equal, NULL, g_free), 0 };
  wt_flow_table_foreach(f.now.flows, walk_flow, &w);
  f.active = w.active;
  g_autoptr(GPtrArray) hosts = g_ptr_array_new();
  GHashTableIter it;
  gpointer hk, hv;
  g_hash_table_iter_init(&it, w.hosts);
  while (g_hash_table_iter_next(&it, &hk, &hv))
    g_ptr_array_add(hosts, hv);
  g_ptr_array_sort(hosts, talker_cmp);
  guint n = MIN(hosts->len, v->top_n);
  g_autofree WtTalker *top = g_new0(WtTalker, MAX(n, 1));
  for (guint i = 0; i < n; i++)
    top[i] = *(WtTalker *) g_ptr_array_index(hosts, i);
  f.talkers = top;
  f.n_talkers = n;

  if (v->tty) {
    g_autofree char *screen = wt_live_view_render_screen(&f, v->color);
    GString *o = g_string_new(NULL);
    if (!v->on_screen)
      g_string_append(o, "\033[?1049h\033[?25l"); /* alternate screen, hide cursor */
    g_string_append(o, "\033[H");
    /* erase each line's tail and everything below: no stale characters from a longer
     * previous screen */
    for (const char *p = screen; *p;) {
      const char *nl = strchr(p, '\n');
      gsize len = nl ? (gsize) (nl - p) : strlen(p);
      g_string_append_len(o, p, (gssize) len);
      g_string_append(o, "\033[K\n");
      p += len + (nl ? 1 : 0);
    }
    g_string_append(o, "\033[J");
    fwrite(o->str, 1, o->len, v->out);
    g_string_free(o, TRUE);
    v->on_screen = TRUE;
  } else {
    g_autofree char *line = wt_live_view_render_line(&f);
    fputs(line, v->out);
  }
  fflush(v->out);

  g_hash_table_destroy(v->flow_bytes);
  g_hash_table_destroy(v->flow_pkts);
  v->flow_bytes = w.bytes;
  v->flow_pkts = w.pkts;
  g_hash_table_destroy(w.hosts);
  v->prev = f.now;
  v->dropped_prev = f.dropped;
  v->last_us = now;
  v->refreshes++;
}
