/* Unit tests for the tcp tap (tcp-stats.c) and conn.log records (conn-log.c). Expected
 * values are worked out by hand from the segments built here (see test-tcp-state.c for
 * the state/history reasoning). */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include "tests/unit/tcp/tcp-test-util.h"
#include "dissectors/tcp/tcp-stats.h"
#include "dissectors/tcp/conn-log.h"

/* Four-way close, client 40000 -> server 80, segments 1 ms apart (as test_four_way). */
static void build_four_way(Fx *fx)
{
  fx_init(fx, 40000, 80);
  handshake(fx);
  seg(fx, ORIG, P | A, 1001, 5001, 100);
  seg(fx, RESP, A, 5001, 1101, 0);
  seg(fx, RESP, P | A, 5001, 1101, 200);
  seg(fx, ORIG, A, 1101, 5201, 0);
  seg(fx, ORIG, F | A, 1101, 5201, 0);
  seg(fx, RESP, A, 5201, 1102, 0);
  seg(fx, RESP, F | A, 5201, 1102, 0);
  seg(fx, ORIG, A, 1102, 5202, 0);
}

static void build_refused(Fx *fx)
{
  fx_init(fx, 40001, 81);
  seg(fx, ORIG, S, 1000, 0, 0);
  seg(fx, RESP, R | A, 0, 1001, 0);
}

static void build_unanswered(Fx *fx)
{
  fx_init(fx, 40002, 82);
  seg(fx, ORIG, S, 1000, 0, 0);
  seg(fx, ORIG, S, 1000, 0, 0);
  wt_tcp_conn_timeout(&fx->c, fx->now + 1000 * MS);
}

/* handshake with a given SYN->SYN+ACK and SYN+ACK->ACK spacing */
static void build_rtt(Fx *fx, gint64 half1, gint64 half2)
{
  fx_init(fx, 40003, 443);
  seg(fx, ORIG, S, 1, 0, 0);
  fx->now += half1 - MS;
  seg(fx, RESP, S | A, 7, 2, 0);
  fx->now += half2 - MS;
  seg(fx, ORIG, A, 2, 8, 0);
}

static void test_stats_counts(void)
{
  g_autoptr(WtTcpStats) st = wt_tcp_stats_new();
  Fx a, b, c;
  build_four_way(&a);
  build_refused(&b);
  build_unanswered(&c);
  wt_tcp_stats_add_conn(st, &a.c);
  wt_tcp_stats_add_conn(st, &b.c);
  wt_tcp_stats_add_conn(st, &c.c);

  g_assert_cmpuint(st->connections, ==, 3);
  g_assert_cmpuint(st->conn_states[WT_CONN_SF], ==, 1);
  g_assert_cmpuint(st->conn_states[WT_CONN_REJ], ==, 1);
  g_assert_cmpuint(st->conn_states[WT_CONN_S0], ==, 1);
  g_assert_cmpuint(st->handshake[WT_TCP_HS_COMPLETED], ==, 1);
  g_assert_cmpuint(st->handshake[WT_TCP_HS_REFUSED], ==, 1);
  g_assert_cmpuint(st->handshake[WT_TCP_HS_UNANSWERED], ==, 1);
  g_assert_cmpuint(st->teardown[WT_TCP_CLOSE_FOUR_WAY], ==, 1);
  g_assert_cmpuint(st->teardown[WT_TCP_CLOSE_REFUSED], ==, 1);
  g_assert_cmpuint(st->teardown[WT_TCP_CLOSE_UNANSWERED], ==, 1);
  g_assert_cmpuint(st->syn_rexmits, ==, 1);
  /* packets: 6 + 1 + 2 from originators, 5 + 1 from responders */
  g_assert_cmpuint(st->pkts[WT_DIR_ORIG], ==, 9);
  g_assert_cmpuint(st->pkts[WT_DIR_RESP], ==, 6);
  g_assert_cmpuint(st->payload_bytes[WT_DIR_ORIG], ==, 100);
  g_assert_cmpuint(st->payload_bytes[WT_DIR_RESP], ==, 200);
  g_assert_cmpuint(st->closed_by_orig, ==, 1); /* the four-way close */
  g_assert_cmpuint(st->closed_by_resp, ==, 1); /* the refusal */
  /* one RTT sample: 2 ms exactly (clamped to the exact min/max) */
  g_assert_cmpuint(st->rtt_samples, ==, 1);
  gint64 ns;
  g_assert_true(wt_tcp_stats_rtt_percentile(st, 50, &ns));
  g_assert_cmpint(ns, ==, 2 * MS);
  fx_clear(&a);
  fx_clear(&b);
  fx_clear(&c);
}

