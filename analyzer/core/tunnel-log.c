/* The tunnel.log table. See tunnel-log.h. */
#include "analyzer/core/tunnel-log.h"

static const WtLogColumn tunnel_columns[] = {
  WT_LOG_CONN_ID_COLUMNS,
  { "tunnel_type", WT_LOG_STRING, "tunnel_type", "String" },
  { "action", WT_LOG_STRING, "action", "String" },
};

G_STATIC_ASSERT(G_N_ELEMENTS(tunnel_columns) == WT_TUNNEL_LOG_N_COLUMNS);

const WtLogTable wt_tunnel_log_table = {
  .name = "tunnel",
  .columns = tunnel_columns,
  .n_columns = WT_TUNNEL_LOG_N_COLUMNS,
};

void wt_tunnel_log_write(WtLog *log, gint64 ts_ns, const WtConnInfo *id, const char *type,
                         const char *action)
{
  WtLogRecord r;
  wt_log_record_init(&r, &wt_tunnel_log_table);
  wt_log_set_time(&r, WT_LOG_COL_TS, ts_ns);
  if (id->uid[0])
    wt_log_set_str(&r, WT_LOG_COL_UID, id->uid);
  wt_log_set_str(&r, WT_LOG_COL_ORIG_H, wt_conn_info_addr(id, 0));
  wt_log_set_count(&r, WT_LOG_COL_ORIG_P, id->orig_p);
  wt_log_set_str(&r, WT_LOG_COL_RESP_H, wt_conn_info_addr(id, 1));
  wt_log_set_count(&r, WT_LOG_COL_RESP_P, id->resp_p);
  wt_log_set_str(&r, WT_TUNNEL_LOG_COL_TYPE, type);
  wt_log_set_str(&r, WT_TUNNEL_LOG_COL_ACTION, action);
  wt_log_write(log, &r);
}
