#!/usr/bin/env python3
"""--follow writes the reassembled streams; they must equal tshark's "follow,tcp,raw" of the
same connection, byte for byte, in both directions, also when the capture's segments were
rewritten out of order, duplicated and overlapping. --explain draws the ladder with both
endpoints' states, ending as the scenario's own account says."""
import glob
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run_wiretab, project_root  # noqa: E402

t = Tap()
root = project_root()
if subprocess.run(["which", "tshark"], capture_output=True).returncode != 0:
    t.skip_all("tshark not installed")


def tshark_follow(cap, stream):
    """(client bytes, server bytes) of tcp.stream `stream` per tshark."""
    out = subprocess.run(["tshark", "-r", cap, "-o", "tcp.reassemble_out_of_order:TRUE",
                          "-q", "-z", "follow,tcp,raw,%d" % stream],
                         capture_output=True, text=True).stdout
    node0 = None
    data = {0: b"", 1: b""}
    for line in out.splitlines():
        if line.startswith("Node 0: "):
            node0 = line[8:]
        if not line or line[0] not in "\t0123456789abcdef" or line.startswith("="):
            continue
        side = 1 if line.startswith("\t") else 0
        data[side] += bytes.fromhex(line.strip())
    return node0, data[0], data[1]


def check_follow(cap, label, reference=None):
    """wiretab --follow on `cap` against tshark's follow of `reference` (default: cap)."""
    tmp = tempfile.mkdtemp(prefix="wt-follow-")
    p = run_wiretab(["-r", cap, "--follow", "tcp", "--follow-dir", tmp, "-q", "--format", "json"])
    t.eq(p.returncode, 0, "%s: --follow runs" % label)
    files = sorted(os.listdir(tmp))
    streams = {}
    for f in files:
        # UID-orig_addr.port-resp_addr.port : bytes sent by the first endpoint
        uid, sender, receiver = f.split("-")
        streams.setdefault(uid, {})[sender] = open(os.path.join(tmp, f), "rb").read()
    ref = reference or cap
    n = int(subprocess.run(["tshark", "-r", ref, "-T", "fields", "-e", "tcp.stream"],
                           capture_output=True, text=True).stdout.split()[-1]) + 1
    got = set()
    for k, v in streams.items():
        for sender, data in v.items():
            got.add((sender, data))
    want = set()
    for s in range(n):
        node0, c, sbytes = tshark_follow(ref, s)
        if node0 is None:
            continue
        host, port = node0.rsplit(":", 1)
        want.add(("%s.%s" % (host, port), c))
        # the server side: find the other endpoint's name from wiretab's file names
        other = [snd for (snd, d) in got if d == sbytes and snd != "%s.%s" % (host, port)]
        want.add((other[0] if other else "?", sbytes))
    missing = [(s, len(d)) for (s, d) in want if (s, d) not in got and d]
    t.ok(not missing, "%s: every non-empty direction equals tshark's follow,tcp,raw (%d streams)"
         % (label, n), "missing or different: %r" % missing[:5])


cap = os.path.join(root, "captures", "http-edge-python.pcap")
check_follow(cap, "http-edge-python")
rewrite = os.path.join(root, "tests", "tools", "rewrite-capture.py")
tmp = tempfile.mkdtemp(prefix="wt-follow-rw-")
out = os.path.join(tmp, "all.pcap")
r = subprocess.run([sys.executable, rewrite, "all", cap, out, "--seed", "5"],
                   capture_output=True, text=True)
if t.ok(r.returncode == 0, "rewrite 'all' of http-edge-python", r.stderr):
    # the rewritten capture must give the bytes tshark finds in the ORIGINAL capture
    check_follow(out, "http-edge-python rewritten (reordered, duplicated, overlapping)",
                 reference=cap)

# --overlap-policy on Zeek's reassembly trace: its weird.out baseline lists the
# inconsistent retransmissions as (first copy, second copy); the first policy keeps the
# first copies in the followed stream, the last policy replaces them with the second ones.
shared = os.environ.get("WT_SHARED_CAPTURES", "")
overlap = os.path.join(shared, "zeek-tcp-reassembly-overlap.pcap")
if os.path.exists(overlap):
    streams = {}
    for pol in ("first", "last"):
        d = tempfile.mkdtemp(prefix="wt-overlap-%s-" % pol)
        p = run_wiretab(["-r", overlap, "--overlap-policy", pol, "--follow", "port 2564",
                         "--follow-dir", d, "-q", "--format", "json"])
        t.eq(p.returncode, 0, "--overlap-policy %s runs" % pol)
        streams[pol] = b"".join(open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d)))
        import json as _json
        t.ok(_json.loads(p.stdout)["anomalies"].get("tcp.overlap_conflict", 0) > 0,
             "--overlap-policy %s: conflicts counted (tcp.overlap_conflict)" % pol)
    for first_copy, second_copy in ((b"dgphrodofqhq", b"orgmmpelofil"),
                                    (b"lenhfdqhqfgs", b"dfpqssidkpdg")):
        t.ok(first_copy in streams["first"] and first_copy not in streams["last"],
             "first keeps Zeek's first copy %s, last does not" % first_copy.decode())
        t.ok(streams["last"].count(second_copy) > streams["first"].count(second_copy),
             "last takes Zeek's second copy %s" % second_copy.decode())
else:
    t.skip("--overlap-policy on zeek-tcp-reassembly-overlap.pcap", "no shared captures")

# --explain: the ladder for a client-closed connection ends with the client in
# TIME-WAIT and the server CLOSED (the scenario's truth: closed_by client, fin_both yes)
truth = dict(l.split(" ", 1) for l in open(os.path.join(root, "captures", "tcp-close-client.truth.txt")).read().splitlines()
             if l and not l.startswith("#"))
p = run_wiretab(["-r", os.path.join(root, "captures", "tcp-close-client.pcap"), "--explain", "tcp",
                 "--format", "json"])
lines = p.stdout.splitlines()
ladder = [l for l in lines if "-->" in l or "<--" in l]
t.eq(len(ladder), int(truth["frames"]), "--explain: one ladder line per segment")
t.ok(ladder and "SYN" in ladder[0] and "SYN-SENT" in ladder[0] and "LISTEN" in ladder[0],
     "--explain: starts SYN, client SYN-SENT, server LISTEN", ladder[:1])
t.eq(truth.get("closed_by"), "client", "truth: the client closed first")
t.ok(ladder and ladder[-1].split()[-2:] == ["TIME-WAIT", "CLOSED"],
     "--explain: ends client TIME-WAIT, server CLOSED", ladder[-1:])
p = run_wiretab(["-r", os.path.join(root, "captures", "tcp-close-client.pcap"), "--explain", "host 1.2.3"])
t.ok(p.returncode == 1 and "1.2.3" in p.stderr, "--explain with a bad filter is a usage error", p.stderr)
t.done()
