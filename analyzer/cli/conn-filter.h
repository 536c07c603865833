/* A small connection filter for --explain and --follow: terms joined by "and", each of
 * which must match one of the connection's endpoints:
 *   "80" or "port 80"            either port
 *   "10.0.0.1" or "host ::1"     either address
 *   "10.0.0.1:80", "[::1]:80"    an endpoint (address and port)
 *   "tcp", "udp"                 the protocol
 *   "uid CAbc..."                one connection by its conn.log uid
 * e.g. --explain 'host 10.0.0.1 and port 80'. */
#pragma once
#include <glib.h>
#include "analyzer/core/stream.h"

typedef struct WtConnFilter WtConnFilter;

WtConnFilter *wt_conn_filter_parse(const char *text, GError **error);
void wt_conn_filter_free(WtConnFilter *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtConnFilter, wt_conn_filter_free)
gboolean wt_conn_filter_match(const WtConnFilter *f, const WtConnInfo *c);
/* Parse an IPv4 or IPv6 address literal. */
gboolean wt_addr_parse(const char *s, WtAddr *out);
