#include "analyzer/capture/pcapng-read.h"
#include "analyzer/capture/pcap-mmap.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_PB 0x00000002u
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u
#define BT_DSB 0x0000000Au
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define BLOCK_HDR_LEN 8
#define BLOCK_TRAILER_LEN 4
/* libpcap's INITIAL_MAX_BLOCKSIZE; its per-link-type bound is smaller for every link type
 * this reader takes, so this is the bound libpcap applies. */
#define MAX_BLOCK_LEN (16u * 1024 * 1024)
#define MAX_SNAPLEN 262144u
#define USER_TSRESOL G_GUINT64_CONSTANT(1000000000) /* nanoseconds, as the file was opened */

typedef enum { PASS_THROUGH, SCALE_UP_DEC, SCALE_DOWN_DEC, SCALE_BIN } ScaleType;

typedef struct {
  int dlt;
  guint32 snapshot; /* adjusted as libpcap does: 0 or too large -> MAX_SNAPLEN */
  guint64 tsresol, tsoffset, scale_factor;
  ScaleType scale;
} Iface;

struct WtPcapng {
  WtWindow *w;
  gboolean swapped;
  gint64 pos;           /* offset of the next block */
  int first_dlt;        /* the file's first interface, as libpcap opened it */
  guint32 first_snapshot;
  gboolean first_seen;
  GArray *ifaces;       /* of Iface: this section's interfaces */
  WtSecretsFunc on_secrets;
  gpointer secrets_user;
  volatile sig_atomic_t break_loop;
};

/* A block read whole: its type and body (after type and length, before the trailer). */
typedef struct {
  guint32 type;
  const guint8 *data;
  gsize len;
} Block;

static guint32 u32(const WtPcapng *r, const guint8 *p)
{
  guint32 v;
  memcpy(&v, p, 4);
  return r->swapped ? GUINT32_SWAP_LE_BE(v) : v;
}

static guint16 u16(const WtPcapng *r, const guint8 *p)
{
  guint16 v;
  memcpy(&v, p, 2);
  return r->swapped ? GUINT16_SWAP_LE_BE(v) : v;
}

static guint64 u64(const WtPcapng *r, const guint8 *p)
{
  guint64 v;
  memcpy(&v, p, 8);
  return r->swapped ? GUINT64_SWAP_LE_BE(v) : v;
}

/* The pcapng link types of wt_pcap_dlt_supported()'s DLTs (LINKTYPE_RAW is 101, DLT_RAW
 * 12 or 14; the others are equal); -1 for any other. */
static int linktype_to_dlt(guint16 lt)
{
  int dlt = lt == 101 ? DLT_RAW : lt;
  return wt_pcap_dlt_supported(dlt, FALSE) ? dlt : -1;
}

WtPcapng *wt_pcapng_open(WtWindow *w, int snapshot, int dlt, WtSecretsFunc on_secrets,
                         gpointer secrets_user)
{
  if (g_getenv("WIRETAB_NO_MMAP") || snapshot <= 0 || (guint32) snapshot > MAX_SNAPLEN)
    return NULL;
  gsize got;
  const guint8 *shb = wt_window_get(w, 0, 12, &got);
  if (!shb)
    return NULL;
  guint32 type, bom;
  memcpy(&type, shb, 4);
  memcpy(&bom, shb + 8, 4);
  if (type != BT_SHB || (bom != BYTE_ORDER_MAGIC && bom != GUINT32_SWAP_LE_BE(BYTE_ORDER_MAGIC)))
    return NULL;
  WtPcapng *r = g_new0(WtPcapng, 1);
  r->w = w;
  r->swapped = bom != BYTE_ORDER_MAGIC;
  if (!wt_pcap_dlt_supported(dlt, r->swapped)) {
    g_free(r);
    return NULL;
  }
  /* libpcap read and checked the first section header (not its trailer): start after it */
  r->pos = u32(r, shb + 4);
  r->first_dlt = dlt;
  r->first_snapshot = (guint32) snapshot;
  r->ifaces = g_array_new(FALSE, FALSE, sizeof(Iface));
  r->on_secrets = on_secrets;
  r->secrets_user = secrets_user;
  return r;
}

void wt_pcapng_free(WtPcapng *r)
{
  if (!r)
    return;
  g_array_free(r->ifaces, TRUE);
  g_free(r);
}

