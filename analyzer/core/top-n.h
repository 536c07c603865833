/* A bounded count by name, for the "top N" tables of the report (server names, software
 * versions, algorithms ...): at most max_keys distinct names are kept, counts for names
 * beyond them go to one "(other)" row, so memory stays flat however varied the traffic.
 * Rows come out by count (descending), then name; "(other)" last. */
#pragma once
#include <glib.h>
#include "analyzer/report/report.h"

typedef struct WtTopN WtTopN;

WtTopN *wt_top_n_new(guint max_keys);
void wt_top_n_free(WtTopN *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtTopN, wt_top_n_free)

void wt_top_n_add(WtTopN *t, const char *name, guint64 n);
guint64 wt_top_n_get(const WtTopN *t, const char *name); /* "(other)" for the overflow */
guint64 wt_top_n_total(const WtTopN *t);
guint wt_top_n_size(const WtTopN *t); /* distinct names kept */
/* --threads: add `from`'s counts (names past the bound go to "(other)"). */
void wt_top_n_merge(WtTopN *into, const WtTopN *from);

/* The report: a map KEY {name: count} of every row ... */
void wt_top_n_report_map(const WtTopN *t, WtSection *s, const char *key, const char *label);
/* ... or a table KEY with columns NAME_COL (string), count and share (percent of
 * `whole`, or of the total when whole is 0), at most max_rows rows. */
void wt_top_n_report_table(const WtTopN *t, WtSection *s, const char *key, const char *label,
                           const char *name_col, const char *name_label, guint max_rows,
                           guint64 whole);
