#!/usr/bin/env python3
"""Damaged capture files: never a crash, one clear line on stderr naming the file,
the documented exit code, and the report of what was read.

Inputs:
- every damaged capture in ../shared/captures (skipped when absent): a file capinfos or
  tcpdump reports an error for;
- files this test makes from captures/*.pcap and *.pcapng: cut at EVERY record (block)
  boundary and in the middle of every record (its header and its data) for a few small
  captures, cut inside the file header, bad magic, absurd record lengths (caplen 2^31,
  2^32-1, just over libpcap's 262144 maximum, caplen larger than the file's snaplen, larger
  than what is left of the file, len < caplen), zero-length records, an absurd link type,
  reserved bits set in the link-type field (refused as libpcap 1.10.5 and tshark refuse
  them; the FCS-length bits are legal),
  pcapng blocks with broken lengths (0, 4, not a multiple of 4, past the end, 2^31, header
  and trailer disagreeing, a packet longer than its block, an unknown interface);
- a damaged file between two good ones, and a damaged file on standard input.

Expected outcome, from two readers independent of wiretab: tcpdump (libpcap: did the file
open, did reading end in an error, how many frames) and capinfos (Wireshark's reader: frames
readable, "An error occurred after reading N packets"):
- not opened by tcpdump: exit 2, exactly one line "wiretab: ...<file>...", nothing on stdout;
- opened, read to the end: exit 0, nothing on stderr, packets = the count;
- opened, error part-way: exit 2, exactly one line "wiretab: warning: ...<file>...", and the
  JSON report on stdout whose capture.packets = the count.
The count is capinfos's where capinfos reads any frame and agrees with tcpdump; where the two
readers disagree (Wireshark guesses a different pcap variant for some fuzzed files) the test
says so (TAP diagnostic) and uses libpcap's, the format wiretab documents. Each case runs
with wiretab's default reader and with WIRETAB_NO_MMAP=1 (libpcap's own file reader).
"""
import concurrent.futures
import ctypes
import ctypes.util
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_path, project_root, shared_captures  # noqa: E402

t = Tap()
for tool in ("tcpdump", "capinfos"):
    if shutil.which(tool) is None:
        t.skip_all("needs " + tool)

work = tempfile.mkdtemp(prefix="wt-damaged-")
CAPS = os.path.join(project_root(), "captures")
READERS = (("default reader", {}), ("libpcap reader", {"WIRETAB_NO_MMAP": "1"}))


# --- capture file structure -----------------------------------------------------------

def pcap_records(data):
    """Classic pcap: (endian, [(offset, caplen)] of each whole record)."""
    magic = data[:4]
    e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    recs, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from(e + "I", data, off + 8)[0]
        if off + 16 + caplen > len(data):
            break
        recs.append((off, caplen))
        off += 16 + caplen
    return e, recs


def pcapng_blocks(data):
    """pcapng: (endian, [(offset, type, length)] of each block)."""
    e = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    blocks, off = [], 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from(e + "II", data, off)
        if blen < 12 or off + blen > len(data):
            break
        blocks.append((off, btype, blen))
        off += blen
    return e, blocks


# --- the independent readers ----------------------------------------------------------

class _PcapPkthdr(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long),
                ("caplen", ctypes.c_uint32), ("len", ctypes.c_uint32)]


_libpcap = ctypes.CDLL(ctypes.util.find_library("pcap") or "libpcap.so.0.8")
_libpcap.pcap_open_offline.restype = ctypes.c_void_p
_libpcap.pcap_open_offline.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
_libpcap.pcap_next_ex.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.POINTER(_PcapPkthdr)),
                                  ctypes.POINTER(ctypes.c_void_p)]
_libpcap.pcap_close.argtypes = [ctypes.c_void_p]


def libpcap_oracle(path):
    """(opened, count, error) as libpcap itself reads the file (pcap_open_offline and
    pcap_next_ex, as tcpdump does, without tcpdump's printers that refuse unknown link
    types)."""
    errbuf = ctypes.create_string_buffer(512)
    p = _libpcap.pcap_open_offline(path.encode(), errbuf)
    if not p:
        return False, 0, True
    hdr = ctypes.POINTER(_PcapPkthdr)()
    data = ctypes.c_void_p()
    n = 0
    while True:
        rc = _libpcap.pcap_next_ex(p, ctypes.byref(hdr), ctypes.byref(data))
        if rc != 1:
            break
        n += 1
    _libpcap.pcap_close(p)
    return True, n, rc != -2


