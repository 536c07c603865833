#!/usr/bin/env python3
"""Live capture of a VXLAN overlay: wiretab -i on the underlay veth while curl talks to
nginx over the kernel's VXLAN between two namespaces (the set-up of
scripts/record/vxlan-overlay.sh, the one captures/http-vxlan.pcap was recorded with; the
namespaces here are named after this package and this process). Every frame wiretab sees
is Ethernet/IPv4/UDP/VXLAN/Ethernet/IPv4, so everything HTTP it counts came out of the
tunnel. Checked, one thread and --threads 2 (the kernel's fanout, the default: two packet sockets):

- the HTTP methods and final status codes equal nginx's access log's counts, the requests
  its lines, http.log one line per access-log line;
- the TCP connections carrying requests equal the log's connection serials;
- the tunnels section decapsulated VXLAN; tunnel.log has DISCOVER rows for the outer UDP
  connections (port 4789) and every http.log connection's conn.log row names tunnel.log
  uids in tunnel_parents.

Needs root, nginx, curl, ip, ethtool and the vxlan kernel module; skipped (TAP skip)
otherwise. Removes its namespaces again."""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from tap import Tap, wiretab_path, project_root  # noqa: E402
from netns import packet_sockets  # noqa: E402

LIB = os.path.join(project_root(), "scripts", "record", "vxlan-overlay.sh")
t = Tap()
if os.geteuid() != 0:
    t.skip_all("needs root (network namespaces)")
missing = [p for p in ("nginx", "curl", "ip", "ethtool") if shutil.which(p) is None]
if missing:
    t.skip_all("missing " + ", ".join(missing))

SRV, CLI = "tunnels2-srv-%d" % os.getpid(), "tunnels2-cli-%d" % os.getpid()


def lib(func, *args):
    return subprocess.run(["bash", "-c", '. "$0"; %s "$@"' % func, LIB] + list(args),
                          capture_output=True, text=True)


def jsonl(path):
    return [json.loads(l) for l in open(path)] if os.path.exists(path) else []


def access_log(path):
    rows = [l.split() for l in open(path) if l.strip()]
    return (collections.Counter(r[0] for r in rows), collections.Counter(r[1] for r in rows),
            len(rows), len({r[4] for r in rows}))


def one_run(threads, work):
    logs = os.path.join(work, "logs-%d" % threads)
    wt = subprocess.Popen(["ip", "netns", "exec", CLI, wiretab_path(), "-i", "u-cli", "-q",
                           "--duration", "4", "--format", "json", "--log-dir", logs,
                           "--threads", str(threads)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)  # wiretab says nothing when it is ready: give it the time to open
    # --threads 2: the kernel's fanout by default, one packet socket per worker, spread
    # by wiretab's program, which keeps the tunnel and the flows inside it together
    t.eq(packet_sockets(wt.pid), threads, "threads %d: packet sockets of wiretab" % threads)
    alog = os.path.join(work, "access.log")
    if os.path.exists(alog):
        os.truncate(alog, 0)
    c = lib("vxlan_curl_mix", CLI, os.path.join(work, "curl-%d.txt" % threads))
    t.ok(c.returncode == 0, "threads %d: curl over the overlay" % threads, c.stderr)
    out, err = wt.communicate(timeout=30)
    if not t.ok(wt.returncode == 0, "threads %d: wiretab -i u-cli exits 0" % threads, err):
        return
    time.sleep(0.3)  # nginx writes its log line after the response
    methods, statuses, requests, conns = access_log(alog)
    rep = json.loads(out)
    http = rep.get("http", {})
    t.eq(http.get("methods"), dict(methods), "threads %d: methods equal the access log's" % threads)
    t.eq(http.get("status_codes"), dict(statuses),
         "threads %d: status codes equal the access log's" % threads)
    t.eq(http.get("requests"), requests, "threads %d: requests equal the access log's lines" % threads)
    hl = jsonl(os.path.join(logs, "http.log"))
    t.eq(len(hl), requests, "threads %d: http.log has one line per access-log line" % threads)
    t.eq(len({r["uid"] for r in hl}), conns,
         "threads %d: connections carrying requests equal nginx's connection serials" % threads)
    vx = rep.get("tunnels", {}).get("by_type", {}).get("vxlan", {})
    t.ok(vx.get("packets", 0) > 0 and vx.get("inner_flows", 0) >= conns,
         "threads %d: VXLAN decapsulated (%s)" % (threads, vx))
    tl = jsonl(os.path.join(logs, "tunnel.log"))
    found = {r["uid"] for r in tl if r.get("action") == "Tunnel::DISCOVER"
             and r.get("tunnel_type") == "Tunnel::VXLAN" and r.get("id.resp_p") == 4789}
    t.ok(found, "threads %d: tunnel.log DISCOVERs the VXLAN connections (%d)" % (threads, len(found)))
    conn = {r["uid"]: r for r in jsonl(os.path.join(logs, "conn.log"))}
    parents = [conn.get(u, {}).get("tunnel_parents") for u in {r["uid"] for r in hl}]
    t.ok(parents and all(p and set(p) <= found for p in parents),
         "threads %d: the HTTP connections' tunnel_parents are tunnel.log's VXLAN uids" % threads,
         json.dumps(parents))


work = tempfile.mkdtemp(prefix="wt-live-vxlan-")
os.chmod(work, 0o755)
try:
    up = lib("vxlan_overlay_up", SRV, CLI)
    if up.returncode != 0:
        if "vxlan" in up.stderr.lower() or "not supported" in up.stderr.lower():
            t.skip_all("no VXLAN in this kernel: " + up.stderr.strip().splitlines()[-1])
        t.ok(False, "the overlay comes up", up.stderr)
    else:
        ng = lib("vxlan_nginx_start", SRV, work)
        if t.ok(ng.returncode == 0, "nginx runs on the overlay", ng.stderr):
            for threads in (1, 2):
                one_run(threads, work)
finally:
    lib("vxlan_nginx_stop", work)
    lib("vxlan_overlay_down", SRV, CLI)
    shutil.rmtree(work, ignore_errors=True)
t.done()
