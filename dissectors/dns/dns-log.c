#include "dissectors/dns/dns-log.h"

#include <string.h>

#include "analyzer/core/json-out.h"

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

static void answers_json(GString *s, const WtDnsAnswers *a)
{
  wt_json_key(s, "answers");
  g_string_append_c(s, '[');
  const char *p = a->text->str;
  for (guint i = 0; i < a->n; i++) {
    gsize n = strlen(p);
    if (i)
      g_string_append_c(s, ',');
    wt_json_escape(s, p, n);
    p += n + 1;
  }
  g_string_append_c(s, ']');
  wt_json_key(s, "TTLs");
  g_string_append_c(s, '[');
  for (guint i = 0; i < a->n; i++)
    g_string_append_printf(s, "%s%u.0", i ? "," : "", g_array_index(a->ttls, guint32, i));
  g_string_append_c(s, ']');
}

void wt_dns_log_write(FILE *out, const WtConnInfo *conn, const WtDnsLogRecord *rec)
{
  char buf[32];
  GString *s = g_string_sized_new(384);
  g_string_append_c(s, '{');
  wt_json_conn_id(s, rec->ts_ns, conn);
  wt_json_str(s, "proto", conn->proto == 6 ? "tcp" : "udp");
  wt_json_u64(s, "trans_id", rec->trans_id);
  if (rec->rtt_ns >= 0)
    wt_json_double(s, "rtt", (double) rec->rtt_ns / 1e9);
  if (rec->query)
    wt_json_str(s, "query", rec->query);
  if (rec->has_question) {
    const char *n = wt_dns_qclass_name(rec->qclass);
    wt_json_u64(s, "qclass", rec->qclass);
    if (!n)
      g_snprintf(buf, sizeof buf, "qclass-%u", rec->qclass);
    wt_json_str(s, "qclass_name", n ? n : buf);
    n = wt_dns_qtype_name(rec->qtype);
    if (rec->netbios && rec->qtype == 33)
      n = "NBSTAT";  /* NetBIOS node status shares SRV's number */
    wt_json_u64(s, "qtype", rec->qtype);
    if (!n)
      g_snprintf(buf, sizeof buf, "query-%u", rec->qtype);
    wt_json_str(s, "qtype_name", n ? n : buf);
  }
  if (rec->rcode >= 0) {
    const char *n = wt_dns_rcode_name((guint) rec->rcode);
    wt_json_u64(s, "rcode", (guint64) rec->rcode);
    if (!n)
      g_snprintf(buf, sizeof buf, "rcode-%d", rec->rcode);
    wt_json_str(s, "rcode_name", n ? n : buf);
  }
  wt_json_bool(s, "AA", rec->AA);
  wt_json_bool(s, "TC", rec->TC);
  wt_json_bool(s, "RD", rec->RD);
  wt_json_bool(s, "RA", rec->RA);
  wt_json_u64(s, "Z", rec->Z);
  if (rec->answers && rec->answers->n > 0)
    answers_json(s, rec->answers);
  wt_json_bool(s, "rejected", rec->rejected);
  wt_json_u64(s, "opcode", rec->opcode);
  const char *op = rec->netbios ? netbios_opcode_name(rec->opcode)
                                : wt_dns_opcode_name(rec->opcode);
  if (!op)
    g_snprintf(buf, sizeof buf, rec->netbios ? "netbios-opcode-%u" : "opcode-%u", rec->opcode);
  wt_json_str(s, "opcode_name", op ? op : buf);
  wt_json_end(s);
  fwrite(s->str, 1, s->len, out);
  g_string_free(s, TRUE);
}
