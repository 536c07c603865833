#!/usr/bin/env python3
"""h2c by `Upgrade: h2c` (captures/http2-upgrade.pcap): HTTP/1.1 requests offering the
upgrade, answered 101 and then HTTP/2 by a python3-h2 server (scripts/record/). Each upgraded
request is stream 1 of its connection and counted once, with its method from the HTTP/1.1
request and its status from stream 1's HEADERS; requests whose upgrade the server ignored
stay HTTP/1.1. Truth: the server's own log (http2-upgrade.server.log) and curl's -w lines
(http2-upgrade.client.txt); tshark (http2 decode-as on port 8080, out-of-order reassembly)
as a second opinion on the methods and the HTTP/2 statuses."""
import base64
import collections
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, project_root, read_truth, wiretab_json  # noqa: E402

t = Tap()
caps = os.path.join(project_root(), "captures")
cap = os.path.join(caps, "http2-upgrade.pcap")
kv, methods, statuses, versions = read_truth(os.path.join(caps, "http2-upgrade.truth.txt"))
versions = {{"HTTP/2.0": "2", "HTTP/1.1": "1.1"}[v]: n for v, n in versions.items()}
# conn stream method path status protocol
server = [l.split() for l in open(os.path.join(caps, "http2-upgrade.server.log")) if l.strip()]
# status http_version method url
client = [l.split() for l in open(os.path.join(caps, "http2-upgrade.client.txt")) if l.strip()]
t.eq(sorted((c[2], c[0], c[1]) for c in client),
     sorted((s[2], s[4], {"HTTP/2.0": "2", "HTTP/1.1": "1.1"}[s[5]]) for s in server),
     "the truth agrees with itself: curl's (method, status, version) equal the server's lines")

logs = tempfile.mkdtemp(prefix="wt-h2u-")
rep = wiretab_json(["-r", cap, "--log-dir", logs])
h, h2 = rep["http"], rep["http2"]
rows = [json.loads(l) for l in open(os.path.join(logs, "http.log"))]
conns = [json.loads(l) for l in open(os.path.join(logs, "conn.log"))]
shutil.rmtree(logs, ignore_errors=True)
upgraded = int(kv["upgraded_connections"])

t.eq(rep["capture"]["packets"], int(kv["frames"]), "frames equal the truth file's")
t.eq(h["requests"], int(kv["requests"]), "requests equal the server's lines: each once")
t.eq(h["methods"], methods, "methods equal the server's (HTTP/1.1 request lines)")
t.eq({k: v for k, v in h["status_codes"].items() if k != "101"}, statuses,
     "final status codes equal the server's (stream 1's HEADERS for the upgraded)")
t.eq(h["status_codes"].get("101"), upgraded, "one 101 per upgraded connection")
t.eq((h["interim"], h["final_responses"]), (upgraded, int(kv["requests"])),
     "the 101s are interim; one final response per request")
t.eq({r["version"]: r["count"] for r in h["versions"]}, versions,
     "versions: upgraded connections' requests are HTTP/2, the ignored upgrade's HTTP/1.1")
t.eq(h["upgrades"], upgraded, "protocol upgrades (101) equal the server's upgraded connections")
t.eq((h["unanswered"], h["incomplete"]), (0, 0), "every request answered and complete")
# per transaction: (method, path, status, version, stream) as the server logged them
want = collections.Counter(
    (s[2], s[3], int(s[4]), {"HTTP/2.0": "2", "HTTP/1.1": "1.1"}[s[5]],
     int(s[1]) if s[1] != "-" else None) for s in server)
got = collections.Counter((r.get("method"), r.get("uri"), r.get("status_code"), r.get("version"),
                           r.get("stream_id")) for r in rows)
t.eq(dict(got), dict(want), "http.log: (method, uri, status, version, stream id) equal the server's")
t.eq(sorted(r.get("info_code") for r in rows if r.get("stream_id") == 1), [101] * upgraded,
     "http.log: stream 1 of each upgraded connection has info_code 101")
t.eq(collections.Counter(c.get("service") for c in conns if c.get("id.resp_p") == 8080),
     collections.Counter({"http,http2": upgraded,
                          "http": int(kv["connections"]) - upgraded}),
     "conn.log: upgraded connections are http,http2")
t.eq(h2["connections"], upgraded, "http2: connections")
t.eq(h2["upgrades"], upgraded, "http2: connections upgraded from HTTP/1.1")
t.eq(h2["streams"], versions["2"], "http2: one stream per HTTP/2 request (stream 1 included)")
t.eq((h2["hpack_desync"], h2["streams_undecoded"]), (0, 0), "http2: every header block decoded")
t.eq({k: v for k, v in rep["anomalies"].items() if k.startswith("http")}, {},
     "no http or http2 anomalies")

