/* One TLS connection: records reassembled from each direction's bytes, the handshake
 * messages gathered across records, the keys found in the key log (tls-keylog.h) and,
 * when they are there, every record opened (tls-crypto.h) and the plaintext of the
 * application data handed to the dissector ALPN names, or that a content probe finds,
 * through the pipeline's selector (WtAppContext.apps): HTTPS reaches the HTTP tables
 * like plain HTTP, marked as carried by TLS (WtConnInfo.tls).
 *
 * Nothing unauthenticated goes on: a record whose tag or MAC does not check is counted
 * (tls.decrypt_failed) and dropped. After capture loss a direction goes on only when
 * the stream offsets say where the next record starts (the loss ended inside a record
 * whose header was seen); otherwise the rest of it stays encrypted (counted).
 *
 * Without a key log the session reads the hellos and skips the rest unread. */
#include "dissectors/tls/tls-private.h"
#include "dissectors/tls/tls-crypto.h"
#include "dissectors/tls/tls-hello.h"
#include "dissectors/tls/tls-keylog.h"
#include "dissectors/tls/tls.h"
#include "analyzer/core/app-select.h"
#include <string.h>

#define MAX_RECORD (WT_TLS_MAX_FRAGMENT + 2048) /* ciphertext of one record, RFC 5246 6.2.3 */
#define MAX_HANDSHAKE 65536  /* one handshake message (a certificate chain) */
#define MAX_HELLO 16384      /* a hello (the tap's limit) */
#define INNER_CAP 65536      /* plaintext the inner dissector may leave unconsumed */
#define MAX_FAIL_RUN 8       /* records in a row that do not open: the keys are wrong */
/* Live, records held back while a key is not in the key log yet: below the TCP layer's
 * leftover limit, and above a server's first flight (certificates) and a first response. */
#define KEY_WAIT_CAP (48u << 10)

enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPDATA = 23, CT_HEARTBEAT = 24 };
enum {
  HS_CLIENT_HELLO = 1,
  HS_SERVER_HELLO = 2,
  HS_NEW_SESSION_TICKET = 4,
  HS_ENCRYPTED_EXTENSIONS = 8,
  HS_CERTIFICATE = 11,
  HS_SERVER_HELLO_DONE = 14,
  HS_FINISHED = 20,
  HS_KEY_UPDATE = 24,
};

typedef struct {
  gboolean done;        /* nothing more is read in this direction */
  gboolean started;     /* a record header was seen */
  guint64 off;          /* stream offset of the first unconsumed byte */
  guint64 resume_at;    /* the first record boundary known at or after `off` */
  guint64 partial_len;  /* ciphertext length of the record cut at `off`, 0: none */
  guint64 skip;         /* bytes of a record the capture cut, to skip after a gap */
  WtTlsCipher rx;       /* the record protection in use */
  gboolean rx_on;
  WtTlsCipher next12;   /* TLS 1.2: the keys ChangeCipherSpec turns on */
  gboolean next12_ready;
  GByteArray *hs;       /* handshake bytes not yet a whole message */
  GByteArray *plain;    /* plaintext the inner dissector left */
  guint fail_run;
  gboolean key_wait;    /* live: the next records need a key the key log lacks so far */
  WtTlsKeyKind wait_kind;
  GByteArray *held;     /* bytes taken from TCP and not read yet: waiting for a key, then
                         * what follows until they are drained (NULL or empty: none) */
  gint64 held_ts;
} Dir;

typedef struct {
  WtTlsStats *stats;
  WtAppContext *ctx;
  WtConnInfo conn, inner_conn;
  WtTlsKeylog *keys;
  Dir d[2];
  WtTlsHello ch, sh;
  gboolean have_ch, have_sh, counted_sh, cert_seen;
  guint16 version;
  const WtTlsSuite *suite;
  gboolean unsupported, no_key, gap_lost, failed, decrypted;
  guint8 master[48];    /* TLS 1.2: for the session's resumptions */
  gboolean have_master;
  WtAppChoice inner;
  gpointer inner_session;
  gboolean inner_chosen;
} TlsSession;

static void anomaly(TlsSession *s, const char *name)
{
  wt_anomaly(s->ctx ? s->ctx->anomalies : NULL, name);
}

