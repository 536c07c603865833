#!/usr/bin/env python3
"""HTTPS next to plain HTTP (captures/tls-sni.pcap): the TLS section's server names and
negotiated versions equal curl's own account of each connection (tls-sni.truth.txt), the
encrypted requests are not counted as HTTP, and the plain request on port 80 is."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_json, project_root  # noqa: E402

t = Tap()
cap = os.path.join(project_root(), "captures", "tls-sni.pcap")
truth = {}
for line in open(os.path.join(project_root(), "captures", "tls-sni.truth.txt")):
    if line.startswith("#") or not line.strip():
        continue
    parts = line.split()
    truth[tuple(parts[:-1])] = int(parts[-1]) if parts[-1].isdigit() else parts[-1]

rep = wiretab_json(["-r", cap])
tls = rep["tls"]
t.eq(tls["client_hellos"], truth[("tls_connections",)], "one ClientHello per TLS connection curl made")
t.eq(tls["server_hellos"], truth[("tls_connections",)], "one ServerHello each")
t.eq({r["server_name"]: r["count"] for r in tls["sni"]},
     {k[1]: v for k, v in truth.items() if k[0] == "sni"}, "server names (SNI) as curl asked")
t.eq({k.replace(" ", "v"): v for k, v in tls["negotiated_versions"].items()},
     {k[1]: v for k, v in truth.items() if k[0] == "negotiated"},
     "negotiated versions as curl reports them")
t.eq(tls["no_sni"], 0, "no ClientHello without SNI")
t.eq(rep["http"]["requests"], truth[("plain_http_requests",)],
     "only the plain request counts as HTTP; HTTPS requests stay encrypted")
t.ok("note" in tls and "encrypted" in tls["note"], "the TLS section says HTTPS content is not read")
t.done()
