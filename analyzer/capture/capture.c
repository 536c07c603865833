#include "analyzer/capture/capture.h"
#include "analyzer/capture/capture-ts.h"
#include "analyzer/capture/fanout-bpf.h"
#include "analyzer/capture/pcap-mmap.h"
#include "analyzer/capture/pcapng-read.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(wt-capture-error-quark, wt_capture_error)

struct WtCaptureSource {
  pcap_t *pcap;
  /* live fanout (wt_capture_open_live_fanout): every handle of the group, members[0] ==
   * pcap; NULL for a source of one handle */
  pcap_t **members;
  guint n_members;
  char *name;
  gboolean live;
  int linktype;
  gint64 ts_frac_scale; /* 1 for nanosecond timestamps, 1000 for microsecond */
  FILE *file;      /* for progress (ftell); owned by libpcap after pcap_fopen_offline */
  gint64 size;
  /* pcap and pcapng files are read by the block readers (pcap-mmap.h, pcapng-read.h) from
   * a window on the file (a mapping, or large reads from standard input); libpcap then only
   * validated the header and compiles the filter, which runs through pcap_offline_filter. */
  WtWindow *win;
  WtPcapMmap *mm;
  WtPcapng *ng;
  struct bpf_program prog;
  gboolean have_prog;
  /* pcapng interfaces of other link types than the first: the filter compiled for each */
  char *filter;
  GHashTable *progs; /* dlt -> struct bpf_program *, NULL when it does not compile */
  /* replicated reading: the position of the replica that reports progress, + 1 (0: none;
   * atomic, written by the reading thread) */
  gint64 replica_pos;
  WtWindowShare *share; /* the whole file mapped once for every replica, or NULL */
  gboolean share_tried;
};

static gboolean block_reader(const WtCaptureSource *src) { return src->mm || src->ng; }

static gboolean apply_filter(WtCaptureSource *src, const char *filter, GError **error)
{
  if (!filter || !*filter)
    return TRUE;
  struct bpf_program prog;
  if (pcap_compile(src->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_FILTER,
                _("bad filter '%s' for %s: %s; check the expression (man pcap-filter)"), filter,
                src->name, pcap_geterr(src->pcap));
    return FALSE;
  }
  int rc = pcap_setfilter(src->pcap, &prog);
  if (block_reader(src) && rc == 0) {
    src->filter = g_strdup(filter);
    src->prog = prog; /* kept for pcap_offline_filter; freed in wt_capture_close */
    src->have_prog = TRUE;
  } else {
    pcap_freecode(&prog);
  }
  if (rc != 0) {
    g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_FILTER,
                _("cannot apply filter '%s' to %s: %s"), filter, src->name,
                pcap_geterr(src->pcap));
    return FALSE;
  }
  return TRUE;
}

/* The file exists and opened, so whatever libpcap refuses is the format: say what to do. */
static void set_open_file_error(GError **error, const char *path, const char *pcap_msg)
{
  g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_OPEN,
              _("%s: not a readable pcap or pcapng capture (%s); give a file written by "
              "tcpdump -w, tshark -w or Wireshark"),
              path, pcap_msg);
}

