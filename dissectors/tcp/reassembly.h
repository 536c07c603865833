/* TCP stream reassembly: one direction of a connection -> the byte stream the receiving
 * application saw, as in-order bytes, gap notices and end-of-stream (Zeek's DeliverStream /
 * Undelivered / EndpointEOF).
 *
 * Model
 *   - Positions are 64-bit stream offsets (offset 0 = first data byte = ISN+1, or the first
 *     sequence number seen when picked up mid-stream). A 32-bit sequence number is mapped to
 *     the offset nearest the delivery point, so streams beyond 4 GiB and wraparound at 2^32
 *     just work (segments must lie within 2^31 bytes of the delivery point).
 *   - In-order bytes go straight to the sink from the packet (no copy). What the sink does
 *     not consume is kept (the "leftover", copied) and offered again in front of the next
 *     in-order bytes. A leftover that grows beyond `leftover_cap` (the application refuses
 *     to consume) is dropped as a gap and counted as tcp.app_stalled.
 *   - Out-of-order bytes are copied into a per-direction ordered tree of non-overlapping
 *     segments (small neighbours coalesced) until the hole before them is filled.
 *   - Bytes seen twice are never delivered twice. If the copies differ, the overlap policy
 *     says which one wins where that is still possible (bytes not yet handed to the sink);
 *     the difference is counted as tcp.overlap_conflict either way. Differences against
 *     bytes already handed to the sink are only detectable for bytes still held: the
 *     leftover, and the last `history` bytes if that limit is non-zero.
 *   - A hole becomes a gap (skipped, sink->gap(n), missed_bytes += n) when the peer ACKs
 *     beyond it (wt_reasm_ack), at close, or when a memory cap is hit (tcp.reassembly_cap:
 *     the OLDEST hole, the one at the delivery point, is skipped and what follows is
 *     delivered). Unconsumed leftover bytes in front of a hole are dropped and included in
 *     the gap length given to the sink (not in missed_bytes), so for the application
 *     "bytes consumed + gap lengths" always equals its position in the stream, counted
 *     from where the stream starts. A direction picked up mid-stream starts at the peer's
 *     ACK; until its own first segment is seen, further peer ACKs move that start without
 *     a gap notice (a side never seen lost nothing we could know of; Zeek agrees).
 *   - SYN and FIN each occupy one sequence number. Data on a SYN (TCP Fast Open) is
 *     delivered. A FIN ends the stream by itself (eof) once every byte before it has been
 *     delivered or declared a gap; data beyond the FIN is dropped and counted
 *     (tcp.data_after_fin, WT_REASM_AFTER_FIN).
 *
 * Memory: nothing is allocated until out-of-order data or a leftover must be kept (or the
 * history is enabled and data flows). Buffered out-of-order data is accounted as payload
 * bytes + WT_REASM_SEG_OVERHEAD per stored segment, against the per-direction and the
 * global cap.
 *
 * Sink callbacks must not call back into the same WtReasmDir. */
#pragma once
#include <glib.h>
#include "analyzer/core/anomaly.h"

/* Anomaly / statistics counter names (counted in the WtAnomalies given to wt_reasm_new). */
#define WT_REASM_A_CONFLICT       "tcp.overlap_conflict"       /* overlapping copies differ */
#define WT_REASM_A_CAP            "tcp.reassembly_cap"         /* a cap forced a hole to a gap */
#define WT_REASM_A_AFTER_FIN      "tcp.data_after_fin"         /* segments with data beyond FIN */
#define WT_REASM_A_APP_STALLED    "tcp.app_stalled"            /* leftover cap hit */
#define WT_REASM_A_REXMIT_SEGS    "tcp.retransmitted_segments" /* no new byte at all */
#define WT_REASM_A_REXMIT_BYTES   "tcp.retransmitted_bytes"    /* bytes seen before */
#define WT_REASM_A_PARTIAL        "tcp.partial_overlap"        /* some old, some new bytes */
#define WT_REASM_A_OOO_SEGS       "tcp.out_of_order_segments"  /* new bytes beyond a hole */
#define WT_REASM_A_GAPS           "tcp.gaps"                   /* holes skipped */
#define WT_REASM_A_MISSED_BYTES   "tcp.missed_bytes"           /* bytes in skipped holes */

enum { WT_OVERLAP_FIRST = 0, /* keep the first copy (Linux receiver); the default */
       WT_OVERLAP_LAST = 1   /* newer copy wins where not yet delivered */ };

#define WT_REASM_SEG_OVERHEAD 64u        /* accounting per stored out-of-order segment */
#define WT_REASM_COALESCE_MAX 4096u      /* neighbours are merged up to this size */

