/* For parser unit tests: a copy of the input whose last byte is the last readable byte
 * before a PROT_NONE page, so a one-byte over-read faults (picohttpparser's test.c idea).
 * One 1 MiB arena per test program, set up on first use. */
#pragma once
#include <glib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define WT_GUARD_ARENA_SIZE (1u << 20)

static inline const guint8 *guarded(const void *p, gsize n)
{
  static guint8 *arena;
  if (!arena) {
    long page = sysconf(_SC_PAGESIZE);
    arena = mmap(NULL, WT_GUARD_ARENA_SIZE + (gsize) page, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert(arena != MAP_FAILED);
    g_assert_cmpint(mprotect(arena + WT_GUARD_ARENA_SIZE, (gsize) page, PROT_NONE), ==, 0);
  }
  g_assert_cmpuint(n, <=, WT_GUARD_ARENA_SIZE);
  guint8 *dst = arena + WT_GUARD_ARENA_SIZE - n;
  if (n)
    memmove(dst, p, n);
  return dst;
}