WtCaptureSource *wt_capture_open_file(const char *path, const WtCaptureOptions *opts,
                                      GError **error)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  FILE *f;
  gint64 size = -1;
  WtWindow *win = NULL;
  if (strcmp(path, "-") == 0) {
    /* read in large blocks; libpcap checks the header through a stdio view of them */
    win = wt_window_new_stream(STDIN_FILENO);
    f = wt_window_fopen(win);
    if (!f) {
      int e = errno;
      wt_window_free(win);
      g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_OPEN,
                  _("standard input: cannot read: %s"), g_strerror(e));
      return NULL;
    }
  } else {
    struct stat st;
    if (stat(path, &st) != 0) {
      int e = errno;
      g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_OPEN,
                  _("%s: cannot open capture file: %s; check the path"), path, g_strerror(e));
      return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
      g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_OPEN,
                  _("%s: is a directory, not a capture file; give the .pcap or .pcapng file "
                  "inside it"),
                  path);
      return NULL;
    }
    f = fopen(path, "rb");
    if (!f) {
      int e = errno;
      g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_OPEN,
                  _("%s: cannot open capture file: %s; check the path and permissions"), path,
                  g_strerror(e));
      return NULL;
    }
    if (st.st_size == 0) {
      fclose(f);
      g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_OPEN,
                  _("%s: empty file, not a capture; give a file written by tcpdump -w, "
                  "tshark -w or Wireshark"),
                  path);
      return NULL;
    }
    size = st.st_size;
  }
  pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (!p) {
    fclose(f);
    wt_window_free(win);
    set_open_file_error(error, strcmp(path, "-") == 0 ? "standard input" : path, errbuf);
    return NULL;
  }
  /* The top 16 bits of a pcap header's link-type field: FCS length (4 bits), a reserved
   * bit, "FCS length present", then 10 reserved bits that must be zero (the pcap format
   * draft: "a reader SHOULD treat a non-zero value as an error"). libpcap 1.10.5 and
   * Wireshark refuse a file with any of the 10 set; libpcap 1.10.3 and 1.10.4 open it and
   * hand the reserved bits over in pcap_datalink() (the FCS bits in pcap_datalink_ext()),
   * so check here, for both readers and on every libpcap. pcapng: never set. */
  int dl = pcap_datalink(p), dl_ext = pcap_datalink_ext(p);
  guint32 lt_ext = (dl > 0 ? (guint32) dl : 0) | (dl_ext > 0 ? (guint32) dl_ext : 0);
  if (WT_PCAP_LT_RESERVED1(lt_ext) != 0) {
    char msg[PCAP_ERRBUF_SIZE];
    snprintf(msg, sizeof msg, "savefile linktype reserved field not zero (0x%08x)",
             WT_PCAP_LT_RESERVED1(lt_ext));
    pcap_close(p); /* closes f */
    wt_window_free(win);
    set_open_file_error(error, strcmp(path, "-") == 0 ? "standard input" : path, msg);
    return NULL;
  }
  WtCaptureSource *src = g_new0(WtCaptureSource, 1);
  src->pcap = p;
  src->name = g_strdup(strcmp(path, "-") == 0 ? "standard input" : path);
  src->linktype = pcap_datalink(p);
  src->ts_frac_scale = 1; /* opened with nanosecond precision: libpcap scales */
  src->file = f;
  src->size = size;
  src->win = win ? win : wt_window_new_mapped(fileno(f));
  if (src->win) {
    src->mm = wt_pcap_mmap_open(src->win, pcap_snapshot(p), src->linktype);
    if (!src->mm)
      src->ng = wt_pcapng_open(src->win, pcap_snapshot(p), src->linktype,
                               opts ? opts->on_secrets : NULL, opts ? opts->secrets_user : NULL);
    if (win && !block_reader(src))
      wt_window_stdio_reads_all(win); /* libpcap reads on through the stdio view */
  }
  if (opts && !apply_filter(src, opts->filter, error)) {
    wt_capture_close(src);
    return NULL;
  }
  return src;
}

/* One live handle, activated (no filter yet). */
static pcap_t *open_live_handle(const char *iface, const WtCaptureOptions *opts, GError **error)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = pcap_create(iface, errbuf);
  if (!p) {
    g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_OPEN,
                _("interface %s: %s; list interfaces with wiretab -D"), iface, errbuf);
    return NULL;
  }
  pcap_set_snaplen(p, opts && opts->snaplen > 0 ? opts->snaplen : 262144);
  pcap_set_promisc(p, opts ? opts->promisc : TRUE);
  /* Not immediate mode: libpcap then uses TPACKET_V3, whose ring hands over whole blocks
   * of frames, so a burst costs one wake-up per block instead of one per few frames (as
   * tcpdump -w). A frame waits at most the block timeout before it can be read. */
  pcap_set_immediate_mode(p, 0);
  pcap_set_timeout(p, WT_CAPTURE_BLOCK_TIMEOUT_MS);
  if (opts && opts->buffer_size > 0)
    pcap_set_buffer_size(p, opts->buffer_size);
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO); /* falls back to micro */
  int rc = pcap_activate(p);
  if (rc < 0) {
    const char *msg = pcap_geterr(p);
    if (rc == PCAP_ERROR_PERM_DENIED || rc == PCAP_ERROR_PROMISC_PERM_DENIED)
      g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_PERMISSION,
                  _("interface %s: no permission to capture (%s); run as root or give the "
                  "binary the capability: setcap cap_net_raw,cap_net_admin=eip wiretab"),
                  iface, msg);
    else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
      g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_OPEN,
                  _("interface %s: no such interface (%s); list interfaces with wiretab -D"),
                  iface, msg);
    else if (rc == PCAP_ERROR_IFACE_NOT_UP)
      g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_OPEN,
                  _("interface %s: interface is down; bring it up (ip link set %s up)"), iface,
                  iface);
    else
      g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_OPEN,
                  _("interface %s: cannot capture: %s"), iface, msg);
    pcap_close(p);
    return NULL;
  }
  return p;
}

