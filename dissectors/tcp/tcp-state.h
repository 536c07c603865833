/* TCP connection tracking for one connection, as both endpoints see it.
 *
 * Two layers are kept side by side, fed by the same segments:
 *
 *  1. RFC 793 states for each endpoint (CLOSED, LISTEN, SYN-SENT ... TIME-WAIT), advanced on
 *     observed segments with the sequence numbers checked (SYN+ACK must ack x+1, the
 *     handshake ACK must ack y+1, a FIN is acked by u+1 ...). These are what the report
 *     and the --explain ladder show.
 *  2. Zeek's coarse endpoint states (INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED,
 *     CLOSED, RESET), its sequence bookkeeping and its history letters, following
 *     TCPSessionAdapter.cc / TCP_Endpoint.cc, used only to derive conn_state, history,
 *     orig_bytes/resp_bytes and duration exactly as Zeek's conn.log has them.
 *
 * Observation model of the RFC 793 layer (a capture point sees segments, not the stacks):
 *  - A segment changes its SENDER's state when it is the evidence of a transition: sending
 *    a SYN (SYN-SENT), a SYN+ACK (SYN-RECEIVED), the ACK of the peer's SYN (ESTABLISHED),
 *    a FIN (FIN-WAIT-1 / LAST-ACK), a RST (CLOSED).
 *  - It changes its RECEIVER's state only where the receiver was waiting for exactly this:
 *    the ACK of the receiver's SYN (SYN-RECEIVED -> ESTABLISHED), of its FIN (FIN-WAIT-1 ->
 *    FIN-WAIT-2, CLOSING -> TIME-WAIT, LAST-ACK -> CLOSED), a FIN (ESTABLISHED -> CLOSE-WAIT,
 *    FIN-WAIT-1 -> CLOSING, FIN-WAIT-2 -> TIME-WAIT), an acceptable RST (-> CLOSED), and
 *    the peer's SYN while in SYN-SENT (simultaneous open -> SYN-RECEIVED).
 *  - Consequently a server is LISTEN after the client's SYN until it answers: an unanswered
 *    SYN leaves "SYN-SENT / LISTEN", which is what the capture proves.
 *  - The receiver is assumed to get the segment when the capture sees it.
 *  - TIME-WAIT lasts time_wait_ns of capture time (default WT_TCP_TIME_WAIT_DEFAULT_NS =
 *    60 s, Linux's TCP_TIMEWAIT_LEN, not RFC 793's 2 x 2 min), checked on every later
 *    segment and on wt_tcp_conn_timeout()/wt_tcp_conn_finish().
 *  - No SYN seen (mid-stream pickup): both endpoints start ESTABLISHED.
 *
 * Roles. The CALLER creates the connection with the first packet's sender as provisional
 * originator and always passes directions relative to the CURRENT originator. This module
 * decides the true roles and swaps them internally (like Zeek's FlipRoles):
 *  - first packet without SYN: Zeek's port heuristic (a likely server port as source
 *    becomes the responder; both likely: the lower source port when it is lower than the
 *    destination). orig_guessed is set whenever no SYN from the originator was seen;
 *  - first packet a SYN+ACK: flipped when its source is a likely server port and the
 *    destination is not; otherwise when the next packet is an ACK or data segment (Zeek
 *    PR #2191): the connection is rebuilt as if the roles had been right from the start,
 *    so history reads "^h..." as in Zeek's baselines;
 *  - a SYN from the responder answering an earlier SYN+ACK with matching numbers (the
 *    capture reordered SYN and SYN+ACK): flipped, history "Hs^..." as in Zeek.
 * Every flip appends '^' to the history. wt_tcp_conn_update() reports a flip in
 * WtTcpUpdate.flipped: the caller must then swap its own per-direction structures
 * (addresses/ports in WtConnInfo, reassembler halves, ...) and use WtTcpUpdate.dir as the
 * direction of the packet just processed. Everything inside WtTcpConn is always indexed by
 * the current roles (WT_DIR_ORIG / WT_DIR_RESP).
 *
 * Sequence numbers are compared with WT_SEQ_* only; relative numbers are 64-bit. */
