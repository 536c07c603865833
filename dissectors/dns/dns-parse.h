/* DNS wire format (RFC 1035 4.1, 3596, 2782, 6891): header, question and resource
 * records read with the bounded cursor; names decompressed with loop detection and length
 * bounds. No allocation: names land in caller buffers, answer summaries in a reused
 * GString. */
#pragma once
#include <glib.h>
#include "analyzer/core/reader.h"
#include "dissectors/dns/dns-limits.h"

#define WT_DNS_HEADER_LEN 12

/* Flag bits of the header's second 16-bit word. */
#define WT_DNS_QR 0x8000
#define WT_DNS_AA 0x0400
#define WT_DNS_TC 0x0200
#define WT_DNS_RD 0x0100
#define WT_DNS_RA 0x0080
static inline guint wt_dns_opcode(guint16 flags) { return (flags >> 11) & 0xf; }
static inline guint wt_dns_rcode(guint16 flags) { return flags & 0xf; }
static inline guint wt_dns_z(guint16 flags) { return (flags >> 4) & 0x7; }

typedef enum {
  WT_DNS_OK = 0,
  WT_DNS_ERR_TRUNCATED,     /* the message ends inside a field: dns.truncated */
  WT_DNS_ERR_BAD_NAME,      /* label type 01/10 (RFC 6891 9: extended labels): dns.bad_name */
  WT_DNS_ERR_NAME_TOO_LONG, /* more than 255 octets: dns.name_too_long */
  WT_DNS_ERR_BAD_POINTER,   /* compression pointer past the end: dns.bad_pointer */
  WT_DNS_ERR_LOOP,          /* pointer not strictly backwards: dns.compression_loop */
  WT_DNS_ERR_BAD_RDATA,     /* rdata length wrong for its type: dns.bad_rdata */
  WT_DNS_ERR_N
} WtDnsError;

/* The anomaly name (`dns.reason`) of an error; NULL for WT_DNS_OK. */
const char *wt_dns_error_name(WtDnsError e);

typedef struct {
  guint16 id, flags, qdcount, ancount, nscount, arcount;
} WtDnsHeader;

/* Reads a (possibly compressed) name at r's position; r advances past the name as it
 * appears in place (up to and including the first pointer). `msg`/`msg_len` is the whole
 * message, the space pointers refer to. Compression pointers must point strictly
 * backwards, each before the previous one (BIND's rule), so decoding ends after at most
 * msg_len hops; anything else is a loop or a bad pointer. `text` receives the name with
 * dots ("" for the root), lower-cased as Zeek logs names, octets outside printable ASCII
 * as \xNN; it must hold WT_DNS_NAME_TEXT_MAX bytes. */
WtDnsError wt_dns_read_name(const guint8 *msg, gsize msg_len, WtReader *r, char *text);

typedef struct {
  WtDnsHeader hdr;
  gboolean has_question;      /* qdcount >= 1 and the first question parsed */
  char qname[WT_DNS_NAME_TEXT_MAX];
  guint16 qtype, qclass;
  /* The owner name of the first answer record (mDNS answers come without a question;
   * Zeek logs this name as the query then). Empty if no answer. */
  char first_owner[WT_DNS_NAME_TEXT_MAX];
  guint answers;              /* answer records parsed */
  gboolean has_edns;          /* an OPT record in the additional section */
  guint16 edns_udp_size;
} WtDnsMessage;

/* Summaries of the answer section for the log (Zeek's dns.log "answers" and "TTLs"):
 * texts separated by NUL bytes in `text`, one TTL per text. Reused across messages. */
typedef struct {
  GString *text;
  GArray *ttls;               /* guint32 */
  guint n;                    /* texts kept (at most WT_DNS_MAX_LOGGED_ANSWERS) */
  guint dropped;              /* answers beyond the limit */
} WtDnsAnswers;

void wt_dns_answers_init(WtDnsAnswers *a);
void wt_dns_answers_clear(WtDnsAnswers *a);
void wt_dns_answers_reset(WtDnsAnswers *a);  /* empty, keeping the memory */

/* Parses one whole message. On error *m holds what was read before it (the header once
 * 12 bytes were there; has_question once the question parsed). `answers` may be NULL.
 * `bytes_used` (may be NULL) gets the offset where parsing stopped: len for a message
 * that fills its buffer exactly. */
WtDnsError wt_dns_parse_message(const guint8 *msg, gsize len, WtDnsMessage *m,
                                WtDnsAnswers *answers, gsize *bytes_used);

/* Names of numbers, as Zeek's DNS consts (query_types, classes, base_errors). Unknown
 * values give NULL (the caller prints the number). */
const char *wt_dns_qtype_name(guint16 qtype);
const char *wt_dns_qclass_name(guint16 qclass);
const char *wt_dns_rcode_name(guint rcode);
const char *wt_dns_opcode_name(guint opcode);

/* NetBIOS first-level decoding (RFC 1001 14.1) of a 32-letter name into `out` (at least
 * 17 bytes): 16 octets, the last (the suffix) dropped, trailing spaces and NULs trimmed,
 * as Zeek's decode_netbios_name. FALSE if `in` is not such a name. */
gboolean wt_dns_netbios_decode(const char *in, char *out);
