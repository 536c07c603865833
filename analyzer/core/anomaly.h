/* Named anomaly counters ("weird" in Zeek terms): `proto.reason`, e.g. ip4.bad_header.
 * Bad traffic is counted here, never a crash, never a reason to stop. Anomalies are
 * rare, so a string-keyed hash table is fast enough. */
#pragma once
#include <glib.h>

typedef struct WtAnomalies WtAnomalies;

WtAnomalies *wt_anomalies_new(void);
void wt_anomalies_free(WtAnomalies *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtAnomalies, wt_anomalies_free)

/* `name` must be a string literal or otherwise outlive the table. */
void wt_anomaly_add(WtAnomalies *a, const char *name, guint64 n);
static inline void wt_anomaly(WtAnomalies *a, const char *name) { wt_anomaly_add(a, name, 1); }
guint64 wt_anomaly_get(const WtAnomalies *a, const char *name);
/* Names sorted alphabetically (array owned by caller, strings not). */
GPtrArray *wt_anomalies_names(const WtAnomalies *a);
void wt_anomalies_merge(WtAnomalies *into, const WtAnomalies *from);