#pragma once
#include <glib.h>
#include "analyzer/core/packet.h"
#include "analyzer/core/stream.h"
#include "analyzer/core/anomaly.h"

#define WT_TCP_TIME_WAIT_DEFAULT_NS (G_GINT64_CONSTANT(60) * G_TIME_SPAN_SECOND * 1000)
#define WT_TCP_HISTORY_MAX 64 /* letters kept; Zeek's own strings stay far below */

/* Anomaly names counted by this module (when given a WtAnomalies). */
#define WT_TCP_A_SYNACK_BAD_ACK   "tcp.synack_bad_ack"    /* SYN+ACK does not ack ISN+1 */
#define WT_TCP_A_HANDSHAKE_BAD_ACK "tcp.handshake_bad_ack" /* 3rd step does not ack y+1 */
#define WT_TCP_A_SYN_SEQ_JUMP     "tcp.syn_seq_jump"      /* SYN retransmitted with new ISN */
#define WT_TCP_A_SYN_IN_CONN      "tcp.syn_inside_connection"
#define WT_TCP_A_RST_OUT_OF_WINDOW "tcp.rst_out_of_window" /* ignored RST, seq outside the
                                                              receiver's window */
#define WT_TCP_A_RST_IGNORED      "tcp.rst_ignored"       /* the peer went on after a RST */
#define WT_TCP_A_ACK_BEYOND_SENT  "tcp.ack_beyond_sent"   /* ACK of data never sent */
#define WT_TCP_A_DATA_AFTER_RST   "tcp.data_after_reset"
#define WT_TCP_A_DATA_AFTER_FIN   "tcp.data_after_own_fin"
#define WT_TCP_A_FIN_SEQ_CHANGED  "tcp.fin_seq_changed"   /* second FIN at another seq */
#define WT_TCP_A_HISTORY_FULL     "tcp.history_truncated"

typedef enum {
  WT_TCP_STATE_CLOSED = 0,
  WT_TCP_STATE_LISTEN,
  WT_TCP_STATE_SYN_SENT,
  WT_TCP_STATE_SYN_RCVD,
  WT_TCP_STATE_ESTABLISHED,
  WT_TCP_STATE_FIN_WAIT_1,
  WT_TCP_STATE_FIN_WAIT_2,
  WT_TCP_STATE_CLOSE_WAIT,
  WT_TCP_STATE_CLOSING,
  WT_TCP_STATE_LAST_ACK,
  WT_TCP_STATE_TIME_WAIT,
  WT_TCP_STATE_COUNT
} WtTcpState;

/* "SYN-SENT", "TIME-WAIT" ... (RFC 793 spelling). */
const char *wt_tcp_state_name(WtTcpState s);

/* Zeek's coarse endpoint state (TCP_Endpoint.h EndpointState). */
typedef enum {
  WT_ZEEK_INACTIVE = 0,
  WT_ZEEK_SYN_SENT,
  WT_ZEEK_SYN_ACK_SENT,
  WT_ZEEK_PARTIAL,
  WT_ZEEK_ESTABLISHED,
  WT_ZEEK_CLOSED,
  WT_ZEEK_RESET,
} WtZeekState;

/* Zeek's conn_state values. */
typedef enum {
  WT_CONN_S0 = 0, WT_CONN_S1, WT_CONN_SF, WT_CONN_REJ, WT_CONN_S2, WT_CONN_S3,
  WT_CONN_RSTO, WT_CONN_RSTR, WT_CONN_RSTOS0, WT_CONN_RSTRH, WT_CONN_SH, WT_CONN_SHR,
  WT_CONN_OTH, WT_CONN_STATE_COUNT
} WtConnState;
const char *wt_conn_state_name(WtConnState s); /* "S0", "SF", "RSTOS0" ... */

