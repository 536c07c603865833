/* See fuzz-stream.h. The contract checked here is the one in analyzer/core/stream.h: a
 * dissector never claims more bytes than offered; unconsumed bytes come back first, with
 * more; gaps and eof arrive as the reassembler sends them. Offers are exact-size heap
 * copies so a sanitizer build catches a one-byte over-read. */
#include <glib.h>
#include <string.h>
#include "analyzer/output/log-sink.h"
#include "tests/fuzz/fuzz-stream.h"
#include "tests/fuzz/fuzz.h"

#define LEFTOVER_CAP (64u << 10) /* as the reassembler's default leftover cap */

const WtStreamDissector *fuzz_stream_shared;
gpointer fuzz_stream_shared_stats;
const struct WtAppSelector *fuzz_stream_apps;

static const guint16 chunk_sizes[32] = {
  1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 16, 17, 20,
  24, 31, 32, 40, 50, 64, 100, 128, 200, 256, 500, 512, 1000, 1460, 2048, 4096,
};

typedef struct {
  const WtStreamDissector *dis;
  gpointer session;
  WtDir dir;
  const guint8 *src;  /* this direction's bytes in the input */
  gsize src_len, src_pos;
  GByteArray *pending; /* offered, not consumed */
  gboolean ended;
} Side;

static void offer(Side *s, gint64 ts)
{
  if (!s->pending->len)
    return;
  guint8 *copy = g_memdup2(s->pending->data, s->pending->len);
  gsize used = s->dis->deliver(s->session, s->dir, copy, s->pending->len, ts);
  g_free(copy);
  FUZZ_CHECK(used <= s->pending->len);
  g_byte_array_remove_range(s->pending, 0, (guint) used);
  if (s->pending->len > LEFTOVER_CAP) {
    /* The application will not consume: the reassembler gives them up as a gap. */
    guint64 n = s->pending->len;
    g_byte_array_set_size(s->pending, 0);
    s->dis->gap(s->session, s->dir, n);
  }
}

static void deliver(Side *s, gsize n, gint64 ts)
{
  n = MIN(n, s->src_len - s->src_pos);
  if (!n || s->ended)
    return;
  g_byte_array_append(s->pending, s->src + s->src_pos, (guint) n);
  s->src_pos += n;
  offer(s, ts);
}

static void gap(Side *s, gsize n)
{
  n = MIN(n, s->src_len - s->src_pos);
  if (!n || s->ended)
    return;
  s->src_pos += n;
  /* Unconsumed bytes in front of a hole go with it (reassembly.h). */
  guint64 len = n + s->pending->len;
  g_byte_array_set_size(s->pending, 0);
  s->dis->gap(s->session, s->dir, len);
}

static void end(Side *s, gint64 ts)
{
  if (s->ended)
    return;
  s->ended = TRUE;
  g_byte_array_set_size(s->pending, 0);
  s->dis->eof(s->session, s->dir, ts);
}

void fuzz_stream_run(const WtStreamDissector *dis, const uint8_t *data, size_t size,
                     void (*check_stats)(gpointer stats))
{
  static FILE *devnull;
  if (!devnull && !(devnull = fopen("/dev/null", "w")))
    abort();
  if (size < 1)
    return;
  gsize nsched = MIN((gsize) data[0], size - 1);
  const guint8 *sched = data + 1;
  const guint8 *body = sched + nsched;
  gsize body_len = size - 1 - nsched;

  const gsize sep_len = strlen(FUZZ_STREAM_SEP);
  const guint8 *sep = body_len ? memmem(body, body_len, FUZZ_STREAM_SEP, sep_len) : NULL;
  gsize client_len = sep ? (gsize) (sep - body) : body_len;

  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  /* the dissector's records are formatted and thrown away: its writers run too */
  WtLogSink *sinks[WT_LOG_MAX_TABLES];
  WtLog *logs[WT_LOG_MAX_TABLES];
  guint n_logs = 0;
  const WtStreamDissector *owners[2] = { dis, fuzz_stream_shared };
  for (int o = 0; o < 2; o++)
    for (const WtLogTable *const *t = owners[o] ? owners[o]->log_tables : NULL;
         t && *t && n_logs < WT_LOG_MAX_TABLES; t++, n_logs++) {
      sinks[n_logs] = wt_log_sink_new_stream(*t, devnull, NULL);
      logs[n_logs] = wt_log_sink_log(sinks[n_logs]);
    }
  WtAppContext ctx = { .anomalies = an, .logs = logs, .n_logs = n_logs, .apps = fuzz_stream_apps };
  WtConnInfo conn = { .uid = "CFuzz0000000000000", .orig_p = 40000, .resp_p = 80, .proto = 6 };
  conn.orig_h.family = conn.resp_h.family = 4;
  conn.orig_h.bytes[0] = 10, conn.orig_h.bytes[3] = 1;
  conn.resp_h.bytes[0] = 10, conn.resp_h.bytes[3] = 2;

  gpointer stats = dis->stats_new();
  gpointer shared = fuzz_stream_shared ? fuzz_stream_shared->stats_new() : NULL;
  if (shared && dis->tap_link)
    dis->tap_link(stats, shared);
  gpointer session = dis->session_new(stats, &ctx, &conn);
  Side sides[2] = {
    { dis, session, WT_DIR_ORIG, body, client_len, 0, g_byte_array_new(), FALSE },
    { dis, session, WT_DIR_RESP, sep ? sep + sep_len : NULL,
      sep ? body_len - client_len - sep_len : 0, 0, g_byte_array_new(), FALSE },
  };
  if (dis->probe)
    for (int i = 0; i < 2; i++) {
      gsize n = MIN(sides[i].src_len, 64);
      if (!n)
        continue; /* the pipeline probes only bytes it has */
      guint8 *copy = g_memdup2(sides[i].src, n);
      (void) dis->probe(copy, n, sides[i].dir);
      g_free(copy);
    }

  gint64 ts = G_GINT64_CONSTANT(1700000000) * 1000000000;
  for (gsize i = 0; i < nsched; i++) {
    Side *s = &sides[sched[i] & 1];
    gsize n = chunk_sizes[sched[i] >> 3];
    ts += 1000000;
    switch ((sched[i] >> 1) & 3) {
    case 2: gap(s, n); break;
    case 3: end(s, ts); break;
    default: deliver(s, n, ts); break;
    }
  }
  for (int i = 0; i < 2; i++) {
    ts += 1000000;
    deliver(&sides[i], G_MAXSIZE, ts);
  }
  for (int i = 0; i < 2; i++)
    end(&sides[i], ts);
  dis->session_free(session);
  for (guint i = 0; i < n_logs; i++)
    wt_log_sink_free(sinks[i]);
  fuzz_stream_shared_stats = shared;
  if (check_stats)
    check_stats(stats);
  fuzz_stream_shared_stats = NULL;

  /* The tap: merged into a second one (as --threads does) and written out. */
  gpointer total = dis->stats_new();
  if (dis->stats_merge)
    dis->stats_merge(total, stats);
  g_autoptr(WtReport) r = wt_report_new();
  dis->report(dis->stats_merge ? total : stats, NULL, r);
  wt_report_write_json(r, devnull);
  wt_report_write_text(r, devnull, FALSE);
  if (shared) {
    fuzz_stream_shared->report(shared, NULL, r);
    wt_report_write_json(r, devnull);
    fuzz_stream_shared->stats_free(shared);
  }
  dis->stats_free(total);
  dis->stats_free(stats);
  for (int i = 0; i < 2; i++)
    g_byte_array_unref(sides[i].pending);
}
