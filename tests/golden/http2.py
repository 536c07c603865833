#!/usr/bin/env python3
"""HTTP/2 in the clear (captures/http2-h2c.pcap, h2c with prior knowledge): the HTTP tables
and http.log equal nginx's access log (http2-h2c.access.log, $server_protocol HTTP/2.0 on
every line) and its counts (http2-h2c.truth.txt), per client connection too; the same with
--threads; and tshark's http2 dissector (decode-as for port 8080) finds the same methods and
status codes."""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, project_root, read_truth, wiretab_json  # noqa: E402

t = Tap()
caps = os.path.join(project_root(), "captures")
cap = os.path.join(caps, "http2-h2c.pcap")
kv, methods, statuses, versions = read_truth(os.path.join(caps, "http2-h2c.truth.txt"))
# method status uri body_bytes_sent connection connection_requests request_length
# bytes_sent protocol client_port completion
access = [l.split() for l in open(os.path.join(caps, "http2-h2c.access.log")) if l.strip()]

logs = tempfile.mkdtemp(prefix="wt-h2-")
rep = wiretab_json(["-r", cap, "--log-dir", logs])
h, h2 = rep["http"], rep["http2"]
rows = [json.loads(l) for l in open(os.path.join(logs, "http.log"))]

t.eq(rep["capture"]["packets"], int(kv["frames"]), "frames equal the truth file's")
t.eq(h["requests"], int(kv["requests"]), "requests equal nginx's log lines")
t.eq(h["methods"], methods, "methods equal nginx's")
t.eq({k: v for k, v in h["status_codes"].items() if not k.startswith("1")}, statuses,
     "final status codes equal nginx's")
t.eq({r["version"]: r["count"] for r in h["versions"]}, {"2": versions["HTTP/2.0"]},
     "the version breakdown: every transaction HTTP/2, as $server_protocol says")
t.eq(h["incomplete"], int(kv["incomplete"]), "incomplete transactions")
t.eq(h["response_body_bytes"], int(kv["body_bytes_sent"]),
     "response body bytes (DATA without padding) equal nginx's $body_bytes_sent")
t.eq(len(rows), int(kv["requests"]), "http.log: one line per request")
t.ok(all(r.get("version") == "2" for r in rows), "http.log: version 2 on every line")
t.ok(all(isinstance(r.get("stream_id"), int) and r["stream_id"] % 2 == 1 for r in rows),
     "http.log: every line has its (odd, client-initiated) stream id")
per_uid = collections.Counter(r["uid"] for r in rows)
t.eq(len(per_uid), int(kv["connections"]), "connections carrying requests equal nginx's")
t.eq(max(per_uid.values()), int(kv["max_requests_per_connection"]),
     "most requests on one connection")
# per client connection (nginx's $remote_port = id.orig_p): the same transactions
want = collections.defaultdict(collections.Counter)
for a in access:
    want[int(a[9])][(a[0], int(a[1]), a[2])] += 1
got = collections.defaultdict(collections.Counter)
for r in rows:
    got[r["id.orig_p"]][(r.get("method"), r.get("status_code"), r.get("uri"))] += 1
t.eq(dict(got), dict(want), "per connection: http.log's (method, status, uri) equal nginx's lines")
bodies = collections.Counter()
for a in access:
    bodies[int(a[9])] += int(a[3])
got_bodies = collections.Counter()
for r in rows:
    got_bodies[r["id.orig_p"]] += r.get("response_body_len", 0)
t.eq(dict(got_bodies), dict(bodies), "per connection: response bodies equal nginx's $body_bytes_sent")
t.eq(h2["streams"], int(kv["requests"]), "http2: one stream per request")
t.eq((h2["hpack_desync"], h2["streams_untracked"], h2["streams_undecoded"]), (0, 0, 0),
     "http2: every header block decoded")
t.eq(h2["connections"], int(kv["connections"]), "http2: connections")
t.eq(h2["frame_types"]["HEADERS"], 2 * int(kv["requests"]),
     "http2: one HEADERS frame per request and per response")
t.eq({k: v for k, v in rep["anomalies"].items() if k.startswith("http")}, {},
     "no http or http2 anomalies")
shutil.rmtree(logs, ignore_errors=True)

# --threads: every worker's registry links its HTTP/2 tap to its HTTP tap
thr = wiretab_json(["-r", cap, "--threads", "3"])
for k in ("methods", "status_codes", "versions", "hosts", "uris", "requests"):
    t.eq(thr["http"][k], h[k], "--threads 3: http %s as with one thread" % k)
t.eq(thr["http2"]["frame_types"], h2["frame_types"], "--threads 3: http2 frames by type")

# capture loss: every 37th frame from frame 40 on deleted. Never more than nginx logged, no
# (method, status, uri) nginx did not log on that connection, lost answers counted as such
if shutil.which("editcap"):
    work = tempfile.mkdtemp(prefix="wt-h2-lossy-")
    lossy = os.path.join(work, "lossy.pcap")
    subprocess.run(["editcap", cap, lossy] + [str(n) for n in range(40, 1853, 37)], check=True)
    lrep = wiretab_json(["-r", lossy, "--log-dir", work])
    lh = lrep["http"]
    lrows = [json.loads(l) for l in open(os.path.join(work, "http.log"))]
    t.ok(lh["requests"] <= int(kv["requests"]), "lossy: no more requests than nginx logged",
         lh["requests"])
    want = collections.Counter((int(a[9]), a[0], int(a[1]), a[2]) for a in access)
    seen = collections.Counter((r["id.orig_p"], r.get("method"), r["status_code"], r.get("uri"))
                               for r in lrows if "status_code" in r)
    t.eq([k for k in seen if seen[k] > want[k]], [], "lossy: no invented (method, status, uri)")
    t.eq(lh["unanswered"], 0, "lossy: requests whose answer the capture lost are not 'unanswered'")
    t.ok(lh["answer_not_captured"] > 0 and lh["gaps"] > 0, "lossy: answers not captured counted",
         (lh.get("answer_not_captured"), lh["gaps"]))
    t.ok(lrep["http2"]["gaps"] > 0, "lossy: http2 gaps counted")
    shutil.rmtree(work, ignore_errors=True)
else:
    t.skip("lossy h2c", "editcap not installed")

if shutil.which("tshark"):
    def tshark_counts(field):
        p = subprocess.run(["tshark", "-n", "-r", cap, "-o", "tcp.reassemble_out_of_order:TRUE",
                            "-d", "tcp.port==8080,http2", "-Y", field, "-T", "fields", "-e", field],
                           capture_output=True, text=True)
        c = collections.Counter()
        for line in p.stdout.split():
            for v in line.split(","):
                c[v] += 1
        return dict(c)
    t.eq(tshark_counts("http2.headers.method"), h["methods"], "tshark's http2 methods")
    t.eq(tshark_counts("http2.headers.status"), h["status_codes"], "tshark's http2 status codes")
else:
    t.skip("tshark's http2 methods and status codes", "tshark not installed")
t.done()
