/* --explain and --follow as one connection observer. See conn-watch.h. */
#include "analyzer/cli/conn-watch.h"

#include <stdio.h>

#include "analyzer/cli/conn-filter.h"
#include "analyzer/cli/explain.h"
#include "analyzer/cli/follow.h"
#include "dissectors/tcp/tcp-state.h"

struct WtConnWatch {
  WtConnObserver observer; /* first: the observer pointer is its WtConnWatch */
  WtConnFilter *explain, *follow;
  char *follow_dir;
};

/* One watched connection. */
typedef struct {
  gboolean explain;
  WtFollow *follow;
} Watched;

static gpointer watch_conn(const WtConnObserver *self, const WtConnInfo *info)
{
  const WtConnWatch *w = (const WtConnWatch *) self;
  gboolean explain = w->explain && wt_conn_filter_match(w->explain, info);
  gboolean follow = w->follow && wt_conn_filter_match(w->follow, info);
  if (!explain && !follow)
    return NULL;
  Watched *c = g_new0(Watched, 1);
  c->explain = explain;
  if (explain)
    wt_explain_begin(stdout, info);
  if (follow)
    c->follow = wt_follow_open(w->follow_dir, info);
  return c;
}

/* Only TCP offers connections to an observer: `transport` is its WtTcpConn. */
static void on_segment(gpointer watch, gconstpointer transport, const WtPacket *pkt, WtDir dir)
{
  Watched *c = watch;
  if (c->explain)
    wt_explain_segment(stdout, transport, pkt, dir);
}

static void on_stream_bytes(gpointer watch, const WtConnInfo *info, WtDir dir,
                            const guint8 *data, gsize len)
{
  Watched *c = watch;
  if (c->follow)
    wt_follow_write(c->follow, info, dir, data, len);
}

static void on_end(gpointer watch, gconstpointer transport, const WtConnInfo *info)
{
  Watched *c = watch;
  if (c->explain)
    wt_explain_end(stdout, transport, info);
  wt_follow_close(c->follow);
  g_free(c);
}

WtConnWatch *wt_conn_watch_new(const char *explain, const char *follow,
                               const char *follow_dir, GError **error)
{
  g_autoptr(WtConnWatch) w = g_new0(WtConnWatch, 1);
  w->observer = (WtConnObserver) { watch_conn, on_segment, on_stream_bytes, on_end };
  if (explain && !(w->explain = wt_conn_filter_parse(explain, error)))
    return NULL;
  if (follow && !(w->follow = wt_conn_filter_parse(follow, error)))
    return NULL;
  w->follow_dir = g_strdup(follow_dir);
  return g_steal_pointer(&w);
}

void wt_conn_watch_free(WtConnWatch *w)
{
  if (!w)
    return;
  wt_conn_filter_free(w->explain);
  wt_conn_filter_free(w->follow);
  g_free(w->follow_dir);
  g_free(w);
}

gboolean wt_conn_watch_prepare(WtConnWatch *w, GError **error)
{
  return !w->follow_dir || wt_follow_make_dir(w->follow_dir, error);
}

const WtConnObserver *wt_conn_watch_observer(const WtConnWatch *w)
{
  return w->explain || w->follow ? &w->observer : NULL;
}
