#!/usr/bin/env python3
"""Interoperability: wiretab's http.log against Zeek's published http.log baselines in
../shared/captures, per transaction: (method, status_code, uri, host) where the baseline
has them, as multisets per capture. Every difference must be listed in EXPLAINED with its
cause (checked by hand; ORACLE_NOTES.tsv there lists where tshark and Zeek disagree).
Skipped when the folder is absent."""
import collections
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_path, shared_captures  # noqa: E402

FIELDS = ["method", "status_code", "uri", "host"]

# capture -> {transaction tuple as (method, status, uri, host) with None for fields the
# baseline lacks: (count Zeek has more, count wiretab has more, why)}
EXPLAINED = {
    "zeek-wikipedia.pcap": {
        ("GET", "304", "/", "www.wikipedia.org"): (0, 1,
            "connection 141.142.220.118:35634 starts mid-stream (Zeek history DdA, OTH): "
            "Zeek attaches no HTTP analyzer without a handshake; wiretab finds the request "
            "and its 304 by content, as tshark does (ORACLE_NOTES.tsv)"),
    },
    "zeek-http-09.pcap": {
        ("-", "-", "-", "-"): (2, 0,
            "after each HTTP/0.9 exchange Zeek logs an empty second transaction (trans_depth "
            "2, every field unset) when the connection closes; there was no second request"),
    },
}

t = Tap()
folder = shared_captures()
tsv = os.path.join(folder, "EXPECTED_OUTPUTS.tsv")
if not os.path.exists(tsv):
    t.skip_all("no shared captures at " + folder)


def zeek_rows(path):
    names, rows = None, []
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("###") or not line:
            continue
        if line.startswith("#fields\t"):
            names = line[8:].split("\t")
            continue
        if line.startswith("#"):
            continue
        if names is None:
            names = line.split("\t")
            continue
        rows.append(dict(zip(names, line.split("\t"))))
    return names, rows


def norm(v):
    if v is None or v == "" or v == "(empty)":
        return "-"
    return str(v)


for line in list(open(tsv, encoding="utf-8"))[1:]:
    c = line.rstrip("\n").split("\t")
    if len(c) < 9 or c[3] != "zeek":
        continue
    cap, expected, cmd = c[1], c[2], c[8]
    if not (expected.endswith(".http.log") or expected.endswith(".http.log.cut")):
        continue
    names, rows = zeek_rows(os.path.join(folder, expected))
    keys = [f for f in FIELDS if f in names]
    logdir = tempfile.mkdtemp(prefix="wt-zeek-http-")
    args = [wiretab_path(), "-r", os.path.join(folder, cap), "--log-dir", logdir, "-q",
            "--format", "json"]
    if " -C " not in cmd:
        args.append("--verify-checksums")  # Zeek without -C drops bad checksums
    p = subprocess.run(args, capture_output=True, text=True)
    if not t.ok(p.returncode == 0, "%s: wiretab runs" % cap, p.stderr):
        continue
    ours = []
    for l in open(os.path.join(logdir, "http.log")):
        r = json.loads(l)
        if r.get("status_code") is None:
            r["status_code"] = "-"
        ours.append(tuple(norm(r.get(k)) for k in keys))
    zeek = [tuple(norm(r.get(k)) for k in keys) for r in rows]
    zc, oc = collections.Counter(zeek), collections.Counter(ours)
    expl = EXPLAINED.get(cap, {})
    unexplained = []
    for tup in set(zc) | set(oc):
        more_z, more_o = max(0, zc[tup] - oc[tup]), max(0, oc[tup] - zc[tup])
        if not more_z and not more_o:
            continue
        full = tuple(tup[keys.index(f)] if f in keys else None for f in FIELDS)
        e = next((v for k, v in expl.items()
                  if all(a is None or b is None or a == b for a, b in zip(k, full))), None)
        if e and (e[0], e[1]) == (more_z, more_o):
            print("# %s: explained: %s Zeek +%d wiretab +%d: %s" % (cap, tup, more_z, more_o, e[2]))
        else:
            unexplained.append("%s zeek +%d wiretab +%d" % (tup, more_z, more_o))
    t.ok(not unexplained, "%s: %d Zeek transactions, %d wiretab, fields %s agree"
         % (cap, len(zeek), len(ours), ",".join(keys)), "\n".join(unexplained))
t.done()
