#include "analyzer/pipeline/flow-table.h"

#include <string.h>

/* Open addressing with linear probing: one lookup per packet is the hottest map access in
 * the program, so a slot holds the key's full hash next to the flow pointer (a probe
 * compares the hash and touches the flow only on a likely match), the table stays at most
 * half full, and removal shifts the following cluster back instead of leaving tombstones,
 * so lookups never slow down over a long capture. */
typedef struct {
  guint64 hash;  /* 0 = empty (hashes are forced odd) */
  WtFlow *flow;
} Slot;

#define MIN_SLOTS 1024u

struct WtFlowTable {
  Slot *slots;
  gsize mask;        /* n_slots - 1, n_slots a power of two */
  guint size;
  WtFlowLimits limits;
  WtFlow *head[WT_TIMER_N], *tail[WT_TIMER_N]; /* oldest at head */
  WtFlowEndFunc on_end;
  gpointer user_data;
  WtAnomalies *anomalies;
  guint64 next_serial;
  const guint64 *frame_counter; /* NULL: serial = creation count */
  guint64 frame_seen;           /* frame of the last creation, and creations in it */
  guint frame_sub;
  guint64 created, evicted;
  guint peak;
  /* The flow the last lookup answered: most frames belong to the flow of the frame before
   * (a burst of segments, then its acknowledgement), so its key is compared before the
   * hash is computed. NULL when that flow ended. */
  WtFlow *last;
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

/* The key as seven 64-bit words (it has no padding holes: pad[] and unused address bytes
 * are zeroed), mixed with multiplies: a handful of instructions instead of a loop over 56
 * bytes. Collisions only cost a probe; the full key is compared on a hash match. */
G_STATIC_ASSERT(sizeof(WtFlowKey) == 7 * sizeof(guint64));

static guint64 flow_key_hash(const WtFlowKey *k)
{
  guint64 w[7];
  memcpy(w, k, sizeof w);
  guint64 h = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 6; i++) {
    h ^= w[i] * 0xC2B2AE3D27D4EB4Full;
    h = (h << 31 | h >> 33) * 0x9E3779B97F4A7C15ull;
  }
  h ^= w[6] * 0xC2B2AE3D27D4EB4Full; /* the tunnel id (0 mostly): the final mix spreads it */
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  return h | 1;
}

/* Seven words compared without a call (the key is padded and zeroed, as for the hash):
 * three pairs as 16-byte vectors (GCC's and Clang's vector extension: SSE2 on x86-64),
 * then the last word. */
typedef guint64 KeyPair __attribute__((vector_size(16)));

static inline gboolean flow_key_equal(const WtFlowKey *a, const WtFlowKey *b)
{
  KeyPair x[3], y[3];
  guint64 xl, yl;
  memcpy(x, a, sizeof x);
  memcpy(y, b, sizeof y);
  memcpy(&xl, (const guint8 *) a + sizeof x, sizeof xl);
  memcpy(&yl, (const guint8 *) b + sizeof y, sizeof yl);
  KeyPair diff = (x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]);
  return (diff[0] | diff[1] | (xl ^ yl)) == 0;
}

static gsize slot_of(const WtFlowTable *t, guint64 hash)
{
  return (gsize) (hash >> 7) & t->mask;
}

static WtFlow *slots_find(const WtFlowTable *t, const WtFlowKey *key, guint64 hash)
{
  for (gsize i = slot_of(t, hash);; i = (i + 1) & t->mask) {
    const Slot *s = &t->slots[i];
    if (s->hash == 0)
      return NULL;
    if (s->hash == hash && flow_key_equal(&s->flow->key, key))
      return s->flow;
  }
}

static void slots_put(Slot *slots, gsize mask, guint64 hash, WtFlow *f)
{
  gsize i = (gsize) (hash >> 7) & mask;
  while (slots[i].hash != 0)
    i = (i + 1) & mask;
  slots[i].hash = hash;
  slots[i].flow = f;
}

static void slots_grow(WtFlowTable *t)
{
  gsize n = (t->mask + 1) * 2;
  Slot *slots = g_new0(Slot, n);
  for (gsize i = 0; i <= t->mask; i++)
    if (t->slots[i].hash != 0)
      slots_put(slots, n - 1, t->slots[i].hash, t->slots[i].flow);
  g_free(t->slots);
  t->slots = slots;
  t->mask = n - 1;
}

static void slots_insert(WtFlowTable *t, guint64 hash, WtFlow *f)
{
  if ((gsize) (t->size + 1) * 2 > t->mask + 1)
    slots_grow(t);
  slots_put(t->slots, t->mask, hash, f);
  t->size++;
}

/* Backward-shift deletion (Knuth 6.4 algorithm R): move each later member of the cluster
 * into the hole when its home slot does not lie cyclically between the hole and it. */
static void slots_remove(WtFlowTable *t, const WtFlow *f)
{
  guint64 hash = flow_key_hash(&f->key);
  gsize i = slot_of(t, hash);
  while (t->slots[i].flow != f) {
    g_assert(t->slots[i].hash != 0);
    i = (i + 1) & t->mask;
  }
  for (gsize j = (i + 1) & t->mask; t->slots[j].hash != 0; j = (j + 1) & t->mask) {
    gsize home = slot_of(t, t->slots[j].hash);
    gboolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (!stays) {
      t->slots[i] = t->slots[j];
      i = j;
    }
  }
  t->slots[i].hash = 0;
  t->slots[i].flow = NULL;
  t->size--;
}

