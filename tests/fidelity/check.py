#!/usr/bin/env python3
"""Hand-built captures (ignored resets, odd handshakes): wiretab against NAME.expected.txt.

Each expected file is written by hand from RFC 793 / RFC 5961, Zeek's definitions of
conn_state and history, and tshark's view (its comments say where the tools differ). One
TAP line per expected key; a failure prints what wiretab gave. Registered in meson as
'fidelity-tcp' (suite 'fidelity').

    check.py [NAME ...]     (WIRETAB names the binary, or give its path as an argument)
"""
import collections
import glob
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from tap import Tap, run_wiretab  # noqa: E402

t = Tap()
names = []
for a in sys.argv[1:]:
    if os.path.basename(a) == "wiretab":
        os.environ["WIRETAB"] = a
    else:
        names.append(a)
files = sorted(glob.glob(os.path.join(HERE, "*.expected.txt")))
if names:
    files = [f for f in files if os.path.basename(f)[: -len(".expected.txt")] in names]
tmp = tempfile.mkdtemp(prefix="wt-fidelity-")


def read_expected(path):
    kv, multi = {}, collections.defaultdict(list)
    for line in open(path):
        f = line.split("#", 1)[0].split()
        if not f:
            continue
        if f[0] in ("method", "status", "anomaly", "http_txn"):
            multi[f[0]].append(f[1:])
        else:
            kv[f[0]] = " ".join(f[1:])
    return kv, multi


def jsonl(path):
    return [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []


for path in files:
    kv, multi = read_expected(path)
    name = kv["capture"]
    logs = os.path.join(tmp, name)
    os.makedirs(logs)
    p = run_wiretab(["-r", os.path.join(HERE, name), "--format", "json", "--log-dir", logs])
    if not t.ok(p.returncode == 0, "%s: wiretab exits 0" % name, p.stderr):
        continue
    rep = json.loads(p.stdout)
    conns = jsonl(os.path.join(logs, "conn.log"))
    https = jsonl(os.path.join(logs, "http.log"))
    h, tcp = rep["http"], rep["tcp"]
    t.eq(rep["capture"]["packets"], int(kv["frames"]), "%s: frames" % name)
    t.eq(tcp["connections"], int(kv["tcp_connections"]), "%s: tcp connections" % name)
    t.eq(len(conns), int(kv["tcp_connections"]), "%s: conn.log lines" % name)
    t.eq(h["requests"], int(kv["requests"]), "%s: http requests" % name)
    t.eq(h["methods"], {m: int(n) for m, n in multi["method"]}, "%s: methods" % name)
    t.eq({k: v for k, v in h["status_codes"].items() if not k.startswith("1")},
         {s: int(n) for s, n in multi["status"]}, "%s: status codes" % name)
    t.eq(sorted((r.get("method"), r.get("uri"), str(r.get("status_code"))) for r in https),
         sorted(tuple(x) for x in multi["http_txn"]), "%s: http.log (method, uri, status)" % name)
    c = conns[0] if conns else {}
    t.eq("%s:%s" % (c.get("id.orig_h"), c.get("id.orig_p")), kv["orig"], "%s: originator" % name)
    for key in ("conn_state", "history", "close_kind"):
        if key in kv:
            t.eq(c.get(key), kv[key], "%s: conn.log %s" % (name, key))
    for key in ("orig_bytes", "resp_bytes", "missed_bytes"):
        if key in kv:
            t.eq(c.get(key), int(kv[key]), "%s: conn.log %s" % (name, key))
    for anomaly, n in multi["anomaly"]:
        t.eq(tcp["anomalies"].get(anomaly), int(n), "%s: tcp.%s" % (name, anomaly))

shutil.rmtree(tmp, ignore_errors=True)
t.done()
