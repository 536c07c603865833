/* The fleet report's HTTP section (WtStreamDissector.fleet_report). */
#pragma once
#include "analyzer/core/fleet-query.h"

gboolean wt_http_fleet_report(const WtFleet *f, WtReport *r, GError **error);

/* Its fleet metrics: wiretab_http_requests_total and wiretab_http_responses_total by
 * sensor (WtStreamDissector.fleet_metrics). */
gboolean wt_http_fleet_metrics(const WtFleet *f, WtMetrics *m, GError **error);