static WtCaptureSource *live_source(pcap_t *p, const char *iface)
{
  WtCaptureSource *src = g_new0(WtCaptureSource, 1);
  src->pcap = p;
  src->name = g_strdup(iface);
  src->live = TRUE;
  src->linktype = pcap_datalink(p);
  src->ts_frac_scale = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
  src->size = -1;
  return src;
}

WtCaptureSource *wt_capture_open_live(const char *iface, const WtCaptureOptions *opts,
                                      GError **error)
{
  pcap_t *p = open_live_handle(iface, opts, error);
  if (!p)
    return NULL;
  WtCaptureSource *src = live_source(p, iface);
  if (opts && !apply_filter(src, opts->filter, error)) {
    wt_capture_close(src);
    return NULL;
  }
  return src;
}

/* The kernel spreads the interface's frames over the group with our classic BPF program
 * (fanout-bpf.h: a hash of the flow as the --threads router keys it, the same in both
 * directions, a UDP tunnel by its endpoints' addresses), after reassembling IPv4 fragments
 * (FLAG_DEFRAG), so every frame of a connection reaches the same handle. Group ids are per
 * network namespace: a taken one (another process's group of another type) answers
 * EEXIST/EINVAL, so try a few. */
#define FANOUT_TYPE (PACKET_FANOUT_CBPF | PACKET_FANOUT_FLAG_DEFRAG)

static int join_fanout(pcap_t *p, guint16 group)
{
  /* unsigned: FLAG_DEFRAG (0x8000) shifted into bit 31 does not fit a signed int */
  guint32 arg = (guint32) group | ((guint32) FANOUT_TYPE << 16);
  return setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) == 0 ? 0
                                                                                      : errno;
}

/* The group's program (any member sets it for all). */
static int set_fanout_program(pcap_t *p, guint n, const WtCaptureOptions *opts)
{
  struct bpf_program prog;
  wt_fanout_bpf_build(n, opts ? opts->tunnel_ports : NULL, opts ? opts->n_tunnel_ports : 0,
                      &prog);
  struct sock_fprog fp = { (unsigned short) prog.bf_len, (struct sock_filter *) prog.bf_insns };
  int rc = setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_FANOUT_DATA, &fp, sizeof fp) == 0
               ? 0 : errno;
  wt_fanout_bpf_free(&prog);
  return rc;
}

/* A BPF program that accepts nothing (also the pcapng reader's "cannot match"). */
static struct bpf_insn reject_all[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
static struct bpf_program no_match = { 1, reject_all };

/* The capture starts when the group is whole: until then every handle rejects every frame
 * (the kernel filter, and libpcap's userland pass over what is already in its ring), so no
 * frame is seen twice (a handle not yet in the group gets all of them) and no connection
 * starts on the first handle and goes on on another once the others joined. The rings are
 * drained before the real filter is set. */
static void ignore_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
  (void) user, (void) h, (void) bytes;
}

static void discard_pending(pcap_t *p)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_setnonblock(p, 1, errbuf);
  while (pcap_dispatch(p, -1, ignore_frame, NULL) > 0) {
  }
  pcap_setnonblock(p, 0, errbuf);
}

static gboolean set_member_filter(WtCaptureSource *src, pcap_t *p, const char *filter,
                                  GError **error)
{
  pcap_t *first = src->pcap;
  src->pcap = p; /* apply_filter compiles and sets on src->pcap */
  /* no filter: "" accepts every frame, replacing the reject-all of the joining step */
  gboolean ok = apply_filter(src, filter && *filter ? filter : " ", error);
  src->pcap = first;
  return ok;
}

