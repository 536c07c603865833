/* Unit tests for dissectors/tcp/tcp-state.c: hand-built segment sequences for every
 * variant, asserting both endpoints' RFC 793 states after each step, and the Zeek
 * conn_state / history worked out by hand from Zeek's rules (update_history and the
 * state machine in TCPSessionAdapter.cc, conn_state() in base/protocols/conn/main.zeek).
 * The four RST cases and the flip cases reproduce the segments of the public captures in
 * ../shared/captures whose Zeek baselines are quoted in the comments. */
#include "tests/unit/tcp/tcp-test-util.h"

static void test_four_way(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  handshake(&fx);
  /* S h A so far: SYN, SYN+ACK, first pure ACK of the originator */
  assert_history(&fx, "ShA");
  seg(&fx, ORIG, P | A, 1001, 5001, 100);   /* D */
  seg(&fx, RESP, A, 5001, 1101, 0);         /* a */
  seg(&fx, RESP, P | A, 5001, 1101, 200);   /* d */
  seg(&fx, ORIG, A, 1101, 5201, 0);         /* A again: once per direction only */
  assert_history(&fx, "ShADad");
  assert_conn_state(&fx, "S1"); /* both Zeek endpoints ESTABLISHED */

  seg(&fx, ORIG, F | A, 1101, 5201, 0);     /* FIN u = 1101 */
  assert_states(&fx, "FIN-WAIT-1", "CLOSE-WAIT");
  seg(&fx, RESP, A, 5201, 1102, 0);         /* ack u+1 */
  assert_states(&fx, "FIN-WAIT-2", "CLOSE-WAIT");
  g_assert_false(wt_tcp_conn_is_closed(&fx.c));
  seg(&fx, RESP, F | A, 5201, 1102, 0);     /* FIN w = 5201 */
  assert_states(&fx, "TIME-WAIT", "LAST-ACK");
  gint64 last_fin = fx.now - MS;
  seg(&fx, ORIG, A, 1102, 5202, 0);         /* ack w+1 */
  assert_states(&fx, "TIME-WAIT", "CLOSED");
  g_assert_true(wt_tcp_conn_is_closed(&fx.c));
  assert_history(&fx, "ShADadFf");
  assert_conn_state(&fx, "SF");

  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpint(s.close_kind, ==, WT_TCP_CLOSE_FOUR_WAY);
  g_assert_cmpint(s.handshake, ==, WT_TCP_HS_COMPLETED);
  g_assert_true(s.has_closer);
  g_assert_cmpint(s.first_closer, ==, ORIG);
  /* Zeek sizes from sequence numbers: 1102 - 1000 - SYN - FIN = 100; 5202-5000-2 = 200 */
  g_assert_cmpuint(s.orig_bytes, ==, 100);
  g_assert_cmpuint(s.resp_bytes, ==, 200);
  /* 6 segments from the client (40 bytes of headers each + 100 payload), 5 from the server */
  g_assert_cmpuint(s.orig_pkts, ==, 6);
  g_assert_cmpuint(s.orig_ip_bytes, ==, 6 * 40 + 100);
  g_assert_cmpuint(s.resp_pkts, ==, 5);
  g_assert_cmpuint(s.resp_ip_bytes, ==, 5 * 40 + 200);
  /* Zeek's duration stops at the packet that closed the second side (the final ACK is
   * not counted): SYN at T0, server FIN at T0 + 9 ms */
  g_assert_true(s.has_duration);
  g_assert_cmpint(s.duration_ns, ==, last_fin - T0);
  g_assert_cmpint(s.duration_ns, ==, 9 * MS);
  g_assert_true(s.has_rtt);
  g_assert_cmpint(s.rtt_syn_synack_ns, ==, MS);
  g_assert_cmpint(s.rtt_synack_ack_ns, ==, MS);
  g_assert_cmpint(s.handshake_rtt_ns, ==, 2 * MS);
  g_assert_cmpstr(wt_tcp_close_kind_name(s.close_kind), ==, "four-way");
  g_assert_false(s.orig_guessed);
  g_assert_cmpuint(fx.c.st[ORIG].retransmits + fx.c.st[RESP].retransmits, ==, 0);
  g_assert_cmpuint(fx.c.st[ORIG].payload_bytes, ==, 100);
  g_assert_cmpuint(fx.c.st[RESP].data_pkts, ==, 1);

  /* TIME-WAIT ends 60 s (default) after it began, in capture time */
  wt_tcp_conn_finish(&fx.c, last_fin + 30 * 1000 * MS);
  assert_states(&fx, "TIME-WAIT", "CLOSED");
  wt_tcp_conn_finish(&fx.c, last_fin + 61 * 1000 * MS);
  assert_states(&fx, "CLOSED", "CLOSED");
  fx_clear(&fx);
}

static void test_three_segment(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  handshake(&fx);
  seg(&fx, ORIG, F | A, 1001, 5001, 0);
  assert_states(&fx, "FIN-WAIT-1", "CLOSE-WAIT");
  seg(&fx, RESP, F | A, 5001, 1002, 0);     /* FIN piggybacked on the ACK of u+1 */
  assert_states(&fx, "TIME-WAIT", "LAST-ACK");
  seg(&fx, ORIG, A, 1002, 5002, 0);
  assert_states(&fx, "TIME-WAIT", "CLOSED");
  assert_history(&fx, "ShAFf");
  assert_conn_state(&fx, "SF");
  g_assert_cmpint(summary(&fx).close_kind, ==, WT_TCP_CLOSE_THREE_SEGMENT);
  fx_clear(&fx);
}

static void test_time_wait_config(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  wt_tcp_conn_init(&fx.c, 5 * 1000 * MS); /* --time-wait=5 */
  handshake(&fx);
  seg(&fx, ORIG, F | A, 1001, 5001, 0);
  seg(&fx, RESP, F | A, 5001, 1002, 0);
  gint64 tw_start = fx.now - MS;           /* the client entered TIME-WAIT here */
  seg(&fx, ORIG, A, 1002, 5002, 0);
  assert_states(&fx, "TIME-WAIT", "CLOSED");
  g_assert_true(wt_tcp_conn_is_closed(&fx.c));
  wt_tcp_conn_finish(&fx.c, tw_start + 5 * 1000 * MS - 1);
  assert_states(&fx, "TIME-WAIT", "CLOSED");
  /* a later segment of the old connection also moves the clock */
  fx.now = tw_start + 5 * 1000 * MS;
  seg(&fx, RESP, F | A, 5001, 1002, 0);    /* late FIN retransmission */
  assert_states(&fx, "CLOSED", "CLOSED");
  g_assert_cmpuint(fx.c.st[RESP].fin_rexmits, ==, 1);
  fx_clear(&fx);
}

