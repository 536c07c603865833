#!/usr/bin/env python3
"""Interoperability: decapsulation against Zeek's baselines for the public tunnel captures
in ../shared/captures/tunnels (VXLAN, Geneve, GRE, GRE-in-UDP, PPTP, ERSPAN I/II/III,
IP-in-IP, Teredo, AYIYA, GTP-U). Per capture, with Zeek's conn.log: the flows (protocol
and both endpoints, either orientation) as multisets, outer UDP flows and inner flows
alike; with Zeek's http.log: the transactions (method, status, uri, host) as multisets;
and that every capture decapsulates its tunnel type (the "tunnels" section). Every
difference is listed in EXPLAINED with its cause, checked by hand. The inner flows are
also counted: Zeek's conn.log rows with tunnel_parents against the "inner_flows" of the
"tunnels" section (ICMP included there), differences in EXPLAINED_INNER.

ICMP rows are left out of the conn.log comparison: wiretab's conn.log has TCP and UDP
connections only (ICMP flows are counted in the protocols and conversations sections), so
every ICMP row of Zeek's (the mirrored pings of the ERSPAN, Geneve, VXLAN and AYIYA
captures) would be a difference of the log, not of decapsulation; the inner ICMP flows
are counted by the inner-flow check instead.

tunnel.log against Zeek's: its rows (endpoints as written, tunnel_type, action; not ts, not
the uids, which each tool makes its own way) as multisets; conn.log's tunnel_parents through
the join a user makes: each TCP/UDP row that has parents, with the parents replaced by the
tunnel.log rows their uids name (endpoints in either order), as multisets; and every uid in
wiretab's tunnel_parents has its tunnel.log row. Reads
WT_SHARED_CAPTURES like the other interop tests; skipped when the folder is absent."""
import collections
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_path, shared_captures  # noqa: E402

# capture -> the tunnel type wiretab must report in its "tunnels" section
TYPES = {
    "zeek-vxlan.pcap": "vxlan", "zeek-vxlan-encapsulated-http.pcap": "vxlan",
    "sv-vxlan-dns.pcap": "vxlan", "sv-vxlan-icmp.pcap": "vxlan",
    "zeek-geneve.pcap": "geneve", "zeek-geneve-ipv6.pcap": "geneve",
    "zeek-geneve-many-options.pcap": "geneve", "sv-geneve.pcap": "geneve",
    "zeek-gre-sample.pcap": "gre", "sv-gre-udp.pcap": "gre",
    "zeek-gre-pptp.pcap": "pptp", "zeek-gre-over-udp-4754.pcap": "gre-udp",
    "zeek-erspan-type1.pcap": "erspan", "zeek-erspan-type2.pcap": "erspan",
    "zeek-erspan-type3.pcap": "erspan", "sv-erspan-type1.pcap": "erspan",
    "zeek-ipip-4in4.pcap": "ip", "zeek-ipip-6in4.pcap": "ip", "zeek-ipip-4in6.pcap": "ip",
    "zeek-ipip-6in6.pcap": "ip", "zeek-ipip-ping6-in-ipv4.pcap": "ip",
    "sv-ipv4-over-ipv4.pcap": "ip", "sv-ipv6-over-ipv4.pcap": "ip",
    "sv-ipv6-over-ipv6.pcap": "ip", "sv-ipv4-over-ipv6.pcap": "ip",
    "zeek-teredo.pcap": "teredo", "zeek-ayiya3.pcap": "ayiya",
    "zeek-gtp-0x32-opt-header.pcap": "gtpv1", "zeek-gtp-ipv6.pcap": "gtpv1",
    "zeek-gtp-different-udp-port.pcap": "gtpv1", "zeek-gtp-ext-header.pcap": "gtpv1",
}

TEREDO_RELAY = ("the Teredo client 192.168.2.16:3797 talks to its relay 83.170.1.38 on UDP "
                "port 32900, not 3544: Zeek finds Teredo on any UDP port by content (its "
                "protocol detection), wiretab by port only (ORACLE_NOTES.tsv: tshark, by "
                "port too, agrees with wiretab)")
NATIVE_TCP = ("native IPv4 traffic outside the tunnel, the same output as without "
              "decapsulation: after the RST Zeek starts new rows for the late packets of the "
              "tuple (SH/OTH/RSTRH), wiretab keeps them in the one closed connection")

