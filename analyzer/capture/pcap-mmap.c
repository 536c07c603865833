#include "analyzer/capture/pcap-mmap.h"
#include "analyzer/capture/capture-ts.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define FILE_HDR_LEN 24
#define REC_HDR_LEN 16
/* libpcap's max_snaplen_for_dlt() for every link type accepted below (MAXIMUM_SNAPLEN). */
#define MAX_SNAPLEN 262144u

#define MAGIC_MICRO 0xa1b2c3d4u
#define MAGIC_NANO 0xa1b23c4du

struct WtPcapMmap {
  WtWindow *w;          /* the file's bytes (not owned) */
  gboolean swapped, nano;
  guint32 snapshot;
  int linktype;         /* the file's, for every frame */
  gint64 pos;           /* offset of the next record header */
  volatile sig_atomic_t break_loop;
};

static guint32 u32_at(const guint8 *p, gboolean swapped)
{
  guint32 v;
  memcpy(&v, p, 4);
  return swapped ? GUINT32_SWAP_LE_BE(v) : v;
}

/* Link types whose frames libpcap hands over unchanged from a file in either byte order
 * (swap_pseudo_headers() rewrites USB and NFLOG headers in swapped files) and whose sanity
 * limit is MAX_SNAPLEN. NFLOG only in host byte order. */
gboolean wt_pcap_dlt_supported(int dlt, gboolean swapped)
{
  switch (dlt) {
  case DLT_NULL:
  case DLT_EN10MB:
  case DLT_RAW:
  case DLT_LOOP:
  case DLT_LINUX_SLL:
  case DLT_IPV4:
  case DLT_IPV6:
  case DLT_LINUX_SLL2:
    return TRUE;
  case DLT_NFLOG:
    return !swapped;
  default:
    return FALSE;
  }
}

WtPcapMmap *wt_pcap_mmap_open(WtWindow *w, int snapshot, int dlt)
{
  if (g_getenv("WIRETAB_NO_MMAP") || snapshot <= 0)
    return NULL;
  gsize got;
  const guint8 *hdr = wt_window_get(w, 0, FILE_HDR_LEN, &got);
  if (!hdr)
    return NULL;
  guint32 magic;
  memcpy(&magic, hdr, 4);
  gboolean swapped;
  if (magic == MAGIC_MICRO || magic == MAGIC_NANO)
    swapped = FALSE;
  else if (magic == GUINT32_SWAP_LE_BE(MAGIC_MICRO) || magic == GUINT32_SWAP_LE_BE(MAGIC_NANO))
    swapped = TRUE;
  else
    return NULL; /* pcapng (pcapng-read.c), modified pcap variants: libpcap */
  guint16 major, minor;
  memcpy(&major, hdr + 4, 2);
  memcpy(&minor, hdr + 6, 2);
  if (swapped) {
    major = GUINT16_SWAP_LE_BE(major);
    minor = GUINT16_SWAP_LE_BE(minor);
  }
  /* 2.4 only: older minor versions may have caplen and len swapped (libpcap guesses). */
  if (major != 2 || minor != 4 || (guint32) snapshot > MAX_SNAPLEN || !wt_pcap_dlt_supported(dlt, swapped))
    return NULL;
  /* A header with reserved link-type bits set is refused by the caller before this reader
   * is asked (libpcap 1.10.3 takes the low 16 bits and opens it); never read one. */
  if (WT_PCAP_LT_RESERVED1(u32_at(hdr + 20, swapped)) != 0)
    return NULL;
  WtPcapMmap *m = g_new0(WtPcapMmap, 1);
  m->w = w;
  m->swapped = swapped;
  m->nano = (swapped ? GUINT32_SWAP_LE_BE(magic) : magic) == MAGIC_NANO;
  m->snapshot = (guint32) snapshot;
  m->linktype = dlt;
  m->pos = FILE_HDR_LEN;
  return m;
}

void wt_pcap_mmap_free(WtPcapMmap *m)
{
  g_free(m);
}

void wt_pcap_mmap_break(WtPcapMmap *m) { m->break_loop = 1; }
gint64 wt_pcap_mmap_offset(const WtPcapMmap *m) { return m->pos; }

static int read_error(char *errbuf)
{
  snprintf(errbuf, PCAP_ERRBUF_SIZE, "error reading dump file: %s", g_strerror(errno));
  return -1;
}

