/* The fleet report's "ssh" section (--from-clickhouse), from every sensor's ssh.log rows. */
#pragma once
#include "analyzer/core/fleet-query.h"

gboolean wt_ssh_fleet_report(const WtFleet *f, WtReport *r, GError **error);
