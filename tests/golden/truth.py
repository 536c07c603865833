#!/usr/bin/env python3
"""Golden end-to-end test: every capture in captures/ that has a truth file is analysed by
wiretab (JSON report plus --log-dir conn.log/http.log) and compared with numbers that come
from somewhere else:

- capinfos (frame counts) and the truth file's `frames`;
- the servers' own logs: nginx's access log (method, status, uri, body bytes, connection
  serial, request number on the connection, protocol, client port, completion), python's
  http.server log and the close-delimited server's log;
- the clients' own accounts: curl's -w lines (method, status, local port, bytes
  downloaded), the TCP scenario client's and server's key/value lines;
- a few facts of TCP itself that follow from what the truth says happened (the side that
  closes first is the one left in TIME-WAIT; a refused SYN is Zeek's REJ; keep-alive probes
  from the client's idle time and its TCP_KEEPIDLE/TCP_KEEPINTVL).

Nothing expected here is taken from wiretab's own output.

    truth.py [CAPTURES_DIR]     (WIRETAB names the binary; WT_TAP_START=N numbers the
                                 checks from N+1, for a caller that printed N already;
                                 WT_WIRETAB_ARGS and WT_TSHARK_ARGS are options both
                                 tools get, as a caller that rewrote the captures needs:
                                 "--tunnel-port vxlan=4790", "-d udp.port==4790,vxlan")
"""
import collections
import csv
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, project_root  # noqa: E402
from tap import run_wiretab as run_wiretab_only  # noqa: E402

t = Tap()
t.n = int(os.environ.get("WT_TAP_START", "0"))
folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(project_root(), "captures")
truths = sorted(glob.glob(os.path.join(folder, "*.truth.txt")))
if not truths:
    t.skip_all("no truth files in " + folder)
have_capinfos = shutil.which("capinfos") is not None
have_tshark = shutil.which("tshark") is not None
tmp = tempfile.mkdtemp(prefix="wt-golden-")
WIRETAB_ARGS = shlex.split(os.environ.get("WT_WIRETAB_ARGS", ""))
TSHARK_ARGS = shlex.split(os.environ.get("WT_TSHARK_ARGS", ""))


def run_wiretab(args, **kw):
    return run_wiretab_only(WIRETAB_ARGS + args, **kw)


# ----------------------------------------------------------------------------- inputs

def read_truth(path):
    """Truth file -> (scalars {key: value}, methods {M: n}, statuses {code: n},
    versions {V: n}); repeated keys with two or more values (qtype, rcode, name, txn) are
    in kv[key] as lists of their value lists."""
    kv, methods, statuses, versions = {}, {}, {}, {}
    for line in open(path):
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        if f[0] in ("qtype", "rcode", "name", "txn"):
            kv.setdefault(f[0], []).append(f[1:])
        elif f[0] == "method" and len(f) == 3:
            methods[f[1]] = int(f[2])
        elif f[0] == "status" and len(f) == 3:
            statuses[f[1]] = int(f[2])
        elif f[0] == "version" and len(f) == 3:
            versions[f[1]] = int(f[2])
        elif len(f) >= 2:
            kv[f[0]] = " ".join(f[1:])
    return kv, methods, statuses, versions


def capinfos_frames(path):
    p = subprocess.run(["capinfos", "-c", "-M", path], capture_output=True, text=True)
    m = re.search(r"Number of packets:\s+(\d+)", p.stdout)
    return int(m.group(1)) if m else None


def read_access_log(path):
    """nginx access log -> list of dicts. The full format has 11 fields (the last, the
    completion, is empty when nginx did not finish); the bench format has the first six."""
    rows = []
    for line in open(path):
        f = line.split()
        if len(f) < 6:
            continue
        r = {"method": f[0], "status": int(f[1]), "uri": f[2], "body": int(f[3]),
             "serial": int(f[4]), "reqno": int(f[5])}
        if len(f) >= 10:
            r.update(sent=int(f[7]), proto=f[8], port=int(f[9]),
                     done=(len(f) >= 11 and f[10] == "OK"))
        rows.append(r)
    return rows


