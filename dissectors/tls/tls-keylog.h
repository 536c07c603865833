/* TLS session secrets from NSS key log files (SSLKEYLOGFILE, as curl, browsers, Python's
 * ssl and Go write them) or from text handed in (pcapng Decryption Secrets Blocks), keyed
 * by the ClientHello's random:
 *   CLIENT_RANDOM <random> <master secret>                      TLS 1.2 and older
 *   CLIENT_HANDSHAKE_TRAFFIC_SECRET / SERVER_HANDSHAKE_TRAFFIC_SECRET,
 *   CLIENT_TRAFFIC_SECRET_0 / SERVER_TRAFFIC_SECRET_0 <random> <secret>    TLS 1.3
 * Other labels and comments are skipped. The secrets never leave this store but through
 * wt_tls_keylog_lookup; no message names a secret or a random. Files are opened once (so
 * before privileges are dropped) and kept open: when a random has no key, the files are
 * read again from where they ended if they grew (a browser writes a key just before it
 * uses it). Thread-safe: --threads workers look up concurrently. */
#pragma once
#include <glib.h>

typedef struct WtTlsKeylog WtTlsKeylog;

typedef enum {
  WT_TLS_KEY_MASTER = 0,          /* CLIENT_RANDOM: 48-byte master secret */
  WT_TLS_KEY_CLIENT_HANDSHAKE,
  WT_TLS_KEY_SERVER_HANDSHAKE,
  WT_TLS_KEY_CLIENT_TRAFFIC_0,
  WT_TLS_KEY_SERVER_TRAFFIC_0,
  WT_TLS_N_KEYS
} WtTlsKeyKind;

WtTlsKeylog *wt_tls_keylog_new(void);
void wt_tls_keylog_free(WtTlsKeylog *k);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtTlsKeylog, wt_tls_keylog_free)

/* Opens and reads a key log file, and keeps it open to follow it. FALSE with a one-line
 * error naming the file when it cannot be opened or read. *world_readable: the file's
 * mode lets any user read it (the caller warns). */
gboolean wt_tls_keylog_add_file(WtTlsKeylog *k, const char *path, gboolean *world_readable,
                                GError **error);
/* Adds key log text (lines as in the file; a pcapng Decryption Secrets Block's body). A
 * last line without a newline is taken as complete. */
void wt_tls_keylog_add_text(WtTlsKeylog *k, const char *text, gsize len);
/* The secret of `kind` for a ClientHello random; FALSE when none (after reading what the
 * followed files gained). out has room for 48 bytes. */
gboolean wt_tls_keylog_lookup(WtTlsKeylog *k, const guint8 random[32], WtTlsKeyKind kind,
                              guint8 *out, gsize *len);
/* TLS 1.2 resumption: the master secret of a session, under the id a later connection
 * resumes it by (WT_TLS_RESUME_SESSION_ID: the ServerHello's session id;
 * WT_TLS_RESUME_TICKET: the SHA-256 of a NewSessionTicket's ticket). At most
 * WT_TLS_MAX_RESUMABLE are kept; later ones are not. */
typedef enum { WT_TLS_RESUME_SESSION_ID = 'S', WT_TLS_RESUME_TICKET = 'T' } WtTlsResumeKind;
#define WT_TLS_MAX_RESUMABLE 100000
void wt_tls_keylog_remember(WtTlsKeylog *k, WtTlsResumeKind kind, const guint8 *id, gsize len,
                            const guint8 master[48]);
gboolean wt_tls_keylog_resume(WtTlsKeylog *k, WtTlsResumeKind kind, const guint8 *id, gsize len,
                              guint8 master[48]);
/* A live capture: the clients write keys just after the packets that need them, so a
 * session that misses a key holds its records back for a while and asks again
 * (tls-session.c). Set before the capture starts. */
void wt_tls_keylog_set_live(WtTlsKeylog *k, gboolean live);
gboolean wt_tls_keylog_is_live(WtTlsKeylog *k);
/* Client randoms with at least one secret, and lines not understood (for tests). */
guint wt_tls_keylog_size(WtTlsKeylog *k);
guint64 wt_tls_keylog_bad_lines(WtTlsKeylog *k);

/* The store TLS sessions use (NULL: none, nothing is decrypted). Set once by the command
 * line before the capture starts; it must outlive every pipeline. */
void wt_tls_keylog_use(WtTlsKeylog *k);
WtTlsKeylog *wt_tls_keylog_current(void);
