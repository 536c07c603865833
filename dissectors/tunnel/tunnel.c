/* What the tunnel decoders share: the layer bookkeeping, the tunnel identity and the
 * "tunnels" tap. */
#include "dissectors/tunnel/tunnel-priv.h"

#include <glib/gi18n.h>
#include <string.h>

void wt_tunnels_init(WtTunnels *t, guint max_depth)
{
  memset(t, 0, sizeof *t);
  t->max_depth = max_depth ? max_depth : WT_TUNNEL_DEFAULT_MAX_DEPTH;
}

static guint32 fnv(guint32 h, const void *data, gsize n)
{
  const guint8 *p = data;
  for (gsize i = 0; i < n; i++) {
    h ^= p[i];
    h *= 16777619u;
  }
  return h;
}

/* The tunnel path's identity: the enclosing path's, the type, the layer's own id and the
 * outer endpoints in either order (so both directions of an inner flow agree). Teredo
 * has none but its type: a relay makes the two directions' outer endpoints differ, and
 * the inner IPv6 addresses name the Teredo client already. */
gboolean wt_tunnel_enter(WtTunnels *t, WtPacket *pkt, WtAnomalies *a, WtTunnelType type,
                         guint32 vni)
{
  if (pkt->tunnel_depth >= t->max_depth) {
    wt_tunnels_failed(t, WT_TUNNEL_FAIL_TOO_DEEP, a);
    return FALSE;
  }
  guint32 h = fnv(2166136261u, &pkt->tunnel_id, sizeof pkt->tunnel_id);
  guint8 ty = (guint8) type;
  h = fnv(h, &ty, 1);
  h = fnv(h, &vni, sizeof vni);
  if (type != WT_TUNNEL_TEREDO && pkt->ip_version) {
    gboolean src_lo = wt_addr_compare(&pkt->src, &pkt->dst) <= 0;
    const WtAddr *lo = src_lo ? &pkt->src : &pkt->dst;
    const WtAddr *hi = src_lo ? &pkt->dst : &pkt->src;
    h = fnv(h, lo, sizeof *lo);
    h = fnv(h, hi, sizeof *hi);
  }
  if (pkt->tunnel_depth < WT_TUNNEL_MAX_LAYERS) {
    t->layers[pkt->tunnel_depth].type = type;
    t->layers[pkt->tunnel_depth].carrier = *pkt;
  }
  pkt->tunnel_id = h ? h : 1;
  pkt->tunnel_depth++;
  pkt->tunnel_type = ty;
  t->packets[type]++;
  t->bytes[type] += pkt->wirelen;
  return TRUE;
}

WtDecodeResult wt_tunnel_short(const WtPacket *pkt, WtAnomalies *a, const char *anomaly)
{
  if (pkt->caplen < pkt->wirelen)
    return wt_decode_stop(WT_DECODE_TRUNCATED);
  wt_anomaly(a, anomaly);
  return wt_decode_stop(WT_DECODE_MALFORMED);
}

WtDecodeResult wt_tunnel_bad(WtAnomalies *a, const char *anomaly)
{
  wt_anomaly(a, anomaly);
  return wt_decode_stop(WT_DECODE_MALFORMED);
}

WtDecodeResult wt_tunnel_next_ip(const WtReader *r)
{
  if (wt_reader_remaining(r) < 1)
    return wt_decode_stop(WT_DECODE_UNSUPPORTED);
  switch (wt_reader_here(r)[0] >> 4) {
  case 4:
    return wt_decode_next(WT_NEXT_ETHERTYPE, WT_TUNNEL_ETH_IPV4);
  case 6:
    return wt_decode_next(WT_NEXT_ETHERTYPE, WT_TUNNEL_ETH_IPV6);
  default:
    return wt_decode_stop(WT_DECODE_UNSUPPORTED);
  }
}

void wt_tunnels_merge(WtTunnels *into, const WtTunnels *from)
{
  for (guint i = 0; i < WT_TUNNEL_N; i++) {
    into->packets[i] += from->packets[i];
    into->bytes[i] += from->bytes[i];
    into->inner_flows[i] += from->inner_flows[i];
  }
  for (guint i = 0; i < WT_TUNNEL_FAIL_N; i++)
    into->failures[i] += from->failures[i];
}

void wt_tunnels_failed(WtTunnels *t, WtTunnelFailure reason, WtAnomalies *a)
{
  t->failures[reason]++;
  switch (reason) {
  case WT_TUNNEL_FAIL_INNER_TRUNCATED:
    wt_anomaly(a, "tunnel.inner_truncated");
    break;
  case WT_TUNNEL_FAIL_INNER_MALFORMED:
    wt_anomaly(a, "tunnel.inner_malformed");
    break;
  case WT_TUNNEL_FAIL_INNER_NOT_IP:
    wt_anomaly(a, "tunnel.inner_not_ip");
    break;
  case WT_TUNNEL_FAIL_TOO_DEEP:
    wt_anomaly(a, "tunnel.too_deep");
    break;
  case WT_TUNNEL_FAIL_HEADER:
  case WT_TUNNEL_FAIL_N:
  default:
    break;
  }
}