static void test_simultaneous_open(void)
{
  Fx fx;
  fx_init(&fx, 40000, 40001);
  seg(&fx, ORIG, S, 100, 0, 0);
  assert_states(&fx, "SYN-SENT", "LISTEN");
  WtTcpUpdate u = seg(&fx, RESP, S, 300, 0, 0); /* the SYNs crossed */
  g_assert_false(u.flipped);
  assert_states(&fx, "SYN-RECEIVED", "SYN-SENT");
  seg(&fx, ORIG, S | A, 100, 301, 0);
  assert_states(&fx, "SYN-RECEIVED", "SYN-SENT");
  seg(&fx, RESP, S | A, 300, 101, 0);
  assert_states(&fx, "ESTABLISHED", "ESTABLISHED");
  /* Zeek: S, s; the SYN+ACKs repeat each side's SYN number -> no new letter */
  assert_history(&fx, "Ss");
  assert_conn_state(&fx, "S1");
  g_assert_cmpint(summary(&fx).handshake, ==, WT_TCP_HS_SIMULTANEOUS);
  fx_clear(&fx);
}

static void test_simultaneous_close(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  handshake(&fx);
  seg(&fx, ORIG, F | A, 1001, 5001, 0);
  assert_states(&fx, "FIN-WAIT-1", "CLOSE-WAIT");
  seg(&fx, RESP, F | A, 5001, 1001, 0);     /* does not ack 1002: the FINs crossed */
  assert_states(&fx, "CLOSING", "CLOSING");
  seg(&fx, ORIG, A, 1002, 5002, 0);
  assert_states(&fx, "CLOSING", "TIME-WAIT");
  seg(&fx, RESP, A, 5002, 1002, 0);
  assert_states(&fx, "TIME-WAIT", "TIME-WAIT");
  /* S h A F f, then the responder's first pure ACK: a */
  assert_history(&fx, "ShAFfa");
  assert_conn_state(&fx, "SF");
  g_assert_cmpint(summary(&fx).close_kind, ==, WT_TCP_CLOSE_SIMULTANEOUS);
  fx_clear(&fx);
}

static void test_half_close(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  handshake(&fx);
  seg(&fx, ORIG, F | A, 1001, 5001, 0);
  seg(&fx, RESP, A, 5001, 1002, 0);
  assert_states(&fx, "FIN-WAIT-2", "CLOSE-WAIT");
  seg(&fx, RESP, P | A, 5001, 1002, 300);   /* data keeps flowing the other way */
  seg(&fx, ORIG, A, 1002, 5301, 0);
  seg(&fx, RESP, P | A, 5301, 1002, 300);
  seg(&fx, ORIG, A, 1002, 5601, 0);
  assert_states(&fx, "FIN-WAIT-2", "CLOSE-WAIT");
  wt_tcp_conn_finish(&fx.c, fx.now);
  assert_history(&fx, "ShAFad");
  /* Zeek: originator CLOSED, responder ESTABLISHED -> S2 */
  assert_conn_state(&fx, "S2");
  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpint(s.close_kind, ==, WT_TCP_CLOSE_HALF_CLOSED);
  g_assert_true(fx.c.data_after_peer_fin);
  g_assert_cmpuint(s.resp_bytes, ==, 600);
  fx_clear(&fx);
}

/* RST from each side at each stage. */
static void test_rst_orig_after_syn(void)
{
  /* zeek-tcp-syn-then-rst.pcap: S seq 0, then R seq 0 from the same side.
   * Zeek baseline: "SR, RSTOS0" */
  Fx fx;
  fx_init(&fx, 13131, 31313);
  seg(&fx, ORIG, S, 0, 0, 0);
  seg(&fx, ORIG, R, 0, 0, 0);
  assert_states(&fx, "CLOSED", "LISTEN");
  assert_history(&fx, "SR");
  assert_conn_state(&fx, "RSTOS0");
  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpint(s.handshake, ==, WT_TCP_HS_UNANSWERED);
  g_assert_cmpint(s.close_kind, ==, WT_TCP_CLOSE_RESET_BY_ORIG);
  fx_clear(&fx);
}

static void test_rst_syn_ack_then_rst(void)
{
  /* zeek-tcp-syn-then-ack-then-rst.pcap: S; a bare ACK (ack 0) from the responder; R.
   * Zeek baseline "SaR, RSTOS0" (the early ACK leaves the responder INACTIVE). */
  Fx fx;
  fx_init(&fx, 13131, 31313);
  seg(&fx, ORIG, S, 0, 0, 0);
  seg(&fx, RESP, A, 0, 0, 0);
  assert_states(&fx, "SYN-SENT", "LISTEN");
  seg(&fx, ORIG, R, 0, 0, 0);
  assert_history(&fx, "SaR");
  assert_conn_state(&fx, "RSTOS0");
  fx_clear(&fx);
}

static void test_rst_syn_stuff_rst(void)
{
  /* zeek-tcp-syn-then-stuff-then-rst.pcap: S, a, F, R. Baseline "SaFR, OTH". */
  Fx fx;
  fx_init(&fx, 13131, 31313);
  seg(&fx, ORIG, S, 0, 0, 0);
  seg(&fx, RESP, A, 0, 0, 0);
  seg(&fx, ORIG, F, 0, 0, 0);
  seg(&fx, ORIG, R, 0, 0, 0);
  assert_history(&fx, "SaFR");
  assert_conn_state(&fx, "OTH");
  fx_clear(&fx);
}

static void test_single_rst(void)
{
  /* zeek-tcp-single-rst.pcap: one RST, nothing else. Baseline "R, OTH". */
  Fx fx;
  fx_init(&fx, 48777, 80);
  WtTcpUpdate u = seg(&fx, ORIG, R, 0, 0, 0);
  g_assert_false(u.flipped); /* source 48777 is not a server port */
  assert_history(&fx, "R");
  assert_conn_state(&fx, "OTH");
  assert_states(&fx, "CLOSED", "CLOSED");
  fx_clear(&fx);
}

static void test_refused(void)
{
  Fx fx;
  fx_init(&fx, 40000, 81);
  seg(&fx, ORIG, S, 1000, 0, 0);
  seg(&fx, RESP, R | A, 0, 1001, 0);        /* acks the SYN: acceptable in SYN-SENT */
  assert_states(&fx, "CLOSED", "CLOSED");
  /* Zeek: responder INACTIVE -> RESET while the originator is SYN_SENT -> REJ */
  assert_history(&fx, "Sr");
  assert_conn_state(&fx, "REJ");
  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpint(s.handshake, ==, WT_TCP_HS_REFUSED);
  g_assert_cmpint(s.close_kind, ==, WT_TCP_CLOSE_REFUSED);
  g_assert_true(wt_tcp_conn_is_closed(&fx.c));
  fx_clear(&fx);
}

static void test_refused_bad_ack(void)
{
  /* a RST whose ACK does not ack the SYN is not acceptable in SYN-SENT (RFC 793) */
  Fx fx;
  fx_init(&fx, 40000, 81);
  seg(&fx, ORIG, S, 1000, 0, 0);
  seg(&fx, RESP, R | A, 0, 4242, 0);
  assert_states(&fx, "SYN-SENT", "CLOSED");
  /* nothing after it shows that it was ignored: not counted (tcp.rst_out_of_window is the
   * part of tcp.rst_ignored outside the receiver's window) */
  g_assert_cmpuint(wt_anomaly_get(fx.an, WT_TCP_A_RST_OUT_OF_WINDOW), ==, 0);
  g_assert_cmpuint(fx.c.rsts_ignored, ==, 0);
  fx_clear(&fx);
}

