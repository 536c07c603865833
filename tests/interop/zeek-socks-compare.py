#!/usr/bin/env python3
"""Interoperability: wiretab's socks.log against Zeek's published socks.log baselines in
../shared/captures/tunnels (zeek-socks*.pcap), field by field; and what is inside the
proxied connections against the tshark oracle next to each capture (its summary lines:
HTTP methods and statuses) or, for TLS, the name the SOCKS client asked for. Every
difference must be listed in EXPLAINED with its cause. Skipped when the folder is absent."""
import collections
import glob
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run_wiretab, shared_captures  # noqa: E402

# Zeek's fields that wiretab writes (Zeek's `password` is unset unless Zeek is told to
# capture passwords; wiretab never logs it). ts is masked in the baselines.
FIELDS = ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "version", "user", "status",
          "request.host", "request.name", "request_p", "bound.host", "bound.name", "bound_p"]

# capture -> {field: why wiretab differs}; none so far
EXPLAINED = {}

t = Tap()
folder = os.path.join(shared_captures(), "tunnels")
caps = sorted(glob.glob(os.path.join(folder, "zeek-socks*.pcap")))
if not caps:
    t.skip_all("no SOCKS captures at " + folder)


def zeek_rows(path):
    names, rows = None, []
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("#fields\t"):
            names = line[8:].split("\t")
        elif line and not line.startswith("#"):
            rows.append({k: v for k, v in zip(names, line.split("\t")) if v != "-"})
    return rows


def tshark_summary(path):
    out = {}
    if os.path.exists(path):
        for line in open(path):
            if line.startswith("# summary."):
                k, _, v = line[10:].strip().partition(": ")
                if "=" in v:  # NAME=COUNT,... (other lines are plain counts or "(none)")
                    out[k] = dict((a, int(b)) for a, b in (x.split("=") for x in v.split(",")))
                elif v == "(none)":
                    out[k] = {}
    return out


tmp = tempfile.mkdtemp(prefix="wt-socks-")
for cap in caps:
    name = os.path.basename(cap)
    base = os.path.join(folder, name + ".zeek.socks.log")
    if not os.path.exists(base):
        t.skip(name, "no Zeek socks.log baseline")
        continue
    logs = os.path.join(tmp, name)
    os.makedirs(logs)
    p = run_wiretab(["-r", cap, "--format", "json", "--log-dir", logs])
    if not t.ok(p.returncode == 0, "%s: wiretab exits 0" % name, p.stderr):
        continue
    rep = json.loads(p.stdout)
    got = [json.loads(l) for l in open(os.path.join(logs, "socks.log"))]
    want = zeek_rows(base)
    t.eq(len(got), len(want), "%s: socks.log has Zeek's %d line(s)" % (name, len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        bad = []
        for f in FIELDS:
            gv = g.get(f)
            gv = None if gv is None else str(gv)
            if gv != w.get(f) and f not in EXPLAINED.get(name, {}):
                bad.append("%s: wiretab %r, Zeek %r" % (f, gv, w.get(f)))
        t.ok(not bad, "%s: socks.log line %d equals Zeek's (%s)" % (name, i + 1, ", ".join(FIELDS)),
             "\n".join(bad))
    # the proxied connection: service and what was analysed inside
    conns = [json.loads(l) for l in open(os.path.join(logs, "conn.log"))]
    socks_conns = [c for c in conns if c.get("service", "").startswith("socks")]
    t.eq(len(socks_conns), len(want), "%s: conn.log has the SOCKS connection(s)" % name)
    ts = tshark_summary(os.path.join(folder, name + ".tshark.txt"))
    methods = ts.get("http_request_methods", {})
    statuses = ts.get("http_response_status", {})
    h = rep["http"]
    t.eq(h["methods"], methods, "%s: HTTP methods inside equal tshark's" % name)
    t.eq({k: v for k, v in h["status_codes"].items()}, {str(k): v for k, v in statuses.items()},
         "%s: HTTP statuses inside equal tshark's" % name)
    inner = {"http" if methods else None}
    for w in want:
        if w.get("request_p") == "443":
            inner = {"tls"}
            t.eq({r["server_name"]: r["count"] for r in rep["tls"]["sni"]},
                 {w["request.name"]: 1}, "%s: the TLS inside names the host SOCKS was asked for" % name)
    for c in socks_conns:
        svc = c["service"].split(",")
        if inner != {None}:
            t.ok(set(svc[1:]) == inner, "%s: conn.log service %s" % (name, c["service"]))
    t.eq(rep["proxies"]["socks_handshakes"], len(want), "%s: proxies.socks_handshakes" % name)
t.done()
