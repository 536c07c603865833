/* TLS ClientHello / ServerHello sniffer (RFC 8446 4.1.2-4.1.3, RFC 6066 3 (SNI), RFC 7301
 * (ALPN), RFC 8446 4.2.1 (supported_versions)). Handshake bytes are gathered across
 * records (a hello may be fragmented) up to WT_TLS_MAX_HELLO; until the whole hello is
 * there nothing is consumed, so the reassembler keeps at most one hello for us. After
 * the hello of a direction, its bytes are skipped unread (they are encrypted or
 * irrelevant to the tap). */
#include "dissectors/tls/tls.h"
#include <glib/gi18n.h>
#include <string.h>

#define WT_TLS_MAX_HELLO 16384       /* handshake message bytes we gather */
#define WT_TLS_MAX_RECORD (16384 + 2048)
#define WT_TLS_MAX_KEYS 10000        /* distinct SNI / ALPN values; the rest is "(other)" */
#define WT_TLS_REPORT_ROWS 50

struct WtTlsStats {
  guint64 client_hellos, server_hellos, no_sni, sslv2_hellos, not_tls, malformed;
  GHashTable *sni, *alpn, *negotiated, *client_versions;  /* char* -> guint64* */
};

typedef struct {
  WtTlsStats *stats;
  WtAppContext *ctx;
  gboolean done[2];
} TlsSession;

/* --- counting --------------------------------------------------------------------- */

static void count(GHashTable *h, const char *key, guint64 n)
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