static void test_rst_orig_after_synack(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  seg(&fx, ORIG, S, 1000, 0, 0);
  seg(&fx, RESP, S | A, 5000, 1001, 0);
  seg(&fx, ORIG, R, 1001, 0, 0);            /* a scanner's RST instead of the ACK */
  assert_states(&fx, "CLOSED", "CLOSED");
  assert_history(&fx, "ShR");
  /* Zeek: SYN+ACK made the responder ESTABLISHED; originator RESET -> RSTO */
  assert_conn_state(&fx, "RSTO");
  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpint(s.handshake, ==, WT_TCP_HS_INCOMPLETE);
  g_assert_cmpint(s.close_kind, ==, WT_TCP_CLOSE_RESET_BY_ORIG);
  fx_clear(&fx);
}

static void test_rst_resp_after_synack(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  seg(&fx, ORIG, S, 1000, 0, 0);
  seg(&fx, RESP, S | A, 5000, 1001, 0);
  seg(&fx, RESP, R | A, 5001, 1001, 0);
  assert_states(&fx, "CLOSED", "CLOSED");
  assert_history(&fx, "Shr");
  /* Zeek: the originator became ESTABLISHED on the SYN+ACK -> RSTR */
  assert_conn_state(&fx, "RSTR");
  g_assert_cmpint(summary(&fx).close_kind, ==, WT_TCP_CLOSE_RESET_BY_RESP);
  fx_clear(&fx);
}

static void test_rst_established(void)
{
  for (int who = 0; who < 2; who++) {
    Fx fx;
    fx_init(&fx, 40000, 80);
    handshake(&fx);
    seg(&fx, ORIG, P | A, 1001, 5001, 10);
    seg(&fx, RESP, P | A, 5001, 1011, 20);
    if (who == ORIG)
      seg(&fx, ORIG, R | A, 1011, 5021, 0);
    else
      seg(&fx, RESP, R | A, 5021, 1011, 0);
    assert_states(&fx, "CLOSED", "CLOSED");
    assert_history(&fx, who == ORIG ? "ShADdR" : "ShADdr");
    assert_conn_state(&fx, who == ORIG ? "RSTO" : "RSTR");
    WtTcpConnSummary s = summary(&fx);
    g_assert_cmpint(s.close_kind, ==,
                    who == ORIG ? WT_TCP_CLOSE_RESET_BY_ORIG : WT_TCP_CLOSE_RESET_BY_RESP);
    g_assert_cmpint(s.first_closer, ==, who);
    g_assert_cmpuint(s.orig_bytes, ==, 10);
    g_assert_cmpuint(s.resp_bytes, ==, 20);
    fx_clear(&fx);
  }
}

static void test_rst_during_close(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  handshake(&fx);
  seg(&fx, ORIG, F | A, 1001, 5001, 0);
  seg(&fx, RESP, A, 5001, 1002, 0);
  seg(&fx, RESP, R | A, 5001, 1002, 0);     /* instead of its FIN */
  assert_states(&fx, "CLOSED", "CLOSED");
  assert_history(&fx, "ShAFar");
  /* Zeek: originator CLOSED, responder RESET -> RSTR */
  assert_conn_state(&fx, "RSTR");
  g_assert_cmpint(summary(&fx).close_kind, ==, WT_TCP_CLOSE_RESET_BY_RESP);
  fx_clear(&fx);
}

static void test_rst_after_close(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  handshake(&fx);
  seg(&fx, ORIG, F | A, 1001, 5001, 0);
  seg(&fx, RESP, F | A, 5001, 1002, 0);
  seg(&fx, ORIG, R, 1002, 0, 0);            /* RST instead of the last ACK */
  assert_states(&fx, "CLOSED", "CLOSED");
  /* Zeek: a RST from a CLOSED endpoint whose peer is CLOSED changes nothing -> SF */
  assert_history(&fx, "ShAFfR");
  assert_conn_state(&fx, "SF");
  g_assert_cmpint(summary(&fx).close_kind, ==, WT_TCP_CLOSE_THREE_SEGMENT);
  fx_clear(&fx);
}

static void test_unanswered(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  seg(&fx, ORIG, S, 1000, 0, 0);
  fx.now += 1000 * MS;
  g_assert_false(is_new_syn(&fx, ORIG, 1000)); /* a retransmission, not a new connection */
  seg(&fx, ORIG, S, 1000, 0, 0);
  fx.now += 2000 * MS;
  seg(&fx, ORIG, S, 1000, 0, 0);
  assert_states(&fx, "SYN-SENT", "LISTEN");
  /* same SYN number each time: one S */
  assert_history(&fx, "S");
  assert_conn_state(&fx, "S0");
  g_assert_cmpuint(fx.c.st[ORIG].syn_rexmits, ==, 2);
  g_assert_cmpuint(fx.c.st[ORIG].syns, ==, 3);
  wt_tcp_conn_timeout(&fx.c, fx.now + 60 * 1000 * MS);
  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpint(s.handshake, ==, WT_TCP_HS_UNANSWERED);
  g_assert_cmpint(s.close_kind, ==, WT_TCP_CLOSE_UNANSWERED);
  g_assert_false(s.has_rtt);
  /* Zeek: duration 3.002 s is logged, sizes 0 */
  g_assert_cmpint(s.duration_ns, ==, 3002 * MS);
  g_assert_cmpuint(s.orig_bytes, ==, 0);
  /* a SYN with another ISN is a new attempt (Zeek's SYN_seq_jump reuse) */
  g_assert_true(is_new_syn(&fx, ORIG, 777));
  fx_clear(&fx);
}

static void test_synack_retransmit(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  seg(&fx, ORIG, S, 1000, 0, 0);
  seg(&fx, RESP, S | A, 5000, 1001, 0);
  seg(&fx, ORIG, S, 1000, 0, 0);            /* client did not get it: SYN again */
  seg(&fx, RESP, S | A, 5000, 1001, 0);
  assert_states(&fx, "SYN-SENT", "SYN-RECEIVED");
  seg(&fx, ORIG, A, 1001, 5001, 0);
  assert_states(&fx, "ESTABLISHED", "ESTABLISHED");
  assert_history(&fx, "ShA");
  g_assert_cmpuint(fx.c.st[ORIG].syn_rexmits, ==, 1);
  g_assert_cmpuint(fx.c.st[RESP].syn_rexmits, ==, 1);
  /* RTT measured against the latest SYN / SYN+ACK (Karn) */
  g_assert_cmpint(fx.c.rtt_syn_synack_ns, ==, MS);
  g_assert_cmpint(fx.c.rtt_synack_ack_ns, ==, MS);
  g_assert_cmpint(summary(&fx).handshake, ==, WT_TCP_HS_COMPLETED);
  fx_clear(&fx);
}

