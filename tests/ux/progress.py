#!/usr/bin/env python3
"""The progress bar: drawn on stderr under a pseudo-terminal while a file is read (percent,
packets, packets/s, elapsed, remaining), erased before the report; absent when stderr is
not a terminal and with -q."""
import os
import re
import shutil
import subprocess
import tempfile

from uxlib import Tap, wiretab_path, run_pty, big_capture, capinfos_count

t = Tap()
if not shutil.which("mergecap") or not shutil.which("capinfos"):
    t.skip_all("needs mergecap and capinfos (wireshark-common)")
work = tempfile.mkdtemp(prefix="wt-ux-progress-")
try:
    big = big_capture(work)
    frames = capinfos_count(big)
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
    env.pop("NO_COLOR", None)

    # the file twenty times over (one capture of 20x the frames): over a second even at
    # three million packets a second, so the bar (every 200 ms) is redrawn several times;
    # report to a file, so all on the terminal is the bar
    twenty = ["-r", big] * 20
    frames *= 20
    rc, out = run_pty([wiretab_path()] + twenty + ["-o", os.path.join(work, "r.txt")], env=env)
    text = out.decode("utf-8", "replace")
    t.eq(rc, 0, "exit 0 under a terminal")
    draws = re.findall(r"\r(\[[#>.]+\]\s+(\d+\.\d)%\s+([\d,]+) packets\s+([\d,]+) pkt/s\s+"
                       r"elapsed (\d\d:\d\d)\s+left (\d\d:\d\d|--:--))\x1b\[K", text)
    t.ok(len(draws) >= 2, "the bar was drawn at least twice (%d)" % len(draws), text[:400])
    pcts = [float(d[1]) for d in draws]
    pkts = [int(d[2].replace(",", "")) for d in draws]
    t.ok(pcts == sorted(pcts) and all(0 < p <= 100 for p in pcts),
         "percent of bytes grows within 0-100", pcts)
    t.ok(pkts == sorted(pkts) and all(0 < p <= frames for p in pkts),
         "packets grow and stay within capinfos' %d" % frames, pkts)
    t.ok(text.endswith("\r\x1b[K"), "the line is erased at the end", repr(text[-80:]))
    # redraws at most ~5 a second: fewer draws than 5/s x run time + 1
    t.ok(len(draws) <= 5 * 30 + 1, "not redrawn for every batch (%d draws)" % len(draws))
    rep = open(os.path.join(work, "r.txt")).read()
    t.ok("\r" not in rep and "\x1b" not in rep, "the report file has no bar in it")
    m = re.search(r"^  Packets\s+([\d,]+)$", rep, re.M)
    t.eq(int(m.group(1).replace(",", "")) if m else None, frames,
         "report packets equal capinfos' count")

    # report on the terminal: the bar is erased before the report starts
    rc, out = run_pty([wiretab_path()] + twenty, env=dict(env, NO_COLOR="1"))
    text = out.decode("utf-8", "replace")
    i = text.find("== Capture summary ==")
    t.ok(i > 0 and text[:i].endswith("\r\x1b[K"),
         "report on the terminal starts on an erased line", repr(text[max(0, i - 80):i + 30]))

    # -q: nothing but the report
    rc, out = run_pty([wiretab_path(), "-q", "-r", big, "-o", os.path.join(work, "q.txt")],
                      env=env)
    t.eq((rc, out), (0, b""), "-q: nothing on the terminal")

    # not a terminal: stderr empty
    p = subprocess.run([wiretab_path(), "-r", big], capture_output=True, env=env)
    t.eq((p.returncode, p.stderr), (0, b""), "piped: nothing on stderr")
    t.ok(b"\r" not in p.stdout and b"\x1b" not in p.stdout, "piped: plain report")

    # standard input: no size, so no percent, but packets and rate
    with open(big, "rb") as f:
        # a pipe that pauses after the first megabyte, as a slow producer does: the
        # whole file would otherwise be read before the bar's first redraw (200 ms)
        master_argv = ["sh", "-c",
                       '{ head -c 1000000; sleep 0.5; cat; } < "$2" | "$0" -r - -o "$1"',
                       wiretab_path(), os.path.join(work, "s.txt"), big]
        rc, out = run_pty(master_argv, env=env)
    text = out.decode("utf-8", "replace")
    t.ok(re.search(r"\r[\d,]+ packets\s+[\d,]+ pkt/s\s+elapsed \d\d:\d\d\x1b\[K", text)
         is not None and "%" not in text, "stdin: packets and rate, no percent", text[:300])
finally:
    shutil.rmtree(work, ignore_errors=True)
t.done()
