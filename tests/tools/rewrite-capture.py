#!/usr/bin/env python3
"""Rewrites the TCP data segments of a capture so that the byte streams stay the same but
arrive the hard way; an analyzer with correct reassembly must report the same application
results for the output as for the input.

  rewrite-capture.py MODE IN.pcap OUT.pcap [--seed N]

Modes (only TCP segments carrying data are touched; SYN and RST segments never):
  split    each data segment cut into 2-4 smaller ones (FIN/PSH only on the last piece)
  swap     neighbouring data segments of one direction swapped; a segment is never moved
           behind a peer packet that acknowledges it (for a reassembler that trusts ACKs
           that is capture loss, not reordering) nor behind a SYN, FIN or RST of its
           connection (the tuple may be reused); segments with FIN stay in place
  dup      segments duplicated and re-sent 1-6 packets later
  overlap  segments re-sent starting inside the previous segment's tail (the old bytes
           are the same bytes)
  all      split, then overlap, then swap, then dup
  trickle  the first 24 bytes of each direction of a connection one byte a segment (an
           HTTP/2 preface or a request line arriving in pieces: too short for a content
           probe until the last), the rest of that segment after them

Input: classic pcap (micro- or nanosecond; convert pcapng with `editcap -F pcap`), link
types Ethernet (with VLAN tags), Linux cooked (SLL), raw IP, BSD loopback. Output: pcap
with the input's link type and time resolution.

Why no scapy: dissecting and rebuilding every packet with scapy costs ~300 us a packet (a
1 s / 230,000-packet HTTP capture took minutes per mode); this works on the raw bytes with
struct, recomputes the IP length and the IPv4 and TCP checksums of every rewritten packet,
and writes untouched packets byte for byte. Streaming: memory does not grow with the
capture. Deterministic for a given --seed. Timestamps stay monotonic: a delayed packet
takes the time of the packet it is written after.
"""
import argparse
import random
import struct
import sys

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
M32 = 0xFFFFFFFF


def seq_gt(a, b):
    """Wrap-safe a > b for 32-bit sequence numbers."""
    d = (a - b) & M32
    return d != 0 and d < 0x80000000


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


class Pkt:
    """One frame: timestamp (sec, frac), bytes, and where its TCP parts are (tcp is None
    for anything that is not a fully captured TCP segment)."""
    __slots__ = ('sec', 'frac', 'frame', 'wirelen', 'tcp', 'l3', 'ipv', 'l4', 'hl',
                 'end', 'key', 'seq', 'ack', 'flags')

    def __init__(self, sec, frac, frame, wirelen):
        self.sec, self.frac, self.frame, self.wirelen = sec, frac, frame, wirelen
        self.tcp = None

    @property
    def data(self):
        return self.frame[self.l4 + self.hl:self.end]

    def is_data(self):
        return self.tcp is not None and self.end > self.l4 + self.hl and \
            not self.flags & (SYN | RST)


def l3_offset(linktype, f):
    """Offset of the IP header, or None."""
    if linktype == 1:  # Ethernet
        off, et = 14, None
        if len(f) < 14:
            return None
        et = struct.unpack_from('!H', f, 12)[0]
        while et in (0x8100, 0x88A8) and len(f) >= off + 4:
            et = struct.unpack_from('!H', f, off + 2)[0]
            off += 4
        return off if et in (0x0800, 0x86DD) else None
    if linktype == 113:  # Linux cooked
        return 16 if len(f) >= 16 and struct.unpack_from('!H', f, 14)[0] in (0x0800, 0x86DD) else None
    if linktype in (101, 12, 14, 228, 229):  # raw IP
        return 0
    if linktype in (0, 108):  # BSD loopback: 4-byte family
        return 4
    return None


