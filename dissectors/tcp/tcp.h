/* The TCP dissector: glue between the flows the pipeline gives it, the connection tracker
 * (tcp-state), the reassembler (reassembly) and the application dissector chosen for the
 * flow. Data flows one way: segment -> tracker -> reassembler -> application bytes. The
 * pipeline owns the flows: TCP tells it when a SYN starts a new connection on a tuple and
 * which timer a flow belongs in, and never creates, ends or times flows itself. */
#pragma once
#include "analyzer/core/app-select.h"
#include "analyzer/core/conn-observer.h"
#include "analyzer/core/fleet-query.h"
#include "analyzer/core/flow.h"
#include "analyzer/report/report.h"
#include "analyzer/core/stream.h"

typedef struct {
  gint64 time_wait_ns;
  gsize per_dir_cap, global_cap;
  int overlap_policy;
  const WtConnObserver *observer; /* watches chosen connections; NULL: none */
} WtTcpConfig;

typedef struct WtTcpDissector WtTcpDissector;

/* `apps` chooses each connection's application dissector. */
WtTcpDissector *wt_tcp_new(const WtTcpConfig *cfg, WtAppContext *app,
                           const WtAppSelector *apps);
void wt_tcp_free(WtTcpDissector *t);

/* The test behind wt_tcp_starts_new_connection, for any segment. */
gboolean wt_tcp_syn_starts_new_connection(const WtTcpDissector *t, const WtFlow *flow,
                                          const WtPacket *pkt, WtDir dir);
/* Port reuse: TRUE when pkt, a segment of the existing TCP `flow` sent in direction
 * `dir`, is a SYN that starts a new connection on the flow's tuple (the old one is
 * finished, or the SYN has another ISN). The caller then ends `flow` and gives pkt to a
 * new flow. Only a SYN without ACK can, so other segments cost no call. */
static inline gboolean wt_tcp_starts_new_connection(const WtTcpDissector *t, const WtFlow *flow,
                                                    const WtPacket *pkt, WtDir dir)
{
  return (pkt->tcp_flags & (WT_TCP_SYN | WT_TCP_ACK)) == WT_TCP_SYN &&
         wt_tcp_syn_starts_new_connection(t, flow, pkt, dir);
}
/* One TCP segment of `flow` (found or created by the caller), sent in direction *dir.
 * On return *dir is the segment's direction after any role flip (the flow's roles are
 * swapped then). Returns the timer class the flow belongs in now. */
WtTimerClass wt_tcp_packet(WtTcpDissector *t, WtFlow *flow, WtPacket *pkt, WtDir *dir);
/* The flow table ends a TCP flow: flush reassembly, end the application session,
 * write conn.log, add to the tap. */
void wt_tcp_flow_end(WtTcpDissector *t, WtFlow *flow, WtFlowEndReason why);
void wt_tcp_report(WtTcpDissector *t, WtReport *r);

/* Connection events as they happen (the report's connection stats are counted when a
 * connection ends, which a closed one does only after TIME-WAIT): for the live view. */
typedef struct {
  guint64 opened;       /* connections started by a SYN */
  guint64 established;  /* handshakes completed */
  guint64 refused;      /* a SYN answered by RST, no SYN+ACK */
  guint64 reset;        /* a RST after the handshake */
  /* Application sessions alive now, and those freed when their connection closed (both
   * directions ended, WtStreamDissector.settled) rather than at the flow's end: a closed
   * connection waits out TIME-WAIT in the flow table without its session. */
  guint64 sessions_live;
  guint64 sessions_freed_at_close;
} WtTcpLiveCounts;
void wt_tcp_live_counts(const WtTcpDissector *t, WtTcpLiveCounts *out);
/* Live metrics (--metrics): connections ended so far by Zeek conn_state, and the
 * connection events (WtTcpLiveCounts) as they happen. */
void wt_tcp_metrics(const WtTcpDissector *t, WtMetrics *m);
/* --threads: add `from`'s tap (connection stats, reassembly counters; the peak of
 * buffered bytes becomes the sum of both peaks) into `into`. */
void wt_tcp_merge(WtTcpDissector *into, const WtTcpDissector *from);

/* The fleet report's "tcp" section (--from-clickhouse), from the conn table's rows. */
gboolean wt_tcp_fleet_report(const WtFleet *f, WtReport *r, GError **error);
