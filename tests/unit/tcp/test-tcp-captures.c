/* tcp-state.c against the project's own TCP captures (captures/tcp-*.pcap), whose truth
 * files hold what the client and server programs themselves did (connected or not, who
 * closed first, FIN both ways, RST, bytes sent, half-close, simultaneous close) and whose
 * README row holds tshark's keep-alive probe count. Nothing here comes from wiretab. */
#include <stdlib.h>
#include "tests/unit/tcp/tcp-capture-util.h"

#ifndef WT_SOURCE_ROOT
#error "WT_SOURCE_ROOT must be defined"
#endif

static GHashTable *read_truth(const char *path)
{
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    if (lines[i][0] == '#' || !lines[i][0])
      continue;
    g_auto(GStrv) kv = g_strsplit(lines[i], " ", 2);
    if (g_strv_length(kv) == 2)
      g_hash_table_insert(t, g_strdup(kv[0]), g_strdup(kv[1]));
  }
  return t;
}

/* tshark's keep-alive probe count from the capture's README row ("keep-alive probes N"). */
static int readme_keepalives(const char *capture)
{
  g_autofree char *path = g_build_filename(WT_SOURCE_ROOT, "captures", "README.md", NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_autofree char *needle = g_strdup_printf("| %s |", capture);
  const char *row = strstr(text, needle);
  g_assert_nonnull(row);
  const char *end = strchr(row, '\n');
  const char *check = g_strstr_len(row, end ? end - row : -1, "Check: tshark tcp:");
  g_assert_nonnull(check);
  const char *k = g_strstr_len(check, end ? end - check : -1, "keep-alive probes ");
  g_assert_nonnull(k);
  return atoi(k + strlen("keep-alive probes "));
}

static void check_capture(gconstpointer data)
{
  const char *name = data;
  g_autofree char *pcap = g_strdup_printf("%s/captures/%s.pcap", WT_SOURCE_ROOT, name);
  g_autofree char *truth_path = g_strdup_printf("%s/captures/%s.truth.txt", WT_SOURCE_ROOT,
                                                name);
  if (!g_file_test(pcap, G_FILE_TEST_EXISTS)) {
    g_test_skip("capture not recorded");
    return;
  }
  g_autoptr(GHashTable) truth = read_truth(truth_path);
  GPtrArray *conns = run_capture(pcap, FALSE);
  g_assert_cmpuint(conns->len, ==, 1);
  Conn *c = conns->pdata[0];
  WtTcpConnSummary s;
  wt_tcp_conn_summarize(&c->conn, &s);
  g_test_message("%s: handshake %s, close %s, states %s/%s, history %s, %s", name,
                 wt_tcp_handshake_name(s.handshake), wt_tcp_close_kind_name(s.close_kind),
                 wt_tcp_state_name(s.orig_state), wt_tcp_state_name(s.resp_state), s.history,
                 wt_conn_state_name(s.conn_state));

  /* the client is the originator, the server port the responder's */
  const char *port = g_hash_table_lookup(truth, "server_port");
  g_assert_nonnull(port);
  g_assert_cmpuint(c->p[WT_DIR_RESP], ==, atoi(port));

  const char *est = g_hash_table_lookup(truth, "connections_established");
  const char *err = g_hash_table_lookup(truth, "client_connect_error");
  if (err && !strcmp(err, "ECONNREFUSED")) {
    g_assert_cmpint(s.handshake, ==, WT_TCP_HS_REFUSED);
    g_assert_cmpint(s.close_kind, ==, WT_TCP_CLOSE_REFUSED);
    g_assert_cmpint(s.orig_state, ==, WT_TCP_STATE_CLOSED);
    g_assert_cmpint(s.resp_state, ==, WT_TCP_STATE_CLOSED);
  } else if (err && !strcmp(err, "timeout")) {
    g_assert_cmpint(s.handshake, ==, WT_TCP_HS_UNANSWERED);
    g_assert_cmpint(s.close_kind, ==, WT_TCP_CLOSE_UNANSWERED);
    g_assert_cmpint(s.orig_state, ==, WT_TCP_STATE_SYN_SENT);
    g_assert_cmpint(s.resp_state, ==, WT_TCP_STATE_LISTEN);
    g_assert_cmpuint(c->conn.st[WT_DIR_ORIG].syn_rexmits, ==,
                     c->conn.st[WT_DIR_ORIG].syns - 1);
  }
  if (est && !strcmp(est, "1"))
    g_assert_cmpint(s.handshake, ==, WT_TCP_HS_COMPLETED);

  const char *sent = g_hash_table_lookup(truth, "client_bytes_sent");
  if (sent) {
    g_assert_cmpuint(s.orig_bytes, ==, g_ascii_strtoull(sent, NULL, 10));
    g_assert_cmpuint(c->conn.st[WT_DIR_ORIG].payload_bytes, >=, g_ascii_strtoull(sent, NULL, 10));
  }
  const char *rsent = g_hash_table_lookup(truth, "server_bytes_sent");
  if (rsent)
    g_assert_cmpuint(s.resp_bytes, ==, g_ascii_strtoull(rsent, NULL, 10));

  const char *by = g_hash_table_lookup(truth, "closed_by");
  const char *fin_both = g_hash_table_lookup(truth, "fin_both");
  const char *reset_by = g_hash_table_lookup(truth, "reset_by");
  if (by && !strcmp(by, "client"))
    g_assert_cmpint(s.first_closer, ==, WT_DIR_ORIG);
  if (by && !strcmp(by, "server"))
    g_assert_cmpint(s.first_closer, ==, WT_DIR_RESP);
  if (fin_both && !strcmp(fin_both, "yes")) {
    g_assert_true(c->conn.ep[0].fin_sent && c->conn.ep[1].fin_sent);
    g_assert_true(s.close_kind == WT_TCP_CLOSE_FOUR_WAY ||
                  s.close_kind == WT_TCP_CLOSE_THREE_SEGMENT ||
                  s.close_kind == WT_TCP_CLOSE_SIMULTANEOUS);
    g_assert_cmpint(s.conn_state, ==, WT_CONN_SF);
    /* the side that closed first waits in TIME-WAIT (the capture is shorter than 60 s),
     * the other one is CLOSED once its FIN was acked; both wait after a simultaneous close */
    if (by && !strcmp(by, "both")) {
      g_assert_cmpint(s.orig_state, ==, WT_TCP_STATE_TIME_WAIT);
      g_assert_cmpint(s.resp_state, ==, WT_TCP_STATE_TIME_WAIT);
    } else if (by) {
      gboolean client_first = !strcmp(by, "client");
      g_assert_cmpint(s.orig_state, ==,
                      client_first ? WT_TCP_STATE_TIME_WAIT : WT_TCP_STATE_CLOSED);
      g_assert_cmpint(s.resp_state, ==,
                      client_first ? WT_TCP_STATE_CLOSED : WT_TCP_STATE_TIME_WAIT);
    }
  }
  const char *simul = g_hash_table_lookup(truth, "simultaneous_close");
  if (simul && !strcmp(simul, "yes"))
    g_assert_cmpint(s.close_kind, ==, WT_TCP_CLOSE_SIMULTANEOUS);
  else if (fin_both)
    g_assert_cmpint(s.close_kind, !=, WT_TCP_CLOSE_SIMULTANEOUS);
  if (reset_by && !strcmp(reset_by, "client")) {
    g_assert_cmpint(s.close_kind, ==, WT_TCP_CLOSE_RESET_BY_ORIG);
    g_assert_cmpint(s.conn_state, ==, WT_CONN_RSTO);
    g_assert_cmpint(s.orig_state, ==, WT_TCP_STATE_CLOSED);
    g_assert_cmpint(s.resp_state, ==, WT_TCP_STATE_CLOSED);
  }
  const char *half = g_hash_table_lookup(truth, "half_close");
  g_assert_cmpint(c->conn.data_after_peer_fin, ==, half != NULL);

  g_autofree char *file = g_strdup_printf("%s.pcap", name);
  g_assert_cmpuint(c->conn.st[WT_DIR_ORIG].keepalives, ==, (guint) readme_keepalives(file));
  g_assert_cmpuint(c->conn.st[WT_DIR_RESP].keepalives, ==, 0);

  g_ptr_array_set_free_func(conns, g_free);
  g_ptr_array_free(conns, TRUE);
}

int main(int argc, char **argv)
{
  static const char *const names[] = {
    "tcp-close-client", "tcp-close-server", "tcp-half-close", "tcp-keepalive",
    "tcp-refused", "tcp-rst-abort", "tcp-simultaneous", "tcp-syn-timeout",
  };
  g_test_init(&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *path = g_strdup_printf("/tcp/captures/%s", names[i]);
    g_test_add_data_func(path, names[i], check_capture);
  }
  return g_test_run();
}
