/* Fuzz target (a): a whole capture file (pcap or pcapng, any link type) through the
 * pipeline, exactly as `wiretab -r FILE --log-dir DIR` runs it: capture source, decode,
 * flow table, TCP/UDP, application dissectors, finish, report in every format and logs.
 * Limits are set small so flow eviction, reassembly caps and fragment caps are reachable
 * from inputs of a few kilobytes. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include "analyzer/pipeline/analyzer.h"
#include "analyzer/capture/capture.h"
#include "tests/fuzz/fuzz.h"

static int input_fd = -1;     /* a memfd holding the current input */
static char *input_path;      /* /proc/self/fd/N: what the capture source opens */
static char *log_dir;         /* conn.log and http.log go here (rewritten per input) */
static FILE *devnull;

static void cleanup(void)
{
  if (log_dir) {
    g_autofree char *c = g_build_filename(log_dir, "conn.log", NULL);
    g_autofree char *h = g_build_filename(log_dir, "http.log", NULL);
    g_autofree char *d = g_build_filename(log_dir, "dns.log", NULL);
    g_unlink(c);
    g_unlink(h);
    g_unlink(d);
    g_rmdir(log_dir);
  }
}

static void init_once(void)
{
  if (devnull)
    return;
  input_fd = memfd_create("wt-fuzz-capture", MFD_CLOEXEC);
  if (input_fd < 0) {
    perror("memfd_create");
    abort();
  }
  input_path = g_strdup_printf("/proc/self/fd/%d", input_fd);
  log_dir = g_dir_make_tmp("wt-fuzz-logs-XXXXXX", NULL);
  devnull = fopen("/dev/null", "w");
  if (!log_dir || !devnull)
    abort();
  atexit(cleanup);
}

static void write_input(const uint8_t *data, size_t size)
{
  if (ftruncate(input_fd, 0) != 0)
    abort();
  size_t done = 0;
  while (done < size) {
    ssize_t n = pwrite(input_fd, data + done, size - done, (off_t) done);
    if (n <= 0)
      abort();
    done += (size_t) n;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  init_once();
  write_input(data, size);

  g_autoptr(GError) error = NULL;
  g_autoptr(WtCaptureSource) src = wt_capture_open_file(input_path, NULL, &error);
  if (!src) {
    FUZZ_CHECK(error != NULL && error->message != NULL);
    return 0; /* not a capture: a clear error is the right outcome */
  }

  WtAnalyzerConfig cfg;
  wt_analyzer_config_init(&cfg);
  cfg.log_dir = log_dir;
  cfg.flows.max_flows = 16;            /* eviction within a few dozen frames */
  cfg.reasm_per_dir_cap = 4096;        /* reassembly caps within a few segments */
  cfg.reasm_global_cap = 16384;
  cfg.decode.frag_mem_cap = 16384;     /* fragment cap likewise */
  cfg.overlap_policy = size & 1;       /* both policies, chosen by an incidental bit */
  cfg.top_n = 3;
  g_autoptr(WtAnalyzer) an = wt_analyzer_new(&cfg, &error);
  FUZZ_CHECK(an != NULL);
  wt_analyzer_add_source(an, wt_capture_name(src), FALSE);

  /* Frames are at least 16 bytes of record header each, so this ends. */
  for (;;) {
    g_autoptr(GError) read_error = NULL;
    int n = wt_capture_dispatch(src, -1, wt_analyzer_frame, an, &read_error);
    if (n < 0) {
      FUZZ_CHECK(n == -1 && read_error != NULL);
      break; /* damaged mid-way: the report covers what was read */
    }
    if (n == 0)
      break;
  }
  wt_analyzer_finish(an);

  g_autoptr(WtReport) report = wt_report_new();
  wt_analyzer_report(an, report);
  wt_report_write_text(report, devnull, FALSE);
  wt_report_write_json(report, devnull);
  wt_report_write_csv_summary(report, devnull);
  return 0;
}