typedef struct WtReasmLimits {
  gsize per_dir_cap;   /* buffered out-of-order bytes per direction; default 1 MiB */
  gsize global_cap;    /* the same over all directions; default 256 MiB */
  int overlap_policy;  /* WT_OVERLAP_FIRST (default) | WT_OVERLAP_LAST */
  gsize leftover_cap;  /* unconsumed bytes kept for the app; default 64 KiB */
  gsize history;       /* last N delivered bytes kept per direction to detect conflicting
                          retransmissions of delivered data; default 0 (off) */
  gboolean general_only; /* no fast path for in-order segments and ACKs (tests compare) */
} WtReasmLimits;

/* Fills the defaults above. */
void wt_reasm_limits_init(WtReasmLimits *limits);

/* Totals over every direction (the anomaly counters carry the same numbers by name). */
typedef struct WtReasmStats {
  guint64 buffered_bytes;      /* currently accounted out-of-order memory */
  guint64 peak_buffered_bytes;
  guint64 cap_hits;
} WtReasmStats;

typedef struct WtReasm WtReasm;

/* limits may be NULL (defaults); zero fields are replaced by their defaults, except
 * history. anomalies may be NULL (nothing counted) and must outlive the WtReasm. */
WtReasm *wt_reasm_new(const WtReasmLimits *limits, WtAnomalies *anomalies);
void wt_reasm_free(WtReasm *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtReasm, wt_reasm_free)
const WtReasmStats *wt_reasm_stats(const WtReasm *r);

typedef struct WtReasmSink {
  /* In-order bytes; returns how many were consumed (the rest is offered again, with more).
   * ts_ns: capture time of the packet that completed these bytes. NULL: all consumed. */
  gsize (*deliver)(gpointer ctx, const guint8 *data, gsize len, gint64 ts_ns);
  /* `len` bytes will never come (capture loss, cap, stalled app); later bytes follow. */
  void (*gap)(gpointer ctx, guint64 len);
  /* No more bytes in this direction. Called exactly once. */
  void (*eof)(gpointer ctx, gint64 ts_ns);
  gpointer ctx;
} WtReasmSink;

/* Per-direction counters. */
typedef struct WtReasmDirStats {
  guint64 delivered;        /* distinct in-order bytes handed to the sink */
  guint64 missed_bytes;     /* bytes in holes declared gaps (Zeek's missed_bytes) */
  guint64 gaps;             /* holes declared gaps */
  guint64 rexmit_segments;  /* segments without a single new byte */
  guint64 rexmit_bytes;     /* bytes seen before (whole or partial overlaps) */
  guint64 ooo_segments;     /* segments whose new bytes lay beyond a hole */
  guint64 conflicts;        /* segments whose overlapping bytes differed */
  guint64 stalled_bytes;    /* leftover bytes dropped at leftover_cap */
  guint64 after_fin_bytes;  /* bytes beyond the FIN, dropped */
} WtReasmDirStats;

/* Embedded in the connection, one per direction. Treat as opaque. */
typedef struct WtReasmDir {
  WtReasm *r;
  WtReasmSink sink;
  guint32 seq0;          /* sequence number of stream offset 0 (mod 2^32) */
  guint8 started, closed, fin_seen, eof_sent;
  guint8 own_segment;    /* a segment of this direction was seen (not only peer ACKs) */
  guint8 held;           /* a RST came: bytes are kept, not delivered (wt_reasm_dir_hold) */
  guint8 held_fin;       /* fin_seen when the hold began */
  guint8 general_only;   /* WtReasmLimits.general_only of its WtReasm */
  guint64 gap_missed;    /* during sink->gap: how many of its bytes were never captured */
  guint64 next;          /* delivery point: every byte below was delivered or a gap */
  guint64 fin_off;       /* offset of the FIN's sequence number (valid if fin_seen) */
  GTree *segs;           /* out-of-order segments by offset, non-overlapping, all >= next */
  gsize buffered;        /* accounted bytes in segs */
  guint8 *left;          /* unconsumed bytes [next - left_len, next) */
  gsize left_len, left_cap;
  guint8 *hist;          /* ring of the last r->limits.history delivered bytes */
  guint64 hist_from;     /* history holds no byte below this offset (start or last gap) */
  WtReasmDirStats st;
} WtReasmDir;

/* Result flags of wt_reasm_segment. */
typedef guint WtReasmResult;
enum {
  WT_REASM_NEW_DATA = 1u << 0,        /* at least one byte not seen before */
  WT_REASM_RETRANSMIT = 1u << 1,      /* data, but not a single new byte */
  WT_REASM_PARTIAL_OVERLAP = 1u << 2, /* some bytes old, some new */
  WT_REASM_OUT_OF_ORDER = 1u << 3,    /* new bytes beyond a hole (buffered) */
  WT_REASM_CONFLICT = 1u << 4,        /* overlapping bytes differed from the kept copy */
  WT_REASM_AFTER_FIN = 1u << 5,       /* data beyond the FIN (dropped) */
};

