/* The registered HTTP status codes (IANA registry, RFC 9110 and friends): standard
 * reason phrase and a one-line meaning for the report. */
#pragma once
#include <glib.h>

typedef struct {
  guint16 code;
  const char *reason;
  const char *meaning;
} WtHttpStatusInfo;

/* NULL if `code` is not registered. */
const WtHttpStatusInfo *wt_http_status_lookup(guint code);
/* "1xx" .. "5xx" for 100..599, "other" otherwise. */
const char *wt_http_status_class_name(guint code);