# (capture, "conn" or "http") -> {row: (count Zeek has more, count wiretab has more, why)}
EXPLAINED = {
    ("zeek-teredo.pcap", "conn"): {
        ("tcp", "192.168.2.16", "1576", "75.126.130.163", "80"): (2, 0, NATIVE_TCP),
        ("tcp", "192.168.2.16", "1577", "75.126.203.78", "80"): (2, 0, NATIVE_TCP),
        ("tcp", "192.168.2.16", "1578", "75.126.203.78", "80"): (1, 0, NATIVE_TCP),
        ("udp", "192.168.2.1", "53", "192.168.2.16", "1920"): (1, 0,
            "native IPv4 DNS outside the tunnel: the two exchanges on one tuple are two rows "
            "in Zeek (its DNS session timeout, 10 s, ends the first), one UDP flow in "
            "wiretab (60 s idle timer, as without decapsulation)"),
        ("tcp", "2001:0:4137:9e50:8000:f12a:b9c8:2815", "1286", "2001:4860:0:2001::68", "80"):
            (1, 0, TEREDO_RELAY),
    },
    ("zeek-teredo.pcap", "http"): {
        ("GET", "200", "/", "ipv6.google.com"): (1, 0, TEREDO_RELAY),
        ("GET", "200", "/search?hl=en&q=Wireshark+!&btnG=Google+Search", "ipv6.google.com"):
            (1, 0, TEREDO_RELAY),
    },
}
GTP_URI = ("Zeek's http.log uri is percent-decoded (%3A -> :), wiretab logs the request "
           "target as sent; the same on plain traffic, not a decapsulation difference")
for ch, cb in (("0", "1333458881"), ("4", "1333458879")):
    raw = ("/ads/flash/728x90_nx8com.swf?clickTAG=http%3A%2F%2Fwww.epicgameads.com%2Fads%2F"
           "bannerclickPage.php%3Fid%3De3ubwU6IF%26pd%3D1%26adid%3D0%26icpc%3D1%26axid%3D0"
           "%26uctt%3D1%26channel%3D" + ch + "%26cac%3D1%26t%3D728x90%26cb%3D" + cb)
    dec = ("/ads/flash/728x90_nx8com.swf?clickTAG=http://www.epicgameads.com/ads/"
           "bannerclickPage.php?id=e3ubwU6IF&pd=1&adid=0&icpc=1&axid=0&uctt=1&channel=" + ch
           + "&cac=1&t=728x90&cb=" + cb)
    d = EXPLAINED.setdefault(("zeek-gtp-different-udp-port.pcap", "http"), {})
    d[("GET", "200", raw, "cdn.epicgameads.com")] = (0, 1, GTP_URI)
    d[("GET", "200", dec, "cdn.epicgameads.com")] = (1, 0, GTP_URI)

UDP_ORIENTATION = ("the UDP connection carrying the tunnel began with a datagram from the "
                   "tunnel server's port; Zeek turns such a connection around (the port is "
                   "in its likely_server_ports, registered by the analyzer), wiretab keeps "
                   "the first sender as originator (its conn.log row too, which the conn "
                   "comparison takes in either orientation)")
SOCKS_ROW = ("Zeek also logs a SOCKS proxy as a tunnel (Tunnel::SOCKS, no uid, orig_p 0); "
             "wiretab's SOCKS connections are in socks.log and the proxies section, "
             "tunnel.log is for decapsulation")
for cap, row in (("zeek-socks-auth.pcap", ("192.168.0.2", "0", "192.168.0.1", "1080")),
                 ("zeek-socks-with-ssl.pcap", ("10.0.0.50", "0", "85.194.84.197", "1080")),
                 ("zeek-socks.pcap", ("10.0.0.55", "0", "60.190.189.214", "8124"))):
    EXPLAINED[(cap, "tunnel")] = {row + ("Tunnel::SOCKS", "Tunnel::DISCOVER"): (1, 0, SOCKS_ROW)}
for act in ("Tunnel::DISCOVER", "Tunnel::CLOSE"):
    e = EXPLAINED.setdefault(("zeek-ayiya3.pcap", "tunnel"), {})
    e[("192.168.3.101", "53796", "216.14.98.22", "5072", "Tunnel::AYIYA", act)] = (1, 0, UDP_ORIENTATION)
    e[("216.14.98.22", "5072", "192.168.3.101", "53796", "Tunnel::AYIYA", act)] = (0, 1, UDP_ORIENTATION)
    e = EXPLAINED.setdefault(("zeek-teredo.pcap", "tunnel"), {})
    e[("192.168.2.16", "3797", "65.55.158.81", "3544", "Tunnel::TEREDO", act)] = (1, 0, UDP_ORIENTATION)
    e[("65.55.158.81", "3544", "192.168.2.16", "3797", "Tunnel::TEREDO", act)] = (0, 1, UDP_ORIENTATION)
    e[("192.168.2.16", "3797", "83.170.1.38", "32900", "Tunnel::TEREDO", act)] = (1, 0, TEREDO_RELAY)

