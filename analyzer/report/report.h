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

typedef enum { WT_FORMAT_TEXT, WT_FORMAT_JSON, WT_FORMAT_CSV, WT_FORMAT_HTML } WtFormat;

/* What the user asked of every tap's section (--top). NULL options: the tap's own
 * defaults (tests, fuzz targets). */
typedef struct {
  guint top_n; /* rows in top-N tables */
} WtReportOptions;

WtReport *wt_report_new(void);
void wt_report_free(WtReport *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtReport, wt_report_free)

/* Sections appear in the order they are created. A second call with the same key returns
 * the existing section. */
WtSection *wt_report_section(WtReport *r, const char *key, const char *label);
/* The section of that key, or NULL (never creates one). */
WtSection *wt_report_find_section(WtReport *r, const char *key);

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

/* Leave item `key` out of the text report (it stays in JSON, CSV and HTML): for a map
 * that a table next to it already shows in full. */
void wt_section_hide_in_text(WtSection *s, const char *key);

/* The section is one of the report's headlines (e.g. HTTP on a web link): the text and
 * HTML reports show it right after the first section (the capture's), when it has
 * something. JSON and CSV keep the order in which sections were made. */
void wt_section_set_lead(WtSection *s);
/* What the text report says, after the section's label, when the section has nothing
 * ("no messages": "DNS: no messages"); default "none". */
void wt_section_set_nothing(WtSection *s, const char *phrase);
/* Nothing counted: every number zero, every map, list and table empty, every string
 * empty, in the section and its objects. */
gboolean wt_section_is_empty(const WtSection *s);
/* The one line the text report prints for an empty section: "DNS: no messages". */
char *wt_section_nothing_line(const WtSection *s);
gboolean wt_section_is_lead(const WtSection *s);

/* The order in which the text and HTML reports show the sections: the first, then the
 * lead sections that have something, then the rest in the order they were made. */
GPtrArray *wt_report_display_order(const WtReport *r);

/* --sections: keep only the sections whose keys are listed (comma-separated), in the
 * order listed (every writer, JSON and CSV too, follows it). FALSE, with an error naming the unknown key and the valid ones, when a
 * name is not one of `known` (NULL: the report's own keys); the report is left as it
 * was. */
gboolean wt_report_keep_sections(WtReport *r, const char *list, const char *const *known,
                                 GError **error);
/* A section this kind of report may have though this one has not (e.g. tunnels, made
 * only when the capture had some): its key is one of wt_report_section_keys'. */
void wt_report_declare_section(WtReport *r, const char *key);
/* The section keys of the report, then the declared keys it lacks, NULL-terminated
 * (g_strfreev). */
char **wt_report_section_keys(const WtReport *r);
/* The error of wt_report_keep_sections without changing anything: is every name of
 * `list` one of `known`? */
gboolean wt_report_check_section_names(const char *list, const char *const *known,
                                       GError **error);

/* Tables: JSON array of objects (one per row, keyed by column keys); text as an aligned
 * table; CSV as one file per table named after its key. */
typedef enum { WT_COL_STR, WT_COL_U64, WT_COL_I64, WT_COL_DOUBLE, WT_COL_PERCENT } WtColType;
WtTable *wt_section_table(WtSection *s, const char *key, const char *label);
void wt_table_column(WtTable *t, const char *key, const char *label, WtColType type);
void wt_table_row(WtTable *t); /* starts a new row; then one cell per column, in order */
/* The table's CSV file is NAME.csv instead of KEY.csv (e.g. "status_codes" for the table
 * whose JSON key must differ from the status_codes map beside it). */
void wt_table_set_csv_name(WtTable *t, const char *name);
/* Text rendering only (JSON, CSV and HTML keep every row and column): leave out rows whose
 * numeric cells are all zero, and the columns whose keys are listed (NULL-terminated). */
void wt_table_text_compact(WtTable *t, gboolean skip_zero_rows, const char *const *hidden_keys);
void wt_table_str(WtTable *t, const char *v);
/* A string cell holding an English phrase of the program's own (a state's meaning, a close
 * kind), never text from the capture: JSON and CSV keep it as given, the text report and
 * the walk API (HTML) show its translation. */
void wt_table_str_tr(WtTable *t, const char *msgid);
void wt_table_u64(WtTable *t, guint64 v);
void wt_table_i64(WtTable *t, gint64 v);
void wt_table_double(WtTable *t, double v);
void wt_table_percent(WtTable *t, double v); /* 0..100 */

