/* SSH wire format, the unencrypted part only (RFC 4253): the identification string each
 * side sends first (4.2) and the first binary packet, SSH_MSG_KEXINIT (7.1), whose
 * algorithm lists decide what the connection will use. Everything after is encrypted.
 * The parsers are resumable in the stream dissector's way: given what has arrived, they
 * say "need more", "done (consumed N)" or "not SSH / malformed", and never read past len. */
#pragma once
#include <glib.h>
#include "analyzer/core/reader.h"

#define WT_SSH_MAX_IDENT 255        /* identification line, CR LF included (RFC 4253 4.2) */
#define WT_SSH_MAX_PRE_LINE 1024    /* a line a server may send before its identification */
#define WT_SSH_MAX_PRE_LINES 32
#define WT_SSH_MAX_PACKET 35000     /* packet size every implementation must take (6.1) */
#define WT_SSH_MAX_NAME_LIST 4096   /* one algorithm name-list, as logged */

typedef enum {
  WT_SSH_NEED_MORE,   /* not enough bytes yet */
  WT_SSH_OK,          /* one element parsed; *consumed bytes of it */
  WT_SSH_OTHER_LINE,  /* a line before the identification (servers only); *consumed */
  WT_SSH_NOT_SSH,     /* the bytes are not an SSH identification */
  WT_SSH_MALFORMED,   /* SSH, but lengths contradict themselves or exceed the limits */
} WtSshParse;

typedef struct {
  char proto_version[16];          /* "2.0", "1.99", "1.5" */
  char software[WT_SSH_MAX_IDENT]; /* "OpenSSH_9.2p1 Debian-2+deb12u10": the version and
                                      comments after it, as Zeek's client/server fields */
} WtSshIdent;

/* One line: the identification (OK) or, before it, another line (OTHER_LINE). */
WtSshParse wt_ssh_parse_ident(const guint8 *data, gsize len, WtSshIdent *out, gsize *consumed);

/* The algorithm name-lists of a KEXINIT, in the message's order. */
typedef enum {
  WT_SSH_KEX, WT_SSH_HOST_KEY, WT_SSH_CIPHER_C2S, WT_SSH_CIPHER_S2C, WT_SSH_MAC_C2S,
  WT_SSH_MAC_S2C, WT_SSH_COMPRESSION_C2S, WT_SSH_COMPRESSION_S2C, WT_SSH_LANG_C2S,
  WT_SSH_LANG_S2C, WT_SSH_N_LISTS
} WtSshList;

typedef struct {
  char *lists[WT_SSH_N_LISTS];     /* comma-separated names, owned (g_free) */
} WtSshKexinit;

void wt_ssh_kexinit_clear(WtSshKexinit *k);

/* The first binary packet of a direction. OK with *consumed = the whole packet when it is
 * a KEXINIT (out filled); NOT_SSH when it is a whole packet of another message (nothing
 * to learn: the caller stops reading that direction); MALFORMED on impossible lengths. */
WtSshParse wt_ssh_parse_kexinit(const guint8 *data, gsize len, WtSshKexinit *out,
                                gsize *consumed);

/* RFC 4253 7.1: the first algorithm of the client's list that the server's list also
 * has, written to buf; NULL when they share none or a list is missing. */
const char *wt_ssh_negotiate(const char *client_list, const char *server_list, char *buf,
                             gsize size);

/* AEAD ciphers carry their own integrity: the negotiated MAC is not used with them
 * (OpenSSH prints "MAC: <implicit>"). */
gboolean wt_ssh_cipher_is_aead(const char *cipher);
