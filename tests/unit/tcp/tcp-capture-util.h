/* Shared by the capture-driven tcp tests: decode a capture file with the project's
 * decoders and track its TCP connections with tcp-state.c alone (a minimal flow table,
 * port reuse and role flips handled like the real glue, no reassembler). */
#pragma once
#include <glib.h>
#include <pcap.h>
#include <string.h>
#include "analyzer/pipeline/decode.h"
#include "dissectors/tcp/tcp-state.h"

typedef struct {
  WtAddr h[2];      /* by WtDir */
  guint16 p[2];
  WtTcpConn conn;
  guint serial;
} Conn;

typedef struct {
  GPtrArray *done;  /* Conn*, in the order they ended */
  GHashTable *live; /* canonical key string -> Conn* */
  guint serial;
} Tracker;

/* How track() gives a segment to its connection: wt_tcp_conn_update unless a test sets
 * another function (test-tcp-fast-path.c runs both of the module's paths). */
typedef WtTcpUpdate (*TrackUpdateFn)(WtTcpConn *c, const WtPacket *p, WtDir dir);
static TrackUpdateFn track_update;

static char *canon_key(const WtPacket *p)
{
  char a[64], b[64];
  wt_addr_to_string(&p->src, a, sizeof a);
  wt_addr_to_string(&p->dst, b, sizeof b);
  int c = wt_addr_compare(&p->src, &p->dst);
  if (c < 0 || (c == 0 && p->sport <= p->dport))
    return g_strdup_printf("%s/%u-%s/%u", a, p->sport, b, p->dport);
  return g_strdup_printf("%s/%u-%s/%u", b, p->dport, a, p->sport);
}

static Conn *conn_new(Tracker *t, const WtPacket *p)
{
  Conn *c = g_new0(Conn, 1);
  c->h[WT_DIR_ORIG] = p->src;
  c->h[WT_DIR_RESP] = p->dst;
  c->p[WT_DIR_ORIG] = p->sport;
  c->p[WT_DIR_RESP] = p->dport;
  c->serial = t->serial++;
  wt_tcp_conn_init(&c->conn, 0);
  return c;
}

static void track(Tracker *t, WtPacket *p)
{
  g_autofree char *key = canon_key(p);
  Conn *c = g_hash_table_lookup(t->live, key);
  WtDir dir = WT_DIR_ORIG;
  if (c) {
    dir = (wt_addr_compare(&p->src, &c->h[WT_DIR_ORIG]) == 0 && p->sport == c->p[WT_DIR_ORIG])
              ? WT_DIR_ORIG : WT_DIR_RESP;
    if (wt_tcp_conn_is_new_syn(&c->conn, p, dir)) {
      wt_tcp_conn_finish(&c->conn, p->ts_ns);
      g_ptr_array_add(t->done, c);
      g_hash_table_steal(t->live, key);
      c = NULL;
    }
  }
  if (!c) {
    c = conn_new(t, p);
    dir = WT_DIR_ORIG;
    g_hash_table_insert(t->live, g_strdup(key), c);
  }
  WtTcpUpdate u = track_update ? track_update(&c->conn, p, dir)
                                : wt_tcp_conn_update(&c->conn, p, dir, NULL);
  if (u.flipped) {
    WtAddr a = c->h[0];
    c->h[0] = c->h[1];
    c->h[1] = a;
    guint16 q = c->p[0];
    c->p[0] = c->p[1];
    c->p[1] = q;
  }
}

static gint by_serial(gconstpointer a, gconstpointer b)
{
  const Conn *x = *(Conn *const *) a, *y = *(Conn *const *) b;
  return (gint) x->serial - (gint) y->serial;
}

/* Decode every frame; TCP segments go to the tracker. Returns the connections in creation
 * order (Zeek's uids follow creation order too). */
static GPtrArray *run_capture(const char *path, gboolean ignore_checksums)
{
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
  g_assert_nonnull(pc);
  g_autoptr(WtDecoders) dec = wt_decoders_new(NULL);
  g_autoptr(WtAnomalies) an = wt_anomalies_new();
  Tracker t = { g_ptr_array_new(), g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                0 };
  struct pcap_pkthdr *h;
  const u_char *data;
  gint64 last = 0;
  while (pcap_next_ex(pc, &h, &data) == 1) {
    WtPacket p;
    memset(&p, 0, sizeof p);
    p.ts_ns = (gint64) h->ts.tv_sec * 1000000000 + h->ts.tv_usec; /* nano precision */
    p.caplen = h->caplen;
    p.wirelen = h->len;
    p.linktype = pcap_datalink(pc);
    p.frame = data;
    last = p.ts_ns;
    WtDecodeStatus st = wt_decode_frame(dec, &p, an);
    if (p.ip_proto != 6 || p.tcp_hdr_len == 0)
      continue;
    if (st != WT_DECODE_OK && st != WT_DECODE_TRUNCATED)
      continue;
    if (ignore_checksums)
      p.l4_bad_checksum = FALSE;
    track(&t, &p);
  }
  pcap_close(pc);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, t.live);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    wt_tcp_conn_finish(&((Conn *) v)->conn, last);
    g_ptr_array_add(t.done, v);
  }
  g_hash_table_destroy(t.live);
  g_ptr_array_sort(t.done, by_serial);
  return t.done;
}

