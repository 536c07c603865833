/* Test helpers: DNS messages built byte by byte, so every expected value in the tests is
 * read off the bytes written here, never from wiretab. */
#pragma once
#include <glib.h>
#include <string.h>
#include "tests/unit/decode/frame-builder.h"

static inline void db_header(GByteArray *b, guint16 id, guint16 flags, guint16 qd, guint16 an,
                             guint16 ns, guint16 ar)
{
  fb_be16(b, id);
  fb_be16(b, flags);
  fb_be16(b, qd);
  fb_be16(b, an);
  fb_be16(b, ns);
  fb_be16(b, ar);
}

/* Uncompressed labels of a dotted name, with the final zero unless `open` (then a
 * pointer is expected to follow). */
static inline void db_labels(GByteArray *b, const char *name, gboolean open)
{
  g_auto(GStrv) labels = g_strsplit(name, ".", -1);
  for (guint i = 0; labels[i]; i++) {
    gsize n = strlen(labels[i]);
    if (n == 0)
      continue;
    fb_u8(b, (guint8) n);
    fb_bytes(b, labels[i], n);
  }
  if (!open)
    fb_u8(b, 0);
}

static inline void db_name(GByteArray *b, const char *name) { db_labels(b, name, FALSE); }
static inline void db_ptr(GByteArray *b, guint16 off) { fb_be16(b, (guint16) (0xc000 | off)); }

static inline void db_question(GByteArray *b, const char *name, guint16 qtype, guint16 qclass)
{
  db_name(b, name);
  fb_be16(b, qtype);
  fb_be16(b, qclass);
}

/* Type, class, TTL and rdata after an owner name the caller wrote. */
static inline void db_rr_tail(GByteArray *b, guint16 type, guint16 klass, guint32 ttl,
                              const void *rdata, guint16 rdlen)
{
  fb_be16(b, type);
  fb_be16(b, klass);
  fb_be32(b, ttl);
  fb_be16(b, rdlen);
  if (rdlen)
    fb_bytes(b, rdata, rdlen);
}

/* A standard query: id, RD, one question. */
static inline GByteArray *db_query(guint16 id, const char *name, guint16 qtype)
{
  GByteArray *b = g_byte_array_new();
  db_header(b, id, 0x0100, 1, 0, 0, 0);
  db_question(b, name, qtype, 1);
  return b;
}

/* A response to db_query(id, name, 1) with `rcode` and, when rcode is 0, one A record
 * 192.0.2.<last> with TTL 60 whose owner points at the question name (offset 12). */
static inline GByteArray *db_response(guint16 id, const char *name, guint rcode, guint8 last)
{
  GByteArray *b = g_byte_array_new();
  db_header(b, id, (guint16) (0x8180 | rcode), 1, rcode == 0 ? 1 : 0, 0, 0);
  db_question(b, name, 1, 1);
  if (rcode == 0) {
    const guint8 a[4] = { 192, 0, 2, last };
    db_ptr(b, 12);
    db_rr_tail(b, 1, 1, 60, a, 4);
  }
  return b;
}
