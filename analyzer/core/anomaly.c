#include "analyzer/core/anomaly.h"

/* Names are string literals, so the same pointer is the same name: a small direct-mapped
 * cache keyed by the pointer skips hashing the string for counters hit per packet (e.g.
 * tcp.bad_checksum on every segment of a loopback capture). */
#define CACHE_SLOTS 32

struct WtAnomalies {
  GHashTable *counts; /* const char* -> guint64* */
  struct {
    const char *name;
    guint64 *count;
  } cache[CACHE_SLOTS];
};

WtAnomalies *wt_anomalies_new(void)
{
  WtAnomalies *a = g_new0(WtAnomalies, 1);
  a->counts = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  return a;
}

void wt_anomalies_free(WtAnomalies *a)
{
  if (!a)
    return;
  g_hash_table_destroy(a->counts);
  g_free(a);
}

/* A name not in its cache slot: found or added in the table, then cached. Out of line so
 * the cache hit (a bad checksum on every frame of an offloaded capture) saves no registers. */
static G_GNUC_NO_INLINE void add_uncached(WtAnomalies *a, guint slot, const char *name,
                                          guint64 n)
{
  guint64 *v = g_hash_table_lookup(a->counts, name);
  if (!v) {
    v = g_new0(guint64, 1);
    g_hash_table_insert(a->counts, (gpointer) name, v);
  }
  *v += n;
  a->cache[slot].name = name;
  a->cache[slot].count = v;
}

void wt_anomaly_add(WtAnomalies *a, const char *name, guint64 n)
{
  if (!a)
    return;
  guint slot = (guint) (((guintptr) name >> 3) % CACHE_SLOTS);
  if (G_LIKELY(a->cache[slot].name == name))
    *a->cache[slot].count += n;
  else
    add_uncached(a, slot, name, n);
}

guint64 wt_anomaly_get(const WtAnomalies *a, const char *name)
{
  guint64 *v = g_hash_table_lookup(a->counts, name);
  return v ? *v : 0;
}

static gint compare_names(gconstpointer x, gconstpointer y)
{
  return g_strcmp0(*(const char *const *) x, *(const char *const *) y);
}

GPtrArray *wt_anomalies_names(const WtAnomalies *a)
{
  GPtrArray *names = g_ptr_array_new();
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, a->counts);
  while (g_hash_table_iter_next(&it, &key, NULL))
    g_ptr_array_add(names, key);
  g_ptr_array_sort(names, compare_names);
  return names;
}

void wt_anomalies_merge(WtAnomalies *into, const WtAnomalies *from)
{
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, from->counts);
  while (g_hash_table_iter_next(&it, &key, &value))
    wt_anomaly_add(into, key, *(guint64 *) value);
}
