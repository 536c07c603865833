#!/usr/bin/env python3
"""Golden test of captures/proxy-mix.pcap (scripts/record/proxy-record.sh): curl through
microsocks, dante, ssh -D and tinyproxy against nginx. Expected values come from nginx's access
log (proxy-mix.nginx.log: scheme method status uri host bytes) and curl's own account
(proxy-mix.curl.txt: proxy, method, status, URL, CONNECT answer, local port, exit code),
never from wiretab:

- every plain-HTTP request nginx served went through a proxy and is on the wire once:
  http.log's transactions other than CONNECT equal nginx's lines (method, status, path,
  host), absolute-form URIs counted by their path and host;
- the HTTPS requests are inside TLS: the TLS server names equal nginx's https hosts;
- each CONNECT is in http.log with the answer curl got, and in the proxies section;
- each SOCKS connection curl made has its socks.log line (version, target, status), and
  conn.log's service names the protocols the connection went through;
- the SOCKS 4 and 4a handshakes (dante on 1082, ssh -D on 1083) are those tshark's socks
  dissector reads: client port, 4a host name or address, port, and the reply code (90
  granted).
"""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run_wiretab, project_root  # noqa: E402

t = Tap()
caps = os.path.join(project_root(), "captures")
cap = os.path.join(caps, "proxy-mix.pcap")
if not os.path.exists(cap):
    t.skip_all("no " + cap)
nginx = [l.split() for l in open(os.path.join(caps, "proxy-mix.nginx.log")) if l.strip()]
curl = []
for line in open(os.path.join(caps, "proxy-mix.curl.txt")):
    f = line.split()
    if len(f) >= 5 and f[0] == "curl":
        r = dict(kv.partition("=")[::2] for kv in f[5:])
        r.update(label=f[1], method=f[2], status=int(f[3]), url=f[4])
        curl.append(r)

logs = tempfile.mkdtemp(prefix="wt-proxies-")
p = run_wiretab(["-r", cap, "--format", "json", "--top", "100", "--log-dir", logs])
if not t.ok(p.returncode == 0, "wiretab exits 0", p.stderr):
    t.done()
rep = json.loads(p.stdout)


def jsonl(name):
    path = os.path.join(logs, name)
    return [json.loads(l) for l in open(path)] if os.path.exists(path) else []


https, socks, conns = jsonl("http.log"), jsonl("socks.log"), jsonl("conn.log")


def path_of(uri):
    u = urllib.parse.urlsplit(uri)
    return (u.path or "/") + ("?" + u.query if u.query else "") if u.scheme else uri


def host_of(w):
    u = urllib.parse.urlsplit(w.get("uri", ""))
    return u.hostname if u.scheme else w.get("host")


plain = [n for n in nginx if n[0] == "http"]
got = collections.Counter((w.get("method"), w.get("status_code"), path_of(w.get("uri", "")), host_of(w))
                          for w in https if w.get("method") != "CONNECT")
want = collections.Counter((n[1], int(n[2]), n[3], n[4]) for n in plain)
t.eq(got, want, "http.log's requests (method, status, path, host) equal nginx's plain-HTTP lines")

h = rep["http"]
uris = {r["uri"]: r["count"] for r in h["uris"]}
hosts = {r["host"]: r["count"] for r in h["hosts"]}
want_uris = collections.Counter(n[3] for n in plain)
want_hosts = collections.Counter(n[4] for n in plain)
t.eq({u: uris.get(u) for u in want_uris}, dict(want_uris),
     "http uris table counts nginx's paths (absolute-form requests by their path)")
t.eq({x: hosts.get(x) for x in want_hosts}, dict(want_hosts),
     "http hosts table counts nginx's hosts")
t.ok(not any(u.startswith("http://") for u in uris), "no absolute URI in the uris table", uris)

tls = collections.Counter(n[4] for n in nginx if n[0] == "https")
t.eq({r["server_name"]: r["count"] for r in rep["tls"]["sni"]}, dict(tls),
     "TLS server names equal nginx's https hosts (TLS inside SOCKS and CONNECT)")

connects = [c for c in curl if c["label"].startswith("connect")]


def target(c):
    u = urllib.parse.urlsplit(c["url"])
    return "%s:%d" % (u.hostname, u.port or (443 if u.scheme == "https" else 80))


t.eq(sorted((w.get("uri"), w.get("status_code")) for w in https if w.get("method") == "CONNECT"),
     sorted((target(c), int(c["connect"])) for c in connects),
     "http.log's CONNECT lines: curl's targets and the answers curl got")
px = rep["proxies"]
t.eq(px["connect_requests"], len(connects), "proxies.connect_requests")
t.eq({r["target"]: r["count"] for r in px["connect_targets"]},
     dict(collections.Counter(target(c) for c in connects)), "proxies.connect_targets")
t.eq({r["status"]: r["count"] for r in px["connect_answers"]},
     dict(collections.Counter(c["connect"] for c in connects)), "proxies.connect_answers")
