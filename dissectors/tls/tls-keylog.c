/* NSS key log store: parsing, the random -> secrets table, following files as they grow. */
#include "dissectors/tls/tls-keylog.h"
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <openssl/crypto.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RANDOM_LEN 32
#define MAX_LINE 512   /* the longest real line is ~ 30 + 64 + 96 characters */
#define READ_BLOCK 65536  /* bytes of the file read at a time */

typedef struct {
  guint8 len[WT_TLS_N_KEYS];  /* 0: not known */
  guint8 secret[WT_TLS_N_KEYS][48];
} Entry;

typedef struct {
  int fd;
  off_t done;       /* bytes up to the end of the last complete line read */
} Followed;

struct WtTlsKeylog {
  GMutex lock;
  GHashTable *by_random;  /* guint8[32] -> Entry */
  GArray *files;          /* Followed */
  GHashTable *resumable;  /* GBytes (kind, id) -> guint8[48] master secret */
  guint64 bad_lines;
  gboolean live;
};

static const struct {
  const char *label;
  WtTlsKeyKind kind;
} labels[] = {
  { "CLIENT_RANDOM", WT_TLS_KEY_MASTER },
  { "CLIENT_HANDSHAKE_TRAFFIC_SECRET", WT_TLS_KEY_CLIENT_HANDSHAKE },
  { "SERVER_HANDSHAKE_TRAFFIC_SECRET", WT_TLS_KEY_SERVER_HANDSHAKE },
  { "CLIENT_TRAFFIC_SECRET_0", WT_TLS_KEY_CLIENT_TRAFFIC_0 },
  { "SERVER_TRAFFIC_SECRET_0", WT_TLS_KEY_SERVER_TRAFFIC_0 },
};

static guint random_hash(gconstpointer p)
{
  guint h;
  memcpy(&h, p, sizeof h);  /* randoms are random */
  return h;
}

static gboolean random_equal(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, RANDOM_LEN) == 0;
}

static void entry_free(gpointer p)
{
  OPENSSL_cleanse(p, sizeof(Entry));
  g_free(p);
}

static void master_free(gpointer p)
{
  OPENSSL_cleanse(p, 48);
  g_free(p);
}

static GBytes *resume_key(WtTlsResumeKind kind, const guint8 *id, gsize len)
{
  guint8 buf[1 + 64];
  buf[0] = (guint8) kind;
  len = MIN(len, (gsize) 64);
  memcpy(buf + 1, id, len);
  return g_bytes_new(buf, 1 + len);
}

void wt_tls_keylog_remember(WtTlsKeylog *k, WtTlsResumeKind kind, const guint8 *id, gsize len,
                            const guint8 master[48])
{
  if (!k || len == 0)
    return;
  g_mutex_lock(&k->lock);
  if (g_hash_table_size(k->resumable) < WT_TLS_MAX_RESUMABLE)
    g_hash_table_replace(k->resumable, resume_key(kind, id, len), g_memdup2(master, 48));
  g_mutex_unlock(&k->lock);
}

gboolean wt_tls_keylog_resume(WtTlsKeylog *k, WtTlsResumeKind kind, const guint8 *id, gsize len,
                              guint8 master[48])
{
  if (!k || len == 0)
    return FALSE;
  g_autoptr(GBytes) key = resume_key(kind, id, len);
  g_mutex_lock(&k->lock);
  const guint8 *m = g_hash_table_lookup(k->resumable, key);
  if (m)
    memcpy(master, m, 48);
  g_mutex_unlock(&k->lock);
  return m != NULL;
}

WtTlsKeylog *wt_tls_keylog_new(void)
{
  WtTlsKeylog *k = g_new0(WtTlsKeylog, 1);
  g_mutex_init(&k->lock);
  k->by_random = g_hash_table_new_full(random_hash, random_equal, g_free, entry_free);
  k->files = g_array_new(FALSE, FALSE, sizeof(Followed));
  k->resumable = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                       (GDestroyNotify) g_bytes_unref, master_free);
  return k;
}

void wt_tls_keylog_free(WtTlsKeylog *k)
{
  if (!k)
    return;
  for (guint i = 0; i < k->files->len; i++)
    close(g_array_index(k->files, Followed, i).fd);
  g_array_free(k->files, TRUE);
  g_hash_table_destroy(k->by_random);
  g_hash_table_destroy(k->resumable);
  g_mutex_clear(&k->lock);
  g_free(k);
}

