/* Every capture in the shared public corpus that libpcap opens decodes without a crash,
 * and for captures of different link types the number of frames whose IP layer was
 * decoded (and TCP/UDP counts) matches tshark.
 *
 * Expected numbers were produced with TShark 4.0.17 on 2024-11 in the shared corpus
 * (../shared/captures next to the checkout) by:
 *   tshark -n -r F -Y 'ip or ipv6' | wc -l     (ip)
 *   tshark -n -r F -Y tcp | wc -l              (tcp)
 *   tshark -n -r F -Y udp | wc -l              (udp)
 *   tshark -n -r F | wc -l                     (frames)
 *   tshark -n -r F -Y tcp -T fields -e frame.len | awk '{s+=$1} END {print s}'
 *                                              (tcp bytes; likewise for udp, ip or ipv6)
 *   tshark -n -r F -Y icmp | wc -l, tshark -n -r F -Y icmpv6 | wc -l
 * tshark reassembles IP fragments by default and shows UDP only on the frame that
 * completed the datagram, which is what the decoder's tap counts too.
 * The folder is $WT_SHARED_CAPTURES, default WT_SHARED_CAPTURES_DEFAULT (set by meson:
 * ../shared/captures next to the source tree), and the test is skipped when it does not
 * exist. */
#include "tests/unit/decode/frame-builder.h"

#include <pcap/pcap.h>

typedef struct {
  const char *file;
  const char *linktype; /* as wt_linktype_name() names it */
  guint64 frames, ip, tcp, udp;
  guint64 ip_bytes, tcp_bytes, udp_bytes; /* sum of frame.len of those frames */
  guint64 icmp, icmpv6;
} Expected;

static const Expected EXPECTED[] = {
  { "zeek-http-connect.pcap", "NULL", 58, 58, 58, 0, 63575, 63575, 0, 0, 0 },
  { "sv-websocket-ping-sll.pcap", "LINUX_SLL", 19, 19, 19, 0, 1693, 1693, 0, 0, 0 },
  { "zeek-sll-irc-starttls.pcap", "LINUX_SLL", 20, 20, 20, 0, 4168, 4168, 0, 0, 0 },
  { "zeek-linux-sll2.pcap", "LINUX_SLL2", 6, 4, 0, 0, 456, 0, 0, 2, 2 },
  { "zeek-nflog-http.pcap", "NFLOG", 13, 13, 13, 0, 3104, 3104, 0, 0, 0 },
  { "zeek-mixed-vlan-mpls.pcap", "EN10MB", 47, 47, 47, 0, 16403, 16403, 0, 0, 0 },
  { "zeek-q-in-q.pcap", "EN10MB", 5, 4, 0, 4, 788, 0, 788, 0, 0 },
  { "zeek-ipv6-fragmented-dns.pcap", "EN10MB", 8, 8, 0, 5, 4620, 0, 1228, 0, 0 },
  { "zeek-ipv4-fragmented-1.pcap", "EN10MB", 3, 3, 0, 1, 548, 0, 338, 0, 0 },
  { "zeek-ipv4-fragmented-2.pcap", "EN10MB", 3, 3, 0, 0, 270, 0, 0, 0, 0 },
  { "zeek-ipv6-http-atomic-frag.pcap", "EN10MB", 38, 38, 36, 0, 3408, 3236, 0, 0, 2 },
  { "zeek-tcp-truncated-header-snaplen68.pcap", "EN10MB", 24, 24, 24, 0, 1993, 1993, 0, 0, 0 },
  { "zeek-trunc-hdr.pcap", "EN10MB", 1, 0, 0, 0, 0, 0, 0, 0, 0 },
  { "zeek-nmap-vsn-scan.pcap", "EN10MB", 547, 44, 32, 12, 3294, 2276, 1018, 0, 0 },
  { "zeek-pcapng-multi-interface.pcapng", "EN10MB", 6, 6, 0, 6, 798, 0, 798, 0, 0 },
  { "zeek-http-get.pcap", "EN10MB", 14, 14, 14, 0, 6087, 6087, 0, 0, 0 },
};

