#include "dissectors/udp/udp.h"

#include "analyzer/json-out.h"

typedef struct {
  guint64 flows, packets, bytes;
} PortStats;

struct WtUdpDissector {
  WtAppContext *app;
  guint64 flows, packets, bytes;
  GHashTable *by_port; /* responder port -> PortStats* (at most 65536 entries) */
  GHashTable *states;  /* conn_state name (static) -> count */
};

WtUdpDissector *wt_udp_new(WtAppContext *app)
{
  WtUdpDissector *u = g_new0(WtUdpDissector, 1);
  u->app = app;
  u->by_port = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  u->states = g_hash_table_new(g_str_hash, g_str_equal);
  return u;
}

void wt_udp_free(WtUdpDissector *u)
{
  if (!u)
    return;
  g_hash_table_destroy(u->by_port);
  g_hash_table_destroy(u->states);
  g_free(u);
}

void wt_udp_packet(WtUdpDissector *u, WtFlowTable *ft, WtFlow *flow, gboolean created,
                   const WtPacket *pkt, WtDir dir)
{
  (void) ft;
  (void) flow;
  (void) dir;
  if (created)
    u->flows++;
  u->packets++;
  u->bytes += pkt->ip_total_len;
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

static void write_conn_log(FILE *f, const WtFlow *flow, const char *state)
{
  GString *s = g_string_new("{");
  wt_json_conn_id(s, flow->first_ts, &flow->info);
  wt_json_str(s, "proto", "udp");
  wt_json_raw(s, "service", "null");
  wt_json_double(s, "duration", (double) (flow->last_ts - flow->first_ts) / 1e9);
  wt_json_u64(s, "orig_bytes", flow->payload_bytes[WT_DIR_ORIG]);
  wt_json_u64(s, "resp_bytes", flow->payload_bytes[WT_DIR_RESP]);
  wt_json_str(s, "conn_state", state);
  wt_json_u64(s, "missed_bytes", 0);
  GString *hist = g_string_new(NULL);
  if (flow->pkts[WT_DIR_ORIG])
    g_string_append_c(hist, 'D');
  if (flow->pkts[WT_DIR_RESP])
    g_string_append_c(hist, 'd');
  wt_json_str(s, "history", hist->str);
  g_string_free(hist, TRUE);
  wt_json_u64(s, "orig_pkts", flow->pkts[WT_DIR_ORIG]);
  wt_json_u64(s, "orig_ip_bytes", flow->ip_bytes[WT_DIR_ORIG]);
  wt_json_u64(s, "resp_pkts", flow->pkts[WT_DIR_RESP]);
  wt_json_u64(s, "resp_ip_bytes", flow->ip_bytes[WT_DIR_RESP]);
  wt_json_end(s);
  fwrite(s->str, 1, s->len, f);
  g_string_free(s, TRUE);
}

void wt_udp_flow_end(WtUdpDissector *u, WtFlow *flow, WtFlowEndReason why)
{
  (void) why;
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
  if (u->app->conn_log)
    write_conn_log(u->app->conn_log, flow, state);
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
  WtSection *s = wt_report_section(r, "udp", "UDP");
  wt_section_u64(s, "flows", "Flows", u->flows);
  wt_section_u64(s, "packets", "Packets", u->packets);
  wt_section_u64(s, "bytes", "Bytes (IP)", u->bytes);
  static const char *const order[] = { "SF", "S0", "SHR", "OTH" };
  for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
    gsize n = GPOINTER_TO_SIZE(g_hash_table_lookup(u->states, order[i]));
    if (n)
      wt_section_map_u64(s, "conn_states", "Flows by conn_state", order[i], n);
  }
  GArray *rows = g_array_new(FALSE, FALSE, sizeof(PortRow));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, u->by_port);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    PortRow row = { GPOINTER_TO_UINT(k), *(PortStats *) v };
    g_array_append_val(rows, row);
  }
  g_array_sort(rows, by_bytes);
  WtTable *t = wt_section_table(s, "udp_services", "Top services (responder port)");
  wt_table_column(t, "port", "Port", WT_COL_U64);
  wt_table_column(t, "flows", "Flows", WT_COL_U64);
  wt_table_column(t, "packets", "Packets", WT_COL_U64);
  wt_table_column(t, "bytes", "Bytes", WT_COL_U64);
  for (guint i = 0; i < rows->len && i < 10; i++) {
    const PortRow *row = &g_array_index(rows, PortRow, i);
    wt_table_row(t);
    wt_table_u64(t, row->port);
    wt_table_u64(t, row->st.flows);
    wt_table_u64(t, row->st.packets);
    wt_table_u64(t, row->st.bytes);
  }
  g_array_free(rows, TRUE);
}
