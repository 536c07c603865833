/* Bounds-checked cursor over untrusted bytes (after GStreamer's GstByteReader and
 * tcpdump's GET_BE_U_2). Every check subtracts first (len - pos < n), so no pointer
 * past the end is ever formed. All packet bytes are read through this. */
#pragma once
#include <glib.h>

typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
} WtReader;

static inline WtReader wt_reader_init(const guint8 *data, gsize len)
{
  WtReader r = { data, len, 0 };
  return r;
}

static inline gsize wt_reader_remaining(const WtReader *r) { return r->len - r->pos; }
static inline const guint8 *wt_reader_here(const WtReader *r) { return r->data + r->pos; }

static inline gboolean wt_reader_skip(WtReader *r, gsize n)
{
  if (r->len - r->pos < n)
    return FALSE;
  r->pos += n;
  return TRUE;
}

static inline gboolean wt_reader_get_u8(WtReader *r, guint8 *v)
{
  if (r->len - r->pos < 1)
    return FALSE;
  *v = r->data[r->pos++];
  return TRUE;
}

static inline gboolean wt_reader_peek_be16(const WtReader *r, gsize off, guint16 *v)
{
  if (r->len - r->pos < 2 || r->len - r->pos - 2 < off)
    return FALSE;
  const guint8 *p = r->data + r->pos + off;
  *v = (guint16) ((p[0] << 8) | p[1]);
  return TRUE;
}

static inline gboolean wt_reader_get_be16(WtReader *r, guint16 *v)
{
  if (!wt_reader_peek_be16(r, 0, v))
    return FALSE;
  r->pos += 2;
  return TRUE;
}

static inline gboolean wt_reader_get_le16(WtReader *r, guint16 *v)
{
  if (r->len - r->pos < 2)
    return FALSE;
  const guint8 *p = r->data + r->pos;
  *v = (guint16) (p[0] | (p[1] << 8));
  r->pos += 2;
  return TRUE;
}

static inline gboolean wt_reader_get_be32(WtReader *r, guint32 *v)
{
  if (r->len - r->pos < 4)
    return FALSE;
  const guint8 *p = r->data + r->pos;
  *v = ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
  r->pos += 4;
  return TRUE;
}

static inline gboolean wt_reader_get_le32(WtReader *r, guint32 *v)
{
  if (r->len - r->pos < 4)
    return FALSE;
  const guint8 *p = r->data + r->pos;
  *v = ((guint32) p[3] << 24) | ((guint32) p[2] << 16) | ((guint32) p[1] << 8) | p[0];
  r->pos += 4;
  return TRUE;
}

static inline gboolean wt_reader_get_bytes(WtReader *r, gsize n, const guint8 **out)
{
  if (r->len - r->pos < n)
    return FALSE;
  *out = r->data + r->pos;
  r->pos += n;
  return TRUE;
}

/* Narrow the window to at most n more bytes from here (e.g. to the IP total length,
 * so Ethernet padding never becomes payload). Returns FALSE if fewer are captured,
 * in which case the window is left as is (caller decides: truncated vs malformed). */
static inline gboolean wt_reader_narrow(WtReader *r, gsize n)
{
  if (r->len - r->pos < n)
    return FALSE;
  r->len = r->pos + n;
  return TRUE;
}
