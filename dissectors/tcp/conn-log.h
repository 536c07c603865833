/* conn.log for TCP connections: one JSON object per line with Zeek's field names and
 * Zeek's rules for optional fields (duration, orig_bytes and resp_bytes only when the
 * duration is > 0; service and history only when non-empty), plus our own fields
 * orig_state/resp_state (final RFC 793 states), handshake_rtt (seconds, SYN to ACK, when
 * measured) and close_kind. */
#pragma once
#include <glib.h>
#include <stdio.h>
#include "analyzer/core/stream.h"
#include "dissectors/tcp/tcp-state.h"

/* Append the record (with its newline) to out. service may be NULL or "". */
void wt_conn_log_format(GString *out, const WtTcpConn *c, const WtConnInfo *info,
                        const char *service);
void wt_conn_log_write(FILE *f, const WtTcpConn *c, const WtConnInfo *info,
                       const char *service);
