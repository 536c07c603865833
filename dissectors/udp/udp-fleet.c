/* The fleet report's "udp" section: UDP flows summed over every sensor's conn.log rows. */
#include "dissectors/udp/udp.h"

gboolean wt_udp_fleet_report(const WtFleet *f, WtReport *r, GError **error)
{
  const char *udp = "proto = 'udp'";
  g_autoptr(GPtrArray) tot = wt_fleet_select(f, "conn",
    "count(), sum(orig_pkts + resp_pkts), sum(orig_ip_bytes + resp_ip_bytes)", udp, NULL,
    error);
  g_autoptr(GPtrArray) states = tot ? wt_fleet_select(f, "conn", "conn_state, count()", udp,
                                                  "GROUP BY conn_state ORDER BY conn_state",
                                                  error) : NULL;
  g_autoptr(GPtrArray) services = states ? wt_fleet_select(f, "conn", "service, count()",
                                                       "proto = 'udp' AND service != ''",
                                                       "GROUP BY service ORDER BY service",
                                                       error) : NULL;
  g_autofree char *ports_tail = g_strdup_printf("GROUP BY resp_p ORDER BY b DESC, resp_p "
                                                "LIMIT %u", f->top);
  g_autoptr(GPtrArray) ports = services ? wt_fleet_select(f, "conn",
    "resp_p, any(service), count(), sum(orig_pkts + resp_pkts), "
    "sum(orig_ip_bytes + resp_ip_bytes) AS b", udp, ports_tail, error) : NULL;
  if (!ports)
    return FALSE;
  WtSection *sec = wt_report_section(r, "udp", "UDP flows");
  wt_section_u64(sec, "flows", "Flows", tot->len ? wt_fleet_u64(tot, 0, 0) : 0);
  wt_section_u64(sec, "packets", "Packets", tot->len ? wt_fleet_u64(tot, 0, 1) : 0);
  wt_section_u64(sec, "bytes", "IP bytes", tot->len ? wt_fleet_u64(tot, 0, 2) : 0);
  wt_fleet_map(sec, "conn_states", "By conn_state", states);
  wt_fleet_map(sec, "services", "Services", services);
  WtTable *t = wt_section_table(sec, "udp_services", "UDP services");
  wt_table_column(t, "port", "Port", WT_COL_U64);
  wt_table_column(t, "service", "Service", WT_COL_STR);
  wt_table_column(t, "flows", "Flows", WT_COL_U64);
  wt_table_column(t, "packets", "Packets", WT_COL_U64);
  wt_table_column(t, "bytes", "Bytes", WT_COL_U64);
  for (guint i = 0; i < ports->len; i++) {
    wt_table_row(t);
    wt_table_u64(t, wt_fleet_u64(ports, i, 0));
    wt_table_str(t, wt_fleet_cell(ports, i, 1));
    wt_table_u64(t, wt_fleet_u64(ports, i, 2));
    wt_table_u64(t, wt_fleet_u64(ports, i, 3));
    wt_table_u64(t, wt_fleet_u64(ports, i, 4));
  }
  return TRUE;
}

