#!/usr/bin/env python3
"""HTTPS read with the clients' own key log (captures/https-keylog.*, recorded by
scripts/record/https-keylog-record.sh): nginx served TLS 1.2 and 1.3 with every cipher
family forced in turn, HTTP/1.1 and h2, sessions resumed by ID and by ticket.

The truth is nginx's access log (one line per request: ssl_protocol ssl_cipher
server_protocol method uri status connection client_port reused server_port), tshark
(-o tls.keylog_file:) the second opinion. Checked:
  1. --tls-keylog KEYLOG: the HTTP tables (methods, statuses, versions, per scheme) equal the
     access log; http.log per client connection equals its lines (method, uri, status,
     version, scheme); the TLS section's sessions by version and cipher suite equal nginx's
     connections and are all decrypted, no record fails to authenticate; tshark decrypts the
     same number of requests and responses; no key material appears in the output.
  2. --tls-keylog HALF (the keys of half the runs removed, listed in .half-removed.txt): those
     sessions are "no key" and nothing of theirs is in http.log; every other connection exact.
  3. The pcapng with the key log inside (Decryption Secrets Block), no --tls-keylog: the same
     report and http.log as 1.
"""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, run_wiretab, project_root  # noqa: E402

NAME = "https-keylog"
TLS_PORTS = ["-d", "tcp.port==8442,tls", "-d", "tcp.port==8443,tls", "-d", "tcp.port==8444,tls"]

t = Tap()
caps = os.path.join(project_root(), "captures")
pcap = os.path.join(caps, NAME + ".pcap")
dsb = os.path.join(caps, NAME + ".dsb.pcapng")
work = tempfile.mkdtemp(prefix="wt-tlskeylog-")
# wiretab warns about a world-readable key log (git checks files out 0644): use private copies
keylog = shutil.copy(os.path.join(caps, NAME + ".keylog"), work)
half = shutil.copy(os.path.join(caps, NAME + ".half.keylog"), work)
os.chmod(keylog, 0o600)
os.chmod(half, 0o600)


def read_access_log():
    rows = []
    for line in open(os.path.join(caps, NAME + ".access.log")):
        f = line.split()
        rows.append(dict(tls=f[0], cipher=f[1], version=f[2], method=f[3], uri=f[4],
                         status=int(f[5]), conn=f[6], port=int(f[7]), reused=f[8],
                         scheme="http" if f[0] == "-" else "https"))
    return rows


def read_removed():
    """client ports whose keys .half.keylog lacks"""
    ports = set()
    for line in open(os.path.join(caps, NAME + ".half-removed.txt")):
        f = line.split()
        if f and f[0] == "port":
            ports.add(int(f[1]))
    return ports


def http_version(server_protocol):
    """nginx's $server_protocol -> wiretab's version names (1.1, 2)"""
    return {"HTTP/1.1": "1.1", "HTTP/1.0": "1.0", "HTTP/2.0": "2"}[server_protocol]


def norm(s):
    """TLS version / suite names compared without punctuation and case (TLSv1.2 = TLS 1.2)"""
    s = "".join(c for c in str(s).lower() if c.isalnum())
    return "tls" + s[4:] if s.startswith("tlsv") else s


def openssl_to_iana():
    """nginx logs OpenSSL's suite names; a report may use the IANA ones: ask openssl"""
    out = subprocess.run(["openssl", "ciphers", "-stdname", "ALL:@SECLEVEL=0"],
                         capture_output=True, text=True).stdout
    names = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1] == "-":
            names[f[2]] = f[0]
    return names


def run(label, args, env_extra=None):
    """wiretab --format json with a log dir; None (and a failed test saying why) on error"""
    logs = os.path.join(work, label)
    os.makedirs(logs, exist_ok=True)
    env = dict(os.environ)
    env.pop("SSLKEYLOGFILE", None)
    env.update(env_extra or {})
    p = run_wiretab(args + ["--format", "json", "--log-dir", logs], env=env)
    if not t.ok(p.returncode == 0, "%s: wiretab %s runs" % (label, " ".join(args)),
                p.stderr.strip()):
        return None, None, None
    rows = [json.loads(l) for l in open(os.path.join(logs, "http.log"))] \
        if os.path.exists(os.path.join(logs, "http.log")) else []
    return json.loads(p.stdout), rows, p


def scheme_of(row):
    """http.log's `tls` field: set (true, or the TLS version) on HTTPS transactions"""
    v = row.get("tls")
    return "https" if v not in (None, False, "", "-", 0) else "http"


def per_connection(rows):
    got = collections.defaultdict(collections.Counter)
    for r in rows:
        got[r["id.orig_p"]][(scheme_of(r), r.get("version"), r.get("method"), r.get("uri"),
                             r.get("status_code"))] += 1
    return got


