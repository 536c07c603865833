#!/usr/bin/env python3
"""The mmap reader (analyzer/capture/pcap-mmap.c) against libpcap (WIRETAB_NO_MMAP=1): for every
capture in captures/ and ../shared/captures, and for hand-made files that hit every rule of
libpcap's record reader (truncated record header and data, caplen above the snaplen and
above 262144, timestamps past 2^31 and negative, both byte orders, microsecond and
nanosecond magics, old versions, pcapng), with a BPF filter and with -c: the JSON report,
conn.log and http.log, the error message and the exit status must be byte-identical."""
import glob
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, project_root, shared_captures, wiretab_path  # noqa: E402

t = Tap()
tmp = tempfile.mkdtemp(prefix="wt-readers-")


def run(args, mmap, tag):
    env = dict(os.environ)
    env.pop("WIRETAB_NO_MMAP", None)
    if not mmap:
        env["WIRETAB_NO_MMAP"] = "1"
    logs = os.path.join(tmp, "logs-%s-%d" % (tag, mmap))
    shutil.rmtree(logs, ignore_errors=True)
    p = subprocess.run([wiretab_path(), "-q", "--format", "json", "--log-dir", logs] + args,
                       capture_output=True, text=True, env=env)
    out = [p.returncode, p.stdout, p.stderr]
    for name in ("conn.log", "http.log"):
        path = os.path.join(logs, name)
        out.append(open(path).read() if os.path.exists(path) else None)
    return out


def same(args, name):
    a, b = run(args, True, "x"), run(args, False, "x")
    what = ["exit status", "report", "stderr", "conn.log", "http.log"]
    diff = [w for w, x, y in zip(what, a, b) if x != y]
    return t.ok(not diff, name, "differs in: %s\nmmap stderr: %s\nlibpcap stderr: %s"
                % (", ".join(diff), a[2], b[2]))


# --- every capture we have --------------------------------------------------------------
caps = sorted(glob.glob(os.path.join(project_root(), "captures", "*.pcap*"))
              + glob.glob(os.path.join(shared_captures(), "*.pcap*")))
for cap in caps:
    args = ["-r", cap]
    if cap.endswith(".dsb.pcapng"):
        # libpcap skips a Decryption Secrets Block: it gets the same keys from the key log
        # the block was made from (editcap --inject-secrets), so both sides decrypt alike
        args += ["--tls-keylog", cap[:-len(".dsb.pcapng")] + ".keylog"]
    same(args, "%s: identical through mmap and libpcap" % os.path.basename(cap))

mix = os.path.join(project_root(), "captures", "http-mix-small.pcap")
if os.path.exists(mix):
    same(["-r", mix, "-f", "tcp port 8080 and tcp[13] & 8 != 0"], "BPF filter: identical")
    same(["-r", mix, "-f", "host 10.9.9.9"], "BPF filter matching nothing: identical")
    same(["-r", mix, "-c", "100"], "-c 100: identical")
    same(["-r", mix, "-r", mix], "the same file twice: identical")


# --- hand-made files ----------------------------------------------------------------------
def eth_tcp_frame(i):
    """A minimal Ethernet/IPv4/TCP frame with a correct IP header checksum."""
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i & 0xffff, 0, 64, 6, 0,
                               bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])))
    s = sum(struct.unpack("!10H", bytes(ip)))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    ip[10:12] = struct.pack("!H", ~s & 0xffff)
    tcp = struct.pack("!HHIIBBHHH", 40000 + (i % 3), 80, 1000 + i, 0, 5 << 4, 0x02, 65535, 0, 0)
    return b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + bytes(ip) + tcp


def pcap(records, magic=0xa1b2c3d4, endian="<", version=(2, 4), snaplen=65535, linktype=1):
    out = [struct.pack(endian + "IHHiIII", magic, version[0], version[1], 0, 0, snaplen, linktype)]
    for sec, frac, caplen, wirelen, data in records:
        out.append(struct.pack(endian + "IIII", sec & 0xffffffff, frac & 0xffffffff, caplen,
                               wirelen))
        out.append(data)
    return b"".join(out)


def recs(n=5, sec=1700000000):
    return [(sec + i, 1000 * i, len(f), len(f), f) for i, f in ((i, eth_tcp_frame(i)) for i in range(n))]


