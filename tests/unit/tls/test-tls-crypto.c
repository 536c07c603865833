/* Unit tests of the TLS key schedules, record protection and key log against published
 * vectors (never values wiretab computed):
 *   RFC 8448 section 3 (Simple 1-RTT Handshake): the four traffic secrets, the keys and IVs
 *     derived from them, and protected records (client Finished, both sides' application
 *     data) opened with them;
 *   the TLS 1.2 PRF test vectors posted to the IETF TLS list (P_SHA256, 100 bytes;
 *     P_SHA384, 148 bytes);
 *   the KeyUpdate step ("traffic upd", SHA-384) as OpenSSL computes it (the vector of
 *     s2n-tls's key update test).
 * A record with one bit changed must not open, and a key log line not understood is
 * counted, never echoed. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dissectors/tls/tls-crypto.h"
#include "dissectors/tls/tls-keylog.h"

static GByteArray *hex(const char *text)
{
  GByteArray *b = g_byte_array_new();
  int hi = -1;
  for (const char *p = text; *p; p++) {
    int v = g_ascii_xdigit_value(*p);
    if (v < 0)
      continue;
    if (hi < 0)
      hi = v;
    else {
      guint8 c = (guint8) (hi << 4 | v);
      g_byte_array_append(b, &c, 1);
      hi = -1;
    }
  }
  g_assert_cmpint(hi, ==, -1);
  return b;
}

static void assert_hex(const guint8 *got, gsize n, const char *want_text)
{
  g_autoptr(GByteArray) want = hex(want_text);
  g_assert_cmpuint(n, ==, want->len);
  g_assert_cmpmem(got, n, want->data, want->len);
}

/* RFC 8448 3 */
#define C_HS_SECRET "b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21"
#define S_HS_SECRET "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38"
#define C_AP_SECRET "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5"
#define S_AP_SECRET "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43"

static void expect_keys(const char *secret_text, const char *key, const char *iv)
{
  g_autoptr(GByteArray) secret = hex(secret_text);
  WtTlsCipher c = { 0 };
  g_assert_true(wt_tls_cipher_init13(&c, wt_tls_suite_lookup(0x1301), secret->data, secret->len));
  assert_hex(c.key, c.key_len, key);
  assert_hex(c.iv, c.iv_len, iv);
  wt_tls_cipher_clear(&c);
}

static void test_rfc8448_traffic_keys(void)
{
  expect_keys(C_HS_SECRET, "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01",
              "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f");
  expect_keys(S_HS_SECRET, "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc",
              "5d 31 3e b2 67 12 76 ee 13 00 0b 30");
  expect_keys(C_AP_SECRET, "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51",
              "5b 78 92 3d ee 08 57 90 33 e5 23 d9");
  expect_keys(S_AP_SECRET, "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56",
              "cf 78 2b 88 dd 83 54 9a ad f1 e9 84");
}

static void test_rfc8448_expand_label_info(void)
{
  /* "key info (13 octets): 00 10 09 74 6c 73 31 33 20 6b 65 79 00" is what HKDF-Expand
   * gets; the key it gives is checked above, so here the label length limit: a label of
   * more than 249 characters cannot be encoded */
  guint8 out[16];
  g_autoptr(GByteArray) secret = hex(S_HS_SECRET);
  char label[251];
  memset(label, 'a', 250);
  label[250] = '\0';
  g_assert_false(wt_tls13_expand_label(WT_TLS_HASH_SHA256, secret->data, secret->len, label,
                                       NULL, 0, out, sizeof out));
}

/* Opens a complete record (header included) with a cipher at `seq`. */
static gboolean open_record(WtTlsCipher *c, GByteArray *rec, guint8 *out, gsize *len)
{
  g_assert_cmpuint(rec->len, >=, 5);
  guint16 version = (guint16) (rec->data[1] << 8 | rec->data[2]);
  g_assert_cmpuint((gsize) (rec->data[3] << 8 | rec->data[4]), ==, rec->len - 5);
  return wt_tls_cipher_open(c, rec->data[0], version, rec->data + 5, rec->len - 5, out, len) ==
         WT_TLS_OPEN_OK;
}

