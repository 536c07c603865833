/* TCP connection tracking: RFC 793 states for both endpoints plus Zeek's endpoint model
 * (conn_state, history, sizes). See tcp-state.h for the observation model and roles. */
#include "dissectors/tcp/tcp-state.h"

#include <glib/gi18n.h>
#include <string.h>

/* Zeek: sequence jumps larger than this are not trusted on SYN/RST (TOO_LARGE_SEQ_DELTA). */
#define ZEEK_TOO_LARGE_SEQ_DELTA 1048576

/* Zeek's history masks (TCP_Endpoint.h); responder masks are shifted by 16. */
enum {
  HIST_SYN_PKT = 0x1, HIST_FIN_PKT = 0x2, HIST_RST_PKT = 0x4, HIST_FIN_RST_PKT = 0x8,
  HIST_DATA_PKT = 0x10, HIST_ACK_PKT = 0x20, HIST_MULTI_FLAG_PKT = 0x40,
  HIST_ANALYSIS_PARTIAL = 0x80,
};

static const char *const state_names[WT_TCP_STATE_COUNT] = {
  "CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
  "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
};

const char *wt_tcp_state_name(WtTcpState s)
{
  return (unsigned) s < WT_TCP_STATE_COUNT ? state_names[s] : "?";
}

static const char *const conn_state_names[WT_CONN_STATE_COUNT] = {
  "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH",
};

const char *wt_conn_state_name(WtConnState s)
{
  return (unsigned) s < WT_CONN_STATE_COUNT ? conn_state_names[s] : "OTH";
}

/* N_(): also shown translated in the text report's "How connections ended" table */
static const char *const close_kind_names[WT_TCP_CLOSE_COUNT] = {
  N_("four-way"), N_("three-segment"), N_("simultaneous"), N_("half-closed"),
  N_("reset-by-orig"), N_("reset-by-resp"), N_("refused"), N_("unanswered"),
  N_("timed-out"), N_("open-at-end"),
};

const char *wt_tcp_close_kind_name(WtTcpCloseKind k)
{
  return (unsigned) k < WT_TCP_CLOSE_COUNT ? close_kind_names[k] : "?";
}

static const char *const handshake_names[WT_TCP_HS_COUNT] = {
  "completed", "refused", "unanswered", "simultaneous", "mid-stream", "incomplete",
};

const char *wt_tcp_handshake_name(WtTcpHandshake h)
{
  return (unsigned) h < WT_TCP_HS_COUNT ? handshake_names[h] : "?";
}

/* Ports Zeek's default scripts register (likely_server_ports): used only to guess roles
 * when the first segment is not a SYN. Sorted for bsearch. */
static const guint16 likely_server_ports[] = {
  21, 22, 23, 25, 53, 80, 81, 88, 110, 111, 135, 139, 143, 179, 389, 443, 445, 465, 502,
  513, 514, 515, 543, 544, 563, 587, 631, 636, 873, 989, 990, 992, 993, 995, 1080, 1194,
  1433, 1521, 1723, 1812, 1883, 2049, 2181, 3128, 3306, 3389, 5060, 5061, 5222, 5269,
  5432, 5672, 5900, 6379, 6443, 6666, 6667, 6668, 6669, 6697, 8000, 8008, 8080, 8081,
  8443, 8888, 9092, 9200, 11211, 27017,
};

static int port_cmp(const void *a, const void *b)
{
  return (int) *(const guint16 *) a - (int) *(const guint16 *) b;
}

gboolean wt_tcp_likely_server_port(guint16 port)
{
  return bsearch(&port, likely_server_ports, G_N_ELEMENTS(likely_server_ports),
                 sizeof likely_server_ports[0], port_cmp) != NULL;
}

/* Signed distance a - b in sequence space (for magnitudes; comparisons use WT_SEQ_*). */
static inline gint32 seq_delta(guint32 a, guint32 b)
{
  return (gint32) (a - b);
}

static inline WtDir other(WtDir d)
{
  return d == WT_DIR_ORIG ? WT_DIR_RESP : WT_DIR_ORIG;
}

static void anomaly(WtAnomalies *a, const char *name)
{
  if (a)
    wt_anomaly(a, name);
}

/* ---------------------------------------------------------------------------------------
 * History letters */

static void add_history(WtTcpConn *c, char code)
{
  if (c->history_len >= WT_TCP_HISTORY_MAX)
    return; /* capped: Zeek's strings never get near this in practice */
  c->history[c->history_len++] = code;
  c->history[c->history_len] = '\0';
}

static char dir_letter(WtDir dir, char upper)
{
  return dir == WT_DIR_ORIG ? upper : g_ascii_tolower(upper);
}

/* Zeek's Connection::CheckHistory: adds the letter the first time only; TRUE if it had
 * been seen before. */
static gboolean check_history(WtTcpConn *c, WtDir dir, guint32 mask, char code)
{
  if (dir == WT_DIR_RESP)
    mask <<= 16;
  if (c->hist_seen & mask)
    return TRUE;
  c->hist_seen |= mask;
  add_history(c, dir_letter(dir, code));
  return FALSE;
}

/* Zeek's ScaledHistoryEntry: a letter at 1, 10, 100 ... events. */
static void scaled_history(WtTcpConn *c, WtDir dir, char code, guint32 *cnt, guint32 *thresh)
{
  if (++*cnt != *thresh)
    return;
  add_history(c, dir_letter(dir, code));
  guint32 next = *thresh * 10;
  if (next <= *thresh)
    *cnt = 0; /* wrapped: keep the threshold */
  else
    *thresh = next;
}

/* ---------------------------------------------------------------------------------------
 * Zeek endpoint bookkeeping (TCP_Endpoint / TCPSessionAdapter) */

static inline guint64 full_seq(guint32 seq, guint32 wraps)
{
  return ((guint64) wraps << 32) | seq;
}

static void zk_update_last_seq(WtZeekEndpoint *z, guint32 seq)
{
  if (seq < z->last_seq && seq_delta(seq, z->last_seq) > 0)
    z->seq_wraps++;
  z->last_seq = seq;
}

static void zk_update_ack_seq(WtZeekEndpoint *z, guint32 seq)
{
  if (seq < z->ack_seq && seq_delta(seq, z->ack_seq) > 0)
    z->ack_wraps++;
  z->ack_seq = seq;
}

static void zk_reinit(WtZeekEndpoint *z, guint32 start, guint32 last)
{
  z->start_seq = start;
  z->ack_seq = start;
  z->last_seq = last;
}

static void zk_set_state(WtZeekEndpoint *z, WtZeekState s)
{
  if (s == z->state)
    return;
  z->prev_state = z->state;
  z->state = s;
}

static void zk_init_endpoint(WtZeekEndpoint *z, guint8 flags, guint32 seq, guint32 last)
{
  gboolean syn = (flags & WT_TCP_SYN) != 0;
  switch (z->state) {
  case WT_ZEEK_INACTIVE:
    if (syn)
      zk_reinit(z, seq, last);
    else
      zk_reinit(z, seq - 1, seq); /* as though a SYN had been seen */
    break;
  case WT_ZEEK_SYN_SENT:
  case WT_ZEEK_SYN_ACK_SENT:
    if (syn && seq != z->start_seq)
      zk_reinit(z, seq, last);
    break;
  case WT_ZEEK_ESTABLISHED:
  case WT_ZEEK_PARTIAL:
    if (syn)
      zk_reinit(z, seq, last);
    break;
  case WT_ZEEK_RESET:
    if (syn && z->prev_state == WT_ZEEK_INACTIVE)
      zk_reinit(z, seq, last);
    break;
  default:
    break;
  }
}

static guint64 zk_relative_seq(const WtZeekEndpoint *z, guint32 cur, guint32 last,
                               guint32 wraps, gboolean *underflow)
{
  gint32 delta = seq_delta(cur, last);
  if (delta < 0) {
    if (wraps && cur > last)
      wraps--;
  } else if (delta > 0) {
    if (cur < last)
      wraps++;
  }
  if (wraps == 0) {
    delta = seq_delta(cur, z->start_seq);
    if (delta < 0 && underflow)
      *underflow = TRUE;
    return (guint64) (gint64) delta; /* Zeek converts the negative delta the same way */
  }
  return full_seq(cur, wraps) - z->start_seq;
}

