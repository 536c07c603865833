#include "dissectors/http/http-stats.h"
#include "analyzer/core/histogram.h"
#include "dissectors/http/http-limits.h"
#include "dissectors/http/http-parse.h"
#include "dissectors/http/http-status.h"
#include "dissectors/http/http-log.h"
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* --- aggregate value kept per key of every table ------------------------------------ */

enum { CLASS_NONE = 0, CLASS_OTHER = 6, N_CLASSES = 7 };
static const char *const class_keys[N_CLASSES] = { "none", "1xx", "2xx", "3xx", "4xx", "5xx",
                                                   "other" };

typedef struct WtHttpAgg {
  guint64 count;
  guint64 by_class[N_CLASSES];  /* class of the final response; "none" = unanswered */
  guint64 lat_n, lat_sum_us, lat_max_us;  /* request end -> first response byte */
  guint32 *lat_hist;  /* LAT_BUCKETS counters, made at the first timed answer */
} WtHttpAgg;

/* Per-endpoint response times for p50/p99: a coarse log histogram, 4 buckets per power of
 * two (a bucket is at most 25 % wide), up to 2^40 us, so an endpoint costs 156 counters
 * rather than the 1,920 of the section's histogram. */
#define LAT_SUB_BITS 2
#define LAT_SUB (1u << LAT_SUB_BITS)
#define LAT_TOP_BIT 40
#define LAT_BUCKETS (LAT_SUB + (LAT_TOP_BIT - LAT_SUB_BITS) * LAT_SUB)

static guint lat_bucket(guint64 us)
{
  if (us < LAT_SUB)
    return (guint) us;
  int msb = 63 - __builtin_clzll(us);
  if (msb >= LAT_TOP_BIT)
    return LAT_BUCKETS - 1;
  guint sub = (guint) (us >> (msb - LAT_SUB_BITS)) & (LAT_SUB - 1);
  return LAT_SUB + (guint) (msb - LAT_SUB_BITS) * LAT_SUB + sub;
}

/* The middle of bucket i, in us. */
static double lat_bucket_mid(guint i)
{
  if (i < LAT_SUB)
    return i;
  int shift = (int) ((i - LAT_SUB) / LAT_SUB);
  guint sub = (i - LAT_SUB) % LAT_SUB;
  return ldexp(LAT_SUB + sub, shift) + ldexp(1, shift) / 2;
}

static void agg_time(WtHttpAgg *a, guint64 us)
{
  a->lat_n++;
  a->lat_sum_us += us;
  a->lat_max_us = MAX(a->lat_max_us, us);
  if (!a->lat_hist)
    a->lat_hist = g_new0(guint32, LAT_BUCKETS);
  a->lat_hist[lat_bucket(us)]++;
}

/* Nearest-rank percentile p (0-100) in ms, never above the maximum; 0 without samples. */
static double agg_percentile_ms(const WtHttpAgg *a, double p)
{
  if (!a->lat_n || !a->lat_hist)
    return 0;
  guint64 rank = MAX((guint64) (p / 100.0 * (double) a->lat_n + 0.999999), 1);
  if (rank >= a->lat_n)
    return (double) a->lat_max_us / 1000.0;
  guint64 seen = 0;
  for (guint i = 0; i < LAT_BUCKETS; i++) {
    seen += a->lat_hist[i];
    if (seen >= rank)
      return MIN(lat_bucket_mid(i), (double) a->lat_max_us) / 1000.0;
  }
  return (double) a->lat_max_us / 1000.0;
}

static void agg_free(gpointer p)
{
  WtHttpAgg *a = p;
  g_free(a->lat_hist);
  g_free(a);
}

static void agg_merge(WtHttpAgg *into, const WtHttpAgg *from)
{
  into->count += from->count;
  for (int i = 0; i < N_CLASSES; i++)
    into->by_class[i] += from->by_class[i];
  into->lat_n += from->lat_n;
  into->lat_sum_us += from->lat_sum_us;
  into->lat_max_us = MAX(into->lat_max_us, from->lat_max_us);
  if (from->lat_hist) {
    if (!into->lat_hist)
      into->lat_hist = g_new0(guint32, LAT_BUCKETS);
    for (guint i = 0; i < LAT_BUCKETS; i++)
      into->lat_hist[i] += from->lat_hist[i];
  }
}

/* --- bounded top-N table ------------------------------------------------------------ */

/* A lookup index over a table's keys: open addressing on a hash the caller computes once
 * from bytes whose length it knows, so a lookup costs no strlen and no call per probe
 * (GHashTable's g_str_equal). The GHashTable stays the owner of keys and values, for
 * iteration, merging and the getters; the index only points into it, and every key of
 * the GHashTable is in the index (keys are never removed). */
typedef struct {
  guint32 hash;
  guint32 len;
  const char *key;  /* NULL: empty slot */
  WtHttpAgg *agg;
  /* The URI table's: the endpoint aggregate of this path with the method whose key in the
   * methods table is ep_method (the last method seen with it). */
  const char *ep_method;
  WtHttpAgg *ep_agg;
} KeySlot;

typedef struct WtHttpKeyIndex {
  KeySlot *slots;
  guint mask;  /* number of slots - 1; no slots before the first key */
  guint used;
} KeyIndex;

/* The top-N tables' key hash: eight bytes per step (g_str_hash takes one), the last step
 * on the key's last eight bytes. Every request looks up its host, URI and endpoint,
 * URIs of 30-60 bytes. The tables are only ever read sorted (top_sorted), so the hash
 * decides no output. */
static guint key_hash(const char *s, gsize n)
{
  guint64 h = (guint64) n * 0x9E3779B97F4A7C15u;
  if (n < 8) {
    for (gsize i = 0; i < n; i++)
      h = (h ^ (guint8) s[i]) * 0xC2B2AE3D27D4EB4Fu;
  } else {
    guint64 w;
    for (gsize i = 0; i + 8 < n; i += 8) {
      memcpy(&w, s + i, 8);
      h = (h ^ w) * 0xC2B2AE3D27D4EB4Fu;
      h ^= h >> 29;
    }
    memcpy(&w, s + n - 8, 8);
    h = (h ^ w) * 0x165667B19E3779F9u;
  }
  h ^= h >> 32;
  return (guint) h;
}

static guint top_key_hash(gconstpointer p)
{
  return key_hash(p, strlen(p));
}

/* The slot of the key, NULL when it is not in the index. Valid until the next index_add. */
static KeySlot *index_slot(const KeyIndex *ix, const char *key, gsize n, guint hash)
{
  if (!ix->slots)
    return NULL;
  for (guint i = hash & ix->mask;; i = (i + 1) & ix->mask) {
    KeySlot *sl = &ix->slots[i];
    if (!sl->key)
      return NULL;
    if (sl->hash == hash && sl->len == n && memcmp(sl->key, key, n) == 0)
      return sl;
  }
}

static KeySlot *index_put(KeyIndex *ix, const KeySlot *slot)
{
  guint i = slot->hash & ix->mask;
  while (ix->slots[i].key)
    i = (i + 1) & ix->mask;
  ix->slots[i] = *slot;
  return &ix->slots[i];
}

/* `key` (n bytes, the GHashTable's copy, which lives as long as the table) -> agg; kept at
 * most half full. Returns the new slot. */
