#!/usr/bin/env python3
"""The hand-off of a connection from a proxy's handshake to the protocol inside
(WtStreamDissector.handoff, dissectors/tcp/tcp.c) on synthetic captures whose bytes are
written out here, so the expected counts follow from them:

- a SOCKS 5 client that sends greeting, request and its HTTP request in one segment, and a
  server that answers method choice, reply and HTTP response in one segment: the bytes
  after the handshake in both directions reach HTTP (the client's held back until the
  reply, the server's in the same delivery);
- the same exchange one byte per segment, on a port nobody knows (found by the probe);
- HTTP CONNECT to port 80 one byte per segment: the CONNECT and the GET inside;
- a refused SOCKS 4 request: nothing is handed on.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_path  # noqa: E402

ETH = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
FIN, SYN, PSH, ACK = 1, 2, 8, 16


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


class Conn:
    def __init__(self, out, cport, sport):
        self.out, self.cport, self.sport = out, cport, sport
        self.c, self.s = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
        self.cseq, self.sseq, self.t = 1000, 5000, 1_700_000_000_000_000

    def frame(self, from_client, flags, payload=b""):
        self.t += 10
        src, dst = (self.c, self.s) if from_client else (self.s, self.c)
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        seq, ack = (self.cseq, self.sseq) if from_client else (self.sseq, self.cseq)
        th = struct.pack(">HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0)
        pseudo = src + dst + struct.pack(">BBH", 0, 6, len(th) + len(payload))
        th = th[:16] + struct.pack(">H", csum(pseudo + th + payload)) + th[18:]
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack(">H", csum(ip)) + ip[12:]
        f = ETH + ip + th + payload
        self.out.write(struct.pack("<IIII", self.t // 1000000, self.t % 1000000, len(f), len(f)) + f)

    def handshake(self):
        self.frame(True, SYN)
        self.cseq += 1
        self.frame(False, SYN | ACK)
        self.sseq += 1
        self.frame(True, ACK)

    def send(self, from_client, data, mss=1460):
        for i in range(0, len(data), mss):
            self.frame(from_client, PSH | ACK, data[i:i + mss])
            if from_client:
                self.cseq += len(data[i:i + mss])
            else:
                self.sseq += len(data[i:i + mss])

    def close(self):
        self.frame(True, FIN | ACK)
        self.cseq += 1
        self.frame(False, FIN | ACK)
        self.sseq += 1
        self.frame(True, ACK)


GET = b"GET /inside HTTP/1.1\r\nHost: www.example.test\r\n\r\n"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
GREET, METHOD = b"\x05\x01\x00", b"\x05\x00"
REQ = b"\x05\x01\x00\x03\x10www.example.test\x00\x50"
REPLY = b"\x05\x00\x00\x01\x0a\x00\x00\x02\x04\x00"


def capture(path, build):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        build(out)


def analyse(t, name, path):
    logs = path + ".logs"
    os.makedirs(logs, exist_ok=True)
    p = subprocess.run([wiretab_path(), "-q", "-r", path, "--format", "json", "--log-dir", logs],
                       capture_output=True, text=True)
    t.ok(p.returncode == 0, "%s: wiretab exits 0" % name, p.stderr)
    rep = json.loads(p.stdout) if p.returncode == 0 else {}
    conns = [json.loads(l) for l in open(os.path.join(logs, "conn.log"))] if rep else []
    return rep, conns


def socks_optimistic(out):
    c = Conn(out, 40000, 1080)
    c.handshake()
    c.send(True, GREET + REQ + GET)
    c.send(False, METHOD + REPLY + OK)
    c.close()


def socks_bytewise(out):
    c = Conn(out, 40001, 9050)
    c.handshake()
    c.send(True, GREET, mss=1)
    c.send(False, METHOD, mss=1)
    c.send(True, REQ, mss=1)
    c.send(False, REPLY, mss=1)
    c.send(True, GET, mss=1)
    c.send(False, OK, mss=1)
    c.close()


def connect_bytewise(out):
    c = Conn(out, 40002, 3128)
    c.handshake()
    c.send(True, b"CONNECT www.example.test:80 HTTP/1.1\r\nHost: www.example.test:80\r\n\r\n", mss=1)
    c.send(False, b"HTTP/1.1 200 Connection established\r\n\r\n", mss=1)
    c.send(True, GET, mss=1)
    c.send(False, OK, mss=1)
    c.close()


def socks4_refused(out):
    c = Conn(out, 40003, 1080)
    c.handshake()
    c.send(True, b"\x04\x01\x00\x50\x0a\x00\x00\x02\x00")
    c.send(False, b"\x00\x5b\x00\x00\x00\x00\x00\x00")
    c.close()


t = Tap()
tmp = tempfile.mkdtemp(prefix="wt-handoff-")
for name, build, want_http, want_service in [
    ("socks5 optimistic", socks_optimistic, {"GET": 1}, "socks,http"),
    ("socks5 byte by byte on port 9050", socks_bytewise, {"GET": 1}, "socks,http"),
    ("CONNECT byte by byte", connect_bytewise, {"CONNECT": 1, "GET": 1}, "http"),
    ("socks4 refused", socks4_refused, {}, "socks"),
]:
    path = os.path.join(tmp, name.replace(" ", "-") + ".pcap")
    capture(path, build)
    rep, conns = analyse(t, name, path)
    if not rep:
        continue
    h = rep["http"]
    t.eq(h["methods"], want_http, "%s: HTTP methods" % name)
    want_status = {"200": sum(want_http.values())} if want_http else {}
    t.eq(h["status_codes"], want_status, "%s: HTTP statuses" % name)
    if "GET" in want_http:
        t.eq([r["uri"] for r in h["uris"] if r["uri"] == "/inside"], ["/inside"],
             "%s: the request inside is /inside" % name)
        t.eq(h["response_body_bytes"], 5, "%s: the body inside" % name)
    t.eq([c.get("service") for c in conns], [want_service], "%s: conn.log service" % name)
    if want_http:
        t.eq((h["unanswered"], h["orphan_responses"]), (0, 0),
             "%s: the response inside is paired with its request" % name)
shutil.rmtree(tmp, ignore_errors=True)
t.done()
