#!/usr/bin/env python3
"""--threads on a file that cannot be mapped whole.

The workers' shared reading hands frames over by their place in one mapping of the whole
file. Where that mapping cannot be made (here: an address-space limit below the file's
size; on a machine, a 32-bit build or a ulimit -v) wiretab must read another way, not
hand over places in windows that move on (it crashed there before). A sparse pcap of
512 MiB (2,048 frames of 256 KiB, zeros but for the record headers: little disk) is read
under a 400 MiB limit with --threads 2 and with one thread: both exit 0, with the same
report. Skipped where one thread cannot run under the limit (sanitizer builds reserve
terabytes of address space)."""
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_path  # noqa: E402
from thread_sums import strip  # noqa: E402

LIMIT = 400 << 20
FRAMES, CAPLEN = 2048, 262144


def sparse_pcap(path):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, CAPLEN, 1))
        for i in range(FRAMES):
            f.write(struct.pack("<IIII", 1700000000 + i // 100, (i % 100) * 10000, CAPLEN, CAPLEN))
            f.seek(CAPLEN, os.SEEK_CUR)
        f.truncate()
    return 24 + FRAMES * (16 + CAPLEN)


def run(args, limit):
    def pre():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    env = dict(os.environ, WIRETAB_THREADS_FIXED="1")
    return subprocess.run([wiretab_path()] + args + ["--format", "json"], capture_output=True,
                          text=True, env=env, preexec_fn=pre if limit else None, timeout=300)


t = Tap()
with tempfile.TemporaryDirectory() as tmp:
    cap = os.path.join(tmp, "big-sparse.pcap")
    size = sparse_pcap(cap)
    t.ok(size > LIMIT, "the file (%d bytes) is larger than the limit (%d)" % (size, LIMIT))
    one = run(["-q", "-r", cap], LIMIT)
    if one.returncode != 0:
        print("# one thread under the limit: %s" % one.stderr.strip()[-300:])
        t.skip("--threads 2 under an address-space limit", "one thread cannot run under it")
        t.done()
    two = run(["-q", "-r", cap, "--threads", "2"], LIMIT)
    t.eq(two.returncode, 0, "--threads 2 under the limit exits 0 (stderr: %s)"
         % two.stderr.strip()[-200:])
    if two.returncode == 0:
        a, b = strip(json.loads(one.stdout)), strip(json.loads(two.stdout))
        t.eq(a["capture"]["packets"], FRAMES, "one thread read every frame")
        t.eq(b, a, "--threads 2 gives one thread's report")
    free = run(["-q", "-r", cap, "--threads", "2"], 0)
    t.eq(free.returncode, 0, "--threads 2 without the limit exits 0")
    if free.returncode == 0:
        t.eq(strip(json.loads(free.stdout)), strip(json.loads(one.stdout)),
             "--threads 2 without the limit (the shared reading) gives the same report")
t.done()