const char *wt_tunnel_type_name(WtTunnelType type)
{
  static const char *const names[WT_TUNNEL_N] = {
    [WT_TUNNEL_IP] = "ip", [WT_TUNNEL_GRE] = "gre", [WT_TUNNEL_PPTP] = "pptp",
    [WT_TUNNEL_ERSPAN] = "erspan", [WT_TUNNEL_GRE_UDP] = "gre-udp",
    [WT_TUNNEL_VXLAN] = "vxlan", [WT_TUNNEL_GENEVE] = "geneve", [WT_TUNNEL_GTPU] = "gtpv1",
    [WT_TUNNEL_TEREDO] = "teredo", [WT_TUNNEL_AYIYA] = "ayiya",
  };
  return (guint) type < WT_TUNNEL_N ? names[type] : "unknown";
}

const char *wt_tunnel_zeek_type(WtTunnelType type)
{
  switch (type) {
  case WT_TUNNEL_IP:
    return "Tunnel::IP";
  case WT_TUNNEL_GRE:
  case WT_TUNNEL_PPTP:
  case WT_TUNNEL_ERSPAN:
  case WT_TUNNEL_GRE_UDP:
    return "Tunnel::GRE";
  case WT_TUNNEL_VXLAN:
    return "Tunnel::VXLAN";
  case WT_TUNNEL_GENEVE:
    return "Tunnel::GENEVE";
  case WT_TUNNEL_GTPU:
    return "Tunnel::GTPv1";
  case WT_TUNNEL_TEREDO:
    return "Tunnel::TEREDO";
  case WT_TUNNEL_AYIYA:
    return "Tunnel::AYIYA";
  case WT_TUNNEL_N:
  default:
    return "Tunnel::NONE";
  }
}

/* GRE in UDP is the exception: Zeek hands it to its GRE analyzer, which keeps IP
 * tunnels by address pair (its tunnel.log row has ports 0 and a uid of its own). */
gboolean wt_tunnel_is_udp_conn(WtTunnelType type)
{
  return type == WT_TUNNEL_VXLAN || type == WT_TUNNEL_GENEVE || type == WT_TUNNEL_GTPU
         || type == WT_TUNNEL_TEREDO || type == WT_TUNNEL_AYIYA;
}

const char *wt_tunnel_failure_name(WtTunnelFailure reason)
{
  static const char *const names[WT_TUNNEL_FAIL_N] = {
    [WT_TUNNEL_FAIL_HEADER] = "bad_header",
    [WT_TUNNEL_FAIL_INNER_TRUNCATED] = "inner_truncated",
    [WT_TUNNEL_FAIL_INNER_MALFORMED] = "inner_malformed",
    [WT_TUNNEL_FAIL_INNER_NOT_IP] = "inner_not_ip",
    [WT_TUNNEL_FAIL_TOO_DEEP] = "too_deep",
  };
  return (guint) reason < WT_TUNNEL_FAIL_N ? names[reason] : "unknown";
}

void wt_tunnels_report(const WtTunnels *t, WtReport *r)
{
  guint64 any = 0;
  for (guint i = 0; i < WT_TUNNEL_N; i++)
    any += t->packets[i];
  for (guint i = 0; i < WT_TUNNEL_FAIL_N; i++)
    any += t->failures[i];
  if (any == 0)
    return;
  WtSection *s = wt_report_section(r, "tunnels", _("Tunnels"));
  wt_section_u64(s, "max_depth", _("Layers decapsulated at most"), t->max_depth);
  WtSection *by = wt_section_object(s, "by_type", _("Tunnels by type"));
  for (guint i = 0; i < WT_TUNNEL_N; i++) {
    if (t->packets[i] == 0 && t->inner_flows[i] == 0)
      continue;
    WtSection *o = wt_section_object(by, wt_tunnel_type_name(i), wt_tunnel_type_name(i));
    wt_section_u64(o, "packets", _("Packets"), t->packets[i]);
    wt_section_u64(o, "bytes", _("Bytes"), t->bytes[i]);
    wt_section_u64(o, "inner_flows", _("Inner flows"), t->inner_flows[i]);
  }
  wt_section_map_u64(s, "failures", _("Decapsulation failures"), NULL, 0);
  for (guint i = 0; i < WT_TUNNEL_FAIL_N; i++) {
    if (t->failures[i])
      wt_section_map_u64(s, "failures", _("Decapsulation failures"),
                         wt_tunnel_failure_name(i), t->failures[i]);
  }
}