/* Chart hints: how the HTML page may draw a section's data (the other writers ignore
 * them). A tap adds hints for its own section, the timeline those of the series
 * dissectors declared, so the page knows no protocol. */
typedef enum {
  WT_CHART_LABELS_NONE,
  WT_CHART_LABELS_ITEMS,    /* an object's item labels */
  WT_CHART_LABELS_TABLE,    /* a table's key column -> "key label-column" */
  WT_CHART_LABELS_COLUMNS,  /* the series are a table's columns: their labels */
} WtChartLabels;

typedef struct {
  guint id;                 /* the figure's number on the page (data-chart): given once
                               and kept, so tools find a chart again; a section's charts
                               are drawn in the order of their numbers */
  const char *item;         /* the data: this section's item of that key */
  const char *kind;         /* "bars", "stacked" or "series" (html/page.js) */
  const char *title;        /* a msgid (N_()): translated on the page */
  const char *options;      /* more members of the script's JSON spec; NULL: none */
  WtChartLabels labels;
  const char *label_table;  /* TABLE, COLUMNS: the section's table with the labels */
  const char *label_key, *label_col; /* TABLE: its key and label columns */
  gboolean wide;            /* the page's whole width */
} WtChartHint;

/* Hints are static data, kept by pointer. A chart whose item the section lacks is not
 * drawn. */
void wt_section_charts(WtSection *s, const WtChartHint *hints, guint n);
guint wt_section_n_charts(const WtSection *s);
/* Chart i in the order of their numbers. */
const WtChartHint *wt_section_nth_chart(const WtSection *s, guint i);

/* Rendering. For CSV, `dir` is a directory where one file per table is written; for text
 * and JSON the report goes to `out`. `color` applies to text only. */
void wt_report_write_text(WtReport *r, FILE *out, gboolean color);
void wt_report_write_json(WtReport *r, FILE *out);
gboolean wt_report_write_csv(WtReport *r, const char *dir, GError **error);
/* The same, each file (its path and complete contents) written by fn. */
typedef gboolean (*WtCsvFileFunc)(const char *path, const char *data, gsize len,
                                  gpointer user, GError **error);
gboolean wt_report_write_csv_with(WtReport *r, const char *dir, WtCsvFileFunc fn,
                                  gpointer user, GError **error);
/* CSV on a stream: every scalar and map entry as section,key,value rows. */
void wt_report_write_csv_summary(WtReport *r, FILE *out);

/* Read-only walk of the model, for writers outside report.c (HTML). Returned pointers
 * stay valid until the report is freed. */
typedef enum {
  WT_ITEM_U64, WT_ITEM_I64, WT_ITEM_DOUBLE, WT_ITEM_STR, WT_ITEM_BOOL, WT_ITEM_TS,
  WT_ITEM_MAP, WT_ITEM_LIST, WT_ITEM_OBJECT, WT_ITEM_TABLE
} WtItemKind;

typedef struct {
  WtItemKind kind;
  const char *key, *label;
  guint64 u;                /* U64 */
  gint64 i;                 /* I64; TS in ns (0: none) */
  double d;                 /* DOUBLE */
  gboolean b;               /* BOOL */
  const char *s;            /* STR */
  guint n;                  /* MAP: entries; LIST: strings */
  const WtSection *object;  /* OBJECT */
  const WtTable *table;     /* TABLE */
} WtItemView;

typedef struct {
  WtColType type;
  guint64 u;
  gint64 i;
  double d;                 /* DOUBLE and PERCENT */
  const char *s;            /* STR (translated for display when made by wt_table_str_tr) */
} WtCellView;

guint wt_report_n_sections(const WtReport *r);
const WtSection *wt_report_nth_section(const WtReport *r, guint i);
const char *wt_section_get_key(const WtSection *s);
const char *wt_section_get_label(const WtSection *s);
guint wt_section_n_items(const WtSection *s);
void wt_section_nth_item(const WtSection *s, guint i, WtItemView *out);
/* Entry j of the MAP item i (returns its name), string j of the LIST item i. */
const char *wt_section_map_entry(const WtSection *s, guint i, guint j, guint64 *value);
const char *wt_section_list_entry(const WtSection *s, guint i, guint j);
guint wt_table_n_columns(const WtTable *t);
void wt_table_column_info(const WtTable *t, guint c, const char **key, const char **label,
                          WtColType *type);
guint wt_table_n_rows(const WtTable *t);
/* FALSE if row `r` has no cell `c` (a short row). */
gboolean wt_table_get_cell(const WtTable *t, guint r, guint c, WtCellView *out);
