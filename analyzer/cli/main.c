/* wiretab: command line, capture loop, report output. Everything else is in the library. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/pipeline/analyzer.h"
#include "analyzer/capture/capture.h"
#include "analyzer/output/clickhouse.h"
#include "analyzer/output/fleet-report.h"
#include "analyzer/cli/conn-watch.h"
#include "analyzer/report/report-html.h"
#include "analyzer/capture/capture-save.h"
#include "analyzer/output/atomic-file.h"
#include "analyzer/cli/privileges.h"
#include "dissectors/tls/tls-keylog.h"
#include "analyzer/cli/file-broker.h"
#include "analyzer/cli/i18n.h"
#include "analyzer/cli/live-view.h"
#include "analyzer/cli/live-metrics.h"
#include "analyzer/output/metrics-server.h"
#include "analyzer/cli/progress.h"
#include "analyzer/cli/service-notify.h"
#include "analyzer/pipeline/free-cores.h"
#include "analyzer/pipeline/workers.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_RUNTIME = 2 };

typedef struct {
  char **files;
  char *iface;
  gint64 count;
  double duration;
  gboolean list_ifaces;
  char *filter;
  char *format;
  char *output;
  gboolean version;
  gboolean no_promisc;
  int snaplen;
  int buffer_kib;
  char *log_dir;
  char *log_rotate, *log_keep_size, *log_keep_age;
  char *explain;
  char *follow;
  char *follow_dir;
  char *overlap_policy;
  double time_wait;
  gint64 max_flows;
  gint64 reasm_dir_cap;
  gint64 reasm_cap;
  int top_n;
  char *sections;
  double interval;
  gboolean verify_checksums;
  gboolean quiet;
  /* ClickHouse: export (--clickhouse), schema, fleet report (--from-clickhouse) */
  char *clickhouse;
  char **sensors;
  gboolean ch_schema;
  char *ch_cluster;
  char *from_clickhouse;
  char *since, *until;
  int ch_batch, ch_queue;
  double ch_timeout;
  char *write_file;
  char **tls_keylogs;
  char *drop_user;
  int threads;
  gboolean fanout;
  gboolean no_fanout;
  char **tunnel_ports;
  char *metrics;
} Options;

static volatile sig_atomic_t stop_requested;
static WtCaptureSource *volatile current_source;

static void on_signal(int sig)
{
  (void) sig;
  stop_requested = 1;
  if (current_source)
    wt_capture_break(current_source);
}

