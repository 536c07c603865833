#!/usr/bin/env python3
"""The interface disappears mid-capture: `wiretab -i VETH` runs in a network
namespace this test creates; the test sends N raw Ethernet frames into it from the peer,
then deletes the veth (or its peer, which takes both ends). wiretab must end by itself with
exit status 2 (docs/wiretab.1, EXIT STATUS), one line on stderr naming the interface and
saying it disappeared, the final JSON report with the N frames, and its outputs complete
(-w holds the N frames by capinfos's count, conn.log renamed, no temporary file).

Needs root and ip; TAP skip otherwise. Touches nothing outside the namespace it creates."""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_path  # noqa: E402

t = Tap()
if os.geteuid() != 0:
    t.skip_all("needs root (network namespaces)")
if shutil.which("ip") is None:
    t.skip_all("needs ip (iproute2)")

PID = os.getpid()
NS = "wtg-%d" % PID
MAC_A, MAC_B = "02:7a:00:00:00:01", "02:7a:00:00:00:02"
N = 25
work = tempfile.mkdtemp(prefix="wt-gone-")
procs = []

# Sent from the peer with a packet socket: N frames of a local experimental EtherType, so
# nothing in the namespace answers or adds frames of its own.
SENDER = r"""
import socket, sys, time
ifc, dst, src, n = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), \
    bytes.fromhex(sys.argv[3].replace(":", "")), int(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifc, 0))
for i in range(n):
    s.send(dst + src + b"\x88\xb5" + bytes([i]) * 46)
    time.sleep(0.01)
"""


def sh(*args, check=True):
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def ns(*args):
    return ["ip", "netns", "exec", NS] + list(args)


def setup(a, b):
    sh("ip", "netns", "add", NS)
    sh(*ns("ip", "link", "add", a, "address", MAC_A, "type", "veth", "peer", "name", b,
           "address", MAC_B))
    for ifc in (a, b):
        sh(*ns("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"), check=False)
        sh(*ns("sysctl", "-q", "-w", "net.ipv6.conf.%s.disable_ipv6=1" % ifc), check=False)
        sh(*ns("ip", "link", "set", ifc, "up"))


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    sh("ip", "netns", "del", NS, check=False)


def scenario(which):
    a, b = "wtga%d" % (PID % 100000), "wtgb%d" % (PID % 100000)
    d = os.path.join(work, which)
    os.mkdir(d)
    setup(a, b)
    try:
        # -Z root: the outputs are renamed in the test's root-owned directory
        wt = subprocess.Popen(ns(wiretab_path(), "-i", a, "-q", "--format", "json", "-Z", "root",
                                 "-w", os.path.join(d, "saved.pcap"),
                                 "--log-dir", os.path.join(d, "logs")),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(wt)
        time.sleep(1.0)
        sh(*ns(sys.executable, "-c", SENDER, b, MAC_A, MAC_B, str(N)))
        time.sleep(0.5)
        t.ok(wt.poll() is None, "%s: wiretab still capturing before the deletion" % which)
        sh(*ns("ip", "link", "del", a if which == "veth deleted" else b))
        start = time.time()
        try:
            out, err = wt.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            wt.send_signal(signal.SIGINT)
            out, err = wt.communicate(timeout=5)
            t.ok(False, "%s: wiretab ends by itself" % which, "still running after 10 s")
            return
        took = time.time() - start
        t.ok(took < 3, "%s: wiretab ends by itself (%.1f s after)" % (which, took))
        t.eq(wt.returncode, 2, "%s: exit status 2" % which)
        lines = [l for l in err.splitlines() if l.strip()]
        t.ok(len(lines) == 1 and lines[0].startswith("wiretab: ") and a in lines[0] and
             re.search(r"disappeared|went down|no such device", lines[0], re.I),
             "%s: one line naming %s, saying it disappeared" % (which, a), err)
        try:
            rep = json.loads(out)
            t.eq(rep["capture"]["packets"], N, "%s: final report with the %d frames sent" % (which, N))
        except (ValueError, KeyError) as e:
            t.ok(False, "%s: final report on stdout" % which, "%s: %r" % (e, out[:300]))
        saved = os.path.join(d, "saved.pcap")
        ci = subprocess.run(["capinfos", "-c", "-M", saved], capture_output=True, text=True)
        m = re.search(r"Number of packets:\s+(\d+)", ci.stdout)
        t.eq(int(m.group(1)) if m else None, N, "%s: -w file complete, %d frames (capinfos)" % (which, N))
        logs = os.path.join(d, "logs")
        left = glob.glob(os.path.join(d, ".*")) + glob.glob(os.path.join(logs, ".*"))
        t.ok(os.path.exists(os.path.join(logs, "conn.log")) and not left,
             "%s: logs under their names, no temporary file" % which, repr(left))
    finally:
        cleanup()
        procs.clear()


try:
    scenario("veth deleted")
    scenario("peer deleted")
except subprocess.CalledProcessError as e:
    t.ok(False, "namespace setup or traffic", "%s\n%s" % (e, e.stderr))
finally:
    cleanup()
    shutil.rmtree(work, ignore_errors=True)
t.done()
