/* Every structure of the DNS dissector that grows with traffic has its limit here, and
 * hitting it is a named anomaly (design.md: "memory stays flat"). */
#pragma once

/* RFC 1035 3.1: a name is at most 255 octets on the wire (length bytes included), a
 * label at most 63. */
#define WT_DNS_MAX_NAME_WIRE 255
#define WT_DNS_MAX_LABEL 63
/* A name as text: every octet may become "\xNN" (4 chars), plus dots and the NUL. */
#define WT_DNS_NAME_TEXT_MAX (WT_DNS_MAX_NAME_WIRE * 4 + 1)
/* Queries waiting for their response on one flow. Beyond it the oldest is given up as
 * unanswered (`dns.too_many_pending`). Zeek gives up at 50 ids. */
#define WT_DNS_MAX_PENDING 128
/* Answer records kept for one dns.log line; more are counted, not logged
 * (`dns.too_many_answers`). */
#define WT_DNS_MAX_LOGGED_ANSWERS 64
/* Bytes of one answer's text in dns.log (a TXT record can fill a 64 KiB message; Zeek
 * logs it whole), and of all answers of one message together. */
#define WT_DNS_MAX_ANSWER_TEXT 65536
#define WT_DNS_MAX_ANSWERS_TEXT (256 * 1024)
/* Distinct query names counted by name; the rest is "(other)". */
#define WT_DNS_MAX_TOP_KEYS 10000
/* Rows printed per top-N table in the report. */
#define WT_DNS_REPORT_ROWS 20
/* Distinct query types / rcodes counted by number; beyond it (never, in practice: the
 * fields are 16 and 4+8 bits) "other". */
#define WT_DNS_MAX_TYPE_KEYS 512
