/* http.log: one record per transaction with Zeek's field names. */
#pragma once
#include "analyzer/core/log-record.h"
#include "dissectors/http/http-txn.h"

extern const WtLogTable wt_http_log_table;

void wt_http_log_write(WtLog *log, const WtConnInfo *conn, const WtHttpTxn *t);
/* Strings in a transaction were made safe by wt_http_safe_strdup (bytes that are not valid
 * UTF-8 became \xNN text); analyzer/core/json-out.c escapes the rest. */
