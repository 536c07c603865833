/* The HTTP/2 frame layer (RFC 9113 section 4 and 6): the connection preface, the 9-byte
 * frame header, each frame type's fixed fields (padding, priority, promised stream, error
 * codes, settings) and a resumable framer for one direction of a connection that turns
 * in-order bytes and gap notices into frames. Every byte is read through WtReader. */
#pragma once
#include <glib.h>

#define WT_H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define WT_H2_PREFACE_LEN 24
#define WT_H2_FRAME_HEADER_LEN 9
#define WT_H2_DEFAULT_MAX_FRAME_SIZE 16384u
#define WT_H2_MAX_MAX_FRAME_SIZE 16777215u
/* Frames other than DATA are handed over whole up to this payload size; larger ones are
 * skipped (counted), so the framer never holds more than this in the reassembler. */
#define WT_H2_MAX_BUFFERED_FRAME 32768u

enum {
  WT_H2_DATA = 0x0,
  WT_H2_HEADERS = 0x1,
  WT_H2_PRIORITY = 0x2,
  WT_H2_RST_STREAM = 0x3,
  WT_H2_SETTINGS = 0x4,
  WT_H2_PUSH_PROMISE = 0x5,
  WT_H2_PING = 0x6,
  WT_H2_GOAWAY = 0x7,
  WT_H2_WINDOW_UPDATE = 0x8,
  WT_H2_CONTINUATION = 0x9,
  WT_H2_N_FRAME_TYPES
};

enum {
  WT_H2_FLAG_END_STREAM = 0x1, /* DATA, HEADERS; ACK for SETTINGS and PING */
  WT_H2_FLAG_ACK = 0x1,
  WT_H2_FLAG_END_HEADERS = 0x4,
  WT_H2_FLAG_PADDED = 0x8,
  WT_H2_FLAG_PRIORITY = 0x20,
};

/* SETTINGS parameters (RFC 9113 section 6.5.2) */
enum {
  WT_H2_SETTINGS_HEADER_TABLE_SIZE = 0x1,
  WT_H2_SETTINGS_ENABLE_PUSH = 0x2,
  WT_H2_SETTINGS_MAX_CONCURRENT_STREAMS = 0x3,
  WT_H2_SETTINGS_INITIAL_WINDOW_SIZE = 0x4,
  WT_H2_SETTINGS_MAX_FRAME_SIZE = 0x5,
  WT_H2_SETTINGS_MAX_HEADER_LIST_SIZE = 0x6,
};

typedef struct {
  guint32 length;    /* 24 bits */
  guint8 type, flags;
  guint32 stream_id; /* reserved bit cleared */
} WtH2FrameHeader;

/* The fields of one frame's payload, after padding and priority are taken off. */
typedef struct {
  gsize frag_off, frag_len;   /* DATA: the data; HEADERS, PUSH_PROMISE, CONTINUATION: the
                                 header block fragment (offsets into the payload) */
  guint8 pad_len;
  gboolean has_priority;
  gboolean exclusive;
  guint32 dependency;
  guint8 weight;
  guint32 promised_id;        /* PUSH_PROMISE */
  guint32 error_code;         /* RST_STREAM, GOAWAY */
  guint32 last_stream_id;     /* GOAWAY */
  guint32 increment;          /* WINDOW_UPDATE */
} WtH2Fields;

/* The frame type's name ("DATA" ... "CONTINUATION"), "unknown" for extension types. */
const char *wt_h2_frame_type_name(guint8 type);
/* The error code's name (RFC 9113 section 7: "NO_ERROR" ... "HTTP_1_1_REQUIRED"), NULL
 * for codes not registered there. */
const char *wt_h2_error_name(guint32 code);
/* The setting's name ("HEADER_TABLE_SIZE" ...), NULL for unknown identifiers. */
const char *wt_h2_setting_name(guint16 id);

/* The first 9 bytes of `p` (len >= 9, else FALSE) as a frame header. */
gboolean wt_h2_frame_header_parse(const guint8 *p, gsize len, WtH2FrameHeader *h);

/* The fields of a whole payload `p` (h->length bytes; for DATA only the first byte is read,
 * so `len` may be 1 with PADDED, 0 without). Returns NULL when valid, else the anomaly
 * name ("http2.bad_stream_id", "http2.bad_frame_size", "http2.bad_padding",
 * "http2.bad_window_increment", "http2.self_dependency"; static strings). Unknown frame types are valid (ignored, RFC 9113 section 5.5). */