void wt_pcapng_break(WtPcapng *r) { r->break_loop = 1; }
gint64 wt_pcapng_offset(const WtPcapng *r) { return r->pos; }

static int read_error(char *errbuf)
{
  snprintf(errbuf, PCAP_ERRBUF_SIZE, "error reading dump file: %s", g_strerror(errno));
  return -1;
}

/* sf-pcapng.c read_block(): 1 and the block, 0 at end of file, -1 with errbuf. */
static int read_block(WtPcapng *r, Block *b, char *errbuf)
{
  gsize got;
  const guint8 *h = wt_window_get(r->w, r->pos, BLOCK_HDR_LEN, &got);
  if (!h) {
    if (wt_window_failed(r->w))
      return read_error(errbuf);
    if (got == 0)
      return 0;
    snprintf(errbuf, PCAP_ERRBUF_SIZE,
             "truncated pcapng dump file; tried to read %zu bytes, only got %zu",
             (size_t) BLOCK_HDR_LEN, (size_t) got);
    return -1;
  }
  guint32 type = u32(r, h), total = u32(r, h + 4);
  if (total < BLOCK_HDR_LEN + BLOCK_TRAILER_LEN) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE, "block in pcapng dump file has a length of %u < %zu",
             total, (size_t) (BLOCK_HDR_LEN + BLOCK_TRAILER_LEN));
    return -1;
  }
  if (total % 4 != 0) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE,
             "block in pcapng dump file has a length of %u that is not a multiple of 4", total);
    return -1;
  }
  if (total > MAX_BLOCK_LEN) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE, "pcapng block size %u > maximum %u", total,
             MAX_BLOCK_LEN);
    return -1;
  }
  const guint8 *all = wt_window_get(r->w, r->pos, total, &got);
  if (!all) {
    if (wt_window_failed(r->w))
      return read_error(errbuf);
    snprintf(errbuf, PCAP_ERRBUF_SIZE,
             "truncated pcapng dump file; tried to read %zu bytes, only got %zu",
             (size_t) (total - BLOCK_HDR_LEN), (size_t) (got - BLOCK_HDR_LEN));
    return -1;
  }
  if (u32(r, all + total - BLOCK_TRAILER_LEN) != total) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE, "block total length in header and trailer don't match");
    return -1;
  }
  b->type = type;
  b->data = all + BLOCK_HDR_LEN;
  b->len = total - BLOCK_HDR_LEN - BLOCK_TRAILER_LEN;
  r->pos += total;
  return 1;
}

static int too_short(const Block *b, char *errbuf)
{
  snprintf(errbuf, PCAP_ERRBUF_SIZE, "block of type %u in pcapng dump file is too short",
           b->type);
  return -1;
}

/* sf-pcapng.c process_idb_options(): if_tsresol and if_tsoffset. */
static int idb_options(WtPcapng *r, const Block *b, Iface *f, gboolean *binary, char *errbuf)
{
  gsize at = 8;
  gboolean saw_resol = FALSE, saw_offset = FALSE;
  while (at < b->len) {
    if (b->len - at < 4)
      return too_short(b, errbuf);
    guint16 code = u16(r, b->data + at), olen = u16(r, b->data + at + 2);
    gsize padded = ((gsize) olen + 3) / 4 * 4;
    at += 4;
    if (b->len - at < padded)
      return too_short(b, errbuf);
    const guint8 *v = b->data + at;
    at += padded;
    if (code == 0) { /* opt_endofopt */
      if (olen != 0) {
        snprintf(errbuf, PCAP_ERRBUF_SIZE,
                 "Interface Description Block has opt_endofopt option with length %u != 0", olen);
        return -1;
      }
      return 0;
    }
    if (code == 9) { /* if_tsresol */
      if (olen != 1) {
        snprintf(errbuf, PCAP_ERRBUF_SIZE,
                 "Interface Description Block has if_tsresol option with length %u != 1", olen);
        return -1;
      }
      if (saw_resol) {
        snprintf(errbuf, PCAP_ERRBUF_SIZE,
                 "Interface Description Block has more than one if_tsresol option");
        return -1;
      }
      saw_resol = TRUE;
      if (v[0] & 0x80) {
        guint shift = v[0] & 0x7F;
        if (shift > 63) {
          snprintf(errbuf, PCAP_ERRBUF_SIZE,
                   "Interface Description Block if_tsresol option resolution 2^-%u is too high",
                   shift);
          return -1;
        }
        *binary = TRUE;
        f->tsresol = G_GUINT64_CONSTANT(1) << shift;
      } else {
        if (v[0] > 19) {
          snprintf(errbuf, PCAP_ERRBUF_SIZE,
                   "Interface Description Block if_tsresol option resolution 10^-%u is too high",
                   v[0]);
          return -1;
        }
        *binary = FALSE;
        f->tsresol = 1;
        for (guint i = 0; i < v[0]; i++)
          f->tsresol *= 10;
      }
    } else if (code == 14) { /* if_tsoffset */
      if (olen != 8) {
        snprintf(errbuf, PCAP_ERRBUF_SIZE,
                 "Interface Description Block has if_tsoffset option with length %u != 8", olen);
        return -1;
      }
      if (saw_offset) {
        snprintf(errbuf, PCAP_ERRBUF_SIZE,
                 "Interface Description Block has more than one if_tsoffset option");
        return -1;
      }
      saw_offset = TRUE;
      f->tsoffset = u64(r, v);
    }
  }
  return 0;
}

