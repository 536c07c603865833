/* The connection tracker's fast path (wt_tcp_conn_update on an ACK or data segment in
 * order between established endpoints) leaves every connection exactly as the general
 * path (wt_tcp_conn_update_general) does: on every TCP segment of every capture in
 * captures/ and the shared corpus (its sub-folders too), with checksums checked and
 * ignored, the connection is copied byte for byte, one copy updated by each path, and the
 * two compared as bytes (every counter, sequence mark, state, history letter), as are
 * the returned roles and, per capture, the anomaly counters.
 *
 * The fast path must also be taken: on captures/http-lo-ipv6.pcap (checksums ignored:
 * loopback offload leaves them unset), by the segments after the handshake's ACK and
 * before the first FIN of their connection with ACK (no SYN, FIN or RST) that are not the
 * first bare ACK or first data segment of their side (those add the history letters
 * 'A'/'a', 'D'/'d', which the general path does), as counted from tshark's fields:
 *   tshark -r captures/http-lo-ipv6.pcap -T fields -e tcp.stream -e tcp.srcport \
 *     -e tcp.flags.str -e tcp.len | awk -F'\t' '
 *     { s=$1; f=$3; k=s "/" $2 "/" ($4>0) }  f ~ /S|R/ { next }  f ~ /F/ { fin[s]=1; next }
 *     fin[s] { next }  !est[s] { est[s]=1; seen[k]=1; next }  !seen[k] { seen[k]=1; next }
 *     { n++ } END { print n }'                                               -> 23
 * (no retransmission, zero window or reordering in it: tshark -z expert lists none). */
#include <stdlib.h>
#include "tests/unit/capture-corpus.h"
#include "tests/unit/tcp/tcp-capture-util.h"

typedef struct {
  guint64 segs, fast;
  WtAnomalies *an_fast, *an_general;
} Run;

static Run *run;

static WtTcpUpdate compare_paths(WtTcpConn *c, const WtPacket *p, WtDir dir)
{
  g_autofree WtTcpConn *ref = g_memdup2(c, sizeof *c);
  gboolean fits = wt_tcp_conn_fast_fits(c, p, dir);
  WtTcpUpdate u = wt_tcp_conn_update(c, p, dir, run->an_fast);
  WtTcpUpdate r = wt_tcp_conn_update_general(ref, p, dir, run->an_general);
  g_assert_cmpint(u.flipped, ==, r.flipped);
  g_assert_cmpint(u.dir, ==, r.dir);
  g_assert_cmpmem(c, sizeof *c, ref, sizeof *ref);
  run->segs++;
  run->fast += fits;
  return u;
}

static void assert_same_anomalies(const WtAnomalies *a, const WtAnomalies *b)
{
  g_autoptr(GPtrArray) na = wt_anomalies_names(a);
  g_autoptr(GPtrArray) nb = wt_anomalies_names(b);
  g_assert_cmpuint(na->len, ==, nb->len);
  for (guint i = 0; i < na->len; i++) {
    const char *n = g_ptr_array_index(na, i);
    g_assert_cmpuint(wt_anomaly_get(a, n), ==, wt_anomaly_get(b, n));
  }
}

static gboolean readable(const char *path)
{
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *pc = pcap_open_offline(path, err);
  if (!pc)
    return FALSE;
  pcap_close(pc);
  return TRUE;
}

/* Both paths over one capture; returns the segments and how many took the fast path. */
static Run check_capture(const char *path, gboolean ignore_checksums)
{
  Run r = { 0, 0, wt_anomalies_new(), wt_anomalies_new() };
  run = &r;
  track_update = compare_paths;
  GPtrArray *conns = run_capture(path, ignore_checksums);
  track_update = NULL;
  run = NULL;
  assert_same_anomalies(r.an_fast, r.an_general);
  g_ptr_array_set_free_func(conns, g_free); /* Conn: no pointer inside */
  g_ptr_array_free(conns, TRUE);
  wt_anomalies_free(r.an_fast);
  wt_anomalies_free(r.an_general);
  r.an_fast = r.an_general = NULL;
  return r;
}

/* Every readable capture twice (checksums checked and ignored): its segments and how many
 * took the fast path. */
static gboolean check_corpus_file(const char *path, WtCorpusCounts *total)
{
  if (!readable(path))
    return FALSE;
  for (int ignore = 0; ignore < 2; ignore++) {
    Run r = check_capture(path, ignore);
    total->frames += r.segs;
    total->fast += r.fast;
  }
  return TRUE;
}

static void test_every_capture(void)
{
  wt_corpus_check_every(check_corpus_file, "segments (twice: checksums checked and ignored)",
                        "on the fast path");
}

/* How many segments of a small capture take the fast path (the header comment derives
 * the number from tshark's fields). */
static void test_share(void)
{
  Run r = check_capture(WT_CAPTURES_DIR "/http-lo-ipv6.pcap", TRUE);
  g_test_message("http-lo-ipv6: %" G_GUINT64_FORMAT " segments, %" G_GUINT64_FORMAT " fast",
                 r.segs, r.fast);
  g_assert_cmpuint(r.fast, ==, 23);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/tcp-fast-path/every-capture", test_every_capture);
  g_test_add_func("/tcp-fast-path/share", test_share);
  return g_test_run();
}
