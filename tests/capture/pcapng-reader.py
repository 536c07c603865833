#!/usr/bin/env python3
"""The pcapng block reader and standard input (analyzer/capture/pcapng-read.c,
capture-window.c) give the reports the pcap reader gives:
  1. every capture of captures/ and ../shared/captures that reads cleanly, converted by
     Wireshark's `editcap -F pcapng`, gives a byte-identical JSON report (the file name
     aside) to the original; the same bytes on standard input (pcap and pcapng) too;
  2. a big-endian pcapng (blocks rewritten in the other byte order here) reads as the
     little-endian one, frame for frame (tshark counts the same frames in both);
  3. two sections (two pcapng files concatenated) read as both, capinfos's count;
  4. interfaces of two link types (`mergecap -F pcapng` of an Ethernet and a Linux cooked v2
     capture, which libpcap refuses) read whole: link types and frames as capinfos counts
     them in the inputs; a filter keeps what it keeps in each input alone;
  5. damaged pcapng files (random, seeded: bit flips, chosen lengths and values in block
     fields, cuts) read exactly as libpcap's reader reads them: exit, stderr and report.
"""
import concurrent.futures
import glob
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_path, project_root, shared_captures  # noqa: E402

t = Tap()
work = tempfile.mkdtemp(prefix="wt-pcapng-")


def wiretab(args, stdin_path=None, libpcap=False):
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    env = {k: v for k, v in os.environ.items() if k not in ("WIRETAB_NO_MMAP", "SSLKEYLOGFILE")}
    if libpcap:
        env["WIRETAB_NO_MMAP"] = "1"  # libpcap's own readers
    try:
        p = subprocess.run([wiretab_path()] + args + ["--format", "json"], stdin=stdin,
                           capture_output=True, env=env)
    finally:
        if stdin_path:
            stdin.close()
    return p


def report(p):
    r = json.loads(p.stdout)
    r.get("capture", {}).pop("files", None)
    return r


def capinfos_frames(path):
    out = subprocess.run(["capinfos", "-c", "-M", path], capture_output=True, text=True).stdout
    return int(out.split("Number of packets:")[1].split()[0])


def first_difference(a, b, path=""):
    if type(a) is not type(b):
        return path
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            d = first_difference(a.get(k), b.get(k), path + "." + k)
            if d:
                return d
    elif isinstance(a, list):
        if len(a) != len(b):
            return path + " (length)"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
    elif a != b:
        return "%s: %r vs %r" % (path, a, b)
    return None


# What a Decryption Secrets Block changes: libpcap's reader skips the block, the block
# reader hands its key log to TLS, so the decrypted content's sections differ by design
# (tls-https-keylog checks that the block gives the key log's report).
DECRYPTED_SECTIONS = ("http", "http2", "tls", "timeline", "anomalies")


def has_secrets_block(path):
    data = open(path, "rb").read()
    off = 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, off)
        if btype == 0x0000000A:
            return True
        if blen < 12 or blen % 4:
            return False
        off += blen
    return False


def comparable(r, secrets):
    if secrets:
        for key in DECRYPTED_SECTIONS:
            r.pop(key, None)
    return r


def same_as_libpcap(path, label, secrets=None):
    """the block reader on `path` against libpcap's reader of the same file: same exit,
    same stderr, same report (for files the conversion made unreadable, e.g. a pcapng with
    no interface for a capture without frames, or frames longer than a snaplen of 1);
    with a secrets block, the same report but for what decryption adds"""
    if secrets is None:
        secrets = has_secrets_block(path)
    mine, theirs = wiretab(["-r", path]), wiretab(["-r", path], libpcap=True)
    if (mine.returncode, mine.stderr) != (theirs.returncode, theirs.stderr):
        return ["%s: exit %d %r, libpcap's reader: exit %d %r" % (
            label, mine.returncode, mine.stderr.decode()[:160], theirs.returncode,
            theirs.stderr.decode()[:160])]
    if mine.stdout:
        a, b = comparable(report(theirs), secrets), comparable(report(mine), secrets)
        if a != b:
            return ["%s: differs from libpcap's reader at %s" % (label, first_difference(a, b))]
    return []


def same_reports(src):
    """problems with src read as pcapng and from standard input (empty: none)"""
    base = wiretab(["-r", src])
    if base.returncode != 0:
        return None  # damaged files: tests/damaged
    want = report(base)
    ng = src
    if not src.endswith(".pcapng"):
        ng = os.path.join(work, os.path.basename(src) + ".conv.pcapng")
        if subprocess.run(["editcap", "-F", "pcapng", src, ng], capture_output=True).returncode:
            return ["editcap could not convert it"]
    bad = same_as_libpcap(ng, "pcapng")
    for label, p in (("pcapng", wiretab(["-r", ng])), ("stdin", wiretab(["-r", "-"], src)),
                     ("pcapng on stdin", wiretab(["-r", "-"], ng))):
        if p.returncode != 0:
            # as libpcap reads the converted file (checked above)?
            if label != "stdin" and wiretab(["-r", ng], libpcap=True).returncode == p.returncode:
                continue
            bad.append("%s: exit %d: %s" % (label, p.returncode, p.stderr.decode()[:200]))
            continue
        got = report(p)
        if got != want:
            bad.append("%s: differs at %s" % (label, first_difference(want, got)))
    if ng != src:
        os.unlink(ng)
    return bad


