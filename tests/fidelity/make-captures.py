#!/usr/bin/python3
"""Builds the hand-made captures (ignored resets, odd handshakes) with scapy, from one real
recorded exchange: connection 10.77.0.2:49610 -> 10.77.0.1:80 of captures/http-veth-ipv4.pcap
(frames 80-91: handshake, GET /index.html, 200 OK of 1607 bytes in two segments, the
server's FIN first, the client's FIN, the last ACK). Every payload byte is the recorded one;
only injected frames are new, each built from a copy of a real frame of the same direction
(same MACs, IP header, TCP options), with the sequence numbers, flags and options the case
needs and fresh checksums.

    /usr/bin/python3 tests/fidelity/make-captures.py   (Debian's python3-scapy)

Writes tests/fidelity/NAME.pcap; the expected results are in NAME.expected.txt, written by
hand (see the comments there), not by this script.
"""
import os
import sys

from scapy.all import IP, TCP, Ether, rdpcap, wrpcap  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..", "captures", "http-veth-ipv4.pcap")
CLIENT_PORT = 49610

frames = [p for p in rdpcap(SRC) if TCP in p and CLIENT_PORT in (p[TCP].sport, p[TCP].dport)]
assert len(frames) == 12, len(frames)
(SYN, SYNACK, ACK3, GET, SACK_GET, RESP1, RESP2, CACK1, CACK2, SFIN, CFIN, SLAST) = frames
C_ISN, S_ISN = SYN[TCP].seq, SYNACK[TCP].seq
assert GET[TCP].seq == C_ISN + 1 and len(GET[TCP].payload) == 102
assert RESP1[TCP].seq == S_ISN + 1 and len(RESP1[TCP].payload) + len(RESP2[TCP].payload) == 1607


def craft(like, at, **tcp):
    """A copy of real frame `like` (its direction), timestamp `at`, TCP fields changed, no
    payload unless given, lengths and checksums recomputed."""
    p = like.copy()
    payload = tcp.pop("payload", b"")
    options = tcp.pop("options", None)
    t = p[TCP]
    t.remove_payload()
    for k, v in tcp.items():
        setattr(t, k, v)
    if options is not None:
        t.options = options
    t.dataofs = None
    if payload:
        t.add_payload(payload)
    del p[IP].len, p[IP].chksum, t.chksum
    p = Ether(bytes(p))
    p.time = at
    return p


def between(a, b):
    return a.time + (b.time - a.time) / 2


def ts_opts(like):
    return [o for o in like[TCP].options if o[0] in ("NOP", "Timestamp")]


def write(name, pkts):
    path = os.path.join(HERE, name + ".pcap")
    wrpcap(path, pkts, linktype=1)
    print("%s: %d frames" % (path, len(pkts)))


base = frames

# 0. the exchange itself, as recorded: the control case
write("base-get-200", base)

# 1. a spoofed RST "from the server" injected between the SYN+ACK and the client's ACK, its
# sequence number 2^30 past the server's ISN (far outside the client's receive window): the
# client (already synchronized) drops it silently (RFC 793 p. 69; RFC 5961 3.2); the
# handshake completes and GET / 200 follow.
rst = craft(SYNACK, between(SYNACK, ACK3), flags="R", seq=(S_ISN + 1 + (1 << 30)) & 0xFFFFFFFF,
            ack=0, window=0, options=[])
write("rst-handshake-out-of-window", [SYN, SYNACK, rst] + base[2:])

# 2. a spoofed RST "from the client" after the server acknowledged the GET, its sequence
# number in the server's receive window but 1000 bytes past RCV.NXT: the server answers
# with a challenge ACK (RFC 5961 3.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>) and goes on.
rst = craft(GET, between(SACK_GET, RESP1), flags="R", seq=C_ISN + 103 + 1000, ack=0,
            window=0, options=[])
challenge = craft(SACK_GET, between(rst, RESP1), flags="A", seq=S_ISN + 1, ack=C_ISN + 103,
                  options=ts_opts(SACK_GET))
write("rst-in-window-challenge-ack", base[:5] + [rst, challenge] + base[5:])

# 3. a RST "from the client" with exactly RCV.NXT as its sequence number but a TCP-MD5
# signature option (RFC 2385, kind 19) on a connection that never negotiated one: Linux
# drops it (tcp_inbound_md5_hash: TCP_MD5UNEXPECTED) and the connection goes on, the 200
# is sent and acknowledged.
md5 = [(19, bytes(range(16)))]
rst = craft(GET, between(SACK_GET, RESP1), flags="RA", seq=C_ISN + 103, ack=S_ISN + 1,
            window=0, options=md5)
write("rst-md5-ignored", base[:5] + [rst] + base[5:])

# 4. a late copy of the client's own SYN (same ISN, same options) after the handshake, and
# another after both FINs: old duplicates. The server answers each with an ACK for what it
# has (RFC 5961 4 challenge ACK in ESTABLISHED; in TIME-WAIT Linux re-ACKs the FIN for a
# SYN that is not newer than RCV.NXT).
syn1 = SYN.copy()
syn1.time = between(SACK_GET, RESP1)
ack1 = craft(SACK_GET, between(syn1, RESP1), flags="A", seq=S_ISN + 1, ack=C_ISN + 103,
             options=ts_opts(SACK_GET))
syn2 = SYN.copy()
syn2.time = SLAST.time + 0.001
ack2 = craft(SLAST, SLAST.time + 0.0011, flags="A", seq=S_ISN + 1609, ack=C_ISN + 104,
             options=ts_opts(SLAST))
write("syn-duplicate-late", base[:5] + [syn1, ack1] + base[5:] + [syn2, ack2])

# 5. the capture starts at the SYN+ACK, captured twice (a duplicating tap or span port);
# the SYN is not in the capture. The originator is the client, the one that sends the
# first ACK.
dup = SYNACK.copy()
dup.time = SYNACK.time + 0.000001
write("synack-duplicate-first", [SYNACK, dup] + base[2:])

# 6. a bogus ACK from the client 100,000,000 bytes beyond anything the server sent, after
# the server acknowledged the GET: the server drops it and answers with an ACK (RFC 793
# p. 72: "If the ACK acks something not yet sent ... send an ACK, drop the segment";
# RFC 5961 5), then sends the 200 as recorded.
bogus = craft(ACK3, between(SACK_GET, RESP1), flags="A", seq=C_ISN + 103,
              ack=(S_ISN + 1 + 100_000_000) & 0xFFFFFFFF, options=ts_opts(ACK3))
reply = craft(SACK_GET, between(bogus, RESP1), flags="A", seq=S_ISN + 1, ack=C_ISN + 103,
              options=ts_opts(SACK_GET))
write("ack-far-beyond-sent", base[:5] + [bogus, reply] + base[5:])

# 7. case 5 with the client on port 6669, a likely server port too (IRC): Zeek's port
# heuristic flips nothing then (both ports likely, the SYN+ACK from the lower one), so the
# roles are decided by what follows the SYN+ACK. Its copy changes no Zeek endpoint state;
# the client's ACK flips the roles ("^h..."). wiretab before issue 14 stopped waiting at
# the copy and kept the roles reversed.
def client_port(p, port):
    p = p.copy()
    t = p[TCP]
    if t.sport == CLIENT_PORT:
        t.sport = port
    if t.dport == CLIENT_PORT:
        t.dport = port
    del t.chksum
    q = Ether(bytes(p))
    q.time = p.time
    return q


write("synack-duplicate-first-6669", [client_port(p, 6669) for p in [SYNACK, dup] + base[2:]])
