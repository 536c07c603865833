/* SSH (RFC 4253) behind the WtStreamDissector interface: the identification strings of
 * both sides (client and server software) and their KEXINIT algorithm lists, from which
 * the negotiated key exchange, host key, cipher, MAC and compression follow (7.1). The
 * rest of a connection is encrypted and skipped unread. Report section "ssh", ssh.log
 * with Zeek's field names, timeline series ssh_connections. */
#pragma once
#include "analyzer/core/stream.h"

extern const WtStreamDissector wt_ssh_dissector;

/* The tap behind wt_ssh_dissector.stats_new (opaque outside dissectors/ssh). */
typedef struct WtSshStats WtSshStats;

/* Getters for tests and tools. Scalars: connections, kex_seen, not_ssh, malformed, gaps.
 * Unknown names give 0. */
guint64 wt_ssh_stats_get(const WtSshStats *s, const char *name);
/* Count of `key` in table or map `table` of the report: "client_software",
 * "server_software", "versions", "kex_alg", "host_key_alg", "cipher_alg", "mac_alg",
 * "compression_alg". */
guint64 wt_ssh_stats_count(const WtSshStats *s, const char *table, const char *key);
