#!/usr/bin/python3
"""Seeds tests/fuzz/corpus/<target>/ from the project's captures (captures/*.pcap*) plus a
few hand-made inputs. Deterministic: run it again and the same files come out. Files are
named seed-*; inputs found by fuzzing (crash-*, cov-*) are never touched.

  tests/fuzz/make-corpus.py [TARGET...]   (all targets by default; /usr/bin/python3:
                                           Debian's python3-scapy crafts some frames)

Sizes are kept small (the whole corpus is a few hundred KB) so replaying it under `meson
test --suite fuzz` takes seconds."""
import glob
import hashlib
import os
import random
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, 'corpus')
CAPTURES = sorted(glob.glob(os.path.join(REPO, 'captures', '*.pcap*')))
SEP = b'\n@@wt-fuzz-server@@\n'  # FUZZ_STREAM_SEP in fuzz-stream.h

# fuzz-frame.c's link table (index -> DLT)
LINK_INDEX = {1: 0, 113: 1, 276: 2, 12: 3, 14: 4, 101: 5, 228: 6, 229: 7, 0: 8, 108: 9,
              239: 10}


def out(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'seed-' + name), 'wb') as f:
        f.write(data)


def read_pcap(path):
    """(linktype, [(ts_sec, ts_frac, caplen, wirelen, bytes)]) of a classic pcap, or None for
    pcapng (read through editcap -F pcap first)."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:4] == b'\x0a\x0d\x0d\x0a':
        with tempfile.NamedTemporaryFile(suffix='.pcap') as t:
            subprocess.run(['editcap', '-F', 'pcap', path, t.name], check=True)
            return read_pcap(t.name)
    magic = struct.unpack('<I', data[:4])[0]
    e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    linktype = struct.unpack(e + 'I', data[20:24])[0] & 0x0fffffff
    recs, pos = [], 24
    while pos + 16 <= len(data):
        s, fr, cl, wl = struct.unpack(e + 'IIII', data[pos:pos + 16])
        recs.append((s, fr, cl, wl, data[pos + 16:pos + 16 + cl]))
        pos += 16 + cl
    return linktype, recs, data[:24]


def write_pcap(linktype, recs, nano=False):
    magic = 0xa1b23c4d if nano else 0xa1b2c3d4
    b = struct.pack('<IHHiIII', magic, 2, 4, 0, 0, 262144, linktype)
    for s, fr, cl, wl, frame in recs:
        b += struct.pack('<IIII', s, fr, len(frame), max(wl, len(frame))) + frame
    return b


def eth_ip(frame):
    """(ethertype, IP packet) of an untagged Ethernet frame, or None."""
    if len(frame) < 14:
        return None
    et = struct.unpack('>H', frame[12:14])[0]
    if et in (0x0800, 0x86dd):
        return et, frame[14:]
    return None


def relink(frame, dlt):
    """The IP packet of an Ethernet frame under another link type's header."""
    r = eth_ip(frame)
    if not r:
        return None
    et, ip = r
    v6 = et == 0x86dd
    if dlt in (12, 14, 101, 228, 229):
        return ip
    if dlt == 0:
        return struct.pack('<I', 30 if v6 else 2) + ip  # host order, little-endian here
    if dlt == 108:
        return struct.pack('>I', 30 if v6 else 2) + ip
    if dlt == 113:
        return struct.pack('>HHH8sH', 0, 1, 6, frame[6:12] + b'\0\0', et) + ip
    if dlt == 239:
        tlv_prefix = struct.pack('<HH', 8, 1) + struct.pack('>HBB', et, 0, 0)  # NFULA_PACKET_HDR
        payload = struct.pack('<HH', 4 + len(ip), 9) + ip
        return struct.pack('BBH', 10 if v6 else 2, 0, 0) + tlv_prefix + payload
    return None


def captures():
    for path in CAPTURES:
        lt, recs, hdr = read_pcap(path)
        yield os.path.basename(path).split('.')[0], lt, recs


# ---- (a) whole capture files ----------------------------------------------------------

