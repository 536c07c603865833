#include "analyzer/pipeline/registry.h"
#include "analyzer/core/conn-log.h"
#include "analyzer/core/tunnel-log.h"
#include "analyzer/pipeline/timeline.h"

#include <string.h>

/* Every application dissector wiretab knows, in probe order: one line each. X(name) is the
 * descriptor wt_<name>_dissector that dissectors/<name>/ defines (its <name>.h declares
 * it); everything else about the protocol (ports, probe, tap, report section, timeline
 * series, charts, log tables, fleet section) is in that descriptor. */
#define WT_APP_DISSECTORS(X) \
  X(http)                    \
  X(tls)                     \
  X(dns)                     \
  X(ssh)                     \
  X(socks)                   \
  X(http2)                   \
  /* a new protocol: its line above this one */

#define DECLARE(name) extern const WtStreamDissector wt_##name##_dissector;
WT_APP_DISSECTORS(DECLARE)
#define ENTRY(name) &wt_##name##_dissector,
static const WtStreamDissector *const stream_dissectors[] = { WT_APP_DISSECTORS(ENTRY) };

#define N_DISSECTORS G_N_ELEMENTS(stream_dissectors)

struct WtRegistry {
  WtAppSelector selector; /* first: a selector pointer is its registry's */
  gpointer stats[N_DISSECTORS];
};

/* Series numbers follow the fixed list above, so they are the same for every registry:
 * given once, before any timeline counts (Wireshark numbers its hf fields alike). */
static void number_series(void)
{
  static gsize done;
  if (!g_once_init_enter(&done))
    return;
  guint next = WT_TL_N_OWN;
  for (guint i = 0; i < N_DISSECTORS; i++) {
    const WtSeriesGroup *g = stream_dissectors[i]->series;
    for (guint j = 0; g && j < g->n_defs; j++)
      *g->defs[j].index = next++;
  }
  g_once_init_leave(&done, 1);
}

static WtAppChoice select_by_port(const WtAppSelector *s, WtAppKind kind, guint16 port);
static WtAppChoice select_by_probe(const WtAppSelector *s, WtAppKind kind,
                                   const guint8 *data, gsize len, WtDir dir);
static WtAppChoice select_by_alpn(const WtAppSelector *s, const guint8 *id, gsize len);
static gboolean select_probe_wait(const WtAppSelector *s, WtAppKind kind,
                                  const guint8 *data, gsize len, WtDir dir);

WtRegistry *wt_registry_new(void)
{
  number_series();
  WtRegistry *r = g_new0(WtRegistry, 1);
  r->selector.by_port = select_by_port;
  r->selector.by_probe = select_by_probe;
  r->selector.by_alpn = select_by_alpn;
  r->selector.probe_wait = select_probe_wait;
  for (guint i = 0; i < N_DISSECTORS; i++)
    r->stats[i] = stream_dissectors[i]->stats_new();
  /* taps shared with another dissector (.tap_of): link them to its stats */
  for (guint i = 0; i < N_DISSECTORS; i++) {
    const WtStreamDissector *d = stream_dissectors[i];
    for (guint j = 0; d->tap_of && d->tap_link && j < N_DISSECTORS; j++)
      if (j != i && strcmp(stream_dissectors[j]->name, d->tap_of) == 0)
        d->tap_link(r->stats[i], r->stats[j]);
  }
  return r;
}

void wt_registry_free(WtRegistry *r)
{
  if (!r)
    return;
  for (guint i = 0; i < N_DISSECTORS; i++)
    stream_dissectors[i]->stats_free(r->stats[i]);
  g_free(r);
}

guint wt_registry_count(const WtRegistry *r)
{
  (void) r;
  return N_DISSECTORS;
}

const WtStreamDissector *wt_registry_get(const WtRegistry *r, guint i)
{
  (void) r;
  return i < N_DISSECTORS ? stream_dissectors[i] : NULL;
}

gpointer wt_registry_stats(const WtRegistry *r, guint i)
{
  return i < N_DISSECTORS ? r->stats[i] : NULL;
}

const WtAppSelector *wt_registry_selector(const WtRegistry *r)
{
  return &r->selector;
}

/* UDP asks for datagram dissectors only: HTTP on UDP port 80 is QUIC, not HTTP/1. */
static gboolean is_kind(const WtStreamDissector *d, WtAppKind kind)
{
  return kind == WT_APP_STREAM || d->datagram != NULL;
}

static WtAppChoice choice(const WtRegistry *r, int i)
{
  WtAppChoice c = { NULL, NULL };
  if (i >= 0) {
    c.d = stream_dissectors[i];
    c.stats = r->stats[i];
  }
  return c;
}

static WtAppChoice select_by_port(const WtAppSelector *s, WtAppKind kind, guint16 port)
{
  const WtRegistry *r = (const WtRegistry *) s;
  for (guint i = 0; i < N_DISSECTORS; i++)
    if (is_kind(stream_dissectors[i], kind))
      for (const guint16 *p = stream_dissectors[i]->ports; p && *p; p++)
        if (*p == port)
          return choice(r, (int) i);
  return choice(r, -1);
}

