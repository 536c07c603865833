/* ClickHouse: the record -> JSONEachRow row mapping, the schema from the log tables'
 * columns, and one SQL statement over the HTTP interface. The sender thread is in
 * clickhouse-export.c. */
#include "analyzer/output/clickhouse.h"

#include <string.h>

#ifdef WT_HAVE_CURL
#include <curl/curl.h>
#endif

G_DEFINE_QUARK(wt-clickhouse-error-quark, wt_ch_error)

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

/* --- record -> row ----------------------------------------------------------------------- */

/* A time stored as DateTime plus a microseconds column. */
static gboolean splits_micros(const WtLogColumn *c)
{
  return c->type == WT_LOG_TIME && strcmp(c->ch_type, "DateTime") == 0;
}

static void append_sensor(GString *out, const char *sensor)
{
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
}

void wt_ch_row_append(GString *out, const char *sensor, const WtLogRecord *r)
{
  const WtLogColumn *cols = r->table->columns;
  g_string_append(out, "{\"sensor\":");
  append_sensor(out, sensor);
  for (guint64 set = r->set; set; set &= set - 1) {
    guint i = (guint) __builtin_ctzll(set);
    const WtLogValue *v = &r->v[i];
    if (v->kind == WT_LOG_V_NULL)
      continue; /* unset: the column's default */
    g_string_append(out, ",\"");
    g_string_append(out, cols[i].ch_name);
    g_string_append(out, "\":");
    if (splits_micros(&cols[i]) && v->kind == WT_LOG_V_TIME && v->v.i >= 0) {
      g_string_append_printf(out, "%" G_GINT64_FORMAT ",\"%s_us\":%" G_GINT64_FORMAT,
                             v->v.i / 1000000000, cols[i].ch_name,
                             (v->v.i % 1000000000) / 1000);
      continue;
    }
    wt_log_value_json(out, v);
  }
  g_string_append(out, "}\n");
}

/* --- schema ------------------------------------------------------------------------------ */

static void append_column(GString *s, const char *name, const char *type)
{
  if (s->len)
    g_string_append(s, ",\n");
  g_string_append_printf(s, "    %s %s", name, type);
}

/* The column list of a table: the sensor, then the table's columns in DDL order. */
static char *table_columns(const WtLogTable *t)
{
  GString *s = g_string_new(NULL);
  append_column(s, "sensor", "String");
  for (guint k = 0; k < t->n_columns; k++) {
    const WtLogColumn *c = &t->columns[t->ch_order ? t->ch_order[k] : k];
    append_column(s, c->ch_name, c->ch_type);
    if (splits_micros(c)) {
      g_autofree char *us = g_strdup_printf("%s_us", c->ch_name);
      append_column(s, us, "UInt32");
    }
  }
  g_string_append_c(s, '\n');
  return g_string_free(s, FALSE);
}

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

GPtrArray *wt_ch_schema_statements(const char *database, const char *cluster,
                                   const WtLogTable *const *tables)
{
  GPtrArray *st = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *db = quote_ident(database);
  g_autofree char *cl = quote_ident(cluster);
  g_ptr_array_add(st, g_strdup_printf("CREATE DATABASE IF NOT EXISTS %s", db));
  for (const WtLogTable *const *t = tables; *t; t++) {
    const char *name = (*t)->name;
    g_autofree char *columns = table_columns(*t);
    /* Per node: one partition per day (time-range queries and retention drop whole
     * days); sorted by sensor then time, so a sensor's time range is one contiguous
     * run and the per-sensor breakdown reads in order. */
    g_ptr_array_add(st, g_strdup_printf(
      "CREATE TABLE IF NOT EXISTS %s.%s_local (\n%s)\n"
      "ENGINE = MergeTree\n"
      "PARTITION BY toYYYYMMDD(ts)\n"
      "ORDER BY (sensor, ts)",
      db, name, columns));
    /* Fleet-wide: reads every shard; rows inserted here are spread at random (sensors
     * insert into their own node's _local table instead). */
    g_ptr_array_add(st, g_strdup_printf(
      "CREATE TABLE IF NOT EXISTS %s.%s AS %s.%s_local\n"
      "ENGINE = Distributed(%s, %s, %s_local, rand())",
      db, name, db, name, cl, db, name));
  }
  return st;
}

char *wt_ch_schema(const char *database, const char *cluster, const WtLogTable *const *tables)
{
  g_autoptr(GPtrArray) st = wt_ch_schema_statements(database, cluster, tables);
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
