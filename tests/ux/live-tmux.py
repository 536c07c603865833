#!/usr/bin/env python3
"""The live view as an operator sees it: `wiretab -i lo --interval 1` in a tmux pane of
80x24, inside a network namespace this test creates (opsview-PID) where nginx answers a
curl loop (200, 404 and 500, several requests per curl run on one keep-alive connection).
The screen is read with `tmux capture-pane` and driven with `tmux send-keys`:

- the first screen is there within a second of the start (not after one interval);
- while curl runs, the request count on the screen only grows and never exceeds nginx's
  access log; no screen line is wider than the pane (80 columns, read joined: -J);
- t, a and h switch to the TCP, talkers and HTTP views; p pauses (the screen stays as it
  was while traffic goes on) and p again resumes;
- once curl stops, the HTTP view's request count equals nginx's access log, and the TCP
  view's counts since the start equal curl's own account: established = the connections
  it made (curl -w %{num_connects}), refused = its attempts on a closed port that failed
  to connect (exit 7), opened = both;
- resized to 120x40, the screen fills the new size;
- q ends the capture like Ctrl-C, and the report (-o, JSON) has the log's requests.

Root, nginx, curl, tmux and ip are needed; skipped (TAP skip) when one is missing."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

from uxlib import Tap, wiretab_path
import netns
from netns import nginx_conf, plain_lo, remove, sh, start_nginx, stop_pidfile

t = Tap()
missing = [p for p in ("nginx", "curl", "tmux", "ip") if shutil.which(p) is None]
if os.geteuid() != 0:
    t.skip_all("needs root (network namespaces)")
if missing:
    t.skip_all("missing " + ", ".join(missing))

PID = os.getpid()
NS = "opsview-%d" % PID
SESSION = "opsview-%d" % PID
PORT = 8080
CLOSED_PORT = 8081
work = tempfile.mkdtemp(prefix="wt-opsview-")
os.chmod(work, 0o755)
ACCESS = os.path.join(work, "access.log")
REPORT = os.path.join(work, "report.json")

NGINX_LOG_FORMAT = "$request_method $status $request_uri $connection"
NGINX_LOCATIONS = """    location /ok      { return 200 "ok\\n"; }
    location /api     { return 200 "{}\\n"; }
    location /missing { return 404; }
    location /boom    { return 500; }
"""


def in_ns(*args):
    return netns.in_ns(NS, *args)


def cleanup():
    sh("tmux", "kill-session", "-t", SESSION, check=False)
    stop_pidfile(os.path.join(work, "nginx.pid"))
    remove(work, NS)


def setup():
    plain_lo(NS)
    start_nginx(NS, work, nginx_conf(work, "127.0.0.1:%d" % PORT, NGINX_LOG_FORMAT,
                                     NGINX_LOCATIONS))
    for _ in range(50):
        if curl(["/ok"])[0] == ["200"]:
            return
        time.sleep(0.1)
    raise RuntimeError("nginx did not answer: " + open(os.path.join(work, "error.log")).read())


def curl(paths):
    """One curl run (one keep-alive connection): (status codes, connections it made)."""
    argv = ["curl", "-s"]
    for p in paths:
        argv += ["-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n",
                 "http://127.0.0.1:%d%s" % (PORT, p)]
    out = sh(*in_ns(*argv), check=False).stdout.split()
    return out[0::2], sum(int(x) for x in out[1::2])


def log_lines():
    try:
        return sum(1 for _ in open(ACCESS))
    except OSError:
        return 0


class CurlLoop(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.connects = 0
        self.requests = 0
        self.refused = 0

    def run(self):
        paths = ["/ok", "/api", "/ok", "/missing", "/boom"]
        while not self.stop.is_set():
            codes, conns = curl(paths)
            self.requests += len(codes)
            self.connects += conns
            # a port nobody listens on: the kernel answers the SYN with a RST
            p = subprocess.run(in_ns("curl", "-s", "http://127.0.0.1:%d/" % CLOSED_PORT),
                               capture_output=True)
            self.refused += p.returncode == 7  # curl: "Failed to connect"
            time.sleep(0.05)


def pane():
    """The pane's lines, wrapped lines joined (-J), so a line wider than the pane shows."""
    out = sh("tmux", "capture-pane", "-p", "-J", "-t", SESSION).stdout.rstrip("\n")
    return [l.rstrip(" ") for l in out.split("\n")]  # -J keeps trailing blanks


