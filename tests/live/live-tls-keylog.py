#!/usr/bin/env python3
"""Live HTTPS decrypted with a key log that is written while wiretab captures.

In a private network namespace (tlslive-PID; loopback MTU 1500, offloads off) nginx serves
TLS 1.2 and 1.3 (HTTP/1.1 and h2 by ALPN) with a self-signed certificate made here by
`openssl req`, and plain HTTP, logging `$scheme $ssl_protocol $server_protocol
$request_method $status $connection $remote_port` per request. `wiretab -i lo --tls-keylog KEYLOG` is
started FIRST, with no key log file yet (an operator starts the sensor before the browser):
it must create it empty and private (mode 600; it could not open a private file created
later once it gave up root), say so in one line and go on capturing. THEN the clients write
the key log while wiretab captures: curl with SSLKEYLOGFILE (TLS 1.3 and 1.2, --http1.1 and
--http2, several methods and statuses) and, when Debian's chromium is installed, headless
chromium with --ssl-key-log-file (a second --tls-keylog, also absent at start). wiretab is
stopped with SIGINT. Checked against nginx's access log, per round (--threads 1 and 2):
  - the report's HTTP methods, status codes, versions and schemes equal the log's counts;
  - http.log's (scheme, version, method, status) multiset equals the log's;
  - conn.log's service per ($remote_port, server port): tls,http / tls,http2 / http;
  - the TLS section: at least as many sessions decrypted as TLS connections nginx logged
    a request on, no record failing to authenticate; the only sessions left dark are a
    browser's spare connections without requests (no application data, or a key Chromium
    had not written when it exited).
Needs root, nginx, curl, openssl, ip; chromium optional (its part is a TAP skip).
"""
import collections
import json
import os
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
missing = [p for p in ("nginx", "curl", "openssl", "ip") if shutil.which(p) is None]
if missing:
    t.skip_all("missing " + ", ".join(missing))
CHROMIUM = shutil.which("chromium")

NS = "tlslive-%d" % os.getpid()
HOST = "www.tlslive.test"
TLS_PORT, PLAIN_PORT = 8443, 8080
work = tempfile.mkdtemp(prefix="wt-tlslive-")
os.chmod(work, 0o755)
procs = []


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kw)


def in_ns(*args):
    return ["ip", "netns", "exec", NS] + list(args)


def nginx_pid():
    try:
        return int(open(os.path.join(work, "nginx.pid")).read().strip())
    except (OSError, ValueError):
        return None


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    pid = nginx_pid()
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)
            time.sleep(0.3)
        except OSError:
            pass
    sh("ip", "netns", "del", NS, check=False)
    shutil.rmtree(work, ignore_errors=True)


def setup():
    sh("ip", "netns", "add", NS)
    sh(*in_ns("ip", "link", "set", "lo", "up"))
    sh(*in_ns("ip", "link", "set", "lo", "mtu", "1500"))
    sh(*in_ns("ethtool", "-K", "lo", "tso", "off", "gso", "off", "gro", "off"), check=False)
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
       "-subj", "/CN=%s/O=wiretab test" % HOST, "-addext", "subjectAltName=DNS:" + HOST,
       "-keyout", os.path.join(work, "key.pem"), "-out", os.path.join(work, "cert.pem"))
    os.makedirs(os.path.join(work, "www"))
    with open(os.path.join(work, "www", "index.html"), "w") as f:
        f.write("<html><head><title>live</title></head><body>hello over TLS</body></html>\n" * 8)
    with open(os.path.join(work, "nginx.conf"), "w") as f:
        f.write("""worker_processes 1;
pid {w}/nginx.pid;
error_log {w}/error.log;
events {{ worker_connections 64; }}
http {{
  log_format truth '$scheme $ssl_protocol $server_protocol $request_method $status $connection $remote_port';
  access_log {w}/access.log truth;
  keepalive_requests 3;
  ssl_certificate {w}/cert.pem;
  ssl_certificate_key {w}/key.pem;
  root {w}/www;
  server {{
    listen 127.0.0.1:{plain};
    include {w}/locations.conf;
  }}
  server {{
    listen 127.0.0.1:{tls} ssl http2;
    ssl_protocols TLSv1.2 TLSv1.3;
    include {w}/locations.conf;
  }}
}}
""".format(w=work, plain=PLAIN_PORT, tls=TLS_PORT))
    with open(os.path.join(work, "locations.conf"), "w") as f:
        f.write('location = /created { return 201 "created\\n"; }\n'
                'location = /nocontent { return 204; }\n'
                'location = /moved { return 301 /index.html; }\n'
                'location = /error { return 500; }\n')
    sh(*in_ns("nginx", "-c", os.path.join(work, "nginx.conf")))
    for _ in range(50):
        if nginx_pid():
            return
        time.sleep(0.1)
    raise RuntimeError("nginx did not start: " + open(os.path.join(work, "error.log")).read())


