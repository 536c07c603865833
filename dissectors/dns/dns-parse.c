#include "dissectors/dns/dns-parse.h"

#include <arpa/inet.h>
#include <string.h>

/* A legitimate name has at most 127 labels, so it needs at most that many pointers;
 * a chain of pointers without labels in between is a loop as far as we care. Bounding
 * the hops also bounds the work per name (a message with 10,000 records each pointing
 * into one long chain cannot cost more than 10,000 x 128 hops). */
#define MAX_POINTER_HOPS 128

enum { SECTION_ANSWER, SECTION_AUTHORITY, SECTION_ADDITIONAL };

const char *wt_dns_error_name(WtDnsError e)
{
  static const char *const names[WT_DNS_ERR_N] = {
    NULL, "dns.truncated", "dns.bad_name", "dns.name_too_long", "dns.bad_pointer",
    "dns.compression_loop", "dns.bad_rdata",
  };
  return (guint) e < WT_DNS_ERR_N ? names[e] : NULL;
}

/* ---------- names ---------- */

static gsize append_octets(char *text, gsize out, const guint8 *p, gsize n)
{
  static const char hex[] = "0123456789abcdef";
  for (gsize i = 0; i < n; i++) {
    guint8 c = p[i];
    if (c > 0x20 && c < 0x7f && c != '\\') {
      text[out++] = g_ascii_tolower((char) c);  /* names are case-insensitive (RFC 4343) */
    } else {
      text[out++] = '\\';
      text[out++] = 'x';
      text[out++] = hex[c >> 4];
      text[out++] = hex[c & 0xf];
    }
  }
  return out;
}

WtDnsError wt_dns_read_name(const guint8 *msg, gsize msg_len, WtReader *r, char *text)
{
  g_return_val_if_fail(r->data == msg && r->len <= msg_len, WT_DNS_ERR_TRUNCATED);
  WtReader cur = *r;
  gsize out = 0;
  gsize wire = 1;               /* the terminating zero octet */
  gsize limit = r->pos;         /* the next pointer must point below this */
  guint hops = 0;
  gboolean jumped = FALSE;
  text[0] = '\0';
  for (;;) {
    guint8 len;
    if (!wt_reader_get_u8(&cur, &len))
      return WT_DNS_ERR_TRUNCATED;
    if ((len & 0xc0) == 0xc0) {
      guint8 lo;
      if (!wt_reader_get_u8(&cur, &lo))
        return WT_DNS_ERR_TRUNCATED;
      gsize target = ((gsize) (len & 0x3f) << 8) | lo;
      if (!jumped) {
        r->pos = cur.pos;  /* in place, the name ends with its first pointer */
        jumped = TRUE;
      }
      if (target >= msg_len)
        return WT_DNS_ERR_BAD_POINTER;
      if (target >= limit || ++hops > MAX_POINTER_HOPS)
        return WT_DNS_ERR_LOOP;
      limit = target;
      cur = wt_reader_init(msg, msg_len);
      cur.pos = target;
      continue;
    }
    if (len & 0xc0)
      return WT_DNS_ERR_BAD_NAME;  /* 01: extended label type, 10: reserved */
    if (len == 0)
      break;
    wire += 1u + len;
    if (wire > WT_DNS_MAX_NAME_WIRE)
      return WT_DNS_ERR_NAME_TOO_LONG;
    const guint8 *label;
    if (!wt_reader_get_bytes(&cur, len, &label))
      return WT_DNS_ERR_TRUNCATED;
    if (out > 0)
      text[out++] = '.';
    out = append_octets(text, out, label, len);
    text[out] = '\0';
  }
  if (!jumped)
    r->pos = cur.pos;
  return WT_DNS_OK;
}

/* ---------- answers for the log ---------- */

void wt_dns_answers_init(WtDnsAnswers *a)
{
  a->text = g_string_sized_new(256);
  a->ttls = g_array_new(FALSE, FALSE, sizeof(guint32));
  a->n = a->dropped = 0;
}