static void test_bad_handshake_ack(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  seg(&fx, ORIG, S, 1000, 0, 0);
  seg(&fx, RESP, S | A, 5000, 1234, 0);     /* should ack 1001 */
  g_assert_cmpuint(wt_anomaly_get(fx.an, WT_TCP_A_SYNACK_BAD_ACK), ==, 1);
  seg(&fx, ORIG, A, 1001, 6000, 0);         /* should ack 5001 */
  g_assert_cmpuint(wt_anomaly_get(fx.an, WT_TCP_A_HANDSHAKE_BAD_ACK), ==, 1);
  assert_states(&fx, "SYN-SENT", "SYN-RECEIVED");
  g_assert_cmpint(summary(&fx).handshake, ==, WT_TCP_HS_INCOMPLETE);
  fx_clear(&fx);
}

static void test_midstream(void)
{
  Fx fx;
  fx_init(&fx, 40000, 8888);
  WtTcpUpdate u = seg(&fx, ORIG, P | A, 70000, 90000, 50);
  g_assert_false(u.flipped);
  assert_states(&fx, "ESTABLISHED", "ESTABLISHED");
  seg(&fx, RESP, P | A, 90000, 70050, 60);
  seg(&fx, ORIG, A, 70050, 90060, 0);
  /* Zeek: both endpoints PARTIAL -> OTH; D, d, then the originator's first pure ACK */
  assert_history(&fx, "DdA");
  assert_conn_state(&fx, "OTH");
  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpint(s.handshake, ==, WT_TCP_HS_MIDSTREAM);
  g_assert_true(s.orig_guessed);
  /* Zeek: start = first seq - 1, so the 50 bytes count */
  g_assert_cmpuint(s.orig_bytes, ==, 50);
  g_assert_cmpuint(s.resp_bytes, ==, 60);
  fx_clear(&fx);
}

static void test_midstream_flip(void)
{
  /* first segment from the server port: the port heuristic makes its receiver the
   * originator and adds '^' (Zeek's WantConnection) */
  Fx fx;
  fx_init(&fx, 80, 40000); /* provisional: the first sender is port 80 */
  WtTcpUpdate u = seg(&fx, ORIG, P | A, 90000, 70000, 60);
  g_assert_true(u.flipped);
  g_assert_cmpint(u.dir, ==, RESP);
  g_assert_cmpuint(fx.port[ORIG], ==, 40000);
  seg(&fx, ORIG, A, 70000, 90060, 0);
  assert_history(&fx, "^dA");
  g_assert_cmpuint(fx.c.st[RESP].pkts, ==, 1);
  g_assert_cmpuint(fx.c.st[ORIG].pkts, ==, 1);
  g_assert_cmpuint(fx.c.flips, ==, 1);
  fx_clear(&fx);
}

static void test_synack_first_flip(void)
{
  /* zeek-tcp-http-port6669-missing-syn.pcapng: the capture starts with the SYN+ACK
   * 80 -> 6669 (both ports are server ports, so no flip yet); the ACK from 6669 that
   * follows flips the roles (Zeek PR #2191). Baseline: "^hADadFf", SF, 6669 orig. */
  Fx fx;
  fx_init(&fx, 80, 6669);
  WtTcpUpdate u = seg(&fx, ORIG, S | A, 2779762238u, 4263588411u, 0);
  g_assert_false(u.flipped);
  assert_history(&fx, "H");
  u = seg(&fx, RESP, A, 4263588411u, 2779762239u, 0);
  g_assert_true(u.flipped);
  g_assert_cmpint(u.dir, ==, ORIG);
  g_assert_cmpuint(fx.port[ORIG], ==, 6669);
  assert_history(&fx, "^hA");
  assert_states(&fx, "ESTABLISHED", "ESTABLISHED");
  seg(&fx, ORIG, P | A, 4263588411u, 2779762239u, 136);
  seg(&fx, RESP, A, 2779762239u, 4263588547u, 0);
  seg(&fx, RESP, A, 2779762239u, 4263588547u, 1448);
  seg(&fx, ORIG, F | A, 4263588547u, 2779763687u, 0);
  seg(&fx, RESP, F | A, 2779763687u, 4263588548u, 0);
  seg(&fx, ORIG, A, 4263588548u, 2779763688u, 0);
  assert_history(&fx, "^hADadFf");
  assert_conn_state(&fx, "SF");
  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpuint(s.orig_bytes, ==, 136);
  g_assert_cmpuint(s.resp_bytes, ==, 1448);
  g_assert_cmpint(s.handshake, ==, WT_TCP_HS_MIDSTREAM);
  g_assert_false(s.orig_guessed); /* the SYN+ACK told us */
  g_assert_cmpuint(s.orig_pkts, ==, 4);
  g_assert_cmpuint(s.resp_pkts, ==, 4);
  /* 8 segments 1 ms apart; Zeek's duration ends at the second FIN (7th segment) */
  g_assert_cmpint(s.first_ts, ==, T0);
  g_assert_cmpint(s.last_ts, ==, T0 + 7 * MS);
  g_assert_cmpint(s.duration_ns, ==, 6 * MS);
  fx_clear(&fx);
}

static void test_one_sided_flip(void)
{
  /* zeek-tcp-one-sided.pcap: only the server (1433) is seen: SYN+ACK, ACK, FIN+ACK.
   * 1433 is a server port and 2745 is not, so the roles flip at once.
   * Baseline: "^haf", orig_pkts 0, resp_pkts 3, resp_ip_bytes 140. */
  Fx fx;
  fx_init(&fx, 1433, 2745);
  fx.ip_len = 60;
  WtTcpUpdate u = seg(&fx, ORIG, S | A, 1898078251u, 1847199028u, 0);
  g_assert_true(u.flipped);
  g_assert_cmpint(u.dir, ==, RESP);
  fx.ip_len = 40;
  seg(&fx, RESP, A, 1898078252u, 1847199028u + 52, 0);
  seg(&fx, RESP, F | A, 1898078252u, 1847199028u + 53, 0);
  assert_history(&fx, "^haf");
  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpuint(s.orig_pkts, ==, 0);
  g_assert_cmpuint(s.orig_ip_bytes, ==, 0);
  g_assert_cmpuint(s.resp_pkts, ==, 3);
  g_assert_cmpuint(s.resp_ip_bytes, ==, 140);
  fx_clear(&fx);
}

static void test_handshake_reorder(void)
{
  /* zeek-tcp-handshake-reorder.pcap with no server port involved (the Zeek test clears
   * likely_server_ports): SYN+ACK first, then the SYN it answers. Zeek flips on the SYN:
   * events baseline "Hs^ADadFf". */
  Fx fx;
  fx_init(&fx, 5555, 59856);
  WtTcpUpdate u = seg(&fx, ORIG, S | A, 2779762238u, 4263588411u, 0);
  g_assert_false(u.flipped);
  u = seg(&fx, RESP, S, 4263588410u, 0, 0);
  g_assert_true(u.flipped);
  g_assert_cmpint(u.dir, ==, ORIG);
  assert_history(&fx, "Hs^");
  assert_states(&fx, "SYN-SENT", "SYN-RECEIVED");
  seg(&fx, ORIG, A, 4263588411u, 2779762239u, 0);
  assert_states(&fx, "ESTABLISHED", "ESTABLISHED");
  seg(&fx, ORIG, P | A, 4263588411u, 2779762239u, 136);
  seg(&fx, RESP, A, 2779762239u, 4263588547u, 0);
  seg(&fx, RESP, A, 2779762239u, 4263588547u, 1448);
  seg(&fx, ORIG, F | A, 4263588547u, 2779763687u, 0);
  seg(&fx, RESP, F | A, 2779763687u, 4263588548u, 0);
  assert_history(&fx, "Hs^ADadFf");
  assert_conn_state(&fx, "SF");
  g_assert_cmpint(summary(&fx).handshake, ==, WT_TCP_HS_COMPLETED);
  g_assert_cmpuint(fx.c.st[ORIG].syn_rexmits, ==, 0);
  fx_clear(&fx);
}

