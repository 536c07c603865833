/* Unit tests for the --threads merges and the frame-numbered flow serials. Expected
 * values are worked out by hand from the inputs below. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/pipeline/conversations.h"
#include "analyzer/pipeline/flow-table.h"
#include "analyzer/pipeline/timeline.h"

#define S WT_NS_PER_SEC

static guint64 row_packets(GArray *rows, guint i)
{
  return wt_timeline_row(rows, i)->v[WT_TL_PACKETS];
}

/* --interval 1: anchored on the second of the first frame of the whole input, even when a
 * worker's first frame is later. Frames at 100.5, 101.2, 101.7, 105.1 s: one per
 * worker alternately; rows [100,101) 1, [101,102) 2, then 0, 0, 0, [105,106) 1. */
static void test_timeline_fixed_anchor(void)
{
  g_autoptr(WtTimeline) main_tl = wt_timeline_new(S, 0);
  g_autoptr(WtTimeline) w0 = wt_timeline_new(S, 0);
  g_autoptr(WtTimeline) w1 = wt_timeline_new(S, 0);
  gint64 first = 100 * S + S / 2;
  wt_timeline_anchor(w0, first);
  wt_timeline_anchor(w1, first);
  wt_timeline_count(w0, first, WT_TL_PACKETS, 1);
  wt_timeline_count(w1, 101 * S + S / 5, WT_TL_PACKETS, 1);
  wt_timeline_count(w0, 101 * S + 7 * S / 10, WT_TL_PACKETS, 1);
  wt_timeline_count(w1, 105 * S + S / 10, WT_TL_PACKETS, 1);
  wt_timeline_merge(main_tl, w0);
  wt_timeline_merge(main_tl, w1);
  gint64 iv = 0;
  g_autoptr(GArray) rows = wt_timeline_rows(main_tl, &iv);
  g_assert_cmpint(iv, ==, S);
  g_assert_cmpuint(rows->len, ==, 6);
  g_assert_cmpint(wt_timeline_row(rows, 0)->ts_ns, ==, 100 * S);
  const guint64 want[] = { 1, 2, 0, 0, 0, 1 };
  for (guint i = 0; i < 6; i++)
    g_assert_cmpuint(row_packets(rows, i), ==, want[i]);
}

/* Automatic widths with a bound of 16 buckets: worker 0 counts at 0..9 ms (1 ms buckets
 * fit), worker 1 at 1 s and 3 s. Together the span is 3 s: 16 buckets of the ladder need
 * 500 ms (0..3 s is buckets 0..6), as one timeline counting all of it grows to; the rows
 * use the interval chosen from the 3 s span (10 ms: the smallest ladder step >= 3 s / 300,
 * but not below the 500 ms width): 500 ms rows, packets 10, 0, 1, 0, 0, 0, 1. */
static void test_timeline_widths(void)
{
  g_autoptr(WtTimeline) one = wt_timeline_new(0, 16);
  g_autoptr(WtTimeline) main_tl = wt_timeline_new(0, 16);
  g_autoptr(WtTimeline) w0 = wt_timeline_new(0, 16);
  g_autoptr(WtTimeline) w1 = wt_timeline_new(0, 16);
  gint64 base = 1000 * S;
  for (int i = 0; i < 10; i++) {
    wt_timeline_count(w0, base + i * (S / 1000), WT_TL_PACKETS, 1);
    wt_timeline_count(one, base + i * (S / 1000), WT_TL_PACKETS, 1);
  }
  g_assert_cmpint(wt_timeline_width(w0), ==, S / 1000);
  wt_timeline_count(w1, base + S, WT_TL_PACKETS, 1);
  wt_timeline_count(w1, base + 3 * S, WT_TL_PACKETS, 1);
  wt_timeline_count(one, base + S, WT_TL_PACKETS, 1);
  wt_timeline_count(one, base + 3 * S, WT_TL_PACKETS, 1);
  wt_timeline_merge(main_tl, w0);
  wt_timeline_merge(main_tl, w1);
  g_assert_cmpint(wt_timeline_width(main_tl), ==, S / 2);
  g_assert_cmpint(wt_timeline_width(one), ==, S / 2);
  gint64 iv = 0;
  g_autoptr(GArray) rows = wt_timeline_rows(main_tl, &iv);
  g_assert_cmpint(iv, ==, S / 2);
  const guint64 want[] = { 10, 0, 1, 0, 0, 0, 1 };
  g_assert_cmpuint(rows->len, ==, G_N_ELEMENTS(want));
  for (guint i = 0; i < G_N_ELEMENTS(want); i++)
    g_assert_cmpuint(row_packets(rows, i), ==, want[i]);
}

