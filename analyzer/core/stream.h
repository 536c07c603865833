/* The application-layer interface: what the TCP reassembler (and UDP) hands an
 * application dissector. In-order bytes, gap notices, end-of-stream, nothing else
 * (Zeek's DeliverStream / Undelivered / EndpointEOF; Suricata's consumed/needed).
 * HTTP never sees TCP; TCP never sees HTTP. */
#pragma once
#include <glib.h>
#include <stdio.h>
#include "analyzer/core/packet.h"
#include "analyzer/report/report.h"
#include "analyzer/core/anomaly.h"
#include "analyzer/core/series.h"
#include "analyzer/core/metrics.h"

/* Direction of bytes relative to the connection's originator (client). */
typedef enum { WT_DIR_ORIG = 0, WT_DIR_RESP = 1 } WtDir;

/* What an application dissector may know about its connection (for logs). */
typedef struct {
  char uid[20];          /* Zeek-style connection uid, e.g. "CAbc123..." */
  WtAddr orig_h, resp_h;
  guint16 orig_p, resp_p;
  guint8 proto;          /* 6 TCP, 17 UDP */
  /* The bytes a session gets are the decrypted content of a TLS connection (HTTPS):
   * http.log's `tls`, the HTTP tables' scheme. Set by the TLS dissector for its inner
   * session, FALSE for the bytes a transport delivers. */
  gboolean tls;
  guint8 n_tunnel_parents; /* the uids of the tunnels that carried it (conn.log's
                            * tunnel_parents): n NUL-terminated strings one after the
                            * other, owned by the flow table's user (analyzer) */
  const char *tunnel_parents;
  /* text forms of orig_h/resp_h, filled on first use by wt_conn_info_addr (logs write them
   * once per transaction; formatting once per connection is enough) */
  char addr_text[2][46];
} WtConnInfo;

/* "10.0.0.1" or "2001:db8::1" for the originator (WT_DIR_ORIG) or responder. */
const char *wt_conn_info_addr(const WtConnInfo *ci, int dir);
/* Forget the cached text forms (after the endpoints changed, e.g. a role flip). */
static inline void wt_conn_info_reset_text(WtConnInfo *ci)
{
  ci->addr_text[0][0] = ci->addr_text[1][0] = '\0';
}

/* Where records of one log table go (analyzer/core/log-record.h). */
typedef struct WtLog WtLog;
struct WtLogTable;
struct WtFleet; /* a fleet-report query (analyzer/core/fleet-query.h) */

/* Shared, per-analysis context given to every dissector: where to count, where to log. */
typedef struct {
  WtAnomalies *anomalies;
  WtLog *const *logs; /* one per written table (wt_app_log); none unless --log-dir */
  guint n_logs;
  WtSeriesSink *series;  /* per-interval counts of declared series; NULL-safe wt_series_count */
  /* The pipeline's dissectors, for a session that carries another protocol inside it
   * (TLS: the decrypted content goes to the dissector ALPN names, or that a probe finds);
   * NULL in a context without dissectors (some unit tests). */
  const struct WtAppSelector *apps;
} WtAppContext;

/* Stream offsets as this interface counts them: bytes offered to deliver() (consumed or
 * not) plus gap lengths, from where the direction's stream starts. */
#define WT_STREAM_UNKNOWN G_MAXUINT64
typedef struct WtStreamAcks WtStreamAcks;
struct WtStreamAcks {
  guint64 at;  /* stream offset of data[0] of the coming deliver() (when given, see acks) */
  /* What the segment that carried byte `off` of this direction had acknowledged of the
   * other one: the peer's stream offset (how much of the other direction its sender had
   * received when it sent that byte), or WT_STREAM_UNKNOWN (no ACK flag, a peer stream
   * not anchored yet, a byte too old to remember). Asked only during a deliver() of this
   * direction, for its bytes. */
  guint64 (*acked)(const WtStreamAcks *self, guint64 off);
  gconstpointer ctx;  /* the transport's */
};

/* What a session that hands off leaves for the next one (WtStreamDissector.handoff_note):
 * e.g. an HTTP/1.1 request upgraded to HTTP/2 by `Upgrade: h2c`, which the HTTP/2 session
 * takes as its stream 1. `to` names the dissector it is for; only that one is given it. */
typedef struct WtHandoffNote {
  const char *to;               /* a WtStreamDissector.name, static */
  gpointer data;                /* the two dissectors' own (a type their headers share) */
  void (*free_data)(gpointer data);
} WtHandoffNote;

static inline void wt_handoff_note_free(WtHandoffNote *n)
{
  if (!n)
    return;
  if (n->free_data)
    n->free_data(n->data);
  g_free(n);
}