EXPLAINED[("zeek-teredo.pcap", "parents")] = {
    (("tcp", "2001:0:4137:9e50:8000:f12a:b9c8:2815", "1286", "2001:4860:0:2001::68", "80"),
     ("(('192.168.2.16', '3797'), ('83.170.1.38', '32900'), 'Tunnel::TEREDO')",)):
        (1, 0, TEREDO_RELAY)}

# capture -> (Zeek's inner rows, wiretab's inner flows, why)
EXPLAINED_INNER = {
    "zeek-gre-sample.pcap": (7, 6,
        "the pings 172.28.2.3 <-> 66.59.111.190 are two ICMP rows in Zeek (keyed by ICMP "
        "type and code as ports), one flow by addresses in wiretab"),
    "zeek-teredo.pcap": (4, 3, TEREDO_RELAY),
}

t = Tap()
folder = os.path.join(shared_captures(), "tunnels")
tsv = os.path.join(folder, "EXPECTED_OUTPUTS.tsv")
if not os.path.exists(tsv):
    t.skip_all("no tunnel captures at " + folder)


def zeek_rows(path):
    names, rows = None, []
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if not line or line.startswith("###"):
            continue
        if line.startswith("#fields\t"):
            names = line[8:].split("\t")
            continue
        if line.startswith("#"):
            continue
        rows.append(dict(zip(names, line.split("\t"))))
    return rows


def norm(v):
    return "-" if v is None or v == "" or v == "(empty)" else str(v)


def conn_key(r):
    a = (norm(r.get("id.orig_h")), norm(r.get("id.orig_p")))
    b = (norm(r.get("id.resp_h")), norm(r.get("id.resp_p")))
    if r.get("proto") not in ("tcp", "udp"):
        a, b = (a[0], "-"), (b[0], "-")  # ICMP: Zeek puts type/code in the ports
    lo, hi = sorted([a, b])
    return (r.get("proto"), lo[0], lo[1], hi[0], hi[1])


def http_key(r):
    s = r.get("status_code")
    return (norm(r.get("method")), norm("-" if s is None else s), norm(r.get("uri")),
            norm(r.get("host")))


def tunnel_key(r):
    return (norm(r.get("id.orig_h")), norm(r.get("id.orig_p")), norm(r.get("id.resp_h")),
            norm(r.get("id.resp_p")), norm(r.get("tunnel_type")), norm(r.get("action")))


def parent_names(tunnel_rows):
    """uid -> the tunnel's endpoints (either order) and type, from the DISCOVER rows"""
    names = {}
    for r in tunnel_rows:
        if r.get("action") == "Tunnel::DISCOVER" and norm(r.get("uid")) != "-":
            a = (norm(r.get("id.orig_h")), norm(r.get("id.orig_p")))
            b = (norm(r.get("id.resp_h")), norm(r.get("id.resp_p")))
            names[r["uid"]] = tuple(sorted([a, b])) + (r.get("tunnel_type"),)
    return names


def parents_of(r):
    p = r.get("tunnel_parents")
    if isinstance(p, list):
        return p
    return [] if norm(p) == "-" else p.split(",")


def joined(conn_rows, names):
    """each tunnelled TCP/UDP connection with the tunnels its parents name"""
    out = []
    for r in conn_rows:
        ps = parents_of(r)
        if ps and r.get("proto") in ("tcp", "udp"):
            out.append((conn_key(r), tuple(sorted(str(names.get(u, "unknown uid " + u))
                                                   for u in ps))))
    return out


def read_json_lines(path):
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path, encoding="utf-8")]


def compare(cap, what, zeek, ours):
    zc, oc = collections.Counter(zeek), collections.Counter(ours)
    expl = EXPLAINED.get((cap, what), {})
    unexplained = []
    for row in sorted(set(zc) | set(oc), key=str):
        mz, mo = max(0, zc[row] - oc[row]), max(0, oc[row] - zc[row])
        if not mz and not mo:
            continue
        e = expl.get(row)
        if e and (e[0], e[1]) == (mz, mo):
            print("# %s %s: explained: %s Zeek +%d wiretab +%d: %s" % (cap, what, row, mz, mo, e[2]))
        else:
            unexplained.append("%s Zeek +%d wiretab +%d" % (row, mz, mo))
    t.ok(not unexplained, "%s: %s: %d Zeek rows, %d wiretab rows agree"
         % (cap, what, len(zeek), len(ours)), "\n".join(unexplained))


