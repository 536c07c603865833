#include "analyzer/cli/i18n.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>
#include <unistd.h>

static char *bound_dir;

/* The first of LC_ALL, LC_MESSAGES, LANG that is set and not empty (POSIX precedence). */
static const char *requested_messages_locale(void)
{
  const char *vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
  for (gsize i = 0; i < G_N_ELEMENTS(vars); i++) {
    const char *v = g_getenv(vars[i]);
    if (v && *v)
      return v;
  }
  return NULL;
}

/* The locale the user asked for is not installed: glibc would fall back to "C" and ignore
 * LANGUAGE. C.UTF-8 is always there (glibc >= 2.35) and honours LANGUAGE, so ask gettext
 * for the requested language by name ("zh_CN.UTF-8" -> LANGUAGE=zh_CN). */
static void fall_back_to_c_utf8(void)
{
  if (!setlocale(LC_ALL, "C.UTF-8"))
    return;
  const char *want = requested_messages_locale();
  if (!want || g_getenv("LANGUAGE") || strcmp(want, "C") == 0 || strcmp(want, "POSIX") == 0)
    return;
  g_autofree char *lang = g_strndup(want, strcspn(want, ".@"));
  if (*lang)
    g_setenv("LANGUAGE", lang, TRUE);
}

/* Running from the build tree (meson's analyzer/wiretab next to po/<lang>/LC_MESSAGES):
 * use the catalogues built there, so an uninstalled binary speaks the user's language. */
static char *build_tree_localedir(void)
{
  g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
  const char *root = WT_BUILD_ROOT;
  gsize n = strlen(root);
  if (!exe || strncmp(exe, root, n) != 0 || exe[n] != G_DIR_SEPARATOR)
    return NULL;
  char *dir = g_build_filename(root, "po", NULL);
  if (g_file_test(dir, G_FILE_TEST_IS_DIR))
    return dir;
  g_free(dir);
  return NULL;
}

void wt_i18n_init(const char *argv0)
{
  (void) argv0;
  if (!setlocale(LC_ALL, ""))
    fall_back_to_c_utf8();
  /* "%.6f" must print a decimal point in JSON and CSV whatever the language */
  setlocale(LC_NUMERIC, "C");

  const char *env = g_getenv("WIRETAB_LOCALEDIR");
  g_free(bound_dir);
  if (env && *env)
    bound_dir = g_strdup(env);
  else if (!(bound_dir = build_tree_localedir()))
    bound_dir = g_strdup(WT_LOCALEDIR);
  bindtextdomain(GETTEXT_PACKAGE, bound_dir);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);
}

const char *wt_i18n_localedir(void)
{
  return bound_dir ? bound_dir : WT_LOCALEDIR;
}
