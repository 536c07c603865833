/* tunnel.log (Zeek's): one row when a tunnel is first seen carrying a connection
 * (Tunnel::DISCOVER), one when the UDP connection carrying it ends (Tunnel::CLOSE) and one
 * when it was idle for WT_TUNNEL_LOG_EXPIRE_NS (Tunnel::EXPIRE). The uid is the carrying
 * UDP connection's (VXLAN, Geneve, GTP-U, Teredo, AYIYA) or one of the tunnel's own (IP in
 * IP, GRE): conn.log's tunnel_parents of the connections inside name it. */
#pragma once
#include "analyzer/core/log-record.h"

extern const WtLogTable wt_tunnel_log_table;

enum {
  WT_TUNNEL_LOG_COL_TYPE = WT_LOG_N_CONN_ID_COLUMNS,
  WT_TUNNEL_LOG_COL_ACTION,
  WT_TUNNEL_LOG_N_COLUMNS
};

/* Zeek's Tunnel::expiration_interval. */
#define WT_TUNNEL_LOG_EXPIRE_NS (G_GINT64_CONSTANT(3600) * 1000000000)

/* One row: `id` names the tunnel (its uid empty: none, as Zeek's SOCKS rows), `type`
 * Zeek's "Tunnel::VXLAN" ..., `action` "Tunnel::DISCOVER", "Tunnel::CLOSE" or
 * "Tunnel::EXPIRE". */
void wt_tunnel_log_write(WtLog *log, gint64 ts_ns, const WtConnInfo *id, const char *type,
                         const char *action);
