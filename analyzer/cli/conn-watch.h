/* The command line's connection observer (analyzer/core/conn-observer.h): --explain draws
 * the ladder of each connection its filter matches (explain.h), --follow writes the bytes
 * of each connection its filter matches (follow.h). Filters are matched once per
 * connection, when its roles are known. */
#pragma once
#include <glib.h>
#include "analyzer/core/conn-observer.h"

typedef struct WtConnWatch WtConnWatch;

/* --explain FILTER and --follow FILTER, either NULL; follow_dir NULL: standard output.
 * NULL with error set when a filter does not parse (a usage error). */
WtConnWatch *wt_conn_watch_new(const char *explain, const char *follow,
                               const char *follow_dir, GError **error);
void wt_conn_watch_free(WtConnWatch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtConnWatch, wt_conn_watch_free)
/* Create the --follow directory, if one was given (with or without --follow). */
gboolean wt_conn_watch_prepare(WtConnWatch *w, GError **error);
/* What the analyzer is given (WtAnalyzerConfig.conn_observer), valid as long as w; NULL
 * without a filter (nothing to watch: the analyzer then runs without an observer). */
const WtConnObserver *wt_conn_watch_observer(const WtConnWatch *w);
