/* The per-frame packet struct: lives on the stack of the pipeline, filled layer by layer.
 * Frame bytes belong to libpcap and are valid only until the next read. */
#pragma once
#include <glib.h>
#include "analyzer/core/reader.h"
#include "analyzer/core/anomaly.h"

typedef struct {
  guint8 family; /* 4 or 6; 0 = unset */
  guint8 pad[3];  /* zeroed so the struct can be hashed and compared bytewise */
  guint8 bytes[16]; /* IPv4 uses bytes[0..3], the rest zero */
} WtAddr;

/* Write "1.2.3.4" or "2001:db8::1" into buf (at least 46 bytes). */
const char *wt_addr_to_string(const WtAddr *a, char *buf, gsize size);
int wt_addr_compare(const WtAddr *a, const WtAddr *b);

enum { WT_TCP_FIN = 0x01, WT_TCP_SYN = 0x02, WT_TCP_RST = 0x04, WT_TCP_PSH = 0x08,
       WT_TCP_ACK = 0x10, WT_TCP_URG = 0x20, WT_TCP_ECE = 0x40, WT_TCP_CWR = 0x80 };

/* Which table the pipeline consults next, with which key (Zeek's ForwardPacket,
 * Wireshark's dissector tables). A decoder never calls the next layer itself. */
typedef enum {
  WT_NEXT_NONE = 0,   /* done: nothing more to decode */
  WT_NEXT_LINKTYPE,   /* key: DLT_* */
  WT_NEXT_ETHERTYPE,  /* key: ethertype (0x0800, 0x86DD, 0x8100, 0x8847 ...) */
  WT_NEXT_IPPROTO,    /* key: IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6) */
  WT_NEXT_UDPPORT,    /* key: source port << 16 | destination port (UDP tunnels, looked
                       * up by either port; no entry: the datagram is plain UDP) */
} WtNextTable;

typedef enum {
  WT_DECODE_OK = 0,
  WT_DECODE_TRUNCATED,  /* fewer bytes captured than the headers say (snaplen) */
  WT_DECODE_MALFORMED,  /* the bytes contradict themselves */
  WT_DECODE_UNSUPPORTED,/* a valid protocol we do not decode: counted as "other" */
  WT_DECODE_CONSUMED,   /* e.g. an IP fragment kept for reassembly: stop, not an error */
} WtDecodeStatus;

typedef struct {
  WtDecodeStatus status;
  WtNextTable next_table;
  guint32 next_key;
  /* payload window for the next layer is the decoder's WtReader after return:
   * decoders advance/narrow the reader they were given. */
} WtDecodeResult;

typedef struct WtPacket {
  /* frame */
  gint64 ts_ns;          /* capture timestamp, nanoseconds since the epoch */
  guint32 caplen;
  guint32 wirelen;
  int linktype;
  const guint8 *frame;
  /* wt_decode_route: decoders read only what names the flow (addresses, ports, an IP
   * fragment's identity) and skip checksums, option walks and reassembly, so the
   * --threads reader pays for headers only. */
  gboolean headers_only;

  /* link layer */
  guint16 vlan_ids[4];   /* outermost first */
  guint8 vlan_depth;     /* may exceed 4: only the first 4 ids are kept */
  guint8 mpls_depth;

  /* network layer */
  guint8 ip_version;     /* 4 or 6; 0 if none */
  guint8 ip_proto;       /* final upper-layer protocol after IPv6 ext headers */
  guint8 ttl;
  gboolean ip_reassembled; /* payload comes from a reassembled fragment train */
  WtAddr src, dst;
  guint32 ip_total_len;  /* IP header + payload as the IP header says (wire bytes of this IP packet) */
  guint32 l4_wire_len;   /* upper-layer bytes as the IP header says (may exceed captured) */
  /* an IP fragment (offset or more-fragments set, not an atomic one), as its header says */
  gboolean ip_fragment;
  guint32 frag_id;       /* IPv4: 16-bit identification; IPv6: 32-bit */
  guint32 frag_offset;   /* bytes of the datagram before this fragment's data */
  guint32 frag_len;      /* this fragment's data bytes, as the headers say */
  gboolean frag_more;    /* more fragments follow */

  /* transport layer */
  guint16 sport, dport;
  guint32 tcp_seq, tcp_ack;
  guint8 tcp_flags;
  guint8 tcp_hdr_len;
  guint16 tcp_win;       /* raw window field (unscaled) */
  gint8 tcp_wscale;      /* window scale option on SYN, -1 if absent */
  guint16 tcp_mss;       /* 0 if absent */
  gboolean tcp_sack_ok;
  gboolean tcp_has_ts;
  guint32 tcp_tsval, tcp_tsecr;
  gboolean l4_bad_checksum; /* only when verified (full packet captured) and wrong */

  guint8 icmp_type, icmp_code;

  /* tunnels (dissectors/tunnel): the layers decapsulated, the innermost one's type
   * (WtTunnelType) and the identity of the path of tunnels (0: not tunnelled), which
   * keeps the same inner 5-tuple in two tunnels two flows */
  guint8 tunnel_depth;
  guint8 tunnel_type;
  gboolean tunnel_tried; /* a tunnel decoder ran on this frame */
  guint32 tunnel_id;

  /* upper-layer payload: captured bytes and the length the headers claim */
  const guint8 *payload;
  guint32 payload_len;       /* captured */
  guint32 payload_wire_len;  /* claimed by IP/TCP/UDP headers (>= payload_len) */

  /* Storage for a reassembled IP datagram; the ip layer points payload here. */
  const guint8 *reassembled_buf;
} WtPacket;

/* A decoder: reads from `r` (positioned at its header), fills `pkt`, advances `r` past its
 * header and narrows it to its payload, and says which table to consult next. */
typedef WtDecodeResult (*WtDecodeFunc)(gpointer decoder_state, WtPacket *pkt, WtReader *r,
                                       WtAnomalies *anomalies);

static inline WtDecodeResult wt_decode_next(WtNextTable t, guint32 key)
{
  WtDecodeResult res = { WT_DECODE_OK, t, key };
  return res;
}
static inline WtDecodeResult wt_decode_stop(WtDecodeStatus s)
{
  WtDecodeResult res = { s, WT_NEXT_NONE, 0 };
  return res;
}

/* Wrap-safe TCP sequence comparison (RFC 1982 style). */
#define WT_SEQ_LT(a, b) ((gint32) ((guint32) (a) - (guint32) (b)) < 0)
#define WT_SEQ_LEQ(a, b) ((gint32) ((guint32) (a) - (guint32) (b)) <= 0)
#define WT_SEQ_GT(a, b) WT_SEQ_LT(b, a)
#define WT_SEQ_GEQ(a, b) WT_SEQ_LEQ(b, a)
