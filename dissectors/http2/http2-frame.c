/* The HTTP/2 frame layer. See http2-frame.h. */
#include "dissectors/http2/http2-frame.h"

#include <string.h>

#include "analyzer/core/reader.h"

static const char *const type_names[WT_H2_N_FRAME_TYPES] = {
  "DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
  "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION",
};

const char *wt_h2_frame_type_name(guint8 type)
{
  return type < WT_H2_N_FRAME_TYPES ? type_names[type] : "unknown";
}

const char *wt_h2_error_name(guint32 code)
{
  static const char *const names[] = {
    "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
    "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
    "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
  };
  return code < G_N_ELEMENTS(names) ? names[code] : NULL;
}

const char *wt_h2_setting_name(guint16 id)
{
  static const char *const names[] = {
    NULL, "HEADER_TABLE_SIZE", "ENABLE_PUSH", "MAX_CONCURRENT_STREAMS",
    "INITIAL_WINDOW_SIZE", "MAX_FRAME_SIZE", "MAX_HEADER_LIST_SIZE",
  };
  if (id < G_N_ELEMENTS(names))
    return names[id];
  if (id == 0x8)
    return "ENABLE_CONNECT_PROTOCOL"; /* RFC 8441 */
  if (id == 0x9)
    return "NO_RFC7540_PRIORITIES";   /* RFC 9218 */
  return NULL;
}

gboolean wt_h2_frame_header_parse(const guint8 *p, gsize len, WtH2FrameHeader *h)
{
  WtReader r = wt_reader_init(p, len);
  guint8 l0;
  guint16 l12;
  guint32 sid;
  if (!wt_reader_get_u8(&r, &l0) || !wt_reader_get_be16(&r, &l12) ||
      !wt_reader_get_u8(&r, &h->type) || !wt_reader_get_u8(&r, &h->flags) ||
      !wt_reader_get_be32(&r, &sid))
    return FALSE;
  h->length = ((guint32) l0 << 16) | l12;
  h->stream_id = sid & 0x7fffffffu;
  return TRUE;
}

/* Which frame types belong to a stream (stream id != 0) and which to the connection. */
static gboolean needs_stream(guint8 type)
{
  return type == WT_H2_DATA || type == WT_H2_HEADERS || type == WT_H2_PRIORITY ||
         type == WT_H2_RST_STREAM || type == WT_H2_PUSH_PROMISE || type == WT_H2_CONTINUATION;
}

static gboolean get_priority(WtReader *r, WtH2Fields *out)
{
  guint32 dep;
  if (!wt_reader_get_be32(r, &dep) || !wt_reader_get_u8(r, &out->weight))
    return FALSE;
  out->has_priority = TRUE;
  out->exclusive = (dep & 0x80000000u) != 0;
  out->dependency = dep & 0x7fffffffu;
  return TRUE;
}