typedef enum {
  WT_TCP_CLOSE_FOUR_WAY = 0,   /* FIN, ACK, FIN, ACK */
  WT_TCP_CLOSE_THREE_SEGMENT,  /* FIN, FIN+ACK (acks the first FIN), ACK */
  WT_TCP_CLOSE_SIMULTANEOUS,   /* both FINs sent before either was acked (CLOSING) */
  WT_TCP_CLOSE_HALF_CLOSED,    /* only one side sent a FIN */
  WT_TCP_CLOSE_RESET_BY_ORIG,
  WT_TCP_CLOSE_RESET_BY_RESP,
  WT_TCP_CLOSE_REFUSED,        /* SYN answered by RST */
  WT_TCP_CLOSE_UNANSWERED,     /* SYN(s), nothing back */
  WT_TCP_CLOSE_TIMED_OUT,      /* idle timeout, no FIN/RST */
  WT_TCP_CLOSE_OPEN_AT_END,    /* still open at end of input */
  WT_TCP_CLOSE_COUNT
} WtTcpCloseKind;
/* "four-way", "three-segment", "simultaneous", "half-closed", "reset-by-orig",
 * "reset-by-resp", "refused", "unanswered", "timed-out", "open-at-end". */
const char *wt_tcp_close_kind_name(WtTcpCloseKind k);

typedef enum {
  WT_TCP_HS_COMPLETED = 0,  /* SYN, SYN+ACK(ack x+1), ACK(ack y+1) */
  WT_TCP_HS_REFUSED,        /* SYN answered by RST */
  WT_TCP_HS_UNANSWERED,     /* SYN(s) without any reply */
  WT_TCP_HS_SIMULTANEOUS,   /* simultaneous open */
  WT_TCP_HS_MIDSTREAM,      /* no SYN from the originator seen */
  WT_TCP_HS_INCOMPLETE,     /* SYN answered, but the handshake never completed */
  WT_TCP_HS_COUNT
} WtTcpHandshake;
/* "completed", "refused", "unanswered", "simultaneous", "mid-stream", "incomplete". */
const char *wt_tcp_handshake_name(WtTcpHandshake h);

/* Per-direction counters (indexed by the sender's role). */
typedef struct {
  guint64 pkts;           /* valid-checksum segments (Zeek's orig_pkts/resp_pkts) */
  guint64 ip_bytes;       /* sum of IP total length of those (orig_ip_bytes) */
  guint64 payload_bytes;  /* sum of TCP payload lengths as the headers claim */
  guint64 data_pkts;      /* segments with payload */
  guint64 retransmits;    /* payload below the highest sequence already sent */
  guint64 out_of_order;   /* payload filling a hole left by an earlier jump ahead */
  guint64 dup_acks;       /* same ack + window, no payload, data outstanding */
  guint64 zero_windows;   /* window 0 advertised (not on RST) */
  guint64 keepalives;     /* seq = next-1 with 0 or 1 byte */
  guint64 syns, fins, rsts;
  guint64 syn_rexmits;    /* SYN (or SYN+ACK) repeated with the same ISN */
  guint64 fin_rexmits;
  guint64 bad_checksums;  /* dropped from analysis, history 'C'/'c' */
  guint64 gaps, gap_bytes;          /* reported by the reassembler */
  guint64 reasm_retransmits;        /* reported by the reassembler */
} WtTcpDirStats;

/* RFC 793 view of one endpoint. */
typedef struct {
  WtTcpState state;
  gboolean isn_known;
  guint32 isn;
  gboolean nxt_known;
  guint32 snd_nxt;        /* one past the highest sequence number sent */
  gboolean hole;          /* [hole_lo, hole_hi) skipped by a jump ahead, not yet filled */
  guint32 hole_lo, hole_hi;
  gboolean has_last_ack;
  guint32 last_ack;
  guint16 last_win;
  gint8 wscale;           /* from its SYN, -1 unknown */
  gboolean syn_sent, synack_sent;
  gboolean fin_sent, fin_acked, rst_sent;
  guint32 fin_seq;        /* sequence number of the FIN itself */
  gint64 syn_ts, syn_last_ts;       /* first / latest SYN or SYN+ACK */
  gint64 fin_ts, fin_acked_ts, rst_ts;
  gint64 established_ts;
  gint64 time_wait_ts;
} WtTcpEndpoint;