WtCaptureSource *wt_capture_open_live_fanout(const char *iface, const WtCaptureOptions *opts,
                                             guint n, GError **error)
{
  g_return_val_if_fail(n >= 1, NULL);
  pcap_t **members = g_new0(pcap_t *, n);
  WtCaptureSource *src = NULL;
  guint16 group = (guint16) (getpid() & 0xffff);
  for (guint i = 0; i < n; i++) {
    if (!(members[i] = open_live_handle(iface, opts, error)))
      goto fail;
    pcap_setfilter(members[i], &no_match);
    int err = join_fanout(members[i], group);
    for (int tries = 0; i == 0 && err && err != ENOPROTOOPT && tries < 16; tries++)
      err = join_fanout(members[0], ++group);
    if (!err && i == n - 1)
      err = set_fanout_program(members[0], n, opts);
    if (err) {
      g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_UNSUPPORTED,
                  _("interface %s: PACKET_FANOUT (classic BPF, defrag) not available: %s"),
                  iface, g_strerror(err));
      goto fail;
    }
  }
  for (guint i = 0; i < n; i++)
    discard_pending(members[i]);
  src = live_source(members[0], iface);
  src->members = members;
  src->n_members = n;
  for (guint i = 0; i < n; i++)
    if (!set_member_filter(src, members[i], opts ? opts->filter : NULL, error)) {
      wt_capture_close(src);
      return NULL;
    }
  return src;
fail:
  for (guint i = 0; i < n; i++)
    if (members[i])
      pcap_close(members[i]);
  g_free(members);
  return NULL;
}

void wt_capture_close(WtCaptureSource *src)
{
  if (!src)
    return;
  wt_pcap_mmap_free(src->mm);
  wt_pcapng_free(src->ng);
  if (src->have_prog)
    pcap_freecode(&src->prog);
  if (src->progs)
    g_hash_table_destroy(src->progs);
  for (guint i = 1; i < src->n_members; i++)
    pcap_close(src->members[i]);
  g_free(src->members);
  if (src->pcap)
    pcap_close(src->pcap); /* also closes the FILE given to pcap_fopen_offline */
  wt_window_free(src->win); /* after the stdio view on it is closed */
  wt_window_share_free(src->share); /* the replicas' windows are freed already */
  g_free(src->filter);
  g_free(src->name);
  g_free(src);
}

typedef struct {
  WtFrameFunc fn;
  gpointer user;
  int linktype;
  gint64 scale;
} DispatchCtx;

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
  DispatchCtx *ctx = (DispatchCtx *) user;
  gint64 ts_ns = wt_capture_ts_ns((gint64) h->ts.tv_sec, (gint64) h->ts.tv_usec * ctx->scale);
  ctx->fn(ctx->user, ts_ns, h->caplen, h->len, bytes, ctx->linktype);
}

typedef struct {
  DispatchCtx ctx;
  WtCaptureSource *src;
} NgCtx;

static void ng_frame(gpointer user, const struct pcap_pkthdr *h, const guint8 *bytes, int dlt)
{
  NgCtx *c = user;
  c->ctx.linktype = dlt;
  on_frame((u_char *) &c->ctx, h, bytes);
}

static void free_prog(gpointer p)
{
  if (p)
    pcap_freecode(p);
  g_free(p);
}

/* The filter for frames of a pcapng interface: the one libpcap compiled for the file's
 * first link type, else compiled once per other link type (a filter that does not compile
 * for that link type passes nothing, as a BPF program that cannot match). */
static const struct bpf_program *ng_filter(gpointer user, int dlt)
{
  NgCtx *c = user;
  WtCaptureSource *src = c->src;
  if (!src->have_prog)
    return NULL;
  if (dlt == src->linktype)
    return &src->prog;
  if (!src->progs)
    src->progs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, free_prog);
  gpointer key = GINT_TO_POINTER(dlt), found;
  if (g_hash_table_lookup_extended(src->progs, key, NULL, &found))
    return found ? found : &no_match;
  struct bpf_program *prog = g_new0(struct bpf_program, 1);
  pcap_t *dead = pcap_open_dead(dlt, 262144);
  if (!dead || pcap_compile(dead, prog, src->filter, 1, PCAP_NETMASK_UNKNOWN) != 0)
    g_clear_pointer(&prog, g_free);
  if (dead)
    pcap_close(dead);
  g_hash_table_insert(src->progs, key, prog);
  return prog ? prog : &no_match;
}

