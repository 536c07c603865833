#include "analyzer/capture/capture-window.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Mapped: windows of 2 MiB, remapped rarely (one mmap per ~1,400 full-size frames) while the
 * resident file pages stay a small, fixed part of peak memory. Each starts on a 2 MiB
 * boundary of the file and reaches MAP_WINDOW_TAIL further, so that a frame starting inside
 * it mostly ends inside it too and the next window starts 2 MiB on (a longer frame gets a
 * window of its own from the same boundary). A file read from disk is cached
 * in 2 MiB folios, and the kernel maps those with one page-table entry (one TLB entry, one
 * fault) only where a mapping holds a whole aligned 2 MiB; windows that started at a frame
 * made one thread 10-27 % slower on such a file (docs/performance.md, "Session 5"). */
#define MAP_WINDOW_BYTES (2u << 20)
#define MAP_WINDOW_TAIL (64u << 10)
/* Stream: each read() asks for up to 1 MiB, so a pipe costs a system call per ~700 frames. */
#define READ_CHUNK_BYTES (1u << 20)

/* A whole-file mapping read by several threads. */
struct WtWindowShare {
  const guint8 *base;
  gint64 size;
  gsize page;
  gint readers;                           /* windows made on it */
  gint64 pos[WT_WINDOW_SHARE_READERS];    /* atomic: each reader's released offset */
  gint64 dropped;                         /* atomic: pages before it given back */
};

/* A reader publishes its position every SHARE_STEP bytes; pages are given back in steps of
 * SHARE_DROP_STEP. How far readers drift apart is bounded by their user (workers.c's
 * ring of chunks). Each give-back interrupts every other CPU running the process to
 * flush its TLB (a shootdown, seen under "TLB" in /proc/interrupts): 16 MiB steps took
 * 785 shootdowns on a 2 GB file with two workers down to 334, and system time with them,
 * for at most 12 MiB more resident (peak RSS 43.9 -> 50.0 MiB with TOUCH_AHEAD 4 MiB). */
#define SHARE_STEP ((gint64) 1 << 20)
#define SHARE_DROP_STEP ((gint64) 16 << 20)

struct WtWindow {
  WtWindowSpan span; /* first: read by wt_window_get() inline */
  WtWindowShare *share; /* shared whole-file mapping, or NULL */
  guint reader;         /* its index in share->pos */
  gint64 published;
  int fd;
  gboolean mapped, failed;
  gint64 size; /* mapped: the file's size */
  /* mapped: the current mapping */
  const guint8 *win;
  gint64 win_off;
  gsize win_len, page;
  /* stream: bytes [buf_off, buf_off + buf_len) of the stream are buf[0 .. buf_len) */
  guint8 *buf;
  gsize buf_cap, buf_len;
  gint64 buf_off, released;
  gboolean eof;
  gboolean stdio_releases; /* libpcap reads everything through wt_window_fopen's stream */
};

/* The bytes wt_window_get() hands out inline; release_due is left as it is. */
static void set_span(WtWindow *w, const guint8 *base, gint64 off, gsize len)
{
  w->span.base = base;
  w->span.off = off;
  w->span.len = len;
}

WtWindow *wt_window_new_mapped(int fd)
{
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    return NULL;
  WtWindow *w = g_new0(WtWindow, 1);
  w->span.release_due = G_MAXINT64; /* a mapping of its own never looks at the released offset */
  w->fd = fd;
  w->mapped = TRUE;
  w->size = st.st_size;
  w->page = (gsize) sysconf(_SC_PAGESIZE);
  /* A file system that cannot map files (some FUSE or network mounts): the caller keeps
   * libpcap rather than failing at the first frame. */
  gsize got;
  if (w->size > 0 && !wt_window_get(w, 0, 1, &got)) {
    wt_window_free(w);
    return NULL;
  }
  return w;
}