static void test_stats_percentiles(void)
{
  /* RTTs 1, 2, ..., 100 ms (split half/half): nearest rank p50 = 50 ms, p90 = 90 ms,
   * p99 = 99 ms; the histogram answers within half a bucket (10^(1/40) - 1 < 6 %). */
  g_autoptr(WtTcpStats) st = wt_tcp_stats_new();
  for (int i = 1; i <= 100; i++) {
    Fx fx;
    build_rtt(&fx, i * MS / 2, i * MS - i * MS / 2);
    wt_tcp_stats_add_conn(st, &fx.c);
    fx_clear(&fx);
  }
  g_assert_cmpuint(st->rtt_samples, ==, 100);
  g_assert_cmpint(st->rtt_min_ns, ==, MS);
  g_assert_cmpint(st->rtt_max_ns, ==, 100 * MS);
  const double ps[] = { 50, 90, 99 };
  for (guint i = 0; i < G_N_ELEMENTS(ps); i++) {
    gint64 ns;
    g_assert_true(wt_tcp_stats_rtt_percentile(st, ps[i], &ns));
    double want = ps[i] * 1e6;
    g_assert_cmpfloat(fabs((double) ns - want) / want, <, 0.06);
  }
  gint64 ns;
  g_assert_true(wt_tcp_stats_rtt_percentile(st, 100, &ns));
  g_assert_cmpint(ns, ==, 100 * MS);
  g_assert_false(wt_tcp_stats_rtt_percentile(st, 0, &ns));

  g_autoptr(WtTcpStats) empty = wt_tcp_stats_new();
  g_assert_false(wt_tcp_stats_rtt_percentile(empty, 50, &ns));
}

static void test_stats_merge(void)
{
  g_autoptr(WtTcpStats) x = wt_tcp_stats_new();
  g_autoptr(WtTcpStats) y = wt_tcp_stats_new();
  g_autoptr(WtTcpStats) all = wt_tcp_stats_new();
  Fx a, b;
  build_four_way(&a);
  build_rtt(&b, 10 * MS, 20 * MS);
  wt_tcp_stats_add_conn(x, &a.c);
  wt_tcp_stats_add_conn(y, &b.c);
  wt_tcp_stats_add_conn(all, &a.c);
  wt_tcp_stats_add_conn(all, &b.c);
  wt_tcp_stats_merge(x, y);
  g_assert_cmpmem(x, sizeof *x, all, sizeof *all);
  g_assert_cmpuint(x->connections, ==, 2);
  g_assert_cmpint(x->rtt_min_ns, ==, 2 * MS);
  g_assert_cmpint(x->rtt_max_ns, ==, 30 * MS);
  fx_clear(&a);
  fx_clear(&b);
}

static char *report_json(WtTcpStats *st)
{
  g_autoptr(WtReport) r = wt_report_new();
  wt_tcp_stats_report(st, r);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  wt_report_write_json(r, f);
  fclose(f);
  char *out = g_strndup(buf, len);
  free(buf);
  return out;
}

static void test_stats_report(void)
{
  g_autoptr(WtTcpStats) st = wt_tcp_stats_new();
  Fx a, b;
  build_four_way(&a);
  build_refused(&b);
  wt_tcp_stats_add_conn(st, &a.c);
  wt_tcp_stats_add_conn(st, &b.c);
  g_autofree char *json = report_json(st);
  g_test_message("%s", json);
  g_assert_nonnull(strstr(json, "\"tcp\""));
  g_assert_nonnull(strstr(json, "\"connections\":2"));
  g_assert_nonnull(strstr(json, "\"conn_states\":{\"SF\":1,\"REJ\":1}"));
  g_assert_nonnull(strstr(json, "\"completed\":1"));
  g_assert_nonnull(strstr(json, "\"refused\":1"));
  g_assert_nonnull(strstr(json, "\"four_way\":1"));
  g_assert_nonnull(strstr(json, "\"rtt_ms\""));
  g_assert_nonnull(strstr(json, "\"p50\":2"));
  g_assert_nonnull(strstr(json, "\"p99\":2"));

  g_autoptr(WtReport) r = wt_report_new();
  wt_tcp_stats_report(st, r);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  wt_report_write_text(r, f, FALSE);
  fclose(f);
  g_test_message("%s", buf);
  g_assert_nonnull(strstr(buf, "four-way"));
  g_assert_nonnull(strstr(buf, "normal open and close"));
  free(buf);
  fx_clear(&a);
  fx_clear(&b);
}

