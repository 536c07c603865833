#!/usr/bin/env python3
"""A connection closed by a FIN in both directions gives back its application session when
the application has been told the end, not when its flow goes after TIME-WAIT: at the last
frame of each capture (shorter than TIME-WAIT, so every closed connection is still in the
flow table), the sessions freed at close equal tshark's count of connections with a FIN
from both endpoints, and the sessions still alive are those of the other connections.
Captures whose every TCP connection with data carries a protocol wiretab reads (HTTP, HTTP/2, TLS
with its key log). Usage: test-close-release.py PROBE CAPTURES_DIR"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from tap import Tap  # noqa: E402

CAPTURES = [  # (capture, key log or None)
    ("http-mix-small.pcap", None),
    ("http-veth-ipv4.pcap", None),
    ("http-lo-ipv6.pcap", None),
    ("http-any-sll2.pcap", None),
    ("http2-h2c.pcap", None),
    ("http2-upgrade.pcap", None),
    ("https-keylog.pcap", "https-keylog.keylog"),
    ("tls-decrypt.pcap", "tls-decrypt.keylog"),
]


def tshark_streams(path):
    """(connections that carried data, those of them with a FIN from both endpoints), as
    tshark counts them (a connection without a byte of payload gets no session)."""
    out = subprocess.run(["tshark", "-n", "-r", path, "-Y", "tcp", "-T", "fields",
                          "-e", "tcp.stream", "-e", "tcp.flags.fin", "-e", "tcp.len",
                          "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport"],
                         capture_output=True, text=True, check=True).stdout
    with_data, fins = set(), {}
    for line in out.splitlines():
        stream, fin, length, src4, src6, port = (line.split("\t") + [""] * 6)[:6]
        if length not in ("", "0"):
            with_data.add(stream)
        if fin in ("1", "True"):
            fins.setdefault(stream, set()).add((src4 or src6, port))
    closed = {s for s, ends in fins.items() if len(ends) == 2}
    return len(with_data), len(closed & with_data)


def probe(prog, path, keylog):
    out = subprocess.run([prog, path] + ([keylog] if keylog else []), capture_output=True,
                         text=True, check=True).stdout
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", out)}


t = Tap()
prog, folder = sys.argv[1], sys.argv[2]
if not shutil.which("tshark"):
    t.skip_all("tshark not installed")
for name, keylog in CAPTURES:
    path = os.path.join(folder, name)
    conns, closed = tshark_streams(path)
    got = probe(prog, path, os.path.join(folder, keylog) if keylog else None)
    t.ok(closed > 0, "%s: tshark finds connections closed both ways (%d of %d)"
         % (name, closed, conns))
    t.eq(got["sessions_freed_at_close"], closed,
         "%s: sessions freed at close = tshark's closed connections" % name)
    t.eq(got["sessions_live"], conns - closed,
         "%s: sessions alive = tshark's connections with data not closed both ways" % name)
    t.ok(got["flows_live"] >= closed,
         "%s: the closed connections are still in the flow table (TIME-WAIT): %d flows"
         % (name, got["flows_live"]))
t.done()
