#include "dissectors/ip/ip-defrag.h"

#include <string.h>

#define DATAGRAM_MAX 65535u /* no reassembled payload may exceed the 16-bit length */

typedef struct {
  guint32 start, end; /* [start, end) held */
} Piece;

typedef struct {
  WtIpFragKey key;
  GList age_link;      /* node in WtIpDefrag.age, data = this datagram */
  gint64 first_ts;
  guint8 *buf;
  guint32 buf_cap;
  guint32 total;       /* datagram length, known once the last fragment arrived */
  gboolean have_last;
  gboolean have_first;
  guint8 next_header;
  guint n_pieces;
  Piece pieces[WT_IP_DEFRAG_MAX_PIECES]; /* sorted, disjoint, non-adjacent */
} Datagram;

struct WtIpDefrag {
  GHashTable *table;   /* WtIpFragKey* (inside Datagram) -> Datagram* */
  GQueue age;          /* oldest first */
  gsize mem, mem_cap;
  gint64 timeout_ns;
  guint8 *done_buf;    /* last completed datagram, freed at the next frame */
};

static const char *name_for(guint8 family, const char *v4, const char *v6)
{
  return family == 6 ? v6 : v4;
}
#define FRAG_ANOMALY(a, fam, what) wt_anomaly((a), name_for((fam), "ip4." what, "ip6." what))

static guint key_hash(gconstpointer p)
{
  const WtIpFragKey *k = p;
  guint h = k->id * 2654435761u ^ k->proto ^ ((guint) k->family << 8);
  for (guint i = 0; i < 16; i++)
    h = h * 31 + k->src.bytes[i] + k->dst.bytes[i] * 7u;
  return h;
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, sizeof(WtIpFragKey)) == 0;
}

void wt_ip_frag_key(const WtPacket *pkt, WtIpFragKey *key)
{
  memset(key, 0, sizeof *key);
  key->src = pkt->src;
  key->dst = pkt->dst;
  key->id = pkt->frag_id;
  key->family = pkt->src.family;
  /* RFC 791 keys IPv4 datagrams by protocol too; IPv6 identifications are per address
   * pair, and only the first fragment knows the upper layer */
  key->proto = pkt->src.family == 4 ? pkt->ip_proto : 0;
}

static gsize datagram_mem(const Datagram *dg)
{
  return sizeof *dg + dg->buf_cap;
}

WtIpDefrag *wt_ip_defrag_new(gsize mem_cap, gint64 timeout_ns)
{
  WtIpDefrag *d = g_new0(WtIpDefrag, 1);
  d->table = g_hash_table_new(key_hash, key_equal);
  g_queue_init(&d->age);
  d->mem_cap = mem_cap;
  d->timeout_ns = timeout_ns;
  return d;
}

static void datagram_drop(WtIpDefrag *d, Datagram *dg)
{
  g_hash_table_remove(d->table, &dg->key);
  g_queue_unlink(&d->age, &dg->age_link);
  d->mem -= datagram_mem(dg);
  g_free(dg->buf);
  g_free(dg);
}

void wt_ip_defrag_free(WtIpDefrag *d)
{
  if (!d)
    return;
  while (d->age.head)
    datagram_drop(d, d->age.head->data);
  g_hash_table_destroy(d->table);
  g_free(d->done_buf);
  g_free(d);
}

void wt_ip_defrag_release(WtIpDefrag *d)
{
  g_clear_pointer(&d->done_buf, g_free);
}

gsize wt_ip_defrag_mem(const WtIpDefrag *d) { return d->mem; }
guint wt_ip_defrag_pending(const WtIpDefrag *d) { return g_hash_table_size(d->table); }

void wt_ip_defrag_expire(WtIpDefrag *d, gint64 now_ns, WtAnomalies *a)
{
  /* now - first > timeout, written so that neither side can overflow */
  gint64 limit = now_ns < G_MININT64 + d->timeout_ns ? G_MININT64 : now_ns - d->timeout_ns;
  while (d->age.head) {
    Datagram *dg = d->age.head->data;
    if (dg->first_ts >= limit)
      break;
    FRAG_ANOMALY(a, dg->key.family, "frag_timeout");
    datagram_drop(d, dg);
  }
}

