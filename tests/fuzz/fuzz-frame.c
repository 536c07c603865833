/* Fuzz target (b): frames of every link type into wt_decode_frame.
 *
 * Input: byte 0 chooses the link type (bits 0-3, from the table below), snaplen truncation
 * (bit 4: wire length larger than captured) and the framing of the rest (bit 5):
 *   bit 5 clear: the rest is one frame;
 *   bit 5 set:   the rest is a sequence of [u16 little-endian length][u8 seconds to advance
 *                the clock][frame], all of the same link type, through one WtDecoders, so
 *                IP fragments can meet (and time out) across frames.
 * After each frame the payload window the decoder hands on is read byte by byte (a
 * sanitizer build faults if it points outside the frame or the reassembly buffer) and
 * the protocol tap is checked: every frame lands in exactly one bucket. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/pipeline/decode.h"
#include "dissectors/link/link.h"
#include "tests/fuzz/fuzz.h"

static const int link_types[16] = {
  WT_DLT_EN10MB, WT_DLT_LINUX_SLL, WT_DLT_LINUX_SLL2, WT_DLT_RAW,
  WT_DLT_RAW_OPENBSD, WT_LINKTYPE_RAW, WT_DLT_IPV4, WT_DLT_IPV6,
  WT_DLT_NULL, WT_DLT_LOOP, WT_DLT_NFLOG, 147 /* USER0: no decoder */,
  WT_DLT_EN10MB, WT_DLT_EN10MB, WT_DLT_LINUX_SLL2, WT_DLT_RAW,
};

static guint64 bucket_sum(const WtDecodeStats *s)
{
  return s->tcp.packets + s->udp.packets + s->icmp.packets + s->icmpv6.packets +
         s->other.packets + s->fragments_held;
}

static void decode_one(WtDecoders *d, WtAnomalies *an, int linktype, gboolean truncated,
                       gint64 ts_ns, const uint8_t *frame, size_t len)
{
  /* An exact-size copy, so reading one byte past the frame is a heap overflow. malloc,
   * not g_malloc: libpcap never hands over NULL, even for a zero-length record. */
  guint8 *copy = malloc(len);
  if (!copy)
    abort();
  if (len)
    memcpy(copy, frame, len);
  WtPacket pkt;
  memset(&pkt, 0xA5, sizeof pkt); /* the decoder must reset every field itself */
  pkt.ts_ns = ts_ns;
  pkt.caplen = (guint32) len;
  pkt.wirelen = truncated ? (guint32) len + 1500 : (guint32) len;
  pkt.linktype = linktype;
  pkt.frame = copy;

  WtDecodeStatus st = wt_decode_frame(d, &pkt, an);
  FUZZ_CHECK(st <= WT_DECODE_CONSUMED);
  if (st == WT_DECODE_OK || st == WT_DECODE_TRUNCATED) {
    FUZZ_CHECK(pkt.payload_len == 0 || pkt.payload != NULL);
    if (st == WT_DECODE_OK)
      FUZZ_CHECK(pkt.payload_len <= pkt.payload_wire_len);
    volatile guint8 sum = 0;
    for (guint32 i = 0; i < pkt.payload_len; i++)
      sum += pkt.payload[i];
    (void) sum;
  }
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  int linktype = link_types[data[0] & 0x0f];
  gboolean truncated = (data[0] & 0x10) != 0;
  gboolean multi = (data[0] & 0x20) != 0;
  data++;
  size--;

  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  WtDecodeLimits limits;
  wt_decode_limits_init(&limits);
  limits.frag_mem_cap = 8192; /* reachable from small inputs */
  g_autoptr(WtDecoders) d = wt_decoders_new(&limits);
  gint64 ts = G_GINT64_CONSTANT(1700000000) * 1000000000;
  guint64 frames = 0;

  if (!multi) {
    decode_one(d, an, linktype, truncated, ts, data, size);
    frames++;
  } else {
    while (size >= 3) {
      size_t len = MIN((size_t) (data[0] | data[1] << 8), size - 3);
      ts += (gint64) data[2] * 1000000000;
      decode_one(d, an, linktype, truncated, ts, data + 3, len);
      frames++;
      data += 3 + len;
      size -= 3 + len;
    }
  }
  wt_decoders_expire(d, G_MAXINT64, an);

  const WtDecodeStats *s = wt_decoders_stats(d);
  FUZZ_CHECK(s->frames == frames);
  FUZZ_CHECK(bucket_sum(s) == frames);
  FUZZ_CHECK(s->truncated + s->malformed <= frames);

  g_autoptr(WtReport) r = wt_report_new();
  wt_decoders_report(d, r);
  return 0;
}
