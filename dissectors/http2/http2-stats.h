/* The HTTP/2 tap: frame-level counters (section "http2"); the transactions themselves go to
 * the HTTP tap it is linked to (http.h, wt_http_add_exchange). Internal to dissectors/http2. */
#pragma once
#include <glib.h>

#include "analyzer/core/top-n.h"
#include "analyzer/report/report.h"
#include "dissectors/http/http.h"
#include "dissectors/http2/http2.h"

struct WtHttp2Stats {
  guint64 connections, upgrades, frames, header_blocks, hpack_desync;
  guint64 streams, streams_reset, streams_refused, streams_pushed, streams_untracked;
  guint64 streams_undecoded, interim, trailers, goaway, gaps, framing_lost, resyncs;
  guint64 framing_given_up;
  WtTopN *frame_types, *rst_errors, *goaway_errors, *settings;
  WtHttpStats *http; /* the HTTP tap (tap_link); NULL in unit tests without one */
};

gpointer wt_http2_stats_new(void);
void wt_http2_stats_free(gpointer s);
void wt_http2_stats_merge(gpointer into, gpointer from);
void wt_http2_stats_report(gpointer s, const WtReportOptions *opts, WtReport *r);
void wt_http2_stats_link(gpointer s, gpointer http_stats);