static void malformed(TlsSession *s, const char *name)
{
  s->stats->malformed++;
  anomaly(s, name);
}

/* --- the inner dissector ------------------------------------------------------------- */

static void choose_inner(TlsSession *s, WtDir dir, const guint8 *p, gsize n)
{
  const WtAppSelector *apps = s->ctx ? s->ctx->apps : NULL;
  s->inner_chosen = TRUE;
  if (!apps)
    return;
  WtAppChoice c = { NULL, NULL };
  if (s->sh.alpn_len && apps->by_alpn)
    c = apps->by_alpn(apps, s->sh.alpn_id, s->sh.alpn_len);
  if (!c.d)
    c = apps->by_probe(apps, WT_APP_STREAM, p, n, dir);
  if (!c.d || c.d == &wt_tls_dissector) {
    s->stats->no_inner++;
    return;
  }
  s->inner = c;
  s->inner_conn = s->conn;
  s->inner_conn.tls = TRUE;
  s->inner_session = c.d->session_new(c.stats, s->ctx, &s->inner_conn);
}

static void inner_gap(TlsSession *s, WtDir dir, guint64 len)
{
  Dir *d = &s->d[dir];
  if (!s->inner_session)
    return;
  if (d->plain) {
    len += d->plain->len;
    g_byte_array_set_size(d->plain, 0);
  }
  s->inner.d->gap(s->inner_session, dir, len);
}

static void app_data(TlsSession *s, WtDir dir, const guint8 *p, gsize n, gint64 ts)
{
  Dir *d = &s->d[dir];
  s->decrypted = TRUE;
  s->stats->plaintext_bytes += n;
  if (n == 0)
    return;
  if (!s->inner_chosen)
    choose_inner(s, dir, p, n);
  if (!s->inner_session)
    return;
  if (d->plain && d->plain->len) {
    g_byte_array_append(d->plain, p, (guint) n);
    p = d->plain->data;
    n = d->plain->len;
  }
  gsize used = s->inner.d->deliver(s->inner_session, dir, p, n, ts);
  if (used > n)
    used = n;
  if (!d->plain)
    d->plain = g_byte_array_new();
  if (p == d->plain->data)
    g_byte_array_remove_range(d->plain, 0, (guint) used);
  else
    g_byte_array_append(d->plain, p + used, (guint) (n - used));
  if (d->plain->len > INNER_CAP) {
    anomaly(s, "tls.app_stalled");
    inner_gap(s, dir, 0);
  }
}

/* --- keys ------------------------------------------------------------------------------ */

static gboolean lookup(TlsSession *s, WtTlsKeyKind kind, guint8 *out, gsize *len)
{
  return wt_tls_keylog_lookup(s->keys, s->ch.random, kind, out, len);
}

/* The direction's content stays encrypted from here. */
static void dir_dark(TlsSession *s, WtDir dir)
{
  s->d[dir].done = TRUE;
  s->d[dir].rx_on = FALSE;
}

/* A key not (yet) in the key log. Live, the client writes it just after the packet that
 * needed it: the direction holds its records and asks again (records()); else it stays
 * dark. */
static void key_missing(TlsSession *s, WtDir dir, WtTlsKeyKind kind)
{
  if (wt_tls_keylog_is_live(s->keys)) {
    s->d[dir].key_wait = TRUE;
    s->d[dir].wait_kind = kind;
    return;
  }
  s->no_key = TRUE;
  if (kind != WT_TLS_KEY_MASTER)
    dir_dark(s, dir);
}

/* TLS 1.3: a direction's records protected with the secret of `kind`. FALSE: no key. */
static gboolean keys13_dir(TlsSession *s, WtDir dir, WtTlsKeyKind kind)
{
  guint8 secret[WT_TLS_MAX_SECRET];
  gsize len = 0;
  if (!lookup(s, kind, secret, &len))
    return FALSE;
  if (wt_tls_cipher_init13(&s->d[dir].rx, s->suite, secret, len)) {
    s->d[dir].rx_on = TRUE;
  } else {
    s->unsupported = TRUE;
    dir_dark(s, dir);
  }
  memset(secret, 0, sizeof secret);
  return TRUE;
}