def corpus():
    files = sorted(glob.glob(os.path.join(project_root(), "captures", "*.pcap")) +
                   glob.glob(os.path.join(project_root(), "captures", "*.pcapng")))
    d = shared_captures()
    if os.path.isdir(d):
        for ext in ("pcap", "pcapng", "cap"):
            files += sorted(glob.glob(os.path.join(d, "**", "*." + ext), recursive=True))
    return files


def check_corpus():
    files = corpus()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(same_reports, files))
    checked = [(f, r) for f, r in zip(files, results) if r is not None]
    failed = ["%s: %s" % (os.path.relpath(f, project_root()), "; ".join(r))
              for f, r in checked if r]
    t.ok(len(checked) >= 20, "%d captures read cleanly (of %d)" % (len(checked), len(files)))
    t.ok(not failed, "each of %d captures: pcapng (editcap) reads as libpcap reads it, and "
         "pcapng, stdin and pcapng on stdin give the pcap's report" % len(checked),
         "\n".join(failed[:10]))


# --- big-endian pcapng ------------------------------------------------------------------

NUMERIC_OPTIONS = {  # (block type, option code) -> struct format of the value
    (1, 8): "Q", (1, 14): "Q", (6, 2): "I", (6, 4): "Q", (0x0A0D0D0A, 0): None}


def swap_options(btype, body, at):
    out = bytearray(body[:at])
    while at + 4 <= len(body):
        code, olen = struct.unpack_from("<HH", body, at)
        val = body[at + 4: at + 4 + olen]
        pad = (-olen) % 4
        fmt = NUMERIC_OPTIONS.get((btype, code))
        if fmt and len(val) == struct.calcsize(fmt):
            val = struct.pack(">" + fmt, *struct.unpack("<" + fmt, val))
        out += struct.pack(">HH", code, olen) + val + body[at + 4 + olen: at + 4 + olen + pad]
        at += 4 + olen + pad
        if code == 0:
            break
    return bytes(out) + body[at:]


def to_big_endian(data):
    """a little-endian pcapng rewritten in big-endian byte order (SHB, IDB, EPB, DSB and
    unknown blocks; option values of known numeric options swapped)"""
    out, off = bytearray(), 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, off)
        body = data[off + 8: off + blen - 4]
        if btype == 0x0A0D0D0A:
            bom, major, minor, slen = struct.unpack_from("<IHHq", body)
            fixed = struct.pack(">IHHq", bom, major, minor, slen)
            body = swap_options(btype, fixed + body[16:], 16)
        elif btype == 1:
            lt, res, snap = struct.unpack_from("<HHI", body)
            body = swap_options(btype, struct.pack(">HHI", lt, res, snap) + body[8:], 8)
        elif btype == 6:
            ifid, hi, lo, cap, wire = struct.unpack_from("<5I", body)
            fixed = struct.pack(">5I", ifid, hi, lo, cap, wire)
            at = 20 + cap + (-cap) % 4
            body = swap_options(btype, fixed + body[20:], at)
        elif btype == 0x0A:
            stype, slen = struct.unpack_from("<II", body)
            body = struct.pack(">II", stype, slen) + body[8:]
        out += struct.pack(">II", btype, blen) + body + struct.pack(">I", blen)
        off += blen
    return bytes(out)


def tshark_frames(path):
    out = subprocess.run(["tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.len",
                          "-e", "frame.time_epoch"], capture_output=True, text=True).stdout
    return out.splitlines()


def check_big_endian():
    for name in ("https-keylog.dsb.pcapng", "http-edge-nginx.pcapng"):
        le = os.path.join(project_root(), "captures", name)
        be = os.path.join(work, "be-" + name)
        with open(le, "rb") as f, open(be, "wb") as g:
            g.write(to_big_endian(f.read()))
        t.eq(len(tshark_frames(be)), len(tshark_frames(le)),
             "%s in big-endian byte order: tshark reads the same frames" % name)
        t.ok(tshark_frames(be) == tshark_frames(le),
             "%s big-endian: tshark's frame lengths and times are the same" % name)
        a, b = wiretab(["-r", le]), wiretab(["-r", be])
        t.ok(a.returncode == 0 and b.returncode == 0 and report(a) == report(b),
             "%s big-endian: the same report" % name,
             b.stderr.decode() or (a.returncode == 0 and b.returncode == 0 and
                                   first_difference(report(a), report(b))))


