#!/usr/bin/env python3
"""Live capture with --threads 2 on the kernel's fanout (PACKET_FANOUT with wiretab's classic
BPF flow hash, IPv4 defragmented first): the default for -i with --threads.

Two private network namespaces joined by a veth pair, nginx in one (a private configuration
whose access log is the truth: method, status, connection serial, request number), curl in
the other making a known mix of requests (several methods, keep-alive and new connections)
ROUNDS times. On the client's veth, at the same time:

- wiretab -i --threads 2 -Z nobody --metrics (the fanout path, by default: checked by
  counting its packet sockets in /proc, two, and by the absence of the fallback notice),
- wiretab -i --threads 2 --fanout -f 'tcp[tcpflags] & tcp-syn != 0' (the filter on every
  handle; --fanout named),
- wiretab -i --threads 2 --no-fanout (one packet socket: a reader thread),
- wiretab -i --threads 2 -c 50 (the count over both handles),
- wiretab -i (one thread, one handle), tcpdump -w (the packet count).

Checked: the fanout run's HTTP methods, final status codes, requests and TCP connections
equal nginx's access log; its packets equal tcpdump's and the one-thread run's, and its
bytes, flows, HTTP tables and connection states equal the one-thread run's; its kernel
drops (the sum of both handles' pcap_stats) are 0 and every frame the handles received was
analysed (received == packets); the filtered run's packets equal tcpdump's count for the
same filter; -Z dropped root after both handles were open; the live metrics served the
totals of both workers (packets and HTTP requests as the report has them).
Timings, reordering counts and peaks are not compared: each capture socket stamps and
orders the frames of a veth itself, so two captures of one link differ there anyway.

Needs root, nginx, curl, ip, tcpdump; skipped (TAP skip) otherwise.
"""
import collections
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
from netns import (curl_in, finish_json, in_ns, log_rows, nginx_link, packet_sockets,  # noqa: E402
                   remove, stop_pidfile, stop_procs, wait_log_rows)

t = Tap()
if os.geteuid() != 0:
    t.skip_all("needs root (network namespaces)")
missing = [p for p in ("nginx", "curl", "ip", "tcpdump") if shutil.which(p) is None]
if missing:
    t.skip_all("missing " + ", ".join(missing))

PID = os.getpid()
NS_SRV, NS_CLI = "fanout-s-%d" % PID, "fanout-c-%d" % PID
IF_SRV, IF_CLI = "wtfs%d" % PID, "wtfc%d" % PID          # <= 15 characters
IP_SRV, IP_CLI = "10.231.0.1", "10.231.0.2"
MAC_SRV, MAC_CLI = "02:31:00:00:00:01", "02:31:00:00:00:02"
PORT = 8080
BASE = "http://%s:%d" % (IP_SRV, PORT)
work = tempfile.mkdtemp(prefix="wt-fanout-")
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


