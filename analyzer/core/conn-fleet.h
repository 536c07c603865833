/* The fleet report's "tcp" and "udp" sections, from the conn table (conn-log.h). */
#pragma once
#include "analyzer/core/fleet-query.h"

gboolean wt_conn_fleet_report(const WtFleet *f, WtReport *r, GError **error);
