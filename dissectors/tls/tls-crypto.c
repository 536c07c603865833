/* TLS key schedules and record protection through libcrypto's EVP interfaces (no
 * cryptography written here: HKDF and the TLS 1.2 PRF are OpenSSL's KDFs, the ciphers and
 * HMAC its EVP objects). */
#include "dissectors/tls/tls-crypto.h"
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>

#define TAG_LEN 16
#define CBC_BLOCK 16

static const WtTlsSuite suites[] = {
  { 0x1301, "TLS_AES_128_GCM_SHA256", WT_TLS_BULK_AES128_GCM, WT_TLS_HASH_SHA256, 0, TRUE },
  { 0x1302, "TLS_AES_256_GCM_SHA384", WT_TLS_BULK_AES256_GCM, WT_TLS_HASH_SHA384, 0, TRUE },
  { 0x1303, "TLS_CHACHA20_POLY1305_SHA256", WT_TLS_BULK_CHACHA20_POLY1305,
    WT_TLS_HASH_SHA256, 0, TRUE },
  { 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", WT_TLS_BULK_AES128_GCM,
    WT_TLS_HASH_SHA256, 0, FALSE },
  { 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", WT_TLS_BULK_AES256_GCM,
    WT_TLS_HASH_SHA384, 0, FALSE },
  { 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", WT_TLS_BULK_AES128_GCM,
    WT_TLS_HASH_SHA256, 0, FALSE },
  { 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", WT_TLS_BULK_AES256_GCM,
    WT_TLS_HASH_SHA384, 0, FALSE },
  { 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", WT_TLS_BULK_CHACHA20_POLY1305,
    WT_TLS_HASH_SHA256, 0, FALSE },
  { 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", WT_TLS_BULK_CHACHA20_POLY1305,
    WT_TLS_HASH_SHA256, 0, FALSE },
  { 0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", WT_TLS_BULK_CHACHA20_POLY1305,
    WT_TLS_HASH_SHA256, 0, FALSE },
  { 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", WT_TLS_BULK_AES128_GCM, WT_TLS_HASH_SHA256, 0,
    FALSE },
  { 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", WT_TLS_BULK_AES256_GCM, WT_TLS_HASH_SHA384, 0,
    FALSE },
  { 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", WT_TLS_BULK_AES128_GCM, WT_TLS_HASH_SHA256,
    0, FALSE },
  { 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", WT_TLS_BULK_AES256_GCM, WT_TLS_HASH_SHA384,
    0, FALSE },
  { 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", WT_TLS_BULK_AES128_CBC, WT_TLS_HASH_SHA256,
    WT_TLS_HASH_SHA1, FALSE },
  { 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", WT_TLS_BULK_AES256_CBC, WT_TLS_HASH_SHA256,
    WT_TLS_HASH_SHA1, FALSE },
  { 0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256", WT_TLS_BULK_AES128_CBC, WT_TLS_HASH_SHA256,
    WT_TLS_HASH_SHA256, FALSE },
  { 0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256", WT_TLS_BULK_AES256_CBC, WT_TLS_HASH_SHA256,
    WT_TLS_HASH_SHA256, FALSE },
  { 0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", WT_TLS_BULK_AES128_CBC, WT_TLS_HASH_SHA256,
    WT_TLS_HASH_SHA1, FALSE },
  { 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", WT_TLS_BULK_AES256_CBC, WT_TLS_HASH_SHA256,
    WT_TLS_HASH_SHA1, FALSE },
  { 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", WT_TLS_BULK_AES128_CBC,
    WT_TLS_HASH_SHA256, WT_TLS_HASH_SHA1, FALSE },
  { 0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", WT_TLS_BULK_AES256_CBC,
    WT_TLS_HASH_SHA256, WT_TLS_HASH_SHA1, FALSE },
  { 0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", WT_TLS_BULK_AES128_CBC,
    WT_TLS_HASH_SHA256, WT_TLS_HASH_SHA256, FALSE },
  { 0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", WT_TLS_BULK_AES256_CBC,
    WT_TLS_HASH_SHA384, WT_TLS_HASH_SHA384, FALSE },
  { 0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", WT_TLS_BULK_AES128_CBC,
    WT_TLS_HASH_SHA256, WT_TLS_HASH_SHA256, FALSE },
  { 0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", WT_TLS_BULK_AES256_CBC,
    WT_TLS_HASH_SHA384, WT_TLS_HASH_SHA384, FALSE },
};

const WtTlsSuite *wt_tls_suite_lookup(guint16 id)
{
  for (gsize i = 0; i < G_N_ELEMENTS(suites); i++)
    if (suites[i].id == id)
      return &suites[i];
  return NULL;
}

