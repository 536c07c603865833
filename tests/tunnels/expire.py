#!/usr/bin/env python3
"""tunnel.log over time, on captures built with scapy from the recorded VXLAN capture
(captures/http-vxlan.pcap: curl against nginx, 2 connections, 5 requests): its inner
frames (Ethernet/IPv4/TCP) carried again in GRE between two tunnel endpoints, the second
connection two hours after the first; and the VXLAN capture itself with the same gap.

Expected by Zeek's rules (base/frameworks/tunnels: a tunnel is DISCOVERed when it first
carries a connection, CLOSEd when the UDP connection carrying it is removed, EXPIREd
after Tunnel::expiration_interval, an hour, without traffic, and DISCOVERed anew after):

- GRE: DISCOVER, EXPIRE an hour after the first burst's last frame, DISCOVER with another
  uid, nothing at the end (an IP tunnel has no connection to close);
- VXLAN: each outer UDP connection is DISCOVERed and CLOSEd with its last packet (UDP's
  idle timer ends it long before the gap is over), none EXPIREs;
- each HTTP connection's tunnel_parents names the uid of its own burst's tunnel;
- the HTTP tables still equal the access log (5 requests, 2 connections);
- --threads 2 writes the same tunnel.log;
- nested: the VXLAN capture carried whole in GRE (no gap): the GRE tunnel and the VXLAN
  connections are DISCOVERed, each VXLAN UDP connection's tunnel_parents is the GRE
  tunnel's uid, each HTTP connection's its VXLAN connections' uids (the innermost tunnel,
  as Zeek), and the access-log tables hold.

Needs scapy (Debian's python3-scapy): /usr/bin/python3 runs the script when this python
has none; skipped only when neither has it."""
import json
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, ".."))
from tap import Tap, project_root, rerun_with_system_python, wiretab_path  # noqa: E402

try:
    from scapy.all import GRE, IP, TCP, Ether, rdpcap, wrpcap  # noqa: E402
except ImportError:
    rerun_with_system_python("WT_EXPIRE_REEXEC")
    Tap().skip_all("scapy is not installed (python3-scapy)")

GAP = 7200.0
HOUR = 3600.0
t = Tap()
tmp = tempfile.mkdtemp(prefix="wt-tunnel-expire-")
frames = rdpcap(os.path.join(project_root(), "captures", "http-vxlan.pcap"))
access = [l.split() for l in open(os.path.join(project_root(), "captures",
                                               "http-vxlan.access.log")) if l.strip()]


def inner_of(f):
    if "VXLAN" in f:
        return f["VXLAN"].payload
    return None


# the two connections by their client port: the second one starts the second burst
ports = []
for f in frames:
    i = inner_of(f)
    if i is not None and TCP in i and i[TCP].flags & 0x02 and not i[TCP].flags & 0x10:
        ports.append(i[TCP].sport)
second = ports[1]


def in_second(f):
    i = inner_of(f)
    return i is not None and TCP in i and second in (i[TCP].sport, i[TCP].dport)


start2 = min(float(f.time) for f in frames if in_second(f))
gre, vx = [], []
for f in frames:
    late = float(f.time) >= start2
    shift = GAP if late else 0.0
    i = inner_of(f)
    if i is not None and IP in i:
        up = f[IP]
        g = Ether(src=f.src, dst=f.dst) / IP(src=up.src, dst=up.dst) / GRE(proto=0x0800) / i[IP]
        g.time = float(f.time) + shift
        gre.append(g)
    c = f.copy()
    c.time = float(f.time) + shift
    vx.append(c)
gre_cap, vx_cap = os.path.join(tmp, "gre-gap.pcap"), os.path.join(tmp, "vxlan-gap.pcap")
wrpcap(gre_cap, gre)
wrpcap(vx_cap, vx)
burst1_last = max(float(g.time) for g in gre if float(g.time) < start2 + GAP - 1)


def run(cap, *extra):
    logs = tempfile.mkdtemp(dir=tmp)
    p = subprocess.run([wiretab_path(), "-r", cap, "--format", "json", "--log-dir", logs]
                       + list(extra), capture_output=True, text=True)
    t.ok(p.returncode == 0, "%s %s: wiretab runs" % (os.path.basename(cap), " ".join(extra)),
         p.stderr)
    read = lambda n: [json.loads(l) for l in open(os.path.join(logs, n))]  # noqa: E731
    return json.loads(p.stdout or "{}"), read("tunnel.log"), read("conn.log"), read("http.log")


def http_tables(name, rep, http_log):
    h = rep.get("http", {})
    t.eq(h.get("requests"), len(access), "%s: requests equal the access log's lines" % name)
    t.eq(len({r["uid"] for r in http_log}), len({a[4] for a in access}),
         "%s: connections with requests equal nginx's serials" % name)