static void test_rfc8448_client_finished(void)
{
  g_autoptr(GByteArray) secret = hex(C_HS_SECRET);
  g_autoptr(GByteArray) rec = hex(
    "17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c 56 cc 77 b0 51 7f e9 b9 3c 7a"
    "4b fc 44 d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c ae ac ab 68 67 d7 26 c4 05 46");
  WtTlsCipher c = { 0 };
  guint8 out[WT_TLS_MAX_FRAGMENT + 256];
  gsize len = 0;
  g_assert_true(wt_tls_cipher_init13(&c, wt_tls_suite_lookup(0x1301), secret->data, secret->len));
  g_assert_true(open_record(&c, rec, out, &len));
  g_assert_cmpuint(wt_tls13_inner_type(out, &len), ==, 22);
  assert_hex(out, len,
             "14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 9e c1 76 94 fa c6 e9"
             "85 27 b6 42 f2 ed d5 ce 61");
  g_assert_cmpuint(c.seq, ==, 1);
  wt_tls_cipher_clear(&c);
}

static void expect_app_data(const char *secret_text, guint64 seq, const char *record)
{
  g_autoptr(GByteArray) secret = hex(secret_text);
  g_autoptr(GByteArray) rec = hex(record);
  WtTlsCipher c = { 0 };
  guint8 out[WT_TLS_MAX_FRAGMENT + 256], payload[50];
  gsize len = 0;
  for (guint i = 0; i < sizeof payload; i++)
    payload[i] = (guint8) i;
  g_assert_true(wt_tls_cipher_init13(&c, wt_tls_suite_lookup(0x1301), secret->data, secret->len));
  c.seq = seq + 1;  /* a wrong sequence number: the nonce is wrong, the tag fails */
  g_assert_false(open_record(&c, rec, out, &len));
  g_assert_cmpuint(len, ==, 0);
  g_assert_cmpuint(c.seq, ==, seq + 1);
  c.seq = seq;
  rec->data[rec->len - 1] ^= 1; /* one bit of the tag */
  g_assert_false(open_record(&c, rec, out, &len));
  rec->data[rec->len - 1] ^= 1;
  rec->data[10] ^= 0x80; /* one bit of the ciphertext */
  g_assert_false(open_record(&c, rec, out, &len));
  rec->data[10] ^= 0x80;
  g_assert_true(open_record(&c, rec, out, &len));
  g_assert_cmpuint(wt_tls13_inner_type(out, &len), ==, 23);
  g_assert_cmpmem(out, len, payload, sizeof payload);
  wt_tls_cipher_clear(&c);
}

static void test_rfc8448_application_data(void)
{
  /* the client's first application record is its seq 0 */
  expect_app_data(C_AP_SECRET, 0,
                  "17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef ac ea 42 f9"
                  "14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b 62 97 4e 1f"
                  "5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4");
  /* the server sent its NewSessionTicket first (seq 0) */
  expect_app_data(S_AP_SECRET, 1,
                  "17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4 a4 69 32 fc 32 25"
                  "d0 5f 82 aa 1b 36 e3 0e fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8 fc c4 9c 4b"
                  "f2 e5 f0 a2 1c 00 47 c2 ab f3 32 54 0d d0 32 e1 67 c2 95 5d");
}

static void test_key_update(void)
{
  g_autoptr(GByteArray) secret =
    hex("4bc28934ddd802b00f479e14a72d7725dab45d32b3b145f29e4c5b56677560eb5236b168c71c5c75aa52f3e20ee89bfb");
  WtTlsCipher c = { 0 };
  g_assert_true(wt_tls_cipher_init13(&c, wt_tls_suite_lookup(0x1302), secret->data, secret->len));
  c.seq = 7;
  g_assert_true(wt_tls_cipher_update13(&c));
  assert_hex(c.secret, c.secret_len,
             "ee85dd54781bd4d8a100589a9fe6ac9a3797b811e977f549cd531be2441d7c63e2b9729d145c11d84af35957727565a4");
  g_assert_cmpuint(c.seq, ==, 0);
  g_assert_cmpuint(c.key_len, ==, 32);
  wt_tls_cipher_clear(&c);
}

