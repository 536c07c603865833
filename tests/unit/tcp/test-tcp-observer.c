/* TCP as the pipeline drives it (tcp.c), with a stand-in application selector and a
 * recording connection observer: which dissector a stream gets, what an observer sees
 * (asked once per connection, each stream byte once although the application consumes in
 * steps, one segment call per segment, one end), the timer class returned per segment and
 * the port-reuse answer. */
#include <string.h>
#include "dissectors/tcp/tcp.h"
#include "dissectors/tcp/tcp-state.h"

#define MS (G_GINT64_CONSTANT(1000000))

/* ---- a stand-in application: takes whole 4-byte words only, so bytes are offered again */

typedef struct {
  GString *got[2];
  guint sessions, eofs;
} AppStats;

static gpointer app_session_new(gpointer stats, WtAppContext *ctx, const WtConnInfo *conn)
{
  (void) ctx;
  (void) conn;
  AppStats *st = stats;
  st->sessions++;
  return st;
}

static gsize app_deliver(gpointer session, WtDir dir, const guint8 *data, gsize len,
                         gint64 ts_ns)
{
  (void) ts_ns;
  AppStats *st = session;
  gsize used = len / 4 * 4;
  g_string_append_len(st->got[dir], (const char *) data, (gssize) used);
  return used;
}

static void app_gap(gpointer session, WtDir dir, guint64 len)
{
  (void) session;
  (void) dir;
  (void) len;
}

static void app_eof(gpointer session, WtDir dir, gint64 ts_ns)
{
  (void) dir;
  (void) ts_ns;
  ((AppStats *) session)->eofs++;
}

static void app_session_free(gpointer session)
{
  (void) session;
}

static const guint16 app_ports[] = { 80, 0 };
static const WtStreamDissector words = {
  .name = "words",
  .ports = app_ports,
  .session_new = app_session_new,
  .deliver = app_deliver,
  .gap = app_gap,
  .eof = app_eof,
  .session_free = app_session_free,
};

typedef struct {
  WtAppSelector sel; /* first */
  AppStats stats;
} Apps;

static WtAppChoice apps_by_port(const WtAppSelector *s, WtAppKind kind, guint16 port)
{
  Apps *a = (Apps *) s;
  WtAppChoice c = { NULL, NULL };
  g_assert_cmpint(kind, ==, WT_APP_STREAM);
  if (port == 80) {
    c.d = &words;
    c.stats = &a->stats;
  }
  return c;
}

static WtAppChoice apps_by_probe(const WtAppSelector *s, WtAppKind kind, const guint8 *data,
                                 gsize len, WtDir dir)
{
  (void) s;
  (void) kind;
  (void) data;
  (void) len;
  (void) dir;
  WtAppChoice none = { NULL, NULL };
  return none;
}

/* ---- a recording observer that watches port 80 only ---- */

typedef struct {
  WtConnObserver obs; /* first */
  guint asked, segments, ends;
  GString *bytes[2];
  WtTcpState last_client_state;
} Rec;

static gpointer rec_watch(const WtConnObserver *self, const WtConnInfo *info)
{
  Rec *r = (Rec *) self;
  r->asked++;
  return info->resp_p == 80 ? r : NULL;
}

static void rec_segment(gpointer watch, gconstpointer transport, const WtPacket *pkt, WtDir dir)
{
  (void) pkt;
  (void) dir;
  Rec *r = watch;
  const WtTcpConn *c = transport;
  r->segments++;
  r->last_client_state = c->ep[WT_DIR_ORIG].state;
}

static void rec_bytes(gpointer watch, const WtConnInfo *info, WtDir dir, const guint8 *data,
                      gsize len)
{
  (void) info;
  Rec *r = watch;
  g_string_append_len(r->bytes[dir], (const char *) data, (gssize) len);
}

static void rec_end(gpointer watch, gconstpointer transport, const WtConnInfo *info)
{
  (void) transport;
  (void) info;
  ((Rec *) watch)->ends++;
}

/* ---- fixture ---- */