const char *wt_tls_suite_name(guint16 id, char *buf, gsize size)
{
  const WtTlsSuite *s = wt_tls_suite_lookup(id);
  if (s)
    return s->name;
  g_snprintf(buf, size, "0x%04x", id);
  return buf;
}

gsize wt_tls_hash_len(WtTlsHash h)
{
  return h == WT_TLS_HASH_SHA384 ? 48 : h == WT_TLS_HASH_SHA1 ? 20 : 32;
}

static const char *hash_name(WtTlsHash h)
{
  return h == WT_TLS_HASH_SHA384 ? "SHA384" : h == WT_TLS_HASH_SHA1 ? "SHA1" : "SHA256";
}

/* --- key derivation --------------------------------------------------------------- */

static gboolean kdf_derive(const char *kdf_name, OSSL_PARAM *params, guint8 *out, gsize out_len)
{
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, kdf_name, NULL);
  if (!kdf)
    return FALSE;
  EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (!kctx)
    return FALSE;
  gboolean ok = EVP_KDF_derive(kctx, out, out_len, params) == 1;
  EVP_KDF_CTX_free(kctx);
  return ok;
}

gboolean wt_tls13_expand_label(WtTlsHash h, const guint8 *secret, gsize secret_len,
                               const char *label, const guint8 *context, gsize context_len,
                               guint8 *out, gsize out_len)
{
  /* HkdfLabel: uint16 length, opaque label<7..255> = "tls13 " + label, context<0..255> */
  guint8 info[2 + 1 + 255 + 1 + 255];
  gsize label_len = 6 + strlen(label);
  if (label_len > 255 || context_len > 255 || out_len > 0xffff)
    return FALSE;
  gsize n = 0;
  info[n++] = (guint8) (out_len >> 8);
  info[n++] = (guint8) out_len;
  info[n++] = (guint8) label_len;
  memcpy(info + n, "tls13 ", 6);
  memcpy(info + n + 6, label, label_len - 6);
  n += label_len;
  info[n++] = (guint8) context_len;
  if (context_len)
    memcpy(info + n, context, context_len);
  n += context_len;
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *) hash_name(h), 0),
    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *) secret, secret_len),
    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
    OSSL_PARAM_construct_end(),
  };
  gboolean ok = kdf_derive("HKDF", params, out, out_len);
  OPENSSL_cleanse(info, sizeof info);
  return ok;
}

gboolean wt_tls12_prf(WtTlsHash h, const guint8 *secret, gsize secret_len, const char *label,
                      const guint8 *seed, gsize seed_len, guint8 *out, gsize out_len)
{
  /* OpenSSL's TLS1-PRF concatenates the seed parameters: label, then seed */
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *) hash_name(h), 0),
    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *) secret, secret_len),
    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *) label, strlen(label)),
    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *) seed, seed_len),
    OSSL_PARAM_construct_end(),
  };
  return kdf_derive("TLS1-PRF", params, out, out_len);
}

/* --- ciphers ------------------------------------------------------------------------ */

/* The ciphers and HMAC, fetched from the default provider once per process: an EVP_CIPHER
 * from EVP_aes_128_gcm() would be fetched again on every record. Kept until exit. */