expected = collections.defaultdict(dict)
commands = {}
for line in list(open(tsv, encoding="utf-8"))[1:]:
    c = line.rstrip("\n").split("\t")
    if len(c) < 9 or c[3] != "zeek":
        continue
    for kind in ("conn", "http", "tunnel"):
        if c[2].endswith(".zeek.%s.log" % kind):
            expected[c[1]][kind] = os.path.join(folder, c[2])
    commands[c[1]] = c[8]

for cap in sorted(TYPES):
    path = os.path.join(folder, cap)
    if not os.path.exists(path):
        t.skip(cap, "capture absent")
        continue
    logdir = tempfile.mkdtemp(prefix="wt-tunnels-")
    args = [wiretab_path(), "-r", path, "--log-dir", logdir, "--format", "json"]
    p = subprocess.run(args, capture_output=True, text=True)
    if not t.ok(p.returncode == 0, "%s: wiretab runs" % cap, p.stderr):
        continue
    report = json.loads(p.stdout)
    tunnels = report.get("tunnels", {}).get("by_type", {})
    # --threads 2 routes a tunnel's frames by its endpoints, so inner and outer flows meet
    # in one worker: the report equals one thread's (but for the capture section's peaks)
    p2 = subprocess.run(args[:-4] + ["--format", "json", "--threads", "2"], capture_output=True,
                        text=True)
    if t.ok(p2.returncode == 0, "%s: wiretab --threads 2 runs" % cap, p2.stderr):
        r1, r2 = dict(report), json.loads(p2.stdout)
        r1.pop("capture", None)
        r2.pop("capture", None)
        t.ok(r1 == r2, "%s: --threads 2 reports what one thread does" % cap)
    t.ok(tunnels.get(TYPES[cap], {}).get("packets", 0) > 0,
         "%s: decapsulates %s" % (cap, TYPES[cap]), json.dumps(report.get("tunnels")))
    if "conn" in expected[cap]:
        rows = zeek_rows(expected[cap]["conn"])
        zeek = [conn_key(r) for r in rows if r.get("proto") in ("tcp", "udp")]
        ours = [conn_key(r) for r in read_json_lines(os.path.join(logdir, "conn.log"))]
        compare(cap, "conn", zeek, ours)
        z_inner = sum(1 for r in rows if norm(r.get("tunnel_parents")) != "-")
        o_inner = sum(v.get("inner_flows", 0) for v in tunnels.values())
        e = EXPLAINED_INNER.get(cap)
        if e and (e[0], e[1]) == (z_inner, o_inner):
            print("# %s: explained: inner flows Zeek %d wiretab %d: %s" % (cap, z_inner, o_inner, e[2]))
            t.ok(True, "%s: inner flows (explained)" % cap)
        else:
            t.eq(o_inner, z_inner, "%s: inner flows as Zeek's rows with tunnel_parents" % cap)
    ours_tunnel = read_json_lines(os.path.join(logdir, "tunnel.log"))
    ours_conn = read_json_lines(os.path.join(logdir, "conn.log"))
    names = parent_names(ours_tunnel)
    unnamed = sorted({u for r in ours_conn for u in parents_of(r) if u not in names})
    t.ok(not unnamed, "%s: every tunnel_parents uid has its tunnel.log row" % cap,
         " ".join(unnamed))
    if "tunnel" in expected[cap]:
        zeek_tunnel = zeek_rows(expected[cap]["tunnel"])
        compare(cap, "tunnel", [tunnel_key(r) for r in zeek_tunnel],
                [tunnel_key(r) for r in ours_tunnel])
        if "conn" in expected[cap]:
            compare(cap, "parents", joined(zeek_rows(expected[cap]["conn"]),
                                           parent_names(zeek_tunnel)),
                    joined(ours_conn, names))
    if "http" in expected[cap]:
        zeek = [http_key(r) for r in zeek_rows(expected[cap]["http"])]
        ours = [http_key(r) for r in read_json_lines(os.path.join(logdir, "http.log"))]
        compare(cap, "http", zeek, ours)
t.done()
