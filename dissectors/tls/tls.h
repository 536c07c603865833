/* TLS handshake sniffer behind the WtStreamDissector interface: reads the ClientHello
 * (SNI, ALPN, highest offered version) and the ServerHello (negotiated version), then
 * skips the rest of the connection unread. Report section "tls". */
#pragma once
#include "analyzer/core/stream.h"

extern const WtStreamDissector wt_tls_dissector;

typedef struct WtTlsStats WtTlsStats;

/* Scalars: client_hellos, server_hellos, no_sni, sslv2_hellos, not_tls, malformed.
 * Unknown names give 0. */
guint64 wt_tls_stats_get(const WtTlsStats *s, const char *name);
/* Count for a key of "sni", "alpn", "negotiated_versions", "client_versions". */
guint64 wt_tls_stats_count(const WtTlsStats *s, const char *table, const char *key);
/* "TLS 1.3", "TLS 1.2" ... "SSL 3.0", or "0x%04x" for anything else; static or buf. */
const char *wt_tls_version_name(guint16 v, char *buf, gsize size);
