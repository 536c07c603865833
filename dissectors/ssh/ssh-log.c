/* ssh.log records: the table and the connection -> record mapping. See ssh-log.h. */
#include "dissectors/ssh/ssh-log.h"

enum {
  COL_VERSION = WT_LOG_N_CONN_ID_COLUMNS,
  COL_CLIENT,
  COL_SERVER,
  COL_CIPHER_ALG,
  COL_MAC_ALG,
  COL_COMPRESSION_ALG,
  COL_KEX_ALG,
  COL_HOST_KEY_ALG,
  N_COLUMNS
};

/* Zeek's ssh.log fields and order; `version` is Zeek's count (1 or 2). */
static const WtLogColumn ssh_columns[] = {
  WT_LOG_CONN_ID_COLUMNS,
  { "version", WT_LOG_COUNT, "version", "UInt8" },
  { "client", WT_LOG_STRING, "client", "String" },
  { "server", WT_LOG_STRING, "server", "String" },
  { "cipher_alg", WT_LOG_STRING, "cipher_alg", "String" },
  { "mac_alg", WT_LOG_STRING, "mac_alg", "String" },
  { "compression_alg", WT_LOG_STRING, "compression_alg", "String" },
  { "kex_alg", WT_LOG_STRING, "kex_alg", "String" },
  { "host_key_alg", WT_LOG_STRING, "host_key_alg", "String" },
};

G_STATIC_ASSERT(G_N_ELEMENTS(ssh_columns) == N_COLUMNS);

const WtLogTable wt_ssh_log_table = {
  .name = "ssh",
  .columns = ssh_columns,
  .n_columns = N_COLUMNS,
};

static void set_str(WtLogRecord *r, guint col, const char *v)
{
  if (v) /* Zeek's JSON logs omit unset fields */
    wt_log_set_str(r, col, v);
}

void wt_ssh_log_write(WtLog *log, const WtConnInfo *conn, gint64 ts_ns,
                      const WtSshConnSummary *c)
{
  WtLogRecord r;
  wt_log_record_init(&r, &wt_ssh_log_table);
  wt_log_set_conn_id(&r, ts_ns, conn);
  /* "1.99" is a 2.0 server that also speaks 1.x: Zeek logs it as 2 */
  if (c->version)
    wt_log_set_count(&r, COL_VERSION, g_str_has_prefix(c->version, "1.") &&
                                          !g_str_equal(c->version, "1.99") ? 1 : 2);
  set_str(&r, COL_CLIENT, c->client);
  set_str(&r, COL_SERVER, c->server);
  set_str(&r, COL_CIPHER_ALG, c->cipher_alg);
  set_str(&r, COL_MAC_ALG, c->mac_alg);
  set_str(&r, COL_COMPRESSION_ALG, c->compression_alg);
  set_str(&r, COL_KEX_ALG, c->kex_alg);
  set_str(&r, COL_HOST_KEY_ALG, c->host_key_alg);
  wt_log_write(log, &r);
}
