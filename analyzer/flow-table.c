#include "analyzer/flow-table.h"

#include <string.h>

struct WtFlowTable {
  GHashTable *flows; /* WtFlowKey* (inside the flow) -> WtFlow* */
  WtFlowLimits limits;
  WtFlow *head[WT_TIMER_N], *tail[WT_TIMER_N]; /* oldest at head */
  WtFlowEndFunc on_end;
  gpointer user_data;
  WtAnomalies *anomalies;
  guint64 next_serial;
  guint64 created, evicted;
  guint peak;
};

void wt_flow_limits_default(WtFlowLimits *l)
{
  l->max_flows = 1000000;
  l->timeout_ns[WT_TIMER_TCP_ACTIVE] = 300 * G_GINT64_CONSTANT(1000000000);
  l->timeout_ns[WT_TIMER_TCP_CLOSED] = 60 * G_GINT64_CONSTANT(1000000000);
  l->timeout_ns[WT_TIMER_TCP_ATTEMPT] = 300 * G_GINT64_CONSTANT(1000000000);
  l->timeout_ns[WT_TIMER_UDP] = 60 * G_GINT64_CONSTANT(1000000000);
  l->timeout_ns[WT_TIMER_OTHER] = 60 * G_GINT64_CONSTANT(1000000000);
}

/* FNV-1a over the key bytes: the key has no padding holes (pad[] is zeroed). */
static guint flow_key_hash(gconstpointer p)
{
  const guint8 *b = p;
  guint32 h = 2166136261u;
  for (gsize i = 0; i < sizeof(WtFlowKey); i++) {
    h ^= b[i];
    h *= 16777619u;
  }
  return h;
}

static gboolean flow_key_equal(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, sizeof(WtFlowKey)) == 0;
}

WtFlowTable *wt_flow_table_new(const WtFlowLimits *limits, WtFlowEndFunc on_end,
                               gpointer user_data, WtAnomalies *anomalies)
{
  WtFlowTable *t = g_new0(WtFlowTable, 1);
  if (limits)
    t->limits = *limits;
  else
    wt_flow_limits_default(&t->limits);
  t->flows = g_hash_table_new(flow_key_hash, flow_key_equal);
  t->on_end = on_end;
  t->user_data = user_data;
  t->anomalies = anomalies;
  return t;
}

void wt_flow_key_from_packet(const WtPacket *pkt, WtFlowKey *key, gboolean *sent_by_lo)
{
  memset(key, 0, sizeof *key);
  key->proto = pkt->ip_proto;
  int c = wt_addr_compare(&pkt->src, &pkt->dst);
  gboolean src_lo = c < 0 || (c == 0 && pkt->sport <= pkt->dport);
  if (src_lo) {
    key->lo = pkt->src;
    key->hi = pkt->dst;
    key->port_lo = pkt->sport;
    key->port_hi = pkt->dport;
  } else {
    key->lo = pkt->dst;
    key->hi = pkt->src;
    key->port_lo = pkt->dport;
    key->port_hi = pkt->sport;
  }
  *sent_by_lo = src_lo;
}

static void lru_unlink(WtFlowTable *t, WtFlow *f)
{
  if (f->prev)
    f->prev->next = f->next;
  else
    t->head[f->timer] = f->next;
  if (f->next)
    f->next->prev = f->prev;
  else
    t->tail[f->timer] = f->prev;
  f->prev = f->next = NULL;
}

static void lru_append(WtFlowTable *t, WtFlow *f)
{
  f->prev = t->tail[f->timer];
  f->next = NULL;
  if (f->prev)
    f->prev->next = f;
  else
    t->head[f->timer] = f;
  t->tail[f->timer] = f;
}

/* Zeek-like uid: 'C' + 17 base62 characters derived from the creation serial (stable
 * across runs, so logs of the same capture are comparable). */
static void make_uid(char *out, guint64 serial)
{
  static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  guint64 x = serial * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  out[0] = 'C';
  for (int i = 1; i < 18; i++) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 32;
    out[i] = b62[x % 62];
  }
  out[18] = '\0';
}

static void fill_conn_info(WtFlow *f)
{
  WtConnInfo *ci = &f->info;
  ci->proto = f->key.proto;
  if (f->lo_is_orig) {
    ci->orig_h = f->key.lo;
    ci->orig_p = f->key.port_lo;
    ci->resp_h = f->key.hi;
    ci->resp_p = f->key.port_hi;
  } else {
    ci->orig_h = f->key.hi;
    ci->orig_p = f->key.port_hi;
    ci->resp_h = f->key.lo;
    ci->resp_p = f->key.port_lo;
  }
}