void wt_dns_answers_clear(WtDnsAnswers *a)
{
  if (a->text)
    g_string_free(a->text, TRUE);
  if (a->ttls)
    g_array_free(a->ttls, TRUE);
  a->text = NULL;
  a->ttls = NULL;
}

void wt_dns_answers_reset(WtDnsAnswers *a)
{
  g_string_truncate(a->text, 0);
  g_array_set_size(a->ttls, 0);
  a->n = a->dropped = 0;
}

/* Starts one answer's text; FALSE when the log already has enough of them. */
static gboolean answer_begin(WtDnsAnswers *a, guint32 ttl, gsize *start)
{
  if (!a)
    return FALSE;
  if (a->n >= WT_DNS_MAX_LOGGED_ANSWERS || a->text->len >= WT_DNS_MAX_ANSWERS_TEXT) {
    a->dropped++;
    return FALSE;
  }
  *start = a->text->len;
  g_array_append_val(a->ttls, ttl);
  a->n++;
  return TRUE;
}

static void answer_end(WtDnsAnswers *a, gsize start)
{
  if (a->text->len - start > WT_DNS_MAX_ANSWER_TEXT)
    g_string_truncate(a->text, start + WT_DNS_MAX_ANSWER_TEXT);
  g_string_append_c(a->text, '\0');
}

/* An answer Zeek does not summarise (WKS, HINFO: its reply string is empty) leaves no
 * entry; undo answer_begin. */
static void answer_cancel(WtDnsAnswers *a, gsize start)
{
  g_string_truncate(a->text, start);
  g_array_set_size(a->ttls, a->ttls->len - 1);
  a->n--;
}

/* ---------- resource records ---------- */

typedef struct {
  const guint8 *msg;
  gsize len;
  WtDnsMessage *m;
  WtDnsAnswers *a;   /* NULL unless this record's text is wanted */
} RrCtx;

static WtDnsError rdata_name(const RrCtx *c, WtReader *rd, GString *out)
{
  char name[WT_DNS_NAME_TEXT_MAX];
  WtDnsError e = wt_dns_read_name(c->msg, c->len, rd, name);
  if (e == WT_DNS_OK && out)
    g_string_append(out, name);
  return e;
}

/* TXT/SPF: "TXT <len> <string>" per character-string, joined by spaces (Zeek). */
static WtDnsError rdata_strings(WtReader *rd, const char *tag, GString *out)
{
  gboolean first = TRUE;
  while (wt_reader_remaining(rd) > 0) {
    guint8 n;
    const guint8 *p;
    if (!wt_reader_get_u8(rd, &n) || !wt_reader_get_bytes(rd, n, &p))
      return WT_DNS_ERR_BAD_RDATA;
    if (!out)
      continue;
    if (!first)
      g_string_append_c(out, ' ');
    first = FALSE;
    g_string_append_printf(out, "%s %u ", tag, n);
    /* printable as is; the JSON writer escapes the rest */
    for (guint i = 0; i < n; i++)
      g_string_append_c(out, p[i] ? (char) p[i] : '.');
  }
  return WT_DNS_OK;
}

static WtDnsError rdata_addr(WtReader *rd, int family, gsize n, GString *out)
{
  const guint8 *p;
  if (wt_reader_remaining(rd) != n || !wt_reader_get_bytes(rd, n, &p))
    return WT_DNS_ERR_BAD_RDATA;
  if (out) {
    char buf[INET6_ADDRSTRLEN];
    g_string_append(out, inet_ntop(family, p, buf, sizeof buf));
  }
  return WT_DNS_OK;
}

/* Reads one record's rdata (rd is narrowed to it), validating what we understand and
 * appending Zeek's summary of it to `out` (may be NULL). Returns the text status:
 * FALSE when the type has no summary. */