WtFlowTable *wt_flow_table_new(const WtFlowLimits *limits, WtFlowEndFunc on_end,
                               gpointer user_data, WtAnomalies *anomalies)
{
  WtFlowTable *t = g_new0(WtFlowTable, 1);
  if (limits)
    t->limits = *limits;
  else
    wt_flow_limits_default(&t->limits);
  t->slots = g_new0(Slot, MIN_SLOTS);
  t->mask = MIN_SLOTS - 1;
  t->on_end = on_end;
  t->user_data = user_data;
  t->anomalies = anomalies;
  return t;
}

/* wt_addr_compare's order (family, then the bytes as memcmp sees them) from two
 * big-endian 64-bit words: every packet orders its two endpoints. */
static inline int addr_order(const WtAddr *a, const WtAddr *b)
{
  if (a->family != b->family)
    return a->family < b->family ? -1 : 1;
  guint64 a0, a1, b0, b1;
  memcpy(&a0, a->bytes, 8);
  memcpy(&b0, b->bytes, 8);
  if (a0 != b0)
    return GUINT64_FROM_BE(a0) < GUINT64_FROM_BE(b0) ? -1 : 1;
  memcpy(&a1, a->bytes + 8, 8);
  memcpy(&b1, b->bytes + 8, 8);
  if (a1 != b1)
    return GUINT64_FROM_BE(a1) < GUINT64_FROM_BE(b1) ? -1 : 1;
  return 0;
}

void wt_flow_key_from_packet(const WtPacket *pkt, WtFlowKey *key, gboolean *sent_by_lo)
{
  memset(key, 0, sizeof *key);
  key->proto = pkt->ip_proto;
  key->tunnel = pkt->tunnel_id;
  int c = addr_order(&pkt->src, &pkt->dst);
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
void wt_flow_uid(char *out, guint64 serial)
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

static guint64 serial_for_new_flow(WtFlowTable *t)
{
  if (!t->frame_counter)
    return t->next_serial++;
  guint64 frame = *t->frame_counter;
  if (frame != t->frame_seen) {
    t->frame_seen = frame;
    t->frame_sub = 0;
  }
  /* a frame creates at most two flows (lookup, then a SYN reusing a closed tuple) */
  guint sub = MIN(t->frame_sub, 3u);
  t->frame_sub++;
  return frame * 4 + sub;
}

G_STATIC_ASSERT(G_STRUCT_OFFSET(WtFlowKey, port_lo) == 5 * sizeof(guint64));

/* The key of the last flow, ports and protocol (word 5) first: on a miss those differ
 * most often. */
static inline gboolean is_last_flow(const WtFlow *last, const WtFlowKey *key)
{
  guint64 x, y;
  memcpy(&x, (const guint8 *) &last->key + 5 * sizeof x, sizeof x);
  memcpy(&y, (const guint8 *) key + 5 * sizeof y, sizeof y);
  return x == y && flow_key_equal(&last->key, key);
}

/* The lookup past the last flow: hash, probe, and a new flow when there is none. Not
 * inlined: its stack frame would cost the frames of the last flow. */
static G_GNUC_NO_INLINE WtFlow *find_or_create(WtFlowTable *t, const WtFlowKey *key,
                                               gboolean sent_by_lo, gint64 ts_ns,
                                               gboolean *created)
{
  guint64 hash = flow_key_hash(key);
  WtFlow *f = slots_find(t, key, hash);
  if (f) {
    *created = FALSE;
    t->last = f;
    return f;
  }
  if (t->limits.max_flows > 0 && t->size >= t->limits.max_flows)
    evict_oldest(t);
  f = g_new0(WtFlow, 1);
  f->key = *key;
  f->lo_is_orig = sent_by_lo;
  f->first_ts = f->last_ts = ts_ns;
  f->serial = serial_for_new_flow(t);
  f->timer = key->proto == 6 ? WT_TIMER_TCP_ATTEMPT : key->proto == 17 ? WT_TIMER_UDP
                                                                        : WT_TIMER_OTHER;
  wt_flow_uid(f->info.uid, f->serial);
  wt_flow_fill_info(f);
  slots_insert(t, hash, f);
  lru_append(t, f);
  t->created++;
  t->peak = MAX(t->peak, t->size);
  *created = TRUE;
  t->last = f;
  return f;
}

WtFlow *wt_flow_table_lookup(WtFlowTable *t, const WtFlowKey *key, gboolean sent_by_lo,
                             gint64 ts_ns, gboolean *created)
{
  if (G_LIKELY(t->last) && is_last_flow(t->last, key)) {
    *created = FALSE;
    return t->last;
  }
  return find_or_create(t, key, sent_by_lo, ts_ns, created);
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
  if (t->last == f)
    t->last = NULL;
  lru_unlink(t, f);
  slots_remove(t, f);
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
  g_free(t->slots);
  g_free(t);
}

guint wt_flow_table_size(const WtFlowTable *t) { return t->size; }
guint64 wt_flow_table_created(const WtFlowTable *t) { return t->created; }
guint64 wt_flow_table_evicted(const WtFlowTable *t) { return t->evicted; }
guint wt_flow_table_peak(const WtFlowTable *t) { return t->peak; }

void wt_flow_table_foreach(WtFlowTable *t, void (*fn)(WtFlow *f, gpointer ud), gpointer ud)
{
  for (int c = 0; c < WT_TIMER_N; c++)
    for (WtFlow *f = t->head[c]; f; f = f->next)
      fn(f, ud);
}

void wt_flow_table_set_frame_counter(WtFlowTable *t, const guint64 *counter)
{
  t->frame_counter = counter;
  t->frame_seen = G_MAXUINT64;
}

void wt_flow_table_merge_counters(WtFlowTable *into, const WtFlowTable *from)
{
  into->created += from->created;
  into->evicted += from->evicted;
  into->peak += from->peak;
}
