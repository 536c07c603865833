/* sd_notify for wiretab@.service. See service-notify.h. */
#include "analyzer/cli/service-notify.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#ifdef WT_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#define STATUS_EVERY_US (5 * G_USEC_PER_SEC)

struct WtServiceNotify {
  gboolean active;        /* NOTIFY_SOCKET was given */
  guint64 watchdog_us;    /* WatchdogSec= (0: none) */
  gint64 last_watchdog, last_status; /* monotonic, microseconds */
  char *source;
};

static void notify(const WtServiceNotify *n, const char *state)
{
#ifdef WT_HAVE_SYSTEMD
  if (n->active)
    sd_notify(0, state);
#else
  (void) n;
  (void) state;
#endif
}

WtServiceNotify *wt_service_notify_new(void)
{
  WtServiceNotify *n = g_new0(WtServiceNotify, 1);
#ifdef WT_HAVE_SYSTEMD
  n->active = g_getenv("NOTIFY_SOCKET") != NULL;
  uint64_t usec = 0;
  if (n->active && sd_watchdog_enabled(0, &usec) > 0)
    n->watchdog_us = usec;
#endif
  return n;
}

void wt_service_notify_free(WtServiceNotify *n)
{
  if (!n)
    return;
  g_free(n->source);
  g_free(n);
}

void wt_service_notify_ready(WtServiceNotify *n, const char *source)
{
  if (!n->active)
    return;
  g_free(n->source);
  n->source = g_strdup(source);
  g_autofree char *status = g_strdup_printf(_("capturing on %s"), source);
  g_autofree char *msg = g_strdup_printf("READY=1\nSTATUS=%s", status);
  notify(n, msg);
  n->last_watchdog = n->last_status = g_get_monotonic_time();
  if (n->watchdog_us)
    notify(n, "WATCHDOG=1");
}

void wt_service_notify_watchdog(WtServiceNotify *n)
{
  if (!n->active || !n->watchdog_us)
    return;
  gint64 now = g_get_monotonic_time();
  if (now - n->last_watchdog >= (gint64) (n->watchdog_us / 2)) {
    notify(n, "WATCHDOG=1");
    n->last_watchdog = now;
  }
}

gboolean wt_service_notify_status_due(const WtServiceNotify *n)
{
  return n->active && g_get_monotonic_time() - n->last_status >= STATUS_EVERY_US;
}

void wt_service_notify_status(WtServiceNotify *n, guint64 frames, guint64 kernel_drops)
{
  if (!n->active)
    return;
  g_autofree char *status = g_strdup_printf(_("%s: %llu packets, %llu dropped by the kernel"),
                                            n->source ? n->source : "",
                                            (unsigned long long) frames,
                                            (unsigned long long) kernel_drops);
  g_autofree char *msg = g_strdup_printf("STATUS=%s", status);
  notify(n, msg);
  n->last_status = g_get_monotonic_time();
}

void wt_service_notify_stopping(WtServiceNotify *n)
{
  notify(n, "STOPPING=1");
}
