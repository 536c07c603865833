/* The fleet report's SOCKS part of the "proxies" section (WtStreamDissector.fleet_report). */
#pragma once
#include "analyzer/core/fleet-query.h"

gboolean wt_socks_fleet_report(const WtFleet *f, WtReport *r, GError **error);
