/* The "tcp" tap. See tcp-stats.h for the RTT histogram. */
#include "dissectors/tcp/tcp-stats.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

WtTcpStats *wt_tcp_stats_new(void)
{
  WtTcpStats *s = g_new0(WtTcpStats, 1);
  s->rtt_min_ns = G_MAXINT64;
  s->rtt_max_ns = -1;
  return s;
}

void wt_tcp_stats_free(WtTcpStats *s)
{
  g_free(s);
}

/* Bucket 0: below 1 us; bucket i >= 1: [10^((i-1)/D), 10^(i/D)) us; the last bucket also
 * takes everything larger. */
static guint rtt_bucket(gint64 ns)
{
  double us = (double) ns / 1000.0;
  if (us < 1.0)
    return 0;
  double b = floor(log10(us) * WT_TCP_RTT_PER_DECADE) + 1;
  if (b >= WT_TCP_RTT_BUCKETS - 1)
    return WT_TCP_RTT_BUCKETS - 1;
  return (guint) b;
}

static double rtt_bucket_mid_ns(guint b)
{
  if (b == 0)
    return 500.0;
  return pow(10.0, ((double) b - 0.5) / WT_TCP_RTT_PER_DECADE) * 1000.0;
}

static void add_rtt(WtTcpStats *s, gint64 ns)
{
  s->rtt_hist[rtt_bucket(ns)]++;
  s->rtt_samples++;
  s->rtt_min_ns = MIN(s->rtt_min_ns, ns);
  s->rtt_max_ns = MAX(s->rtt_max_ns, ns);
}

void wt_tcp_stats_add_conn(WtTcpStats *s, const WtTcpConn *c)
{
  WtTcpConnSummary sum;
  wt_tcp_conn_summarize(c, &sum);

  s->connections++;
  s->conn_states[sum.conn_state]++;
  s->handshake[sum.handshake]++;
  s->teardown[sum.close_kind]++;
  if (sum.has_rtt)
    add_rtt(s, sum.handshake_rtt_ns);

  for (int d = 0; d < 2; d++) {
    const WtTcpDirStats *st = &c->st[d];
    s->pkts[d] += st->pkts;
    s->ip_bytes[d] += st->ip_bytes;
    s->payload_bytes[d] += st->payload_bytes;
    s->retransmits += st->retransmits;
    s->out_of_order += st->out_of_order;
    s->dup_acks += st->dup_acks;
    s->zero_windows += st->zero_windows;
    s->keepalives += st->keepalives;
    s->syn_rexmits += st->syn_rexmits;
    s->fin_rexmits += st->fin_rexmits;
    s->bad_checksums += st->bad_checksums;
    s->gaps += st->gaps;
  }
  s->missed_bytes += sum.missed_bytes;
  s->rst_ignored += c->rsts_ignored;
  s->rst_out_of_window += c->rsts_ignored_oow;
  s->ack_beyond_sent += c->acks_beyond_sent;
  if (sum.flips)
    s->flipped++;
  if (sum.orig_guessed)
    s->orig_guessed++;
  if (c->data_after_peer_fin)
    s->half_close_data++;
  if (sum.has_closer) {
    if (sum.first_closer == WT_DIR_ORIG)
      s->closed_by_orig++;
    else
      s->closed_by_resp++;
  }
}

