/* Reading pcapng files without libpcap's per-block fread and copy: blocks are read in place
 * from the capture window (a file mapping, or large reads from a pipe; capture-window.h).
 * Frames, timestamps, lengths, filtering and error messages are libpcap 1.10's
 * (sf-pcapng.c pcap_ng_next_packet) for every file libpcap reads, and more is read:
 * - interfaces of different link types or snapshot lengths (libpcap stops at the first
 *   interface that differs from the first one): each frame carries its interface's type;
 * - Decryption Secrets Blocks (the TLS key log `editcap --inject-secrets` writes) are handed
 *   to a callback, in file order, before the frames that follow them.
 * libpcap has validated the first section header and interface (the file opened); a first
 * interface of a link type wt_pcap_dlt_supported() refuses leaves the file to libpcap. */
#pragma once
#include <glib.h>
#include <pcap/pcap.h>

#include "analyzer/capture/capture-window.h"

typedef struct WtPcapng WtPcapng;

/* Secrets of a Decryption Secrets Block: `type` its secrets type (0x544c534b: TLS key log,
 * NSS format), the bytes as stored (without padding). Borrowed for the call. */
typedef void (*WtSecretsFunc)(guint32 type, const guint8 *data, gsize len, gpointer user);
#define WT_SECRETS_TLS_KEY_LOG 0x544c534bu

/* `snapshot` and `dlt` of the libpcap handle that opened the file. NULL when the reader does
 * not take it. `on_secrets` may be NULL. */
WtPcapng *wt_pcapng_open(WtWindow *w, int snapshot, int dlt, WtSecretsFunc on_secrets,
                         gpointer secrets_user);
void wt_pcapng_free(WtPcapng *r);

typedef void (*WtPcapngFunc)(gpointer user, const struct pcap_pkthdr *h, const guint8 *bytes,
                             int dlt);
/* The compiled filter for frames of link type `dlt` (NULL or no instructions: all pass). */
typedef const struct bpf_program *(*WtPcapngFilterFunc)(gpointer user, int dlt);

/* As wt_pcap_mmap_dispatch(): up to `cnt` frames passing the filter (cnt <= 0: no limit);
 * the number delivered, 0 at end of file, PCAP_ERROR (errbuf) or PCAP_ERROR_BREAK. */
int wt_pcapng_dispatch(WtPcapng *r, int cnt, WtPcapngFilterFunc filter_for, WtPcapngFunc fn,
                       gpointer user, char *errbuf);
void wt_pcapng_break(WtPcapng *r);
gint64 wt_pcapng_offset(const WtPcapng *r);
