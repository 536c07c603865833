/* The capture layer hands a pcapng file's Decryption Secrets Blocks to on_secrets:
 * captures/https-keylog.dsb.pcapng was written by `editcap --inject-secrets
 * tls,https-keylog.keylog`, so the bytes delivered must be that key log file exactly, once,
 * before the first frame; the frames are the ones capinfos counted (its truth file). The
 * same file on a stream (a pipe, as standard input is read) delivers the same. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "analyzer/capture/capture.h"

#ifndef WT_SOURCE_ROOT
#error "WT_SOURCE_ROOT must be defined"
#endif

typedef struct {
  GByteArray *secrets;
  guint calls, frames, frames_before_secrets;
  guint32 type;
} Seen;

static void on_secrets(guint32 type, const guint8 *data, gsize len, gpointer user)
{
  Seen *s = user;
  s->calls++;
  s->type = type;
  s->frames_before_secrets = s->frames;
  g_byte_array_append(s->secrets, data, (guint) len);
}

static void on_frame(gpointer user, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                     const guint8 *bytes, int linktype)
{
  (void) ts_ns, (void) caplen, (void) wirelen, (void) bytes, (void) linktype;
  ((Seen *) user)->frames++;
}

static guint truth_frames(void)
{
  g_autofree char *path = g_build_filename(WT_SOURCE_ROOT, "captures",
                                           "https-keylog.dsb.truth.txt", NULL);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  const char *line = strstr(text, "\nframes ");
  g_assert_nonnull(line);
  return (guint) g_ascii_strtoull(line + 8, NULL, 10);
}

static void read_all(const char *path, Seen *s)
{
  WtCaptureOptions opts = { .on_secrets = on_secrets, .secrets_user = s };
  g_autoptr(GError) error = NULL;
  g_autoptr(WtCaptureSource) src = wt_capture_open_file(path, &opts, &error);
  g_assert_no_error(error);
  int n;
  while ((n = wt_capture_dispatch(src, -1, on_frame, s, &error)) > 0)
    ;
  g_assert_no_error(error);
  g_assert_cmpint(n, ==, 0);
}

static void check(const Seen *s)
{
  g_autofree char *keylog_path = g_build_filename(WT_SOURCE_ROOT, "captures",
                                                  "https-keylog.keylog", NULL);
  g_autofree char *keylog = NULL;
  gsize keylog_len = 0;
  g_assert_true(g_file_get_contents(keylog_path, &keylog, &keylog_len, NULL));
  g_assert_cmpuint(s->calls, ==, 1);
  g_assert_cmphex(s->type, ==, 0x544c534b);
  g_assert_cmpuint(s->frames_before_secrets, ==, 0);
  g_assert_cmpmem(s->secrets->data, s->secrets->len, keylog, keylog_len);
  g_assert_cmpuint(s->frames, ==, truth_frames());
}

static void test_dsb_file(void)
{
  g_autofree char *path = g_build_filename(WT_SOURCE_ROOT, "captures",
                                           "https-keylog.dsb.pcapng", NULL);
  Seen s = { .secrets = g_byte_array_new() };
  read_all(path, &s);
  check(&s);
  g_byte_array_unref(s.secrets);
}

/* Standard input is a stream: give the file through a pipe on fd 0 (a writer thread). */
typedef struct {
  int fd;
  char *data;
  gsize len;
} Writer;

static gpointer write_all(gpointer p)
{
  Writer *w = p;
  for (gsize off = 0; off < w->len;) {
    ssize_t n = write(w->fd, w->data + off, MIN(w->len - off, (gsize) 7919));
    g_assert_cmpint(n, >, 0);
    off += (gsize) n;
  }
  close(w->fd);
  return NULL;
}

static void test_dsb_stdin(void)
{
  g_autofree char *path = g_build_filename(WT_SOURCE_ROOT, "captures",
                                           "https-keylog.dsb.pcapng", NULL);
  Writer w = { 0 };
  g_assert_true(g_file_get_contents(path, &w.data, &w.len, NULL));
  int fds[2];
  g_assert_cmpint(pipe(fds), ==, 0);
  int saved = dup(STDIN_FILENO);
  g_assert_cmpint(dup2(fds[0], STDIN_FILENO), ==, STDIN_FILENO);
  close(fds[0]);
  w.fd = fds[1];
  GThread *t = g_thread_new("writer", write_all, &w);
  Seen s = { .secrets = g_byte_array_new() };
  read_all("-", &s);
  g_thread_join(t);
  dup2(saved, STDIN_FILENO);
  close(saved);
  check(&s);
  g_byte_array_unref(s.secrets);
  g_free(w.data);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/capture/pcapng/secrets-block", test_dsb_file);
  g_test_add_func("/capture/pcapng/secrets-block-stdin", test_dsb_stdin);
  return g_test_run();
}