void wt_tcp_stats_merge(WtTcpStats *into, const WtTcpStats *from)
{
  into->connections += from->connections;
  for (int i = 0; i < WT_CONN_STATE_COUNT; i++)
    into->conn_states[i] += from->conn_states[i];
  for (int i = 0; i < WT_TCP_HS_COUNT; i++)
    into->handshake[i] += from->handshake[i];
  for (int i = 0; i < WT_TCP_CLOSE_COUNT; i++)
    into->teardown[i] += from->teardown[i];
  for (int i = 0; i < WT_TCP_RTT_BUCKETS; i++)
    into->rtt_hist[i] += from->rtt_hist[i];
  into->rtt_samples += from->rtt_samples;
  into->rtt_min_ns = MIN(into->rtt_min_ns, from->rtt_min_ns);
  into->rtt_max_ns = MAX(into->rtt_max_ns, from->rtt_max_ns);
  for (int d = 0; d < 2; d++) {
    into->pkts[d] += from->pkts[d];
    into->ip_bytes[d] += from->ip_bytes[d];
    into->payload_bytes[d] += from->payload_bytes[d];
  }
  into->retransmits += from->retransmits;
  into->out_of_order += from->out_of_order;
  into->dup_acks += from->dup_acks;
  into->zero_windows += from->zero_windows;
  into->keepalives += from->keepalives;
  into->syn_rexmits += from->syn_rexmits;
  into->fin_rexmits += from->fin_rexmits;
  into->bad_checksums += from->bad_checksums;
  into->gaps += from->gaps;
  into->missed_bytes += from->missed_bytes;
  into->rst_ignored += from->rst_ignored;
  into->rst_out_of_window += from->rst_out_of_window;
  into->ack_beyond_sent += from->ack_beyond_sent;
  into->flipped += from->flipped;
  into->orig_guessed += from->orig_guessed;
  into->half_close_data += from->half_close_data;
  into->closed_by_orig += from->closed_by_orig;
  into->closed_by_resp += from->closed_by_resp;
}

gboolean wt_tcp_stats_rtt_percentile(const WtTcpStats *s, double p, gint64 *ns)
{
  if (s->rtt_samples == 0 || p <= 0 || p > 100)
    return FALSE;
  /* nearest rank */
  guint64 rank = (guint64) ceil(p / 100.0 * (double) s->rtt_samples);
  if (rank == 0)
    rank = 1;
  guint64 cum = 0;
  guint b = 0;
  for (; b < WT_TCP_RTT_BUCKETS; b++) {
    cum += s->rtt_hist[b];
    if (cum >= rank)
      break;
  }
  double v = rtt_bucket_mid_ns(MIN(b, WT_TCP_RTT_BUCKETS - 1));
  gint64 r = (gint64) llround(v);
  *ns = CLAMP(r, s->rtt_min_ns, s->rtt_max_ns);
  return TRUE;
}

/* JSON keys and human labels, in enum order. */
static const char *const hs_keys[WT_TCP_HS_COUNT] = {
  "completed", "refused", "unanswered", "simultaneous", "mid_stream", "incomplete",
};
static const char *const hs_labels[WT_TCP_HS_COUNT] = {
  N_("Completed (SYN, SYN+ACK, ACK)"), N_("Refused (SYN answered by RST)"), N_("Unanswered SYN"),
  N_("Simultaneous open"), N_("Mid-stream (no SYN seen)"), N_("Answered, never completed"),
};
static const char *const td_keys[WT_TCP_CLOSE_COUNT] = {
  "four_way", "three_segment", "simultaneous", "half_closed", "reset_by_orig",
  "reset_by_resp", "refused", "unanswered", "timed_out", "open_at_end",
};
static const char *const td_labels[WT_TCP_CLOSE_COUNT] = {
  N_("Four-way FIN close"), N_("Three-segment close (FIN, FIN+ACK, ACK)"), N_("Simultaneous close"),
  N_("Half-closed (one FIN only)"), N_("Reset by originator"), N_("Reset by responder"), N_("Refused"),
  N_("Unanswered"), N_("Timed out while open"), N_("Still open at end of input"),
};
static const char *const state_meaning[WT_CONN_STATE_COUNT] = {
  N_("attempt, no reply"), N_("established, not closed"), N_("normal open and close"), N_("rejected"),
  N_("established, originator closed only"), N_("established, responder closed only"),
  N_("originator aborted (RST)"), N_("responder aborted (RST)"), N_("originator SYN then RST"),
  N_("responder SYN+ACK then RST"), N_("originator SYN then FIN"), N_("responder SYN+ACK then FIN"),
  N_("no SYN seen / other"),
};

static double pct(guint64 n, guint64 total)
{
  return total ? 100.0 * (double) n / (double) total : 0.0;
}

