#!/usr/bin/env python3
"""Live capture, end to end, against the server's own log and tcpdump.

Two private network namespaces (server and client, names carry this process's PID) are
joined by a veth pair (MTU 1500, offloads off, IPv6 off, static neighbours: the only frames
are the test's own TCP). nginx runs in the server namespace with a private configuration
(access_log: method, status, connection serial, request number, uri, body bytes) whose
`return` locations answer 200/201/204/301/404/503. In the client namespace
`wiretab -i VETH --duration N --format json` and tcpdump capture side by side while curl
makes a known mix of requests (several methods, keep-alive and new connections). Checked:

- wiretab's http methods and final status codes equal the access log's counts exactly,
  its requests equal the log's lines and its TCP connections the log's connection serials;
- its capture packets equal tcpdump's on the same interface, and nothing was dropped;
- SIGINT to a running `wiretab -i` prints the final report and exits 0;
- `-c COUNT` stops after COUNT frames.

Needs root, nginx, curl, ip and tcpdump; skipped (TAP skip) otherwise. Touches nothing
outside the namespaces it creates, and removes them again.
"""
import collections
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
import netns  # noqa: E402
from netns import (curl_in, finish_json, in_ns, log_rows, nginx_link, remove,  # noqa: E402
                   stop_pidfile, stop_procs, wait_log_rows)

t = Tap()
if os.geteuid() != 0:
    t.skip_all("needs root (network namespaces)")
missing = [p for p in ("nginx", "curl", "ip", "tcpdump") if shutil.which(p) is None]
if missing:
    t.skip_all("missing " + ", ".join(missing))

PID = os.getpid()
NS_SRV, NS_CLI = "wtl-s-%d" % PID, "wtl-c-%d" % PID
IF_SRV, IF_CLI = "wtls%d" % PID, "wtlc%d" % PID          # <= 15 characters
IP_SRV, IP_CLI = "10.79.0.1", "10.79.0.2"
MAC_SRV, MAC_CLI = "02:79:00:00:00:01", "02:79:00:00:00:02"
PORT = 8080
BASE = "http://%s:%d" % (IP_SRV, PORT)
work = tempfile.mkdtemp(prefix="wt-live-")
os.chmod(work, 0o755)
procs = []


def cleanup():
    stop_procs(procs)
    stop_pidfile(os.path.join(work, "nginx.pid"))
    remove(work, NS_SRV, NS_CLI)


def on_term(sig, frame):
    raise SystemExit(1)


signal.signal(signal.SIGTERM, on_term)

def setup():
    nginx_link(work, (NS_SRV, IF_SRV, IP_SRV, MAC_SRV), (NS_CLI, IF_CLI, IP_CLI, MAC_CLI), PORT)


def curl(*args):
    return curl_in(NS_CLI, *args)


def access_log_lines():
    return log_rows(os.path.join(work, "access.log"))


def wait_log_lines(n, timeout=3.0):
    return wait_log_rows(os.path.join(work, "access.log"), n, timeout)


def traffic_mix():
    return netns.traffic_mix(NS_CLI, BASE)


def finish(p, timeout):
    return finish_json(p, timeout)


