#!/usr/bin/env python3
"""Hostile traffic, generated here (struct.pack, no scapy: a million frames must be quick),
run through $WIRETAB with its resident memory measured (getrusage of the child, ru_maxrss)
and its wall time bounded. Expected numbers come from how each capture is built, never from
wiretab. TAP output for `meson test --suite hostile`.

  WIRETAB=build/analyzer/wiretab tests/hostile/hostile.py [--scale F]

Cases (name one or more to run only those): syn_flood, overlaps, hole, fragments,
http_hostile, odd_frames (a 30 x 2 KB IPv6 extension chain, 200 VLAN tags, zero-length and
262,144-byte frames, caplen above the file's snaplen).

--scale (or HOSTILE_SCALE) multiplies the sizes (1.0: a million SYNs, 100,000 overlapping
segments, 256 MiB behind a hole, 100,000 fragments; 4: a 1 GiB hole); memory
bounds do not scale, that is the point. Under AddressSanitizer (detected from the binary) memory and time bounds are
multiplied by 4 and 3: the shadow memory and quarantine are not wiretab's."""
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from tap import Tap  # noqa: E402

WIRETAB = os.environ.get('WIRETAB', 'build/analyzer/wiretab')
SCALE = float(os.environ.get('HOSTILE_SCALE', '1'))
if '--scale' in sys.argv:
    SCALE = float(sys.argv[sys.argv.index('--scale') + 1])


def sanitized():
    try:
        out = subprocess.run(['ldd', WIRETAB], capture_output=True, text=True).stdout
        if 'libasan' in out:
            return True
        with open(WIRETAB, 'rb') as f:
            return b'__asan_init' in f.read()
    except OSError:
        return False


ASAN = sanitized()
MEM_F, TIME_F = (4, 3) if ASAN else (1, 1)
MB = 1 << 20

# ---- frame building ---------------------------------------------------------------------

PCAP_HDR = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1)
ETH = b'\x02\x00\x00\x00\x00\x02' + b'\x02\x00\x00\x00\x00\x01' + b'\x08\x00'


def ip4(src, dst, proto, payload_len, ident=0, frag=0):
    # checksum left 0: wiretab counts it (ip4.bad_checksum) and goes on, like offload
    return struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + payload_len, ident, frag, 64, proto, 0,
                       src, dst)


def tcp(sport, dport, seq, ack, flags, win=65535):
    return struct.pack('>HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff, 5 << 4,
                       flags, win, 0, 0)