static void install_signals(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

static const char *const examples = N_(
  "Examples:\n"
  "  wiretab -r capture.pcap                      report on a capture file\n"
  "  wiretab -r a.pcap -r b.pcapng --format json  two files as one capture, JSON report\n"
  "  tcpdump -w - | wiretab -r -                  read a capture from standard input\n"
  "  wiretab -i eth0 -f 'tcp port 80' --duration 60\n"
  "                                               live capture for a minute, then report\n"
  "  wiretab -i eth0 --interval 2                 live view every 2 s, report after Ctrl-C\n"
  "  wiretab -i eth0 -w saved.pcap --duration 60  also save the frames as pcap\n"
  "  wiretab -r web.pcap --log-dir logs           also write logs/conn.log, logs/http.log\n"
  "  wiretab -r web.pcap --explain 'port 51234'   ladder diagram of matching connections\n"
  "  wiretab -r web.pcap --format csv -o report/  one CSV file per table\n"
  "  wiretab -r web.pcap --format html -o report.html\n"
  "                                               one self-contained page with charts\n"
  "\n"
  "Exit status: 0 success, 1 usage error, 2 runtime failure (unreadable or damaged file,\n"
  "bad filter, no such interface, no permission).\n");

static gboolean parse_args(int argc, char **argv, Options *o, GError **error)
{
  GOptionEntry entries[] = {
    { "read", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &o->files,
      N_("Read a pcap or pcapng file ('-' for standard input); repeat for several files"),
      N_("FILE") },
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &o->iface, N_("Capture live on an interface"),
      N_("IFACE") },
    { "list-interfaces", 'D', 0, G_OPTION_ARG_NONE, &o->list_ifaces,
      N_("List the interfaces available for capture"), NULL },
    { "count", 'c', 0, G_OPTION_ARG_INT64, &o->count, N_("Stop after COUNT frames"), N_("COUNT") },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &o->duration,
      N_("Stop a live capture after SECONDS"), N_("SECONDS") },
    { "filter", 'f', 0, G_OPTION_ARG_STRING, &o->filter,
      N_("BPF filter expression (pcap-filter(7))"), N_("EXPR") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &o->format,
      N_("Report format: text (default), json, csv or html"), N_("FORMAT") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o->output,
      N_("Write the report to FILE (csv: a directory) instead of standard output"), N_("FILE") },
    { "log-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->log_dir,
      N_("Write the logs (conn.log, http.log, dns.log, ssh.log: JSON lines, Zeek field names) into DIR"), N_("DIR") },
    { "log-rotate", 0, 0, G_OPTION_ARG_STRING, &o->log_rotate,
      N_("Rotate the --log-dir logs every INTERVAL (10m, 1h, 1d): one file per table and "
         "interval, e.g. conn.2026-12-03-12-00-00_2026-12-03-13-00-00.log"), N_("INTERVAL") },
    { "log-keep-size", 0, 0, G_OPTION_ARG_STRING, &o->log_keep_size,
      N_("With --log-rotate: remove the oldest rotated logs while they take more than SIZE "
         "(500M, 10G)"), N_("SIZE") },
    { "log-keep-age", 0, 0, G_OPTION_ARG_STRING, &o->log_keep_age,
      N_("With --log-rotate: remove rotated logs whose interval ended more than AGE ago "
         "(7d)"), N_("AGE") },
    { "explain", 0, 0, G_OPTION_ARG_STRING, &o->explain,
      N_("Print the ladder diagram of connections matching FILTER (a port or a BPF-like "
      "'host A and port P')"), N_("FILTER") },
    { "follow", 0, 0, G_OPTION_ARG_STRING, &o->follow,
      N_("Write the reassembled streams of connections matching FILTER"), N_("FILTER") },
    { "follow-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->follow_dir,
      N_("Directory for --follow streams (default: standard output)"), N_("DIR") },
    { "overlap-policy", 0, 0, G_OPTION_ARG_STRING, &o->overlap_policy,
      N_("Which copy of overlapping TCP data wins: first (default) or last"), N_("POLICY") },
    { "time-wait", 0, 0, G_OPTION_ARG_DOUBLE, &o->time_wait,
      N_("TIME-WAIT (2MSL) linger after a TCP close, capture seconds (default 60)"), N_("SECONDS") },
    { "max-flows", 0, 0, G_OPTION_ARG_INT64, &o->max_flows,
      N_("Cap on live flows; the oldest idle is evicted (default 1000000)"), N_("N") },
    { "reassembly-dir-cap", 0, 0, G_OPTION_ARG_INT64, &o->reasm_dir_cap,
      N_("Out-of-order bytes buffered per TCP direction (default 1048576)"), N_("BYTES") },
    { "reassembly-cap", 0, 0, G_OPTION_ARG_INT64, &o->reasm_cap,
      N_("Out-of-order bytes buffered in all (default 268435456)"), N_("BYTES") },
    { "tunnel-port", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->tunnel_ports,
      N_("Decapsulate a UDP tunnel on more ports besides its defaults (repeatable): TYPE "
         "vxlan, geneve, gtpv1, teredo, ayiya or gre-udp"), N_("TYPE=PORT[,PORT...]") },
    { "verify-checksums", 0, 0, G_OPTION_ARG_NONE, &o->verify_checksums,
      N_("Ignore TCP/UDP segments whose checksum is wrong, as the receiver would (default: "
      "count them and analyse them: sending hosts capture unfilled offloaded checksums)"),
      NULL },
    { "top", 0, 0, G_OPTION_ARG_INT, &o->top_n, N_("Rows in top-N tables (default 10)"), N_("N") },
    { "sections", 0, 0, G_OPTION_ARG_STRING, &o->sections,
      N_("Report only these sections (comma-separated keys as in the JSON report, e.g. http,tcp); every format"),
      N_("LIST") },
    { "interval", 0, 0, G_OPTION_ARG_DOUBLE, &o->interval,
      N_("Timeline rows every SECONDS (default: chosen from the capture's duration); "
         "with -i also the live view's refresh"), N_("SECONDS") },
    { "no-promisc", 0, 0, G_OPTION_ARG_NONE, &o->no_promisc,
      N_("Do not put the interface into promiscuous mode"), NULL },
    { "snaplen", 's', 0, G_OPTION_ARG_INT, &o->snaplen,
      N_("Bytes captured per frame on a live interface (default 262144)"), N_("BYTES") },
    { "buffer-size", 'B', 0, G_OPTION_ARG_INT, &o->buffer_kib,
      N_("Kernel capture buffer in KiB (like tcpdump -B)"), N_("KIB") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, N_("No progress output"), NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &o->threads,
      N_("Analyse on N worker threads (default 1: one thread does everything; pcap files: "
         "each worker reads the file, others: one more thread reads), at most as many as "
         "free CPUs; results are the same"), N_("N") },
    { "fanout", 0, 0, G_OPTION_ARG_NONE, &o->fanout,
      N_("With -i and --threads N (the default there): the kernel spreads the frames over N "
         "capture handles (PACKET_FANOUT with a flow hash of ours), one per worker, with no "
         "reader thread"), NULL },
    { "no-fanout", 0, 0, G_OPTION_ARG_NONE, &o->no_fanout,
      N_("With -i and --threads N: one thread reads the interface and hands the frames to "
         "the workers, instead of the kernel's fanout"), NULL },
    { "tls-keylog", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->tls_keylogs,
      N_("Decrypt TLS with the session secrets of an NSS key log (SSLKEYLOGFILE; repeatable; "
         "default $SSLKEYLOGFILE when set)"), N_("FILE") },
    { "write", 'w', 0, G_OPTION_ARG_FILENAME, &o->write_file,
      N_("Also save the frames analysed as a pcap file, like tcpdump -w ('-': standard "
         "output, with -o)"), N_("FILE") },
    { "clickhouse", 0, 0, G_OPTION_ARG_STRING, &o->clickhouse,
      N_("Also export conn/http/dns records to ClickHouse's HTTP interface, e.g. "
      "http://127.0.0.1:8123/?database=wiretab (rows that cannot be sent are spilled to "
      "--log-dir, default /var/lib/wiretab/spool as root, $XDG_STATE_HOME/wiretab "
      "otherwise)"), N_("URL") },
    { "sensor", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->sensors,
      N_("This sensor's name in exported rows (default: the host name); with "
      "--from-clickhouse: only these sensors (repeat)"), N_("NAME") },
    { "clickhouse-batch", 0, 0, G_OPTION_ARG_INT, &o->ch_batch,
      N_("Rows per INSERT (default 5000; a batch also goes every second)"), N_("N") },
    { "clickhouse-queue", 0, 0, G_OPTION_ARG_INT, &o->ch_queue,
      N_("Rows waiting for the server at most; past it they are spilled (default 200000)"), N_("N") },
    { "clickhouse-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &o->ch_timeout,
      N_("At exit, keep trying to send for SECONDS before spilling (default 10)"), N_("SECONDS") },
    { "clickhouse-schema", 0, 0, G_OPTION_ARG_NONE, &o->ch_schema,
      N_("Print the ClickHouse DDL (database from --clickhouse or --from-clickhouse URL) and "
      "exit"), NULL },
    { "clickhouse-cluster", 0, 0, G_OPTION_ARG_STRING, &o->ch_cluster,
      N_("Cluster of the Distributed tables (default wiretab)"), N_("NAME") },
    { "from-clickhouse", 0, 0, G_OPTION_ARG_STRING, &o->from_clickhouse,
      N_("Build the report from the sensors' rows in ClickHouse instead of a capture"), N_("URL") },
    { "since", 0, 0, G_OPTION_ARG_STRING, &o->since,
      N_("With --from-clickhouse: from TIME (epoch seconds, ISO 8601, or -2h/-30m/-7d)"), N_("TIME") },
    { "until", 0, 0, G_OPTION_ARG_STRING, &o->until,
      N_("With --from-clickhouse: before TIME"), N_("TIME") },
    { "relinquish-privileges", 'Z', 0, G_OPTION_ARG_STRING, &o->drop_user,
      N_("Run as USER once the interface and every output file are open (as root, live "
         "capture drops to the user 'wiretab' by default when it exists; -Z root keeps root)"),
      N_("USER") },
    { "metrics", 0, 0, G_OPTION_ARG_STRING, &o->metrics,
      N_("With -i: serve live counters at http://ADDR:PORT/metrics in Prometheus's text "
         "format, e.g. 127.0.0.1:9100 (labels: --sensor or the host name, the interface); "
         "with --from-clickhouse: the fleet's HTTP counters per sensor, queried every "
         "--interval seconds"),
      N_("ADDR:PORT") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &o->version, N_("Print the version and exit"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx =
    g_option_context_new(N_("- packet capture analyzer: TCP connections, HTTP, traffic reports"));
  g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, examples);
  return g_option_context_parse(ctx, &argc, &argv, error) &&
         (argc <= 1 || (g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    _("unexpected argument '%s' (files are given with -r)"),
                                    argv[1]),
                        FALSE));
}

static gboolean parse_format(const char *s, WtFormat *f)
{
  if (!s || strcmp(s, "text") == 0)
    *f = WT_FORMAT_TEXT;
  else if (strcmp(s, "json") == 0)
    *f = WT_FORMAT_JSON;
  else if (strcmp(s, "csv") == 0)
    *f = WT_FORMAT_CSV;
  else if (strcmp(s, "html") == 0)
    *f = WT_FORMAT_HTML;
  else
    return FALSE;
  return TRUE;
}

/* sudo: the invoking user, who gets the files wiretab creates */
static gboolean have_owner;
static uid_t owner_uid;
static gid_t owner_gid;

/* In a live capture a key log that does not exist yet is created, empty and private, and
 * followed: the sensor is usually started before the browser or curl that writes it, and
 * it is opened now because after -Z the unprivileged user could not open a private file
 * the browser creates later. The clients append to it (curl, NSS and Chromium do). */
