/* Fuzz target (c): sequences of TCP segments, ACKs and closes into the stream reassembler
 * (two directions sharing one WtReasm, so the global cap is shared), with a sink that
 * checks the reassembler's promises as the bytes come out.
 *
 * Input: an 8-byte header, then 6-byte operations.
 *   header: [flags][per-dir cap][leftover cap][global cap][isn: u32 little-endian]
 *     flags bit 0: overlap policy LAST; bit 1: history on (512 bytes);
 *           bit 2: direction 0 announces its ISN first (else it starts on its first
 *           segment, SYN or mid-stream); bit 3: same for direction 1.
 *   op: [kind][rel: u16 LE][len: u16 LE][arg]
 *     kind bits 0-1: 0 data near the ISN, 1 data far away (rel << 16, to reach the 2^31
 *       window and wraparound), 2 ACK from the peer, 3 close (RST/timeout/end of input);
 *     bit 2: direction; bit 3: SYN; bit 4: FIN; bit 5: payload differs from the stream
 *     (an overlap conflict when it overlaps); bits 6-7: how much the sink consumes from
 *     now on (all, none, half, all but the last byte).
 *     The sequence number is isn + rel - 256 (data may start before the stream).
 *     arg: capture-time step in milliseconds.
 *
 * Every payload byte is a function of its 32-bit sequence number (XOR 0xA5 when the op
 * says "differs"), so the sink knows what each stream position may hold whatever the
 * overlap policy chose. Checked invariants:
 *   - the sink's position (bytes consumed + gap lengths, from where the direction started;
 *     peer ACKs move that start while none of its own segments was seen) only grows, and data is always
 *     offered at that position: a byte is never delivered twice nor skipped silently;
 *   - bytes the sink left unconsumed are offered again, unchanged, in front of newer ones
 *     (unless a gap notice dropped them);
 *   - every delivered byte is one of the two copies the input could have sent;
 *   - delivered + missed bytes == the delivery point; consumed + gaps + leftover == the
 *     delivery point; leftover <= leftover cap; buffered <= per-direction cap; the global
 *     accounting equals the sum of both directions; caps hold;
 *   - eof exactly once, nothing after it; after close nothing stays buffered. */
#include <glib.h>
#include <string.h>
#include "dissectors/tcp/reassembly.h"
#include "tests/fuzz/fuzz.h"

#define CORRUPT 0xA5u
#define HISTORY 512u

static guint8 pattern(guint32 seq)
{
  return (guint8) ((seq * 2654435761u) >> 24);
}

typedef struct {
  WtReasmDir *dir;
  int policy;             /* 0 all, 1 none, 2 half, 3 all but one */
  guint64 base;           /* stream offset of the sink's position 0: peer ACKs may move the
                             start of a direction before any of its segments is seen */
  guint64 pos;            /* consumed + gap lengths */
  guint64 consumed, gaps;
  guint8 *pending;        /* bytes offered and not consumed (must come back first) */
  gsize pending_len;
  gboolean eof;
  guint eof_calls;
} Sink;

static gsize sink_deliver(gpointer ctx, const guint8 *data, gsize len, gint64 ts_ns)
{
  Sink *s = ctx;
  (void) ts_ns;
  FUZZ_CHECK(!s->eof);
  FUZZ_CHECK(len > 0);
  FUZZ_CHECK(len >= s->pending_len);
  FUZZ_CHECK(s->pending_len == 0 || memcmp(data, s->pending, s->pending_len) == 0);
  FUZZ_CHECK(s->dir->started);
  for (gsize i = 0; i < len; i++) {
    guint8 want = pattern(s->dir->seq0 + (guint32) (s->base + s->pos + i));
    FUZZ_CHECK(data[i] == want || data[i] == (guint8) (want ^ CORRUPT));
  }
  gsize c = len;
  switch (s->policy) {
  case 1: c = 0; break;
  case 2: c = len / 2; break;
  case 3: c = len - 1; break;
  default: break;
  }
  s->pos += c;
  s->consumed += c;
  g_free(s->pending);
  s->pending_len = len - c;
  s->pending = s->pending_len ? g_memdup2(data + c, s->pending_len) : NULL;
  return c;
}

static void sink_gap(gpointer ctx, guint64 len)
{
  Sink *s = ctx;
  FUZZ_CHECK(!s->eof);
  FUZZ_CHECK(len > 0);
  /* Unconsumed bytes in front of a gap are part of it. */
  FUZZ_CHECK(len >= s->pending_len);
  g_clear_pointer(&s->pending, g_free);
  s->pending_len = 0;
  s->pos += len;
  s->gaps += len;
}

static void sink_eof(gpointer ctx, gint64 ts_ns)
{
  Sink *s = ctx;
  (void) ts_ns;
  s->eof_calls++;
  FUZZ_CHECK(s->eof_calls == 1);
  s->eof = TRUE;
}

