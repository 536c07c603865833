/* Shared inside dissectors/tls: the tap's counters and the session callbacks
 * (tls-session.c) that the descriptor (tls.c) lists. */
#pragma once
#include "analyzer/core/stream.h"

#define WT_TLS_MAX_KEYS 10000 /* distinct names in a table; the rest is "(other)" */

/* Why a session's content stayed encrypted (the report's not_decrypted keys). */
typedef enum {
  WT_TLS_DARK_NO_KEY = 0,         /* the key log has no secret for this client random */
  WT_TLS_DARK_UNSUPPORTED,        /* a version or cipher suite wiretab does not decrypt */
  WT_TLS_DARK_NO_HANDSHAKE,       /* the hellos were not captured */
  WT_TLS_DARK_GAP,                /* capture loss before any record was decrypted */
  WT_TLS_DARK_BAD_RECORDS,        /* records did not authenticate with the logged keys */
  WT_TLS_DARK_NO_DATA,            /* the handshake did not reach application data */
  WT_TLS_N_DARK
} WtTlsDark;

struct WtTlsStats {
  guint64 client_hellos, server_hellos, no_sni, sslv2_hellos, not_tls, malformed;
  GHashTable *sni, *alpn, *negotiated, *client_versions;  /* char* -> guint64* */
  /* decryption (counted whether or not a key log is given) */
  GHashTable *certificates;    /* "subject\tissuer" -> guint64 (server certificates) */
  GHashTable *suites;          /* "TLS 1.3\tTLS_AES_128_GCM_SHA256" -> guint64[2]
                                  (sessions, decrypted) */
  guint64 sessions_decrypted;
  guint64 dark[WT_TLS_N_DARK];
  guint64 records_decrypted, decrypt_failed, resyncs, plaintext_bytes, no_inner;
  guint64 keyupdates, hello_retries;
  gboolean keylog;             /* a key log was in use */
};

void wt_tls_count(GHashTable *h, const char *key, guint64 n);
void wt_tls_count_certificate(struct WtTlsStats *s, const char *subject, const char *issuer);
void wt_tls_count_suite(struct WtTlsStats *s, const char *version, const char *suite,
                        gboolean decrypted);

gpointer wt_tls_session_new(gpointer stats, WtAppContext *ctx, const WtConnInfo *conn);
gsize wt_tls_session_deliver(gpointer session, WtDir dir, const guint8 *data, gsize len,
                             gint64 ts_ns);
void wt_tls_session_gap(gpointer session, WtDir dir, guint64 len);
void wt_tls_session_eof(gpointer session, WtDir dir, gint64 ts_ns);
void wt_tls_session_free(gpointer session);
const char *wt_tls_session_inner_service(gpointer session);
/* Both directions ended: nothing held for a key still to come, and the decrypted content's
 * session (if any) settled too (WtStreamDissector.settled). */
gboolean wt_tls_session_settled(gpointer session);