typedef struct WtStreamDissector {
  const char *name;             /* "http" -> conn.log service */
  const guint16 *ports;         /* 0-terminated port table; may be NULL */
  /* The log tables it writes (NULL-terminated; may be NULL): the pipeline opens a sink for
   * each, the ClickHouse schema has a table for each. */
  const struct WtLogTable *const *log_tables;
  /* Its section of the fleet report over those tables in ClickHouse (--from-clickhouse);
   * NULL: none. The type is WtFleetSectionFunc (analyzer/core/fleet-query.h). */
  gboolean (*fleet_report)(const struct WtFleet *f, WtReport *r, GError **error);
  /* Its fleet metrics over the same tables (--from-clickhouse --metrics); NULL: none. The
   * type is WtFleetMetricsFunc (analyzer/core/fleet-query.h). */
  gboolean (*fleet_metrics)(const struct WtFleet *f, struct WtMetrics *m, GError **error);
  /* Content probe on the first bytes seen in a direction: TRUE if this looks like ours.
   * Must not read beyond len; called with whatever is available (may be short). */
  gboolean (*probe)(const guint8 *data, gsize len, WtDir dir);
  /* Optional (NULL: never): TRUE when `data`, on which probe() said no, is too short to
   * tell but may start this protocol: the transport then waits for more bytes before it
   * chooses by port (a preface cut into pieces must not go to the port's dissector). */
  gboolean (*probe_wait)(const guint8 *data, gsize len, WtDir dir);

  gpointer (*stats_new)(void);  /* the dissector's tap: its counters */
  void (*stats_free)(gpointer stats);
  void (*stats_merge)(gpointer into, gpointer from);  /* for --threads */
  /* Writes its own section(s); opts may be NULL (the tap's defaults). */
  void (*report)(gpointer stats, const WtReportOptions *opts, WtReport *r);
  /* Timeline series it counts (wt_series_count into WtAppContext.series), their columns
   * after the timeline's own and those of the dissectors before it, and their charts;
   * NULL when none. */
  const WtSeriesGroup *series;
  /* Another dissector's name whose tap this one also fills (NULL: none), e.g. HTTP/2's
   * transactions in HTTP's tables: the registry hands that dissector's stats to tap_link
   * once both taps exist (each keeps merging and reporting its own). */
  const char *tap_of;
  void (*tap_link)(gpointer stats, gpointer shared_stats);

  gpointer (*session_new)(gpointer stats, WtAppContext *ctx, const WtConnInfo *conn);
  /* Bytes in order for `dir`. Returns how many it consumed; the caller keeps the rest
   * and offers them again, with more, on the next call. ts_ns: capture time of the
   * segment that completed this data. */
  gsize (*deliver)(gpointer session, WtDir dir, const guint8 *data, gsize len, gint64 ts_ns);
  /* `len` bytes of `dir` were never seen (capture loss); later bytes follow. */
  void (*gap)(gpointer session, WtDir dir, guint64 len);
  /* No more bytes in `dir` (FIN, RST, timeout or end of input). */
  void (*eof)(gpointer session, WtDir dir, gint64 ts_ns);
  /* UDP: one whole datagram of `dir` (NULL for stream-only dissectors). */
  void (*datagram)(gpointer session, WtDir dir, const guint8 *data, gsize len, gint64 ts_ns);
  /* Connection finished: flush pending transactions to logs/tables, free. */
  void (*session_free)(gpointer session);
  /* Optional (TCP only; NULL: not called): what the senders of the deliver()s of `dir`
   * had acknowledged of the other direction, for pairing messages across directions when
   * the capture lost some (see WtStreamAcks). Called right before a deliver(): before the
   * first one of `dir`, and again whenever the transport's count of stream offsets may
   * differ from the session's own (bytes offered + gaps since `at`); `acks` stays valid
   * for the session's life. */
  void (*acks)(gpointer session, WtDir dir, const WtStreamAcks *acks);
  /* Optional (TCP only; NULL: never): asked after each deliver(). TRUE when the rest of
   * the connection is another protocol (a SOCKS or HTTP CONNECT proxy's handshake ended):
   * the session has consumed exactly its own bytes of both directions and leaves the rest
   * unconsumed. TCP then frees the session (session_free), chooses a dissector again for
   * the bytes that follow in either direction (content probe, then the port table for
   * *port when the session set it, e.g. the port the proxy was asked to connect to) and
   * gives it a new session whose stream offsets count from there; conn.log's service
   * lists them in order ("socks,http"). */
  gboolean (*handoff)(gpointer session, guint16 *port);
  /* The ALPN protocol ids (RFC 7301) that name this protocol inside TLS, NULL-terminated;
   * NULL: none ("http/1.1" is HTTP/1, "h2" HTTP/2). */
  const char *const *alpn;
  /* Optional (NULL: none): asked once after handoff() said TRUE, before session_free: what
   * this session leaves for the next one (the caller owns it), or NULL. */
  WtHandoffNote *(*handoff_note)(gpointer session);
  /* Optional (NULL: none): the protocol read inside this session, named after this one in
   * conn.log's service (TLS decrypted with a key log: the dissector its plaintext went to,
   * "tls,http" / "tls,http2"); NULL when none was. Asked before session_free. */
  const char *(*inner_service)(gpointer session);
  /* Optional: given, right after session_new, a WtHandoffNote's data that the session
   * before it left for this dissector (note->to == name). Borrowed for the call: the
   * session takes what it needs out of it; the note is freed after. */
  void (*adopt)(gpointer session, gpointer data);
  /* Optional (TCP only; NULL: never): asked once both directions have ended (eof given
   * for each). TRUE when session_free, called now, would write no log record and do
   * nothing that depends on when it runs (nothing pending, nothing held for keys still to
   * come): TCP then frees the session right away, asking inner_service first, instead of
   * at the flow's end, which for a closed connection is TIME-WAIT (60 s) later. */
  gboolean (*settled)(gpointer session);
  /* Optional (NULL: none): the tap's counters as live metrics (--metrics): declares its
   * families (wiretab_<name>_..., counters ending in _total) and adds its samples
   * (analyzer/core/metrics.h). Called on the thread that fills the tap, between frames;
   * with --threads each worker's metrics are summed, so only counters and histograms
   * that add up across taps belong here. */
  void (*metrics)(gconstpointer stats, WtMetrics *m);
} WtStreamDissector;