/* sf-pcap.c pcap_next_packet(): 0 and the frame, 1 at end of file, -1 with errbuf. */
static int next_packet(WtPcapMmap *m, struct pcap_pkthdr *h, const guint8 **data, char *errbuf)
{
  gsize got;
  const guint8 *rec = wt_window_get(m->w, m->pos, REC_HDR_LEN, &got);
  if (!rec) {
    if (wt_window_failed(m->w))
      return read_error(errbuf);
    if (got == 0)
      return 1;
    snprintf(errbuf, PCAP_ERRBUF_SIZE,
             "truncated dump file; tried to read %zu header bytes, only got %zu",
             (size_t) REC_HDR_LEN, (size_t) got);
    return -1;
  }
  /* The file's fields are 32-bit signed seconds and fraction (struct pcap_timeval). */
  gint32 sec = (gint32) u32_at(rec, m->swapped);
  gint32 frac = (gint32) u32_at(rec + 4, m->swapped);
  guint32 caplen = u32_at(rec + 8, m->swapped);
  guint32 len = u32_at(rec + 12, m->swapped);
  h->ts.tv_sec = sec;
  h->ts.tv_usec = m->nano ? (suseconds_t) frac : (suseconds_t) frac * 1000;
  h->len = len;
  if (caplen > MAX_SNAPLEN) {
    if (caplen > m->snapshot)
      snprintf(errbuf, PCAP_ERRBUF_SIZE,
               "invalid packet capture length %u, bigger than snaplen of %d", caplen,
               (int) m->snapshot);
    else
      snprintf(errbuf, PCAP_ERRBUF_SIZE,
               "invalid packet capture length %u, bigger than maximum of %u", caplen,
               MAX_SNAPLEN);
    return -1;
  }
  gint64 body = m->pos + REC_HDR_LEN;
  /* Longer than the file's snapshot length: libpcap hands over the first `snapshot` bytes
   * and skips the rest; both must be in the file. The record is asked for whole (at most
   * MAX_SNAPLEN bytes), so the frame's pointer stays valid. */
  guint32 keep = MIN(caplen, m->snapshot);
  const guint8 *d = wt_window_get(m->w, body, caplen, &got);
  if (!d) {
    if (wt_window_failed(m->w))
      return read_error(errbuf);
    snprintf(errbuf, PCAP_ERRBUF_SIZE,
             "truncated dump file; tried to read %u captured bytes, only got %zu",
             got < keep ? keep : caplen, (size_t) got);
    return -1;
  }
  *data = d;
  h->caplen = keep;
  m->pos = body + caplen;
  return 0;
}

/* The usual record: a non-zero length no longer than the file's snapshot, the header and
 * the frame wholly in the window's span. What next_packet() gives for it, with one bounds
 * test for both and no release (next_packet() releases before it asks the window for
 * more, and the stream windows use the released offset only then). FALSE, nothing done:
 * next_packet() decides (end of file, errors, truncation, a frame longer than the
 * snapshot, a window to move on). */
static inline gboolean next_packet_fast(WtPcapMmap *m, struct pcap_pkthdr *h,
                                        const guint8 **data, gint64 *ts_ns)
{
  const WtWindowSpan *s = (const WtWindowSpan *) m->w;
  if (G_UNLIKELY(m->pos < s->off || (guint64) (m->pos - s->off) + REC_HDR_LEN > s->len))
    return FALSE;
  guint64 at = (guint64) (m->pos - s->off);
  const guint8 *rec = s->base + at;
  guint32 f[4]; /* seconds, fraction, caplen, len: byte order tested once */
  memcpy(f, rec, sizeof f);
  if (G_UNLIKELY(m->swapped))
    for (guint i = 0; i < G_N_ELEMENTS(f); i++)
      f[i] = GUINT32_SWAP_LE_BE(f[i]);
  guint32 caplen = f[2];
  /* the snapshot is at most MAX_SNAPLEN (wt_pcap_mmap_open) */
  if (G_UNLIKELY(caplen == 0 || caplen > m->snapshot || at + REC_HDR_LEN + caplen > s->len))
    return FALSE;
  gint32 sec = (gint32) f[0];
  gint32 frac = (gint32) f[1];
  suseconds_t frac_ns = m->nano ? (suseconds_t) frac : (suseconds_t) frac * 1000;
  h->ts.tv_sec = sec;
  h->ts.tv_usec = frac_ns;
  h->len = f[3];
  h->caplen = caplen;
  /* from the 32-bit seconds, so the compiler drops the clamp they never reach */
  *ts_ns = wt_capture_ts_ns(sec, frac_ns);
  *data = rec + REC_HDR_LEN;
  m->pos += REC_HDR_LEN + caplen;
  return TRUE;
}

/* savefile.c pcap_offline_read(), including its quirks: end of file returns 0 even after
 * frames were delivered in this call, and a break returns the frames delivered so far,
 * PCAP_ERROR_BREAK only when there were none. */
int wt_pcap_mmap_dispatch(WtPcapMmap *m, int cnt, const struct bpf_program *filter,
                          WtPcapMmapFunc fn, gpointer user, char *errbuf)
{
  int n = 0;
  for (;;) {
    if (m->break_loop) {
      if (n == 0) {
        m->break_loop = 0;
        return PCAP_ERROR_BREAK;
      }
      return n;
    }
    struct pcap_pkthdr h;
    const guint8 *data = NULL;
    gint64 ts_ns;
    if (G_UNLIKELY(!next_packet_fast(m, &h, &data, &ts_ns))) {
      wt_window_release(m->w, m->pos);
      int status = next_packet(m, &h, &data, errbuf);
      if (status != 0) {
        /* Done with this file: give its pages back now, not when the source is closed
         * (all sources stay open until the last one is read). */
        wt_window_done(m->w);
        return status == 1 ? 0 : PCAP_ERROR;
      }
      ts_ns = wt_capture_ts_ns((gint64) h.ts.tv_sec, (gint64) h.ts.tv_usec);
    }
    wt_window_release_lazy(m->w, m->pos);
    if (!filter || !filter->bf_insns || pcap_offline_filter(filter, &h, data)) {
      fn(user, ts_ns, h.caplen, h.len, data, m->linktype);
      n++;
      if (cnt > 0 && n >= cnt)
        return n;
    }
  }
}