void wt_flow_flip(WtFlow *f)
{
  f->lo_is_orig = !f->lo_is_orig;
  guint64 p = f->pkts[0], b = f->ip_bytes[0], pl = f->payload_bytes[0];
  f->pkts[0] = f->pkts[1];
  f->ip_bytes[0] = f->ip_bytes[1];
  f->payload_bytes[0] = f->payload_bytes[1];
  f->pkts[1] = p;
  f->ip_bytes[1] = b;
  f->payload_bytes[1] = pl;
  fill_conn_info(f);
}

static void evict_oldest(WtFlowTable *t)
{
  WtFlow *oldest = NULL;
  for (int c = 0; c < WT_TIMER_N; c++)
    if (t->head[c] && (!oldest || t->head[c]->last_ts < oldest->last_ts))
      oldest = t->head[c];
  if (oldest) {
    t->evicted++;
    wt_anomaly(t->anomalies, "flow.evicted");
    wt_flow_table_remove(t, oldest, WT_FLOW_END_EVICTED);
  }
}

WtFlow *wt_flow_table_lookup(WtFlowTable *t, const WtFlowKey *key, gboolean sent_by_lo,
                             gint64 ts_ns, gboolean *created)
{
  WtFlow *f = g_hash_table_lookup(t->flows, key);
  if (f) {
    *created = FALSE;
    return f;
  }
  if (t->limits.max_flows > 0 && g_hash_table_size(t->flows) >= t->limits.max_flows)
    evict_oldest(t);
  f = g_new0(WtFlow, 1);
  f->key = *key;
  f->lo_is_orig = sent_by_lo;
  f->first_ts = f->last_ts = ts_ns;
  f->serial = t->next_serial++;
  f->timer = key->proto == 6 ? WT_TIMER_TCP_ATTEMPT : key->proto == 17 ? WT_TIMER_UDP
                                                                        : WT_TIMER_OTHER;
  make_uid(f->info.uid, f->serial);
  fill_conn_info(f);
  g_hash_table_insert(t->flows, &f->key, f);
  lru_append(t, f);
  t->created++;
  t->peak = MAX(t->peak, g_hash_table_size(t->flows));
  *created = TRUE;
  return f;
}

void wt_flow_table_touch(WtFlowTable *t, WtFlow *f, gint64 ts_ns)
{
  if (ts_ns > f->last_ts)
    f->last_ts = ts_ns;
  if (t->tail[f->timer] != f) {
    lru_unlink(t, f);
    lru_append(t, f);
  }
}

void wt_flow_table_set_timer(WtFlowTable *t, WtFlow *f, WtTimerClass c)
{
  if (f->timer == c)
    return;
  lru_unlink(t, f);
  f->timer = c;
  lru_append(t, f);
}

void wt_flow_table_remove(WtFlowTable *t, WtFlow *f, WtFlowEndReason reason)
{
  lru_unlink(t, f);
  g_hash_table_remove(t->flows, &f->key);
  if (t->on_end)
    t->on_end(f, reason, t->user_data);
  g_free(f);
}

void wt_flow_table_expire(WtFlowTable *t, gint64 now_ns)
{
  for (int c = 0; c < WT_TIMER_N; c++) {
    gint64 timeout = t->limits.timeout_ns[c];
    while (t->head[c] && now_ns - t->head[c]->last_ts > timeout)
      wt_flow_table_remove(t, t->head[c], WT_FLOW_END_TIMEOUT);
  }
}

void wt_flow_table_flush(WtFlowTable *t)
{
  /* oldest first across classes, so logs come out roughly in time order */
  for (;;) {
    WtFlow *oldest = NULL;
    for (int c = 0; c < WT_TIMER_N; c++)
      if (t->head[c] && (!oldest || t->head[c]->serial < oldest->serial))
        oldest = t->head[c];
    if (!oldest)
      break;
    wt_flow_table_remove(t, oldest, WT_FLOW_END_INPUT);
  }
}

void wt_flow_table_free(WtFlowTable *t)
{
  if (!t)
    return;
  wt_flow_table_flush(t);
  g_hash_table_destroy(t->flows);
  g_free(t);
}

guint wt_flow_table_size(const WtFlowTable *t) { return g_hash_table_size(t->flows); }
guint64 wt_flow_table_created(const WtFlowTable *t) { return t->created; }
guint64 wt_flow_table_evicted(const WtFlowTable *t) { return t->evicted; }
guint wt_flow_table_peak(const WtFlowTable *t) { return t->peak; }

void wt_flow_table_foreach(WtFlowTable *t, void (*fn)(WtFlow *f, gpointer ud), gpointer ud)
{
  for (int c = 0; c < WT_TIMER_N; c++)
    for (WtFlow *f = t->head[c]; f; f = f->next)
      fn(f, ud);
}
