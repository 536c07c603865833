/* http.log: one JSON object per transaction with Zeek's field names. */
#pragma once
#include <stdio.h>
#include "analyzer/stream.h"
#include "dissectors/http/http-txn.h"

void wt_http_log_write(FILE *out, const WtConnInfo *conn, const WtHttpTxn *t);
/* Appends s as a JSON string literal (quotes included). s holds no NUL; bytes that are not
 * valid UTF-8 were already turned into \xNN text by wt_http_safe_strdup. */
void wt_http_json_string(GString *out, const char *s);
