/* Unit tests of the SSH wire-format parsers (identification line, KEXINIT, RFC 4253 7.1
 * negotiation). Expected values are written out by hand from the bytes each test builds;
 * every input sits right before a PROT_NONE page so a one-byte over-read faults. */
#include <string.h>
#include "tests/unit/guard-page.h"
#include "dissectors/ssh/ssh-parse.h"

static void test_ident(void)
{
  const char *line = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n";
  gsize n = strlen(line), used = 0;
  WtSshIdent id;
  /* every prefix but the whole line needs more bytes */
  for (gsize k = 0; k < n; k++)
    g_assert_cmpint(wt_ssh_parse_ident(guarded(line, k), k, &id, &used), ==, WT_SSH_NEED_MORE);
  g_assert_cmpint(wt_ssh_parse_ident(guarded(line, n), n, &id, &used), ==, WT_SSH_OK);
  g_assert_cmpuint(used, ==, n);
  g_assert_cmpstr(id.proto_version, ==, "2.0");
  g_assert_cmpstr(id.software, ==, "OpenSSH_9.2p1 Debian-2+deb12u10");

  /* a bare LF ends the line too; 1.99 means "2.0 and 1.x" */
  const char *lf = "SSH-1.99-Cisco-1.25\nrest";
  g_assert_cmpint(wt_ssh_parse_ident(guarded(lf, strlen(lf)), strlen(lf), &id, &used), ==, WT_SSH_OK);
  g_assert_cmpuint(used, ==, 20);
  g_assert_cmpstr(id.proto_version, ==, "1.99");
  g_assert_cmpstr(id.software, ==, "Cisco-1.25");
}

static void test_ident_other_lines(void)
{
  WtSshIdent id;
  gsize used = 0;
  const char *pre = "Welcome\r\nSSH-2.0-x\r\n";
  g_assert_cmpint(wt_ssh_parse_ident(guarded(pre, strlen(pre)), strlen(pre), &id, &used), ==,
                  WT_SSH_OTHER_LINE);
  g_assert_cmpuint(used, ==, 9);
  /* not SSH: a line longer than any pre-identification line */
  guint8 big[WT_SSH_MAX_PRE_LINE + 10];
  memset(big, 'a', sizeof big);
  g_assert_cmpint(wt_ssh_parse_ident(guarded(big, sizeof big), sizeof big, &id, &used), ==,
                  WT_SSH_NOT_SSH);
  /* an identification line longer than 255 bytes is malformed */
  guint8 longid[300];
  memset(longid, 'b', sizeof longid);
  memcpy(longid, "SSH-2.0-", 8);
  g_assert_cmpint(wt_ssh_parse_ident(guarded(longid, sizeof longid), sizeof longid, &id, &used),
                  ==, WT_SSH_MALFORMED);
  /* no software version, or a version with letters */
  const char *bad1 = "SSH-2.0\r\n", *bad2 = "SSH-2x-y\r\n";
  g_assert_cmpint(wt_ssh_parse_ident(guarded(bad1, strlen(bad1)), strlen(bad1), &id, &used), ==,
                  WT_SSH_MALFORMED);
  g_assert_cmpint(wt_ssh_parse_ident(guarded(bad2, strlen(bad2)), strlen(bad2), &id, &used), ==,
                  WT_SSH_MALFORMED);
}

/* A KEXINIT packet: lists[i] as given, 4 bytes of padding. */
static GByteArray *kexinit(const char *const lists[10], guint8 msg)
{
  GByteArray *payload = g_byte_array_new();
  g_byte_array_append(payload, &msg, 1);
  guint8 cookie[16] = { 0 };
  g_byte_array_append(payload, cookie, 16);
  for (int i = 0; i < 10; i++) {
    guint32 n = (guint32) strlen(lists[i]);
    guint8 be[4] = { n >> 24, n >> 16, n >> 8, n };
    g_byte_array_append(payload, be, 4);
    g_byte_array_append(payload, (const guint8 *) lists[i], n);
  }
  guint8 tail[5] = { 0, 0, 0, 0, 0 }; /* first_kex_packet_follows, reserved */
  g_byte_array_append(payload, tail, 5);
  GByteArray *pkt = g_byte_array_new();
  guint32 plen = payload->len + 1 + 4;
  guint8 hdr[5] = { plen >> 24, plen >> 16, plen >> 8, plen, 4 };
  g_byte_array_append(pkt, hdr, 5);
  g_byte_array_append(pkt, payload->data, payload->len);
  guint8 pad[4] = { 0 };
  g_byte_array_append(pkt, pad, 4);
  g_byte_array_unref(payload);
  return pkt;
}