/* Make room for `need` more bytes by dropping the oldest datagrams other than `keep`.
 * FALSE if even that is not enough. */
static gboolean reserve(WtIpDefrag *d, gsize need, const Datagram *keep, WtAnomalies *a)
{
  while (d->mem + need > d->mem_cap) {
    GList *old = d->age.head;
    if (old && old->data == keep)
      old = old->next;
    if (!old)
      return FALSE;
    wt_anomaly(a, "ip.frag_cap");
    datagram_drop(d, old->data);
  }
  d->mem += need;
  return TRUE;
}

static Datagram *datagram_find_or_new(WtIpDefrag *d, const WtIpFragment *f, WtAnomalies *a)
{
  Datagram *dg = g_hash_table_lookup(d->table, &f->key);
  if (dg)
    return dg;
  if (!reserve(d, sizeof *dg, NULL, a)) {
    wt_anomaly(a, "ip.frag_cap");
    return NULL;
  }
  dg = g_new0(Datagram, 1);
  dg->key = f->key;
  dg->first_ts = f->ts_ns;
  dg->age_link.data = dg;
  g_queue_push_tail_link(&d->age, &dg->age_link);
  g_hash_table_insert(d->table, &dg->key, dg);
  return dg;
}

static gboolean grow(WtIpDefrag *d, Datagram *dg, guint32 end, WtAnomalies *a)
{
  if (end <= dg->buf_cap)
    return TRUE;
  /* Doubling keeps reallocations few for in-order trains; the known total (if the last
   * fragment came first) is the exact size. */
  guint32 cap = dg->have_last ? dg->total : MAX(end, MIN(dg->buf_cap * 2u, DATAGRAM_MAX));
  cap = MAX(cap, end);
  if (!reserve(d, cap - dg->buf_cap, dg, a)) {
    wt_anomaly(a, "ip.frag_cap");
    return FALSE;
  }
  dg->buf = g_realloc(dg->buf, cap);
  dg->buf_cap = cap;
  return TRUE;
}

/* Copy the parts of [s, e) no piece holds yet (first arrival wins); compare the parts
 * that are held. Returns whether anything overlapped, and sets *conflict when
 * overlapping bytes differ. */
static gboolean copy_new_bytes(Datagram *dg, const WtIpFragment *f, gboolean *conflict)
{
  guint32 s = f->offset, e = f->offset + f->len, cur = s;
  gboolean overlap = FALSE;
  for (guint i = 0; i < dg->n_pieces && cur < e; i++) {
    const Piece *p = &dg->pieces[i];
    if (p->end <= cur)
      continue;
    if (p->start >= e)
      break;
    if (p->start > cur)
      memcpy(dg->buf + cur, f->data + (cur - s), p->start - cur);
    guint32 os = MAX(cur, p->start), oe = MIN(e, p->end);
    overlap = TRUE;
    if (memcmp(dg->buf + os, f->data + (os - s), oe - os) != 0)
      *conflict = TRUE;
    cur = oe;
  }
  if (cur < e)
    memcpy(dg->buf + cur, f->data + (cur - s), e - cur);
  return overlap;
}

/* Insert [s, e) into the sorted piece list, merging with overlapping or adjacent
 * pieces. FALSE if that would need more than WT_IP_DEFRAG_MAX_PIECES pieces. */
static gboolean pieces_insert(Datagram *dg, guint32 s, guint32 e)
{
  guint i = 0;
  while (i < dg->n_pieces && dg->pieces[i].end < s)
    i++;
  guint j = i;
  while (j < dg->n_pieces && dg->pieces[j].start <= e) {
    s = MIN(s, dg->pieces[j].start);
    e = MAX(e, dg->pieces[j].end);
    j++;
  }
  /* pieces[i..j) merge into one */
  if (i == j) {
    if (dg->n_pieces >= WT_IP_DEFRAG_MAX_PIECES)
      return FALSE;
    memmove(&dg->pieces[i + 1], &dg->pieces[i], (dg->n_pieces - i) * sizeof(Piece));
    dg->n_pieces++;
  } else if (j - i > 1) {
    memmove(&dg->pieces[i + 1], &dg->pieces[j], (dg->n_pieces - j) * sizeof(Piece));
    dg->n_pieces -= j - i - 1;
  }
  dg->pieces[i].start = s;
  dg->pieces[i].end = e;
  return TRUE;
}