static const char *const bulk_names[] = {
  [WT_TLS_BULK_AES128_GCM] = "AES-128-GCM",
  [WT_TLS_BULK_AES256_GCM] = "AES-256-GCM",
  [WT_TLS_BULK_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
  [WT_TLS_BULK_AES128_CBC] = "AES-128-CBC",
  [WT_TLS_BULK_AES256_CBC] = "AES-256-CBC",
};
static EVP_CIPHER *fetched[G_N_ELEMENTS(bulk_names)];
static EVP_MAC *hmac_fetched;

static void fetch_algorithms(void)
{
  static gsize done;
  if (!g_once_init_enter(&done))
    return;
  for (gsize i = 0; i < G_N_ELEMENTS(bulk_names); i++)
    if (bulk_names[i])
      fetched[i] = EVP_CIPHER_fetch(NULL, bulk_names[i], NULL);
  hmac_fetched = EVP_MAC_fetch(NULL, "HMAC", NULL);
  g_once_init_leave(&done, 1);
}

static const EVP_CIPHER *bulk_cipher(WtTlsBulk b)
{
  fetch_algorithms();
  return (gsize) b < G_N_ELEMENTS(fetched) ? fetched[b] : NULL;
}

static gsize bulk_key_len(WtTlsBulk b)
{
  return b == WT_TLS_BULK_AES128_GCM || b == WT_TLS_BULK_AES128_CBC ? 16 : 32;
}

static gboolean is_cbc(WtTlsBulk b)
{
  return b == WT_TLS_BULK_AES128_CBC || b == WT_TLS_BULK_AES256_CBC;
}

static gboolean keys13(WtTlsCipher *c)
{
  WtTlsHash h = c->suite->prf_hash;
  c->evp_keyed = FALSE;
  c->key_len = bulk_key_len(c->suite->bulk);
  c->iv_len = 12;
  c->seq = 0;
  return wt_tls13_expand_label(h, c->secret, c->secret_len, "key", NULL, 0, c->key,
                               c->key_len) &&
         wt_tls13_expand_label(h, c->secret, c->secret_len, "iv", NULL, 0, c->iv, c->iv_len);
}

gboolean wt_tls_cipher_init13(WtTlsCipher *c, const WtTlsSuite *suite, const guint8 *secret,
                              gsize secret_len)
{
  wt_tls_cipher_clear(c);
  if (!suite || !suite->tls13 || secret_len != wt_tls_hash_len(suite->prf_hash))
    return FALSE;
  c->suite = suite;
  c->tls13 = TRUE;
  memcpy(c->secret, secret, secret_len);
  c->secret_len = secret_len;
  return keys13(c);
}

gboolean wt_tls_cipher_update13(WtTlsCipher *c)
{
  guint8 next[WT_TLS_MAX_SECRET];
  if (!c->suite || !c->tls13 ||
      !wt_tls13_expand_label(c->suite->prf_hash, c->secret, c->secret_len, "traffic upd", NULL,
                             0, next, c->secret_len))
    return FALSE;
  memcpy(c->secret, next, c->secret_len);
  OPENSSL_cleanse(next, sizeof next);
  return keys13(c);
}

gboolean wt_tls_cipher_init12(WtTlsCipher *client, WtTlsCipher *server, const WtTlsSuite *suite,
                              const guint8 master[48], const guint8 client_random[32],
                              const guint8 server_random[32], gboolean encrypt_then_mac)
{
  wt_tls_cipher_clear(client);
  wt_tls_cipher_clear(server);
  if (!suite || suite->tls13 || !bulk_cipher(suite->bulk))
    return FALSE;
  gsize mac_len = is_cbc(suite->bulk) ? wt_tls_hash_len(suite->mac_hash) : 0;
  gsize key_len = bulk_key_len(suite->bulk);
  gsize iv_len = suite->bulk == WT_TLS_BULK_CHACHA20_POLY1305 ? 12
                 : is_cbc(suite->bulk)                      ? 0
                                                            : 4;
  guint8 seed[64], block[2 * (48 + 32 + 12)];
  memcpy(seed, server_random, 32);
  memcpy(seed + 32, client_random, 32);
  gsize need = 2 * (mac_len + key_len + iv_len);
  if (!wt_tls12_prf(suite->prf_hash, master, 48, "key expansion", seed, sizeof seed, block,
                    need))
    return FALSE;
  WtTlsCipher *dirs[2] = { client, server };
  for (int i = 0; i < 2; i++) {
    WtTlsCipher *c = dirs[i];
    c->suite = suite;
    c->encrypt_then_mac = encrypt_then_mac && is_cbc(suite->bulk);
    c->mac_len = mac_len;
    c->key_len = key_len;
    c->iv_len = iv_len;
    memcpy(c->mac_key, block + i * mac_len, mac_len);
    memcpy(c->key, block + 2 * mac_len + i * key_len, key_len);
    memcpy(c->iv, block + 2 * (mac_len + key_len) + i * iv_len, iv_len);
  }
  OPENSSL_cleanse(block, sizeof block);
  return TRUE;
}

void wt_tls_cipher_clear(WtTlsCipher *c)
{
  if (c->evp)
    EVP_CIPHER_CTX_free(c->evp);
  OPENSSL_cleanse(c, sizeof *c);
  memset(c, 0, sizeof *c);
}

static EVP_CIPHER_CTX *cipher_ctx(WtTlsCipher *c)
{
  if (!c->evp)
    c->evp = EVP_CIPHER_CTX_new();
  return c->evp;
}

static void seq_bytes(guint64 seq, guint8 out[8])
{
  for (int i = 7; i >= 0; i--, seq >>= 8)
    out[i] = (guint8) seq;
}

/* AEAD open: nonce, additional data, ciphertext + tag. */
static gboolean aead_open(WtTlsCipher *c, const guint8 nonce[12], const guint8 *aad,
                          gsize aad_len, const guint8 *ct, gsize ct_len, const guint8 *tag,
                          guint8 *out)
{
  EVP_CIPHER_CTX *x = cipher_ctx(c);
  int n = 0, fin = 0;
  if (x && !c->evp_keyed) /* the key schedule once per key, not per record */
    c->evp_keyed = EVP_DecryptInit_ex(x, bulk_cipher(c->suite->bulk), NULL, NULL, NULL) == 1 &&
                   EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
                   EVP_DecryptInit_ex(x, NULL, NULL, c->key, NULL) == 1;
  return x && c->evp_keyed && EVP_DecryptInit_ex(x, NULL, NULL, NULL, nonce) == 1 &&
         EVP_DecryptUpdate(x, NULL, &n, aad, (int) aad_len) == 1 &&
         EVP_DecryptUpdate(x, out, &n, ct, (int) ct_len) == 1 &&
         EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, (void *) tag) == 1 &&
         EVP_DecryptFinal_ex(x, out + n, &fin) == 1;
}

