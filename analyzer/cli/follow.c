/* --follow files or standard output. See follow.h. */
#include "analyzer/cli/follow.h"
#include "analyzer/output/atomic-file.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>

struct WtFollow {
  FILE *out[2]; /* per WtDir; both stdout without a directory; NULL: not written */
  WtAtomicFile *file[2]; /* with a directory: complete under its name when closed */
};

gboolean wt_follow_make_dir(const char *dir, GError **error)
{
  if (g_mkdir_with_parents(dir, 0755) == 0)
    return TRUE;
  g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
              _("%s: cannot create the --follow directory: %s"), dir, g_strerror(errno));
  return FALSE;
}

static WtAtomicFile *open_direction(const char *dir, const WtConnInfo *ci, WtDir d)
{
  char a[64], b[64];
  gboolean o = d == WT_DIR_ORIG;
  wt_addr_to_string(o ? &ci->orig_h : &ci->resp_h, a, sizeof a);
  wt_addr_to_string(o ? &ci->resp_h : &ci->orig_h, b, sizeof b);
  g_autofree char *name = g_strdup_printf("%s-%s.%u-%s.%u", ci->uid, a,
                                          o ? ci->orig_p : ci->resp_p, b,
                                          o ? ci->resp_p : ci->orig_p);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  WtAtomicFile *f = wt_atomic_file_new(path, NULL);
  if (!f)
    g_printerr(_("wiretab: %s: cannot write followed stream: %s\n"), path, g_strerror(errno));
  return f;
}

WtFollow *wt_follow_open(const char *dir, const WtConnInfo *info)
{
  WtFollow *f = g_new0(WtFollow, 1);
  for (int d = 0; d < 2; d++) {
    if (dir) {
      f->file[d] = open_direction(dir, info, (WtDir) d);
      f->out[d] = f->file[d] ? wt_atomic_file_stream(f->file[d]) : NULL;
    } else {
      f->out[d] = stdout;
    }
  }
  return f;
}

void wt_follow_write(WtFollow *f, const WtConnInfo *info, WtDir dir, const guint8 *data,
                     gsize len)
{
  FILE *out = f->out[dir];
  if (!out)
    return;
  if (out == stdout) {
    char a[64], b[64];
    gboolean o = dir == WT_DIR_ORIG;
    fprintf(out, "\n==> %s %s:%u -> %s:%u, %zu bytes\n", info->uid,
            wt_addr_to_string(o ? &info->orig_h : &info->resp_h, a, sizeof a),
            o ? info->orig_p : info->resp_p,
            wt_addr_to_string(o ? &info->resp_h : &info->orig_h, b, sizeof b),
            o ? info->resp_p : info->orig_p, len);
  }
  fwrite(data, 1, len, out);
}

void wt_follow_close(WtFollow *f)
{
  if (!f)
    return;
  for (int d = 0; d < 2; d++) {
    g_autoptr(GError) error = NULL;
    if (f->file[d] && !wt_atomic_file_commit(f->file[d], &error))
      g_printerr("wiretab: %s\n", error->message);
  }
  g_free(f);
}
