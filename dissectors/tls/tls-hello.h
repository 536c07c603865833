/* The hello messages and EncryptedExtensions (RFC 8446 4.1.2-4.1.3, 4.3.1; RFC 5246
 * 7.4.1), parsed into what the tap and decryption need: randoms, session id, cipher
 * suite, versions (supported_versions), SNI (RFC 6066 3), ALPN (RFC 7301), encrypt-then-MAC
 * (RFC 7366) and the session ticket (RFC 5077). Every byte read through WtReader. */
#pragma once
#include <glib.h>

#define WT_TLS_MAX_ALPN 255

typedef struct {
  guint16 version;            /* client: highest offered; server: selected */
  guint8 random[32];
  guint8 session_id[32];
  guint8 session_id_len;
  guint16 cipher;             /* server */
  char *sni;                  /* client, safe text (owned) */
  GPtrArray *alpn;            /* client: offered ids as safe text (owned); server: NULL */
  guint8 alpn_id[WT_TLS_MAX_ALPN]; /* server: the selected id as sent */
  guint8 alpn_len;
  gboolean encrypt_then_mac;  /* server: negotiated */
  gboolean hello_retry;       /* server: a HelloRetryRequest (RFC 8446 4.1.3) */
  gboolean ticket;            /* client: a non-empty session_ticket offered */
  guint8 ticket_hash[32];     /* ... its SHA-256 (the id a resumption is looked up by) */
} WtTlsHello;

/* Body of a handshake message (after the 4-byte header). FALSE: malformed. */
gboolean wt_tls_parse_client_hello(const guint8 *p, gsize n, WtTlsHello *h);
gboolean wt_tls_parse_server_hello(const guint8 *p, gsize n, WtTlsHello *h);
/* TLS 1.3 EncryptedExtensions: the selected ALPN into the server's hello. */
gboolean wt_tls_parse_encrypted_extensions(const guint8 *p, gsize n, WtTlsHello *server);
void wt_tls_hello_clear(WtTlsHello *h);
/* The first (the server's own) certificate of a Certificate message (RFC 8446 4.4.2 when
 * tls13, RFC 5246 7.4.2 otherwise): its subject and issuer as RFC 2253 strings, safe text
 * (owned). FALSE: malformed, or not an X.509 certificate libcrypto reads. */
gboolean wt_tls_parse_certificate(const guint8 *p, gsize n, gboolean tls13, char **subject,
                                  char **issuer);
/* SHA-256 of a session ticket: resumptions are looked up by it. */
gboolean wt_tls_ticket_hash(const guint8 *ticket, gsize n, guint8 out[32]);
/* Host names and ALPN ids as text: ASCII lowercase, anything else as \xNN. */
char *wt_tls_safe_name(const guint8 *p, gsize n);
/* Printable ASCII kept as is (case too), anything else as \xNN. */
char *wt_tls_safe_text(const guint8 *p, gsize n);
