/* The conn.log table and the fields every transport writes. See conn-log.h. */
#include "analyzer/core/conn-log.h"

#define TIME_COL(name) { name, WT_LOG_TIME, name, "Nullable(Float64)" }
#define INTERVAL_COL(name) { name, WT_LOG_INTERVAL, name, "Nullable(Float64)" }
#define COUNT_COL(name) { name, WT_LOG_COUNT, name, "UInt64" }
#define STRING_COL(name) { name, WT_LOG_STRING, name, "String" }

static const WtLogColumn conn_columns[] = {
  WT_LOG_CONN_ID_COLUMNS,
  STRING_COL("proto"),
  STRING_COL("service"),
  { "duration", WT_LOG_INTERVAL, "duration", "Float64" },
  COUNT_COL("orig_bytes"),
  COUNT_COL("resp_bytes"),
  STRING_COL("conn_state"),
  COUNT_COL("missed_bytes"),
  STRING_COL("history"),
  COUNT_COL("orig_pkts"),
  COUNT_COL("orig_ip_bytes"),
  COUNT_COL("resp_pkts"),
  COUNT_COL("resp_ip_bytes"),
  { "tunnel_parents", WT_LOG_STRINGS, "tunnel_parents", "Array(String)" },
  { "ip_proto", WT_LOG_COUNT, "ip_proto", "UInt8" },
  STRING_COL("orig_state"),
  STRING_COL("resp_state"),
  INTERVAL_COL("handshake_rtt"),
  STRING_COL("handshake"),
  STRING_COL("close_kind"),
  STRING_COL("first_closer"),
  TIME_COL("syn_ts"),
  TIME_COL("synack_ts"),
  INTERVAL_COL("rtt_syn_synack"),
  INTERVAL_COL("rtt_synack_ack"),
  TIME_COL("orig_fin_ts"),
  TIME_COL("orig_fin_acked_ts"),
  TIME_COL("orig_rst_ts"),
  TIME_COL("resp_fin_ts"),
  TIME_COL("resp_fin_acked_ts"),
  TIME_COL("resp_rst_ts"),
  COUNT_COL("orig_payload_bytes"),
  COUNT_COL("orig_retransmits"),
  COUNT_COL("orig_out_of_order"),
  COUNT_COL("orig_dup_acks"),
  COUNT_COL("orig_zero_windows"),
  COUNT_COL("orig_keepalives"),
  COUNT_COL("resp_payload_bytes"),
  COUNT_COL("resp_retransmits"),
  COUNT_COL("resp_out_of_order"),
  COUNT_COL("resp_dup_acks"),
  COUNT_COL("resp_zero_windows"),
  COUNT_COL("resp_keepalives"),
};

G_STATIC_ASSERT(G_N_ELEMENTS(conn_columns) == WT_CONN_N_COLUMNS);
G_STATIC_ASSERT(WT_CONN_N_COLUMNS <= WT_LOG_MAX_COLUMNS);

/* The ClickHouse tables were first created with the teardown times grouped by kind (FINs,
 * then RSTs), and without tunnel_parents (added last); the schema keeps that order so it
 * stays the same for existing clusters. */
static const guint8 conn_ch_order[] = {
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, WT_CONN_COL_IP_PROTO, 20,
  21, 22, 23, 24, 25, 26, 27, 28, 29,
  WT_CONN_COL_ORIG_FIN_TS, WT_CONN_COL_ORIG_FIN_ACKED_TS,
  WT_CONN_COL_RESP_FIN_TS, WT_CONN_COL_RESP_FIN_ACKED_TS,
  WT_CONN_COL_ORIG_RST_TS, WT_CONN_COL_RESP_RST_TS,
  36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
  WT_CONN_COL_TUNNEL_PARENTS,
};

G_STATIC_ASSERT(G_N_ELEMENTS(conn_ch_order) == WT_CONN_N_COLUMNS);
G_STATIC_ASSERT(WT_CONN_COL_IP_PROTO == 19 && WT_CONN_COL_ORIG_FIN_TS == 30
                && WT_CONN_COL_ORIG_PAYLOAD_BYTES == 36);

const WtLogTable wt_conn_log_table = {
  .name = "conn",
  .columns = conn_columns,
  .n_columns = WT_CONN_N_COLUMNS,
  .ch_order = conn_ch_order,
};

void wt_conn_log_begin(WtLogRecord *r, gint64 ts_ns, const WtConnInfo *info,
                       const char *proto)
{
  wt_log_record_init(r, &wt_conn_log_table);
  wt_log_set_conn_id(r, ts_ns, info);
  wt_log_set_str(r, WT_CONN_COL_PROTO, proto);
  if (info->n_tunnel_parents)
    wt_log_set_strings(r, WT_CONN_COL_TUNNEL_PARENTS, info->tunnel_parents,
                       info->n_tunnel_parents);
}

void wt_conn_log_set_packets(WtLogRecord *r, const guint64 pkts[2], const guint64 ip_bytes[2])
{
  wt_log_set_count(r, WT_CONN_COL_ORIG_PKTS, pkts[WT_DIR_ORIG]);
  wt_log_set_count(r, WT_CONN_COL_ORIG_IP_BYTES, ip_bytes[WT_DIR_ORIG]);
  wt_log_set_count(r, WT_CONN_COL_RESP_PKTS, pkts[WT_DIR_RESP]);
  wt_log_set_count(r, WT_CONN_COL_RESP_IP_BYTES, ip_bytes[WT_DIR_RESP]);
}
