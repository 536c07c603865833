/* DNS (RFC 1035) over UDP and over TCP (2-byte length prefix, RFC 1035 4.2.2 / 7766)
 * behind the WtStreamDissector interface: queries paired with responses by id within a
 * flow, the tap (report section "dns") and Zeek-style dns.log. Also mDNS (5353), LLMNR
 * (5355) and NetBIOS name service (137), which share the wire format, as Zeek does. */
#pragma once
#include "analyzer/core/stream.h"

extern const WtStreamDissector wt_dns_dissector;

/* The tap behind wt_dns_dissector.stats_new (opaque outside dissectors/dns). */
typedef struct WtDnsStats WtDnsStats;

/* Getters for tests and tools. `name` is one of the report's scalar keys: messages,
 * udp_messages, tcp_messages, queries, responses, answered, unanswered,
 * orphan_responses, truncated_responses, malformed, too_many_pending. Unknown names
 * give 0. */
guint64 wt_dns_stats_get(const WtDnsStats *s, const char *name);
/* Queries by query type, by name as in the report ("A", "AAAA", "query-65280"). */
guint64 wt_dns_stats_qtype_count(const WtDnsStats *s, const char *qtype_name);
/* Responses by rcode name ("NOERROR", "NXDOMAIN", "rcode-12"). */
guint64 wt_dns_stats_rcode_count(const WtDnsStats *s, const char *rcode_name);
/* Queries for one name (lower-cased; "(other)" beyond the table's bound). */
guint64 wt_dns_stats_name_count(const WtDnsStats *s, const char *qname);
/* Malformed messages by reason ("dns.compression_loop", ...). */
guint64 wt_dns_stats_malformed_count(const WtDnsStats *s, const char *reason);
/* Response time percentile (0..100) in milliseconds, from the bounded histogram
 * (about 3 % resolution; never above the largest sample); 0 without samples. */
double wt_dns_stats_rtt_ms(const WtDnsStats *s, double percentile);
