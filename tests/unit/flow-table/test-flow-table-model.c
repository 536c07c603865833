/* The flow table (open addressing, backward-shift deletion) against a GHashTable model:
 * random inserts, lookups and removals, growth, the cap, expiry and end callbacks. */
#include <glib.h>
#include <string.h>

#include "analyzer/pipeline/flow-table.h"

typedef struct {
  guint ended[4]; /* per WtFlowEndReason */
  GHashTable *live; /* WtFlow* set, maintained by the test */
} Ends;

static void on_end(WtFlow *f, WtFlowEndReason why, gpointer ud)
{
  Ends *e = ud;
  e->ended[why]++;
  if (e->live)
    g_assert_true(g_hash_table_remove(e->live, f));
}

static WtPacket make_pkt(guint32 src, guint32 dst, guint16 sport, guint16 dport, guint8 proto)
{
  WtPacket p;
  memset(&p, 0, sizeof p);
  p.src.family = p.dst.family = 4;
  memcpy(p.src.bytes, &src, 4);
  memcpy(p.dst.bytes, &dst, 4);
  p.sport = sport;
  p.dport = dport;
  p.ip_proto = proto;
  return p;
}

static WtFlow *lookup(WtFlowTable *t, const WtPacket *p, gint64 ts, gboolean *created,
                      gboolean *by_lo)
{
  WtFlowKey k;
  wt_flow_key_from_packet(p, &k, by_lo);
  return wt_flow_table_lookup(t, &k, *by_lo, ts, created);
}

/* Both directions of a connection find the same flow; the first sender is the originator. */
static void test_direction_independent(void)
{
  Ends e = { { 0 }, NULL };
  WtFlowTable *t = wt_flow_table_new(NULL, on_end, &e, NULL);
  WtPacket ab = make_pkt(0x0100000a, 0x0200000a, 40000, 80, 6);
  WtPacket ba = make_pkt(0x0200000a, 0x0100000a, 80, 40000, 6);
  gboolean c1, c2, lo1, lo2;
  WtFlow *f1 = lookup(t, &ab, 1, &c1, &lo1);
  WtFlow *f2 = lookup(t, &ba, 2, &c2, &lo2);
  g_assert_true(c1);
  g_assert_false(c2);
  g_assert_true(f1 == f2);
  g_assert_true(lo1 != lo2);
  g_assert_cmpint(wt_flow_dir(f1, lo1), ==, WT_DIR_ORIG);
  g_assert_cmpint(wt_flow_dir(f1, lo2), ==, WT_DIR_RESP);
  g_assert_cmpuint(wt_flow_table_size(t), ==, 1);
  wt_flow_table_free(t);
  g_assert_cmpuint(e.ended[WT_FLOW_END_INPUT], ==, 1);
}

/* The flow the last lookup answered is looked at first: once it ended (removed, expired,
 * evicted), the same key makes a new flow, and another key never gets it. */
static void test_last_flow_ended(void)
{
  Ends e = { { 0 }, NULL };
  WtFlowTable *t = wt_flow_table_new(NULL, on_end, &e, NULL);
  WtPacket ab = make_pkt(0x0100000a, 0x0200000a, 40000, 80, 6);
  WtPacket other = make_pkt(0x0100000a, 0x0200000a, 40001, 80, 6);
  gboolean c, lo;
  WtFlow *f1 = lookup(t, &ab, 1, &c, &lo);
  g_assert_true(c);
  g_assert_true(lookup(t, &ab, 2, &c, &lo) == f1);
  g_assert_false(c);
  WtFlow *f2 = lookup(t, &other, 3, &c, &lo);
  g_assert_true(c);
  g_assert_true(f2 != f1);
  g_assert_true(lookup(t, &ab, 4, &c, &lo) == f1);
  g_assert_false(c);
  wt_flow_table_remove(t, f1, WT_FLOW_END_CLOSED);
  lookup(t, &ab, 5, &c, &lo);
  g_assert_true(c); /* a new flow, not the ended one */
  g_assert_cmpuint(wt_flow_table_created(t), ==, 3);
  wt_flow_table_expire(t, 1000 * G_GINT64_CONSTANT(1000000000)); /* every flow */
  lookup(t, &ab, 1001 * G_GINT64_CONSTANT(1000000000), &c, &lo);
  g_assert_true(c);
  g_assert_cmpuint(wt_flow_table_size(t), ==, 1);
  wt_flow_table_free(t);
  g_assert_cmpuint(e.ended[WT_FLOW_END_CLOSED], ==, 1);
  g_assert_cmpuint(e.ended[WT_FLOW_END_TIMEOUT], ==, 2);
}

/* 200,000 random operations over a key space small enough to revisit keys: every lookup
 * agrees with the model, removals in the middle of probe clusters keep the rest findable. */