fwd = [c for c in curl if c["label"] == "forward"]
t.eq(px["forward_requests"], len(fwd), "proxies.forward_requests: curl's requests through -x")

by_port = {}
for s in socks:
    by_port[s["id.orig_p"]] = s
svc = {c["id.orig_p"]: c.get("service") for c in conns}
sk = [c for c in curl if c["label"].startswith("socks")]
bad = []
ports = set()
for c in sk:
    port = int(c["local_port"])
    if port in ports:
        continue  # a second URL on the same connection
    ports.add(port)
    if c["label"] == "socks5-badauth":
        if port in by_port:
            bad.append("port %d: a socks.log line after a refused authentication" % port)
        continue
    s = by_port.get(port)
    if s is None:
        bad.append("port %d (%s): no socks.log line" % (port, c["label"]))
        continue
    u = urllib.parse.urlsplit(c["url"])
    want_v = 5 if c["label"].startswith("socks5") else 4
    name = s.get("request.name") or s.get("request.host")
    wport = u.port or (443 if u.scheme == "https" else 80)
    ok = c["exitcode"] == "0"
    if (s.get("version"), name, s.get("request_p")) != (want_v, u.hostname, wport):
        bad.append("port %d: %r" % (port, s))
    if (s.get("status") == "succeeded") != ok:
        bad.append("port %d: status %r, curl exit %s" % (port, s.get("status"), c["exitcode"]))
    want_svc = ("socks,tls" if u.scheme == "https" else "socks,http") if ok else "socks"
    if svc.get(port) != want_svc:
        bad.append("port %d: service %r, want %r" % (port, svc.get(port), want_svc))
t.ok(not bad, "each of curl's %d SOCKS connections: socks.log (version, target, status) and "
     "conn.log service" % len(ports), "\n".join(bad))
t.eq(px["socks_handshakes"], len(ports) - 1, "proxies.socks_handshakes (all but the refused login)")
t.eq(px["socks_auth_failed"], 1, "proxies.socks_auth_failed: the wrong password")
t.eq(px["socks_granted"], len({c["local_port"] for c in sk if c["exitcode"] == "0"}),
     "proxies.socks_granted: curl's successful SOCKS connections")
t.eq(px["socks_versions"], dict(collections.Counter(
    "5" if c["label"].startswith("socks5") else ("4a" if c["label"].startswith("socks4a") else "4")
    for c in {int(c["local_port"]): c for c in sk if c["label"] != "socks5-badauth"}.values())),
    "proxies.socks_versions")
want_conn = {int(c["local_port"]): ("http,tls" if c["url"].startswith("https") else "http")
             for c in curl if c["label"].startswith("connect")}
want_conn.update({int(c["local_port"]): "http" for c in fwd})
t.eq({p: svc.get(p) for p in want_conn}, want_conn,
     "conn.log service through tinyproxy: http, http,tls after CONNECT to TLS")

# The SOCKS 4 proxies' ports, as scripts/record/proxy-record.sh starts them: tshark finds
# SOCKS there only when told to decode the ports as SOCKS.
SOCKS4_PORTS = (1082, 1083)
if shutil.which("tshark"):
    decode = []
    for port in SOCKS4_PORTS:
        decode += ["-d", "tcp.port==%d,socks" % port]
    wanted = " || ".join("tcp.port==%d" % port for port in SOCKS4_PORTS)
    p = subprocess.run(["tshark", "-n", "-r", cap] + decode +
                       ["-Y", "(%s) && socks" % wanted, "-T", "fields", "-E", "separator=/t",
                        "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "socks.version",
                        "-e", "socks.v4a_dns_name", "-e", "socks.dst", "-e", "socks.dstport",
                        "-e", "socks.results"], capture_output=True, text=True)
    requests, replies = {}, {}
    for line in p.stdout.splitlines():
        sport, dport, version, name, dst, dport_req, result = (line.split("\t") + [""] * 7)[:7]
        if version == "4" and int(dport) in SOCKS4_PORTS and int(sport) not in requests:
            requests[int(sport)] = (name, dst, int(dport_req))
        elif result and int(sport) in SOCKS4_PORTS and int(dport) not in replies:
            replies[int(dport)] = int(result)
    shark = {port: (4, name or dst, dport_req, replies.get(port) == 90)
             for port, (name, dst, dport_req) in requests.items()}
    ours = {s["id.orig_p"]: (s.get("version"), s.get("request.name") or s.get("request.host"),
                             s.get("request_p"), s.get("status") == "succeeded")
            for s in socks if s.get("version") == 4}
    t.ok(len(shark) >= 3 and len(replies) == len(requests),
         "tshark reads %d SOCKS 4 requests and their replies" % len(shark), p.stderr)
    t.eq(ours, shark, "socks.log's SOCKS 4/4a lines: tshark's client port, target and "
         "reply (90 granted)")
    t.eq(px["socks_versions"].get("4a"), sum(1 for name, _, _ in requests.values() if name),
         "proxies.socks_versions 4a: tshark's requests that carry a host name")
else:
    t.skip("tshark's SOCKS 4 requests", "tshark not installed")
t.done()