static gboolean create_absent_keylog(const Options *o, WtTlsKeylog *k, const char *path,
                                     const GError *error)
{
  if (!o->iface || !g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return FALSE;
  int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return FALSE;
  if (have_owner && fchown(fd, owner_uid, owner_gid) != 0)
    g_printerr(_("wiretab: warning: %s: cannot give the TLS key log to uid %u: %s\n"), path,
               (unsigned) owner_uid, g_strerror(errno));
  close(fd);
  if (!wt_tls_keylog_add_file(k, path, NULL, NULL))
    return FALSE;
  g_printerr(_("wiretab: notice: %s: the TLS key log does not exist yet: created it empty "
               "(mode 600) and waiting for the clients to write their keys to it\n"), path);
  return TRUE;
}

static void warn_world_readable(const char *path)
{
  g_printerr(_("wiretab: warning: %s: the TLS key log is readable by every user (chmod "
               "600 it): it decrypts the captured sessions\n"), path);
}

/* --tls-keylog FILE ..., else $SSLKEYLOGFILE: a file named on the command line must be
 * readable; one named by the environment may not exist yet (a browser creates it on its
 * first connection), which is said and not an error. Live, an absent file is waited for. */
static gboolean open_keylogs(const Options *o, WtTlsKeylog **out)
{
  const char *env = g_getenv("SSLKEYLOGFILE");
  if (!o->tls_keylogs && !(env && *env))
    return TRUE;
  g_autoptr(WtTlsKeylog) k = wt_tls_keylog_new();
  for (char **f = o->tls_keylogs; f && *f; f++) {
    g_autoptr(GError) error = NULL;
    gboolean world_readable = FALSE;
    if (wt_tls_keylog_add_file(k, *f, &world_readable, &error)) {
      if (world_readable)
        warn_world_readable(*f);
    } else if (!create_absent_keylog(o, k, *f, error)) {
      g_printerr("wiretab: %s\n", error->message);
      return FALSE;
    }
  }
  if (!o->tls_keylogs) {
    g_autoptr(GError) error = NULL;
    gboolean world_readable = FALSE;
    if (wt_tls_keylog_add_file(k, env, &world_readable, &error)) {
      if (world_readable)
        warn_world_readable(env);
    } else if (!create_absent_keylog(o, k, env, error)) {
      g_printerr(_("wiretab: notice: SSLKEYLOGFILE: %s; nothing is decrypted\n"),
                 error->message);
      return TRUE;
    }
  }
  *out = g_steal_pointer(&k);
  return TRUE;
}

/* A pcapng Decryption Secrets Block with a TLS key log: its keys join the key log store,
 * made on the first such block when no --tls-keylog gave one (the block comes before the
 * frames it decrypts). */
static void on_capture_secrets(guint32 type, const guint8 *data, gsize len, gpointer user)
{
  WtTlsKeylog **keylog = user;
  if (type != 0x544c534bu)
    return;
  if (!*keylog) {
    *keylog = wt_tls_keylog_new();
    wt_tls_keylog_use(*keylog);
  }
  wt_tls_keylog_add_text(*keylog, (const char *) data, len);
}

static int usage_error(const char *msg)
{
  g_printerr(_("wiretab: %s (see wiretab --help)\n"), msg);
  return EXIT_USAGE;
}

typedef struct {
  WtAnalyzer *analyzer;
  gint64 limit;   /* stop after this many frames; 0 = none */
  gint64 seen;
  WtProgress *progress;  /* progress bar reading files; NULL: none */
  WtLiveView *view;      /* -i with --interval; NULL: none */
  WtCaptureSave *save;   /* -w FILE; NULL: none */
  WtWorkers *workers;    /* --threads N > 1; NULL: the analyzer runs on this thread */
  WtServiceNotify *notify;     /* readiness and watchdog under systemd (no-op otherwise) */
  gboolean log_clock_by_frame; /* --log-rotate reading files: packet time */
  gboolean log_error_said;     /* one warning per kind of failure is enough */
  WtLiveMetrics *metrics; /* --metrics; NULL: none */
} Loop;

/* Rotated logs follow capture time reading files (a capture of yesterday is rotated as
 * yesterday's intervals) and the wall clock live (an idle link still rotates). */
static void log_clock(Loop *l, gint64 now_ns)
{
  g_autoptr(GError) err = NULL;
  if (!wt_analyzer_log_clock(l->analyzer, now_ns, &err) && !l->log_error_said) {
    g_printerr(_("wiretab: warning: %s\n"), err->message);
    l->log_error_said = TRUE;
  }
}

/* Everything a frame may need besides the analysis: the -c limit, the packet-time log
 * clock, -w, --threads. */
static G_GNUC_NO_INLINE void on_frame_general(Loop *l, gint64 ts_ns, guint32 caplen,
                                              guint32 wirelen, const guint8 *bytes,
                                              int linktype)
{
  if (l->limit && l->seen >= l->limit)
    return;
  l->seen++;
  if (l->log_clock_by_frame)
    log_clock(l, ts_ns);
  wt_capture_save_frame(l->save, ts_ns, caplen, wirelen, bytes, linktype);
  if (l->workers) /* --threads: the analysis is handed to the workers */
    wt_workers_frame(l->workers, ts_ns, caplen, wirelen, bytes, linktype);
  else
    wt_analyzer_frame(l->analyzer, ts_ns, caplen, wirelen, bytes, linktype);
  if (l->limit && l->seen >= l->limit && current_source)
    wt_capture_break(current_source);
}

static void on_frame(gpointer user, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                     const guint8 *bytes, int linktype)
{
  Loop *l = user;
  /* The common case, every frame to the analyzer on this thread and nothing else to do
   * for it: tail calls either way, so no registers are saved and restored around them
   * (the general case out of line, or the compiler saves them for it on every frame). */
  if (G_LIKELY(!l->limit && !l->log_clock_by_frame && !l->save && !l->workers)) {
    l->seen++;
    wt_analyzer_frame(l->analyzer, ts_ns, caplen, wirelen, bytes, linktype);
    return;
  }
  on_frame_general(l, ts_ns, caplen, wirelen, bytes, linktype);
}

static gboolean limit_reached(const Loop *l)
{
  return stop_requested || (l->limit && l->seen >= l->limit);
}

/* Live capture: libpcap's buffer timeout does not bound a read on Linux (TPACKET_V3 polls
 * until a frame arrives), so an idle interface would never reach --duration. Wait on the
 * selectable fd ourselves, in non-blocking mode, never longer than the time left. */
static int wait_for_frames(WtCaptureSource *src, gint64 deadline)
{
  int fd = wt_capture_selectable_fd(src);
  if (fd < 0)
    return 1; /* no fd to wait on: dispatch blocks with the buffer timeout */
  int timeout_ms = 200;
  if (deadline) {
    gint64 left_us = deadline - g_get_monotonic_time();
    if (left_us <= 0)
      return 0;
    timeout_ms = (int) MIN(left_us / 1000 + 1, 200);
  }
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  return poll(&pfd, 1, timeout_ms); /* -1 with EINTR when a signal asks us to stop */
}

/* The watchdog is fed from here: a capture loop that hangs stops feeding it. */
static void service_tick(Loop *loop, WtCaptureSource *src)
{
  wt_service_notify_watchdog(loop->notify);
  if (!wt_service_notify_status_due(loop->notify))
    return;
  guint64 recv = 0, drop = 0, ifdrop = 0;
  wt_capture_stats(src, &recv, &drop, &ifdrop);
  wt_service_notify_status(loop->notify, (guint64) loop->seen, drop + ifdrop);
}

/* Read one source to its end (or until stopped). FALSE if it ended in an error; the frames
 * read before the error are kept. */
static gboolean run_source(WtCaptureSource *src, Loop *loop, double duration)
{
  gint64 deadline = duration > 0 ? g_get_monotonic_time() + (gint64) (duration * 1e6) : 0;
  gboolean live = wt_capture_is_live(src);
  if (live)
    wt_capture_set_nonblocking(src, TRUE);
  current_source = src;
  if (live) /* the first interval is known before a worker can write a record */
    log_clock(loop, g_get_real_time() * 1000);
  wt_live_metrics_tick(loop->metrics, loop->analyzer, loop->workers, src, TRUE);
  gboolean ok = TRUE;
  wt_live_view_tick(loop->view, loop->analyzer, src); /* its first screen before any wait */
  while (!limit_reached(loop)) {
    if (live && wait_for_frames(src, deadline) == 0 && deadline &&
        g_get_monotonic_time() >= deadline)
      break;
    g_autoptr(GError) err = NULL;
    int n = wt_capture_dispatch(src, -1, on_frame, loop,
                                &err);
    if (loop->workers)
      wt_workers_idle(loop->workers);
    if (live)
      log_clock(loop, g_get_real_time() * 1000);
    service_tick(loop, src);
    wt_progress_tick(loop->progress, src, (guint64) loop->seen);
    wt_live_view_tick(loop->view, loop->analyzer, src);
    wt_live_metrics_tick(loop->metrics, loop->analyzer, loop->workers, src, FALSE);
    if (wt_live_view_quit_requested(loop->view))
      stop_requested = 1; /* q: as Ctrl-C */
    if (n == -1 && stop_requested)
      break; /* the signal interrupted a blocking read (EINTR: reading a pipe): a stop */
    if (n == -1) {
      wt_progress_clear(loop->progress);
      wt_live_view_finish(loop->view); /* the message must not vanish with the screen */
      if (live)
        g_printerr(_("wiretab: interface %s: capture stopped: %s; the report covers what was "
                     "captured\n"), wt_capture_name(src), err->message);
      else
        g_printerr(_("wiretab: warning: %s; the report covers the frames read before it\n"),
                   err->message);
      ok = FALSE;
      break;
    }
    if (n == 0 && !live)
      break;
    if (deadline && g_get_monotonic_time() >= deadline)
      break;
  }
  if (live && ok && !(loop->limit && loop->seen >= loop->limit))
    wt_capture_drain_member(src, 0, on_frame, loop); /* what the kernel still held */
  current_source = NULL;
  return ok;
}

/* --threads N on an interface: the kernel spreads the frames over N handles (fanout), each
 * read by its worker; this thread only waits for the end and serves the counters. */
static gboolean run_fanout(WtCaptureSource *src, Loop *loop, double duration)
{
  gint64 deadline = duration > 0 ? g_get_monotonic_time() + (gint64) (duration * 1e6) : 0;
  current_source = src;
  log_clock(loop, g_get_real_time() * 1000);
  wt_live_metrics_tick(loop->metrics, loop->analyzer, loop->workers, src, TRUE);
  while (!stop_requested && wt_workers_running(loop->workers)) {
    int wait_ms = 200;
    if (deadline) {
      gint64 left_us = deadline - g_get_monotonic_time();
      if (left_us <= 0)
        break;
      wait_ms = (int) MIN(left_us / 1000 + 1, 200);
    }
    poll(NULL, 0, wait_ms); /* EINTR when a signal asks us to stop */
    loop->seen = (gint64) wt_workers_frames(loop->workers);
    log_clock(loop, g_get_real_time() * 1000);
    service_tick(loop, src);
    wt_live_metrics_tick(loop->metrics, loop->analyzer, loop->workers, src, FALSE);
  }
  loop->seen = (gint64) wt_workers_frames(loop->workers);
  current_source = NULL;
  const char *err = wt_workers_read_error(loop->workers);
  if (err)
    g_printerr(_("wiretab: interface %s: capture stopped: %s; the report covers what was "
                 "captured\n"), wt_capture_name(src), err);
  return err == NULL;
}

/* --threads N on plain pcap files: the workers read the files themselves (replicated
 * reading, wt_workers_new_replicated); this thread waits, draws the progress, passes a
 * stop on and, once they are done, says which files ended in a read error. */
static gboolean run_replicated(GPtrArray *sources, Loop *loop)
{
  gboolean stopping = FALSE;
  while (!wt_workers_wait(loop->workers, 200 * 1000)) {
    if (stop_requested && !stopping) {
      wt_workers_stop(loop->workers);
      stopping = TRUE;
    }
    WtCaptureSource *src = g_ptr_array_index(sources, wt_workers_current_source(loop->workers));
    loop->seen = (gint64) wt_workers_frames(loop->workers);
    service_tick(loop, src);
    wt_progress_tick(loop->progress, src, (guint64) loop->seen);
  }
  loop->seen = (gint64) wt_workers_frames(loop->workers);
  if (g_getenv("WIRETAB_THREADS_TIMES"))
    wt_workers_write_times(loop->workers, stderr);
  gboolean ok = TRUE;
  for (guint i = 0; i < sources->len; i++) {
    const char *err = wt_workers_source_error(loop->workers, i);
    if (!err)
      continue;
    wt_progress_clear(loop->progress);
    g_printerr(_("wiretab: warning: %s; the report covers the frames read before it\n"), err);
    ok = FALSE;
  }
  return ok;
}

/* A CSV file of the report: an atomic file (after -Z, created and renamed by the broker). */
static gboolean write_csv_file(const char *path, const char *data, gsize len, gpointer user,
                               GError **error)
{
  (void) user;
  WtAtomicFile *f = wt_atomic_file_new(path, error);
  if (!f)
    return FALSE;
  fwrite(data, 1, len, wt_atomic_file_stream(f));
  return wt_atomic_file_commit(f, error);
}

static gboolean write_report(WtReport *report, WtFormat fmt, const char *output,
                             WtAtomicFile *out, GError **error)
{
  if (fmt == WT_FORMAT_CSV && output)
    return wt_report_write_csv_with(report, output, write_csv_file, NULL, error);
  if (out) {
    /* -o opened before the capture (and before -Z dropped root): temporary file, renamed
     * when complete */
    FILE *f = wt_atomic_file_stream(out);
    if (fmt == WT_FORMAT_JSON)
      wt_report_write_json(report, f);
    else if (fmt == WT_FORMAT_HTML)
      wt_report_write_html(report, f);
    else
      wt_report_write_text(report, f, FALSE);
    return wt_atomic_file_commit(out, error);
  }
  if (!output) {
    if (fmt == WT_FORMAT_JSON)
      wt_report_write_json(report, stdout);
    else if (fmt == WT_FORMAT_CSV)
      wt_report_write_csv_summary(report, stdout);
    else if (fmt == WT_FORMAT_HTML)
      wt_report_write_html(report, stdout);
    else
      wt_report_write_text(report, stdout,
                           isatty(STDOUT_FILENO) && !g_getenv("NO_COLOR"));
    if (fflush(stdout) != 0 && errno != EPIPE) {
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                  _("standard output: cannot write the report: %s"), g_strerror(errno));
      return FALSE;
    }
    return TRUE;
  }
  /* Written to memory, then temporary file + rename: a killed run never leaves a
   * half-written report. */
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (fmt == WT_FORMAT_JSON)
    wt_report_write_json(report, mem);
  else if (fmt == WT_FORMAT_HTML)
    wt_report_write_html(report, mem);
  else
    wt_report_write_text(report, mem, FALSE);
  fclose(mem);
  gboolean ok = g_file_set_contents(output, buf, (gssize) len, error);
  free(buf);
  return ok;
}