def parse(p, linktype):
    f = p.frame
    if len(f) != p.wirelen:
        return  # truncated by snaplen: leave it alone
    l3 = l3_offset(linktype, f)
    if l3 is None or len(f) < l3 + 20:
        return
    v = f[l3] >> 4
    if v == 4:
        ihl = (f[l3] & 15) * 4
        total, = struct.unpack_from('!H', f, l3 + 2)
        frag, = struct.unpack_from('!H', f, l3 + 6)
        if f[l3 + 9] != 6 or frag & 0x3FFF or ihl < 20 or total < ihl or l3 + total > len(f):
            return
        l4, end = l3 + ihl, l3 + total
        src, dst = f[l3 + 12:l3 + 16], f[l3 + 16:l3 + 20]
    elif v == 6:
        if len(f) < l3 + 40 or f[l3 + 6] != 6:  # no extension headers
            return
        plen, = struct.unpack_from('!H', f, l3 + 4)
        l4, end = l3 + 40, l3 + 40 + plen
        if end > len(f):
            return
        src, dst = f[l3 + 8:l3 + 24], f[l3 + 24:l3 + 40]
    else:
        return
    if end - l4 < 20:
        return
    sport, dport, seq, ack, offx, flags = struct.unpack_from('!HHIIBB', f, l4)
    hl = (offx >> 4) * 4
    if hl < 20 or l4 + hl > end:
        return
    p.tcp, p.l3, p.ipv, p.l4, p.hl, p.end = True, l3, v, l4, hl, end
    p.key = (src, sport, dst, dport)
    p.seq, p.ack, p.flags = seq, ack, flags


def rebuild(p, seq, data, flags=None):
    """A copy of p with another sequence number / payload / flags, lengths and checksums
    recomputed, Ethernet padding dropped."""
    f = p.frame
    ip = bytearray(f[p.l3:p.l4])
    tcp = bytearray(f[p.l4:p.l4 + p.hl])
    struct.pack_into('!I', tcp, 4, seq & M32)
    if flags is not None:
        tcp[13] = flags
    tcp[16:18] = b'\0\0'
    tlen = len(tcp) + len(data)
    if p.ipv == 4:
        struct.pack_into('!H', ip, 2, len(ip) + tlen)
        ip[10:12] = b'\0\0'
        struct.pack_into('!H', ip, 10, ~csum(bytes(ip)) & 0xFFFF)
        pseudo = bytes(ip[12:20]) + struct.pack('!BBH', 0, 6, tlen)
    else:
        struct.pack_into('!H', ip, 4, tlen)
        pseudo = bytes(ip[8:40]) + struct.pack('!IxxxB', tlen, 6)
    c = ~csum(pseudo + bytes(tcp) + data) & 0xFFFF
    struct.pack_into('!H', tcp, 16, c)
    frame = f[:p.l3] + bytes(ip) + bytes(tcp) + data
    q = Pkt(p.sec, p.frac, frame, len(frame))
    q.tcp, q.l3, q.ipv, q.l4, q.hl, q.end = True, p.l3, p.ipv, p.l4, p.hl, len(frame)
    q.key, q.seq, q.ack = p.key, seq & M32, p.ack
    q.flags = p.flags if flags is None else flags
    return q


def copy_at(p, t):
    q = Pkt(t.sec, t.frac, p.frame, p.wirelen)
    for a in ('tcp', 'l3', 'ipv', 'l4', 'hl', 'end', 'key', 'seq', 'ack', 'flags'):
        setattr(q, a, getattr(p, a, None))
    return q


def later(p, t):
    """p, with t's time if t is later (keeps the output's time monotonic)."""
    if t is not None and (t.sec, t.frac) > (p.sec, p.frac):
        p.sec, p.frac = t.sec, t.frac
    return p


def peer_key(key):
    return (key[2], key[3], key[0], key[1])


def stage_split(pkts, rng):
    for p in pkts:
        if not p.is_data() or p.end - p.l4 - p.hl < 2:
            yield p
            continue
        data = p.data
        n = len(data)
        k = rng.randint(2, min(4, n))
        bounds = [0] + sorted(rng.sample(range(1, n), k - 1)) + [n]
        for i in range(k):
            f = p.flags if i == k - 1 else p.flags & ~(FIN | PSH)
            yield rebuild(p, p.seq + bounds[i], data[bounds[i]:bounds[i + 1]], f)


TRICKLE_BYTES = 24  # the HTTP/2 client preface's length


def stage_trickle(pkts, rng):
    started = {}  # direction -> bytes of its stream already trickled out
    for p in pkts:
        if not p.is_data():
            if p.tcp and p.flags & SYN:
                started.pop(p.key, None)  # a new connection on the tuple
            yield p
            continue
        done = started.get(p.key, 0)
        data = p.data
        if done >= TRICKLE_BYTES:
            yield p
            continue
        n = min(TRICKLE_BYTES - done, len(data))
        started[p.key] = done + n
        pieces = [data[i:i + 1] for i in range(n)]
        if n < len(data):
            pieces.append(data[n:])
        off = 0
        for i, piece in enumerate(pieces):
            f = p.flags if i == len(pieces) - 1 else p.flags & ~(FIN | PSH)
            yield rebuild(p, p.seq + off, piece, f)
            off += len(piece)