static void test_tls12_prf(void)
{
  g_autoptr(GByteArray) s256 = hex("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35");
  g_autoptr(GByteArray) seed256 = hex("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c");
  guint8 out[148];
  g_assert_true(wt_tls12_prf(WT_TLS_HASH_SHA256, s256->data, s256->len, "test label",
                             seed256->data, seed256->len, out, 100));
  assert_hex(out, 100,
             "e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53 c2 aa b2 1d 07 c3 d4 95 32 9b 52 d4"
             "e6 1e db 5a 6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba f9 af 0f a0 22 f7 07 7d ef 17"
             "ab fd 37 97 c0 56 4b ab 4f bc 91 66 6e 9d ef 9b 97 fc e3 4f 79 67 89 ba a4 80 82 d1"
             "22 ee 42 c5 a7 2e 5a 51 10 ff f7 01 87 34 7b 66");
  g_autoptr(GByteArray) s384 = hex("b8 0b 73 3d 6c ee fc dc 71 56 6e a4 8e 55 67 df");
  g_autoptr(GByteArray) seed384 = hex("cd 66 5c f6 a8 44 7d d6 ff 8b 27 55 5e db 74 65");
  g_assert_true(wt_tls12_prf(WT_TLS_HASH_SHA384, s384->data, s384->len, "test label",
                             seed384->data, seed384->len, out, 148));
  assert_hex(out, 148,
             "7b 0c 18 e9 ce d4 10 ed 18 04 f2 cf a3 4a 33 6a 1c 14 df fb 49 00 bb 5f d7 94 21 07"
             "e8 1c 83 cd e9 ca 0f aa 60 be 9f e3 4f 82 b1 23 3c 91 46 a0 e5 34 cb 40 0f ed 27 00"
             "88 4f 9d c2 36 f8 0e dd 8b fa 96 11 44 c9 e8 d7 92 ec a7 22 a7 b3 2f c3 d4 16 d4 73"
             "eb c2 c5 fd 4a bf da d0 5d 91 84 25 9b 5b f8 cd 4d 90 fa 0d 31 e2 de c4 79 e4 f1 a2"
             "60 66 f2 ee a9 a6 92 36 a3 e5 26 55 c9 e9 ae e6 91 c8 f3 a2 68 54 30 8d 5e aa 3b e8"
             "5e 09 90 70 3d 73 e5 6f");
}

/* The TLS 1.2 key block's layout (RFC 5246 6.3): the client and server keys are the
 * PRF's output in order, so the ciphers must hold exactly those bytes. */
static void test_tls12_key_block(void)
{
  guint8 master[48], cr[32], sr[32], seed[64], block[2 * (16 + 4)];
  for (guint i = 0; i < 48; i++)
    master[i] = (guint8) (i * 7);
  for (guint i = 0; i < 32; i++) {
    cr[i] = (guint8) i;
    sr[i] = (guint8) (0xa0 + i);
  }
  memcpy(seed, sr, 32);
  memcpy(seed + 32, cr, 32);
  g_assert_true(wt_tls12_prf(WT_TLS_HASH_SHA256, master, 48, "key expansion", seed, 64, block,
                             sizeof block));
  WtTlsCipher c = { 0 }, s = { 0 };
  g_assert_true(wt_tls_cipher_init12(&c, &s, wt_tls_suite_lookup(0xc02f), master, cr, sr, FALSE));
  g_assert_cmpmem(c.key, c.key_len, block, 16);
  g_assert_cmpmem(s.key, s.key_len, block + 16, 16);
  g_assert_cmpmem(c.iv, c.iv_len, block + 32, 4);
  g_assert_cmpmem(s.iv, s.iv_len, block + 36, 4);
  wt_tls_cipher_clear(&c);
  wt_tls_cipher_clear(&s);
}

static const char keylog_text[] =
  "# comment\n"
  "CLIENT_RANDOM 0101010101010101010101010101010101010101010101010101010101010101 "
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\n"
  "SERVER_TRAFFIC_SECRET_0 0202020202020202020202020202020202020202020202020202020202020202 "
  "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643\r\n"
  "EXPORTER_SECRET 0202020202020202020202020202020202020202020202020202020202020202 "
  "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643\n"
  "CLIENT_RANDOM 03 0011\n"
  "CLIENT_RANDOM zz02020202020202020202020202020202020202020202020202020202020202 "
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\n"
  "\n";

static void test_keylog_text(void)
{
  g_autoptr(WtTlsKeylog) k = wt_tls_keylog_new();
  guint8 r1[32], r2[32], out[48];
  gsize len = 0;
  memset(r1, 1, 32);
  memset(r2, 2, 32);
  wt_tls_keylog_add_text(k, keylog_text, strlen(keylog_text));
  g_assert_cmpuint(wt_tls_keylog_size(k), ==, 2);
  g_assert_cmpuint(wt_tls_keylog_bad_lines(k), ==, 2);
  g_assert_true(wt_tls_keylog_lookup(k, r1, WT_TLS_KEY_MASTER, out, &len));
  g_assert_cmpuint(len, ==, 48);
  for (guint i = 0; i < 48; i++)
    g_assert_cmpuint(out[i], ==, i);
  g_assert_false(wt_tls_keylog_lookup(k, r1, WT_TLS_KEY_CLIENT_TRAFFIC_0, out, &len));
  g_assert_true(wt_tls_keylog_lookup(k, r2, WT_TLS_KEY_SERVER_TRAFFIC_0, out, &len));
  assert_hex(out, len, S_AP_SECRET);
}

/* A followed file: a key appended after the file was opened is found on the next lookup
 * that misses (a browser writes the key just before it uses it). */
