/* The TLS tap and descriptor. The sessions (records, handshake, decryption, the hand-off
 * of decrypted content) are in tls-session.c, the hello parsing in tls-hello.c, the key
 * schedules and ciphers in tls-crypto.c, the key log in tls-keylog.c. */
#include "dissectors/tls/tls.h"
#include "dissectors/tls/tls-private.h"
#include <glib/gi18n.h>
#include <string.h>

#define WT_TLS_REPORT_ROWS 50

/* --- counting --------------------------------------------------------------------- */

void wt_tls_count(GHashTable *h, const char *key, guint64 n)
{
  guint64 *v = g_hash_table_lookup(h, key);
  if (!v) {
    if (g_hash_table_size(h) >= WT_TLS_MAX_KEYS)
      key = "(other)";
    v = g_hash_table_lookup(h, key);
  }
  if (!v) {
    v = g_new0(guint64, 1);
    g_hash_table_insert(h, g_strdup(key), v);
  }
  *v += n;
}

/* sessions and decrypted sessions per "version<TAB>suite" */
static void count_pair(GHashTable *h, const char *key, guint64 sessions, guint64 decrypted)
{
  guint64 *v = g_hash_table_lookup(h, key);
  if (!v) {
    if (g_hash_table_size(h) >= WT_TLS_MAX_KEYS)
      key = "(other)\t(other)";
    v = g_hash_table_lookup(h, key);
  }
  if (!v) {
    v = g_new0(guint64, 2);
    g_hash_table_insert(h, g_strdup(key), v);
  }
  v[0] += sessions;
  v[1] += decrypted;
}

void wt_tls_count_certificate(WtTlsStats *s, const char *subject, const char *issuer)
{
  g_autofree char *key = g_strdup_printf("%s\t%s", subject, issuer);
  wt_tls_count(s->certificates, key, 1);
}

void wt_tls_count_suite(WtTlsStats *s, const char *version, const char *suite,
                        gboolean decrypted)
{
  g_autofree char *key = g_strdup_printf("%s\t%s", version, suite);
  count_pair(s->suites, key, 1, decrypted ? 1 : 0);
}

const char *wt_tls_version_name(guint16 v, char *buf, gsize size)
{
  switch (v) {
  case 0x0300: return "SSL 3.0";
  case 0x0301: return "TLS 1.0";
  case 0x0302: return "TLS 1.1";
  case 0x0303: return "TLS 1.2";
  case 0x0304: return "TLS 1.3";
  default:
    g_snprintf(buf, size, "0x%04x", v);
    return buf;
  }
}

/* --- tap ---------------------------------------------------------------------------- */

static GHashTable *table_new(void)
{
  return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static gpointer stats_new(void)
{
  WtTlsStats *s = g_new0(WtTlsStats, 1);
  s->sni = table_new();
  s->alpn = table_new();
  s->negotiated = table_new();
  s->client_versions = table_new();
  s->suites = table_new();
  s->certificates = table_new();
  return s;
}

static void stats_free(gpointer p)
{
  WtTlsStats *s = p;
  if (!s)
    return;
  g_hash_table_destroy(s->sni);
  g_hash_table_destroy(s->alpn);
  g_hash_table_destroy(s->negotiated);
  g_hash_table_destroy(s->client_versions);
  g_hash_table_destroy(s->suites);
  g_hash_table_destroy(s->certificates);
  g_free(s);
}

static void table_merge(GHashTable *into, GHashTable *from)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, from);
  while (g_hash_table_iter_next(&it, &k, &v))
    wt_tls_count(into, k, *(guint64 *) v);
}

