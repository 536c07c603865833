#include "analyzer/pipeline/conversations.h"

#include <glib/gi18n.h>
#include <string.h>

typedef struct {
  WtAddr a, b; /* a < b */
} PairKey;

typedef struct {
  PairKey key;
  guint64 pkts_ab, bytes_ab, pkts_ba, bytes_ba;
  guint64 flows;
} Pair;

struct WtConversations {
  GHashTable *pairs; /* PairKey* -> Pair* */
  guint max_pairs;
  Pair other;        /* pairs beyond the cap */
  gboolean overflowed;
};

static guint pair_hash(gconstpointer p)
{
  const guint8 *b = p;
  guint32 h = 2166136261u;
  for (gsize i = 0; i < sizeof(PairKey); i++) {
    h ^= b[i];
    h *= 16777619u;
  }
  return h;
}

static gboolean pair_equal(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, sizeof(PairKey)) == 0;
}

WtConversations *wt_conversations_new(guint max_pairs)
{
  WtConversations *c = g_new0(WtConversations, 1);
  c->pairs = g_hash_table_new_full(pair_hash, pair_equal, NULL, g_free);
  c->max_pairs = max_pairs;
  return c;
}

void wt_conversations_free(WtConversations *c)
{
  if (!c)
    return;
  g_hash_table_destroy(c->pairs);
  g_free(c);
}

static Pair *pair_for(WtConversations *c, const PairKey *k)
{
  Pair *p = g_hash_table_lookup(c->pairs, k);
  if (!p) {
    if (g_hash_table_size(c->pairs) >= c->max_pairs) {
      p = &c->other;
      c->overflowed = TRUE;
    } else {
      p = g_new0(Pair, 1);
      p->key = *k;
      g_hash_table_insert(c->pairs, &p->key, p);
    }
  }
  return p;
}

void wt_conversations_add_flow(WtConversations *c, const WtFlow *flow)
{
  /* The flow key already orders lo < hi by address first. */
  PairKey k;
  memset(&k, 0, sizeof k);
  k.a = flow->key.lo;
  k.b = flow->key.hi;
  Pair *p = pair_for(c, &k);
  /* orient the flow's per-direction counters onto a -> b */
  WtDir from_lo = flow->lo_is_orig ? WT_DIR_ORIG : WT_DIR_RESP;
  WtDir from_hi = (WtDir) (1 - from_lo);
  p->pkts_ab += flow->pkts[from_lo];
  p->bytes_ab += flow->ip_bytes[from_lo];
  p->pkts_ba += flow->pkts[from_hi];
  p->bytes_ba += flow->ip_bytes[from_hi];
  p->flows++;
}

static gint by_bytes_desc(gconstpointer x, gconstpointer y)
{
  const Pair *a = *(Pair *const *) x, *b = *(Pair *const *) y;
  guint64 ta = a->bytes_ab + a->bytes_ba, tb = b->bytes_ab + b->bytes_ba;
  if (ta != tb)
    return ta > tb ? -1 : 1;
  return memcmp(&a->key, &b->key, sizeof a->key);
}

void wt_conversations_report(WtConversations *c, WtReport *r, guint top_n)
{
  WtSection *s = wt_report_section(r, "conversations", _("Top conversations (IP pairs, by bytes)"));
  wt_section_u64(s, "pairs", _("Address pairs"), g_hash_table_size(c->pairs));
  g_autoptr(GPtrArray) all = g_ptr_array_new();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, c->pairs);
  while (g_hash_table_iter_next(&it, NULL, &value))
    g_ptr_array_add(all, value);
  g_ptr_array_sort(all, by_bytes_desc);
  WtTable *t = wt_section_table(s, "conversations", _("Top conversations"));
  wt_table_column(t, "addr_a", _("Address A"), WT_COL_STR);
  wt_table_column(t, "addr_b", _("Address B"), WT_COL_STR);
  wt_table_column(t, "packets_a_to_b", _("Pkts A->B"), WT_COL_U64);
  wt_table_column(t, "bytes_a_to_b", _("Bytes A->B"), WT_COL_U64);
  wt_table_column(t, "packets_b_to_a", _("Pkts B->A"), WT_COL_U64);
  wt_table_column(t, "bytes_b_to_a", _("Bytes B->A"), WT_COL_U64);
  wt_table_column(t, "bytes", _("Bytes"), WT_COL_U64);
  wt_table_column(t, "flows", _("Flows"), WT_COL_U64);
  for (guint i = 0; i < all->len && i < top_n; i++) {
    const Pair *p = g_ptr_array_index(all, i);
    char a[64], b[64];
    wt_table_row(t);
    wt_table_str(t, wt_addr_to_string(&p->key.a, a, sizeof a));
    wt_table_str(t, wt_addr_to_string(&p->key.b, b, sizeof b));
    wt_table_u64(t, p->pkts_ab);
    wt_table_u64(t, p->bytes_ab);
    wt_table_u64(t, p->pkts_ba);
    wt_table_u64(t, p->bytes_ba);
    wt_table_u64(t, p->bytes_ab + p->bytes_ba);
    wt_table_u64(t, p->flows);
  }
  if (c->overflowed) {
    wt_table_row(t);
    wt_table_str(t, "(other)");
    wt_table_str(t, "(other)");
    wt_table_u64(t, c->other.pkts_ab);
    wt_table_u64(t, c->other.bytes_ab);
    wt_table_u64(t, c->other.pkts_ba);
    wt_table_u64(t, c->other.bytes_ba);
    wt_table_u64(t, c->other.bytes_ab + c->other.bytes_ba);
    wt_table_u64(t, c->other.flows);
  }
}

static void pair_add(Pair *into, const Pair *from)
{
  into->pkts_ab += from->pkts_ab;
  into->bytes_ab += from->bytes_ab;
  into->pkts_ba += from->pkts_ba;
  into->bytes_ba += from->bytes_ba;
  into->flows += from->flows;
}

void wt_conversations_merge(WtConversations *into, const WtConversations *from)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, from->pairs);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    const Pair *p = value;
    pair_add(pair_for(into, &p->key), p);
  }
  if (from->overflowed) {
    pair_add(&into->other, &from->other);
    into->overflowed = TRUE;
  }
}
