/* Rotated log names and retention. See log-rotation.h. */
#include "analyzer/output/log-rotation.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

gboolean wt_parse_duration(const char *text, gint64 *ns)
{
  if (!text || !*text)
    return FALSE;
  char *end = NULL;
  errno = 0;
  gint64 n = g_ascii_strtoll(text, &end, 10);
  if (errno || end == text || n <= 0)
    return FALSE;
  gint64 unit;
  if (*end == '\0' || strcmp(end, "s") == 0)
    unit = 1;
  else if (strcmp(end, "m") == 0)
    unit = 60;
  else if (strcmp(end, "h") == 0)
    unit = 3600;
  else if (strcmp(end, "d") == 0)
    unit = 86400;
  else if (strcmp(end, "w") == 0)
    unit = 7 * 86400;
  else
    return FALSE;
  if (n > G_MAXINT64 / WT_NS_PER_SEC / unit)
    return FALSE;
  *ns = n * unit * WT_NS_PER_SEC;
  return TRUE;
}

gboolean wt_parse_size(const char *text, guint64 *bytes)
{
  if (!text || !*text || *text == '-')
    return FALSE;
  char *end = NULL;
  errno = 0;
  guint64 n = g_ascii_strtoull(text, &end, 10);
  if (errno || end == text || n == 0)
    return FALSE;
  static const char units[] = "KMGT";
  guint shift = 0;
  const char *u = *end ? strchr(units, g_ascii_toupper(*end)) : NULL;
  if (u) {
    shift = 10 * (guint) (u - units + 1);
    end++;
  }
  if (!(*end == '\0' || strcmp(end, "B") == 0 || (u && strcmp(end, "iB") == 0)))
    return FALSE;
  if (shift && n > (G_MAXUINT64 >> shift))
    return FALSE;
  *bytes = n << shift;
  return TRUE;
}

gint64 wt_log_rotation_interval_start(const WtLogRotation *r, gint64 now_ns)
{
  gint64 start = now_ns - now_ns % r->interval_ns;
  if (now_ns < 0 && start != now_ns) /* floor, not truncation, before the epoch */
    start -= r->interval_ns;
  return start;
}

/* Zeek's rotation date format, %Y-%m-%d-%H-%M-%S, in UTC. */
static void format_time(char *buf, gsize size, gint64 ns)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(ns / WT_NS_PER_SEC);
  g_autofree char *s = t ? g_date_time_format(t, "%Y-%m-%d-%H-%M-%S") : NULL;
  g_strlcpy(buf, s ? s : "0000-00-00-00-00-00", size);
}

char *wt_log_rotation_file_name(const char *table, gint64 start_ns, gint64 end_ns, guint seq)
{
  char a[32], b[32];
  format_time(a, sizeof a, start_ns);
  format_time(b, sizeof b, end_ns);
  if (seq == 0)
    return g_strdup_printf("%s.%s_%s.log", table, a, b);
  return g_strdup_printf("%s.%s_%s.%u.log", table, a, b, seq);
}

char *wt_log_rotation_free_name(const char *dir, const char *table, gint64 start_ns,
                                gint64 end_ns)
{
  for (guint seq = 0;; seq++) {
    char *name = wt_log_rotation_file_name(table, start_ns, end_ns, seq);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
      return name;
    g_free(name);
  }
}

static gboolean parse_time(const char *s, gint64 *ns)
{
  int y, mo, d, h, mi, se, used = 0;
  if (sscanf(s, "%4d-%2d-%2d-%2d-%2d-%2d%n", &y, &mo, &d, &h, &mi, &se, &used) != 6 ||
      used != 19)
    return FALSE;
  g_autoptr(GDateTime) t = g_date_time_new_utc(y, mo, d, h, mi, se);
  if (!t)
    return FALSE;
  *ns = g_date_time_to_unix(t) * WT_NS_PER_SEC;
  return TRUE;
}

