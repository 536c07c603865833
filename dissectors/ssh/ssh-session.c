/* An SSH connection: each direction reads its identification string, then its first
 * binary packet (the KEXINIT); after that the direction is skipped unread (it is about to
 * be encrypted). When the connection ends, the tap counts it and ssh.log gets its record.
 * See ssh.h. */
#include "dissectors/ssh/ssh.h"

#include <string.h>

#include "dissectors/ssh/ssh-fleet.h"
#include "dissectors/ssh/ssh-log.h"
#include "dissectors/ssh/ssh-parse.h"
#include "dissectors/ssh/ssh-stats.h"

typedef enum {
  DIR_IDENT,    /* waiting for the identification string (servers may send other lines) */
  DIR_KEXINIT,  /* waiting for the first binary packet */
  DIR_DONE,     /* nothing more to read in clear */
} DirState;

typedef struct {
  DirState state;
  guint pre_lines;     /* lines before the identification */
  gboolean have_ident, have_kexinit;
  WtSshIdent ident;
  WtSshKexinit kexinit;
} SshDir;

typedef struct {
  WtSshStats *stats;
  WtAppContext *ctx;
  WtConnInfo conn;
  WtLog *log;
  SshDir dir[2];
  gint64 first_ts;     /* capture time of the first identification string */
  gboolean not_ssh, malformed;
  guint64 gaps;
} SshSession;

static gpointer ssh_session_new(gpointer stats, WtAppContext *ctx, const WtConnInfo *conn)
{
  SshSession *s = g_new0(SshSession, 1);
  s->stats = stats;
  s->ctx = ctx;
  s->conn = *conn;
  s->log = wt_app_log(ctx, &wt_ssh_log_table);
  return s;
}

static void note_ident(SshSession *s, gint64 ts_ns)
{
  if (s->first_ts)
    return;
  s->first_ts = ts_ns > 0 ? ts_ns : 1;
  wt_series_count(s->ctx ? s->ctx->series : NULL, ts_ns,
                  wt_ssh_series_col[WT_SSH_SERIES_CONNECTIONS], 1);
}

/* One step of direction `d` on data[0..len): bytes consumed, 0 when more are needed. */
static gsize step(SshSession *s, SshDir *d, const guint8 *data, gsize len, gint64 ts_ns)
{
  gsize used = 0;
  WtSshParse st;
  if (d->state == DIR_IDENT) {
    st = wt_ssh_parse_ident(data, len, &d->ident, &used);
    if (st == WT_SSH_OK) {
      d->have_ident = TRUE;
      d->state = DIR_KEXINIT;
      note_ident(s, ts_ns);
    } else if (st == WT_SSH_OTHER_LINE && ++d->pre_lines > WT_SSH_MAX_PRE_LINES) {
      st = WT_SSH_NOT_SSH;
    }
  } else {
    st = wt_ssh_parse_kexinit(data, len, &d->kexinit, &used);
    if (st == WT_SSH_OK)
      d->have_kexinit = TRUE;
    if (st != WT_SSH_NEED_MORE)
      d->state = DIR_DONE; /* a KEXINIT or not: what follows is of no use in clear */
    if (st == WT_SSH_NOT_SSH)
      st = WT_SSH_OK;      /* a whole packet of another message: SSH all the same */
  }
  if (st == WT_SSH_NOT_SSH || st == WT_SSH_MALFORMED) {
    if (st == WT_SSH_NOT_SSH && !d->have_ident)
      s->not_ssh = TRUE;
    else
      s->malformed = TRUE;
    d->state = DIR_DONE;
    return len;
  }
  return st == WT_SSH_NEED_MORE ? 0 : used;
}

static gsize ssh_deliver(gpointer p, WtDir dir, const guint8 *data, gsize len, gint64 ts_ns)
{
  SshSession *s = p;
  SshDir *d = &s->dir[dir];
  gsize off = 0;
  while (off < len && d->state != DIR_DONE) {
    gsize n = step(s, d, data + off, len - off, ts_ns);
    if (n == 0)
      return off; /* keep the rest until more arrives */
    off += n;
  }
  return len; /* done: the encrypted rest is skipped */
}