def read_access_log():
    path = os.path.join(work, "access.log")
    rows = []
    for line in open(path) if os.path.exists(path) else []:
        scheme, tls, proto, method, status, conn, port = line.split()
        version = {"HTTP/1.1": "1.1", "HTTP/1.0": "1.0", "HTTP/2.0": "2"}[proto]
        rows.append(dict(scheme=scheme, tls=tls, version=version, method=method,
                         status=status, conn=conn, port=int(port)))
    return rows


def curl(keylog, opts, method, path, tls=True):
    url = "%s://%s:%d%s" % ("https" if tls else "http", HOST,
                           TLS_PORT if tls else PLAIN_PORT, path)
    args = ["curl", "-sk", "-o", "/dev/null", "--resolve", "%s:%d:127.0.0.1" % (HOST, TLS_PORT),
            "--resolve", "%s:%d:127.0.0.1" % (HOST, PLAIN_PORT)] + opts
    if method == "HEAD":
        args.append("-I")
    elif method in ("POST", "PUT"):
        args += ["-X", method, "--data-binary", "live-" + method]
    elif method != "GET":
        args += ["-X", method]
    env = dict(os.environ, SSLKEYLOGFILE=keylog)
    return subprocess.run(in_ns(*(args + [url])), env=env, capture_output=True).returncode


CURL_RUNS = [
    ["--tlsv1.3", "--http1.1"],
    ["--tlsv1.3", "--http2"],
    ["--tlsv1.2", "--tls-max", "1.2", "--http1.1"],
    ["--tlsv1.2", "--tls-max", "1.2", "--http2"],
]
MIX = [("GET", "/"), ("POST", "/created"), ("DELETE", "/nocontent"), ("GET", "/missing"),
       ("HEAD", "/"), ("GET", "/moved"), ("PUT", "/error")]


def run_clients(keylog, browser_keylog):
    for opts in CURL_RUNS:
        for method, path in MIX:
            curl(keylog, opts, method, path)
    curl(keylog, ["--http1.1"], "GET", "/", tls=False)
    curl(keylog, ["--http1.1"], "POST", "/missing", tls=False)
    if browser_keylog:
        profile = tempfile.mkdtemp(dir=work, prefix="chromium-")
        p = subprocess.run(in_ns(
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile,
            "--ssl-key-log-file=" + browser_keylog, "--ignore-certificate-errors",
            "--host-resolver-rules=MAP %s 127.0.0.1" % HOST, "--no-first-run",
            "--dump-dom", "https://%s:%d/" % (HOST, TLS_PORT)),
            capture_output=True, text=True, timeout=60)
        t.ok("hello over TLS" in p.stdout, "chromium --dump-dom fetched the page over TLS",
             p.stderr[-600:])


def start_wiretab(logs, threads, keylogs):
    args = [wiretab_path(), "-i", "lo", "-q", "--format", "json", "--log-dir", logs]
    if threads > 1:
        args += ["--threads", str(threads)]
    for k in keylogs:
        args += ["--tls-keylog", k]
    errfile = os.path.join(logs, "stderr")
    env = dict(os.environ)
    env.pop("SSLKEYLOGFILE", None)
    p = subprocess.Popen(in_ns(*args), stdout=subprocess.PIPE, stderr=open(errfile, "w"),
                         text=True, env=env)
    procs.append(p)
    deadline = time.time() + 5
    while time.time() < deadline and open(errfile).read().count("waiting for the clients") < len(keylogs):
        time.sleep(0.05)
    time.sleep(1.0)  # the capture opens after the notices; it says nothing when ready
    return p, errfile


def counter(rows, *keys):
    return collections.Counter(tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]
                               for r in rows)


def scheme_of(row):
    v = row.get("tls")
    return "https" if v not in (None, False, "", "-", 0) else "http"


