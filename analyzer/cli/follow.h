/* --follow: the bytes of chosen TCP connections as the application layer gets them
 * (reassembled, in order, each byte once, bytes never seen left out). With a directory:
 * one file per direction, named as tcpflow names them,
 * "<uid>-<sender addr>.<port>-<receiver addr>.<port>"; without one: both directions on
 * standard output, each chunk under a "==> <uid> <sender> -> <receiver>, N bytes" line. */
#pragma once
#include <glib.h>
#include "analyzer/core/stream.h"

typedef struct WtFollow WtFollow;

/* Create the --follow directory (and its parents) if needed. */
gboolean wt_follow_make_dir(const char *dir, GError **error);
/* Start following one connection into `dir` (NULL: standard output). A file that cannot
 * be created is reported on standard error, and its direction is not written. */
WtFollow *wt_follow_open(const char *dir, const WtConnInfo *info);
/* The next `len` bytes of direction `dir`; info gives the current roles. */
void wt_follow_write(WtFollow *f, const WtConnInfo *info, WtDir dir, const guint8 *data,
                     gsize len);
void wt_follow_close(WtFollow *f);
