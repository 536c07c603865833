/* dns.log: one JSON object per line with Zeek's field names (ts uid id.* proto trans_id
 * rtt query qclass qclass_name qtype qtype_name rcode rcode_name AA TC RD RA Z answers
 * TTLs rejected opcode opcode_name). Unset fields are omitted, as in Zeek's JSON logs. */
#pragma once
#include "analyzer/core/log-record.h"
#include "dissectors/dns/dns-parse.h"

typedef struct {
  gint64 ts_ns;               /* the query's time, or the response's without a query */
  guint16 trans_id;
  gint64 rtt_ns;              /* < 0: unset */
  const char *query;          /* NULL: unset */
  gboolean has_question;      /* qclass/qtype set */
  guint16 qclass, qtype;
  int rcode;                  /* < 0: no response */
  gboolean AA, TC, RD, RA;
  guint Z;
  const WtDnsAnswers *answers;  /* NULL or empty: unset */
  gboolean rejected;
  guint opcode;
  gboolean netbios;           /* NetBIOS name service: its opcode names */
} WtDnsLogRecord;

extern const WtLogTable wt_dns_log_table;

void wt_dns_log_write(WtLog *log, const WtConnInfo *conn, const WtDnsLogRecord *rec);
