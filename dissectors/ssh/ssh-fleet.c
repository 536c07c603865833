/* The fleet report's "ssh" section, from every sensor's ssh.log rows: the single run's
 * counters that ssh.log keeps (connections, software, versions, algorithms). */
#include "dissectors/ssh/ssh-fleet.h"

#include <glib/gi18n.h>

/* One "name -> count" of column `col`, as a map, or as a table when name_col is set. */
static gboolean count_by(const WtFleet *f, WtSection *sec, const char *col, const char *key,
                         const char *label, const char *name_col, guint64 whole,
                         GError **error)
{
  g_autofree char *what = g_strdup_printf("%s AS k, count() AS n", col);
  g_autofree char *extra = g_strdup_printf("%s != ''", col);
  g_autofree char *tail = name_col ? g_strdup_printf("GROUP BY k ORDER BY n DESC, k LIMIT %u",
                                                     f->top)
                                   : g_strdup("GROUP BY k ORDER BY n DESC, k");
  g_autoptr(GPtrArray) rows = wt_fleet_select(f, "ssh", what, extra, tail, error);
  if (!rows)
    return FALSE;
  if (!name_col) {
    wt_fleet_map(sec, key, label, rows);
    return TRUE;
  }
  WtTable *t = wt_section_table(sec, key, label);
  wt_table_column(t, name_col, _("Software"), WT_COL_STR);
  wt_table_column(t, "count", _("Count"), WT_COL_U64);
  wt_table_column(t, "share", _("Share"), WT_COL_PERCENT);
  for (guint i = 0; i < rows->len; i++) {
    wt_table_row(t);
    wt_table_str(t, wt_fleet_cell(rows, i, 0));
    wt_table_u64(t, wt_fleet_u64(rows, i, 1));
    wt_table_percent(t, wt_fleet_share(wt_fleet_u64(rows, i, 1), whole));
  }
  return TRUE;
}

gboolean wt_ssh_fleet_report(const WtFleet *f, WtReport *r, GError **error)
{
  g_autoptr(GPtrArray) tot = wt_fleet_select(f, "ssh", "count(), countIf(kex_alg != '')",
                                             NULL, NULL, error);
  if (!tot)
    return FALSE;
  guint64 conns = wt_fleet_u64(tot, 0, 0);
  WtSection *sec = wt_report_section(r, "ssh", _("SSH connections"));
  wt_section_u64(sec, "connections", _("Connections"), conns);
  wt_section_u64(sec, "kex_seen", _("Key exchange seen (algorithms known)"),
                 wt_fleet_u64(tot, 0, 1));
  return count_by(f, sec, "client", "client_software", _("Client software"), "software",
                  conns, error) &&
         count_by(f, sec, "server", "server_software", _("Server software"), "software",
                  conns, error) &&
         count_by(f, sec, "kex_alg", "kex_alg", _("Key exchange"), NULL, 0, error) &&
         count_by(f, sec, "host_key_alg", "host_key_alg", _("Host key"), NULL, 0, error) &&
         count_by(f, sec, "cipher_alg", "cipher_alg", _("Cipher (client to server)"), NULL, 0,
                  error) &&
         count_by(f, sec, "mac_alg", "mac_alg", _("MAC (client to server)"), NULL, 0, error) &&
         count_by(f, sec, "compression_alg", "compression_alg",
                  _("Compression (client to server)"), NULL, 0, error);
}
