/* conn.log: one table for every transport (Zeek's conn.log). The fields TCP and UDP share
 * are written here; each transport adds its own (TCP: states, handshake, teardown, per
 * direction counters). Columns keep the order of the records' fields. */
#pragma once
#include "analyzer/core/log-record.h"

extern const WtLogTable wt_conn_log_table;

typedef enum {
  WT_CONN_COL_PROTO = WT_LOG_N_CONN_ID_COLUMNS,
  WT_CONN_COL_SERVICE,
  WT_CONN_COL_DURATION,
  WT_CONN_COL_ORIG_BYTES,
  WT_CONN_COL_RESP_BYTES,
  WT_CONN_COL_CONN_STATE,
  WT_CONN_COL_MISSED_BYTES,
  WT_CONN_COL_HISTORY,
  WT_CONN_COL_ORIG_PKTS,
  WT_CONN_COL_ORIG_IP_BYTES,
  WT_CONN_COL_RESP_PKTS,
  WT_CONN_COL_RESP_IP_BYTES,
  WT_CONN_COL_TUNNEL_PARENTS, /* Zeek's: the uids of the tunnels carrying it */
  WT_CONN_COL_IP_PROTO,
  WT_CONN_COL_ORIG_STATE,
  WT_CONN_COL_RESP_STATE,
  WT_CONN_COL_HANDSHAKE_RTT,
  WT_CONN_COL_HANDSHAKE,
  WT_CONN_COL_CLOSE_KIND,
  WT_CONN_COL_FIRST_CLOSER,
  WT_CONN_COL_SYN_TS,
  WT_CONN_COL_SYNACK_TS,
  WT_CONN_COL_RTT_SYN_SYNACK,
  WT_CONN_COL_RTT_SYNACK_ACK,
  /* per direction (orig, then resp): FIN, FIN acknowledged, RST */
  WT_CONN_COL_ORIG_FIN_TS,
  WT_CONN_COL_ORIG_FIN_ACKED_TS,
  WT_CONN_COL_ORIG_RST_TS,
  WT_CONN_COL_RESP_FIN_TS,
  WT_CONN_COL_RESP_FIN_ACKED_TS,
  WT_CONN_COL_RESP_RST_TS,
  /* per direction (orig, then resp): WT_CONN_N_DIR_COUNTERS segment counters */
  WT_CONN_COL_ORIG_PAYLOAD_BYTES,
  WT_CONN_COL_ORIG_RETRANSMITS,
  WT_CONN_COL_ORIG_OUT_OF_ORDER,
  WT_CONN_COL_ORIG_DUP_ACKS,
  WT_CONN_COL_ORIG_ZERO_WINDOWS,
  WT_CONN_COL_ORIG_KEEPALIVES,
  WT_CONN_COL_RESP_PAYLOAD_BYTES,
  WT_CONN_COL_RESP_RETRANSMITS,
  WT_CONN_COL_RESP_OUT_OF_ORDER,
  WT_CONN_COL_RESP_DUP_ACKS,
  WT_CONN_COL_RESP_ZERO_WINDOWS,
  WT_CONN_COL_RESP_KEEPALIVES,
  WT_CONN_N_COLUMNS
} WtConnLogColumn;

#define WT_CONN_N_DIR_STEPS 3
#define WT_CONN_N_DIR_COUNTERS 6

/* Starts a conn.log record: the connection's identity (ts: its first packet), its
 * transport ("tcp", "udp") and the tunnels that carried it (info->tunnel_parents). */
void wt_conn_log_begin(WtLogRecord *r, gint64 ts_ns, const WtConnInfo *info,
                       const char *proto);
/* Packets and IP bytes per direction (WtDir index). */
void wt_conn_log_set_packets(WtLogRecord *r, const guint64 pkts[2], const guint64 ip_bytes[2]);
