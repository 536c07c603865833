/* Readiness, watchdog and status for a service manager (systemd's sd_notify protocol,
 * through libsystemd): READY=1 once the capture is open, WATCHDOG=1 from the capture loop
 * (so a loop that hangs gets the service restarted), STATUS= with what was captured, and
 * STOPPING=1 at the end. Every call does nothing when the process was not started with
 * NOTIFY_SOCKET (a shell, a test) or wiretab was built without libsystemd. */
#pragma once
#include <glib.h>

typedef struct WtServiceNotify WtServiceNotify;

WtServiceNotify *wt_service_notify_new(void);
void wt_service_notify_free(WtServiceNotify *n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WtServiceNotify, wt_service_notify_free)

/* The interfaces or files are open and the capture starts. */
void wt_service_notify_ready(WtServiceNotify *n, const char *source);
/* From the capture loop, at least every few hundred milliseconds: WATCHDOG=1 every half
 * of the watchdog interval (WatchdogSec=). */
void wt_service_notify_watchdog(WtServiceNotify *n);
/* TRUE every few seconds: time for wt_service_notify_status. */
gboolean wt_service_notify_status_due(const WtServiceNotify *n);
/* STATUS= with the counts so far (systemctl status shows it). */
void wt_service_notify_status(WtServiceNotify *n, guint64 frames, guint64 kernel_drops);
/* The capture ends: the report and the last logs are written now. */
void wt_service_notify_stopping(WtServiceNotify *n);