static WtDnsError read_rdata(const RrCtx *c, guint16 type, WtReader *rd, GString *out,
                             gboolean *has_text)
{
  *has_text = TRUE;
  switch (type) {
  case 1:  /* A */
    return rdata_addr(rd, AF_INET, 4, out);
  case 28: /* AAAA */
    return rdata_addr(rd, AF_INET6, 16, out);
  case 2: case 5: case 12: case 39: /* NS CNAME PTR DNAME */
    return rdata_name(c, rd, out);
  case 15: /* MX: preference, exchange */
    if (!wt_reader_skip(rd, 2))
      return WT_DNS_ERR_BAD_RDATA;
    return rdata_name(c, rd, out);
  case 33: /* SRV: priority, weight, port, target */
    if (!wt_reader_skip(rd, 6))
      return WT_DNS_ERR_BAD_RDATA;
    return rdata_name(c, rd, out);
  case 6: { /* SOA: mname rname serial refresh retry expire minimum */
    WtDnsError e = rdata_name(c, rd, out);
    if (e == WT_DNS_OK)
      e = rdata_name(c, rd, NULL);
    if (e == WT_DNS_OK && wt_reader_remaining(rd) != 20)
      e = WT_DNS_ERR_BAD_RDATA;
    return e;
  }
  case 16:
    return rdata_strings(rd, "TXT", out);
  case 99:
    return rdata_strings(rd, "SPF", out);
  case 46: { /* RRSIG: type covered, ..., signer */
    guint16 covered;
    if (!wt_reader_get_be16(rd, &covered) || !wt_reader_skip(rd, 16))
      return WT_DNS_ERR_BAD_RDATA;
    char signer[WT_DNS_NAME_TEXT_MAX];
    WtDnsError e = wt_dns_read_name(c->msg, c->len, rd, signer);
    if (e == WT_DNS_OK && out)
      g_string_append_printf(out, "RRSIG %u %s", covered, signer[0] ? signer : "<Root>");
    return e;
  }
  case 48: { /* DNSKEY: flags, protocol, algorithm, key */
    guint8 alg;
    if (!wt_reader_skip(rd, 3) || !wt_reader_get_u8(rd, &alg))
      return WT_DNS_ERR_BAD_RDATA;
    if (out)
      g_string_append_printf(out, "DNSKEY %u", alg);
    return WT_DNS_OK;
  }
  case 43: { /* DS: key tag, algorithm, digest type, digest */
    guint8 alg, digest;
    if (!wt_reader_skip(rd, 2) || !wt_reader_get_u8(rd, &alg) || !wt_reader_get_u8(rd, &digest))
      return WT_DNS_ERR_BAD_RDATA;
    if (out)
      g_string_append_printf(out, "DS %u %u", alg, digest);
    return WT_DNS_OK;
  }
  case 50:
    if (out)
      g_string_append(out, "NSEC3");
    return WT_DNS_OK;
  case 51:
    if (out)
      g_string_append(out, "NSEC3PARAM");
    return WT_DNS_OK;
  case 11: case 13: case 41: /* WKS HINFO OPT: no summary in Zeek's log */
    *has_text = FALSE;
    return WT_DNS_OK;
  default:
    if (out)
      g_string_append_printf(out, "<unknown type=%u>", type);
    return WT_DNS_OK;
  }
}

