#include "analyzer/fleet-report.h"

gboolean wt_fleet_parse_time(const char *s, gint64 *out, GError **error)
{
  (void) s; (void) out;
  g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "not yet");
  return FALSE;
}

gboolean wt_fleet_report(const WtFleetQuery *q, WtReport *r, GError **error)
{
  (void) q; (void) r;
  g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "not yet");
  return FALSE;
}