/* Zeek's TCP_Endpoint bookkeeping (only what conn.log needs). */
typedef struct {
  WtZeekState state, prev_state;
  guint32 start_seq, last_seq, ack_seq;
  guint32 seq_wraps, ack_wraps;
  guint64 hist_last_syn, hist_last_fin, hist_last_rst;
  guint32 fin_cnt;
  gboolean did_close;
  guint32 chk_cnt, chk_thresh, rxmt_cnt, rxmt_thresh, win0_cnt, win0_thresh;
  guint32 gap_cnt, gap_thresh;
} WtZeekEndpoint;

/* What a RST changed in the RFC 793 layer, restored when the connection goes on after it
 * (the receiver ignored it). */
typedef struct {
  WtTcpState state[2];
  gboolean rst_sent[2];
  gboolean any_rst, rst_before_fins, has_closer;
  WtDir first_rst_dir, first_closer;
  guint32 zk_last_seq, zk_seq_wraps;  /* the sender's Zeek last_seq before the RST */
} WtTcpRstUndo;

/* The few header fields of a segment this module uses (kept for the SYN+ACK replay). */
typedef struct {
  gint64 ts_ns;
  guint32 seq, ack, len, ip_len;
  guint16 win, sport, dport;
  guint8 flags;
  gint8 wscale;
  gboolean bad_checksum;
  guint8 ack_use;         /* WT_TCP_ACK; 0 when its ACK number is beyond anything sent
                           * (not used) */
} WtTcpSeg;

typedef struct {
  WtTcpEndpoint ep[2];
  WtZeekEndpoint zk[2];
  WtTcpDirStats st[2];

  guint32 hist_seen;                  /* Zeek's per-connection "letter seen" mask */
  char history[WT_TCP_HISTORY_MAX + 1];
  guint history_len;

  gint64 time_wait_ns;
  gint64 first_ts, last_ts;           /* first / last segment (any) */
  gint64 zeek_last_ts;                /* Zeek's last_time: stops once both sides closed */
  guint64 segs;                       /* all segments given, bad checksums included */
  guint64 valid_segs;
  guint64 missed_bytes;

  /* handshake */
  gint64 rtt_syn_synack_ns, rtt_synack_ack_ns; /* -1 until measured */
  gboolean simultaneous_open;
  gboolean handshake_done;            /* originator acked the SYN+ACK with y+1 */

  /* teardown */
  gboolean has_closer;
  WtDir first_closer;                 /* first FIN or RST sender */
  gboolean any_rst, rst_before_fins;
  WtDir first_rst_dir;
  gboolean three_segment, simultaneous_close;
  gboolean data_after_peer_fin;       /* half-close with data still flowing */
  gboolean timed_out;

  /* resets the peer may have ignored (RFC 793 / RFC 5961) */
  gboolean rst_pending;               /* a RST not (yet) shown to be ignored */
  WtDir rst_dir;                      /* its sender */
  gboolean rst_oow;                   /* its seq was outside the receiver's window */
  gboolean rst_mark_known[2];
  guint32 rst_mark[2];                /* each side's snd_nxt when it came */
  WtTcpRstUndo rst_undo;
  guint32 rsts_ignored, rsts_ignored_oow;
  guint32 acks_beyond_sent;
  guint note;                         /* WT_TCP_NOTE_* of the latest segment (cleared by
                                       * wt_tcp_conn_update) */

  /* roles */
  guint flips;
  gboolean orig_guessed;
  gboolean pending_synack;            /* first segment was a SYN+ACK, roles undecided */
  WtTcpSeg first_seg;
  WtDir first_seg_dir;
  guint pending_dups;                 /* copies of that SYN+ACK while still undecided */
  WtTcpSeg pending_dup_seg;           /* the latest of them */
  gboolean flip_pending;              /* set by the Zeek layer mid-segment */
  gboolean last_flipped;              /* the latest update flipped the roles (--explain) */
  guint fast_kinds;                   /* segments that may take the fast path (tcp-state.c) */
} WtTcpConn;

