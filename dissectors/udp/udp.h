/* UDP flows: bidirectional 5-tuple "connections" (first/last time, packets and bytes per
 * direction), conn.log lines with Zeek's UDP semantics, and the "udp" report section.
 * Payload dispatch: each flow gets at most one payload dissector from the registry (those
 * with a `datagram` callback), chosen once: responder port, originator port, then a
 * content probe on the first datagram with payload (one cut by the snaplen is not
 * probed: the choice waits for the next). */
#pragma once
#include "analyzer/core/app-select.h"
#include "analyzer/core/fleet-query.h"
#include "analyzer/core/flow.h"
#include "analyzer/report/report.h"
#include "analyzer/core/stream.h"

typedef struct WtUdpDissector WtUdpDissector;

/* `apps` may be NULL: flows only, no payload dissection. */
WtUdpDissector *wt_udp_new(WtAppContext *app, const WtAppSelector *apps);
void wt_udp_free(WtUdpDissector *u);
/* One UDP datagram of `flow` in direction `dir`: counts it and hands its payload to the
 * flow's dissector (skipped when cut by the snaplen or, with --verify-checksums, when
 * the checksum is wrong: the receiver would have dropped it). */
void wt_udp_packet(WtUdpDissector *u, WtFlow *flow, gboolean created, const WtPacket *pkt,
                   WtDir dir);
/* The flow table ends a UDP flow: ends the payload session, writes conn.log (service =
 * the dissector's name), adds to the tap. */
void wt_udp_flow_end(WtUdpDissector *u, WtFlow *flow, WtFlowEndReason why);
void wt_udp_report(WtUdpDissector *u, WtReport *r);
/* --threads: add `from`'s tap into `into` (after both saw every flow end). */
void wt_udp_merge(WtUdpDissector *into, const WtUdpDissector *from);
/* Zeek's UDP conn_state: SF both sent, S0 only the originator, SHR only the responder. */
const char *wt_udp_conn_state(guint64 orig_pkts, guint64 resp_pkts);

/* The fleet report's "udp" section (--from-clickhouse), from the conn table's rows. */
gboolean wt_udp_fleet_report(const WtFleet *f, WtReport *r, GError **error);
