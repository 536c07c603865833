/* Writing one-line JSON log records (conn.log, http.log, dns.log): Zeek's field names,
 * escaping of arbitrary bytes. Each wt_json_* appends `"key":value` with a comma when
 * needed; start with g_string_new("{") and finish with wt_json_end. */
#pragma once
#include <glib.h>
#include "analyzer/core/stream.h"

void wt_json_escape(GString *out, const char *data, gsize len); /* with the quotes */
void wt_json_key(GString *s, const char *key);
void wt_json_str(GString *s, const char *key, const char *v);           /* NULL -> null */
void wt_json_strn(GString *s, const char *key, const char *v, gsize len);
void wt_json_u64(GString *s, const char *key, guint64 v);
void wt_json_i64(GString *s, const char *key, gint64 v);
void wt_json_double(GString *s, const char *key, double v);             /* 6 decimals */
void wt_json_bool(GString *s, const char *key, gboolean v);
void wt_json_raw(GString *s, const char *key, const char *raw);         /* e.g. null */
void wt_json_ts(GString *s, const char *key, gint64 ts_ns);             /* seconds.micro */
/* ts, uid, id.orig_h, id.orig_p, id.resp_h, id.resp_p */
void wt_json_conn_id(GString *s, gint64 ts_ns, const WtConnInfo *info);
void wt_json_end(GString *s); /* "}\n" */
/* The values alone (no key), as the functions above write them. */
void wt_json_u64_value(GString *s, guint64 v);
void wt_json_double_value(GString *s, double v);
void wt_json_ts_value(GString *s, gint64 ts_ns);
