/* The TCP state module against Zeek's own baselines: every public capture in
 * $WT_SHARED_CAPTURES (default ../shared/captures next to the source tree) that has a Zeek conn.log (or a
 * "history, conn_state" line) is decoded with the project's decoders, its TCP
 * connections are tracked with tcp-state.c only (a minimal flow table here, no
 * reassembler), and conn_state, history and the packet/byte counts are compared with
 * Zeek's values per connection (matched by 4-tuple, in order).
 *
 * The expected values come from Zeek (btest baselines), never from wiretab. Checksums
 * are ignored where Zeek ran with -C (EXPECTED_OUTPUTS.tsv). Content gaps come from the
 * reassembler in the real program, so 'g' letters and missed_bytes are compared only
 * nowhere: the letters 'g'/'G' and 'x'/'X' (set by the application analyzers) are removed from both histories before comparing (the
 * number of histories that differed only by them is printed). */
#include <stdlib.h>
#include "tests/unit/tcp/tcp-capture-util.h"

/* One expected connection: the baseline's columns by name. */
typedef struct {
  GHashTable *f; /* column -> value */
} Row;

static const char *col(const Row *r, const char *name)
{
  return g_hash_table_lookup(r->f, name);
}

/* Parse a Zeek ASCII log (#fields header) or a zeek-cut file (plain header line) or the
 * "history, conn_state" output. TCP rows only (rows without proto are kept). */
static GPtrArray *parse_baseline(const char *path)
{
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  GPtrArray *rows = g_ptr_array_new();
  g_auto(GStrv) names = NULL;

  if (g_str_has_suffix(path, ".history_conn_state.out")) {
    for (guint i = 0; lines[i]; i++) {
      if (g_str_has_prefix(lines[i], "###") || !*lines[i])
        continue;
      g_auto(GStrv) parts = g_strsplit(lines[i], ", ", 2);
      if (g_strv_length(parts) != 2)
        continue;
      Row *r = g_new0(Row, 1);
      r->f = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert(r->f, g_strdup("history"), g_strdup(parts[0]));
      g_hash_table_insert(r->f, g_strdup("conn_state"), g_strdup(parts[1]));
      g_ptr_array_add(rows, r);
    }
    return rows;
  }
  for (guint i = 0; lines[i]; i++) {
    const char *l = lines[i];
    if (g_str_has_prefix(l, "###") || !*l)
      continue;
    if (g_str_has_prefix(l, "#fields\t")) {
      g_strfreev(names);
      names = g_strsplit(l + 8, "\t", -1);
      continue;
    }
    if (l[0] == '#')
      continue;
    if (!names) { /* zeek-cut output (some baselines lack the .cut suffix) */
      names = g_strsplit(l, "\t", -1);
      continue;
    }
    if (!names)
      continue;
    g_auto(GStrv) vals = g_strsplit(l, "\t", -1);
    Row *r = g_new0(Row, 1);
    r->f = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (guint j = 0; names[j] && vals[j]; j++)
      g_hash_table_insert(r->f, g_strdup(names[j]), g_strdup(vals[j]));
    const char *proto = col(r, "proto");
    if (proto && strcmp(proto, "tcp") != 0) {
      g_hash_table_destroy(r->f);
      g_free(r);
      continue;
    }
    g_ptr_array_add(rows, r);
  }
  return rows;
}

static gboolean conn_matches_id(const Conn *c, const Row *r)
{
  const char *oh = col(r, "id.orig_h"), *op = col(r, "id.orig_p");
  const char *rh = col(r, "id.resp_h"), *rp = col(r, "id.resp_p");
  if (!oh || !op || !rh || !rp)
    return TRUE; /* no id columns: match in order */
  char a[64], b[64];
  wt_addr_to_string(&c->h[0], a, sizeof a);
  wt_addr_to_string(&c->h[1], b, sizeof b);
  gboolean fwd = !strcmp(a, oh) && !strcmp(b, rh) && c->p[0] == atoi(op) && c->p[1] == atoi(rp);
  gboolean rev = !strcmp(b, oh) && !strcmp(a, rh) && c->p[1] == atoi(op) && c->p[0] == atoi(rp);
  return fwd || rev;
}

typedef struct {
  guint gap_only;   /* histories equal except for gap letters */
  guint fields, agree;
  guint conns, conns_exact;
  GString *report;
} Score;

static void cmp_u64(Score *s, gboolean *ok, const Row *r, const char *name, guint64 ours)
{
  const char *z = col(r, name);
  if (!z || !strcmp(z, "-"))
    return;
  s->fields++;
  if (g_ascii_strtoull(z, NULL, 10) == ours) {
    s->agree++;
  } else {
    *ok = FALSE;
    g_string_append_printf(s->report, " %s=%" G_GUINT64_FORMAT "(zeek %s)", name, ours, z);
  }
}

/* 'g'/'G' (content gaps) come from the reassembler and 'x'/'X' (analysis partial) from the
 * application analyzers, neither of which this harness runs. */
static char *without_gaps(const char *h)
{
  GString *o = g_string_new(NULL);
  for (; *h; h++)
    if (!strchr("gGxX", *h))
      g_string_append_c(o, *h);
  return g_string_free(o, FALSE);
}

static void cmp_str(Score *s, gboolean *ok, const Row *r, const char *name, const char *ours)
{
  const char *z = col(r, name);
  if (!z)
    return;
  if (!strcmp(z, "-"))
    z = "";
  g_autofree char *zg = NULL, *og = NULL;
  if (!strcmp(name, "history")) {
    if (strcmp(z, ours) != 0)
      s->gap_only++;
    z = zg = without_gaps(z);
    ours = og = without_gaps(ours);
  }
  s->fields++;
  if (!strcmp(z, ours)) {
    s->agree++;
  } else {
    *ok = FALSE;
    g_string_append_printf(s->report, " %s=%s(zeek %s)", name, ours, z);
  }
}