static void test_random_against_model(void)
{
  GRand *rand = g_rand_new_with_seed(2024);
  GHashTable *model = g_hash_table_new(g_direct_hash, g_direct_equal); /* id -> flow */
  Ends e = { { 0 }, g_hash_table_new(g_direct_hash, g_direct_equal) };
  WtFlowLimits lim;
  wt_flow_limits_default(&lim);
  WtFlowTable *t = wt_flow_table_new(&lim, on_end, &e, NULL);
  const guint ids = 20000;
  guint peak = 0;
  for (int op = 0; op < 200000; op++) {
    guint id = (guint) g_rand_int_range(rand, 1, (gint32) ids);
    WtPacket p = make_pkt(0x0100000a + (id % 97), 0x0200000a + (id / 97), (guint16) (id * 7),
                          80, (id & 1) ? 6 : 17);
    if ((op % 3) == 2) { /* swap direction */
      WtAddr a = p.src;
      p.src = p.dst;
      p.dst = a;
      guint16 sp = p.sport;
      p.sport = p.dport;
      p.dport = sp;
    }
    WtFlow *expect = g_hash_table_lookup(model, GUINT_TO_POINTER(id));
    gboolean created, by_lo;
    WtFlow *f = lookup(t, &p, op, &created, &by_lo);
    if (expect) {
      g_assert_false(created);
      g_assert_true(f == expect);
    } else {
      g_assert_true(created);
      g_hash_table_insert(model, GUINT_TO_POINTER(id), f);
      g_hash_table_add(e.live, f);
    }
    if (g_rand_int_range(rand, 0, 100) < 45) { /* remove a random live flow */
      guint rid = (guint) g_rand_int_range(rand, 1, (gint32) ids);
      WtFlow *victim = g_hash_table_lookup(model, GUINT_TO_POINTER(rid));
      if (victim) {
        g_hash_table_remove(model, GUINT_TO_POINTER(rid));
        wt_flow_table_remove(t, victim, WT_FLOW_END_CLOSED);
      }
    }
    g_assert_cmpuint(wt_flow_table_size(t), ==, g_hash_table_size(model));
    peak = MAX(peak, g_hash_table_size(model));
  }
  g_assert_cmpuint(wt_flow_table_peak(t), ==, peak);
  g_assert_cmpuint(peak, >, 5000); /* the table grew several times */
  guint left = g_hash_table_size(model);
  wt_flow_table_free(t);
  g_assert_cmpuint(e.ended[WT_FLOW_END_INPUT], ==, left);
  g_assert_cmpuint(g_hash_table_size(e.live), ==, 0);
  g_hash_table_destroy(e.live);
  g_hash_table_destroy(model);
  g_rand_free(rand);
}

/* At the cap the flow idle longest is evicted; an expired class empties from its head. */
static void test_cap_and_expiry(void)
{
  Ends e = { { 0 }, NULL };
  WtFlowLimits lim;
  wt_flow_limits_default(&lim);
  lim.max_flows = 100;
  WtFlowTable *t = wt_flow_table_new(&lim, on_end, &e, NULL);
  WtFlow *first = NULL;
  for (guint i = 0; i < 100; i++) {
    WtPacket p = make_pkt(0x0100000a, 0x0200000a, (guint16) (1000 + i), 53, 17);
    gboolean c, lo;
    WtFlow *f = lookup(t, &p, 1000 + i, &c, &lo);
    wt_flow_table_touch(t, f, 1000 + i);
    if (i == 0)
      first = f;
  }
  wt_flow_table_touch(t, first, 5000); /* now the newest */
  WtPacket p = make_pkt(0x0100000a, 0x0200000a, 9999, 53, 17);
  gboolean c, lo;
  lookup(t, &p, 6000, &c, &lo);
  g_assert_cmpuint(wt_flow_table_evicted(t), ==, 1);
  g_assert_cmpuint(e.ended[WT_FLOW_END_EVICTED], ==, 1);
  g_assert_cmpuint(wt_flow_table_size(t), ==, 100);
  /* the evicted one was port 1001 (ts 1001); port 1000 must still be there */
  WtPacket p0 = make_pkt(0x0100000a, 0x0200000a, 1000, 53, 17);
  g_assert_true(lookup(t, &p0, 6001, &c, &lo) == first);
  g_assert_false(c);
  WtPacket p1 = make_pkt(0x0100000a, 0x0200000a, 1001, 53, 17);
  lookup(t, &p1, 6002, &c, &lo); /* full again: evicts port 1002 (ts 1002) */
  g_assert_true(c);
  g_assert_cmpuint(wt_flow_table_evicted(t), ==, 2);
  /* UDP timeout 60 s: at 60 s + 5500 ns, flows last seen before 5500 expire: ports
   * 1003..1099 (97) and 1000 (5000); ports 9999 (6000) and 1001 (6002) stay. */
  wt_flow_table_expire(t, 60 * G_GINT64_CONSTANT(1000000000) + 5500);
  g_assert_cmpuint(e.ended[WT_FLOW_END_TIMEOUT], ==, 98);
  g_assert_cmpuint(wt_flow_table_size(t), ==, 2);
  wt_flow_table_free(t);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/flow-table/direction-independent", test_direction_independent);
  g_test_add_func("/flow-table/last-flow-ended", test_last_flow_ended);
  g_test_add_func("/flow-table/random-against-model", test_random_against_model);
  g_test_add_func("/flow-table/cap-and-expiry", test_cap_and_expiry);
  return g_test_run();
}
