#!/usr/bin/env python3
"""Lossy captures (capture loss, tests/fidelity/lossy): wiretab against the server's access log and against
counts taken from the capture by an independent reader (scripts/record/http-startlines.py,
stored beside each capture as NAME.counts.json; not wiretab).

For each tests/fidelity/lossy/NAME.pcap (recorded by scripts/record/lossy-http-record.sh
with a tiny kernel capture buffer: the capture has gaps, TCP itself lost nothing):
- responses counted == server->client segments that begin with a status line, in total and
  per status code (the target: 100%);
- per status code, never more than nginx logged;
- zero paired (method, uri, status) transactions in http.log that nginx did not log on that
  connection (client port), counted as a multiset: a triple logged once and reported twice
  is one too many;
- methods counted == client->server segments that begin with a request line, per method.
Each check prints the numbers as TAP diagnostics (`# ...`), also when it passes.

Registered in meson as golden-lossy.

    lossy.py [DIR]      (WIRETAB names the binary, or give it as the first argument)
"""
import collections
import glob
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run_wiretab, project_root  # noqa: E402

t = Tap()
args = [a for a in sys.argv[1:] if not a.endswith("wiretab")]
if len(args) != len(sys.argv[1:]) and not os.environ.get("WIRETAB"):
    os.environ["WIRETAB"] = [a for a in sys.argv[1:] if a.endswith("wiretab")][0]
folder = args[0] if args else os.path.join(project_root(), "tests", "fidelity", "lossy")
counts_files = sorted(glob.glob(os.path.join(folder, "*.counts.json")))
if not counts_files:
    t.skip_all("no *.counts.json in " + folder)
tmp = tempfile.mkdtemp(prefix="wt-lossy-")


def note(msg):
    for line in msg.splitlines():
        print("# " + line)


def read_jsonl(path):
    return [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []


for cf in counts_files:
    truth = json.load(open(cf))
    cap = os.path.join(folder, truth["capture"])
    name = truth["capture"]
    logs = os.path.join(tmp, name + ".logs")
    os.makedirs(logs, exist_ok=True)
    p = run_wiretab(["-r", cap, "--format", "json", "--log-dir", logs, "--top", "1000"])
    if not t.ok(p.returncode == 0, "%s: wiretab exits 0" % name, p.stderr):
        continue
    rep = json.loads(p.stdout)
    h = rep["http"]
    https = read_jsonl(os.path.join(logs, "http.log"))
    codes = {k: v for k, v in h["status_codes"].items() if not k.startswith("1")}
    seg_status = truth["totals"]["status_segments"]
    seg_methods = truth["totals"]["request_segments"]
    logged_status = truth["access_log"]["status"]
    logged_methods = truth["access_log"]["method"]
    note("%s: %d frames; nginx logged %d requests; the capture holds %d status-line segments "
         "(%d status lines anywhere), %d request-line segments; wiretab: %d requests, %d "
         "responses, %d unanswered, %d orphan responses, %d gaps, %d resyncs, missed_bytes %d"
         % (name, truth["frames"], truth["access_log"]["requests"], sum(seg_status.values()),
            sum(truth["totals"]["status_anywhere"].values()), sum(seg_methods.values()),
            h["requests"], h["final_responses"], h["unanswered"], h["orphan_responses"],
            h["gaps"], h["resyncs"], rep["tcp"]["anomalies"]["missed_bytes"]))

    # 1. every status line that begins a captured segment is counted
    got, want = sum(codes.values()), sum(seg_status.values())
    # where the difference is: connections whose http.log has fewer status codes than the
    # capture has status-line segments
    per_port = collections.Counter(r["id.orig_p"] for r in https if r.get("status_code"))
    short = ["  client port %s: http.log %d responses, capture %d status-line segments"
             % (port, per_port.get(int(port), 0), sum(c["status_segments"].values()))
             for port, c in sorted(truth["connections"].items())
             if per_port.get(int(port), 0) < sum(c.get("status_segments", {}).values())]
    t.ok(got == want, "%s: responses counted (%d) == segments beginning with a status line "
         "(%d): %.2f%%" % (name, got, want, 100.0 * got / want if want else 100),
         "\n".join(short[:12]))
    rows = ["  %s: wiretab %d, capture %d, nginx %d" % (c, codes.get(c, 0), seg_status.get(c, 0),
                                                         logged_status.get(c, 0))
            for c in sorted(set(codes) | set(seg_status) | set(logged_status))]
    if t.ok(codes == seg_status, "%s: responses per status code == status-line segments per code"
            % name, "\n".join(rows)):
        note("\n".join(rows))

    # 2. never more than the server logged, per status code
    over = {c: (n, logged_status.get(c, 0)) for c, n in codes.items() if n > logged_status.get(c, 0)}
    t.ok(not over, "%s: no status code counted more often than nginx logged it" % name,
         "over (wiretab, nginx): %r" % over)

    # 3. no paired transaction that nginx did not log on that connection
    logged = {int(port): collections.Counter(tuple(x) for x in c.get("logged", []))
              for port, c in truth["connections"].items()}
    paired = collections.defaultdict(collections.Counter)
    for r in https:
        if r.get("method") and r.get("status_code"):
            paired[r["id.orig_p"]][(r["method"], r.get("uri"), r["status_code"])] += 1
    n_paired = sum(sum(c.values()) for c in paired.values())
    bad, examples = 0, []
    for port, c in paired.items():
        for triple, n in c.items():
            extra = n - logged.get(port, collections.Counter())[triple]
            if extra > 0:
                bad += extra
                if len(examples) < 8:
                    examples.append("port %d: %s %s -> %s (x%d)" % ((port,) + triple + (extra,)))
    t.ok(bad == 0, "%s: paired (method, uri, status) nginx never logged on that connection: "
         "%d of %d (%.1f%%)" % (name, bad, n_paired, 100.0 * bad / n_paired if n_paired else 0),
         "\n".join(examples))

    # 4. methods counted == request lines captured
    methods = h["methods"]
    rows = ["  %s: wiretab %d, capture %d, nginx %d" % (m, methods.get(m, 0), seg_methods.get(m, 0),
                                                         logged_methods.get(m, 0))
            for m in sorted(set(methods) | set(seg_methods) | set(logged_methods))]
    if t.ok(methods == seg_methods, "%s: methods counted (%d) == segments beginning with a "
            "request line (%d)" % (name, sum(methods.values()), sum(seg_methods.values())),
            "\n".join(rows)):
        note("\n".join(rows))

shutil.rmtree(tmp, ignore_errors=True)
t.done()
