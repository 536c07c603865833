#!/usr/bin/env python3
"""--threads N gives the results of one thread.

Every capture in captures/ and ../shared/captures (when present; its tunnels/ folder
too: tunnel.log and conn.log's tunnel_parents, whose uids are made from frame numbers
like every uid), plus hand-made ones
(fragments out of order, many flows on one address pair), is read with --threads 1, 2,
3 and 4 (more workers than this machine's cores; with 2 and 3 the shared reading verifies
the long frames' checksums, with 4 the workers do); the JSON report (every section) must be
equal, conn.log/http.log/dns.log must hold the same lines (order aside: the workers
write as their flows end), exit status and stderr must be equal. Fields that cannot be
equal are excluded by name only (docs/report-format.md, "--threads"):
capture.flows_peak and tcp.reassembly.peak_buffered_bytes (sums of the workers' peaks).
"""
import glob
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, declared_logs, wiretab_path, shared_captures  # noqa: E402
from thread_sums import strip  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
LOGS = [n + ".log" for n in declared_logs()]

t = Tap()


# N threads whatever the load (no sizing to the free cores), and the mode used on stderr
ENV = dict(os.environ, WIRETAB_THREADS_FIXED="1", WIRETAB_THREADS_TRACE="1")
ENV.pop("WIRETAB_THREADS_READER", None)
READER_ENV = dict(ENV, WIRETAB_THREADS_READER="1")
TRACE = "wiretab: threads: "


def run(args, threads, tmp, reader=False):
    """(exit status, stderr without the trace line, report, logs, mode)"""
    logdir = os.path.join(tmp, "logs-%d%s" % (threads, "r" if reader else ""))
    p = subprocess.run([wiretab_path(), "-q", "--format", "json", "--log-dir", logdir,
                        "--threads", str(threads)] + args, capture_output=True, text=True,
                       env=READER_ENV if reader else ENV)
    mode = None
    stderr = []
    for line in p.stderr.splitlines(True):
        if line.startswith(TRACE):
            mode = line[len(TRACE):].strip().split(", ")[-1]
        else:
            stderr.append(line)
    logs = {}
    for name in LOGS:
        path = os.path.join(logdir, name)
        logs[name] = sorted(open(path).read().splitlines(True)) if os.path.exists(path) else None
    report = None
    if p.stdout.strip():
        try:
            report = strip(json.loads(p.stdout))
        except ValueError as e:
            report = "unparsable: %s" % e
    return p.returncode, "".join(stderr), report, logs, mode