/* TLS 1.2 additional data / MAC header: seq_num, type, version, length. */
static void header12(guint64 seq, guint8 type, guint16 version, gsize len, guint8 out[13])
{
  seq_bytes(seq, out);
  out[8] = type;
  out[9] = (guint8) (version >> 8);
  out[10] = (guint8) version;
  out[11] = (guint8) (len >> 8);
  out[12] = (guint8) len;
}

static WtTlsOpen open13(WtTlsCipher *c, guint8 type, guint16 version, const guint8 *frag,
                        gsize len, guint8 *out, gsize *out_len)
{
  guint8 nonce[12], aad[5], seq[8];
  if (len < TAG_LEN + 1)
    return WT_TLS_OPEN_BAD;
  memcpy(nonce, c->iv, 12);
  seq_bytes(c->seq, seq);
  for (int i = 0; i < 8; i++)
    nonce[4 + i] ^= seq[i];
  aad[0] = type;
  aad[1] = (guint8) (version >> 8);
  aad[2] = (guint8) version;
  aad[3] = (guint8) (len >> 8);
  aad[4] = (guint8) len;
  if (!aead_open(c, nonce, aad, 5, frag, len - TAG_LEN, frag + len - TAG_LEN, out))
    return WT_TLS_OPEN_BAD;
  *out_len = len - TAG_LEN;
  return WT_TLS_OPEN_OK;
}

static WtTlsOpen open12_aead(WtTlsCipher *c, guint8 type, guint16 version, const guint8 *frag,
                             gsize len, guint8 *out, gsize *out_len)
{
  guint8 nonce[12], aad[13];
  gsize explicit_len = c->suite->bulk == WT_TLS_BULK_CHACHA20_POLY1305 ? 0 : 8;
  if (len < explicit_len + TAG_LEN)
    return WT_TLS_OPEN_BAD;
  gsize ct_len = len - explicit_len - TAG_LEN;
  if (explicit_len) { /* RFC 5288 3: salt from the key block, explicit part in the record */
    memcpy(nonce, c->iv, 4);
    memcpy(nonce + 4, frag, 8);
  } else { /* RFC 7905 2: the IV XOR the sequence number */
    guint8 seq[8];
    memcpy(nonce, c->iv, 12);
    seq_bytes(c->seq, seq);
    for (int i = 0; i < 8; i++)
      nonce[4 + i] ^= seq[i];
  }
  header12(c->seq, type, version, ct_len, aad);
  if (!aead_open(c, nonce, aad, sizeof aad, frag + explicit_len, ct_len,
                 frag + len - TAG_LEN, out))
    return WT_TLS_OPEN_BAD;
  *out_len = ct_len;
  return WT_TLS_OPEN_OK;
}

static gboolean hmac(WtTlsCipher *c, const guint8 hdr[13], const guint8 *a, gsize a_len,
                     const guint8 *b, gsize b_len, guint8 *mac)
{
  fetch_algorithms();
  EVP_MAC_CTX *x = hmac_fetched ? EVP_MAC_CTX_new(hmac_fetched) : NULL;
  if (!x)
    return FALSE;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                     (char *) hash_name(c->suite->mac_hash), 0),
    OSSL_PARAM_construct_end(),
  };
  gsize n = 0;
  gboolean ok = EVP_MAC_init(x, c->mac_key, c->mac_len, params) == 1 &&
                EVP_MAC_update(x, hdr, 13) == 1 && EVP_MAC_update(x, a, a_len) == 1 &&
                (b_len == 0 || EVP_MAC_update(x, b, b_len) == 1) &&
                EVP_MAC_final(x, mac, &n, 64) == 1 && n == c->mac_len;
  EVP_MAC_CTX_free(x);
  return ok;
}