static WtAppChoice select_by_probe(const WtAppSelector *s, WtAppKind kind,
                                   const guint8 *data, gsize len, WtDir dir)
{
  const WtRegistry *r = (const WtRegistry *) s;
  for (guint i = 0; i < N_DISSECTORS; i++) {
    const WtStreamDissector *d = stream_dissectors[i];
    if (is_kind(d, kind) && d->probe && d->probe(data, len, dir))
      return choice(r, (int) i);
  }
  return choice(r, -1);
}

static WtAppChoice select_by_alpn(const WtAppSelector *s, const guint8 *id, gsize len)
{
  const WtRegistry *r = (const WtRegistry *) s;
  for (guint i = 0; i < N_DISSECTORS; i++)
    for (const char *const *a = stream_dissectors[i]->alpn; a && *a; a++)
      if (strlen(*a) == len && memcmp(*a, id, len) == 0)
        return choice(r, (int) i);
  return choice(r, -1);
}

static gboolean select_probe_wait(const WtAppSelector *s, WtAppKind kind,
                                  const guint8 *data, gsize len, WtDir dir)
{
  (void) s;
  for (guint i = 0; i < N_DISSECTORS; i++) {
    const WtStreamDissector *d = stream_dissectors[i];
    if (is_kind(d, kind) && d->probe_wait && d->probe_wait(data, len, dir))
      return TRUE;
  }
  return FALSE;
}

void wt_registry_report(WtRegistry *r, const WtReportOptions *opts, WtReport *report)
{
  for (guint i = 0; i < N_DISSECTORS; i++)
    stream_dissectors[i]->report(r->stats[i], opts, report);
}

void wt_registry_metrics(const WtRegistry *r, WtMetrics *m)
{
  for (guint i = 0; i < N_DISSECTORS; i++)
    if (stream_dissectors[i]->metrics)
      stream_dissectors[i]->metrics(r->stats[i], m);
}

void wt_registry_merge(WtRegistry *into, WtRegistry *from)
{
  for (guint i = 0; i < N_DISSECTORS; i++)
    if (stream_dissectors[i]->stats_merge)
      stream_dissectors[i]->stats_merge(into->stats[i], from->stats[i]);
}

const WtLogTable *const *wt_registry_log_tables(void)
{
  /* conn.log, which every transport writes, tunnel.log (the decapsulation's), then each
   * dissector's own, once each */
  static const WtLogTable *tables[WT_LOG_MAX_TABLES + 1];
  static gsize ready;
  if (g_once_init_enter(&ready)) {
    guint n = 0;
    tables[n++] = &wt_conn_log_table;
    tables[n++] = &wt_tunnel_log_table;
    for (guint i = 0; i < N_DISSECTORS; i++)
      for (const WtLogTable *const *t = stream_dissectors[i]->log_tables; t && *t; t++) {
        gboolean seen = FALSE;
        for (guint k = 0; k < n; k++)
          seen = seen || tables[k] == *t;
        if (!seen && n < WT_LOG_MAX_TABLES)
          tables[n++] = *t;
      }
    g_once_init_leave(&ready, 1);
  }
  return tables;
}

const WtFleetSectionFunc *wt_registry_fleet_sections(void)
{
  static WtFleetSectionFunc sections[N_DISSECTORS + 1];
  static gsize ready;
  if (g_once_init_enter(&ready)) {
    guint n = 0;
    for (guint i = 0; i < N_DISSECTORS; i++)
      if (stream_dissectors[i]->fleet_report)
        sections[n++] = stream_dissectors[i]->fleet_report;
    g_once_init_leave(&ready, 1);
  }
  return sections;
}

const WtFleetMetricsFunc *wt_registry_fleet_metrics(void)
{
  static WtFleetMetricsFunc funcs[N_DISSECTORS + 1];
  static gsize ready;
  if (g_once_init_enter(&ready)) {
    guint n = 0;
    for (guint i = 0; i < N_DISSECTORS; i++)
      if (stream_dissectors[i]->fleet_metrics)
        funcs[n++] = stream_dissectors[i]->fleet_metrics;
    g_once_init_leave(&ready, 1);
  }
  return funcs;
}

void wt_registry_add_series(const WtRegistry *r, WtTimeline *tl)
{
  (void) r;
  for (guint i = 0; i < N_DISSECTORS; i++)
    if (stream_dissectors[i]->series)
      wt_timeline_add_series(tl, stream_dissectors[i]->series);
}

const WtSeriesGroup *const *wt_registry_series_groups(guint *n)
{
  static const WtSeriesGroup *groups[N_DISSECTORS + 1];
  static guint n_groups;
  static gsize ready;
  if (g_once_init_enter(&ready)) {
    for (guint i = 0; i < N_DISSECTORS; i++)
      if (stream_dissectors[i]->series)
        groups[n_groups++] = stream_dissectors[i]->series;
    g_once_init_leave(&ready, 1);
  }
  *n = n_groups;
  return groups;
}