static void keys13(TlsSession *s)
{
  static const WtTlsKeyKind kinds[2] = { WT_TLS_KEY_CLIENT_HANDSHAKE,
                                         WT_TLS_KEY_SERVER_HANDSHAKE };
  for (int dir = 0; dir < 2; dir++)
    if (!keys13_dir(s, (WtDir) dir, kinds[dir]))
      key_missing(s, (WtDir) dir, kinds[dir]);
}

/* An abbreviated handshake (RFC 5246 7.3): the server echoed the client's session id. The
 * key log may lack this connection's random (some clients log only full handshakes): the
 * master secret is then the resumed session's, found by the ticket or the session id. */
static gboolean resumed_master(TlsSession *s, guint8 master[48])
{
  const WtTlsHello *ch = &s->ch, *sh = &s->sh;
  if (sh->session_id_len == 0 || sh->session_id_len != ch->session_id_len ||
      memcmp(sh->session_id, ch->session_id, sh->session_id_len) != 0)
    return FALSE;
  return (ch->ticket &&
          wt_tls_keylog_resume(s->keys, WT_TLS_RESUME_TICKET, ch->ticket_hash, 32, master)) ||
         wt_tls_keylog_resume(s->keys, WT_TLS_RESUME_SESSION_ID, sh->session_id,
                              sh->session_id_len, master);
}

/* TLS 1.2: both directions' keys from the master secret. FALSE: no key. */
static gboolean keys12_found(TlsSession *s)
{
  guint8 master[WT_TLS_MAX_SECRET];
  gsize len = 0;
  if (lookup(s, WT_TLS_KEY_MASTER, master, &len) || resumed_master(s, master)) {
    memcpy(s->master, master, 48);
    s->have_master = TRUE;
    wt_tls_keylog_remember(s->keys, WT_TLS_RESUME_SESSION_ID, s->sh.session_id,
                           s->sh.session_id_len, master);
  } else {
    return FALSE;
  }
  if (!wt_tls_cipher_init12(&s->d[WT_DIR_ORIG].next12, &s->d[WT_DIR_RESP].next12, s->suite,
                            master, s->ch.random, s->sh.random, s->sh.encrypt_then_mac)) {
    s->unsupported = TRUE;
    dir_dark(s, WT_DIR_ORIG);
    dir_dark(s, WT_DIR_RESP);
  } else {
    s->d[WT_DIR_ORIG].next12_ready = s->d[WT_DIR_RESP].next12_ready = TRUE;
  }
  memset(master, 0, sizeof master);
  return TRUE;
}

static void keys12(TlsSession *s)
{
  if (keys12_found(s))
    return;
  /* read on in the clear (the certificate) up to each ChangeCipherSpec */
  key_missing(s, WT_DIR_ORIG, WT_TLS_KEY_MASTER);
  key_missing(s, WT_DIR_RESP, WT_TLS_KEY_MASTER);
}

/* After the ServerHello: which keys the records will need. */
static void setup_keys(TlsSession *s)
{
  s->version = s->sh.version;
  s->suite = wt_tls_suite_lookup(s->sh.cipher);
  if (!s->keys)
    return;
  gboolean ok13 = s->version == 0x0304 && s->suite && s->suite->tls13;
  gboolean ok12 = s->version == 0x0303 && s->suite && !s->suite->tls13;
  if (!s->have_ch || (!ok13 && !ok12)) {
    if (s->have_ch)
      s->unsupported = TRUE;
    dir_dark(s, WT_DIR_ORIG);
    dir_dark(s, WT_DIR_RESP);
    return;
  }
  if (ok13)
    keys13(s);
  else
    keys12(s);
}

/* TLS 1.3: after a Finished, that direction's application traffic secret. */
static void traffic13(TlsSession *s, WtDir dir)
{
  WtTlsKeyKind kind =
    dir == WT_DIR_ORIG ? WT_TLS_KEY_CLIENT_TRAFFIC_0 : WT_TLS_KEY_SERVER_TRAFFIC_0;
  s->d[dir].rx_on = FALSE;
  if (!keys13_dir(s, dir, kind))
    key_missing(s, dir, kind);
}

/* --- handshake messages ---------------------------------------------------------------- */