static void test_bad_checksum(void)
{
  /* zeek-tcp-syn-bad-checksum.pcap: a lone SYN with a bad checksum.
   * Baseline: orig_pkts 0, resp_pkts 0, history "C", OTH. */
  Fx fx;
  fx_init(&fx, 59856, 80);
  fx.bad_checksum = TRUE;
  seg(&fx, ORIG, S, 4263588410u, 0, 0);
  assert_history(&fx, "C");
  assert_conn_state(&fx, "OTH");
  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpuint(s.orig_pkts, ==, 0);
  g_assert_cmpuint(s.resp_pkts, ==, 0);
  g_assert_cmpuint(fx.c.st[ORIG].bad_checksums, ==, 1);
  g_assert_false(s.has_duration);
  fx_clear(&fx);
}

static void test_port_reuse(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  handshake(&fx);
  g_assert_false(is_new_syn(&fx, ORIG, 1000)); /* late retransmission of the same SYN */
  g_assert_true(is_new_syn(&fx, ORIG, 9999));  /* another ISN on an open connection */
  seg(&fx, ORIG, F | A, 1001, 5001, 0);
  seg(&fx, RESP, F | A, 5001, 1002, 0);
  seg(&fx, ORIG, A, 1002, 5002, 0);
  assert_states(&fx, "TIME-WAIT", "CLOSED");
  /* in TIME-WAIT a SYN with another ISN starts a new connection; a copy of the
   * connection's own SYN is an old duplicate (issue 14; Zeek: a new connection) */
  g_assert_false(is_new_syn(&fx, ORIG, 1000));
  g_assert_true(is_new_syn(&fx, ORIG, 20000));
  /* not a SYN at all */
  WtPacket p;
  fill_packet(&fx, &p, ORIG, A, 1002, 5002, 0);
  g_assert_false(wt_tcp_conn_is_new_syn(&fx.c, &p, ORIG));
  fx_clear(&fx);

  /* after a RST, any SYN (the same ISN too: a new attempt) */
  fx_init(&fx, 40000, 80);
  seg(&fx, ORIG, S, 1000, 0, 0);
  seg(&fx, RESP, R | A, 0, 1001, 0);
  g_assert_true(is_new_syn(&fx, ORIG, 1000));
  fx_clear(&fx);

  /* the responder's SYN of a simultaneous open is not new */
  fx_init(&fx, 40000, 40001);
  seg(&fx, ORIG, S, 100, 0, 0);
  g_assert_false(is_new_syn(&fx, RESP, 300));
  fx_clear(&fx);
}

static void test_wraparound(void)
{
  /* client ISN 2^32 - 256: 512 bytes in two segments crossing 2^32 */
  Fx fx;
  fx_init(&fx, 40000, 80);
  guint32 isn = 0xFFFFFF00u, sisn = 0xFFFFFFF0u;
  seg(&fx, ORIG, S, isn, 0, 0);
  seg(&fx, RESP, S | A, sisn, isn + 1, 0);
  seg(&fx, ORIG, A, isn + 1, sisn + 1, 0);
  assert_states(&fx, "ESTABLISHED", "ESTABLISHED");
  seg(&fx, ORIG, P | A, isn + 1, sisn + 1, 256);          /* 0xFFFFFF01 .. 0x00000001 */
  seg(&fx, ORIG, P | A, isn + 257, sisn + 1, 256);        /* 0x00000001 .. 0x00000101 */
  seg(&fx, RESP, A, sisn + 1, isn + 513, 0);
  seg(&fx, RESP, P | A, sisn + 1, isn + 513, 100);        /* 0xFFFFFFF1 .. 0x00000055 */
  seg(&fx, ORIG, A, isn + 513, sisn + 101, 0);
  g_assert_cmpuint(fx.c.st[ORIG].retransmits, ==, 0);
  g_assert_cmpuint(fx.c.st[ORIG].out_of_order, ==, 0);
  seg(&fx, ORIG, F | A, isn + 513, sisn + 101, 0);        /* FIN u = 0x101 */
  seg(&fx, RESP, F | A, sisn + 101, isn + 514, 0);        /* acks u+1 = 0x102 */
  assert_states(&fx, "TIME-WAIT", "LAST-ACK");
  seg(&fx, ORIG, A, isn + 514, sisn + 102, 0);
  assert_states(&fx, "TIME-WAIT", "CLOSED");
  assert_history(&fx, "ShADadFf");
  assert_conn_state(&fx, "SF");
  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpuint(s.orig_bytes, ==, 512);
  g_assert_cmpuint(s.resp_bytes, ==, 100);
  g_assert_cmpint(s.close_kind, ==, WT_TCP_CLOSE_THREE_SEGMENT);
  /* a retransmission across the wrap is still recognised */
  seg(&fx, ORIG, P | A, isn + 1, sisn + 102, 256);
  g_assert_cmpuint(fx.c.st[ORIG].retransmits, ==, 1);
  fx_clear(&fx);
}

static void test_keepalive(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  handshake(&fx);
  seg(&fx, ORIG, P | A, 1001, 5001, 100);
  seg(&fx, RESP, A, 5001, 1101, 0);
  seg(&fx, ORIG, A, 1100, 5001, 0);  /* keep-alive: seq = next - 1, no data */
  seg(&fx, RESP, A, 5001, 1101, 0);
  seg(&fx, ORIG, A, 1100, 5001, 1);  /* keep-alive with one garbage byte */
  g_assert_cmpuint(fx.c.st[ORIG].keepalives, ==, 2);
  g_assert_cmpuint(fx.c.st[ORIG].retransmits, ==, 0);
  g_assert_cmpuint(fx.c.st[RESP].dup_acks, ==, 0); /* nothing outstanding on resp side */
  /* Zeek sees the 1-byte probe as retransmitted payload: 'T' */
  assert_history(&fx, "ShADaT");
  fx_clear(&fx);
}

static void test_zero_window(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  handshake(&fx);
  seg(&fx, ORIG, P | A, 1001, 5001, 100);
  fx.win = 0;
  seg(&fx, RESP, A, 5001, 1101, 0);
  /* pure ACK 'a', then the zero window 'w' */
  assert_history(&fx, "ShADaw");
  for (int i = 0; i < 9; i++)
    seg(&fx, RESP, A, 5001, 1101, 0);
  /* the 10th zero window adds the second 'w' (log10 scale) */
  assert_history(&fx, "ShADaww");
  g_assert_cmpuint(fx.c.st[RESP].zero_windows, ==, 10);
  fx_clear(&fx);
}

