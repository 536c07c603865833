#include "dissectors/http/http-status.h"

#include <glib/gi18n.h>

/* Sorted by code, so lookup is a binary search. */
static const WtHttpStatusInfo status_table[] = {
  { 100, "Continue", N_("the server accepted the request headers; the client should send the body") },
  { 101, "Switching Protocols", N_("the server agreed to switch the connection to another protocol (e.g. WebSocket)") },
  { 102, "Processing", N_("the server is still working on the request (WebDAV)") },
  { 103, "Early Hints", N_("headers sent ahead of the final response so the client can preload resources") },
  { 200, "OK", N_("the request succeeded") },
  { 201, "Created", N_("the request succeeded and a new resource was created") },
  { 202, "Accepted", N_("the request was accepted for processing that has not finished yet") },
  { 203, "Non-Authoritative Information", N_("success, but a proxy changed the content it got from the origin") },
  { 204, "No Content", N_("success, and there is no body to send") },
  { 205, "Reset Content", N_("success; the client should reset the form or view that sent the request") },
  { 206, "Partial Content", N_("success; the body holds only the requested byte range(s)") },
  { 207, "Multi-Status", N_("the body holds separate status codes for several resources (WebDAV)") },
  { 208, "Already Reported", N_("members of this collection were already listed earlier in the answer (WebDAV)") },
  { 226, "IM Used", N_("success; the body is the result of instance manipulations (delta encoding)") },
  { 300, "Multiple Choices", N_("several representations exist; the client should choose one") },
  { 301, "Moved Permanently", N_("the resource has a new permanent URI, given in Location") },
  { 302, "Found", N_("the resource is temporarily at another URI, given in Location") },
  { 303, "See Other", N_("the answer is at another URI, to be fetched with GET") },
  { 304, "Not Modified", N_("the client's cached copy is still valid; no body is sent") },
  { 305, "Use Proxy", N_("the resource must be reached through a proxy (deprecated)") },
  { 306, "(Unused)", N_("reserved; no longer used") },
  { 307, "Temporary Redirect", N_("temporarily at another URI; repeat the same method there") },
  { 308, "Permanent Redirect", N_("permanently at another URI; repeat the same method there") },
  { 400, "Bad Request", N_("the server could not understand the request (malformed syntax or framing)") },
  { 401, "Unauthorized", N_("authentication is required and was missing or wrong") },
  { 402, "Payment Required", N_("reserved for payment schemes; sometimes used for quota or billing") },
  { 403, "Forbidden", N_("the server understood the request but refuses to allow it") },
  { 404, "Not Found", N_("the server has nothing at this URI") },
  { 405, "Method Not Allowed", N_("the resource exists but does not support this method") },
  { 406, "Not Acceptable", N_("no representation matches the client's Accept headers") },
  { 407, "Proxy Authentication Required", N_("the proxy wants the client to authenticate first") },
  { 408, "Request Timeout", N_("the client took too long to send its request") },
  { 409, "Conflict", N_("the request conflicts with the current state of the resource") },
  { 410, "Gone", N_("the resource was removed on purpose and will not come back") },
  { 411, "Length Required", N_("the server wants a Content-Length on this request") },
  { 412, "Precondition Failed", N_("a conditional header (If-Match, If-Unmodified-Since ...) was false") },
  { 413, "Content Too Large", N_("the request body is larger than the server accepts") },
  { 414, "URI Too Long", N_("the request URI is longer than the server accepts") },
  { 415, "Unsupported Media Type", N_("the server does not accept the body's content type or encoding") },
  { 416, "Range Not Satisfiable", N_("the requested byte range lies outside the resource") },
  { 417, "Expectation Failed", N_("the server cannot meet the Expect header (e.g. 100-continue)") },
  { 418, "(Unused)", N_("reserved (the 'I'm a teapot' joke code)") },
  { 421, "Misdirected Request", N_("the request reached a server that cannot answer for this host") },
  { 422, "Unprocessable Content", N_("the body is well-formed but its content is invalid") },
  { 423, "Locked", N_("the resource is locked (WebDAV)") },
  { 424, "Failed Dependency", N_("the request failed because an earlier one it depends on failed (WebDAV)") },
  { 425, "Too Early", N_("the server will not process a request that might be replayed (TLS early data)") },
  { 426, "Upgrade Required", N_("the client must switch to another protocol, named in Upgrade") },
  { 428, "Precondition Required", N_("the server requires a conditional request (to avoid lost updates)") },
  { 429, "Too Many Requests", N_("the client is rate limited; retry later (see Retry-After)") },
  { 431, "Request Header Fields Too Large", N_("the request's headers are too large for the server") },
  { 451, "Unavailable For Legal Reasons", N_("access is denied for legal reasons (e.g. censorship, court order)") },
  { 500, "Internal Server Error", N_("the server hit an unexpected error while handling the request") },
  { 501, "Not Implemented", N_("the server does not support the functionality (e.g. the method) needed") },
  { 502, "Bad Gateway", N_("a gateway or proxy got an invalid answer from the server behind it") },
  { 503, "Service Unavailable", N_("the server is overloaded or down for maintenance; retry later") },
  { 504, "Gateway Timeout", N_("a gateway or proxy got no answer in time from the server behind it") },
  { 505, "HTTP Version Not Supported", N_("the server does not support the request's HTTP version") },
  { 506, "Variant Also Negotiates", N_("content negotiation is misconfigured on the server (loop)") },
  { 507, "Insufficient Storage", N_("the server cannot store what is needed to complete the request (WebDAV)") },
  { 508, "Loop Detected", N_("the server found an infinite loop while processing the request (WebDAV)") },
  { 510, "Not Extended", N_("further extensions to the request are required (obsolete)") },
  { 511, "Network Authentication Required", N_("the client must log in to the network first (captive portal)") },
};

const WtHttpStatusInfo *wt_http_status_lookup(guint code)
{
  gsize lo = 0, hi = G_N_ELEMENTS(status_table);
  while (lo < hi) {
    gsize mid = lo + (hi - lo) / 2;
    if (status_table[mid].code == code)
      return &status_table[mid];
    if (status_table[mid].code < code)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

const char *wt_http_status_class_name(guint code)
{
  static const char *const names[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
  if (code < 100 || code > 599)
    return "other";
  return names[code / 100 - 1];
}