typedef struct {
  Apps apps;
  Rec rec;
  WtAnomalies *an;
  WtAppContext ctx;
  WtTcpDissector *tcp;
  WtFlow flow;
  gint64 now;
} Fx;

static void fx_init(Fx *fx, guint16 server_port)
{
  memset(fx, 0, sizeof *fx);
  fx->apps.sel.by_port = apps_by_port;
  fx->apps.sel.by_probe = apps_by_probe;
  fx->rec.obs = (WtConnObserver) { rec_watch, rec_segment, rec_bytes, rec_end };
  for (int d = 0; d < 2; d++) {
    fx->apps.stats.got[d] = g_string_new(NULL);
    fx->rec.bytes[d] = g_string_new(NULL);
  }
  fx->an = wt_anomalies_new();
  fx->ctx.anomalies = fx->an;
  WtTcpConfig cfg = { .observer = &fx->rec.obs };
  fx->tcp = wt_tcp_new(&cfg, &fx->ctx, &fx->apps.sel);
  /* the client 10.0.0.1:40000 is key.lo and sends first */
  WtFlowKey *k = &fx->flow.key;
  k->lo.family = k->hi.family = 4;
  k->lo.bytes[0] = k->hi.bytes[0] = 10;
  k->lo.bytes[3] = 1;
  k->hi.bytes[3] = 2;
  k->port_lo = 40000;
  k->port_hi = server_port;
  k->proto = 6;
  fx->flow.lo_is_orig = TRUE;
  wt_flow_fill_info(&fx->flow);
  fx->now = G_GINT64_CONSTANT(1700000000) * 1000 * MS;
}

static void fx_clear(Fx *fx)
{
  wt_tcp_free(fx->tcp);
  wt_anomalies_free(fx->an);
  for (int d = 0; d < 2; d++) {
    g_string_free(fx->apps.stats.got[d], TRUE);
    g_string_free(fx->rec.bytes[d], TRUE);
  }
}

static void fill(Fx *fx, WtPacket *p, WtDir dir, guint8 flags, guint32 seq, guint32 ack,
                 const char *data)
{
  memset(p, 0, sizeof *p);
  p->ts_ns = fx->now;
  p->ip_version = 4;
  p->ip_proto = 6;
  p->sport = dir == WT_DIR_ORIG ? fx->flow.info.orig_p : fx->flow.info.resp_p;
  p->dport = dir == WT_DIR_ORIG ? fx->flow.info.resp_p : fx->flow.info.orig_p;
  p->tcp_seq = seq;
  p->tcp_ack = ack;
  p->tcp_flags = flags;
  p->tcp_win = 1000;
  p->tcp_wscale = -1;
  p->payload = (const guint8 *) data;
  p->payload_len = p->payload_wire_len = data ? (guint32) strlen(data) : 0;
  p->ip_total_len = 40 + p->payload_len;
}

/* One segment as wt_analyzer_frame gives it; returns the timer class TCP asks for. */
static WtTimerClass send(Fx *fx, WtDir dir, guint8 flags, guint32 seq, guint32 ack,
                         const char *data)
{
  WtPacket p;
  fill(fx, &p, dir, flags, seq, ack, data);
  WtDir d = dir;
  WtTimerClass c = wt_tcp_packet(fx->tcp, &fx->flow, &p, &d);
  g_assert_cmpint(d, ==, dir);
  fx->now += MS;
  return c;
}

