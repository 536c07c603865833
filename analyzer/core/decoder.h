/* What a frame decoder (dissectors/link, dissectors/ip, the TCP and UDP header decoders)
 * needs besides the packet struct and its result type (analyzer/core/packet.h): how to
 * tell snaplen truncation from a malformed header when it runs out of bytes. The
 * pipeline's decoder table (analyzer/pipeline/decode.h) runs the decoders; they never
 * include it. */
#pragma once
#include <glib.h>
#include "analyzer/core/packet.h"
#include "analyzer/core/reader.h"
#include "analyzer/core/anomaly.h"

/* TRUE when the reader's window is the captured frame itself and the capture dropped
 * bytes (caplen < wirelen), so running out of bytes here is snaplen truncation, not a
 * malformed packet. Once a window was narrowed to a length field or moved to a
 * reassembly buffer, running out means the headers contradict themselves. */
static inline gboolean wt_decode_at_snaplen(const WtPacket *pkt, const WtReader *r)
{
  return pkt->caplen < pkt->wirelen && r->data == pkt->frame && r->len == pkt->caplen;
}

/* For decoders that ran out of bytes: TRUNCATED if explained by the snaplen, otherwise
 * count `anomaly` and report MALFORMED. */
static inline WtDecodeResult wt_decode_short(const WtPacket *pkt, const WtReader *r,
                                             WtAnomalies *a, const char *anomaly)
{
  if (wt_decode_at_snaplen(pkt, r))
    return wt_decode_stop(WT_DECODE_TRUNCATED);
  wt_anomaly(a, anomaly);
  return wt_decode_stop(WT_DECODE_MALFORMED);
}