def eq_per_connection(got, want, name):
    """equal maps of client port -> Counter; the diagnostic names only the differing ports"""
    bad = sorted(p for p in set(got) | set(want) if got.get(p) != want.get(p))
    diag = "%d of %d connections differ\n" % (len(bad), len(set(got) | set(want)))
    for p in bad[:5]:
        diag += "port %s: got %s\n          want %s\n" % (
            p, dict(got.get(p, {})), dict(want.get(p, {})))
    return t.ok(not bad, name, diag)


def want_per_connection(access, ports=None):
    want = collections.defaultdict(collections.Counter)
    for a in access:
        if ports is None or a["port"] in ports:
            want[a["port"]][(a["scheme"], http_version(a["version"]), a["method"], a["uri"],
                             a["status"])] += 1
    return want


def scheme_breakdown(http):
    """the http section's split by scheme, as {scheme: requests}: a map or a table"""
    for key in ("schemes", "scheme", "schemes_table"):
        v = http.get(key)
        if isinstance(v, dict):
            return {k: (x["count"] if isinstance(x, dict) else x) for k, x in v.items()}
        if isinstance(v, list):
            return {r.get("scheme"): r.get("count", r.get("requests")) for r in v}
    return None


def tshark_counts(capture, keylog_file):
    """tshark's decrypted HTTP/1 and HTTP/2 requests and final responses (interim 1xx out)"""
    opts = ["-o", "tcp.reassemble_out_of_order:TRUE"] + TLS_PORTS
    if keylog_file:
        opts += ["-o", "tls.keylog_file:" + keylog_file]

    def fields(filt, *names):
        args = ["tshark", "-n", "-r", capture] + opts + ["-Y", filt, "-T", "fields"]
        for n in names:
            args += ["-e", n]
        out = subprocess.run(args, capture_output=True, text=True).stdout
        return [v for line in out.splitlines() for col in line.split("\t")
                for v in col.split(",") if v]
    methods = collections.Counter(fields("http.request || http2.headers.method",
                                         "http.request.method", "http2.headers.method"))
    statuses = collections.Counter(int(v) for v in fields(
        "http.response || http2.headers.status", "http.response.code", "http2.headers.status")
        if not v.startswith("1"))
    return methods, statuses


def secrets():
    out = set()
    for line in open(keylog):
        f = line.split()
        if len(f) == 3:
            out.add(f[2].lower())
    return out


def check_no_key_material(label, report_text, logdir):
    texts = [report_text.lower()]
    for fn in os.listdir(logdir):
        texts.append(open(os.path.join(logdir, fn), errors="replace").read().lower())
    leaked = [s for s in secrets() if any(s in x for x in texts)]
    t.eq(len(leaked), 0, "%s: no secret of the key log appears in the report or the logs" % label)


def check_full(label, rep, rows, access, iana):
    h, tls = rep["http"], rep.get("tls", {})
    t.eq(h["requests"], len(access), "%s: requests equal nginx's log lines (HTTP and HTTPS)" % label)
    t.eq(h["methods"], dict(collections.Counter(a["method"] for a in access)),
         "%s: methods equal nginx's" % label)
    t.eq({k: v for k, v in h["status_codes"].items() if not k.startswith("1")},
         {str(k): v for k, v in collections.Counter(a["status"] for a in access).items()},
         "%s: status codes equal nginx's" % label)
    t.eq({r["version"]: r["count"] for r in h["versions"]},
         dict(collections.Counter(http_version(a["version"]) for a in access)),
         "%s: HTTP versions equal nginx's $server_protocol" % label)
    t.eq(scheme_breakdown(h), dict(collections.Counter(a["scheme"] for a in access)),
         "%s: the http section's scheme breakdown (http / https) equals nginx's" % label)
    t.eq(len(rows), len(access), "%s: http.log has one line per request" % label)
    eq_per_connection(per_connection(rows), want_per_connection(access),
         "%s: per client connection, http.log's (scheme, version, method, uri, status) "
         "equal nginx's lines" % label)
    for scheme in ("http", "https"):
        for ver in ("HTTP/1.1", "HTTP/2.0"):
            sub = [a for a in access if a["scheme"] == scheme and a["version"] == ver]
            got = [r for r in rows if scheme_of(r) == scheme and r.get("version") == http_version(ver)]
            t.eq((dict(collections.Counter(r.get("method") for r in got)),
                  dict(collections.Counter(r.get("status_code") for r in got))),
                 (dict(collections.Counter(a["method"] for a in sub)),
                  dict(collections.Counter(a["status"] for a in sub))),
                 "%s: %s %s: methods and statuses equal nginx's" % (label, scheme, ver))
    # sessions by version and cipher suite: nginx's connections (one $connection each)
    conns = {}
    for a in access:
        if a["scheme"] == "https":
            conns[a["conn"]] = (norm(a["tls"]), norm(iana.get(a["cipher"], a["cipher"])))
    want = dict(collections.Counter(conns.values()))
    got, decrypted = {}, {}
    for r in tls.get("sessions", []):
        suite = norm(r.get("cipher_suite"))
        # accept OpenSSL's names too
        for o, i in iana.items():
            if norm(o) == suite:
                suite = norm(i)
        key = (norm(r.get("version")), suite)
        got[key] = got.get(key, 0) + r.get("sessions", 0)
        decrypted[key] = decrypted.get(key, 0) + r.get("decrypted", 0)
    t.eq(got, want, "%s: TLS sessions by version and cipher suite equal nginx's connections" % label)
    t.eq(decrypted, want, "%s: every TLS session decrypted" % label)
    t.eq(tls.get("sessions_decrypted"), len(conns), "%s: sessions_decrypted" % label)
    t.eq({k: v for k, v in tls.get("not_decrypted", {"?": "missing"}).items() if v},
         {}, "%s: no session left dark" % label)
    t.eq(tls.get("decrypt_failed"), 0, "%s: no record failed to authenticate" % label)
    return conns


