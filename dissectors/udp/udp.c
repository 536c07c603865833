#include "dissectors/udp/udp.h"

#include <glib/gi18n.h>

#include "analyzer/core/conn-log.h"

typedef struct {
  guint64 flows, packets, bytes;
  const char *service;  /* of the newest flow (highest serial) on this port with one
                           (static); by serial rather than end order so that --threads
                           merges give the same name */
  guint64 service_serial;
} PortStats;

struct WtUdpDissector {
  WtAppContext *app;
  const WtAppSelector *apps;
  guint64 flows, packets, bytes;
  guint64 datagrams_dissected, datagrams_snapped, datagrams_bad_checksum;
  GHashTable *by_port;  /* responder port -> PortStats* (at most 65536 entries) */
  GHashTable *states;   /* conn_state name (static) -> count */
  GHashTable *services; /* dissector name (static) -> flows */
};

/* What a flow's proto_state points to once its payload dissector is known. Flows whose
 * dissector is not decided yet have NULL; flows without one point to `no_app`, so that
 * nothing is allocated for them. */
typedef struct {
  const WtStreamDissector *d;
  gpointer session;
} UdpFlow;

static UdpFlow no_app;

WtUdpDissector *wt_udp_new(WtAppContext *app, const WtAppSelector *apps)
{
  WtUdpDissector *u = g_new0(WtUdpDissector, 1);
  u->app = app;
  u->apps = apps;
  u->by_port = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  u->states = g_hash_table_new(g_str_hash, g_str_equal);
  u->services = g_hash_table_new(g_str_hash, g_str_equal);
  return u;
}

void wt_udp_free(WtUdpDissector *u)
{
  if (!u)
    return;
  g_hash_table_destroy(u->by_port);
  g_hash_table_destroy(u->states);
  g_hash_table_destroy(u->services);
  g_free(u);
}

/* ---------- payload dispatch ---------- */

static void attach(WtUdpDissector *u, WtFlow *flow, WtAppChoice app)
{
  if (!app.d) {
    flow->proto_state = &no_app;
    return;
  }
  UdpFlow *uf = g_new0(UdpFlow, 1);
  uf->d = app.d;
  uf->session = uf->d->session_new(app.stats, u->app, &flow->info);
  flow->proto_state = uf;
}

/* Decided once per flow, on its first datagram with payload: by port (responder, then
 * originator: mDNS and NetBIOS talk port to port), else by a content probe, which needs
 * the whole datagram (one cut by the snaplen leaves the choice to the next). */
static void choose_app(WtUdpDissector *u, WtFlow *flow, const WtPacket *pkt, WtDir dir,
                       gboolean whole)
{
  const WtAppSelector *apps = u->apps;
  WtAppChoice app = apps->by_port(apps, WT_APP_DATAGRAM, flow->info.resp_p);
  if (!app.d)
    app = apps->by_port(apps, WT_APP_DATAGRAM, flow->info.orig_p);
  if (!app.d && whole)
    app = apps->by_probe(apps, WT_APP_DATAGRAM, pkt->payload, pkt->payload_len, dir);
  if (app.d || whole)
    attach(u, flow, app);
}

void wt_udp_packet(WtUdpDissector *u, WtFlow *flow, gboolean created, const WtPacket *pkt,
                   WtDir dir)
{
  if (created)
    u->flows++;
  u->packets++;
  u->bytes += pkt->ip_total_len;
  /* the flow's idle timer (WT_TIMER_UDP) was set when the table created it */
  if (!u->apps || pkt->payload_wire_len == 0 || flow->proto_state == &no_app)
    return;
  gboolean whole = pkt->payload_len >= pkt->payload_wire_len;
  if (!flow->proto_state)
    choose_app(u, flow, pkt, dir, whole);
  if (!whole) {
    /* cut by the snaplen: a partial message is not a malformed one */
    u->datagrams_snapped++;
    return;
  }
  if (pkt->l4_bad_checksum) {
    u->datagrams_bad_checksum++;
    return;
  }
  UdpFlow *uf = flow->proto_state;
  if (uf == &no_app)
    return;
  u->datagrams_dissected++;
  uf->d->datagram(uf->session, dir, pkt->payload, pkt->payload_len, pkt->ts_ns);
}

