/* The SOCKS tap. See socks-stats.h. */
#include "dissectors/socks/socks-stats.h"

#include <glib/gi18n.h>
#include <string.h>

#include "analyzer/core/top-n.h"

#define SOCKS_MAX_NAMES 1000   /* distinct targets (and other names) kept per table */
#define SOCKS_DEFAULT_ROWS 10

enum { T_VERSIONS, T_COMMANDS, T_AUTH, T_REPLIES, T_TARGETS, N_TABLES };
static const struct {
  const char *key, *label, *col, *col_label;
} tables[N_TABLES] = {
  { "socks_versions", N_("SOCKS versions"), NULL, NULL },
  { "socks_commands", N_("SOCKS commands"), NULL, NULL },
  { "socks_auth", N_("SOCKS 5 authentication methods"), NULL, NULL },
  { "socks_replies", N_("SOCKS replies"), NULL, NULL },
  { "socks_targets", N_("SOCKS targets"), "target", N_("Target") },
};

struct WtSocksStats {
  guint64 handshakes;    /* a request seen */
  guint64 granted, refused, auth_failed, handed_off, not_socks, malformed, gaps;
  WtTopN *t[N_TABLES];
};

gpointer wt_socks_stats_new(void)
{
  WtSocksStats *s = g_new0(WtSocksStats, 1);
  for (int i = 0; i < N_TABLES; i++)
    s->t[i] = wt_top_n_new(SOCKS_MAX_NAMES);
  return s;
}

void wt_socks_stats_free(gpointer p)
{
  WtSocksStats *s = p;
  if (!s)
    return;
  for (int i = 0; i < N_TABLES; i++)
    wt_top_n_free(s->t[i]);
  g_free(s);
}

void wt_socks_stats_merge(gpointer into_p, gpointer from_p)
{
  WtSocksStats *into = into_p, *from = from_p;
  into->handshakes += from->handshakes;
  into->granted += from->granted;
  into->refused += from->refused;
  into->handed_off += from->handed_off;
  into->auth_failed += from->auth_failed;
  into->not_socks += from->not_socks;
  into->malformed += from->malformed;
  into->gaps += from->gaps;
  for (int i = 0; i < N_TABLES; i++)
    wt_top_n_merge(into->t[i], from->t[i]);
}

static void add(WtSocksStats *s, int table, const char *name)
{
  if (name)
    wt_top_n_add(s->t[table], name, 1);
}

void wt_socks_stats_add(WtSocksStats *s, const WtSocksConnSummary *c)
{
  s->not_socks += c->not_socks;
  s->malformed += c->malformed;
  s->gaps += c->gaps;
  s->handed_off += c->handed_off;
  s->auth_failed += c->auth_failed;
  if (!c->version)
    return;
  s->handshakes++;
  if (c->granted)
    s->granted++;
  else if (c->status)
    s->refused++;
  add(s, T_VERSIONS, c->version);
  add(s, T_COMMANDS, c->command);
  add(s, T_AUTH, c->auth);
  add(s, T_REPLIES, c->status ? c->status : "-");
  add(s, T_TARGETS, c->target);
}

void wt_socks_stats_report(gpointer p, const WtReportOptions *opts, WtReport *r)
{
  WtSocksStats *s = p;
  guint rows = opts && opts->top_n ? opts->top_n : SOCKS_DEFAULT_ROWS;
  WtSection *sec = wt_report_section(r, "proxies", _("Proxies"));
  wt_section_u64(sec, "socks_handshakes", _("SOCKS handshakes"), s->handshakes);
  wt_section_u64(sec, "socks_granted", _("SOCKS requests granted"), s->granted);
  wt_section_u64(sec, "socks_refused", _("SOCKS requests refused"), s->refused);
  wt_section_u64(sec, "socks_auth_failed", _("SOCKS 5 authentications refused"),
                 s->auth_failed);
  wt_section_u64(sec, "socks_handed_off", _("SOCKS connections analysed inside"),
                 s->handed_off);
  wt_section_u64(sec, "socks_not_socks", _("Connections on the SOCKS port not speaking SOCKS"),
                 s->not_socks);
  wt_section_u64(sec, "socks_malformed", _("Malformed SOCKS handshakes"), s->malformed);
  wt_section_u64(sec, "socks_gaps", _("SOCKS handshakes cut by a capture gap"), s->gaps);
  for (int i = 0; i < N_TABLES; i++) {
    if (tables[i].col)
      wt_top_n_report_table(s->t[i], sec, tables[i].key, _(tables[i].label), tables[i].col,
                            _(tables[i].col_label), rows, s->handshakes);
    else
      wt_top_n_report_map(s->t[i], sec, tables[i].key, _(tables[i].label));
  }
}

guint64 wt_socks_stats_get(const WtSocksStats *s, const char *name)
{
  static const struct { const char *name; gsize off; } scalars[] = {
    { "handshakes", G_STRUCT_OFFSET(WtSocksStats, handshakes) },
    { "granted", G_STRUCT_OFFSET(WtSocksStats, granted) },
    { "refused", G_STRUCT_OFFSET(WtSocksStats, refused) },
    { "handed_off", G_STRUCT_OFFSET(WtSocksStats, handed_off) },
    { "auth_failed", G_STRUCT_OFFSET(WtSocksStats, auth_failed) },
    { "not_socks", G_STRUCT_OFFSET(WtSocksStats, not_socks) },
    { "malformed", G_STRUCT_OFFSET(WtSocksStats, malformed) },
    { "gaps", G_STRUCT_OFFSET(WtSocksStats, gaps) },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(scalars); i++)
    if (strcmp(scalars[i].name, name) == 0)
      return *(const guint64 *) ((const guint8 *) s + scalars[i].off);
  return 0;
}

guint64 wt_socks_stats_count(const WtSocksStats *s, const char *table, const char *key)
{
  for (int i = 0; i < N_TABLES; i++)
    if (strcmp(tables[i].key, table) == 0)
      return wt_top_n_get(s->t[i], key);
  return 0;
}