static void test_conn_log(void)
{
  Fx fx;
  WtConnInfo info;
  build_four_way(&fx);
  tcp_test_info_init(&info);
  g_autoptr(GString) out = g_string_new(NULL);
  wt_tcp_conn_log_format(out, &fx.c, &info, "http");
  /* duration: SYN at T0 to the server's FIN 9 ms later; sizes from sequence numbers;
   * 6 client segments = 6 x 40 + 100 bytes, 5 server segments = 5 x 40 + 200 bytes */
  g_assert_cmpstr(out->str, ==,
    "{\"ts\":1700000000.000000,\"uid\":\"CTest1\",\"id.orig_h\":\"10.0.0.1\","
    "\"id.orig_p\":40000,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":80,\"proto\":\"tcp\","
    "\"service\":\"http\",\"duration\":0.009000,\"orig_bytes\":100,\"resp_bytes\":200,"
    "\"conn_state\":\"SF\",\"missed_bytes\":0,\"history\":\"ShADadFf\",\"orig_pkts\":6,"
    "\"orig_ip_bytes\":340,\"resp_pkts\":5,\"resp_ip_bytes\":400,\"ip_proto\":6,"
    "\"orig_state\":\"TIME-WAIT\",\"resp_state\":\"CLOSED\",\"handshake_rtt\":0.002000,"
    "\"handshake\":\"completed\",\"close_kind\":\"four-way\",\"first_closer\":\"orig\","
    /* the steps as built: SYN T0, SYN+ACK +1 ms, ACK +2 ms, client FIN +7 ms acked +8 ms,
     * server FIN +9 ms acked +10 ms */
    "\"syn_ts\":1700000000.000000,\"synack_ts\":1700000000.001000,"
    "\"rtt_syn_synack\":0.001000,\"rtt_synack_ack\":0.001000,"
    "\"orig_fin_ts\":1700000000.007000,\"orig_fin_acked_ts\":1700000000.008000,"
    "\"resp_fin_ts\":1700000000.009000,\"resp_fin_acked_ts\":1700000000.010000,"
    "\"orig_payload_bytes\":100,\"orig_retransmits\":0,\"orig_out_of_order\":0,"
    "\"orig_dup_acks\":0,\"orig_zero_windows\":0,\"orig_keepalives\":0,"
    "\"resp_payload_bytes\":200,\"resp_retransmits\":0,\"resp_out_of_order\":0,"
    "\"resp_dup_acks\":0,\"resp_zero_windows\":0,\"resp_keepalives\":0}\n");
  fx_clear(&fx);

  /* a lone bad-checksum SYN: no duration, so no duration/bytes fields (Zeek) */
  fx_init(&fx, 40000, 80);
  fx.bad_checksum = TRUE;
  seg(&fx, ORIG, S, 1, 0, 0);
  g_string_truncate(out, 0);
  g_strlcpy(info.uid, "C\"q\\", sizeof info.uid); /* escaping */
  wt_tcp_conn_log_format(out, &fx.c, &info, NULL);
  g_assert_cmpstr(out->str, ==,
    "{\"ts\":1700000000.000000,\"uid\":\"C\\\"q\\\\\",\"id.orig_h\":\"10.0.0.1\","
    "\"id.orig_p\":40000,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":80,\"proto\":\"tcp\","
    "\"conn_state\":\"OTH\",\"missed_bytes\":0,\"history\":\"C\",\"orig_pkts\":0,"
    "\"orig_ip_bytes\":0,\"resp_pkts\":0,\"resp_ip_bytes\":0,\"ip_proto\":6,"
    "\"orig_state\":\"CLOSED\",\"resp_state\":\"CLOSED\",\"handshake\":\"mid-stream\","
    "\"close_kind\":\"open-at-end\",\"orig_payload_bytes\":0,\"orig_retransmits\":0,"
    "\"orig_out_of_order\":0,\"orig_dup_acks\":0,\"orig_zero_windows\":0,"
    "\"orig_keepalives\":0,\"resp_payload_bytes\":0,\"resp_retransmits\":0,"
    "\"resp_out_of_order\":0,\"resp_dup_acks\":0,\"resp_zero_windows\":0,"
    "\"resp_keepalives\":0}\n");
  fx_clear(&fx);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/tcp/stats/counts", test_stats_counts);
  g_test_add_func("/tcp/stats/percentiles", test_stats_percentiles);
  g_test_add_func("/tcp/stats/merge", test_stats_merge);
  g_test_add_func("/tcp/stats/report", test_stats_report);
  g_test_add_func("/tcp/conn-log/records", test_conn_log);
  return g_test_run();
}