static void ssh_gap(gpointer p, WtDir dir, guint64 len)
{
  SshSession *s = p;
  (void) len;
  /* a hole inside the handshake: what follows cannot be framed again */
  if (s->dir[dir].state != DIR_DONE) {
    s->gaps++;
    s->dir[dir].state = DIR_DONE;
  }
}

static void ssh_eof(gpointer p, WtDir dir, gint64 ts_ns)
{
  (void) p;
  (void) dir;
  (void) ts_ns;
}

/* RFC 4253 7.1 on the two KEXINITs: the client's first choice the server also offers. */
typedef struct {
  char kex[128], host_key[128], cipher[128], mac[128], compression[128];
} Negotiated;

static void negotiate(const SshSession *s, Negotiated *n, WtSshConnSummary *c)
{
  const SshDir *cl = &s->dir[WT_DIR_ORIG], *sv = &s->dir[WT_DIR_RESP];
  if (!cl->have_kexinit || !sv->have_kexinit)
    return;
  char *const *a = cl->kexinit.lists, *const *b = sv->kexinit.lists;
  c->kex_alg = wt_ssh_negotiate(a[WT_SSH_KEX], b[WT_SSH_KEX], n->kex, sizeof n->kex);
  c->host_key_alg = wt_ssh_negotiate(a[WT_SSH_HOST_KEY], b[WT_SSH_HOST_KEY], n->host_key,
                                     sizeof n->host_key);
  /* Zeek logs the client-to-server choices */
  c->cipher_alg = wt_ssh_negotiate(a[WT_SSH_CIPHER_C2S], b[WT_SSH_CIPHER_C2S], n->cipher,
                                   sizeof n->cipher);
  c->mac_alg = wt_ssh_negotiate(a[WT_SSH_MAC_C2S], b[WT_SSH_MAC_C2S], n->mac, sizeof n->mac);
  c->compression_alg = wt_ssh_negotiate(a[WT_SSH_COMPRESSION_C2S], b[WT_SSH_COMPRESSION_C2S],
                                        n->compression, sizeof n->compression);
}

static void ssh_session_free(gpointer p)
{
  SshSession *s = p;
  const SshDir *cl = &s->dir[WT_DIR_ORIG], *sv = &s->dir[WT_DIR_RESP];
  WtSshConnSummary c = { 0 };
  Negotiated n;
  c.client = cl->have_ident ? cl->ident.software : NULL;
  c.server = sv->have_ident ? sv->ident.software : NULL;
  c.version = cl->have_ident ? cl->ident.proto_version
              : sv->have_ident ? sv->ident.proto_version : NULL;
  negotiate(s, &n, &c);
  c.not_ssh = s->not_ssh;
  c.malformed = s->malformed;
  c.gaps = s->gaps;
  wt_ssh_stats_add(s->stats, &c);
  if (s->log && (cl->have_ident || sv->have_ident))
    wt_ssh_log_write(s->log, &s->conn, s->first_ts, &c);
  wt_ssh_kexinit_clear(&s->dir[0].kexinit);
  wt_ssh_kexinit_clear(&s->dir[1].kexinit);
  g_free(s);
}

/* Either side may speak first; a server may send other lines before its identification
 * (then the port table finds it). */
static gboolean ssh_probe(const guint8 *data, gsize len, WtDir dir)
{
  (void) dir;
  return len >= 4 && memcmp(data, "SSH-", 4) == 0;
}

static const guint16 ssh_ports[] = { 22, 0 };
static const WtLogTable *const ssh_log_tables[] = { &wt_ssh_log_table, NULL };

const WtStreamDissector wt_ssh_dissector = {
  .name = "ssh",
  .ports = ssh_ports,
  .log_tables = ssh_log_tables,
  .fleet_report = wt_ssh_fleet_report,
  .probe = ssh_probe,
  .stats_new = wt_ssh_stats_new,
  .stats_free = wt_ssh_stats_free,
  .stats_merge = wt_ssh_stats_merge,
  .report = wt_ssh_stats_report,
  .series = &wt_ssh_series,
  .session_new = ssh_session_new,
  .deliver = ssh_deliver,
  .gap = ssh_gap,
  .eof = ssh_eof,
  .session_free = ssh_session_free,
};