/* Checks that need no state. A non-last fragment whose length is not a multiple of 8
 * cannot be followed without a hole or an overlap; we count it but keep it, as Zeek
 * and Wireshark do (the hole may still be filled). */
static gboolean fragment_valid(const WtIpFragment *f, WtAnomalies *a)
{
  if ((guint64) f->offset + f->len > DATAGRAM_MAX) {
    FRAG_ANOMALY(a, f->key.family, "frag_too_large");
    return FALSE;
  }
  if (f->more && (f->len == 0 || f->len % 8 != 0)) {
    FRAG_ANOMALY(a, f->key.family, "frag_bad_length");
    if (f->len == 0)
      return FALSE;
  }
  return TRUE;
}

/* The end of the datagram is fixed by the fragment without MF. A second, different
 * end, or a last fragment that would cut off data already held, contradicts it: the
 * fragment is dropped. A non-last fragment reaching past the end is cut at the end
 * (what Wireshark does with "fragment too long"). Both are counted as conflicts.
 * Returns FALSE to drop; may shorten f->len. */
static gboolean end_consistent(const Datagram *dg, WtIpFragment *f, WtAnomalies *a)
{
  guint32 e = f->offset + f->len;
  gboolean ok = TRUE;
  if (dg->have_last) {
    if (!f->more)
      ok = e == dg->total;
    else if (e > dg->total) {
      FRAG_ANOMALY(a, f->key.family, "frag_conflict");
      if (f->offset >= dg->total)
        return FALSE;
      f->len = dg->total - f->offset;
    }
  } else if (!f->more && dg->n_pieces > 0 && dg->pieces[dg->n_pieces - 1].end > e) {
    ok = FALSE;
  }
  if (!ok)
    FRAG_ANOMALY(a, f->key.family, "frag_conflict");
  return ok;
}

gboolean wt_ip_defrag_add(WtIpDefrag *d, const WtIpFragment *frag, WtAnomalies *a,
                          WtIpDatagram *out)
{
  WtIpFragment fcopy = *frag;
  WtIpFragment *f = &fcopy;
  wt_ip_defrag_release(d);
  wt_ip_defrag_expire(d, f->ts_ns, a);
  if (!fragment_valid(f, a))
    return FALSE;
  Datagram *dg = datagram_find_or_new(d, f, a);
  if (!dg)
    return FALSE;
  if (!end_consistent(dg, f, a))
    return FALSE;
  guint32 e = f->offset + f->len;
  if (!f->more) {
    dg->have_last = TRUE;
    dg->total = e;
  }
  if (!grow(d, dg, e, a)) {
    datagram_drop(d, dg);
    return FALSE;
  }
  gboolean conflict = FALSE;
  if (copy_new_bytes(dg, f, &conflict))
    FRAG_ANOMALY(a, f->key.family, "frag_overlap");
  if (conflict)
    FRAG_ANOMALY(a, f->key.family, "frag_conflict");
  if (f->len > 0 && !pieces_insert(dg, f->offset, e)) {
    FRAG_ANOMALY(a, f->key.family, "frag_too_many");
    datagram_drop(d, dg);
    return FALSE;
  }
  if (f->offset == 0) {
    dg->have_first = TRUE;
    dg->next_header = f->next_header;
  }
  gboolean complete = dg->have_last && dg->have_first && dg->n_pieces == 1
                      && dg->pieces[0].start == 0 && dg->pieces[0].end == dg->total;
  if (!complete)
    return FALSE;
  /* Hand the buffer over: it lives until the next frame. */
  out->data = dg->buf;
  out->len = dg->total;
  out->next_header = dg->next_header;
  d->done_buf = dg->buf;
  dg->buf = NULL;
  datagram_drop(d, dg);
  return TRUE;
}
