/* The application-layer registry: which stream dissectors exist, and the tap (stats) of
 * each. The dissector for a flow is chosen once, by the transport, through the selector
 * (analyzer/core/app-select.h): TCP tries the content probes first, then the responder's
 * port, waits for more bytes while unsure (under 64 bytes), then the originator's port when
 * the originator was guessed (no SYN seen); UDP tries the responder's port, the
 * originator's port, then a probe on the first datagram. So HTTP on port 27272 is found as
 * well as on 80. Probes and port tables are tried in the order of the list in registry.c.
 * Adding a protocol: one line in registry.c. */
#pragma once
#include "analyzer/core/app-select.h"
#include "analyzer/core/fleet-query.h"
#include "analyzer/core/log-record.h"
#include "analyzer/core/stream.h"

typedef struct WtRegistry WtRegistry;
typedef struct WtTimeline WtTimeline; /* analyzer/pipeline/timeline.h */

WtRegistry *wt_registry_new(void);
void wt_registry_free(WtRegistry *r);

guint wt_registry_count(const WtRegistry *r);
const WtStreamDissector *wt_registry_get(const WtRegistry *r, guint i);
gpointer wt_registry_stats(const WtRegistry *r, guint i);

/* The registry as the transports see it (lookup by port, lookup by content probe; the
 * transport decides which to try first): valid as long as the registry. */
const WtAppSelector *wt_registry_selector(const WtRegistry *r);

/* Give the timeline a column for every series the dissectors declared (numbered once per
 * process, in registry order, after the timeline's own). */
void wt_registry_add_series(const WtRegistry *r, WtTimeline *tl);

void wt_registry_report(WtRegistry *r, const WtReportOptions *opts, WtReport *report);
/* Every dissector's live metrics (WtStreamDissector.metrics) into m. */
void wt_registry_metrics(const WtRegistry *r, WtMetrics *m);
void wt_registry_merge(WtRegistry *into, WtRegistry *from);

/* Every log table (NULL-terminated): conn, then the dissectors' tables in registry order.
 * The pipeline opens a sink for each; the ClickHouse schema has a table for each. */
const WtLogTable *const *wt_registry_log_tables(void);
/* The dissectors' fleet-report sections (NULL-terminated), in registry order. */
const WtFleetSectionFunc *wt_registry_fleet_sections(void);
/* The dissectors' fleet metrics (NULL-terminated), in registry order. */
const WtFleetMetricsFunc *wt_registry_fleet_metrics(void);
/* The timeline series groups the dissectors declare, in registry order (for a timeline
 * built elsewhere: the fleet report's). */
const WtSeriesGroup *const *wt_registry_series_groups(guint *n);
