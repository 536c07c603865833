/* The application-layer registry: which stream dissectors exist, and the tap (stats) of
 * each. The dissector for a flow is chosen once: port table first, then content probes,
 * so HTTP on port 8080 or 27272 is found as well as on 80. Adding a protocol: one line
 * in registry.c. */
#pragma once
#include "analyzer/core/stream.h"

typedef struct WtRegistry WtRegistry;
typedef struct WtTimeline WtTimeline; /* analyzer/pipeline/timeline.h */

WtRegistry *wt_registry_new(void);
void wt_registry_free(WtRegistry *r);

guint wt_registry_count(const WtRegistry *r);
const WtStreamDissector *wt_registry_get(const WtRegistry *r, guint i);
gpointer wt_registry_stats(const WtRegistry *r, guint i);

/* Index of the dissector whose port table has `port`, or -1. */
int wt_registry_by_port(const WtRegistry *r, guint16 port);
/* Index of the first dissector whose probe accepts the bytes, or -1. */
int wt_registry_probe(const WtRegistry *r, const guint8 *data, gsize len, WtDir dir);

/* Give the timeline a column for every series the dissectors declared (numbered once per
 * process, in registry order, after the timeline's own). */
void wt_registry_add_series(const WtRegistry *r, WtTimeline *tl);

void wt_registry_report(WtRegistry *r, const WtReportOptions *opts, WtReport *report);
void wt_registry_merge(WtRegistry *into, WtRegistry *from);
