/* Watching single connections as a transport sees them (the command line's --explain and
 * --follow): a transport given an observer asks it once per connection whether to watch it
 * and then calls it only for the connections it watches, so a connection nobody watches
 * costs one pointer test per segment. The pipeline hands the observer from its
 * configuration to the transport without knowing what it does; an observer is used by one
 * thread only. */
#pragma once
#include <glib.h>
#include "analyzer/core/packet.h"
#include "analyzer/core/stream.h"

typedef struct WtConnObserver WtConnObserver;
struct WtConnObserver {
  /* A new connection whose roles are known (after its first segment): the state passed to
   * the calls below, or NULL to leave the connection alone. */
  gpointer (*watch)(const WtConnObserver *self, const WtConnInfo *info);
  /* One segment in direction `dir`, after the transport processed it. `transport` is the
   * transport's own connection state (TCP: const WtTcpConn *, dissectors/tcp/tcp-state.h). */
  void (*segment)(gpointer watch, gconstpointer transport, const WtPacket *pkt, WtDir dir);
  /* In-order bytes of `dir` as the application layer gets them, each byte once (bytes
   * never seen are skipped, not delivered). */
  void (*stream_bytes)(gpointer watch, const WtConnInfo *info, WtDir dir,
                       const guint8 *data, gsize len);
  /* The connection ended (its last bytes were delivered): the last call, frees `watch`. */
  void (*end)(gpointer watch, gconstpointer transport, const WtConnInfo *info);
};