static void client_hello(TlsSession *s, const guint8 *p, gsize n)
{
  char buf[8];
  if (!wt_tls_parse_client_hello(p, n, &s->ch)) {
    wt_tls_hello_clear(&s->ch);
    malformed(s, "tls.bad_client_hello");
    dir_dark(s, WT_DIR_ORIG);
    return;
  }
  s->have_ch = TRUE;
  s->stats->client_hellos++;
  wt_tls_count(s->stats->client_versions, wt_tls_version_name(s->ch.version, buf, sizeof buf),
               1);
  if (s->ch.sni)
    wt_tls_count(s->stats->sni, s->ch.sni, 1);
  else
    s->stats->no_sni++;
  for (guint i = 0; s->ch.alpn && i < s->ch.alpn->len; i++)
    wt_tls_count(s->stats->alpn, g_ptr_array_index(s->ch.alpn, i), 1);
}

static void server_hello(TlsSession *s, const guint8 *p, gsize n)
{
  char buf[8];
  wt_tls_hello_clear(&s->sh);
  if (!wt_tls_parse_server_hello(p, n, &s->sh)) {
    malformed(s, "tls.bad_server_hello");
    dir_dark(s, WT_DIR_RESP);
    return;
  }
  if (!s->counted_sh) {
    s->counted_sh = TRUE;
    s->stats->server_hellos++;
    wt_tls_count(s->stats->negotiated, wt_tls_version_name(s->sh.version, buf, sizeof buf), 1);
  }
  if (s->sh.hello_retry) { /* the real ServerHello follows the second ClientHello */
    s->stats->hello_retries++;
    return;
  }
  s->have_sh = TRUE;
  setup_keys(s);
}

/* TLS 1.2 NewSessionTicket (RFC 5077 3.3): a later connection may resume this session by
 * the ticket. */
static void new_session_ticket(TlsSession *s, const guint8 *p, gsize n)
{
  guint8 hash[32];
  if (n < 6)
    return;
  gsize len = (gsize) p[4] << 8 | p[5];
  if (len == 0 || len > n - 6 || !wt_tls_ticket_hash(p + 6, len, hash))
    return;
  wt_tls_keylog_remember(s->keys, WT_TLS_RESUME_TICKET, hash, sizeof hash, s->master);
}

/* The server's certificate: its subject and issuer for the tap. */
static void certificate(TlsSession *s, const guint8 *p, gsize n, gboolean tls13)
{
  g_autofree char *subject = NULL, *issuer = NULL;
  s->cert_seen = TRUE;
  if (!wt_tls_parse_certificate(p, n, tls13, &subject, &issuer)) {
    anomaly(s, "tls.bad_certificate");
    return;
  }
  wt_tls_count_certificate(s->stats, subject, issuer);
}

/* Without a key log a direction is read up to its hello only; the server's up to its
 * certificate when that is sent in the clear (before TLS 1.3). */
static gboolean clear_part_over(TlsSession *s, WtDir dir, guint8 type)
{
  if (dir == WT_DIR_ORIG)
    return s->have_ch;
  if (!s->counted_sh)
    return FALSE;
  return !(s->have_sh && s->version == 0x0303 && !s->cert_seen &&
           type != HS_SERVER_HELLO_DONE);
}

static void handshake_message(TlsSession *s, WtDir dir, guint8 type, const guint8 *p, gsize n,
                              gboolean encrypted)
{
  if (!encrypted && dir == WT_DIR_ORIG && !s->have_ch) {
    if (type == HS_CLIENT_HELLO)
      client_hello(s, p, n);
    else {
      malformed(s, "tls.no_client_hello");
      dir_dark(s, dir);
    }
  } else if (!encrypted && dir == WT_DIR_RESP && !s->have_sh) {
    if (type == HS_SERVER_HELLO)
      server_hello(s, p, n);
    else {
      malformed(s, "tls.no_server_hello");
      dir_dark(s, dir);
    }
  } else if (!encrypted && dir == WT_DIR_RESP && type == HS_NEW_SESSION_TICKET &&
             s->have_master) {
    new_session_ticket(s, p, n);
  } else if (dir == WT_DIR_RESP && type == HS_CERTIFICATE && !s->cert_seen &&
             encrypted == (s->version == 0x0304)) {
    certificate(s, p, n, s->version == 0x0304);
  } else if (encrypted && s->version == 0x0304) {
    if (type == HS_ENCRYPTED_EXTENSIONS && dir == WT_DIR_RESP &&
        !wt_tls_parse_encrypted_extensions(p, n, &s->sh))
      anomaly(s, "tls.bad_encrypted_extensions");
    else if (type == HS_FINISHED)
      traffic13(s, dir);
    else if (type == HS_KEY_UPDATE) {
      s->stats->keyupdates++;
      if (!wt_tls_cipher_update13(&s->d[dir].rx))
        dir_dark(s, dir);
    }
  }
  if (!s->keys && clear_part_over(s, dir, type))
    s->d[dir].done = TRUE;
}

