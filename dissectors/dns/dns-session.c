/* DNS per-flow state: messages from UDP datagrams or from the TCP byte stream (2-byte
 * length prefix), queries waiting for their response (bounded FIFO), pairing by id,
 * dns.log lines, and the WtStreamDissector glue.
 *
 * Pairing follows Zeek: a response takes the oldest pending query with its id (a
 * retransmitted query, same id, leaves the newer copy pending); a response without a
 * query is logged alone; queries still pending when the flow ends are logged and counted
 * as unanswered. The flow is the tuple, so id + flow is the pairing key. */
#include "dissectors/dns/dns.h"

#include <string.h>

#include "dissectors/dns/dns-limits.h"
#include "dissectors/dns/dns-fleet.h"
#include "dissectors/dns/dns-log.h"
#include "dissectors/dns/dns-parse.h"
#include "dissectors/dns/dns-stats.h"

/* A TCP message we would have to hold whole must fit the reassembler's default leftover
 * (64 KiB) with its prefix; a larger one (only 65535 is) is skipped unread. */
#define TCP_MAX_HELD_MESSAGE (65536 - 2)

/* Short names (nearly all) live inside the struct and the queue link is embedded, so a
 * query costs one allocation. */
#define INLINE_NAME 64

typedef struct {
  GList link;             /* in Session.pending; data points to this struct */
  gint64 ts_ns;
  guint16 id, flags;
  gboolean has_question;
  guint16 qtype, qclass;
  char *qname;            /* as logged (NetBIOS names decoded); NULL without question */
  char inline_name[INLINE_NAME];
} PendingQuery;

typedef struct {
  gboolean lost;          /* framing lost after a gap or a bad length: rest unread */
  guint32 skip;           /* bytes of an oversized message still to skip */
} TcpHalf;

typedef struct {
  WtDnsStats *stats;
  WtAppContext *ctx;
  WtConnInfo conn;
  gboolean netbios;
  GQueue pending;         /* PendingQuery*, oldest first */
  TcpHalf tcp[2];
} Session;

static void anomaly(Session *s, const char *name)
{
  wt_anomaly(s->ctx ? s->ctx->anomalies : NULL, name);
}

static WtLog *dns_log(Session *s)
{
  return wt_app_log(s->ctx, &wt_dns_log_table);
}

/* The name as logged: NetBIOS names decoded like Zeek's decode_netbios_name. The result
 * points into `nb` (17 bytes) or at qname. */
static const char *display_name(Session *s, const char *qname, char *nb)
{
  if (s->netbios && wt_dns_netbios_decode(qname, nb))
    return nb;
  return qname;
}

static void pending_free(PendingQuery *q)
{
  if (q->qname != q->inline_name)
    g_free(q->qname);
  g_free(q);
}

static void log_unanswered(Session *s, const PendingQuery *q)
{
  wt_dns_stats_on_query_done(s->stats, q->qname, -1, -1);
  WtLog *log = dns_log(s);
  if (!log)
    return;
  WtDnsLogRecord rec = {
    .ts_ns = q->ts_ns, .trans_id = q->id, .rtt_ns = -1, .query = q->qname,
    .has_question = q->has_question, .qclass = q->qclass, .qtype = q->qtype, .rcode = -1,
    .TC = (q->flags & WT_DNS_TC) != 0, .RD = (q->flags & WT_DNS_RD) != 0,
    .Z = wt_dns_z(q->flags), .opcode = wt_dns_opcode(q->flags), .netbios = s->netbios,
  };
  wt_dns_log_write(log, &s->conn, &rec);
}

static void on_query(Session *s, const WtDnsMessage *m, gint64 ts)
{
  wt_dns_stats_on_query(s->stats, m);
  PendingQuery *q = g_new0(PendingQuery, 1);
  q->ts_ns = ts;
  q->id = m->hdr.id;
  q->flags = m->hdr.flags;
  q->has_question = m->has_question;
  q->qtype = m->qtype;
  q->qclass = m->qclass;
  if (m->has_question) {
    char nb[17];
    const char *name = display_name(s, m->qname, nb);
    gsize n = strlen(name);
    q->qname = n < INLINE_NAME ? memcpy(q->inline_name, name, n + 1) : g_strdup(name);
  }
  q->link.data = q;
  g_queue_push_tail_link(&s->pending, &q->link);
  if (g_queue_get_length(&s->pending) > WT_DNS_MAX_PENDING) {
    /* a client that is never answered (or we never see the answers) */
    PendingQuery *old = g_queue_pop_head_link(&s->pending)->data;
    anomaly(s, "dns.too_many_pending");
    wt_dns_stats_on_too_many_pending(s->stats);
    log_unanswered(s, old);
    pending_free(old);
  }
}

