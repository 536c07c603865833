/* Fuzz target (e): DNS messages into wt_dns_dissector and the message parser.
 *
 * Input: byte 0 chooses the mode.
 *   bit 0 set: DNS over TCP, the rest is a client/server byte-stream pair with split points,
 *     gaps and ends (layout in fuzz-stream.h): length-prefix framing across pieces.
 *   bit 0 clear: UDP. Bits 1-2 choose the server port (53, 137 NetBIOS-NS, 5353 mDNS,
 *     5355 LLMNR). Bit 3 set: the rest is one datagram (bit 4: from the server). Bit 3
 *     clear: the rest is a sequence of [u16 little-endian length][u8: bit 0 from the
 *     server, bits 1-7 milliseconds to advance][datagram], so queries and responses pair
 *     up (or do not) by id within one flow.
 * Every datagram also goes through wt_dns_parse_message and the probe on an exact-size heap
 * copy. Checked: the parser never says it used more bytes than given, and the tap's totals
 * agree (messages = UDP + TCP messages). */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/core/conn-log.h"
#include "analyzer/output/log-sink.h"
#include "dissectors/dns/dns.h"
#include "dissectors/dns/dns-log.h"
#include "dissectors/dns/dns-parse.h"
#include "tests/fuzz/fuzz-stream.h"
#include "tests/fuzz/fuzz.h"

static const guint16 ports[4] = { 53, 137, 5353, 5355 };

static void check_stats(gpointer stats)
{
  const WtDnsStats *s = stats;
  FUZZ_CHECK(wt_dns_stats_get(s, "messages") ==
             wt_dns_stats_get(s, "udp_messages") + wt_dns_stats_get(s, "tcp_messages"));
  double p50 = wt_dns_stats_rtt_ms(s, 50), p100 = wt_dns_stats_rtt_ms(s, 100);
  FUZZ_CHECK(p50 >= 0 && p50 <= p100);
}

static void one_datagram(gpointer session, WtDnsAnswers *answers, WtDir dir,
                         const uint8_t *msg, size_t len, gint64 ts)
{
  guint8 *copy = malloc(len); /* exact size, non-NULL even when empty */
  if (!copy)
    abort();
  if (len)
    memcpy(copy, msg, len);
  WtDnsMessage m;
  gsize used = 0;
  wt_dns_answers_reset(answers);
  (void) wt_dns_parse_message(copy, len, &m, answers, &used);
  FUZZ_CHECK(used <= len);
  (void) wt_dns_dissector.probe(copy, len, dir);
  wt_dns_dissector.datagram(session, dir, copy, len, ts);
  free(copy);
}

static void run_udp(guint8 mode, const uint8_t *data, size_t size)
{
  static FILE *devnull;
  if (!devnull && !(devnull = fopen("/dev/null", "w")))
    abort();
  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  /* records are formatted and thrown away: the writers run on every input too */
  g_autoptr(WtLogSink) dns_sink = wt_log_sink_new_stream(&wt_dns_log_table, devnull, NULL);
  g_autoptr(WtLogSink) conn_sink = wt_log_sink_new_stream(&wt_conn_log_table, devnull, NULL);
  WtLog *logs[] = { wt_log_sink_log(dns_sink), wt_log_sink_log(conn_sink) };
  WtAppContext ctx = { .anomalies = an, .logs = logs, .n_logs = G_N_ELEMENTS(logs) };
  WtConnInfo conn = { .uid = "CFuzzDns0000000000", .orig_p = 40000,
                      .resp_p = ports[(mode >> 1) & 3], .proto = 17 };
  conn.orig_h.family = conn.resp_h.family = 4;
  conn.orig_h.bytes[3] = 1;
  conn.resp_h.bytes[3] = 2;
  if (conn.resp_p == 137)
    conn.orig_p = 137;

  gpointer stats = wt_dns_dissector.stats_new();
  gpointer session = wt_dns_dissector.session_new(stats, &ctx, &conn);
  WtDnsAnswers answers;
  wt_dns_answers_init(&answers);
  gint64 ts = G_GINT64_CONSTANT(1700000000) * 1000000000;
  if (mode & 8) {
    one_datagram(session, &answers, mode & 16 ? WT_DIR_RESP : WT_DIR_ORIG, data, size, ts);
  } else {
    while (size >= 3) {
      size_t len = MIN((size_t) (data[0] | data[1] << 8), size - 3);
      WtDir dir = data[2] & 1 ? WT_DIR_RESP : WT_DIR_ORIG;
      ts += (gint64) (data[2] >> 1) * 1000000;
      one_datagram(session, &answers, dir, data + 3, len, ts);
      data += 3 + len;
      size -= 3 + len;
    }
  }
  wt_dns_answers_clear(&answers);
  wt_dns_dissector.session_free(session);
  check_stats(stats);
  g_autoptr(WtReport) r = wt_report_new();
  wt_dns_dissector.report(stats, NULL, r);
  wt_report_write_json(r, devnull);
  wt_dns_dissector.stats_free(stats);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  if (data[0] & 1)
    fuzz_stream_run(&wt_dns_dissector, data + 1, size - 1, check_stats);
  else
    run_udp(data[0], data + 1, size - 1);
  return 0;
}