def capinfos_counts(paths):
    """{path: frames capinfos reads (None: it reads none / cannot open)}; one run for all."""
    out = {}
    for i in range(0, len(paths), 200):
        chunk = paths[i:i + 200]
        p = subprocess.run(["capinfos", "-c", "-M"] + chunk, capture_output=True, text=True)
        for m in re.finditer(r"File name:\s+(.*)\nNumber of packets:\s+(\d+)", p.stdout):
            out[m.group(1).strip()] = int(m.group(2))
        for m in re.finditer(r'error occurred after reading (\d+) packets? from "(.*)"', p.stderr):
            out[m.group(2)] = int(m.group(1))
    return {f: (out.get(f) or None) for f in paths}


# --- running wiretab and checking one case --------------------------------------------

def run(args, env_extra, stdin=None):
    env = {k: v for k, v in os.environ.items() if k != "WIRETAB_NO_MMAP"}
    env.update(env_extra)
    return subprocess.run([wiretab_path()] + args, capture_output=True, env=env, stdin=stdin)


def problems(path, oracle, count, env_extra, display=None):
    """What is wrong with wiretab's handling of `path` (empty list: nothing)."""
    opened, _, error = oracle
    shown = display or path
    p = run(["-q", "-r", path, "--format", "json"], env_extra)
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    lines = [l for l in err.splitlines() if l.strip()]
    bad = []
    if p.returncode < 0 or p.returncode > 2 or "Sanitizer" in err or "runtime error" in err:
        return ["crashed or sanitizer report (exit %d): %s" % (p.returncode, err[-800:])]
    if not opened:
        want_rc, want_line = 2, "wiretab: "
    elif error:
        want_rc, want_line = 2, "wiretab: warning: "
    else:
        want_rc, want_line = 0, None
    if p.returncode != want_rc:
        bad.append("exit %d, want %d (stderr: %s)" % (p.returncode, want_rc, err.strip()))
    if want_line is None:
        if lines:
            bad.append("unexpected stderr: %s" % err.strip())
    elif not (len(lines) == 1 and lines[0].startswith(want_line) and shown in lines[0]):
        bad.append("want one line '%s...%s...', got: %r" % (want_line, shown, lines))
    if not opened:
        if out:
            bad.append("a report on stdout for a file that does not open")
        return bad
    try:
        rep = json.loads(out)
    except ValueError:
        return bad + ["no JSON report on stdout: %r" % out[:200]]
    got = rep.get("capture", {}).get("packets")
    if got != count:
        bad.append("packets %r, want %d" % (got, count))
    return bad


def expected_count(path, oracle, ci, notes):
    """capinfos's count where it reads frames and agrees with libpcap; else libpcap's."""
    _, lp_count, _ = oracle
    if ci is not None and ci != lp_count:
        notes[path] = ("%s: capinfos reads %d frames, libpcap %d: using libpcap's"
                       % (os.path.basename(path), ci, lp_count))
    return lp_count


def check_cases(group, cases, aggregate=False, readers=READERS, refused=()):
    """cases: [(name, path)]. One TAP line per case and reader, or one per reader for a
    sweep (aggregate) listing every case that failed. wiretab runs in parallel. `refused`:
    paths that must not open although this machine's libpcap opens them (a check a newer
    libpcap makes; the docstring of the case says who refuses them)."""
    paths = [p for _, p in cases]
    ci = capinfos_counts(paths)
    oracles = {p: (False, 0, True) if p in refused else libpcap_oracle(p) for p in paths}
    notes = {}
    counts = {p: expected_count(p, oracles[p], ci[p], notes) for p in paths}
    for rname, env_extra in readers:
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(
                lambda c: problems(c[1], oracles[c[1]], counts[c[1]], env_extra), cases))
        failed = []
        for (name, path), bad in zip(cases, results):
            if not aggregate:
                o = oracles[path]
                what = ("does not open" if not o[0] else
                        "%d frames, then an error" % counts[path] if o[2] else
                        "%d frames" % counts[path])
                t.ok(not bad, "%s: %s (%s) [%s]" % (group, name, what, rname),
                     "\n".join(bad + [notes.get(path, "")]))
            elif bad:
                failed.append("%s: %s" % (name, "; ".join(bad)))
        if aggregate:
            n_err = sum(1 for p in paths if oracles[p][2] or not oracles[p][0])
            t.ok(not failed, "%s: %d files (%d damaged) [%s]" % (group, len(cases), n_err, rname),
                 "\n".join(failed[:15]))
    for n in sorted(notes.values()):
        print("# note: " + n)
    return oracles


