/* The fleet report's HTTP section (WtStreamDissector.fleet_report). */
#pragma once
#include "analyzer/core/fleet-query.h"

gboolean wt_http_fleet_report(const WtFleet *f, WtReport *r, GError **error);
