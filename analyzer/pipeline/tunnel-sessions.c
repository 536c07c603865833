/* Tunnel sessions for tunnel.log and tunnel_parents. See tunnel-sessions.h. */
#include "analyzer/pipeline/tunnel-sessions.h"
#include "analyzer/core/tunnel-log.h"
#include "analyzer/pipeline/flow-table.h"

#include <string.h>

/* A UDP tunnel is its carrying connection (by uid); an IP tunnel its enclosing path,
 * Zeek's type and the two addresses in either order. Zeroed, hashed and compared
 * bytewise. */
typedef struct {
  guint8 by_conn;
  guint8 type;
  guint8 pad[2];
  guint32 path;
  WtAddr lo, hi;
  char uid[20];
} SessionKey;

typedef struct {
  SessionKey key;
  WtConnInfo id;     /* the row's uid and endpoints */
  const char *type;  /* Zeek's Tunnel::Type */
  gint64 last_ts;
} Session;

struct WtTunnelSessions {
  GHashTable *by_key; /* SessionKey* -> Session* (the key inside the value) */
  gint64 next_expire_ts;
};

static guint key_hash(gconstpointer p)
{
  const guint8 *b = p;
  guint32 h = 2166136261u;
  for (gsize i = 0; i < sizeof(SessionKey); i++) {
    h ^= b[i];
    h *= 16777619u;
  }
  return h;
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, sizeof(SessionKey)) == 0;
}

WtTunnelSessions *wt_tunnel_sessions_new(void)
{
  WtTunnelSessions *s = g_new0(WtTunnelSessions, 1);
  s->by_key = g_hash_table_new_full(key_hash, key_equal, NULL, g_free);
  return s;
}

void wt_tunnel_sessions_free(WtTunnelSessions *s)
{
  if (!s)
    return;
  g_hash_table_destroy(s->by_key);
  g_free(s);
}

/* GRE, PPTP, ERSPAN and GRE in UDP are one type to Zeek, so one tunnel by addresses. */
static WtTunnelType zeek_group(WtTunnelType t)
{
  return strcmp(wt_tunnel_zeek_type(t), "Tunnel::GRE") == 0 ? WT_TUNNEL_GRE : t;
}

static void make_key(SessionKey *k, const WtTunnelLayer *layer, const WtFlow *udp_flow)
{
  memset(k, 0, sizeof *k);
  if (udp_flow) { /* one UDP connection carries one tunnel: its uid is enough */
    k->by_conn = 1;
    g_strlcpy(k->uid, udp_flow->info.uid, sizeof k->uid);
    return;
  }
  k->type = (guint8) zeek_group(layer->type);
  const WtPacket *c = &layer->carrier;
  k->path = c->tunnel_id;
  gboolean src_lo = wt_addr_compare(&c->src, &c->dst) <= 0;
  k->lo = src_lo ? c->src : c->dst;
  k->hi = src_lo ? c->dst : c->src;
}

/* The row's identity: the carrying connection's as it is oriented, or the addresses of
 * the packet that showed the IP tunnel first, ports 0 (as Zeek). */
static void session_id(Session *se, const WtTunnelLayer *layer, const WtFlow *udp_flow,
                       guint64 serial)
{
  if (udp_flow) {
    se->id = udp_flow->info;
    se->id.n_tunnel_parents = 0;
    se->id.tunnel_parents = NULL;
  } else {
    memset(&se->id, 0, sizeof se->id);
    wt_flow_uid(se->id.uid, serial);
    se->id.orig_h = layer->carrier.src;
    se->id.resp_h = layer->carrier.dst;
    se->id.proto = layer->carrier.ip_proto;
  }
  wt_conn_info_reset_text(&se->id);
}

const char *wt_tunnel_sessions_note(WtTunnelSessions *s, WtLog *log,
                                    const WtTunnelLayer *layer, const WtFlow *udp_flow,
                                    guint64 serial, gint64 ts_ns)
{
  SessionKey k;
  make_key(&k, layer, udp_flow);
  Session *se = g_hash_table_lookup(s->by_key, &k);
  if (!se) {
    se = g_new0(Session, 1);
    se->key = k;
    se->type = wt_tunnel_zeek_type(layer->type);
    session_id(se, layer, udp_flow, serial);
    g_hash_table_insert(s->by_key, &se->key, se);
    if (log)
      wt_tunnel_log_write(log, ts_ns, &se->id, se->type, "Tunnel::DISCOVER");
  }
  se->last_ts = MAX(se->last_ts, ts_ns);
  return se->id.uid;
}

void wt_tunnel_sessions_flow_end(WtTunnelSessions *s, WtLog *log, const WtFlow *flow,
                                 gint64 ts_ns)
{
  if (g_hash_table_size(s->by_key) == 0)
    return;
  SessionKey k;
  memset(&k, 0, sizeof k);
  k.by_conn = 1;
  g_strlcpy(k.uid, flow->info.uid, sizeof k.uid);
  Session *se = g_hash_table_lookup(s->by_key, &k);
  if (!se)
    return;
  if (log)
    wt_tunnel_log_write(log, ts_ns, &se->id, se->type, "Tunnel::CLOSE");
  g_hash_table_remove(s->by_key, &k);
}

/* Once a minute of capture time is often enough for an hour's timer. */
#define EXPIRE_CHECK_NS (G_GINT64_CONSTANT(60) * 1000000000)

void wt_tunnel_sessions_expire(WtTunnelSessions *s, WtLog *log, gint64 now_ns)
{
  if (now_ns < s->next_expire_ts || g_hash_table_size(s->by_key) == 0)
    return;
  s->next_expire_ts = now_ns == G_MAXINT64 ? now_ns : now_ns + EXPIRE_CHECK_NS;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, s->by_key);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    Session *se = v;
    if (now_ns - se->last_ts < WT_TUNNEL_LOG_EXPIRE_NS)
      continue;
    if (log)
      wt_tunnel_log_write(log, now_ns, &se->id, se->type, "Tunnel::EXPIRE");
    g_hash_table_iter_remove(&it);
  }
}

void wt_tunnel_parents_add(WtConnInfo *info, const char *uid)
{
  const char *p = info->tunnel_parents;
  gsize used = 0;
  for (guint i = 0; i < info->n_tunnel_parents; i++) {
    gsize n = strlen(p + used) + 1;
    if (strcmp(p + used, uid) == 0)
      return;
    used += n;
  }
  if (info->n_tunnel_parents >= WT_TUNNEL_MAX_PARENTS)
    return;
  gsize len = strlen(uid) + 1;
  char *grown = g_realloc((gpointer) info->tunnel_parents, used + len);
  memcpy(grown + used, uid, len);
  info->tunnel_parents = grown;
  info->n_tunnel_parents++;
}

void wt_tunnel_parents_clear(WtConnInfo *info)
{
  g_free((gpointer) info->tunnel_parents);
  info->tunnel_parents = NULL;
  info->n_tunnel_parents = 0;
}