static gboolean zk_no_data_acked(const WtZeekEndpoint *z)
{
  guint64 ack = full_seq(z->ack_seq, z->ack_wraps);
  guint64 start = z->start_seq;
  return ack == start || ack == start + 1;
}

/* TCP_Endpoint::Size(). */
static guint64 zk_size(const WtZeekEndpoint *z, const WtZeekEndpoint *peer)
{
  if (z->prev_state == WT_ZEEK_SYN_SENT && z->state == WT_ZEEK_RESET &&
      peer->state == WT_ZEEK_INACTIVE && !zk_no_data_acked(z))
    return 0; /* a half-open connection discovered and aborted */
  guint64 last = full_seq(z->last_seq, z->seq_wraps);
  guint64 ack = full_seq(z->ack_seq, z->ack_wraps);
  guint64 size = (last > ack ? last : ack) - (guint64) z->start_seq;
  if (size != 0)
    size--; /* the SYN */
  if (z->fin_cnt > 0 && size != 0)
    size--; /* the FIN */
  return size;
}

/* update_history() of TCPSessionAdapter.cc. */
static void zk_update_history(WtTcpConn *c, WtDir dir, guint8 flags, guint64 rel_seq,
                              guint32 len)
{
  WtZeekEndpoint *z = &c->zk[dir];
  gboolean syn = (flags & WT_TCP_SYN) != 0, fin = (flags & WT_TCP_FIN) != 0,
           rst = (flags & WT_TCP_RST) != 0;
  int bits = syn + fin + rst;

  if (bits > 1) {
    if (fin && rst)
      check_history(c, dir, HIST_FIN_RST_PKT, 'I');
    else
      check_history(c, dir, HIST_MULTI_FLAG_PKT, 'Q');
  } else if (bits == 1) {
    if (syn) {
      char code = (flags & WT_TCP_ACK) ? 'H' : 'S';
      if (check_history(c, dir, HIST_SYN_PKT, code) && rel_seq != z->hist_last_syn)
        add_history(c, dir_letter(dir, code));
      z->hist_last_syn = rel_seq;
    }
    if (fin) {
      /* a FIN's number is at the end of its data */
      if (check_history(c, dir, HIST_FIN_PKT, 'F') && rel_seq + len != z->hist_last_fin)
        add_history(c, dir_letter(dir, 'F'));
      z->hist_last_fin = rel_seq + len;
    }
    if (rst) {
      if (check_history(c, dir, HIST_RST_PKT, 'R') && rel_seq != z->hist_last_rst)
        add_history(c, dir_letter(dir, 'R'));
      z->hist_last_rst = rel_seq;
    }
  } else if (len) {
    check_history(c, dir, HIST_DATA_PKT, 'D');
  } else if (flags & WT_TCP_ACK) {
    check_history(c, dir, HIST_ACK_PKT, 'A');
  }
}

static gint32 zk_update_last_seq_checked(WtTcpConn *c, WtDir dir, guint32 last, guint8 flags,
                                         guint32 len)
{
  WtZeekEndpoint *z = &c->zk[dir];
  gint32 delta = seq_delta(last, z->last_seq);

  if ((flags & (WT_TCP_SYN | WT_TCP_RST)) &&
      (delta > ZEEK_TOO_LARGE_SEQ_DELTA || delta < -ZEEK_TOO_LARGE_SEQ_DELTA))
    ; /* not trusted */
  else if ((flags & WT_TCP_FIN) && z->last_seq == z->start_seq + 1)
    zk_update_last_seq(z, last); /* > 2 GB connections seen only by SYN and FIN */
  else if (z->state == WT_ZEEK_RESET)
    ; /* nothing after a RST is trusted */
  else if (delta > 0)
    zk_update_last_seq(z, last);
  else if (len > 0)
    scaled_history(c, dir, 'T', &z->rxmt_cnt, &z->rxmt_thresh);
  return delta;
}

/* UpdateInactiveState ... UpdateResetState. Returns TRUE when the endpoint closed. */
static gboolean zk_state_machine(WtTcpConn *c, WtDir dir, const WtTcpSeg *s)
{
  WtZeekEndpoint *ep = &c->zk[dir], *peer = &c->zk[other(dir)];
  gboolean is_orig = dir == WT_DIR_ORIG;
  guint8 f = s->flags;
  gboolean syn = (f & WT_TCP_SYN) != 0, fin = (f & WT_TCP_FIN) != 0,
           rst = (f & WT_TCP_RST) != 0, ack = (f & WT_TCP_ACK) != 0;
  gboolean do_close = FALSE;

  switch (ep->state) {
  case WT_ZEEK_INACTIVE:
    if (syn) {
      if (is_orig) {
        zk_set_state(ep, ack ? WT_ZEEK_SYN_ACK_SENT : WT_ZEEK_SYN_SENT);
      } else {
        if (!ack && peer->state == WT_ZEEK_SYN_ACK_SENT && s->seq == ep->start_seq) {
          /* SYN and SYN+ACK reversed in the capture: flip and establish */
          c->flip_pending = TRUE;
          zk_set_state(peer, WT_ZEEK_ESTABLISHED);
        }
        if (peer->state == WT_ZEEK_SYN_SENT)
          zk_set_state(peer, WT_ZEEK_ESTABLISHED);
        zk_set_state(ep, WT_ZEEK_ESTABLISHED);
      }
    }
    if (fin) {
      zk_set_state(ep, WT_ZEEK_CLOSED);
      do_close = TRUE;
    }
    if (rst) {
      zk_set_state(ep, WT_ZEEK_RESET);
      do_close = TRUE;
    }
    if (ep->state == WT_ZEEK_INACTIVE) {
      if (!is_orig && s->len == 0 && c->zk[WT_DIR_ORIG].state == WT_ZEEK_SYN_SENT)
        ; /* an ACK of the SYN before the SYN+ACK: not a partial connection */
      else if (ack && peer->state == WT_ZEEK_ESTABLISHED)
        zk_set_state(ep, WT_ZEEK_ESTABLISHED); /* missed SYN, saw SYN+ACK and now ACK */
      else
        zk_set_state(ep, WT_ZEEK_PARTIAL);
    }
    break;

  case WT_ZEEK_SYN_SENT:
  case WT_ZEEK_SYN_ACK_SENT:
    if (fin) {
      zk_set_state(ep, WT_ZEEK_CLOSED);
      do_close = TRUE;
    }
    if (rst) {
      zk_set_state(ep, WT_ZEEK_RESET);
      do_close = TRUE;
    }
    break;

  case WT_ZEEK_ESTABLISHED:
  case WT_ZEEK_PARTIAL:
    if (syn && ep->state == WT_ZEEK_PARTIAL && peer->state == WT_ZEEK_INACTIVE && !ack)
      zk_set_state(ep, WT_ZEEK_SYN_SENT);
    if (fin && !rst) {
      zk_set_state(ep, WT_ZEEK_CLOSED);
      if (peer->state == WT_ZEEK_RESET && peer->prev_state == WT_ZEEK_CLOSED)
        zk_set_state(peer, WT_ZEEK_CLOSED); /* FIN then RST was a normal termination */
      do_close = TRUE;
    }
    if (rst) {
      zk_set_state(ep, WT_ZEEK_RESET);
      do_close = TRUE;
    }
    break;

  case WT_ZEEK_CLOSED:
    if (rst && peer->state != WT_ZEEK_CLOSED) {
      zk_set_state(ep, WT_ZEEK_RESET);
      if (!ep->did_close)
        do_close = TRUE;
    }
    break;

  case WT_ZEEK_RESET:
  default:
    break;
  }
  return do_close;
}

static gboolean ack_bogus_check(WtTcpConn *c, WtTcpSeg *s, WtDir dir, WtAnomalies *an);

