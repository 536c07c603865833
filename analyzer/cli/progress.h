/* The progress bar for reading capture files: one line on a terminal (stderr), redrawn at
 * most five times a second: bar, percent of the input bytes read, packets, packets/s,
 * elapsed and remaining time. Several files are one input (their sizes are summed);
 * standard input has no size, so it shows packets, rate and elapsed time only. */
#pragma once
#include <glib.h>
#include <stdio.h>
#include "analyzer/capture/capture.h"

typedef struct WtProgress WtProgress;

/* `sources`: the WtCaptureSource inputs in reading order (borrowed; they must outlive the
 * progress). `enabled` FALSE (not a terminal, -q, live capture): every call does nothing. */
WtProgress *wt_progress_new(FILE *out, GPtrArray *sources, gboolean enabled);
void wt_progress_free(WtProgress *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtProgress, wt_progress_free)

/* Cheap; call after every batch of frames. Redraws when 200 ms have passed since the last
 * drawing. `current` is the source being read, `packets` the frames read in all. */
void wt_progress_tick(WtProgress *p, WtCaptureSource *current, guint64 packets);
/* Erase the line, so the report (or a warning) starts on a clean line. Drawing resumes at
 * the next tick. */
void wt_progress_clear(WtProgress *p);

/* The line for these numbers, at most `width` display columns (tests call it directly).
 * total < 0: size unknown (no bar, percent or remaining time). */
char *wt_progress_format(gint64 done, gint64 total, guint64 packets, double elapsed_s,
                         guint width);

/* "1:02:03" / "02:03"; "--:--" for a negative or absurd value. */
void wt_progress_format_duration(GString *out, double seconds);
/* "1,234,567" */
void wt_format_thousands(GString *out, guint64 v);
/* Display columns of UTF-8 text (CJK characters are two columns wide). */
glong wt_text_width(const char *s);