static void test_keylog_follow(void)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp("wt-keylog-XXXXXX", &path, NULL);
  g_assert_cmpint(fd, >=, 0);
  const char *first = "CLIENT_RANDOM 0101010101010101010101010101010101010101010101010101010101010101 "
                      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\n"
                      "CLIENT_RANDOM 0202";
  g_assert_cmpint(write(fd, first, strlen(first)), ==, (gssize) strlen(first));
  g_autoptr(WtTlsKeylog) k = wt_tls_keylog_new();
  gboolean world = TRUE;
  g_autoptr(GError) error = NULL;
  g_assert_true(fchmod(fd, 0600) == 0);
  g_assert_true(wt_tls_keylog_add_file(k, path, &world, &error));
  g_assert_false(world);
  guint8 r2[32], out[48];
  gsize len = 0;
  memset(r2, 2, 32);
  g_assert_cmpuint(wt_tls_keylog_size(k), ==, 1);
  g_assert_false(wt_tls_keylog_lookup(k, r2, WT_TLS_KEY_MASTER, out, &len));
  const char *rest = "020202020202020202020202020202020202020202020202020202020202 "
                     "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\n";
  g_assert_cmpint(write(fd, rest, strlen(rest)), ==, (gssize) strlen(rest));
  g_assert_true(wt_tls_keylog_lookup(k, r2, WT_TLS_KEY_MASTER, out, &len));
  g_assert_cmpuint(out[0], ==, 0xff);
  g_assert_cmpuint(wt_tls_keylog_bad_lines(k), ==, 0);
  close(fd);
  g_unlink(path);
  g_assert_false(wt_tls_keylog_add_file(k, "/nonexistent/keylog", NULL, &error));
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, "/nonexistent/keylog"));
}

/* A key log file larger than one read of it (64 KiB), with a line of 100,000 characters
 * across two reads: every client random written is found, the long line is one bad line,
 * and the lines after it are read. */
static void test_keylog_blocks(void)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp("wt-keylog-XXXXXX", &path, NULL);
  g_assert_cmpint(fd, >=, 0);
  g_autoptr(GString) text = g_string_new(NULL);
  const guint n = 3000; /* ~ 180 bytes each: 540 KB */
  for (guint i = 0; i < n; i++) {
    if (i == n / 2) {
      g_string_append(text, "CLIENT_RANDOM ");
      for (guint j = 0; j < 100000; j++)
        g_string_append_c(text, 'a');
      g_string_append_c(text, '\n');
    }
    g_string_append_printf(text, "CLIENT_RANDOM %08x%056x %096x\n", i, 0, i + 1);
  }
  g_assert_cmpint(write(fd, text->str, text->len), ==, (gssize) text->len);
  close(fd);
  g_autoptr(WtTlsKeylog) k = wt_tls_keylog_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(wt_tls_keylog_add_file(k, path, NULL, &error));
  g_assert_cmpuint(wt_tls_keylog_size(k), ==, n);
  g_assert_cmpuint(wt_tls_keylog_bad_lines(k), ==, 1);
  guint8 random[32] = { 0 }, out[48];
  gsize len = 0;
  guint last = n - 1;
  random[0] = (guint8) (last >> 24), random[1] = (guint8) (last >> 16);
  random[2] = (guint8) (last >> 8), random[3] = (guint8) last;
  g_assert_true(wt_tls_keylog_lookup(k, random, WT_TLS_KEY_MASTER, out, &len));
  g_assert_cmpuint(len, ==, 48);
  g_assert_cmpuint(out[46], ==, (guint8) (n >> 8));
  g_assert_cmpuint(out[47], ==, (guint8) n);
  g_unlink(path);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/tls-crypto/rfc8448-traffic-keys", test_rfc8448_traffic_keys);
  g_test_add_func("/tls-crypto/expand-label-limits", test_rfc8448_expand_label_info);
  g_test_add_func("/tls-crypto/rfc8448-client-finished", test_rfc8448_client_finished);
  g_test_add_func("/tls-crypto/rfc8448-application-data", test_rfc8448_application_data);
  g_test_add_func("/tls-crypto/key-update", test_key_update);
  g_test_add_func("/tls-crypto/tls12-prf", test_tls12_prf);
  g_test_add_func("/tls-crypto/tls12-key-block", test_tls12_key_block);
  g_test_add_func("/tls-crypto/keylog-text", test_keylog_text);
  g_test_add_func("/tls-crypto/keylog-blocks", test_keylog_blocks);
  g_test_add_func("/tls-crypto/keylog-follow", test_keylog_follow);
  return g_test_run();
}