static gboolean cbc_decrypt(WtTlsCipher *c, const guint8 *iv, const guint8 *ct, gsize len,
                            guint8 *out)
{
  EVP_CIPHER_CTX *x = cipher_ctx(c);
  int n = 0, fin = 0;
  return x && EVP_DecryptInit_ex(x, bulk_cipher(c->suite->bulk), NULL, c->key, iv) == 1 &&
         EVP_CIPHER_CTX_set_padding(x, 0) == 1 &&
         EVP_DecryptUpdate(x, out, &n, ct, (int) len) == 1 &&
         EVP_DecryptFinal_ex(x, out + n, &fin) == 1;
}

/* TLS padding: the last byte is its length, every padding byte has that value. */
static gboolean strip_padding(const guint8 *p, gsize len, gsize *content_len)
{
  if (len == 0)
    return FALSE;
  guint8 pad = p[len - 1];
  if ((gsize) pad + 1 > len)
    return FALSE;
  guint8 bad = 0;
  for (gsize i = len - 1 - pad; i < len; i++)
    bad |= p[i] ^ pad;
  *content_len = len - 1 - pad;
  return bad == 0;
}

static WtTlsOpen open12_cbc(WtTlsCipher *c, guint8 type, guint16 version, const guint8 *frag,
                            gsize len, guint8 *out, gsize *out_len)
{
  guint8 hdr[13], mac[64];
  gsize mac_len = c->mac_len, content = 0;
  if (c->encrypt_then_mac) { /* RFC 7366: IV + ciphertext, then the MAC over them */
    if (len < CBC_BLOCK + CBC_BLOCK + mac_len || (len - mac_len) % CBC_BLOCK)
      return WT_TLS_OPEN_BAD;
    gsize body = len - mac_len;
    header12(c->seq, type, version, body, hdr);
    if (!hmac(c, hdr, frag, body, NULL, 0, mac) ||
        CRYPTO_memcmp(mac, frag + body, mac_len) != 0 ||
        !cbc_decrypt(c, frag, frag + CBC_BLOCK, body - CBC_BLOCK, out) ||
        !strip_padding(out, body - CBC_BLOCK, &content))
      return WT_TLS_OPEN_BAD;
    *out_len = content;
    return WT_TLS_OPEN_OK;
  }
  if (len < CBC_BLOCK + CBC_BLOCK || len % CBC_BLOCK)
    return WT_TLS_OPEN_BAD;
  gsize plain = len - CBC_BLOCK;
  if (!cbc_decrypt(c, frag, frag + CBC_BLOCK, plain, out) ||
      !strip_padding(out, plain, &content) || content < mac_len)
    return WT_TLS_OPEN_BAD;
  content -= mac_len;
  header12(c->seq, type, version, content, hdr);
  if (!hmac(c, hdr, out, content, NULL, 0, mac) ||
      CRYPTO_memcmp(mac, out + content, mac_len) != 0)
    return WT_TLS_OPEN_BAD;
  *out_len = content;
  return WT_TLS_OPEN_OK;
}

WtTlsOpen wt_tls_cipher_open(WtTlsCipher *c, guint8 type, guint16 version, const guint8 *frag,
                             gsize len, guint8 *out, gsize *out_len)
{
  WtTlsOpen r;
  *out_len = 0;
  if (!c->suite || len > WT_TLS_MAX_FRAGMENT + 2048)
    return WT_TLS_OPEN_BAD;
  if (c->tls13)
    r = open13(c, type, version, frag, len, out, out_len);
  else if (is_cbc(c->suite->bulk))
    r = open12_cbc(c, type, version, frag, len, out, out_len);
  else
    r = open12_aead(c, type, version, frag, len, out, out_len);
  if (r == WT_TLS_OPEN_OK)
    c->seq++;
  else
    *out_len = 0;
  return r;
}

gsize wt_tls_cipher_plain_len(const WtTlsCipher *c, gsize len)
{
  gsize overhead = 0;
  if (!c->suite)
    return len;
  if (c->tls13)
    overhead = TAG_LEN + 1;
  else if (is_cbc(c->suite->bulk))
    overhead = CBC_BLOCK + c->mac_len + 1;
  else
    overhead = TAG_LEN + (c->suite->bulk == WT_TLS_BULK_CHACHA20_POLY1305 ? 0 : 8);
  return len > overhead ? len - overhead : 0;
}

guint8 wt_tls13_inner_type(const guint8 *p, gsize *len)
{
  gsize n = *len;
  while (n > 0 && p[n - 1] == 0)
    n--;
  if (n == 0)
    return 0;
  *len = n - 1;
  return p[n - 1];
}