/* Progress bar (files, stderr on a terminal), live view (-i with --interval) and -w. */
static gboolean ux_begin(Loop *loop, const Options *o, GPtrArray *sources, WtFormat fmt,
                         GError **error)
{
  loop->progress = wt_progress_new(stderr, sources,
                                   !o->iface && !o->quiet && isatty(STDERR_FILENO));
  gboolean tty = isatty(STDOUT_FILENO);
  if (o->iface && o->interval > 0 && (tty || !o->quiet))
    /* not a terminal: one line per interval, on stderr when a machine-readable report
     * follows on stdout */
    loop->view = wt_live_view_new(tty || fmt == WT_FORMAT_TEXT || o->output ? stdout : stderr,
                                  o->interval, tty, tty && !g_getenv("NO_COLOR"),
                                  (guint) MIN(o->top_n, 10));
  if (o->write_file) {
    WtCaptureSource *first = g_ptr_array_index(sources, 0);
    loop->save = wt_capture_save_open(o->write_file, wt_capture_linktype(first),
                                      o->snaplen > 0 ? o->snaplen : 262144, error);
    if (!loop->save)
      return FALSE;
  }
  return TRUE;
}

/* Before the report: the terminal clean, the saved capture complete. */
static int ux_end(Loop *loop, int status)
{
  wt_progress_free(loop->progress);
  loop->progress = NULL;
  wt_live_view_free(loop->view);
  loop->view = NULL;
  wt_live_metrics_free(loop->metrics); /* the capture is over: nothing more to serve */
  loop->metrics = NULL;
  if (loop->save) {
    g_autoptr(GError) err = NULL;
    guint64 skipped = wt_capture_save_skipped(loop->save);
    if (skipped)
      g_printerr(_("wiretab: warning: %llu frames of another link type were not saved (a "
                   "pcap file holds one link type)\n"), (unsigned long long) skipped);
    if (!wt_capture_save_close(loop->save, &err)) {
      g_printerr("wiretab: %s\n", err->message);
      status = EXIT_RUNTIME;
    }
    loop->save = NULL;
  }
  return status;
}

