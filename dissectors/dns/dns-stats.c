#include "dissectors/dns/dns-stats.h"
#include "analyzer/core/histogram.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

/* --- the tap ------------------------------------------------------------------------- */

typedef struct {
  guint64 queries, nxdomain, unanswered;
} NameAgg;

struct WtDnsStats {
  guint64 messages, udp_messages, tcp_messages, queries, responses, answered, unanswered,
      orphan_responses, truncated_responses, malformed, too_many_pending;
  guint64 rcodes[16];
  guint64 opcodes[16];
  guint64 bad[WT_DNS_ERR_N];
  GHashTable *qtypes;   /* GUINT qtype -> GSIZE count (at most 65536 keys) */
  GHashTable *names;    /* lower-cased name (owned) -> NameAgg */
  NameAgg other_names;  /* names beyond WT_DNS_MAX_TOP_KEYS */
  WtHistogram rtt;
  WtDnsAnswers scratch;
};

typedef struct {
  const char *name, *label;
  gsize offset;
} Scalar;

#define SCALAR(key, label, field) { key, label, G_STRUCT_OFFSET(WtDnsStats, field) }
static const Scalar scalars[] = {
  SCALAR("messages", N_("DNS messages"), messages),
  SCALAR("udp_messages", N_("Messages over UDP"), udp_messages),
  SCALAR("tcp_messages", N_("Messages over TCP"), tcp_messages),
  SCALAR("queries", N_("Queries"), queries),
  SCALAR("responses", N_("Responses"), responses),
  SCALAR("answered", N_("Queries answered"), answered),
  SCALAR("unanswered", N_("Queries never answered"), unanswered),
  SCALAR("orphan_responses", N_("Responses without their query"), orphan_responses),
  SCALAR("truncated_responses", N_("Truncated responses (TC)"), truncated_responses),
  SCALAR("malformed", N_("Malformed messages"), malformed),
  SCALAR("too_many_pending", N_("Queries given up (too many pending)"), too_many_pending),
};

static guint64 *scalar_ptr(WtDnsStats *s, const Scalar *sc)
{
  return (guint64 *) ((guint8 *) s + sc->offset);
}

gpointer wt_dns_stats_new(void)
{
  WtDnsStats *s = g_new0(WtDnsStats, 1);
  s->qtypes = g_hash_table_new(g_direct_hash, g_direct_equal);
  s->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  wt_dns_answers_init(&s->scratch);
  return s;
}

void wt_dns_stats_free(gpointer p)
{
  WtDnsStats *s = p;
  if (!s)
    return;
  g_hash_table_destroy(s->qtypes);
  g_hash_table_destroy(s->names);
  wt_dns_answers_clear(&s->scratch);
  g_free(s);
}

WtDnsAnswers *wt_dns_stats_scratch(WtDnsStats *s) { return &s->scratch; }

static void count_qtype(WtDnsStats *s, guint qtype, guint64 n)
{
  gpointer k = GUINT_TO_POINTER(qtype);
  g_hash_table_insert(s->qtypes, k,
                      GSIZE_TO_POINTER(GPOINTER_TO_SIZE(g_hash_table_lookup(s->qtypes, k)) + n));
}

static NameAgg *name_slot(WtDnsStats *s, const char *key)
{
  NameAgg *a = g_hash_table_lookup(s->names, key);
  if (a)
    return a;
  if (g_hash_table_size(s->names) >= WT_DNS_MAX_TOP_KEYS)
    return &s->other_names;
  a = g_new0(NameAgg, 1);
  g_hash_table_insert(s->names, g_strdup(key), a);
  return a;
}

void wt_dns_stats_merge(gpointer into_p, gpointer from_p)
{
  WtDnsStats *into = into_p, *from = from_p;
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++)
    *scalar_ptr(into, &scalars[i]) += *scalar_ptr(from, &scalars[i]);
  for (guint i = 0; i < 16; i++) {
    into->rcodes[i] += from->rcodes[i];
    into->opcodes[i] += from->opcodes[i];
  }
  for (guint i = 0; i < WT_DNS_ERR_N; i++)
    into->bad[i] += from->bad[i];
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, from->qtypes);
  while (g_hash_table_iter_next(&it, &k, &v))
    count_qtype(into, GPOINTER_TO_UINT(k), GPOINTER_TO_SIZE(v));
  g_hash_table_iter_init(&it, from->names);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    NameAgg *a = name_slot(into, k), *b = v;
    a->queries += b->queries;
    a->nxdomain += b->nxdomain;
    a->unanswered += b->unanswered;
  }
  into->other_names.queries += from->other_names.queries;
  into->other_names.nxdomain += from->other_names.nxdomain;
  into->other_names.unanswered += from->other_names.unanswered;
  wt_histogram_merge(&into->rtt, &from->rtt);
}

/* --- events -------------------------------------------------------------------------- */

void wt_dns_stats_on_message(WtDnsStats *s, gboolean over_tcp)
{
  s->messages++;
  if (over_tcp)
    s->tcp_messages++;
  else
    s->udp_messages++;
}