int wt_capture_dispatch(WtCaptureSource *src, int max, WtFrameFunc fn, gpointer user,
                        GError **error)
{
  DispatchCtx ctx = { fn, user, src->linktype, src->ts_frac_scale };
  int n;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  NgCtx ng = { ctx, src };
  if (src->mm)
    n = wt_pcap_mmap_dispatch(src->mm, max < 0 ? 4096 : max, src->have_prog ? &src->prog : NULL,
                              fn, user, errbuf);
  else if (src->ng)
    n = wt_pcapng_dispatch(src->ng, max < 0 ? 4096 : max, src->have_prog ? ng_filter : NULL,
                           ng_frame, &ng, errbuf);
  else
    n = pcap_dispatch(src->pcap, max < 0 ? 4096 : max, on_frame, (u_char *) &ctx);
  if (n == PCAP_ERROR) {
    g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_READ, _("%s: %s"), src->name,
                block_reader(src) ? errbuf : pcap_geterr(src->pcap));
    return -1;
  }
  if (n == PCAP_ERROR_BREAK)
    return -2;
  return n;
}

void wt_capture_break(WtCaptureSource *src)
{
  if (src && src->mm)
    wt_pcap_mmap_break(src->mm);
  if (src && src->ng)
    wt_pcapng_break(src->ng);
  if (src && src->pcap)
    pcap_breakloop(src->pcap);
  for (guint i = 1; src && i < src->n_members; i++)
    pcap_breakloop(src->members[i]);
}

int wt_capture_linktype(const WtCaptureSource *src) { return src->linktype; }
const char *wt_capture_name(const WtCaptureSource *src) { return src->name; }
gboolean wt_capture_is_live(const WtCaptureSource *src) { return src->live; }

gboolean wt_capture_progress(WtCaptureSource *src, gint64 *pos, gint64 *size)
{
  if (src->live || src->size <= 0 || !src->file)
    return FALSE;
  gint64 replica = __atomic_load_n(&src->replica_pos, __ATOMIC_RELAXED);
  long p = replica ? (long) (replica - 1)
           : src->mm ? (long) wt_pcap_mmap_offset(src->mm)
           : src->ng ? (long) wt_pcapng_offset(src->ng) : ftell(src->file);
  if (p < 0)
    return FALSE;
  *pos = p;
  *size = src->size;
  return TRUE;
}

gboolean wt_capture_stats(WtCaptureSource *src, guint64 *received, guint64 *dropped,
                          guint64 *if_dropped)
{
  if (!src->live)
    return FALSE;
  *received = *dropped = *if_dropped = 0;
  /* a fanout group: each handle counts the frames the kernel gave it or dropped for it */
  for (guint i = 0; i < wt_capture_members(src); i++) {
    struct pcap_stat ps;
    if (pcap_stats(src->members ? src->members[i] : src->pcap, &ps) != 0)
      return FALSE;
    *received += ps.ps_recv;
    *dropped += ps.ps_drop;
    *if_dropped += ps.ps_ifdrop;
  }
  return TRUE;
}

int wt_capture_selectable_fd(WtCaptureSource *src) { return pcap_get_selectable_fd(src->pcap); }

void wt_capture_set_nonblocking(WtCaptureSource *src, gboolean nonblock)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_setnonblock(src->pcap, nonblock ? 1 : 0, errbuf);
  for (guint i = 1; i < src->n_members; i++)
    pcap_setnonblock(src->members[i], nonblock ? 1 : 0, errbuf);
}

guint wt_capture_members(const WtCaptureSource *src)
{
  return src->members ? src->n_members : 1;
}

int wt_capture_member_fd(WtCaptureSource *src, guint i)
{
  return pcap_get_selectable_fd(src->members ? src->members[i] : src->pcap);
}

int wt_capture_dispatch_member(WtCaptureSource *src, guint i, int max, WtFrameFunc fn,
                               gpointer user, GError **error)
{
  if (!src->members)
    return wt_capture_dispatch(src, max, fn, user, error);
  pcap_t *p = src->members[i];
  DispatchCtx ctx = { fn, user, src->linktype, src->ts_frac_scale };
  int n = pcap_dispatch(p, max < 0 ? 4096 : max, on_frame, (u_char *) &ctx);
  if (n == PCAP_ERROR) {
    g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_READ, _("%s: %s"), src->name,
                pcap_geterr(p));
    return -1;
  }
  return n == PCAP_ERROR_BREAK ? -2 : n;
}

/* ---- replicas: one more reader of the same pcap file ---------------------------------- */

struct WtCaptureReplica {
  WtCaptureSource *src;
  WtWindow *win;
  WtPcapMmap *mm;
  gboolean progress;
};