/* --sections, before any frame is read: the names must be sections this run's report
 * has, i.e. those of the report of a capture with nothing in it yet. */
static gboolean check_sections(WtAnalyzer *analyzer, WtChExporter *exporter, const char *list,
                               GError **error)
{
  g_autoptr(WtReport) probe = wt_report_new();
  wt_analyzer_report(analyzer, probe);
  if (exporter)
    wt_ch_exporter_report(exporter, probe);
  g_auto(GStrv) known = wt_report_section_keys(probe);
  return wt_report_check_section_names(list, (const char *const *) known, error);
}

#define FLEET_METRICS_DEFAULT_S 15.0

/* --from-clickhouse --metrics: the fleet's metrics served until SIGINT/SIGTERM, queried
 * again every --interval seconds (15 by default). A failed first query ends wiretab; a
 * failed later one keeps the last figures served and says so on stderr. */
static int serve_fleet_metrics(const Options *o, const WtFleetQuery *q)
{
  g_autoptr(GError) error = NULL;
  /* the first figures before listening: a wrong URL or database fails at once */
  g_autoptr(WtMetrics) first = wt_metrics_new();
  if (!wt_fleet_metrics(q, wt_registry_fleet_metrics(), first, &error)) {
    g_printerr("wiretab: %s\n", error->message);
    return EXIT_RUNTIME;
  }
  g_autoptr(WtMetricsServer) server = wt_metrics_server_new(o->metrics, NULL, &error);
  if (!server) {
    g_printerr("wiretab: %s\n", error->message);
    return EXIT_RUNTIME;
  }
  wt_metrics_server_publish(server, first);
  install_signals();
  gint64 every_us = (gint64) ((o->interval > 0 ? o->interval : FLEET_METRICS_DEFAULT_S) *
                              G_USEC_PER_SEC);
  gint64 next = g_get_monotonic_time() + every_us;
  while (!stop_requested) {
    if (g_get_monotonic_time() < next) {
      g_usleep(G_USEC_PER_SEC / 10); /* a signal is seen within 0.1 s */
      continue;
    }
    next = g_get_monotonic_time() + every_us;
    g_autoptr(WtMetrics) m = wt_metrics_new();
    g_autoptr(GError) qerr = NULL;
    if (wt_fleet_metrics(q, wt_registry_fleet_metrics(), m, &qerr))
      wt_metrics_server_publish(server, m);
    else
      g_printerr(_("wiretab: warning: %s (serving the last figures)\n"), qerr->message);
  }
  return EXIT_OK;
}

/* --clickhouse-schema and --from-clickhouse: no capture is read. */
static int run_clickhouse_mode(const Options *o, WtFormat fmt)
{
  g_autoptr(GError) error = NULL;
  const char *url = o->from_clickhouse ? o->from_clickhouse : o->clickhouse;
  if (o->ch_schema) {
    g_autofree char *db = wt_ch_url_database(url);
    g_autofree char *ddl = wt_ch_schema(db, o->ch_cluster ? o->ch_cluster : "wiretab",
                                        wt_registry_log_tables());
    fputs(ddl, stdout);
    return EXIT_OK;
  }
  if (o->files || o->iface)
    return usage_error(_("--from-clickhouse reads no capture: drop -r/-i"));
  WtFleetQuery q = { .url = url, .tables = wt_registry_log_tables(),
                     .sections = wt_registry_fleet_sections(),
                     .sensors = (const char *const *) o->sensors, .top_n = (guint) o->top_n, .interval_s = (gint64) o->interval };
  if ((o->since && !wt_fleet_parse_time(o->since, &q.since, &error)) ||
      (o->until && !wt_fleet_parse_time(o->until, &q.until, &error)))
    return usage_error(error->message);
  /* a query per second at most: the figures are ClickHouse's, not a capture's */
  if (o->metrics && (o->interval < 0 || (o->interval > 0 && o->interval < 1) ||
                     o->interval > 1e7))
    return usage_error(_("--interval with --from-clickhouse --metrics takes seconds between "
                         "1 and 10000000"));
  if (o->metrics)
    return serve_fleet_metrics(o, &q);
  g_autoptr(WtReport) report = wt_report_new();
  if (!wt_fleet_report(&q, report, &error))  {
    g_printerr("wiretab: %s\n", error->message);
    return EXIT_RUNTIME;
  }
  if (o->sections && !wt_report_keep_sections(report, o->sections, NULL, &error))
    return usage_error(error->message);
  if (!write_report(report, fmt, o->output, NULL, &error)) {
    g_printerr("wiretab: %s\n", error->message);
    return EXIT_RUNTIME;
  }
  return EXIT_OK;
}

/* The exporter's notices while it runs (server down, rows spilled): on stderr. */
static void print_export_notice(const char *message, gpointer user_data)
{
  (void) user_data;
  g_printerr("%s\n", message);
}

/* Where --clickhouse spills rows without --log-dir: a state directory, created now; as
 * root it goes to the -Z user, who writes the spill files after the drop. */
