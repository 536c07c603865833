/* Hello and EncryptedExtensions parsing. */
#include "dissectors/tls/tls-hello.h"
#include "analyzer/core/reader.h"
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

enum {
  EXT_SERVER_NAME = 0,
  EXT_ALPN = 16,
  EXT_ENCRYPT_THEN_MAC = 22,
  EXT_SESSION_TICKET = 35,
  EXT_SUPPORTED_VERSIONS = 43,
};

/* SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest (RFC 8446 4.1.3) */
static const guint8 hrr_random[32] = {
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static gboolean get_be24(WtReader *r, gsize *v)
{
  guint8 b[3];
  for (int i = 0; i < 3; i++)
    if (!wt_reader_get_u8(r, &b[i]))
      return FALSE;
  *v = (gsize) b[0] << 16 | (gsize) b[1] << 8 | b[2];
  return TRUE;
}

#define MAX_NAME 1024 /* a distinguished name as shown */

static char *name_text(const X509_NAME *name)
{
  BIO *bio = BIO_new(BIO_s_mem());
  char *text = NULL;
  if (bio && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    if (len >= 0 && data)
      text = wt_tls_safe_text((const guint8 *) data, MIN((gsize) len, (gsize) MAX_NAME));
  }
  BIO_free(bio);
  return text;
}

gboolean wt_tls_parse_certificate(const guint8 *p, gsize n, gboolean tls13, char **subject,
                                  char **issuer)
{
  WtReader r = wt_reader_init(p, n);
  gsize list_len, cert_len;
  guint8 ctx_len;
  const guint8 *der;
  if ((tls13 && (!wt_reader_get_u8(&r, &ctx_len) || !wt_reader_skip(&r, ctx_len))) ||
      !get_be24(&r, &list_len) || !wt_reader_narrow(&r, list_len) ||
      !get_be24(&r, &cert_len) || !wt_reader_get_bytes(&r, cert_len, &der) || cert_len == 0)
    return FALSE;
  const unsigned char *q = der;
  X509 *cert = d2i_X509(NULL, &q, (long) cert_len);
  if (!cert)
    return FALSE;
  *subject = name_text(X509_get_subject_name(cert));
  *issuer = name_text(X509_get_issuer_name(cert));
  X509_free(cert);
  return *subject && *issuer;
}

gboolean wt_tls_ticket_hash(const guint8 *ticket, gsize n, guint8 out[32])
{
  unsigned int len = 0;
  return EVP_Digest(ticket, n, out, &len, EVP_sha256(), NULL) == 1 && len == 32;
}

char *wt_tls_safe_text(const guint8 *p, gsize n)
{
  GString *s = g_string_sized_new(n);
  for (gsize i = 0; i < n; i++) {
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
      g_string_append_c(s, (char) p[i]);
    else
      g_string_append_printf(s, "\\x%02x", p[i]);
  }
  return g_string_free(s, FALSE);
}

char *wt_tls_safe_name(const guint8 *p, gsize n)
{
  GString *s = g_string_sized_new(n);
  for (gsize i = 0; i < n; i++) {
    if (p[i] > 0x20 && p[i] < 0x7f && p[i] != '\\')
      g_string_append_c(s, (char) g_ascii_tolower(p[i]));
    else
      g_string_append_printf(s, "\\x%02x", p[i]);
  }
  return g_string_free(s, FALSE);
}

/* RFC 8701 GREASE values (0x0a0a, 0x1a1a ... 0xfafa) are never real versions. */
static gboolean is_grease(guint16 v)
{
  return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* server_name extension: the first host_name entry. */
static gboolean read_sni(WtReader ext, WtTlsHello *h)
{
  guint16 list_len;
  if (!wt_reader_get_be16(&ext, &list_len) || !wt_reader_narrow(&ext, list_len))
    return FALSE;
  while (wt_reader_remaining(&ext) > 0) {
    guint8 type;
    guint16 n;
    const guint8 *name;
    if (!wt_reader_get_u8(&ext, &type) || !wt_reader_get_be16(&ext, &n) ||
        !wt_reader_get_bytes(&ext, n, &name))
      return FALSE;
    if (type == 0 && !h->sni && n > 0)
      h->sni = wt_tls_safe_name(name, n);
  }
  return TRUE;
}

/* ALPN: the client's list (offers), or the server's single selected id. */
static gboolean read_alpn(WtReader ext, WtTlsHello *h, gboolean client)
{
  guint16 list_len;
  if (!wt_reader_get_be16(&ext, &list_len) || !wt_reader_narrow(&ext, list_len))
    return FALSE;
  while (wt_reader_remaining(&ext) > 0) {
    guint8 n;
    const guint8 *proto;
    if (!wt_reader_get_u8(&ext, &n) || !wt_reader_get_bytes(&ext, n, &proto))
      return FALSE;
    if (client) {
      if (!h->alpn)
        h->alpn = g_ptr_array_new_with_free_func(g_free);
      g_ptr_array_add(h->alpn, wt_tls_safe_name(proto, n));
    } else if (h->alpn_len == 0) {
      memcpy(h->alpn_id, proto, n);
      h->alpn_len = n;
    }
  }
  return TRUE;
}

static gboolean read_client_versions(WtReader ext, guint16 *max)
{
  guint8 n;
  if (!wt_reader_get_u8(&ext, &n) || !wt_reader_narrow(&ext, n) || n % 2)
    return FALSE;
  guint16 v;
  while (wt_reader_get_be16(&ext, &v))
    if (!is_grease(v) && v > *max)
      *max = v;
  return TRUE;
}

static gboolean read_extension(guint16 type, WtReader ext, WtTlsHello *h, gboolean client,
                               guint16 *client_max, gboolean *client_sv)
{
  switch (type) {
  case EXT_SERVER_NAME:
    return !client || read_sni(ext, h);
  case EXT_ALPN:
    return read_alpn(ext, h, client);
  case EXT_ENCRYPT_THEN_MAC:
    if (!client)
      h->encrypt_then_mac = TRUE;
    return TRUE;
  case EXT_SESSION_TICKET:
    if (client && wt_reader_remaining(&ext) > 0) {
      const guint8 *ticket;
      gsize n = wt_reader_remaining(&ext);
      h->ticket = wt_reader_get_bytes(&ext, n, &ticket) && wt_tls_ticket_hash(ticket, n, h->ticket_hash);
    }
    return TRUE;
  case EXT_SUPPORTED_VERSIONS:
    if (client) {
      *client_sv = TRUE;
      return read_client_versions(ext, client_max);
    }
    return wt_reader_get_be16(&ext, &h->version);
  default:
    return TRUE;
  }
}

/* The extensions block (optional before TLS 1.3). */
static gboolean read_extensions(WtReader *r, WtTlsHello *h, gboolean client)
{
  guint16 total;
  if (wt_reader_remaining(r) == 0)
    return TRUE;
  if (!wt_reader_get_be16(r, &total) || !wt_reader_narrow(r, total))
    return FALSE;
  gboolean client_sv = FALSE;
  guint16 client_max = 0;
  while (wt_reader_remaining(r) > 0) {
    guint16 type, n;
    const guint8 *body;
    if (!wt_reader_get_be16(r, &type) || !wt_reader_get_be16(r, &n) ||
        !wt_reader_get_bytes(r, n, &body) ||
        !read_extension(type, wt_reader_init(body, n), h, client, &client_max, &client_sv))
      return FALSE;
  }
  if (client_sv && client_max)
    h->version = client_max;
  return TRUE;
}

static gboolean read_fixed(WtReader *r, WtTlsHello *h)
{
  const guint8 *random, *sid;
  if (!wt_reader_get_be16(r, &h->version) || !wt_reader_get_bytes(r, 32, &random) ||
      !wt_reader_get_u8(r, &h->session_id_len) || h->session_id_len > 32 ||
      !wt_reader_get_bytes(r, h->session_id_len, &sid))
    return FALSE;
  memcpy(h->random, random, 32);
  memcpy(h->session_id, sid, h->session_id_len);
  return TRUE;
}

gboolean wt_tls_parse_client_hello(const guint8 *p, gsize n, WtTlsHello *h)
{
  WtReader r = wt_reader_init(p, n);
  guint16 cs_len;
  guint8 comp_len;
  return read_fixed(&r, h) && wt_reader_get_be16(&r, &cs_len) && wt_reader_skip(&r, cs_len) &&
         wt_reader_get_u8(&r, &comp_len) && wt_reader_skip(&r, comp_len) &&
         read_extensions(&r, h, TRUE);
}

gboolean wt_tls_parse_server_hello(const guint8 *p, gsize n, WtTlsHello *h)
{
  WtReader r = wt_reader_init(p, n);
  guint8 comp;
  if (!read_fixed(&r, h) || !wt_reader_get_be16(&r, &h->cipher) ||
      !wt_reader_get_u8(&r, &comp) || !read_extensions(&r, h, FALSE))
    return FALSE;
  h->hello_retry = memcmp(h->random, hrr_random, 32) == 0;
  return TRUE;
}

gboolean wt_tls_parse_encrypted_extensions(const guint8 *p, gsize n, WtTlsHello *server)
{
  WtReader r = wt_reader_init(p, n);
  return read_extensions(&r, server, FALSE);
}

void wt_tls_hello_clear(WtTlsHello *h)
{
  g_free(h->sni);
  if (h->alpn)
    g_ptr_array_unref(h->alpn);
  memset(h, 0, sizeof *h);
}