void wt_dns_stats_on_malformed(WtDnsStats *s, WtDnsError e)
{
  s->malformed++;
  if ((guint) e < WT_DNS_ERR_N)
    s->bad[e]++;
}

void wt_dns_stats_on_query(WtDnsStats *s, const WtDnsMessage *m)
{
  s->queries++;
  s->opcodes[wt_dns_opcode(m->hdr.flags)]++;
  if (m->has_question)
    count_qtype(s, m->qtype, 1);
}

void wt_dns_stats_on_response(WtDnsStats *s, const WtDnsMessage *m, gboolean paired)
{
  s->responses++;
  s->rcodes[wt_dns_rcode(m->hdr.flags)]++;
  if (m->hdr.flags & WT_DNS_TC)
    s->truncated_responses++;
  if (!paired)
    s->orphan_responses++;
}

void wt_dns_stats_on_query_done(WtDnsStats *s, const char *qname, int rcode, gint64 rtt_ns)
{
  if (rcode < 0)
    s->unanswered++;
  else
    s->answered++;
  if (rtt_ns >= 0)
    wt_histogram_add(&s->rtt, (guint64) rtt_ns / 1000);
  if (!qname)
    return;
  g_autofree char *key = g_ascii_strdown(qname, -1);  /* names are case-insensitive */
  NameAgg *a = name_slot(s, key);
  a->queries++;
  if (rcode == 3)
    a->nxdomain++;
  if (rcode < 0)
    a->unanswered++;
}

void wt_dns_stats_on_too_many_pending(WtDnsStats *s) { s->too_many_pending++; }

/* --- report -------------------------------------------------------------------------- */

static void qtype_key(guint qtype, char *buf, gsize size)
{
  const char *n = wt_dns_qtype_name((guint16) qtype);
  if (n)
    g_strlcpy(buf, n, size);
  else
    g_snprintf(buf, size, "query-%u", qtype);  /* Zeek's spelling of unknown types */
}

static void rcode_key(guint rcode, char *buf, gsize size)
{
  const char *n = wt_dns_rcode_name(rcode);
  if (n)
    g_strlcpy(buf, n, size);
  else
    g_snprintf(buf, size, "rcode-%u", rcode);
}

static void opcode_key(guint op, char *buf, gsize size)
{
  const char *n = wt_dns_opcode_name(op);
  if (n)
    g_strlcpy(buf, n, size);
  else
    g_snprintf(buf, size, "opcode-%u", op);
}

typedef struct {
  guint key;
  guint64 n;
} Count;

static gint count_cmp(gconstpointer a, gconstpointer b)
{
  const Count *x = a, *y = b;
  if (x->n != y->n)
    return x->n > y->n ? -1 : 1;
  return x->key < y->key ? -1 : x->key > y->key;
}

static void report_qtypes(WtDnsStats *s, WtSection *sec)
{
  GArray *rows = g_array_new(FALSE, FALSE, sizeof(Count));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, s->qtypes);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    Count c = { GPOINTER_TO_UINT(k), GPOINTER_TO_SIZE(v) };
    g_array_append_val(rows, c);
  }
  g_array_sort(rows, count_cmp);
  wt_section_map_u64(sec, "qtypes", _("Queries by type"), NULL, 0);
  for (guint i = 0; i < rows->len; i++) {
    char name[32];
    Count *c = &g_array_index(rows, Count, i);
    qtype_key(c->key, name, sizeof name);
    wt_section_map_u64(sec, "qtypes", _("Queries by type"), name, c->n);
  }
  g_array_free(rows, TRUE);
}

static void report_small(WtSection *sec, const char *key, const char *label,
                         const guint64 *counts, void (*name_of)(guint, char *, gsize))
{
  Count rows[16];
  guint n = 0;
  for (guint i = 0; i < 16; i++)
    if (counts[i]) {
      rows[n].key = i;
      rows[n++].n = counts[i];
    }
  qsort(rows, n, sizeof rows[0], count_cmp);
  wt_section_map_u64(sec, key, label, NULL, 0);
  for (guint i = 0; i < n; i++) {
    char name[32];
    name_of(rows[i].key, name, sizeof name);
    wt_section_map_u64(sec, key, label, name, rows[i].n);
  }
}

typedef struct {
  const char *name;
  const NameAgg *agg;
} NameRow;

static gint name_row_cmp(gconstpointer a, gconstpointer b)
{
  const NameRow *x = a, *y = b;
  if (x->agg->queries != y->agg->queries)
    return x->agg->queries > y->agg->queries ? -1 : 1;
  return g_strcmp0(x->name, y->name);
}