static char *default_spill_dir(const WtPrivileges *priv)
{
  char *dir = geteuid() == 0 ? g_strdup("/var/lib/wiretab/spool")
                             : g_build_filename(g_get_user_state_dir(), "wiretab", NULL);
  if (g_mkdir_with_parents(dir, 0750) != 0)
    g_printerr(_("wiretab: warning: %s: cannot create the ClickHouse spill directory: %s\n"),
               dir, g_strerror(errno));
  else if (priv->drop && chown(dir, priv->uid, priv->gid) != 0)
    g_printerr(_("wiretab: warning: %s: cannot give the directory to user %u: %s\n"), dir,
               (unsigned) priv->uid, g_strerror(errno));
  return dir;
}

/* --clickhouse: the exporter the logs feed (NULL without the option; *status on error). */
static WtChExporter *open_exporter(const Options *o, const WtPrivileges *priv, int *status)
{
  g_autoptr(GError) error = NULL;
  if (!o->clickhouse)
    return NULL;
  if (o->sensors && o->sensors[0] && o->sensors[1]) {
    *status = usage_error(_("--clickhouse takes one --sensor NAME"));
    return NULL;
  }
  WtChExportConfig ec;
  wt_ch_export_config_init(&ec);
  ec.url = o->clickhouse;
  ec.sensor = o->sensors ? o->sensors[0] : NULL;
  /* the exporter keeps its own copy */
  g_autofree char *spill_dir = o->log_dir ? g_strdup(o->log_dir) : default_spill_dir(priv);
  ec.spill_dir = spill_dir;
  ec.tables = wt_registry_log_tables();
  ec.notice = print_export_notice;
  if (o->ch_batch > 0)
    ec.batch_rows = (guint) o->ch_batch;
  if (o->ch_queue > 0)
    ec.queue_rows = (guint) o->ch_queue;
  if (o->ch_timeout > 0)
    ec.exit_timeout_us = (gint64) (o->ch_timeout * 1e6);
  WtChExporter *e = wt_ch_exporter_new(&ec, &error);
  if (!e) {
    if (error->code == WT_CH_ERROR_UNSUPPORTED) {
      g_printerr("wiretab: %s\n", error->message);
      *status = EXIT_RUNTIME;
    } else {
      *status = usage_error(error->message);
    }
  }
  return e;
}

/* Through sudo, the output files and the directories this run creates belong to the
 * invoking user. */

/* A directory this run created for its outputs goes to the invoking user (sudo). Existing
 * directories are left as they are. After -Z, the broker (file-broker.h) creates and
 * renames the files in them, not the unprivileged user. */
static void give_dir(const char *dir, gboolean created)
{
  if (dir && created && have_owner && chown(dir, owner_uid, owner_gid) != 0)
    g_printerr(_("wiretab: warning: %s: cannot give the directory to user %u: %s\n"), dir,
               (unsigned) owner_uid, g_strerror(errno));
}

static gboolean is_new_dir(const char *dir)
{
  return dir && !g_file_test(dir, G_FILE_TEST_EXISTS);
}

/* -Z: every output file is created and renamed by a broker process that keeps root, in
 * the directories the command line names and nowhere else. Started before any thread. */
static gboolean start_broker(const Options *o, WtFormat fmt, GError **error)
{
  WtFileBroker *b = wt_file_broker_new(); /* lives until exit */
  if (have_owner)
    wt_file_broker_set_owner(b, owner_uid, owner_gid);
  const char *files[] = { fmt == WT_FORMAT_CSV ? NULL : o->output, o->write_file };
  for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
    if (!files[i] || strcmp(files[i], "-") == 0)
      continue;
    g_autofree char *dir = g_path_get_dirname(files[i]);
    g_autofree char *name = g_path_get_basename(files[i]);
    wt_file_broker_allow(b, dir, name, NULL);
  }
  if (fmt == WT_FORMAT_CSV && o->output)
    wt_file_broker_allow(b, o->output, NULL, ".csv");
  if (o->log_dir)
    wt_file_broker_allow(b, o->log_dir, NULL, ".log");
  if (o->follow_dir)
    wt_file_broker_allow(b, o->follow_dir, NULL, NULL);
  return wt_file_broker_start(b, error);
}

/* Every input and output is open: give up root (-Z). */
static gboolean drop_root(const WtPrivileges *priv, const Options *o, WtFormat fmt,
                          gboolean new_log_dir, gboolean new_follow_dir, GError **error)
{
  if (priv->notice)
    g_printerr(_("wiretab: notice: no user '%s' to drop root privileges to: capturing as "
                 "root (create it, or give -Z USER; -Z root keeps root without this "
                 "notice)\n"), WT_PRIVILEGES_DEFAULT_USER);
  give_dir(o->log_dir, new_log_dir);
  give_dir(o->follow_dir, new_follow_dir);
  if (fmt == WT_FORMAT_CSV && o->output && is_new_dir(o->output)) {
    /* the CSV files are written at the end, through the broker after -Z */
    if (g_mkdir_with_parents(o->output, 0755) == 0)
      give_dir(o->output, TRUE);
  }
  return wt_privileges_drop(priv, error);
}

/* --log-rotate, --log-keep-size, --log-keep-age; NULL when they are right, else what is
 * wrong. */
static const char *parse_rotation(const Options *o, WtLogRotation *r)
{
  if ((o->log_keep_size || o->log_keep_age) && !o->log_rotate)
    return _("--log-keep-size and --log-keep-age need --log-rotate");
  if (!o->log_rotate)
    return NULL;
  if (!o->log_dir)
    return _("--log-rotate needs --log-dir DIR");
  if (!wt_parse_duration(o->log_rotate, &r->interval_ns))
    return _("--log-rotate takes an interval such as 10m, 1h or 1d");
  if (o->log_keep_size && !wt_parse_size(o->log_keep_size, &r->keep_bytes))
    return _("--log-keep-size takes a size such as 500M or 10G");
  if (o->log_keep_age && !wt_parse_duration(o->log_keep_age, &r->keep_age_ns))
    return _("--log-keep-age takes an age such as 12h or 7d");
  return NULL;
}

/* -i with --threads N: N handles in a kernel fanout group (FALSE in *fanout, one handle,
 * with --no-fanout, when the kernel has none, or with -w, whose file is written in one
 * reader's order). */
static WtCaptureSource *open_live(const Options *o, const WtCaptureOptions *copts,
                                  gboolean *fanout, GError **error)
{
  if (!o->no_fanout && o->threads > 1 && !o->write_file) {
    g_autoptr(GError) err = NULL;
    WtCaptureSource *src = wt_capture_open_live_fanout(o->iface, copts, (guint) o->threads,
                                                       &err);
    if (src) {
      *fanout = TRUE;
      return src;
    }
    if (!g_error_matches(err, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_UNSUPPORTED)) {
      g_propagate_error(error, g_steal_pointer(&err));
      return NULL;
    }
    g_printerr(_("wiretab: notice: %s; one thread reads and hands the frames to the "
                 "workers\n"), err->message);
  }
  return wt_capture_open_live(o->iface, copts, error);
}

/* --threads N reading files: the workers read the files themselves when they all are plain
 * pcap files and no frame must pass through one thread in order (-w writes them, rotated
 * logs follow their times). WIRETAB_THREADS_READER=1 keeps the reader thread (tests). */
static gboolean use_replicated_reading(const Options *o, const Loop *loop, GPtrArray *sources)
{
  if (o->iface || o->write_file || loop->log_clock_by_frame ||
      g_getenv("WIRETAB_THREADS_READER"))
    return FALSE;
  for (guint i = 0; i < sources->len; i++)
    if (!wt_capture_can_replicate(g_ptr_array_index(sources, i)))
      return FALSE;
  return TRUE;
}

