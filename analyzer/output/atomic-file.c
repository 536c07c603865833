#include "analyzer/output/atomic-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

struct WtAtomicFile {
  char *path;
  char *temp;      /* NULL: written in place (a device or a pipe: nothing to rename) */
  FILE *stream;
};

/* The files not yet committed, for wt_atomic_files_chown_all. Opened and closed on the main
 * thread only; the lock is cheap insurance. */
G_LOCK_DEFINE_STATIC(open_files);
static GPtrArray *open_files;

static void track(WtAtomicFile *f, gboolean add)
{
  G_LOCK(open_files);
  if (add) {
    if (!open_files)
      open_files = g_ptr_array_new();
    g_ptr_array_add(open_files, f);
  } else if (open_files) {
    g_ptr_array_remove_fast(open_files, f);
    if (open_files->len == 0)
      g_clear_pointer(&open_files, g_ptr_array_unref);
  }
  G_UNLOCK(open_files);
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
  return f; /* not tracked: -Z must not chown a device */
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
  g_autofree char *name = g_strdup_printf(".%s.XXXXXX", base);
  char *temp = g_build_filename(dir, name, NULL);
  int fd = g_mkstemp_full(temp, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0) {
    int e = errno;
    g_free(temp);
    return open_failed(path, e, error);
  }
  WtAtomicFile *f = g_new0(WtAtomicFile, 1);
  f->path = g_strdup(real);
  f->temp = temp;
  f->stream = fdopen(fd, "w");
  if (!f->stream) {
    int e = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                _("%s: cannot create the file: %s"), path, g_strerror(e));
    close(fd);
    g_unlink(temp);
    g_free(f->path);
    g_free(f->temp);
    g_free(f);
    return NULL;
  }
  track(f, TRUE);
  return f;
}

FILE *wt_atomic_file_stream(WtAtomicFile *f) { return f->stream; }
const char *wt_atomic_file_path(const WtAtomicFile *f) { return f->path; }
const char *wt_atomic_file_temp_path(const WtAtomicFile *f) { return f->temp; }

static void free_file(WtAtomicFile *f)
{
  if (f->temp)
    track(f, FALSE);
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
      g_unlink(f->temp);
    free_file(f);
    return FALSE;
  }
  if (f->temp && g_rename(f->temp, f->path) != 0) {
    e = errno;
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
    g_unlink(f->temp);
  free_file(f);
}

gboolean wt_atomic_files_chown_all(uid_t uid, gid_t gid, GError **error)
{
  gboolean ok = TRUE;
  G_LOCK(open_files);
  for (guint i = 0; open_files && i < open_files->len && ok; i++) {
    WtAtomicFile *f = g_ptr_array_index(open_files, i);
    if (fchown(fileno(f->stream), uid, gid) != 0) {
      int e = errno;
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                  _("%s: cannot give the file to the unprivileged user: %s"), f->temp,
                  g_strerror(e));
      ok = FALSE;
    }
  }
  G_UNLOCK(open_files);
  return ok;
}