static void test_dup_ack(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  handshake(&fx);
  seg(&fx, ORIG, P | A, 1001, 5001, 100);
  seg(&fx, ORIG, P | A, 1101, 5001, 100);
  seg(&fx, ORIG, P | A, 1201, 5001, 100);
  seg(&fx, RESP, A, 5001, 1101, 0);  /* acks the first only */
  seg(&fx, RESP, A, 5001, 1101, 0);  /* dup */
  seg(&fx, RESP, A, 5001, 1101, 0);  /* dup */
  g_assert_cmpuint(fx.c.st[RESP].dup_acks, ==, 2);
  seg(&fx, RESP, A, 5001, 1301, 0);  /* new ack: not a dup */
  seg(&fx, RESP, A, 5001, 1301, 0);  /* same ack but nothing outstanding: not a dup */
  g_assert_cmpuint(fx.c.st[RESP].dup_acks, ==, 2);
  fx_clear(&fx);
}

static void test_retransmit_and_ooo(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  handshake(&fx);
  seg(&fx, ORIG, P | A, 1001, 5001, 100);
  seg(&fx, ORIG, P | A, 1201, 5001, 100);   /* jumps over 1101..1201 */
  seg(&fx, ORIG, P | A, 1101, 5001, 100);   /* fills the hole: out of order */
  seg(&fx, ORIG, P | A, 1001, 5001, 100);   /* seen before: retransmission */
  g_assert_cmpuint(fx.c.st[ORIG].out_of_order, ==, 1);
  g_assert_cmpuint(fx.c.st[ORIG].retransmits, ==, 1);
  /* Zeek's 't' rule (payload not beyond the highest seq) counts both: T at 1 */
  assert_history(&fx, "ShADT");
  /* ten such segments give the second T */
  for (int i = 0; i < 8; i++)
    seg(&fx, ORIG, P | A, 1001, 5001, 100);
  assert_history(&fx, "ShADTT");
  g_assert_cmpuint(fx.c.st[ORIG].retransmits, ==, 9);
  fx_clear(&fx);
}

static void test_gap_and_timeout(void)
{
  /* zeek-tcp-miss-end-data.pcap style: the responder's data was never seen but acked;
   * the reassembler reports the gap. */
  Fx fx;
  fx_init(&fx, 40000, 80);
  handshake(&fx);
  seg(&fx, ORIG, P | A, 1001, 5001, 538);
  seg(&fx, ORIG, A, 1539, 7903, 0);
  wt_tcp_conn_note_gap(&fx.c, RESP, 2902);
  wt_tcp_conn_note_retransmit(&fx.c, ORIG);
  assert_history(&fx, "ShADg");
  wt_tcp_conn_note_analysis_partial(&fx.c, ORIG);
  wt_tcp_conn_note_analysis_partial(&fx.c, ORIG); /* once per direction */
  assert_history(&fx, "ShADgX");
  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpuint(s.missed_bytes, ==, 2902);
  g_assert_cmpuint(fx.c.st[ORIG].reasm_retransmits, ==, 1);
  /* Zeek's responder size comes from the ACKs: 7903 - 5001 = 2902 bytes */
  g_assert_cmpuint(s.resp_bytes, ==, 2902);
  g_assert_cmpint(s.close_kind, ==, WT_TCP_CLOSE_OPEN_AT_END);
  wt_tcp_conn_timeout(&fx.c, fx.now + 300 * 1000 * MS);
  g_assert_cmpint(summary(&fx).close_kind, ==, WT_TCP_CLOSE_TIMED_OUT);
  assert_conn_state(&fx, "S1");
  fx_clear(&fx);
}

static void test_names(void)
{
  g_assert_cmpstr(wt_tcp_state_name(WT_TCP_STATE_SYN_RCVD), ==, "SYN-RECEIVED");
  g_assert_cmpstr(wt_tcp_state_name(WT_TCP_STATE_FIN_WAIT_2), ==, "FIN-WAIT-2");
  g_assert_cmpstr(wt_tcp_state_name(WT_TCP_STATE_COUNT), ==, "?");
  g_assert_cmpstr(wt_conn_state_name(WT_CONN_RSTOS0), ==, "RSTOS0");
  g_assert_cmpstr(wt_tcp_close_kind_name(WT_TCP_CLOSE_OPEN_AT_END), ==, "open-at-end");
  g_assert_cmpstr(wt_tcp_handshake_name(WT_TCP_HS_MIDSTREAM), ==, "mid-stream");
  g_assert_true(wt_tcp_likely_server_port(80));
  g_assert_true(wt_tcp_likely_server_port(6669));
  g_assert_false(wt_tcp_likely_server_port(40000));
}

static void test_rst_fit(void)
{
  g_assert_cmpint(wt_tcp_rst_fit(1000, 1000, 65535), ==, WT_RST_EXACT);
  g_assert_cmpint(wt_tcp_rst_fit(2000, 1000, 65535), ==, WT_RST_IN_WINDOW);
  g_assert_cmpint(wt_tcp_rst_fit(1000 + 65534, 1000, 65535), ==, WT_RST_IN_WINDOW);
  g_assert_cmpint(wt_tcp_rst_fit(1000 + 65535, 1000, 65535), ==, WT_RST_OUT_OF_WINDOW);
  g_assert_cmpint(wt_tcp_rst_fit(999, 1000, 65535), ==, WT_RST_OUT_OF_WINDOW);
  /* across the wrap of the sequence space */
  g_assert_cmpint(wt_tcp_rst_fit(10, 0xfffffff0u, 100), ==, WT_RST_IN_WINDOW);
  g_assert_cmpint(wt_tcp_rst_fit(0xfffffff0u + (1u << 30), 0xfffffff0u, 65535), ==,
                  WT_RST_OUT_OF_WINDOW);
}

static void test_ack_beyond_sent_fn(void)
{
  g_assert_false(wt_tcp_ack_beyond_sent(5001, 5001, 65535));
  g_assert_false(wt_tcp_ack_beyond_sent(5000, 5001, 65535));        /* old */
  g_assert_false(wt_tcp_ack_beyond_sent(5001 + 500000, 5001, 65535)); /* loss can hide it */
  g_assert_true(wt_tcp_ack_beyond_sent(5001 + 100000000u, 5001, 65535));
  /* a window larger than 1 MiB widens what capture loss can hide */
  g_assert_false(wt_tcp_ack_beyond_sent(5001 + 3000000, 5001, 4u << 20));
  g_assert_true(wt_tcp_ack_beyond_sent(5001 + 5000000, 5001, 4u << 20));
  g_assert_false(wt_tcp_ack_beyond_sent(100, 0xffffff00u, 65535)); /* wraps: 356 ahead */
}

/* tests/fidelity/rst-in-window-challenge-ack.pcap: a client RST 1000 past RCV.NXT, the
 * server's challenge ACK, then the connection goes on. */
