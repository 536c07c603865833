#include "analyzer/cli/conn-filter.h"

#include <glib/gi18n.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

typedef enum { TERM_PORT, TERM_HOST, TERM_ENDPOINT, TERM_PROTO, TERM_UID } TermKind;

typedef struct {
  TermKind kind;
  WtAddr addr;
  guint16 port;
  guint8 proto;
  char uid[20];
} Term;

struct WtConnFilter {
  GArray *terms; /* Term */
};

gboolean wt_addr_parse(const char *s, WtAddr *out)
{
  memset(out, 0, sizeof *out);
  if (inet_pton(AF_INET, s, out->bytes) == 1) {
    out->family = 4;
    return TRUE;
  }
  if (inet_pton(AF_INET6, s, out->bytes) == 1) {
    out->family = 6;
    return TRUE;
  }
  return FALSE;
}

static gboolean parse_port(const char *s, guint16 *port)
{
  guint64 v;
  if (!g_ascii_string_to_unsigned(s, 10, 0, 65535, &v, NULL))
    return FALSE;
  *port = (guint16) v;
  return TRUE;
}

/* "addr:port" or "[v6addr]:port" */
static gboolean parse_endpoint(const char *s, Term *t)
{
  g_autofree char *copy = g_strdup(s);
  char *colon = strrchr(copy, ':');
  if (!colon)
    return FALSE;
  *colon = '\0';
  char *host = copy;
  if (host[0] == '[') {
    size_t n = strlen(host);
    if (n < 2 || host[n - 1] != ']')
      return FALSE;
    host[n - 1] = '\0';
    host++;
  }
  if (!wt_addr_parse(host, &t->addr) || !parse_port(colon + 1, &t->port))
    return FALSE;
  t->kind = TERM_ENDPOINT;
  return TRUE;
}

static gboolean parse_value(const char *kw, const char *v, Term *t)
{
  if (strcmp(kw, "port") == 0) {
    t->kind = TERM_PORT;
    return parse_port(v, &t->port);
  }
  if (strcmp(kw, "host") == 0) {
    t->kind = TERM_HOST;
    return wt_addr_parse(v, &t->addr);
  }
  if (strcmp(kw, "uid") == 0) {
    t->kind = TERM_UID;
    g_strlcpy(t->uid, v, sizeof t->uid);
    return TRUE;
  }
  return FALSE;
}

static gboolean parse_single(const char *w, Term *t)
{
  if (strcmp(w, "tcp") == 0 || strcmp(w, "udp") == 0) {
    t->kind = TERM_PROTO;
    t->proto = w[0] == 't' ? 6 : 17;
    return TRUE;
  }
  if (parse_port(w, &t->port)) {
    t->kind = TERM_PORT;
    return TRUE;
  }
  if (wt_addr_parse(w, &t->addr)) {
    t->kind = TERM_HOST;
    return TRUE;
  }
  if (w[0] == 'C' && strlen(w) == 18) {
    t->kind = TERM_UID;
    g_strlcpy(t->uid, w, sizeof t->uid);
    return TRUE;
  }
  return parse_endpoint(w, t);
}

WtConnFilter *wt_conn_filter_parse(const char *text, GError **error)
{
  g_auto(GStrv) words = g_strsplit_set(text, " \t", -1);
  WtConnFilter *f = g_new0(WtConnFilter, 1);
  f->terms = g_array_new(FALSE, TRUE, sizeof(Term));
  for (guint i = 0; words[i]; i++) {
    const char *w = words[i];
    if (!*w || strcmp(w, "and") == 0 || strcmp(w, "&&") == 0)
      continue;
    Term t;
    memset(&t, 0, sizeof t);
    gboolean ok;
    if ((strcmp(w, "port") == 0 || strcmp(w, "host") == 0 || strcmp(w, "uid") == 0) &&
        words[i + 1]) {
      ok = parse_value(w, words[i + 1], &t);
      i++;
      w = words[i]; /* name the value in the error, not the keyword */
    } else {
      ok = parse_single(w, &t);
    }
    if (!ok) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                  _("connection filter '%s': cannot understand '%s'; use a port, an address, "
                  "ADDR:PORT, 'host A and port P' or 'uid C...'"),
                  text, w);
      wt_conn_filter_free(f);
      return NULL;
    }
    g_array_append_val(f->terms, t);
  }
  if (f->terms->len == 0) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                _("connection filter '%s' is empty; give a port, an address or ADDR:PORT"), text);
    wt_conn_filter_free(f);
    return NULL;
  }
  return f;
}

void wt_conn_filter_free(WtConnFilter *f)
{
  if (!f)
    return;
  g_array_free(f->terms, TRUE);
  g_free(f);
}

static gboolean addr_eq(const WtAddr *a, const WtAddr *b)
{
  return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

static gboolean term_match(const Term *t, const WtConnInfo *c)
{
  switch (t->kind) {
  case TERM_PORT: return c->orig_p == t->port || c->resp_p == t->port;
  case TERM_HOST: return addr_eq(&c->orig_h, &t->addr) || addr_eq(&c->resp_h, &t->addr);
  case TERM_ENDPOINT:
    return (addr_eq(&c->orig_h, &t->addr) && c->orig_p == t->port) ||
           (addr_eq(&c->resp_h, &t->addr) && c->resp_p == t->port);
  case TERM_PROTO: return c->proto == t->proto;
  case TERM_UID: return strcmp(c->uid, t->uid) == 0;
  }
  return FALSE;
}

gboolean wt_conn_filter_match(const WtConnFilter *f, const WtConnInfo *c)
{
  for (guint i = 0; i < f->terms->len; i++)
    if (!term_match(&g_array_index(f->terms, Term, i), c))
      return FALSE;
  return TRUE;
}