def stage_overlap(pkts, rng):
    last = {}  # direction -> (seq, data) of its previous data segment
    for p in pkts:
        if not p.is_data():
            yield p
            continue
        data = p.data
        prev = last.get(p.key)
        last[p.key] = (p.seq, data)
        if prev and ((prev[0] + len(prev[1])) & M32) == p.seq and rng.random() < 0.7:
            m = rng.randint(1, len(prev[1]))
            yield rebuild(p, p.seq - m, prev[1][-m:] + data)
        else:
            yield p


def stage_swap(pkts, rng):
    held = {}  # direction -> data segment waiting for the next one of its direction
    last = None  # the last packet written
    for p in pkts:
        if p.tcp:
            h = held.get(peer_key(p.key))
            if h is not None and (p.flags & (SYN | FIN | RST) or
                                  p.flags & ACK and seq_gt(p.ack, h.seq)):
                del held[peer_key(p.key)]  # acknowledged by the peer: must come first
                yield later(h, last)
            h = held.get(p.key)
            if h is not None and p.flags & (SYN | FIN | RST):
                del held[p.key]  # never behind its own direction's end
                yield later(h, last)
        if p.is_data():
            h = held.pop(p.key, None)
            if h is not None:
                last = p
                yield p
                yield later(h, p)
                continue
            if not p.flags & FIN and rng.random() < 0.6:
                held[p.key] = p
                continue
        last = p
        yield p
    for h in held.values():
        yield later(h, last)


def stage_dup(pkts, rng):
    pending = []  # [packets still to pass, packet to copy]
    for p in pkts:
        yield p
        for d in pending:
            d[0] -= 1
        for d in [d for d in pending if d[0] <= 0]:
            yield copy_at(d[1], p)
        pending = [d for d in pending if d[0] > 0]
        if p.is_data() and rng.random() < 0.4:
            pending.append([rng.randint(1, 6), p])
    last = None
    for d in pending:
        yield copy_at(d[1], last or d[1])
        last = d[1]


STAGES = {
    'split': [stage_split],
    'swap': [stage_swap],
    'dup': [stage_dup],
    'overlap': [stage_overlap],
    'all': [stage_split, stage_overlap, stage_swap, stage_dup],
    'trickle': [stage_trickle],
}


def read_pcap(fh):
    head = fh.read(24)
    if len(head) < 24:
        raise SystemExit('not a pcap file (too short)')
    magic = head[:4]
    order = {b'\xd4\xc3\xb2\xa1': '<', b'\xa1\xb2\xc3\xd4': '>',
             b'\x4d\x3c\xb2\xa1': '<', b'\xa1\xb2\x3c\x4d': '>'}.get(magic)
    if order is None:
        raise SystemExit('not a classic pcap file (pcapng? convert with editcap -F pcap)')
    linktype = struct.unpack(order + 'I', head[20:24])[0] & 0x0FFFFFFF
    rec = struct.Struct(order + 'IIII')

    def packets():
        while True:
            h = fh.read(16)
            if len(h) < 16:
                return
            sec, frac, incl, orig = rec.unpack(h)
            frame = fh.read(incl)
            if len(frame) < incl:
                return
            p = Pkt(sec, frac, frame, orig)
            parse(p, linktype)
            yield p
    return head, order, linktype, packets()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('mode', choices=sorted(STAGES))
    ap.add_argument('infile')
    ap.add_argument('outfile')
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    n = 0
    with open(a.infile, 'rb') as fin, open(a.outfile, 'wb') as fout:
        head, order, _, pkts = read_pcap(fin)
        fout.write(head)
        rec = struct.Struct(order + 'IIII')
        for stage in STAGES[a.mode]:
            pkts = stage(pkts, rng)
        for p in pkts:
            fout.write(rec.pack(p.sec, p.frac, len(p.frame), max(p.wirelen, len(p.frame))))
            fout.write(p.frame)
            n += 1
    print(f'{a.mode}: wrote {n} packets to {a.outfile}', file=sys.stderr)


if __name__ == '__main__':
    main()
