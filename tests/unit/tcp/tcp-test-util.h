/* Shared helpers of the tcp unit tests: a connection fixture that sends hand-built
 * segments 1 ms apart and swaps its own per-direction data on a flip, like the caller. */
#pragma once
#include <glib.h>
#include <string.h>
#include "dissectors/tcp/tcp-state.h"

#define MS (G_GINT64_CONSTANT(1000000))
#define T0 (G_GINT64_CONSTANT(1700000000) * 1000 * MS)

enum { F = WT_TCP_FIN, S = WT_TCP_SYN, R = WT_TCP_RST, P = WT_TCP_PSH, A = WT_TCP_ACK };

typedef struct {
  WtTcpConn c;
  gint64 now;              /* capture time of the next segment */
  guint16 port[2];         /* port of the current originator / responder */
  guint16 win;
  guint32 ip_len;          /* 0: 40 + payload */
  gboolean bad_checksum;
  WtAnomalies *an;
  WtTcpUpdate last;
} Fx;

static inline void fx_init(Fx *fx, guint16 orig_port, guint16 resp_port)
{
  memset(fx, 0, sizeof *fx);
  wt_tcp_conn_init(&fx->c, 0);
  fx->now = T0;
  fx->port[WT_DIR_ORIG] = orig_port;
  fx->port[WT_DIR_RESP] = resp_port;
  fx->win = 1000;
  fx->an = wt_anomalies_new();
}

static inline void fx_clear(Fx *fx)
{
  wt_anomalies_free(fx->an);
}

static inline void fill_packet(Fx *fx, WtPacket *p, WtDir dir, guint8 flags, guint32 seq, guint32 ack,
                        guint32 len)
{
  memset(p, 0, sizeof *p);
  p->ts_ns = fx->now;
  p->ip_version = 4;
  p->ip_proto = 6;
  p->sport = fx->port[dir];
  p->dport = fx->port[!dir];
  p->tcp_seq = seq;
  p->tcp_ack = ack;
  p->tcp_flags = flags;
  p->tcp_win = fx->win;
  p->tcp_wscale = -1;
  p->payload_len = p->payload_wire_len = len;
  p->ip_total_len = fx->ip_len ? fx->ip_len : 40 + len;
  p->l4_bad_checksum = fx->bad_checksum;
}

/* Send one segment in `dir` (relative to the current originator); 1 ms later than the
 * previous one. Mirrors what the caller does on a flip: swap its own per-direction data. */
static inline WtTcpUpdate seg(Fx *fx, WtDir dir, guint8 flags, guint32 seq, guint32 ack, guint32 len)
{
  WtPacket p;
  fill_packet(fx, &p, dir, flags, seq, ack, len);
  fx->last = wt_tcp_conn_update(&fx->c, &p, dir, fx->an);
  if (fx->last.flipped) {
    guint16 t = fx->port[0];
    fx->port[0] = fx->port[1];
    fx->port[1] = t;
  }
  fx->now += MS;
  return fx->last;
}

static inline gboolean is_new_syn(Fx *fx, WtDir dir, guint32 seq)
{
  WtPacket p;
  fill_packet(fx, &p, dir, S, seq, 0, 0);
  return wt_tcp_conn_is_new_syn(&fx->c, &p, dir);
}

#define ORIG WT_DIR_ORIG
#define RESP WT_DIR_RESP

#define assert_states(fx, o, r)                                                      \
  do {                                                                               \
    g_assert_cmpstr(wt_tcp_state_name((fx)->c.ep[ORIG].state), ==, (o));             \
    g_assert_cmpstr(wt_tcp_state_name((fx)->c.ep[RESP].state), ==, (r));             \
  } while (0)
#define assert_history(fx, h) g_assert_cmpstr(wt_tcp_conn_history(&(fx)->c), ==, (h))
#define assert_conn_state(fx, s) \
  g_assert_cmpstr(wt_conn_state_name(wt_tcp_conn_state(&(fx)->c)), ==, (s))

static inline WtTcpConnSummary summary(Fx *fx)
{
  WtTcpConnSummary s;
  wt_tcp_conn_summarize(&fx->c, &s);
  return s;
}

/* client ISN 1000, server ISN 5000 */
static inline void handshake(Fx *fx)
{
  seg(fx, ORIG, S, 1000, 0, 0);
  assert_states(fx, "SYN-SENT", "LISTEN");
  seg(fx, RESP, S | A, 5000, 1001, 0);
  assert_states(fx, "SYN-SENT", "SYN-RECEIVED");
  seg(fx, ORIG, A, 1001, 5001, 0);
  assert_states(fx, "ESTABLISHED", "ESTABLISHED");
}

/* Connection CTest1: 10.0.0.1:40000 -> 10.0.0.2:80 over TCP. */
static inline void tcp_test_info_init(WtConnInfo *info)
{
  memset(info, 0, sizeof *info);
  g_strlcpy(info->uid, "CTest1", sizeof info->uid);
  info->orig_h.family = 4;
  info->orig_h.bytes[0] = 10;
  info->orig_h.bytes[3] = 1;
  info->resp_h.family = 4;
  info->resp_h.bytes[0] = 10;
  info->resp_h.bytes[3] = 2;
  info->orig_p = 40000;
  info->resp_p = 80;
  info->proto = 6;
}
