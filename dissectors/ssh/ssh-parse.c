/* SSH identification strings and KEXINIT (RFC 4253 4.2, 6, 7.1). See ssh-parse.h. */
#include "dissectors/ssh/ssh-parse.h"

#include <string.h>

#define SSH_MSG_KEXINIT 20
#define KEXINIT_COOKIE 16

/* Index of the first '\n' in data[0..len), or -1. */
static gssize find_lf(const guint8 *data, gsize len)
{
  const guint8 *lf = memchr(data, '\n', len);
  return lf ? lf - data : -1;
}

/* "SSH-2.0-OpenSSH_9.2p1 Debian-2": the part between "SSH-" and the next '-' is the
 * protocol version; the rest (software version, then comments) is kept as one string. */
static WtSshParse split_ident(const guint8 *line, gsize n, WtSshIdent *out)
{
  gsize i = 4;
  while (i < n && line[i] != '-')
    i++;
  gsize vlen = i - 4;
  if (i == n || vlen == 0 || vlen >= sizeof out->proto_version)
    return WT_SSH_MALFORMED;
  for (gsize k = 4; k < i; k++)
    if (!g_ascii_isdigit(line[k]) && line[k] != '.')
      return WT_SSH_MALFORMED;
  memcpy(out->proto_version, line + 4, vlen);
  out->proto_version[vlen] = '\0';
  gsize slen = n - i - 1;
  for (gsize k = 0; k < slen; k++) /* printable US-ASCII only (4.2); keep the log clean */
    out->software[k] = g_ascii_isprint(line[i + 1 + k]) ? (char) line[i + 1 + k] : '?';
  out->software[slen] = '\0';
  return WT_SSH_OK;
}

WtSshParse wt_ssh_parse_ident(const guint8 *data, gsize len, WtSshIdent *out, gsize *consumed)
{
  gsize have = MIN(len, (gsize) 4);
  gboolean is_ident = memcmp(data, "SSH-", have) == 0;
  if (have < 4 && is_ident)
    return WT_SSH_NEED_MORE;
  gsize limit = is_ident ? WT_SSH_MAX_IDENT : WT_SSH_MAX_PRE_LINE;
  gssize lf = find_lf(data, MIN(len, limit));
  if (lf < 0)
    return len >= limit ? (is_ident ? WT_SSH_MALFORMED : WT_SSH_NOT_SSH) : WT_SSH_NEED_MORE;
  *consumed = (gsize) lf + 1;
  if (!is_ident)
    return WT_SSH_OTHER_LINE;
  gsize n = (gsize) lf;
  if (n > 0 && data[n - 1] == '\r') /* CR LF; a bare LF is accepted, as OpenSSH does */
    n--;
  return split_ident(data, n, out);
}

void wt_ssh_kexinit_clear(WtSshKexinit *k)
{
  for (int i = 0; i < WT_SSH_N_LISTS; i++)
    g_clear_pointer(&k->lists[i], g_free);
}

static gboolean read_name_list(WtReader *r, char **out)
{
  guint32 n;
  const guint8 *p;
  if (!wt_reader_get_be32(r, &n) || !wt_reader_get_bytes(r, n, &p))
    return FALSE;
  gsize keep = MIN((gsize) n, (gsize) WT_SSH_MAX_NAME_LIST);
  char *s = g_malloc(keep + 1);
  for (gsize i = 0; i < keep; i++)
    s[i] = g_ascii_isprint(p[i]) ? (char) p[i] : '?';
  s[keep] = '\0';
  *out = s;
  return TRUE;
}

WtSshParse wt_ssh_parse_kexinit(const guint8 *data, gsize len, WtSshKexinit *out,
                                gsize *consumed)
{
  WtReader r = wt_reader_init(data, len);
  guint32 packet_len;
  guint8 padding_len, msg;
  if (!wt_reader_get_be32(&r, &packet_len))
    return WT_SSH_NEED_MORE;
  /* packet_length covers padding_length, payload and padding (6): at least 5 bytes */
  if (packet_len < 5 || packet_len > WT_SSH_MAX_PACKET)
    return WT_SSH_MALFORMED;
  if (wt_reader_remaining(&r) < packet_len)
    return WT_SSH_NEED_MORE;
  wt_reader_narrow(&r, packet_len);
  *consumed = 4 + (gsize) packet_len;
  if (!wt_reader_get_u8(&r, &padding_len) || padding_len > packet_len - 1)
    return WT_SSH_MALFORMED;
  r.len -= padding_len; /* the payload ends where the padding starts */
  if (!wt_reader_get_u8(&r, &msg))
    return WT_SSH_MALFORMED;
  if (msg != SSH_MSG_KEXINIT)
    return WT_SSH_NOT_SSH;
  if (!wt_reader_skip(&r, KEXINIT_COOKIE))
    return WT_SSH_MALFORMED;
  WtSshKexinit k = { { NULL } };
  for (int i = 0; i < WT_SSH_N_LISTS; i++)
    if (!read_name_list(&r, &k.lists[i])) {
      wt_ssh_kexinit_clear(&k);
      return WT_SSH_MALFORMED;
    }
  wt_ssh_kexinit_clear(out);
  *out = k;
  return WT_SSH_OK;
}

/* Is `name` (len n) one of the comma-separated names of `list`? */
static gboolean list_has(const char *list, const char *name, gsize n)
{
  for (const char *p = list; *p;) {
    const char *end = strchr(p, ',');
    gsize len = end ? (gsize) (end - p) : strlen(p);
    if (len == n && memcmp(p, name, n) == 0)
      return TRUE;
    if (!end)
      break;
    p = end + 1;
  }
  return FALSE;
}

const char *wt_ssh_negotiate(const char *client_list, const char *server_list, char *buf,
                             gsize size)
{
  if (!client_list || !server_list)
    return NULL;
  for (const char *p = client_list; *p;) {
    const char *end = strchr(p, ',');
    gsize len = end ? (gsize) (end - p) : strlen(p);
    if (len > 0 && len < size && list_has(server_list, p, len)) {
      memcpy(buf, p, len);
      buf[len] = '\0';
      return buf;
    }
    if (!end)
      break;
    p = end + 1;
  }
  return NULL;
}

gboolean wt_ssh_cipher_is_aead(const char *cipher)
{
  return cipher && (strcmp(cipher, "chacha20-poly1305@openssh.com") == 0 ||
                    strcmp(cipher, "aes128-gcm@openssh.com") == 0 ||
                    strcmp(cipher, "aes256-gcm@openssh.com") == 0 ||
                    strcmp(cipher, "AEAD_AES_128_GCM") == 0 ||
                    strcmp(cipher, "AEAD_AES_256_GCM") == 0);
}