def first_difference(a, b, where=""):
    if type(a) is not type(b):
        return "%s: %r vs %r" % (where, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s only in one" % (where, k)
            d = first_difference(a[k], b[k], where + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d vs %d items" % (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (where, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r vs %r" % (where, a, b)


# Plain pcap files are read by every worker itself ("replicated"); the reader thread that
# copies frames into batches ("reader") stays for the rest, and is compared here on every
# capture too (WIRETAB_THREADS_READER=1).
RUNS = ((2, False), (3, False), (4, False), (2, True))
MODES = {}  # runs per mode, printed at the end


def compare(name, args, tmp, expect_lines=True, replicated=None):
    """replicated: True/False, the mode --threads 2 and 3 must take (None: either)."""
    base = run(args, 1, tmp)
    if expect_lines:
        t.ok(base[2] is not None and not isinstance(base[2], str), "%s: report" % name,
             base[1])
    for n, reader in RUNS:
        got = run(args, n, tmp, reader)
        mode = "reader" if reader or replicated is False else "replicated"
        # (a file that does not open runs no mode: nothing to check)
        if replicated is not None or (reader and got[4] is not None):
            t.eq(got[4], mode, "%s --threads %d: %s mode" % (name, n, mode))
        MODES[got[4]] = MODES.get(got[4], 0) + 1
        n = "%d (%s)" % (n, got[4])
        t.eq(got[0], base[0], "%s --threads %s: exit status" % (name, n))
        t.eq(got[1], base[1], "%s --threads %s: stderr" % (name, n))
        t.ok(got[2] == base[2], "%s --threads %s: JSON report" % (name, n),
             first_difference(base[2], got[2]) if isinstance(base[2], dict) and
             isinstance(got[2], dict) else "%r vs %r" % (base[2], got[2]))
        for log in LOGS:
            a, b = base[3][log], got[3][log]
            diag = None
            if a != b and a is not None and b is not None:
                only1 = sorted(set(a) - set(b))[:2]
                only2 = sorted(set(b) - set(a))[:2]
                diag = "%d vs %d lines\nonly with 1: %s\nonly with %s: %s" % (
                    len(a), len(b), "".join(only1), n, "".join(only2))
            t.ok(a == b, "%s --threads %s: %s (sorted lines)" % (name, n, log), diag)
    return base


def repeated_capture(src, dst, copies, gap_s=600):
    """src (a classic little-endian pcap) `copies` times over, each copy gap_s later, so
    the shared reading goes through many chunks (1,024 frames or 1 MiB each) and its ring
    of 8 wraps; returns the frame count."""
    data = open(src, "rb").read()
    header, records = data[:24], []
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack("<IIII", data[pos:pos + 16])
        records.append((sec, frac, caplen, wirelen, data[pos + 16:pos + 16 + caplen]))
        pos += 16 + caplen
    with open(dst, "wb") as f:
        f.write(header)
        for k in range(copies):
            for sec, frac, caplen, wirelen, body in records:
                f.write(struct.pack("<IIII", sec + k * gap_s, frac, caplen, wirelen) + body)
    return len(records) * copies


def check_times(path, frames, tmp):
    """WIRETAB_THREADS_TIMES: a line per worker; the chunks they read cover the frames."""
    p = subprocess.run([wiretab_path(), "-q", "-r", path, "--threads", "2"],
                       capture_output=True, text=True,
                       env=dict(ENV, WIRETAB_THREADS_TIMES="1"))
    lines = [l for l in p.stderr.splitlines() if l.startswith("wiretab: worker ")]
    chunks = sum(int(re.search(r" in (\d+) chunks", l).group(1)) for l in lines)
    t.ok(len(lines) == 2, "WIRETAB_THREADS_TIMES: a line per worker", p.stderr)
    t.ok(chunks >= frames // 1024 + 1, "WIRETAB_THREADS_TIMES: %d chunks read for %d frames"
         % (chunks, frames), p.stderr)


def scapy_captures(tmp):
    """Hand-made: one address pair carrying many TCP and UDP flows (so the ports spread
    them over workers), UDP answers cut into IPv4 fragments sent last-first (so fragments
    wait for their first one), IPv6 fragments, ICMP fragments, VLAN-tagged frames of a
    flow whose other direction is untagged."""
    try:
        import scapy  # noqa: F401
    except ImportError:  # python3 may not be the system one that has python3-scapy
        sys.path.append("/usr/lib/python3/dist-packages")
    import warnings
    warnings.simplefilter("ignore")  # scapy's cryptography deprecation notices
    try:
        from scapy.all import (IP, IPv6, IPv6ExtHdrFragment, TCP, UDP, ICMP, Ether, Dot1Q,
                               Raw, fragment, wrpcap)
    except ImportError:
        return None
    pkts = []
    ts = 1700000000.0

    def add(p):
        nonlocal ts
        ts += 0.001
        p.time = ts
        pkts.append(p)

    cli, srv = "10.0.0.1", "10.0.0.2"

    def Eth():  # noqa: N802 (explicit addresses: scapy would look them up)
        return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    for i in range(40):  # TCP: handshake, a request, an answer, close
        sp = 40000 + i
        e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        r = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")
        if i % 5 == 0:
            r = r / Dot1Q(vlan=7)
        req = b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % i
        resp = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
        add(e / IP(src=cli, dst=srv) / TCP(sport=sp, dport=80, flags="S", seq=1000))
        add(r / IP(src=srv, dst=cli) / TCP(sport=80, dport=sp, flags="SA", seq=5000, ack=1001))
        add(e / IP(src=cli, dst=srv) / TCP(sport=sp, dport=80, flags="A", seq=1001, ack=5001))
        add(e / IP(src=cli, dst=srv) / TCP(sport=sp, dport=80, flags="PA", seq=1001,
                                            ack=5001) / Raw(req))
        add(r / IP(src=srv, dst=cli) / TCP(sport=80, dport=sp, flags="PA", seq=5001,
                                            ack=1001 + len(req)) / Raw(resp))
        add(e / IP(src=cli, dst=srv) / TCP(sport=sp, dport=80, flags="FA",
                                            seq=1001 + len(req), ack=5001 + len(resp)))
        add(r / IP(src=srv, dst=cli) / TCP(sport=80, dport=sp, flags="FA",
                                            seq=5001 + len(resp), ack=1002 + len(req)))
        add(e / IP(src=cli, dst=srv) / TCP(sport=sp, dport=80, flags="A",
                                            seq=1002 + len(req), ack=5002 + len(resp)))
    n_frag_udp = 30
    for i in range(n_frag_udp):  # UDP: small query, answer in 3 fragments, last first
        sp = 50000 + i
        add(Eth() / IP(src=cli, dst=srv) / UDP(sport=sp, dport=9999) / Raw(b"q" * 20))
        frags = fragment(IP(src=srv, dst=cli, id=100 + i) / UDP(sport=9999, dport=sp) /
                         Raw(bytes([i]) * 2000), fragsize=800)
        if i % 2 == 0:
            frags = list(reversed(frags))
        for f in frags:
            add(Eth() / f)
    for i in range(10):  # IPv6 UDP: answer fragmented, second fragment first
        sp = 51000 + i
        a6, b6 = "2001:db8::1", "2001:db8::2"
        add(Eth() / IPv6(src=a6, dst=b6) / UDP(sport=sp, dport=9998) / Raw(b"q" * 20))
        payload = bytes(UDP(sport=9998, dport=sp) / Raw(bytes([i]) * 1500))
        f1 = IPv6(src=b6, dst=a6) / IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=7 + i) / \
            Raw(payload[:800])
        f2 = IPv6(src=b6, dst=a6) / IPv6ExtHdrFragment(nh=17, offset=100, m=0, id=7 + i) / \
            Raw(payload[800:])
        add(Eth() / f2)
        add(Eth() / f1)
    n_reuse = 6  # IP ids used again by another flow's answer: routed by its own first
    for i in range(n_reuse):  # fragment, not by the finished datagram's
        for k, sp in enumerate((52000 + i, 53000 + i)):
            add(Eth() / IP(src=cli, dst=srv) / UDP(sport=sp, dport=9997) / Raw(b"q" * 20))
            frags = fragment(IP(src=srv, dst=cli, id=900 + i) / UDP(sport=9997, dport=sp) /
                             Raw(bytes([k]) * 1200), fragsize=800)
            for f in (frags if k == 0 else list(reversed(frags))):
                add(Eth() / f)
    for f in fragment(IP(src=cli, dst=srv) / ICMP() / Raw(b"p" * 3000), fragsize=1000):
        add(Eth() / f)
    path = os.path.join(tmp, "threads-handmade.pcap")
    wrpcap(path, pkts)
    return path, n_frag_udp + 2 * n_reuse


def main():
    caps = sorted(glob.glob(os.path.join(ROOT, "captures", "*.pcap*")))
    shared = shared_captures()
    if os.path.isdir(shared):
        caps += sorted(glob.glob(os.path.join(shared, "*.pcap")) +
                       glob.glob(os.path.join(shared, "*.pcapng")))
        # the tunnel captures: inner and outer flows, tunnel.log and tunnel_parents too
        caps += sorted(glob.glob(os.path.join(shared, "tunnels", "*.pcap")))
    with tempfile.TemporaryDirectory() as tmp:
        made = scapy_captures(tmp)
        if made:
            path, n_frag_udp = made
            base = compare("handmade", ["-r", path], tmp, replicated=True)
            rep = base[2]
            # independent numbers: what the capture was built with
            t.eq(rep["protocols"]["fragments"]["reassembled"], n_frag_udp + 10 + 1,
                 "handmade: datagrams reassembled (30 + 12 IPv4 UDP, 10 IPv6 UDP, 1 ICMP)")
            t.eq(rep["udp"]["flows"], n_frag_udp + 10, "handmade: UDP flows")
            t.eq(rep["capture"]["flows"], 40 + n_frag_udp + 10 + 1, "handmade: flows")
            t.eq(rep["http"]["requests"] if "requests" in rep["http"] else None, 40,
                 "handmade: HTTP requests")
        else:
            t.skip("handmade capture", "python3-scapy missing")
        for cap in caps:
            compare(os.path.basename(cap), ["-r", cap], tmp, expect_lines=False)
        # options that change the pipeline's grid or input: several files, -c, a fixed
        # timeline width that does not divide a second, a filter
        mix = os.path.join(ROOT, "captures", "http-mix-small.pcap")
        lo6 = os.path.join(ROOT, "captures", "http-lo-ipv6.pcap")
        if os.path.exists(mix) and os.path.exists(lo6):
            compare("two files", ["-r", mix, "-r", lo6], tmp, replicated=True)
            compare("-c 500", ["-r", mix, "-c", "500"], tmp, replicated=True)
            compare("two files -c 700", ["-r", lo6, "-r", mix, "-c", "700"], tmp,
                    replicated=True)
            compare("--interval 0.7", ["-r", mix, "--interval", "0.7"], tmp, replicated=True)
            compare("-f 'tcp port 80 or udp'", ["-r", mix, "-f", "tcp port 80 or udp"], tmp,
                    replicated=True)
            compare("--verify-checksums --top 3", ["-r", mix, "--verify-checksums",
                                                   "--top", "3"], tmp, replicated=True)
            # many chunks: the ring wraps, readers take turns, pages are given back
            many = os.path.join(tmp, "mix-x12.pcap")
            frames = repeated_capture(mix, many, 12)
            compare("12 copies (%d frames)" % frames, ["-r", many], tmp, replicated=True)
            compare("12 copies, -c 7000", ["-r", many, "-c", "7000"], tmp, replicated=True)
            compare("12 copies and 1 more file", ["-r", many, "-r", lo6], tmp, replicated=True)
            check_times(many, frames, tmp)
            # what replicated reading leaves to the reader thread: pcapng files
            ng = sorted(glob.glob(os.path.join(ROOT, "captures", "*.pcapng")))
            if ng:
                compare("pcapng " + os.path.basename(ng[0]), ["-r", ng[0]], tmp,
                        replicated=False)
    # the options that stay on one thread are refused with a usage error
    for extra in (["--explain", "80"], ["--follow", "80"]):
        p = subprocess.run([wiretab_path(), "-q", "--threads", "2", "-r",
                            os.path.join(ROOT, "captures", "http-mix-small.pcap")] + extra,
                           capture_output=True, text=True)
        t.eq(p.returncode, 1, "--threads 2 %s: usage error" % " ".join(extra))
    p = subprocess.run([wiretab_path(), "-q", "--threads", "0", "-r",
                        os.path.join(ROOT, "captures", "http-mix-small.pcap")],
                       capture_output=True, text=True)
    t.eq(p.returncode, 0, "--threads 0 is one thread")
    print("# runs per mode: %s" % ", ".join("%s %d" % (k, v) for k, v in
                                           sorted(MODES.items(), key=lambda kv: str(kv[0]))))
    t.done()


main()
