#include "analyzer/capture/capture-save.h"
#include "analyzer/output/atomic-file.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct WtCaptureSave {
  pcap_t *dead;          /* a "dead" handle carries the link type and snaplen for the header */
  pcap_dumper_t *dumper;
  WtAtomicFile *out;     /* the file under its temporary name until closed; NULL for "-" */
  char *path;
  int linktype;
  guint32 snaplen;
  guint64 written, skipped;
};

WtCaptureSave *wt_capture_save_open(const char *path, int linktype, int snaplen,
                                    GError **error)
{
  if (snaplen <= 0)
    snaplen = 262144;
  pcap_t *dead = pcap_open_dead_with_tstamp_precision(linktype, snaplen,
                                                       PCAP_TSTAMP_PRECISION_NANO);
  if (!dead) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                _("%s: cannot write a capture file for link type %d"), path, linktype);
    return NULL;
  }
  /* A file is written under a temporary name and renamed when complete (atomic-file.h);
   * libpcap writes through its own stream on a duplicate of the temporary file's fd. */
  WtAtomicFile *out = NULL;
  pcap_dumper_t *d = NULL;
  errno = 0;
  if (strcmp(path, "-") == 0) {
    d = pcap_dump_open(dead, path); /* standard output */
  } else {
    out = wt_atomic_file_new(path, error);
    if (!out) {
      pcap_close(dead);
      return NULL;
    }
    int fd = dup(fileno(wt_atomic_file_stream(out)));
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f && fd >= 0)
      close(fd);
    d = f ? pcap_dump_fopen(dead, f) : NULL;
    if (!d && f)
      fclose(f);
  }
  if (!d) {
    int e = errno;
    g_set_error(error, G_FILE_ERROR, e ? g_file_error_from_errno(e) : G_FILE_ERROR_FAILED,
                _("%s: cannot create the capture file: %s; check the path and permissions"),
                path, pcap_geterr(dead));
    wt_atomic_file_discard(out);
    pcap_close(dead);
    return NULL;
  }
  WtCaptureSave *s = g_new0(WtCaptureSave, 1);
  s->dead = dead;
  s->dumper = d;
  s->out = out;
  s->path = g_strdup(path);
  s->linktype = linktype;
  s->snaplen = (guint32) snaplen;
  return s;
}

void wt_capture_save_frame(WtCaptureSave *s, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                           const guint8 *bytes, int linktype)
{
  if (!s)
    return;
  if (linktype != s->linktype) {
    s->skipped++;
    return;
  }
  /* a nanosecond dead handle: pcap_dump writes tv_usec as nanoseconds */
  struct pcap_pkthdr h;
  h.ts.tv_sec = (time_t) (ts_ns / 1000000000);
  h.ts.tv_usec = (suseconds_t) (ts_ns % 1000000000);
  h.caplen = MIN(caplen, s->snaplen);
  h.len = wirelen;
  pcap_dump((u_char *) s->dumper, &h, bytes);
  s->written++;
}

void wt_capture_save_flush(WtCaptureSave *s)
{
  if (s)
    pcap_dump_flush(s->dumper);
}

guint64 wt_capture_save_written(const WtCaptureSave *s) { return s ? s->written : 0; }
guint64 wt_capture_save_skipped(const WtCaptureSave *s) { return s ? s->skipped : 0; }

gboolean wt_capture_save_close(WtCaptureSave *s, GError **error)
{
  if (!s)
    return TRUE;
  gboolean ok = TRUE;
  FILE *f = pcap_dump_file(s->dumper);
  if (pcap_dump_flush(s->dumper) != 0 || (f && ferror(f))) {
    int e = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                _("%s: cannot write the capture file: %s"), s->path, g_strerror(e));
    ok = FALSE;
  }
  pcap_dump_close(s->dumper);
  if (!ok)
    wt_atomic_file_discard(s->out);
  else if (s->out && !wt_atomic_file_commit(s->out, error))
    ok = FALSE; /* renamed to its name only now */
  pcap_close(s->dead);
  g_free(s->path);
  g_free(s);
  return ok;
}
