#include "dissectors/dns/dns-log.h"

#include <string.h>


static const char *netbios_opcode_name(guint op)
{
  switch (op) {
  case 0: return "netbios-query";
  case 5: return "netbios-registration";
  case 6: return "netbios-release";
  case 7: return "netbios-wack";
  case 8: return "netbios-refresh";
  default: return NULL;
  }
}

enum {
  COL_PROTO = WT_LOG_N_CONN_ID_COLUMNS,
  COL_TRANS_ID,
  COL_RTT,
  COL_QUERY,
  COL_QCLASS,
  COL_QCLASS_NAME,
  COL_QTYPE,
  COL_QTYPE_NAME,
  COL_RCODE,
  COL_RCODE_NAME,
  COL_AA,
  COL_TC,
  COL_RD,
  COL_RA,
  COL_Z,
  COL_ANSWERS,
  COL_TTLS,
  COL_REJECTED,
  COL_OPCODE,
  COL_OPCODE_NAME,
  N_COLUMNS
};

static const WtLogColumn dns_columns[] = {
  WT_LOG_CONN_ID_COLUMNS,
  { "proto", WT_LOG_STRING, "proto", "String" },
  { "trans_id", WT_LOG_COUNT, "trans_id", "UInt16" },
  { "rtt", WT_LOG_INTERVAL, "rtt", "Nullable(Float64)" },
  { "query", WT_LOG_STRING, "query", "String" },
  { "qclass", WT_LOG_COUNT, "qclass", "UInt16" },
  { "qclass_name", WT_LOG_STRING, "qclass_name", "String" },
  { "qtype", WT_LOG_COUNT, "qtype", "UInt16" },
  { "qtype_name", WT_LOG_STRING, "qtype_name", "String" },
  { "rcode", WT_LOG_COUNT, "rcode", "Nullable(UInt16)" },
  { "rcode_name", WT_LOG_STRING, "rcode_name", "String" },
  { "AA", WT_LOG_BOOL, "AA", "UInt8" },
  { "TC", WT_LOG_BOOL, "TC", "UInt8" },
  { "RD", WT_LOG_BOOL, "RD", "UInt8" },
  { "RA", WT_LOG_BOOL, "RA", "UInt8" },
  { "Z", WT_LOG_COUNT, "Z", "UInt8" },
  { "answers", WT_LOG_STRINGS, "answers", "Array(String)" },
  { "TTLs", WT_LOG_INTERVALS, "TTLs", "Array(Float64)" },
  { "rejected", WT_LOG_BOOL, "rejected", "UInt8" },
  { "opcode", WT_LOG_COUNT, "opcode", "UInt8" },
  { "opcode_name", WT_LOG_STRING, "opcode_name", "String" },
};

G_STATIC_ASSERT(G_N_ELEMENTS(dns_columns) == N_COLUMNS);

const WtLogTable wt_dns_log_table = {
  .name = "dns",
  .columns = dns_columns,
  .n_columns = N_COLUMNS,
};

void wt_dns_log_write(WtLog *log, const WtConnInfo *conn, const WtDnsLogRecord *rec)
{
  /* names for numbers without one ("qclass-N" ...): one buffer per column, as the record
   * borrows them until it is written */
  char qclass_buf[32], qtype_buf[32], rcode_buf[32], opcode_buf[32];
  WtLogRecord r;
  wt_log_record_init(&r, &wt_dns_log_table);
  wt_log_set_conn_id(&r, rec->ts_ns, conn);
  wt_log_set_str(&r, COL_PROTO, conn->proto == 6 ? "tcp" : "udp");
  wt_log_set_count(&r, COL_TRANS_ID, rec->trans_id);
  if (rec->rtt_ns >= 0)
    wt_log_set_double(&r, COL_RTT, (double) rec->rtt_ns / 1e9);
  if (rec->query)
    wt_log_set_str(&r, COL_QUERY, rec->query);
  if (rec->has_question) {
    const char *n = wt_dns_qclass_name(rec->qclass);
    wt_log_set_count(&r, COL_QCLASS, rec->qclass);
    if (!n)
      g_snprintf(qclass_buf, sizeof qclass_buf, "qclass-%u", rec->qclass);
    wt_log_set_str(&r, COL_QCLASS_NAME, n ? n : qclass_buf);
    n = wt_dns_qtype_name(rec->qtype);
    if (rec->netbios && rec->qtype == 33)
      n = "NBSTAT";  /* NetBIOS node status shares SRV's number */
    wt_log_set_count(&r, COL_QTYPE, rec->qtype);
    if (!n)
      g_snprintf(qtype_buf, sizeof qtype_buf, "query-%u", rec->qtype);
    wt_log_set_str(&r, COL_QTYPE_NAME, n ? n : qtype_buf);
  }
  if (rec->rcode >= 0) {
    const char *n = wt_dns_rcode_name((guint) rec->rcode);
    wt_log_set_count(&r, COL_RCODE, (guint64) rec->rcode);
    if (!n)
      g_snprintf(rcode_buf, sizeof rcode_buf, "rcode-%d", rec->rcode);
    wt_log_set_str(&r, COL_RCODE_NAME, n ? n : rcode_buf);
  }
  wt_log_set_bool(&r, COL_AA, rec->AA);
  wt_log_set_bool(&r, COL_TC, rec->TC);
  wt_log_set_bool(&r, COL_RD, rec->RD);
  wt_log_set_bool(&r, COL_RA, rec->RA);
  wt_log_set_count(&r, COL_Z, rec->Z);
  if (rec->answers && rec->answers->n > 0) {
    wt_log_set_strings(&r, COL_ANSWERS, rec->answers->text->str, rec->answers->n);
    wt_log_set_seconds(&r, COL_TTLS, &g_array_index(rec->answers->ttls, guint32, 0),
                       rec->answers->n);
  }
  wt_log_set_bool(&r, COL_REJECTED, rec->rejected);
  wt_log_set_count(&r, COL_OPCODE, rec->opcode);
  const char *op = rec->netbios ? netbios_opcode_name(rec->opcode)
                                : wt_dns_opcode_name(rec->opcode);
  if (!op)
    g_snprintf(opcode_buf, sizeof opcode_buf,
               rec->netbios ? "netbios-opcode-%u" : "opcode-%u", rec->opcode);
  wt_log_set_str(&r, COL_OPCODE_NAME, op ? op : opcode_buf);
  wt_log_write(log, &r);
}
