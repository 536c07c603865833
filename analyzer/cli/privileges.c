#include "analyzer/cli/privileges.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

static gboolean running_as_root(void) { return getuid() == 0 || geteuid() == 0; }

gboolean wt_privileges_resolve(const char *user, gboolean live, WtPrivileges *p,
                               GError **error)
{
  memset(p, 0, sizeof *p);
  const char *name = user ? user : WT_PRIVILEGES_DEFAULT_USER;
  errno = 0;
  struct passwd *pw = getpwnam(name);
  if (user && !pw) {
    int e = errno;
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                _("-Z %s: no such user%s%s; give an existing unprivileged user, or -Z root "
                  "to keep root"), user, e ? ": " : "", e ? g_strerror(e) : "");
    return FALSE;
  }
  /* Like tcpdump: nothing to give up unless root; -Z root keeps root on purpose. The
   * default applies to live capture, where the process must start as root. */
  if (!running_as_root() || (!user && !live) || (pw && pw->pw_uid == 0))
    return TRUE;
  if (!pw) {
    p->notice = TRUE;
    return TRUE;
  }
  p->drop = TRUE;
  p->user = g_strdup(pw->pw_name);
  p->uid = pw->pw_uid;
  p->gid = pw->pw_gid;
  return TRUE;
}

static gboolean fail(GError **error, const WtPrivileges *p, const char *what, int e)
{
  g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
              _("cannot drop root privileges to user %s: %s failed: %s"), p->user, what,
              g_strerror(e));
  return FALSE;
}

gboolean wt_privileges_drop(const WtPrivileges *p, GError **error)
{
  if (!p->drop)
    return TRUE;
  /* Groups first: after setuid we could no longer change them. */
  if (initgroups(p->user, p->gid) != 0)
    return fail(error, p, "initgroups", errno);
  if (setgid(p->gid) != 0)
    return fail(error, p, "setgid", errno);
  if (setuid(p->uid) != 0)
    return fail(error, p, "setuid", errno);
  uid_t ru, eu, su;
  gid_t rg, eg, sg;
  if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
    return fail(error, p, "getresuid", errno);
  if (ru != p->uid || eu != p->uid || su != p->uid || rg != p->gid || eg != p->gid ||
      sg != p->gid)
    return fail(error, p, "setuid", EPERM);
  if (p->uid != 0 && setuid(0) == 0) /* a saved root id would let a bug take root back */
    return fail(error, p, "giving up root for good (setuid(0) still works)", EPERM);
  return TRUE;
}

void wt_privileges_clear(WtPrivileges *p)
{
  g_clear_pointer(&p->user, g_free);
}

static gboolean parse_id(const char *s, guint64 *v)
{
  return s && *s && g_ascii_string_to_unsigned(s, 10, 0, G_MAXUINT32 - 1, v, NULL);
}

gboolean wt_privileges_sudo_owner(uid_t *uid, gid_t *gid)
{
  guint64 u, g;
  if (!running_as_root() || !parse_id(g_getenv("SUDO_UID"), &u) ||
      !parse_id(g_getenv("SUDO_GID"), &g) || u == 0)
    return FALSE;
  *uid = (uid_t) u;
  *gid = (gid_t) g;
  return TRUE;
}
