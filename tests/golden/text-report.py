#!/usr/bin/env python3
"""The text report is short and leads with HTTP; --sections chooses what is reported.

On captures/http-veth-ipv4.pcap (103 frames, nginx and curl, nothing but HTTP over TCP
plus one ARP exchange):

- the section order: the capture summary, then HTTP, then the rest;
- the HTTP section opens with its summary (requests, responses, error responses, error
  rate, status classes, status codes, methods), every number equal to nginx's access log;
- every protocol tshark finds nothing of (UDP, DNS, TLS, SSH, HTTP/2) and the proxies
  (nginx logged no CONNECT and no absolute-form URI) are each one exact line;
- --sections LIST keeps the listed sections in the order given, in text, JSON, CSV and
  HTML, with the numbers of the full report; an unknown name is a usage error that names
  it and lists the valid ones.
"""
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run_wiretab, project_root  # noqa: E402

t = Tap()
CAP = os.path.join(project_root(), "captures", "http-veth-ipv4.pcap")
LOG = os.path.join(project_root(), "captures", "http-veth-ipv4.access.log")
ENV = dict(os.environ, LANG="C.UTF-8", LANGUAGE="", LC_ALL="C.UTF-8")

log = [l.split() for l in open(LOG) if l.strip()]
statuses = collections.Counter(int(f[1]) for f in log)
methods = collections.Counter(f[0] for f in log)
errors = sum(n for code, n in statuses.items() if code >= 400)


def wiretab(*args):
    return run_wiretab(list(args), env=ENV)


def heads(text):
    """Top-level lines: section titles and the one-line empty sections."""
    return [l for l in text.splitlines() if l and not l.startswith(" ")]


p = wiretab("-r", CAP)
t.eq(p.returncode, 0, "wiretab -r exits 0")
lines = p.stdout.splitlines()
top = heads(p.stdout)
t.eq(top[:2], ["== Capture summary ==", "== HTTP =="], "the capture summary, then HTTP")

# --- the empty sections, from tshark's account of the capture -----------------------
if shutil.which("tshark"):
    def tshark_count(flt):
        out = subprocess.run(["tshark", "-r", CAP, "-Y", flt], capture_output=True, text=True)
        return len(out.stdout.splitlines())
    empty_lines = {"udp": "UDP: no flows", "dns": "DNS: no messages",
                   "tls": "TLS handshakes: none", "ssh": "SSH connections: none",
                   "http2": "HTTP/2: none"}
    for proto, line in empty_lines.items():
        n = tshark_count(proto)
        t.ok(n == 0, "tshark finds no %s in the capture" % proto, "%d frames" % n)
        t.ok(line in top, "one line for it: %r" % line, "\n".join(top))
else:
    t.skip("empty sections against tshark", "tshark is not installed")
forward = [f for f in log if f[0] == "CONNECT" or not f[2].startswith("/")]
t.eq(forward, [], "nginx logged no CONNECT and no absolute-form request")
t.ok("Proxies: none" in top, "one line for the proxies: 'Proxies: none'", "\n".join(top))
t.ok(len(lines) < 240, "a short report (%d lines; it was 398 with every empty section)"
     % len(lines))

# --- the HTTP summary, against the access log ----------------------------------------
start = lines.index("== HTTP ==")
end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
http = lines[start + 1:end]


def value(label):
    for l in http:
        m = re.match(r"  %s +(\S+)$" % re.escape(label), l)
        if m:
            return m.group(1).replace(",", "")
    return None


order = [l.strip().split("  ")[0] for l in http if l.startswith("  ") and not l.startswith("   ")]
want_order = ["Requests", "Responses", "Error responses (4xx, 5xx)",
              "Error rate (percent of final responses)", "Status classes", "Status codes",
              "Code", "----", None]
got_first = order[:7]
t.eq(got_first, want_order[:7], "the HTTP section opens with its summary")
t.ok(order.index("Methods") < order.index("Final responses"),
     "methods come before the other counters", order)