/* TCPSessionAdapter::Process for one valid segment (the parts conn.log depends on). */
static void zeek_process(WtTcpConn *c, WtTcpSeg *s, WtDir dir, WtAnomalies *an)
{
  WtZeekEndpoint *ep = &c->zk[dir], *peer = &c->zk[other(dir)];
  guint8 f = s->flags;
  gboolean syn = (f & WT_TCP_SYN) != 0, fin = (f & WT_TCP_FIN) != 0,
           rst = (f & WT_TCP_RST) != 0, ack = (f & WT_TCP_ACK) != 0;

  guint32 seg_len = s->len + syn + fin - (rst ? s->len : 0);
  guint32 one_past = s->seq + seg_len;

  zk_init_endpoint(ep, f, s->seq, one_past);
  guint64 rel_seq = zk_relative_seq(ep, s->seq, ep->last_seq, ep->seq_wraps, NULL);
  zk_update_history(c, dir, f, rel_seq, s->len);

  if (s->win == 0 && !rst && peer->state != WT_ZEEK_CLOSED && ep->state != WT_ZEEK_RESET)
    scaled_history(c, dir, 'W', &ep->win0_cnt, &ep->win0_thresh);

  if (!c->zk[WT_DIR_ORIG].did_close || !c->zk[WT_DIR_RESP].did_close)
    c->zeek_last_ts = s->ts_ns;

  if (fin)
    ep->fin_cnt++;

  if (ack) {
    if (peer->state == WT_ZEEK_INACTIVE) {
      zk_reinit(peer, s->ack - 1, s->ack - 1); /* init_peer */
    } else {
      gboolean underflow = FALSE;
      zk_relative_seq(peer, s->ack, peer->ack_seq, peer->ack_wraps, &underflow);
      if (!underflow && !rst) {
        gint32 d = seq_delta(s->ack, peer->ack_seq);
        /* a jump of over 1 MiB (rare) may acknowledge data never sent: checked here, where
         * the distance is at hand; the RFC 793 layer then ignores the ACK as well */
        if (G_UNLIKELY(d > ZEEK_TOO_LARGE_SEQ_DELTA)) {
          if (!ack_bogus_check(c, s, dir, an) && s->ack != 0)
            zk_update_ack_seq(peer, s->ack);
        } else if (d > 0) {
          zk_update_ack_seq(peer, s->ack);
        }
      }
    }
  }

  zk_update_last_seq_checked(c, dir, one_past, f, s->len);

  if (zk_state_machine(c, dir, s))
    ep->did_close = TRUE;
}

/* ---------------------------------------------------------------------------------------
 * RFC 793 layer */

static gboolean seq_in(guint32 x, guint32 lo, guint32 hi) /* lo <= x <= hi */
{
  return WT_SEQ_GEQ(x, lo) && WT_SEQ_LEQ(x, hi);
}

static void enter_time_wait(WtTcpEndpoint *e, gint64 ts)
{
  e->state = WT_TCP_STATE_TIME_WAIT;
  e->time_wait_ts = ts;
}

static void expire_time_wait(WtTcpConn *c, gint64 ts)
{
  for (int d = 0; d < 2; d++) {
    WtTcpEndpoint *e = &c->ep[d];
    if (e->state == WT_TCP_STATE_TIME_WAIT && ts - e->time_wait_ts >= c->time_wait_ns)
      e->state = WT_TCP_STATE_CLOSED;
  }
}

static void note_closer(WtTcpConn *c, WtDir dir)
{
  if (!c->has_closer) {
    c->has_closer = TRUE;
    c->first_closer = dir;
  }
}

/* The receiver R gets an ACK: completes what R was waiting for. Acceptable acks lie
 * between the acked number and what R has sent. */
/* per segment: always inline (rst_check_ignored's call is the rare one) */
G_ALWAYS_INLINE static inline void ack_received(WtTcpConn *c, WtTcpEndpoint *R, guint32 ack,
                                                gint64 ts)
{
  (void) c;
  if (R->state == WT_TCP_STATE_SYN_RCVD && R->isn_known && R->nxt_known &&
      seq_in(ack, R->isn + 1, R->snd_nxt)) {
    R->state = WT_TCP_STATE_ESTABLISHED;
    R->established_ts = ts;
  }
  if (R->fin_sent && !R->fin_acked && seq_in(ack, R->fin_seq + 1, R->snd_nxt)) {
    R->fin_acked = TRUE;
    R->fin_acked_ts = ts;
    switch (R->state) {
    case WT_TCP_STATE_FIN_WAIT_1: R->state = WT_TCP_STATE_FIN_WAIT_2; break;
    case WT_TCP_STATE_CLOSING: enter_time_wait(R, ts); break;
    case WT_TCP_STATE_LAST_ACK: R->state = WT_TCP_STATE_CLOSED; break;
    default: break;
    }
  }
}

static void rfc_rst(WtTcpConn *c, const WtTcpSeg *s, WtDir dir, WtAnomalies *an)
{
  WtTcpEndpoint *S = &c->ep[dir], *R = &c->ep[other(dir)];
  gboolean acceptable;

  c->st[dir].rsts++;
  if (!S->rst_sent) {
    S->rst_sent = TRUE;
    S->rst_ts = s->ts_ns;
  }
  if (!c->any_rst) {
    c->any_rst = TRUE;
    c->first_rst_dir = dir;
    c->rst_before_fins = !(S->fin_sent && R->fin_sent);
  }
  note_closer(c, dir);

  if (R->state == WT_TCP_STATE_SYN_SENT) /* RFC 793: acceptable if it acks the SYN */
    acceptable = (s->flags & WT_TCP_ACK) && R->isn_known && s->ack == R->isn + 1;
  else if (!S->nxt_known)
    acceptable = TRUE;
  else {
    gint32 d = seq_delta(s->seq, S->snd_nxt);
    acceptable = d >= -ZEEK_TOO_LARGE_SEQ_DELTA && d <= ZEEK_TOO_LARGE_SEQ_DELTA;
  }

  (void) an; /* out-of-window RSTs are counted once known to be ignored (rst_ignored) */
  S->state = WT_TCP_STATE_CLOSED;
  if (acceptable && R->state != WT_TCP_STATE_LISTEN) /* a listener ignores RSTs */
    R->state = WT_TCP_STATE_CLOSED;
}

static void rfc_syn(WtTcpConn *c, const WtTcpSeg *s, WtDir dir, WtAnomalies *an)
{
  WtTcpEndpoint *S = &c->ep[dir], *R = &c->ep[other(dir)];
  gint64 ts = s->ts_ns;

  c->st[dir].syns++;
  if (!(s->flags & WT_TCP_ACK)) {
    if (S->syn_sent && s->seq == S->isn) {
      c->st[dir].syn_rexmits++;
      S->syn_last_ts = ts;
      return;
    }
    if (S->syn_sent && S->state == WT_TCP_STATE_SYN_SENT) {
      anomaly(an, WT_TCP_A_SYN_SEQ_JUMP); /* new ISN on a retry: follow it */
    } else if (S->syn_sent || !(S->state == WT_TCP_STATE_CLOSED ||
                                S->state == WT_TCP_STATE_LISTEN ||
                                S->state == WT_TCP_STATE_SYN_SENT)) {
      anomaly(an, WT_TCP_A_SYN_IN_CONN);
      return;
    }
    S->isn = s->seq;
    S->isn_known = TRUE;
    S->snd_nxt = s->seq + 1 + s->len;
    S->nxt_known = TRUE;
    if (!S->syn_sent)
      S->syn_ts = ts;
    S->syn_sent = TRUE;
    S->syn_last_ts = ts;
    S->wscale = s->wscale;
    S->state = WT_TCP_STATE_SYN_SENT;
    if (R->state == WT_TCP_STATE_CLOSED) {
      R->state = WT_TCP_STATE_LISTEN;
    } else if (R->state == WT_TCP_STATE_SYN_SENT && R->syn_sent) {
      /* both sent a bare SYN: simultaneous open; R now has our SYN */
      c->simultaneous_open = TRUE;
      R->state = WT_TCP_STATE_SYN_RCVD;
    }
    return;
  }

  /* SYN+ACK */
  if (R->isn_known && s->ack != R->isn + 1)
    anomaly(an, WT_TCP_A_SYNACK_BAD_ACK);
  if (S->synack_sent) {
    if (s->seq == S->isn) {
      c->st[dir].syn_rexmits++;
      S->syn_last_ts = ts;
    } else {
      anomaly(an, WT_TCP_A_SYN_SEQ_JUMP);
      S->isn = s->seq;
      S->snd_nxt = s->seq + 1 + s->len;
    }
  } else if (S->state == WT_TCP_STATE_CLOSED || S->state == WT_TCP_STATE_LISTEN ||
             S->state == WT_TCP_STATE_SYN_SENT || S->state == WT_TCP_STATE_SYN_RCVD) {
    S->isn = s->seq;
    S->isn_known = TRUE;
    S->snd_nxt = s->seq + 1 + s->len;
    S->nxt_known = TRUE;
    S->synack_sent = TRUE;
    if (!S->syn_sent)
      S->syn_ts = ts;
    S->syn_last_ts = ts;
    S->wscale = s->wscale;
    /* in a simultaneous open the peer may have acked our SYN already */
    if (c->simultaneous_open && S->established_ts == 0 && R->synack_sent &&
        R->has_last_ack && seq_in(R->last_ack, S->isn + 1, S->snd_nxt)) {
      S->state = WT_TCP_STATE_ESTABLISHED;
      S->established_ts = ts;
    } else {
      S->state = WT_TCP_STATE_SYN_RCVD;
    }
    if (R->state == WT_TCP_STATE_CLOSED || R->state == WT_TCP_STATE_LISTEN) {
      /* we never saw R's SYN: it must have sent one, acked here */
      R->state = WT_TCP_STATE_SYN_SENT;
      R->isn = s->ack - 1;
      R->isn_known = TRUE;
      R->snd_nxt = s->ack;
      R->nxt_known = TRUE;
    }
    if (R->syn_sent && c->rtt_syn_synack_ns < 0 && ts >= R->syn_last_ts)
      c->rtt_syn_synack_ns = ts - R->syn_last_ts;
  } else {
    anomaly(an, WT_TCP_A_SYN_IN_CONN);
  }
}