static const char *const client_lists[10] = {
  "sntrup761x25519-sha512,curve25519-sha256", "ssh-ed25519,rsa-sha2-512",
  "chacha20-poly1305@openssh.com,aes128-ctr", "chacha20-poly1305@openssh.com,aes128-ctr",
  "umac-64-etm@openssh.com,hmac-sha2-256", "umac-64-etm@openssh.com,hmac-sha2-256",
  "none,zlib@openssh.com", "none,zlib@openssh.com", "", ""
};

static void test_kexinit(void)
{
  g_autoptr(GByteArray) p = kexinit(client_lists, 20);
  WtSshKexinit k = { { NULL } };
  gsize used = 0;
  for (guint n = 0; n < p->len; n++)
    g_assert_cmpint(wt_ssh_parse_kexinit(guarded(p->data, n), n, &k, &used), ==, WT_SSH_NEED_MORE);
  g_assert_cmpint(wt_ssh_parse_kexinit(guarded(p->data, p->len), p->len, &k, &used), ==, WT_SSH_OK);
  g_assert_cmpuint(used, ==, p->len);
  g_assert_cmpstr(k.lists[WT_SSH_KEX], ==, "sntrup761x25519-sha512,curve25519-sha256");
  g_assert_cmpstr(k.lists[WT_SSH_COMPRESSION_S2C], ==, "none,zlib@openssh.com");
  g_assert_cmpstr(k.lists[WT_SSH_LANG_S2C], ==, "");
  wt_ssh_kexinit_clear(&k);

  /* another message first: a whole packet that teaches nothing */
  g_autoptr(GByteArray) q = kexinit(client_lists, 21);
  g_assert_cmpint(wt_ssh_parse_kexinit(guarded(q->data, q->len), q->len, &k, &used), ==, WT_SSH_NOT_SSH);
  g_assert_cmpuint(used, ==, q->len);

  /* lengths that contradict themselves */
  const guint8 tiny[] = { 0, 0, 0, 2, 0, 20 };
  g_assert_cmpint(wt_ssh_parse_kexinit(guarded(tiny, 6), 6, &k, &used), ==, WT_SSH_MALFORMED);
  const guint8 huge[] = { 0, 1, 0, 0, 4, 20 };
  g_assert_cmpint(wt_ssh_parse_kexinit(guarded(huge, 6), 6, &k, &used), ==, WT_SSH_MALFORMED);
  /* padding longer than the packet */
  const guint8 pad[] = { 0, 0, 0, 6, 9, 20, 0, 0, 0, 0 };
  g_assert_cmpint(wt_ssh_parse_kexinit(guarded(pad, 10), 10, &k, &used), ==, WT_SSH_MALFORMED);
  /* a name-list longer than the payload */
  GByteArray *cut = kexinit(client_lists, 20);
  cut->data[5 + 17 + 3] = 0xff; /* first list's length low byte: far past the end */
  g_assert_cmpint(wt_ssh_parse_kexinit(guarded(cut->data, cut->len), cut->len, &k, &used), ==,
                  WT_SSH_MALFORMED);
  g_byte_array_unref(cut);
}

static void test_negotiate(void)
{
  char buf[64];
  /* RFC 4253 7.1: the client's first name that the server also has */
  g_assert_cmpstr(wt_ssh_negotiate("a,b,c", "c,b", buf, sizeof buf), ==, "b");
  g_assert_cmpstr(wt_ssh_negotiate("sntrup761x25519-sha512,curve25519-sha256",
                                   "curve25519-sha256,sntrup761x25519-sha512", buf, sizeof buf),
                  ==, "sntrup761x25519-sha512");
  g_assert_null(wt_ssh_negotiate("a,b", "c,d", buf, sizeof buf));
  g_assert_null(wt_ssh_negotiate("", "a", buf, sizeof buf));
  g_assert_null(wt_ssh_negotiate(NULL, "a", buf, sizeof buf));
  /* a prefix is not a match */
  g_assert_null(wt_ssh_negotiate("aes128", "aes128-ctr", buf, sizeof buf));
  g_assert_true(wt_ssh_cipher_is_aead("chacha20-poly1305@openssh.com"));
  g_assert_false(wt_ssh_cipher_is_aead("aes128-ctr"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ssh/ident", test_ident);
  g_test_add_func("/ssh/ident-other-lines", test_ident_other_lines);
  g_test_add_func("/ssh/kexinit", test_kexinit);
  g_test_add_func("/ssh/negotiate", test_negotiate);
  return g_test_run();
}
