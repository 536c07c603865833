#!/usr/bin/env python3
"""A lossy h2c capture (captures/http2-lossy.pcap: nginx and h2load, tcpdump with a tiny
kernel buffer dropped frames while TCP lost nothing, so nginx's access log is the truth of
what was sent). Never more requests or responses than nginx logged, per connection no
(method, uri, status) nginx did not log, the HPACK desynchronisation counted instead of
guessed, and the framing found again after gaps over frame headers."""
import collections
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, project_root, read_truth, wiretab_json  # noqa: E402

t = Tap()
caps = os.path.join(project_root(), "captures")
cap = os.path.join(caps, "http2-lossy.pcap")
kv, methods, statuses, _ = read_truth(os.path.join(caps, "http2-lossy.truth.txt"))
# method status uri body_bytes_sent connection connection_requests request_length
# bytes_sent protocol client_port completion
access = [l.split() for l in open(os.path.join(caps, "http2-lossy.access.log")) if l.strip()]

logs = tempfile.mkdtemp(prefix="wt-h2l-")
rep = wiretab_json(["-r", cap, "--log-dir", logs])
h, h2 = rep["http"], rep["http2"]
rows = [json.loads(l) for l in open(os.path.join(logs, "http.log"))]
shutil.rmtree(logs, ignore_errors=True)

t.eq(rep["capture"]["packets"], int(kv["frames"]), "frames equal the truth file's")
t.ok(int(kv["dropped_by_kernel"]) > 0, "the recording lost frames (tcpdump's own count)",
     kv["dropped_by_kernel"])
t.ok(0 < h["requests"] <= int(kv["requests"]), "requests: some, never more than nginx logged",
     (h["requests"], kv["requests"]))
t.eq([m for m, n in h["methods"].items() if n > methods.get(m, 0)], [],
     "no method counted more often than nginx logged it")
t.eq([s for s, n in h["status_codes"].items() if n > statuses.get(s, 0)], [],
     "no status code counted more often than nginx logged it")
want = collections.Counter((int(a[9]), a[0], int(a[1]), a[2]) for a in access)
seen = collections.Counter((r["id.orig_p"], r.get("method"), r["status_code"], r.get("uri"))
                           for r in rows if "status_code" in r)
t.eq([k for k in seen if seen[k] > want[k]], [],
     "per connection: no (method, status, uri) nginx did not log")
wreq = collections.Counter((int(a[9]), a[0], a[2]) for a in access)
sreq = collections.Counter((r["id.orig_p"], r.get("method"), r.get("uri")) for r in rows
                           if r.get("method") not in (None, "-"))
t.eq([k for k in sreq if sreq[k] > wreq[k]], [], "per connection: no request nginx did not log")
t.ok(h2["hpack_desync"] > 0, "header blocks after a gap counted as undecodable (hpack_desync)",
     h2["hpack_desync"])
t.eq(rep["anomalies"].get("http2.hpack_desync"), h2["hpack_desync"], "... and as the anomaly")
t.ok(h2["framing_lost"] > 0, "gaps over frame headers counted", h2["framing_lost"])
t.ok(h2["resyncs"] > 0 and h2["resyncs"] <= h2["framing_lost"],
     "framing found again after such gaps, at most once each", (h2["resyncs"], h2["framing_lost"]))
t.eq(h["unanswered"], 0, "requests whose answer the capture lost are not 'unanswered'")
t.ok(h["answer_not_captured"] > 0, "answers not captured counted", h["answer_not_captured"])
t.ok(h2["gaps"] > 0 and h["gaps"] == h2["gaps"], "gaps counted in http2 and in http",
     (h2["gaps"], h["gaps"]))
t.done()
