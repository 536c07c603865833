#!/usr/bin/env python3
"""--tunnel-port: the recorded VXLAN capture (captures/http-vxlan.pcap, curl against nginx
over the kernel's VXLAN overlay) rewritten with scapy so that the overlay runs on UDP 4790
instead of 4789, nothing else changed. Without the option that is plain UDP: no tunnel, no
HTTP, the UDP flows on port 4790 only. With `--tunnel-port vxlan=4790` (one thread and
--threads 2) the HTTP inside is found again: the golden truth checks of tests/golden/
truth.py run over the rewritten capture, with nginx's access log and curl's account as
truth (tshark told the same with -d udp.port==4790,vxlan), so the expected numbers come
from the servers, not from wiretab. Bad --tunnel-port values are usage errors (exit 1)
with one line naming the value.

Needs scapy (Debian's python3-scapy): when this python has none, /usr/bin/python3 runs
the script instead; skipped only when neither has it."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, ".."))
from tap import Tap, project_root, rerun_with_system_python, wiretab_path  # noqa: E402

try:
    from scapy.all import UDP, rdpcap, wrpcap  # noqa: E402
except ImportError:
    rerun_with_system_python("WT_PORTS_REEXEC")
    Tap().skip_all("scapy is not installed (python3-scapy)")

OLD, NEW = 4789, 4790
NAME = "http-vxlan"
t = Tap()
captures = os.path.join(project_root(), "captures")
tmp = tempfile.mkdtemp(prefix="wt-tunnel-ports-")

# the capture with the VXLAN port moved, and its truth files next to it
frames = rdpcap(os.path.join(captures, NAME + ".pcap"))
moved = 0
for f in frames:
    if UDP in f and OLD in (f[UDP].sport, f[UDP].dport):
        u = f[UDP]
        if u.dport == OLD:
            u.dport = NEW
        if u.sport == OLD:
            u.sport = NEW
        if u.chksum:  # the kernel's VXLAN sends none (0); any other is recomputed
            del u.chksum
        moved += 1
cap = os.path.join(tmp, NAME + ".pcap")
wrpcap(cap, frames)
for suffix in (".truth.txt", ".access.log", ".client.txt"):
    src = os.path.join(captures, NAME + suffix)
    if os.path.exists(src):
        shutil.copy(src, tmp)
t.ok(moved > 0, "%d of %d frames moved from UDP %d to %d" % (moved, len(frames), OLD, NEW))


def report(*extra):
    p = subprocess.run([wiretab_path(), "-r", cap, "--format", "json"] + list(extra),
                       capture_output=True, text=True)
    if not t.ok(p.returncode == 0, "wiretab %s runs" % (" ".join(extra) or "(no option)"),
                p.stderr):
        return {}
    return json.loads(p.stdout)


plain = report()
t.eq(plain.get("http", {}).get("requests"), 0, "without --tunnel-port: no HTTP request")
t.ok("tunnels" not in plain, "without --tunnel-port: no tunnels section")
opt = ["--tunnel-port", "vxlan=%d" % NEW]
for extra in ([], ["--threads", "2"]):
    r = report(*(opt + extra))
    vx = r.get("tunnels", {}).get("by_type", {}).get("vxlan", {})
    t.ok(vx.get("packets", 0) > 0 and vx.get("inner_flows", 0) > 0,
         "%s: VXLAN decapsulated" % " ".join(opt + extra), json.dumps(r.get("tunnels")))

# usage errors: one line naming the value, exit status 1
for bad in ("vxlan", "vxlan=", "vxlan=0", "vxlan=70000", "vxlan=x", "ipip=4790", "=4790"):
    p = subprocess.run([wiretab_path(), "-r", cap, "--tunnel-port", bad], capture_output=True,
                       text=True)
    lines = p.stderr.strip().splitlines()
    t.ok(p.returncode == 1 and lines and bad in lines[0],
         "--tunnel-port %s: usage error naming it" % bad, p.stderr)
sys.stdout.flush()

# the access-log tables, by the golden truth checks, one thread and two
for extra in ([], ["--threads", "2"]):
    env = dict(os.environ, WT_TAP_START=str(t.n),
               WT_WIRETAB_ARGS=" ".join(opt + extra),
               WT_TSHARK_ARGS="-d udp.port==%d,vxlan" % NEW)
    p = subprocess.run([sys.executable, os.path.join(here, "..", "golden", "truth.py"), tmp],
                       env=env, capture_output=True, text=True)
    body = [l for l in p.stdout.splitlines() if not l.startswith("1..")]
    print("\n".join(body))
    ran = [l for l in body if l.startswith(("ok ", "not ok "))]
    t.n += len(ran)
    t.failed = t.failed or p.returncode != 0
    t.ok(len(ran) > 10 and p.returncode == 0,
         "golden truth over the rewritten capture (%s): %d checks" % (" ".join(opt + extra),
                                                                       len(ran)), p.stderr)
shutil.rmtree(tmp, ignore_errors=True)
t.done()