static void test_rst_ignored_in_window(void)
{
  Fx fx;
  fx_init(&fx, 49610, 80);
  fx.win = 65535; /* the server's window: 1000 past RCV.NXT is inside it */
  handshake(&fx);
  seg(&fx, ORIG, P | A, 1001, 5001, 102);
  seg(&fx, RESP, A, 5001, 1103, 0);
  seg(&fx, ORIG, R | A, 1103 + 1000, 5001, 0);
  g_assert_true(wt_tcp_conn_rst_pending(&fx.c));
  g_assert_true(wt_tcp_conn_is_closed(&fx.c)); /* until something shows otherwise */
  seg(&fx, RESP, A, 5001, 1103, 0);             /* challenge ACK: acks nothing new */
  g_assert_true(wt_tcp_conn_rst_pending(&fx.c));
  seg(&fx, RESP, P | A, 5001, 1103, 1448);      /* new data, but the server may not know */
  g_assert_true(wt_tcp_conn_rst_pending(&fx.c));
  seg(&fx, ORIG, A, 1103, 6449, 0);             /* the client acks data sent after it */
  g_assert_false(wt_tcp_conn_rst_pending(&fx.c));
  g_assert_cmpuint(wt_tcp_conn_notes(&fx.c), ==, WT_TCP_NOTE_RST_IGNORED);
  g_assert_false(wt_tcp_conn_is_closed(&fx.c));
  assert_states(&fx, "ESTABLISHED", "ESTABLISHED");
  seg(&fx, RESP, F | A, 6449, 1103, 0);
  seg(&fx, ORIG, F | A, 1103, 6450, 0);
  seg(&fx, RESP, A, 6450, 1104, 0);
  g_assert_true(wt_tcp_conn_is_closed(&fx.c));
  /* Zeek's view is kept: the originator RESET, its FIN ignored */
  assert_history(&fx, "ShADaRdfF");
  assert_conn_state(&fx, "RSTO");
  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpint(s.close_kind, ==, WT_TCP_CLOSE_THREE_SEGMENT);
  g_assert_cmpuint(s.orig_bytes, ==, 102); /* the RST's jump is not data (Zeek: 1101) */
  g_assert_cmpuint(s.resp_bytes, ==, 1448);
  g_assert_cmpuint(fx.c.rsts_ignored, ==, 1);
  g_assert_cmpuint(fx.c.rsts_ignored_oow, ==, 0);
  g_assert_cmpuint(wt_anomaly_get(fx.an, WT_TCP_A_RST_IGNORED), ==, 1);
  g_assert_cmpuint(wt_anomaly_get(fx.an, WT_TCP_A_RST_OUT_OF_WINDOW), ==, 0);
  fx_clear(&fx);
}

/* tests/fidelity/rst-handshake-out-of-window.pcap: a spoofed server RST 2^30 beyond the
 * window between the SYN+ACK and the client's ACK. */
static void test_rst_ignored_out_of_window(void)
{
  Fx fx;
  fx_init(&fx, 49610, 80);
  seg(&fx, ORIG, S, 1000, 0, 0);
  seg(&fx, RESP, S | A, 5000, 1001, 0);
  seg(&fx, RESP, R, 5001 + (1u << 30), 0, 0);
  seg(&fx, ORIG, A, 1001, 5001, 0);
  seg(&fx, ORIG, P | A, 1001, 5001, 102);
  g_assert_true(wt_tcp_conn_rst_pending(&fx.c));
  seg(&fx, RESP, P | A, 5001, 1103, 100); /* acks the GET */
  g_assert_false(wt_tcp_conn_rst_pending(&fx.c));
  assert_states(&fx, "ESTABLISHED", "ESTABLISHED");
  seg(&fx, ORIG, A, 1103, 5101, 0);
  seg(&fx, RESP, F | A, 5101, 1103, 0);
  seg(&fx, ORIG, F | A, 1103, 5102, 0);
  seg(&fx, RESP, A, 5102, 1104, 0);
  assert_conn_state(&fx, "RSTR");
  assert_history(&fx, "ShrADdfFa");
  g_assert_cmpint(summary(&fx).close_kind, ==, WT_TCP_CLOSE_THREE_SEGMENT);
  g_assert_cmpuint(fx.c.rsts_ignored, ==, 1);
  g_assert_cmpuint(fx.c.rsts_ignored_oow, ==, 1);
  g_assert_cmpuint(wt_anomaly_get(fx.an, WT_TCP_A_RST_OUT_OF_WINDOW), ==, 1);
  fx_clear(&fx);
}

/* A client aborts a download: the server's segments already in flight come after the RST
 * and nobody acknowledges them. The RST was acted on. */
static void test_rst_acted_on(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  handshake(&fx);
  seg(&fx, ORIG, P | A, 1001, 5001, 100);
  seg(&fx, RESP, P | A, 5001, 1101, 1000);
  seg(&fx, ORIG, R | A, 1101, 6001, 0);
  seg(&fx, RESP, P | A, 6001, 1101, 1000);
  g_assert_true(wt_tcp_conn_rst_pending(&fx.c));
  seg(&fx, ORIG, R, 1101, 0, 0);                /* the client's answer to it */
  g_assert_true(wt_tcp_conn_is_closed(&fx.c));
  g_assert_cmpint(summary(&fx).close_kind, ==, WT_TCP_CLOSE_RESET_BY_ORIG);
  g_assert_cmpuint(fx.c.rsts_ignored, ==, 0);
  fx_clear(&fx);
}

/* tests/fidelity/syn-duplicate-late.pcap: copies of the client's SYN after the handshake
 * and after both FINs are retransmissions; a new ISN on the closed tuple is port reuse. */
static void test_syn_late_duplicate(void)
{
  Fx fx;
  fx_init(&fx, 49610, 80);
  handshake(&fx);
  g_assert_false(is_new_syn(&fx, ORIG, 1000));
  seg(&fx, ORIG, S, 1000, 0, 0);
  seg(&fx, ORIG, F | A, 1001, 5001, 0);
  seg(&fx, RESP, F | A, 5001, 1002, 0);
  seg(&fx, ORIG, A, 1002, 5002, 0);
  g_assert_true(wt_tcp_conn_is_closed(&fx.c));
  g_assert_false(is_new_syn(&fx, ORIG, 1000)); /* Zeek: a new connection */
  WtPacket p;
  fill_packet(&fx, &p, ORIG, S, 1000, 0, 0);
  g_assert_true(wt_tcp_syn_is_retransmission(&fx.c, &p, ORIG));
  g_assert_true(is_new_syn(&fx, ORIG, 777777)); /* another ISN: port reuse */
  fill_packet(&fx, &p, RESP, S, 5000, 0, 0);
  g_assert_false(wt_tcp_syn_is_retransmission(&fx.c, &p, RESP));
  seg(&fx, ORIG, S, 1000, 0, 0);
  assert_history(&fx, "ShAFf");
  assert_conn_state(&fx, "SF");
  g_assert_cmpuint(fx.c.st[ORIG].syn_rexmits, ==, 2);
  fx_clear(&fx);
}

/* tests/fidelity/ack-far-beyond-sent.pcap: an ACK 100,000,000 bytes beyond anything the
 * server sent is not used (Zeek would take it: resp_bytes 99999999). */
