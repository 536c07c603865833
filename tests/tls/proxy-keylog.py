#!/usr/bin/env python3
"""HTTPS through proxies, decrypted with the client's key log (captures/proxy-tls-keylog.*,
recorded by scripts/record/proxy-tls-keylog-record.sh): curl through microsocks (SOCKS5)
and tinyproxy (HTTP CONNECT) to nginx over TLS 1.3 and 1.2, HTTP/1.1 and h2. The TLS
inside each tunnel is read after the proxy's hand-off. Checked against nginx's access log
and curl's own account of each transfer:
  - http.log's HTTPS transactions (version, method, status) equal the access log;
  - the proxies' CONNECT answers are there too, one per CONNECT connection curl made;
  - every TLS session is decrypted (one per nginx connection), no record fails;
  - conn.log's service per client port: the proxy, then tls, then what was read inside
    (socks,tls,http / socks,tls,http2 / http,tls,http / http,tls,http2), as curl's
    proxy and %{http_version} say.
"""
import collections
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run_wiretab, project_root  # noqa: E402

NAME = "proxy-tls-keylog"
t = Tap()
caps = os.path.join(project_root(), "captures")
work = tempfile.mkdtemp(prefix="wt-pxkeylog-")
keylog = shutil.copy(os.path.join(caps, NAME + ".keylog"), work)
os.chmod(keylog, 0o600)  # git checks files out 0644: a private copy, no warning
logs = os.path.join(work, "logs")

access = [line.split() for line in open(os.path.join(caps, NAME + ".access.log"))]
curl = []
for line in open(os.path.join(caps, NAME + ".curl.txt")):
    f = line.split()  # curl LABEL METHOD STATUS VERSION URL connect=N local_port=N
    curl.append(dict(label=f[1], version=f[4], connect=f[6].split("=")[1],
                     port=int(f[7].split("=")[1])))

p = run_wiretab(["-r", os.path.join(caps, NAME + ".pcap"), "--tls-keylog", keylog,
                 "--format", "json", "--log-dir", logs])
if not t.ok(p.returncode == 0 and p.stderr == "", "wiretab reads the capture with the key log",
            p.stderr):
    t.done()
rep = json.loads(p.stdout)
rows = [json.loads(x) for x in open(os.path.join(logs, "http.log"))]
version = {"HTTP/1.1": "1.1", "HTTP/2.0": "2"}
t.eq(dict(collections.Counter((r.get("version"), r.get("method"), str(r.get("status_code")))
                              for r in rows if r.get("tls"))),
     dict(collections.Counter((version[a[1]], a[2], a[3]) for a in access)),
     "https in http.log (version, method, status) equals nginx's access log")
connects = {c["port"] for c in curl if c["connect"] != "000"}
t.eq(sorted((r["id.orig_p"], r.get("method"), str(r.get("status_code")))
            for r in rows if not r.get("tls")),
     sorted((port, "CONNECT", next(c["connect"] for c in curl if c["port"] == port))
            for port in connects),
     "the proxy's CONNECT answers, one per CONNECT connection curl made")
tls = rep["tls"]
t.ok(tls["sessions_decrypted"] == len({a[5] for a in access})
     and not any(tls["not_decrypted"].values()) and tls["decrypt_failed"] == 0,
     "every TLS session inside a tunnel decrypted (nginx's connections: %d)"
     % len({a[5] for a in access}), json.dumps(tls)[:600])
want = {}
for c in curl:
    proxy = "socks" if c["label"].startswith("socks") else "http"
    want[c["port"]] = proxy + ",tls," + ("http2" if c["version"] == "2" else "http")
got = {}
for line in open(os.path.join(logs, "conn.log")):
    c = json.loads(line)
    if c["id.orig_p"] in want:
        got[c["id.orig_p"]] = c.get("service")
t.eq(got, want, "conn.log service: proxy, tls, and the protocol read inside")
shutil.rmtree(work, ignore_errors=True)
t.done()