/* Serials from the frame counter: 4 x frame, +1 for a second flow in the same frame. */
static void test_flow_serials(void)
{
  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  WtFlowTable *t = wt_flow_table_new(NULL, NULL, NULL, an);
  guint64 frame = 7;
  wt_flow_table_set_frame_counter(t, &frame);
  WtFlowKey k;
  memset(&k, 0, sizeof k);
  k.proto = 17;
  k.lo.family = k.hi.family = 4;
  k.lo.bytes[3] = 1;
  k.hi.bytes[3] = 2;
  gboolean created;
  k.port_lo = 1;
  WtFlow *a = wt_flow_table_lookup(t, &k, TRUE, 0, &created);
  g_assert_true(created);
  g_assert_cmpuint(a->serial, ==, 28);
  k.port_lo = 2;
  WtFlow *b = wt_flow_table_lookup(t, &k, TRUE, 0, &created);
  g_assert_cmpuint(b->serial, ==, 29);
  frame = 9;
  k.port_lo = 3;
  WtFlow *c = wt_flow_table_lookup(t, &k, TRUE, 0, &created);
  g_assert_cmpuint(c->serial, ==, 36);
  g_assert_cmpstr(a->info.uid, !=, b->info.uid);
  g_assert_cmpuint(strlen(a->info.uid), ==, 18);
  wt_flow_table_free(t);
}

static void add_flow(WtConversations *c, guint8 lo, guint8 hi, guint64 pkts_lo, guint64 bytes_lo,
                     guint64 pkts_hi, guint64 bytes_hi)
{
  WtFlow f;
  memset(&f, 0, sizeof f);
  f.key.lo.family = f.key.hi.family = 4;
  f.key.lo.bytes[3] = lo;
  f.key.hi.bytes[3] = hi;
  f.lo_is_orig = TRUE; /* ORIG = lo */
  f.pkts[WT_DIR_ORIG] = pkts_lo;
  f.ip_bytes[WT_DIR_ORIG] = bytes_lo;
  f.pkts[WT_DIR_RESP] = pkts_hi;
  f.ip_bytes[WT_DIR_RESP] = bytes_hi;
  wt_conversations_add_flow(c, &f);
}

static char *report_json(WtConversations *c)
{
  g_autoptr(WtReport) r = wt_report_new();
  wt_conversations_report(c, r, 10);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  wt_report_write_json(r, f);
  fclose(f);
  return buf;
}

/* 0.0.0.1-0.0.0.2 in both workers: packets and bytes add (3+1 / 300+100 a->b, 2+0 / 200
 * b->a, 2 flows); 0.0.0.1-0.0.0.3 only in worker 1. */
static void test_conversations(void)
{
  WtConversations *into = wt_conversations_new(100), *w0 = wt_conversations_new(100),
                  *w1 = wt_conversations_new(100);
  add_flow(w0, 1, 2, 3, 300, 2, 200);
  add_flow(w1, 1, 2, 1, 100, 0, 0);
  add_flow(w1, 1, 3, 5, 50, 5, 50);
  wt_conversations_merge(into, w0);
  wt_conversations_merge(into, w1);
  g_autofree char *js = report_json(into);
  g_assert_nonnull(strstr(js, "\"pairs\":2,"));
  g_assert_nonnull(strstr(js, "{\"addr_a\":\"0.0.0.1\",\"addr_b\":\"0.0.0.2\","
                              "\"packets_a_to_b\":4,\"bytes_a_to_b\":400,"
                              "\"packets_b_to_a\":2,\"bytes_b_to_a\":200,\"bytes\":600,"
                              "\"flows\":2}"));
  g_assert_nonnull(strstr(js, "{\"addr_a\":\"0.0.0.1\",\"addr_b\":\"0.0.0.3\","
                              "\"packets_a_to_b\":5,\"bytes_a_to_b\":50,"
                              "\"packets_b_to_a\":5,\"bytes_b_to_a\":50,\"bytes\":100,"
                              "\"flows\":1}"));
  wt_conversations_free(into);
  wt_conversations_free(w0);
  wt_conversations_free(w1);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/threads/timeline/fixed-anchor", test_timeline_fixed_anchor);
  g_test_add_func("/threads/timeline/widths", test_timeline_widths);
  g_test_add_func("/threads/flow-table/serials", test_flow_serials);
  g_test_add_func("/threads/conversations/merge", test_conversations);
  return g_test_run();
}