static void test_ack_beyond_sent(void)
{
  Fx fx;
  fx_init(&fx, 49610, 80);
  handshake(&fx);
  seg(&fx, ORIG, P | A, 1001, 5001, 102);
  seg(&fx, RESP, A, 5001, 1103, 0);
  seg(&fx, ORIG, A, 1103, 5001 + 100000000u, 0);
  g_assert_cmpuint(wt_tcp_conn_notes(&fx.c), ==, WT_TCP_NOTE_ACK_IGNORED);
  seg(&fx, RESP, A, 5001, 1103, 0);
  g_assert_cmpuint(wt_tcp_conn_notes(&fx.c), ==, 0);
  seg(&fx, RESP, P | A, 5001, 1103, 1000);
  g_assert_cmpuint(wt_tcp_conn_notes(&fx.c), ==, 0);
  seg(&fx, ORIG, A, 1103, 6001, 0);
  g_assert_cmpuint(wt_tcp_conn_notes(&fx.c), ==, 0);
  WtTcpConnSummary s = summary(&fx);
  g_assert_cmpuint(s.resp_bytes, ==, 1000);
  g_assert_cmpuint(fx.c.acks_beyond_sent, ==, 1);
  g_assert_cmpuint(wt_anomaly_get(fx.an, WT_TCP_A_ACK_BEYOND_SENT), ==, 1);
  assert_history(&fx, "ShADad");
  fx_clear(&fx);
}

/* The capture begins with the same SYN+ACK twice, between two likely server ports (80 ->
 * 6669: no flip on the port heuristic). Zeek's endpoints stay SYN_ACK_SENT / INACTIVE
 * through the copy, so the ACK that follows still flips: "^hA...". Before issue 14 the copy
 * ended the wait and the roles stayed reversed. */
static void test_synack_duplicate_first_flip(void)
{
  Fx fx;
  fx_init(&fx, 80, 6669);
  WtTcpUpdate u = seg(&fx, ORIG, S | A, 2779762238u, 4263588411u, 0);
  g_assert_false(u.flipped);
  u = seg(&fx, ORIG, S | A, 2779762238u, 4263588411u, 0);
  g_assert_false(u.flipped);
  assert_history(&fx, "H");
  u = seg(&fx, RESP, A, 4263588411u, 2779762239u, 0);
  g_assert_true(u.flipped);
  g_assert_cmpint(u.dir, ==, ORIG);
  g_assert_cmpuint(fx.port[ORIG], ==, 6669);
  assert_history(&fx, "^hA");
  assert_states(&fx, "ESTABLISHED", "ESTABLISHED");
  g_assert_cmpuint(fx.c.st[RESP].pkts, ==, 2);
  g_assert_cmpuint(fx.c.st[RESP].syn_rexmits, ==, 1);
  g_assert_cmpuint(fx.c.st[ORIG].pkts, ==, 1);
  seg(&fx, ORIG, P | A, 4263588411u, 2779762239u, 136);
  seg(&fx, RESP, A, 2779762239u, 4263588547u, 1448);
  seg(&fx, ORIG, F | A, 4263588547u, 2779763687u, 0);
  seg(&fx, RESP, F | A, 2779763687u, 4263588548u, 0);
  seg(&fx, ORIG, A, 4263588548u, 2779763688u, 0);
  assert_history(&fx, "^hADdFf");
  assert_conn_state(&fx, "SF");
  fx_clear(&fx);

  /* a SYN+ACK with another ack number is no copy: undecided no more (as before) */
  fx_init(&fx, 80, 6669);
  seg(&fx, ORIG, S | A, 2779762238u, 4263588411u, 0);
  seg(&fx, ORIG, S | A, 2779762238u, 4263588999u, 0);
  u = seg(&fx, RESP, A, 4263588411u, 2779762239u, 0);
  g_assert_false(u.flipped);
  fx_clear(&fx);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/tcp/state/four-way", test_four_way);
  g_test_add_func("/tcp/state/three-segment", test_three_segment);
  g_test_add_func("/tcp/state/time-wait-config", test_time_wait_config);
  g_test_add_func("/tcp/state/simultaneous-open", test_simultaneous_open);
  g_test_add_func("/tcp/state/simultaneous-close", test_simultaneous_close);
  g_test_add_func("/tcp/state/half-close", test_half_close);
  g_test_add_func("/tcp/state/rst-orig-after-syn", test_rst_orig_after_syn);
  g_test_add_func("/tcp/state/rst-syn-ack-rst", test_rst_syn_ack_then_rst);
  g_test_add_func("/tcp/state/rst-syn-stuff-rst", test_rst_syn_stuff_rst);
  g_test_add_func("/tcp/state/single-rst", test_single_rst);
  g_test_add_func("/tcp/state/refused", test_refused);
  g_test_add_func("/tcp/state/refused-bad-ack", test_refused_bad_ack);
  g_test_add_func("/tcp/state/rst-orig-after-synack", test_rst_orig_after_synack);
  g_test_add_func("/tcp/state/rst-resp-after-synack", test_rst_resp_after_synack);
  g_test_add_func("/tcp/state/rst-established", test_rst_established);
  g_test_add_func("/tcp/state/rst-during-close", test_rst_during_close);
  g_test_add_func("/tcp/state/rst-after-close", test_rst_after_close);
  g_test_add_func("/tcp/state/unanswered", test_unanswered);
  g_test_add_func("/tcp/state/synack-retransmit", test_synack_retransmit);
  g_test_add_func("/tcp/state/bad-handshake-ack", test_bad_handshake_ack);
  g_test_add_func("/tcp/state/midstream", test_midstream);
  g_test_add_func("/tcp/state/midstream-flip", test_midstream_flip);
  g_test_add_func("/tcp/state/synack-first-flip", test_synack_first_flip);
  g_test_add_func("/tcp/state/one-sided-flip", test_one_sided_flip);
  g_test_add_func("/tcp/state/handshake-reorder", test_handshake_reorder);
  g_test_add_func("/tcp/state/bad-checksum", test_bad_checksum);
  g_test_add_func("/tcp/state/port-reuse", test_port_reuse);
  g_test_add_func("/tcp/state/wraparound", test_wraparound);
  g_test_add_func("/tcp/state/keepalive", test_keepalive);
  g_test_add_func("/tcp/state/zero-window", test_zero_window);
  g_test_add_func("/tcp/state/dup-ack", test_dup_ack);
  g_test_add_func("/tcp/state/retransmit-ooo", test_retransmit_and_ooo);
  g_test_add_func("/tcp/state/gap-timeout", test_gap_and_timeout);
  g_test_add_func("/tcp/state/names", test_names);
  g_test_add_func("/tcp/state/rst-fit", test_rst_fit);
  g_test_add_func("/tcp/state/ack-beyond-sent-fn", test_ack_beyond_sent_fn);
  g_test_add_func("/tcp/state/rst-ignored-in-window", test_rst_ignored_in_window);
  g_test_add_func("/tcp/state/rst-ignored-out-of-window", test_rst_ignored_out_of_window);
  g_test_add_func("/tcp/state/rst-acted-on", test_rst_acted_on);
  g_test_add_func("/tcp/state/syn-late-duplicate", test_syn_late_duplicate);
  g_test_add_func("/tcp/state/ack-beyond-sent", test_ack_beyond_sent);
  g_test_add_func("/tcp/state/synack-duplicate-first-flip", test_synack_duplicate_first_flip);
  return g_test_run();
}