/* --- parsing ------------------------------------------------------------------------ */

static int hex_value(char c)
{
  return g_ascii_xdigit_value(c);
}

/* Exactly 2*n hex digits at p (p_len characters). */
static gboolean hex_decode(const char *p, gsize p_len, guint8 *out, gsize n)
{
  if (p_len != 2 * n)
    return FALSE;
  for (gsize i = 0; i < n; i++) {
    int hi = hex_value(p[2 * i]), lo = hex_value(p[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return FALSE;
    out[i] = (guint8) (hi << 4 | lo);
  }
  return TRUE;
}

/* The next space-separated field of [*p, end). */
static gboolean next_field(const char **p, const char *end, const char **f, gsize *n)
{
  while (*p < end && (**p == ' ' || **p == '\t'))
    (*p)++;
  *f = *p;
  while (*p < end && **p != ' ' && **p != '\t')
    (*p)++;
  *n = (gsize) (*p - *f);
  return *n > 0;
}

static void add_line(WtTlsKeylog *k, const char *p, const char *end)
{
  while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
    end--;
  if (p == end || *p == '#')
    return;
  const char *label, *rnd, *sec, *extra;
  gsize label_n, rnd_n, sec_n, extra_n;
  if (!next_field(&p, end, &label, &label_n) || !next_field(&p, end, &rnd, &rnd_n) ||
      !next_field(&p, end, &sec, &sec_n) || next_field(&p, end, &extra, &extra_n)) {
    k->bad_lines++;
    return;
  }
  int kind = -1;
  for (gsize i = 0; i < G_N_ELEMENTS(labels); i++)
    if (strlen(labels[i].label) == label_n && memcmp(labels[i].label, label, label_n) == 0)
      kind = (int) labels[i].kind;
  if (kind < 0)
    return;  /* EXPORTER_SECRET, early data, RSA ... : not used */
  guint8 random[RANDOM_LEN], secret[48];
  gsize secret_len = sec_n / 2;
  gboolean ok = hex_decode(rnd, rnd_n, random, RANDOM_LEN) &&
                (kind == WT_TLS_KEY_MASTER ? secret_len == 48
                                           : secret_len == 32 || secret_len == 48) &&
                hex_decode(sec, sec_n, secret, secret_len);
  if (!ok) {
    k->bad_lines++;
    return;
  }
  Entry *e = g_hash_table_lookup(k->by_random, random);
  if (!e) {
    e = g_new0(Entry, 1);
    g_hash_table_insert(k->by_random, g_memdup2(random, RANDOM_LEN), e);
  }
  memcpy(e->secret[kind], secret, secret_len);
  e->len[kind] = (guint8) secret_len;
  OPENSSL_cleanse(secret, sizeof secret);
}

/* Adds the complete lines of text; returns the bytes they span (a partial last line is
 * left, unless `final`). */
static gsize add_lines(WtTlsKeylog *k, const char *text, gsize len, gboolean final)
{
  gsize start = 0;
  for (gsize i = 0; i < len; i++)
    if (text[i] == '\n') {
      if (i - start <= MAX_LINE)
        add_line(k, text + start, text + i);
      else
        k->bad_lines++;
      start = i + 1;
    }
  if (final && start < len) {
    add_line(k, text + start, text + len);
    start = len;
  }
  return start;
}

void wt_tls_keylog_add_text(WtTlsKeylog *k, const char *text, gsize len)
{
  g_mutex_lock(&k->lock);
  add_lines(k, text, len, TRUE);
  g_mutex_unlock(&k->lock);
}

/* Up to `want` bytes of the file at `at`; how many were read. */
static gsize read_at(int fd, char *buf, gsize want, off_t at)
{
  gsize got = 0;
  while (got < want) {
    ssize_t n = pread(fd, buf + got, want - got, at + (off_t) got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (gsize) n;
  }
  return got;
}

/* A line with no end in a whole block is far over MAX_LINE: counted bad and skipped up to
 * its end. FALSE (nothing skipped) when the file ends before the line does: it may still be
 * growing. */
static gboolean skip_long_line(WtTlsKeylog *k, Followed *f, char *buf, off_t size)
{
  for (off_t at = f->done; at < size;) {
    gsize got = read_at(f->fd, buf, MIN((gsize) (size - at), (gsize) READ_BLOCK), at);
    if (got == 0)
      return FALSE;
    const char *nl = memchr(buf, '\n', got);
    if (nl) {
      k->bad_lines++;
      f->done = at + (off_t) (nl - buf) + 1;
      return TRUE;
    }
    at += (off_t) got;
  }
  return FALSE;
}

/* Reads what a followed file gained since the last complete line, a block at a time: a
 * key log of millions of lines costs its table, not also a copy of the file. */
static gboolean read_more(WtTlsKeylog *k, Followed *f)
{
  struct stat st;
  if (fstat(f->fd, &st) != 0 || st.st_size <= f->done)
    return FALSE;
  g_autofree char *buf = g_malloc(READ_BLOCK);
  gboolean grew = FALSE;
  while (f->done < st.st_size) {
    gsize want = MIN((gsize) (st.st_size - f->done), (gsize) READ_BLOCK);
    gsize got = read_at(f->fd, buf, want, f->done);
    gsize used = add_lines(k, buf, got, FALSE);
    OPENSSL_cleanse(buf, got);
    f->done += (off_t) used;
    grew |= used > 0;
    if (used == 0 && (got < READ_BLOCK || !skip_long_line(k, f, buf, st.st_size)))
      break; /* a partial last line (the writer is not done with it), or a read error */
  }
  OPENSSL_cleanse(buf, READ_BLOCK);
  return grew;
}

gboolean wt_tls_keylog_add_file(WtTlsKeylog *k, const char *path, gboolean *world_readable,
                                GError **error)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                _("%s: cannot read the TLS key log: %s"), path, g_strerror(e));
    return FALSE;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                _("%s: the TLS key log is not a file (name an SSLKEYLOGFILE)"), path);
    return FALSE;
  }
  if (world_readable)
    *world_readable = (st.st_mode & S_IROTH) != 0;
  Followed f = { fd, 0 };
  g_mutex_lock(&k->lock);
  g_array_append_val(k->files, f);
  read_more(k, &g_array_index(k->files, Followed, k->files->len - 1));
  g_mutex_unlock(&k->lock);
  return TRUE;
}