def record(ts_us, frame):
    return struct.pack('<IIII', ts_us // 1000000, ts_us % 1000000, len(frame), len(frame)) + frame


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


class Conn:
    """One TCP connection's frames (client 10.0.0.1, server 10.0.0.2)."""

    def __init__(self, out, cport, sport=80, t0=1_700_000_000_000_000):
        self.out, self.cport, self.sport = out, cport, sport
        self.c, self.s = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
        self.cseq, self.sseq = 1000, 5000
        self.t = t0

    def frame(self, from_client, flags, payload=b'', seq=None):
        self.t += 10
        src, dst = (self.c, self.s) if from_client else (self.s, self.c)
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        if seq is None:
            seq = self.cseq if from_client else self.sseq
        ack = self.sseq if from_client else self.cseq
        f = ETH + ip4(src, dst, 6, 20 + len(payload)) + tcp(sp, dp, seq, ack, flags) + payload
        self.out.write(record(self.t, f))

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


# ---- running wiretab --------------------------------------------------------------------

def run(args, stdin_writer=None, path=None):
    """(report dict or None, max RSS in bytes, seconds, stderr)."""
    cmd = [WIRETAB, '-q', '--format', 'json'] + args + ['-r', path or '-']
    t0 = time.monotonic()
    env = dict(os.environ)
    if ASAN:
        # ASan's quarantine (256 MiB by default) keeps freed memory resident: cap it so the
        # measurement is about wiretab's own memory.
        env['ASAN_OPTIONS'] = env.get('ASAN_OPTIONS', '') + ':quarantine_size_mb=32'
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin_writer else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if stdin_writer:
        try:
            stdin_writer(p.stdin)
        except BrokenPipeError:
            pass
        p.stdin.close()
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.monotonic() - t0
    try:
        rep = json.loads(out)
    except ValueError:
        rep = None
    if status != 0:
        err += b'\nexit status %d' % status
    return rep, ru.ru_maxrss * 1024, secs, err.decode(errors='replace')


def anomaly(rep, name):
    return (rep or {}).get('anomalies', {}).get(name, 0)


def check_bounds(tap, name, rss, secs, mem_bound, time_bound):
    tap.ok(rss <= mem_bound * MEM_F, '%s: resident memory %.0f MiB <= %.0f MiB'
           % (name, rss / MB, mem_bound * MEM_F / MB))
    tap.ok(secs <= time_bound * TIME_F, '%s: %.1f s <= %.0f s' % (name, secs, time_bound * TIME_F))


# ---- cases ------------------------------------------------------------------------------

def syn_flood(tap, tmp):
    """A million SYNs from distinct sources; then the same with half as many, to show that
    memory is set by the flow cap, not by the traffic."""
    n = int(1_000_000 * SCALE)
    rss = syn_flood_run(tap, tmp, n, '')
    rss_half = syn_flood_run(tap, tmp, n // 2, ' (half)')
    if rss and rss_half:
        tap.ok(rss <= rss_half * 1.25, 'syn flood: memory flat beyond the cap (%.0f MiB for %d '
               'SYNs, %.0f MiB for %d)' % (rss / MB, n, rss_half / MB, n // 2))


def syn_flood_run(tap, tmp, n, tag):
    cap = 100_000
    path = os.path.join(tmp, 'syn-flood.pcap')
    dst = bytes([192, 0, 2, 1])
    with open(path, 'wb') as f:
        f.write(PCAP_HDR)
        base = ETH + ip4(b'\0\0\0\0', dst, 6, 20)
        t0 = 1_700_000_000_000_000
        buf = []
        for i in range(n):
            src = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])
            frame = base[:26] + src + base[30:] + tcp(1024 + (i >> 24), 80, i * 7919, 0, SYN)
            buf.append(struct.pack('<IIII', (t0 + i) // 1000000, (t0 + i) % 1000000, 54, 54))
            buf.append(frame)
            if len(buf) > 20000:
                f.write(b''.join(buf))
                buf = []
        f.write(b''.join(buf))
    rep, rss, secs, err = run(['--max-flows', str(cap)], path=path)
    os.unlink(path)
    name = 'syn flood' + tag
    if not tap.ok(rep is not None, '%s: report written' % name, err[-2000:]):
        return None
    c = rep['capture']
    tap.eq(c['packets'], n, '%s: every SYN read' % name)
    tap.eq(c['flows_evicted'], n - cap, '%s: evictions = SYNs - flow cap' % name)
    tap.eq(anomaly(rep, 'flow.evicted'), n - cap, '%s: flow.evicted counter' % name)
    tap.ok(c['flows_peak'] <= cap, '%s: live flows never above the cap (%d)' % (name, c['flows_peak']))
    tap.eq(rep['tcp']['connections'], n, '%s: every attempt reported as a connection' % name)
    check_bounds(tap, name, rss, secs, 400 * MB, 120)
    return rss


def overlaps(tap, tmp):
    n = int(100_000 * SCALE)
    step, seglen = 10, 100
    data = bytes((i * 7) & 0x7f for i in range(step * (n - 1) + seglen))
    path = os.path.join(tmp, 'overlaps.pcap')
    with open(path, 'wb') as f:
        f.write(PCAP_HDR)
        c = Conn(f, 40000)
        c.handshake()
        start = c.cseq
        for i in range(n):
            c.frame(True, PSH | ACK, data[i * step:i * step + seglen], seq=start + i * step)
        c.cseq = start + len(data)
        c.close()
    rep, rss, secs, err = run([], path=path)
    os.unlink(path)
    if not tap.ok(rep is not None, 'overlaps: report written', err[-2000:]):
        return
    tap.eq(anomaly(rep, 'tcp.partial_overlap'), n - 1,
           'overlaps: every segment after the first partly old')
    tap.eq(anomaly(rep, 'tcp.retransmitted_bytes'), (seglen - step) * (n - 1),
           'overlaps: old bytes = (length - step) x (segments - 1)')
    tap.eq(anomaly(rep, 'tcp.gaps'), 0, 'overlaps: no gap')
    tap.eq(rep['tcp']['conn_states'], {'SF': 1}, 'overlaps: connection closed normally (SF)')
    check_bounds(tap, 'overlaps', rss, secs, 100 * MB, 60)


def hole(tap, tmp):
    size = int(256 * MB * SCALE)
    mss = 1460
    def writer(w):
        w.write(PCAP_HDR)
        c = Conn(w, 40001)
        c.handshake()
        c.cseq += 1  # the first byte is never sent
        chunk = bytes(range(256)) * 6
        chunk = chunk[:mss]
        sent = 0
        batch = []
        while sent < size:
            c.t += 1
            f = ETH + ip4(c.c, c.s, 6, 20 + mss) + tcp(c.cport, 80, c.cseq, c.sseq, PSH | ACK) + chunk
            batch.append(struct.pack('<IIII', c.t // 1000000, c.t % 1000000, len(f), len(f)) + f)
            c.cseq += mss
            sent += mss
            if len(batch) >= 2000:
                w.write(b''.join(batch))
                batch = []
        w.write(b''.join(batch))
        c.close()
    rep, rss, secs, err = run(['--reassembly-dir-cap', str(MB)], stdin_writer=writer)
    if not tap.ok(rep is not None, 'hole: report written', err[-2000:]):
        return
    tap.ok(anomaly(rep, 'tcp.reassembly_cap') >= 1, 'hole: the per-direction cap was hit (%d)'
           % anomaly(rep, 'tcp.reassembly_cap'))
    tap.eq(anomaly(rep, 'tcp.missed_bytes'), 1, 'hole: exactly the one missing byte is a gap')
    tap.ok(rep['tcp']['reassembly']['peak_buffered_bytes'] <= MB + 64 * 1024,
           'hole: buffered bytes never above the cap (peak %d)'
           % rep['tcp']['reassembly']['peak_buffered_bytes'])
    check_bounds(tap, 'hole (%d MiB behind it)' % (size // MB), rss, secs, 100 * MB, 180)


def fragments(tap, tmp):
    n = int(100_000 * SCALE)
    path = os.path.join(tmp, 'frags.pcap')
    payload = b'\xab' * 1480
    with open(path, 'wb') as f:
        f.write(PCAP_HDR)
        t = 1_700_000_000_000_000
        for i in range(n):
            t += 10
            # first fragment (MF set, offset 0) of a datagram whose rest never comes
            fr = ETH + ip4(bytes([10, 1, (i >> 8) & 255, i & 255]), bytes([10, 0, 0, 2]), 17,
                           len(payload), ident=i & 0xffff, frag=0x2000) + payload
            f.write(record(t, fr))
    rep, rss, secs, err = run([], path=path)
    os.unlink(path)
    if not tap.ok(rep is not None, 'fragments: report written', err[-2000:]):
        return
    fr = rep.get('protocols', {}).get('fragments', {})
    capped, timed_out = anomaly(rep, 'ip.frag_cap'), anomaly(rep, 'ip4.frag_timeout')
    tap.eq(rep['capture']['packets'], n, 'fragments: every frame read')
    tap.eq(fr.get('held'), n, 'fragments: every frame held as a fragment')
    tap.ok(capped > 0, 'fragments: the fragment memory cap was hit (%d)' % capped)
    tap.eq(capped + timed_out, n, 'fragments: dropped at the cap + timed out at the end = all')
    tap.eq((fr.get('reassembled'), fr.get('pending')), (0, 0), 'fragments: none completed, none left')
    check_bounds(tap, 'fragments', rss, secs, 100 * MB, 60)


def http_hostile(tap, tmp):
    """Each hostile message on its own connection, followed by a normal request that must
    still be analysed where the framing allows it."""
    cases = [
        ('1 MB request line', b'GET /' + b'a' * MB + b' HTTP/1.1\r\nHost: x\r\n\r\n',
         b'HTTP/1.1 414 URI Too Long\r\nContent-Length: 0\r\n\r\n'),
        ('100,000 headers', b'GET /h HTTP/1.1\r\nHost: x\r\n' + b'X-A: b\r\n' * 100_000 + b'\r\n',
         b'HTTP/1.1 431 Too Large\r\nContent-Length: 0\r\n\r\n'),
        ('chunk size 2^64-1', b'GET /c HTTP/1.1\r\nHost: x\r\n\r\n',
         b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n'),
        ('Content-Length 2^64-1', b'POST /l HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551615\r\n\r\nabc',
         b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'),
        ('negative Content-Length', b'POST /n HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
         b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'),
        ('duplicate Content-Length', b'POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc',
         b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'),
        ('NUL bytes', b'GET /z HTTP/1.1\r\nHost: x\0y\r\nX-\0: 1\r\n\r\n',
         b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'),
    ]
    follow = b'GET /after HTTP/1.1\r\nHost: x\r\n\r\n'
    follow_resp = b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
    path = os.path.join(tmp, 'http.pcap')
    results = []
    for i, (name, req, resp) in enumerate(cases):
        with open(path, 'wb') as f:
            f.write(PCAP_HDR)
            c = Conn(f, 41000 + i)
            c.handshake()
            c.send(True, req)
            c.send(False, resp)
            c.send(True, follow)
            c.send(False, follow_resp)
            c.close()
        rep, rss, secs, err = run([], path=path)
        if not tap.ok(rep is not None, 'http %s: report written' % name, err[-2000:]):
            continue
        an = {k: v for k, v in rep.get('anomalies', {}).items() if k.startswith('http.')}
        tap.ok(len(an) > 0, 'http %s: counted as malformed (%s)' % (name, an or 'no http.* anomaly'))
        uris = [r.get('uri') for r in rep['http'].get('uris', [])]
        # RFC 9112 6.3: an invalid Content-Length leaves the framing unknown; the dissector
        # resyncs on the next whole request line, even one glued to the unframed body
        tap.ok('/after' in uris, 'http %s: the next request on the connection still analysed'
               % name, 'uris: %r' % uris)
        check_bounds(tap, 'http %s' % name, rss, secs, 100 * MB, 30)
        results.append((name, an))
    os.unlink(path)
    return results


def odd_frames(tap, tmp):
    """Frames no real network sends: a maximal IPv6 extension header chain, a VLAN stack far
    deeper than any real one, zero-length and maximum-length frames, and records whose
    caplen exceeds the snaplen in the file header."""
    path = os.path.join(tmp, 'odd.pcap')
    t = 1_700_000_000_000_000
    eth6 = ETH[:12] + b'\x86\xdd'
    # 30 Destination Options headers of the largest size (2,048 B each) then UDP
    ext = b''
    for i in range(30):
        ext += bytes([60 if i < 29 else 17, 255]) + b'\x01' + bytes([253]) + b'\0' * 2044
    udp = struct.pack('>HHHH', 1, 2, 8, 0)
    ip6 = struct.pack('>IHBB16s16s', 6 << 28, len(ext) + len(udp), 60, 64,
                      b'\xfd' + b'\0' * 14 + b'\x01', b'\xfd' + b'\0' * 14 + b'\x02')
    frames = [
        eth6 + ip6 + ext + udp,                                              # 61 KB chain
        ETH[:12] + b'\x81\x00\x00\x01' * 200 + b'\x08\x00' + ip4(b'\1\1\1\1', b'\2\2\2\2', 17, 8) + udp,
        b'',                                                                 # zero length
        ETH + ip4(b'\1\1\1\1', b'\2\2\2\2', 17, 8) + udp + b'\0' * (262144 - 42),  # max
    ]
    with open(path, 'wb') as f:
        f.write(PCAP_HDR)
        for fr in frames:
            t += 10
            f.write(record(t, fr))
    rep, rss, secs, err = run([], path=path)
    if not tap.ok(rep is not None, 'odd frames: report written', err[-2000:]):
        return
    p = rep['protocols']
    tap.eq(p['frames'], len(frames), 'odd frames: every record read')
    tap.eq(anomaly(rep, 'ip6.too_many_ext'), 1, 'odd frames: IPv6 chain beyond the cap counted')
    tap.eq(anomaly(rep, 'eth.vlan_too_deep'), 1, 'odd frames: 200 stacked VLAN tags counted')
    tap.ok(p['malformed'] + p['truncated'] >= 3,
           'odd frames: chain, VLAN stack and empty frame counted as malformed or truncated '
           '(%d + %d)' % (p['malformed'], p['truncated']))
    tap.eq(p['udp']['packets'], 1, 'odd frames: the maximum-length frame decoded (UDP)')
    check_bounds(tap, 'odd frames', rss, secs, 100 * MB, 30)
    # A record longer than the snaplen its file header declares: libpcap cuts it to the
    # snaplen; wiretab must take what it is given, counted as snaplen-truncated.
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 64, 1))
        f.write(record(t, frames[3][:1514]))
    rep, rss, secs, err = run([], path=path)
    if tap.ok(rep is not None, 'caplen > file snaplen: report written', err[-2000:]):
        tap.eq(rep['protocols']['frames'], 1, 'caplen > file snaplen: the frame counted')


def main():
    tap = Tap()
    if not os.access(WIRETAB, os.X_OK):
        print('1..0 # SKIP no wiretab binary at %s' % WIRETAB)
        return 0
    only = [a for a in sys.argv[1:] if not a.startswith('-') and a[0].isalpha()]
    with tempfile.TemporaryDirectory() as tmp:
        for case in (syn_flood, overlaps, hole, fragments, http_hostile, odd_frames):
            if only and case.__name__ not in only:
                continue
            case(tap, tmp)
    print('1..%d' % tap.n)
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