def write(name, data):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


# --- 1. the damaged captures of the shared corpus --------------------------------------

def shared_damaged():
    d = shared_captures()
    if not os.path.isdir(d):
        t.skip("shared damaged captures", "%s absent" % d)
        return
    files = sorted(f for f in glob.glob(os.path.join(d, "*"))
                   if re.search(r"\.(pcap|pcapng|cap)$", f))
    ci = capinfos_counts(files)
    damaged = []
    for f in files:
        o = libpcap_oracle(f)
        if not o[0] or o[2] or ci[f] is None and o[1] > 0:
            damaged.append((os.path.basename(f), f))
    t.ok(len(damaged) >= 1, "shared corpus: %d damaged captures found among %d"
         % (len(damaged), len(files)), ", ".join(n for n, _ in damaged))
    check_cases("shared", damaged)


# --- 2. cuts ------------------------------------------------------------------------------

def cut_sweep(src):
    data = open(src, "rb").read()
    base = os.path.basename(src)
    cases = []
    if base.endswith(".pcapng"):
        _, blocks = pcapng_blocks(data)
        starts = [(off, blen) for off, _, blen in blocks]
    else:
        _, recs = pcap_records(data)
        starts = [(off, 16 + caplen) for off, caplen in recs]
    for i, (off, size) in enumerate(starts):
        cuts = {"at-%d" % i: off, "hdr-%d" % i: off + 7, "mid-%d" % i: off + size // 2,
                "end-1-%d" % i: off + size - 1}
        for kind, at in cuts.items():
            if 0 < at < len(data):
                cases.append((kind, write("cut-%s-%s-%d" % (kind, base, at), data[:at])))
    for at in (4, 12, 23):
        cases.append(("file-header-%d" % at, write("cut-fh-%d-%s" % (at, base), data[:at])))
    check_cases("cut %s at every boundary and mid-record" % base, cases, aggregate=True,
                readers=READERS[:1] if base.endswith(".pcapng") else READERS)


