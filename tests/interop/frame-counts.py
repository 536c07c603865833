#!/usr/bin/env python3
"""Interoperability: for every capture in ../shared/captures, wiretab counts the same frames
as capinfos (Wireshark's tool) and decodes every link type; damaged files are errors for
both. Skipped when the folder is absent."""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run_wiretab, shared_captures  # noqa: E402

import json  # noqa: E402

t = Tap()
folder = shared_captures()
caps = sorted(glob.glob(os.path.join(folder, "*.pcap")) + glob.glob(os.path.join(folder, "*.pcapng")))
if not caps:
    t.skip_all("no shared captures at " + folder)
if subprocess.run(["which", "capinfos"], capture_output=True).returncode != 0:
    t.skip_all("capinfos not installed")

for cap in caps:
    name = os.path.basename(cap)
    ci = subprocess.run(["capinfos", "-c", "-M", cap], capture_output=True, text=True)
    m = re.search(r"Number of packets:\s+(\d+)", ci.stdout)
    p = run_wiretab(["-r", cap, "--format", "json"])
    if ci.returncode != 0 or not m:
        # capinfos refuses it: wiretab must refuse it too, with one clear line and exit 2
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        t.ok(p.returncode == 2 and len(lines) >= 1 and name in lines[0],
             "%s: damaged for capinfos, clear error from wiretab" % name,
             "rc=%d stderr=%r" % (p.returncode, p.stderr))
        continue
    want = int(m.group(1))
    if not t.ok(p.returncode == 0, "%s: exit 0" % name, p.stderr):
        continue
    rep = json.loads(p.stdout)
    t.eq(rep["capture"]["packets"], want, "%s: %d frames like capinfos" % (name, want))
    lt = rep["capture"].get("link_types", {})
    t.ok(all(k != "unknown" for k in lt), "%s: link types decoded %s" % (name, sorted(lt)))
t.done()
