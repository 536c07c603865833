/* The SSH tap: connections, software on each side, protocol versions and negotiated
 * algorithms, bounded (top-n.h). */
#pragma once
#include "dissectors/ssh/ssh.h"
#include "analyzer/core/series.h"

/* What one connection showed, handed to the tap when it ends. Strings may be NULL (that
 * side's identification or KEXINIT was not seen). */
typedef struct {
  const char *client, *server;      /* software ("OpenSSH_9.2p1 Debian-2") */
  const char *version;              /* the client's protocol version ("2.0"), else the server's */
  const char *kex_alg, *host_key_alg, *cipher_alg, *mac_alg, *compression_alg;
  gboolean not_ssh, malformed;      /* a side did not speak SSH / broke its framing */
  guint64 gaps;                     /* capture gaps before the handshake was read */
} WtSshConnSummary;

gpointer wt_ssh_stats_new(void);
void wt_ssh_stats_free(gpointer p);
void wt_ssh_stats_merge(gpointer into, gpointer from);
void wt_ssh_stats_add(WtSshStats *s, const WtSshConnSummary *c);
void wt_ssh_stats_report(gpointer p, const WtReportOptions *opts, WtReport *r);

/* Timeline: connections whose first identification string was seen, by its time. */
enum { WT_SSH_SERIES_CONNECTIONS, WT_SSH_N_SERIES };
extern guint wt_ssh_series_col[WT_SSH_N_SERIES];
extern const WtSeriesGroup wt_ssh_series;