static KeySlot *index_add(KeyIndex *ix, const char *key, gsize n, guint hash, WtHttpAgg *agg)
{
  if (!ix->slots || (ix->used + 1) * 2 > ix->mask + 1) {
    KeySlot *old = ix->slots;
    guint old_n = old ? ix->mask + 1 : 0;
    guint size = old ? old_n * 2 : 64;
    ix->slots = g_new0(KeySlot, size);
    ix->mask = size - 1;
    for (guint i = 0; i < old_n; i++)
      if (old[i].key)
        index_put(ix, &old[i]);
    g_free(old);
  }
  ix->used++;
  return index_put(ix, &(KeySlot) { .hash = hash, .len = (guint32) n, .key = key, .agg = agg });
}

typedef struct WtHttpTop {
  GHashTable *h;   /* owned key -> WtHttpAgg */
  guint cap;
  WtHttpAgg other; /* keys beyond the cap */
  KeyIndex index;  /* lookups (top_slot_n) */
  /* the key last found by top_slot_recent (the table's copy) and its aggregate */
  const char *last_key;
  gsize last_len;
  WtHttpAgg *last_agg;
} WtHttpTop;

static WtHttpTop *top_new(guint cap)
{
  WtHttpTop *t = g_new0(WtHttpTop, 1);
  t->h = g_hash_table_new_full(top_key_hash, g_str_equal, g_free, agg_free);
  t->cap = cap;
  return t;
}

static void top_free(WtHttpTop *t)
{
  if (!t)
    return;
  g_hash_table_destroy(t->h);
  g_free(t->index.slots);
  g_free(t->other.lat_hist);
  g_free(t);
}

/* The index slot of the key key[0..n) (no NUL inside), whose key_hash is `hash`, made if
 * the key is new; NULL when it is not in the table and the table is full (the key is
 * counted in `other`, now and every time after: the table never shrinks). */
static KeySlot *top_key_slot(WtHttpTop *t, const char *key, gsize n, guint hash)
{
  KeySlot *sl = index_slot(&t->index, key, n, hash);
  if (sl)
    return sl;
  if (g_hash_table_size(t->h) >= t->cap)
    return NULL;
  WtHttpAgg *v = g_new0(WtHttpAgg, 1);
  char *copy = g_strndup(key, n);
  g_hash_table_insert(t->h, copy, v);
  return index_add(&t->index, copy, n, hash, v);
}

static WtHttpAgg *top_slot_n(WtHttpTop *t, const char *key, gsize n, guint hash)
{
  KeySlot *sl = top_key_slot(t, key, n, hash);
  return sl ? sl->agg : &t->other;
}

/* top_slot_n for a table whose consecutive keys are mostly the same (hosts, content
 * types: one site, one server): the key last found is compared first, without hashing. */
static WtHttpAgg *top_slot_recent(WtHttpTop *t, const char *key, gsize n)
{
  if (t->last_key && n == t->last_len && memcmp(key, t->last_key, n) == 0)
    return t->last_agg;
  KeySlot *sl = top_key_slot(t, key, n, key_hash(key, n));
  if (!sl)
    return &t->other;
  t->last_key = sl->key;
  t->last_len = n;
  t->last_agg = sl->agg;
  return sl->agg;
}

static WtHttpAgg *top_slot(WtHttpTop *t, const char *key)
{
  gsize n = strlen(key);
  return top_slot_n(t, key, n, key_hash(key, n));
}

static void top_merge(WtHttpTop *into, const WtHttpTop *from)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, from->h);
  while (g_hash_table_iter_next(&it, &k, &v))
    agg_merge(top_slot(into, k), v);
  agg_merge(&into->other, &from->other);
}

typedef struct {
  const char *key;
  const WtHttpAgg *agg;
} TopRow;

static gint top_row_cmp(gconstpointer a, gconstpointer b)
{
  const TopRow *x = a, *y = b;
  if (x->agg->count != y->agg->count)
    return x->agg->count > y->agg->count ? -1 : 1;
  return g_strcmp0(x->key, y->key);
}

/* Rows by count, descending, then key; "(other)" last if used. Caller frees the array. */
static GArray *top_sorted(const WtHttpTop *t)
{
  GArray *rows = g_array_new(FALSE, FALSE, sizeof(TopRow));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, t->h);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    TopRow r = { k, v };
    g_array_append_val(rows, r);
  }
  g_array_sort(rows, top_row_cmp);
  if (t->other.count) {
    TopRow r = { "(other)", &t->other };
    g_array_append_val(rows, r);
  }
  return rows;
}

typedef struct {
  const char *name;
  gsize offset;
} Scalar;

#define SCALAR(key, field) { key, G_STRUCT_OFFSET(WtHttpStats, field) }
static const Scalar scalars[] = {
  SCALAR("requests", requests), SCALAR("responses", responses),
  SCALAR("final_responses", final_responses), SCALAR("interim", interim),
  SCALAR("unanswered", unanswered), SCALAR("orphan_responses", orphan_responses),
  SCALAR("answer_not_captured", answer_not_captured),
  SCALAR("request_not_captured", request_not_captured),
  SCALAR("incomplete", incomplete), SCALAR("tunnels", tunnels), SCALAR("upgrades", upgrades),
  SCALAR("websocket_upgrades", websocket_upgrades), SCALAR("http09", http09),
  SCALAR("h2_prefaces", h2_prefaces), SCALAR("expect_continue", expect_continue),
  SCALAR("gaps", gaps), SCALAR("resyncs", resyncs),
  SCALAR("request_body_bytes", req_body_bytes), SCALAR("response_body_bytes", resp_body_bytes),
};

static guint64 scalar_value(const WtHttpStats *s, const Scalar *sc)
{
  return *(const guint64 *) ((const guint8 *) s + sc->offset);
}

/* --- the tap ------------------------------------------------------------------------- */

gpointer wt_http_stats_new(void)
{
  WtHttpStats *s = g_new0(WtHttpStats, 1);
  s->methods = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  s->method_index = g_new0(KeyIndex, 1);
  s->hosts = top_new(WT_HTTP_MAX_TOP_KEYS);
  s->uris = top_new(WT_HTTP_MAX_TOP_KEYS);
  s->endpoints = top_new(WT_HTTP_MAX_TOP_KEYS);
  s->user_agents = top_new(WT_HTTP_MAX_TOP_KEYS);
  s->content_types = top_new(WT_HTTP_MAX_TOP_KEYS);
  s->forward_hosts = top_new(WT_HTTP_MAX_TOP_KEYS);
  s->connect_targets = top_new(WT_HTTP_MAX_TOP_KEYS);
  s->connect_answers = top_new(WT_HTTP_MAX_TOP_KEYS);
  s->ttfb = g_new0(WtHistogram, 1);
  s->ttlb = g_new0(WtHistogram, 1);
  s->scratch = g_string_sized_new(256);
  return s;
}

