/* The capture corpus of the tests that hold a fast path against the general one on every
 * frame we have: the project's own captures/ and the public captures of ../shared/captures
 * (WT_SHARED_CAPTURES overrides it), with their sub-folders one level deep. The including
 * test defines WT_CAPTURES_DIR and WT_SHARED_CAPTURES_DEFAULT (tests/unit/meson.build). */
#pragma once

#include <glib.h>

typedef void (*WtCorpusFileFunc)(const char *path, gpointer user);

static inline const char *wt_corpus_shared_dir(void)
{
  const char *dir = g_getenv("WT_SHARED_CAPTURES");
  return dir && *dir ? dir : WT_SHARED_CAPTURES_DEFAULT;
}

/* The names tests/arch/compare-outputs.sh takes for captures. */
static inline gboolean wt_corpus_is_capture(const char *name)
{
  return g_str_has_suffix(name, ".pcap") || g_str_has_suffix(name, ".pcapng") ||
         g_str_has_suffix(name, ".cap") || g_str_has_suffix(name, ".trace");
}

static inline void wt_corpus_walk(const char *dir, guint depth, WtCorpusFileFunc fn,
                                  gpointer user)
{
  g_autoptr(GDir) gd = g_dir_open(dir, 0, NULL);
  if (!gd) /* no shared captures on this machine: captures/ alone */
    return;
  const char *name;
  while ((name = g_dir_read_name(gd))) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    if (depth > 0 && g_file_test(path, G_FILE_TEST_IS_DIR))
      wt_corpus_walk(path, depth - 1, fn, user);
    else if (wt_corpus_is_capture(name))
      fn(path, user);
  }
}

/* Every capture file, captures/ first. */
static inline void wt_corpus_foreach(WtCorpusFileFunc fn, gpointer user)
{
  wt_corpus_walk(WT_CAPTURES_DIR, 0, fn, user);
  wt_corpus_walk(wt_corpus_shared_dir(), 1, fn, user);
}
