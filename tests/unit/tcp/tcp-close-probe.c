/* Runs a capture through the whole pipeline and prints, at its last frame and before the
 * end of input ends the flows that remain (connections in TIME-WAIT among them), what the
 * TCP layer holds: the flows still in the table and the application sessions still alive
 * or already freed when their connection closed. test-close-release.py compares these
 * with tshark's count of the connections closed by a FIN in both directions.
 * Usage: tcp-close-probe CAPTURE [KEYLOG] */
#include <pcap.h>
#include <stdio.h>

#include "analyzer/pipeline/analyzer.h"
#include "dissectors/tls/tls-keylog.h"

typedef struct {
  WtAnalyzer *a;
  int linktype;
} Feed;

static void on_frame(guchar *user, const struct pcap_pkthdr *h, const guchar *bytes)
{
  const Feed *f = (const Feed *) user;
  gint64 ts = (gint64) h->ts.tv_sec * G_GINT64_CONSTANT(1000000000) +
              (gint64) h->ts.tv_usec * 1000;
  wt_analyzer_frame(f->a, ts, h->caplen, h->len, bytes, f->linktype);
}

int main(int argc, char **argv)
{
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: tcp-close-probe CAPTURE [KEYLOG]\n");
    return 2;
  }
  g_autoptr(WtTlsKeylog) keys = NULL;
  if (argc == 3) {
    g_autoptr(GError) err = NULL;
    keys = wt_tls_keylog_new();
    if (!wt_tls_keylog_add_file(keys, argv[2], NULL, &err)) {
      fprintf(stderr, "tcp-close-probe: %s\n", err->message);
      return 1;
    }
    wt_tls_keylog_use(keys);
  }
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(argv[1], errbuf);
  if (!p) {
    fprintf(stderr, "tcp-close-probe: %s: %s\n", argv[1], errbuf);
    return 1;
  }
  WtAnalyzerConfig cfg;
  wt_analyzer_config_init(&cfg);
  g_autoptr(GError) err = NULL;
  WtAnalyzer *a = wt_analyzer_new(&cfg, &err);
  if (!a) {
    fprintf(stderr, "tcp-close-probe: %s\n", err->message);
    return 1;
  }
  wt_analyzer_add_source(a, argv[1], FALSE);
  Feed feed = { a, pcap_datalink(p) };
  pcap_loop(p, -1, on_frame, (guchar *) &feed);
  pcap_close(p);
  WtAnalyzerSnapshot s;
  wt_analyzer_snapshot(a, &s);
  printf("flows_live=%" G_GUINT64_FORMAT " sessions_live=%" G_GUINT64_FORMAT
         " sessions_freed_at_close=%" G_GUINT64_FORMAT "\n",
         (guint64) s.flows_live, s.tcp_sessions_live, s.tcp_sessions_freed_at_close);
  wt_analyzer_finish(a);
  wt_analyzer_free(a);
  wt_tls_keylog_use(NULL);
  return 0;
}