t.eq(int(value("Requests")), len(log), "requests = access log lines")
t.eq(int(value("Responses")), len(log), "responses = access log lines")
t.eq(int(value("Error responses (4xx, 5xx)")), errors, "error responses = 4xx and 5xx logged")
t.eq(round(float(value("Error rate (percent of final responses)")), 1),
     round(100.0 * errors / len(log), 1), "error rate = their share of the log")
classes = {}
for l in http[http.index("  Status classes") + 1:]:
    m = re.match(r"    ([1-5]xx) +(\d+)$", l)
    if not m:
        break
    classes[m.group(1)] = int(m.group(2))
want_classes = collections.Counter("%dxx" % (c // 100) for c in statuses.elements())
t.eq(classes, dict(want_classes), "status classes = the log's")
codes = {}
for l in http[http.index("  Status codes") + 3:]:
    m = re.match(r"   *(\d{3})  \dxx  .*?  +(\d+)  +[\d.]+%", l)
    if not m:
        break
    codes[int(m.group(1))] = int(m.group(2))
t.eq(codes, dict(statuses), "status codes table = the log's codes")
meth = {}
mi = next(i for i, l in enumerate(http) if l == "  Methods")
for l in http[mi + 3:]:
    m = re.match(r"  ([A-Z]+) +(\d+)  +[\d.]+%$", l)
    if not m:
        break
    meth[m.group(1)] = int(m.group(2))
t.eq(meth, dict(methods), "methods table = the log's methods")

# --- --sections ----------------------------------------------------------------------
full = json.loads(wiretab("-r", CAP, "--format", "json").stdout)
p = wiretab("-r", CAP, "--sections", "dns,http")
t.eq(p.returncode, 0, "--sections dns,http exits 0")
t.eq(heads(p.stdout), ["DNS: no messages", "== HTTP =="],
     "text: only those sections, in the order given")
t.eq(p.stdout[p.stdout.index("== HTTP =="):], "\n".join(lines[start:end]) + "\n",
     "text: the HTTP section as in the full report")
p = wiretab("-r", CAP, "--sections", "http,tcp", "--format", "json")
j = json.loads(p.stdout)
t.eq(list(j), ["http", "tcp"], "JSON: only the keys asked for, in that order")
t.eq(j, {"http": full["http"], "tcp": full["tcp"]}, "JSON: the same numbers as the full report")
t.eq(list(full)[:2], ["capture", "protocols"], "JSON without --sections: every key, as made")
p = wiretab("-r", CAP, "--sections", "http", "--format", "csv")
t.eq({row.split(",")[0].split(".")[0] for row in p.stdout.splitlines()[1:]}, {"http"},
     "CSV summary: rows of the http section only")
tmp = tempfile.mkdtemp(prefix="wt-sections-")
try:
    page = os.path.join(tmp, "r.html")
    p = wiretab("-r", CAP, "--sections", "tcp,http", "--format", "html", "-o", page)
    html = open(page).read() if p.returncode == 0 else ""
    t.eq(re.findall(r'<section id="sec-([a-z0-9_]+)"', html), ["tcp", "http"],
         "HTML: the sections asked for")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

# tunnels: a section only a capture with tunnels has, but always a valid name
VXLAN = os.path.join(project_root(), "captures", "http-vxlan.pcap")
p = wiretab("-r", VXLAN, "--sections", "tunnels")
t.eq((p.returncode, heads(p.stdout)), (0, ["== Tunnels =="]),
     "--sections tunnels on the VXLAN capture: its tunnels section")
p = wiretab("-r", CAP, "--sections", "tunnels", "--format", "json")
t.eq((p.returncode, p.stdout.strip()), (0, "{}"),
     "--sections tunnels without tunnels: accepted, nothing to show")

# --- a bad name ------------------------------------------------------------------------
p = wiretab("-r", CAP, "--sections", "http,htp")
t.eq(p.returncode, 1, "an unknown section is a usage error (exit 1)")
err = p.stderr.strip().splitlines()
t.ok(len(err) == 1 and "'htp'" in err[0] and all(k in err[0] for k in full),
     "one line naming 'htp' and listing every section of the JSON report", p.stderr)
t.eq(p.stdout, "", "no report")
p = wiretab("-r", CAP, "--sections", " , ")
t.eq(p.returncode, 1, "an empty list is a usage error")
t.done()
