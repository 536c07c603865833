/* Unit tests for the --explain ladder (analyzer/cli/explain.c), fed by the tcp tracker
 * as TCP feeds it. Expected lines are worked out by hand from the segments built here. */
#include <stdio.h>
#include <stdlib.h>
#include "tests/unit/tcp/tcp-test-util.h"
#include "analyzer/cli/explain.h"

static void test_explain(void)
{
  Fx fx;
  fx_init(&fx, 40000, 80);
  g_autoptr(GString) line = g_string_new(NULL);
  WtPacket p;

  fill_packet(&fx, &p, ORIG, S, 1000, 0, 0);
  WtTcpUpdate u = wt_tcp_conn_update(&fx.c, &p, ORIG, fx.an);
  wt_explain_format(line, &fx.c, &p, u.dir);
  g_test_message("%s", line->str);
  g_assert_true(g_str_has_prefix(line->str, "    0.000000  client -- SYN seq=0 ---"));
  g_assert_true(g_str_has_suffix(line->str, "-> server  SYN-SENT      LISTEN"));

  fx.now += 1500; /* 1.5 us later */
  fill_packet(&fx, &p, RESP, S | A, 5000, 1001, 0);
  u = wt_tcp_conn_update(&fx.c, &p, RESP, fx.an);
  g_string_truncate(line, 0);
  wt_explain_format(line, &fx.c, &p, u.dir);
  g_test_message("%s", line->str);
  g_assert_true(g_str_has_prefix(line->str, "    0.000001  client <---"));
  g_assert_nonnull(strstr(line->str, "- SYN,ACK seq=0 ack=1 -- server  SYN-SENT      "
                                     "SYN-RECEIVED"));

  fx.now += MS;
  fill_packet(&fx, &p, ORIG, P | A, 1001, 5001, 42);
  u = wt_tcp_conn_update(&fx.c, &p, ORIG, fx.an);
  g_string_truncate(line, 0);
  wt_explain_format(line, &fx.c, &p, u.dir);
  g_assert_nonnull(strstr(line->str, "-- PSH,ACK seq=1 ack=1 len=42 ---"));
  g_assert_true(g_str_has_suffix(line->str, "ESTABLISHED   ESTABLISHED"));

  /* all arrows have the same width: the state columns line up */
  g_autoptr(GString) l2 = g_string_new(NULL);
  fill_packet(&fx, &p, RESP, A, 5001, 1043, 0);
  u = wt_tcp_conn_update(&fx.c, &p, RESP, fx.an);
  wt_explain_format(l2, &fx.c, &p, u.dir);
  g_assert_cmpuint(l2->len, ==, line->len);

  /* a flip is marked */
  Fx m;
  fx_init(&m, 80, 40000);
  fill_packet(&m, &p, ORIG, P | A, 9, 7, 5);
  u = wt_tcp_conn_update(&m.c, &p, ORIG, m.an);
  g_assert_true(u.flipped);
  g_string_truncate(line, 0);
  wt_explain_format(line, &m.c, &p, u.dir);
  g_assert_true(g_str_has_suffix(line->str, "(roles flipped)"));
  g_assert_nonnull(strstr(line->str, "client <"));

  /* header and footer go to a FILE */
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  WtConnInfo info;
  tcp_test_info_init(&info);
  wt_explain_begin(f, &info);
  wt_explain_end(f, &fx.c, &info);
  fclose(f);
  g_test_message("%s", buf);
  g_assert_nonnull(strstr(buf, "client 10.0.0.1 port 40000"));
  /* the third step carried data: D, not A */
  g_assert_nonnull(strstr(buf, "history ShDa"));
  g_assert_nonnull(strstr(buf, "client state  server state"));
  g_assert_nonnull(strstr(buf, "--- CTest1: handshake completed"));
  free(buf);
  fx_clear(&m);
  fx_clear(&fx);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cli/explain/ladder", test_explain);
  return g_test_run();
}
