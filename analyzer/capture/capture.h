/* Capture sources: a live interface or capture files, both through libpcap. A source yields
 * frames with nanosecond timestamps; the bytes are borrowed until the next read. */
#pragma once
#include <glib.h>
#include <pcap.h>

/* Secrets a capture file carries (pcapng Decryption Secrets Blocks): `type` the secrets
 * type (0x544c534b: a TLS key log in the NSS format), the bytes borrowed for the call. Called
 * while frames are read, before the frames that follow the block in the file. */
typedef void (*WtCaptureSecretsFunc)(guint32 type, const guint8 *data, gsize len,
                                     gpointer user);

typedef struct {
  const char *filter;      /* BPF expression or NULL */
  WtCaptureSecretsFunc on_secrets; /* files: NULL to ignore secrets */
  gpointer secrets_user;
  int snaplen;             /* live: default 262144 */
  gboolean promisc;        /* live: default TRUE */
  int buffer_size;         /* live: kernel buffer bytes, 0 = libpcap default */
  /* live fanout: the UDP ports whose datagrams go by their addresses only (tunnels) */
  const guint16 *tunnel_ports;
  guint n_tunnel_ports;
} WtCaptureOptions;

typedef struct WtCaptureSource WtCaptureSource;

/* Live: the kernel hands a block of frames over when it is full or this old (libpcap's
 * buffer timeout); a reader that stops waits this long once more and drains the ring
 * (wt_capture_drain) so the last frames are not lost. */
#define WT_CAPTURE_BLOCK_TIMEOUT_MS 50

typedef enum {
  WT_CAPTURE_ERROR_OPEN,       /* missing, unreadable, not a capture, no such interface */
  WT_CAPTURE_ERROR_PERMISSION, /* live capture without the rights */
  WT_CAPTURE_ERROR_FILTER,     /* bad BPF expression */
  WT_CAPTURE_ERROR_READ,       /* damaged file mid-way, interface went away */
  WT_CAPTURE_ERROR_UNSUPPORTED, /* the kernel has no PACKET_FANOUT (classic BPF, defrag) */
} WtCaptureError;
#define WT_CAPTURE_ERROR wt_capture_error_quark()
GQuark wt_capture_error_quark(void);

/* `path` "-" is standard input. */
WtCaptureSource *wt_capture_open_file(const char *path, const WtCaptureOptions *opts,
                                      GError **error);
WtCaptureSource *wt_capture_open_live(const char *iface, const WtCaptureOptions *opts,
                                      GError **error);
/* n handles on the interface in one PACKET_FANOUT group spread by a classic BPF program
 * (fanout-bpf.h: every frame of a flow, both directions, to one handle, a UDP tunnel on
 * opts->tunnel_ports with the flows inside it; IPv4 fragments reassembled first): each
 * frame reaches exactly one handle. The filter is set on every handle; stats add every
 * handle's. Error WT_CAPTURE_ERROR_UNSUPPORTED: no such fanout here (open one handle
 * instead). */
WtCaptureSource *wt_capture_open_live_fanout(const char *iface, const WtCaptureOptions *opts,
                                             guint n, GError **error);
void wt_capture_close(WtCaptureSource *src);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtCaptureSource, wt_capture_close)

/* One frame: capture time in nanoseconds since the epoch (microsecond files and interfaces
 * are scaled), captured and wire lengths, borrowed bytes, link type. */
typedef void (*WtFrameFunc)(gpointer user, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                            const guint8 *bytes, int linktype);

/* Read up to `max` frames (-1: a batch of the source's choosing), calling fn for each.
 * Returns the number read, 0 at end of file (or live timeout with nothing), -1 on error
 * (error set), -2 when wt_capture_break() stopped it. */
int wt_capture_dispatch(WtCaptureSource *src, int max, WtFrameFunc fn, gpointer user,
                        GError **error);
/* Async-signal-safe: make the current dispatch return. */
void wt_capture_break(WtCaptureSource *src);

int wt_capture_linktype(const WtCaptureSource *src);
const char *wt_capture_name(const WtCaptureSource *src);
gboolean wt_capture_is_live(const WtCaptureSource *src);
/* Bytes of the file read so far and its size (for progress); FALSE if unknown. */
gboolean wt_capture_progress(WtCaptureSource *src, gint64 *pos, gint64 *size);
/* Live only: frames dropped by the kernel and the interface (pcap_stats; the sum over
 * every handle of a fanout source). */
gboolean wt_capture_stats(WtCaptureSource *src, guint64 *received, guint64 *dropped,
                          guint64 *if_dropped);
int wt_capture_selectable_fd(WtCaptureSource *src);
/* Live: dispatch returns at once when no frame is ready (wait on the selectable fd). */
void wt_capture_set_nonblocking(WtCaptureSource *src, gboolean nonblock);

/* Handles of a fanout source (1 for any other source). Each member may be read by its own
 * thread: wt_capture_dispatch_member and its fd; wt_capture_break stops them all. */
guint wt_capture_members(const WtCaptureSource *src);
int wt_capture_member_fd(WtCaptureSource *src, guint i);
int wt_capture_dispatch_member(WtCaptureSource *src, guint i, int max, WtFrameFunc fn,
                               gpointer user, GError **error);

/* --threads on plain pcap files: the workers read the file through a replica of the
 * source (its own window on the whole-file mapping and its own read position; the
 * source's BPF filter) and analyse frames in the mapping, so no thread copies frames for
 * another; further replicas only hold the pages other threads still analyse. Only for a
 * file the mmap reader reads (classic pcap, mapped): not pcapng, standard input, libpcap's
 * reader or live capture, nor a file that cannot be mapped whole (the first call maps it). */
gboolean wt_capture_can_replicate(WtCaptureSource *src);
typedef struct WtCaptureReplica WtCaptureReplica;
/* src outlives the replica. With `progress`, wt_capture_progress(src) reports this
 * replica's position (read from another thread). NULL when the file cannot be mapped. */
WtCaptureReplica *wt_capture_replica_new(WtCaptureSource *src, gboolean progress);
void wt_capture_replica_free(WtCaptureReplica *r);
/* As wt_capture_dispatch (the same frames, errors and messages), from the replica's own
 * position; may run on any thread, several replicas of one source at once. */
int wt_capture_replica_dispatch(WtCaptureReplica *r, int max, WtFrameFunc fn, gpointer user,
                                GError **error);
/* The file offset of the replica's next frame. */
gint64 wt_capture_replica_offset(const WtCaptureReplica *r);
/* A replica that reads nothing but holds the file from `offset` on in memory (another
 * thread still analyses frames there, referred to in the mapping): offsets only grow. */
void wt_capture_replica_hold(WtCaptureReplica *r, gint64 offset);
/* Maps the file's pages in [offset, offset + len) now (wt_window_touch). */
gint64 wt_capture_replica_touch(WtCaptureReplica *r, gint64 offset, gint64 len);
/* This replica reads no more (the end of the file, an error, a stop): other replicas never
 * wait for it. */
void wt_capture_replica_done(WtCaptureReplica *r);

/* Live: the frames the kernel still holds once the reader stopped (a block not yet handed
 * over): waits for the block timeout once, then reads, without waiting, what is ready on
 * handle i (0 for a source of one handle). wt_capture_break during it ends it. Returns
 * the frames read; 0 for files. */
int wt_capture_drain_member(WtCaptureSource *src, guint i, WtFrameFunc fn, gpointer user);

/* Print the interfaces libpcap can capture on (-D). */
gboolean wt_capture_list_interfaces(FILE *out, GError **error);