const char *wt_h2_frame_fields(const WtH2FrameHeader *h, const guint8 *p, gsize len,
                               WtH2Fields *out)
{
  memset(out, 0, sizeof *out);
  if (h->type >= WT_H2_N_FRAME_TYPES)
    return NULL;
  if (needs_stream(h->type) ? h->stream_id == 0 : h->stream_id != 0 &&
                                                     h->type != WT_H2_WINDOW_UPDATE)
    return "http2.bad_stream_id";
  WtReader r = wt_reader_init(p, MIN(len, (gsize) h->length));
  gboolean padded = (h->flags & WT_H2_FLAG_PADDED) &&
                    (h->type == WT_H2_DATA || h->type == WT_H2_HEADERS ||
                     h->type == WT_H2_PUSH_PROMISE);
  gsize fixed = 0;
  if (padded) {
    if (!wt_reader_get_u8(&r, &out->pad_len))
      return "http2.bad_padding";
    fixed = 1;
  }
  switch (h->type) {
  case WT_H2_DATA:
    if (padded && out->pad_len >= h->length)
      return "http2.bad_padding";
    out->frag_off = fixed;
    out->frag_len = h->length - fixed - out->pad_len;
    return NULL;
  case WT_H2_HEADERS:
    if (h->flags & WT_H2_FLAG_PRIORITY) {
      if (!get_priority(&r, out))
        return "http2.bad_frame_size";
      fixed += 5;
      if (out->dependency == h->stream_id)
        return "http2.self_dependency";
    }
    if (h->length < fixed || h->length - fixed < out->pad_len)
      return "http2.bad_padding";
    out->frag_off = fixed;
    out->frag_len = h->length - fixed - out->pad_len;
    return NULL;
  case WT_H2_PRIORITY:
    if (h->length != 5 || !get_priority(&r, out))
      return "http2.bad_frame_size";
    return out->dependency == h->stream_id ? "http2.self_dependency" : NULL;
  case WT_H2_RST_STREAM:
    if (h->length != 4 || !wt_reader_get_be32(&r, &out->error_code))
      return "http2.bad_frame_size";
    return NULL;
  case WT_H2_SETTINGS:
    if (h->length % 6 != 0 || ((h->flags & WT_H2_FLAG_ACK) && h->length != 0))
      return "http2.bad_frame_size";
    return NULL;
  case WT_H2_PUSH_PROMISE: {
    guint32 id;
    if (!wt_reader_get_be32(&r, &id))
      return "http2.bad_frame_size";
    out->promised_id = id & 0x7fffffffu;
    fixed += 4;
    if (h->length - fixed < out->pad_len)
      return "http2.bad_padding";
    if (out->promised_id == 0)
      return "http2.bad_stream_id";
    out->frag_off = fixed;
    out->frag_len = h->length - fixed - out->pad_len;
    return NULL;
  }
  case WT_H2_PING:
    return h->length == 8 ? NULL : "http2.bad_frame_size";
  case WT_H2_GOAWAY: {
    guint32 last;
    if (h->length < 8 || !wt_reader_get_be32(&r, &last) ||
        !wt_reader_get_be32(&r, &out->error_code))
      return "http2.bad_frame_size";
    out->last_stream_id = last & 0x7fffffffu;
    return NULL;
  }
  case WT_H2_WINDOW_UPDATE: {
    guint32 inc;
    if (h->length != 4 || !wt_reader_get_be32(&r, &inc))
      return "http2.bad_frame_size";
    out->increment = inc & 0x7fffffffu;
    return out->increment == 0 ? "http2.bad_window_increment" : NULL;
  }
  case WT_H2_CONTINUATION:
    out->frag_off = 0;
    out->frag_len = h->length;
    return NULL;
  default:
    return NULL;
  }
}

gboolean wt_h2_settings_next(WtH2SettingsIter *it, guint16 *id, guint32 *value)
{
  if (it->off > it->len || it->len - it->off < 6)
    return FALSE;
  WtReader r = wt_reader_init(it->p + it->off, 6);
  if (!wt_reader_get_be16(&r, id) || !wt_reader_get_be32(&r, value))
    return FALSE;
  it->off += 6;
  return TRUE;
}

const char *wt_h2_setting_check(guint16 id, guint32 value)
{
  switch (id) {
  case WT_H2_SETTINGS_ENABLE_PUSH:
    return value > 1 ? "http2.bad_setting_value" : NULL;
  case WT_H2_SETTINGS_INITIAL_WINDOW_SIZE:
    return value > 0x7fffffffu ? "http2.bad_setting_value" : NULL;
  case WT_H2_SETTINGS_MAX_FRAME_SIZE:
    return value < WT_H2_DEFAULT_MAX_FRAME_SIZE || value > WT_H2_MAX_MAX_FRAME_SIZE
             ? "http2.bad_setting_value" : NULL;
  default:
    return NULL;
  }
}

/* --- the framer ------------------------------------------------------------------------ */

void wt_h2_framer_init(WtH2Framer *fr, gboolean expect_preface)
{
  memset(fr, 0, sizeof *fr);
  fr->phase = expect_preface ? WT_H2_FR_PREFACE : WT_H2_FR_HEADER;
  fr->max_frame_size = WT_H2_DEFAULT_MAX_FRAME_SIZE;
}

