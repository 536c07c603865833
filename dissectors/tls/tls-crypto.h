/* TLS key schedules and record protection, all through OpenSSL's libcrypto (EVP):
 *   TLS 1.3 (RFC 8446 7.1-7.3): HKDF-Expand-Label, traffic keys and IVs from a traffic
 *     secret, the KeyUpdate step ("traffic upd");
 *   TLS 1.2 (RFC 5246 5, 6.3): the PRF (P_SHA256 / P_SHA384) and the key block;
 *   records: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 (RFC 5288, 7905, 8446 5.2-5.3)
 *     and, TLS 1.2 only, AES-CBC with HMAC-SHA1/SHA256 (MAC-then-encrypt, or
 *     encrypt-then-MAC, RFC 7366).
 * A record is opened only when its tag (or MAC and padding) checks: otherwise nothing of
 * it is returned. Keys live in these structs only; they are wiped when freed. */
#pragma once
#include <glib.h>

#define WT_TLS_MAX_SECRET 48      /* SHA-384 */
#define WT_TLS_MAX_FRAGMENT 16384 /* plaintext of one record */

typedef enum {
  WT_TLS_BULK_NONE = 0,
  WT_TLS_BULK_AES128_GCM,
  WT_TLS_BULK_AES256_GCM,
  WT_TLS_BULK_CHACHA20_POLY1305,
  WT_TLS_BULK_AES128_CBC,
  WT_TLS_BULK_AES256_CBC,
} WtTlsBulk;

typedef enum { WT_TLS_HASH_SHA256 = 0, WT_TLS_HASH_SHA384, WT_TLS_HASH_SHA1 } WtTlsHash;

/* What a cipher suite means for decryption. */
typedef struct {
  guint16 id;
  const char *name;     /* IANA name */
  WtTlsBulk bulk;
  WtTlsHash prf_hash;   /* TLS 1.2 PRF / TLS 1.3 HKDF hash */
  WtTlsHash mac_hash;   /* CBC suites' HMAC */
  gboolean tls13;
} WtTlsSuite;

/* The suite with this id, or NULL when wiretab cannot decrypt it (the name of any suite
 * comes from wt_tls_suite_name). */
const WtTlsSuite *wt_tls_suite_lookup(guint16 id);
/* IANA name of a common suite, or "0x%04x" in buf. */
const char *wt_tls_suite_name(guint16 id, char *buf, gsize size);
gsize wt_tls_hash_len(WtTlsHash h);

/* RFC 8446 7.1 HKDF-Expand-Label(secret, label, context, out_len); label without the
 * "tls13 " prefix. */
gboolean wt_tls13_expand_label(WtTlsHash h, const guint8 *secret, gsize secret_len,
                               const char *label, const guint8 *context, gsize context_len,
                               guint8 *out, gsize out_len);
/* RFC 5246 5 PRF(secret, label, seed) = P_hash(secret, label + seed). */
gboolean wt_tls12_prf(WtTlsHash h, const guint8 *secret, gsize secret_len, const char *label,
                      const guint8 *seed, gsize seed_len, guint8 *out, gsize out_len);

/* One direction's record protection. */
typedef struct {
  const WtTlsSuite *suite;
  gboolean tls13;
  gboolean encrypt_then_mac;  /* TLS 1.2 CBC, RFC 7366 */
  guint8 key[32], iv[12], mac_key[48];
  gsize key_len, iv_len, mac_len;
  guint8 secret[WT_TLS_MAX_SECRET];  /* TLS 1.3: the current traffic secret (KeyUpdate) */
  gsize secret_len;
  guint64 seq;
  gpointer evp;  /* EVP_CIPHER_CTX, made on first use */
  gboolean evp_keyed;  /* AEAD: evp holds the cipher and key; a record sets only the nonce */
} WtTlsCipher;

/* TLS 1.3: keys of `suite` from a traffic secret (key, iv), sequence number 0. */
gboolean wt_tls_cipher_init13(WtTlsCipher *c, const WtTlsSuite *suite, const guint8 *secret,
                              gsize secret_len);
/* TLS 1.3 KeyUpdate: the next generation of the traffic secret, new keys, seq 0. */
gboolean wt_tls_cipher_update13(WtTlsCipher *c);
/* TLS 1.2: both directions' ciphers from the master secret and the hello randoms
 * (key block: client MAC, server MAC, client key, server key, client IV, server IV). */
gboolean wt_tls_cipher_init12(WtTlsCipher *client, WtTlsCipher *server, const WtTlsSuite *suite,
                              const guint8 master[48], const guint8 client_random[32],
                              const guint8 server_random[32], gboolean encrypt_then_mac);
void wt_tls_cipher_clear(WtTlsCipher *c);

typedef enum {
  WT_TLS_OPEN_OK,
  WT_TLS_OPEN_BAD,        /* tag, MAC or padding wrong: nothing returned */
} WtTlsOpen;

/* Opens one record (header fields and its `len` bytes of fragment) into `out` (room for
 * WT_TLS_MAX_FRAGMENT + 256 bytes); *out_len is the plaintext length (TLS 1.3: with the
 * inner content type and padding still on; see wt_tls13_inner_type). The sequence number
 * advances only when the record opened. */
WtTlsOpen wt_tls_cipher_open(WtTlsCipher *c, guint8 type, guint16 version,
                             const guint8 *frag, gsize len, guint8 *out, gsize *out_len);
/* The plaintext length of a record of `len` bytes that was lost: exact for the TLS 1.2
 * AEAD suites, for TLS 1.3 assuming no padding (what implementations send), for CBC the
 * upper bound (its padding is unknown). */
gsize wt_tls_cipher_plain_len(const WtTlsCipher *c, gsize len);
/* TLS 1.3 TLSInnerPlaintext: strips the zero padding, returns the content type (0: none,
 * an error) and sets *len to the content's length. */
guint8 wt_tls13_inner_type(const guint8 *p, gsize *len);