/* Handshake bytes of one record (plaintext) into whole messages. */
static void handshake_bytes(TlsSession *s, WtDir dir, const guint8 *p, gsize n,
                            gboolean encrypted)
{
  Dir *d = &s->d[dir];
  if (!d->hs)
    d->hs = g_byte_array_new();
  g_byte_array_append(d->hs, p, (guint) n);
  gsize at = 0;
  while (!d->done && d->hs->len - at >= 4) {
    const guint8 *m = d->hs->data + at;
    gsize len = ((gsize) m[1] << 16) | ((gsize) m[2] << 8) | m[3];
    gsize limit = (!s->have_ch || !s->have_sh) && !encrypted ? MAX_HELLO : MAX_HANDSHAKE;
    if (len > limit - 4) {
      malformed(s, !s->have_ch || !s->have_sh ? "tls.hello_too_long"
                                               : "tls.handshake_too_long");
      dir_dark(s, dir);
      break;
    }
    if (d->hs->len - at - 4 < len)
      break;
    handshake_message(s, dir, m[0], m + 4, len, encrypted);
    at += 4 + len;
  }
  g_byte_array_remove_range(d->hs, 0, (guint) MIN(at, (gsize) d->hs->len));
}

/* --- records ----------------------------------------------------------------------------- */

static void content(TlsSession *s, WtDir dir, guint8 type, const guint8 *p, gsize n,
                    gboolean encrypted, gint64 ts)
{
  if (type == CT_HANDSHAKE)
    handshake_bytes(s, dir, p, n, encrypted);
  else if (type == CT_APPDATA && encrypted)
    app_data(s, dir, p, n, ts);
}

static void record_failed(TlsSession *s, WtDir dir)
{
  Dir *d = &s->d[dir];
  s->stats->decrypt_failed++;
  s->failed = TRUE;
  anomaly(s, "tls.decrypt_failed");
  d->rx.seq++;  /* the record had its number: the next one has the next */
  if (++d->fail_run >= MAX_FAIL_RUN)
    dir_dark(s, dir);
}

/* The plaintext goes into a buffer on the stack, not one kept per session: what the
 * inner dissector does not consume is copied (app_data), nothing keeps a pointer into it,
 * and a closed connection's session stays in the flow table for TIME-WAIT (a RST holds
 * the stream open until the flow goes): 18 KiB each adds up with thousands of short
 * connections. A session inside a session (a TLS tunnel in TLS) takes one more frame. */
static void open_record(TlsSession *s, WtDir dir, guint8 type, guint16 version,
                        const guint8 *frag, gsize n, gint64 ts)
{
  Dir *d = &s->d[dir];
  guint8 plain[MAX_RECORD + 256];
  gsize len = 0;
  if (wt_tls_cipher_open(&d->rx, type, version, frag, n, plain, &len) != WT_TLS_OPEN_OK) {
    record_failed(s, dir);
    return;
  }
  d->fail_run = 0;
  s->stats->records_decrypted++;
  guint8 inner = type;
  if (d->rx.tls13 && (inner = wt_tls13_inner_type(plain, &len)) == 0) {
    malformed(s, "tls.bad_inner_plaintext");
    return;
  }
  content(s, dir, inner, plain, len, TRUE, ts);
}