static void report_rtt(WtTcpStats *s, WtSection *sec)
{
  WtSection *rtt = wt_section_object(sec, "rtt_ms", _("Handshake RTT, SYN to ACK (ms)"));
  wt_section_u64(rtt, "samples", _("Samples"), s->rtt_samples);
  static const struct { const char *key, *label; double p; } ps[] = {
    { "p50", N_("50th percentile"), 50 }, { "p90", N_("90th percentile"), 90 },
    { "p99", N_("99th percentile"), 99 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(ps); i++) {
    gint64 ns;
    if (wt_tcp_stats_rtt_percentile(s, ps[i].p, &ns))
      wt_section_double(rtt, ps[i].key, _(ps[i].label), (double) ns / 1e6);
  }
  if (s->rtt_samples) {
    wt_section_double(rtt, "min", _("Minimum"), (double) s->rtt_min_ns / 1e6);
    wt_section_double(rtt, "max", _("Maximum"), (double) s->rtt_max_ns / 1e6);
  }
}

/* The charts of section "tcp" (the page's figure numbers 11 to 15). */
static const WtChartHint section_charts[] = {
  { .id = 11, .item = "conn_states", .kind = "bars",
    .title = N_("Connection states (Zeek conn_state)"), .labels = WT_CHART_LABELS_TABLE,
    .label_table = "conn_state_table", .label_key = "conn_state", .label_col = "meaning" },
  { .id = 12, .item = "handshake", .kind = "bars", .title = N_("Handshakes"),
    .options = "\"skipZero\":true", .labels = WT_CHART_LABELS_ITEMS },
  { .id = 13, .item = "teardown", .kind = "bars", .title = N_("How connections ended"),
    .options = "\"skipZero\":true,\"exclude\":[\"closed_first_by_orig\",\"closed_first_by_resp\"]",
    .labels = WT_CHART_LABELS_ITEMS },
  { .id = 14, .item = "teardown", .kind = "bars", .title = N_("Who closed first"),
    .options = "\"include\":[\"closed_first_by_orig\",\"closed_first_by_resp\"]",
    .labels = WT_CHART_LABELS_ITEMS },
  { .id = 15, .item = "rtt_ms", .kind = "bars", .title = N_("Handshake RTT, SYN to ACK (ms)"),
    .options = "\"exclude\":[\"samples\",\"count\"],\"unit\":\"ms\"",
    .labels = WT_CHART_LABELS_ITEMS },
};

void wt_tcp_report_charts(WtSection *sec)
{
  wt_section_charts(sec, section_charts, G_N_ELEMENTS(section_charts));
}

void wt_tcp_stats_report(WtTcpStats *s, WtReport *r)
{
  WtSection *sec = wt_report_section(r, "tcp", _("TCP connections"));
  wt_section_set_nothing(sec, _("none"));
  wt_tcp_report_charts(sec);
  wt_section_u64(sec, "connections", _("Connections"), s->connections);

  for (int i = 0; i < WT_CONN_STATE_COUNT; i++)
    if (s->conn_states[i])
      wt_section_map_u64(sec, "conn_states", _("By Zeek conn_state"),
                         wt_conn_state_name((WtConnState) i), s->conn_states[i]);

  WtSection *hs = wt_section_object(sec, "handshake", _("Handshakes"));
  for (int i = 0; i < WT_TCP_HS_COUNT; i++)
    wt_section_u64(hs, hs_keys[i], _(hs_labels[i]), s->handshake[i]);

  WtSection *td = wt_section_object(sec, "teardown", _("Teardowns"));
  for (int i = 0; i < WT_TCP_CLOSE_COUNT; i++)
    wt_section_u64(td, td_keys[i], _(td_labels[i]), s->teardown[i]);
  wt_section_u64(td, "closed_first_by_orig", _("First FIN/RST from originator"),
                 s->closed_by_orig);
  wt_section_u64(td, "closed_first_by_resp", _("First FIN/RST from responder"),
                 s->closed_by_resp);

  report_rtt(s, sec);

  WtSection *an = wt_section_object(sec, "anomalies", _("Segment anomalies"));
  wt_section_u64(an, "retransmissions", _("Retransmitted segments"), s->retransmits);
  wt_section_u64(an, "out_of_order", _("Out-of-order segments"), s->out_of_order);
  wt_section_u64(an, "duplicate_acks", _("Duplicate ACKs"), s->dup_acks);
  wt_section_u64(an, "zero_windows", _("Zero-window advertisements"), s->zero_windows);
  wt_section_u64(an, "keepalives", _("Keep-alives"), s->keepalives);
  wt_section_u64(an, "syn_retransmissions", _("SYN / SYN+ACK retransmissions"), s->syn_rexmits);
  wt_section_u64(an, "fin_retransmissions", _("FIN retransmissions"), s->fin_rexmits);
  wt_section_u64(an, "bad_checksums", _("Bad checksums (ignored)"), s->bad_checksums);
  wt_section_u64(an, "content_gaps", _("Content gaps"), s->gaps);
  wt_section_u64(an, "missed_bytes", _("Missed bytes"), s->missed_bytes);
  wt_section_u64(an, "rst_ignored", _("Resets the peer ignored"), s->rst_ignored);
  wt_section_u64(an, "rst_out_of_window",
                 _("Ignored resets outside the receiver's window"),
                 s->rst_out_of_window);
  wt_section_u64(an, "ack_beyond_sent", _("ACKs of data never sent (ignored)"),
                 s->ack_beyond_sent);
  wt_section_u64(an, "roles_flipped", _("Connections with roles flipped"), s->flipped);
  wt_section_u64(an, "orig_guessed", _("Originator guessed (no SYN)"), s->orig_guessed);
  wt_section_u64(an, "half_close_data", _("Data after the peer's FIN"), s->half_close_data);

  WtSection *tr = wt_section_object(sec, "traffic", _("Traffic"));
  wt_section_u64(tr, "orig_pkts", _("Originator packets"), s->pkts[WT_DIR_ORIG]);
  wt_section_u64(tr, "resp_pkts", _("Responder packets"), s->pkts[WT_DIR_RESP]);
  wt_section_u64(tr, "orig_ip_bytes", _("Originator IP bytes"), s->ip_bytes[WT_DIR_ORIG]);
  wt_section_u64(tr, "resp_ip_bytes", _("Responder IP bytes"), s->ip_bytes[WT_DIR_RESP]);
  wt_section_u64(tr, "orig_payload_bytes", _("Originator payload bytes"),
                 s->payload_bytes[WT_DIR_ORIG]);
  wt_section_u64(tr, "resp_payload_bytes", _("Responder payload bytes"),
                 s->payload_bytes[WT_DIR_RESP]);

  /* aligned tables for the text report (and CSV) */
  wt_section_hide_in_text(sec, "conn_states"); /* the table below has the same counts */
  WtTable *t = wt_section_table(sec, "conn_state_table", _("Connection states"));
  wt_table_set_csv_name(t, "conn_states");
  wt_table_column(t, "conn_state", _("State"), WT_COL_STR);
  wt_table_column(t, "meaning", _("Meaning"), WT_COL_STR);
  wt_table_column(t, "connections", _("Connections"), WT_COL_U64);
  wt_table_column(t, "percent", _("%"), WT_COL_PERCENT);
  for (int i = 0; i < WT_CONN_STATE_COUNT; i++) {
    if (!s->conn_states[i])
      continue;
    wt_table_row(t);
    wt_table_str(t, wt_conn_state_name((WtConnState) i));
    wt_table_str_tr(t, state_meaning[i]);
    wt_table_u64(t, s->conn_states[i]);
    wt_table_percent(t, pct(s->conn_states[i], s->connections));
  }

  t = wt_section_table(sec, "teardown_table", _("How connections ended"));
  wt_table_set_csv_name(t, "teardown");
  wt_table_column(t, "close_kind", _("Close"), WT_COL_STR);
  wt_table_column(t, "connections", _("Connections"), WT_COL_U64);
  wt_table_column(t, "percent", _("%"), WT_COL_PERCENT);
  for (int i = 0; i < WT_TCP_CLOSE_COUNT; i++) {
    if (!s->teardown[i])
      continue;
    wt_table_row(t);
    wt_table_str_tr(t, wt_tcp_close_kind_name((WtTcpCloseKind) i));
    wt_table_u64(t, s->teardown[i]);
    wt_table_percent(t, pct(s->teardown[i], s->connections));
  }
}
