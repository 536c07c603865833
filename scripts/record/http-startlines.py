#!/usr/bin/env python3
"""Instrumented counts for a lossy HTTP capture (tests/fidelity/lossy), from an independent reader of the
pcap (this file: a small pure-python pcap reader; wiretab is not involved).

    http-startlines.py CAPTURE.pcap [ACCESS_LOG] > NAME.counts.json

Per TCP connection to the server port (8080 unless WT_SERVER_PORT says otherwise), keyed by
the client port:
- status_segments: server->client segments whose payload BEGINS with a status line
  (`HTTP/1.x NNN ` then a reason phrase and CRLF), by status code;
- request_segments: client->server segments whose payload BEGINS with a request line
  (`METHOD SP target SP HTTP/1.x CRLF`), by method;
- status_anywhere / request_anywhere: the same start lines found anywhere in a captured
  segment (a response that begins right after the tail of the previous body, in the same
  segment), each validated as a whole line plus the next line looking like a header line.
A segment captured twice (same direction and sequence number: a TCP retransmission) counts
once. From the access log (lossy-nginx.conf.in's format: method status uri body connection
request_no client_port bytes_sent), the (method, uri, status) triples nginx logged per
client port.
"""
import collections
import json
import os
import re
import struct
import sys

SERVER_PORT = int(os.environ.get("WT_SERVER_PORT", "8080"))
METHODS = (b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"TRACE",
           b"CONNECT")
STATUS_RE = re.compile(rb"HTTP/1\.[01] ([1-5][0-9][0-9]) [\x20-\x7e\t]*\r\n")
REQUEST_RE = re.compile(rb"(" + b"|".join(METHODS) + rb") [\x21-\x7e]+ HTTP/1\.[01]\r\n")
HEADER_RE = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+:")


def frames(path):
    """(linktype, [(caplen, bytes)]) of a classic pcap file (either byte order, us or ns)."""
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit("%s: not a classic pcap file" % path)
    linktype = struct.unpack_from(e + "I", data, 20)[0] & 0xFFFF
    off, out = 24, []
    while off + 16 <= len(data):
        caplen = struct.unpack_from(e + "I", data, off + 8)[0]
        if off + 16 + caplen > len(data):
            break
        out.append(data[off + 16: off + 16 + caplen])
        off += 16 + caplen
    return linktype, out


def tcp_of(linktype, f):
    """(src, sport, dst, dport, seq, flags, payload) or None."""
    if linktype == 1:  # Ethernet, with 802.1Q tags
        if len(f) < 14:
            return None
        et, p = struct.unpack_from(">H", f, 12)[0], 14
        while et == 0x8100 and len(f) >= p + 4:
            et, p = struct.unpack_from(">H", f, p + 2)[0], p + 4
    elif linktype == 113:  # Linux cooked
        if len(f) < 16:
            return None
        et, p = struct.unpack_from(">H", f, 14)[0], 16
    elif linktype == 101:  # raw IP
        et, p = (0x0800 if f and f[0] >> 4 == 4 else 0x86DD), 0
    else:
        return None
    if et == 0x0800:
        if len(f) < p + 20 or f[p + 9] != 6:
            return None
        ihl = (f[p] & 15) * 4
        total = struct.unpack_from(">H", f, p + 2)[0]
        src, dst = f[p + 12:p + 16], f[p + 16:p + 20]
        end = min(len(f), p + total)
        p += ihl
    elif et == 0x86DD:
        if len(f) < p + 40 or f[p + 6] != 6:
            return None
        plen = struct.unpack_from(">H", f, p + 4)[0]
        src, dst = f[p + 8:p + 24], f[p + 24:p + 40]
        end = min(len(f), p + 40 + plen)
        p += 40
    else:
        return None
    if end < p + 20:
        return None
    sport, dport, seq = struct.unpack_from(">HHI", f, p)
    off = (f[p + 12] >> 4) * 4
    flags = f[p + 13]
    return src, sport, dst, dport, seq, flags, f[p + off:end]


def starts(payload, regex, key_group=1):
    """Start lines in the payload: (at segment start?, key) for each validated one."""
    found = []
    for m in regex.finditer(payload):
        rest = payload[m.end():]
        # a whole line, and what follows is a header line, the end of the header block, or
        # the end of the captured segment
        if rest and not (rest.startswith(b"\r\n") or HEADER_RE.match(rest)):
            continue
        found.append((m.start() == 0, m.group(key_group).decode()))
    return found


def main():
    cap = sys.argv[1]
    linktype, fs = frames(cap)
    conns = collections.defaultdict(lambda: {
        "status_segments": collections.Counter(), "request_segments": collections.Counter(),
        "status_anywhere": collections.Counter(), "request_anywhere": collections.Counter(),
        "syn_isns": set()})
    seen = set()
    dups = 0
    for f in fs:
        t = tcp_of(linktype, f)
        if t is None:
            continue
        src, sport, dst, dport, seq, flags, payload = t
        if dport == SERVER_PORT:
            port, to_server = sport, True
        elif sport == SERVER_PORT:
            port, to_server = dport, False
        else:
            continue
        c = conns[port]
        if flags & 0x02 and to_server:
            c["syn_isns"].add(seq)
        if not payload:
            continue
        key = (port, to_server, seq, len(payload))
        if key in seen:
            dups += 1
            continue
        seen.add(key)
        if to_server:
            for at_start, m in starts(payload, REQUEST_RE):
                c["request_anywhere"][m] += 1
                if at_start:
                    c["request_segments"][m] += 1
        else:
            for at_start, code in starts(payload, STATUS_RE):
                c["status_anywhere"][code] += 1
                if at_start:
                    c["status_segments"][code] += 1

    logged = collections.defaultdict(list)
    if len(sys.argv) > 2:
        for line in open(sys.argv[2]):
            f = line.split()
            if len(f) >= 7:
                logged[int(f[6])].append([f[0], f[2], int(f[1])])

    def total(k):
        s = collections.Counter()
        for c in conns.values():
            s.update(c[k])
        return dict(sorted(s.items()))

    doc = {
        "capture": os.path.basename(cap),
        "reader": "scripts/record/http-startlines.py (pure-python pcap reader, not wiretab)",
        "frames": len(fs),
        "server_port": SERVER_PORT,
        "duplicate_segments_skipped": dups,
        "totals": {k: total(k) for k in ("status_segments", "request_segments",
                                         "status_anywhere", "request_anywhere")},
        "ports_with_more_than_one_isn": sorted(p for p, c in conns.items() if len(c["syn_isns"]) > 1),
        "connections": {
            str(p): {k: dict(sorted(c[k].items())) for k in
                     ("status_segments", "request_segments", "status_anywhere", "request_anywhere")}
            | {"logged": logged.get(p, [])}
            for p, c in sorted(conns.items())},
    }
    if logged:
        doc["access_log"] = {
            "requests": sum(len(v) for v in logged.values()),
            "status": dict(sorted(collections.Counter(str(s) for v in logged.values() for _, _, s in v).items())),
            "method": dict(sorted(collections.Counter(m for v in logged.values() for m, _, _ in v).items())),
        }
        for p in logged:
            if p not in conns:
                doc["connections"][str(p)] = {"logged": logged[p], "not_in_capture": True}
    json.dump(doc, sys.stdout, indent=1, sort_keys=False)
    print()


main()
