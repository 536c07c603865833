/* conn.log records for TCP. See conn-log.h. */
#include "dissectors/tcp/conn-log.h"

#include "analyzer/core/json-out.h"

static void json_interval(GString *s, const char *key, gint64 ns)
{
  /* seconds with 6 decimals, as Zeek's interval; integer maths, no rounding surprises */
  wt_json_key(s, key);
  g_string_append_printf(s, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT, ns / 1000000000,
                         (ns % 1000000000) / 1000);
}

/* Capture time of each handshake and teardown step that was seen (absent otherwise). */
static void append_steps(GString *rec, const WtTcpConn *c)
{
  const WtTcpEndpoint *o = &c->ep[WT_DIR_ORIG], *r = &c->ep[WT_DIR_RESP];
  if (o->syn_sent)
    wt_json_ts(rec, "syn_ts", o->syn_ts);
  if (r->synack_sent || r->syn_sent)
    wt_json_ts(rec, "synack_ts", r->syn_ts);
  if (c->rtt_syn_synack_ns >= 0)
    json_interval(rec, "rtt_syn_synack", c->rtt_syn_synack_ns);
  if (c->rtt_synack_ack_ns >= 0)
    json_interval(rec, "rtt_synack_ack", c->rtt_synack_ack_ns);
  static const char *const who[2] = { "orig", "resp" };
  for (int d = 0; d < 2; d++) {
    const WtTcpEndpoint *e = &c->ep[d];
    char key[32];
    if (e->fin_sent) {
      g_snprintf(key, sizeof key, "%s_fin_ts", who[d]);
      wt_json_ts(rec, key, e->fin_ts);
    }
    if (e->fin_acked) {
      g_snprintf(key, sizeof key, "%s_fin_acked_ts", who[d]);
      wt_json_ts(rec, key, e->fin_acked_ts);
    }
    if (e->rst_sent) {
      g_snprintf(key, sizeof key, "%s_rst_ts", who[d]);
      wt_json_ts(rec, key, e->rst_ts);
    }
  }
}

/* Per-direction segment counters: payload, retransmissions, reordering, dup ACKs,
 * zero windows, keep-alives. */
static void append_dir_counters(GString *rec, const WtTcpConn *c)
{
  static const char *const who[2] = { "orig", "resp" };
  for (int d = 0; d < 2; d++) {
    const WtTcpDirStats *st = &c->st[d];
    const struct {
      const char *name;
      guint64 v;
    } fields[] = {
      { "payload_bytes", st->payload_bytes }, { "retransmits", st->retransmits },
      { "out_of_order", st->out_of_order },   { "dup_acks", st->dup_acks },
      { "zero_windows", st->zero_windows },   { "keepalives", st->keepalives },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
      char key[40];
      g_snprintf(key, sizeof key, "%s_%s", who[d], fields[i].name);
      wt_json_u64(rec, key, fields[i].v);
    }
  }
}

void wt_conn_log_format(GString *out, const WtTcpConn *c, const WtConnInfo *info,
                        const char *service)
{
  WtTcpConnSummary s;
  wt_tcp_conn_summarize(c, &s);

  GString *rec = g_string_new("{");
  wt_json_conn_id(rec, s.first_ts, info);
  wt_json_str(rec, "proto", "tcp");
  if (service && *service)
    wt_json_str(rec, "service", service);
  if (s.has_duration) {
    json_interval(rec, "duration", s.duration_ns);
    wt_json_u64(rec, "orig_bytes", s.orig_bytes);
    wt_json_u64(rec, "resp_bytes", s.resp_bytes);
  }
  wt_json_str(rec, "conn_state", wt_conn_state_name(s.conn_state));
  wt_json_u64(rec, "missed_bytes", s.missed_bytes);
  if (s.history && *s.history)
    wt_json_str(rec, "history", s.history);
  wt_json_u64(rec, "orig_pkts", s.orig_pkts);
  wt_json_u64(rec, "orig_ip_bytes", s.orig_ip_bytes);
  wt_json_u64(rec, "resp_pkts", s.resp_pkts);
  wt_json_u64(rec, "resp_ip_bytes", s.resp_ip_bytes);
  wt_json_u64(rec, "ip_proto", 6);
  wt_json_str(rec, "orig_state", wt_tcp_state_name(s.orig_state));
  wt_json_str(rec, "resp_state", wt_tcp_state_name(s.resp_state));
  if (s.has_rtt)
    json_interval(rec, "handshake_rtt", s.handshake_rtt_ns);
  wt_json_str(rec, "handshake", wt_tcp_handshake_name(s.handshake));
  wt_json_str(rec, "close_kind", wt_tcp_close_kind_name(s.close_kind));
  if (s.has_closer)
    wt_json_str(rec, "first_closer", s.first_closer == WT_DIR_ORIG ? "orig" : "resp");
  append_steps(rec, c);
  append_dir_counters(rec, c);
  wt_json_end(rec);
  g_string_append_len(out, rec->str, (gssize) rec->len);
  g_string_free(rec, TRUE);
}

void wt_conn_log_write(FILE *f, const WtTcpConn *c, const WtConnInfo *info,
                       const char *service)
{
  if (!f)
    return;
  g_autoptr(GString) line = g_string_new(NULL);
  wt_conn_log_format(line, c, info, service);
  fwrite(line->str, 1, line->len, f);
}
