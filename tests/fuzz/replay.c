/* Replay driver (builds without libFuzzer): runs LLVMFuzzerTestOneInput over every file
 * named on the command line or found in the directories named there, one TAP line per
 * input, so each fuzz target's corpus is a regression test under `meson test`. A crash or
 * a broken invariant aborts the run, and meson reports the test as failed; the last
 * "# running" line names the input. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include "tests/fuzz/fuzz.h"

static void collect(const char *path, GPtrArray *files)
{
  if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_ptr_array_add(files, g_strdup(path));
    return;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open(path, 0, &error);
  if (!dir) {
    fprintf(stderr, "replay: %s\n", error->message);
    exit(1);
  }
  const char *name;
  while ((name = g_dir_read_name(dir)))
    if (name[0] != '.')
      g_ptr_array_add(files, g_build_filename(path, name, NULL));
}

static gint compare_paths(gconstpointer a, gconstpointer b)
{
  return g_strcmp0(*(char *const *) a, *(char *const *) b);
}

int main(int argc, char **argv)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
  for (int i = 1; i < argc; i++)
    collect(argv[i], files);
  g_ptr_array_sort(files, compare_paths); /* same order on every run */
  if (files->len == 0) {
    printf("1..0 # SKIP empty corpus\n");
    return 0;
  }
  printf("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++) {
    const char *path = g_ptr_array_index(files, i);
    g_autofree char *contents = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(path, &contents, &len, &error)) {
      printf("not ok %u - %s: %s\n", i + 1, path, error->message);
      continue;
    }
    printf("# running %s\n", path);
    fflush(stdout);
    /* An exact-size heap copy: a sanitizer build sees a one-byte over-read. */
    guint8 *copy = g_memdup2(contents, len);
    LLVMFuzzerTestOneInput(copy, len);
    g_free(copy);
    printf("ok %u - %s (%" G_GSIZE_FORMAT " bytes)\n", i + 1, path, len);
  }
  return 0;
}