/* Sender S established by acking R's SYN (the third step). */
static void rfc_handshake_ack(WtTcpConn *c, const WtTcpSeg *s, WtDir dir, WtAnomalies *an)
{
  WtTcpEndpoint *S = &c->ep[dir], *R = &c->ep[other(dir)];
  if (S->state != WT_TCP_STATE_SYN_SENT && S->state != WT_TCP_STATE_SYN_RCVD)
    return;
  if (R->synack_sent || (c->simultaneous_open && R->syn_sent)) {
    if (s->ack != R->isn + 1) {
      anomaly(an, WT_TCP_A_HANDSHAKE_BAD_ACK);
      return;
    }
    S->state = WT_TCP_STATE_ESTABLISHED;
    S->established_ts = s->ts_ns;
    if (dir == WT_DIR_ORIG && S->syn_sent && !c->handshake_done) {
      c->handshake_done = TRUE;
      if (s->ts_ns >= R->syn_last_ts)
        c->rtt_synack_ack_ns = s->ts_ns - R->syn_last_ts;
    }
  } else if (S->state == WT_TCP_STATE_SYN_SENT && !R->synack_sent) {
    /* the SYN+ACK was missed, but S acks R's ISN: both sides must be established */
    R->isn = s->ack - 1;
    R->isn_known = TRUE;
    if (!R->nxt_known) {
      R->snd_nxt = s->ack;
      R->nxt_known = TRUE;
    }
    S->state = WT_TCP_STATE_ESTABLISHED;
    S->established_ts = s->ts_ns;
    if (R->state == WT_TCP_STATE_LISTEN || R->state == WT_TCP_STATE_CLOSED) {
      R->state = WT_TCP_STATE_ESTABLISHED;
      R->established_ts = s->ts_ns;
    }
  }
}

/* Sequence accounting of S's segment: retransmissions, out-of-order, keep-alives. */
static void rfc_track_seq(WtTcpConn *c, const WtTcpSeg *s, WtDir dir, gboolean *keepalive)
{
  WtTcpEndpoint *S = &c->ep[dir];
  WtTcpDirStats *st = &c->st[dir];
  gboolean syn = (s->flags & WT_TCP_SYN) != 0, fin = (s->flags & WT_TCP_FIN) != 0;
  guint32 start = s->seq + (syn ? 1 : 0);
  guint32 end = start + s->len + (fin ? 1 : 0);

  *keepalive = FALSE;
  if (!S->nxt_known) {
    S->snd_nxt = end;
    S->nxt_known = TRUE;
    return;
  }
  if (!syn && !fin && (s->flags & WT_TCP_ACK) && s->len <= 1 && s->seq == S->snd_nxt - 1) {
    *keepalive = TRUE;
    st->keepalives++;
    return;
  }
  if (s->len > 0 && !syn) {
    if (WT_SEQ_LT(start, S->snd_nxt)) {
      if (S->hole && WT_SEQ_GEQ(start, S->hole_lo) && WT_SEQ_LT(start, S->hole_hi)) {
        st->out_of_order++;
        if (start == S->hole_lo)
          S->hole_lo = WT_SEQ_LT(end, S->hole_hi) ? end : S->hole_hi;
        else
          S->hole_hi = start; /* one hole tracked: keep its front part */
        if (!WT_SEQ_LT(S->hole_lo, S->hole_hi))
          S->hole = FALSE;
      } else {
        st->retransmits++;
      }
    } else if (WT_SEQ_GT(start, S->snd_nxt)) {
      if (!S->hole)
        S->hole_lo = S->snd_nxt;
      S->hole = TRUE;
      S->hole_hi = start;
    }
  }
  if (WT_SEQ_GT(end, S->snd_nxt))
    S->snd_nxt = end;
}

static void rfc_fin(WtTcpConn *c, const WtTcpSeg *s, WtDir dir, gboolean peer_fin_acked_before,
                    WtAnomalies *an)
{
  WtTcpEndpoint *S = &c->ep[dir], *R = &c->ep[other(dir)];
  guint32 fin_seq = s->seq + ((s->flags & WT_TCP_SYN) ? 1 : 0) + s->len;
  gint64 ts = s->ts_ns;

  c->st[dir].fins++;
  if (S->fin_sent) {
    if (fin_seq == S->fin_seq)
      c->st[dir].fin_rexmits++;
    else
      anomaly(an, WT_TCP_A_FIN_SEQ_CHANGED);
    return;
  }
  if (S->rst_sent)
    return;
  S->fin_sent = TRUE;
  S->fin_seq = fin_seq;
  S->fin_ts = ts;
  note_closer(c, dir);

  gboolean crossing = FALSE;
  if (R->fin_sent) { /* the second FIN: how did it relate to the first? */
    if (peer_fin_acked_before)
      ; /* four-way */
    else if (R->fin_acked)
      c->three_segment = TRUE; /* this FIN carried the ACK of the first */
    else {
      c->simultaneous_close = TRUE;
      crossing = TRUE;
    }
  }

  switch (S->state) {
  case WT_TCP_STATE_SYN_SENT:
  case WT_TCP_STATE_SYN_RCVD:
  case WT_TCP_STATE_ESTABLISHED:
    S->state = WT_TCP_STATE_FIN_WAIT_1;
    break;
  case WT_TCP_STATE_CLOSE_WAIT:
    /* a FIN that does not ack the peer's FIN was sent before that one arrived */
    S->state = crossing ? WT_TCP_STATE_CLOSING : WT_TCP_STATE_LAST_ACK;
    break;
  default:
    break;
  }

  switch (R->state) {
  case WT_TCP_STATE_SYN_RCVD:
  case WT_TCP_STATE_ESTABLISHED:
    R->state = WT_TCP_STATE_CLOSE_WAIT;
    break;
  case WT_TCP_STATE_FIN_WAIT_1:
    R->state = WT_TCP_STATE_CLOSING;
    break;
  case WT_TCP_STATE_FIN_WAIT_2:
    enter_time_wait(R, ts);
    break;
  default:
    break;
  }
}

