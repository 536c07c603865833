/* The report model. Every tap (dissector statistics) writes its own section into a
 * WtReport through this interface (Wireshark's tap draw); writers then render the same
 * model as text, JSON or CSV. Keys are stable machine names (JSON keys, CSV file names);
 * labels are human titles (translated). */
#pragma once
#include <glib.h>
#include <stdio.h>

typedef struct WtReport WtReport;
typedef struct WtSection WtSection;
typedef struct WtTable WtTable;

typedef enum { WT_FORMAT_TEXT, WT_FORMAT_JSON, WT_FORMAT_CSV } WtFormat;

WtReport *wt_report_new(void);
void wt_report_free(WtReport *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtReport, wt_report_free)

/* Sections appear in the order they are created. A second call with the same key returns
 * the existing section. */
WtSection *wt_report_section(WtReport *r, const char *key, const char *label);

/* Scalar fields: appear in JSON as "key": value, in text as "label: value". */
void wt_section_u64(WtSection *s, const char *key, const char *label, guint64 v);
void wt_section_i64(WtSection *s, const char *key, const char *label, gint64 v);
void wt_section_double(WtSection *s, const char *key, const char *label, double v);
void wt_section_str(WtSection *s, const char *key, const char *label, const char *v);
void wt_section_bool(WtSection *s, const char *key, const char *label, gboolean v);
/* A timestamp in ns: JSON as seconds with 6 decimals, text as ISO 8601 UTC. */
void wt_section_ts(WtSection *s, const char *key, const char *label, gint64 ts_ns);
/* A JSON object {name: count}: add one entry each call, in the order given. With
 * name == NULL, only create the map (so an empty table still appears as {}). */
void wt_section_map_u64(WtSection *s, const char *key, const char *label, const char *name,
                        guint64 v);
/* A JSON array of strings. */
void wt_section_list_str(WtSection *s, const char *key, const char *label, const char *v);
/* Nested sub-object, e.g. tcp.handshake {...}. */
WtSection *wt_section_object(WtSection *s, const char *key, const char *label);

/* Tables: JSON array of objects (one per row, keyed by column keys); text as an aligned
 * table; CSV as one file per table named after its key. */
typedef enum { WT_COL_STR, WT_COL_U64, WT_COL_I64, WT_COL_DOUBLE, WT_COL_PERCENT } WtColType;
WtTable *wt_section_table(WtSection *s, const char *key, const char *label);
void wt_table_column(WtTable *t, const char *key, const char *label, WtColType type);
void wt_table_row(WtTable *t); /* starts a new row; then one cell per column, in order */
void wt_table_str(WtTable *t, const char *v);
void wt_table_u64(WtTable *t, guint64 v);
void wt_table_i64(WtTable *t, gint64 v);
void wt_table_double(WtTable *t, double v);
void wt_table_percent(WtTable *t, double v); /* 0..100 */

/* Rendering. For CSV, `dir` is a directory where one file per table is written; for text
 * and JSON the report goes to `out`. `color` applies to text only. */
void wt_report_write_text(WtReport *r, FILE *out, gboolean color);
void wt_report_write_json(WtReport *r, FILE *out);
gboolean wt_report_write_csv(WtReport *r, const char *dir, GError **error);
/* CSV on a stream: every scalar and map entry as section,key,value rows. */
void wt_report_write_csv_summary(WtReport *r, FILE *out);
