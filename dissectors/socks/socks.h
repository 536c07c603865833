/* SOCKS 4, 4a and 5 proxies behind the WtStreamDissector interface: the handshake
 * (greeting, RFC 1929 username/password authentication, request, reply) is read, and
 * after a granted CONNECT (or BIND) the rest of the connection is handed back to TCP's
 * choice (WtStreamDissector.handoff), so the HTTP or TLS inside is analysed as on any
 * connection. Port 1080 and a strict probe; socks.log with Zeek's field names; its part
 * of the "proxies" report section. */
#pragma once
#include "analyzer/core/stream.h"

extern const WtStreamDissector wt_socks_dissector;

/* The tap behind wt_socks_dissector.stats_new (opaque outside dissectors/socks). */
typedef struct WtSocksStats WtSocksStats;

/* Getters for tests. Scalars: handshakes, granted, refused, auth_failed, handed_off, not_socks,
 * malformed, gaps. Unknown names give 0. */
guint64 wt_socks_stats_get(const WtSocksStats *s, const char *name);
/* Count of `key` in "socks_versions", "socks_commands", "socks_auth", "socks_replies" or
 * "socks_targets". */
guint64 wt_socks_stats_count(const WtSocksStats *s, const char *table, const char *key);
