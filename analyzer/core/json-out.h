/* JSON text for the log records (analyzer/core/log-record.c): escaping of arbitrary bytes
 * and the number formats of Zeek's JSON logs. Each appends one value, without a key. */
#pragma once
#include <glib.h>
#include "analyzer/core/stream.h"

void wt_json_escape(GString *out, const char *data, gsize len); /* with the quotes */
void wt_json_u64_value(GString *s, guint64 v);
void wt_json_double_value(GString *s, double v);                 /* 6 decimals; null */
void wt_json_ts_value(GString *s, gint64 ts_ns);                 /* seconds.micro */
