#!/usr/bin/env python3
"""A connection closed by a FIN in both directions gives back its application session when
the application has been told the end, not when its flow goes after TIME-WAIT: at the last
frame of each capture (shorter than TIME-WAIT, so every closed connection is still in the
flow table), the sessions freed at close equal tshark's count of connections with a FIN
from both endpoints, and the sessions still alive are those of the other connections.
Captures whose every TCP connection with data carries a protocol wiretab reads (HTTP, HTTP/2, TLS
with its key log). Then the segments a connection may still get in TIME-WAIT, after its
session is gone: http-veth-ipv4.pcap with, 5 s after its end, a copy of a server data
segment of its first connection (a retransmission, as tshark marks it) and, 1 s later, the
same bytes past the server's FIN: the report counts one retransmitted segment (tshark's
count) and one segment of data after the FIN.
Usage: test-close-release.py PROBE CAPTURES_DIR WIRETAB"""
import json
import struct
import tempfile
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


def late_segments_capture(src, dest):
    """src plus a retransmission and data past the FIN of the first connection's server
    (frame 42, FIN at 1140207354: tshark -Y tcp.stream==0 shows them)."""
    raw = open(src, "rb").read()
    order = "<" if raw[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off, recs = 24, []
    while off < len(raw):
        ts, frac, caplen, wirelen = struct.unpack(order + "IIII", raw[off:off + 16])
        recs.append((ts, frac, raw[off + 16:off + 16 + caplen], wirelen))
        off += 16 + caplen
    data = recs[41][2]
    tcp = 14 + (data[14] & 0xF) * 4
    past_fin = data[:tcp + 4] + struct.pack(">I", 1140207355) + data[tcp + 8:]
    last = recs[-1][0]
    recs += [(last + 5, 0, data, len(data)), (last + 6, 0, past_fin, len(past_fin))]
    with open(dest, "wb") as f:
        f.write(raw[:24])
        for ts, frac, d, wirelen in recs:
            f.write(struct.pack(order + "IIII", ts, frac, len(d), wirelen) + d)


def check_late_segments(t, folder, wiretab):
    with tempfile.TemporaryDirectory(prefix="wt-closemem-") as tmp:
        cap = os.path.join(tmp, "late.pcap")
        late_segments_capture(os.path.join(folder, "http-veth-ipv4.pcap"), cap)
        rexmit = subprocess.run(["tshark", "-n", "-r", cap, "-Y", "tcp.analysis.retransmission"],
                                capture_output=True, text=True, check=True).stdout
        got = subprocess.run([wiretab, "-q", "-r", cap, "--format", "json"], capture_output=True,
                             text=True, check=True).stdout
    anomalies = json.dumps(json.loads(got))
    count = lambda key: int((re.search(r'"%s": (\d+)' % re.escape(key), anomalies) or [0, 0])[1])
    t.eq(count("tcp.retransmitted_segments"), len(rexmit.splitlines()),
         "late retransmission in TIME-WAIT counted as tshark marks it")
    t.eq(count("tcp.data_after_fin"), 1, "late data past the FIN counted once")


t = Tap()
prog, folder, wiretab = sys.argv[1], sys.argv[2], sys.argv[3]
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
check_late_segments(t, folder, wiretab)
t.done()
