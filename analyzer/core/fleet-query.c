/* Helpers of the fleet report's sections. See fleet-query.h. */
#include "analyzer/core/fleet-query.h"

#include <string.h>

GPtrArray *wt_fleet_query(const WtFleet *f, const char *sql, GError **error)
{
  return f->query(f, sql, error);
}

GPtrArray *wt_fleet_select(const WtFleet *f, const char *table, const char *what,
                           const char *extra, const char *tail, GError **error)
{
  g_autofree char *sql = g_strdup_printf("SELECT %s FROM %s.%s WHERE %s%s%s %s", what, f->db,
                                         table, f->where, extra ? " AND " : "",
                                         extra ? extra : "", tail ? tail : "");
  return wt_fleet_query(f, sql, error);
}

const char *wt_fleet_cell(GPtrArray *rows, guint r, guint c)
{
  char **row = g_ptr_array_index(rows, r);
  for (guint i = 0; i <= c; i++)
    if (!row[i])
      return "";
  return row[c];
}

guint64 wt_fleet_u64(GPtrArray *rows, guint r, guint c)
{
  return g_ascii_strtoull(wt_fleet_cell(rows, r, c), NULL, 10);
}

double wt_fleet_dbl(GPtrArray *rows, guint r, guint c)
{
  const char *s = wt_fleet_cell(rows, r, c);
  if (!*s || strcmp(s, "nan") == 0 || strcmp(s, "inf") == 0)
    return 0.0;
  return g_ascii_strtod(s, NULL);
}

double wt_fleet_share(guint64 part, guint64 whole)
{
  return whole ? 100.0 * (double) part / (double) whole : 0.0;
}

void wt_fleet_map(WtSection *s, const char *key, const char *label, GPtrArray *rows)
{
  wt_section_map_u64(s, key, label, NULL, 0);
  for (guint i = 0; i < rows->len; i++)
    wt_section_map_u64(s, key, label, wt_fleet_cell(rows, i, 0), wt_fleet_u64(rows, i, 1));
}