gboolean wt_log_rotation_parse_name(const char *name, char **table, gint64 *start_ns,
                                    gint64 *end_ns)
{
  /* TABLE.START_END.log or TABLE.START_END.N.log; START and END are 19 characters */
  const char *dot = strchr(name, '.');
  if (!dot || dot == name || strlen(dot) < 1 + 19 + 1 + 19 + 4 || dot[20] != '_')
    return FALSE;
  if (!parse_time(dot + 1, start_ns) || !parse_time(dot + 21, end_ns))
    return FALSE;
  const char *rest = dot + 40;
  if (*rest == '.' && g_ascii_isdigit(rest[1])) {
    rest++;
    while (g_ascii_isdigit(*rest))
      rest++;
  }
  if (strcmp(rest, ".log") != 0)
    return FALSE;
  *table = g_strndup(name, (gsize) (dot - name));
  return TRUE;
}

typedef struct {
  char *name;
  gint64 start_ns, end_ns;
  guint64 bytes;
} RotatedFile;

static void rotated_file_free(gpointer p)
{
  RotatedFile *f = p;
  g_free(f->name);
  g_free(f);
}

static gint by_age(gconstpointer a, gconstpointer b)
{
  const RotatedFile *x = *(RotatedFile *const *) a, *y = *(RotatedFile *const *) b;
  if (x->start_ns != y->start_ns)
    return x->start_ns < y->start_ns ? -1 : 1;
  /* the first file of an interval before its ".1", ".2" ... (a restart inside it) */
  gsize lx = strlen(x->name), ly = strlen(y->name);
  if (lx != ly)
    return lx < ly ? -1 : 1;
  return strcmp(x->name, y->name);
}

static gboolean is_table(const char *name, const char *const *tables)
{
  for (const char *const *t = tables; *t; t++)
    if (strcmp(*t, name) == 0)
      return TRUE;
  return FALSE;
}

/* The rotated files of `tables` in dir, oldest first; *total: their bytes. */
static GPtrArray *list_rotated(const char *dir, const char *const *tables, guint64 *total)
{
  GPtrArray *files = g_ptr_array_new_with_free_func(rotated_file_free);
  *total = 0;
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *table = NULL;
    gint64 start, end;
    if (!wt_log_rotation_parse_name(name, &table, &start, &end) || !is_table(table, tables))
      continue;
    g_autofree char *path = g_build_filename(dir, name, NULL);
    GStatBuf st;
    if (g_stat(path, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    RotatedFile *f = g_new0(RotatedFile, 1);
    f->name = g_strdup(name);
    f->start_ns = start;
    f->end_ns = end;
    f->bytes = (guint64) st.st_size;
    *total += f->bytes;
    g_ptr_array_add(files, f);
  }
  g_ptr_array_sort(files, by_age);
  return files;
}

static gboolean too_old(const RotatedFile *f, const WtLogRotation *r, gint64 now_ns)
{
  return r->keep_age_ns > 0 && f->end_ns < now_ns - r->keep_age_ns;
}

guint wt_log_retention_apply(const char *dir, const char *const *tables,
                             const WtLogRotation *r, gint64 now_ns, GError **error)
{
  if (!r->keep_bytes && !r->keep_age_ns)
    return 0;
  guint64 total;
  g_autoptr(GPtrArray) files = list_rotated(dir, tables, &total);
  guint removed = 0;
  for (guint i = 0; i < files->len; i++) {
    const RotatedFile *f = g_ptr_array_index(files, i);
    gboolean over_size = r->keep_bytes && total > r->keep_bytes;
    if (!over_size && !too_old(f, r, now_ns))
      continue; /* a younger file can still be too old only if this one is: keep going */
    g_autofree char *path = g_build_filename(dir, f->name, NULL);
    if (g_unlink(path) != 0) {
      if (error && !*error)
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                    _("%s: cannot remove the old log: %s; wiretab needs write access to "
                      "the log directory to keep it within --log-keep-size/--log-keep-age"),
                    path, g_strerror(errno));
      continue;
    }
    total -= f->bytes;
    removed++;
  }
  return removed;
}
