/* Typed log records as JSON, with json-out's number formatting and escaping. See
 * log-record.h. */
#include "analyzer/core/log-record.h"

#include <stdio.h>
#include <string.h>

#include "analyzer/core/json-out.h"

void wt_log_set_str(WtLogRecord *r, guint col, const char *s)
{
  if (s)
    wt_log_set_strn(r, col, s, strlen(s));
  else
    wt_log_value_(r, col, WT_LOG_V_NULL);
}

void wt_log_set_conn_id(WtLogRecord *r, gint64 ts_ns, const WtConnInfo *info)
{
  wt_log_set_time(r, WT_LOG_COL_TS, ts_ns);
  wt_log_set_str(r, WT_LOG_COL_UID, info->uid);
  wt_log_set_str(r, WT_LOG_COL_ORIG_H, wt_conn_info_addr(info, 0));
  wt_log_set_count(r, WT_LOG_COL_ORIG_P, info->orig_p);
  wt_log_set_str(r, WT_LOG_COL_RESP_H, wt_conn_info_addr(info, 1));
  wt_log_set_count(r, WT_LOG_COL_RESP_P, info->resp_p);
}

/* Bytes a value borrows (strings, vectors). */
static gsize borrowed_bytes(const WtLogValue *v)
{
  switch ((WtLogValueKind) v->kind) {
  case WT_LOG_V_STRING: return v->len;
  case WT_LOG_V_SECONDS: return v->len * sizeof(guint32);
  case WT_LOG_V_STRINGS: {
    const char *p = v->v.s;
    for (guint i = 0; i < v->len; i++)
      p += strlen(p) + 1;
    return (gsize) (p - v->v.s);
  }
  default: return 0;
  }
}

/* ... rounded up, so that every copied block stays aligned for its vector */
static gsize borrowed_size(const WtLogValue *v)
{
  return (borrowed_bytes(v) + 7) & ~(gsize) 7;
}

WtLogRecord *wt_log_record_copy(const WtLogRecord *r)
{
  /* only the values up to the last set column: most of the fixed array stays unused */
  guint n = r->set ? 64 - (guint) __builtin_clzll(r->set) : 0;
  gsize head = G_STRUCT_OFFSET(WtLogRecord, v) + n * sizeof(WtLogValue);
  gsize extra = 0;
  for (guint64 set = r->set; set; set &= set - 1)
    extra += borrowed_size(&r->v[__builtin_ctzll(set)]);
  WtLogRecord *c = g_malloc(head + extra);
  memcpy(c, r, head);
  char *bytes = (char *) c + head;
  for (guint64 set = r->set; set; set &= set - 1) {
    WtLogValue *v = &c->v[__builtin_ctzll(set)];
    gsize size = borrowed_size(v);
    if (!size)
      continue;
    memcpy(bytes, v->v.s, borrowed_bytes(v));
    if (v->kind == WT_LOG_V_SECONDS)
      v->v.secs = (const guint32 *) (gpointer) bytes;
    else
      v->v.s = bytes;
    bytes += size;
  }
  return c;
}

static void strings_json(GString *out, const char *p, guint n)
{
  g_string_append_c(out, '[');
  for (guint i = 0; i < n; i++) {
    gsize len = strlen(p);
    if (i)
      g_string_append_c(out, ',');
    wt_json_escape(out, p, len);
    p += len + 1;
  }
  g_string_append_c(out, ']');
}

/* whole seconds as "N.0", comma-separated */
static void seconds_json(GString *out, const guint32 *secs, guint n)
{
  char *o = wt_json_reserve(out, 2 + (gsize) n * (WT_JSON_U64_ROOM + 3));
  *o++ = '[';
  for (guint i = 0; i < n; i++) {
    if (i)
      *o++ = ',';
    o = wt_json_put_u64(o, secs[i]);
    memcpy(o, ".0", 2);
    o += 2;
  }
  *o++ = ']';
  wt_json_commit(out, o);
}

/* Durations are never negative in practice; should one be, it keeps the digits the
 * interval writer has always given it (at most 19 characters: within WT_JSON_TS_ROOM). */