const char *wt_udp_conn_state(guint64 orig_pkts, guint64 resp_pkts)
{
  if (orig_pkts && resp_pkts)
    return "SF";
  if (orig_pkts)
    return "S0";
  if (resp_pkts)
    return "SHR";
  return "OTH";
}

/* UDP's conn.log record: the shared fields, a duration in seconds and a history of D
 * (originator sent) and d (responder sent). */
static void write_conn_log(WtLog *log, const WtFlow *flow, const char *state,
                           const char *service)
{
  WtLogRecord r;
  wt_conn_log_begin(&r, flow->first_ts, &flow->info, "udp");
  wt_log_set_str(&r, WT_CONN_COL_SERVICE, service);
  wt_log_set_double(&r, WT_CONN_COL_DURATION, (double) (flow->last_ts - flow->first_ts) / 1e9);
  wt_log_set_count(&r, WT_CONN_COL_ORIG_BYTES, flow->payload_bytes[WT_DIR_ORIG]);
  wt_log_set_count(&r, WT_CONN_COL_RESP_BYTES, flow->payload_bytes[WT_DIR_RESP]);
  wt_log_set_str(&r, WT_CONN_COL_CONN_STATE, state);
  wt_log_set_count(&r, WT_CONN_COL_MISSED_BYTES, 0);
  char hist[3];
  gsize n = 0;
  if (flow->pkts[WT_DIR_ORIG])
    hist[n++] = 'D';
  if (flow->pkts[WT_DIR_RESP])
    hist[n++] = 'd';
  wt_log_set_strn(&r, WT_CONN_COL_HISTORY, hist, n);
  wt_conn_log_set_packets(&r, flow->pkts, flow->ip_bytes);
  wt_log_write(log, &r);
}

/* Ends the flow's payload session; returns the service name for conn.log, or NULL. */
static const char *end_app(WtUdpDissector *u, WtFlow *flow)
{
  UdpFlow *uf = flow->proto_state;
  flow->proto_state = NULL;
  if (!uf || uf == &no_app)
    return NULL;
  const char *service = uf->d->name;
  uf->d->session_free(uf->session);
  g_free(uf);
  g_hash_table_insert(u->services, (gpointer) service,
                      GSIZE_TO_POINTER(GPOINTER_TO_SIZE(g_hash_table_lookup(u->services, service)) + 1));
  return service;
}

void wt_udp_flow_end(WtUdpDissector *u, WtFlow *flow, WtFlowEndReason why)
{
  (void) why;
  const char *service = end_app(u, flow);
  const char *state = wt_udp_conn_state(flow->pkts[WT_DIR_ORIG], flow->pkts[WT_DIR_RESP]);
  g_hash_table_insert(u->states, (gpointer) state,
                      GSIZE_TO_POINTER(GPOINTER_TO_SIZE(g_hash_table_lookup(u->states, state)) + 1));
  PortStats *ps = g_hash_table_lookup(u->by_port, GUINT_TO_POINTER(flow->info.resp_p));
  if (!ps) {
    ps = g_new0(PortStats, 1);
    g_hash_table_insert(u->by_port, GUINT_TO_POINTER(flow->info.resp_p), ps);
  }
  ps->flows++;
  ps->packets += flow->pkts[0] + flow->pkts[1];
  ps->bytes += flow->ip_bytes[0] + flow->ip_bytes[1];
  if (service && (!ps->service || flow->serial >= ps->service_serial)) {
    ps->service = service;
    ps->service_serial = flow->serial;
  }
  WtLog *conn_log = wt_app_log(u->app, &wt_conn_log_table);
  if (conn_log)
    write_conn_log(conn_log, flow, state, service);
}

typedef struct {
  guint port;
  PortStats st;
} PortRow;

static gint by_bytes(gconstpointer x, gconstpointer y)
{
  const PortRow *a = x, *b = y;
  if (a->st.bytes != b->st.bytes)
    return a->st.bytes > b->st.bytes ? -1 : 1;
  return (int) a->port - (int) b->port;
}

