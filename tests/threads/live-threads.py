#!/usr/bin/env python3
"""--threads with live capture (-i): the same reader loop hands frames to the workers.

In a private network namespace: python3's http.server on 127.0.0.1, wiretab -i lo
--threads 2 --log-dir, curl sends REQUESTS requests (one connection each); wiretab is
stopped with SIGINT (the reader's stop path with workers running). The report and the
logs must count exactly the requests the server logged, every log line must be complete
JSON, and a second run stopped by --duration must end on its own. Needs root (skipped
otherwise)."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_path  # noqa: E402

REQUESTS = 40
t = Tap()
if os.geteuid() != 0:
    t.skip_all("needs root (network namespace)")
for tool in ("ip", "curl"):
    if subprocess.run(["sh", "-c", "command -v " + tool], capture_output=True).returncode:
        t.skip_all(tool + " missing")

ns = "wt-threads-%d" % os.getpid()


def nsexec(*args):
    return ["ip", "netns", "exec", ns] + list(args)


def capture(tmp, name, extra, stop_with_sigint):
    logdir = os.path.join(tmp, name)
    srvlog = open(os.path.join(tmp, name + ".server.log"), "w")
    srv = subprocess.Popen(nsexec(sys.executable, "-m", "http.server", "8080", "--bind",
                                  "127.0.0.1", "--directory", tmp),
                           stdout=subprocess.DEVNULL, stderr=srvlog)
    wt = subprocess.Popen(nsexec(wiretab_path(), "-i", "lo", "-q", "-Z", "root",
                                 "--threads", "2", "--format", "json", "--log-dir", logdir)
                          + extra, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)  # interface open, workers started
    ok = 0
    for i in range(REQUESTS):
        r = subprocess.run(nsexec("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                  "http://127.0.0.1:8080/?n=%d" % i),
                           capture_output=True, text=True)
        ok += r.stdout == "200"
    time.sleep(0.5)
    if stop_with_sigint:
        wt.send_signal(signal.SIGINT)
    try:
        out, err = wt.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        wt.kill()
        out, err = wt.communicate()
    srv.terminate()
    srv.wait()
    srvlog.close()
    served = sum(1 for line in open(os.path.join(tmp, name + ".server.log"))
                 if '"GET /?n=' in line)
    return wt.returncode, out, err, logdir, ok, served


def check(tmp, name, extra, sigint):
    rc, out, err, logdir, ok, served = capture(tmp, name, extra, sigint)
    t.eq(ok, REQUESTS, "%s: curl got %d answers" % (name, REQUESTS))
    t.eq(served, REQUESTS, "%s: the server logged %d requests" % (name, REQUESTS))
    t.eq(rc, 0, "%s: exit status" % name)
    try:
        rep = json.loads(out)
    except ValueError:
        t.ok(False, "%s: JSON report" % name, err)
        return
    t.eq(rep["http"].get("requests"), served, "%s: report's HTTP requests = server's log" % name)
    t.eq(rep["capture"].get("dropped"), 0, "%s: no frame dropped" % name)
    lines = {}
    for log in ("conn.log", "http.log"):
        path = os.path.join(logdir, log)
        lines[log] = []
        good = os.path.exists(path)
        if good:
            for line in open(path):
                try:
                    lines[log].append(json.loads(line))
                except ValueError:
                    good = False
        t.ok(good, "%s: %s complete JSON lines" % (name, log))
    uris = sorted(r.get("uri") for r in lines["http.log"])
    t.eq(uris, sorted("/?n=%d" % i for i in range(REQUESTS)),
         "%s: http.log holds each request once" % name)
    conn_uids = {r["uid"] for r in lines["conn.log"] if r.get("id.resp_p") == 8080}
    t.eq(len(conn_uids), REQUESTS, "%s: conn.log has one connection per request" % name)
    t.ok({r["uid"] for r in lines["http.log"]} <= conn_uids,
         "%s: every http.log uid is a conn.log uid" % name)


try:
    subprocess.run(["ip", "netns", "add", ns], check=True)
    subprocess.run(nsexec("ip", "link", "set", "lo", "up"), check=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        check(tmp, "sigint", [], True)
        check(tmp, "duration", ["--duration", "6"], False)
finally:
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)
t.done()
