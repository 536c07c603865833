/* The capture corpus of the tests that hold a fast path against the general one on every
 * frame we have: the project's own captures/ and the public captures of ../shared/captures
 * (WT_SHARED_CAPTURES overrides it), with their sub-folders one level deep. The including
 * test defines WT_CAPTURES_DIR and WT_SHARED_CAPTURES_DEFAULT (tests/unit/meson.build). */
#pragma once

#include <glib.h>
#include <pcap/pcap.h>
#include <string.h>

#include "analyzer/core/packet.h"

typedef void (*WtCorpusFileFunc)(const char *path, gpointer user);

static inline const char *wt_corpus_shared_dir(void)
{
  const char *dir = g_getenv("WT_SHARED_CAPTURES");
  return dir && *dir ? dir : WT_SHARED_CAPTURES_DEFAULT;
}

/* The names tests/arch/compare-outputs.sh takes for captures. */
static inline gboolean wt_corpus_is_capture(const char *name)
{
  return g_str_has_suffix(name, ".pcap") || g_str_has_suffix(name, ".pcapng") ||
         g_str_has_suffix(name, ".cap") || g_str_has_suffix(name, ".trace");
}

static inline void wt_corpus_walk(const char *dir, guint depth, WtCorpusFileFunc fn,
                                  gpointer user)
{
  g_autoptr(GDir) gd = g_dir_open(dir, 0, NULL);
  if (!gd) /* no shared captures on this machine: captures/ alone */
    return;
  const char *name;
  while ((name = g_dir_read_name(gd))) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    if (depth > 0 && g_file_test(path, G_FILE_TEST_IS_DIR))
      wt_corpus_walk(path, depth - 1, fn, user);
    else if (wt_corpus_is_capture(name))
      fn(path, user);
  }
}

/* Every capture file, captures/ first. */
static inline void wt_corpus_foreach(WtCorpusFileFunc fn, gpointer user)
{
  wt_corpus_walk(WT_CAPTURES_DIR, 0, fn, user);
  wt_corpus_walk(wt_corpus_shared_dir(), 1, fn, user);
}

typedef void (*WtCorpusFrameFunc)(const guint8 *bytes, guint32 caplen, guint32 wirelen,
                                  int linktype, gpointer user);

/* Every frame of one capture, in order, as libpcap reads it; FALSE when it cannot open
 * the file. */
static inline gboolean wt_corpus_frames(const char *path, WtCorpusFrameFunc fn, gpointer user)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, errbuf);
  if (!p)
    return FALSE;
  int linktype = pcap_datalink(p);
  struct pcap_pkthdr *h;
  const u_char *bytes;
  while (pcap_next_ex(p, &h, &bytes) == 1)
    fn(bytes, h->caplen, h->len, linktype, user);
  pcap_close(p);
  return TRUE;
}

/* A frame as the decode tables take it: everything else zero. */
static inline void wt_corpus_packet(WtPacket *pkt, const guint8 *bytes, guint32 caplen,
                                    guint32 wirelen, int linktype)
{
  memset(pkt, 0, sizeof *pkt);
  pkt->caplen = caplen;
  pkt->wirelen = wirelen;
  pkt->linktype = linktype;
  pkt->frame = bytes;
}

/* What a fast-path test counts: frames (or segments) checked, variants made of them, and
 * how many of those the fast path took. */
typedef struct {
  guint64 frames, variants, fast;
} WtCorpusCounts;

/* Checks one capture, adding to *total; FALSE when the capture is not to be counted. */
typedef gboolean (*WtCorpusCheckFunc)(const char *path, WtCorpusCounts *total);

typedef struct {
  WtCorpusCheckFunc check;
  WtCorpusCounts total;
  guint files;
} WtCorpusTally;

static inline void wt_corpus_tally_file(const char *path, gpointer user)
{
  WtCorpusTally *t = user;
  t->files += t->check(path, &t->total);
}

/* `check` on every capture of the corpus, the totals as a test message ("N captures, ...
 * `what`, ... `fast_means`"), and what every such test asserts: the corpus was read
 * (captures/ alone holds more than 10 files) and the fast path took something. */
static inline void wt_corpus_check_every(WtCorpusCheckFunc check, const char *what,
                                         const char *fast_means)
{
  WtCorpusTally t = { check, { 0, 0, 0 }, 0 };
  wt_corpus_foreach(wt_corpus_tally_file, &t);
  g_test_message("%u captures, %" G_GUINT64_FORMAT " %s, %" G_GUINT64_FORMAT " variants, %"
                 G_GUINT64_FORMAT " %s", t.files, t.total.frames, what, t.total.variants,
                 t.total.fast, fast_means);
  g_assert_cmpuint(t.files, >=, 10); /* captures/ alone holds more */
  g_assert_cmpuint(t.total.fast, >, 0);
}