static void rfc_process(WtTcpConn *c, const WtTcpSeg *s, WtDir dir, WtAnomalies *an)
{
  WtTcpEndpoint *S = &c->ep[dir], *R = &c->ep[other(dir)];
  WtTcpDirStats *st = &c->st[dir];
  guint8 f = s->flags;
  gboolean syn = (f & WT_TCP_SYN) != 0, fin = (f & WT_TCP_FIN) != 0,
           rst = (f & WT_TCP_RST) != 0;
  gboolean ack = (f & s->ack_use) != 0; /* not one that acknowledges nothing sent */

  if (s->win == 0 && !rst && !syn)
    st->zero_windows++;
  if (rst) {
    rfc_rst(c, s, dir, an);
    return;
  }
  if (S->rst_sent && s->len > 0)
    anomaly(an, WT_TCP_A_DATA_AFTER_RST);

  if (syn) {
    rfc_syn(c, s, dir, an);
  } else if (S->state == WT_TCP_STATE_CLOSED && R->state == WT_TCP_STATE_CLOSED &&
             !S->rst_sent && !R->rst_sent && !S->fin_sent && !R->fin_sent) {
    /* mid-stream pickup: the connection was already established */
    S->state = R->state = WT_TCP_STATE_ESTABLISHED;
    S->isn = s->seq - 1;
    S->isn_known = TRUE;
    S->established_ts = R->established_ts = s->ts_ns;
    if (ack) {
      R->isn = s->ack - 1;
      R->isn_known = TRUE;
      R->snd_nxt = s->ack;
      R->nxt_known = TRUE;
    }
  }

  gboolean peer_fin_acked_before = R->fin_acked;
  if (ack) {
    if (!syn)
      rfc_handshake_ack(c, s, dir, an);
    ack_received(c, R, s->ack, s->ts_ns);
  }

  gboolean keepalive;
  guint32 prev_ack = S->last_ack;
  gboolean had_ack = S->has_last_ack;
  rfc_track_seq(c, s, dir, &keepalive);
  if (ack && !syn && !fin && s->len == 0 && !keepalive && had_ack && s->ack == prev_ack &&
      s->win == S->last_win && R->nxt_known && WT_SEQ_GT(R->snd_nxt, s->ack))
    st->dup_acks++;
  if (ack) {
    S->has_last_ack = TRUE;
    S->last_ack = s->ack;
    S->last_win = s->win;
  }
  if (s->len > 0) {
    if (R->fin_sent)
      c->data_after_peer_fin = TRUE;
    if (S->fin_sent && WT_SEQ_GEQ(s->seq, S->fin_seq))
      anomaly(an, WT_TCP_A_DATA_AFTER_FIN);
  }
  if (fin)
    rfc_fin(c, s, dir, peer_fin_acked_before, an);
  if (c->simultaneous_open && !c->handshake_done &&
      c->ep[0].state >= WT_TCP_STATE_ESTABLISHED && c->ep[1].state >= WT_TCP_STATE_ESTABLISHED)
    c->handshake_done = TRUE;
}

/* ---------------------------------------------------------------------------------------
 * Roles */

static void swap_roles(WtTcpConn *c)
{
  WtTcpEndpoint e = c->ep[0];
  c->ep[0] = c->ep[1];
  c->ep[1] = e;
  WtZeekEndpoint z = c->zk[0];
  c->zk[0] = c->zk[1];
  c->zk[1] = z;
  WtTcpDirStats st = c->st[0];
  c->st[0] = c->st[1];
  c->st[1] = st;
  c->first_closer = other(c->first_closer);
  c->first_rst_dir = other(c->first_rst_dir);
  c->flips++;
}

/* Zeek's WantConnection port heuristic for a connection that does not start with a SYN. */
static gboolean initial_flip(const WtTcpSeg *s)
{
  guint8 f = s->flags;
  if ((f & WT_TCP_SYN) && !(f & WT_TCP_ACK))
    return FALSE;
  if (!wt_tcp_likely_server_port(s->sport))
    return FALSE;
  if (wt_tcp_likely_server_port(s->dport))
    return !(f & WT_TCP_SYN) && s->sport < s->dport;
  return TRUE;
}

static void seg_from_packet(const WtPacket *p, WtTcpSeg *s)
{
  memset(s, 0, sizeof *s); /* padding too: copies kept in the connection compare equal */
  s->ts_ns = p->ts_ns;
  s->seq = p->tcp_seq;
  s->ack = p->tcp_ack;
  s->len = p->payload_wire_len;
  s->ip_len = p->ip_total_len;
  s->win = p->tcp_win;
  s->sport = p->sport;
  s->dport = p->dport;
  s->flags = p->tcp_flags;
  s->wscale = p->tcp_wscale;
  s->bad_checksum = p->l4_bad_checksum;
  s->ack_use = WT_TCP_ACK;
}

/* ---------------------------------------------------------------------------------------
 * Resets the peer ignored, ACKs of data never sent (issue 14) */

WtRstFit wt_tcp_rst_fit(guint32 seq, guint32 rcv_nxt, guint32 rcv_wnd)
{
  if (seq == rcv_nxt)
    return WT_RST_EXACT;
  /* RFC 793: RCV.NXT <= SEG.SEQ < RCV.NXT + RCV.WND */
  if (WT_SEQ_GEQ(seq, rcv_nxt) && (guint32) (seq - rcv_nxt) < rcv_wnd)
    return WT_RST_IN_WINDOW;
  return WT_RST_OUT_OF_WINDOW;
}

gboolean wt_tcp_ack_beyond_sent(guint32 ack, guint32 peer_nxt, guint32 wnd)
{
  guint32 slack = MAX(wnd, (guint32) ZEEK_TOO_LARGE_SEQ_DELTA);
  gint32 d = seq_delta(ack, peer_nxt);
  return d > 0 && (guint32) d > slack;
}

/* `win` as advertised by `dir`, in bytes (RFC 7323: scaled when both SYNs had the
 * option). */
static guint32 scaled_window(const WtTcpConn *c, WtDir dir, guint16 win)
{
  gint8 sc = c->ep[dir].wscale;
  if (sc < 0 || c->ep[other(dir)].wscale < 0)
    return win;
  return (guint32) win << MIN(sc, 14);
}

static void add_note(WtTcpConn *c, guint note)
{
  c->note |= note;  /* of this segment: wt_tcp_conn_update cleared them */
}

/* The ACK of `s` (from `dir`) jumped over 1 MiB: does it acknowledge data never sent?
 * If so it is marked (s->ack_use 0: the RFC 793 layer ignores it too), counted, and
 * wt_tcp_conn_ack_ignored() says so to the caller. */
G_NO_INLINE static gboolean ack_bogus_check(WtTcpConn *c, WtTcpSeg *s, WtDir dir,
                                            WtAnomalies *an)
{
  const WtTcpEndpoint *R = &c->ep[other(dir)];
  if (!R->nxt_known || !wt_tcp_ack_beyond_sent(s->ack, R->snd_nxt, scaled_window(c, dir, s->win)))
    return FALSE;
  s->ack_use = 0;
  c->acks_beyond_sent++;
  add_note(c, WT_TCP_NOTE_ACK_IGNORED);
  anomaly(an, WT_TCP_A_ACK_BEYOND_SENT);
  return TRUE;
}

/* A RST from `dir`: remember what it changes (before either layer sees it) and where each
 * side stood, so that it can be undone if the connection goes on. */
G_NO_INLINE static void rst_begin(WtTcpConn *c, const WtTcpSeg *s, WtDir dir)
{
  const WtTcpEndpoint *S = &c->ep[dir], *R = &c->ep[other(dir)];
  if (!c->rst_pending) {
    WtTcpRstUndo *u = &c->rst_undo;
    for (int d = 0; d < 2; d++) {
      u->state[d] = c->ep[d].state;
      u->rst_sent[d] = c->ep[d].rst_sent;
    }
    u->any_rst = c->any_rst;
    u->rst_before_fins = c->rst_before_fins;
    u->has_closer = c->has_closer;
    u->first_rst_dir = c->first_rst_dir;
    u->first_closer = c->first_closer;
    u->zk_last_seq = c->zk[dir].last_seq;
    u->zk_seq_wraps = c->zk[dir].seq_wraps;
    c->rst_dir = dir;
    c->rst_oow = FALSE;
    for (int d = 0; d < 2; d++) {
      c->rst_mark_known[d] = c->ep[d].nxt_known;
      c->rst_mark[d] = c->ep[d].snd_nxt;
    }
  }
  c->rst_pending = TRUE;
  if (S->nxt_known) {
    guint32 wnd = R->has_last_ack ? scaled_window(c, other(dir), R->last_win)
                                  : (guint32) ZEEK_TOO_LARGE_SEQ_DELTA;
    if (wt_tcp_rst_fit(s->seq, S->snd_nxt, MAX(wnd, 1u)) == WT_RST_OUT_OF_WINDOW)
      c->rst_oow = TRUE;
  }
}

/* A later segment from `dir` acknowledges data the other side sent after the RST: both
 * stacks went on, so the RST was ignored. Undo what it did to the RFC 793 layer (the Zeek
 * layer keeps it: conn_state and history stay Zeek's, only the RST's sequence jump is
 * not taken as data). TRUE if so. */
