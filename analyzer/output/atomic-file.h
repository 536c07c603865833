/* Output files written atomically (logs, -w, the report, CSV files, --follow streams): the
 * bytes go to a temporary file in the same directory, ".NAME.XXXXXX", created and renamed
 * to NAME relative to a descriptor of that directory (openat/renameat) once complete. A run
 * killed part-way (SIGKILL, power loss) leaves the temporary file, never a half-written
 * NAME; an existing NAME stays intact until the new one is complete.
 *
 * After -Z dropped root, the unprivileged process may not create or rename names in the
 * user's directory: a broker (analyzer/cli/file-broker.c, a process that keeps root) then
 * creates the temporary files, hands their descriptors over, and renames them on commit
 * (wt_atomic_files_set_broker). */
#pragma once
#include <glib.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct WtAtomicFile WtAtomicFile;

/* Creates the temporary file for `path` (mode 0666 minus the umask, as fopen "w" would).
 * The error names `path`. */
WtAtomicFile *wt_atomic_file_new(const char *path, GError **error);
/* Where to write (valid until commit or discard). */
FILE *wt_atomic_file_stream(WtAtomicFile *f);
const char *wt_atomic_file_path(const WtAtomicFile *f);
const char *wt_atomic_file_temp_path(const WtAtomicFile *f);
/* Flushes, syncs, closes and renames the file to its name; frees f. FALSE with error set:
 * - the data did not reach the disk (disk full, I/O error): the temporary file is removed;
 * - only the rename failed (e.g. no write permission on the directory after -Z dropped
 *   root): the complete file stays under its temporary name, which the message gives. */
gboolean wt_atomic_file_commit(WtAtomicFile *f, GError **error);
/* Closes and removes the temporary file; frees f. */
void wt_atomic_file_discard(WtAtomicFile *f);
/* Files created from now on (by this process) are given to uid:gid (sudo: the invoking
 * user). */
void wt_atomic_files_set_owner(uid_t uid, gid_t gid);

/* Who creates and renames the temporary files instead of this process. create: the
 * temporary file for NAME in DIR (both as wt_atomic_file_new computed them), its path in
 * *temp (g_free), a handle in *id; returns a writable descriptor, or -1 with errno set, or
 * -2 when the broker does not serve that directory (the file is then created here).
 * commit: rename it to its name, 0 or an errno. discard: remove it. */
typedef struct {
  int (*create)(gpointer data, const char *dir, const char *name, char **temp, guint *id);
  int (*commit)(gpointer data, guint id);
  void (*discard)(gpointer data, guint id);
  gpointer data;
} WtAtomicBroker;
/* NULL: create and rename here (the default). */
void wt_atomic_files_set_broker(const WtAtomicBroker *broker);
