#!/usr/bin/env python3
"""Ground truth for captures/proxy-mix.pcap from nginx's access log (proxy-mix.nginx.log:
scheme method status uri host bytes) and curl's own account (proxy-mix.curl.txt). The
capture holds the client side of the proxies only, so:

- the HTTP requests on the wire are nginx's plain-HTTP lines (through SOCKS, in absolute
  form to tinyproxy, or inside a CONNECT tunnel to port 80) plus the CONNECT requests
  (curl's %{http_connect}: the proxy's answer);
- the HTTPS requests nginx logged are inside TLS: counted as TLS server names (SNI).

    proxy-truth.py CAPTURES_DIR
"""
import collections
import subprocess
import sys
import urllib.parse

d = sys.argv[1]
nginx = [l.split() for l in open(d + "/proxy-mix.nginx.log") if l.strip()]
curl = []
for line in open(d + "/proxy-mix.curl.txt"):
    f = line.split()
    if len(f) >= 5 and f[0] == "curl":
        r = dict(kv.partition("=")[::2] for kv in f[5:])
        r.update(label=f[1], method=f[2], status=int(f[3]), url=f[4])
        curl.append(r)

plain = [n for n in nginx if n[0] == "http"]
tls = [n for n in nginx if n[0] == "https"]
connects = [c for c in curl if c["label"].startswith("connect")]
methods = collections.Counter(n[1] for n in plain)
statuses = collections.Counter(n[2] for n in plain)
methods["CONNECT"] += len(connects)
for c in connects:
    statuses[c["connect"]] += 1
frames = subprocess.run(["capinfos", "-c", "-M", d + "/proxy-mix.pcap"], capture_output=True,
                        text=True).stdout
frames = [l.split()[-1] for l in frames.splitlines() if "Number of packets" in l][0]

print("# ground truth for proxy-mix.pcap, counted from proxy-mix.nginx.log (nginx) and")
print("# proxy-mix.curl.txt (curl -w); frames from capinfos")
print("capture proxy-mix.pcap")
print("frames", frames)
print("requests", len(plain) + len(connects))
for m, n in sorted(methods.items()):
    print("method", m, n)
for s, n in sorted(statuses.items()):
    print("status", s, n)
for u, n in sorted(collections.Counter(n[3] for n in plain).items()):
    print("proxied_uri", u, n)
for h, n in sorted(collections.Counter(n[4] for n in plain).items()):
    print("proxied_host", h, n)
for h, n in sorted(collections.Counter(n[4] for n in tls).items()):
    print("tls_sni", h, n)
fwd = [c for c in curl if c["label"] == "forward"]
print("forward_requests", len(fwd))
for c in connects:
    u = urllib.parse.urlsplit(c["url"])
    print("connect_target", "%s:%d" % (u.hostname, u.port or (443 if u.scheme == "https" else 80)),
          c["connect"])
for c in curl:
    if c["label"].startswith("socks"):
        u = urllib.parse.urlsplit(c["url"])
        print("socks", c["label"], "%s:%d" % (u.hostname, u.port or (443 if u.scheme == "https" else 80)),
              c["status"], c["exitcode"])
