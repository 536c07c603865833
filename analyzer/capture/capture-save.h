/* -w FILE: save the frames wiretab analyses as a pcap file, as tcpdump -w does (live: what
 * the interface delivered after the filter; files: the frames read, after the filter).
 * Written with nanosecond timestamps (pcap magic a1b23c4d), which tcpdump, tshark,
 * capinfos and Wireshark read. */
#pragma once
#include <glib.h>

typedef struct WtCaptureSave WtCaptureSave;

/* Create (truncate) `path` ("-": standard output) for frames of `linktype`, `snaplen`
 * bytes at most per frame. */
WtCaptureSave *wt_capture_save_open(const char *path, int linktype, int snaplen,
                                    GError **error);
/* One frame (the WtFrameFunc arguments). A frame of another link type than the file's
 * cannot be stored in a pcap file: it is skipped and counted. */
void wt_capture_save_frame(WtCaptureSave *s, gint64 ts_ns, guint32 caplen, guint32 wirelen,
                           const guint8 *bytes, int linktype);
/* Push what is buffered to the file (live capture: each refresh, so the file is readable
 * while wiretab runs). */
void wt_capture_save_flush(WtCaptureSave *s);
guint64 wt_capture_save_written(const WtCaptureSave *s);
guint64 wt_capture_save_skipped(const WtCaptureSave *s);
/* Flush and close; FALSE with error set when the data did not reach the file (disk full). */
gboolean wt_capture_save_close(WtCaptureSave *s, GError **error);