const char *wt_h2_frame_fields(const WtH2FrameHeader *h, const guint8 *p, gsize len,
                               WtH2Fields *out);

/* SETTINGS entries, in order: FALSE when there are no more. */
typedef struct {
  const guint8 *p;
  gsize len, off;
} WtH2SettingsIter;
gboolean wt_h2_settings_next(WtH2SettingsIter *it, guint16 *id, guint32 *value);
/* NULL when the value is allowed for the setting, else "http2.bad_setting_value". */
const char *wt_h2_setting_check(guint16 id, guint32 value);

/* --- the framer: one direction of a connection ---------------------------------------- */

typedef enum {
  WT_H2_LOST_TOO_LARGE, /* a non-DATA frame above WT_H2_MAX_BUFFERED_FRAME, skipped */
  WT_H2_LOST_GAP,       /* the capture lost part of the frame's payload */
} WtH2LostWhy;

typedef struct {
  /* A frame: for DATA `payload` holds the bytes seen so far of it (at least the pad length
   * byte when PADDED; the rest is skipped), `data_len` the data bytes (without padding) the
   * frame carries; for the other types `payload` is the whole payload. `bad` is the
   * anomaly reason from wt_h2_frame_fields, or NULL. */
  void (*frame)(gpointer ctx, const WtH2FrameHeader *h, const WtH2Fields *f,
                const guint8 *payload, const char *bad);
  /* A frame whose payload was not (wholly) seen: counted, the framing goes on. */
  void (*lost)(gpointer ctx, const WtH2FrameHeader *h, WtH2LostWhy why);
  /* A frame header longer than the receiver's SETTINGS_MAX_FRAME_SIZE, or no preface:
   * "http2.frame_too_large", "http2.bad_preface" (static strings). */
  void (*anomaly)(gpointer ctx, const char *name);
  /* Optional: after a gap lost the framing, the search for the next frame header ended:
   * found (framing goes on after `skipped` bytes) or given up (no more frames). */
  void (*resync)(gpointer ctx, gboolean found, guint64 skipped);
} WtH2FramerSink;

typedef enum {
  WT_H2_FR_PREFACE,  /* client side: the 24-byte preface comes first */
  WT_H2_FR_HEADER,
  WT_H2_FR_PAYLOAD,  /* header consumed, the whole payload awaited */
  WT_H2_FR_SKIP,     /* the rest of a DATA frame, or of a frame not decoded */
  WT_H2_FR_RESYNC,   /* a gap covered a frame header: looking for the next one */
  WT_H2_FR_LOST,     /* framing lost (no preface, no frame header found again): no more frames */
} WtH2FramerPhase;

/* Resynchronisation: a candidate frame header is taken only when the frame after it starts
 * with a plausible header too (known type, its flags, its stream-id rule, its fixed length,
 * within the frame size limit, stream ids below this); the search gives up after this
 * many bytes. */
#define WT_H2_RESYNC_MAX_STREAM_ID (1u << 24)
#define WT_H2_RESYNC_MAX_SCAN (1u << 20)

typedef struct {
  WtH2FramerPhase phase;
  WtH2FrameHeader cur;
  guint64 skip;            /* bytes left to skip in WT_H2_FR_SKIP */
  guint32 max_frame_size;  /* the receiver's SETTINGS_MAX_FRAME_SIZE */
  guint64 frames;
  guint64 scanned;         /* WT_H2_FR_RESYNC: bytes searched so far */
} WtH2Framer;

void wt_h2_framer_init(WtH2Framer *fr, gboolean expect_preface);
/* Bytes in order; returns how many it consumed (the rest comes again with more). */
gsize wt_h2_framer_feed(WtH2Framer *fr, const guint8 *data, gsize len,
                        const WtH2FramerSink *sink, gpointer ctx);
/* `len` bytes never seen. Returns FALSE when that lost the framing (a frame header was
 * among them): the framer then searches the bytes that follow for a frame header
 * (WT_H2_FR_RESYNC) and tells the sink's resync whether it found one. */
gboolean wt_h2_framer_gap(WtH2Framer *fr, guint64 len, const WtH2FramerSink *sink,
                          gpointer ctx);