WtWindowShare *wt_window_share_new(int fd)
{
  struct stat st;
  if (sizeof(void *) < 8 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
    return NULL; /* a 32-bit address space may not hold the file */
  void *p = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    return NULL;
  madvise(p, (size_t) st.st_size, MADV_SEQUENTIAL);
  WtWindowShare *s = g_new0(WtWindowShare, 1);
  s->base = p;
  s->size = st.st_size;
  s->page = (gsize) sysconf(_SC_PAGESIZE);
  return s;
}

void wt_window_share_free(WtWindowShare *s)
{
  if (!s)
    return;
  munmap((void *) s->base, (size_t) s->size);
  g_free(s);
}

WtWindow *wt_window_new_shared(WtWindowShare *s)
{
  if (s->readers >= WT_WINDOW_SHARE_READERS)
    return NULL;
  WtWindow *w = g_new0(WtWindow, 1);
  w->fd = -1;
  w->mapped = TRUE;
  w->size = s->size;
  w->page = s->page;
  w->share = s;
  w->reader = (guint) s->readers++;
  set_span(w, s->base, 0, (gsize) s->size);
  w->span.release_due = SHARE_STEP; /* published is 0 */
  return w;
}

static gint64 share_slowest(const WtWindowShare *s)
{
  gint64 slowest = G_MAXINT64;
  for (gint i = 0; i < s->readers; i++)
    slowest = MIN(slowest, __atomic_load_n(&s->pos[i], __ATOMIC_RELAXED));
  return slowest;
}

/* This reader is at `off`: publish it, and give back the pages every reader has left
 * behind. */
static void share_moved(WtWindow *w, gint64 off)
{
  WtWindowShare *s = w->share;
  w->published = off;
  w->span.release_due = off + SHARE_STEP;
  __atomic_store_n(&s->pos[w->reader], off, __ATOMIC_RELAXED);
  gint64 slowest = share_slowest(s);
  gint64 dropped = __atomic_load_n(&s->dropped, __ATOMIC_RELAXED);
  gint64 upto = slowest & ~(gint64) (s->page - 1);
  if (upto - dropped >= SHARE_DROP_STEP || (slowest >= s->size && upto > dropped)) {
    if (__atomic_compare_exchange_n(&s->dropped, &dropped, upto, FALSE, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED))
      /* only the page table entries: the page cache keeps the file, and a page read
       * again (never, readers only go forward) would be faulted in again */
      madvise((void *) (s->base + dropped), (size_t) (upto - dropped), MADV_DONTNEED);
  }
}

/* A read fault maps the whole aligned 64 KiB around it that is in the page cache (the
 * kernel's fault-around, fault_around_bytes) and a file cached in 2 MiB folios is mapped
 * 2 MiB at a time: one byte read per 64 KiB maps as much as one per page did, with a
 * sixteenth of the cache misses. Pages it leaves unmapped (a smaller fault-around) are
 * faulted in by the reading, as before there was any touching. */
#define TOUCH_STRIDE ((gint64) 64 << 10)

gint64 wt_window_touch(WtWindow *w, gint64 off, gint64 len)
{
  if (!w->share || off >= w->size)
    return 0;
  len = MIN(len, w->size - off);
  volatile guint8 sink = 0;
  gint64 end = off + len;
  for (gint64 at = off & ~(TOUCH_STRIDE - 1); at < end; at += TOUCH_STRIDE)
    sink ^= w->share->base[MAX(at, off)];
  (void) sink;
  return len;
}

WtWindow *wt_window_new_stream(int fd)
{
  WtWindow *w = g_new0(WtWindow, 1);
  w->span.release_due = G_MAXINT64; /* the reader releases before asking for more */
  w->fd = fd;
  w->size = -1;
  return w;
}

static void unmap(WtWindow *w)
{
  if (w->win)
    munmap((void *) w->win, w->win_len);
  w->win = NULL;
  w->win_len = 0;
  set_span(w, NULL, 0, 0);
}

/* What wt_window_get() may hand out without a call: the mapping (within the file), or the
 * buffered bytes of a stream. */
static void sync_span(WtWindow *w)
{
  if (w->mapped)
    set_span(w, w->win, w->win_off, w->win ? w->win_len : 0);
  else
    set_span(w, w->buf, w->buf_off, w->buf ? w->buf_len : 0);
}

void wt_window_free(WtWindow *w)
{
  if (!w)
    return;
  if (w->share)
    wt_window_done(w);
  else
    unmap(w);
  g_free(w->buf);
  g_free(w);
}

void wt_window_done(WtWindow *w)
{
  if (w->share) { /* this reader holds nothing back any more */
    share_moved(w, w->size);
    return;
  }
  unmap(w);
  if (!w->mapped) {
    g_clear_pointer(&w->buf, g_free);
    w->buf_cap = 0;
    w->buf_off += w->buf_len;
    w->buf_len = 0;
    sync_span(w);
  }
}

gboolean wt_window_failed(const WtWindow *w) { return w->failed; }
gint64 wt_window_size(const WtWindow *w) { return w->mapped ? w->size : -1; }

static const guint8 *get_mapped(WtWindow *w, gint64 off, gsize n, gsize *got)
{
  if (off >= w->size) {
    *got = 0;
    return NULL;
  }
  gsize avail = (gsize) MIN((guint64) n, (guint64) (w->size - off));
  if (w->win && off >= w->win_off && (guint64) (off - w->win_off) + avail <= w->win_len) {
    *got = avail;
    return avail == n ? w->win + (off - w->win_off) : NULL;
  }
  unmap(w);
  gint64 base = off & ~(gint64) (MAP_WINDOW_BYTES - 1);
  gsize len = MAX((gsize) (MAP_WINDOW_BYTES + MAP_WINDOW_TAIL), (gsize) (off - base) + avail);
  len = (gsize) MIN((gint64) len, w->size - base);
  void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, w->fd, base);
  if (p == MAP_FAILED) {
    w->failed = TRUE;
    *got = 0;
    return NULL;
  }
  madvise(p, len, MADV_SEQUENTIAL);
  w->win = p;
  w->win_off = base;
  w->win_len = len;
  sync_span(w);
  *got = avail;
  return avail == n ? w->win + (off - base) : NULL;
}