def check_sections_and_link_types():
    caps = os.path.join(project_root(), "captures")
    a, b = os.path.join(caps, "http-edge-nginx.pcapng"), os.path.join(caps, "https-keylog.dsb.pcapng")
    two = os.path.join(work, "two-sections.pcapng")
    with open(two, "wb") as g:
        for f in (a, b):
            g.write(open(f, "rb").read())
    p = wiretab(["-r", two])
    t.ok(p.returncode == 0, "two sections: read without error", p.stderr.decode())
    if p.returncode == 0:
        t.eq(report(p)["capture"]["packets"], capinfos_frames(two),
             "two sections: every frame of both (capinfos's count)")
        t.eq(report(p)["capture"]["packets"], capinfos_frames(a) + capinfos_frames(b),
             "two sections: the frames of both files")

    eth, sll2 = os.path.join(caps, "tcp-close-client.pcap"), os.path.join(caps, "http-any-sll2.pcap")
    merged = os.path.join(work, "two-link-types.pcapng")
    subprocess.run(["mergecap", "-F", "pcapng", "-w", merged, eth, sll2], check=True)
    p = wiretab(["-r", merged])
    t.ok(p.returncode == 0, "Ethernet + Linux cooked v2 interfaces: read (libpcap refuses it)",
         p.stderr.decode())
    if p.returncode == 0:
        r = report(p)
        t.eq(r["capture"]["link_types"], {"EN10MB": capinfos_frames(eth),
                                          "LINUX_SLL2": capinfos_frames(sll2)},
             "two link types: each interface's frames under its own link type (capinfos)")
        alone = [report(wiretab(["-r", f]))["http"]["requests"] for f in (eth, sll2)]
        t.eq(r["http"]["requests"], sum(alone), "two link types: the HTTP requests of both")
    flt = "tcp and (port 80 or port 8080)"
    p = wiretab(["-r", merged, "-f", flt])
    alone = [wiretab(["-r", f, "-f", flt]) for f in (eth, sll2)]
    if p.returncode == 0 and all(x.returncode == 0 for x in alone):
        t.eq(report(p)["capture"]["packets"],
             sum(report(x)["capture"]["packets"] for x in alone),
             "two link types with a filter: what the filter keeps of each input alone")
    else:
        t.ok(False, "two link types with a filter: wiretab runs", p.stderr.decode())


def mutate(data, blocks, rng):
    b, cut = bytearray(data), None
    for _ in range(rng.randint(1, 3)):
        off, _, blen = rng.choice(blocks[1:])
        field = min(rng.choice([4, 8, 12, 16, 20, 24, 28, blen - 4, rng.randrange(blen)]), blen - 4)
        kind = rng.random()
        if kind < 0.4:
            b[off + field + rng.randrange(4)] ^= 1 << rng.randrange(8)
        elif kind < 0.7:
            struct.pack_into("<I", b, off + field, rng.choice(
                [0, 1, 7, 8, 12, 13, 0xFFFFFFFF, 0x7FFFFFFF, blen, blen + 4, blen - 4, 262145]))
        else:
            cut = rng.randrange(len(data))
    return bytes(b[:cut] if cut is not None else b)


def check_damaged(count=120):
    caps = os.path.join(project_root(), "captures")
    small = os.path.join(work, "small.pcap")
    dsb = os.path.join(work, "small-dsb.pcapng")
    subprocess.run(["editcap", "-r", os.path.join(caps, "https-keylog.pcap"), small, "1-60"],
                   check=True)
    subprocess.run(["editcap", "--inject-secrets",
                    "tls," + os.path.join(caps, "https-keylog.keylog"), small, dsb], check=True)
    for src in (os.path.join(caps, "http-edge-nginx.pcapng"), dsb):
        data = open(src, "rb").read()
        blocks, off = [], 0
        while off + 12 <= len(data):
            btype, blen = struct.unpack_from("<II", data, off)
            blocks.append((off, btype, blen))
            off += blen
        rng = random.Random(17)
        path = os.path.join(work, "damaged.pcapng")
        failed = []
        for i in range(count):
            open(path, "wb").write(mutate(data, blocks, rng))
            bad = same_as_libpcap(path, "mutation %d" % i, secrets=src == dsb)
            if wiretab(["-r", path]).returncode not in (0, 2):
                bad.append("mutation %d: crashed" % i)
            failed += bad
        t.ok(not failed, "%s: %d damaged copies read as libpcap reads them"
             % (os.path.basename(src), count), "\n".join(failed[:5]))


def main():
    for tool in ("editcap", "mergecap", "capinfos", "tshark"):
        if not shutil.which(tool):
            t.skip_all("%s not installed (scripts/bootstrap installs wireshark-common)" % tool)
    check_corpus()
    check_big_endian()
    check_sections_and_link_types()
    check_damaged()
    shutil.rmtree(work, ignore_errors=True)
    t.done()


main()