G_NO_INLINE static gboolean rst_check_ignored(WtTcpConn *c, const WtTcpSeg *s, WtDir dir,
                                              WtAnomalies *an)
{
  WtDir x = other(dir);
  if (!c->rst_pending || !(s->flags & s->ack_use) || (s->flags & WT_TCP_RST) ||
      !c->rst_mark_known[x] || !WT_SEQ_GT(s->ack, c->rst_mark[x]))
    return FALSE;
  const WtTcpRstUndo *u = &c->rst_undo;
  WtDir rd = c->rst_dir;
  for (int d = 0; d < 2; d++) {
    WtTcpEndpoint *e = &c->ep[d];
    if (e->state == WT_TCP_STATE_CLOSED && u->state[d] != WT_TCP_STATE_CLOSED)
      e->state = u->state[d];
    e->rst_sent = u->rst_sent[d]; /* rst_ts stays: the RST was seen (conn.log steps) */
  }
  c->any_rst = u->any_rst;
  c->rst_before_fins = u->rst_before_fins;
  c->has_closer = u->has_closer;
  c->first_rst_dir = u->first_rst_dir;
  c->first_closer = u->first_closer;
  for (int d = 0; d < 2; d++) { /* what each side has been acked for meanwhile */
    WtTcpEndpoint *peer = &c->ep[other((WtDir) d)];
    if (peer->has_last_ack)
      ack_received(c, &c->ep[d], peer->last_ack, s->ts_ns);
  }
  WtZeekEndpoint *z = &c->zk[rd];
  if (z->state == WT_ZEEK_RESET) { /* Zeek trusts nothing after the RST: its seq was it */
    z->last_seq = u->zk_last_seq;
    z->seq_wraps = u->zk_seq_wraps;
  }
  c->rst_pending = FALSE;
  c->rsts_ignored++;
  add_note(c, WT_TCP_NOTE_RST_IGNORED);
  anomaly(an, WT_TCP_A_RST_IGNORED);
  if (c->rst_oow) {
    c->rsts_ignored_oow++;
    anomaly(an, WT_TCP_A_RST_OUT_OF_WINDOW);
  }
  return TRUE;
}

static void process_valid(WtTcpConn *c, WtTcpSeg *s, WtDir dir, WtAnomalies *an)
{
  c->valid_segs++;
  c->st[dir].pkts++;
  c->st[dir].ip_bytes += s->ip_len;
  if (!(s->flags & WT_TCP_RST)) {
    c->st[dir].payload_bytes += s->len;
    if (s->len > 0)
      c->st[dir].data_pkts++;
  } else {
    rst_begin(c, s, dir);
  }
  zeek_process(c, s, dir, an);
  rfc_process(c, s, dir, an);
  if (G_UNLIKELY(c->rst_pending))
    rst_check_ignored(c, s, dir, an);
}

void wt_tcp_conn_init(WtTcpConn *c, gint64 time_wait_ns)
{
  memset(c, 0, sizeof *c);
  c->time_wait_ns = time_wait_ns > 0 ? time_wait_ns : WT_TCP_TIME_WAIT_DEFAULT_NS;
  for (int d = 0; d < 2; d++) {
    WtZeekEndpoint *z = &c->zk[d];
    z->chk_thresh = z->rxmt_thresh = z->win0_thresh = z->gap_thresh = 1;
    c->ep[d].wscale = -1;
  }
  c->rtt_syn_synack_ns = c->rtt_synack_ack_ns = -1;
  c->first_closer = c->first_rst_dir = WT_DIR_ORIG;
}

gboolean wt_tcp_synack_is_copy_of_first(const WtTcpConn *c, const WtTcpSeg *s, WtDir dir)
{
  guint8 f = s->flags & (WT_TCP_SYN | WT_TCP_ACK | WT_TCP_RST | WT_TCP_FIN);
  return c->pending_synack && dir == c->first_seg_dir && f == (WT_TCP_SYN | WT_TCP_ACK) &&
         s->seq == c->first_seg.seq && s->ack == c->first_seg.ack;
}

/* The first segment was a SYN+ACK and the next one is an ACK or data: the receiver of the
 * SYN+ACK is the originator. Rebuild the connection as if the roles had been right from
 * the start (Zeek flips on this second packet; its baselines read "^h..."). */
static void replay_flipped(WtTcpConn *c, WtAnomalies *an)
{
  WtTcpSeg first = c->first_seg;
  WtDir first_dir = other(c->first_seg_dir);
  gint64 first_ts = c->first_ts, last_ts = c->last_ts, tw = c->time_wait_ns;
  guint64 segs = c->segs;
  guint flips = c->flips;
  guint64 bad[2] = { c->st[0].bad_checksums, c->st[1].bad_checksums };
  guint dups = c->pending_dups;
  WtTcpSeg dup = c->pending_dup_seg;

  wt_tcp_conn_init(c, tw);
  c->first_ts = first_ts;
  c->last_ts = last_ts;
  c->zeek_last_ts = first_ts;
  c->segs = segs;
  c->flips = flips + 1;
  c->st[0].bad_checksums = bad[1];
  c->st[1].bad_checksums = bad[0];
  add_history(c, '^');
  process_valid(c, &first, first_dir, an);
  for (guint i = 0; i < dups; i++) /* its copies: SYN+ACK retransmissions */
    process_valid(c, &dup, first_dir, an);
}

static WtTcpUpdate update_seg(WtTcpConn *c, WtTcpSeg *s, WtDir dir, WtAnomalies *an)
{
  WtTcpUpdate u = { FALSE, dir, FALSE };

  if (c->segs == 0) {
    c->first_ts = s->ts_ns;
    c->zeek_last_ts = s->ts_ns;
  }
  c->segs++;
  c->last_ts = s->ts_ns;
  expire_time_wait(c, s->ts_ns);

  if (s->bad_checksum) { /* Zeek drops it after noting the checksum error */
    WtZeekEndpoint *z = &c->zk[dir];
    c->st[dir].bad_checksums++;
    scaled_history(c, dir, 'C', &z->chk_cnt, &z->chk_thresh);
    return u;
  }

  if (c->valid_segs == 0) {
    if (initial_flip(s)) {
      swap_roles(c);
      add_history(c, '^');
      dir = other(dir);
      u.flipped = TRUE;
    } else if ((s->flags & (WT_TCP_SYN | WT_TCP_ACK | WT_TCP_RST | WT_TCP_FIN)) ==
               (WT_TCP_SYN | WT_TCP_ACK)) {
      c->pending_synack = TRUE;
      c->first_seg = *s;
      c->first_seg_dir = dir;
    }
  } else if (c->pending_synack) {
    if (wt_tcp_synack_is_copy_of_first(c, s, dir)) {
      /* the same SYN+ACK again (a duplicating tap, a retransmission): still undecided, as
       * in Zeek, whose endpoints stay SYN_ACK_SENT / INACTIVE until the peer speaks */
      c->pending_dups++;
      c->pending_dup_seg = *s;
    } else {
      c->pending_synack = FALSE;
      if (!(s->flags & (WT_TCP_SYN | WT_TCP_RST)) &&
          ((s->flags & WT_TCP_ACK) || s->len > 0)) {
        replay_flipped(c, an);
        dir = other(dir);
        u.flipped = TRUE;
      }
    }
  }

  process_valid(c, s, dir, an);

  if (c->flip_pending) { /* Zeek's SYN/SYN+ACK reversal: '^' after this segment's letter */
    c->flip_pending = FALSE;
    swap_roles(c);
    add_history(c, '^');
    dir = other(dir);
    u.flipped = !u.flipped;
  }
  u.dir = dir;
  return u;
}

/* ---------------------------------------------------------------------------------------
 * The common segment (fast path)
 *
 * Almost every segment of a connection is an ACK or a data segment in order between two
 * established endpoints. For those the general path only counts, moves the sequence
 * marks and remembers the ACK: fast_update does that and nothing else. Which segments
 * qualify is split in two: what only a general update can change (the endpoints' states
 * and the history letters 'A'/'a', 'D'/'d', kept in c->fast_kinds at its end) and what
 * depends on the segment (fast_segment_fits).
 * tests/unit/tcp/test-tcp-fast-path.c runs both paths on every segment of every capture
 * and compares the whole connection afterwards. */

/* The endpoints' part: both ESTABLISHED in both layers, no FIN, no RST (pending, ignored
 * or not), roles decided, each side's next sequence number known, the handshake settled. A fast
 * update changes none of these, nor does anything outside wt_tcp_conn_update. */
