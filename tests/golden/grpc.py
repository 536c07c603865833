#!/usr/bin/env python3
"""gRPC over h2c (captures/grpc-h2c.pcap: python3-grpcio client and server, scripts/record/):
http2's grpc tables equal the client's own record of each call (grpc-h2c.client.txt:
service/method and the grpc.StatusCode it got), statuses from trailers and from trailers-
only responses alike; tshark's http2 dissector (decode-as for port 50051) sees the same
grpc-status values and :paths."""
import collections
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_json, project_root  # noqa: E402

t = Tap()
caps = os.path.join(project_root(), "captures")
cap = os.path.join(caps, "grpc-h2c.pcap")
kv = {}
for line in open(os.path.join(caps, "grpc-h2c.truth.txt")):
    f = line.split()
    if len(f) == 2 and not f[0].startswith("#"):
        kv[f[0]] = f[1]
calls = [l.split() for l in open(os.path.join(caps, "grpc-h2c.client.txt")) if l.strip()]
by_status = collections.Counter(c[1] for c in calls)
by_call = collections.Counter((c[0], c[1]) for c in calls)

rep = wiretab_json(["-r", cap])
h, h2 = rep["http"], rep["http2"]
t.eq(rep["capture"]["packets"], int(kv["frames"]), "frames equal the truth file's")
t.eq(h2["grpc_calls"], len(calls), "gRPC calls equal the client's")
t.eq(h2["grpc_status"], dict(by_status), "calls by grpc-status equal the client's status codes")
got = {(r["method"], r["status"]): r["calls"] for r in h2["grpc_methods"]}
t.eq(got, dict(by_call), "calls by service/method and status equal the client's")
t.eq(h["methods"], {"POST": len(calls)}, "every call one HTTP/2 POST in the HTTP tables")
t.eq(h["status_codes"], {"200": len(calls)}, "... answered HTTP 200 (the status is gRPC's)")
t.eq({k: v for k, v in rep["anomalies"].items() if k.startswith("http")}, {},
     "no http or http2 anomalies")

if shutil.which("tshark"):
    # one line per packet, the fields apart by a tab, the values of repeated fields joined
    # by "|" (values hold commas and semicolons: grpc-accept-encoding, user-agent)
    p = subprocess.run(["tshark", "-n", "-r", cap, "-d", "tcp.port==50051,http2",
                        "-Y", "http2.type == 1", "-T", "fields", "-E", "separator=/t",
                        "-E", "aggregator=|",
                        "-e", "http2.header.name", "-e", "http2.header.value"],
                       capture_output=True, text=True)
    statuses, paths = collections.Counter(), collections.Counter()
    for line in p.stdout.splitlines():
        names, _, values = line.partition("\t")
        for n, v in zip(names.split("|"), values.split("|")):
            if n == "grpc-status":
                statuses[int(v)] += 1
            elif n == ":path":
                paths[v.lstrip("/")] += 1
    want = collections.Counter()
    names = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
             "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
             "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
             "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"]
    t.eq({names[k]: n for k, n in statuses.items()}, h2["grpc_status"],
         "tshark: the grpc-status values on the wire")
    t.eq(dict(paths), dict(collections.Counter(c[0] for c in calls)), "tshark: the :paths")
else:
    t.skip("tshark's grpc-status values", "tshark not installed")
t.done()
