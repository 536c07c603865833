/* -Z: what the option resolves to, and (as root) that dropping really gives up root: all
 * three user and group ids become the target's, and setuid(0) fails afterwards. The drop
 * runs in a subprocess (g_test_trap_subprocess) so the test binary keeps its own ids.
 * Expected ids come from the password database (getpwnam("nobody")), not from wiretab. */
#include <errno.h>
#include <glib.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/cli/privileges.h"

static void test_unknown_user(void)
{
  WtPrivileges p;
  g_autoptr(GError) err = NULL;
  g_assert_false(wt_privileges_resolve("wt-no-such-user-zz", TRUE, &p, &err));
  g_assert_nonnull(err);
  g_assert_nonnull(strstr(err->message, "wt-no-such-user-zz"));
  g_assert_false(p.drop);
}

static void test_root_keeps_root(void)
{
  WtPrivileges p;
  g_autoptr(GError) err = NULL;
  g_assert_true(wt_privileges_resolve("root", TRUE, &p, &err));
  g_assert_false(p.drop);
  g_assert_false(p.notice);
  g_assert_true(wt_privileges_drop(&p, &err)); /* nothing to do */
  wt_privileges_clear(&p);
}

static void test_files_default_no_drop(void)
{
  /* -r without -Z: nothing is given up, and no notice */
  WtPrivileges p;
  g_assert_true(wt_privileges_resolve(NULL, FALSE, &p, NULL));
  g_assert_false(p.drop);
  g_assert_false(p.notice);
}

static void test_default_live(void)
{
  WtPrivileges p;
  g_assert_true(wt_privileges_resolve(NULL, TRUE, &p, NULL));
  struct passwd *pw = getpwnam(WT_PRIVILEGES_DEFAULT_USER);
  if (geteuid() != 0) {
    g_assert_false(p.drop); /* not root: nothing to give up */
    g_assert_false(p.notice);
  } else if (pw) {
    g_assert_true(p.drop);
    g_assert_cmpuint(p.uid, ==, pw->pw_uid);
    g_assert_cmpuint(p.gid, ==, pw->pw_gid);
  } else {
    g_assert_false(p.drop);
    g_assert_true(p.notice); /* stays root, says so */
  }
  wt_privileges_clear(&p);
}

static void test_drop_to_nobody(void)
{
  if (geteuid() != 0) {
    g_test_skip("needs root");
    return;
  }
  struct passwd *pw = getpwnam("nobody");
  if (!pw) {
    g_test_skip("no user nobody");
    return;
  }
  if (g_test_subprocess()) {
    WtPrivileges p;
    g_autoptr(GError) err = NULL;
    g_assert_true(wt_privileges_resolve("nobody", TRUE, &p, &err));
    g_assert_true(p.drop);
    g_assert_true(wt_privileges_drop(&p, &err));
    g_assert_no_error(err);
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    g_assert_cmpint(getresuid(&ru, &eu, &su), ==, 0);
    g_assert_cmpint(getresgid(&rg, &eg, &sg), ==, 0);
    g_assert_cmpuint(ru, ==, pw->pw_uid);
    g_assert_cmpuint(eu, ==, pw->pw_uid);
    g_assert_cmpuint(su, ==, pw->pw_uid);
    g_assert_cmpuint(rg, ==, pw->pw_gid);
    g_assert_cmpuint(eg, ==, pw->pw_gid);
    g_assert_cmpuint(sg, ==, pw->pw_gid);
    /* no supplementary group of root's survives */
    gid_t groups[256];
    int n = getgroups(256, groups);
    g_assert_cmpint(n, >=, 0);
    for (int i = 0; i < n; i++)
      g_assert_cmpuint(groups[i], !=, 0);
    /* root cannot be regained */
    errno = 0;
    g_assert_cmpint(setuid(0), ==, -1);
    g_assert_cmpint(errno, ==, EPERM);
    g_assert_cmpint(setgid(0), ==, -1);
    g_assert_cmpint(seteuid(0), ==, -1);
    wt_privileges_clear(&p);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/privileges/unknown-user", test_unknown_user);
  g_test_add_func("/privileges/root-keeps-root", test_root_keeps_root);
  g_test_add_func("/privileges/files-default-no-drop", test_files_default_no_drop);
  g_test_add_func("/privileges/default-live", test_default_live);
  g_test_add_func("/privileges/drop-to-nobody", test_drop_to_nobody);
  return g_test_run();
}