static void stats_merge(gpointer into_p, gpointer from_p)
{
  WtTlsStats *into = into_p, *from = from_p;
  into->client_hellos += from->client_hellos;
  into->server_hellos += from->server_hellos;
  into->no_sni += from->no_sni;
  into->sslv2_hellos += from->sslv2_hellos;
  into->not_tls += from->not_tls;
  into->malformed += from->malformed;
  table_merge(into->sni, from->sni);
  table_merge(into->alpn, from->alpn);
  table_merge(into->negotiated, from->negotiated);
  table_merge(into->client_versions, from->client_versions);
  table_merge(into->certificates, from->certificates);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, from->suites);
  while (g_hash_table_iter_next(&it, &k, &v))
    count_pair(into->suites, k, ((guint64 *) v)[0], ((guint64 *) v)[1]);
  into->sessions_decrypted += from->sessions_decrypted;
  for (int i = 0; i < WT_TLS_N_DARK; i++)
    into->dark[i] += from->dark[i];
  into->records_decrypted += from->records_decrypted;
  into->decrypt_failed += from->decrypt_failed;
  into->resyncs += from->resyncs;
  into->plaintext_bytes += from->plaintext_bytes;
  into->no_inner += from->no_inner;
  into->keyupdates += from->keyupdates;
  into->hello_retries += from->hello_retries;
  into->keylog |= from->keylog;
}

typedef struct {
  const char *key;
  guint64 n;
} Row;

static gint row_cmp(gconstpointer a, gconstpointer b)
{
  const Row *x = a, *y = b;
  if (x->n != y->n)
    return x->n > y->n ? -1 : 1;
  return g_strcmp0(x->key, y->key);
}

static GArray *sorted(GHashTable *h)
{
  GArray *rows = g_array_new(FALSE, FALSE, sizeof(Row));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, h);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    Row r = { k, *(guint64 *) v };
    g_array_append_val(rows, r);
  }
  g_array_sort(rows, row_cmp);
  return rows;
}

static void report_map(WtSection *sec, const char *key, const char *label, GHashTable *h)
{
  g_autoptr(GArray) rows = sorted(h);
  for (guint i = 0; i < rows->len; i++) {
    const Row *r = &g_array_index(rows, Row, i);
    wt_section_map_u64(sec, key, label, r->key, r->n);
  }
}

static void report_table(WtSection *sec, const char *key, const char *label, const char *col,
                         GHashTable *h, guint64 whole)
{
  WtTable *t = wt_section_table(sec, key, label);
  wt_table_column(t, col, label, WT_COL_STR);
  wt_table_column(t, "count", _("Count"), WT_COL_U64);
  wt_table_column(t, "share", _("Share"), WT_COL_PERCENT);
  g_autoptr(GArray) rows = sorted(h);
  for (guint i = 0; i < rows->len && i < WT_TLS_REPORT_ROWS; i++) {
    const Row *r = &g_array_index(rows, Row, i);
    wt_table_row(t);
    wt_table_str(t, r->key);
    wt_table_u64(t, r->n);
    wt_table_percent(t, whole ? 100.0 * (double) r->n / (double) whole : 0);
  }
}

typedef struct {
  const char *key;
  const guint64 *v;
} PairRow;

static gint pair_cmp(gconstpointer a, gconstpointer b)
{
  const PairRow *x = a, *y = b;
  if (x->v[0] != y->v[0])
    return x->v[0] > y->v[0] ? -1 : 1;
  return g_strcmp0(x->key, y->key);
}

/* Sessions (a ServerHello seen) by version and cipher suite, and how many were decrypted. */
static void report_sessions(WtSection *sec, const WtTlsStats *s)
{
  WtTable *t = wt_section_table(sec, "sessions", _("Sessions by version and cipher suite"));
  wt_table_column(t, "version", _("Version"), WT_COL_STR);
  wt_table_column(t, "cipher_suite", _("Cipher suite"), WT_COL_STR);
  wt_table_column(t, "sessions", _("Sessions"), WT_COL_U64);
  wt_table_column(t, "decrypted", _("Decrypted"), WT_COL_U64);
  g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(PairRow));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, s->suites);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    PairRow r = { k, v };
    g_array_append_val(rows, r);
  }
  g_array_sort(rows, pair_cmp);
  for (guint i = 0; i < rows->len && i < WT_TLS_REPORT_ROWS; i++) {
    const PairRow *r = &g_array_index(rows, PairRow, i);
    const char *tab = strchr(r->key, '\t');
    g_autofree char *version = g_strndup(r->key, tab ? (gsize) (tab - r->key) : strlen(r->key));
    wt_table_row(t);
    wt_table_str(t, version);
    wt_table_str(t, tab ? tab + 1 : "");
    wt_table_u64(t, r->v[0]);
    wt_table_u64(t, r->v[1]);
  }
}