def check_round(threads, browser):
    label = "threads %d%s" % (threads, " + chromium" if browser else "")
    logs = os.path.join(work, "logs-%d" % threads)
    os.makedirs(logs)
    keylog = os.path.join(work, "curl-%d.keylog" % threads)
    browser_keylog = os.path.join(work, "chromium-%d.keylog" % threads) if browser else None
    keylogs = [keylog] + ([browser_keylog] if browser_keylog else [])
    before = len(read_access_log())
    wt, errfile = start_wiretab(logs, threads, keylogs)
    err = open(errfile).read()
    t.ok(wt.poll() is None and err.count("does not exist yet: created it empty") == len(keylogs)
         and all(os.path.isfile(k) and os.stat(k).st_mode & 0o777 == 0o600 for k in keylogs),
         "%s: absent key logs at start: created empty, mode 600, one notice each, "
         "wiretab keeps capturing" % label, err)
    run_clients(keylog, browser_keylog)
    time.sleep(0.5)
    wt.send_signal(signal.SIGINT)
    try:
        out, _ = wt.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        wt.kill()
        out, _ = wt.communicate()
    err = open(errfile).read()
    if not t.ok(wt.returncode == 0, "%s: SIGINT: report printed, exit 0" % label, err):
        return
    t.ok(all(os.path.exists(k) and os.path.getsize(k) > 0 for k in keylogs),
         "%s: the clients wrote the key logs during the capture" % label)
    rep = json.loads(out)
    access = read_access_log()[before:]
    http = rep.get("http", {})
    t.eq(http.get("methods"), dict(counter(access, "method")),
         "%s: HTTP methods equal nginx's access log" % label)
    t.eq(http.get("status_codes"), dict(counter(access, "status")),
         "%s: HTTP status codes equal nginx's access log" % label)
    t.eq({v["version"]: v["count"] for v in http.get("versions", [])},
         dict(counter(access, "version")), "%s: HTTP versions equal nginx's access log" % label)
    t.eq({s["scheme"]: s["count"] for s in http.get("schemes", [])},
         dict(counter(access, "scheme")), "%s: http/https split equals nginx's access log" % label)
    rows = [json.loads(line) for line in open(os.path.join(logs, "http.log"))] \
        if os.path.exists(os.path.join(logs, "http.log")) else []
    got = collections.Counter((scheme_of(r), r.get("version"), r.get("method"),
                               str(r.get("status_code"))) for r in rows)
    want = counter(access, "scheme", "version", "method", "status")
    t.eq(dict(got), dict(want),
         "%s: http.log (scheme, version, method, status) equals nginx's access log" % label)
    # Keyed by client and server port: Linux gives one local port to two connections at once
    # when their servers differ (a browser's spare TLS connection beside a plain one).
    want_service = {(r["port"], TLS_PORT if r["scheme"] == "https" else PLAIN_PORT):
                    ("tls," if r["scheme"] == "https" else "") +
                    ("http2" if r["version"] == "2" else "http") for r in access}
    got_service = {}
    for line in open(os.path.join(logs, "conn.log")):
        c = json.loads(line)
        key = (c.get("id.orig_p"), c.get("id.resp_p"))
        if key in want_service:
            got_service[key] = c.get("service")
    t.eq(got_service, want_service,
         "%s: conn.log service per (client port, server port): tls,http / tls,http2 / http "
         "as nginx served the connection" % label)
    tls = rep.get("tls", {})
    sessions = sum(s["sessions"] for s in tls.get("sessions", []))
    decrypted = sum(s["decrypted"] for s in tls.get("sessions", []))
    tls_conns = {r["conn"] for r in access if r["scheme"] == "https"}
    not_decrypted = {k: v for k, v in tls.get("not_decrypted", {}).items() if v}
    # A browser may open a connection it sends no request on (a preconnect, closed unused
    # when it exits): no application data to decrypt, or its key never written (Chromium
    # logs from a background thread and may exit first). Those are the only sessions
    # allowed to stay dark: every connection nginx served a request on is decrypted.
    spare = sessions - len(tls_conns)
    dark = sum(not_decrypted.values())
    t.ok(decrypted >= len(tls_conns) and decrypted == tls.get("sessions_decrypted")
         and decrypted + dark == sessions and dark <= spare
         and set(not_decrypted) <= {"no_application_data", "no_key"}
         and not tls.get("decrypt_failed"),
         "%s: TLS: every session that carried requests decrypted (%d of %d sessions; nginx "
         "served requests on %d connections)" % (label, decrypted, sessions, len(tls_conns)),
         "sessions %d decrypted %d not_decrypted %s decrypt_failed %s"
         % (sessions, decrypted, not_decrypted, tls.get("decrypt_failed")))
    if browser:
        versions = {r["version"] for r in access if r["scheme"] == "https"}
        t.ok("2" in versions, "%s: chromium's h2 requests are among those counted" % label)


signal.signal(signal.SIGTERM, lambda s, f: sys.exit(1))
try:
    setup()
    for threads in (1, 2):
        if CHROMIUM:
            check_round(threads, True)
        else:
            t.skip("threads %d: chromium" % threads, "chromium not installed (optional package)")
            check_round(threads, False)
finally:
    cleanup()
t.done()
