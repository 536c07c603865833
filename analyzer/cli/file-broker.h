/* The output files of a run that gives up root (-Z): a broker process keeps root, creates
 * each temporary file in the directory the user named and renames it there when complete,
 * for the unprivileged capture process, which only ever holds the descriptors. Without it
 * the unprivileged user could not create or rename a name in, say, the invoking user's
 * home directory (a descriptor of the directory does not give that right after the drop).
 *
 * The broker serves only the directories and names registered before it starts (the
 * report, -w, --log-dir's logs, the CSV files, --follow streams); the files get the owner
 * given (sudo: the invoking user). When the capture process ends without committing a file
 * (killed), the broker removes its temporary file: nothing partial is left. */
#pragma once
#include <glib.h>
#include <sys/types.h>

typedef struct WtFileBroker WtFileBroker;

WtFileBroker *wt_file_broker_new(void);
/* A broker that was not started (a started one lives as long as the process). */
void wt_file_broker_free(WtFileBroker *b);
/* Files created by the broker go to uid:gid (otherwise they stay root's). */
void wt_file_broker_set_owner(WtFileBroker *b, uid_t uid, gid_t gid);
/* Serve DIR: the one file NAME (name != NULL), or files ending in SUFFIX (suffix != NULL),
 * or any name (both NULL). Names starting with '.' or holding '/' are never served. */
void wt_file_broker_allow(WtFileBroker *b, const char *dir, const char *name,
                          const char *suffix);
/* Would the broker serve NAME in DIR? (The broker checks again on its side.) */
gboolean wt_file_broker_serves(const WtFileBroker *b, const char *dir, const char *name);
/* Fork the broker (before any thread exists) and route atomic files through it. */
gboolean wt_file_broker_start(WtFileBroker *b, GError **error);