/* Server certificates (the first of each Certificate message): subject, issuer, sessions. */
static void report_certificates(WtSection *sec, const WtTlsStats *s)
{
  if (g_hash_table_size(s->certificates) == 0)
    return;
  WtTable *t = wt_section_table(sec, "certificates", _("Server certificates"));
  wt_table_column(t, "subject", _("Subject"), WT_COL_STR);
  wt_table_column(t, "issuer", _("Issuer"), WT_COL_STR);
  wt_table_column(t, "count", _("Sessions"), WT_COL_U64);
  g_autoptr(GArray) rows = sorted(s->certificates);
  for (guint i = 0; i < rows->len && i < WT_TLS_REPORT_ROWS; i++) {
    const Row *r = &g_array_index(rows, Row, i);
    const char *tab = strchr(r->key, '\t');
    g_autofree char *subject = g_strndup(r->key, tab ? (gsize) (tab - r->key) : strlen(r->key));
    wt_table_row(t);
    wt_table_str(t, subject);
    wt_table_str(t, tab ? tab + 1 : "");
    wt_table_u64(t, r->n);
  }
}

static const char *const dark_keys[WT_TLS_N_DARK] = {
  [WT_TLS_DARK_NO_KEY] = "no_key",
  [WT_TLS_DARK_UNSUPPORTED] = "unsupported",
  [WT_TLS_DARK_NO_HANDSHAKE] = "handshake_not_captured",
  [WT_TLS_DARK_GAP] = "capture_gap",
  [WT_TLS_DARK_BAD_RECORDS] = "records_failed",
  [WT_TLS_DARK_NO_DATA] = "no_application_data",
};

/* With a key log: how much was read, and why the rest was not. */
static void report_decryption(WtSection *sec, const WtTlsStats *s)
{
  wt_section_u64(sec, "sessions_decrypted", _("Sessions decrypted"), s->sessions_decrypted);
  for (int i = 0; i < WT_TLS_N_DARK; i++)
    wt_section_map_u64(sec, "not_decrypted", _("Sessions not decrypted, by reason"),
                       dark_keys[i], s->dark[i]);
  wt_section_u64(sec, "records_decrypted", _("Records decrypted"), s->records_decrypted);
  wt_section_u64(sec, "decrypt_failed", _("Records that failed to authenticate"),
                 s->decrypt_failed);
  wt_section_u64(sec, "resyncs", _("Records lost to capture gaps, resynchronised"), s->resyncs);
  wt_section_u64(sec, "plaintext_bytes", _("Application data bytes decrypted"),
                 s->plaintext_bytes);
  wt_section_u64(sec, "no_dissector", _("Decrypted sessions with no dissector for the content"),
                 s->no_inner);
  wt_section_u64(sec, "key_updates", _("TLS 1.3 KeyUpdates"), s->keyupdates);
}

