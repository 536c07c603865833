/* The SSH tap. See ssh-stats.h. */
#include "dissectors/ssh/ssh-stats.h"

#include <glib/gi18n.h>
#include <string.h>

#include "analyzer/core/top-n.h"

#define SSH_MAX_NAMES 1000     /* distinct software strings / algorithms kept per table */
#define SSH_DEFAULT_ROWS 10

/* The tables, in report order: key, label, name column. */
enum { T_CLIENT, T_SERVER, T_VERSIONS, T_KEX, T_HOST_KEY, T_CIPHER, T_MAC, T_COMPRESSION,
       N_TABLES };
static const struct {
  const char *key, *label, *col, *col_label;
} tables[N_TABLES] = {
  { "client_software", N_("Client software"), "software", N_("Software") },
  { "server_software", N_("Server software"), "software", N_("Software") },
  { "versions", N_("Protocol versions (client's)"), NULL, NULL },
  { "kex_alg", N_("Key exchange"), NULL, NULL },
  { "host_key_alg", N_("Host key"), NULL, NULL },
  { "cipher_alg", N_("Cipher (client to server)"), NULL, NULL },
  { "mac_alg", N_("MAC (client to server)"), NULL, NULL },
  { "compression_alg", N_("Compression (client to server)"), NULL, NULL },
};

struct WtSshStats {
  guint64 connections;   /* an identification string seen on at least one side */
  guint64 kex_seen;      /* both KEXINITs seen: the algorithms are known */
  guint64 not_ssh, malformed, gaps;
  WtTopN *t[N_TABLES];
};

gpointer wt_ssh_stats_new(void)
{
  WtSshStats *s = g_new0(WtSshStats, 1);
  for (int i = 0; i < N_TABLES; i++)
    s->t[i] = wt_top_n_new(SSH_MAX_NAMES);
  return s;
}

void wt_ssh_stats_free(gpointer p)
{
  WtSshStats *s = p;
  if (!s)
    return;
  for (int i = 0; i < N_TABLES; i++)
    wt_top_n_free(s->t[i]);
  g_free(s);
}

void wt_ssh_stats_merge(gpointer into_p, gpointer from_p)
{
  WtSshStats *into = into_p, *from = from_p;
  into->connections += from->connections;
  into->kex_seen += from->kex_seen;
  into->not_ssh += from->not_ssh;
  into->malformed += from->malformed;
  into->gaps += from->gaps;
  for (int i = 0; i < N_TABLES; i++)
    wt_top_n_merge(into->t[i], from->t[i]);
}

static void add(WtSshStats *s, int table, const char *name)
{
  if (name)
    wt_top_n_add(s->t[table], name, 1);
}

void wt_ssh_stats_add(WtSshStats *s, const WtSshConnSummary *c)
{
  s->not_ssh += c->not_ssh;
  s->malformed += c->malformed;
  s->gaps += c->gaps;
  if (!c->client && !c->server)
    return;
  s->connections++;
  add(s, T_CLIENT, c->client);
  add(s, T_SERVER, c->server);
  add(s, T_VERSIONS, c->version);
  if (c->kex_alg || c->cipher_alg)
    s->kex_seen++;
  add(s, T_KEX, c->kex_alg);
  add(s, T_HOST_KEY, c->host_key_alg);
  add(s, T_CIPHER, c->cipher_alg);
  add(s, T_MAC, c->mac_alg);
  add(s, T_COMPRESSION, c->compression_alg);
}

/* The charts of section "ssh" (the page's figure numbers 16 and 17). */
static const WtChartHint section_charts[] = {
  { .id = 16, .item = "kex_alg", .kind = "bars", .title = N_("SSH key exchange algorithms") },
  { .id = 17, .item = "cipher_alg", .kind = "bars", .title = N_("SSH ciphers") },
};

void wt_ssh_stats_report(gpointer p, const WtReportOptions *opts, WtReport *r)
{
  WtSshStats *s = p;
  guint rows = opts && opts->top_n ? opts->top_n : SSH_DEFAULT_ROWS;
  WtSection *sec = wt_report_section(r, "ssh", _("SSH connections"));
  if (s->connections)
    wt_section_charts(sec, section_charts, G_N_ELEMENTS(section_charts));
  wt_section_u64(sec, "connections", _("Connections"), s->connections);
  wt_section_u64(sec, "kex_seen", _("Key exchange seen (algorithms known)"), s->kex_seen);
  wt_section_u64(sec, "not_ssh", _("Connections on the SSH port not speaking SSH"), s->not_ssh);
  wt_section_u64(sec, "malformed", _("Malformed handshakes"), s->malformed);
  wt_section_u64(sec, "gaps", _("Handshakes cut by a capture gap"), s->gaps);
  for (int i = 0; i < N_TABLES; i++) {
    if (tables[i].col)
      wt_top_n_report_table(s->t[i], sec, tables[i].key, _(tables[i].label), tables[i].col,
                            _(tables[i].col_label), rows, s->connections);
    else
      wt_top_n_report_map(s->t[i], sec, tables[i].key, _(tables[i].label));
  }
}

guint64 wt_ssh_stats_get(const WtSshStats *s, const char *name)
{
  static const struct { const char *name; gsize off; } scalars[] = {
    { "connections", G_STRUCT_OFFSET(WtSshStats, connections) },
    { "kex_seen", G_STRUCT_OFFSET(WtSshStats, kex_seen) },
    { "not_ssh", G_STRUCT_OFFSET(WtSshStats, not_ssh) },
    { "malformed", G_STRUCT_OFFSET(WtSshStats, malformed) },
    { "gaps", G_STRUCT_OFFSET(WtSshStats, gaps) },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++)
    if (strcmp(scalars[i].name, name) == 0)
      return *(const guint64 *) ((const guint8 *) s + scalars[i].off);
  return 0;
}

guint64 wt_ssh_stats_count(const WtSshStats *s, const char *table, const char *key)
{
  for (int i = 0; i < N_TABLES; i++)
    if (strcmp(tables[i].key, table) == 0)
      return wt_top_n_get(s->t[i], key);
  return 0;
}

/* --- timeline series ---------------------------------------------------------------- */

guint wt_ssh_series_col[WT_SSH_N_SERIES];

static const WtSeriesDef series_defs[WT_SSH_N_SERIES] = {
  { &wt_ssh_series_col[WT_SSH_SERIES_CONNECTIONS], "ssh_connections", N_("SSH connections") },
};

static const WtChartHint series_charts[] = {
  { .id = 18, .item = "timeline", .kind = "series", .title = N_("SSH connections per second"),
    .options = "\"fields\":[\"ssh_connections\"]," WT_SERIES_CHART_PER_SECOND, .wide = TRUE },
};

const WtSeriesGroup wt_ssh_series = {
  .section = "ssh",
  .defs = series_defs,
  .n_defs = G_N_ELEMENTS(series_defs),
  .charts = series_charts,
  .n_charts = G_N_ELEMENTS(series_charts),
};
