/* The SOCKS tap: handshakes by version, command, authentication method, reply and target,
 * bounded (top-n.h); written into the "proxies" section. */
#pragma once
#include "dissectors/socks/socks.h"

/* What one connection showed, handed to the tap when it ends. Strings may be NULL. */
typedef struct {
  const char *version;   /* "4", "4a", "5" */
  const char *command;   /* "connect", "bind", "udp_associate" */
  const char *auth;      /* the method the server chose (SOCKS 5) */
  const char *status;    /* the reply (Zeek's text); NULL: none seen */
  const char *target;    /* "name:port" or "address:port" */
  gboolean granted, handed_off, auth_failed, not_socks, malformed;
  guint64 gaps;
} WtSocksConnSummary;

gpointer wt_socks_stats_new(void);
void wt_socks_stats_free(gpointer p);
void wt_socks_stats_merge(gpointer into, gpointer from);
void wt_socks_stats_add(WtSocksStats *s, const WtSocksConnSummary *c);
void wt_socks_stats_report(gpointer p, const WtReportOptions *opts, WtReport *r);
