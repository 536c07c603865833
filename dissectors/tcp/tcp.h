/* The TCP dissector: glue between the flow table, the connection tracker (tcp-state),
 * the reassembler (reassembly) and the application dissector chosen for the flow.
 * Data flows one way: segment -> tracker -> reassembler -> application bytes. */
#pragma once
#include "analyzer/core/app-select.h"
#include "analyzer/pipeline/flow-table.h"
#include "analyzer/report/report.h"
#include "analyzer/core/stream.h"

typedef struct {
  gint64 time_wait_ns;
  gsize per_dir_cap, global_cap;
  int overlap_policy;
  const char *explain;     /* --explain FILTER */
  const char *follow;      /* --follow FILTER */
  const char *follow_dir;  /* NULL: stdout */
} WtTcpConfig;

typedef struct WtTcpDissector WtTcpDissector;

/* `apps` chooses each connection's application dissector. */
WtTcpDissector *wt_tcp_new(const WtTcpConfig *cfg, WtAppContext *app,
                           const WtAppSelector *apps, GError **error);
void wt_tcp_free(WtTcpDissector *t);

/* One TCP segment for `flow` (found or created by the caller; `created` says which).
 * Returns the flow the segment ended up in: a new one when a SYN reuses the tuple of a
 * finished connection (the old one is ended first). *dir is the segment's direction in
 * that flow, after any role flip. */
WtFlow *wt_tcp_packet(WtTcpDissector *t, WtFlowTable *ft, WtFlow *flow, gboolean created,
                      gboolean sent_by_lo, WtPacket *pkt, WtDir *dir);
/* The flow table ends a TCP flow: flush reassembly, end the application session,
 * write conn.log, add to the tap. */
void wt_tcp_flow_end(WtTcpDissector *t, WtFlow *flow, WtFlowEndReason why);
void wt_tcp_report(WtTcpDissector *t, WtReport *r);
/* --threads: add `from`'s tap (connection stats, reassembly counters; the peak of
 * buffered bytes becomes the sum of both peaks) into `into`. */
void wt_tcp_merge(WtTcpDissector *into, const WtTcpDissector *from);
