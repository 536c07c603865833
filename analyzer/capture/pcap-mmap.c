#include "analyzer/capture/pcap-mmap.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* 8 MiB: large enough that remapping is rare (one mmap per ~5,500 full-size frames), small
 * enough that the resident file pages stay a fixed, small part of peak memory. */
#define WINDOW_BYTES (2u << 20)
#define FILE_HDR_LEN 24
#define REC_HDR_LEN 16
/* libpcap's max_snaplen_for_dlt() for every link type accepted below (MAXIMUM_SNAPLEN). */
#define MAX_SNAPLEN 262144u

#define MAGIC_MICRO 0xa1b2c3d4u
#define MAGIC_NANO 0xa1b23c4du

struct WtPcapMmap {
  int fd;
  gint64 size;
  gboolean swapped, nano;
  guint32 snapshot;
  const guint8 *win;    /* current mapping, or NULL */
  gint64 win_off;       /* file offset of win[0] (page aligned) */
  gsize win_len;
  gint64 pos;           /* offset of the next record header */
  gsize page;
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
static gboolean dlt_supported(int dlt, gboolean swapped)
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

static void unmap(WtPcapMmap *m)
{
  if (m->win)
    munmap((void *) m->win, m->win_len);
  m->win = NULL;
  m->win_len = 0;
}

/* Bytes [off, off + n) of the file, all inside the file (the caller checked), mapped. */
static const guint8 *view(WtPcapMmap *m, gint64 off, gsize n)
{
  if (m->win && off >= m->win_off && (guint64) (off - m->win_off) + n <= m->win_len)
    return m->win + (off - m->win_off);
  unmap(m);
  gint64 base = off & ~(gint64) (m->page - 1);
  gsize len = MAX((gsize) WINDOW_BYTES, (gsize) (off - base) + n);
  len = (gsize) MIN((gint64) len, m->size - base);
  void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, m->fd, base);
  if (p == MAP_FAILED)
    return NULL;
  madvise(p, len, MADV_SEQUENTIAL);
  m->win = p;
  m->win_off = base;
  m->win_len = len;
  return m->win + (off - base);
}

WtPcapMmap *wt_pcap_mmap_open(int fd, int snapshot, int dlt)
{
  if (g_getenv("WIRETAB_NO_MMAP") || snapshot <= 0)
    return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < FILE_HDR_LEN)
    return NULL;
  guint8 hdr[FILE_HDR_LEN];
  if (pread(fd, hdr, sizeof hdr, 0) != (ssize_t) sizeof hdr)
    return NULL;
  guint32 magic;
  memcpy(&magic, hdr, 4);
  gboolean swapped;
  if (magic == MAGIC_MICRO || magic == MAGIC_NANO)
    swapped = FALSE;
  else if (magic == GUINT32_SWAP_LE_BE(MAGIC_MICRO) || magic == GUINT32_SWAP_LE_BE(MAGIC_NANO))
    swapped = TRUE;
  else
    return NULL; /* pcapng, modified pcap variants: libpcap */
  guint16 major, minor;
  memcpy(&major, hdr + 4, 2);
  memcpy(&minor, hdr + 6, 2);
  if (swapped) {
    major = GUINT16_SWAP_LE_BE(major);
    minor = GUINT16_SWAP_LE_BE(minor);
  }
  /* 2.4 only: older minor versions may have caplen and len swapped (libpcap guesses). */
  if (major != 2 || minor != 4 || (guint32) snapshot > MAX_SNAPLEN || !dlt_supported(dlt, swapped))
    return NULL;
  /* A header with reserved link-type bits set is refused by the caller before this reader
   * is asked (libpcap 1.10.3 takes the low 16 bits and opens it); never map one. */
  if (WT_PCAP_LT_RESERVED1(u32_at(hdr + 20, swapped)) != 0)
    return NULL;
  WtPcapMmap *m = g_new0(WtPcapMmap, 1);
  m->fd = fd;
  m->size = st.st_size;
  m->swapped = swapped;
  m->nano = (swapped ? GUINT32_SWAP_LE_BE(magic) : magic) == MAGIC_NANO;
  m->snapshot = (guint32) snapshot;
  m->pos = FILE_HDR_LEN;
  m->page = (gsize) sysconf(_SC_PAGESIZE);
  /* A file system that cannot map files (some FUSE or network mounts) stays on libpcap
   * rather than failing at the first frame. */
  if (m->size > FILE_HDR_LEN && !view(m, FILE_HDR_LEN, 1)) {
    wt_pcap_mmap_free(m);
    return NULL;
  }
  return m;
}

void wt_pcap_mmap_free(WtPcapMmap *m)
{
  if (!m)
    return;
  unmap(m);
  g_free(m);
}

void wt_pcap_mmap_break(WtPcapMmap *m) { m->break_loop = 1; }
gint64 wt_pcap_mmap_offset(const WtPcapMmap *m) { return m->pos; }

/* sf-pcap.c pcap_next_packet(): 0 and the frame, 1 at end of file, -1 with errbuf. */
static int next_packet(WtPcapMmap *m, struct pcap_pkthdr *h, const guint8 **data, char *errbuf)
{
  gint64 avail = m->size - m->pos;
  if (avail == 0)
    return 1;
  if (avail < REC_HDR_LEN) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE,
             "truncated dump file; tried to read %zu header bytes, only got %zu",
             (size_t) REC_HDR_LEN, (size_t) avail);
    return -1;
  }
  const guint8 *rec = view(m, m->pos, REC_HDR_LEN);
  if (!rec) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE, "error reading dump file: %s", g_strerror(errno));
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
  gint64 left = m->size - body;
  /* Longer than the file's snapshot length: libpcap hands over the first `snapshot` bytes
   * and skips the rest. */
  guint32 keep = MIN(caplen, m->snapshot);
  if (left < (gint64) keep) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE,
             "truncated dump file; tried to read %u captured bytes, only got %zu", keep,
             (size_t) left);
    return -1;
  }
  if (left < (gint64) caplen) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE,
             "truncated dump file; tried to read %u captured bytes, only got %zu", caplen,
             (size_t) left);
    return -1;
  }
  *data = view(m, body, keep);
  if (!*data) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE, "error reading dump file: %s", g_strerror(errno));
    return -1;
  }
  h->caplen = keep;
  m->pos = body + caplen;
  return 0;
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
    int status = next_packet(m, &h, &data, errbuf);
    if (status != 0) {
      /* Done with this file: give its pages back now, not when the source is closed
       * (all sources stay open until the last one is read). */
      unmap(m);
      return status == 1 ? 0 : PCAP_ERROR;
    }
    if (!filter || !filter->bf_insns || pcap_offline_filter(filter, &h, data)) {
      fn(user, &h, data);
      n++;
      if (cnt > 0 && n >= cnt)
        return n;
    }
  }
}
