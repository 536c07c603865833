/* ClickHouse: table names, the log line -> JSONEachRow row mapping, the schema, and one
 * SQL statement over the HTTP interface. The sender thread is in clickhouse-export.c. */
#include "analyzer/output/clickhouse.h"

#include <string.h>

#ifdef WT_HAVE_CURL
#include <curl/curl.h>
#endif

static const char *const table_names[WT_CH_N_TABLES] = { "conn", "http", "dns" };

G_DEFINE_QUARK(wt-clickhouse-error-quark, wt_ch_error)

const char *wt_ch_table_name(WtChTable t)
{
  return (unsigned) t < WT_CH_N_TABLES ? table_names[t] : "?";
}

gboolean wt_ch_available(void)
{
#ifdef WT_HAVE_CURL
  return TRUE;
#else
  return FALSE;
#endif
}

char *wt_ch_url_database(const char *url)
{
  const char *q = url ? strchr(url, '?') : NULL;
  if (q) {
    g_auto(GStrv) params = g_strsplit(q + 1, "&", -1);
    for (char **p = params; *p; p++)
      if (g_str_has_prefix(*p, "database=") && (*p)[9]) {
        g_autofree char *db = g_uri_unescape_string(*p + 9, NULL);
        if (db && *db)
          return g_steal_pointer(&db);
      }
  }
  return g_strdup("wiretab");
}

/* --- log line -> row ------------------------------------------------------------------- */

/* End of the JSON value starting at p (a string, an array or object, or a bare token),
 * or NULL if it runs past `end`. Strings inside arrays are skipped whole, so a ']' or
 * ',' in a query name does not end the value. */
static const char *value_end(const char *p, const char *end)
{
  int depth = 0;
  gboolean in_str = FALSE;
  for (; p < end; p++) {
    char c = *p;
    if (in_str) {
      if (c == '\\')
        p++;
      else if (c == '"') {
        in_str = FALSE;
        if (depth == 0)
          return p + 1;
      }
      continue;
    }
    switch (c) {
    case '"': in_str = TRUE; break;
    case '[': case '{': depth++; break;
    case ']': case '}':
      if (depth == 0)
        return p; /* the object's closing brace ends a bare token */
      if (--depth == 0)
        return p + 1;
      break;
    case ',':
      if (depth == 0)
        return p;
      break;
    default: break;
    }
  }
  return NULL;
}

/* "ts":1795666951.079800 -> "ts":1795666951,"ts_us":79800 (DateTime + microseconds:
 * 18.16 has no DateTime64). */
static gboolean append_ts(GString *out, const char *v, gsize n)
{
  gsize i = 0;
  guint64 secs = 0, us = 0;
  for (; i < n && g_ascii_isdigit(v[i]); i++)
    secs = secs * 10 + (guint64) (v[i] - '0');
  if (i == 0 || i > 10)
    return FALSE;
  if (i < n) {
    if (v[i++] != '.')
      return FALSE;
    int digits = 0;
    for (; i < n && g_ascii_isdigit(v[i]); i++)
      if (digits < 6) {
        us = us * 10 + (guint64) (v[i] - '0');
        digits++;
      }
    if (i != n)
      return FALSE;
    for (; digits < 6; digits++)
      us *= 10;
  }
  g_string_append_printf(out, "\"ts\":%" G_GUINT64_FORMAT ",\"ts_us\":%" G_GUINT64_FORMAT,
                         secs, us);
  return TRUE;
}

gboolean wt_ch_row_from_log(GString *out, const char *sensor, const char *line, gsize len)
{
  const char *p = line, *end = line + len;
  while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
    end--;
  if (end - p < 2 || *p != '{' || end[-1] != '}')
    return FALSE;
  end--; /* at the closing brace */
  gsize start_len = out->len;
  g_string_append(out, "{\"sensor\":");
  /* sensor names come from the command line: escape them like any string */
  g_string_append_c(out, '"');
  for (const char *s = sensor; *s; s++) {
    if (*s == '"' || *s == '\\')
      g_string_append_c(out, '\\');
    if ((guchar) *s < 0x20)
      g_string_append_printf(out, "\\u%04x", (guchar) *s);
    else
      g_string_append_c(out, *s);
  }
  g_string_append_c(out, '"');
  p++;
  while (p < end) {
    if (*p == ',')
      p++;
    if (p >= end || *p != '"')
      goto bad;
    const char *k = ++p;
    while (p < end && *p != '"' && *p != '\\')
      p++;
    if (p >= end || *p != '"')
      goto bad;
    gsize klen = (gsize) (p - k);
    p++;
    if (p >= end || *p != ':')
      goto bad;
    const char *v = ++p;
    const char *ve = value_end(v, end + 1);
    if (!ve || ve == v)
      goto bad;
    if (ve > end)
      ve = end;
    gsize vlen = (gsize) (ve - v);
    p = ve;
    if (vlen == 4 && memcmp(v, "null", 4) == 0)
      continue; /* unset: the column's default */
    if (klen > 3 && memcmp(k, "id.", 3) == 0) {
      k += 3; /* Zeek's dotted names do not suit ClickHouse columns */
      klen -= 3;
    }
    g_string_append_c(out, ',');
    if (klen == 2 && memcmp(k, "ts", 2) == 0) {
      if (!append_ts(out, v, vlen))
        goto bad;
      continue;
    }
    g_string_append_c(out, '"');
    g_string_append_len(out, k, (gssize) klen);
    g_string_append(out, "\":");
    g_string_append_len(out, v, (gssize) vlen);
  }
  g_string_append(out, "}\n");
  return TRUE;
bad:
  g_string_truncate(out, start_len);
  return FALSE;
}

