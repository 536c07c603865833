/* The "tcp" tap: per-connection outcomes summed when each connection ends (connection
 * count, Zeek conn_state counts, handshake and teardown tables, handshake RTT percentiles,
 * anomaly counters), merged across threads, written as report section "tcp".
 *
 * RTT percentiles use bounded memory: a fixed histogram of the full handshake RTT (SYN to
 * the ACK of the SYN+ACK, i.e. both half-RTTs, which is the round trip whatever side of the
 * path the capture was taken on) with WT_TCP_RTT_PER_DECADE logarithmic buckets per decade
 * from 1 us to 1000 s. A percentile is the geometric middle of the bucket holding the
 * nearest-rank sample, clamped to the exact minimum and maximum seen, so it is within
 * half a bucket (+-6 %) of the exact value. */
#pragma once
#include <glib.h>
#include "analyzer/report/report.h"
#include "dissectors/tcp/tcp-state.h"

#define WT_TCP_RTT_PER_DECADE 20
#define WT_TCP_RTT_DECADES 9 /* 1 us .. 1000 s */
#define WT_TCP_RTT_BUCKETS (WT_TCP_RTT_PER_DECADE * WT_TCP_RTT_DECADES + 1)

typedef struct {
  guint64 connections;
  guint64 conn_states[WT_CONN_STATE_COUNT];
  guint64 handshake[WT_TCP_HS_COUNT];
  guint64 teardown[WT_TCP_CLOSE_COUNT];

  guint64 rtt_hist[WT_TCP_RTT_BUCKETS];
  guint64 rtt_samples;
  gint64 rtt_min_ns, rtt_max_ns;

  /* totals over connections */
  guint64 pkts[2], ip_bytes[2], payload_bytes[2];
  guint64 retransmits, out_of_order, dup_acks, zero_windows, keepalives;
  guint64 syn_rexmits, fin_rexmits, bad_checksums, gaps, missed_bytes;
  guint64 rst_ignored, rst_out_of_window, ack_beyond_sent;
  guint64 flipped, orig_guessed, half_close_data, closed_by_orig, closed_by_resp;
} WtTcpStats;

WtTcpStats *wt_tcp_stats_new(void);
void wt_tcp_stats_free(WtTcpStats *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtTcpStats, wt_tcp_stats_free)

/* Count a connection that has ended (after wt_tcp_conn_timeout/finish if applicable). */
void wt_tcp_stats_add_conn(WtTcpStats *s, const WtTcpConn *c);
/* into += from (for --threads). */
void wt_tcp_stats_merge(WtTcpStats *into, const WtTcpStats *from);
/* Percentile (0 < p <= 100) of the handshake RTT in ns; FALSE without samples. */
gboolean wt_tcp_stats_rtt_percentile(const WtTcpStats *s, double p, gint64 *ns);
/* Section "tcp". */
void wt_tcp_stats_report(WtTcpStats *s, WtReport *r);
/* Its chart hints (for reports built elsewhere, e.g. from ClickHouse). */
void wt_tcp_report_charts(WtSection *sec);