def read_curl_lines(path):
    """curl -w lines of NAME.client.txt: `curl METHOD STATUS URL k=v ...`."""
    rows = []
    if not os.path.exists(path):
        return rows
    for line in open(path):
        f = line.split()
        if len(f) < 4 or f[0] != "curl":
            continue
        r = {"method": f[1], "status": int(f[2]), "url": f[3]}
        for kv in f[4:]:
            k, _, v = kv.partition("=")
            r[k] = v
        rows.append(r)
    return rows


def read_python_server_log(path):
    """http.server request lines and close-delimited-server lines -> (method, uri, status,
    body or None)."""
    rows = []
    if not os.path.exists(path):
        return rows
    for line in open(path):
        m = re.search(r'"(\S+) (\S+) HTTP/[\d.]+" (\d{3}) ', line)
        if m:
            rows.append((m.group(1), m.group(2), int(m.group(3)), None))
            continue
        m = re.match(r"(\S+) (\d{3}) (\S+) HTTP/\S+ (\d+) close-delimited", line)
        if m:
            rows.append((m.group(1), m.group(3), int(m.group(2)), int(m.group(4))))
    return rows


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.strip()]


def analyse(cap):
    """Runs wiretab once: JSON report, conn.log, http.log and dns.log records."""
    logs = os.path.join(tmp, os.path.basename(cap) + ".logs")
    os.makedirs(logs, exist_ok=True)
    p = run_wiretab(["-r", cap, "--format", "json", "--log-dir", logs, "--top", "1000"])
    if p.returncode != 0:
        return None, p.stderr
    rep = json.loads(p.stdout)
    return (rep, read_jsonl(os.path.join(logs, "conn.log")),
            read_jsonl(os.path.join(logs, "http.log")),
            read_jsonl(os.path.join(logs, "dns.log"))), None


def final_statuses(codes):
    return {k: v for k, v in codes.items() if not k.startswith("1")}


# ----------------------------------------------------------------------------- HTTP

def check_http(name, kv, methods, statuses, versions, rep, conns, https, stem):
    h = rep["http"]
    t.eq(h["methods"], methods, "%s: http methods equal the server log's" % name)
    t.eq(final_statuses(h["status_codes"]), statuses,
         "%s: final status codes equal the server log's" % name)
    if "requests" in kv:
        t.eq(h["requests"], int(kv["requests"]), "%s: requests" % name)
        t.eq(len(https), int(kv["requests"]), "%s: http.log has one line per request" % name)
    if "connections" in kv:
        # the truth counts nginx connection serials (or server log lines) that carried a
        # request; a connection that never sent one (wrk's connect test) is not counted
        uids = {r["uid"] for r in https}
        t.eq(len(uids), int(kv["connections"]),
             "%s: connections carrying requests equal the server's" % name)
        refused = int(kv.get("refused_connections", 0))
        t.ok(rep["tcp"]["connections"] >= int(kv["connections"]) + refused,
             "%s: tcp connections >= connections with requests + refused" % name,
             "tcp %d, truth %s + %d" % (rep["tcp"]["connections"], kv["connections"], refused))
        t.eq(rep["tcp"]["handshake"]["refused"], refused, "%s: refused handshakes" % name)
    if "incomplete" in kv:
        t.eq(h["incomplete"], int(kv["incomplete"]), "%s: incomplete transactions" % name)
    if "max_requests_per_connection" in kv:
        per = collections.Counter(r["uid"] for r in https)
        t.eq(max(per.values()) if per else 0, int(kv["max_requests_per_connection"]),
             "%s: most requests on one connection" % name)
    # versions: the truth's `version` lines count request versions ($server_protocol);
    # http.log's version is the reply's (as Zeek's), checked against curl's http_version
    if "body_bytes_sent" in kv and kv.get("incomplete") == "0":
        # nginx's $body_bytes_sent is what it wrote; equal to the wire only when every
        # response was finished
        t.eq(h["response_body_bytes"], int(kv["body_bytes_sent"]),
             "%s: response body bytes equal nginx's body_bytes_sent" % name)
    if "expect_100_continue" in kv:
        t.eq(h["expect_continue"], int(kv["expect_100_continue"]),
             "%s: Expect: 100-continue requests" % name)
        t.eq(sum(1 for r in https if r.get("info_code") == 100), int(kv["expect_100_continue"]),
             "%s: 100 Continue interim responses in http.log" % name)
    if "pipelined_requests" in kv:
        per = collections.Counter(r["uid"] for r in https)
        t.ok(int(kv["pipelined_requests"]) in per.values(),
             "%s: a connection with the %s pipelined requests" % (name, kv["pipelined_requests"]),
             dict(per))

    check_csv(name, cap, methods, statuses)

    access = stem + ".access.log"
    if os.path.exists(access):
        check_access_log(name, read_access_log(access), https, conns)
    check_curl(name, read_curl_lines(stem + ".client.txt"), https)
    pylog = read_python_server_log(stem + ".server.log")
    if pylog:
        check_python_log(name, pylog, https)
    if "aborted_downloads" in kv:
        check_aborted(name, stem, https)


