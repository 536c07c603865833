/* The fleet report: the same WtReport model, built from SQL aggregations over the
 * Distributed tables of a ClickHouse cluster that sensors export to. */
#pragma once
#include <glib.h>
#include "analyzer/core/fleet-query.h"
#include "analyzer/core/log-record.h"
#include "analyzer/report/report.h"

typedef struct {
  const char *url;            /* --from-clickhouse URL (database from its parameters) */
  const WtLogTable *const *tables; /* NULL-terminated: every table sensors export to */
  /* NULL-terminated: the protocols' sections, after the conn table's (TCP, UDP) */
  const WtFleetSectionFunc *sections;
  const char *const *sensors; /* NULL-terminated; NULL or empty: every sensor */
  gint64 since, until;        /* seconds since the epoch; 0: unbounded */
  guint top_n;                /* rows in top-N tables */
  gint64 interval_s;          /* timeline rows; 0: chosen from the time range */
} WtFleetQuery;

/* Parses --since/--until: seconds since the epoch, an ISO 8601 date/time (UTC unless it
 * says otherwise), or a relative "-2h" / "-30m" / "-7d" from now. */
gboolean wt_fleet_parse_time(const char *s, gint64 *out, GError **error);

gboolean wt_fleet_report(const WtFleetQuery *q, WtReport *r, GError **error);

/* The fleet's metrics (--from-clickhouse --metrics): every `funcs` (NULL-terminated, the
 * dissectors' fleet_metrics) over q's sensors and time range, into m. FALSE with error set
 * when a query failed. */
gboolean wt_fleet_metrics(const WtFleetQuery *q, const WtFleetMetricsFunc *funcs,
                          WtMetrics *m, GError **error);