static void report(gpointer p, const WtReportOptions *opts, WtReport *rep)
{
  (void) opts; /* every table lists what the bounded maps hold */
  WtTlsStats *s = p;
  WtSection *sec = wt_report_section(rep, "tls", _("TLS handshakes"));
  wt_section_u64(sec, "client_hellos", _("ClientHellos"), s->client_hellos);
  wt_section_u64(sec, "server_hellos", _("ServerHellos"), s->server_hellos);
  wt_section_u64(sec, "no_sni", _("ClientHellos without SNI"), s->no_sni);
  wt_section_u64(sec, "sslv2_hellos", _("SSLv2-format ClientHellos"), s->sslv2_hellos);
  wt_section_u64(sec, "not_tls", _("Directions not starting with a TLS handshake"), s->not_tls);
  wt_section_u64(sec, "malformed", _("Malformed hellos"), s->malformed);
  wt_section_u64(sec, "hello_retries", _("HelloRetryRequests"), s->hello_retries);
  if ((s->client_hellos || s->server_hellos) && !s->keylog)
    wt_section_str(sec, "note", _("Note"),
                   _("HTTPS is encrypted: its requests and status codes are not in the HTTP "
                     "section, which counts plain HTTP only (give a key log with --tls-keylog "
                     "to read them); server names come from the ClientHello"));
  report_map(sec, "negotiated_versions", _("Negotiated versions"), s->negotiated);
  report_map(sec, "client_versions", _("Highest version offered by clients"), s->client_versions);
  report_table(sec, "sni", _("Server names (SNI)"), "server_name", s->sni, s->client_hellos);
  report_table(sec, "alpn", _("ALPN protocols offered"), "protocol", s->alpn, s->client_hellos);
  report_sessions(sec, s);
  report_certificates(sec, s);
  if (s->keylog)
    report_decryption(sec, s);
}

guint64 wt_tls_stats_get(const WtTlsStats *s, const char *name)
{
  static const struct { const char *name; gsize off; } scalars[] = {
    { "client_hellos", G_STRUCT_OFFSET(WtTlsStats, client_hellos) },
    { "server_hellos", G_STRUCT_OFFSET(WtTlsStats, server_hellos) },
    { "no_sni", G_STRUCT_OFFSET(WtTlsStats, no_sni) },
    { "sslv2_hellos", G_STRUCT_OFFSET(WtTlsStats, sslv2_hellos) },
    { "not_tls", G_STRUCT_OFFSET(WtTlsStats, not_tls) },
    { "malformed", G_STRUCT_OFFSET(WtTlsStats, malformed) },
    { "hello_retries", G_STRUCT_OFFSET(WtTlsStats, hello_retries) },
    { "sessions_decrypted", G_STRUCT_OFFSET(WtTlsStats, sessions_decrypted) },
    { "records_decrypted", G_STRUCT_OFFSET(WtTlsStats, records_decrypted) },
    { "decrypt_failed", G_STRUCT_OFFSET(WtTlsStats, decrypt_failed) },
    { "resyncs", G_STRUCT_OFFSET(WtTlsStats, resyncs) },
    { "plaintext_bytes", G_STRUCT_OFFSET(WtTlsStats, plaintext_bytes) },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++)
    if (strcmp(scalars[i].name, name) == 0)
      return *(const guint64 *) ((const guint8 *) s + scalars[i].off);
  return 0;
}

guint64 wt_tls_stats_count(const WtTlsStats *s, const char *table, const char *key)
{
  GHashTable *h = strcmp(table, "sni") == 0                   ? s->sni
                  : strcmp(table, "alpn") == 0                ? s->alpn
                  : strcmp(table, "negotiated_versions") == 0 ? s->negotiated
                  : strcmp(table, "client_versions") == 0     ? s->client_versions
                                                              : NULL;
  guint64 *v = h ? g_hash_table_lookup(h, key) : NULL;
  return v ? *v : 0;
}

/* A TLS handshake record header carrying a ClientHello (originator) or ServerHello. */
static gboolean probe(const guint8 *data, gsize len, WtDir dir)
{
  return len >= 6 && data[0] == 22 && data[1] == 3 && data[2] <= 4 &&
         data[5] == (dir == WT_DIR_ORIG ? 1 : 2);
}

static const guint16 tls_ports[] = { 443, 8443, 993, 995, 465, 636, 853, 0 };

const WtStreamDissector wt_tls_dissector = {
  .name = "tls",
  .ports = tls_ports,
  .probe = probe,
  .stats_new = stats_new,
  .stats_free = stats_free,
  .stats_merge = stats_merge,
  .report = report,
  .session_new = wt_tls_session_new,
  .deliver = wt_tls_session_deliver,
  .gap = wt_tls_session_gap,
  .eof = wt_tls_session_eof,
  .session_free = wt_tls_session_free,
  .inner_service = wt_tls_session_inner_service,
  .settled = wt_tls_session_settled,
};
