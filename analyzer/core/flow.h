/* A flow as the transports (TCP, UDP) see it: its key, its two directions' counters, its
 * connection info and the protocol's own state. The flow table (analyzer/pipeline/
 * flow-table.h) owns every flow, decides when one begins and ends, and keeps the timers;
 * a transport only reads a flow, fills proto_state and swaps the roles. */
#pragma once
#include <glib.h>
#include "analyzer/core/packet.h"
#include "analyzer/core/stream.h"

typedef struct {
  WtAddr lo, hi;       /* lo <= hi by (address, port) order */
  guint16 port_lo, port_hi;
  guint8 proto;
  guint8 pad[3];       /* zeroed: the key is hashed and compared bytewise */
  guint32 tunnel;      /* WtPacket.tunnel_id: 0 for traffic that is not tunnelled */
  guint32 pad2;        /* zeroed */
} WtFlowKey;

/* Timer classes: each has one idle timeout, so each LRU list stays sorted by last_ts and
 * expiry only ever looks at list heads. */
typedef enum {
  WT_TIMER_TCP_ACTIVE = 0, /* handshake seen or data flowing (Zeek: 5 min) */
  WT_TIMER_TCP_CLOSED,     /* both FINs or a RST seen: linger (TIME-WAIT, 2MSL) */
  WT_TIMER_TCP_ATTEMPT,    /* SYN not answered yet */
  WT_TIMER_UDP,            /* 1 min like Zeek */
  WT_TIMER_OTHER,          /* ICMP and other IP protocols: 1 min */
  WT_TIMER_N
} WtTimerClass;

typedef enum {
  WT_FLOW_END_TIMEOUT,   /* idle timeout in capture time */
  WT_FLOW_END_EVICTED,   /* flow cap reached */
  WT_FLOW_END_CLOSED,    /* protocol finished it (e.g. TCP port reuse) */
  WT_FLOW_END_INPUT,     /* end of input */
} WtFlowEndReason;

typedef struct WtFlow WtFlow;
struct WtFlow {
  WtFlowKey key;
  WtFlow *prev, *next;   /* LRU list of its timer class */
  WtTimerClass timer;
  gint64 first_ts, last_ts;
  guint64 serial;        /* creation order, also seeds the uid */
  gboolean lo_is_orig;   /* is key.lo the originator? */
  guint64 pkts[2], ip_bytes[2]; /* per WtDir */
  guint64 payload_bytes[2];     /* upper-layer payload per WtDir (UDP: Zeek orig_bytes) */
  WtConnInfo info;       /* uid and oriented endpoints */
  gpointer proto_state;  /* owned by the protocol handler (TCP/UDP/other) */
};

/* Direction of a packet sent by key.lo (TRUE) or key.hi, relative to the originator. */
static inline WtDir wt_flow_dir(const WtFlow *f, gboolean sent_by_lo)
{
  return sent_by_lo == f->lo_is_orig ? WT_DIR_ORIG : WT_DIR_RESP;
}
/* Fill f->info's endpoints from the key and lo_is_orig (the uid is the table's). */
void wt_flow_fill_info(WtFlow *f);
/* Swap originator and responder (e.g. the first packet seen was a SYN+ACK). */
void wt_flow_flip(WtFlow *f);