typedef struct {
  gboolean flipped; /* roles were swapped while processing this segment */
  WtDir dir;        /* direction of this segment under the (possibly new) roles */
  gboolean steady;  /* it took the fast path: an ACK or data segment in order between
                     * established endpoints, valid checksum, no SYN, FIN or RST, nothing
                     * noted; no state, role, connection event or closing changed */
} WtTcpUpdate;

/* What the caller must do for the segment just given to wt_tcp_conn_update (rare; 0 on
 * almost every segment, one comparison to find out):
 *  WT_TCP_NOTE_RST_IGNORED: it showed that the latest RST was ignored (it acknowledges data
 *    sent after the RST): resume the reassembly held at the RST (wt_reasm_dir_resume);
 *  WT_TCP_NOTE_ACK_IGNORED: its ACK acknowledges data the peer never sent
 *    (wt_tcp_ack_beyond_sent): do not give it to the reassembler. */
enum { WT_TCP_NOTE_RST_IGNORED = 1u << 0, WT_TCP_NOTE_ACK_IGNORED = 1u << 1 };
static inline guint wt_tcp_conn_notes(const WtTcpConn *c)
{
  return c->note;
}

/* TRUE while a RST has not (yet) been shown to be ignored. */
static inline gboolean wt_tcp_conn_rst_pending(const WtTcpConn *c)
{
  return c->rst_pending;
}

/* time_wait_ns <= 0 selects WT_TCP_TIME_WAIT_DEFAULT_NS. */
void wt_tcp_conn_init(WtTcpConn *c, gint64 time_wait_ns);

/* Process one segment. `dir` is relative to the current originator; anomalies may be NULL.
 * Segments with pkt->l4_bad_checksum only add 'C'/'c' to the history (Zeek drops them). */
WtTcpUpdate wt_tcp_conn_update(WtTcpConn *c, const WtPacket *pkt, WtDir dir,
                               WtAnomalies *anomalies);

/* The general path alone, never the fast one: what wt_tcp_conn_update does for any
 * segment. tests/unit/tcp/test-tcp-fast-path.c compares the two. */
WtTcpUpdate wt_tcp_conn_update_general(WtTcpConn *c, const WtPacket *pkt, WtDir dir,
                                       WtAnomalies *anomalies);
/* TRUE when wt_tcp_conn_update would take its fast path for this segment (an ACK or data
 * segment in order between established endpoints; see tcp-state.c). */
gboolean wt_tcp_conn_fast_fits(const WtTcpConn *c, const WtPacket *pkt, WtDir dir);

/* TRUE if this SYN must start a new connection (port reuse): the caller then finishes
 * `c` and creates a new one for this packet. A SYN on a connection that is closed
 * (both sides FIN'd or in TIME-WAIT/CLOSED) or reset, or a SYN from the originator with
 * another ISN than its first SYN. Retransmitted SYNs (wt_tcp_syn_is_retransmission, also
 * late ones after the FINs, but not after a RST), the SYN of a simultaneous open and a
 * SYN reordered behind its SYN+ACK are not new. */
gboolean wt_tcp_conn_is_new_syn(const WtTcpConn *c, const WtPacket *pkt, WtDir dir);

/* A bare SYN from the originator with the ISN of the connection's own first SYN: an old
 * duplicate (retransmission), whenever it comes, even after both FINs. Zeek instead
 * starts a new connection for any SYN on a closed one (see docs/report-guide.md). */
gboolean wt_tcp_syn_is_retransmission(const WtTcpConn *c, const WtPacket *pkt, WtDir dir);

/* While the roles are undecided because the connection began with a SYN+ACK: TRUE if `s`
 * (from `dir`) is a copy of it (same sender, seq and ack). Copies keep the decision open,
 * so the peer's ACK that follows still flips the roles ("^h..." as in Zeek). */
gboolean wt_tcp_synack_is_copy_of_first(const WtTcpConn *c, const WtTcpSeg *s, WtDir dir);

