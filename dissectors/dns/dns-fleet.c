/* The fleet report's "dns" section, from every sensor's dns.log rows. */
#include "dissectors/dns/dns-fleet.h"

gboolean wt_dns_fleet_report(const WtFleet *f, WtReport *r, GError **error)
{
  g_autoptr(GPtrArray) tot = wt_fleet_select(f, "dns",
    "count(), countIf(rcode IS NOT NULL), countIf(rcode IS NULL), countIf(TC != 0), "
    "countIf(proto = 'udp'), countIf(proto = 'tcp'), count(rtt), avg(rtt), "
    "quantileExact(0.5)(rtt), quantileExact(0.9)(rtt), quantileExact(0.95)(rtt), "
    "quantileExact(0.99)(rtt), max(rtt)", NULL, NULL, error);
  g_autoptr(GPtrArray) qtypes = tot ? wt_fleet_select(f, "dns", "qtype_name AS k, count()",
                                                  "qtype_name != ''",
                                                  "GROUP BY k ORDER BY k", error) : NULL;
  g_autoptr(GPtrArray) rcodes = qtypes ? wt_fleet_select(f, "dns", "rcode_name AS k, count()",
                                                     "rcode_name != ''",
                                                     "GROUP BY k ORDER BY k", error) : NULL;
  g_autoptr(GPtrArray) opcodes = rcodes ? wt_fleet_select(f, "dns", "opcode_name AS k, count()",
                                                      "opcode_name != ''",
                                                      "GROUP BY k ORDER BY k", error) : NULL;
  g_autofree char *tail = g_strdup_printf("GROUP BY k ORDER BY n DESC, k LIMIT %u", f->top);
  g_autoptr(GPtrArray) top = opcodes ? wt_fleet_select(f, "dns",
    "lower(query) AS k, count() AS n, countIf(rcode_name = 'NXDOMAIN'), countIf(rcode IS NULL)",
    "query != ''", tail, error) : NULL;
  if (!top)
    return FALSE;
  guint64 n = wt_fleet_u64(tot, 0, 0);
  WtSection *sec = wt_report_section(r, "dns", "DNS");
  wt_section_u64(sec, "queries", "Queries", n);
  wt_section_u64(sec, "answered", "Answered", wt_fleet_u64(tot, 0, 1));
  wt_section_u64(sec, "unanswered", "Unanswered", wt_fleet_u64(tot, 0, 2));
  wt_section_u64(sec, "truncated_responses", "Truncated responses (TC)", wt_fleet_u64(tot, 0, 3));
  wt_section_u64(sec, "udp_messages", "Over UDP", wt_fleet_u64(tot, 0, 4));
  wt_section_u64(sec, "tcp_messages", "Over TCP", wt_fleet_u64(tot, 0, 5));
  struct { const char *key, *label; GPtrArray *rows; } maps[] = {
    { "qtypes", "Query types", qtypes }, { "rcodes", "Response codes", rcodes },
    { "opcodes", "Opcodes", opcodes },
  };
  for (guint m = 0; m < G_N_ELEMENTS(maps); m++) {
    wt_fleet_map(sec, maps[m].key, maps[m].label, maps[m].rows);
  }
  WtSection *o = wt_section_object(sec, "rtt", "Query to response time");
  wt_section_u64(o, "count", "Samples", wt_fleet_u64(tot, 0, 6));
  static const char *const pk[] = { "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms",
                                    "max_ms" };
  for (guint i = 0; i < G_N_ELEMENTS(pk); i++)
    wt_section_double(o, pk[i], pk[i], wt_fleet_u64(tot, 0, 6) ? wt_fleet_dbl(tot, 0, 7 + i) * 1e3 : 0);
  WtTable *t = wt_section_table(sec, "top_queries", "Top queries");
  wt_table_column(t, "query", "Query", WT_COL_STR);
  wt_table_column(t, "count", "Count", WT_COL_U64);
  wt_table_column(t, "share", "Share", WT_COL_PERCENT);
  wt_table_column(t, "nxdomain", "NXDOMAIN", WT_COL_U64);
  wt_table_column(t, "unanswered", "Unanswered", WT_COL_U64);
  for (guint i = 0; i < top->len; i++) {
    wt_table_row(t);
    wt_table_str(t, wt_fleet_cell(top, i, 0));
    wt_table_u64(t, wt_fleet_u64(top, i, 1));
    wt_table_percent(t, wt_fleet_share(wt_fleet_u64(top, i, 1), n));
    wt_table_u64(t, wt_fleet_u64(top, i, 2));
    wt_table_u64(t, wt_fleet_u64(top, i, 3));
  }
  return TRUE;
}
