/* Translations: gettext through glib/gi18n.h. Every user-facing string is written _("...")
 * (N_("...") where the string sits in a static table and is translated where used). JSON
 * keys, CSV headers and log field names are never translated. */
#pragma once
#include <glib.h>

/* setlocale + bindtextdomain + textdomain. The catalogue directory is, in order:
 * $WIRETAB_LOCALEDIR; the build tree's po/ when the binary runs from the build tree
 * (uninstalled); the configured localedir. Numbers stay in the C locale (LC_NUMERIC) so
 * JSON and CSV never get a decimal comma. When the environment names a locale that is not
 * generated on this machine (LANG=zh_CN.UTF-8 without locale-gen), messages are still
 * translated: C.UTF-8 with LANGUAGE taken from the requested locale. */
void wt_i18n_init(const char *argv0);

/* The directory bound for the "wiretab" domain (for --version and tests). */
const char *wt_i18n_localedir(void);