def check_csv(name, cap, methods, statuses):
    """The CSV tables (--format csv -o DIR) hold the same truth as the JSON report."""
    out = os.path.join(tmp, os.path.basename(cap) + ".csv")
    p = run_wiretab(["-r", cap, "--format", "csv", "-o", out, "-q", "--top", "1000"])
    if not t.ok(p.returncode == 0, "%s: --format csv -o DIR exits 0" % name, p.stderr):
        return

    def table(fname, key):
        path = os.path.join(out, fname)
        if not os.path.exists(path):
            return None
        with open(path, newline="") as f:
            return {r[key]: int(r["count"]) for r in csv.DictReader(f)}

    t.eq(table("methods.csv", "method"), methods, "%s: methods.csv" % name)
    codes = table("status_codes.csv", "code")
    t.eq(final_statuses(codes) if codes is not None else None, statuses,
         "%s: status_codes.csv final codes" % name)


CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def check_access_log(name, rows, https, conns):
    """Per transaction against nginx's own lines; per connection, the bytes nginx sent."""
    if rows and "port" in rows[0]:
        # full format: the client port and request number identify the transaction
        by_key = {(r["id.orig_p"], r["trans_depth"]): r for r in https}
        bad = []
        for a in rows:
            w = by_key.get((a["port"], a["reqno"]))
            if w is None:
                bad.append("no http.log line for client port %d request %d (%s %s)"
                           % (a["port"], a["reqno"], a["method"], a["uri"]))
                continue
            want = (a["method"], a["status"], a["uri"], not a["done"])
            got = (w.get("method"), w.get("status_code"), w.get("uri"), w.get("incomplete"))
            if got != want:
                bad.append("port %d #%d: got %r want %r" % (a["port"], a["reqno"], got, want))
            # nginx counts a "HTTP/1.1 100 Continue\r\n\r\n" it sent before the final
            # header in $body_bytes_sent
            body = a["body"] - (len(CONTINUE) if w.get("info_code") == 100 else 0)
            if a["done"] and w.get("response_body_len") != body:
                bad.append("port %d #%d %s: body %r, nginx sent %d" % (
                    a["port"], a["reqno"], a["uri"], w.get("response_body_len"), body))
        t.ok(not bad, "%s: each of nginx's %d log lines matches its http.log transaction"
             % (name, len(rows)), "\n".join(bad[:20]))
        # $bytes_sent (status line, headers, body) summed over a connection whose responses
        # nginx all finished is the responder's TCP payload. ($request_length is not the
        # originator's: nginx leaves out request bodies it discards unread.)
        sent, finished = collections.Counter(), collections.defaultdict(lambda: True)
        for a in rows:
            sent[a["port"]] += a["sent"]
            finished[a["port"]] &= a["done"]
        by_port = {c["id.orig_p"]: c for c in conns}
        got = {p: by_port[p]["resp_bytes"] if p in by_port else None for p in sent if finished[p]}
        want = {p: n for p, n in sent.items() if finished[p]}
        t.eq(got, want, "%s: conn.log resp_bytes per connection equal nginx's $bytes_sent sums" % name)
        return
    # bench format: no client port; compare each connection's request sequence
    want = collections.defaultdict(list)
    for a in sorted(rows, key=lambda r: (r["serial"], r["reqno"])):
        want[a["serial"]].append((a["method"], a["status"], a["uri"]))
    got = collections.defaultdict(list)
    for w in sorted(https, key=lambda r: (r["uid"], r["trans_depth"])):
        got[w["uid"]].append((w.get("method"), w.get("status_code"), w.get("uri")))
    t.eq(sorted(got.values()), sorted(want.values()),
         "%s: each connection's request sequence (method, status, uri) equals nginx's" % name)


