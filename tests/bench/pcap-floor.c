/* The benchmark floor: what any libpcap-based analyzer must pay at least. Reads every frame
 * of the given capture files with pcap_loop and does nothing with it beyond counting, so an
 * analyzer's time divided by this program's time on the same file, in the same run, is a
 * figure that survives noisy machines. Opens files the way wiretab does (nanosecond
 * timestamps) so the two pay the same libpcap costs.
 *
 *   pcap-floor FILE...      prints "FRAMES frames BYTES bytes" */
#include <pcap/pcap.h>
#include <stdio.h>

typedef struct {
  unsigned long long frames, bytes;
} Totals;

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
  Totals *t = (Totals *) user;
  (void) bytes;
  t->frames++;
  t->bytes += h->caplen;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: pcap-floor FILE...\n");
    return 1;
  }
  Totals t = { 0, 0 };
  for (int i = 1; i < argc; i++) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[i], PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
      fprintf(stderr, "pcap-floor: %s\n", err);
      return 2;
    }
    if (pcap_loop(p, -1, on_frame, (u_char *) &t) == PCAP_ERROR) {
      fprintf(stderr, "pcap-floor: %s: %s\n", argv[i], pcap_geterr(p));
      pcap_close(p);
      return 2;
    }
    pcap_close(p);
  }
  printf("%llu frames %llu bytes\n", t.frames, t.bytes);
  return 0;
}