/* The workers hand each other frames by their place in this one mapping, which stays
 * until the last replica is done: without it (the file cannot be mapped whole) the frames
 * would be in windows that move on, so the caller reads another way. */
gboolean wt_capture_can_replicate(WtCaptureSource *src)
{
  if (src->mm == NULL || src->live || !src->file || wt_window_size(src->win) < 0)
    return FALSE;
  if (!src->share_tried) {
    src->share = wt_window_share_new(fileno(src->file));
    src->share_tried = TRUE;
  }
  return src->share != NULL;
}

WtCaptureReplica *wt_capture_replica_new(WtCaptureSource *src, gboolean progress)
{
  g_return_val_if_fail(wt_capture_can_replicate(src), NULL);
  WtWindow *win = wt_window_new_shared(src->share);
  WtPcapMmap *mm = win ? wt_pcap_mmap_open(win, pcap_snapshot(src->pcap), src->linktype)
                       : NULL;
  if (!mm) {
    wt_window_free(win);
    return NULL;
  }
  WtCaptureReplica *r = g_new0(WtCaptureReplica, 1);
  r->src = src;
  r->win = win;
  r->mm = mm;
  r->progress = progress;
  return r;
}

void wt_capture_replica_free(WtCaptureReplica *r)
{
  if (!r)
    return;
  wt_pcap_mmap_free(r->mm);
  wt_window_free(r->win);
  g_free(r);
}

int wt_capture_replica_dispatch(WtCaptureReplica *r, int max, WtFrameFunc fn, gpointer user,
                                GError **error)
{
  WtCaptureSource *src = r->src;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  /* the compiled filter is only read (pcap_offline_filter): shared by every replica */
  int n = wt_pcap_mmap_dispatch(r->mm, max < 0 ? 4096 : max,
                                src->have_prog ? &src->prog : NULL, fn, user, errbuf);
  if (r->progress)
    __atomic_store_n(&src->replica_pos, wt_pcap_mmap_offset(r->mm) + 1, __ATOMIC_RELAXED);
  if (n == PCAP_ERROR) {
    g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_READ, _("%s: %s"), src->name,
                errbuf);
    return -1;
  }
  return n == PCAP_ERROR_BREAK ? -2 : n;
}

gint64 wt_capture_replica_offset(const WtCaptureReplica *r)
{
  return wt_pcap_mmap_offset(r->mm);
}

gint64 wt_capture_replica_touch(WtCaptureReplica *r, gint64 offset, gint64 len)
{
  return wt_window_touch(r->win, offset, len);
}

void wt_capture_replica_hold(WtCaptureReplica *r, gint64 offset)
{
  wt_window_release(r->win, offset);
}

void wt_capture_replica_done(WtCaptureReplica *r)
{
  wt_window_done(r->win);
}

int wt_capture_drain_member(WtCaptureSource *src, guint i, WtFrameFunc fn, gpointer user)
{
  if (!src->live)
    return 0;
  pcap_t *p = src->members ? src->members[i] : src->pcap;
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_setnonblock(p, 1, errbuf);
  g_usleep((WT_CAPTURE_BLOCK_TIMEOUT_MS + 20) * 1000); /* the kernel's block timer closes it */
  DispatchCtx ctx = { fn, user, src->linktype, src->ts_frac_scale };
  int total = 0, n = pcap_dispatch(p, 4096, on_frame, (u_char *) &ctx);
  if (n == PCAP_ERROR_BREAK) /* a stop asked before this read: it is this read's to end */
    n = pcap_dispatch(p, 4096, on_frame, (u_char *) &ctx);
  while (n > 0) {
    total += n;
    n = pcap_dispatch(p, 4096, on_frame, (u_char *) &ctx);
  }
  return total;
}

gboolean wt_capture_list_interfaces(FILE *out, GError **error)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_if_t *devs = NULL;
  if (pcap_findalldevs(&devs, errbuf) != 0) {
    g_set_error(error, WT_CAPTURE_ERROR, WT_CAPTURE_ERROR_OPEN,
                _("cannot list interfaces: %s"), errbuf);
    return FALSE;
  }
  int i = 1;
  for (pcap_if_t *d = devs; d; d = d->next, i++)
    fprintf(out, "%d.%s%s%s%s\n", i, d->name, d->description ? " (" : "",
            d->description ? d->description : "", d->description ? ")" : "");
  pcap_freealldevs(devs);
  return TRUE;
}