static WtDnsError read_rr(const RrCtx *c, WtReader *r, int section)
{
  char owner[WT_DNS_NAME_TEXT_MAX];
  WtDnsError e = wt_dns_read_name(c->msg, c->len, r, owner);
  if (e != WT_DNS_OK)
    return e;
  guint16 type, klass, rdlen;
  guint32 ttl;
  if (!wt_reader_get_be16(r, &type) || !wt_reader_get_be16(r, &klass) ||
      !wt_reader_get_be32(r, &ttl) || !wt_reader_get_be16(r, &rdlen))
    return WT_DNS_ERR_TRUNCATED;
  if (wt_reader_remaining(r) < rdlen)
    return WT_DNS_ERR_TRUNCATED;
  WtReader rd = *r;
  wt_reader_narrow(&rd, rdlen);
  r->pos += rdlen;

  WtDnsMessage *m = c->m;
  if (section == SECTION_ADDITIONAL && type == 41) {
    m->has_edns = TRUE;
    m->edns_udp_size = klass;
  }
  gsize start = 0;
  gboolean want = FALSE;
  if (section == SECTION_ANSWER) {
    if (m->answers++ == 0)
      g_strlcpy(m->first_owner, owner, sizeof m->first_owner);
    want = answer_begin(c->a, ttl, &start);
  }
  gboolean has_text;
  e = read_rdata(c, type, &rd, want ? c->a->text : NULL, &has_text);
  if (want) {
    if (e != WT_DNS_OK || !has_text)
      answer_cancel(c->a, start);
    else
      answer_end(c->a, start);
  }
  return e;
}

WtDnsError wt_dns_parse_message(const guint8 *msg, gsize len, WtDnsMessage *m,
                                WtDnsAnswers *answers, gsize *bytes_used)
{
  WtReader r = wt_reader_init(msg, len);
  WtDnsError e = WT_DNS_OK;
  memset(&m->hdr, 0, sizeof m->hdr);
  m->has_question = FALSE;
  m->qname[0] = m->first_owner[0] = '\0';
  m->qtype = m->qclass = 0;
  m->answers = 0;
  m->has_edns = FALSE;
  m->edns_udp_size = 0;
  WtDnsHeader *h = &m->hdr;
  if (!wt_reader_get_be16(&r, &h->id) || !wt_reader_get_be16(&r, &h->flags) ||
      !wt_reader_get_be16(&r, &h->qdcount) || !wt_reader_get_be16(&r, &h->ancount) ||
      !wt_reader_get_be16(&r, &h->nscount) || !wt_reader_get_be16(&r, &h->arcount)) {
    e = WT_DNS_ERR_TRUNCATED;
    goto out;
  }
  for (guint i = 0; i < h->qdcount; i++) {
    char other[WT_DNS_NAME_TEXT_MAX];
    guint16 qtype, qclass;
    e = wt_dns_read_name(msg, len, &r, i == 0 ? m->qname : other);
    if (e != WT_DNS_OK)
      goto out;
    if (!wt_reader_get_be16(&r, &qtype) || !wt_reader_get_be16(&r, &qclass)) {
      e = WT_DNS_ERR_TRUNCATED;
      goto out;
    }
    if (i == 0) {
      m->qtype = qtype;
      m->qclass = qclass;
      m->has_question = TRUE;
    }
  }
  const guint16 counts[3] = { h->ancount, h->nscount, h->arcount };
  for (int s = SECTION_ANSWER; s <= SECTION_ADDITIONAL; s++) {
    RrCtx c = { msg, len, m, s == SECTION_ANSWER ? answers : NULL };
    for (guint i = 0; i < counts[s]; i++)
      if ((e = read_rr(&c, &r, s)) != WT_DNS_OK)
        goto out;
  }
out:
  if (bytes_used)
    *bytes_used = r.pos;
  return e;
}

/* ---------- numbers to names (IANA registries, spelled as Zeek's DNS consts) ---------- */

typedef struct {
  guint16 v;
  const char *name;
} Name;