static char *put_negative_interval(char *o, gint64 ns)
{
  int n = snprintf(o, WT_JSON_TS_ROOM, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT,
                   ns / 1000000000, (ns % 1000000000) / 1000);
  return o + n;
}

/* Room the value takes when written by put_scalar; 0 for the values written through
 * GString (vectors, doubles). */
static gsize scalar_room(const WtLogValue *v)
{
  switch ((WtLogValueKind) v->kind) {
  case WT_LOG_V_NULL: return 4;
  case WT_LOG_V_STRING: return WT_JSON_ESCAPED_ROOM(v->len);
  case WT_LOG_V_COUNT: return WT_JSON_U64_ROOM;
  case WT_LOG_V_INT: return WT_JSON_I64_ROOM;
  case WT_LOG_V_BOOL: return 5;
  case WT_LOG_V_TIME:
  case WT_LOG_V_INTERVAL: return WT_JSON_TS_ROOM;
  default: return 0;
  }
}

static char *put_scalar(char *o, const WtLogValue *v)
{
  switch ((WtLogValueKind) v->kind) {
  case WT_LOG_V_STRING: return wt_json_put_escaped(o, v->v.s, v->len);
  case WT_LOG_V_COUNT: return wt_json_put_u64(o, v->v.u);
  case WT_LOG_V_INT: return wt_json_put_i64(o, v->v.i);
  case WT_LOG_V_BOOL:
    if (v->v.u) {
      memcpy(o, "true", 4);
      return o + 4;
    }
    memcpy(o, "false", 5);
    return o + 5;
  case WT_LOG_V_TIME: return wt_json_put_ts(o, v->v.i);
  case WT_LOG_V_INTERVAL:
    return v->v.i >= 0 ? wt_json_put_ts(o, v->v.i) : put_negative_interval(o, v->v.i);
  default: /* WT_LOG_V_NULL */
    memcpy(o, "null", 4);
    return o + 4;
  }
}

void wt_log_value_json(GString *out, const WtLogValue *v)
{
  gsize room = scalar_room(v);
  if (room) {
    wt_json_commit(out, put_scalar(wt_json_reserve(out, room), v));
    return;
  }
  switch ((WtLogValueKind) v->kind) {
  case WT_LOG_V_DOUBLE: wt_json_double_value(out, v->v.d); break;
  case WT_LOG_V_STRINGS: strings_json(out, v->v.s, v->len); break;
  case WT_LOG_V_SECONDS: seconds_json(out, v->v.secs, v->len); break;
  default: g_string_append(out, "null"); break;
  }
}

/* Each key sits in a fixed slot and is copied with one store of the whole slot (the room
 * is reserved), then the text goes on at its length. Longer names (none so far) are
 * appended from the column itself. */
#define KEY_SLOT 32

struct WtLogJsonKeys {
  const WtLogTable *table;
  char text[WT_LOG_MAX_COLUMNS][KEY_SLOT]; /* ,"name": */
  guint8 len[WT_LOG_MAX_COLUMNS];          /* 0: longer than a slot */
  WtJsonSecondsCache secs;                 /* of the last WT_LOG_V_TIME */
};

static void keys_init(WtLogJsonKeys *k, const WtLogTable *table)
{
  memset(k, 0, sizeof *k);
  k->table = table;
  for (guint i = 0; i < table->n_columns && i < WT_LOG_MAX_COLUMNS; i++) {
    const char *name = table->columns[i].name;
    gsize len = strlen(name) + 4;
    if (len > KEY_SLOT)
      continue;
    char *text = k->text[i];
    text[0] = ',';
    text[1] = '"';
    memcpy(text + 2, name, len - 4);
    memcpy(text + len - 2, "\":", 2);
    k->len[i] = (guint8) len;
  }
}

WtLogJsonKeys *wt_log_json_keys_new(const WtLogTable *table)
{
  WtLogJsonKeys *k = g_new(WtLogJsonKeys, 1);
  keys_init(k, table);
  return k;
}

void wt_log_json_keys_free(WtLogJsonKeys *keys)
{
  g_free(keys);
}