static void emit(WtH2Framer *fr, const guint8 *payload, gsize len, const WtH2FramerSink *sink,
                 gpointer ctx)
{
  WtH2Fields f;
  const char *bad = wt_h2_frame_fields(&fr->cur, payload, len, &f);
  fr->frames++;
  sink->frame(ctx, &fr->cur, &f, payload, bad);
}

/* Could the 9 bytes at p be a frame header a real sender wrote? */
static gboolean plausible_header(const WtH2Framer *fr, const guint8 *p, WtH2FrameHeader *h)
{
  /* the flags each type defines (RFC 9113 section 6) */
  static const guint8 flags_of[WT_H2_N_FRAME_TYPES] = { 0x09, 0x2d, 0, 0, 0x01,
                                                        0x0c, 0x01, 0, 0, 0x04 };
  wt_h2_frame_header_parse(p, WT_H2_FRAME_HEADER_LEN, h);
  if (h->type >= WT_H2_N_FRAME_TYPES || (p[5] & 0x80) || (h->flags & ~flags_of[h->type]) ||
      h->length > fr->max_frame_size || h->stream_id >= WT_H2_RESYNC_MAX_STREAM_ID)
    return FALSE;
  gboolean on_connection = h->type == WT_H2_SETTINGS || h->type == WT_H2_PING ||
                           h->type == WT_H2_GOAWAY;
  if (h->type != WT_H2_WINDOW_UPDATE && on_connection != (h->stream_id == 0))
    return FALSE;
  switch (h->type) {
  case WT_H2_PRIORITY:
    return h->length == 5;
  case WT_H2_RST_STREAM:
  case WT_H2_WINDOW_UPDATE:
    return h->length == 4;
  case WT_H2_SETTINGS:
    return (h->flags & WT_H2_FLAG_ACK) ? h->length == 0 : h->length % 6 == 0;
  case WT_H2_PING:
    return h->length == 8;
  case WT_H2_GOAWAY:
    return h->length >= 8;
  default:
    return TRUE;
  }
}

static void resync_end(WtH2Framer *fr, gboolean found, const WtH2FramerSink *sink, gpointer ctx)
{
  if (sink->resync)
    sink->resync(ctx, found, fr->scanned);
  fr->scanned = 0;
  fr->phase = found ? WT_H2_FR_HEADER : WT_H2_FR_LOST;
}

/* WT_H2_FR_RESYNC: the first offset from `off` where a plausible frame header is followed,
 * `length` bytes later, by another. A candidate whose follower has not arrived yet is
 * passed over while a later one checks out in the bytes there are (a length field that
 * only looks like one must not stall the search), else the search waits there for more.
 * Returns what it consumed. */
static gsize resync_scan(WtH2Framer *fr, const guint8 *data, gsize len, gsize off,
                         const WtH2FramerSink *sink, gpointer ctx)
{
  gsize i = off, pending = len;
  for (; len - i >= WT_H2_FRAME_HEADER_LEN; i++) {
    WtH2FrameHeader h, next;
    if (!plausible_header(fr, data + i, &h))
      continue;
    gsize after = i + WT_H2_FRAME_HEADER_LEN + h.length;
    if (WT_H2_FRAME_HEADER_LEN * 2 + (gsize) h.length > WT_H2_MAX_BUFFERED_FRAME)
      continue; /* too long to check within what the framer may hold */
    if (len < after + WT_H2_FRAME_HEADER_LEN) {
      pending = MIN(pending, i); /* checked when more bytes came */
      continue;
    }
    if (!plausible_header(fr, data + after, &next))
      continue;
    fr->scanned += i - off;
    resync_end(fr, TRUE, sink, ctx);
    return i;
  }
  i = MIN(i, pending);
  fr->scanned += i - off;
  if (fr->scanned > WT_H2_RESYNC_MAX_SCAN) {
    resync_end(fr, FALSE, sink, ctx);
    return len;
  }
  return i;
}