void wt_http_stats_free(gpointer p)
{
  WtHttpStats *s = p;
  if (!s)
    return;
  g_hash_table_destroy(s->methods);
  g_free(s->method_index->slots);
  g_free(s->method_index);
  top_free(s->hosts);
  top_free(s->uris);
  top_free(s->endpoints);
  top_free(s->user_agents);
  top_free(s->content_types);
  top_free(s->forward_hosts);
  top_free(s->connect_targets);
  top_free(s->connect_answers);
  g_free(s->ttfb);
  g_free(s->ttlb);
  g_string_free(s->scratch, TRUE);
  g_free(s);
}

/* A method's table key: registered names as they are, other names by name until
 * WT_HTTP_MAX_EXTRA_METHODS of them were seen, then "OTHER". */
static WtHttpAgg *method_slot_slow(WtHttpStats *s, const char *name)
{
  WtHttpAgg *v = g_hash_table_lookup(s->methods, name);
  if (v)
    return v;
  gboolean other = strcmp(name, "OTHER") == 0;
  if (!other && !wt_http_method_known((const guint8 *) name, strlen(name))) {
    if (s->extra_methods >= WT_HTTP_MAX_EXTRA_METHODS)
      return method_slot_slow(s, "OTHER");  /* one level: "OTHER" is always admitted */
    s->extra_methods++;
  }
  v = g_new0(WtHttpAgg, 1);
  g_hash_table_insert(s->methods, g_strdup(name), v);
  return v;
}

/* method_slot_slow through the index: a name that is a key of the table is found there
 * (names counted as "OTHER" are not keys, and take the slow way every time). *stable is
 * set to the table's own copy of the name, one pointer per name (NULL for the others). */
static WtHttpAgg *method_slot_key(WtHttpStats *s, const char *name, const char **stable)
{
  /* the method of the request before, most often */
  if (s->last_method && strcmp(name, s->last_method) == 0) {
    *stable = s->last_method;
    return s->last_method_agg;
  }
  gsize n = strlen(name);
  guint hash = key_hash(name, n);
  KeySlot *sl = index_slot(s->method_index, name, n, hash);
  WtHttpAgg *v;
  if (sl) {
    v = sl->agg;
    *stable = sl->key;
  } else {
    v = method_slot_slow(s, name);
    gpointer key, value;
    *stable = NULL;
    if (g_hash_table_lookup_extended(s->methods, name, &key, &value) && value == v)
      *stable = index_add(s->method_index, key, n, hash, v)->key;
  }
  if (*stable) {
    s->last_method = *stable;
    s->last_method_agg = v;
  }
  return v;
}

static WtHttpAgg *method_slot(WtHttpStats *s, const char *name)
{
  const char *stable;
  return method_slot_key(s, name, &stable);
}

void wt_http_stats_merge(gpointer into_p, gpointer from_p)
{
  WtHttpStats *into = into_p, *from = from_p;
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++)
    *(guint64 *) ((guint8 *) into + scalars[i].offset) += scalar_value(from, &scalars[i]);
  for (guint i = 0; i < G_N_ELEMENTS(into->status); i++)
    into->status[i] += from->status[i];
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, from->methods);
  while (g_hash_table_iter_next(&it, &k, &v))
    agg_merge(method_slot(into, k), v);
  top_merge(into->hosts, from->hosts);
  top_merge(into->uris, from->uris);
  top_merge(into->endpoints, from->endpoints);
  top_merge(into->user_agents, from->user_agents);
  top_merge(into->content_types, from->content_types);
  top_merge(into->forward_hosts, from->forward_hosts);
  top_merge(into->connect_targets, from->connect_targets);
  top_merge(into->connect_answers, from->connect_answers);
  into->forward_requests += from->forward_requests;
  into->connect_requests += from->connect_requests;
  wt_histogram_merge(into->ttfb, from->ttfb);
  wt_histogram_merge(into->ttlb, from->ttlb);
  for (guint i = 0; i < G_N_ELEMENTS(into->versions); i++)
    into->versions[i] += from->versions[i];
  for (guint i = 0; i < G_N_ELEMENTS(into->schemes); i++)
    into->schemes[i] += from->schemes[i];
}

static void count_status(WtHttpStats *s, guint code, gboolean interim)
{
  s->responses++;
  if (code < G_N_ELEMENTS(s->status))
    s->status[code]++;
  if (interim)
    s->interim++;
  else
    s->final_responses++;
}

/* 101 ends HTTP/1 on the connection: final, as Zeek takes it (but see add_exchange) */
void wt_http_stats_on_status(WtHttpStats *s, guint code)
{
  count_status(s, code, code >= 100 && code <= 199 && code != 101);
}

void wt_http_stats_on_content_type(WtHttpStats *s, const char *media_type)
{
  top_slot_recent(s->content_types, media_type, strlen(media_type))->count++;
}

static guint class_index(const WtHttpTxn *t)
{
  if (!t->has_final)
    return CLASS_NONE;
  if (t->status_code < 100 || t->status_code > 599)
    return CLASS_OTHER;
  return t->status_code / 100u;
}

static void count_agg(WtHttpAgg *a, guint cls)
{
  a->count++;
  a->by_class[cls]++;
}

static void count_key(WtHttpTop *top, const char *key, guint cls)
{
  count_agg(top_slot(top, key), cls);
}


/* g_ascii_tolower without a call per character */
static inline char ascii_lower(char c)
{
  return c >= 'A' && c <= 'Z' ? (char) (c | 0x20) : c;
}

static gsize write_endpoint(char *out, const char *uri);


/* Room write_endpoint may need for a URI of n bytes: a one-byte segment becomes the four
 * of "{id}", and an empty path one byte. */
static gsize endpoint_room(gsize n)
{
  return 4 * n + 1;
}

/* The endpoints table's aggregate of "METHOD endpoint", the key built in the tap's own
 * buffer. The endpoint of a URI depends only on its bytes before the first '?' (it stops
 * at '?' or '#', and the "http://" test fails at a '?'), which are the URI table's key of
 * a URI in origin form: that key's slot `us` (NULL: none, or absolute form) keeps the
 * aggregate found for it with the last method (`method_key`, the methods table's copy of
 * the name; NULL for a name counted as "OTHER": never kept). */
static WtHttpAgg *endpoint_slot(WtHttpStats *s, const char *uri, const char *method,
                                const char *method_key, KeySlot *us)
{
  if (us && method_key && us->ep_method == method_key)
    return us->ep_agg;
  gsize mlen = strlen(method);
  g_string_set_size(s->scratch, mlen + 1 + endpoint_room(strlen(uri)));
  char *key = s->scratch->str;
  memcpy(key, method, mlen);
  key[mlen] = ' ';
  gsize n = mlen + 1 + write_endpoint(key + mlen + 1, uri);
  WtHttpAgg *e = top_slot_n(s->endpoints, key, n, key_hash(key, n));
  if (us && method_key) {
    us->ep_method = method_key;
    us->ep_agg = e;
  }
  return e;
}

/* Does the URI start with "http://" or "https://" (any case)? Most URIs start with '/',
 * which the first test answers without a call. */
static gboolean has_http_scheme(const char *uri, gsize *skip)
{
  if ((uri[0] | 0x20) != 'h')
    return FALSE;
  if (g_ascii_strncasecmp(uri, "http://", 7) == 0)
    *skip = 7;
  else if (g_ascii_strncasecmp(uri, "https://", 8) == 0)
    *skip = 8;
  else
    return FALSE;
  return TRUE;
}

