#!/usr/bin/env python3
"""HTTPS read with its key log (captures/tls-decrypt.pcap, curl's SSLKEYLOGFILE
tls-decrypt.keylog): the HTTP tables equal nginx's access log (tls-decrypt.access.log,
counted in tls-decrypt.truth.txt) per scheme, version, method and status; the TLS section's
sessions by version and cipher suite equal nginx's $ssl_protocol/$ssl_cipher per connection;
tshark (-o tls.keylog_file:) agrees request by request, also with a key log missing half the
sessions (those are reported "no key"). SSLKEYLOGFILE is used without --tls-keylog; a
world-readable key log is warned about; no secret appears in any output."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, project_root, run_wiretab, wiretab_json  # noqa: E402

t = Tap()
caps = os.path.join(project_root(), "captures")
cap = os.path.join(caps, "tls-decrypt.pcap")
truth = Counter()
for line in open(os.path.join(caps, "tls-decrypt.truth.txt")):
    if line.startswith("#") or not line.strip():
        continue
    parts = line.split()
    if parts[-1].isdigit():
        truth[tuple(parts[:-1])] = int(parts[-1])

# OpenSSL's names (nginx's $ssl_cipher) -> the IANA names the report uses (RFC 8446 B.4,
# RFC 5289, RFC 7905, RFC 4492)
IANA = {
    "TLS_AES_128_GCM_SHA256": "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384": "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256": "TLS_CHACHA20_POLY1305_SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305": "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "ECDHE-RSA-AES128-SHA": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "ECDHE-RSA-AES256-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "ECDHE-RSA-AES128-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
}

tmp = tempfile.mkdtemp(prefix="wt-tlsdec-")
keylog = os.path.join(tmp, "keylog")
shutil.copy(os.path.join(caps, "tls-decrypt.keylog"), keylog)
os.chmod(keylog, 0o600)
logdir = os.path.join(tmp, "logs")
os.mkdir(logdir)

p = run_wiretab(["-r", cap, "--tls-keylog", keylog, "--format", "json", "--log-dir", logdir])
t.eq(p.returncode, 0, "wiretab decrypts the capture with --tls-keylog")
t.eq(p.stderr, "", "a key log only its owner reads: no warning")
rep = json.loads(p.stdout)
http, tls = rep["http"], rep["tls"]
t.eq(http["requests"], truth[("requests",)], "HTTP requests: nginx's access log, http and https")
t.eq(http["status_codes"], {k[1]: v for k, v in truth.items() if k[0] == "status"}, "statuses as nginx logged them")
t.eq(http["methods"],
     {k[1]: v for k, v in truth.items() if k[0] == "method"}, "methods as nginx logged them")
t.eq({r["scheme"]: r["count"] for r in http["schemes"]},
     {k[1]: v for k, v in truth.items() if k[0] == "scheme"}, "transactions by scheme (nginx's $scheme)")
t.eq({r["version"]: r["count"] for r in http["versions"]},
     {{"HTTP/1.1": "1.1", "HTTP/2.0": "2"}[k[1]]: v for k, v in truth.items() if k[0] == "version"},
     "transactions by version (nginx's $server_protocol)")
want_sessions = Counter()
for k, v in truth.items():
    if k[0] == "tls_session":
        want_sessions[(k[1].replace("TLSv", "TLS "), IANA[k[2]])] += v
t.eq({(r["version"], r["cipher_suite"]): r["sessions"] for r in tls["sessions"]}, dict(want_sessions),
     "TLS sessions by version and cipher suite (nginx's $ssl_protocol, $ssl_cipher per connection)")
t.eq({(r["version"], r["cipher_suite"]): r["decrypted"] for r in tls["sessions"]}, dict(want_sessions),
     "every session decrypted")
t.eq(tls["sessions_decrypted"], truth[("tls_connections",)], "sessions decrypted: every TLS connection")
t.eq(sum(tls["not_decrypted"].values()), 0, "no session left encrypted")
t.eq(tls["decrypt_failed"], 0, "every record authenticated")
if shutil.which("tshark"):
    hrr = subprocess.run(["tshark", "-r", cap, "-d", "tcp.port==8443,tls", "-Y",
                          "tls.handshake.random == cf:21:ad:74:e5:9a:61:11:be:1d:8c:02:1e:65:b8:91:"
                          "c2:a2:11:16:7a:bb:8c:5e:07:9e:09:e2:c8:a8:33:9c", "-T", "fields", "-e", "frame.number"],
                         capture_output=True, text=True).stdout.split()
    t.ok(len(hrr) > 0 and tls["hello_retries"] == len(hrr),
         "HelloRetryRequests as tshark finds them (the session after one is decrypted too)", (tls["hello_retries"], hrr))
else:
    t.skip("HelloRetryRequests against tshark", "tshark not installed")

# http.log: the tls field on exactly the https transactions, each matching tshark's view
lines = [json.loads(x) for x in open(os.path.join(logdir, "http.log"))]
t.eq(sum(1 for x in lines if x.get("tls")), truth[("scheme", "https")], "http.log: tls on every https line")
t.eq(sum(1 for x in lines if "tls" not in x), truth[("scheme", "http")], "http.log: no tls on plain http")

# conn.log's service on a decrypted connection names both layers: "tls,http" / "tls,http2"
# (Zeek, which cannot read it, writes "ssl,http"; our TLS is "tls" everywhere). Truth: the
# connections nginx served requests on ($connection), by $scheme and $server_protocol.
served = set()
for line in open(os.path.join(caps, "tls-decrypt.access.log")):
    f = line.split()  # method status uri bytes connection request version scheme ...
    served.add((f[4], f[7], f[6]))
want_services = Counter(("tls," if scheme == "https" else "") +
                        ("http2" if version == "HTTP/2.0" else "http")
                        for _, scheme, version in served)
conns = [json.loads(x) for x in open(os.path.join(logdir, "conn.log"))]
t.eq(dict(Counter(c.get("service") for c in conns if "http" in (c.get("service") or ""))),
     dict(want_services), "conn.log service: tls,http / tls,http2 on the decrypted connections "
     "nginx served requests on, http on the plain ones")


def tshark_requests(kl):
    """(method, uri, status) of every transaction tshark decrypts with the key log kl."""
    out = subprocess.run(["tshark", "-r", cap, "-o", "tls.keylog_file:" + kl, "-Y",
                          "(http.response or http2.headers.status) and tls", "-T", "fields",
                          "-e", "http.request.method", "-e", "http.request.uri",
                          "-e", "http.response.code", "-e", "http2.headers.status",
                          "-e", "tcp.stream", "-e", "http2.streamid"],
                         capture_output=True, text=True).stdout
    got, streams = Counter(), set()
    for line in out.splitlines():
        f = line.split("\t")
        got[f[2] or f[3]] += 1
        streams.add(f[4])
    return got, streams


if shutil.which("tshark"):
    t.eq(Counter(str(x["status_code"]) for x in lines if x.get("tls")), tshark_requests(keylog)[0],
         "https statuses equal tshark's decryption with the same key log")
else:
    t.skip("https statuses equal tshark's", "tshark not installed")

# the server certificate (subject and issuer, from the encrypted TLS 1.3 handshake too):
# as many as tshark finds Certificate messages, naming what the recording script's
# `openssl req -subj` put in (self-signed: issuer = subject)
def tshark_certificates(kl):
    args = ["tshark", "-r", cap, "-Y", "tls.handshake.type == 11", "-T", "fields", "-e", "tcp.stream"]
    if kl:
        args[3:3] = ["-o", "tls.keylog_file:" + kl]
    return len(subprocess.run(args, capture_output=True, text=True).stdout.split())


certs = tls.get("certificates", [])
t.eq([(c["subject"], c["issuer"]) for c in certs],
     [("O=wiretab test,CN=shop.example.test", "O=wiretab test,CN=shop.example.test")],
     "server certificate subject and issuer as openssl req made them")
if shutil.which("tshark"):
    t.eq(sum(c["count"] for c in certs), tshark_certificates(keylog),
         "certificates read: every Certificate message tshark decrypts (TLS 1.3's encrypted ones too)")
    nokey = wiretab_json(["-r", cap])["tls"].get("certificates", [])
    t.eq(sum(c["count"] for c in nokey), tshark_certificates(None),
         "without a key log: the certificates sent in the clear (TLS 1.2), as tshark")
else:
    t.skip("certificates against tshark", "tshark not installed")

# a key log with every other session's secrets removed
randoms = []
for line in open(keylog):
    f = line.split()
    if len(f) == 3 and f[1] not in randoms:
        randoms.append(f[1])
dropped = set(randoms[1::2])
half = os.path.join(tmp, "half.keylog")
with open(half, "w") as out:
    for line in open(keylog):
        f = line.split()
        if len(f) == 3 and f[1] not in dropped:
            out.write(line)
os.chmod(half, 0o600)
rep_half = wiretab_json(["-r", cap, "--tls-keylog", half])
dark = rep_half["tls"]["not_decrypted"]
t.eq(dark["no_key"] + rep_half["tls"]["sessions_decrypted"], truth[("tls_connections",)],
     "half the key log: every session is decrypted or says no key")
t.eq(sum(dark.values()), dark["no_key"], "... and no other reason")
t.ok(dark["no_key"] <= len(dropped) and dark["no_key"] >= len(dropped) - truth[("tls_resumed",)],
     "no key: the dropped sessions but those that resume a session whose key is there", dark)
if shutil.which("tshark"):
    statuses, streams = tshark_requests(half)
    t.eq(rep_half["http"]["requests"] - truth[("scheme", "http")], sum(statuses.values()),
         "half the key log: the https requests tshark reads with it, exactly")
    t.eq(rep_half["tls"]["sessions_decrypted"], len(streams),
         "half the key log: the sessions tshark decrypts (resumed ones by ticket or session id too)")
else:
    t.skip("half the key log against tshark", "tshark not installed")

# SSLKEYLOGFILE without --tls-keylog, and the warning for a key log anyone may read
env = dict(os.environ, SSLKEYLOGFILE=keylog)
p = run_wiretab(["-r", cap, "--format", "json"], env=env)
t.eq(json.loads(p.stdout)["http"]["requests"], truth[("requests",)], "SSLKEYLOGFILE is used when no option names a key log")
os.chmod(keylog, 0o644)
p = run_wiretab(["-r", cap, "--tls-keylog", keylog, "--format", "json"])
t.ok(p.returncode == 0 and "readable by every user" in p.stderr and p.stderr.count("\n") == 1,
     "a world-readable key log: one warning line, and the run goes on", p.stderr)
p_bad = run_wiretab(["-r", cap, "--tls-keylog", os.path.join(tmp, "missing.keylog")])
t.ok(p_bad.returncode != 0 and "missing.keylog" in p_bad.stderr and p_bad.stderr.count("\n") == 1,
     "a key log that cannot be read: one line naming it, non-zero exit", p_bad.stderr)

# secrets never leave the key log
secrets = set()
for line in open(keylog):
    f = line.split()
    if len(f) == 3:
        secrets.add(f[2].lower())
outputs = [p.stdout, p.stderr]
for fmt in ("text", "csv", "html"):
    outputs.append(run_wiretab(["-r", cap, "--tls-keylog", keylog, "--format", fmt]).stdout)
for name in os.listdir(logdir):
    outputs.append(open(os.path.join(logdir, name)).read())
blob = "\n".join(outputs).lower()
t.ok(not any(s in blob or s[:32] in blob for s in secrets), "no secret in any report format, log or message")

# capture loss inside the first connection's server stream (TLS 1.3, http/1.1, /big.txt in
# 16 KiB records). Record boundaries from tshark's own reassembly of the stream; segments
# from its TCP view; frames dropped with editcap.
def server_records_and_segments(stream):
    follow = subprocess.run(["tshark", "-r", cap, "-q", "-z", "follow,tcp,raw,%d" % stream],
                            capture_output=True, text=True).stdout
    server = bytes.fromhex("".join(l.strip() for l in follow.splitlines() if l.startswith("\t")))
    starts, pos = [], 0
    while pos + 5 <= len(server):
        starts.append((pos, pos + 5 + int.from_bytes(server[pos + 3:pos + 5], "big")))
        pos = starts[-1][1]
    segs = subprocess.run(["tshark", "-r", cap, "-Y", "tcp.stream == %d and tcp.srcport == 443 and tcp.len > 0" % stream,
                           "-T", "fields", "-e", "frame.number", "-e", "tcp.seq", "-e", "tcp.len"],
                          capture_output=True, text=True).stdout
    segs = [tuple(int(x) for x in l.split("\t")) for l in segs.splitlines()]
    return starts, [(f, seq - 1, seq - 1 + n) for f, seq, n in segs]


def run_lossy(frames):
    lossy = os.path.join(tmp, "lossy.pcap")
    subprocess.run(["editcap", cap, lossy] + [str(f) for f in frames], check=True)
    return wiretab_json(["-r", lossy, "--tls-keylog", keylog])


if shutil.which("tshark") and shutil.which("editcap"):
    recs, segs = server_records_and_segments(0)
    big = [r for r in recs if r[1] - r[0] > 10000]
    inside = next(f for f, a, b in segs if any(r[0] + 5 < a and b < r[1] for r in big[1:]))
    at_start = next((f, a) for f, a, b in segs if any(a == r[0] for r in big[1:]))
    full = rep["tls"]["records_decrypted"]
    lossy_in = run_lossy([inside])
    t.eq((lossy_in["tls"]["resyncs"], lossy_in["tls"]["decrypt_failed"], lossy_in["tls"]["records_decrypted"]),
         (1, 0, full - 1), "a segment lost inside a record: resynchronised on the next one, that record alone lost")
    t.eq(lossy_in["http"]["status_codes"], {k[1]: v for k, v in truth.items() if k[0] == "status"},
         "... and every status still equals nginx's")
    # two losses inside one record, a captured segment between them
    rec = next(r for r in big[1:] if sum(1 for f, a, b in segs if r[0] + 5 < a and b < r[1]) >= 3)
    inside_rec = [f for f, a, b in segs if rec[0] + 5 < a and b < rec[1]]
    lossy_two = run_lossy([inside_rec[0], inside_rec[2]])
    t.eq((lossy_two["tls"]["resyncs"], lossy_two["tls"]["decrypt_failed"], lossy_two["tls"]["records_decrypted"],
          lossy_two["http"]["status_codes"]),
         (1, 0, full - 1, {k[1]: v for k, v in truth.items() if k[0] == "status"}),
         "two losses inside one record: that record alone lost, every status still nginx's")
    lossy_at = run_lossy([at_start[0]])
    after = sum(1 for r in recs if r[0] >= at_start[1])
    t.eq((lossy_at["tls"]["resyncs"], lossy_at["tls"]["decrypt_failed"], lossy_at["tls"]["records_decrypted"]),
         (0, 0, full - after), "a segment lost at a record's start: the rest of that direction stays encrypted")
    t.eq(lossy_at["anomalies"].get("tls.gap_undecryptable"), 1, "... counted as tls.gap_undecryptable")
else:
    t.skip("capture loss inside TLS records", "tshark or editcap not installed")

# TLS 1.3 KeyUpdates (captures/tls-keyupdate.pcap, openssl s_client's "k" and "K"): both
# directions change keys before the request; the status equals what s_client received, and
# the KeyUpdates followed equal tshark's count of them
ku_truth = {}
for line in open(os.path.join(caps, "tls-keyupdate.truth.txt")):
    f = line.split()
    if f and not f[0].startswith("#"):
        ku_truth[tuple(f[:-1])] = f[-1]
ku_keys = os.path.join(tmp, "ku.keylog")
shutil.copy(os.path.join(caps, "tls-keyupdate.keylog"), ku_keys)
os.chmod(ku_keys, 0o600)
ku_cap = os.path.join(caps, "tls-keyupdate.pcap")
ku = wiretab_json(["-r", ku_cap, "--tls-keylog", ku_keys])
t.eq((ku["http"]["requests"], ku["http"]["status_codes"]),
     (int(ku_truth[("requests",)]), {k[1]: int(v) for k, v in ku_truth.items() if k[0] == "status"}),
     "after KeyUpdates in both directions: the request and the status s_client received")
t.eq(ku["tls"]["decrypt_failed"], 0, "every record after a KeyUpdate authenticates")
t.ok(ku["tls"]["key_updates"] > int(ku_truth[("client_keyupdates",)]),
     "KeyUpdates followed: the client's and the one it asked of the server", ku["tls"]["key_updates"])
if shutil.which("tshark"):
    n = subprocess.run(["tshark", "-r", ku_cap, "-d", "tcp.port==4433,tls", "-o", "tls.keylog_file:" + ku_keys,
                        "-Y", "tls.handshake.type == 24", "-T", "fields", "-e", "frame.number"],
                       capture_output=True, text=True).stdout.split()
    t.eq(ku["tls"]["key_updates"], len(n), "KeyUpdates: as many as tshark decrypts")
else:
    t.skip("KeyUpdates against tshark", "tshark not installed")

# without a key log HTTPS stays dark; with --threads the same numbers
plain = wiretab_json(["-r", cap])
t.eq(plain["http"]["requests"], truth[("scheme", "http")], "without a key log only plain HTTP is counted")
threaded = wiretab_json(["-r", cap, "--tls-keylog", keylog, "--threads", "2"])
t.eq(threaded["http"]["requests"], truth[("requests",)], "--threads 2: the same requests")
t.eq(threaded["tls"]["sessions_decrypted"], truth[("tls_connections",)], "--threads 2: the same sessions")
shutil.rmtree(tmp)
t.done()
