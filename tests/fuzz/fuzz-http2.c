/* Fuzz target (f): an HTTP/2 conversation (h2c), client and server byte streams with
 * fuzz-chosen split points, gaps and ends, into wt_http2_dissector with its HTTP tap linked
 * (input layout in fuzz-stream.h): the frame layer, libnghttp2's HPACK inflater on the
 * header blocks, the streams into HTTP's tables and http.log. Afterwards both taps' counters
 * must agree with each other. */
#include <glib.h>
#include "dissectors/http/http.h"
#include "dissectors/http2/http2.h"
#include "tests/fuzz/fuzz-stream.h"
#include "tests/fuzz/fuzz.h"

static void check_stats(gpointer stats)
{
  const WtHttp2Stats *s = stats;
  const WtHttpStats *h = fuzz_stream_shared_stats;
  FUZZ_CHECK(h != NULL);
  FUZZ_CHECK(wt_http_stats_get(h, "final_responses") + wt_http_stats_get(h, "interim") ==
             wt_http_stats_get(h, "responses"));
  /* every transaction added is an HTTP/2 stream the session tracked */
  FUZZ_CHECK(wt_http_stats_version_count(h, "2") <= wt_http2_stats_get(s, "streams"));
  FUZZ_CHECK(wt_http_stats_get(h, "requests") == wt_http_stats_version_count(h, "2"));
  FUZZ_CHECK(wt_http2_stats_get(s, "connections") == 1);
  /* each gap over a frame header ends at most once: found again or given up */
  FUZZ_CHECK(wt_http2_stats_get(s, "resyncs") + wt_http2_stats_get(s, "framing_given_up") <=
             wt_http2_stats_get(s, "framing_lost"));
  FUZZ_CHECK(wt_http2_stats_get(s, "grpc_calls") <= wt_http2_stats_get(s, "streams"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_stream_shared = &wt_http_dissector;
  fuzz_stream_run(&wt_http2_dissector, data, size, check_stats);
  return 0;
}