/* RFC 8701 GREASE values (0x0a0a, 0x1a1a ... 0xfafa) are never real versions. */
static gboolean is_grease(guint16 v)
{
  return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Host names are ASCII; anything else is shown as \xNN so the report stays valid text. */
static char *safe_name(const guint8 *p, gsize n)
{
  GString *s = g_string_sized_new(n);
  for (gsize i = 0; i < n; i++) {
    if (p[i] > 0x20 && p[i] < 0x7f && p[i] != '\\')
      g_string_append_c(s, (char) g_ascii_tolower(p[i]));
    else
      g_string_append_printf(s, "\\x%02x", p[i]);
  }
  return g_string_free(s, FALSE);
}

/* --- hello parsing ---------------------------------------------------------------- */

static void anomaly(TlsSession *s, const char *name)
{
  s->stats->malformed++;
  wt_anomaly(s->ctx ? s->ctx->anomalies : NULL, name);
}

/* server_name extension (RFC 6066 3): the first host_name entry. */
static gboolean read_sni(WtReader ext, char **sni)
{
  guint16 list_len;
  if (!wt_reader_get_be16(&ext, &list_len) || !wt_reader_narrow(&ext, list_len))
    return FALSE;
  while (wt_reader_remaining(&ext) > 0) {
    guint8 type;
    guint16 n;
    const guint8 *name;
    if (!wt_reader_get_u8(&ext, &type) || !wt_reader_get_be16(&ext, &n) ||
        !wt_reader_get_bytes(&ext, n, &name))
      return FALSE;
    if (type == 0 && !*sni && n > 0)
      *sni = safe_name(name, n);
  }
  return TRUE;
}

static gboolean read_alpn(TlsSession *s, WtReader ext)
{
  guint16 list_len;
  if (!wt_reader_get_be16(&ext, &list_len) || !wt_reader_narrow(&ext, list_len))
    return FALSE;
  while (wt_reader_remaining(&ext) > 0) {
    guint8 n;
    const guint8 *proto;
    if (!wt_reader_get_u8(&ext, &n) || !wt_reader_get_bytes(&ext, n, &proto))
      return FALSE;
    g_autofree char *name = safe_name(proto, n);
    count(s->stats->alpn, name, 1);
  }
  return TRUE;
}

/* ClientHello supported_versions: u8 length, then versions; the highest real one. */
static gboolean read_client_versions(WtReader ext, guint16 *max)
{
  guint8 n;
  if (!wt_reader_get_u8(&ext, &n) || !wt_reader_narrow(&ext, n) || n % 2)
    return FALSE;
  guint16 v;
  while (wt_reader_get_be16(&ext, &v))
    if (!is_grease(v) && v > *max)
      *max = v;
  return TRUE;
}

/* Walks the extensions block (if any) after the fixed part of a hello. */
static gboolean read_extensions(TlsSession *s, WtReader *r, gboolean client, char **sni,
                                guint16 *version)
{
  guint16 total;
  if (wt_reader_remaining(r) == 0)
    return TRUE;  /* extensions are optional before TLS 1.3 */
  if (!wt_reader_get_be16(r, &total) || !wt_reader_narrow(r, total))
    return FALSE;
  gboolean client_sv = FALSE;
  guint16 client_max = 0;
  while (wt_reader_remaining(r) > 0) {
    guint16 type, n;
    const guint8 *body;
    if (!wt_reader_get_be16(r, &type) || !wt_reader_get_be16(r, &n) ||
        !wt_reader_get_bytes(r, n, &body))
      return FALSE;
    WtReader ext = wt_reader_init(body, n);
    gboolean ok = TRUE;
    if (type == 0 && client)
      ok = read_sni(ext, sni);
    else if (type == 16 && client)
      ok = read_alpn(s, ext);
    else if (type == 43 && client) {
      ok = read_client_versions(ext, &client_max);
      client_sv = TRUE;
    } else if (type == 43) {
      ok = wt_reader_get_be16(&ext, version);  /* the selected version */
    }
    if (!ok)
      return FALSE;
  }
  if (client_sv && client_max)
    *version = client_max;
  return TRUE;
}

static void client_hello(TlsSession *s, const guint8 *p, gsize n)
{
  WtReader r = wt_reader_init(p, n);
  guint16 version;
  guint8 sid_len, comp_len;
  guint16 cs_len;
  g_autofree char *sni = NULL;
  char buf[8];
  if (!wt_reader_get_be16(&r, &version) || !wt_reader_skip(&r, 32) ||
      !wt_reader_get_u8(&r, &sid_len) || !wt_reader_skip(&r, sid_len) ||
      !wt_reader_get_be16(&r, &cs_len) || !wt_reader_skip(&r, cs_len) ||
      !wt_reader_get_u8(&r, &comp_len) || !wt_reader_skip(&r, comp_len) ||
      !read_extensions(s, &r, TRUE, &sni, &version)) {
    anomaly(s, "tls.bad_client_hello");
    return;
  }
  s->stats->client_hellos++;
  count(s->stats->client_versions, wt_tls_version_name(version, buf, sizeof buf), 1);
  if (sni)
    count(s->stats->sni, sni, 1);
  else
    s->stats->no_sni++;
}

static void server_hello(TlsSession *s, const guint8 *p, gsize n)
{
  WtReader r = wt_reader_init(p, n);
  guint16 version, cipher;
  guint8 sid_len, comp;
  char buf[8];
  if (!wt_reader_get_be16(&r, &version) || !wt_reader_skip(&r, 32) ||
      !wt_reader_get_u8(&r, &sid_len) || !wt_reader_skip(&r, sid_len) ||
      !wt_reader_get_be16(&r, &cipher) || !wt_reader_get_u8(&r, &comp) ||
      !read_extensions(s, &r, FALSE, NULL, &version)) {
    anomaly(s, "tls.bad_server_hello");
    return;
  }
  s->stats->server_hellos++;
  count(s->stats->negotiated, wt_tls_version_name(version, buf, sizeof buf), 1);
}

/* --- stream ------------------------------------------------------------------------ */

static gsize finish(TlsSession *s, WtDir dir, gsize len)
{
  s->done[dir] = TRUE;
  return len;
}

static gsize deliver(gpointer p, WtDir dir, const guint8 *data, gsize len, gint64 ts_ns)
{
  TlsSession *s = p;
  (void) ts_ns;
  if (s->done[dir])
    return len;
  /* SSLv2-compatible ClientHello: 2-byte length with the high bit, type 1 */
  if (dir == WT_DIR_ORIG && len >= 3 && (data[0] & 0x80) && data[2] == 1) {
    s->stats->sslv2_hellos++;
    return finish(s, dir, len);
  }
  g_autofree guint8 *hs = NULL;
  gsize hs_len = 0;
  WtReader r = wt_reader_init(data, len);
  for (gboolean first = TRUE;; first = FALSE) {
    guint8 type;
    guint16 version, rec_len;
    const guint8 *payload;
    if (wt_reader_remaining(&r) < 5)
      return 0;  /* wait for the record header */
    if (!wt_reader_get_u8(&r, &type) || !wt_reader_get_be16(&r, &version) ||
        !wt_reader_get_be16(&r, &rec_len))
      return 0;
    if (type != 22 || (version >> 8) != 3) {
      if (first)
        s->stats->not_tls++;  /* not a TLS handshake (or a protocol we do not know) */
      else
        anomaly(s, "tls.bad_record");
      return finish(s, dir, len);
    }
    if (rec_len > WT_TLS_MAX_RECORD || hs_len + rec_len > WT_TLS_MAX_HELLO) {
      anomaly(s, "tls.hello_too_long");
      return finish(s, dir, len);
    }
    if (!wt_reader_get_bytes(&r, rec_len, &payload))
      return 0;  /* the record is not complete yet */
    if (!hs)
      hs = g_malloc(WT_TLS_MAX_HELLO);
    memcpy(hs + hs_len, payload, rec_len);
    hs_len += rec_len;
    if (hs_len < 4)
      continue;
    gsize msg_len = ((gsize) hs[1] << 16) | ((gsize) hs[2] << 8) | hs[3];
    if (msg_len > WT_TLS_MAX_HELLO - 4) {
      anomaly(s, "tls.hello_too_long");
      return finish(s, dir, len);
    }
    if (hs_len - 4 < msg_len)
      continue;  /* fragmented over more records */
    guint8 want = dir == WT_DIR_ORIG ? 1 : 2;
    if (hs[0] != want)
      anomaly(s, dir == WT_DIR_ORIG ? "tls.no_client_hello" : "tls.no_server_hello");
    else if (dir == WT_DIR_ORIG)
      client_hello(s, hs + 4, msg_len);
    else
      server_hello(s, hs + 4, msg_len);
    return finish(s, dir, len);
  }
}

static void gap(gpointer p, WtDir dir, guint64 len)
{
  TlsSession *s = p;
  (void) len;
  s->done[dir] = TRUE;  /* a hello cut by loss is not worth guessing at */
}

static void eof(gpointer p, WtDir dir, gint64 ts_ns)
{
  TlsSession *s = p;
  (void) ts_ns;
  s->done[dir] = TRUE;
}

static gpointer session_new(gpointer stats, WtAppContext *ctx, const WtConnInfo *conn)
{
  (void) conn;
  TlsSession *s = g_new0(TlsSession, 1);
  s->stats = stats;
  s->ctx = ctx;
  return s;
}

static void session_free(gpointer p)
{
  g_free(p);
}

static gboolean probe(const guint8 *data, gsize len, WtDir dir)
{
  return len >= 6 && data[0] == 22 && data[1] == 3 && data[2] <= 4 &&
         data[5] == (dir == WT_DIR_ORIG ? 1 : 2);
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
  g_free(s);
}

static void table_merge(GHashTable *into, GHashTable *from)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, from);
  while (g_hash_table_iter_next(&it, &k, &v))
    count(into, k, *(guint64 *) v);
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
  if (s->client_hellos || s->server_hellos)
    wt_section_str(sec, "note", _("Note"),
                   _("HTTPS is encrypted: its requests and status codes are not in the HTTP "
                     "section, which counts plain HTTP only; server names come from the "
                     "ClientHello"));
  report_map(sec, "negotiated_versions", _("Negotiated versions"), s->negotiated);
  report_map(sec, "client_versions", _("Highest version offered by clients"), s->client_versions);
  report_table(sec, "sni", _("Server names (SNI)"), "server_name", s->sni, s->client_hellos);
  report_table(sec, "alpn", _("ALPN protocols offered"), "protocol", s->alpn, s->client_hellos);
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

static const guint16 tls_ports[] = { 443, 8443, 993, 995, 465, 636, 853, 0 };

const WtStreamDissector wt_tls_dissector = {
  .name = "tls",
  .ports = tls_ports,
  .probe = probe,
  .stats_new = stats_new,
  .stats_free = stats_free,
  .stats_merge = stats_merge,
  .report = report,
  .session_new = session_new,
  .deliver = deliver,
  .gap = gap,
  .eof = eof,
  .session_free = session_free,
};
