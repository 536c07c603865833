/* Fuzz target (d): an HTTP/1.x conversation, client and server byte streams with
 * fuzz-chosen split points, gaps and ends, into wt_http_dissector (input layout in
 * fuzz-stream.h). Afterwards the tap must still dump in its canonical form and its
 * counters must agree with each other. */
#include <glib.h>
#include "dissectors/http/http.h"
#include "tests/fuzz/fuzz-stream.h"
#include "tests/fuzz/fuzz.h"

static void check_stats(gpointer stats)
{
  const WtHttpStats *s = stats;
  g_autofree char *dump = wt_http_stats_dump(s);
  FUZZ_CHECK(dump != NULL);
  /* A response is final or interim (1xx). */
  FUZZ_CHECK(wt_http_stats_get(s, "final_responses") + wt_http_stats_get(s, "interim") ==
             wt_http_stats_get(s, "responses"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_stream_run(&wt_http_dissector, data, size, check_stats);
  return 0;
}
