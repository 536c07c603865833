#include "analyzer/cli/progress.h"

#include <glib/gi18n.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define REDRAW_EVERY_US (G_USEC_PER_SEC / 5)

struct WtProgress {
  FILE *out;
  gboolean enabled;
  GPtrArray *sources; /* borrowed */
  GArray *sizes;      /* gint64 per source, -1 unknown */
  gint64 total;       /* sum of sizes; -1 when any is unknown */
  gint64 start_us, last_draw_us;
  gboolean drawn;     /* a line is on the screen */
};

void wt_format_thousands(GString *out, guint64 v)
{
  char digits[32];
  int n = g_snprintf(digits, sizeof digits, "%" G_GUINT64_FORMAT, v);
  for (int i = 0; i < n; i++) {
    if (i > 0 && (n - i) % 3 == 0)
      g_string_append_c(out, ',');
    g_string_append_c(out, digits[i]);
  }
}

glong wt_text_width(const char *s)
{
  if (!g_utf8_validate(s, -1, NULL))
    return (glong) strlen(s);
  glong w = 0;
  for (const char *p = s; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    if (c == 0x1b) /* an escape sequence takes no columns: skip to its final letter */
      while (p[1] && !g_ascii_isalpha(p[1]))
        p++;
    else
      w += g_unichar_iswide(c) ? 2 : 1;
  }
  return w;
}

void wt_progress_format_duration(GString *out, double seconds)
{
  if (!(seconds >= 0) || seconds > 359999 * 24.0) {
    g_string_append(out, "--:--");
    return;
  }
  guint64 s = (guint64) (seconds + 0.5);
  if (s >= 3600)
    g_string_append_printf(out, "%" G_GUINT64_FORMAT ":%02u:%02u", s / 3600,
                           (guint) (s / 60 % 60), (guint) (s % 60));
  else
    g_string_append_printf(out, "%02u:%02u", (guint) (s / 60), (guint) (s % 60));
}

char *wt_progress_format(gint64 done, gint64 total, guint64 packets, double elapsed_s,
                         guint width)
{
  gboolean sized = total > 0;
  double frac = sized ? CLAMP((double) done / (double) total, 0.0, 1.0) : 0.0;

  /* the fields after the bar */
  GString *pk = g_string_new(NULL);
  wt_format_thousands(pk, packets);
  GString *rate = g_string_new(NULL);
  wt_format_thousands(rate, elapsed_s > 0 ? (guint64) (packets / elapsed_s + 0.5) : 0);
  GString *el = g_string_new(NULL);
  wt_progress_format_duration(el, elapsed_s);
  GString *fields = g_string_new(NULL);
  if (sized)
    g_string_append_printf(fields, "%5.1f%%  ", frac * 100.0);
  /* TRANSLATORS: progress bar fields: packets read, packets per second, elapsed time */
  g_string_append_printf(fields, _("%s packets  %s pkt/s  elapsed %s"), pk->str, rate->str,
                         el->str);
  if (sized) {
    GString *left = g_string_new(NULL);
    /* remaining time from the average speed so far; unknown until some bytes are read */
    if (done > 0 && elapsed_s >= 0.2)
      wt_progress_format_duration(left, elapsed_s * (double) (total - done) / (double) done);
    else
      g_string_append(left, "--:--");
    /* TRANSLATORS: progress bar: estimated time until the whole input is read */
    g_string_append_printf(fields, _("  left %s"), left->str);
    g_string_free(left, TRUE);
  }

  GString *line = g_string_new(NULL);
  glong fw = wt_text_width(fields->str);
  /* the bar takes what is left, between 10 and 30 cells; none on a narrow terminal */
  glong bar = sized ? MIN((glong) width - fw - 4, 30) : 0;
  if (bar >= 10) {
    glong full = (glong) (frac * (double) bar);
    g_string_append_c(line, '[');
    for (glong i = 0; i < bar; i++)
      g_string_append_c(line, i < full ? '#' : (i == full ? '>' : '.'));
    if (full >= bar)
      line->str[line->len - 1] = '#';
    g_string_append(line, "]  ");
  }
  g_string_append(line, fields->str);
  /* never wider than the terminal: a wrapped line could not be erased with \r */
  while (line->len > 0 && wt_text_width(line->str) > (glong) width) {
    const char *prev = g_utf8_find_prev_char(line->str, line->str + line->len);
    g_string_truncate(line, prev ? (gsize) (prev - line->str) : 0);
  }
  g_string_free(pk, TRUE);
  g_string_free(rate, TRUE);
  g_string_free(el, TRUE);
  g_string_free(fields, TRUE);
  return g_string_free(line, FALSE);
}

WtProgress *wt_progress_new(FILE *out, GPtrArray *sources, gboolean enabled)
{
  WtProgress *p = g_new0(WtProgress, 1);
  p->out = out;
  p->enabled = enabled && out;
  p->sources = sources;
  p->sizes = g_array_new(FALSE, FALSE, sizeof(gint64));
  p->total = 0;
  for (guint i = 0; sources && i < sources->len; i++) {
    gint64 pos, size;
    if (!wt_capture_progress(g_ptr_array_index(sources, i), &pos, &size))
      size = -1;
    g_array_append_val(p->sizes, size);
    p->total = (size < 0 || p->total < 0) ? -1 : p->total + size;
  }
  p->start_us = g_get_monotonic_time();
  return p;
}

void wt_progress_free(WtProgress *p)
{
  if (!p)
    return;
  wt_progress_clear(p);
  g_array_free(p->sizes, TRUE);
  g_free(p);
}

static guint terminal_width(FILE *out)
{
  struct winsize ws;
  if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
    return ws.ws_col - 1; /* the last column would wrap on some terminals */
  return 79;
}

/* Bytes of all inputs read so far: the sources before `current` whole, plus its position. */
static gint64 bytes_done(WtProgress *p, WtCaptureSource *current)
{
  gint64 done = 0;
  for (guint i = 0; i < p->sources->len; i++) {
    WtCaptureSource *s = g_ptr_array_index(p->sources, i);
    if (s == current) {
      gint64 pos, size;
      if (wt_capture_progress(s, &pos, &size))
        done += MIN(pos, g_array_index(p->sizes, gint64, i));
      break;
    }
    done += MAX(g_array_index(p->sizes, gint64, i), 0);
  }
  return done;
}

void wt_progress_tick(WtProgress *p, WtCaptureSource *current, guint64 packets)
{
  if (!p || !p->enabled)
    return;
  gint64 now = g_get_monotonic_time();
  if (now - p->last_draw_us < REDRAW_EVERY_US)
    return;
  /* a capture read in under a fifth of a second gets no bar at all: no flicker */
  if (now - p->start_us < REDRAW_EVERY_US)
    return;
  p->last_draw_us = now;
  g_autofree char *line = wt_progress_format(bytes_done(p, current), p->total, packets,
                                             (double) (now - p->start_us) / 1e6,
                                             terminal_width(p->out));
  fprintf(p->out, "\r%s\033[K", line);
  fflush(p->out);
  p->drawn = TRUE;
}

void wt_progress_clear(WtProgress *p)
{
  if (!p || !p->drawn)
    return;
  fputs("\r\033[K", p->out);
  fflush(p->out);
  p->drawn = FALSE;
}