/* Checksums and length checks, compared with tshark's own validation:
 *   tshark -n -o ip.check_checksum:TRUE -r F -Y 'ip.checksum.status==0' | wc -l
 *   tshark -n -o tcp.check_checksum:TRUE -r F -Y 'tcp.checksum.status==0' | wc -l
 *   tshark -n -o udp.check_checksum:TRUE -r F -Y 'udp.checksum.status==0' | wc -l
 *   ip4.bad_length: frames with tshark's expert note "IPv4 total length exceeds
 *   packet length" (tshark -T fields -e _ws.expert.message) */
typedef struct {
  const char *file;
  const char *anomaly;
  guint64 count;
} ExpectedAnomaly;

static const ExpectedAnomaly EXPECTED_ANOMALIES[] = {
  { "zeek-mixed-vlan-mpls.pcap", "ip4.bad_checksum", 22 },
  { "zeek-mixed-vlan-mpls.pcap", "tcp.bad_checksum", 22 },
  { "zeek-tcp-retransmit-fast.pcap", "ip4.bad_checksum", 39 },
  { "zeek-tcp-retransmit-fast.pcap", "tcp.bad_checksum", 18 },
  { "zeek-http-connect.pcap", "ip4.bad_checksum", 0 },
  { "zeek-http-connect.pcap", "tcp.bad_checksum", 58 },
  { "zeek-sll-irc-starttls.pcap", "tcp.bad_checksum", 10 },
  { "zeek-pcapng-multi-interface.pcapng", "ip4.bad_checksum", 2 },
  { "zeek-pcapng-multi-interface.pcapng", "udp.bad_checksum", 3 },
  { "zeek-http-docker-upgrade.pcap", "tcp.bad_checksum", 200 },
  { "zeek-ipv6-http-atomic-frag.pcap", "tcp.bad_checksum", 4 },
  { "zeek-tcp-reassembly-overlap.pcap", "tcp.bad_checksum", 15 },
  { "zeek-tcp-reassembly-overlap.pcap", "ip4.bad_length", 5 },
  { "zeek-nflog-http.pcap", "tcp.bad_checksum", 7 },
  { "zeek-http-get.pcap", "tcp.bad_checksum", 0 },
};

typedef struct {
  guint64 frames, ip;
  int linktype;
  gboolean opened;
} Result;

static Result decode_file(const char *path, WtDecoders *d, WtAnomalies *a)
{
  Result res = { 0, 0, -1, FALSE };
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, errbuf);
  if (!p)
    return res;
  res.opened = TRUE;
  res.linktype = pcap_datalink(p);
  struct pcap_pkthdr *h;
  const u_char *bytes;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &bytes)) == 1) {
    WtPacket pkt;
    memset(&pkt, 0, sizeof pkt);
    pkt.ts_ns = (gint64) h->ts.tv_sec * 1000000000 + (gint64) h->ts.tv_usec * 1000;
    pkt.caplen = h->caplen;
    pkt.wirelen = h->len;
    pkt.linktype = res.linktype;
    pkt.frame = bytes;
    WtDecodeStatus st = wt_decode_frame(d, &pkt, a);
    g_assert_cmpint(st, >=, WT_DECODE_OK);
    g_assert_cmpint(st, <=, WT_DECODE_CONSUMED);
    fb_assert_payload_inside(&pkt, bytes, h->caplen);
    res.frames++;
    if (pkt.ip_version != 0)
      res.ip++;
  }
  wt_decoders_expire(d, G_MAXINT64, a);
  pcap_close(p);
  return res;
}

static const char *captures_dir(void)
{
  const char *dir = g_getenv("WT_SHARED_CAPTURES");
  return dir && *dir ? dir : WT_SHARED_CAPTURES_DEFAULT;
}

