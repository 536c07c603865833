/* Flow table: direction-independent keys, idle timeouts per timer class in capture time,
 * the live-flow cap evicting the oldest idle flow, and every flow ended exactly once. */
#include <string.h>

#include "analyzer/cli/conn-filter.h"
#include "analyzer/pipeline/flow-table.h"

#define SEC G_GINT64_CONSTANT(1000000000)

typedef struct {
  GPtrArray *ended; /* "addr:port" of each ended flow's originator, in order */
  GArray *reasons;
} Ends;

static void on_end(WtFlow *f, WtFlowEndReason why, gpointer ud)
{
  Ends *e = ud;
  char a[64];
  g_ptr_array_add(e->ended, g_strdup_printf("%s:%u", wt_addr_to_string(&f->info.orig_h, a, sizeof a),
                                            f->info.orig_p));
  g_array_append_val(e->reasons, why);
}

static void ends_init(Ends *e)
{
  e->ended = g_ptr_array_new_with_free_func(g_free);
  e->reasons = g_array_new(FALSE, FALSE, sizeof(WtFlowEndReason));
}

static void ends_clear(Ends *e)
{
  g_ptr_array_free(e->ended, TRUE);
  g_array_free(e->reasons, TRUE);
}

static WtPacket packet(guint8 proto, const char *src, guint16 sport, const char *dst,
                       guint16 dport)
{
  WtPacket p;
  memset(&p, 0, sizeof p);
  p.ip_version = strchr(src, ':') ? 6 : 4;
  p.ip_proto = proto;
  g_assert_true(wt_addr_parse(src, &p.src));
  g_assert_true(wt_addr_parse(dst, &p.dst));
  p.sport = sport;
  p.dport = dport;
  return p;
}

static WtFlow *lookup(WtFlowTable *t, const WtPacket *p, gint64 ts, gboolean *created,
                      WtDir *dir)
{
  WtFlowKey k;
  gboolean lo;
  wt_flow_key_from_packet(p, &k, &lo);
  WtFlow *f = wt_flow_table_lookup(t, &k, lo, ts, created);
  *dir = wt_flow_dir(f, lo);
  wt_flow_table_touch(t, f, ts);
  return f;
}

static void test_direction_independent(void)
{
  Ends e;
  ends_init(&e);
  WtFlowTable *t = wt_flow_table_new(NULL, on_end, &e, NULL);
  gboolean created;
  WtDir dir;
  WtPacket c2s = packet(6, "10.0.0.2", 40000, "10.0.0.1", 80);
  WtPacket s2c = packet(6, "10.0.0.1", 80, "10.0.0.2", 40000);
  WtFlow *f1 = lookup(t, &c2s, 1 * SEC, &created, &dir);
  g_assert_true(created);
  g_assert_cmpint(dir, ==, WT_DIR_ORIG);
  WtFlow *f2 = lookup(t, &s2c, 1 * SEC, &created, &dir);
  g_assert_false(created);
  g_assert_true(f1 == f2);
  g_assert_cmpint(dir, ==, WT_DIR_RESP);
  /* the first sender is the provisional originator */
  char a[64];
  g_assert_cmpstr(wt_addr_to_string(&f1->info.orig_h, a, sizeof a), ==, "10.0.0.2");
  g_assert_cmpuint(f1->info.orig_p, ==, 40000);
  /* flipping swaps the roles and the per-direction counters */
  f1->pkts[WT_DIR_ORIG] = 3;
  f1->pkts[WT_DIR_RESP] = 5;
  wt_flow_flip(f1);
  g_assert_cmpstr(wt_addr_to_string(&f1->info.orig_h, a, sizeof a), ==, "10.0.0.1");
  g_assert_cmpuint(f1->pkts[WT_DIR_ORIG], ==, 5);
  WtFlow *f3 = lookup(t, &c2s, 2 * SEC, &created, &dir);
  g_assert_true(f3 == f1);
  g_assert_cmpint(dir, ==, WT_DIR_RESP);
  /* another protocol, another port, or IPv6: other flows */
  WtPacket udp = packet(17, "10.0.0.2", 40000, "10.0.0.1", 80);
  WtPacket v6 = packet(6, "2001:db8::2", 40000, "2001:db8::1", 80);
  WtPacket port = packet(6, "10.0.0.2", 40001, "10.0.0.1", 80);
  g_assert_true(lookup(t, &udp, 2 * SEC, &created, &dir) != f1);
  g_assert_true(created);
  g_assert_true(lookup(t, &v6, 2 * SEC, &created, &dir) != f1);
  g_assert_true(created);
  g_assert_true(lookup(t, &port, 2 * SEC, &created, &dir) != f1);
  g_assert_true(created);
  g_assert_cmpuint(wt_flow_table_size(t), ==, 4);
  g_assert_cmpuint(wt_flow_table_created(t), ==, 4);
  wt_flow_table_free(t); /* ends all four */
  g_assert_cmpuint(e.ended->len, ==, 4);
  for (guint i = 0; i < e.reasons->len; i++)
    g_assert_cmpint(g_array_index(e.reasons, WtFlowEndReason, i), ==, WT_FLOW_END_INPUT);
  ends_clear(&e);
}