gsize wt_h2_framer_feed(WtH2Framer *fr, const guint8 *data, gsize len,
                        const WtH2FramerSink *sink, gpointer ctx)
{
  gsize off = 0;
  for (;;) {
    gsize avail = len - off;
    switch (fr->phase) {
    case WT_H2_FR_LOST:
      return len;
    case WT_H2_FR_RESYNC: {
      gsize at = resync_scan(fr, data, len, off, sink, ctx);
      if (fr->phase == WT_H2_FR_RESYNC || fr->phase == WT_H2_FR_LOST)
        return at;
      off = at;
      break;
    }
    case WT_H2_FR_PREFACE: {
      gsize n = MIN(avail, (gsize) WT_H2_PREFACE_LEN);
      if (memcmp(data + off, WT_H2_PREFACE, n) != 0) {
        sink->anomaly(ctx, "http2.bad_preface");
        fr->phase = WT_H2_FR_LOST;
        return len;
      }
      if (n < WT_H2_PREFACE_LEN)
        return off;
      off += WT_H2_PREFACE_LEN;
      fr->phase = WT_H2_FR_HEADER;
      break;
    }
    case WT_H2_FR_HEADER:
      if (avail < WT_H2_FRAME_HEADER_LEN)
        return off;
      wt_h2_frame_header_parse(data + off, avail, &fr->cur);
      if (fr->cur.length > fr->max_frame_size)
        sink->anomaly(ctx, "http2.frame_too_large");
      if (fr->cur.type == WT_H2_DATA) {
        gsize need = (fr->cur.flags & WT_H2_FLAG_PADDED) && fr->cur.length ? 1 : 0;
        if (avail - WT_H2_FRAME_HEADER_LEN < need)
          return off;
        off += WT_H2_FRAME_HEADER_LEN;
        emit(fr, data + off, need, sink, ctx);
        fr->skip = fr->cur.length;
        fr->phase = WT_H2_FR_SKIP;
      } else if (fr->cur.length > WT_H2_MAX_BUFFERED_FRAME) {
        off += WT_H2_FRAME_HEADER_LEN;
        fr->frames++;
        sink->lost(ctx, &fr->cur, WT_H2_LOST_TOO_LARGE);
        fr->skip = fr->cur.length;
        fr->phase = WT_H2_FR_SKIP;
      } else {
        off += WT_H2_FRAME_HEADER_LEN;
        fr->phase = WT_H2_FR_PAYLOAD;
      }
      break;
    case WT_H2_FR_PAYLOAD:
      if (avail < fr->cur.length)
        return off;
      emit(fr, data + off, fr->cur.length, sink, ctx);
      off += fr->cur.length;
      fr->phase = WT_H2_FR_HEADER;
      break;
    case WT_H2_FR_SKIP: {
      gsize n = (gsize) MIN((guint64) avail, fr->skip);
      off += n;
      fr->skip -= n;
      if (fr->skip == 0)
        fr->phase = WT_H2_FR_HEADER;
      else
        return off;
      break;
    }
    }
  }
}

gboolean wt_h2_framer_gap(WtH2Framer *fr, guint64 len, const WtH2FramerSink *sink,
                          gpointer ctx)
{
  if (len == 0)
    return fr->phase != WT_H2_FR_LOST;
  switch (fr->phase) {
  case WT_H2_FR_PAYLOAD:
    /* the header was consumed: the frame ends `length` bytes after the gap's start */
    if (len > fr->cur.length)
      break;
    fr->frames++;
    sink->lost(ctx, &fr->cur, WT_H2_LOST_GAP);
    fr->skip = fr->cur.length - len;
    fr->phase = fr->skip ? WT_H2_FR_SKIP : WT_H2_FR_HEADER;
    return TRUE;
  case WT_H2_FR_SKIP:
    if (len > fr->skip)
      break;
    fr->skip -= len;
    if (fr->skip == 0)
      fr->phase = WT_H2_FR_HEADER;
    return TRUE;
  case WT_H2_FR_RESYNC:
    fr->scanned += len; /* still searching: the gap changes nothing */
    return TRUE;
  case WT_H2_FR_LOST:
    return FALSE;
  default:
    break;
  }
  fr->phase = WT_H2_FR_RESYNC;
  fr->scanned = 0;
  return FALSE;
}