/* Where a record's text goes: a write position in the GString's block, kept across the
 * fields (the length is set once the line is complete). `end` leaves room for the NUL. */
typedef struct {
  GString *s;
  char *o, *end;
} Cursor;

static void cursor_sync(Cursor *c)
{
  c->o = c->s->str + c->s->len;
  c->end = c->s->str + c->s->allocated_len - 1;
}

static G_GNUC_NO_INLINE void cursor_grow(Cursor *c, gsize n)
{
  c->s->len = (gsize) (c->o - c->s->str);
  wt_json_grow(c->s, n);
  cursor_sync(c);
}

/* At least n bytes of room at c->o. */
static inline char *cursor_room(Cursor *c, gsize n)
{
  if (G_UNLIKELY((gsize) (c->end - c->o) < n))
    cursor_grow(c, n);
  return c->o;
}

/* The text so far becomes the GString's (for writers that append to it). */
static void cursor_commit(Cursor *c)
{
  wt_json_commit(c->s, c->o);
}

static G_GNUC_NO_INLINE char *put_long_key(Cursor *c, const char *name, gsize room)
{
  cursor_commit(c);
  g_string_append(c->s, ",\"");
  g_string_append(c->s, name);
  g_string_append(c->s, "\":");
  cursor_sync(c);
  return cursor_room(c, room);
}

/* The key of column i with `room` more bytes after it; returns where the value goes. */
static inline char *put_key(Cursor *c, const WtLogJsonKeys *keys, guint i, gsize room)
{
  guint len = keys->len[i];
  if (G_UNLIKELY(!len))
    return put_long_key(c, keys->table->columns[i].name, room);
  char *o = cursor_room(c, KEY_SLOT + room);
  memcpy(o, keys->text[i], KEY_SLOT);
  return o + len;
}

/* One field: its key, then its value. Values without a bound on their length (vectors,
 * doubles) are appended to the GString. */
static void put_field(Cursor *c, WtLogJsonKeys *keys, guint i, const WtLogValue *v)
{
  switch ((WtLogValueKind) v->kind) {
  case WT_LOG_V_STRING:
    c->o = put_key(c, keys, i, WT_JSON_ESCAPED_ROOM(v->len));
    c->o = wt_json_put_escaped(c->o, v->v.s, v->len);
    break;
  case WT_LOG_V_COUNT:
    c->o = wt_json_put_u64(put_key(c, keys, i, WT_JSON_U64_ROOM), v->v.u);
    break;
  case WT_LOG_V_TIME:
    c->o = wt_json_put_ts_cached(put_key(c, keys, i, WT_JSON_TS_ROOM), v->v.i, &keys->secs);
    break;
  case WT_LOG_V_NULL:
  case WT_LOG_V_INT:
  case WT_LOG_V_BOOL:
  case WT_LOG_V_INTERVAL:
    c->o = put_scalar(put_key(c, keys, i, scalar_room(v)), v);
    break;
  default:
    c->o = put_key(c, keys, i, 0);
    cursor_commit(c);
    wt_log_value_json(c->s, v);
    cursor_sync(c);
    break;
  }
}

void wt_log_record_json_keys(GString *out, const WtLogRecord *r, WtLogJsonKeys *keys)
{
  if (G_UNLIKELY(keys->table != r->table)) {
    wt_log_record_json(out, r);
    return;
  }
  if (!r->set) {
    g_string_append(out, "{}\n");
    return;
  }
  gsize open = out->len; /* the first key's comma: it becomes the '{' */
  Cursor c = { .s = out };
  cursor_sync(&c);
  for (guint64 set = r->set; set; set &= set - 1) {
    guint i = (guint) __builtin_ctzll(set);
    put_field(&c, keys, i, &r->v[i]);
  }
  char *o = cursor_room(&c, 2);
  memcpy(o, "}\n", 2);
  c.o = o + 2;
  cursor_commit(&c);
  out->str[open] = '{';
}

void wt_log_record_json(GString *out, const WtLogRecord *r)
{
  WtLogJsonKeys keys;
  keys_init(&keys, r->table);
  wt_log_record_json_keys(out, r, &keys);
}
