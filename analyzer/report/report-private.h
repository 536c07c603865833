/* The report model's data, private to analyzer/report: the model (report.c) builds it,
 * the text, JSON and CSV writers read it directly (the HTML writer and everything else
 * use the read-only walk in report.h). */
#pragma once
#include <glib.h>
#include "analyzer/report/report.h"

typedef enum {
  ITEM_U64, ITEM_I64, ITEM_DOUBLE, ITEM_STR, ITEM_BOOL, ITEM_TS, ITEM_MAP, ITEM_LIST,
  ITEM_OBJECT, ITEM_TABLE
} ItemKind;

typedef struct {
  char *name;
  guint64 value;
} MapEntry;

typedef struct {
  WtColType type;
  union { guint64 u; gint64 i; double d; } v;
  char *s;
  gboolean tr; /* s is a msgid: shown translated, written as is to JSON and CSV */
} Cell;

typedef struct {
  char *key, *label;
  WtColType type;
} Column;

struct WtTable {
  GArray *columns; /* Column */
  GPtrArray *rows; /* GArray of Cell */
  char *csv_name;        /* CSV file name (without .csv) when it differs from the key */
  /* text rendering only */
  gboolean text_skip_zero_rows;
  GPtrArray *text_hidden; /* column keys not shown in text (char*, owned) */
};

typedef struct {
  ItemKind kind;
  gboolean text_hidden; /* shown in JSON/CSV/HTML, left out of text (a table says it) */
  char *key, *label;
  union { guint64 u; gint64 i; double d; gboolean b; } v;
  char *s;
  GArray *map;       /* MapEntry */
  GPtrArray *list;   /* char* */
  WtSection *object;
  WtTable *table;
} Item;

struct WtSection {
  char *key, *label;
  GPtrArray *items; /* Item* */
  GPtrArray *charts; /* const WtChartHint*, by id; NULL until the first */
  gboolean lead;     /* shown right after the first section (text, HTML) */
  char *nothing;     /* the text report's phrase when the section has nothing */
};

struct WtReport {
  GPtrArray *sections; /* WtSection* */
  gboolean user_order; /* --sections gave the order: no headline moves */
  GPtrArray *declared; /* char*: keys of sections it may have (wt_report_declare_section) */
};

/* The text shown for a string cell (its translation when made by wt_table_str_tr). */
const char *wt_report_cell_display(const Cell *c);
/* A scalar or list item as the text report shows it (the CSV summary writes it so too). */
void wt_report_append_scalar_text(GString *out, const Item *it);