/* --- schema ------------------------------------------------------------------------------ */

/* Columns common to the three tables: who, when, which connection. */
#define COMMON_COLUMNS                                                                  \
  "    sensor String,\n"                                                                \
  "    ts DateTime,\n"                                                                  \
  "    ts_us UInt32,\n"                                                                 \
  "    uid String,\n"                                                                   \
  "    orig_h String,\n"                                                                \
  "    orig_p UInt16,\n"                                                                \
  "    resp_h String,\n"                                                                \
  "    resp_p UInt16,\n"

static const char *const conn_columns =
  COMMON_COLUMNS
  "    proto String,\n"
  "    service String,\n"
  "    duration Float64,\n"
  "    orig_bytes UInt64,\n"
  "    resp_bytes UInt64,\n"
  "    conn_state String,\n"
  "    missed_bytes UInt64,\n"
  "    history String,\n"
  "    orig_pkts UInt64,\n"
  "    orig_ip_bytes UInt64,\n"
  "    resp_pkts UInt64,\n"
  "    resp_ip_bytes UInt64,\n"
  "    ip_proto UInt8,\n"
  "    orig_state String,\n"
  "    resp_state String,\n"
  "    handshake_rtt Nullable(Float64),\n"
  "    handshake String,\n"
  "    close_kind String,\n"
  "    first_closer String,\n"
  "    syn_ts Nullable(Float64),\n"
  "    synack_ts Nullable(Float64),\n"
  "    rtt_syn_synack Nullable(Float64),\n"
  "    rtt_synack_ack Nullable(Float64),\n"
  "    orig_fin_ts Nullable(Float64),\n"
  "    orig_fin_acked_ts Nullable(Float64),\n"
  "    resp_fin_ts Nullable(Float64),\n"
  "    resp_fin_acked_ts Nullable(Float64),\n"
  "    orig_rst_ts Nullable(Float64),\n"
  "    resp_rst_ts Nullable(Float64),\n"
  "    orig_payload_bytes UInt64,\n"
  "    orig_retransmits UInt64,\n"
  "    orig_out_of_order UInt64,\n"
  "    orig_dup_acks UInt64,\n"
  "    orig_zero_windows UInt64,\n"
  "    orig_keepalives UInt64,\n"
  "    resp_payload_bytes UInt64,\n"
  "    resp_retransmits UInt64,\n"
  "    resp_out_of_order UInt64,\n"
  "    resp_dup_acks UInt64,\n"
  "    resp_zero_windows UInt64,\n"
  "    resp_keepalives UInt64\n";

static const char *const http_columns =
  COMMON_COLUMNS
  "    trans_depth UInt32,\n"
  "    method String,\n"
  "    host String,\n"
  "    uri String,\n"
  "    version String,\n"
  "    user_agent String,\n"
  "    request_body_len UInt64,\n"
  "    response_body_len UInt64,\n"
  "    status_code UInt16,\n"
  "    status_msg String,\n"
  "    info_code UInt16,\n"
  "    info_msg String,\n"
  "    time_to_first_byte Nullable(Float64),\n"
  "    incomplete UInt8\n";