/* Room to read more after [off, off + n): drop what the reader released (bytes before
 * both `released` and `off`), grow only when a block is larger than what is left. */
static void make_room(WtWindow *w, gint64 off, gsize n)
{
  gint64 keep = MIN(w->released, off);
  if (keep > w->buf_off) {
    gsize drop = (gsize) MIN((guint64) (keep - w->buf_off), (guint64) w->buf_len);
    memmove(w->buf, w->buf + drop, w->buf_len - drop);
    w->buf_len -= drop;
    w->buf_off += (gint64) drop;
  }
  gsize need = (gsize) (off - w->buf_off) + n;
  if (w->buf_cap < need || w->buf_cap - w->buf_len < READ_CHUNK_BYTES / 4) {
    w->buf_cap = MAX(need, w->buf_len + READ_CHUNK_BYTES);
    w->buf = g_realloc(w->buf, w->buf_cap);
  }
}

/* One read() per call that needs more (a pipe gives what it holds, up to the buffer's free
 * space), so a live writer upstream is never waited for beyond the bytes asked for. */
static const guint8 *get_stream(WtWindow *w, gint64 off, gsize n, gsize *got)
{
  if (off < w->buf_off) { /* released already: a reader bug, not the file's */
    w->failed = TRUE;
    errno = EINVAL;
    *got = 0;
    return NULL;
  }
  while ((guint64) (off - w->buf_off) + n > w->buf_len && !w->eof && !w->failed) {
    make_room(w, off, n);
    ssize_t r = read(w->fd, w->buf + w->buf_len, w->buf_cap - w->buf_len);
    if (r > 0)
      w->buf_len += (gsize) r;
    else if (r == 0)
      w->eof = TRUE;
    else if (errno != EINTR)
      w->failed = TRUE;
  }
  sync_span(w);
  if (w->failed) {
    *got = 0;
    return NULL;
  }
  gsize start = (gsize) (off - w->buf_off);
  *got = w->buf_len > start ? MIN(n, w->buf_len - start) : 0;
  return *got == n ? w->buf + start : NULL;
}

const guint8 *wt_window_get_slow(WtWindow *w, gint64 off, gsize n, gsize *got)
{
  static const guint8 nothing[1];
  if (n == 0) { /* a zero-length frame, even at the very end of the file */
    *got = 0;
    return nothing;
  }
  if (w->share) { /* the whole file is at hand: only its end is not */
    gint64 avail = off < w->size ? w->size - off : 0;
    *got = (gsize) MIN((guint64) avail, (guint64) n);
    return NULL;
  }
  return w->mapped ? get_mapped(w, off, n, got) : get_stream(w, off, n, got);
}

void wt_window_release(WtWindow *w, gint64 off)
{
  if (off > w->released)
    w->released = off;
  if (G_UNLIKELY(w->share && off >= w->span.release_due)) /* published + SHARE_STEP */
    share_moved(w, off);
}

/* The fopencookie stream: its own read position over the window. */
typedef struct {
  WtWindow *w;
  gint64 pos;
} Cookie;

/* As read(2) on a pipe: what is there (one read() when nothing is), never waiting for the
 * whole `size`, so libpcap's header check does not hold a live writer's first frames back. */
static ssize_t cookie_read(void *c, char *buf, size_t size)
{
  Cookie *k = c;
  WtWindow *w = k->w;
  gsize got = 0;
  if (size == 0)
    return 0;
  if (!wt_window_get(w, k->pos, 1, &got)) {
    if (wt_window_failed(w)) {
      errno = EIO;
      return -1;
    }
    return 0; /* end of file */
  }
  gsize start = (gsize) (k->pos - w->buf_off);
  gsize n = MIN(size, w->buf_len - start);
  memcpy(buf, w->buf + start, n);
  k->pos += (gint64) n;
  if (w->stdio_releases)
    wt_window_release(w, k->pos);
  return (ssize_t) n;
}

static int cookie_close(void *c)
{
  g_free(c);
  return 0;
}

void wt_window_stdio_reads_all(WtWindow *w) { w->stdio_releases = TRUE; }

FILE *wt_window_fopen(WtWindow *w)
{
  Cookie *k = g_new0(Cookie, 1);
  k->w = w;
  cookie_io_functions_t io = { .read = cookie_read, .close = cookie_close };
  return fopencookie(k, "rb", io);
}
