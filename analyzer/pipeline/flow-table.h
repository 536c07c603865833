/* The flow table: owns every flow. Keyed by protocol + both endpoints, direction-
 * independent (smaller endpoint first, padding zeroed). Idle timeouts run in capture time,
 * never wall-clock time. Live flows are capped: at the cap the oldest idle flow is evicted
 * (counted as flow.evicted). Every flow gets its end callback before it is freed. */
#pragma once
#include <glib.h>
#include "analyzer/core/flow.h"

typedef struct {
  guint max_flows;                 /* default 1,000,000 */
  gint64 timeout_ns[WT_TIMER_N];   /* per timer class */
} WtFlowLimits;

void wt_flow_limits_default(WtFlowLimits *l);

typedef void (*WtFlowEndFunc)(WtFlow *flow, WtFlowEndReason reason, gpointer user_data);

typedef struct WtFlowTable WtFlowTable;

WtFlowTable *wt_flow_table_new(const WtFlowLimits *limits, WtFlowEndFunc on_end,
                               gpointer user_data, WtAnomalies *anomalies);
/* Ends (callback) and frees every remaining flow (reason WT_FLOW_END_INPUT). */
void wt_flow_table_free(WtFlowTable *t);

/* Build the canonical key of pkt; *dir_from_lo is TRUE when pkt was sent by key.lo. */
void wt_flow_key_from_packet(const WtPacket *pkt, WtFlowKey *key, gboolean *sent_by_lo);

/* Find the flow, or create it with pkt's sender as provisional originator. */
WtFlow *wt_flow_table_lookup(WtFlowTable *t, const WtFlowKey *key, gboolean sent_by_lo,
                             gint64 ts_ns, gboolean *created);
/* Mark activity: moves the flow to the tail of its timer class. */
void wt_flow_table_touch(WtFlowTable *t, WtFlow *f, gint64 ts_ns);
void wt_flow_table_set_timer(WtFlowTable *t, WtFlow *f, WtTimerClass c);
/* End and free one flow now (callback with `reason`). */
void wt_flow_table_remove(WtFlowTable *t, WtFlow *f, WtFlowEndReason reason);
/* End flows idle for longer than their class's timeout at capture time now_ns. */
void wt_flow_table_expire(WtFlowTable *t, gint64 now_ns);
/* End every flow (end of input); the table stays usable. */
void wt_flow_table_flush(WtFlowTable *t);

guint wt_flow_table_size(const WtFlowTable *t);
guint64 wt_flow_table_created(const WtFlowTable *t);
guint64 wt_flow_table_evicted(const WtFlowTable *t);
guint wt_flow_table_peak(const WtFlowTable *t);
void wt_flow_table_foreach(WtFlowTable *t, void (*fn)(WtFlow *f, gpointer ud), gpointer ud);

/* Flow serials (and so uids) from a frame number instead of a creation count: a flow
 * created by frame k gets serial 4k + (flows created earlier by the same frame, at most
 * two: TCP port reuse). `counter` is read at each creation, never written; the analyzer
 * points it at its frame count (1-based), a --threads worker at the frame's number in the
 * whole input, so uids do not depend on how frames are spread over threads. NULL: serials
 * count creations (0, 1, 2 ...). */
void wt_flow_table_set_frame_counter(WtFlowTable *t, const guint64 *counter);
/* The uid of serial `serial` ('C' + 17 base62 characters, NUL; out holds 19 bytes): a
 * flow's is its serial's; other things with uids (tunnels) take serials flows never
 * have. */
void wt_flow_uid(char *out, guint64 serial);
/* --threads: add `from`'s counters (created, evicted; peak: the sum of both peaks, an
 * upper bound of the peak of all flows together) into `into`. Flows are not moved. */
void wt_flow_table_merge_counters(WtFlowTable *into, const WtFlowTable *from);
