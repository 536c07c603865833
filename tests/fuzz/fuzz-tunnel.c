/* Fuzz target (tunnel): the decapsulation chain, from Ethernet frames to tunnel.log.
 *
 * Input: byte 0 sets the run:
 *   bits 0-1  the depth limit, 1 to 4 layers beyond the outer packet (nested tunnels
 *             meet it from both sides);
 *   bit 2     snaplen truncation (wire length larger than captured);
 *   bit 3     the rest is one frame, decoded at every length from 0 to its own (every
 *             layer cut short: stride 1 up to 1024 bytes, 16 beyond);
 *             clear: the rest is a sequence of [u16 little-endian length][u8 seconds to
 *             advance the clock][frame], so tunnels, inner flows and fragments meet across
 *             frames and time out (an hour's gap expires IP tunnels);
 *   bit 4     bytes 1-3 add a --tunnel-port: a UDP port (big-endian) and a type.
 * Each frame goes through the decode tables alone, checking the layers the packet
 * reports (each layer's carrier one level above it, the depth within the limit), then
 * through a whole analyzer whose log tables are formatted as JSON lines and dropped:
 * outer UDP flows, tunnel sessions, tunnel_parents, flow ends, report. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/pipeline/analyzer.h"
#include "analyzer/pipeline/decode.h"
#include "analyzer/pipeline/registry.h"
#include "analyzer/core/log-record.h"
#include "dissectors/link/link.h"
#include "tests/fuzz/fuzz.h"

static const char *const udp_types[] = { "vxlan", "geneve", "gtpv1", "teredo", "ayiya",
                                         "gre-udp" };

typedef struct {
  WtLog log;
  GString *line;
} DropLog;

static void drop_write(WtLog *log, const WtLogRecord *rec)
{
  DropLog *d = (DropLog *) log;
  g_string_truncate(d->line, 0);
  wt_log_record_json(d->line, rec);
  FUZZ_CHECK(d->line->len >= 3 && d->line->str[d->line->len - 1] == '\n');
}

static void check_layers(WtDecoders *d, const WtPacket *pkt, guint max_depth)
{
  FUZZ_CHECK(pkt->tunnel_depth <= max_depth);
  FUZZ_CHECK((pkt->tunnel_depth == 0) == (pkt->tunnel_id == 0));
  for (guint i = 0; i < pkt->tunnel_depth; i++) {
    const WtTunnelLayer *l = wt_decode_layer(d, i);
    if (!l)
      break;
    FUZZ_CHECK(l->type < WT_TUNNEL_N);
    FUZZ_CHECK(l->carrier.tunnel_depth == i);
    FUZZ_CHECK(l->carrier.ip_version == 4 || l->carrier.ip_version == 6);
  }
}

static void one_frame(WtDecoders *d, WtAnalyzer *a, WtAnomalies *an, guint max_depth,
                      gboolean truncated, gint64 ts_ns, const uint8_t *frame, size_t len)
{
  /* exact-size copies: a read past the frame is a heap overflow */
  guint8 *copy = malloc(len ? len : 1);
  if (!copy)
    abort();
  if (len)
    memcpy(copy, frame, len);
  guint32 wirelen = truncated ? (guint32) len + 1500 : (guint32) len;
  WtPacket pkt;
  memset(&pkt, 0xA5, sizeof pkt);
  pkt.ts_ns = ts_ns;
  pkt.caplen = (guint32) len;
  pkt.wirelen = wirelen;
  pkt.linktype = WT_DLT_EN10MB;
  pkt.frame = copy;
  WtDecodeStatus st = wt_decode_frame(d, &pkt, an);
  FUZZ_CHECK(st <= WT_DECODE_CONSUMED);
  check_layers(d, &pkt, max_depth);
  wt_analyzer_frame(a, ts_ns, (guint32) len, wirelen, copy, WT_DLT_EN10MB);
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  guint8 flags = data[0];
  data++;
  size--;
  WtAnalyzerConfig cfg;
  wt_analyzer_config_init(&cfg);
  cfg.decode.max_tunnel_depth = 1u + (flags & 0x03);
  cfg.decode.frag_mem_cap = 8192;
  if (flags & 0x10) {
    if (size < 3)
      return 0;
    g_autofree char *spec = g_strdup_printf("%s=%u", udp_types[data[2] % G_N_ELEMENTS(udp_types)],
                                            (guint) (data[0] << 8 | data[1]));
    if (!wt_decode_add_tunnel_ports(&cfg.decode, spec, NULL))
      FUZZ_CHECK(data[0] == 0 && data[1] == 0); /* port 0 is the only refusal */
    data += 3;
    size -= 3;
  }
  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  g_autoptr(WtDecoders) d = wt_decoders_new(&cfg.decode);
  g_autoptr(WtAnalyzer) a = wt_analyzer_new(&cfg, NULL);
  FUZZ_CHECK(a != NULL);
  DropLog logs[WT_LOG_MAX_TABLES];
  guint n_logs = 0;
  for (const WtLogTable *const *t = wt_registry_log_tables(); *t; t++, n_logs++) {
    logs[n_logs].log.table = *t;
    logs[n_logs].log.write = drop_write;
    logs[n_logs].line = g_string_new(NULL);
    wt_analyzer_add_log(a, &logs[n_logs].log);
  }
  gboolean truncated = (flags & 0x04) != 0;
  gint64 ts = G_GINT64_CONSTANT(1700000000) * 1000000000;
  if (flags & 0x08) {
    for (size_t len = 0; len <= size; len += len < 1024 ? 1 : 16)
      one_frame(d, a, an, cfg.decode.max_tunnel_depth, truncated, ts, data, len);
  } else {
    while (size >= 3) {
      size_t len = MIN((size_t) (data[0] | data[1] << 8), size - 3);
      /* a gap of 255 is an hour and more: IP tunnels expire */
      ts += data[2] == 255 ? G_GINT64_CONSTANT(3700) * 1000000000
                           : (gint64) data[2] * 1000000000;
      one_frame(d, a, an, cfg.decode.max_tunnel_depth, truncated, ts, data + 3, len);
      data += 3 + len;
      size -= 3 + len;
    }
  }
  wt_analyzer_finish(a);
  g_autoptr(WtReport) r = wt_report_new();
  wt_analyzer_report(a, r);
  g_clear_pointer(&a, wt_analyzer_free); /* ends the flows: their log lines still go out */
  for (guint i = 0; i < n_logs; i++)
    g_string_free(logs[i].line, TRUE);
  return 0;
}