def main():
    for tool in ("tshark", "openssl"):
        if not shutil.which(tool):
            t.skip_all("%s not installed (scripts/bootstrap installs it)" % tool)
    access = read_access_log()
    iana = openssl_to_iana()
    removed = read_removed()

    # 1. the full key log
    rep, rows, p = run("full", ["-r", pcap, "--tls-keylog", keylog])
    full = None
    if rep:
        check_full("keylog", rep, rows, access, iana)
        check_no_key_material("keylog", p.stdout, os.path.join(work, "full"))
        full = (rep, rows)
        tm, ts = tshark_counts(pcap, keylog)
        https = [a for a in access if a["scheme"] == "https"]
        t.eq((sum(tm.values()), sum(ts.values())), (len(access), len(access)),
             "tshark (second opinion) decrypts every request and response of nginx's log")
        got_https = [r for r in rows if scheme_of(r) == "https"]
        t.eq(len(got_https), len(https), "https transactions equal nginx's TLS lines")
        t.eq((dict(tm), dict(ts)), (rep["http"]["methods"],
                                   {int(k): v for k, v in rep["http"]["status_codes"].items()
                                    if not k.startswith("1")}),
             "wiretab's methods and statuses equal tshark's decryption")

    # 2. half the runs' keys removed
    rep, rows, _ = run("half", ["-r", pcap, "--tls-keylog", half])
    if rep:
        tls = rep.get("tls", {})
        dark_conns = {a["conn"] for a in access if a["port"] in removed}
        lit_conns = {a["conn"] for a in access if a["scheme"] == "https"} - dark_conns
        t.ok(len(dark_conns) > 0 and len(lit_conns) > 0, "the half key log leaves some sessions dark",
             "dark %d lit %d" % (len(dark_conns), len(lit_conns)))
        t.eq(tls.get("not_decrypted", {}).get("no_key"), len(dark_conns),
             "half: the removed runs' sessions are reported 'no key'")
        t.eq({k: v for k, v in tls.get("not_decrypted", {}).items() if k != "no_key" and v}, {},
             "half: no other reason")
        t.eq(tls.get("sessions_decrypted"), len(lit_conns), "half: the others are decrypted")
        t.eq(tls.get("decrypt_failed"), 0, "half: no record failed to authenticate")
        kept = {a["port"] for a in access} - removed
        eq_per_connection(per_connection(rows), want_per_connection(access, kept),
             "half: http.log has exactly the kept connections' requests, none of the dark ones")
        tm, _ = tshark_counts(pcap, half)
        t.eq(rep["http"]["requests"], sum(tm.values()),
             "half: requests equal tshark's with the same key log")

    # 3. the key log inside the pcapng (Decryption Secrets Block), no option
    rep, rows, p = run("dsb", ["-r", dsb])
    if rep:
        check_full("dsb", rep, rows, access, iana)
        check_no_key_material("dsb", p.stdout, os.path.join(work, "dsb"))
        if full:
            for sec in ("http", "http2", "tls"):
                t.eq(rep.get(sec), full[0].get(sec),
                     "dsb: section %s equals the pcap read with --tls-keylog" % sec)
            t.eq(rows, full[1], "dsb: http.log equals the pcap read with --tls-keylog")
    shutil.rmtree(work, ignore_errors=True)
    t.done()


main()
