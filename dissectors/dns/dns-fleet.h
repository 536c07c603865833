/* The fleet report's DNS section (WtStreamDissector.fleet_report). */
#pragma once
#include "analyzer/core/fleet-query.h"

gboolean wt_dns_fleet_report(const WtFleet *f, WtReport *r, GError **error);