static gboolean find(WtTlsKeylog *k, const guint8 random[32], WtTlsKeyKind kind, guint8 *out,
                     gsize *len)
{
  const Entry *e = g_hash_table_lookup(k->by_random, random);
  if (!e || !e->len[kind])
    return FALSE;
  memcpy(out, e->secret[kind], e->len[kind]);
  *len = e->len[kind];
  return TRUE;
}

gboolean wt_tls_keylog_lookup(WtTlsKeylog *k, const guint8 random[32], WtTlsKeyKind kind,
                              guint8 *out, gsize *len)
{
  if (!k)
    return FALSE;
  g_mutex_lock(&k->lock);
  gboolean ok = find(k, random, kind, out, len);
  if (!ok) {
    gboolean grew = FALSE;
    for (guint i = 0; i < k->files->len; i++)
      grew |= read_more(k, &g_array_index(k->files, Followed, i));
    ok = grew && find(k, random, kind, out, len);
  }
  g_mutex_unlock(&k->lock);
  return ok;
}

void wt_tls_keylog_set_live(WtTlsKeylog *k, gboolean live)
{
  k->live = live;
}

gboolean wt_tls_keylog_is_live(WtTlsKeylog *k)
{
  return k && k->live;
}

guint wt_tls_keylog_size(WtTlsKeylog *k)
{
  g_mutex_lock(&k->lock);
  guint n = g_hash_table_size(k->by_random);
  g_mutex_unlock(&k->lock);
  return n;
}

guint64 wt_tls_keylog_bad_lines(WtTlsKeylog *k)
{
  g_mutex_lock(&k->lock);
  guint64 n = k->bad_lines;
  g_mutex_unlock(&k->lock);
  return n;
}

static WtTlsKeylog *current;

void wt_tls_keylog_use(WtTlsKeylog *k)
{
  g_atomic_pointer_set(&current, k);
}

WtTlsKeylog *wt_tls_keylog_current(void)
{
  return g_atomic_pointer_get(&current);
}