static void record(TlsSession *s, WtDir dir, guint8 type, guint16 version, const guint8 *frag,
                   gsize n, gint64 ts)
{
  Dir *d = &s->d[dir];
  if (d->rx_on && type == CT_CCS && d->rx.tls13)
    return;  /* TLS 1.3 middlebox compatibility (RFC 8446 D.4) */
  if (d->rx_on && (type == CT_APPDATA || !d->rx.tls13)) {
    open_record(s, dir, type, version, frag, n, ts);
    return;
  }
  switch (type) {
  case CT_HANDSHAKE:
    handshake_bytes(s, dir, frag, n, FALSE);
    break;
  case CT_CCS:
    if (d->next12_ready) {
      d->rx = d->next12;
      memset(&d->next12, 0, sizeof d->next12);
      d->next12_ready = FALSE;
      d->rx_on = TRUE;
    } else if (s->have_sh && s->version != 0x0304) {
      dir_dark(s, dir);  /* encrypted from here, and no keys */
    }
    break;
  case CT_APPDATA:
    dir_dark(s, dir);
    break;
  default:
    break;  /* alerts before encryption, heartbeats */
  }
}

static gboolean plausible_header(guint8 type, guint16 version, guint16 len)
{
  return type >= CT_CCS && type <= CT_HEARTBEAT && (version >> 8) == 3 && len <= MAX_RECORD;
}

/* The first bytes of a direction: an SSLv2-format ClientHello ends our reading. */
static gboolean sslv2_hello(TlsSession *s, WtDir dir, const guint8 *data, gsize len)
{
  if (dir == WT_DIR_ORIG && !s->d[dir].started && len >= 3 && (data[0] & 0x80) &&
      data[2] == 1) {
    s->stats->sslv2_hellos++;
    return TRUE;
  }
  return FALSE;
}

/* A record of `type` needs the key the direction waits for: TLS 1.2 from its
 * ChangeCipherSpec on, TLS 1.3 every record but the compatibility ChangeCipherSpec. */
static gboolean needs_awaited_key(const Dir *d, guint8 type)
{
  if (!d->key_wait)
    return FALSE;
  return d->wait_kind == WT_TLS_KEY_MASTER ? type == CT_CCS : type != CT_CCS;
}

/* Asks the key log again (it may have grown); TRUE when the key is there now. */
static gboolean key_arrived(TlsSession *s, WtDir dir)
{
  Dir *d = &s->d[dir];
  if (d->wait_kind == WT_TLS_KEY_MASTER) {
    if (!keys12_found(s))
      return FALSE;
    s->d[WT_DIR_ORIG].key_wait = s->d[WT_DIR_RESP].key_wait = FALSE;
    return TRUE;
  }
  if (!keys13_dir(s, dir, d->wait_kind))
    return FALSE;
  d->key_wait = FALSE;
  return TRUE;
}

static void give_up_waiting(TlsSession *s, WtDir dir)
{
  s->d[dir].key_wait = FALSE;
  s->no_key = TRUE;
  dir_dark(s, dir);
}

/* Whole records of data (from its start); returns the bytes they span. */
static gsize records(TlsSession *s, WtDir dir, const guint8 *data, gsize len, gint64 ts)
{
  Dir *d = &s->d[dir];
  gsize pos = 0;
  d->partial_len = 0;
  while (!d->done && len - pos >= 5) {
    const guint8 *h = data + pos;
    guint8 type = h[0];
    guint16 version = (guint16) (h[1] << 8 | h[2]);
    guint16 n = (guint16) (h[3] << 8 | h[4]);
    if (!plausible_header(type, version, n) || (!d->started && type != CT_HANDSHAKE)) {
      if (!d->started)
        s->stats->not_tls++;
      else
        malformed(s, "tls.bad_record");
      dir_dark(s, dir);
      return len;
    }
    d->started = TRUE;
    if (needs_awaited_key(d, type) && !key_arrived(s, dir)) {
      if (len - pos > KEY_WAIT_CAP) {
        give_up_waiting(s, dir);
        return len;
      }
      break;  /* kept (deliver): read when the key is there */
    }
    if (len - pos - 5 < n) {
      d->partial_len = n;
      break;
    }
    record(s, dir, type, version, h + 5, n, ts);
    pos += 5 + (gsize) n;
  }
  return d->done ? len : pos;
}

static gboolean holding(const Dir *d)
{
  return d->held && d->held->len > 0;
}

/* Reads what a direction holds as far as it can now; keeps the rest (a record waiting for
 * its key, or cut by the end of the bytes). */
