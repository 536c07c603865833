/* socks.log records: the table and the request -> record mapping. See socks-log.h. */
#include "dissectors/socks/socks-log.h"

#include <string.h>

enum {
  COL_VERSION = WT_LOG_N_CONN_ID_COLUMNS,
  COL_USER,
  COL_STATUS,
  COL_REQUEST_HOST,
  COL_REQUEST_NAME,
  COL_REQUEST_P,
  COL_BOUND_HOST,
  COL_BOUND_NAME,
  COL_BOUND_P,
  N_COLUMNS
};

/* Zeek's socks.log fields and order (without `password`, which Zeek leaves unset unless
 * told to capture passwords). */
static const WtLogColumn socks_columns[] = {
  WT_LOG_CONN_ID_COLUMNS,
  { "version", WT_LOG_COUNT, "version", "UInt8" },
  { "user", WT_LOG_STRING, "user", "String" },
  { "status", WT_LOG_STRING, "status", "String" },
  { "request.host", WT_LOG_STRING, "request_host", "String" },
  { "request.name", WT_LOG_STRING, "request_name", "String" },
  { "request_p", WT_LOG_COUNT, "request_p", "UInt16" },
  { "bound.host", WT_LOG_STRING, "bound_host", "String" },
  { "bound.name", WT_LOG_STRING, "bound_name", "String" },
  { "bound_p", WT_LOG_COUNT, "bound_p", "UInt16" },
};

G_STATIC_ASSERT(G_N_ELEMENTS(socks_columns) == N_COLUMNS);

const WtLogTable wt_socks_log_table = {
  .name = "socks",
  .columns = socks_columns,
  .n_columns = N_COLUMNS,
};

/* host (address text) or name of an address; buf holds the address text. */
static void set_addr(WtLogRecord *r, guint col_host, guint col_name, guint col_p,
                     const WtSocksAddr *a, char *buf, gsize size)
{
  if (a->atyp == WT_SOCKS_ATYP_NAME) {
    wt_log_set_str(r, col_name, a->name);
  } else if (a->atyp == WT_SOCKS_ATYP_IPV4 || a->atyp == WT_SOCKS_ATYP_IPV6) {
    WtAddr w = { 0 };
    w.family = a->atyp == WT_SOCKS_ATYP_IPV4 ? 4 : 6;
    memcpy(w.bytes, a->addr, w.family == 4 ? 4 : 16);
    wt_addr_to_string(&w, buf, size);
    wt_log_set_str(r, col_host, buf);
  } else {
    return;
  }
  wt_log_set_count(r, col_p, a->port);
}

void wt_socks_log_write(WtLog *log, const WtConnInfo *conn, gint64 ts_ns,
                        const WtSocksRequest *req, const char *user, const char *status,
                        const WtSocksAddr *bound)
{
  WtLogRecord r;
  char req_host[64], bound_host[64];
  wt_log_record_init(&r, &wt_socks_log_table);
  wt_log_set_conn_id(&r, ts_ns, conn);
  wt_log_set_count(&r, COL_VERSION, req->version);
  if (user && *user)
    wt_log_set_str(&r, COL_USER, user);
  if (status)
    wt_log_set_str(&r, COL_STATUS, status);
  set_addr(&r, COL_REQUEST_HOST, COL_REQUEST_NAME, COL_REQUEST_P, &req->target, req_host,
           sizeof req_host);
  if (bound)
    set_addr(&r, COL_BOUND_HOST, COL_BOUND_NAME, COL_BOUND_P, bound, bound_host,
             sizeof bound_host);
  wt_log_write(log, &r);
}
