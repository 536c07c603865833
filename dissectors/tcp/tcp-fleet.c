/* The fleet report's "tcp" section: TCP connections summed over every sensor's conn.log
 * rows (the conn table of analyzer/core/conn-log.h), in the single run's shape. */
#include "dissectors/tcp/tcp.h"
#include "dissectors/tcp/tcp-stats.h"

#include <string.h>

static const char *const conn_state_order[] = {
  "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH",
};
static const char *const conn_state_meaning[] = {
  "attempt, no reply", "established, not closed", "normal open and close", "rejected",
  "established, originator closed only", "established, responder closed only",
  "originator aborted (RST)", "responder aborted (RST)", "originator SYN then RST",
  "responder SYN+ACK then RST", "originator SYN then FIN", "responder SYN+ACK then FIN",
  "no SYN seen / other",
};
/* conn.log names ("mid-stream") and report keys ("mid_stream"), in report order */
static const char *const handshake_names[] = {
  "completed", "refused", "unanswered", "simultaneous", "mid-stream", "incomplete",
};
static const char *const close_kind_names[] = {
  "four-way", "three-segment", "simultaneous", "half-closed", "reset-by-orig",
  "reset-by-resp", "refused", "unanswered", "timed-out", "open-at-end",
};
/* the single-run report's labels (dissectors/tcp/tcp-stats.c) */
static const char *const handshake_labels[] = {
  "Completed (SYN, SYN+ACK, ACK)", "Refused (SYN answered by RST)", "Unanswered SYN",
  "Simultaneous open", "Mid-stream (no SYN seen)", "Answered, never completed",
};
static const char *const close_kind_labels[] = {
  "Four-way FIN close", "Three-segment close (FIN, FIN+ACK, ACK)", "Simultaneous close",
  "Half-closed (one FIN only)", "Reset by originator", "Reset by responder", "Refused",
  "Unanswered", "Timed out while open", "Still open at end of input",
};

static char *key_of(const char *name)
{
  char *k = g_strdup(name);
  g_strdelimit(k, "-", '_');
  return k;
}

static guint64 lookup_count(GPtrArray *rows, const char *name)
{
  for (guint r = 0; r < rows->len; r++)
    if (strcmp(wt_fleet_cell(rows, r, 0), name) == 0)
      return wt_fleet_u64(rows, r, 1);
  return 0;
}