def seed_capture():
    for name, lt, recs in captures():
        out('capture', name + '.pcap', write_pcap(lt, recs[:20]))
    # a pcapng as written by the tools (small)
    for path in CAPTURES:
        if path.endswith('.pcapng'):
            with tempfile.NamedTemporaryFile(suffix='.pcapng') as t:
                subprocess.run(['editcap', '-r', path, t.name, '1-25'], check=True)
                out('capture', 'pcapng-first25.pcapng', open(t.name, 'rb').read())
    name, lt, recs = next(iter(captures()))
    lt, recs, _ = read_pcap(os.path.join(REPO, 'captures', 'http-veth-ipv4.pcap'))
    # the same conversation under other link types, nanosecond and big-endian headers
    for dlt in (0, 12, 108, 113, 239):
        rr = [(s, f, 0, wl, relink(fr, dlt)) for s, f, _, wl, fr in recs[:12]]
        rr = [r for r in rr if r[4] is not None]
        out('capture', 'veth-as-dlt%d.pcap' % dlt, write_pcap(dlt, rr))
    out('capture', 'veth-nano.pcap', write_pcap(1, [(s, f * 1000, c, w, fr) for s, f, c, w, fr in recs[:10]], nano=True))
    whole = write_pcap(1, recs[:20])
    out('capture', 'cut-mid-record.pcap', whole[:len(whole) // 2])
    out('capture', 'cut-in-header.pcap', whole[:24 + 8])
    out('capture', 'bad-magic.pcap', b'\xde\xad\xbe\xef' + whole[4:200])
    absurd = bytearray(whole[:24 + 16 + 60])
    struct.pack_into('<I', absurd, 24 + 8, 0x7fffffff)  # caplen
    out('capture', 'absurd-caplen.pcap', bytes(absurd))
    snap = bytearray(whole[:24 + 200])
    struct.pack_into('<I', snap, 16, 64)  # snaplen smaller than the records
    out('capture', 'caplen-over-snaplen.pcap', bytes(snap))


# ---- (b) frames -----------------------------------------------------------------------

def seed_frame():
    seen = set()
    def add(idx, frame, tag, flags=0):
        data = bytes([idx | flags]) + frame
        h = hashlib.sha1(data).hexdigest()[:10]
        if h in seen:
            return
        seen.add(h)
        out('frame', '%s-%s' % (tag, h), data)
    for name, lt, recs in captures():
        if lt not in LINK_INDEX:
            continue
        # a handful per capture, of different sizes (handshake, data, teardown)
        picked = sorted({len(r[4]): r for r in recs}.values(), key=lambda r: len(r[4]))
        picked = picked[:: max(1, len(picked) // 6)][:6]
        for r in picked:
            add(LINK_INDEX[lt], r[4][:1600], name)
    lt, recs, _ = read_pcap(os.path.join(REPO, 'captures', 'http-lo-ipv6.pcap'))
    lt4, recs4, _ = read_pcap(os.path.join(REPO, 'captures', 'http-veth-ipv4.pcap'))
    recs = [r for r in recs if eth_ip(r[4])]
    recs4 = [r for r in recs4 if eth_ip(r[4])]
    for dlt in (0, 12, 14, 101, 108, 113, 239):
        for r in (recs[0], recs4[0], recs4[3]):
            f = relink(r[4], dlt)
            if f is not None:
                add(LINK_INDEX[dlt], f, 'relink%d' % dlt)
    add(LINK_INDEX[228], relink(recs4[0][4], 228), 'ipv4')
    add(LINK_INDEX[229], relink(recs[0][4], 229), 'ipv6')
    add(0, recs4[3][4][:40], 'snaplen', flags=0x10)  # snaplen-truncated
    # multi-frame seeds: fragment trains (scapy builds them), stacked tags, LLC/SNAP
    try:
        from scapy.all import (Ether, IP, IPv6, UDP, TCP, ICMP, Raw, Dot1Q, Dot1AD, LLC,
                               SNAP, fragment, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                               IPv6ExtHdrRouting, IPv6ExtHdrDestOpt, ARP, fragment6)
        from scapy.contrib.mpls import MPLS
    except ImportError:
        print('make-corpus: scapy missing, skipping crafted frames', file=sys.stderr)
        return
    def multi(frames, steps=None):
        b = b''
        for i, f in enumerate(frames):
            b += struct.pack('<HB', len(f), steps[i] if steps else 0) + f
        return b
    eth = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')
    dgram = IP(src='10.0.0.1', dst='10.0.0.2', id=7) / UDP(sport=5353, dport=53) / Raw(b'x' * 300)
    frags = [bytes(eth / f) for f in fragment(dgram, fragsize=96)]
    add(0, multi(frags), 'ip4-frags', flags=0x20)
    add(0, multi(list(reversed(frags))), 'ip4-frags-rev', flags=0x20)
    add(0, multi(frags[:-1] + frags[:1], [0] * (len(frags) - 1) + [40]), 'ip4-frags-timeout', flags=0x20)
    d6 = IPv6(src='fd00::1', dst='fd00::2') / IPv6ExtHdrFragment(id=9) / UDP(sport=1, dport=2) / Raw(b'y' * 400)
    f6 = [bytes(eth / f) for f in fragment6(d6, 200)]
    add(0, multi(f6), 'ip6-frags', flags=0x20)
    tcp = TCP(sport=40000, dport=80, flags='PA', seq=1000, ack=2000) / Raw(b'GET / HTTP/1.1\r\nHost: a\r\n\r\n')
    add(0, bytes(eth / Dot1AD(vlan=10) / Dot1Q(vlan=20) / IP(src='10.0.0.1', dst='10.0.0.2') / tcp), 'qinq')
    add(0, bytes(eth / Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / Dot1Q(vlan=4) / Dot1Q(vlan=5) / IP() / ICMP()), 'vlan5')
    add(0, bytes(eth / MPLS(label=16, s=0) / MPLS(label=17, s=1) / IP() / UDP() / Raw(b'q')), 'mpls')
    add(0, bytes(Ether(dst='ff:ff:ff:ff:ff:ff') / LLC(dsap=0xaa, ssap=0xaa, ctrl=3) / SNAP(code=0x0800) / IP() / UDP()), 'llc-snap')
    add(0, bytes(eth / ARP()), 'arp')
    add(0, bytes(eth / IPv6(src='fd00::1', dst='fd00::2') / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
                 IPv6ExtHdrRouting() / TCP(sport=1, dport=80, flags='S', options=[('MSS', 1460), ('WScale', 7), ('SAckOK', b''), ('Timestamp', (1, 0))])), 'ip6-ext')
    add(0, bytes(eth / IP(src='10.0.0.1', dst='10.0.0.2', options=b'\x01\x01\x01\x00') / ICMP(type=3, code=3) / IP() / UDP()), 'icmp-unreach')
    add(0, bytes(eth / IPv6() / Raw(b'\x80\x00\x00\x00\x00\x01\x00\x01')), 'icmp6-raw')


# ---- tunnels ------------------------------------------------------------------------------

def seed_tunnel():
    """fuzz-tunnel.c: the recorded VXLAN capture (frame sequences, and single frames cut at
    every length), and the HTTP frames inside it wrapped again by scapy in every tunnel
    type, nested up to four deep (beyond the default limit)."""
    def add(flags, data, tag):
        data = bytes([flags]) + data
        out('tunnel', '%s-%s' % (tag, hashlib.sha1(data).hexdigest()[:10]), data)

    def multi(frames, steps=None):
        return b''.join(struct.pack('<HB', len(f), steps[i] if steps else 0) + f
                        for i, f in enumerate(frames))
    lt, recs, _ = read_pcap(os.path.join(REPO, 'captures', 'http-vxlan.pcap'))
    frames = [r[4] for r in recs]
    add(0x01, multi(frames[:24]), 'vxlan-seq')           # handshake, requests, answers
    add(0x01, multi(frames[:6], [0, 0, 0, 255, 0, 0]), 'vxlan-idle')
    add(0x00, multi(frames[:8]), 'vxlan-depth1')
    for i in (2, 5, 9):                                   # cut at every length
        add(0x08 | 0x01, frames[i][:300], 'vxlan-cut%d' % i)
    add(0x04 | 0x01, multi([f[:90] for f in frames[:10]]), 'vxlan-snaplen')
    try:
        from scapy.all import Ether, IP, IPv6, UDP, GRE, Raw
    except ImportError:
        print('make-corpus: scapy missing, skipping crafted tunnels', file=sys.stderr)
        return
    inner = [f for f in frames if len(f) > 150][:4]
    inner = [Ether(f)['VXLAN'].payload for f in inner]   # Ethernet/IP/TCP inside
    eth = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')
    o4 = IP(src='192.0.2.1', dst='192.0.2.2')
    o6 = IPv6(src='2001:db8::1', dst='2001:db8::2')

    def ip_of(e):
        return e.payload
    wraps = {
        'ipip': lambda p: o4 / ip_of(p),
        'ip6in6': lambda p: o6 / IPv6(src='fd00::1', dst='fd00::2') / ip_of(p)[1],
        'gre': lambda p: o4 / GRE(key_present=1, key=7, seqnum_present=1, seqence_number=3) / ip_of(p),
        'gre-teb': lambda p: o4 / GRE(proto=0x6558) / p,
        'erspan2': lambda p: o4 / GRE(proto=0x88be, seqnum_present=1) /
            Raw(struct.pack('>HHI', 0x1000 | 5, 0x0800 | 42, 0)) / p,
        'gre-udp': lambda p: o4 / UDP(sport=50000, dport=4754) / GRE() / ip_of(p),
        'geneve': lambda p: o4 / UDP(sport=50001, dport=6081) /
            Raw(bytes([2, 0, 0x65, 0x58, 0, 0, 9, 0]) + b'\x01\x02\x03\x01' + b'abcd') / p,
        'gtpu': lambda p: o4 / UDP(sport=2152, dport=2152) /
            Raw(bytes([0x34, 0xff]) + struct.pack('>HI', len(ip_of(p)) + 8, 0x1234) +
                bytes([0, 1, 0, 0x85, 1, 0x10, 0, 0])) / ip_of(p),
        'teredo': lambda p: o4 / UDP(sport=3544, dport=40000) /
            Raw(bytes([0, 0, 0x9e, 0x50]) + bytes(4)) /
            IPv6(src='2001:0:4137:9e50::1', dst='2001:db8::68', nh=59),
        'ayiya': lambda p: o4 / UDP(sport=40001, dport=5072) /
            Raw(bytes([0x41, 0x52, 0x11, 4]) + bytes(4) + bytes(16) + bytes(20)) / ip_of(p),
        'vxlan6': lambda p: o6 / UDP(sport=50002, dport=4789) / Raw(bytes([8, 0, 0, 0, 0, 0, 7, 0])) / p,
    }
    for name, w in wraps.items():
        for k, p in enumerate(inner[:2]):
            f = bytes(eth / w(p))
            add(0x01, multi([f]), '%s-%d' % (name, k))
            if k == 0:
                add(0x08 | 0x01, f[:400], name + '-cut')
    # nested: VXLAN in GRE in IP-in-IP in Geneve, so four layers meet every limit
    p = inner[0]
    nested = eth / o4 / UDP(sport=50003, dport=6081) / Raw(bytes([0, 0, 0x08, 0, 0, 0, 5, 0])) / \
        IP(src='198.51.100.1', dst='198.51.100.2') / IP(src='10.1.0.1', dst='10.1.0.2') / \
        GRE(proto=0x6558) / Ether() / IP(src='10.2.0.1', dst='10.2.0.2') / \
        UDP(sport=50004, dport=4789) / Raw(bytes([8, 0, 0, 0, 0, 0, 1, 0])) / p
    for depth_bits in range(4):
        add(depth_bits, multi([bytes(nested)]), 'nested-limit%d' % (depth_bits + 1))
    add(0x08 | 0x03, bytes(nested)[:500], 'nested-cut')
    # a tunnel on a port given with --tunnel-port (bit 4: port 4790, type 0 = vxlan)
    moved = eth / o4 / UDP(sport=50005, dport=4790) / Raw(bytes([8, 0, 0, 0, 0, 0, 7, 0])) / p
    add(0x10 | 0x01, struct.pack('>HB', 4790, 0) + multi([bytes(moved)]), 'port4790')


# ---- (c) reassembly op sequences --------------------------------------------------------

def op(kind, rel, length, arg=1):
    return struct.pack('<BHHB', kind, rel & 0xffff, length & 0xffff, arg)


def seed_reassembly():
    isn = 0xfffff000  # wraps within a few KB
    def hdr(flags=0, cap=16, left=4, gcap=64, isn_=isn):
        return struct.pack('<BBBBI', flags, cap, left, gcap, isn_)
    syn0 = op(0 | 8, 256, 0)       # SYN at isn, direction 0
    syn1 = op(4 | 8, 256, 0)
    base = 257  # first data byte (isn + 1) as rel
    inorder = hdr(4 | 8) + syn0 + syn1 + b''.join(op(0, base + i * 100, 100) for i in range(10)) + op(0 | 16, base + 1000, 0)
    out('reassembly', 'in-order', inorder)
    ooo = hdr(4) + syn0 + op(0, base + 200, 100) + op(0, base + 100, 100) + op(0, base, 100) + op(2, base + 300, 0)
    out('reassembly', 'out-of-order', ooo)
    ovl = hdr(1 | 2 | 4) + syn0 + op(0, base, 300) + op(0 | 32, base + 100, 300) + op(0, base + 500, 50) + op(0 | 32, base + 450, 100) + op(0, base + 50, 700)
    out('reassembly', 'overlaps-last-history', ovl)
    stalled = hdr(4, left=1) + syn0 + b''.join(op(0 | 0x40, base + i * 200, 200) for i in range(8))
    out('reassembly', 'app-stalled', stalled)
    half = hdr(4) + syn0 + b''.join(op(0 | 0x80, base + i * 77, 77) for i in range(12)) + op(0 | 0xc0 | 16, base + 924, 10)
    out('reassembly', 'half-consumer-fin', half)
    hole = hdr(0, cap=2, gcap=2) + op(0, 300, 10) + b''.join(op(0, 400 + i * 500, 400) for i in range(12)) + op(4, 300, 10)
    out('reassembly', 'hole-cap', hole)
    far = hdr(0) + op(0, 300, 10) + op(1, 0x7fff, 100) + op(1, 0x8001, 100) + op(2, 0xffff, 0) + op(3, 0, 0)
    out('reassembly', 'far-wrap', far)
    fin = hdr(4) + syn0 + op(0 | 16, base + 100, 50) + op(0, base + 120, 200) + op(0, base, 100) + op(4 | 3, 0, 0)
    out('reassembly', 'data-after-fin', fin)
    mid = hdr(0, isn_=0x12345678) + op(0, 1000, 100) + op(0, 900, 150) + op(2, 1200, 0) + op(0, 1300, 30)
    out('reassembly', 'midstream-before-start', mid)
    rnd = random.Random(9)
    for n in range(6):
        ops = b''.join(op(rnd.choice([0, 0, 0, 4, 8, 16, 32, 0x40, 0x80, 2, 6, 1]),
                          rnd.randrange(200, 4000), rnd.choice([0, 1, 10, 100, 1460, 3000]),
                          rnd.randrange(4)) for _ in range(40))
        out('reassembly', 'random-%d' % n, hdr(rnd.randrange(16), rnd.randrange(256), rnd.randrange(256), rnd.randrange(256), rnd.randrange(1 << 32)) + ops)


# ---- (d) HTTP streams -----------------------------------------------------------------

def tcp_streams(lt, recs):
    """{(conn key): [client bytes, server bytes]} for Ethernet/SLL2 IPv4/IPv6 TCP, in
    capture order, retransmissions dropped by sequence number."""
    conns = {}
    for s, f, cl, wl, fr in recs:
        if lt == 1:
            off, et = 12, None
            while off + 2 <= len(fr):
                et = struct.unpack('>H', fr[off:off + 2])[0]
                if et in (0x8100, 0x88a8):
                    off += 4
                    continue
                break
            ip = fr[off + 2:]
        elif lt == 276:
            et = struct.unpack('>H', fr[0:2])[0]
            ip = fr[20:]
        else:
            continue
        if et == 0x0800 and len(ip) >= 20 and ip[9] == 6:
            ihl = (ip[0] & 15) * 4
            tot = struct.unpack('>H', ip[2:4])[0]
            src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:tot]
        elif et == 0x86dd and len(ip) >= 40 and ip[6] == 6:
            plen = struct.unpack('>H', ip[4:6])[0]
            src, dst, tcp = ip[8:24], ip[24:40], ip[40:40 + plen]
        else:
            continue
        if len(tcp) < 20:
            continue
        sp, dp, seq = struct.unpack('>HHI', tcp[:8])
        flags = tcp[13]
        payload = tcp[(tcp[12] >> 4) * 4:]
        a, b = (src, sp), (dst, dp)
        key = tuple(sorted([a, b]))
        c = conns.setdefault(key, {'client': None, 'data': {}, 'next': {}})
        if flags & 0x02 and not flags & 0x10:
            c['client'] = a
        if c['client'] is None:
            c['client'] = a
        d = 0 if a == c['client'] else 1
        if flags & 0x02:
            c['next'][d] = seq + 1
            continue
        if payload:
            nxt = c['next'].get(d, seq)
            if seq == nxt:
                c['data'].setdefault(d, bytearray()).extend(payload)
                c['next'][d] = seq + len(payload)
    return [(bytes(c['data'].get(0, b'')), bytes(c['data'].get(1, b''))) for c in conns.values()]


def seed_http():
    seen = set()
    def add(tag, sched, client, server):
        data = bytes([len(sched)]) + bytes(sched) + client + (SEP + server if server else b'')
        h = hashlib.sha1(data).hexdigest()[:10]
        if h not in seen:
            seen.add(h)
            out('http', '%s-%s' % (tag, h), data)
    n = 0
    for name, lt, recs in captures():
        per_cap = 0
        for client, server in tcp_streams(lt, recs):
            if not client or per_cap >= 4:
                continue
            per_cap += 1
            add(name, b'', client[:3000], server[:3000])
            n += 1
    # a schedule: tiny pieces alternating, a gap, then the rest
    rnd = random.Random(3)
    req = (b'GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello'
           b'PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n'
           b'5;ext=1\r\nhello\r\n0\r\nTrailer: t\r\n\r\nHEAD /d HTTP/1.0\r\n\r\n')
    resp = (b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok'
            b'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'
            b'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'
            b'HTTP/1.0 200 OK\r\nContent-Length: 99\r\n\r\n')
    add('handmade', bytes(rnd.randrange(256) & 0b11111001 for _ in range(60)), req, resp)
    add('handmade-gap', bytes([0 | (5 << 3), 1 | (5 << 3), 4 | (10 << 3), 5 | (10 << 3)]), req, resp)
    add('upgrade', b'', b'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello',
        b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi')
    add('connect', b'', b'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n\x16\x03\x01', b'HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03')
    add('http09', b'', b'GET /\r\n', b'<html>old</html>')
    add('h2-preface', b'', b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', b'')
    add('close-delimited', bytes([3 | (0 << 3)]), b'GET / HTTP/1.1\r\nHost: x\r\n\r\n', b'HTTP/1.1 200 OK\r\n\r\nbody until close')
    add('malformed', b'', b'GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\nX\0: y\r\n\r\nabcde',
        b'HTTP/1.1 2000 Bad\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n')


# ---- (f) TLS streams ---------------------------------------------------------------------

def seed_tls():
    """Whole HTTPS connections of captures/tls-decrypt.pcap (the target decrypts with its key
    log), one per cipher family and HTTP version, plus schedules that cut records and lose
    bytes inside one."""
    path = os.path.join(REPO, 'captures', 'tls-decrypt.pcap')
    lt, recs, _ = read_pcap(path)
    seen = set()
    for client, server in tcp_streams(lt, recs):
        if not client.startswith(b'\x16\x03') or len(client) + len(server) > 50000:
            continue
        data = bytes([0]) + client + SEP + server
        h = hashlib.sha1(data).hexdigest()[:10]
        if h in seen:
            continue
        seen.add(h)
        out('tls', 'tls-decrypt-%s' % h, data)
        if len(seen) == 1:
            # small pieces in both directions, then a gap of 100 bytes in each
            sched = bytes([0 | (14 << 3), 1 | (14 << 3), 0 | (29 << 3), 1 | (29 << 3),
                           4 | (22 << 3), 5 | (22 << 3)])
            out('tls', 'tls-decrypt-cut-%s' % h, bytes([len(sched)]) + sched + client + SEP + server)


# ---- (e) DNS -------------------------------------------------------------------------

def udp_payloads(lt, recs, port_set):
    """[(from_server, payload)] of IPv4/IPv6 UDP datagrams to or from a port in port_set."""
    res = []
    for s, f, cl, wl, fr in recs:
        r = eth_ip(fr) if lt == 1 else None
        if not r:
            continue
        et, ip = r
        if et == 0x0800 and len(ip) >= 20 and ip[9] == 17:
            udp = ip[(ip[0] & 15) * 4:struct.unpack('>H', ip[2:4])[0]]
        elif et == 0x86dd and len(ip) >= 48 and ip[6] == 17:
            udp = ip[40:40 + struct.unpack('>H', ip[4:6])[0]]
        else:
            continue
        if len(udp) < 8:
            continue
        sp, dp = struct.unpack('>HH', udp[:4])
        if sp in port_set or dp in port_set:
            res.append((sp in port_set, udp[8:]))
    return res


def seed_dns():
    path = os.path.join(REPO, 'captures', 'dns-dnsmasq.pcap')
    if not os.path.exists(path):
        return
    lt, recs, _ = read_pcap(path)
    msgs = udp_payloads(lt, recs, {53, 5300})
    seen = set()
    for i, (from_server, m) in enumerate(msgs[:24]):
        if m in seen:
            continue
        seen.add(m)
        out('dns', 'udp-one-%02d' % i, bytes([8 | (16 if from_server else 0)]) + m)
    # whole UDP conversation, paired by id: [u16 len][dir|ms][msg]...
    conv = b''.join(struct.pack('<HB', len(m), (1 if srv else 0) | (2 << 1)) + m for srv, m in msgs[:16])
    out('dns', 'udp-conversation', bytes([0]) + conv)
    out('dns', 'udp-conversation-mdns', bytes([4]) + conv)
    for n, (client, server) in enumerate(tcp_streams(lt, recs)[:3]):
        if client:
            out('dns', 'tcp-%d' % n, bytes([1, 0]) + client + SEP + server)
    # hand-made: compression loop, pointer forward, NetBIOS name
    hdr = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0)
    out('dns', 'loop', bytes([8]) + hdr + b'\xc0\x0c' + b'\x00\x01\x00\x01')
    nb = hdr + b'\x20' + b'EOGFEFEMEMEPCACACACACACACACACAAA' + b'\x00\x00\x20\x00\x01'
    out('dns', 'netbios', bytes([8 | 2]) + nb)


def main():
    seeders = {'capture': seed_capture, 'frame': seed_frame, 'tunnel': seed_tunnel,
               'reassembly': seed_reassembly, 'http': seed_http, 'dns': seed_dns,
               'tls': seed_tls}
    targets = sys.argv[1:] or list(seeders)
    for t in targets:
        d = os.path.join(CORPUS, t)
        os.makedirs(d, exist_ok=True)
        for f in glob.glob(os.path.join(d, 'seed-*')):
            os.unlink(f)
        seeders[t]()


if __name__ == '__main__':
    main()