static void test_observer_sees_each_byte_once(void)
{
  Fx fx;
  fx_init(&fx, 80);
  g_assert_cmpint(send(&fx, WT_DIR_ORIG, WT_TCP_SYN, 1000, 0, NULL), ==, WT_TIMER_TCP_ATTEMPT);
  g_assert_cmpuint(fx.rec.asked, ==, 1);
  send(&fx, WT_DIR_RESP, WT_TCP_SYN | WT_TCP_ACK, 5000, 1001, NULL);
  g_assert_cmpint(send(&fx, WT_DIR_ORIG, WT_TCP_ACK, 1001, 5001, NULL), ==,
                  WT_TIMER_TCP_ACTIVE);
  /* "ab" is not taken, then offered again with "cdef": "abcd" taken, "ef" kept */
  send(&fx, WT_DIR_ORIG, WT_TCP_PSH | WT_TCP_ACK, 1001, 5001, "ab");
  send(&fx, WT_DIR_ORIG, WT_TCP_PSH | WT_TCP_ACK, 1003, 5001, "cdef");
  send(&fx, WT_DIR_RESP, WT_TCP_PSH | WT_TCP_ACK, 5001, 1007, "12345678");
  send(&fx, WT_DIR_ORIG, WT_TCP_FIN | WT_TCP_ACK, 1007, 5009, NULL);
  send(&fx, WT_DIR_RESP, WT_TCP_FIN | WT_TCP_ACK, 5009, 1008, NULL);
  g_assert_cmpint(send(&fx, WT_DIR_ORIG, WT_TCP_ACK, 1008, 5010, NULL), ==,
                  WT_TIMER_TCP_CLOSED);
  g_assert_cmpuint(fx.rec.asked, ==, 1);
  g_assert_cmpuint(fx.rec.segments, ==, 9);
  g_assert_cmpint(fx.rec.last_client_state, ==, WT_TCP_STATE_TIME_WAIT);
  g_assert_cmpstr(fx.rec.bytes[WT_DIR_ORIG]->str, ==, "abcdef");
  g_assert_cmpstr(fx.rec.bytes[WT_DIR_RESP]->str, ==, "12345678");
  g_assert_cmpstr(fx.apps.stats.got[WT_DIR_ORIG]->str, ==, "abcd");
  g_assert_cmpuint(fx.apps.stats.sessions, ==, 1);
  g_assert_cmpuint(fx.rec.ends, ==, 0);

  /* a new SYN with another ISN on the closed tuple: the pipeline's cue to start over */
  WtPacket p;
  fill(&fx, &p, WT_DIR_ORIG, WT_TCP_SYN, 9000, 0, NULL);
  g_assert_true(wt_tcp_starts_new_connection(fx.tcp, &fx.flow, &p, WT_DIR_ORIG));
  fill(&fx, &p, WT_DIR_ORIG, WT_TCP_ACK, 1008, 5010, NULL);
  g_assert_false(wt_tcp_starts_new_connection(fx.tcp, &fx.flow, &p, WT_DIR_ORIG));

  wt_tcp_flow_end(fx.tcp, &fx.flow, WT_FLOW_END_CLOSED);
  g_assert_cmpuint(fx.rec.ends, ==, 1);
  g_assert_cmpuint(fx.apps.stats.eofs, ==, 2);
  g_assert_null(fx.flow.proto_state);
  fx_clear(&fx);
}

static void test_unwatched_connection(void)
{
  Fx fx;
  fx_init(&fx, 81);
  send(&fx, WT_DIR_ORIG, WT_TCP_SYN, 1000, 0, NULL);
  send(&fx, WT_DIR_RESP, WT_TCP_SYN | WT_TCP_ACK, 5000, 1001, NULL);
  send(&fx, WT_DIR_ORIG, WT_TCP_PSH | WT_TCP_ACK, 1001, 5001, "hello");
  wt_tcp_flow_end(fx.tcp, &fx.flow, WT_FLOW_END_INPUT);
  g_assert_cmpuint(fx.rec.asked, ==, 1);
  g_assert_cmpuint(fx.rec.segments, ==, 0);
  g_assert_cmpuint(fx.rec.bytes[WT_DIR_ORIG]->len, ==, 0);
  g_assert_cmpuint(fx.rec.ends, ==, 0);
  g_assert_cmpuint(fx.apps.stats.sessions, ==, 0); /* no dissector on port 81 */
  fx_clear(&fx);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/tcp/observer/each-byte-once", test_observer_sees_each_byte_once);
  g_test_add_func("/tcp/observer/unwatched", test_unwatched_connection);
  return g_test_run();
}
