/* HTTP/2 (RFC 9113) with HPACK (RFC 7541, libnghttp2's inflater) behind the
 * WtStreamDissector interface: h2c with prior knowledge (the client connection preface), and
 * h2c by `Upgrade: h2c` (the HTTP session hands the connection over after the 101, with the
 * upgraded request for stream 1: WtHandoffNote, adopt). A TLS session that decrypts ALPN h2
 * feeds the same session callbacks with the plaintext.
 * Its streams are HTTP transactions: they go into the HTTP tap (section "http", http.log
 * with version "2" and the stream id), which the registry hands over through
 * .tap_of = "http". Frame-level counters are its own section "http2". */
#pragma once
#include "analyzer/core/stream.h"

extern const WtStreamDissector wt_http2_dissector;

/* The tap behind wt_http2_dissector.stats_new (opaque outside dissectors/http2). */
typedef struct WtHttp2Stats WtHttp2Stats;

/* Getters for tests. Scalars: connections, upgrades, frames, header_blocks, hpack_desync, streams,
 * streams_reset, streams_refused, streams_pushed, streams_untracked, streams_undecoded,
 * interim, trailers, goaway, gaps, framing_lost, resyncs, framing_given_up. Unknown names give 0. */
guint64 wt_http2_stats_get(const WtHttp2Stats *s, const char *name);
/* Count of `key` in map `table`: "frames" (type names), "rst_stream_errors",
 * "goaway_errors" (error code names), "settings" ("NAME=value"). */
guint64 wt_http2_stats_count(const WtHttp2Stats *s, const char *table, const char *key);