static gboolean steady_endpoints(const WtTcpConn *c)
{
  for (int d = 0; d < 2; d++) {
    const WtTcpEndpoint *e = &c->ep[d];
    if (e->state != WT_TCP_STATE_ESTABLISHED || e->fin_sent || e->rst_sent || !e->nxt_known ||
        c->zk[d].state != WT_ZEEK_ESTABLISHED)
      return FALSE;
  }
  return c->valid_segs > 0 && !c->any_rst && !c->rst_pending && !c->pending_synack &&
         !c->flip_pending &&
         !(c->simultaneous_open && !c->handshake_done);
}

/* Bit of c->fast_kinds for a segment of `dir` with or without data. */
static inline guint fast_kind(WtDir dir, guint32 len)
{
  return 1u << ((guint) dir * 2 + (len != 0));
}

/* The kinds of segment (direction, data or bare ACK) that may take the fast path after a
 * general update: all with their history letter already there ('A'/'a' for a bare ACK,
 * 'D'/'d' for data: only the first adds it), when the endpoints are steady. Letters are
 * only ever added, and only by wt_tcp_conn_update, so this holds until the next general
 * update. */
static guint fast_kinds(const WtTcpConn *c)
{
  if (!steady_endpoints(c))
    return 0;
  guint kinds = 0;
  for (int d = 0; d < 2; d++) {
    guint shift = d == WT_DIR_RESP ? 16 : 0;
    if (c->hist_seen & (HIST_ACK_PKT << shift))
      kinds |= fast_kind((WtDir) d, 0);
    if (c->hist_seen & (HIST_DATA_PKT << shift))
      kinds |= fast_kind((WtDir) d, 1);
  }
  return kinds;
}

/* The segment's part: of a kind in c->fast_kinds, ACK without SYN, FIN or RST, valid
 * checksum, window not zero (a zero window is counted and may add 'W'), in order (no
 * retransmission, hole or keep-alive to account), not a retransmission to Zeek either
 * ('T'), and an ACK that moves less than the distance beyond which it is checked for
 * acknowledging data never sent. */
G_ALWAYS_INLINE static inline gboolean fast_segment_fits(const WtTcpConn *c, const WtPacket *p,
                                                         WtDir dir)
{
  guint32 len = p->payload_wire_len;
  return (c->fast_kinds & fast_kind(dir, len)) &&
         (p->tcp_flags & (WT_TCP_SYN | WT_TCP_FIN | WT_TCP_RST | WT_TCP_ACK)) == WT_TCP_ACK &&
         !p->l4_bad_checksum && p->tcp_win != 0 && p->tcp_seq == c->ep[dir].snd_nxt &&
         (len == 0 || seq_delta(p->tcp_seq + len, c->zk[dir].last_seq) > 0) &&
         seq_delta(p->tcp_ack, c->zk[other(dir)].ack_seq) <= ZEEK_TOO_LARGE_SEQ_DELTA;
}

/* What update_seg does for a segment that fits (see above), in the same order. */
G_ALWAYS_INLINE static inline void fast_update(WtTcpConn *c, const WtPacket *p, WtDir dir)
{
  WtTcpEndpoint *S = &c->ep[dir], *R = &c->ep[other(dir)];
  WtZeekEndpoint *zs = &c->zk[dir], *zr = &c->zk[other(dir)];
  WtTcpDirStats *st = &c->st[dir];
  guint32 len = p->payload_wire_len, seq = p->tcp_seq, ack = p->tcp_ack;

  c->segs++;
  c->last_ts = p->ts_ns;
  c->valid_segs++;
  st->pkts++;
  st->ip_bytes += p->ip_total_len;
  st->payload_bytes += len;
  st->data_pkts += len != 0;
  /* Zeek's layer: its last time, the peer's highest ACK, the sender's highest sequence */
  if (!zs->did_close || !zr->did_close)
    c->zeek_last_ts = p->ts_ns;
  if (seq_delta(ack, zr->ack_seq) > 0) {
    /* zk_relative_seq's underflow test and zk_update_ack_seq for an ACK that moves on:
     * it wraps when numerically below the last; before any wrap, one below the peer's
     * start is not taken */
    gboolean wrap = ack < zr->ack_seq;
    if (zr->ack_wraps || wrap || seq_delta(ack, zr->start_seq) >= 0) {
      zr->ack_wraps += wrap;
      zr->ack_seq = ack;
    }
  }
  if (seq_delta(seq + len, zs->last_seq) > 0) /* (a bare ACK may move it too) */
    zk_update_last_seq(zs, seq + len);
  /* RFC 793 layer: a duplicate ACK, the sender's last ACK and next sequence number */
  if (len == 0 && S->has_last_ack && ack == S->last_ack && p->tcp_win == S->last_win &&
      WT_SEQ_GT(R->snd_nxt, ack))
    st->dup_acks++;
  S->has_last_ack = TRUE;
  S->last_ack = ack;
  S->last_win = p->tcp_win;
  S->snd_nxt = seq + len;
}

static WtTcpUpdate update_general(WtTcpConn *c, const WtPacket *pkt, WtDir dir,
                                  WtAnomalies *anomalies)
{
  WtTcpSeg s;
  seg_from_packet(pkt, &s);
  gboolean full = c->history_len >= WT_TCP_HISTORY_MAX;
  WtTcpUpdate u = update_seg(c, &s, dir, anomalies);
  c->last_flipped = u.flipped;
  if (!full && c->history_len >= WT_TCP_HISTORY_MAX)
    anomaly(anomalies, WT_TCP_A_HISTORY_FULL);
  c->fast_kinds = fast_kinds(c);
  return u;
}

gboolean wt_tcp_conn_fast_fits(const WtTcpConn *c, const WtPacket *pkt, WtDir dir)
{
  return fast_segment_fits(c, pkt, dir);
}

WtTcpUpdate wt_tcp_conn_update_general(WtTcpConn *c, const WtPacket *pkt, WtDir dir,
                                       WtAnomalies *anomalies)
{
  c->note = 0;
  return update_general(c, pkt, dir, anomalies);
}

WtTcpUpdate wt_tcp_conn_update(WtTcpConn *c, const WtPacket *pkt, WtDir dir,
                               WtAnomalies *anomalies)
{
  c->note = 0;
  if (G_LIKELY(fast_segment_fits(c, pkt, dir))) {
    fast_update(c, pkt, dir);
    c->last_flipped = FALSE;
    return (WtTcpUpdate) { FALSE, dir, TRUE };
  }
  return update_general(c, pkt, dir, anomalies);
}

static gboolean finished_state(WtTcpState s)
{
  return s == WT_TCP_STATE_CLOSED || s == WT_TCP_STATE_TIME_WAIT;
}


gboolean wt_tcp_conn_is_new_syn(const WtTcpConn *c, const WtPacket *pkt, WtDir dir)
{
  if ((pkt->tcp_flags & (WT_TCP_SYN | WT_TCP_ACK)) != WT_TCP_SYN || pkt->l4_bad_checksum)
    return FALSE;
  if (c->valid_segs == 0)
    return FALSE;
  /* an old duplicate of its own SYN, even after the FINs; after a RST the sender's TCB is
   * gone and a SYN is a new attempt (scanners repeat their ISN), as in Zeek */
  if (!c->any_rst && wt_tcp_syn_is_retransmission(c, pkt, dir))
    return FALSE;
  const WtTcpEndpoint *S = &c->ep[dir];
  gboolean closed = c->any_rst ||
                    (finished_state(c->ep[0].state) && finished_state(c->ep[1].state) &&
                     (c->ep[0].fin_sent || c->ep[1].fin_sent)) ||
                    (c->zk[0].did_close && c->zk[1].did_close);
  if (closed)
    return TRUE;
  if (dir == WT_DIR_RESP) {
    /* a responder's SYN: simultaneous open or SYN reordered behind its SYN+ACK, unless
     * the responder is well into its own connection already */
    return S->syn_sent ? pkt->tcp_seq != S->isn
                       : c->zk[WT_DIR_RESP].state != WT_ZEEK_INACTIVE &&
                             c->zk[WT_DIR_RESP].state != WT_ZEEK_SYN_SENT &&
                             c->st[WT_DIR_RESP].payload_bytes > 0;
  }
  if (S->syn_sent) /* another ISN: a new attempt (Zeek even while still SYN-SENT) */
    return pkt->tcp_seq != S->isn;
  /* no SYN from the originator so far (mid-stream): a SYN now is a new connection */
  return c->st[WT_DIR_ORIG].pkts > 0;
}