/* Counts a host name: names are case-insensitive, so the key is lower case (a lower-case
 * copy only when the name has an upper-case letter; on the stack for the usual short one). */
static void count_host(WtHttpTop *top, const char *host, guint cls)
{
  gsize n = strlen(host);
  if (!wt_http_has_upper((const guint8 *) host, n)) {
    count_agg(top_slot_recent(top, host, n), cls);
    return;
  }
  char small[256];
  g_autofree char *big = n < sizeof small ? NULL : g_malloc(n + 1);
  char *lower = big ? big : small;
  for (gsize i = 0; i < n; i++)
    lower[i] = ascii_lower(host[i]);
  count_agg(top_slot_recent(top, lower, n), cls);
}

/* "http://host:port/path?q": returns the authority ("host:port", user info dropped) and
 * sets *path to the path ("/" when the URI has none); NULL when uri is not absolute. */
static char *absolute_form(const char *uri, const char **path)
{
  gsize skip;
  if (!uri || !has_http_scheme(uri, &skip))
    return NULL;
  const char *a = uri + skip;
  gsize n = strcspn(a, "/?#");
  const char *at = memchr(a, '@', n);
  if (at) {
    n -= (gsize) (at + 1 - a);
    a = at + 1;
  }
  if (!n)
    return NULL;
  *path = a[n] == '/' ? a + n : "/";
  return g_strndup(a, n);
}

static const char *const version_keys[] = { "0.9", "1.0", "1.1", "2", "other" };
static const char *const scheme_keys[] = { "http", "https" };

static guint version_index(const WtHttpTxn *t)
{
  guint8 major = t->orphan ? t->resp_major : t->req_major;
  guint8 minor = t->orphan ? t->resp_minor : t->req_minor;
  if (t->http09)
    return 0;
  if (major == 1 && minor <= 1)
    return 1u + minor;
  return major == 2 ? 3 : 4;
}

void wt_http_stats_on_txn(WtHttpStats *s, const WtHttpTxn *t)
{
  s->versions[version_index(t)]++;
  s->schemes[t->tls ? 1 : 0]++;
  guint cls = class_index(t);
  gboolean have_ttfb = t->has_final && t->ts_req_end && t->ts_resp_start;
  guint64 ttfb_us = 0;
  if (have_ttfb && t->ts_resp_start > t->ts_req_end)
    ttfb_us = (guint64) (t->ts_resp_start - t->ts_req_end) / 1000;

  if (t->incomplete)
    s->incomplete++;
  if (t->http09)
    s->http09++;
  if (t->raw_response) {  /* a raw HTTP/0.9 answer: a response without status line */
    s->responses++;
    s->final_responses++;
  }
  if (t->tunnel)
    s->tunnels++;
  if (t->upgraded)
    s->upgrades++;
  if (t->websocket)
    s->websocket_upgrades++;
  if (t->expect_continue)
    s->expect_continue++;
  s->resp_body_bytes += t->resp_body_len;
  if (t->orphan) {
    s->orphan_responses++;
    if (t->request_lost)
      s->request_not_captured++;
  } else {
    s->requests++;
    s->req_body_bytes += t->req_body_len;
    if (!t->has_final && !t->raw_response) {
      if (t->answer_lost)
        s->answer_not_captured++;
      else
        s->unanswered++;
    }
    const char *method = t->method ? t->method : "-";
    const char *method_key;
    WtHttpAgg *m = method_slot_key(s, method, &method_key);
    m->count++;
    m->by_class[cls]++;
    /* absolute form (to a forward proxy): the URI's authority is the host (RFC 9112 3.2.2,
     * the Host header is then ignored) and its path the URI */
    const char *path = NULL;
    g_autofree char *authority = absolute_form(t->uri, &path);
    const char *host = authority ? authority : t->host;
    if (authority) {
      s->forward_requests++;
      g_autofree char *lower = g_ascii_strdown(authority, -1);
      count_key(s->forward_hosts, lower, cls);
    }
    if (t->is_connect) {
      s->connect_requests++;
      g_autofree char *target = g_ascii_strdown(t->uri ? t->uri : "-", -1);
      count_key(s->connect_targets, target, cls);
      char code[8];
      if (t->status_code)
        g_snprintf(code, sizeof code, "%u", t->status_code);
      else
        g_strlcpy(code, "-", sizeof code);
      count_key(s->connect_answers, code, cls);
    }
    if (host)
      count_host(s->hosts, host, cls);
    if (t->user_agent)
      count_key(s->user_agents, t->user_agent, cls);
    if (t->uri) {
      /* the path without its query, counted in place */
      const char *u = path ? path : t->uri;
      const char *q = strchr(u, '?');
      gsize un = q ? (gsize) (q - u) : strlen(u);
      KeySlot *us = top_key_slot(s->uris, u, un, key_hash(u, un));
      count_agg(us ? us->agg : &s->uris->other, cls);
      WtHttpAgg *e = endpoint_slot(s, t->uri, method, method_key, path ? NULL : us);
      count_agg(e, cls);
      if (have_ttfb)
        agg_time(e, ttfb_us);
    }
  }
  if (have_ttfb) {
    wt_histogram_add(s->ttfb, ttfb_us);
    if (t->ts_resp_end && !t->incomplete && t->ts_resp_end >= t->ts_req_end)
      wt_histogram_add(s->ttlb, (guint64) (t->ts_resp_end - t->ts_req_end) / 1000);
  }
}

/* --- endpoints ---------------------------------------------------------------------- */

static gboolean all_hex(const char *p, gsize n, gboolean *has_digit)
{
  *has_digit = FALSE;
  for (gsize i = 0; i < n; i++) {
    if (!g_ascii_isxdigit(p[i]))
      return FALSE;
    if (g_ascii_isdigit(p[i]))
      *has_digit = TRUE;
  }
  return TRUE;
}

static gboolean is_uuid(const char *p, gsize n)
{
  static const gsize groups[] = { 8, 4, 4, 4, 12 };
  gboolean d;
  if (n != 36)
    return FALSE;
  gsize off = 0;
  for (gsize g = 0; g < G_N_ELEMENTS(groups); g++) {
    if (!all_hex(p + off, groups[g], &d))
      return FALSE;
    off += groups[g];
    if (g < 4 && p[off++] != '-')
      return FALSE;
  }
  return TRUE;
}

static gboolean is_id_segment(const char *p, gsize n)
{
  gboolean has_digit;
  if (n == 0)
    return FALSE;
  gsize digits = 0;
  while (digits < n && g_ascii_isdigit(p[digits]))
    digits++;
  if (digits == n)
    return TRUE;  /* numeric */
  if (is_uuid(p, n))
    return TRUE;
  /* long hex: object ids, hashes (16+ hex digits with at least one digit, so that
   * words like "deadbeefcafebabe" ... still fold, but "feedback" does not: too short) */
  return n >= 16 && all_hex(p, n, &has_digit) && has_digit;
}

/* Writes the endpoint of uri (wt_http_endpoint_of) at out, which has endpoint_room(strlen(uri))
 * bytes; returns its length (not NUL-terminated). */