static void test_all_decode(void)
{
  const char *dir = captures_dir();
  g_autoptr(GDir) gd = g_dir_open(dir, 0, NULL);
  if (!gd) {
    g_test_skip("no capture corpus");
    return;
  }
  guint opened = 0;
  const char *name;
  while ((name = g_dir_read_name(gd))) {
    if (!g_str_has_suffix(name, ".pcap") && !g_str_has_suffix(name, ".pcapng"))
      continue;
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(WtDecoders) d = wt_decoders_new(NULL);
    g_autoptr(WtAnomalies) a = wt_anomalies_new();
    Result r = decode_file(path, d, a);
    if (!r.opened)
      continue;
    opened++;
    const WtDecodeStats *s = wt_decoders_stats(d);
    g_test_message("%s: %s frames %" G_GUINT64_FORMAT " ip %" G_GUINT64_FORMAT
                   " tcp %" G_GUINT64_FORMAT " udp %" G_GUINT64_FORMAT " other %" G_GUINT64_FORMAT
                   " malformed %" G_GUINT64_FORMAT,
                   name, wt_linktype_name(r.linktype), r.frames, r.ip, s->tcp.packets,
                   s->udp.packets, s->other.packets, s->malformed);
    g_autoptr(GPtrArray) names = wt_anomalies_names(a);
    for (guint i = 0; i < names->len; i++)
      g_test_message("  %s %" G_GUINT64_FORMAT, (const char *) names->pdata[i],
                     wt_anomaly_get(a, names->pdata[i]));
    /* the tap's invariant: every frame lands in exactly one bucket */
    g_assert_cmpuint(s->frames, ==, r.frames);
    g_assert_cmpuint(s->tcp.packets + s->udp.packets + s->icmp.packets + s->icmpv6.packets
                         + s->other.packets + s->fragments_held,
                     ==, s->frames);
    g_assert_cmpuint(s->ipv4.packets + s->ipv6.packets, ==, r.ip);
  }
  /* 53 files, of which 3 are damaged beyond what libpcap opens */
  g_assert_cmpuint(opened, >=, 45);
}

static void test_expected(gconstpointer data)
{
  const Expected *e = data;
  g_autofree char *path = g_build_filename(captures_dir(), e->file, NULL);
  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_test_skip("capture not present");
    return;
  }
  g_autoptr(WtDecoders) d = wt_decoders_new(NULL);
  g_autoptr(WtAnomalies) a = wt_anomalies_new();
  Result r = decode_file(path, d, a);
  g_assert_true(r.opened);
  const WtDecodeStats *s = wt_decoders_stats(d);
  g_assert_cmpstr(wt_linktype_name(r.linktype), ==, e->linktype);
  g_assert_cmpuint(r.frames, ==, e->frames);
  g_assert_cmpuint(r.ip, ==, e->ip);
  g_assert_cmpuint(s->tcp.packets, ==, e->tcp);
  g_assert_cmpuint(s->udp.packets, ==, e->udp);
  g_assert_cmpuint(s->ipv4.bytes + s->ipv6.bytes, ==, e->ip_bytes);
  g_assert_cmpuint(s->tcp.bytes, ==, e->tcp_bytes);
  g_assert_cmpuint(s->udp.bytes, ==, e->udp_bytes);
  g_assert_cmpuint(s->icmp.packets, ==, e->icmp);
  g_assert_cmpuint(s->icmpv6.packets, ==, e->icmpv6);
}

static void test_expected_anomaly(gconstpointer data)
{
  const ExpectedAnomaly *e = data;
  g_autofree char *path = g_build_filename(captures_dir(), e->file, NULL);
  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_test_skip("capture not present");
    return;
  }
  g_autoptr(WtDecoders) d = wt_decoders_new(NULL);
  g_autoptr(WtAnomalies) a = wt_anomalies_new();
  Result r = decode_file(path, d, a);
  g_assert_true(r.opened);
  g_assert_cmpuint(wt_anomaly_get(a, e->anomaly), ==, e->count);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/captures/all-decode", test_all_decode);
  for (guint i = 0; i < G_N_ELEMENTS(EXPECTED); i++) {
    g_autofree char *p = g_strdup_printf("/captures/tshark/%s", EXPECTED[i].file);
    g_test_add_data_func(p, &EXPECTED[i], test_expected);
  }
  for (guint i = 0; i < G_N_ELEMENTS(EXPECTED_ANOMALIES); i++) {
    g_autofree char *p = g_strdup_printf("/captures/tshark-checks/%s/%s", EXPECTED_ANOMALIES[i].file,
                                         EXPECTED_ANOMALIES[i].anomaly);
    g_test_add_data_func(p, &EXPECTED_ANOMALIES[i], test_expected_anomaly);
  }
  return g_test_run();
}
