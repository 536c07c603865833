/* conn.log records for TCP connections (the table: analyzer/core/conn-log.h), with
 * Zeek's rules for optional fields (duration, orig_bytes and resp_bytes only when the
 * duration is > 0; service and history only when non-empty), plus our own fields
 * orig_state/resp_state (final RFC 793 states), handshake_rtt (seconds, SYN to ACK, when
 * measured) and close_kind. */
#pragma once
#include <glib.h>
#include "analyzer/core/conn-log.h"
#include "dissectors/tcp/tcp-state.h"

/* Fills the record (wt_conn_log_table). service may be NULL or "". */
void wt_tcp_conn_log_record(WtLogRecord *r, const WtTcpConn *c, const WtConnInfo *info,
                            const char *service);
/* The record as its JSON line, appended to out. */
void wt_tcp_conn_log_format(GString *out, const WtTcpConn *c, const WtConnInfo *info,
                            const char *service);
/* The record into the conn.log sink (nothing when log is NULL). */
void wt_tcp_conn_log_write(WtLog *log, const WtTcpConn *c, const WtConnInfo *info,
                           const char *service);