static PendingQuery *take_pending(Session *s, guint16 id)
{
  for (GList *l = s->pending.head; l; l = l->next) {
    PendingQuery *q = l->data;
    if (q->id == id) {
      g_queue_unlink(&s->pending, l);
      return q;
    }
  }
  return NULL;
}

static void on_response(Session *s, const WtDnsMessage *m, const WtDnsAnswers *a, gint64 ts)
{
  PendingQuery *q = take_pending(s, m->hdr.id);
  guint16 f = m->hdr.flags;
  int rcode = (int) wt_dns_rcode(f);
  wt_dns_stats_on_response(s->stats, m, q != NULL);
  gint64 rtt = q && ts > q->ts_ns ? ts - q->ts_ns : -1;
  const char *rname = NULL;
  char nb[17];
  if (q) {
    wt_dns_stats_on_query_done(s->stats, q->qname, rcode, ts >= q->ts_ns ? ts - q->ts_ns : -1);
  } else if (m->has_question) {
    rname = display_name(s, m->qname, nb);
  } else if (m->answers > 0) {
    rname = m->first_owner;  /* mDNS announcements: Zeek logs the owner */
  }
  WtLog *log = dns_log(s);
  if (log) {
    guint16 qf = q ? q->flags : f;  /* RD, Z and opcode are the asker's */
    WtDnsLogRecord rec = {
      .ts_ns = q ? q->ts_ns : ts, .trans_id = m->hdr.id, .rtt_ns = rtt,
      .query = q ? q->qname : rname,
      .has_question = q ? q->has_question : m->has_question,
      .qclass = q ? q->qclass : m->qclass, .qtype = q ? q->qtype : m->qtype,
      .rcode = rcode, .AA = (f & WT_DNS_AA) != 0,
      .TC = ((f | qf) & WT_DNS_TC) != 0, .RD = (qf & WT_DNS_RD) != 0,
      .RA = (f & WT_DNS_RA) != 0, .Z = wt_dns_z(qf), .answers = a,
      .rejected = rcode != 0 && m->hdr.qdcount == 0,  /* Zeek's rule */
      .opcode = wt_dns_opcode(qf), .netbios = s->netbios,
    };
    wt_dns_log_write(log, &s->conn, &rec);
  }
  if (q)
    pending_free(q);
}

/* One whole DNS message of `dir`. */
static void on_message(Session *s, const guint8 *data, gsize len, gint64 ts, gboolean tcp)
{
  WtDnsMessage m;
  WtDnsAnswers *a = wt_dns_stats_scratch(s->stats);
  wt_dns_answers_reset(a);
  gsize used = 0;
  WtDnsError e = wt_dns_parse_message(data, len, &m, a, &used);
  wt_dns_stats_on_message(s->stats, tcp);
  if (e != WT_DNS_OK) {
    anomaly(s, wt_dns_error_name(e));
    wt_dns_stats_on_malformed(s->stats, e);
    /* Without header or question there is nothing to pair or log; a message broken in
     * its records still tells its id, question and rcode. */
    if (used < WT_DNS_HEADER_LEN || (m.hdr.qdcount > 0 && !m.has_question))
      return;
  } else if (used < len) {
    anomaly(s, "dns.trailing_bytes");
  }
  if (a->dropped)
    anomaly(s, "dns.too_many_answers"); /* answers past the log's limit: counted, not logged */
  if (m.hdr.flags & WT_DNS_QR)
    on_response(s, &m, a, ts);
  else
    on_query(s, &m, ts);
}

/* ---------- WtStreamDissector ---------- */

static gpointer dns_session_new(gpointer stats, WtAppContext *ctx, const WtConnInfo *conn)
{
  Session *s = g_new0(Session, 1);
  s->stats = stats;
  s->ctx = ctx;
  s->conn = *conn;
  s->netbios = conn->proto == 17 && (conn->resp_p == 137 || conn->orig_p == 137);
  g_queue_init(&s->pending);
  return s;
}

static void dns_datagram(gpointer p, WtDir dir, const guint8 *data, gsize len, gint64 ts_ns)
{
  (void) dir;
  on_message(p, data, len, ts_ns, FALSE);
}

/* TCP: messages with a 2-byte length prefix. Consumes whole messages only; a partial one
 * stays with the reassembler, which offers it again with more bytes. */