gboolean wt_tcp_syn_is_retransmission(const WtTcpConn *c, const WtPacket *pkt, WtDir dir)
{
  const WtTcpEndpoint *o = &c->ep[WT_DIR_ORIG];
  return dir == WT_DIR_ORIG && (pkt->tcp_flags & (WT_TCP_SYN | WT_TCP_ACK | WT_TCP_RST)) ==
                                   WT_TCP_SYN &&
         o->syn_sent && o->isn_known && pkt->tcp_seq == o->isn;
}

void wt_tcp_conn_note_gap(WtTcpConn *c, WtDir dir, guint64 n)
{
  if (n == 0)
    return; /* bytes captured but not consumed by the application: nothing missed */
  WtZeekEndpoint *z = &c->zk[dir];
  c->missed_bytes += n;
  c->st[dir].gaps++;
  c->st[dir].gap_bytes += n;
  scaled_history(c, dir, 'G', &z->gap_cnt, &z->gap_thresh);
}

void wt_tcp_conn_note_retransmit(WtTcpConn *c, WtDir dir)
{
  c->st[dir].reasm_retransmits++;
}

void wt_tcp_conn_note_analysis_partial(WtTcpConn *c, WtDir dir)
{
  check_history(c, dir, HIST_ANALYSIS_PARTIAL, 'X');
}

void wt_tcp_conn_timeout(WtTcpConn *c, gint64 ts_ns)
{
  expire_time_wait(c, ts_ns);
  if (!wt_tcp_conn_is_closed(c))
    c->timed_out = TRUE;
}

void wt_tcp_conn_finish(WtTcpConn *c, gint64 ts_ns)
{
  expire_time_wait(c, ts_ns);
}

/* Zeek's conn_state() of base/protocols/conn/main.zeek. */
static gboolean history_rstos0(const char *h)
{
  /* /^?S[^HAFGIQ]*R.* / */
  if (*h == '^')
    h++;
  if (*h++ != 'S')
    return FALSE;
  for (; *h; h++) {
    if (*h == 'R')
      return TRUE;
    if (strchr("HAFGIQ", *h))
      return FALSE;
  }
  return FALSE;
}

WtConnState wt_tcp_conn_state(const WtTcpConn *c)
{
  WtZeekState os = c->zk[WT_DIR_ORIG].state, rs = c->zk[WT_DIR_RESP].state;
  gboolean o_inactive = os == WT_ZEEK_INACTIVE || os == WT_ZEEK_PARTIAL;
  gboolean r_inactive = rs == WT_ZEEK_INACTIVE || rs == WT_ZEEK_PARTIAL;

  if (rs == WT_ZEEK_RESET) {
    if (os == WT_ZEEK_SYN_SENT || os == WT_ZEEK_SYN_ACK_SENT ||
        (os == WT_ZEEK_RESET && wt_tcp_conn_zeek_size(c, WT_DIR_ORIG) == 0 &&
         wt_tcp_conn_zeek_size(c, WT_DIR_RESP) == 0))
      return WT_CONN_REJ;
    return o_inactive ? WT_CONN_RSTRH : WT_CONN_RSTR;
  }
  if (os == WT_ZEEK_RESET) {
    if (r_inactive)
      return history_rstos0(c->history) ? WT_CONN_RSTOS0 : WT_CONN_OTH;
    return WT_CONN_RSTO;
  }
  if (rs == WT_ZEEK_CLOSED && os == WT_ZEEK_CLOSED)
    return WT_CONN_SF;
  if (os == WT_ZEEK_CLOSED)
    return r_inactive ? WT_CONN_SH : WT_CONN_S2;
  if (rs == WT_ZEEK_CLOSED)
    return o_inactive ? WT_CONN_SHR : WT_CONN_S3;
  if (os == WT_ZEEK_SYN_SENT && rs == WT_ZEEK_INACTIVE)
    return WT_CONN_S0;
  if (os == WT_ZEEK_ESTABLISHED && rs == WT_ZEEK_ESTABLISHED)
    return WT_CONN_S1;
  return WT_CONN_OTH;
}

const char *wt_tcp_conn_history(const WtTcpConn *c)
{
  return c->history;
}

guint64 wt_tcp_conn_zeek_size(const WtTcpConn *c, WtDir dir)
{
  return zk_size(&c->zk[dir], &c->zk[other(dir)]);
}

static WtTcpHandshake classify_handshake(const WtTcpConn *c)
{
  const WtTcpEndpoint *o = &c->ep[WT_DIR_ORIG], *r = &c->ep[WT_DIR_RESP];
  if (c->simultaneous_open)
    return WT_TCP_HS_SIMULTANEOUS;
  if (!o->syn_sent)
    return WT_TCP_HS_MIDSTREAM;
  if (c->handshake_done)
    return WT_TCP_HS_COMPLETED;
  if (!r->synack_sent) {
    if (c->st[WT_DIR_RESP].pkts == 0)
      return WT_TCP_HS_UNANSWERED;
    if (r->rst_sent && c->first_rst_dir == WT_DIR_RESP)
      return WT_TCP_HS_REFUSED;
  }
  return WT_TCP_HS_INCOMPLETE;
}

static WtTcpCloseKind classify_close(const WtTcpConn *c, WtTcpHandshake hs)
{
  const WtTcpEndpoint *o = &c->ep[WT_DIR_ORIG], *r = &c->ep[WT_DIR_RESP];
  if (hs == WT_TCP_HS_REFUSED)
    return WT_TCP_CLOSE_REFUSED;
  if (hs == WT_TCP_HS_UNANSWERED && !c->any_rst)
    return WT_TCP_CLOSE_UNANSWERED;
  if (o->fin_sent && r->fin_sent && !(c->any_rst && c->rst_before_fins)) {
    if (c->simultaneous_close)
      return WT_TCP_CLOSE_SIMULTANEOUS;
    return c->three_segment ? WT_TCP_CLOSE_THREE_SEGMENT : WT_TCP_CLOSE_FOUR_WAY;
  }
  if (c->any_rst)
    return c->first_rst_dir == WT_DIR_ORIG ? WT_TCP_CLOSE_RESET_BY_ORIG
                                           : WT_TCP_CLOSE_RESET_BY_RESP;
  if (o->fin_sent || r->fin_sent)
    return WT_TCP_CLOSE_HALF_CLOSED;
  return c->timed_out ? WT_TCP_CLOSE_TIMED_OUT : WT_TCP_CLOSE_OPEN_AT_END;
}

void wt_tcp_conn_summarize(const WtTcpConn *c, WtTcpConnSummary *s)
{
  memset(s, 0, sizeof *s);
  s->conn_state = wt_tcp_conn_state(c);
  s->history = c->history;
  s->duration_ns = c->zeek_last_ts - c->first_ts;
  s->has_duration = s->duration_ns > 0;
  s->orig_bytes = wt_tcp_conn_zeek_size(c, WT_DIR_ORIG);
  s->resp_bytes = wt_tcp_conn_zeek_size(c, WT_DIR_RESP);
  s->missed_bytes = c->missed_bytes;
  s->orig_pkts = c->st[WT_DIR_ORIG].pkts;
  s->orig_ip_bytes = c->st[WT_DIR_ORIG].ip_bytes;
  s->resp_pkts = c->st[WT_DIR_RESP].pkts;
  s->resp_ip_bytes = c->st[WT_DIR_RESP].ip_bytes;
  s->orig_state = c->ep[WT_DIR_ORIG].state;
  s->resp_state = c->ep[WT_DIR_RESP].state;
  s->handshake = classify_handshake(c);
  s->close_kind = classify_close(c, s->handshake);
  s->rtt_syn_synack_ns = c->rtt_syn_synack_ns;
  s->rtt_synack_ack_ns = c->rtt_synack_ack_ns;
  s->has_rtt = c->rtt_syn_synack_ns >= 0 && c->rtt_synack_ack_ns >= 0;
  s->handshake_rtt_ns = s->has_rtt ? c->rtt_syn_synack_ns + c->rtt_synack_ack_ns : -1;
  s->has_closer = c->has_closer;
  s->first_closer = c->first_closer;
  s->first_ts = c->first_ts;
  s->last_ts = c->last_ts;
  s->orig_guessed = !c->ep[WT_DIR_ORIG].syn_sent && !c->ep[WT_DIR_RESP].synack_sent;
  s->flips = c->flips;
}
