/* Reading classic pcap files through mmap instead of libpcap's fread: the frames are read
 * in place from a sliding window of the file mapping (the kernel copies nothing), so a
 * large capture costs little more than its page faults; standard input and pipes through a
 * buffer filled by large reads (capture-window.h). Only in the
 * common case (the four standard magics, version 2.4, link types with libpcap's default
 * 262144-byte sanity limit, and for byte-swapped files only link types whose pseudo-headers
 * libpcap leaves alone); everything else stays on libpcap. Frames, timestamps, lengths,
 * filtering and error messages are exactly libpcap 1.10's (sf-pcap.c pcap_next_packet,
 * savefile.c pcap_offline_read). WIRETAB_NO_MMAP=1 in the environment turns it off.
 * A file cut short by another process while it is being read would fault (SIGBUS) instead
 * of ending early: a capture still being written is read as a stream (`-r -`). */
#pragma once
#include <glib.h>
#include <pcap/pcap.h>

#include "analyzer/capture/capture-window.h"

/* The reserved bits of a pcap file header's link-type field (libpcap 1.10.5's LT_RESERVED1):
 * a file with any of them set is refused (savefile linktype reserved field not zero). The
 * FCS length (top 4 bits), the bit below it and "FCS length present" (0x04000000) are not
 * part of it: libpcap and Wireshark read such files. */
#define WT_PCAP_LT_RESERVED1(x) ((guint32) (x) & 0x03FF0000u)

typedef struct WtPcapMmap WtPcapMmap;

/* Link types whose frames libpcap 1.10 hands over from a file unchanged (no pseudo-header
 * rewriting for a file of the other byte order) and whose snapshot limit is 262144: the
 * block readers take only these, and leave the rest to libpcap. */
gboolean wt_pcap_dlt_supported(int dlt, gboolean swapped);

/* `w` holds the capture file's bytes (not consumed, outlives the reader), `snapshot`
 * pcap_snapshot() and `dlt` pcap_datalink() of the libpcap handle that already validated
 * the file header. NULL when this file is not one the reader takes (the caller then keeps
 * libpcap). */
WtPcapMmap *wt_pcap_mmap_open(WtWindow *w, int snapshot, int dlt);
void wt_pcap_mmap_free(WtPcapMmap *m);

/* One frame, as capture.h's WtFrameFunc: capture time in nanoseconds (capture-ts.h),
 * captured and wire lengths, the bytes, the file's link type. */
typedef void (*WtPcapMmapFunc)(gpointer user, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                               const guint8 *bytes, int linktype);

/* pcap_dispatch() for offline files: up to `cnt` frames that pass `filter` (NULL: all;
 * cnt <= 0: no limit), handed to `fn` directly (no pcap_pkthdr callback in between: one
 * call per frame instead of three). Returns the number delivered, 0 at end of file, PCAP_ERROR (message
 * in errbuf, PCAP_ERRBUF_SIZE bytes) or PCAP_ERROR_BREAK. Frame bytes are valid until the
 * next call or the next frame. */
int wt_pcap_mmap_dispatch(WtPcapMmap *m, int cnt, const struct bpf_program *filter,
                          WtPcapMmapFunc fn, gpointer user, char *errbuf);
/* Async-signal-safe, like pcap_breakloop(). */
void wt_pcap_mmap_break(WtPcapMmap *m);
/* File offset of the next record, for progress. */
gint64 wt_pcap_mmap_offset(const WtPcapMmap *m);
