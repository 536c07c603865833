#!/usr/bin/env python3
"""--metrics against the real Prometheus server, scraping a live wiretab while curl drives nginx.

Two private network namespaces (server and client, names carry this process's PID and the
prefix "metrics-") are joined by a veth pair (MTU 1500, offloads off, IPv6 off, static
neighbours: the only frames on it are the test's own). nginx runs in the server namespace
with `return` locations answering 200/201/204/301/404/503 and an access log of method,
status and connection serial. In the client namespace two wiretabs capture the veth at
once, each serving /metrics on the namespace's loopback: one on one thread (--sensor
one), one with --threads 2 (--sensor two). Debian's `prometheus` runs in the same
namespace (scrape_interval 1s, a temporary storage directory) and scrapes both. curl then
makes a known mix of requests. Checked, through PromQL over Prometheus's HTTP API, for
each wiretab:

- sum by (code) (wiretab_http_responses_total) equals the access log's status counts;
- sum by (method) (wiretab_http_requests_total) equals its method counts;
- the response-time histogram's _count and le="+Inf" bucket equal its lines;
- wiretab_tcp_connections_total{conn_state="SF"} equals its connection serials (after a
  datagram moves capture time on past TIME-WAIT, --time-wait 0), and REJ the connections
  curl reports refused (exit 7) to a closed port; wiretab_tcp_connection_events_total:
  opened = serials + refused, established = serials, refused = curl's, reset = 0;
- both targets are up, the sensor and interface labels are the ones given;
- sum by (rcode) (wiretab_dns_responses_total) equals the statuses dig printed for a mix
  of queries to dnsmasq (NOERROR, NXDOMAIN, REFUSED), wiretab_dns_queries_total their
  number (skipped when dnsmasq or dig is missing);
- wiretab_packets_total and wiretab_bytes_total equal the frames and their lengths in the
  file tcpdump wrote on the same interface meanwhile, no kernel drops;
- a scrape's text passes `promtool check metrics`.

Meanwhile five clients hold connections to the first wiretab's /metrics with half a
request sent: the capture loop and Prometheus's scrapes must not wait for them.

Also: --metrics on an address in use and a bad ADDR:PORT fail with one line naming it.

Needs root, nginx, curl, ip, tcpdump and prometheus; skipped (TAP skip) otherwise. Touches nothing
outside the namespaces it creates, and removes them again.
"""
import collections
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_path  # noqa: E402
from netns import (STATUS_LOCATIONS, in_ns, log_rows, nginx_conf, remove,  # noqa: E402
                   sh, start_nginx, stop_pidfile, stop_procs, veth_pair)

t = Tap()
if os.geteuid() != 0:
    t.skip_all("needs root (network namespaces)")
missing = [p for p in ("nginx", "curl", "ip", "tcpdump", "prometheus") if shutil.which(p) is None]
if missing:
    t.skip_all("missing " + ", ".join(missing))

PID = os.getpid()
NS_SRV, NS_CLI = "metrics-s-%d" % PID, "metrics-c-%d" % PID
IF_SRV, IF_CLI = "mtrs%d" % PID, "mtrc%d" % PID          # <= 15 characters
IP_SRV, IP_CLI = "10.81.0.1", "10.81.0.2"
MAC_SRV, MAC_CLI = "02:81:00:00:00:01", "02:81:00:00:00:02"
PORT = 8080
CLOSED_PORT = 8081  # nothing listens: the server's kernel answers a SYN with RST
BASE = "http://%s:%d" % (IP_SRV, PORT)
PROM = "127.0.0.1:9090"
WIRETABS = {"one": ("127.0.0.1:9464", []), "two": ("127.0.0.1:9465", ["--threads", "2"])}
work = tempfile.mkdtemp(prefix="wt-metrics-")
os.chmod(work, 0o755)
procs = []


def cleanup():
    stop_procs(procs)
    stop_pidfile(os.path.join(work, "nginx.pid"))
    remove(work, NS_SRV, NS_CLI)


def on_term(sig, frame):
    raise SystemExit(1)


signal.signal(signal.SIGTERM, on_term)

NGINX_LOG_FORMAT = "$request_method $status $connection"

PROM_CONF = """
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: wiretab
    static_configs:
      - targets: [{targets}]
"""


