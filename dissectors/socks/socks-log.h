/* socks.log: one record per SOCKS request, Zeek's field names (ts uid id.* version user
 * status request.host request.name request_p bound.host bound.name bound_p); the password
 * is never logged (Zeek's default). */
#pragma once
#include "analyzer/core/log-record.h"
#include "dissectors/socks/socks-parse.h"

extern const WtLogTable wt_socks_log_table;

/* status: Zeek's text, NULL when no reply was seen; bound: NULL likewise. */
void wt_socks_log_write(WtLog *log, const WtConnInfo *conn, gint64 ts_ns,
                        const WtSocksRequest *req, const char *user, const char *status,
                        const WtSocksAddr *bound);