static gsize dns_deliver(gpointer p, WtDir dir, const guint8 *data, gsize len, gint64 ts_ns)
{
  Session *s = p;
  TcpHalf *h = &s->tcp[dir];
  gsize pos = 0;
  if (h->lost)
    return len;
  while (pos < len) {
    if (h->skip) {
      gsize n = MIN((gsize) h->skip, len - pos);
      h->skip -= (guint32) n;
      pos += n;
      continue;
    }
    WtReader r = wt_reader_init(data + pos, len - pos);
    guint16 mlen;
    if (!wt_reader_get_be16(&r, &mlen))
      break;
    if (mlen < WT_DNS_HEADER_LEN) {
      /* not a DNS message: framing cannot be trusted any more */
      anomaly(s, "dns.tcp_bad_length");
      h->lost = TRUE;
      return len;
    }
    if (mlen > TCP_MAX_HELD_MESSAGE) {
      anomaly(s, "dns.message_too_large");
      h->skip = mlen;
      pos += 2;
      continue;
    }
    if (wt_reader_remaining(&r) < mlen)
      break;  /* wait for the rest */
    on_message(s, data + pos + 2, mlen, ts_ns, TRUE);
    pos += 2u + mlen;
  }
  return pos;
}

static void dns_gap(gpointer p, WtDir dir, guint64 len)
{
  Session *s = p;
  (void) len;
  /* a length prefix may have been in the hole: no way to find the next message */
  if (!s->tcp[dir].lost)
    anomaly(s, "dns.tcp_gap");
  s->tcp[dir].lost = TRUE;
}

static void dns_eof(gpointer p, WtDir dir, gint64 ts_ns)
{
  (void) p;
  (void) dir;
  (void) ts_ns;
}

/* Both directions ended: no query waits for its answer (those are logged when freed). */
static gboolean dns_settled(gpointer p)
{
  Session *s = p;
  return g_queue_is_empty(&s->pending);
}

static void dns_session_free(gpointer p)
{
  Session *s = p;
  GList *l;
  while ((l = g_queue_pop_head_link(&s->pending))) {
    log_unanswered(s, l->data);
    pending_free(l->data);
  }
  g_free(s);
}

/* Finds DNS on ports outside the table: the bytes must be exactly one well-formed message
 * (a UDP datagram), a query from the originator or a response from the responder, with
 * one question of a known class. A TCP stream starts with a length prefix and so never
 * passes; DNS over TCP is found by port. */
static gboolean dns_probe(const guint8 *data, gsize len, WtDir dir)
{
  WtDnsMessage m;
  gsize used;
  if (len < WT_DNS_HEADER_LEN + 5)
    return FALSE;
  if (wt_dns_parse_message(data, len, &m, NULL, &used) != WT_DNS_OK || used != len)
    return FALSE;
  gboolean qr = (m.hdr.flags & WT_DNS_QR) != 0;
  /* of the three Z bits only the top one is still reserved: AD and CD (RFC 4035) are set
   * by ordinary clients (dig sets AD) */
  if (qr != (dir == WT_DIR_RESP) || m.hdr.qdcount != 1 || (m.hdr.flags & 0x0040))
    return FALSE;
  if (wt_dns_opcode(m.hdr.flags) > 6 || wt_dns_opcode(m.hdr.flags) == 3)
    return FALSE;
  if (!qr && (wt_dns_rcode(m.hdr.flags) != 0 || m.hdr.ancount > 0))
    return FALSE;
  return wt_dns_qclass_name(m.qclass & 0x7fff) != NULL;  /* mDNS: top bit is QU / cache-flush */
}

static const guint16 dns_ports[] = { 53, 137, 5353, 5355, 0 };

static const WtLogTable *const dns_log_tables[] = { &wt_dns_log_table, NULL };

const WtStreamDissector wt_dns_dissector = {
  .name = "dns",
  .ports = dns_ports,
  .log_tables = dns_log_tables,
  .fleet_report = wt_dns_fleet_report,
  .probe = dns_probe,
  .stats_new = wt_dns_stats_new,
  .stats_free = wt_dns_stats_free,
  .stats_merge = wt_dns_stats_merge,
  .report = wt_dns_stats_report,
  .metrics = wt_dns_stats_metrics,
  .session_new = dns_session_new,
  .deliver = dns_deliver,
  .gap = dns_gap,
  .eof = dns_eof,
  .datagram = dns_datagram,
  .session_free = dns_session_free,
  .settled = dns_settled,
};
