#include "analyzer/pipeline/registry.h"
#include "analyzer/pipeline/timeline.h"
#include "dissectors/http/http.h"
#include "dissectors/tls/tls.h"
#include "dissectors/dns/dns.h"

/* Every stream dissector wiretab knows, in probe order. */
static const WtStreamDissector *const stream_dissectors[] = {
  &wt_http_dissector,
  &wt_tls_dissector,
  &wt_dns_dissector,
};

#define N_DISSECTORS G_N_ELEMENTS(stream_dissectors)

struct WtRegistry {
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

WtRegistry *wt_registry_new(void)
{
  number_series();
  WtRegistry *r = g_new0(WtRegistry, 1);
  for (guint i = 0; i < N_DISSECTORS; i++)
    r->stats[i] = stream_dissectors[i]->stats_new();
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

int wt_registry_by_port(const WtRegistry *r, guint16 port)
{
  (void) r;
  for (guint i = 0; i < N_DISSECTORS; i++)
    for (const guint16 *p = stream_dissectors[i]->ports; p && *p; p++)
      if (*p == port)
        return (int) i;
  return -1;
}

int wt_registry_probe(const WtRegistry *r, const guint8 *data, gsize len, WtDir dir)
{
  (void) r;
  for (guint i = 0; i < N_DISSECTORS; i++)
    if (stream_dissectors[i]->probe && stream_dissectors[i]->probe(data, len, dir))
      return (int) i;
  return -1;
}

void wt_registry_report(WtRegistry *r, const WtReportOptions *opts, WtReport *report)
{
  for (guint i = 0; i < N_DISSECTORS; i++)
    stream_dissectors[i]->report(r->stats[i], opts, report);
}

void wt_registry_merge(WtRegistry *into, WtRegistry *from)
{
  for (guint i = 0; i < N_DISSECTORS; i++)
    if (stream_dissectors[i]->stats_merge)
      stream_dissectors[i]->stats_merge(into->stats[i], from->stats[i]);
}

void wt_registry_add_series(const WtRegistry *r, WtTimeline *tl)
{
  (void) r;
  for (guint i = 0; i < N_DISSECTORS; i++)
    if (stream_dissectors[i]->series)
      wt_timeline_add_series(tl, stream_dissectors[i]->series);
}
