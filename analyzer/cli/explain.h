/* --explain: a ladder diagram of one TCP connection, one line per segment, printed after
 * the segment was processed:
 *
 *   time offset, arrow (client -> server or <-), flags, seq/ack relative to each side's
 *   ISN (absolute while the ISN is unknown), payload length, and both endpoints' RFC 793
 *   states after the segment (client first).
 *
 * "client" is the originator as known at the time of the line; a line that made the
 * analysis swap the roles ends with "(roles flipped)" and later lines use the new roles. */
#pragma once
#include <glib.h>
#include <stdio.h>
#include "analyzer/core/packet.h"
#include "analyzer/core/stream.h"
#include "dissectors/tcp/tcp-state.h"

/* Header: endpoints and column titles. info may be NULL. */
void wt_explain_begin(FILE *f, const WtConnInfo *info);
/* One ladder line for pkt, sent in direction dir (WtTcpUpdate.dir of its update). */
void wt_explain_segment(FILE *f, const WtTcpConn *c, const WtPacket *pkt, WtDir dir);
/* Footer: handshake, close kind, RTT, Zeek conn_state and history, final states.
 * info (may be NULL) adds the uid. */
void wt_explain_end(FILE *f, const WtTcpConn *c, const WtConnInfo *info);

/* The ladder line without the newline (for tests). */
void wt_explain_format(GString *out, const WtTcpConn *c, const WtPacket *pkt, WtDir dir);
