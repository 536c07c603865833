/* Every structure of the HTTP dissector that grows with traffic has its limit here, and
 * hitting it is a named anomaly (design.md: "memory stays flat"). */
#pragma once

/* Start line + header fields of one message (nginx: large_client_header_buffers). A
 * longer block is `http.header_too_long`; the connection resynchronises. */
#define WT_HTTP_MAX_HEADER_BLOCK (64 * 1024)
/* Header fields per message; beyond it `http.too_many_headers` (framing is still read). */
#define WT_HTTP_MAX_HEADERS 256
/* A chunk-size line with its extensions. */
#define WT_HTTP_MAX_CHUNK_LINE 4096
/* resync: a line this long is searched for a request line glued to its end */
#define WT_HTTP_MAX_RESYNC_LINE 8192
/* Longest method token we accept in a request line. */
#define WT_HTTP_MAX_METHOD 32
/* Bytes kept per string field of a transaction (uri, host, user agent ...) for the log
 * and the tables; longer values are truncated, not rejected. */
#define WT_HTTP_MAX_FIELD 2048
#define WT_HTTP_MAX_REASON 256
/* Transactions waiting for their response on one connection (pipelining depth). */
#define WT_HTTP_MAX_PENDING 512
/* Client bytes held back while a CONNECT / Upgrade request waits for its answer. */
#define WT_HTTP_MAX_WAIT_HOLD (64 * 1024)
/* Distinct non-standard method names counted by name; the rest is "OTHER". */
#define WT_HTTP_MAX_EXTRA_METHODS 64
/* Distinct keys per top-N table (hosts, uris, endpoints ...); the rest is "(other)". */
#define WT_HTTP_MAX_TOP_KEYS 10000
/* Rows printed per top-N table in the report. */
#define WT_HTTP_REPORT_ROWS 50
