/* The DNS tap: counters, tables and the response-time histogram behind the report
 * section "dns". Fed by dns-session.c; every table is bounded (dns-limits.h). */
#pragma once
#include "analyzer/report/report.h"
#include "dissectors/dns/dns.h"
#include "dissectors/dns/dns-parse.h"

gpointer wt_dns_stats_new(void);
void wt_dns_stats_free(gpointer stats);
void wt_dns_stats_merge(gpointer into, gpointer from);
void wt_dns_stats_report(gpointer stats, const WtReportOptions *opts, WtReport *r);
void wt_dns_stats_metrics(gconstpointer stats, WtMetrics *m);

/* Scratch space for the answer summaries of the message being handled (one per tap, so
 * sessions stay small and nothing is allocated per message). */
WtDnsAnswers *wt_dns_stats_scratch(WtDnsStats *s);

void wt_dns_stats_on_message(WtDnsStats *s, gboolean over_tcp);
void wt_dns_stats_on_malformed(WtDnsStats *s, WtDnsError e);
/* A query message (QR = 0), counted by opcode and query type. */
void wt_dns_stats_on_query(WtDnsStats *s, const WtDnsMessage *m);
/* A response message (QR = 1), counted by rcode; `paired` says if a query matched it. */
void wt_dns_stats_on_response(WtDnsStats *s, const WtDnsMessage *m, gboolean paired);
/* A query's outcome: its name counted in the top table with the rcode of its answer
 * (-1: never answered). rtt_ns < 0: no response time. */
void wt_dns_stats_on_query_done(WtDnsStats *s, const char *qname, int rcode, gint64 rtt_ns);
void wt_dns_stats_on_too_many_pending(WtDnsStats *s);