def uid_of(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("Uid:"):
            return int(line.split()[1])
    return None


def scrape(port):
    p = subprocess.run(in_ns(NS_CLI, "curl", "-s", "--max-time", "2",
                             "http://127.0.0.1:%d/metrics" % port),
                       capture_output=True, text=True)
    values = collections.Counter()
    for line in p.stdout.splitlines():
        if line and not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            values[name] += float(line.rsplit(" ", 1)[1])
    return values


ROUNDS = 4
METRICS_PORT = 9231
SYN = "tcp[tcpflags] & tcp-syn != 0"


def main():
    setup()
    # the readiness probe's line: nginx writes it after curl has its answer
    before = len(wait_log_lines(1, timeout=5))
    duration = 6.0
    pcap_all = os.path.join(work, "all.pcap")
    td_log = os.path.join(work, "tcpdump.log")
    have_nobody = subprocess.run(["id", "-u", "nobody"], capture_output=True).returncode == 0
    zuser = "nobody" if have_nobody else "root"
    fan = start_wiretab("--threads", "2", "-Z", zuser, "--duration", str(duration),
                        "--metrics", "127.0.0.1:%d" % METRICS_PORT)
    fan_syn = start_wiretab("--threads", "2", "--fanout", "-Z", "root", "-f", SYN, "--duration",
                            str(duration))
    fan_count = start_wiretab("--threads", "2", "-Z", "root", "-c", "50",
                              "--duration", str(duration))
    one = start_wiretab("-Z", "root", "--duration", str(duration))
    nofan = start_wiretab("--threads", "2", "--no-fanout", "-Z", "root", "--duration",
                          str(duration))
    started = time.time()
    with open(td_log, "w") as errf:
        td = subprocess.Popen(in_ns(NS_CLI, "tcpdump", "-i", IF_CLI, "-n", "-U", "-w",
                                    pcap_all), stdout=subprocess.DEVNULL, stderr=errf)
    procs.append(td)
    while time.time() < started + 3 and "listening on" not in open(td_log).read():
        time.sleep(0.05)
    time.sleep(0.5)
    t.eq(packet_sockets(fan.pid), 2, "--threads 2 -i reads two packet sockets (fanout)")
    t.eq(packet_sockets(one.pid), 1, "one thread reads one packet socket")
    t.eq(packet_sockets(nofan.pid), 1, "--threads 2 --no-fanout reads one packet socket")
    if have_nobody:
        t.eq(uid_of(fan.pid), int(subprocess.run(["id", "-u", "nobody"], capture_output=True,
                                                 text=True).stdout),
             "-Z nobody: root dropped after both handles were opened")
    else:
        t.skip("-Z nobody", "no user nobody")
    made = 0
    for _ in range(ROUNDS):
        made += traffic_mix()
    traffic_done = time.time() - started
    log = wait_log_lines(before + made, timeout=10)[before:]
    time.sleep(1.5)  # the workers publish their metrics within a second and a half
    metrics = scrape(METRICS_PORT)
    t.ok(traffic_done < duration - 2, "the traffic fitted in the capture window (%.1f s of %g)"
         % (traffic_done, duration))
    reps = {}
    for name, p in (("fanout", fan), ("fanout-syn", fan_syn), ("one", one),
                    ("fanout-c", fan_count), ("no-fanout", nofan)):
        rep, err = finish(p, duration + 10)
        t.ok(rep is not None, "wiretab %s: JSON report, exit 0" % name, err)
        t.ok("PACKET_FANOUT" not in (err or ""), "wiretab %s: no fallback notice" % name, err)
        reps[name] = rep
    td.send_signal(signal.SIGINT)
    td.wait(timeout=5)
    if None in reps.values():
        return
    rep, one_rep = reps["fanout"], reps["one"]
    rows = [{"method": f[0], "status": f[1], "serial": f[2]} for f in log]
    t.eq(len(rows), made, "nginx logged every request the test made")
    h = rep.get("http", {})
    t.eq(h.get("methods"), counts(rows, "method"), "fanout: http methods equal nginx's log")
    final = {k: v for k, v in h.get("status_codes", {}).items() if not k.startswith("1")}
    t.eq(final, counts(rows, "status"), "fanout: final status codes equal nginx's log")
    t.eq(h.get("requests"), len(rows), "fanout: requests equal nginx's log lines")
    t.eq(h.get("final_responses"), len(rows), "fanout: final responses equal nginx's lines")
    serials = len({r["serial"] for r in rows})
    t.eq(rep["tcp"]["connections"], serials, "fanout: tcp connections equal nginx's serials")
    t.eq(rep["tcp"]["conn_states"], {"SF": serials},
         "fanout: every connection whole in one worker, opened and closed normally (SF)")
    td_count = int(subprocess.run(["tcpdump", "-r", pcap_all, "-n", "-q"], capture_output=True,
                                  text=True).stdout.count("\n"))
    td_syn = int(subprocess.run(["tcpdump", "-r", pcap_all, "-n", "-q", SYN],
                                capture_output=True, text=True).stdout.count("\n"))
    cap = rep["capture"]
    t.eq(cap["packets"], td_count, "fanout: packets equal tcpdump's on the same veth")
    t.eq(cap["dropped"], 0, "fanout: kernel drops (sum of both handles' ps_drop) 0")
    t.eq(cap["received"], cap["packets"], "fanout: every frame received was analysed")
    t.eq(reps["fanout-syn"]["capture"]["packets"], td_syn,
         "fanout -f SYN: packets equal tcpdump's count for the same filter (on every handle)")
    t.eq(td_syn, 2 * serials, "the SYN filter matches SYN and SYN-ACK of every connection")
    t.eq(reps["fanout-c"]["capture"]["packets"], 50, "fanout -c 50: stops after 50 frames in all")
    for key in ("packets", "bytes", "captured_bytes", "flows", "dropped", "received"):
        t.eq(cap[key], one_rep["capture"][key], "fanout vs one thread: capture.%s" % key)
    for key in ("requests", "final_responses", "methods", "status_codes", "hosts", "uris"):
        t.eq(h.get(key), one_rep["http"].get(key), "fanout vs one thread: http.%s" % key)
    for key in ("connections", "conn_states"):
        t.eq(rep["tcp"][key], one_rep["tcp"][key], "fanout vs one thread: tcp.%s" % key)
    nofan_rep = reps["no-fanout"]
    t.eq(nofan_rep["capture"]["packets"], td_count, "no-fanout: packets equal tcpdump's")
    t.eq(nofan_rep["http"].get("requests"), len(rows), "no-fanout: requests equal nginx's lines")
    t.eq(metrics.get("wiretab_packets_total"), float(cap["packets"]),
         "live metrics: packets of both workers (the report's)")
    t.eq(metrics.get("wiretab_http_requests_total"), float(h.get("requests", -1)),
         "live metrics: HTTP requests of both workers (the report's)")
    t.eq(metrics.get("wiretab_kernel_drops_total"), 0.0, "live metrics: kernel drops 0")


try:
    main()
except Exception as e:  # a failed set-up is a failed test, not a crash without TAP
    t.ok(False, "live fanout test ran", repr(e))
finally:
    cleanup()
t.done()
