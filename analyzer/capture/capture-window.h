/* The bytes of a capture file for the block readers (pcap-mmap.c, pcapng-read.c): either a
 * sliding mmap window over a regular file (the kernel copies nothing) or, for a pipe or
 * standard input, a buffer filled by large read() calls (megabytes at a time, not a read per
 * frame). Readers ask for [off, off + n) and get a pointer valid until the next request;
 * offsets only grow, and a stream keeps the bytes from the last released offset on. */
#pragma once
#include <glib.h>
#include <stdio.h>

typedef struct WtWindow WtWindow;

/* The bytes at hand: [off, off + len) of the file are base[0 .. len). The first member of
 * every window, so the common case, a record wholly at hand, costs a comparison and no call. */
typedef struct {
  const guint8 *base;
  gint64 off;
  gsize len;
  /* The offset from which wt_window_release() must be called at once (a shared window's
   * next publication, see WT_WINDOW_SHARE_READERS); G_MAXINT64 when the released offset
   * only matters when the window is asked for bytes beyond the span. */
  gint64 release_due;
} WtWindowSpan;

/* A regular file (fd not consumed): NULL if it cannot be mapped (the caller keeps libpcap). */
WtWindow *wt_window_new_mapped(int fd);
/* A stream (fd not consumed), read from its current position. */
WtWindow *wt_window_new_stream(int fd);
void wt_window_free(WtWindow *w);

/* Bytes [off, off + n) of the file. Returns NULL when fewer are there: *got says how many
 * (end of file), or a read/map error happened (errno set, *got = 0 and
 * wt_window_failed() TRUE). */
const guint8 *wt_window_get_slow(WtWindow *w, gint64 off, gsize n, gsize *got);
static inline const guint8 *wt_window_get(WtWindow *w, gint64 off, gsize n, gsize *got)
{
  const WtWindowSpan *s = (const WtWindowSpan *) w;
  if (G_LIKELY(off >= s->off && n != 0 && (guint64) (off - s->off) + n <= s->len)) {
    *got = n;
    return s->base + (off - s->off);
  }
  return wt_window_get_slow(w, off, n, got);
}
gboolean wt_window_failed(const WtWindow *w);
/* The reader is done with everything before `off` (a stream may drop it; a mapping unmaps
 * when it is done with the file, see wt_window_done). */
void wt_window_release(WtWindow *w, gint64 off);
/* The reader has moved to `off` and calls wt_window_release() itself before it next asks
 * for bytes beyond the span (wt_window_get() not answered inline): a call only when the
 * window needs to know now. */
static inline void wt_window_release_lazy(WtWindow *w, gint64 off)
{
  if (G_UNLIKELY(off >= ((const WtWindowSpan *) w)->release_due))
    wt_window_release(w, off);
}
/* End of reading: give the pages or the buffer back now. */
void wt_window_done(WtWindow *w);
/* Replicated reading (several threads on one file, capture.h's replicas): one mapping of
 * the whole file shared by every reader, so a page is faulted in once, not once per
 * reader. Each reader has its own WtWindow on it (wt_window_new_shared), and pages every
 * reader has released are given back (MADV_DONTNEED): a reader that only holds pages
 * (wt_window_release, never a read) keeps them for frames other threads analyse. How far
 * readers drift apart is for the caller to bound. NULL when the file cannot be mapped
 * whole (then each reader maps its own sliding windows). At most WT_WINDOW_SHARE_READERS
 * readers. */
#define WT_WINDOW_SHARE_READERS 64
typedef struct WtWindowShare WtWindowShare;
WtWindowShare *wt_window_share_new(int fd);
/* After every reader's window is freed. */
void wt_window_share_free(WtWindowShare *s);
/* A reader's window on the share: the first, second ... (from 0) reader. */
WtWindow *wt_window_new_shared(WtWindowShare *s);

/* A shared window: the pages of [off, off + len) mapped now (one byte read per page), so
 * that the thread reading them later takes no page fault. Returns the bytes touched. */
gint64 wt_window_touch(WtWindow *w, gint64 off, gint64 len);

/* File size (mapped), or -1. */
gint64 wt_window_size(const WtWindow *w);

/* A stdio stream over a stream window, from offset 0 (fopencookie): libpcap validates the
 * file header through it, and reads the whole file through it when no block reader takes
 * the file. fclose() does not free the window. */
FILE *wt_window_fopen(WtWindow *w);
/* No block reader takes the stream: libpcap reads it all through that stdio stream, so what
 * it has read can be dropped. */
void wt_window_stdio_reads_all(WtWindow *w);
