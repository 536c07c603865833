/* http.log: one JSON object per transaction with Zeek's field names. */
#pragma once
#include <stdio.h>
#include "analyzer/core/stream.h"
#include "dissectors/http/http-txn.h"

void wt_http_log_write(FILE *out, const WtConnInfo *conn, const WtHttpTxn *t);
/* Strings in a transaction were made safe by wt_http_safe_strdup (bytes that are not valid
 * UTF-8 became \xNN text); analyzer/core/json-out.c escapes the rest. */