def check_curl(name, rows, https):
    """curl's own account of each transfer: status and bytes downloaded."""
    rows = [r for r in rows if r["status"] != 0 and r.get("local_port", "0") != "0"]
    if not rows:
        return
    per_port = collections.defaultdict(list)
    for w in sorted(https, key=lambda r: r["trans_depth"]):
        per_port[w["id.orig_p"]].append(w)
    seen = collections.Counter()
    bad = []
    for c in rows:
        port = int(c["local_port"])
        i = seen[port]
        seen[port] += 1
        if i >= len(per_port.get(port, [])):
            bad.append("no transaction %d on client port %d (%s %s)" % (i + 1, port, c["method"], c["url"]))
            continue
        w = per_port[port][i]
        if (w.get("method"), w.get("status_code")) != (c["method"], c["status"]):
            bad.append("port %d #%d: got %s %s, curl says %s %s" % (
                port, i + 1, w.get("method"), w.get("status_code"), c["method"], c["status"]))
        if c["method"] != "HEAD" and w.get("response_body_len") != int(c["size_download"]):
            bad.append("port %d #%d %s: body %r, curl downloaded %s" % (
                port, i + 1, c["url"], w.get("response_body_len"), c["size_download"]))
        # curl's http_version is the reply's: "1" for HTTP/1.0, "1.1", "2"
        v = c.get("http_version", "")
        if v and (v if "." in v else v + ".0") != w.get("version"):
            bad.append("port %d #%d %s: version %r, curl says %s" % (
                port, i + 1, c["url"], w.get("version"), v))
    t.ok(not bad, "%s: each of curl's %d transfers matches http.log (method, status, body bytes, reply version)"
         % (name, len(rows)), "\n".join(bad[:20]))


def check_python_log(name, rows, https):
    want = sorted((m, u, s) for m, u, s, _ in rows)
    got = sorted((w.get("method"), w.get("uri"), w.get("status_code")) for w in https)
    t.eq(got, want, "%s: (method, uri, status) of every request equal the servers' logs" % name)
    for m, u, s, body in rows:
        if body is None:
            continue
        w = [x for x in https if x.get("uri") == u and x.get("method") == m]
        t.ok(len(w) == 1 and w[0].get("response_body_len") == body and not w[0].get("incomplete"),
             "%s: close-delimited %s %s body of %d bytes, complete" % (name, m, u, body),
             w)


def check_aborted(name, stem, https):
    """The client read part of the body and reset the connection: what crossed the wire is
    at least what the client read and at most what nginx wrote."""
    client = {}
    for line in open(stem + ".client.txt"):
        f = line.split()
        if len(f) == 2:
            client[f[0]] = f[1]
    sent = [a for a in read_access_log(stem + ".access.log") if not a.get("done", True)]
    inc = [w for w in https if w.get("incomplete")]
    if not t.ok(len(inc) == len(sent) == 1, "%s: one incomplete transaction (the aborted download)" % name,
                "http.log %d, nginx %d" % (len(inc), len(sent))):
        return
    got = inc[0].get("response_body_len", -1)
    lo, hi = int(client.get("abort_body_bytes_read", 0)), sent[0]["body"]
    t.ok(lo <= got <= hi, "%s: aborted body %d bytes between the client's read %d and nginx's %d"
         % (name, got, lo, hi))
    t.eq(inc[0].get("status_code"), sent[0]["status"], "%s: aborted download's status" % name)


