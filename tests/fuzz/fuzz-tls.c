/* Fuzz target (f): a TLS connection, client and server byte streams with fuzz-chosen split
 * points, gaps and ends (input layout in fuzz-stream.h), into wt_tls_dissector with a fixed
 * key log: the one of captures/tls-decrypt.pcap, whose connections seed the corpus, so the
 * fuzzer starts from records that open (TLS 1.2 and 1.3, AES-GCM, ChaCha20-Poly1305,
 * AES-CBC) and mutates from there: bad tags, truncated records, odd lengths, key changes.
 * The decrypted content goes on to the pipeline's dissectors (HTTP/1, HTTP/2). Afterwards
 * the tap's counters must agree with each other. */
#include <glib.h>
#include "analyzer/pipeline/registry.h"
#include "dissectors/tls/tls.h"
#include "dissectors/tls/tls-keylog.h"
#include "tests/fuzz/fuzz-stream.h"
#include "tests/fuzz/fuzz.h"

static void setup(void)
{
  static gsize done;
  if (!g_once_init_enter(&done))
    return;
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(WT_FUZZ_TLS_KEYLOG, &text, &len, NULL))
    abort();
  WtTlsKeylog *k = wt_tls_keylog_new();  /* for the whole run */
  wt_tls_keylog_add_text(k, text, len);
  wt_tls_keylog_use(k);
  WtRegistry *reg = wt_registry_new();
  fuzz_stream_apps = wt_registry_selector(reg);
  g_once_init_leave(&done, 1);
}

static void check_stats(gpointer stats)
{
  const WtTlsStats *s = stats;
  /* one connection: at most one session, decrypted or not */
  FUZZ_CHECK(wt_tls_stats_get(s, "sessions_decrypted") <= 1);
  /* plaintext comes only from records that opened */
  FUZZ_CHECK(wt_tls_stats_get(s, "plaintext_bytes") <=
             wt_tls_stats_get(s, "records_decrypted") * 16384);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  setup();
  fuzz_stream_run(&wt_tls_dissector, data, size, check_stats);
  return 0;
}