def setup_namespaces():
    veth_pair((NS_SRV, IF_SRV, IP_SRV, MAC_SRV), (NS_CLI, IF_CLI, IP_CLI, MAC_CLI))


def start_server():
    conf = nginx_conf(work, "%s:%d" % (IP_SRV, PORT), NGINX_LOG_FORMAT, STATUS_LOCATIONS,
                      "  keepalive_requests 100;\n  keepalive_timeout 30s;\n")
    start_nginx(NS_SRV, work, conf)
    # the probe request happens before any wiretab runs: it is not in the mix
    wait_for(lambda: curl_code(BASE + "/ok") == "200", 5, "nginx did not answer")


def curl_code(url):
    p = subprocess.run(in_ns(NS_CLI, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                             "--max-time", "2", url), capture_output=True, text=True)
    return p.stdout


def wait_for(cond, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.1)
    raise RuntimeError(what)


def curl(*args):
    p = subprocess.run(in_ns(NS_CLI, "curl", "-s", "-S", "--max-time", "5") + list(args),
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("curl %s: %s" % (args, p.stderr))
    return p.stdout


def access_log():
    return log_rows(os.path.join(work, "access.log"))


def start_wiretab(sensor, addr, extra):
    err = open(os.path.join(work, "wiretab-%s.err" % sensor), "w")
    p = subprocess.Popen(in_ns(NS_CLI, wiretab_path(), "-i", IF_CLI, "-q", "--format", "json",
                               "--time-wait", "0", "--sensor", sensor, "--metrics", addr)
                         + extra, stdout=subprocess.PIPE, stderr=err, text=True)
    procs.append(p)
    return p


def start_prometheus():
    conf = os.path.join(work, "prometheus.yml")
    targets = ", ".join('"%s"' % a for a, _ in WIRETABS.values())
    with open(conf, "w") as f:
        f.write(PROM_CONF.format(targets=targets))
    os.makedirs(os.path.join(work, "tsdb"))
    log = open(os.path.join(work, "prometheus.log"), "w")
    p = subprocess.Popen(in_ns(NS_CLI, "prometheus", "--config.file=" + conf,
                               "--storage.tsdb.path=" + os.path.join(work, "tsdb"),
                               "--web.listen-address=" + PROM),
                         stdout=log, stderr=subprocess.STDOUT)
    procs.append(p)
    wait_for(lambda: curl_code("http://%s/-/ready" % PROM) == "200", 30,
             "prometheus did not become ready: " + open(log.name).read()[-2000:])
    return p


def promql(query):
    """Instant query over Prometheus's HTTP API: {label-tuple: value}."""
    out = curl("--data-urlencode", "query=" + query, "http://%s/api/v1/query" % PROM)
    res = json.loads(out)
    if res.get("status") != "success":
        raise RuntimeError("PromQL %s: %s" % (query, out))
    return {tuple(sorted(r["metric"].items())): float(r["value"][1])
            for r in res["data"]["result"]}


def by_label(query, label):
    return {dict(k).get(label): int(v) for k, v in promql(query).items()}


def traffic_mix():
    """A known mix of methods and statuses, keep-alive and new connections."""
    o = ["-o", "/dev/null"]
    curl(*o, BASE + "/ok",
         "--next", *o, "-X", "POST", "-d", "a=1", BASE + "/created",
         "--next", *o, "-X", "PUT", "-d", "b=2", BASE + "/created",
         "--next", *o, "-X", "DELETE", BASE + "/empty",
         "--next", *o, BASE + "/missing",
         "--next", *o, "-X", "OPTIONS", BASE + "/ok")
    curl(*o, BASE + "/moved", "--next", *o, BASE + "/busy",
         "--next", *o, "-X", "PATCH", "-d", "c=3", BASE + "/ok")
    for i in range(12):
        curl(*o, BASE + ("/ok", "/missing", "/busy", "/moved")[i % 4])
    curl(*o, "-I", BASE + "/ok")
    curl(*o, "-0", BASE + "/missing")
    curl(*o, "-X", "DELETE", BASE + "/busy")
    curl(*o, "-X", "POST", "--data-binary", "x" * 3000, BASE + "/empty")


def start_dnsmasq():
    """dnsmasq answers the zone wt.test itself (unknown names in it: NXDOMAIN) and has no
    upstream (other names: REFUSED)."""
    p = subprocess.Popen(in_ns(NS_SRV, "dnsmasq", "--keep-in-foreground", "--user=root",
                               "--pid-file=" + os.path.join(work, "dnsmasq.pid"),
                               "--bind-interfaces", "--listen-address=" + IP_SRV,
                               "--except-interface=lo", "--cache-size=0", "--no-resolv",
                               "--no-hosts", "--no-poll", "--local=/wt.test/",
                               "--host-record=www.wt.test,10.81.0.80"),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(p)
    wait_for(lambda: dig("www.wt.test") == "NOERROR", 5, "dnsmasq did not answer")


def dig(name):
    """One query (no retry); the rcode dig reports, or None."""
    p = subprocess.run(in_ns(NS_CLI, "dig", "+tries=1", "+time=2", "+nocookie", "@" + IP_SRV,
                             name), capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if "status:" in line:
            return line.split("status:")[1].split(",")[0].strip()
    return None


def dns_mix():
    """Queries answered NOERROR, NXDOMAIN and REFUSED: dig's own account of each."""
    names = ["www.wt.test"] * 4 + ["nope.wt.test"] * 3 + ["example.org"] * 2
    return dict(collections.Counter(dig(n) for n in names)), len(names)


def stalled_clients(addr, n):
    """n clients that connect to /metrics, send half a request and wait: neither the
    capture nor Prometheus's scrapes may wait for them."""
    host, port = addr.rsplit(":", 1)
    code = ("import socket, time\n"
            "s = [socket.create_connection(('%s', %s)) for _ in range(%d)]\n"
            "[c.sendall(b'GET /metr') for c in s]\n"
            "time.sleep(120)\n" % (host, port, n))
    p = subprocess.Popen(in_ns(NS_CLI, "python3", "-c", code))
    procs.append(p)
    return p


def refused_connections(n):
    """n connections to a port nothing listens on; returns how many curl itself says were
    refused (exit 7, "Failed to connect")."""
    refused = 0
    for _ in range(n):
        p = subprocess.run(in_ns(NS_CLI, "curl", "-s", "--max-time", "3",
                                 "http://%s:%d/" % (IP_SRV, CLOSED_PORT)),
                           capture_output=True, text=True)
        refused += p.returncode == 7
    return refused


def tick_capture_time():
    """One datagram on the veth a little later: the flow timers run (capture time), so the
    closed connections end (--time-wait 0) and count by conn_state."""
    time.sleep(1.2)
    subprocess.run(in_ns(NS_CLI, "python3", "-c",
                         "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"
                         ".sendto(b'tick', ('%s', 9))" % IP_SRV), check=True)


def start_tcpdump():
    """tcpdump on the same interface, ready before the traffic: its frames are the truth
    for wiretab_packets_total and wiretab_bytes_total."""
    pcap, log = os.path.join(work, "tcpdump.pcap"), os.path.join(work, "tcpdump.log")
    with open(log, "w") as errf:
        p = subprocess.Popen(in_ns(NS_CLI, "tcpdump", "-i", IF_CLI, "-n", "-U", "-w", pcap),
                             stdout=subprocess.DEVNULL, stderr=errf)
    procs.append(p)
    wait_for(lambda: "listening on" in open(log).read(), 5, "tcpdump did not start")
    return p, pcap


def pcap_frames(path):
    """(frames, sum of their original lengths) of a classic pcap file."""
    with open(path, "rb") as f:
        head = f.read(24)
        endian = "<" if head[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        n = size = 0
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return n, size
            _, _, incl, orig = struct.unpack(endian + "IIII", rec)
            f.seek(incl, 1)
            n += 1
            size += orig


def settle(query, want, timeout=20):
    """The query's answer once it equals `want` or the time is up (scrapes lag a second or
    two behind the traffic); the caller compares."""
    end = time.time() + timeout
    got = None
    while time.time() < end:
        got = query()
        if got == want:
            break
        time.sleep(0.5)
    return got


def test_errors(busy_addr):
    p = sh(*in_ns(NS_CLI, wiretab_path(), "-i", IF_CLI, "-q", "--duration", "1", "-Z", "root",
                  "--metrics", busy_addr), check=False)
    lines = p.stderr.strip().splitlines()
    t.ok(p.returncode == 2 and len(lines) == 1 and busy_addr in lines[0] and "in use" in lines[0],
         "--metrics on an address in use: exit 2, one line naming it",
         "exit %d: %s" % (p.returncode, p.stderr))
    for bad in ("127.0.0.1", "127.0.0.1:70000", "example.org:9100"):
        p = sh(wiretab_path(), "-i", "lo", "--metrics", bad, check=False)
        lines = p.stderr.strip().splitlines()
        t.ok(p.returncode == 1 and len(lines) == 1 and bad in lines[0],
             "--metrics %s: usage error naming it" % bad, "exit %d: %s" % (p.returncode, p.stderr))
    for args in (["-r", "/dev/null"], ["--clickhouse-schema"]):
        p = sh(wiretab_path(), *args, "--metrics", "127.0.0.1:9100", check=False)
        t.ok(p.returncode == 1 and "-i" in p.stderr,
             "--metrics with %s: usage error (nothing live to serve)" % args[0], p.stderr)
    # a fleet's metrics (tests/clickhouse/fleet.py) need its ClickHouse: none listens on :9
    p = sh(wiretab_path(), "--from-clickhouse", "http://127.0.0.1:9/", "--metrics",
           "127.0.0.1:9100", check=False)
    lines = p.stderr.strip().splitlines()
    t.ok(p.returncode == 2 and len(lines) == 1 and "127.0.0.1:9" in lines[0],
         "--metrics with --from-clickhouse and no server: exit 2, one line naming it", p.stderr)


def test_promtool(addr):
    if shutil.which("promtool") is None:
        t.skip("promtool check metrics", "promtool not installed")
        return
    text = curl("http://%s/metrics" % addr)
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True)
    t.ok(p.returncode == 0, "a scrape of %s passes promtool check metrics" % addr,
         p.stdout + p.stderr)


def main():
    setup_namespaces()
    start_server()
    if shutil.which("dnsmasq") and shutil.which("dig"):
        start_dnsmasq()  # before the wiretabs: its probe query is not counted
    wts = {s: start_wiretab(s, a, x) for s, (a, x) in WIRETABS.items()}
    for s, (addr, _) in WIRETABS.items():
        wait_for(lambda: curl_code("http://%s/metrics" % addr) == "200", 10,
                 "wiretab %s does not serve /metrics: %s" % (
                     s, open(os.path.join(work, "wiretab-%s.err" % s)).read()))
    t.ok(True, "namespaces, nginx and two wiretabs serving /metrics")
    start_prometheus()
    want_up = {addr: 1 for addr, _ in WIRETABS.values()}
    up = settle(lambda: by_label('up{job="wiretab"}', "instance"), want_up)
    t.eq(up, want_up, "Prometheus scrapes both wiretabs (up == 1)")
    before = len(access_log())
    stalled = stalled_clients(WIRETABS["one"][0], 5)
    td, pcap = start_tcpdump()
    traffic_mix()
    dns_rcodes, dns_queries = dns_mix() if shutil.which("dnsmasq") and shutil.which("dig") \
        else (None, 0)
    if dns_rcodes is not None:
        t.eq(dns_rcodes, {"NOERROR": 4, "NXDOMAIN": 3, "REFUSED": 2},
             "dig: dnsmasq answered NOERROR, NXDOMAIN and REFUSED")
    refused = refused_connections(3)
    t.eq(refused, 3, "curl: 3 connections to closed port %d refused" % CLOSED_PORT)
    tick_capture_time()
    wait_for(lambda: len(access_log()) >= before, 3, "no access log")
    time.sleep(0.5)
    log = access_log()[before:]
    codes = dict(collections.Counter(l[1] for l in log))
    methods = dict(collections.Counter(l[0] for l in log))
    conns = len({l[2] for l in log})
    t.ok(len(log) >= 25, "nginx logged the mix (%d requests, %d connections)" % (len(log), conns))
    time.sleep(0.5)
    td.send_signal(signal.SIGINT)
    td.wait(timeout=5)
    frames, size = pcap_frames(pcap)
    for sensor in WIRETABS:
        sel = '{sensor="%s"}' % sensor
        got = settle(lambda: by_label("sum by (code) (wiretab_http_responses_total%s)" % sel,
                                      "code"), codes)
        t.eq(got, codes, "%s: sum by (code) (wiretab_http_responses_total) equals nginx's "
             "access log" % sensor)
        got = settle(lambda: by_label("sum by (method) (wiretab_http_requests_total%s)" % sel,
                                      "method"), methods)
        t.eq(got, methods, "%s: sum by (method) (wiretab_http_requests_total) equals nginx's "
             "access log" % sensor)
        got = settle(lambda: by_label("sum(wiretab_http_response_seconds_count%s)" % sel, None),
                     {None: len(log)})
        t.eq(got, {None: len(log)}, "%s: the response-time histogram's _count equals the "
             "responses" % sensor)
        inf = '{sensor="%s",le="+Inf"}' % sensor
        got = by_label("sum(wiretab_http_response_seconds_bucket%s)" % inf, None)
        t.eq(got, {None: len(log)}, "%s: its le=\"+Inf\" bucket too" % sensor)
        sf = '{sensor="%s",conn_state="SF"}' % sensor
        got = settle(lambda: by_label("sum(wiretab_tcp_connections_total%s)" % sf, None),
                     {None: conns})
        t.eq(got, {None: conns}, "%s: TCP connections in state SF equal nginx's connection "
             "serials" % sensor)
        got = settle(lambda: by_label("sum(wiretab_packets_total%s)" % sel, None), {None: frames})
        t.eq(got, {None: frames}, "%s: wiretab_packets_total equals tcpdump's frames" % sensor)
        got = by_label("sum(wiretab_bytes_total%s)" % sel, None)
        t.eq(got, {None: size}, "%s: wiretab_bytes_total equals their lengths in tcpdump's "
             "file" % sensor)
        got = by_label("sum(wiretab_kernel_drops_total%s)" % sel, None)
        t.eq(got, {None: 0}, "%s: no kernel drops" % sensor)
        want = {"opened": conns + refused, "established": conns, "refused": refused,
                "reset": 0}
        got = settle(lambda: by_label("sum by (event) (wiretab_tcp_connection_events_total%s)"
                                      % sel, "event"), want)
        t.eq(got, want, "%s: TCP connection events: nginx's connections opened and "
             "established, curl's refused ones" % sensor)
        rej = '{sensor="%s",conn_state="REJ"}' % sensor
        got = by_label("sum(wiretab_tcp_connections_total%s)" % rej, None)
        t.eq(got, {None: refused}, "%s: curl's refused connections in state REJ" % sensor)
        if dns_rcodes is None:
            t.skip("%s: DNS responses by rcode" % sensor, "dnsmasq or dig not installed")
        else:
            got = settle(lambda: by_label("sum by (rcode) (wiretab_dns_responses_total%s)"
                                          % sel, "rcode"), dns_rcodes)
            t.eq(got, dns_rcodes, "%s: sum by (rcode) (wiretab_dns_responses_total) equals "
                 "dig's statuses" % sensor)
            got = by_label("sum(wiretab_dns_queries_total%s)" % sel, None)
            t.eq(got, {None: dns_queries}, "%s: wiretab_dns_queries_total equals dig's queries"
                 % sensor)
        labels = promql('wiretab_packets_total%s' % sel)
        want = {("__name__", "wiretab_packets_total"), ("instance", WIRETABS[sensor][0]),
                ("job", "wiretab"), ("sensor", sensor), ("interface", IF_CLI)}
        t.ok(len(labels) == 1 and set(next(iter(labels))) == want,
             "%s: labels sensor and interface" % sensor, repr(labels))
    t.ok(stalled.poll() is None, "5 clients stalled in the middle of a request to %s all "
         "along: the counts above came through regardless" % WIRETABS["one"][0])
    stalled.kill()
    test_promtool(WIRETABS["two"][0])
    test_errors(WIRETABS["one"][0])
    for s, p in wts.items():
        p.send_signal(signal.SIGINT)
        out, _ = p.communicate(timeout=10)
        rep = json.loads(out) if p.returncode == 0 else {}
        t.eq(rep.get("http", {}).get("requests"), len(log),
             "%s: SIGINT ends it with the report (exit %s)" % (s, p.returncode))


try:
    main()
except (RuntimeError, subprocess.CalledProcessError, OSError, ValueError) as e:
    detail = getattr(e, "stderr", "") or ""
    t.ok(False, "metrics live test setup or traffic", "%s\n%s" % (e, detail))
finally:
    cleanup()
t.done()
