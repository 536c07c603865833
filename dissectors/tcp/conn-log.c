/* conn.log records for TCP. See conn-log.h. */
#include "dissectors/tcp/conn-log.h"

/* Capture time of each handshake and teardown step that was seen (absent otherwise). */
static void set_steps(WtLogRecord *r, const WtTcpConn *c)
{
  const WtTcpEndpoint *o = &c->ep[WT_DIR_ORIG], *rp = &c->ep[WT_DIR_RESP];
  if (o->syn_sent)
    wt_log_set_time(r, WT_CONN_COL_SYN_TS, o->syn_ts);
  if (rp->synack_sent || rp->syn_sent)
    wt_log_set_time(r, WT_CONN_COL_SYNACK_TS, rp->syn_ts);
  if (c->rtt_syn_synack_ns >= 0)
    wt_log_set_interval(r, WT_CONN_COL_RTT_SYN_SYNACK, c->rtt_syn_synack_ns);
  if (c->rtt_synack_ack_ns >= 0)
    wt_log_set_interval(r, WT_CONN_COL_RTT_SYNACK_ACK, c->rtt_synack_ack_ns);
  for (int d = 0; d < 2; d++) {
    const WtTcpEndpoint *e = &c->ep[d];
    guint col = WT_CONN_COL_ORIG_FIN_TS + (guint) d * WT_CONN_N_DIR_STEPS;
    if (e->fin_sent)
      wt_log_set_time(r, col, e->fin_ts);
    if (e->fin_acked)
      wt_log_set_time(r, col + 1, e->fin_acked_ts);
    if (e->rst_sent)
      wt_log_set_time(r, col + 2, e->rst_ts);
  }
}

/* Per-direction segment counters: payload, retransmissions, reordering, dup ACKs,
 * zero windows, keep-alives. */
static void set_dir_counters(WtLogRecord *r, const WtTcpConn *c)
{
  for (int d = 0; d < 2; d++) {
    const WtTcpDirStats *st = &c->st[d];
    const guint64 v[WT_CONN_N_DIR_COUNTERS] = {
      st->payload_bytes, st->retransmits, st->out_of_order,
      st->dup_acks,      st->zero_windows, st->keepalives,
    };
    guint col = WT_CONN_COL_ORIG_PAYLOAD_BYTES + (guint) d * WT_CONN_N_DIR_COUNTERS;
    for (guint i = 0; i < WT_CONN_N_DIR_COUNTERS; i++)
      wt_log_set_count(r, col + i, v[i]);
  }
}

void wt_tcp_conn_log_record(WtLogRecord *r, const WtTcpConn *c, const WtConnInfo *info,
                            const char *service)
{
  WtTcpConnSummary s;
  wt_tcp_conn_summarize(c, &s);

  wt_conn_log_begin(r, s.first_ts, info, "tcp");
  if (service && *service)
    wt_log_set_str(r, WT_CONN_COL_SERVICE, service);
  if (s.has_duration) {
    wt_log_set_interval(r, WT_CONN_COL_DURATION, s.duration_ns);
    wt_log_set_count(r, WT_CONN_COL_ORIG_BYTES, s.orig_bytes);
    wt_log_set_count(r, WT_CONN_COL_RESP_BYTES, s.resp_bytes);
  }
  wt_log_set_str(r, WT_CONN_COL_CONN_STATE, wt_conn_state_name(s.conn_state));
  wt_log_set_count(r, WT_CONN_COL_MISSED_BYTES, s.missed_bytes);
  if (s.history && *s.history)
    wt_log_set_str(r, WT_CONN_COL_HISTORY, s.history);
  const guint64 pkts[2] = { s.orig_pkts, s.resp_pkts };
  const guint64 ip_bytes[2] = { s.orig_ip_bytes, s.resp_ip_bytes };
  wt_conn_log_set_packets(r, pkts, ip_bytes);
  wt_log_set_count(r, WT_CONN_COL_IP_PROTO, 6);
  wt_log_set_str(r, WT_CONN_COL_ORIG_STATE, wt_tcp_state_name(s.orig_state));
  wt_log_set_str(r, WT_CONN_COL_RESP_STATE, wt_tcp_state_name(s.resp_state));
  if (s.has_rtt)
    wt_log_set_interval(r, WT_CONN_COL_HANDSHAKE_RTT, s.handshake_rtt_ns);
  wt_log_set_str(r, WT_CONN_COL_HANDSHAKE, wt_tcp_handshake_name(s.handshake));
  wt_log_set_str(r, WT_CONN_COL_CLOSE_KIND, wt_tcp_close_kind_name(s.close_kind));
  if (s.has_closer)
    wt_log_set_str(r, WT_CONN_COL_FIRST_CLOSER, s.first_closer == WT_DIR_ORIG ? "orig" : "resp");
  set_steps(r, c);
  set_dir_counters(r, c);
}

void wt_tcp_conn_log_format(GString *out, const WtTcpConn *c, const WtConnInfo *info,
                            const char *service)
{
  WtLogRecord r;
  wt_tcp_conn_log_record(&r, c, info, service);
  wt_log_record_json(out, &r);
}

void wt_tcp_conn_log_write(WtLog *log, const WtTcpConn *c, const WtConnInfo *info,
                           const char *service)
{
  if (!log)
    return;
  WtLogRecord r;
  wt_tcp_conn_log_record(&r, c, info, service);
  wt_log_write(log, &r);
}
