/* IPv4 and IPv6 fragment reassembly (RFC 791, RFC 8200 section 4.5).
 *
 * Memory is bounded: the buffers of all incomplete datagrams together stay under
 * `mem_cap` bytes (oldest datagrams are dropped first, counted as ip.frag_cap), and a
 * datagram that has not completed within `timeout_ns` of capture time since its first
 * fragment is dropped (ip4.frag_timeout / ip6.frag_timeout). Overlaps keep the bytes
 * that arrived first (as Zeek does) and are counted: ipN.frag_overlap for every
 * fragment that overlaps data already held, ipN.frag_conflict when the overlapping
 * bytes differ. */
#pragma once
#include <glib.h>
#include "analyzer/core/packet.h"
#include "analyzer/core/anomaly.h"

typedef struct WtIpDefrag WtIpDefrag;

typedef struct {
  WtAddr src, dst;
  guint32 id;     /* IPv4: 16-bit identification; IPv6: 32-bit */
  guint8 family;  /* 4 or 6 */
  guint8 proto;   /* IPv4 protocol (part of the RFC 791 key); 0 for IPv6 */
  guint8 pad[2];  /* zero: the key is hashed and compared bytewise */
} WtIpFragKey;

/* The key of the datagram that the fragment in `pkt` belongs to (wt_ip_note_fragment
 * was called): addresses, identification and, for IPv4, the protocol. */
void wt_ip_frag_key(const WtPacket *pkt, WtIpFragKey *key);

typedef struct {
  WtIpFragKey key;
  gint64 ts_ns;
  guint32 offset;      /* byte offset of this fragment's data in the datagram */
  const guint8 *data;  /* the fragment's data, all of it (not truncated by snaplen) */
  guint32 len;
  gboolean more;       /* MF flag */
  guint8 next_header;  /* IPv6: the fragment header's next header; IPv4: protocol */
} WtIpFragment;

typedef struct {
  const guint8 *data;  /* reassembled payload, owned by the WtIpDefrag */
  guint32 len;
  guint8 next_header;  /* from the offset-0 fragment */
} WtIpDatagram;

/* Upper bound on separate pieces one datagram may be held in (ipN.frag_too_many). */
#define WT_IP_DEFRAG_MAX_PIECES 64

WtIpDefrag *wt_ip_defrag_new(gsize mem_cap, gint64 timeout_ns);
void wt_ip_defrag_free(WtIpDefrag *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtIpDefrag, wt_ip_defrag_free)

/* Add a fragment. Returns TRUE when it completed its datagram: `out` then points to
 * the reassembled payload, valid until the next wt_ip_defrag_add or
 * wt_ip_defrag_release. */
gboolean wt_ip_defrag_add(WtIpDefrag *d, const WtIpFragment *f, WtAnomalies *a,
                          WtIpDatagram *out);
/* Free the buffer of the last completed datagram (start of each frame). */
void wt_ip_defrag_release(WtIpDefrag *d);
/* Drop datagrams whose first fragment is older than now_ns - timeout. */
void wt_ip_defrag_expire(WtIpDefrag *d, gint64 now_ns, WtAnomalies *a);
/* Bytes currently held, and incomplete datagrams held (for tests and stats). */
gsize wt_ip_defrag_mem(const WtIpDefrag *d);
guint wt_ip_defrag_pending(const WtIpDefrag *d);