static void test_timeouts_by_class(void)
{
  Ends e;
  ends_init(&e);
  WtFlowLimits l;
  wt_flow_limits_default(&l);
  l.timeout_ns[WT_TIMER_UDP] = 60 * SEC;
  l.timeout_ns[WT_TIMER_TCP_CLOSED] = 5 * SEC;
  l.timeout_ns[WT_TIMER_TCP_ACTIVE] = 300 * SEC;
  WtFlowTable *t = wt_flow_table_new(&l, on_end, &e, NULL);
  gboolean created;
  WtDir dir;
  WtPacket u = packet(17, "10.0.0.9", 5353, "10.0.0.1", 53);
  WtPacket active = packet(6, "10.0.0.2", 40000, "10.0.0.1", 80);
  WtPacket closed = packet(6, "10.0.0.3", 40000, "10.0.0.1", 80);
  lookup(t, &u, 0, &created, &dir);
  WtFlow *fa = lookup(t, &active, 0, &created, &dir);
  wt_flow_table_set_timer(t, fa, WT_TIMER_TCP_ACTIVE);
  WtFlow *fc = lookup(t, &closed, 0, &created, &dir);
  wt_flow_table_set_timer(t, fc, WT_TIMER_TCP_CLOSED);

  wt_flow_table_expire(t, 5 * SEC); /* not more than 5 s idle yet */
  g_assert_cmpuint(e.ended->len, ==, 0);
  wt_flow_table_expire(t, 6 * SEC); /* the closed TCP flow lingered 5 s */
  g_assert_cmpuint(e.ended->len, ==, 1);
  g_assert_cmpstr(g_ptr_array_index(e.ended, 0), ==, "10.0.0.3:40000");
  /* activity renews: UDP touched at 50 s survives 61 s, ends after 110 s */
  lookup(t, &u, 50 * SEC, &created, &dir);
  g_assert_false(created);
  wt_flow_table_expire(t, 61 * SEC);
  g_assert_cmpuint(e.ended->len, ==, 1);
  wt_flow_table_expire(t, 111 * SEC);
  g_assert_cmpuint(e.ended->len, ==, 2);
  g_assert_cmpstr(g_ptr_array_index(e.ended, 1), ==, "10.0.0.9:5353");
  wt_flow_table_expire(t, 301 * SEC);
  g_assert_cmpuint(e.ended->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint(g_array_index(e.reasons, WtFlowEndReason, i), ==, WT_FLOW_END_TIMEOUT);
  g_assert_cmpuint(wt_flow_table_size(t), ==, 0);
  wt_flow_table_free(t);
  g_assert_cmpuint(e.ended->len, ==, 3);
  ends_clear(&e);
}

static void test_cap_evicts_oldest_idle(void)
{
  Ends e;
  ends_init(&e);
  WtFlowLimits l;
  wt_flow_limits_default(&l);
  l.max_flows = 3;
  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  WtFlowTable *t = wt_flow_table_new(&l, on_end, &e, an);
  gboolean created;
  WtDir dir;
  WtPacket p[5];
  for (int i = 0; i < 5; i++)
    p[i] = packet(17, "10.0.0.2", (guint16) (1000 + i), "10.0.0.1", 53);
  lookup(t, &p[0], 1 * SEC, &created, &dir);
  lookup(t, &p[1], 2 * SEC, &created, &dir);
  lookup(t, &p[2], 3 * SEC, &created, &dir);
  lookup(t, &p[0], 4 * SEC, &created, &dir); /* flow 0 is now the most recent */
  lookup(t, &p[3], 5 * SEC, &created, &dir); /* cap: evicts flow 1, the oldest idle */
  g_assert_cmpuint(e.ended->len, ==, 1);
  g_assert_cmpstr(g_ptr_array_index(e.ended, 0), ==, "10.0.0.2:1001");
  g_assert_cmpint(g_array_index(e.reasons, WtFlowEndReason, 0), ==, WT_FLOW_END_EVICTED);
  lookup(t, &p[4], 6 * SEC, &created, &dir); /* evicts flow 2 */
  g_assert_cmpstr(g_ptr_array_index(e.ended, 1), ==, "10.0.0.2:1002");
  g_assert_cmpuint(wt_flow_table_size(t), ==, 3);
  g_assert_cmpuint(wt_flow_table_evicted(t), ==, 2);
  g_assert_cmpuint(wt_anomaly_get(an, "flow.evicted"), ==, 2);
  g_assert_cmpuint(wt_flow_table_peak(t), ==, 3);
  wt_flow_table_free(t);
  g_assert_cmpuint(e.ended->len, ==, 5);
  ends_clear(&e);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/flow-table/direction-independent", test_direction_independent);
  g_test_add_func("/flow-table/timeouts-by-class", test_timeouts_by_class);
  g_test_add_func("/flow-table/cap-evicts-oldest-idle", test_cap_evicts_oldest_idle);
  return g_test_run();
}