static void check_dir(const Sink *s, const WtReasmLimits *lim)
{
  const WtReasmDir *d = s->dir;
  const WtReasmDirStats *st = wt_reasm_dir_stats(d);
  FUZZ_CHECK(s->base + st->delivered + st->missed_bytes == d->next);
  FUZZ_CHECK(d->left_len <= lim->leftover_cap);
  if (!d->closed) {
    FUZZ_CHECK(s->base + s->pos + d->left_len == d->next);
    FUZZ_CHECK(d->left_len == s->pending_len);
    FUZZ_CHECK(d->buffered <= lim->per_dir_cap);
  } else {
    FUZZ_CHECK(s->eof && s->eof_calls == 1);
    FUZZ_CHECK(d->segs == NULL || g_tree_nnodes(d->segs) == 0);
    FUZZ_CHECK(d->left_len == 0);
  }
  FUZZ_CHECK(s->gaps >= st->missed_bytes);
  FUZZ_CHECK(wt_reasm_dir_buffered_payload(d) <= d->buffered);
  /* A FIN ends the stream by itself once everything before it is through. */
  if (d->fin_seen && d->next >= d->fin_off)
    FUZZ_CHECK(d->closed);
  if (d->fin_seen && d->closed)
    FUZZ_CHECK(d->next >= d->fin_off);
}

static guint32 rd16(const uint8_t *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 8)
    return 0;
  guint8 flags = data[0];
  WtReasmLimits lim;
  wt_reasm_limits_init(&lim);
  lim.overlap_policy = flags & 1 ? WT_OVERLAP_LAST : WT_OVERLAP_FIRST;
  lim.history = flags & 2 ? HISTORY : 0;
  lim.per_dir_cap = 256 + (gsize) data[1] * 64;
  lim.leftover_cap = 16 + (gsize) data[2] * 16;
  lim.global_cap = lim.per_dir_cap / 2 + (gsize) data[3] * 64;
  guint32 isn = (guint32) data[4] | (guint32) data[5] << 8 | (guint32) data[6] << 16 |
                (guint32) data[7] << 24;
  guint32 isns[2] = { isn, ~isn };
  data += 8;
  size -= 8;

  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  g_autoptr(WtReasm) r = wt_reasm_new(&lim, an);
  WtReasmDir dirs[2];
  Sink sinks[2];
  memset(sinks, 0, sizeof sinks);
  for (int i = 0; i < 2; i++) {
    sinks[i].dir = &dirs[i];
    WtReasmSink sk = { sink_deliver, sink_gap, sink_eof, &sinks[i] };
    wt_reasm_dir_init(&dirs[i], r, &sk);
    if (flags & (4 << i))
      wt_reasm_dir_set_isn(&dirs[i], isns[i]);
  }

  gint64 ts = 0;
  guint8 *buf = g_malloc(65536);
  for (; size >= 6; data += 6, size -= 6) {
    guint8 kind = data[0];
    int di = (kind >> 2) & 1;
    WtReasmDir *d = &dirs[di];
    Sink *s = &sinks[di];
    guint32 rel = rd16(data + 1);
    gsize len = rd16(data + 3) % 4096;
    ts += data[5] * G_GINT64_CONSTANT(1000000);
    s->policy = kind >> 6;
    guint32 seq = isns[di] + rel - 256;
    switch (kind & 3) {
    case 1:
      seq = isns[di] + (rel << 16);
      /* fall through */
    case 0: {
      gboolean syn = (kind & 8) != 0, fin = (kind & 16) != 0;
      guint32 first = syn ? seq + 1 : seq;
      for (gsize i = 0; i < len; i++)
        buf[i] = pattern(first + (guint32) i) ^ (kind & 32 ? CORRUPT : 0);
      /* An exact-size copy: the reassembler must not read past the payload. */
      guint8 *payload = len ? g_memdup2(buf, len) : NULL;
      WtReasmResult res = wt_reasm_segment(d, seq, payload, len, syn, fin, ts);
      g_free(payload);
      /* New bytes ran the cap check, and the direction adding data pays for the global
       * cap: afterwards the total is within it, or this direction holds nothing. */
      if (res & WT_REASM_NEW_DATA)
        FUZZ_CHECK(wt_reasm_stats(r)->buffered_bytes <= lim.global_cap || d->buffered == 0);
      break;
    }
    case 2:
      wt_reasm_ack(d, seq, ts);
      if (!d->own_segment) {
        /* No segment of this direction yet: the ACK only moves its start, silently. */
        FUZZ_CHECK(s->pos == 0 && d->next >= s->base);
        s->base = d->next;
      }
      break;
    case 3:
      wt_reasm_dir_close(d, ts);
      break;
    }
    for (int i = 0; i < 2; i++)
      check_dir(&sinks[i], &lim);
    const WtReasmStats *rs = wt_reasm_stats(r);
    FUZZ_CHECK(rs->buffered_bytes == dirs[0].buffered + dirs[1].buffered);
  }
  g_free(buf);

  for (int i = 0; i < 2; i++) {
    wt_reasm_dir_close(&dirs[i], ts);
    wt_reasm_dir_close(&dirs[i], ts); /* idempotent */
    check_dir(&sinks[i], &lim);
    FUZZ_CHECK(dirs[i].buffered == 0);
  }
  FUZZ_CHECK(wt_reasm_stats(r)->buffered_bytes == 0);
  for (int i = 0; i < 2; i++) {
    wt_reasm_dir_clear(&dirs[i]);
    wt_reasm_dir_clear(&dirs[i]);
    g_free(sinks[i].pending);
  }
  return 0;
}
