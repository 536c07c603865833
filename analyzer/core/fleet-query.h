/* What a protocol's section of the fleet report (--from-clickhouse) gets: the database, the
 * sensors and time range as a WHERE condition, and a way to run a query. The sections read
 * their own log tables (conn, http ...) by the ClickHouse column names the tables declare
 * (analyzer/core/log-record.h) and write into the same WtReport model as a single run. */
#pragma once
#include <glib.h>
#include "analyzer/core/metrics.h"
#include "analyzer/report/report.h"

typedef struct WtFleet WtFleet;
struct WtFleet {
  const char *db;     /* the quoted database name */
  const char *where;  /* sensors and time range; "1" when none */
  guint top;          /* rows in top-N tables */
  /* One SQL statement; rows of cells (GPtrArray of GStrv). NULL with error set. */
  GPtrArray *(*query)(const WtFleet *f, const char *sql, GError **error);
  gpointer user_data; /* the query function's */
};

/* A protocol's fleet section(s): FALSE with error set when a query failed. */
typedef gboolean (*WtFleetSectionFunc)(const WtFleet *f, WtReport *r, GError **error);

/* A protocol's fleet metrics (--from-clickhouse --metrics): the live metrics' families
 * where the logs carry the same meaning, each sample with a `sensor` label from the rows.
 * FALSE with error set when a query failed. */
typedef gboolean (*WtFleetMetricsFunc)(const WtFleet *f, WtMetrics *m, GError **error);

GPtrArray *wt_fleet_query(const WtFleet *f, const char *sql, GError **error);
/* "SELECT <what> FROM db.table WHERE <filter> [AND extra] <tail>" */
GPtrArray *wt_fleet_select(const WtFleet *f, const char *table, const char *what,
                           const char *extra, const char *tail, GError **error);

/* Cells of a result ("" past the end of a row), as numbers (0 for nan, inf, empty). */
const char *wt_fleet_cell(GPtrArray *rows, guint r, guint c);
guint64 wt_fleet_u64(GPtrArray *rows, guint r, guint c);
double wt_fleet_dbl(GPtrArray *rows, guint r, guint c);
/* part of whole in percent; 0 when whole is 0 */
double wt_fleet_share(guint64 part, guint64 whole);
/* Rows of (name, count) as the map KEY of `s` ({} when there are none). */
void wt_fleet_map(WtSection *s, const char *key, const char *label, GPtrArray *rows);
