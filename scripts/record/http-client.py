#!/usr/bin/env python3
"""Raw-socket HTTP clients that curl cannot be made to behave like.

    http-client.py pipeline HOST PORT      three GET requests in ONE write (pipelining); the
                                           last asks Connection: close; reads to EOF
    http-client.py abort HOST PORT PATH N  GET PATH, read N body bytes, then close with
                                           SO_LINGER {1, 0} so the download ends in an RST

Prints its own account as `key value` lines (what it sent, what status lines it read).
"""
import re
import socket
import struct
import sys


def say(key, value):
    print(f"{key} {value}", flush=True)


def connect(host, port, rcvbuf=0):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    if rcvbuf:
        # A small receive buffer (set before the SYN so the window matches) keeps the
        # server from pushing the whole file before the RST.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(5)
    s.connect((host, port))
    return s


def parse_responses(data):
    """Status codes of the back-to-back responses in data, walking Content-Length bodies
    (nginx gives every answer here a length; 204/304 and HEAD are not used)."""
    statuses = []
    pos = 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            break
        head = data[pos:end]
        statuses.append(head[9:12])
        m = re.search(rb"\r\nContent-Length: *(\d+)", head, re.I)
        pos = end + 4 + (int(m.group(1)) if m else 0)
    return statuses


def pipeline(host, port):
    paths = ["/index.html", "/static/small.bin", "/missing"]
    reqs = b""
    for i, p in enumerate(paths):
        close = b"Connection: close\r\n" if i == len(paths) - 1 else b""
        reqs += b"GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: pipeline.py\r\n%s\r\n" % (
            p.encode(), host.encode(), close)
    s = connect(host, port)
    s.sendall(reqs)                       # one write: all three requests in one segment
    say("pipeline_requests_sent", len(paths))
    say("pipeline_request_bytes", len(reqs))
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    statuses = parse_responses(data)
    say("pipeline_responses_read", len(statuses))
    say("pipeline_statuses", ",".join(x.decode() for x in statuses))
    say("pipeline_response_bytes", len(data))


def abort(host, port, path, want):
    s = connect(host, port, rcvbuf=16384)
    req = b"GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: abort.py\r\n\r\n" % (path.encode(), host.encode())
    s.sendall(req)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep and len(body) >= want:
            break
    head, _, body = data.partition(b"\r\n\r\n")
    say("abort_status_line", head.split(b"\r\n")[0].decode().replace(" ", "_"))
    m = re.search(rb"\r\nContent-Length: (\d+)", head, re.I)
    say("abort_content_length", m.group(1).decode() if m else "none")
    say("abort_body_bytes_read", len(body))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    say("abort_closed", "rst_so_linger_0")


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "pipeline":
        pipeline(sys.argv[2], int(sys.argv[3]))
    elif mode == "abort":
        abort(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