/* RFC 793 / RFC 5961 acceptability of a RST with sequence number `seq` for the receiver
 * whose next expected number is `rcv_nxt` and whose window is `rcv_wnd` bytes:
 * WT_RST_EXACT (seq == rcv_nxt: a modern stack resets), WT_RST_IN_WINDOW (answered with a
 * challenge ACK, RFC 5961 3.2) or WT_RST_OUT_OF_WINDOW (dropped silently). */
typedef enum { WT_RST_EXACT = 0, WT_RST_IN_WINDOW, WT_RST_OUT_OF_WINDOW } WtRstFit;
WtRstFit wt_tcp_rst_fit(guint32 seq, guint32 rcv_nxt, guint32 rcv_wnd);

/* TRUE if an ACK of `ack` cannot be real: beyond everything the peer was seen sending
 * (`peer_nxt`) by more than the acknowledging side's window (`wnd` bytes, scaled) or 1 MiB,
 * whichever is larger, could explain (capture loss hides at most what was in flight). */
gboolean wt_tcp_ack_beyond_sent(guint32 ack, guint32 peer_nxt, guint32 wnd);

/* The reassembler reports `n` bytes never seen in `dir` (history 'g', missed_bytes);
 * n == 0 (the application's unconsumed bytes dropped, nothing missed) is ignored. */
void wt_tcp_conn_note_gap(WtTcpConn *c, WtDir dir, guint64 n);
/* The reassembler saw retransmitted bytes (counted only: history 't' is derived here from
 * the sequence numbers exactly as Zeek does, so this never adds a letter). */
void wt_tcp_conn_note_retransmit(WtTcpConn *c, WtDir dir);

/* The application analysis of `dir` stopped early (a limit was exceeded): history 'X'/'x',
 * once per direction (Zeek's "connection analysis partial"). */
void wt_tcp_conn_note_analysis_partial(WtTcpConn *c, WtDir dir);

/* Idle timeout at capture time ts_ns (close kind timed-out unless closed otherwise). */
void wt_tcp_conn_timeout(WtTcpConn *c, gint64 ts_ns);
/* End of input at capture time ts_ns: only expires TIME-WAIT if it is over. */
void wt_tcp_conn_finish(WtTcpConn *c, gint64 ts_ns);

/* Both directions finished (FIN exchange complete, or a RST). The caller may linger. */
static inline gboolean wt_tcp_conn_is_closed(const WtTcpConn *c)  /* inline: per segment */
{
  if (c->valid_segs == 0)
    return FALSE;
  if (c->any_rst)
    return TRUE;
  for (int d = 0; d < 2; d++)
    if (!c->ep[d].fin_sent ||
        (c->ep[d].state != WT_TCP_STATE_CLOSED && c->ep[d].state != WT_TCP_STATE_TIME_WAIT))
      return FALSE;
  return TRUE;
}

/* Zeek-equivalent results. */
WtConnState wt_tcp_conn_state(const WtTcpConn *c);
const char *wt_tcp_conn_history(const WtTcpConn *c);
/* Zeek's endpoint size (orig_bytes / resp_bytes), from sequence numbers. */
guint64 wt_tcp_conn_zeek_size(const WtTcpConn *c, WtDir dir);

typedef struct {
  WtConnState conn_state;
  const char *history;          /* points into the connection */
  gboolean has_duration;        /* Zeek logs duration and byte counts only when > 0 */
  gint64 duration_ns;
  guint64 orig_bytes, resp_bytes;
  guint64 missed_bytes;
  guint64 orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes;
  WtTcpState orig_state, resp_state;
  WtTcpCloseKind close_kind;
  WtTcpHandshake handshake;
  gboolean has_rtt;             /* both handshake steps measured */
  gint64 rtt_syn_synack_ns, rtt_synack_ack_ns, handshake_rtt_ns;
  gboolean has_closer;
  WtDir first_closer;
  gint64 first_ts, last_ts;
  gboolean orig_guessed;
  guint flips;
} WtTcpConnSummary;

void wt_tcp_conn_summarize(const WtTcpConn *c, WtTcpConnSummary *s);

/* Likely server port (Zeek's likely_server_ports, a fixed table here). */
gboolean wt_tcp_likely_server_port(guint16 port);
