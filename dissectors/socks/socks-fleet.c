/* The fleet report's SOCKS part of the "proxies" section, from every sensor's socks.log
 * rows: the single run's keys that socks.log carries. It has no command and no chosen
 * authentication method (Zeek's fields), so socks_commands and socks_auth are not here. */
#include "dissectors/socks/socks-fleet.h"

#include <glib/gi18n.h>

/* A SOCKS 4 request that names its target is SOCKS 4a (the tap's own rule). */
#define VERSION_SQL "multiIf(version = 4 AND request_name != '', '4a', toString(version))"
/* name:port, address:port, [IPv6]:port, as the tap writes a target */
#define TARGET_SQL                                                                          \
  "multiIf(request_name != '', concat(request_name, ':', toString(request_p)), "           \
  "position(request_host, ':') > 0, concat('[', request_host, ']:', toString(request_p)), " \
  "concat(request_host, ':', toString(request_p)))"

static gboolean count_map(const WtFleet *f, WtSection *sec, const char *expr, const char *key,
                          const char *label, GError **error)
{
  g_autofree char *what = g_strdup_printf("%s AS k, count() AS n", expr);
  g_autoptr(GPtrArray) rows = wt_fleet_select(f, "socks", what, NULL,
                                              "GROUP BY k ORDER BY n DESC, k", error);
  if (!rows)
    return FALSE;
  wt_fleet_map(sec, key, label, rows);
  return TRUE;
}

static gboolean targets_table(const WtFleet *f, WtSection *sec, guint64 handshakes,
                              GError **error)
{
  g_autofree char *tail = g_strdup_printf("GROUP BY k ORDER BY n DESC, k LIMIT %u", f->top);
  g_autoptr(GPtrArray) rows = wt_fleet_select(f, "socks", TARGET_SQL " AS k, count() AS n",
                                              "request_name != '' OR request_host != ''", tail,
                                              error);
  if (!rows)
    return FALSE;
  WtTable *t = wt_section_table(sec, "socks_targets", _("SOCKS targets"));
  wt_table_column(t, "target", _("Target"), WT_COL_STR);
  wt_table_column(t, "count", _("Count"), WT_COL_U64);
  wt_table_column(t, "share", _("Share"), WT_COL_PERCENT);
  for (guint i = 0; i < rows->len; i++) {
    wt_table_row(t);
    wt_table_str(t, wt_fleet_cell(rows, i, 0));
    wt_table_u64(t, wt_fleet_u64(rows, i, 1));
    wt_table_percent(t, wt_fleet_share(wt_fleet_u64(rows, i, 1), handshakes));
  }
  return TRUE;
}

gboolean wt_socks_fleet_report(const WtFleet *f, WtReport *r, GError **error)
{
  /* one socks.log row per request read, as socks_handshakes counts */
  g_autoptr(GPtrArray) tot = wt_fleet_select(f, "socks",
    "count(), countIf(status = 'succeeded'), countIf(status != '' AND status != 'succeeded')",
    NULL, NULL, error);
  if (!tot)
    return FALSE;
  guint64 handshakes = wt_fleet_u64(tot, 0, 0);
  WtSection *sec = wt_report_section(r, "proxies", _("Proxies"));
  wt_section_u64(sec, "socks_handshakes", _("SOCKS handshakes"), handshakes);
  wt_section_u64(sec, "socks_granted", _("SOCKS requests granted"), wt_fleet_u64(tot, 0, 1));
  wt_section_u64(sec, "socks_refused", _("SOCKS requests refused"), wt_fleet_u64(tot, 0, 2));
  return count_map(f, sec, VERSION_SQL, "socks_versions", _("SOCKS versions"), error) &&
         count_map(f, sec, "if(status = '', '-', status)", "socks_replies", _("SOCKS replies"),
                   error) &&
         targets_table(f, sec, handshakes, error);
}