# ----------------------------------------------------------------------------- TCP

def tshark_count(cap, display_filter):
    p = subprocess.run(["tshark", "-n"] + TSHARK_ARGS + ["-r", cap, "-Y", display_filter,
                                                     "-T", "fields", "-e", "frame.number"],
                       capture_output=True, text=True)
    return len([l for l in p.stdout.splitlines() if l.strip()]) if p.returncode == 0 else None


def tshark_protocols(cap):
    """Counts of each protocol name in tshark's frame.protocols (a frame counts once)."""
    p = subprocess.run(["tshark", "-n"] + TSHARK_ARGS + ["-r", cap, "-T", "fields", "-e",
                        "frame.protocols"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return None
    n = collections.Counter()
    for line in p.stdout.splitlines():
        n.update(set(line.strip().split(":")))
    return n


def check_layers(name, cap, kv, rep):
    """Frame-level facts against tshark's dissection: TCP frames, the ARP exchange, VLAN
    tags (small captures only: tshark is slow)."""
    protos = tshark_protocols(cap)
    if protos is None:
        t.skip("%s: layers vs tshark" % name, "tshark failed")
        return
    pr = rep["protocols"]
    t.eq(pr["tcp"]["packets"], protos["tcp"], "%s: TCP frames equal tshark's" % name)
    t.eq(pr["ipv4"]["packets"] + pr["ipv6"]["packets"], protos["ip"] + protos["ipv6"],
         "%s: IP frames equal tshark's" % name)
    if "arp_resolutions" in kv:
        t.eq(protos["arp"], 2 * int(kv["arp_resolutions"]),
             "%s: tshark sees a request and a reply per ARP resolution" % name)
        t.eq(pr["other"]["packets"], protos["arp"], "%s: the ARP frames are the non-IP ones" % name)
    if "vlan_id" in kv:
        t.eq(protos["vlan"], rep["capture"]["packets"], "%s: every frame is 802.1Q-tagged (tshark)" % name)
        t.eq(pr["tcp"]["packets"], rep["capture"]["packets"],
             "%s: every tagged frame decoded down to TCP" % name)


def check_tcp(name, cap, kv, rep, conns):
    tcp = rep["tcp"]
    port = int(kv["server_port"])
    mine = [c for c in conns if c.get("id.resp_p") == port]
    attempted = int(kv.get("connections_attempted", 1))
    if not t.eq(len(mine), attempted, "%s: conn.log lines to server port %d" % (name, port)):
        return
    t.eq(tcp["connections"], attempted, "%s: tcp connections" % name)
    c = mine[0]
    established = int(kv.get("connections_established", 0))
    t.eq(tcp["handshake"]["completed"], established, "%s: completed handshakes" % name)

    if established:
        t.eq((c["orig_bytes"], c["resp_bytes"]),
             (int(kv["client_bytes_sent"]), int(kv["server_bytes_sent"])),
             "%s: conn.log orig/resp bytes equal what client and server sent" % name)
        t.eq((c["orig_bytes"], c["resp_bytes"]),
             (int(kv["server_bytes_received"]), int(kv["client_bytes_received"])),
             "%s: conn.log orig/resp bytes equal what server and client received" % name)
        t.eq(c.get("handshake"), "completed", "%s: conn.log handshake completed" % name)

    closed_by = kv.get("closed_by")
    if kv.get("fin_both") == "yes":
        t.eq(c["conn_state"], "SF", "%s: both FINs seen: conn_state SF" % name)
        h = c["history"]
        t.ok("F" in h and "f" in h, "%s: history has both FINs (%s)" % (name, h))
    if closed_by in ("client", "server") and kv.get("fin_both") == "yes":
        orig_first = closed_by == "client"
        td = tcp["teardown"]
        t.eq((td["closed_first_by_orig"], td["closed_first_by_resp"]),
             (1, 0) if orig_first else (0, 1), "%s: first closer is the %s" % (name, closed_by))
        h = c["history"]
        t.ok(h.find("F") < h.find("f") if orig_first else h.find("f") < h.find("F"),
             "%s: history shows the %s's FIN first (%s)" % (name, closed_by, h))
        # the active closer is the side that lingers in TIME-WAIT
        want = ("TIME-WAIT", "CLOSED") if orig_first else ("CLOSED", "TIME-WAIT")
        t.eq((c.get("orig_state"), c.get("resp_state")), want,
             "%s: endpoint states at the end (active closer in TIME-WAIT)" % name)
        t.ok(c.get("close_kind") in ("four-way", "three-segment"),
             "%s: close_kind is a normal close (%s)" % (name, c.get("close_kind")))
    if kv.get("simultaneous_close") == "yes":
        t.eq(c.get("close_kind"), "simultaneous", "%s: close_kind simultaneous" % name)
        t.eq(tcp["teardown"]["simultaneous"], 1, "%s: teardown simultaneous" % name)
        t.eq((c.get("orig_state"), c.get("resp_state")), ("TIME-WAIT", "TIME-WAIT"),
             "%s: both sides pass CLOSING into TIME-WAIT" % name)
    if kv.get("half_close") == "client":
        t.eq(tcp["anomalies"]["half_close_data"], 1,
             "%s: server data after the client's FIN (half close)" % name)
        h = c["history"]
        t.ok(0 <= h.find("F") < h.find("d"),
             "%s: history: client FIN before server data (%s)" % (name, h))
    if kv.get("reset_by") in ("client", "server"):
        orig = kv["reset_by"] == "client"
        t.eq(c["conn_state"], "RSTO" if orig else "RSTR", "%s: conn_state for a reset by the %s"
             % (name, kv["reset_by"]))
        t.eq(c.get("close_kind"), "reset-by-orig" if orig else "reset-by-resp",
             "%s: close_kind" % name)
        td = tcp["teardown"]
        t.eq((td["reset_by_orig"], td["reset_by_resp"]), (1, 0) if orig else (0, 1),
             "%s: teardown reset counts" % name)
        t.ok(("R" if orig else "r") in c["history"], "%s: history has the reset (%s)"
             % (name, c["history"]))
    if kv.get("client_connect_error") == "ECONNREFUSED":
        t.eq(c["conn_state"], "REJ", "%s: refused: conn_state REJ" % name)
        t.eq(tcp["handshake"]["refused"], 1, "%s: refused handshake" % name)
        t.eq(tcp["teardown"]["refused"], 1, "%s: teardown refused" % name)
        t.eq(c.get("handshake"), "refused", "%s: conn.log handshake refused" % name)
    if kv.get("client_connect_error") == "timeout":
        t.eq(c["conn_state"], "S0", "%s: unanswered SYNs: conn_state S0" % name)
        t.eq(tcp["handshake"]["unanswered"], 1, "%s: unanswered handshake" % name)
        t.eq((c["resp_pkts"], c["history"]), (0, "S"), "%s: nothing from the server" % name)
        if have_tshark:
            syns = tshark_count(cap, "tcp.flags.syn == 1 && tcp.flags.ack == 0")
            t.eq(c["orig_pkts"], syns, "%s: every SYN (tshark: %s) counted" % (name, syns))
            t.eq(tcp["anomalies"]["syn_retransmissions"], syns - 1,
                 "%s: SYN retransmissions are all SYNs but the first" % name)
    if "client_keepalive_idle_s" in kv:
        idle = float(kv["client_idle_s"])
        first = float(kv["client_keepalive_idle_s"])
        every = float(kv["client_keepalive_interval_s"])
        # probes at first, first+every, ... while the client idles (each one answered)
        want = int((idle - first) // every) + 1
        t.eq(tcp["anomalies"]["keepalives"], want,
             "%s: keep-alive probes (idle %.1f s, first %.0f s, every %.0f s)" % (name, idle, first, every))
        t.eq(tcp["anomalies"]["retransmissions"], 0,
             "%s: keep-alive probes are not retransmissions" % name)

    # the ladder diagram has one arrow per frame of the connection
    p = run_wiretab(["-r", cap, "--explain", str(port)])
    arrows = [l for l in p.stdout.splitlines() if re.search(r"--> server|client <--", l)]
    t.eq(len(arrows), c["orig_pkts"] + c["resp_pkts"],
         "%s: --explain %d draws one arrow per frame" % (name, port))


# ----------------------------------------------------------------------------- DNS

def check_dns(name, kv, rep, dnss):
    """Against dig's own lines and the DNS servers' logs (the truth file's counts)."""
    d = rep.get("dns")
    if not t.ok(d is not None, "%s: the report has a dns section" % name):
        return
    for key in ("queries", "answered", "unanswered"):
        if key in kv:
            t.eq(d.get(key), int(kv[key]), "%s: dns %s" % (name, key))
    t.eq(d.get("qtypes"), {q: int(n) for q, n in kv.get("qtype", [])}, "%s: dns query types" % name)
    t.eq(d.get("rcodes"), {r: int(n) for r, n in kv.get("rcode", [])}, "%s: dns response codes" % name)
    if "name" in kv:
        got = {q["query"]: q["count"] for q in d.get("top_queries", [])}
        t.eq(got, {q: int(n) for q, n in kv["name"]}, "%s: dns query names" % name)
    t.eq(len(dnss), int(kv["queries"]), "%s: dns.log has one line per query" % name)
    if "tcp_queries" in kv:
        t.eq(collections.Counter(x.get("proto") for x in dnss),
             collections.Counter({"tcp": int(kv["tcp_queries"]), "udp": int(kv["udp_queries"])}),
             "%s: dns.log queries over TCP and UDP" % name)
    if "txn" in kv:
        # txn PROTO CLIENT_PORT QTYPE NAME RCODE, one per answered query
        want = sorted(tuple(x) for x in kv["txn"])
        got = sorted((x.get("proto"), str(x.get("id.orig_p")), x.get("qtype_name"), x.get("query"),
                      x.get("rcode_name")) for x in dnss if "rcode_name" in x)
        t.eq(got, want, "%s: each answered query (proto, client port, type, name, rcode) equals dig's" % name)
    if "unanswered_query" in kv:
        qtype, qname = kv["unanswered_query"].split()
        got = [(x.get("qtype_name"), x.get("query")) for x in dnss if "rcode_name" not in x]
        t.eq(got, [(qtype, qname)], "%s: the unanswered query" % name)


# ----------------------------------------------------------------------------- main

for truth in truths:
    kv, methods, statuses, versions = read_truth(truth)
    stem = truth[: -len(".truth.txt")]
    cap = os.path.join(folder, kv.get("capture", ""))
    name = os.path.basename(cap)
    if not t.ok(os.path.isfile(cap), "%s: capture named by %s exists" % (name, os.path.basename(truth))):
        continue
    res, err = analyse(cap)
    if not t.ok(res is not None, "%s: wiretab exits 0" % name, err):
        continue
    rep, conns, https, dnss = res

    if "frames" in kv:
        t.eq(rep["capture"]["packets"], int(kv["frames"]), "%s: frames equal the truth file's" % name)
    if have_capinfos:
        t.eq(rep["capture"]["packets"], capinfos_frames(cap), "%s: frames equal capinfos's" % name)
    t.eq(rep["capture"]["dropped"], 0, "%s: nothing dropped reading a file" % name)
    if have_tshark and rep["capture"]["packets"] <= 5000:
        check_layers(name, cap, kv, rep)

    # a capture whose HTTP truth another golden test checks (http_checked_by SCRIPT)
    if (methods or statuses or "requests" in kv) and "http_checked_by" not in kv:
        check_http(name, kv, methods, statuses, versions, rep, conns, https, stem)
    if "scenario" in kv:
        check_tcp(name, cap, kv, rep, conns)
    if "queries" in kv:
        check_dns(name, kv, rep, dnss)

shutil.rmtree(tmp, ignore_errors=True)
t.done()