static void report_names(WtDnsStats *s, WtSection *sec)
{
  GArray *rows = g_array_new(FALSE, FALSE, sizeof(NameRow));
  GHashTableIter it;
  gpointer k, v;
  guint64 total = s->other_names.queries;
  g_hash_table_iter_init(&it, s->names);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    NameRow r = { k, v };
    g_array_append_val(rows, r);
    total += ((NameAgg *) v)->queries;
  }
  g_array_sort(rows, name_row_cmp);
  if (s->other_names.queries) {
    NameRow r = { "(other)", &s->other_names };
    g_array_append_val(rows, r);
  }
  WtTable *t = wt_section_table(sec, "top_queries", _("Top queried names"));
  wt_table_column(t, "query", _("Name"), WT_COL_STR);
  wt_table_column(t, "count", _("Queries"), WT_COL_U64);
  wt_table_column(t, "share", _("Share"), WT_COL_PERCENT);
  wt_table_column(t, "nxdomain", _("NXDOMAIN"), WT_COL_U64);
  wt_table_column(t, "unanswered", _("Unanswered"), WT_COL_U64);
  for (guint i = 0; i < rows->len; i++) {
    const NameRow *r = &g_array_index(rows, NameRow, i);
    if (i >= WT_DNS_REPORT_ROWS && r->agg != &s->other_names)
      continue;
    wt_table_row(t);
    wt_table_str(t, r->name);
    wt_table_u64(t, r->agg->queries);
    wt_table_percent(t, total ? 100.0 * (double) r->agg->queries / (double) total : 0);
    wt_table_u64(t, r->agg->nxdomain);
    wt_table_u64(t, r->agg->unanswered);
  }
  g_array_free(rows, TRUE);
}

void wt_dns_stats_report(gpointer p, const WtReportOptions *opts, WtReport *r)
{
  (void) opts; /* its top-N tables keep their own row count */
  WtDnsStats *s = p;
  WtSection *sec = wt_report_section(r, "dns", _("DNS"));
  wt_section_set_nothing(sec, _("no messages"));
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++)
    wt_section_u64(sec, scalars[i].name, _(scalars[i].label), *scalar_ptr(s, &scalars[i]));
  report_qtypes(s, sec);
  report_small(sec, "rcodes", _("Responses by rcode"), s->rcodes, rcode_key);
  report_small(sec, "opcodes", _("Queries by opcode"), s->opcodes, opcode_key);
  wt_section_map_u64(sec, "malformed_reasons", _("Malformed messages by reason"), NULL, 0);
  for (guint e = 1; e < WT_DNS_ERR_N; e++)
    if (s->bad[e])
      wt_section_map_u64(sec, "malformed_reasons", _("Malformed messages by reason"),
                         wt_dns_error_name((WtDnsError) e), s->bad[e]);
  wt_histogram_report(&s->rtt, sec, "rtt", _("Response time (query to response)"));
  report_names(s, sec);
}

/* --- getters ------------------------------------------------------------------------- */

guint64 wt_dns_stats_get(const WtDnsStats *s, const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++)
    if (strcmp(scalars[i].name, name) == 0)
      return *scalar_ptr((WtDnsStats *) s, &scalars[i]);
  return 0;
}

guint64 wt_dns_stats_qtype_count(const WtDnsStats *s, const char *qtype_name)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, s->qtypes);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    char name[32];
    qtype_key(GPOINTER_TO_UINT(k), name, sizeof name);
    if (strcmp(name, qtype_name) == 0)
      return GPOINTER_TO_SIZE(v);
  }
  return 0;
}

guint64 wt_dns_stats_rcode_count(const WtDnsStats *s, const char *rcode_name)
{
  for (guint i = 0; i < 16; i++) {
    char name[32];
    rcode_key(i, name, sizeof name);
    if (strcmp(name, rcode_name) == 0)
      return s->rcodes[i];
  }
  return 0;
}

guint64 wt_dns_stats_name_count(const WtDnsStats *s, const char *qname)
{
  if (strcmp(qname, "(other)") == 0)
    return s->other_names.queries;
  const NameAgg *a = g_hash_table_lookup(s->names, qname);
  return a ? a->queries : 0;
}

guint64 wt_dns_stats_malformed_count(const WtDnsStats *s, const char *reason)
{
  for (guint e = 1; e < WT_DNS_ERR_N; e++)
    if (strcmp(wt_dns_error_name((WtDnsError) e), reason) == 0)
      return s->bad[e];
  return 0;
}

double wt_dns_stats_rtt_ms(const WtDnsStats *s, double percentile)
{
  return wt_histogram_percentile(&s->rtt, percentile) / 1000.0;
}

/* --- live metrics -------------------------------------------------------------------- */

void wt_dns_stats_metrics(gconstpointer stats, WtMetrics *m)
{
  const WtDnsStats *s = stats;
  wt_metrics_declare(m, "wiretab_dns_queries_total", WT_METRIC_COUNTER,
                     "DNS query messages (UDP and TCP)");
  wt_metrics_declare(m, "wiretab_dns_responses_total", WT_METRIC_COUNTER,
                     "DNS response messages by rcode");
  wt_metrics_add(m, "wiretab_dns_queries_total", (double) s->queries, NULL);
  for (guint i = 0; i < G_N_ELEMENTS(s->rcodes); i++) {
    if (!s->rcodes[i])
      continue;
    char name[32];
    rcode_key(i, name, sizeof name);
    wt_metrics_add(m, "wiretab_dns_responses_total", (double) s->rcodes[i], "rcode", name,
                   NULL);
  }
}