def parents_by_burst(name, tunnel, conn, http_log):
    """each HTTP connection's parents are its own burst's DISCOVER uids"""
    disc = [r for r in tunnel if r["action"] == "Tunnel::DISCOVER"]
    conns = {r["uid"]: r for r in conn}
    ok = True
    for uid in {r["uid"] for r in http_log}:
        c = conns[uid]
        late = c["ts"] >= start2 + GAP - 1
        mine = {r["uid"] for r in disc if (r["ts"] >= start2 + GAP - 1) == late}
        ok = ok and bool(c.get("tunnel_parents")) and set(c["tunnel_parents"]) <= mine
    t.ok(ok, "%s: each HTTP connection's tunnel_parents are its own burst's tunnels" % name)


rep, tunnel, conn, http_log = run(gre_cap)
acts = [r["action"] for r in sorted(tunnel, key=lambda r: r["ts"])]
t.eq(acts, ["Tunnel::DISCOVER", "Tunnel::EXPIRE", "Tunnel::DISCOVER"],
     "GRE: DISCOVER, EXPIRE, DISCOVER again, nothing at the end")
t.ok(all(r["tunnel_type"] == "Tunnel::GRE" and r["id.orig_p"] == 0 and r["id.resp_p"] == 0
         for r in tunnel), "GRE: Tunnel::GRE rows with ports 0")
exp = [r for r in tunnel if r["action"] == "Tunnel::EXPIRE"]
if exp:
    t.ok(abs(exp[0]["ts"] - (burst1_last + HOUR)) < 1e-3,
         "GRE: EXPIRE an hour after the first burst's last frame (%.6f)" % exp[0]["ts"])
    uids = [r["uid"] for r in sorted(tunnel, key=lambda r: r["ts"])]
    t.ok(uids[0] == uids[1] != uids[2], "GRE: the second DISCOVER is a new tunnel (new uid)")
http_tables("GRE", rep, http_log)
parents_by_burst("GRE", tunnel, conn, http_log)
_, tunnel2, _, _ = run(gre_cap, "--threads", "2")
t.eq(sorted(json.dumps(r, sort_keys=True) for r in tunnel2),
     sorted(json.dumps(r, sort_keys=True) for r in tunnel), "GRE: --threads 2 writes the same tunnel.log")

rep, tunnel, conn, http_log = run(vx_cap)
by_uid = {}
for r in tunnel:
    by_uid.setdefault(r["uid"], []).append(r)
outer = {r["uid"]: r for r in conn if r.get("id.resp_p") == 4789 or r.get("id.orig_p") == 4789}
t.ok(by_uid and all([x["action"] for x in sorted(v, key=lambda r: r["ts"])]
                    == ["Tunnel::DISCOVER", "Tunnel::CLOSE"] for v in by_uid.values()),
     "VXLAN: every tunnel DISCOVERed and CLOSEd once, none EXPIREs")
t.ok(all(u in outer for u in by_uid), "VXLAN: each tunnel's uid is its outer UDP connection's")
closes_ok = all(abs(r["ts"] - (outer[r["uid"]]["ts"] + outer[r["uid"]].get("duration", 0.0))) < 2e-6
                for r in tunnel if r["action"] == "Tunnel::CLOSE" and r["uid"] in outer)
t.ok(closes_ok, "VXLAN: CLOSE at the outer connection's last packet (ts + duration)")
http_tables("VXLAN", rep, http_log)
parents_by_burst("VXLAN", tunnel, conn, http_log)
_, tunnel2, _, _ = run(vx_cap, "--threads", "2")
t.eq(sorted(json.dumps(r, sort_keys=True) for r in tunnel2),
     sorted(json.dumps(r, sort_keys=True) for r in tunnel), "VXLAN: --threads 2 writes the same tunnel.log")
nested = []
for f in frames:
    if IP in f:
        g = Ether(src=f.src, dst=f.dst) / IP(src="192.0.2.1", dst="192.0.2.2") / GRE(proto=0x0800) / f[IP]
        g.time = float(f.time)
        nested.append(g)
nest_cap = os.path.join(tmp, "vxlan-in-gre.pcap")
wrpcap(nest_cap, nested)
rep, tunnel, conn, http_log = run(nest_cap)
gre_uids = {r["uid"] for r in tunnel if r["tunnel_type"] == "Tunnel::GRE"}
vx_uids = {r["uid"] for r in tunnel if r["tunnel_type"] == "Tunnel::VXLAN"}
t.ok(len(gre_uids) == 1 and vx_uids, "nested: one GRE tunnel and the VXLAN connections in tunnel.log")
vx_conns = [r for r in conn if r["uid"] in vx_uids]
t.ok(len(vx_conns) == len(vx_uids) and all(r.get("tunnel_parents") == sorted(gre_uids)
                                           for r in vx_conns),
     "nested: each VXLAN UDP connection's tunnel_parents is the GRE tunnel")
conns = {r["uid"]: r for r in conn}
t.ok(all(set(conns[u].get("tunnel_parents") or ["-"]) <= vx_uids for u in {r["uid"] for r in http_log}),
     "nested: each HTTP connection's tunnel_parents are VXLAN connections (the innermost)")
http_tables("nested", rep, http_log)
t.done()