def half_cuts():
    """Every project capture cut once in the middle: exit 2, report of the frames before."""
    cases = []
    for src in sorted(glob.glob(os.path.join(CAPS, "*.pcap")) + glob.glob(os.path.join(CAPS, "*.pcapng"))):
        data = open(src, "rb").read()
        cases.append((os.path.basename(src),
                      write("half-" + os.path.basename(src), data[: len(data) // 2 + 5])))
    check_cases("every project capture cut in the middle", cases, aggregate=True)


# --- 3. classic pcap with absurd headers and records ------------------------------------

def patch_caplen(data, e, recs, k, caplen=None, wirelen=None):
    off, _ = recs[k]
    b = bytearray(data)
    if caplen is not None:
        struct.pack_into(e + "I", b, off + 8, caplen)
    if wirelen is not None:
        struct.pack_into(e + "I", b, off + 12, wirelen)
    return bytes(b)


def pcap_cases():
    src = os.path.join(CAPS, "http-veth-ipv4.pcap")
    if not os.path.exists(src):
        t.skip("pcap header/record damage", "captures/http-veth-ipv4.pcap absent")
        return
    data = open(src, "rb").read()
    e, recs = pcap_records(data)
    k = 3
    cases = []

    def add(name, d):
        cases.append((name, write("pcap-%s.pcap" % name, d)))

    add("bad-magic", b"XXXX" + data[4:])
    add("zero-magic", b"\0\0\0\0" + data[4:])
    add("wrong-byte-order-magic", data[:4][::-1] + data[4:])
    add("pcapng-magic-on-pcap", b"\x0a\x0d\x0d\x0a" + data[4:])
    add("major-version-9", data[:4] + struct.pack(e + "H", 9) + data[6:])
    add("header-only", data[:24])
    add("caplen-2^31", patch_caplen(data, e, recs, k, caplen=1 << 31))
    add("caplen-2^32-1", patch_caplen(data, e, recs, k, caplen=0xFFFFFFFF))
    add("caplen-262145", patch_caplen(data, e, recs, k, caplen=262145))
    add("caplen-past-eof", patch_caplen(data, e, recs, k, caplen=len(data) - recs[k][0]))
    add("caplen-2^31-first-record", patch_caplen(data, e, recs, 0, caplen=1 << 31))
    add("caplen-2^31-last-record", patch_caplen(data, e, recs, len(recs) - 1, caplen=1 << 31))
    add("len-below-caplen", patch_caplen(data, e, recs, k, wirelen=recs[k][1] - 10))
    add("len-zero", patch_caplen(data, e, recs, k, wirelen=0))
    add("len-2^32-1", patch_caplen(data, e, recs, k, wirelen=0xFFFFFFFF))
    # every record longer than the file's snaplen (64): libpcap cuts each to 64 bytes
    add("caplen-above-snaplen", data[:16] + struct.pack(e + "I", 64) + data[20:])
    add("snaplen-zero", data[:16] + struct.pack(e + "I", 0) + data[20:])
    add("snaplen-2^31", data[:16] + struct.pack(e + "I", 1 << 31) + data[20:])
    add("linktype-unknown", data[:20] + struct.pack(e + "I", 0x7FFF) + data[24:])
    add("linktype-user0", data[:20] + struct.pack(e + "I", 147) + data[24:])
    add("linktype-raw-on-ethernet", data[:20] + struct.pack(e + "I", 101) + data[24:])
    # zero-length records between real ones, and a file of nothing else
    r = recs[2][0]
    zero = struct.pack(e + "IIII", 1700000000, 0, 0, 0)
    zero60 = struct.pack(e + "IIII", 1700000000, 1, 0, 60)
    add("zero-length-records", data[:r] + zero + zero60 + zero + data[r:])
    add("only-zero-length-records", data[:24] + zero * 50)
    # a record of 1 byte, 14 bytes (Ethernet header only), 34 (IPv4 header, no TCP)
    for n in (1, 14, 34):
        off, caplen = recs[k]
        short = struct.pack(e + "IIII", 1700000000, 2, n, caplen) + data[off + 16: off + 16 + n]
        add("short-record-%d" % n, data[:off] + short + data[off:])
    # garbage record bodies: the headers are right, every frame byte is 0xFF or random
    b = bytearray(data)
    for off, caplen in recs:
        b[off + 16: off + 16 + caplen] = bytes((i * 131 + off) & 0xFF for i in range(caplen))
    add("garbage-frames", bytes(b))
    b = bytearray(data)
    for off, caplen in recs:
        b[off + 16: off + 16 + caplen] = b"\xff" * caplen
    add("all-ones-frames", bytes(b))
    # timestamps at the limits
    b = bytearray(data)
    for i, (off, _) in enumerate(recs):
        struct.pack_into(e + "II", b, off, 0xFFFFFFFF if i % 2 else 0, 999999999 if i % 3 else 0)
    add("timestamps-extreme", bytes(b))
    check_cases("pcap", cases)


def swap_pcap(data):
    """The same classic pcap in the other byte order (file header and record headers)."""
    e, recs = pcap_records(data)
    o = ">" if e == "<" else "<"
    b = bytearray(data)
    magic, = struct.unpack_from(e + "I", data, 0)
    struct.pack_into(o + "IHHiIII", b, 0, magic, *struct.unpack_from(e + "HHiIII", data, 4))
    for off, _ in recs:
        struct.pack_into(o + "IIII", b, off, *struct.unpack_from(e + "IIII", data, off))
    return bytes(b)


def linktype_reserved_cases():
    """Reserved bits: the link-type field of a pcap file header is, from the top, a 4-bit
    FCS length, a reserved bit (R), "FCS length present" (P, 0x04000000), 10 reserved bits
    (0x03FF0000) and the 16-bit link type (draft-ietf-opsawg-pcap: a reader SHOULD treat
    non-zero reserved bits as an error). libpcap 1.10.5 (sf-pcap.c, LT_RESERVED1) refuses a
    file with any of the 10 set, "savefile linktype reserved field not zero (0x...)", and so
    do tshark and capinfos 4.0 ("network type reserved field not zero"); both read files
    with the FCS bits or R set. Debian's libpcap 1.10.3, this test's usual oracle, opens
    such a file and hands the bits over in pcap_datalink(), so here the expectation is
    written down: refused, one line naming the file, exit 2."""
    src = os.path.join(CAPS, "http-veth-ipv4.pcap")
    if not os.path.exists(src):
        t.skip("pcap link-type reserved bits", "captures/http-veth-ipv4.pcap absent")
        return
    data = open(src, "rb").read()
    e, _ = pcap_records(data)
    lt = struct.unpack_from(e + "I", data, 20)[0] & 0xFFFF
    cases, refused = [], set()

    def add(name, value, bad, d=data, end=e):
        path = write("pcap-linktype-%s.pcap" % name, d[:20] + struct.pack(end + "I", value) + d[24:])
        cases.append((name + (" (refused)" if bad else " (legal)"), path))
        if bad:
            refused.add(path)

    add("reserved-bit-16", lt | 0x00010000, True)
    add("reserved-bit-25", lt | 0x02000000, True)
    add("reserved-all-10", lt | 0x03FF0000, True)
    add("netbsd-class-0x224", lt | 0x02240000, True)
    add("reserved-and-fcs", lt | 0x24010000, True)
    swapped = swap_pcap(data)
    add("reserved-bit-16-other-byte-order", lt | 0x00010000, True, swapped, ">" if e == "<" else "<")
    # legal: FCS length 2 (32 bits) present, an FCS length without P, the R bit (libpcap and
    # Wireshark read these; the frames are the file's)
    add("fcs-length-2-present", lt | 0x24000000, False)
    add("fcs-length-without-p", lt | 0x20000000, False)
    add("r-bit-27", lt | 0x08000000, False)
    add("plain-other-byte-order", lt, False, swapped, ">" if e == "<" else "<")
    # the written-down expectation agrees with Wireshark's reader (capinfos)
    ci = capinfos_counts([p for _, p in cases])
    n = len(pcap_records(data)[1])
    t.ok(all((ci[p] is None) == (p in refused) and (p in refused or ci[p] == n) for _, p in cases),
         "pcap link-type field: capinfos refuses exactly the files with reserved bits set",
         "\n".join("%s: capinfos %r" % (name, ci[p]) for name, p in cases))
    check_cases("pcap link-type field", cases, refused=refused)
    # the same refusal when the file comes on standard input (libpcap's reader only)
    path = [p for _, p in cases][0]
    with open(path, "rb") as f:
        p = run(["-q", "-r", "-", "--format", "json"], {}, stdin=f)
    lines = [l for l in p.stderr.decode().splitlines() if l.strip()]
    t.ok(p.returncode == 2 and len(lines) == 1 and "standard input" in lines[0] and
         "reserved field not zero" in lines[0] and not p.stdout,
         "pcap link-type field: reserved bit on standard input: exit 2, one line",
         "exit %d, stderr %r, stdout %r" % (p.returncode, lines, p.stdout[:100]))


# --- 4. pcapng with broken blocks ----------------------------------------------------------

def pcapng_cases():
    src = os.path.join(CAPS, "http-edge-nginx.pcapng")
    if not os.path.exists(src):
        t.skip("pcapng block damage", "captures/http-edge-nginx.pcapng absent")
        return
    data = open(src, "rb").read()
    e, blocks = pcapng_blocks(data)
    epbs = [b for b in blocks if b[1] == 6]
    idbs = [b for b in blocks if b[1] == 1]
    off, _, blen = epbs[4]
    cases = []

    def add(name, d):
        cases.append((name, write("pcapng-%s.pcapng" % name, d)))

    def set32(d, at, v):
        b = bytearray(d)
        struct.pack_into(e + "I", b, at, v)
        return bytes(b)

    for v in (0, 4, 8, 11, 13, blen + 2, blen + 4, len(data), 0x7FFFFFF0, 0xFFFFFFFF):
        add("epb-length-%d" % v, set32(data, off + 4, v))
    add("epb-trailer-mismatch", set32(data, off + blen - 4, blen + 4))
    add("epb-caplen-beyond-block", set32(data, off + 20, 0x00FFFF00))
    add("epb-caplen-2^31", set32(data, off + 20, 1 << 31))
    add("epb-unknown-interface", set32(data, off + 8, 7))
    add("epb-last-length-past-eof", set32(data, epbs[-1][0] + 4, epbs[-1][2] + 64))
    add("shb-length-0", set32(data, 4, 0))
    add("shb-length-huge", set32(data, 4, 0x7FFFFFF0))
    add("shb-bad-byte-order-magic", set32(data, 8, 0xDEADBEEF))
    if idbs:
        i_off, _, i_len = idbs[0]
        add("idb-length-3", set32(data, i_off + 4, 3))
        add("idb-snaplen-0", set32(data, i_off + 12, 0))
        add("idb-linktype-unknown", data[:i_off + 8] + struct.pack(e + "H", 0x7FFF) + data[i_off + 10:])
        add("no-idb", data[:i_off] + data[i_off + i_len:])
    # an unknown block type with a good length is skipped by every reader
    unknown = struct.pack(e + "II", 0x0BADB10C, 16) + b"\0\0\0\0" + struct.pack(e + "I", 16)
    add("unknown-block", data[:off] + unknown + data[off:])
    # a second section whose header is damaged
    add("second-shb-damaged", data + set32(data[:blocks[0][2]], 4, 0x7FFFFFF0))
    check_cases("pcapng", cases, readers=READERS[:1])


# --- 5. several files, standard input ---------------------------------------------------------

def multi_and_stdin():
    good = os.path.join(CAPS, "tcp-close-client.pcap")
    src = os.path.join(CAPS, "http-veth-ipv4.pcap")
    if not (os.path.exists(good) and os.path.exists(src)):
        t.skip("several files / stdin", "captures absent")
        return
    data = open(src, "rb").read()
    _, recs = pcap_records(data)
    cut = write("multi-cut.pcap", data[: recs[20][0] + 9])
    n_good = capinfos_counts([good])[good]
    n_cut = libpcap_oracle(cut)[1]
    t.eq(n_cut, 20, "the cut file holds 20 whole records (tcpdump)")
    for rname, env_extra in READERS:
        p = run(["-q", "-r", good, "-r", cut, "-r", good, "--format", "json"], env_extra)
        lines = [l for l in p.stderr.decode().splitlines() if l.strip()]
        try:
            got = json.loads(p.stdout)["capture"]["packets"]
        except (ValueError, KeyError):
            got = None
        t.ok(p.returncode == 2 and len(lines) == 1 and cut in lines[0] and
             got == 2 * n_good + n_cut,
             "good + damaged + good: exit 2, one warning naming the damaged file, %d frames"
             " [%s]" % (2 * n_good + n_cut, rname),
             "exit %d, packets %r, stderr %r" % (p.returncode, got, lines))
    with open(cut, "rb") as f:
        p = run(["-q", "-r", "-", "--format", "json"], {}, stdin=f)
    lines = [l for l in p.stderr.decode().splitlines() if l.strip()]
    try:
        got = json.loads(p.stdout)["capture"]["packets"]
    except (ValueError, KeyError):
        got = None
    t.ok(p.returncode == 2 and len(lines) == 1 and "standard input" in lines[0] and got == n_cut,
         "damaged file on standard input: exit 2, one warning naming standard input, %d frames"
         % n_cut, "exit %d, packets %r, stderr %r" % (p.returncode, got, lines))


try:
    shared_damaged()
    for name in ("tcp-close-client.pcap", "http-vlan.pcap", "http-any-sll2.pcap",
                 "http-edge-nginx.pcapng"):
        path = os.path.join(CAPS, name)
        if os.path.exists(path):
            cut_sweep(path)
        else:
            t.skip("cut sweep " + name, "absent")
    half_cuts()
    pcap_cases()
    linktype_reserved_cases()
    pcapng_cases()
    multi_and_stdin()
finally:
    shutil.rmtree(work, ignore_errors=True)
t.done()
