/* How a transport (TCP, UDP) finds a flow's application dissector without knowing which
 * dissectors exist: it asks a selector, which the pipeline's registry implements
 * (analyzer/pipeline/registry.c) and a test may replace with its own. The port tables and
 * content probes consulted are the dissectors' own (WtStreamDissector); which to try first
 * (probe or port, responder or originator port) is the transport's choice:
 *   TCP (dissectors/tcp/tcp.c, choose_app): the content probe first, on the first bytes
 *     delivered; while no probe matched but one needs more bytes to tell (probe_wait:
 *     an HTTP/2 preface arriving in pieces), wait for more, until 64 bytes or the end of
 *     the direction; then the responder's port; while neither matched and fewer than 64
 *     bytes arrived, wait for more bytes (asked again with more); then the originator's
 *     port, only when the originator was guessed (no SYN seen); else no dissector.
 *     At the end of a direction still undecided its bytes are offered once more, final.
 *   UDP (dissectors/udp/udp.c, choose_app): the responder's port, then the originator's
 *     port, then a content probe on the first datagram with payload (a datagram cut by
 *     the snaplen is not probed: the choice waits for the next one). */
#pragma once
#include <glib.h>
#include "analyzer/core/stream.h"

/* A dissector and its tap (the stats given to its session_new); d NULL: none. */
typedef struct {
  const WtStreamDissector *d;
  gpointer stats;
} WtAppChoice;

/* Which dissectors a lookup considers. */
typedef enum {
  WT_APP_STREAM,    /* every dissector: bytes of a TCP stream */
  WT_APP_DATAGRAM,  /* those with a datagram callback only: UDP payloads */
} WtAppKind;

typedef struct WtAppSelector WtAppSelector;
struct WtAppSelector {
  /* The first dissector of `kind` whose port table has `port`. */
  WtAppChoice (*by_port)(const WtAppSelector *s, WtAppKind kind, guint16 port);
  /* The first dissector of `kind`, in probe order, whose probe accepts the bytes. */
  WtAppChoice (*by_probe)(const WtAppSelector *s, WtAppKind kind, const guint8 *data,
                          gsize len, WtDir dir);
  /* The stream dissector whose ALPN list (WtStreamDissector.alpn) has the protocol id
   * `id` (`len` bytes, not NUL-terminated). */
  WtAppChoice (*by_alpn)(const WtAppSelector *s, const guint8 *id, gsize len);
  /* Optional (NULL: never): TRUE when no probe accepts the bytes yet but one of `kind`
   * may with more (WtStreamDissector.probe_wait). */
  gboolean (*probe_wait)(const WtAppSelector *s, WtAppKind kind, const guint8 *data,
                         gsize len, WtDir dir);
};