static void compare(Score *s, const char *capture, GPtrArray *conns, GPtrArray *rows)
{
  GPtrArray *pool = g_ptr_array_copy(conns, NULL, NULL);
  for (guint i = 0; i < rows->len; i++) {
    const Row *r = rows->pdata[i];
    Conn *c = NULL;
    for (guint j = 0; j < pool->len; j++) {
      if (conn_matches_id(pool->pdata[j], r)) {
        c = pool->pdata[j];
        g_ptr_array_remove_index(pool, j);
        break;
      }
    }
    s->conns++;
    if (!c) {
      g_string_append_printf(s->report, "%s row %u: no connection of ours\n", capture, i);
      continue;
    }
    WtTcpConnSummary sum;
    wt_tcp_conn_summarize(&c->conn, &sum);
    gboolean ok = TRUE;
    gsize mark = s->report->len;
    g_string_append_printf(s->report, "%s row %u:", capture, i);
    gsize start = s->report->len;
    char a[64];
    cmp_str(s, &ok, r, "id.orig_h", wt_addr_to_string(&c->h[0], a, sizeof a));
    cmp_u64(s, &ok, r, "id.orig_p", c->p[0]);
    cmp_str(s, &ok, r, "history", sum.history);
    cmp_str(s, &ok, r, "conn_state", wt_conn_state_name(sum.conn_state));
    cmp_u64(s, &ok, r, "orig_pkts", sum.orig_pkts);
    cmp_u64(s, &ok, r, "resp_pkts", sum.resp_pkts);
    cmp_u64(s, &ok, r, "orig_ip_bytes", sum.orig_ip_bytes);
    cmp_u64(s, &ok, r, "resp_ip_bytes", sum.resp_ip_bytes);
    if (sum.has_duration) {
      cmp_u64(s, &ok, r, "orig_bytes", sum.orig_bytes);
      cmp_u64(s, &ok, r, "resp_bytes", sum.resp_bytes);
      g_autofree char *d = g_strdup_printf("%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT,
                                           sum.duration_ns / 1000000000,
                                           (sum.duration_ns % 1000000000) / 1000);
      cmp_str(s, &ok, r, "duration", d);
    }
    if (ok) {
      s->conns_exact++;
      g_string_truncate(s->report, mark);
    } else {
      (void) start;
      g_string_append_printf(s->report, " [ours: %s %s]\n", sum.history,
                             wt_conn_state_name(sum.conn_state));
    }
  }
  g_ptr_array_free(pool, TRUE);
}

static void row_free(gpointer p)
{
  Row *r = p;
  g_hash_table_destroy(r->f);
  g_free(r);
}

static void test_zeek_baselines(void)
{
  const char *dir = g_getenv("WT_SHARED_CAPTURES");
  if (!dir || !*dir)
    dir = WT_SHARED_CAPTURES_DEFAULT;
  g_autofree char *tsv_path = g_build_filename(dir, "EXPECTED_OUTPUTS.tsv", NULL);
  g_autofree char *tsv = NULL;
  if (!g_file_get_contents(tsv_path, &tsv, NULL, NULL)) {
    g_test_skip("no public captures (set WT_SHARED_CAPTURES)");
    return;
  }
  Score s = { 0, 0, 0, 0, 0, g_string_new(NULL) };
  g_auto(GStrv) lines = g_strsplit(tsv, "\n", -1);
  for (guint i = 1; lines[i]; i++) {
    g_auto(GStrv) f = g_strsplit(lines[i], "\t", -1);
    if (g_strv_length(f) < 9 || strcmp(f[3], "zeek") != 0)
      continue;
    const char *capture = f[1], *expected = f[2], *cmd = f[8];
    if (!g_str_has_suffix(expected, ".conn.log") && !g_str_has_suffix(expected, ".conn.log.cut") &&
        !g_str_has_suffix(expected, ".history_conn_state.out"))
      continue;
    gboolean ign = strstr(cmd, " -C ") != NULL;
    g_autofree char *cap_path = g_build_filename(dir, capture, NULL);
    g_autofree char *exp_path = g_build_filename(dir, expected, NULL);
    GPtrArray *rows = parse_baseline(exp_path);
    gboolean has_cols = FALSE;
    for (guint j = 0; j < rows->len; j++)
      if (col(rows->pdata[j], "history") || col(rows->pdata[j], "conn_state"))
        has_cols = TRUE;
    if (has_cols) {
      GPtrArray *conns = run_capture(cap_path, ign);
      compare(&s, expected, conns, rows);
      g_ptr_array_set_free_func(conns, g_free);
      g_ptr_array_free(conns, TRUE);
    }
    g_ptr_array_set_free_func(rows, row_free);
    g_ptr_array_free(rows, TRUE);
  }
  g_test_message("field agreement %u/%u (%.1f%%), connections exact %u/%u (gap/partial letters "
                 "ignored in %u histories)", s.agree, s.fields,
                 s.fields ? 100.0 * s.agree / s.fields : 0, s.conns_exact, s.conns, s.gap_only);
  if (s.report->len)
    g_test_message("differences:\n%s", s.report->str);
  /* 38 TCP connections with a history or conn_state in the baselines; every field must
   * agree (gap letters aside) */
  g_assert_cmpuint(s.conns, ==, 38);
  g_assert_cmpuint(s.conns_exact, ==, s.conns);
  g_assert_cmpuint(s.agree, ==, s.fields);
  g_string_free(s.report, TRUE);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/tcp/zeek-baselines", test_zeek_baselines);
  return g_test_run();
}