gboolean wt_tcp_fleet_report(const WtFleet *f, WtReport *r, GError **error)
{
  const char *tcp = "proto = 'tcp'";
  g_autoptr(GPtrArray) tot = wt_fleet_select(f, "conn",
    "count(), countIf(first_closer = 'orig'), countIf(first_closer = 'resp'), "
    "sum(orig_retransmits + resp_retransmits), sum(orig_out_of_order + resp_out_of_order), "
    "sum(orig_dup_acks + resp_dup_acks), sum(orig_zero_windows + resp_zero_windows), "
    "sum(orig_keepalives + resp_keepalives), sum(missed_bytes), "
    "sum(orig_pkts), sum(resp_pkts), sum(orig_ip_bytes), sum(resp_ip_bytes), "
    "sum(orig_payload_bytes), sum(resp_payload_bytes), "
    "count(handshake_rtt), quantileExact(0.5)(handshake_rtt), "
    "quantileExact(0.9)(handshake_rtt), quantileExact(0.99)(handshake_rtt), "
    "min(handshake_rtt), max(handshake_rtt)", tcp, NULL, error);
  if (!tot)
    return FALSE;
  g_autoptr(GPtrArray) states = wt_fleet_select(f, "conn", "conn_state, count()", tcp,
                                            "GROUP BY conn_state", error);
  if (!states)
    return FALSE;
  g_autoptr(GPtrArray) hs = wt_fleet_select(f, "conn", "handshake, count()", tcp,
                                        "GROUP BY handshake", error);
  if (!hs)
    return FALSE;
  g_autoptr(GPtrArray) td = wt_fleet_select(f, "conn", "close_kind, count()", tcp,
                                        "GROUP BY close_kind", error);
  if (!td)
    return FALSE;

  guint64 conns = tot->len ? wt_fleet_u64(tot, 0, 0) : 0;
  WtSection *sec = wt_report_section(r, "tcp", "TCP connections");
  wt_tcp_report_charts(sec);
  wt_section_u64(sec, "connections", "Connections", conns);
  wt_section_map_u64(sec, "conn_states", "By Zeek conn_state", NULL, 0);
  for (gsize i = 0; i < G_N_ELEMENTS(conn_state_order); i++) {
    guint64 n = lookup_count(states, conn_state_order[i]);
    if (n)
      wt_section_map_u64(sec, "conn_states", "By Zeek conn_state", conn_state_order[i], n);
  }
  WtSection *h = wt_section_object(sec, "handshake", "Handshakes");
  for (gsize i = 0; i < G_N_ELEMENTS(handshake_names); i++) {
    g_autofree char *k = key_of(handshake_names[i]);
    wt_section_u64(h, k, handshake_labels[i], lookup_count(hs, handshake_names[i]));
  }
  WtSection *t = wt_section_object(sec, "teardown", "Teardowns");
  for (gsize i = 0; i < G_N_ELEMENTS(close_kind_names); i++) {
    g_autofree char *k = key_of(close_kind_names[i]);
    wt_section_u64(t, k, close_kind_labels[i], lookup_count(td, close_kind_names[i]));
  }
  if (tot->len) {
    wt_section_u64(t, "closed_first_by_orig", "First FIN/RST from originator", wt_fleet_u64(tot, 0, 1));
    wt_section_u64(t, "closed_first_by_resp", "First FIN/RST from responder", wt_fleet_u64(tot, 0, 2));
    WtSection *rtt = wt_section_object(sec, "rtt_ms", "Handshake RTT, SYN to ACK (ms)");
    guint64 samples = wt_fleet_u64(tot, 0, 15);
    wt_section_u64(rtt, "samples", "Samples", samples);
    if (samples) {
      wt_section_double(rtt, "p50", "50th percentile", wt_fleet_dbl(tot, 0, 16) * 1e3);
      wt_section_double(rtt, "p90", "90th percentile", wt_fleet_dbl(tot, 0, 17) * 1e3);
      wt_section_double(rtt, "p99", "99th percentile", wt_fleet_dbl(tot, 0, 18) * 1e3);
      wt_section_double(rtt, "min", "Minimum", wt_fleet_dbl(tot, 0, 19) * 1e3);
      wt_section_double(rtt, "max", "Maximum", wt_fleet_dbl(tot, 0, 20) * 1e3);
    }
    WtSection *an = wt_section_object(sec, "anomalies", "Segment anomalies");
    wt_section_u64(an, "retransmissions", "Retransmitted segments", wt_fleet_u64(tot, 0, 3));
    wt_section_u64(an, "out_of_order", "Out-of-order segments", wt_fleet_u64(tot, 0, 4));
    wt_section_u64(an, "duplicate_acks", "Duplicate ACKs", wt_fleet_u64(tot, 0, 5));
    wt_section_u64(an, "zero_windows", "Zero-window advertisements", wt_fleet_u64(tot, 0, 6));
    wt_section_u64(an, "keepalives", "Keep-alives", wt_fleet_u64(tot, 0, 7));
    wt_section_u64(an, "missed_bytes", "Missed bytes", wt_fleet_u64(tot, 0, 8));
    WtSection *tr = wt_section_object(sec, "traffic", "Traffic");
    wt_section_u64(tr, "orig_pkts", "Originator packets", wt_fleet_u64(tot, 0, 9));
    wt_section_u64(tr, "resp_pkts", "Responder packets", wt_fleet_u64(tot, 0, 10));
    wt_section_u64(tr, "orig_ip_bytes", "Originator IP bytes", wt_fleet_u64(tot, 0, 11));
    wt_section_u64(tr, "resp_ip_bytes", "Responder IP bytes", wt_fleet_u64(tot, 0, 12));
    wt_section_u64(tr, "orig_payload_bytes", "Originator payload bytes", wt_fleet_u64(tot, 0, 13));
    wt_section_u64(tr, "resp_payload_bytes", "Responder payload bytes", wt_fleet_u64(tot, 0, 14));
  }
  WtTable *tb = wt_section_table(sec, "conn_state_table", "Connection states");
  wt_table_column(tb, "conn_state", "State", WT_COL_STR);
  wt_table_column(tb, "meaning", "Meaning", WT_COL_STR);
  wt_table_column(tb, "connections", "Connections", WT_COL_U64);
  wt_table_column(tb, "percent", "%", WT_COL_PERCENT);
  for (gsize i = 0; i < G_N_ELEMENTS(conn_state_order); i++) {
    guint64 n = lookup_count(states, conn_state_order[i]);
    if (!n)
      continue;
    wt_table_row(tb);
    wt_table_str(tb, conn_state_order[i]);
    wt_table_str(tb, conn_state_meaning[i]);
    wt_table_u64(tb, n);
    wt_table_percent(tb, wt_fleet_share(n, conns));
  }
  tb = wt_section_table(sec, "teardown_table", "How connections ended");
  wt_table_column(tb, "close_kind", "Close", WT_COL_STR);
  wt_table_column(tb, "connections", "Connections", WT_COL_U64);
  wt_table_column(tb, "percent", "%", WT_COL_PERCENT);
  for (gsize i = 0; i < G_N_ELEMENTS(close_kind_names); i++) {
    guint64 n = lookup_count(td, close_kind_names[i]);
    if (!n)
      continue;
    wt_table_row(tb);
    wt_table_str(tb, close_kind_names[i]);
    wt_table_u64(tb, n);
    wt_table_percent(tb, wt_fleet_share(n, conns));
  }
  return TRUE;
}