static const char *const dns_columns =
  COMMON_COLUMNS
  "    proto String,\n"
  "    trans_id UInt16,\n"
  "    rtt Nullable(Float64),\n"
  "    query String,\n"
  "    qclass UInt16,\n"
  "    qclass_name String,\n"
  "    qtype UInt16,\n"
  "    qtype_name String,\n"
  "    rcode Nullable(UInt16),\n"
  "    rcode_name String,\n"
  "    AA UInt8,\n"
  "    TC UInt8,\n"
  "    RD UInt8,\n"
  "    RA UInt8,\n"
  "    Z UInt8,\n"
  "    answers Array(String),\n"
  "    TTLs Array(Float64),\n"
  "    rejected UInt8,\n"
  "    opcode UInt8,\n"
  "    opcode_name String\n";

static const char *const table_columns[WT_CH_N_TABLES] = { conn_columns, http_columns,
                                                           dns_columns };

/* Identifiers come from the command line: quote them with backticks (18.16 has them). */
static char *quote_ident(const char *s)
{
  GString *q = g_string_new("`");
  for (; *s; s++) {
    if (*s == '`' || *s == '\\')
      g_string_append_c(q, '\\');
    g_string_append_c(q, *s);
  }
  g_string_append_c(q, '`');
  return g_string_free(q, FALSE);
}

GPtrArray *wt_ch_schema_statements(const char *database, const char *cluster)
{
  GPtrArray *st = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *db = quote_ident(database);
  g_autofree char *cl = quote_ident(cluster);
  g_ptr_array_add(st, g_strdup_printf("CREATE DATABASE IF NOT EXISTS %s", db));
  for (int t = 0; t < WT_CH_N_TABLES; t++) {
    const char *name = table_names[t];
    /* Per node: one partition per day (time-range queries and retention drop whole
     * days); sorted by sensor then time, so a sensor's time range is one contiguous
     * run and the per-sensor breakdown reads in order. */
    g_ptr_array_add(st, g_strdup_printf(
      "CREATE TABLE IF NOT EXISTS %s.%s_local (\n%s)\n"
      "ENGINE = MergeTree\n"
      "PARTITION BY toYYYYMMDD(ts)\n"
      "ORDER BY (sensor, ts)",
      db, name, table_columns[t]));
    /* Fleet-wide: reads every shard; rows inserted here are spread at random (sensors
     * insert into their own node's _local table instead). */
    g_ptr_array_add(st, g_strdup_printf(
      "CREATE TABLE IF NOT EXISTS %s.%s AS %s.%s_local\n"
      "ENGINE = Distributed(%s, %s, %s_local, rand())",
      db, name, db, name, cl, db, name));
  }
  return st;
}

char *wt_ch_schema(const char *database, const char *cluster)
{
  g_autoptr(GPtrArray) st = wt_ch_schema_statements(database, cluster);
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "-- wiretab schema: per-node MergeTree tables (*_local, which "
                            "sensors insert into)\n-- and Distributed tables over cluster "
                            "'%s' (which the fleet report reads).\n", cluster);
  for (guint i = 0; i < st->len; i++)
    g_string_append_printf(s, "\n%s;\n", (char *) g_ptr_array_index(st, i));
  return g_string_free(s, FALSE);
}

/* --- one statement over HTTP --------------------------------------------------------------- */

#ifdef WT_HAVE_CURL
static size_t on_body(char *data, size_t size, size_t n, void *user)
{
  GString *out = user;
  g_string_append_len(out, data, (gssize) (size * n));
  return size * n;
}

gboolean wt_ch_query(const char *url, const char *sql, GString *out, GError **error)
{
  CURL *c = curl_easy_init();
  if (!c) {
    g_set_error(error, WT_CH_ERROR, WT_CH_ERROR_SERVER, "libcurl: cannot start a transfer");
    return FALSE;
  }
  g_autoptr(GString) body = g_string_new(NULL);
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, sql);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long) strlen(sql));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 300000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) {
    g_set_error(error, WT_CH_ERROR, WT_CH_ERROR_SERVER, "ClickHouse %s: %s", url,
                errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return FALSE;
  }
  if (status != 200) {
    g_strstrip(body->str);
    g_set_error(error, WT_CH_ERROR, WT_CH_ERROR_SERVER, "ClickHouse %s: HTTP %ld: %.400s", url,
                status, body->str);
    return FALSE;
  }
  if (out)
    g_string_append_len(out, body->str, (gssize) body->len);
  return TRUE;
}
#else
gboolean wt_ch_query(const char *url, const char *sql, GString *out, GError **error)
{
  (void) url;
  (void) sql;
  (void) out;
  g_set_error(error, WT_CH_ERROR, WT_CH_ERROR_UNSUPPORTED,
              "this wiretab was built without libcurl, which ClickHouse needs; install "
              "libcurl4-openssl-dev and rebuild");
  return FALSE;
}
#endif