/* An Interface Description Block: its link type, snapshot length and time resolution.
 * Interfaces unlike the file's first are taken when the frames need no libpcap rewriting. */
static int add_interface(WtPcapng *r, const Block *b, char *errbuf)
{
  if (b->len < 8)
    return too_short(b, errbuf);
  guint16 lt = u16(r, b->data);
  guint32 snaplen = u32(r, b->data + 4);
  Iface f = { .tsresol = 1000000 };
  if (!r->first_seen) {
    f.dlt = r->first_dlt;
    f.snapshot = r->first_snapshot;
    r->first_seen = TRUE;
  } else {
    f.dlt = linktype_to_dlt(lt);
    if (f.dlt < 0 || (f.dlt == DLT_NFLOG && r->swapped)) {
      snprintf(errbuf, PCAP_ERRBUF_SIZE,
               "an interface has a type %u different from the type of the first interface", lt);
      return -1;
    }
    f.snapshot = snaplen == 0 || snaplen > MAX_SNAPLEN ? MAX_SNAPLEN : snaplen;
  }
  gboolean binary = FALSE;
  if (idb_options(r, b, &f, &binary, errbuf) < 0)
    return -1;
  if (f.tsresol == USER_TSRESOL)
    f.scale = PASS_THROUGH;
  else if (binary)
    f.scale = SCALE_BIN;
  else if (f.tsresol > USER_TSRESOL) {
    f.scale = SCALE_DOWN_DEC;
    f.scale_factor = f.tsresol / USER_TSRESOL;
  } else {
    f.scale = SCALE_UP_DEC;
    f.scale_factor = USER_TSRESOL / f.tsresol;
  }
  g_array_append_val(r->ifaces, f);
  return 0;
}

/* A later Section Header Block: same byte order, major version 1; its own interfaces. */
static int new_section(WtPcapng *r, const Block *b, char *errbuf)
{
  if (b->len < 16)
    return too_short(b, errbuf);
  guint32 bom = u32(r, b->data);
  if (bom == GUINT32_SWAP_LE_BE(BYTE_ORDER_MAGIC)) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE, "the file has sections with different byte orders");
    return -1;
  }
  if (bom != BYTE_ORDER_MAGIC) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE,
             "the file has a section with a bad byte order magic field");
    return -1;
  }
  guint16 major = u16(r, b->data + 4);
  if (major != 1) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE, "unknown pcapng savefile major version number %u",
             major);
    return -1;
  }
  g_array_set_size(r->ifaces, 0);
  return 0;
}

/* A Decryption Secrets Block goes to the callback; a damaged one is skipped, as libpcap
 * skips them all. */
static void secrets(WtPcapng *r, const Block *b)
{
  if (!r->on_secrets || b->len < 8)
    return;
  guint32 type = u32(r, b->data), len = u32(r, b->data + 4);
  if (len <= b->len - 8)
    r->on_secrets(type, b->data + 8, len, r->secrets_user);
}

/* libpcap's conversion of a timestamp in the interface's units to seconds and
 * nanoseconds, overflows and the int cast of the fraction included. */