static gsize write_endpoint(char *out, const char *uri)
{
  const char *p = uri;
  gsize skip;
  /* absolute-form (proxy requests): drop scheme and authority */
  if (has_http_scheme(p, &skip)) {
    p += skip;
    p += strcspn(p, "/?#");
  }
  /* segments up to the query, the fragment or the end */
  static const guint8 stop[256] = { ['\0'] = 1, ['/'] = 1, ['?'] = 1, ['#'] = 1 };
  char *o = out;
  gsize i = 0;
  for (;;) {
    if (p[i] == '/') {
      *o++ = '/';
      i++;
      continue;
    }
    if (p[i] == '\0' || p[i] == '?' || p[i] == '#')
      break;
    gsize j = i;
    while (!stop[(guint8) p[j]])
      j++;
    if (is_id_segment(p + i, j - i)) {
      memcpy(o, "{id}", 4);
      o += 4;
    } else {
      memcpy(o, p + i, j - i);
      o += j - i;
    }
    i = j;
  }
  if (o == out)
    *o++ = p[0] == '*' ? '*' : '/';
  return (gsize) (o - out);
}

char *wt_http_endpoint_of(const char *uri)
{
  char *out = g_malloc(endpoint_room(strlen(uri)) + 1);
  out[write_endpoint(out, uri)] = '\0';
  return out;
}

/* --- safe strings ------------------------------------------------------------------- */

char *wt_http_safe_strdup(const guint8 *p, gsize len, gsize max)
{
  len = MIN(len, max);
  if (wt_http_plain_prefix(p, len) == len) /* the usual case: printable ASCII, one copy */
    return g_strndup((const char *) p, len);
  GString *out = g_string_sized_new(len + 1);
  gsize i = 0;
  while (i < len) {
    guint8 c = p[i];
    if (c >= 0x20 && c < 0x7f) {
      g_string_append_c(out, (char) c);
      i++;
      continue;
    }
    if (c >= 0x80) {
      gunichar u = g_utf8_get_char_validated((const char *) p + i, (gssize) (len - i));
      if (u != (gunichar) -1 && u != (gunichar) -2 && u >= 0xa0) {
        gsize n = (gsize) g_unichar_to_utf8(u, NULL);
        g_string_append_len(out, (const char *) p + i, (gssize) n);
        i += n;
        continue;
      }
    }
    g_string_append_printf(out, "\\x%02x", c);
    i++;
  }
  return g_string_free(out, FALSE);
}

/* --- other versions' transactions (HTTP/2) ------------------------------------------ */

char *wt_http_safe_text(const guint8 *p, gsize len, gsize max)
{
  return wt_http_safe_strdup(p, len, max);
}

void wt_http_add_exchange(WtHttpStats *s, const WtAppContext *ctx, const WtConnInfo *conn,
                          const WtHttpExchange *x)
{
  WtHttpTxn t = { 0 };
  t.depth = x->depth;
  t.stream_id = x->stream_id;
  t.ts_req_start = x->ts_req_start;
  t.ts_req_end = x->ts_req_end;
  t.ts_resp_start = x->ts_resp_start;
  t.ts_resp_end = x->ts_resp_end;
  t.method = (char *) x->method;
  t.uri = (char *) x->path;
  t.host = (char *) x->authority;
  t.user_agent = (char *) x->user_agent;
  t.resp_content_type = (char *) x->content_type;
  t.req_major = t.resp_major = x->major;
  t.req_minor = t.resp_minor = x->minor;
  t.status_code = x->status;
  t.info_code = x->info_code;
  t.req_body_len = x->req_body_len;
  t.resp_body_len = x->resp_body_len;
  t.req_done = x->method != NULL;
  t.resp_done = x->status != 0 && !x->incomplete;
  t.has_final = x->status != 0;
  t.incomplete = x->incomplete != FALSE;
  t.answer_lost = x->answer_lost != FALSE;
  t.orphan = x->method == NULL;
  t.is_head = x->method && strcmp(x->method, "HEAD") == 0;
  t.is_connect = x->method && strcmp(x->method, "CONNECT") == 0;
  t.upgraded = x->upgraded != FALSE;
  t.tunnel = t.is_connect && x->status >= 200 && x->status <= 299;
  WtSeriesSink *series = ctx ? ctx->series : NULL;
  /* interim, 101 too: after an h2c switch the final status is stream 1's */
  for (guint i = 0; i < x->n_interim; i++) {
    count_status(s, x->info_code, TRUE);
    wt_series_count(series, x->ts_req_end, wt_http_series_col[WT_HTTP_SERIES_1XX], 1);
  }
  if (x->status) {
    wt_http_stats_on_status(s, x->status);
    if (x->status >= 100 && x->status <= 599)
      wt_series_count(series, x->ts_resp_start,
                      wt_http_series_col[WT_HTTP_SERIES_1XX + x->status / 100u - 1], 1);
  }
  if (x->content_type)
    wt_http_stats_on_content_type(s, x->content_type);
  if (x->method)
    wt_series_count(series, x->ts_req_start,
                    wt_http_series_col[WT_HTTP_SERIES_REQUESTS], 1);
  t.tls = conn && conn->tls;
  wt_http_stats_on_txn(s, &t);
  WtLog *log = wt_app_log(ctx, &wt_http_log_table);
  if (log)
    wt_http_log_write(log, conn, &t);
}

void wt_http_add_gap(WtHttpStats *s)
{
  s->gaps++;
}

guint64 wt_http_stats_scheme_count(const WtHttpStats *s, const char *scheme)
{
  for (guint i = 0; i < G_N_ELEMENTS(scheme_keys); i++)
    if (strcmp(scheme_keys[i], scheme) == 0)
      return s->schemes[i];
  return 0;
}

guint64 wt_http_stats_version_count(const WtHttpStats *s, const char *version)
{
  for (guint i = 0; i < G_N_ELEMENTS(version_keys); i++)
    if (strcmp(version_keys[i], version) == 0)
      return s->versions[i];
  return 0;
}

/* --- getters ------------------------------------------------------------------------ */

guint64 wt_http_stats_get(const WtHttpStats *s, const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++)
    if (strcmp(scalars[i].name, name) == 0)
      return scalar_value(s, &scalars[i]);
  return 0;
}

guint64 wt_http_stats_status_count(const WtHttpStats *s, guint code)
{
  return code < G_N_ELEMENTS(s->status) ? s->status[code] : 0;
}

guint64 wt_http_stats_method_count(const WtHttpStats *s, const char *method)
{
  const WtHttpAgg *a = g_hash_table_lookup(s->methods, method);
  return a ? a->count : 0;
}

static const WtHttpTop *top_by_name(const WtHttpStats *s, const char *table)
{
  if (strcmp(table, "hosts") == 0)
    return s->hosts;
  if (strcmp(table, "uris") == 0)
    return s->uris;
  if (strcmp(table, "endpoints") == 0)
    return s->endpoints;
  if (strcmp(table, "user_agents") == 0)
    return s->user_agents;
  if (strcmp(table, "content_types") == 0)
    return s->content_types;
  return NULL;
}

guint64 wt_http_stats_top_count(const WtHttpStats *s, const char *table, const char *key)
{
  const WtHttpTop *t = top_by_name(s, table);
  if (!t)
    return 0;
  if (strcmp(key, "(other)") == 0)
    return t->other.count;
  const WtHttpAgg *a = g_hash_table_lookup(t->h, key);
  return a ? a->count : 0;
}