def check_file(name, blob):
    path = os.path.join(tmp, name + ".pcap")
    with open(path, "wb") as f:
        f.write(blob)
    same(["-r", path], "hand-made %s: identical" % name)


good = pcap(recs())
check_file("plain", good)
check_file("big-endian", pcap(recs(), endian=">"))
check_file("nanosecond", pcap(recs(), magic=0xa1b23c4d))
check_file("nanosecond-big-endian", pcap(recs(), magic=0xa1b23c4d, endian=">"))
check_file("version-2.3", pcap(recs(), version=(2, 3)))
check_file("raw-ip", pcap([(1, 0, 40, 40, eth_tcp_frame(0)[14:])], linktype=101))
check_file("header-only", pcap([]))
check_file("cut-in-record-header", good + b"\x01\x02\x03\x04\x05")
check_file("cut-in-frame", good + struct.pack("<IIII", 1, 0, 54, 54) + eth_tcp_frame(9)[:20])
check_file("cut-in-frame-at-zero", good + struct.pack("<IIII", 1, 0, 54, 54))
big = eth_tcp_frame(1) + b"\x00" * 100
check_file("caplen-over-snaplen", pcap([(1, 0, len(big), len(big), big)] + recs(2), snaplen=64))
check_file("caplen-over-snaplen-cut-early",
           pcap([], snaplen=64) + struct.pack("<IIII", 1, 0, 154, 154) + big[:30])
check_file("caplen-over-snaplen-cut-late",
           pcap([], snaplen=64) + struct.pack("<IIII", 1, 0, 154, 154) + big[:100])
check_file("caplen-over-262144", good + struct.pack("<IIII", 1, 0, 300000, 300000) + b"\0" * 64)
check_file("caplen-over-262144-under-snaplen",
           pcap(recs(1), snaplen=400000) + struct.pack("<IIII", 1, 0, 300000, 300000))
check_file("snaplen-zero", pcap(recs(), snaplen=0))
check_file("timestamps-past-2038", pcap(recs(sec=0x80000010)))
check_file("timestamps-negative-fraction", pcap([(5, 0xfffffff0, 54, 54, eth_tcp_frame(0))]))
check_file("fraction-over-a-second", pcap([(5, 2500000, 54, 54, eth_tcp_frame(0))]))
check_file("wirelen-below-caplen", pcap([(5, 0, 54, 20, eth_tcp_frame(0))]))

# A file of 26 MiB: the mmap reader maps it in windows that start on 2 MiB boundaries and
# reach 64 KiB past the next one (capture-window.c). Before each boundary one frame is
# sized to end exactly on it, 1 byte past it, 8 bytes before it (the next record header
# straddles it), just inside, on and past the end of the 64 KiB tail, or is 100-250 KiB
# long (a window of its own); frames of common sizes fill the rest.
def window_crossing_records():
    rng = __import__("random").Random(2024)
    ends = [0, 1, -8, (64 << 10) - 1, 64 << 10, (64 << 10) + 1, 100 << 10, 250 << 10]
    out, pos, n, k = [], 24, 0, 1
    while k <= 2 * len(ends):
        boundary = k * (2 << 20)
        size = rng.choice([54, 60, 590, 1514, 4000, 9014])
        if boundary - (pos + 16) < 12000:  # the last frame before the boundary
            size = boundary - (pos + 16) + ends[k % len(ends)]
            k += 1
        size = max(size, 54)
        frame = eth_tcp_frame(n) + bytes(size - 54)
        out.append((1700000000 + n // 1000, n % 1000 * 1000, size, size, frame))
        pos += 16 + size
        n += 1
    return out


check_file("window-crossing", pcap(window_crossing_records(), snaplen=262144))

# Damaged files: random bytes of a real capture overwritten (record headers included) and
# random cuts; whatever libpcap makes of them, the mmap reader must make the same.
if os.path.exists(mix):
    import random
    rng = random.Random(1010)
    base = open(mix, "rb").read()
    for i in range(60):
        blob = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            pos = rng.randrange(24, len(blob))
            blob[pos] = rng.randrange(256)
        if i % 3 == 0:
            blob = blob[:rng.randrange(24, len(blob))]
        check_file("mutant-%02d" % i, bytes(blob))

if not os.environ.get("WT_READERS_KEEP"):  # set it to look at the hand-made files
    shutil.rmtree(tmp, ignore_errors=True)
else:
    print("# files kept in " + tmp)
t.done()
