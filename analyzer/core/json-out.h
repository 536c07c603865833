/* JSON text for the log records (analyzer/core/log-record.c): escaping of arbitrary bytes
 * and the number formats of Zeek's JSON logs. Each appends one value, without a key.
 *
 * Two forms: the wt_json_*_value functions append to a GString; the wt_json_put_*
 * functions write into memory the caller has made room in (wt_json_reserve) and return
 * the end, so that a record's fields are written without a call into GString per piece.
 * Both give the same bytes. */
#pragma once
#include <glib.h>
#include "analyzer/core/stream.h"

void wt_json_escape(GString *out, const char *data, gsize len); /* with the quotes */
void wt_json_u64_value(GString *s, guint64 v);
void wt_json_i64_value(GString *s, gint64 v);                    /* printf's %lld digits */
void wt_json_double_value(GString *s, double v);                 /* 6 decimals; null */
void wt_json_ts_value(GString *s, gint64 ts_ns);                 /* seconds.micro */

/* Room each writer needs, at most. */
#define WT_JSON_U64_ROOM 20
#define WT_JSON_I64_ROOM 20
#define WT_JSON_TS_ROOM 28                 /* '-', 10 digits of seconds, '.', 6 digits */
/* Escaped text: "\u00XX" (6 bytes) per input byte at most, the quotes, and
 * WT_JSON_PUT_SLACK bytes past the end, as the escaper stores whole 8-byte words. */
#define WT_JSON_ESCAPED_ROOM(len) ((gsize) (len) * 6 + 2 + WT_JSON_PUT_SLACK)
#define WT_JSON_PUT_SLACK 8

/* At least n bytes of room after s's text, returned: where they start. s->len is not
 * changed; wt_json_commit sets it. */
void wt_json_grow(GString *s, gsize n); /* the block of s grown for n more bytes */
static inline char *wt_json_reserve(GString *s, gsize n)
{
  if (G_UNLIKELY(s->allocated_len - s->len <= n))
    wt_json_grow(s, n);
  return s->str + s->len;
}

/* The text written into the reserved room up to `end` becomes part of s. */
static inline void wt_json_commit(GString *s, char *end)
{
  s->len = (gsize) (end - s->str);
  *end = '\0';
}

char *wt_json_put_u64(char *o, guint64 v);
char *wt_json_put_i64(char *o, gint64 v);
char *wt_json_put_ts(char *o, gint64 ts_ns);

/* The whole seconds of the last capture time written and their digits: the records of a
 * log mostly fall in the same second as the one before. One per writer. */
typedef struct {
  guint64 secs;        /* 0: nothing kept (times under 100 s are written as they are) */
  guint len;
  char text[24];
} WtJsonSecondsCache;
/* wt_json_put_ts, the seconds' digits taken from the cache when they are the same */
char *wt_json_put_ts_cached(char *o, gint64 ts_ns, WtJsonSecondsCache *cache);
char *wt_json_put_escaped(char *o, const char *data, gsize len);