def start_wiretab(*args):
    p = subprocess.Popen(in_ns(NS_CLI, wiretab_path(), "-i", IF_CLI, "-q", "--format", "json")
                         + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(p)
    return p


def counts(rows, field):
    return dict(collections.Counter(r[field] for r in rows))


def test_duration_vs_nginx_and_tcpdump():
    pcap = os.path.join(work, "tcpdump.pcap")
    td_log = os.path.join(work, "tcpdump.log")
    before = len(access_log_lines())
    duration = 3.0
    # wiretab first (it says nothing when ready), then tcpdump, whose "listening on" line
    # says both are capturing by then
    logs = os.path.join(work, "logs")
    wt = start_wiretab("--duration", str(duration), "--log-dir", logs)
    started = time.time()
    with open(td_log, "w") as errf:
        td = subprocess.Popen(in_ns(NS_CLI, "tcpdump", "-i", IF_CLI, "-n", "-U", "-w", pcap),
                              stdout=subprocess.DEVNULL, stderr=errf)
    procs.append(td)
    while time.time() < started + 3 and "listening on" not in open(td_log).read():
        time.sleep(0.05)
    time.sleep(0.3)
    made = traffic_mix()
    traffic_done = time.time() - started
    # the interface is idle from here on: --duration alone must end the capture (bug B1:
    # it used to wait for the next frame)
    while wt.poll() is None and time.time() < started + duration + 1.5:
        time.sleep(0.05)
    took = time.time() - started
    t.ok(traffic_done < duration - 0.5, "the traffic fitted in the capture window (%.1f s of %g)"
         % (traffic_done, duration))
    t.ok(wt.poll() is not None and duration - 0.2 <= took,
         "--duration %g stops on an idle interface (after %.1f s)" % (duration, took))
    if wt.poll() is None:
        wt.send_signal(signal.SIGINT)  # get the report anyway
    rep, err = finish(wt, 5)
    td.send_signal(signal.SIGINT)
    td.wait(timeout=5)
    td_err = open(td_log).read()
    if not t.ok(rep is not None, "wiretab -i --duration %g: JSON report, exit 0" % duration, err):
        return
    log = wait_log_lines(before + made)[before:]
    rows = [{"method": f[0], "status": f[1], "serial": f[2]} for f in log]
    t.eq(len(rows), made, "nginx logged every request the test made")
    h = rep.get("http", {})
    t.eq(h.get("methods"), counts(rows, "method"), "http methods equal nginx's access log")
    final = {k: v for k, v in h.get("status_codes", {}).items() if not k.startswith("1")}
    t.eq(final, counts(rows, "status"), "final status codes equal nginx's access log")
    t.eq(h.get("requests"), len(rows), "requests equal nginx's log lines")
    t.eq(h.get("final_responses"), len(rows), "final responses equal nginx's log lines")
    t.eq(rep["tcp"]["connections"], len({r["serial"] for r in rows}),
         "tcp connections equal nginx's connection serials")
    t.eq(rep["tcp"]["conn_states"], {"SF": len({r["serial"] for r in rows})},
         "every connection opened and closed normally (SF)")
    # per transaction: nginx's (client port, request number) is http.log's (id.orig_p,
    # trans_depth)
    https = []
    if os.path.exists(os.path.join(logs, "http.log")):
        https = [json.loads(l) for l in open(os.path.join(logs, "http.log")) if l.strip()]
    by_key = {(w["id.orig_p"], w["trans_depth"]): w for w in https}
    bad = []
    for f in log:
        w = by_key.get((int(f[6]), int(f[3])))
        want = (f[0], int(f[1]), f[4], int(f[5]) if f[0] != "HEAD" else 0)
        got = w and (w.get("method"), w.get("status_code"), w.get("uri"), w.get("response_body_len"))
        if got != want:
            bad.append("port %s #%s: got %r want %r" % (f[6], f[3], got, want))
    t.ok(len(https) == len(log) and not bad,
         "http.log of the live capture matches nginx's lines one by one (%d)" % len(log),
         "http.log %d lines\n%s" % (len(https), "\n".join(bad[:10])))
    # tcpdump: "N packets captured"
    m = re.search(r"(\d+) packets? captured", td_err)
    want = int(m.group(1)) if m else None
    t.ok(rep["capture"]["packets"] > 0, "frames were captured")
    t.eq(rep["capture"]["packets"], want, "packets equal tcpdump's on the same interface")
    t.eq(rep["capture"]["dropped"], 0, "no frames dropped by the kernel")


def test_signal(sig, name):
    before = len(access_log_lines())
    wt = start_wiretab()
    time.sleep(1.0)
    curl("-o", "/dev/null", BASE + "/ok", "--next", "-o", "/dev/null", BASE + "/missing")
    wait_log_lines(before + 2)
    time.sleep(0.3)
    wt.send_signal(sig)
    rep, err = finish(wt, 5)
    if not t.ok(rep is not None, "%s to wiretab -i: final report printed, exit 0" % name, err):
        return
    t.eq(rep["http"]["requests"], 2, "%s report has the 2 requests made before it" % name)
    t.eq({k: v for k, v in rep["http"]["status_codes"].items()}, {"200": 1, "404": 1},
         "%s report's status codes" % name)


def test_sigint():
    test_signal(signal.SIGINT, "SIGINT")
    test_signal(signal.SIGTERM, "SIGTERM")
    test_signal(signal.SIGHUP, "SIGHUP")


def test_list_interfaces():
    # -D inside the client namespace lists exactly the interfaces `ip link` shows there
    p = subprocess.run(["ip", "netns", "exec", NS_CLI, os.environ["WIRETAB"], "-D"],
                       capture_output=True, text=True)
    names = {l.split(".", 1)[1].split(" ")[0] for l in p.stdout.splitlines() if "." in l}
    links = subprocess.run(["ip", "netns", "exec", NS_CLI, "ip", "-o", "link"],
                           capture_output=True, text=True).stdout
    want = {l.split(":")[1].strip().split("@")[0] for l in links.splitlines()}
    t.ok(p.returncode == 0 and want <= names, "-D lists the namespace's interfaces %s"
         % sorted(want), "got %s" % sorted(names))


def test_count():
    count = 7
    wt = start_wiretab("-c", str(count))
    time.sleep(1.0)
    # each curl is a whole connection (>= 7 frames); keep going until wiretab stops
    end = time.time() + 10
    while wt.poll() is None and time.time() < end:
        curl("-o", "/dev/null", BASE + "/ok")
        time.sleep(0.05)
    rep, err = finish(wt, 5)
    if not t.ok(rep is not None, "wiretab -i -c %d stops by itself, exit 0" % count, err):
        return
    t.eq(rep["capture"]["packets"], count, "-c %d: exactly %d frames" % (count, count))


try:
    setup()
    t.ok(True, "namespaces %s/%s, veth, nginx up" % (NS_SRV, NS_CLI))
    test_duration_vs_nginx_and_tcpdump()
    test_sigint()
    test_count()
    test_list_interfaces()
except (RuntimeError, subprocess.CalledProcessError) as e:
    detail = getattr(e, "stderr", "") or ""
    t.ok(False, "live test setup or traffic", "%s\n%s" % (e, detail))
finally:
    cleanup()
t.done()
