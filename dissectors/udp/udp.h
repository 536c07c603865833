/* UDP flows: bidirectional 5-tuple "connections" (first/last time, packets and bytes per
 * direction), conn.log lines with Zeek's UDP semantics, and the "udp" report section. */
#pragma once
#include "analyzer/flow-table.h"
#include "analyzer/report.h"
#include "analyzer/stream.h"

typedef struct WtUdpDissector WtUdpDissector;

WtUdpDissector *wt_udp_new(WtAppContext *app);
void wt_udp_free(WtUdpDissector *u);
void wt_udp_packet(WtUdpDissector *u, WtFlowTable *ft, WtFlow *flow, gboolean created,
                   const WtPacket *pkt, WtDir dir);
void wt_udp_flow_end(WtUdpDissector *u, WtFlow *flow, WtFlowEndReason why);
void wt_udp_report(WtUdpDissector *u, WtReport *r);
/* Zeek's UDP conn_state: SF both sent, S0 only the originator, SHR only the responder. */
const char *wt_udp_conn_state(guint64 orig_pkts, guint64 resp_pkts);
