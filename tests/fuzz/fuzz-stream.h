/* A fake reassembler for fuzzing application stream dissectors (WtStreamDissector): the
 * input chooses split points, gaps and ends; the harness keeps the bytes the dissector did
 * not consume and offers them again with more, as dissectors/tcp/reassembly.c does. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "analyzer/core/stream.h"

/* Input layout: [n][n schedule bytes][client bytes] SEP [server bytes], SEP being
 * FUZZ_STREAM_SEP (absent: everything is client bytes). Each schedule byte is one step:
 *   bit 0: direction (0 client, 1 server);
 *   bits 1-2: 0 or 1 deliver the next chunk of that direction, 2 the next chunk is never
 *     seen (a gap notice), 3 end of that direction (eof; nothing more is offered there);
 *   bits 3-7: chunk length, an index into a table from 1 byte to 4 KiB.
 * After the schedule, what is left of each direction is delivered whole (client first),
 * then both directions end and the session is freed. The dissector's report is written
 * to /dev/null at the end. */
#define FUZZ_STREAM_SEP "\n@@wt-fuzz-server@@\n"

/* check_stats (may be NULL) looks at the tap after the session was freed. */
void fuzz_stream_run(const WtStreamDissector *dis, const uint8_t *data, size_t size,
                     void (*check_stats)(gpointer stats));

/* For a dissector that fills another's tap (.tap_of, HTTP/2 into HTTP): that dissector. Its
 * tap is created and linked (tap_link), its log tables opened, its tap reported, and
 * fuzz_stream_shared_stats points at it while check_stats runs. NULL: none. */
extern const WtStreamDissector *fuzz_stream_shared;
/* The dissectors a session may hand its content to (WtAppContext.apps; TLS's decrypted
 * content); NULL: none. */
extern const struct WtAppSelector *fuzz_stream_apps;
extern gpointer fuzz_stream_shared_stats;
