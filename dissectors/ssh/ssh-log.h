/* ssh.log: one record per SSH connection, Zeek's field names (ts uid id.* version client
 * server cipher_alg mac_alg compression_alg kex_alg host_key_alg). */
#pragma once
#include "analyzer/core/log-record.h"
#include "dissectors/ssh/ssh-stats.h"

extern const WtLogTable wt_ssh_log_table;

/* ts: capture time of the first identification string. */
void wt_ssh_log_write(WtLog *log, const WtConnInfo *conn, gint64 ts_ns,
                      const WtSshConnSummary *c);