static void dump_agg(GString *out, const char *key, const WtHttpAgg *a)
{
  g_string_append_printf(out, "  %s: %" G_GUINT64_FORMAT, key, a->count);
  for (int c = 0; c < N_CLASSES; c++)
    g_string_append_printf(out, " %" G_GUINT64_FORMAT, a->by_class[c]);
  g_string_append_printf(out, " lat %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                         "\n", a->lat_n, a->lat_sum_us, a->lat_max_us);
}

static void dump_top(GString *out, const char *name, const WtHttpTop *t)
{
  g_string_append_printf(out, "%s:\n", name);
  g_autoptr(GArray) rows = top_sorted(t);
  for (guint i = 0; i < rows->len; i++) {
    const TopRow *r = &g_array_index(rows, TopRow, i);
    dump_agg(out, r->key, r->agg);
  }
}


char *wt_http_stats_dump(const WtHttpStats *s)
{
  GString *out = g_string_new(NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++)
    g_string_append_printf(out, "%s=%" G_GUINT64_FORMAT "\n", scalars[i].name,
                           scalar_value(s, &scalars[i]));
  for (guint c = 0; c < G_N_ELEMENTS(s->status); c++)
    if (s->status[c])
      g_string_append_printf(out, "status %03u=%" G_GUINT64_FORMAT "\n", c, s->status[c]);
  WtHttpTop methods = { s->methods, 0, { 0 }, { 0 }, NULL, 0, NULL };
  dump_top(out, "methods", &methods);
  dump_top(out, "hosts", s->hosts);
  dump_top(out, "uris", s->uris);
  dump_top(out, "endpoints", s->endpoints);
  dump_top(out, "user_agents", s->user_agents);
  dump_top(out, "content_types", s->content_types);
  wt_histogram_dump(s->ttfb, out, "ttfb");
  wt_histogram_dump(s->ttlb, out, "ttlb");
  return g_string_free(out, FALSE);
}

/* --- timeline series ---------------------------------------------------------------- */

guint wt_http_series_col[WT_HTTP_N_SERIES];

static const WtSeriesDef series_defs[WT_HTTP_N_SERIES] = {
  { &wt_http_series_col[WT_HTTP_SERIES_REQUESTS], "http_requests", N_("HTTP requests") },
  { &wt_http_series_col[WT_HTTP_SERIES_1XX], "http_1xx", "1xx" },
  { &wt_http_series_col[WT_HTTP_SERIES_2XX], "http_2xx", "2xx" },
  { &wt_http_series_col[WT_HTTP_SERIES_3XX], "http_3xx", "3xx" },
  { &wt_http_series_col[WT_HTTP_SERIES_4XX], "http_4xx", "4xx" },
  { &wt_http_series_col[WT_HTTP_SERIES_5XX], "http_5xx", "5xx" },
};

static const WtChartHint series_charts[] = {
  { .id = 2, .item = "timeline", .kind = "series", .title = N_("HTTP requests per second"),
    .options = "\"fields\":[\"http_requests\"]," WT_SERIES_CHART_PER_SECOND, .wide = TRUE },
  { .id = 3, .item = "timeline", .kind = "series",
    .title = N_("HTTP responses per second by status class"),
    .options = "\"fields\":[\"http_1xx\",\"http_2xx\",\"http_3xx\",\"http_4xx\",\"http_5xx\"],"
               "\"color\":\"status\"," WT_SERIES_CHART_PER_SECOND,
    .labels = WT_CHART_LABELS_COLUMNS, .label_table = "timeline", .wide = TRUE },
};

const WtSeriesGroup wt_http_series = {
  .section = "http",
  .defs = series_defs,
  .n_defs = G_N_ELEMENTS(series_defs),
  .charts = series_charts,
  .n_charts = G_N_ELEMENTS(series_charts),
};

/* The charts of section "http" (the page's figure numbers 5 to 10). */
static const WtChartHint section_charts[] = {
  { .id = 5, .item = "status_classes", .kind = "bars", .title = N_("Responses by status class"),
    .options = "\"color\":\"status\"" },
  { .id = 6, .item = "status_codes", .kind = "bars", .title = N_("Responses by status code"),
    .options = "\"color\":\"status\"", .labels = WT_CHART_LABELS_TABLE,
    .label_table = "status_table", .label_key = "code", .label_col = "reason" },
  { .id = 7, .item = "methods", .kind = "bars", .title = N_("Requests by method") },
  { .id = 8, .item = "methods_by_class", .kind = "stacked", .title = N_("Methods by status class"),
    .options = "\"rowKey\":\"method\",\"color\":\"status\","
               "\"series\":[\"1xx\",\"2xx\",\"3xx\",\"4xx\",\"5xx\",\"other\",\"none\"]",
    .labels = WT_CHART_LABELS_COLUMNS, .label_table = "methods_by_class" },
  { .id = 9, .item = "time_to_first_byte", .kind = "bars",
    .title = N_("Response time to first byte (ms)"),
    .options = "\"exclude\":[\"count\",\"samples\"],\"unit\":\"ms\"",
    .labels = WT_CHART_LABELS_ITEMS },
  { .id = 10, .item = "time_to_last_byte", .kind = "bars",
    .title = N_("Response time to last byte (ms)"),
    .options = "\"exclude\":[\"count\",\"samples\"],\"unit\":\"ms\"",
    .labels = WT_CHART_LABELS_ITEMS },
};

void wt_http_report_charts(WtSection *sec)
{
  wt_section_charts(sec, section_charts, G_N_ELEMENTS(section_charts));
}

/* --- report ------------------------------------------------------------------------- */

static double share(guint64 part, guint64 whole)
{
  return whole ? 100.0 * (double) part / (double) whole : 0.0;
}

static void report_status(WtHttpStats *s, WtSection *sec)
{
  char code[8];
  guint64 classes[N_CLASSES] = { 0 };
  /* the maps exist ({}) even without responses: JSON consumers rely on the keys */
  wt_section_map_u64(sec, "status_codes", _("Status codes"), NULL, 0);
  wt_section_map_u64(sec, "status_classes", _("Status classes"), NULL, 0);
  for (guint c = 0; c < G_N_ELEMENTS(s->status); c++) {
    if (!s->status[c])
      continue;
    g_snprintf(code, sizeof code, "%03u", c);
    wt_section_map_u64(sec, "status_codes", _("Status codes"), code, s->status[c]);
    classes[(c >= 100 && c <= 599) ? c / 100 : CLASS_OTHER] += s->status[c];
  }
  for (guint c = 1; c < N_CLASSES; c++)
    if (classes[c])
      wt_section_map_u64(sec, "status_classes", _("Status classes"), class_keys[c], classes[c]);

  guint64 total = 0;
  for (guint c = 0; c < G_N_ELEMENTS(s->status); c++)
    total += s->status[c];
  WtTable *t = wt_section_table(sec, "status_table", _("Status codes"));
  wt_table_set_csv_name(t, "status_codes");
  wt_table_column(t, "code", _("Code"), WT_COL_U64);
  wt_table_column(t, "class", _("Class"), WT_COL_STR);
  wt_table_column(t, "reason", _("Reason"), WT_COL_STR);
  wt_table_column(t, "count", _("Responses"), WT_COL_U64);
  wt_table_column(t, "share", _("Share"), WT_COL_PERCENT);
  wt_table_column(t, "meaning", _("Meaning"), WT_COL_STR);
  for (guint c = 0; c < G_N_ELEMENTS(s->status); c++) {
    if (!s->status[c])
      continue;
    const WtHttpStatusInfo *info = wt_http_status_lookup(c);
    wt_table_row(t);
    wt_table_u64(t, c);
    wt_table_str(t, wt_http_status_class_name(c));
    if (info)
      wt_table_str(t, info->reason);
    else
      wt_table_str_tr(t, N_("(unregistered)"));
    wt_table_u64(t, s->status[c]);
    wt_table_percent(t, share(s->status[c], total));
    wt_table_str_tr(t, info ? info->meaning : N_("not a registered status code"));
  }
}

/* Responses that say the request failed: 4xx (the client's fault) and 5xx (the
 * server's), as a count and as a share of final responses. */
static void report_errors(WtHttpStats *s, WtSection *sec)
{
  guint64 errors = 0;
  for (guint c = 400; c <= 599 && c < G_N_ELEMENTS(s->status); c++)
    errors += s->status[c];
  wt_section_u64(sec, "errors", _("Error responses (4xx, 5xx)"), errors);
  wt_section_double(sec, "error_rate", _("Error rate (percent of final responses)"),
                    share(errors, s->final_responses));
}

static void report_methods(WtHttpStats *s, WtSection *sec)
{
  WtHttpTop methods = { s->methods, 0, { 0 }, { 0 }, NULL, 0, NULL };
  g_autoptr(GArray) rows = top_sorted(&methods);
  wt_section_map_u64(sec, "methods", _("Methods"), NULL, 0);
  for (guint i = 0; i < rows->len; i++) {
    const TopRow *r = &g_array_index(rows, TopRow, i);
    wt_section_map_u64(sec, "methods", _("Methods"), r->key, r->agg->count);
  }
  WtTable *t = wt_section_table(sec, "methods_table", _("Methods"));
  wt_table_set_csv_name(t, "methods");
  wt_table_column(t, "method", _("Method"), WT_COL_STR);
  wt_table_column(t, "count", _("Requests"), WT_COL_U64);
  wt_table_column(t, "share", _("Share"), WT_COL_PERCENT);
  for (guint i = 0; i < rows->len; i++) {
    const TopRow *r = &g_array_index(rows, TopRow, i);
    wt_table_row(t);
    wt_table_str(t, r->key);
    wt_table_u64(t, r->agg->count);
    wt_table_percent(t, share(r->agg->count, s->requests));
  }
  t = wt_section_table(sec, "methods_by_class", _("Methods by status class"));
  wt_table_column(t, "method", _("Method"), WT_COL_STR);
  for (guint c = 1; c < N_CLASSES; c++)
    wt_table_column(t, class_keys[c], class_keys[c], WT_COL_U64);
  wt_table_column(t, "none", _("No answer"), WT_COL_U64);
  for (guint i = 0; i < rows->len; i++) {
    const TopRow *r = &g_array_index(rows, TopRow, i);
    wt_table_row(t);
    wt_table_str(t, r->key);
    for (guint c = 1; c < N_CLASSES; c++)
      wt_table_u64(t, r->agg->by_class[c]);
    wt_table_u64(t, r->agg->by_class[CLASS_NONE]);
  }
}

static void report_top(WtSection *sec, const char *key, const char *label, const char *col,
                       const char *col_label, const WtHttpTop *top, guint64 whole, guint rows_max)
{
  WtTable *t = wt_section_table(sec, key, label);
  wt_table_column(t, col, col_label, WT_COL_STR);
  wt_table_column(t, "count", _("Count"), WT_COL_U64);
  wt_table_column(t, "share", _("Share"), WT_COL_PERCENT);
  g_autoptr(GArray) rows = top_sorted(top);
  guint64 rest = 0;
  for (guint i = 0; i < rows->len; i++) {
    const TopRow *r = &g_array_index(rows, TopRow, i);
    if (i >= rows_max && strcmp(r->key, "(other)") != 0) {
      rest += r->agg->count;
      continue;
    }
    wt_table_row(t);
    wt_table_str(t, r->key);
    wt_table_u64(t, r->agg->count);
    wt_table_percent(t, share(r->agg->count, whole));
  }
  if (rest) {
    wt_table_row(t);
    wt_table_str(t, "(rest)");
    wt_table_u64(t, rest);
    wt_table_percent(t, share(rest, whole));
  }
}

static void report_endpoints(WtSection *sec, const WtHttpTop *top, guint rows_max)
{
  WtTable *t = wt_section_table(sec, "endpoints", _("REST endpoints"));
  wt_table_column(t, "method", _("Method"), WT_COL_STR);
  wt_table_column(t, "endpoint", _("Endpoint"), WT_COL_STR);
  wt_table_column(t, "count", _("Requests"), WT_COL_U64);
  for (guint c = 1; c <= 5; c++)
    wt_table_column(t, class_keys[c], class_keys[c], WT_COL_U64);
  wt_table_column(t, "none", _("No answer"), WT_COL_U64);
  wt_table_column(t, "mean_ms", _("Mean ms"), WT_COL_DOUBLE);
  wt_table_column(t, "p50_ms", _("p50 ms"), WT_COL_DOUBLE);
  wt_table_column(t, "p99_ms", _("p99 ms"), WT_COL_DOUBLE);
  wt_table_column(t, "max_ms", _("Max ms"), WT_COL_DOUBLE);
  g_autoptr(GArray) rows = top_sorted(top);
  for (guint i = 0; i < rows->len && i < rows_max; i++) {
    const TopRow *r = &g_array_index(rows, TopRow, i);
    const char *sp = strchr(r->key, ' ');
    g_autofree char *method = sp ? g_strndup(r->key, (gsize) (sp - r->key)) : g_strdup("");
    wt_table_row(t);
    wt_table_str(t, method);
    wt_table_str(t, sp ? sp + 1 : r->key);
    wt_table_u64(t, r->agg->count);
    for (guint c = 1; c <= 5; c++)
      wt_table_u64(t, r->agg->by_class[c]);
    wt_table_u64(t, r->agg->by_class[CLASS_NONE]);
    wt_table_double(t, r->agg->lat_n ? (double) r->agg->lat_sum_us / r->agg->lat_n / 1000.0 : 0);
    wt_table_double(t, agg_percentile_ms(r->agg, 50));
    wt_table_double(t, agg_percentile_ms(r->agg, 99));
    wt_table_double(t, (double) r->agg->lat_max_us / 1000.0);
  }
}


/* http next to https (HTTP read from decrypted TLS); only when some HTTPS was read, so a
 * report without a key log keeps its shape. */
static void report_schemes(WtSection *sec, const WtHttpStats *s)
{
  if (!s->schemes[1])
    return;
  WtTable *t = wt_section_table(sec, "schemes", _("Transactions by scheme"));
  wt_table_column(t, "scheme", _("Scheme"), WT_COL_STR);
  wt_table_column(t, "count", _("Transactions"), WT_COL_U64);
  wt_table_column(t, "share", _("Share"), WT_COL_PERCENT);
  guint64 all = s->schemes[0] + s->schemes[1];
  for (guint i = 0; i < G_N_ELEMENTS(s->schemes); i++) {
    wt_table_row(t);
    wt_table_str(t, scheme_keys[i]);
    wt_table_u64(t, s->schemes[i]);
    wt_table_percent(t, share(s->schemes[i], all));
  }
}

void wt_http_stats_report(gpointer p, const WtReportOptions *opts, WtReport *r)
{
  WtHttpStats *s = p;
  guint top_n = opts ? opts->top_n : WT_HTTP_REPORT_ROWS;
  WtSection *sec = wt_report_section(r, "http", _("HTTP"));
  static const struct { const char *key, *label; } labels[] = {
    { "requests", N_("Requests") }, { "responses", N_("Responses") },
    { "final_responses", N_("Final responses") }, { "interim", N_("Interim (1xx) responses") },
    { "unanswered", N_("Unanswered requests") }, { "orphan_responses", N_("Responses without request") },
    { "answer_not_captured", N_("Answer not captured") },
    { "request_not_captured", N_("Request not captured") },
    { "incomplete", N_("Incomplete transactions") }, { "tunnels", N_("CONNECT tunnels") },
    { "upgrades", N_("Protocol upgrades (101)") }, { "websocket_upgrades", N_("WebSocket upgrades") },
    { "http09", N_("HTTP/0.9 transactions") }, { "h2_prefaces", N_("HTTP/2 prior-knowledge prefaces") },
    { "expect_continue", N_("Expect: 100-continue requests") }, { "gaps", N_("Capture gaps") },
    { "resyncs", N_("Resynchronisations") }, { "request_body_bytes", N_("Request body bytes") },
    { "response_body_bytes", N_("Response body bytes") },
  };
  G_STATIC_ASSERT(G_N_ELEMENTS(labels) == G_N_ELEMENTS(scalars));
  /* a web link's first questions lead the report: how many requests, how many failed,
   * which codes and methods; the rest of the counters follow */
  wt_section_set_lead(sec);
  wt_section_set_nothing(sec, _("no requests"));
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++) {
    /* the capture-loss split is reported where the capture lost HTTP bytes */
    if (!s->gaps && (scalars[i].offset == G_STRUCT_OFFSET(WtHttpStats, answer_not_captured) ||
                     scalars[i].offset == G_STRUCT_OFFSET(WtHttpStats, request_not_captured)))
      continue;
    wt_section_u64(sec, scalars[i].name, _(labels[i].label), scalar_value(s, &scalars[i]));
    if (scalars[i].offset == G_STRUCT_OFFSET(WtHttpStats, responses)) {
      report_errors(s, sec);
      report_status(s, sec);
      report_methods(s, sec);
    }
  }
  /* the methods and status tables say it all in text; the maps stay for JSON */
  wt_section_hide_in_text(sec, "methods");
  wt_section_hide_in_text(sec, "status_codes");
  wt_histogram_report(s->ttfb, sec, "time_to_first_byte", _("Response time to first byte"));
  wt_histogram_report(s->ttlb, sec, "time_to_last_byte", _("Response time to last byte"));
  if (s->requests > 0 || s->responses > 0) /* no charts of nothing */
    wt_http_report_charts(sec);
  report_top(sec, "hosts", _("Top hosts"), "host", _("Host"), s->hosts, s->requests, top_n);
  report_top(sec, "uris", _("Top URIs (query stripped)"), "uri", _("URI"), s->uris, s->requests,
             top_n);
  report_endpoints(sec, s->endpoints, top_n);
  report_top(sec, "user_agents", _("User agents"), "user_agent", _("User agent"), s->user_agents,
             s->requests, top_n);
  report_top(sec, "content_types", _("Response content types"), "content_type", _("Content type"),
             s->content_types, s->final_responses, top_n);

  /* HTTP's part of the proxies section (the SOCKS dissector writes the rest) */
  WtSection *px = wt_report_section(r, "proxies", _("Proxies"));
  wt_section_u64(px, "connect_requests", _("HTTP CONNECT requests"), s->connect_requests);
  wt_section_u64(px, "forward_requests", _("HTTP requests in absolute form (forward proxy)"),
                 s->forward_requests);
  report_top(px, "connect_targets", _("CONNECT targets"), "target", _("Target"),
             s->connect_targets, s->connect_requests, top_n);
  report_top(px, "connect_answers", _("CONNECT answers"), "status", _("Status"),
             s->connect_answers, s->connect_requests, top_n);
  report_top(px, "forward_hosts", _("Hosts asked of forward proxies"), "host", _("Host"),
             s->forward_hosts, s->forward_requests, top_n);
  WtTable *vt = wt_section_table(sec, "versions", _("Transactions by protocol version"));
  wt_table_column(vt, "version", _("Version"), WT_COL_STR);
  wt_table_column(vt, "count", _("Transactions"), WT_COL_U64);
  wt_table_column(vt, "share", _("Share"), WT_COL_PERCENT);
  guint64 all = 0;
  for (guint i = 0; i < G_N_ELEMENTS(s->versions); i++)
    all += s->versions[i];
  for (guint i = 0; i < G_N_ELEMENTS(s->versions); i++) {
    if (!s->versions[i])
      continue;
    wt_table_row(vt);
    wt_table_str(vt, version_keys[i]);
    wt_table_u64(vt, s->versions[i]);
    wt_table_percent(vt, share(s->versions[i], all));
  }
  report_schemes(sec, s);
}


