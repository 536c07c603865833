#include "analyzer/output/atomic-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

struct WtAtomicFile {
  char *path;
  char *temp;      /* NULL: written in place (a device or a pipe: nothing to rename) */
  FILE *stream;
  int dirfd;       /* the directory, for renameat/unlinkat; -1 with a broker or in place */
  char *name;      /* NAME and .NAME.XXXXXX in that directory */
  char *temp_name;
  gboolean brokered;
  guint broker_id;
};

static WtAtomicBroker broker;
static gboolean have_broker, have_owner;
static uid_t owner_uid;
static gid_t owner_gid;

void wt_atomic_files_set_broker(const WtAtomicBroker *b)
{
  have_broker = b != NULL;
  if (b)
    broker = *b;
}

void wt_atomic_files_set_owner(uid_t uid, gid_t gid)
{
  have_owner = TRUE;
  owner_uid = uid;
  owner_gid = gid;
}

static WtAtomicFile *open_failed(const char *path, int e, GError **error)
{
  g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
              _("%s: cannot create the file: %s; check that the directory exists and is "
                "writable"), path, g_strerror(e));
  errno = e; /* for callers that word their own message */
  return NULL;
}

/* -o /dev/null, -w /dev/stdout, a named pipe: written in place, never replaced. */
static WtAtomicFile *open_in_place(const char *path, GError **error)
{
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  FILE *stream = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!stream) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    return open_failed(path, e, error);
  }
  WtAtomicFile *f = g_new0(WtAtomicFile, 1);
  f->path = g_strdup(path);
  f->stream = stream;
  f->dirfd = -1;
  return f;
}

/* A symbolic link stays one: its target (which may not exist yet) is what gets replaced.
 * NULL when `path` is not a link. */
static char *link_target(const char *path)
{
  char *cur = NULL;
  for (int hops = 0; hops < 40; hops++) { /* 40: the kernel's limit (ELOOP) */
    const char *from = cur ? cur : path;
    if (!g_file_test(from, G_FILE_TEST_IS_SYMLINK))
      break;
    char *to = g_file_read_link(from, NULL);
    if (!to)
      break;
    if (!g_path_is_absolute(to)) {
      g_autofree char *dir = g_path_get_dirname(from);
      char *abs = g_build_filename(dir, to, NULL);
      g_free(to);
      to = abs;
    }
    g_free(cur);
    cur = to;
  }
  return cur;
}

WtAtomicFile *wt_atomic_file_new(const char *path, GError **error)
{
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return open_failed(path, EISDIR, error);
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
    return open_in_place(path, error);
  g_autofree char *target = link_target(path);
  const char *real = target ? target : path;
  g_autofree char *dir = g_path_get_dirname(real);
  g_autofree char *base = g_path_get_basename(real);
  WtAtomicFile *f = g_new0(WtAtomicFile, 1);
  f->dirfd = -1;
  int fd = -2;
  if (have_broker)
    fd = broker.create(broker.data, dir, base, &f->temp, &f->broker_id);
  if (fd >= 0) {
    f->brokered = TRUE;
  } else if (fd == -2) {
    f->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    f->temp_name = g_strdup_printf(".%s.XXXXXX", base);
    fd = -1;
    for (int tries = 0; f->dirfd >= 0 && fd < 0 && tries < 100; tries++) {
      static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
      char *x = f->temp_name + strlen(f->temp_name) - 6;
      for (int i = 0; i < 6; i++)
        x[i] = chars[g_random_int_range(0, (int) sizeof chars - 1)];
      fd = openat(f->dirfd, f->temp_name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0666);
      if (fd < 0 && errno != EEXIST)
        break;
    }
    if (fd >= 0)
      f->temp = g_build_filename(dir, f->temp_name, NULL);
    if (fd >= 0 && have_owner && fchown(fd, owner_uid, owner_gid) != 0) {
      int e = errno;
      unlinkat(f->dirfd, f->temp_name, 0);
      close(fd);
      fd = -1;
      errno = e;
    }
  }
  if (fd < 0) {
    int e = errno;
    if (f->dirfd >= 0)
      close(f->dirfd);
    g_free(f->temp_name);
    g_free(f->temp);
    g_free(f);
    return open_failed(path, e, error);
  }
  f->path = g_strdup(real);
  f->name = g_strdup(base);
  f->stream = fdopen(fd, "w");
  if (!f->stream) {
    int e = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                _("%s: cannot create the file: %s"), path, g_strerror(e));
    close(fd);
    wt_atomic_file_discard(f);
    return NULL;
  }
  return f;
}

FILE *wt_atomic_file_stream(WtAtomicFile *f) { return f->stream; }
const char *wt_atomic_file_path(const WtAtomicFile *f) { return f->path; }
const char *wt_atomic_file_temp_path(const WtAtomicFile *f) { return f->temp; }

static void remove_temp(WtAtomicFile *f)
{
  if (f->brokered)
    broker.discard(broker.data, f->broker_id);
  else if (f->dirfd >= 0 && f->temp_name)
    unlinkat(f->dirfd, f->temp_name, 0);
}

static void free_file(WtAtomicFile *f)
{
  if (f->dirfd >= 0)
    close(f->dirfd);
  g_free(f->name);
  g_free(f->temp_name);
  g_free(f->path);
  g_free(f->temp);
  g_free(f);
}

gboolean wt_atomic_file_commit(WtAtomicFile *f, GError **error)
{
  /* A write that failed earlier (the writers do not check each fputs) left the error flag;
   * the flush retries what is buffered and usually gives the reason (ENOSPC) again. */
  gboolean failed = ferror(f->stream) != 0;
  errno = 0;
  if (fflush(f->stream) != 0 || (f->temp && fsync(fileno(f->stream)) != 0))
    failed = TRUE;
  int e = errno;
  struct statvfs vfs;
  if (failed && !e) /* the failed write's errno is gone: a full disk is the usual cause */
    e = fstatvfs(fileno(f->stream), &vfs) == 0 && vfs.f_bavail == 0 ? ENOSPC : EIO;
  if (fclose(f->stream) != 0 && !failed) {
    failed = TRUE;
    e = errno;
  }
  f->stream = NULL;
  if (failed) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                _("%s: cannot write: %s; the incomplete file was removed"), f->path,
                g_strerror(e));
    if (f->temp)
      remove_temp(f);
    free_file(f);
    return FALSE;
  }
  if (f->brokered)
    e = broker.commit(broker.data, f->broker_id);
  else if (f->temp)
    e = renameat(f->dirfd, f->temp_name, f->dirfd, f->name) == 0 ? 0 : errno;
  if (f->temp && e != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                _("%s: cannot rename the complete file to it (%s); it stays as %s"), f->path,
                g_strerror(e), f->temp);
    free_file(f);
    return FALSE;
  }
  free_file(f);
  return TRUE;
}

void wt_atomic_file_discard(WtAtomicFile *f)
{
  if (!f)
    return;
  if (f->stream)
    fclose(f->stream);
  if (f->temp)
    remove_temp(f);
  free_file(f);
}