# --threads: the hand-over happens inside each worker
thr = wiretab_json(["-r", cap, "--threads", "3"])
for k in ("methods", "status_codes", "versions", "requests"):
    t.eq(thr["http"][k], h[k], "--threads 3: http %s as with one thread" % k)

if shutil.which("tshark") and shutil.which("editcap"):
    # the capture cut right after the first 101 (found by tshark): no HTTP/2 follows, so
    # the upgraded request stays what the capture showed, an HTTP/1.1 GET answered 101
    first101 = subprocess.run(["tshark", "-n", "-r", cap, "-Y", "http.response.code == 101",
                               "-T", "fields", "-e", "frame.number"],
                              capture_output=True, text=True).stdout.split()[0]
    work = tempfile.mkdtemp(prefix="wt-h2u-cut-")
    cut = os.path.join(work, "cut.pcap")
    subprocess.run(["editcap", "-F", "pcap", "-r", cap, cut, "1-" + first101], check=True)
    ch = wiretab_json(["-r", cut])["http"]
    t.eq((ch["requests"], ch["methods"], ch["status_codes"], ch["final_responses"],
          ch["upgrades"], {r["version"]: r["count"] for r in ch["versions"]}),
         (1, {"GET": 1}, {"101": 1}, 1, 1, {"1.1": 1}),
         "cut after the 101: one HTTP/1.1 GET answered 101, counted once")
    shutil.rmtree(work, ignore_errors=True)
else:
    t.skip("the capture cut after the 101", "tshark or editcap not installed")

if shutil.which("tshark"):
    def tshark_values(field):
        p = subprocess.run(["tshark", "-n", "-r", cap, "-o", "tcp.reassemble_out_of_order:TRUE",
                            "-Y", field, "-T", "fields", "-e", field],
                           capture_output=True, text=True)
        c = collections.Counter()
        for line in p.stdout.split():
            for v in line.split(","):
                c[v] += 1
        return c
    # tshark follows the upgrade itself (its http dissector hands off to http2 after 101)
    ts_methods = tshark_values("http.request.method") + tshark_values("http2.headers.method")
    t.eq(dict(ts_methods), h["methods"], "tshark: HTTP/1.1 request lines + HTTP/2 :method")
    ts_status = tshark_values("http.response.code") + tshark_values("http2.headers.status")
    t.eq(dict(ts_status), h["status_codes"], "tshark: HTTP/1.1 status lines (101s) + HTTP/2 :status")
    # the client's first SETTINGS travel in the upgrade request (HTTP2-Settings, base64url):
    # "settings sent" counts them with the SETTINGS frames tshark decodes
    lines = subprocess.run(["tshark", "-n", "-r", cap, "-Y", "http.request", "-T", "fields",
                            "-e", "http.request.line"], capture_output=True, text=True).stdout
    values = set(re.findall(r"HTTP2-Settings: ([A-Za-z0-9_-]+)", lines))
    t.eq(len(values), 1, "tshark: curl sent one HTTP2-Settings value")
    names = {2: "ENABLE_PUSH", 3: "MAX_CONCURRENT_STREAMS", 4: "INITIAL_WINDOW_SIZE"}
    raw = base64.urlsafe_b64decode(next(iter(values)) + "==")
    from_header = collections.Counter(
        "%s=%d" % (names[i], v) for i, v in (struct.unpack("!HI", raw[k:k + 6])
                                             for k in range(0, len(raw), 6)))
    frames = subprocess.run(["tshark", "-n", "-r", cap, "-o", "tcp.reassemble_out_of_order:TRUE",
                             "-Y", "http2.type == 4", "-T", "fields", "-E", "aggregator=|",
                             "-e", "http2.settings.enable_push",
                             "-e", "http2.settings.max_concurrent_streams",
                             "-e", "http2.settings.initial_window_size"],
                            capture_output=True, text=True).stdout
    want = collections.Counter({k: n * upgraded for k, n in from_header.items()})
    for line in frames.splitlines():
        for name, vals in zip((names[2], names[3], names[4]), line.split("\t")):
            for v in filter(None, vals.split("|")):
                want["%s=%s" % (name, v)] += 1
    got = {r["setting"]: r["count"] for r in h2["settings"] if r["setting"] in want}
    t.eq(got, dict(want), "settings: SETTINGS frames (tshark) plus HTTP2-Settings of each "
         "upgraded request")
else:
    t.skip("tshark's view of the upgrade", "tshark not installed")
t.done()