/* --- live metrics ------------------------------------------------------------------- */

/* Prometheus's usual latency buckets, a little finer at the fast end (seconds). */
static const double response_bounds_s[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

void wt_http_stats_metrics(gconstpointer stats, WtMetrics *m)
{
  const WtHttpStats *s = stats;
  wt_metrics_declare(m, "wiretab_http_requests_total", WT_METRIC_COUNTER,
                     "HTTP requests (transactions with a request line) by method");
  wt_metrics_declare(m, "wiretab_http_responses_total", WT_METRIC_COUNTER,
                     "HTTP response status lines (1xx interim ones too) by code and class");
  wt_metrics_declare(m, "wiretab_http_response_seconds", WT_METRIC_HISTOGRAM,
                     "HTTP time to first byte: end of the request to the first byte of "
                     "its final response");
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, s->methods);
  while (g_hash_table_iter_next(&it, &k, &v))
    if (((const WtHttpAgg *) v)->count)
      wt_metrics_add(m, "wiretab_http_requests_total", (double) ((const WtHttpAgg *) v)->count,
                     "method", (const char *) k, NULL);
  for (guint c = 0; c < G_N_ELEMENTS(s->status); c++) {
    if (!s->status[c])
      continue;
    char code[8];
    g_snprintf(code, sizeof code, "%u", c);
    wt_metrics_add(m, "wiretab_http_responses_total", (double) s->status[c], "code", code,
                   "class", class_keys[(c >= 100 && c <= 599) ? c / 100 : CLASS_OTHER], NULL);
  }
  wt_metrics_add_histogram(m, "wiretab_http_response_seconds", s->ttfb, response_bounds_s,
                           G_N_ELEMENTS(response_bounds_s));
}