/* sink is copied; its callbacks may be NULL. */
void wt_reasm_dir_init(WtReasmDir *d, WtReasm *r, const WtReasmSink *sink);
/* SYN seen: the first data byte is isn+1. Ignored once the direction has started. */
void wt_reasm_dir_set_isn(WtReasmDir *d, guint32 isn);
/* No SYN seen: the stream starts at `seq`. Ignored once the direction has started. */
void wt_reasm_dir_start_midstream(WtReasmDir *d, guint32 seq);
/* One segment of this direction (seq/flags as on the wire, data = TCP payload). Starts the
 * direction itself if neither function above was called (at seq, or isn = seq on SYN). */
WtReasmResult wt_reasm_segment(WtReasmDir *d, guint32 seq, const guint8 *data, gsize len,
                               gboolean syn, gboolean fin, gint64 ts_ns);
/* wt_reasm_ack: the PEER acknowledged up to `ack` in this direction: bytes below it never
 * captured are a gap (skipped, sink->gap), buffered bytes behind them are delivered. Call
 * it only for segments with the ACK flag. On a direction not started yet (no SYN, no
 * segment seen), it starts the direction at `ack` (mid-stream pickup). */
void wt_reasm_ack_general(WtReasmDir *d, guint32 ack, gint64 ts_ns);
/* wt_reasm_ack_general, inline: on almost every segment the ACK moves nothing (it lies at
 * or before the delivery point: every byte it acknowledges was delivered), and no FIN
 * waits to be passed. */
static inline void wt_reasm_ack(WtReasmDir *d, guint32 ack, gint64 ts_ns)
{
  if (G_LIKELY(d->started && d->own_segment && !d->fin_seen && !d->general_only) &&
      (gint32) (ack - (d->seq0 + (guint32) d->next)) <= 0)
    return;
  wt_reasm_ack_general(d, ack, ts_ns);
}
/* RST, timeout, eviction, end of input (a FIN closes by itself): buffered segments are
 * delivered with gaps for the holes, then eof. Idempotent. On a held direction, the bytes
 * kept since the hold are dropped first (they came after a reset the peer acted on). */
void wt_reasm_dir_close(WtReasmDir *d, gint64 ts_ns);
/* A RST came, and whether the peer acted on it shows only later (RFC 5961: a receiver
 * ignores a RST whose sequence number is not exactly RCV.NXT). What was buffered before it
 * is delivered with gaps for the holes, as wt_reasm_dir_close does, but without eof; later
 * segments are kept (up to the per-direction cap), not delivered, and ACKs are ignored,
 * until wt_reasm_dir_resume (the connection went on) or wt_reasm_dir_close (it did not). */
void wt_reasm_dir_hold(WtReasmDir *d, gint64 ts_ns);
/* Offers the bytes the sink left unconsumed again now, without waiting for more (after
 * the application changed, e.g. a proxy handshake handed the connection on). */
void wt_reasm_dir_reoffer(WtReasmDir *d, gint64 ts_ns);
/* The RST was ignored: deliver what was kept and go on as before. */
void wt_reasm_dir_resume(WtReasmDir *d, gint64 ts_ns);
/* Inside sink->gap: how many bytes of the notice were never captured (the rest are bytes
 * the application had not consumed, dropped with the hole, or a stalled application's).
 * missed_bytes counts only these. */
guint64 wt_reasm_dir_gap_missed(const WtReasmDir *d);
/* Free the buffers (connection freed); no callbacks. Safe on a zeroed struct and twice. */
void wt_reasm_dir_clear(WtReasmDir *d);

guint64 wt_reasm_dir_missed_bytes(const WtReasmDir *d);
guint64 wt_reasm_dir_delivered(const WtReasmDir *d);
guint64 wt_reasm_dir_rexmit_segments(const WtReasmDir *d);
guint64 wt_reasm_dir_rexmit_bytes(const WtReasmDir *d);
guint64 wt_reasm_dir_ooo_segments(const WtReasmDir *d);
const WtReasmDirStats *wt_reasm_dir_stats(const WtReasmDir *d);
/* How far `seq` (e.g. the peer's acknowledgement number) lies from the delivery point, in
 * bytes (negative: before it). FALSE while the direction's offsets may still move: not
 * started, or no segment of its own seen yet (peer ACKs move its start). */
static inline gboolean wt_reasm_dir_seq_delta(const WtReasmDir *d, guint32 seq, gint64 *delta)
{
  if (!d->started || !d->own_segment)
    return FALSE;
  *delta = (gint32) (seq - (d->seq0 + (guint32) d->next));  /* inline: per ack_query */
  return TRUE;
}
/* Bytes currently buffered out of order (payload only) in this direction. */
gsize wt_reasm_dir_buffered_payload(const WtReasmDir *d);