def wait_screen(pred, timeout):
    end = time.time() + timeout
    lines = pane()
    while time.time() < end:
        lines = pane()
        if pred(lines):
            return lines, True
        time.sleep(0.05)
    return lines, False


def on_screen(text):
    return lambda lines: any(text in l for l in lines)


def requests_in_all(lines):
    for l in lines:
        m = re.match(r"HTTP [\d.,]+ requests/s +([\d,]+) in all", l)
        if m:
            return int(m.group(1).replace(",", ""))
    return None


def since_start(lines, name):
    for l in lines:
        m = re.match(r" %s +([\d,]+)$" % name, l)
        if m:
            return int(m.group(1).replace(",", ""))
    return None


def width_ok(lines, what):
    wide = [l for l in lines if len(l) > 80]
    t.ok(not wide, "%s: no line wider than 80 columns" % what, "\n".join(wide))


try:
    setup()
    base_log = log_lines()  # the set-up's own request, before the capture
    # a pane of exactly 80x24; the command runs in the namespace
    cmd = " ".join(in_ns(wiretab_path(), "-i", "lo", "--interval", "1", "-Z", "root",
                         "--format", "json", "-o", REPORT)) + "; sleep 30"
    start = time.time()
    sh("tmux", "new-session", "-d", "-s", SESSION, "-x", "80", "-y", "24",
       "env LANG=C.UTF-8 LANGUAGE= TERM=xterm " + cmd)
    sh("tmux", "resize-window", "-t", SESSION, "-x", "80", "-y", "24", check=False)
    lines, ok = wait_screen(on_screen("wiretab on lo"), 5.0)
    took = time.time() - start
    t.ok(ok and took <= 1.0, "the first screen is on the pane within a second (%.2f s)" % took,
         "\n".join(lines))
    size = sh("tmux", "display-message", "-p", "-t", SESSION, "#{pane_width}x#{pane_height}")
    t.eq(size.stdout.strip(), "80x24", "the pane is 80x24")

    loop = CurlLoop()
    loop.start()
    seen, grew, over = [], True, []
    for _ in range(4):
        time.sleep(1.0)
        lines = pane()
        n = requests_in_all(lines)
        logged = log_lines() - base_log
        if n is not None:
            if seen and n < seen[-1]:
                grew = False
            if n > logged:
                over.append((n, logged))
            seen.append(n)
        width_ok(lines, "HTTP view during the traffic")
    t.ok(len(seen) == 4 and grew and seen[-1] > 0,
         "requests on screen grow while curl runs: %s" % seen)
    t.ok(not over, "requests on screen never exceed nginx's access log", over)
    for label in ("Status classes", "2xx", "4xx", "5xx", "Status codes", "Methods",
                  "Slowest endpoints", "Top hosts", "Top URIs", "Kernel drops", "TCP/s"):
        t.ok(any(label in l for l in lines), "the HTTP view shows " + label, "\n".join(lines))
    t.ok(any(re.match(r" +GET +[\d.,]+/s", l[40:]) or re.match(r" GET +[\d.,]+/s", l[40:])
             for l in lines), "methods of the interval: GET with a rate", "\n".join(lines))
    t.ok(any(re.search(r"\b(200|404|500) +[\d.,]+/s", l) for l in lines),
         "status codes of the interval with their rates", "\n".join(lines))
    t.ok(any(re.search(r"GET /(ok|api|missing|boom) +\d+ +[\d.]+ +[\d.]+$", l) for l in lines),
         "slowest endpoints with requests, p50 and p99", "\n".join(lines))

    # views
    sh("tmux", "send-keys", "-t", SESSION, "t")
    lines, ok = wait_screen(on_screen("[TCP]"), 1.0)
    t.ok(ok and any(l.startswith(" opened") for l in lines), "t: the TCP view", "\n".join(lines))
    width_ok(lines, "TCP view")
    sh("tmux", "send-keys", "-t", SESSION, "a")
    lines, ok = wait_screen(on_screen("[talkers]"), 1.0)
    t.ok(ok and any("127.0.0.1" in l for l in lines), "a: the talkers view names 127.0.0.1",
         "\n".join(lines))
    width_ok(lines, "talkers view")
    sh("tmux", "send-keys", "-t", SESSION, "h")
    lines, ok = wait_screen(on_screen("[HTTP]"), 1.0)
    t.ok(ok, "h: back to the HTTP view", "\n".join(lines))

    # pause: the screen stays while curl goes on
    sh("tmux", "send-keys", "-t", SESSION, "p")
    lines, ok = wait_screen(on_screen("PAUSED"), 1.0)
    t.ok(ok, "p: the title says PAUSED", "\n".join(lines))
    frozen = requests_in_all(lines)
    before = loop.requests
    time.sleep(2.2)
    lines = pane()
    t.ok(requests_in_all(lines) == frozen and loop.requests > before,
         "paused: the count stays at %s while curl made %d more requests"
         % (frozen, loop.requests - before), "\n".join(lines))
    sh("tmux", "send-keys", "-t", SESSION, "p")
    lines, ok = wait_screen(lambda ls: not any("PAUSED" in l for l in ls) and
                            (requests_in_all(ls) or 0) > (frozen or 0), 2.5)
    t.ok(ok, "p again: the screen runs on", "\n".join(lines))

    # the end of the traffic: the screen equals nginx's log
    loop.stop.set()
    loop.join()
    time.sleep(2.5)  # two refreshes after the last request
    logged = log_lines() - base_log
    lines = pane()
    t.eq(requests_in_all(lines), logged, "after the traffic: requests on screen = nginx's "
         "access log (%d)" % logged)
    t.eq(logged, loop.requests, "nginx logged every request curl made")
    sh("tmux", "send-keys", "-t", SESSION, "t")
    lines, ok = wait_screen(on_screen("[TCP]"), 1.0)
    t.ok(loop.refused > 0, "curl was refused on port %d %d times" % (CLOSED_PORT, loop.refused))
    t.ok(since_start(lines, "opened") == loop.connects + loop.refused,
         "TCP view: opened since the start = curl's connections and refused attempts "
         "(%d + %d)" % (loop.connects, loop.refused), "\n".join(lines))
    t.ok(since_start(lines, "established") == loop.connects,
         "TCP view: established since the start = curl's connections (%d)" % loop.connects,
         "\n".join(lines))
    t.ok(since_start(lines, "refused") == loop.refused,
         "TCP view: refused since the start = curl's refused attempts", "\n".join(lines))

    # a wider, taller terminal: the screen follows its size
    sh("tmux", "send-keys", "-t", SESSION, "h")
    sh("tmux", "resize-window", "-t", SESSION, "-x", "120", "-y", "40")
    lines, ok = wait_screen(lambda ls: len(ls) == 40 and ls[-1].startswith("h HTTP") and
                            any("[HTTP]" in l for l in ls), 2.5)
    t.ok(ok and all(len(l) <= 120 for l in lines) and
         any(len(l) > 80 for l in lines if "Top URIs" in l or "p99" in l),
         "120x40: the screen fills the pane and uses its width", "\n".join(lines))

    sh("tmux", "send-keys", "-t", SESSION, "q")
    end = time.time() + 10
    while time.time() < end and not os.path.exists(REPORT):
        time.sleep(0.1)
    try:
        rep = json.load(open(REPORT))
        t.eq(rep["http"]["requests"], logged, "q: the capture ends; the report has the log's "
             "requests")
    except (OSError, ValueError) as e:
        t.ok(False, "q: the capture ends and writes the report", str(e) + "\n".join(pane()))
finally:
    cleanup()
t.done()
