/* --explain ladder diagram. See explain.h. */
#include "analyzer/cli/explain.h"

#define ARROW_WIDTH 46
#define STATE_WIDTH 13

static void append_flags(GString *s, guint8 f)
{
  static const struct { guint8 bit; const char *name; } names[] = {
    { WT_TCP_SYN, "SYN" }, { WT_TCP_FIN, "FIN" }, { WT_TCP_RST, "RST" },
    { WT_TCP_PSH, "PSH" }, { WT_TCP_ACK, "ACK" }, { WT_TCP_URG, "URG" },
    { WT_TCP_ECE, "ECE" }, { WT_TCP_CWR, "CWR" },
  };
  gboolean any = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    if (!(f & names[i].bit))
      continue;
    if (any)
      g_string_append_c(s, ',');
    g_string_append(s, names[i].name);
    any = TRUE;
  }
  if (!any)
    g_string_append(s, "none");
}

/* Sequence number relative to the ISN of the endpoint that owns that number space. */
static void append_rel(GString *s, const char *name, guint32 v, const WtTcpEndpoint *owner)
{
  if (owner->isn_known)
    g_string_append_printf(s, " %s=%u", name, (guint32) (v - owner->isn));
  else
    g_string_append_printf(s, " %s=%u(abs)", name, v);
}

static void append_ts_offset(GString *s, gint64 ns)
{
  const char *sign = ns < 0 ? "-" : "";
  guint64 a = ns < 0 ? (guint64) -ns : (guint64) ns;
  char buf[40];
  g_snprintf(buf, sizeof buf, "%s%" G_GUINT64_FORMAT ".%06" G_GUINT64_FORMAT, sign,
             a / 1000000000u, (a % 1000000000u) / 1000u);
  g_string_append_printf(s, "%12s", buf);
}

void wt_explain_format(GString *out, const WtTcpConn *c, const WtPacket *pkt, WtDir dir)
{
  const WtTcpEndpoint *sender = &c->ep[dir], *receiver = &c->ep[dir == WT_DIR_ORIG];
  g_autoptr(GString) label = g_string_new(NULL);

  append_flags(label, pkt->tcp_flags);
  if (pkt->l4_bad_checksum)
    g_string_append(label, "(bad cksum)");
  append_rel(label, "seq", pkt->tcp_seq, sender);
  if (pkt->tcp_flags & WT_TCP_ACK)
    append_rel(label, "ack", pkt->tcp_ack, receiver);
  if (pkt->payload_wire_len)
    g_string_append_printf(label, " len=%u", pkt->payload_wire_len);
  if (pkt->tcp_win == 0 && !(pkt->tcp_flags & WT_TCP_RST))
    g_string_append(label, " win=0");

  /* "-- label ----->" or "<----- label --", dashes filling a fixed width */
  g_autoptr(GString) arrow = g_string_new(NULL);
  glong fill = ARROW_WIDTH - (glong) label->len - 6;
  if (fill < 1)
    fill = 1;
  if (dir == WT_DIR_ORIG) {
    g_string_append(arrow, "-- ");
    g_string_append(arrow, label->str);
    g_string_append_c(arrow, ' ');
    for (glong i = 0; i < fill; i++)
      g_string_append_c(arrow, '-');
    g_string_append_c(arrow, '>');
  } else {
    g_string_append_c(arrow, '<');
    for (glong i = 0; i < fill; i++)
      g_string_append_c(arrow, '-');
    g_string_append_c(arrow, ' ');
    g_string_append(arrow, label->str);
    g_string_append(arrow, " --");
  }

  append_ts_offset(out, pkt->ts_ns - c->first_ts);
  g_string_append_printf(out, "  client %s server  %-*s %s", arrow->str, STATE_WIDTH,
                         wt_tcp_state_name(c->ep[WT_DIR_ORIG].state),
                         wt_tcp_state_name(c->ep[WT_DIR_RESP].state));
  if (c->last_flipped)
    g_string_append(out, "  (roles flipped)");
}

void wt_explain_begin(FILE *f, const WtConnInfo *info)
{
  if (!f)
    return;
  if (info) {
    char a[64], b[64];
    fprintf(f, "=== TCP %s  client %s port %u  <->  server %s port %u ===\n", info->uid,
            wt_addr_to_string(&info->orig_h, a, sizeof a), info->orig_p,
            wt_addr_to_string(&info->resp_h, b, sizeof b), info->resp_p);
  } else {
    fprintf(f, "=== TCP connection ===\n");
  }
  /* same columns as the segment lines: the arrow is ARROW_WIDTH - 1 characters */
  fprintf(f, "%12s  client %-*s server  %-*s %s\n", "time", ARROW_WIDTH - 1,
          "   flags, seq/ack relative to each ISN, length", STATE_WIDTH, "client state",
          "server state");
}

void wt_explain_segment(FILE *f, const WtTcpConn *c, const WtPacket *pkt, WtDir dir)
{
  if (!f)
    return;
  g_autoptr(GString) line = g_string_new(NULL);
  wt_explain_format(line, c, pkt, dir);
  g_string_append_c(line, '\n');
  fwrite(line->str, 1, line->len, f);
}

void wt_explain_end(FILE *f, const WtTcpConn *c, const WtConnInfo *info)
{
  if (!f)
    return;
  WtTcpConnSummary s;
  wt_tcp_conn_summarize(c, &s);
  fprintf(f, "--- %s: handshake %s, close %s", info ? info->uid : "end", wt_tcp_handshake_name(s.handshake),
          wt_tcp_close_kind_name(s.close_kind));
  if (s.has_closer)
    fprintf(f, " (first to close: %s)", s.first_closer == WT_DIR_ORIG ? "client" : "server");
  if (s.has_rtt)
    fprintf(f, ", handshake RTT %.3f ms (SYN->SYN+ACK %.3f, SYN+ACK->ACK %.3f)",
            (double) s.handshake_rtt_ns / 1e6, (double) s.rtt_syn_synack_ns / 1e6,
            (double) s.rtt_synack_ack_ns / 1e6);
  fprintf(f, "\n--- final states client %s, server %s; Zeek conn_state %s, history %s",
          wt_tcp_state_name(s.orig_state), wt_tcp_state_name(s.resp_state),
          wt_conn_state_name(s.conn_state), *s.history ? s.history : "-");
  if (s.orig_guessed)
    fprintf(f, "; originator guessed (no SYN seen)");
  fprintf(f, "\n\n");
}