static void drain(TlsSession *s, WtDir dir)
{
  Dir *d = &s->d[dir];
  if (!holding(d))
    return;
  GByteArray *buf = g_steal_pointer(&d->held);
  gsize used = d->done ? buf->len : records(s, dir, buf->data, buf->len, d->held_ts);
  if (!d->done && used < buf->len) {
    g_byte_array_remove_range(buf, 0, (guint) used);
    d->held = buf;
  } else {
    g_byte_array_free(buf, TRUE);
  }
}

/* Live, a direction waiting for a key takes every byte from TCP (which keeps only a
 * little, and offers nothing again at the end of the connection): held bytes are read on
 * later bytes of either direction, at its end and at the session's end, once the key
 * log has the key. The other direction's held bytes are read first: a request before its
 * response. */
static gsize deliver_holding(TlsSession *s, WtDir dir, const guint8 *data, gsize len,
                             gint64 ts)
{
  Dir *d = &s->d[dir];
  drain(s, dir == WT_DIR_ORIG ? WT_DIR_RESP : WT_DIR_ORIG);
  if (!d->held)
    d->held = g_byte_array_new();
  g_byte_array_append(d->held, data, (guint) len);
  d->held_ts = ts;
  drain(s, dir);
  if (holding(d) && d->held->len > KEY_WAIT_CAP + MAX_RECORD) {
    give_up_waiting(s, dir);
    g_byte_array_set_size(d->held, 0);
  }
  d->off += len;
  d->resume_at = d->off;
  return len;
}

gsize wt_tls_session_deliver(gpointer p, WtDir dir, const guint8 *data, gsize len, gint64 ts)
{
  TlsSession *s = p;
  Dir *d = &s->d[dir];
  if (!d->done && (holding(d) || holding(&s->d[dir == WT_DIR_ORIG ? WT_DIR_RESP : WT_DIR_ORIG])))
    return deliver_holding(s, dir, data, len, ts);
  gsize used = 0;
  if (!d->done && d->skip) {
    used = (gsize) MIN(d->skip, (guint64) len);
    d->skip -= used;
  }
  if (!d->done && used < len && sslv2_hello(s, dir, data, len))
    d->done = TRUE;
  if (d->done)
    used = len;
  else if (used < len)
    used += records(s, dir, data + used, len - used, ts);
  if (d->key_wait && used < len) { /* waiting for a key: the rest is held here */
    d->held = g_byte_array_new();
    g_byte_array_append(d->held, data + used, (guint) (len - used));
    d->held_ts = ts;
    d->off += len;
    d->resume_at = d->off;
    return len;
  }
  d->off += used;
  /* where the next record starts: after the rest of a record the capture cut, after the
   * record whose header was seen, or here */
  d->resume_at = d->off + (d->skip ? d->skip : d->partial_len ? 5 + d->partial_len : 0);
  return used;
}

void wt_tls_session_gap(gpointer p, WtDir dir, guint64 len)
{
  TlsSession *s = p;
  Dir *d = &s->d[dir];
  guint64 end = d->off + len;
  gboolean cut_record = d->partial_len > 0;
  d->off = end;
  if (d->done)
    return;
  if (holding(d)) { /* the held bytes' record boundaries are lost with them */
    g_byte_array_set_size(d->held, 0);
    cut_record = FALSE;
    d->skip = 0;
  }
  /* a gap that ended inside a record whose header was seen, in the encrypted part: the
   * next record starts where that header said; the lost record had a number */
  if (d->rx_on && (cut_record || d->skip) && end <= d->resume_at) {
    d->skip = d->resume_at - end;
    if (cut_record) { /* a second loss inside the same record changes nothing more */
      inner_gap(s, dir, wt_tls_cipher_plain_len(&d->rx, d->partial_len));
      d->partial_len = 0;
      d->rx.seq++;
      s->stats->resyncs++;
    }
    return;
  }
  if (s->keys && !s->decrypted)
    s->gap_lost = TRUE;
  anomaly(s, "tls.gap_undecryptable");
  inner_gap(s, dir, len);
  dir_dark(s, dir);
}

/* A direction that has ended reads nothing more: its buffers and its keys go now rather
 * than when the flow leaves the table (a closed connection lingers there for TIME-WAIT, a
 * minute of capture time, and many short connections would otherwise keep their cipher
 * contexts and leftovers for that minute). Bytes still held for a key that has not come
 * yet stay: a later look-up may open them. */
