/* Output files written atomically (logs, -w, the report): the bytes go to a temporary file
 * in the same directory, ".NAME.XXXXXX", renamed to NAME once complete. A run killed
 * part-way (SIGKILL, power loss) leaves the temporary file, never a half-written NAME; an
 * existing NAME stays intact until the new one is complete.
 *
 * Every open file is also in a process-wide list, so that -Z can hand them all to the
 * unprivileged user before dropping root (wt_atomic_files_chown_all). */
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
/* Every file not yet committed or discarded becomes the property of uid:gid (so the user
 * -Z switches to can still rename them, also in a sticky directory such as /tmp). */
gboolean wt_atomic_files_chown_all(uid_t uid, gid_t gid, GError **error);