static const Name qtypes[] = {
  { 1, "A" }, { 2, "NS" }, { 3, "MD" }, { 4, "MF" }, { 5, "CNAME" }, { 6, "SOA" },
  { 7, "MB" }, { 8, "MG" }, { 9, "MR" }, { 10, "NULL" }, { 11, "WKS" }, { 12, "PTR" },
  { 13, "HINFO" }, { 14, "MINFO" }, { 15, "MX" }, { 16, "TXT" }, { 17, "RP" },
  { 18, "AFSDB" }, { 19, "X25" }, { 20, "ISDN" }, { 21, "RT" }, { 22, "NSAP" },
  { 23, "NSAP-PTR" }, { 24, "SIG" }, { 25, "KEY" }, { 26, "PX" }, { 27, "GPOS" },
  { 28, "AAAA" }, { 29, "LOC" }, { 30, "NXT" }, { 31, "EID" }, { 32, "NIMLOC" },
  { 33, "SRV" }, { 34, "ATMA" }, { 35, "NAPTR" }, { 36, "KX" }, { 37, "CERT" }, { 38, "A6" },
  { 39, "DNAME" }, { 40, "SINK" }, { 41, "OPT" }, { 42, "APL" }, { 43, "DS" },
  { 44, "SSHFP" }, { 45, "IPSECKEY" }, { 46, "RRSIG" }, { 47, "NSEC" }, { 48, "DNSKEY" },
  { 49, "DHCID" }, { 50, "NSEC3" }, { 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 53, "SMIMEA" },
  { 55, "HIP" }, { 56, "NINFO" }, { 57, "RKEY" }, { 58, "TALINK" }, { 59, "CDS" },
  { 60, "CDNSKEY" }, { 61, "OPENPGPKEY" }, { 62, "CSYNC" }, { 63, "ZONEMD" }, { 64, "SVCB" },
  { 65, "HTTPS" }, { 99, "SPF" }, { 100, "UINFO" }, { 101, "UID" }, { 102, "GID" },
  { 103, "UNSPEC" }, { 104, "NID" }, { 105, "L32" }, { 106, "L64" }, { 107, "LP" },
  { 108, "EUI48" }, { 109, "EUI64" }, { 249, "TKEY" }, { 250, "TSIG" }, { 251, "IXFR" },
  { 252, "AXFR" }, { 253, "MAILB" }, { 254, "MAILA" }, { 255, "*" }, { 256, "URI" },
  { 257, "CAA" }, { 32768, "TA" }, { 32769, "DLV" },
};

static const char *lookup(const Name *t, gsize n, guint v)
{
  for (gsize i = 0; i < n; i++)
    if (t[i].v == v)
      return t[i].name;
  return NULL;
}

const char *wt_dns_qtype_name(guint16 qtype)
{
  return lookup(qtypes, G_N_ELEMENTS(qtypes), qtype);
}

const char *wt_dns_qclass_name(guint16 qclass)
{
  static const Name classes[] = {
    { 1, "C_INTERNET" }, { 2, "C_CSNET" }, { 3, "C_CHAOS" }, { 4, "C_HESIOD" },
    { 254, "C_NONE" }, { 255, "C_ANY" },
  };
  return lookup(classes, G_N_ELEMENTS(classes), qclass);
}

const char *wt_dns_rcode_name(guint rcode)
{
  static const char *const names[] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
    "YXRRSET", "NXRRSet", "NOTAUTH", "NOTZONE",
  };
  return rcode < G_N_ELEMENTS(names) ? names[rcode] : NULL;
}

const char *wt_dns_opcode_name(guint opcode)
{
  static const Name ops[] = {
    { 0, "query" }, { 1, "iquery" }, { 2, "server-status" }, { 4, "notify" },
    { 5, "dynamic-update" }, { 6, "dso" },
  };
  return lookup(ops, G_N_ELEMENTS(ops), opcode);
}

gboolean wt_dns_netbios_decode(const char *in, char *out)
{
  if (strlen(in) != 32)
    return FALSE;
  for (int i = 0; i < 16; i++) {
    char hi = g_ascii_toupper(in[2 * i]), lo = g_ascii_toupper(in[2 * i + 1]);
    if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P')
      return FALSE;
    out[i] = (char) (((hi - 'A') << 4) | (lo - 'A'));
  }
  int n = 15;  /* the 16th octet is the suffix (name type) */
  while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\0'))
    n--;
  out[n] = '\0';
  for (int i = 0; i < n; i++)
    if ((guint8) out[i] < 0x20 || (guint8) out[i] >= 0x7f)
      out[i] = '.';
  return TRUE;
}
