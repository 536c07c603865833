/* The tunnels seen carrying connections, for tunnel.log and conn.log's tunnel_parents
 * (Zeek's Tunnel framework): a tunnel carried by a UDP connection (VXLAN, Geneve, GTP-U,
 * Teredo, AYIYA) is that connection, named by its uid and closed when it ends; an IP
 * tunnel (IP in IP, GRE and what Zeek counts as GRE) is the pair of addresses inside its
 * enclosing path, with a uid of its own, expired after an hour without traffic and not
 * closed at the end of input (Zeek logs no row then either). */
#pragma once
#include <glib.h>
#include "analyzer/core/flow.h"
#include "analyzer/core/log-record.h"
#include "dissectors/tunnel/tunnel.h"

typedef struct WtTunnelSessions WtTunnelSessions;

WtTunnelSessions *wt_tunnel_sessions_new(void);
void wt_tunnel_sessions_free(WtTunnelSessions *s);

/* Layer `layer` of a frame at `ts_ns` carried a connection: its tunnel, begun when new
 * (a DISCOVER row into `log`, which may be NULL). `udp_flow` is the UDP connection that
 * carries a UDP tunnel (NULL for IP tunnels); `serial` the uid serial a new IP tunnel
 * takes (wt_flow_uid). Returns the tunnel's uid, valid until the next call. */
const char *wt_tunnel_sessions_note(WtTunnelSessions *s, WtLog *log,
                                    const WtTunnelLayer *layer, const WtFlow *udp_flow,
                                    guint64 serial, gint64 ts_ns);
/* A UDP flow ended at `ts_ns`: when it carried a tunnel, its CLOSE row. */
void wt_tunnel_sessions_flow_end(WtTunnelSessions *s, WtLog *log, const WtFlow *flow,
                                 gint64 ts_ns);
/* Tunnels idle for WT_TUNNEL_LOG_EXPIRE_NS at `now_ns`: EXPIRE rows, forgotten. */
void wt_tunnel_sessions_expire(WtTunnelSessions *s, WtLog *log, gint64 now_ns);

/* conn.log's tunnel_parents of a flow: `uid` added to the packed set in `info` once
 * (at most WT_TUNNEL_MAX_PARENTS; the set is g_malloc'd, wt_tunnel_parents_clear frees
 * it). */
#define WT_TUNNEL_MAX_PARENTS 8u
void wt_tunnel_parents_add(WtConnInfo *info, const char *uid);
void wt_tunnel_parents_clear(WtConnInfo *info);
