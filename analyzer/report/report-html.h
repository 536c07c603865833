/* The HTML report: one self-contained page (inline CSS and JS, no network access) with
 * every section and table of the report model rendered generically, the JSON report
 * embedded as <script type="application/json" id="wiretab-data">, and charts drawn by
 * an inline script (SVG, html/page.js) from the chart hints each section carries in the
 * model (wt_section_charts): the writer knows no protocol. */
#pragma once
#include <glib.h>
#include <stdio.h>
#include "analyzer/report/report.h"

void wt_report_write_html(WtReport *r, FILE *out);

/* Text made safe for HTML text and attribute values (& < > " ' escaped; invalid UTF-8
 * replaced). Exposed for tests. */
char *wt_html_escape(const char *s);