void wt_udp_report(WtUdpDissector *u, WtReport *r)
{
  WtSection *s = wt_report_section(r, "udp", _("UDP"));
  wt_section_set_nothing(s, _("no flows"));
  wt_section_u64(s, "flows", _("Flows"), u->flows);
  wt_section_u64(s, "packets", _("Packets"), u->packets);
  wt_section_u64(s, "bytes", _("Bytes (IP)"), u->bytes);
  static const char *const order[] = { "SF", "S0", "SHR", "OTH" };
  wt_section_map_u64(s, "conn_states", _("Flows by conn_state"), NULL, 0); /* {} when none */
  for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
    gsize n = GPOINTER_TO_SIZE(g_hash_table_lookup(u->states, order[i]));
    if (n)
      wt_section_map_u64(s, "conn_states", _("Flows by conn_state"), order[i], n);
  }
  wt_section_map_u64(s, "services", _("Flows by service"), NULL, 0);
  GHashTableIter sit;
  gpointer sk, sv;
  g_hash_table_iter_init(&sit, u->services);
  while (g_hash_table_iter_next(&sit, &sk, &sv))
    wt_section_map_u64(s, "services", _("Flows by service"), sk, GPOINTER_TO_SIZE(sv));
  wt_section_u64(s, "datagrams_dissected", _("Datagrams given to a payload dissector"),
                 u->datagrams_dissected);
  wt_section_u64(s, "datagrams_snapped", _("Datagrams cut by the snaplen (not dissected)"),
                 u->datagrams_snapped);
  if (u->datagrams_bad_checksum)
    wt_section_u64(s, "datagrams_bad_checksum", _("Datagrams with a bad checksum (dropped)"),
                   u->datagrams_bad_checksum);
  GArray *rows = g_array_new(FALSE, FALSE, sizeof(PortRow));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, u->by_port);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    PortRow row = { GPOINTER_TO_UINT(k), *(PortStats *) v };
    g_array_append_val(rows, row);
  }
  g_array_sort(rows, by_bytes);
  WtTable *t = wt_section_table(s, "udp_services", _("Top services (responder port)"));
  wt_table_column(t, "port", _("Port"), WT_COL_U64);
  wt_table_column(t, "service", _("Service"), WT_COL_STR);
  wt_table_column(t, "flows", _("Flows"), WT_COL_U64);
  wt_table_column(t, "packets", _("Packets"), WT_COL_U64);
  wt_table_column(t, "bytes", _("Bytes"), WT_COL_U64);
  for (guint i = 0; i < rows->len && i < 10; i++) {
    const PortRow *row = &g_array_index(rows, PortRow, i);
    wt_table_row(t);
    wt_table_u64(t, row->port);
    wt_table_str(t, row->st.service ? row->st.service : "-");
    wt_table_u64(t, row->st.flows);
    wt_table_u64(t, row->st.packets);
    wt_table_u64(t, row->st.bytes);
  }
  g_array_free(rows, TRUE);
}

static void add_counts(GHashTable *into, GHashTable *from)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, from);
  while (g_hash_table_iter_next(&it, &k, &v))
    g_hash_table_insert(into, k,
                        GSIZE_TO_POINTER(GPOINTER_TO_SIZE(g_hash_table_lookup(into, k)) +
                                         GPOINTER_TO_SIZE(v)));
}

void wt_udp_merge(WtUdpDissector *into, const WtUdpDissector *from)
{
  into->flows += from->flows;
  into->packets += from->packets;
  into->bytes += from->bytes;
  into->datagrams_dissected += from->datagrams_dissected;
  into->datagrams_snapped += from->datagrams_snapped;
  into->datagrams_bad_checksum += from->datagrams_bad_checksum;
  add_counts(into->states, from->states);
  add_counts(into->services, from->services);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, from->by_port);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    const PortStats *f = v;
    PortStats *ps = g_hash_table_lookup(into->by_port, k);
    if (!ps) {
      ps = g_new0(PortStats, 1);
      g_hash_table_insert(into->by_port, k, ps);
    }
    ps->flows += f->flows;
    ps->packets += f->packets;
    ps->bytes += f->bytes;
    if (f->service && (!ps->service || f->service_serial >= ps->service_serial)) {
      ps->service = f->service;
      ps->service_serial = f->service_serial;
    }
  }
}