static void release_ended(TlsSession *s, WtDir dir)
{
  Dir *d = &s->d[dir];
  if (holding(d))
    return;
  if (d->hs) {
    g_byte_array_free(d->hs, TRUE);
    d->hs = NULL;
  }
  if (d->plain) {
    g_byte_array_free(d->plain, TRUE);
    d->plain = NULL;
  }
  wt_tls_cipher_clear(&d->rx);
  wt_tls_cipher_clear(&d->next12);
  d->rx_on = d->next12_ready = FALSE;
}

void wt_tls_session_eof(gpointer p, WtDir dir, gint64 ts)
{
  TlsSession *s = p;
  drain(s, WT_DIR_ORIG);  /* the keys may have come after the last bytes */
  drain(s, WT_DIR_RESP);
  s->d[dir].done = TRUE;
  if (s->inner_session && s->inner.d->eof)
    s->inner.d->eof(s->inner_session, dir, ts);
  release_ended(s, dir);
}

gpointer wt_tls_session_new(gpointer stats, WtAppContext *ctx, const WtConnInfo *conn)
{
  TlsSession *s = g_new0(TlsSession, 1);
  s->stats = stats;
  s->ctx = ctx;
  if (conn)
    s->conn = *conn;
  s->keys = wt_tls_keylog_current();
  if (s->keys)
    s->stats->keylog = TRUE;
  return s;
}

/* The session's line in the tap: its version and suite, decrypted or why not. */
static void tally(TlsSession *s)
{
  char vbuf[8], sbuf[8];
  WtTlsStats *st = s->stats;
  if (s->have_sh)
    wt_tls_count_suite(st, wt_tls_version_name(s->version, vbuf, sizeof vbuf),
                       wt_tls_suite_name(s->sh.cipher, sbuf, sizeof sbuf), s->decrypted);
  if (!s->keys)
    return;
  if (s->decrypted)
    st->sessions_decrypted++;
  else if (!s->have_ch || !s->have_sh)
    st->dark[WT_TLS_DARK_NO_HANDSHAKE]++;
  else if (s->unsupported)
    st->dark[WT_TLS_DARK_UNSUPPORTED]++;
  else if (s->no_key || s->d[WT_DIR_ORIG].key_wait || s->d[WT_DIR_RESP].key_wait)
    st->dark[WT_TLS_DARK_NO_KEY]++;
  else if (s->gap_lost)
    st->dark[WT_TLS_DARK_GAP]++;
  else if (s->failed)
    st->dark[WT_TLS_DARK_BAD_RECORDS]++;
  else
    st->dark[WT_TLS_DARK_NO_DATA]++;
}

const char *wt_tls_session_inner_service(gpointer p)
{
  TlsSession *s = p;
  drain(s, WT_DIR_ORIG);  /* a live session's last records may still be held */
  drain(s, WT_DIR_RESP);
  return s->decrypted && s->inner_session ? s->inner.d->name : NULL;
}

gboolean wt_tls_session_settled(gpointer p)
{
  TlsSession *s = p;
  for (int i = 0; i < 2; i++)  /* (held bytes are read when freed: not now, at flow end) */
    if (holding(&s->d[i]) || s->d[i].key_wait)
      return FALSE;
  if (!s->inner_session)
    return TRUE;
  return s->inner.d->settled && s->inner.d->settled(s->inner_session);
}

void wt_tls_session_free(gpointer p)
{
  TlsSession *s = p;
  if (!s)
    return;
  drain(s, WT_DIR_ORIG);
  drain(s, WT_DIR_RESP);
  if (s->inner_session)
    s->inner.d->session_free(s->inner_session);
  tally(s);
  for (int i = 0; i < 2; i++) {
    wt_tls_cipher_clear(&s->d[i].rx);
    wt_tls_cipher_clear(&s->d[i].next12);
    if (s->d[i].hs)
      g_byte_array_free(s->d[i].hs, TRUE);
    if (s->d[i].plain)
      g_byte_array_free(s->d[i].plain, TRUE);
    if (s->d[i].held)
      g_byte_array_free(s->d[i].held, TRUE);
  }
  wt_tls_hello_clear(&s->ch);
  wt_tls_hello_clear(&s->sh);
  memset(s->master, 0, sizeof s->master);
  g_free(s);
}