/* --threads N reading files: no more threads than free cores, and one thread (no workers)
 * when fewer than two are free, so a busy machine is not slower than with one thread.
 * WIRETAB_THREADS_FIXED=1 uses N whatever the load (tests, benchmarks of N). */
static guint size_threads(const Options *o)
{
  if (o->threads <= 1 || o->iface || g_getenv("WIRETAB_THREADS_FIXED"))
    return (guint) MAX(o->threads, 1);
  guint free_cores = 0;
  guint n = wt_free_cores_threads_now((guint) o->threads, &free_cores);
  if (n == 1 && !o->quiet)
    g_printerr(_("wiretab: notice: %u CPUs free (other programs are running): analysing on "
                 "one thread instead of %d\n"), free_cores, o->threads);
  else if (n < (guint) o->threads && !o->quiet)
    g_printerr(_("wiretab: notice: %u CPUs free (other programs are running): %u threads "
                 "instead of %d\n"), free_cores, n, o->threads);
  return n;
}

int main(int argc, char **argv)
{
  /* static: the option strings live as long as the process and stay reachable */
  static Options o;
  o.count = 0;
  o.time_wait = -1;
  o.top_n = 10;
  g_autoptr(GError) error = NULL;
  wt_i18n_init(argv[0]);
  if (!parse_args(argc, argv, &o, &error))
    return usage_error(error->message);
  if (o.version) {
    printf("wiretab %s (%s)\n", WT_VERSION, pcap_lib_version());
    return EXIT_OK;
  }
  if (o.list_ifaces)
    return wt_capture_list_interfaces(stdout, &error)
             ? EXIT_OK
             : (g_printerr("wiretab: %s\n", error->message), EXIT_RUNTIME);
  WtFormat fmt;
  if (!parse_format(o.format, &fmt))
    return usage_error(_("--format must be text, json, csv or html"));
  /* before the fleet modes, which read no capture: nothing live to serve there */
  if (o.metrics && ((!o.iface && !o.from_clickhouse) || o.ch_schema))
    return usage_error(_("--metrics serves the counters of a live capture or a fleet: give "
                         "-i IFACE or --from-clickhouse URL"));
  if (o.metrics) {
    g_autofree char *host = NULL;
    guint16 port;
    if (!wt_metrics_parse_address(o.metrics, &host, &port, &error))
      return usage_error(error->message);
  }
  if (o.ch_schema || o.from_clickhouse)
    return run_clickhouse_mode(&o, fmt);
  if (!o.files && !o.iface)
    return usage_error(_("nothing to read: give -r FILE or -i IFACE"));
  if (o.files && o.iface)
    return usage_error(_("give either -r FILE or -i IFACE, not both"));
  if (o.count < 0 || o.duration < 0 || o.top_n < 0)
    return usage_error(_("-c, --duration and --top take non-negative numbers"));
  if (o.interval < 0 || (o.interval > 0 && o.interval < 0.001) || o.interval > 1e7)
    return usage_error(_("--interval takes seconds between 0.001 and 10000000"));
  if (o.threads < 0 || o.threads > 64)
    return usage_error(_("--threads takes a number of threads from 1 to 64"));
  if (o.threads > 1 && (o.explain || o.follow))
    return usage_error(_("--explain and --follow run on one thread: drop --threads"));
  if (o.fanout && o.no_fanout)
    return usage_error(_("--fanout and --no-fanout contradict each other: give one"));
  if (o.fanout && (!o.iface || o.threads < 2))
    return usage_error(_("--fanout spreads a live capture over --threads N handles: give -i "
                         "IFACE and --threads 2 or more"));
  if (o.threads > 1 && o.iface && o.interval > 0)
    return usage_error(_("the live view (-i with --interval) runs on one thread: drop "
                         "--threads"));
  /* -Z: known before anything is opened, so a wrong user fails at once */
  static WtPrivileges priv; /* static: reachable until exit, like the options */
  if (!wt_privileges_resolve(o.drop_user, o.iface != NULL, &priv, &error)) {
    g_printerr("wiretab: %s\n", error->message);
    return EXIT_RUNTIME;
  }
  if ((have_owner = wt_privileges_sudo_owner(&owner_uid, &owner_gid)))
    wt_atomic_files_set_owner(owner_uid, owner_gid);
  if (priv.drop && !start_broker(&o, fmt, &error)) {
    g_printerr("wiretab: %s\n", error->message);
    return EXIT_RUNTIME;
  }

  WtAnalyzerConfig cfg;
  wt_analyzer_config_init(&cfg);
  cfg.log_dir = o.log_dir;
  const char *bad_rotation = parse_rotation(&o, &cfg.log_rotation);
  if (bad_rotation)
    return usage_error(bad_rotation);
  cfg.top_n = (guint) o.top_n;
  cfg.timeline_interval_ns = (gint64) (o.interval * 1e9 + 0.5);
  cfg.verify_checksums = o.verify_checksums;
  cfg.live_metrics = o.metrics != NULL;
  if (o.time_wait >= 0)
    cfg.time_wait_ns = (gint64) (o.time_wait * 1e9);
  if (o.max_flows > 0)
    cfg.flows.max_flows = (guint) MIN(o.max_flows, G_MAXUINT);
  if (o.reasm_dir_cap > 0)
    cfg.reasm_per_dir_cap = (gsize) o.reasm_dir_cap;
  if (o.reasm_cap > 0)
    cfg.reasm_global_cap = (gsize) o.reasm_cap;
  for (char **tp = o.tunnel_ports; tp && *tp; tp++)
    if (!wt_decode_add_tunnel_ports(&cfg.decode, *tp, &error))
      return usage_error(error->message);
  if (o.overlap_policy) {
    if (strcmp(o.overlap_policy, "first") == 0)
      cfg.overlap_policy = 0;
    else if (strcmp(o.overlap_policy, "last") == 0)
      cfg.overlap_policy = 1;
    else
      return usage_error(_("--overlap-policy must be first or last"));
  }

  /* connection filters are part of the command line: a bad one is a usage error */
  g_autoptr(WtConnWatch) watch = wt_conn_watch_new(o.explain, o.follow, o.follow_dir, &error);
  if (!watch)
    return usage_error(error->message);
  cfg.conn_observer = wt_conn_watch_observer(watch);
  WtCaptureOptions copts = {
    .filter = o.filter,
    .snaplen = o.snaplen,
    .promisc = !o.no_promisc,
    .buffer_size = o.buffer_kib > 0 ? o.buffer_kib * 1024 : 0,
  };
  /* the fanout program sends a tunnel's datagrams by their addresses, as the router */
  static guint16 tunnel_ports[WT_DECODE_MAX_TUNNEL_PORTS + 16];
  copts.tunnel_ports = tunnel_ports;
  copts.n_tunnel_ports = wt_decode_udp_tunnel_ports(&cfg.decode, tunnel_ports,
                                                    G_N_ELEMENTS(tunnel_ports));

  /* the key logs: read now, before -Z gives up root (they are often private files), and
   * kept open to follow them as they grow */
  g_autoptr(WtTlsKeylog) keylog = NULL;
  if (!open_keylogs(&o, &keylog))
    return EXIT_RUNTIME;
  if (keylog)
    wt_tls_keylog_set_live(keylog, o.iface != NULL);
  wt_tls_keylog_use(keylog);
  copts.on_secrets = on_capture_secrets;
  copts.secrets_user = &keylog;

  /* Open every input before reading any, so a bad name fails before work is done. */
  GPtrArray *sources = g_ptr_array_new_with_free_func((GDestroyNotify) wt_capture_close);
  gboolean fanout = FALSE;
  if (o.iface) {
    WtCaptureSource *src = open_live(&o, &copts, &fanout, &error);
    if (!src) {
      g_printerr("wiretab: %s\n", error->message);
      return EXIT_RUNTIME;
    }
    g_ptr_array_add(sources, src);
  } else {
    for (char **f = o.files; *f; f++) {
      WtCaptureSource *src = wt_capture_open_file(*f, &copts, &error);
      if (!src) {
        g_printerr("wiretab: %s\n", error->message);
        g_ptr_array_free(sources, TRUE);
        return EXIT_RUNTIME;
      }
      g_ptr_array_add(sources, src);
    }
  }

  /* Declared before the analyzer, so it is freed after it: the logs' last records
   * reach the exporter (or its spill files) when the analyzer closes them. */
  int ch_status = EXIT_OK;
  g_autoptr(WtChExporter) exporter = open_exporter(&o, &priv, &ch_status);
  if (ch_status != EXIT_OK) {
    g_ptr_array_free(sources, TRUE);
    return ch_status;
  }
  cfg.exporter = exporter;
  gboolean new_log_dir = is_new_dir(o.log_dir), new_follow_dir = is_new_dir(o.follow_dir);
  g_autoptr(WtAnalyzer) analyzer = wt_analyzer_new(&cfg, &error);
  /* after the analyzer: with both a bad --log-dir and a bad --follow-dir, the log
   * directory's error is the one reported */
  if (!analyzer || !wt_conn_watch_prepare(watch, &error)) {
    g_printerr("wiretab: %s\n", error->message);
    g_ptr_array_free(sources, TRUE);
    return EXIT_RUNTIME;
  }
  if (o.sections && !check_sections(analyzer, exporter, o.sections, &error)) {
    g_ptr_array_free(sources, TRUE);
    return usage_error(error->message);
  }
  install_signals();
  Loop loop = { .analyzer = analyzer, .limit = o.count,
                .log_clock_by_frame = cfg.log_rotation.interval_ns > 0 && !o.iface };
  int status = EXIT_OK;
  if (o.write_file && strcmp(o.write_file, "-") == 0 && !o.output) {
    g_ptr_array_free(sources, TRUE);
    return usage_error(_("-w - writes the capture to standard output: give the report a "
                         "file with -o"));
  }
  /* The report's temporary file is opened now: an unwritable -o fails before the capture,
   * and after -Z the unprivileged process only writes to what it already holds. */
  WtAtomicFile *report_out = NULL;
  if (o.output && fmt != WT_FORMAT_CSV && !(report_out = wt_atomic_file_new(o.output, &error))) {
    g_printerr("wiretab: %s\n", error->message);
    g_ptr_array_free(sources, TRUE);
    return EXIT_RUNTIME;
  }
  if (!ux_begin(&loop, &o, sources, fmt, &error)) {
    g_printerr("wiretab: %s\n", error->message);
    ux_end(&loop, EXIT_RUNTIME); /* the progress bar or live view it made before failing */
    wt_atomic_file_discard(report_out);
    g_ptr_array_free(sources, TRUE);
    return EXIT_RUNTIME;
  }
  /* listening before -Z: a port below 1024 needs root */
  if (o.metrics && !(loop.metrics = wt_live_metrics_new(o.metrics, o.sensors ? o.sensors[0]
                                                        : NULL, o.iface, &error))) {
    g_printerr("wiretab: %s\n", error->message);
    wt_atomic_file_discard(report_out);
    ux_end(&loop, EXIT_RUNTIME);
    g_ptr_array_free(sources, TRUE);
    return EXIT_RUNTIME;
  }
  if (!drop_root(&priv, &o, fmt, new_log_dir, new_follow_dir, &error)) {
    g_printerr("wiretab: %s\n", error->message);
    wt_atomic_file_discard(report_out);
    ux_end(&loop, EXIT_RUNTIME);
    g_ptr_array_free(sources, TRUE);
    return EXIT_RUNTIME;
  }
  guint threads = size_threads(&o);
  gboolean replicated = threads > 1 && use_replicated_reading(&o, &loop, sources);
  if (fanout)
    loop.workers = wt_workers_new_fanout(analyzer, &cfg, g_ptr_array_index(sources, 0),
                                         (guint64) o.count, &error);
  else if (replicated)
    loop.workers = wt_workers_new_replicated(analyzer, &cfg, threads, sources,
                                             (guint64) o.count, &error);
  else if (threads > 1)
    loop.workers = wt_workers_new(analyzer, &cfg, threads, &error);
  if ((fanout || threads > 1) && !loop.workers) {
    g_printerr("wiretab: %s\n", error->message);
    wt_atomic_file_discard(report_out);
    ux_end(&loop, EXIT_RUNTIME);
    g_ptr_array_free(sources, TRUE);
    return EXIT_RUNTIME;
  }
  g_autoptr(WtServiceNotify) notify = wt_service_notify_new();
  loop.notify = notify;
  wt_service_notify_ready(notify, o.iface ? o.iface : o.files[0]);
  if (g_getenv("WIRETAB_THREADS_TRACE"))
    g_printerr("wiretab: threads: %u, %s\n", loop.workers ? threads : 1,
               !loop.workers ? "one thread" : fanout ? "fanout" : replicated ? "replicated"
                                                                              : "reader");
  if (replicated && !run_replicated(sources, &loop))
    status = EXIT_RUNTIME;
  for (guint i = 0; i < sources->len && !replicated && !limit_reached(&loop); i++) {
    WtCaptureSource *src = g_ptr_array_index(sources, i);
    wt_analyzer_add_source(analyzer, wt_capture_name(src), wt_capture_is_live(src));
    if (!(fanout ? run_fanout(src, &loop, o.duration) : run_source(src, &loop, o.duration)))
      status = EXIT_RUNTIME;
    guint64 recv, drop, ifdrop;
    if (wt_capture_stats(src, &recv, &drop, &ifdrop))
      wt_analyzer_set_drops(analyzer, recv, drop, ifdrop);
  }
  wt_service_notify_stopping(notify);
  status = ux_end(&loop, status);
  if (loop.workers) /* before the sources close: fanout workers read them */
    wt_workers_finish(loop.workers); /* their flows end, their taps merge into analyzer */
  g_ptr_array_free(sources, TRUE);

  wt_analyzer_finish(analyzer);
  g_autoptr(GError) log_error = NULL;
  if (!wt_analyzer_close_logs(analyzer, &log_error)) { /* the logs get their names now */
    g_printerr("wiretab: %s\n", log_error->message);
    status = EXIT_RUNTIME;
  }
  wt_ch_exporter_close(exporter); /* sends the queue, or spills it */
  g_autoptr(WtReport) report = wt_report_new();
  wt_analyzer_report(analyzer, report);
  if (exporter)
    wt_ch_exporter_report(exporter, report);
  if (o.sections)
    wt_report_keep_sections(report, o.sections, NULL, NULL); /* names checked before */
  if (!write_report(report, fmt, o.output, report_out, &error)) {
    g_printerr("wiretab: %s\n", error->message);
    status = EXIT_RUNTIME;
  }
  g_strfreev(o.files);
  g_strfreev(o.tls_keylogs);
  return status;
}