static void set_time(const Iface *f, guint64 t, struct pcap_pkthdr *h)
{
  guint64 sec = t / f->tsresol + f->tsoffset, frac = t % f->tsresol;
  switch (f->scale) {
  case PASS_THROUGH:
    break;
  case SCALE_UP_DEC:
    frac *= f->scale_factor;
    break;
  case SCALE_DOWN_DEC:
    frac /= f->scale_factor;
    break;
  case SCALE_BIN:
    frac = frac * USER_TSRESOL / f->tsresol;
    break;
  }
  h->ts.tv_sec = (time_t) sec;
  h->ts.tv_usec = (int) frac;
}

/* The frame of a packet block: interface, lengths and time checked as libpcap does. */
static int packet(WtPcapng *r, const Block *b, guint32 ifid, guint32 caplen, guint64 t,
                  gsize fixed, struct pcap_pkthdr *h, const guint8 **data, int *dlt,
                  char *errbuf)
{
  if (ifid >= r->ifaces->len) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE,
             "a packet arrived on interface %u, but there's no Interface Description Block "
             "for that interface",
             ifid);
    return -1;
  }
  const Iface *f = &g_array_index(r->ifaces, Iface, ifid);
  if (caplen > f->snapshot) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE,
             "invalid packet capture length %u, bigger than snaplen of %d", caplen,
             (int) f->snapshot);
    return -1;
  }
  set_time(f, t, h);
  if (b->len - fixed < caplen)
    return too_short(b, errbuf);
  h->caplen = caplen;
  *data = b->data + fixed;
  *dlt = f->dlt;
  return 1;
}

/* sf-pcapng.c pcap_ng_next_packet(): 1 and a frame, 0 at end of file, -1 with errbuf. */
static int next_packet(WtPcapng *r, struct pcap_pkthdr *h, const guint8 **data, int *dlt,
                       char *errbuf)
{
  for (;;) {
    Block b;
    int status = read_block(r, &b, errbuf);
    if (status <= 0)
      return status;
    switch (b.type) {
    case BT_EPB:
      if (b.len < 20)
        return too_short(&b, errbuf);
      h->len = u32(r, b.data + 16);
      return packet(r, &b, u32(r, b.data), u32(r, b.data + 12),
                    (guint64) u32(r, b.data + 4) << 32 | u32(r, b.data + 8), 20, h, data, dlt,
                    errbuf);
    case BT_SPB: {
      if (b.len < 4)
        return too_short(&b, errbuf);
      h->len = u32(r, b.data);
      /* no captured length: the packet's, cut to the file's snapshot length; no time */
      return packet(r, &b, 0, MIN(h->len, r->first_snapshot), 0, 4, h, data, dlt, errbuf);
    }
    case BT_PB:
      if (b.len < 20)
        return too_short(&b, errbuf);
      h->len = u32(r, b.data + 16);
      return packet(r, &b, u16(r, b.data), u32(r, b.data + 12),
                    (guint64) u32(r, b.data + 4) << 32 | u32(r, b.data + 8), 20, h, data, dlt,
                    errbuf);
    case BT_IDB:
      if (add_interface(r, &b, errbuf) < 0)
        return -1;
      break;
    case BT_SHB:
      if (new_section(r, &b, errbuf) < 0)
        return -1;
      break;
    case BT_DSB:
      secrets(r, &b);
      break;
    default: /* statistics, name resolution, custom blocks: not needed */
      break;
    }
    wt_window_release(r->w, r->pos);
  }
}

int wt_pcapng_dispatch(WtPcapng *r, int cnt, WtPcapngFilterFunc filter_for, WtPcapngFunc fn,
                       gpointer user, char *errbuf)
{
  int n = 0;
  for (;;) {
    if (r->break_loop) {
      if (n == 0) {
        r->break_loop = 0;
        return PCAP_ERROR_BREAK;
      }
      return n;
    }
    struct pcap_pkthdr h;
    const guint8 *data = NULL;
    int dlt = r->first_dlt;
    int status = next_packet(r, &h, &data, &dlt, errbuf);
    if (status != 1) {
      wt_window_done(r->w);
      return status == 0 ? 0 : PCAP_ERROR;
    }
    wt_window_release(r->w, r->pos);
    const struct bpf_program *filter = filter_for ? filter_for(user, dlt) : NULL;
    if (!filter || !filter->bf_insns || pcap_offline_filter(filter, &h, data)) {
      fn(user, &h, data, dlt);
      n++;
      if (cnt > 0 && n >= cnt)
        return n;
    }
  }
}
