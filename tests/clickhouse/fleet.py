#!/usr/bin/env python3
"""ClickHouse export and fleet report, against two real clickhouse-server instances.

Two servers (127.0.0.1 and 127.0.0.2, own data dirs and ports) form the two-shard cluster
`wiretab`; the schema from --clickhouse-schema is created on both. Two sensors export two
different captures, one to each node, and the fleet report over the Distributed tables
must give the two single-run reports' tables summed (methods, status codes, conn_states,
handshakes, teardowns), and the servers' own access logs (the captures' truth files) for
methods and status codes. `wiretab --from-clickhouse --metrics` is scraped: per-sensor codes
and methods against each sensor's access log, and again after more sensors exported. Those
sensors read HTTP/2 (h2c) and decrypted HTTPS: the fleet's versions and schemes tables
against nginx's $server_protocol and $scheme; one reads proxy-mix.pcap: the SOCKS figures
against curl's -w lines. Then a third sensor exports through a proxy that SIGKILLs its
server after a few batches: every row must be in the server (sent) or in the spill files
(spilled), each counted once, and replaying the spill files completes the data.

Skips (TAP) when clickhouse-server is not installed or does not start.
"""
import collections
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import http.server

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, declared_logs, run_wiretab  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CAPTURES = os.path.normpath(os.path.join(HERE, "..", "..", "captures"))
A_CAP = os.path.join(CAPTURES, "http-mix-small.pcap")
B_CAPS = [os.path.join(CAPTURES, "http-veth-ipv4.pcap"),
          os.path.join(CAPTURES, "dns-dnsmasq.pcap")]
# HTTP/2 (h2c) and decrypted HTTPS, for the version and scheme tables
H2_CAP = os.path.join(CAPTURES, "http2-h2c.pcap")
TLS_CAP = os.path.join(CAPTURES, "tls-decrypt.pcap")
TLS_KEYLOG = os.path.join(CAPTURES, "tls-decrypt.keylog")
PROXY_CAP = os.path.join(CAPTURES, "proxy-mix.pcap")

t = Tap()


def free_port(host):
    s = socket.socket()
    s.bind((host, 0))
    p = s.getsockname()[1]
    s.close()
    return p


def server_binary():
    for name in ("clickhouse-server", "clickhouse"):
        p = shutil.which(name) or (os.path.exists("/usr/sbin/" + name) and "/usr/sbin/" + name)
        if p:
            return [p] if name == "clickhouse-server" else [p, "server"]
    return None


USERS_XML = """<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>::/0</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
"""


class Node:
    def __init__(self, root, host):
        self.host = host
        self.dir = os.path.join(root, host)
        self.http = free_port(host)
        self.tcp = free_port(host)
        os.makedirs(os.path.join(self.dir, "data"))
        os.makedirs(os.path.join(self.dir, "tmp"))
        self.proc = None

    def write_config(self, cluster_xml):
        with open(os.path.join(self.dir, "users.xml"), "w") as f:
            f.write(USERS_XML)
        with open(os.path.join(self.dir, "config.xml"), "w") as f:
            f.write("""<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{d}/server.log</log><errorlog>{d}/err.log</errorlog>
    <console>0</console></logger>
  <http_port>{http}</http_port>
  <tcp_port>{tcp}</tcp_port>
  <listen_host>{host}</listen_host>
  <path>{d}/data/</path>
  <tmp_path>{d}/tmp/</tmp_path>
  <user_files_path>{d}/user_files/</user_files_path>
  <format_schema_path>{d}/format_schemas/</format_schema_path>
  <users_config>{d}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <remote_servers>{cluster}</remote_servers>
</yandex>
""".format(d=self.dir, http=self.http, tcp=self.tcp, host=self.host, cluster=cluster_xml))

    def start(self, binary):
        log = open(os.path.join(self.dir, "stdout.log"), "ab")
        self.proc = subprocess.Popen(binary + ["--config-file=" + os.path.join(self.dir, "config.xml")],
                                     stdout=log, stderr=log, cwd=self.dir,
                                     start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if urllib.request.urlopen(self.url("/ping"), timeout=1).read() == b"Ok.\n":
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def url(self, path="/"):
        return "http://%s:%d%s" % (self.host, self.http, path)

    def base(self):
        return self.url("/?database=wiretab")

    def sql(self, q):
        req = urllib.request.Request(self.url("/"), data=q.encode(), method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read().decode()


def table_sum(*maps):
    out = collections.Counter()
    for m in maps:
        out.update(m)
    return {k: v for k, v in out.items() if v}


def nonzero(m):
    return {k: v for k, v in m.items() if v}


def truth_counts(cap, kind):
    path = os.path.splitext(cap)[0] + ".truth.txt"
    out = {}
    for line in open(path):
        f = line.split()
        if len(f) == 3 and f[0] == kind:
            out[f[1]] = int(f[2])
    return out


def truth_versions(cap):
    """`version HTTP/2.0 515` lines as the report's keys (`2`, `1.1`)."""
    out = {}
    for k, n in truth_counts(cap, "version").items():
        v = k.replace("HTTP/", "")
        out[v[:-2] if v.endswith(".0") and v != "1.0" else v] = n
    return out


def table_map(rows, key):
    return {r[key]: r["count"] for r in rows}


def run_json(args):
    p = run_wiretab(args + ["--format", "json"])
    if p.returncode != 0:
        raise RuntimeError("wiretab %s: exit %d: %s" % (args, p.returncode, p.stderr))
    return json.loads(p.stdout), p.stderr


def log_lines(d):
    lines = []
    for name in ("conn", "http", "dns"):
        path = os.path.join(d, name + ".log")
        if os.path.exists(path):
            lines += [(name, json.loads(x)) for x in open(path) if x.strip()]
    return lines


class KillingProxy:
    """HTTP proxy in front of a node: forwards `allow` INSERTs, then SIGKILLs the node and
    drops every later request without an answer (a server that died mid-export). With
    `drop_first`, it instead drops that many requests first, then forwards everything (a
    server that was away for a moment), and kills nothing."""

    def __init__(self, node, allow, drop_first=0):
        self.node, self.allow, self.forwarded, self.dropped = node, allow, 0, 0
        self.drop_first = drop_first
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if proxy.dropped < proxy.drop_first:
                    proxy.dropped += 1
                    self.close_connection = True
                    return
                if proxy.forwarded >= proxy.allow:
                    proxy.node.kill()
                    proxy.dropped += 1
                    self.close_connection = True
                    return  # no answer at all
                req = urllib.request.Request(proxy.node.url(self.path), data=body, method="POST")
                with urllib.request.urlopen(req, timeout=30) as r:
                    data = r.read()
                proxy.forwarded += 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def main():
    if not os.environ.get("WIRETAB"):
        os.environ["WIRETAB"] = sys.argv[1]
    binary = server_binary()
    if not binary:
        t.skip_all("clickhouse-server is not installed (scripts/bootstrap installs it)")
    p = run_wiretab(["--clickhouse-schema"])
    if p.returncode != 0:
        t.skip_all("wiretab cannot print the schema: %s" % p.stderr.strip())
    schema = p.stdout
    try:
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.close()
    except OSError:
        t.skip_all("127.0.0.2 is not usable here")

    root = tempfile.mkdtemp(prefix="wt-clickhouse-")
    os.chmod(root, 0o755)
    nodes = [Node(root, "127.0.0.1"), Node(root, "127.0.0.2")]
    cluster = "<wiretab>%s</wiretab>" % "".join(
        "<shard><replica><host>%s</host><port>%d</port></replica></shard>" % (n.host, n.tcp)
        for n in nodes)
    try:
        for n in nodes:
            n.write_config(cluster)
            if os.geteuid() == 0:
                shutil.chown(n.dir, "root")
            if not n.start(binary):
                err = ""
                for f in ("err.log", "stdout.log"):
                    fp = os.path.join(n.dir, f)
                    if os.path.exists(fp):
                        err += open(fp).read()[-600:]
                t.skip_all("clickhouse-server on %s did not start: %s" % (n.host, err.strip()[-300:]))
        try:
            run(nodes, schema, root)
        except Exception as e:  # a failure, not a crash that hides the servers' state
            import traceback
            t.ok(False, "test ran to the end", traceback.format_exc())
    finally:
        for n in nodes:
            n.stop()
        alive = [n.host for n in nodes if n.proc and n.proc.poll() is None]
        t.eq(alive, [], "both servers stopped")
        shutil.rmtree(root, ignore_errors=True)
    t.done()


def run(nodes, schema, root):
    # --- schema -----------------------------------------------------------------------
    statements = [s.strip() for s in schema.split(";\n") if s.strip()]
    statements = ["\n".join(l for l in s.splitlines() if not l.startswith("--")).strip()
                  for s in statements]
    for n in nodes:
        for s in statements:
            if s:
                n.sql(s)
    tables = sorted(nodes[0].sql("SHOW TABLES FROM wiretab").split())
    t.eq(tables, sorted(n + s for n in declared_logs() for s in ("", "_local")),
         "schema: MergeTree and Distributed tables on each node")
    engines = nodes[1].sql("SELECT name, engine FROM system.tables WHERE database = 'wiretab' "
                           "ORDER BY name FORMAT TSV")
    t.ok("conn\tDistributed" in engines and "conn_local\tMergeTree" in engines,
         "schema: engines", engines)

    # --- two sensors, one per node ------------------------------------------------------
    logs_a, logs_b = os.path.join(root, "logs-a"), os.path.join(root, "logs-b")
    a, _ = run_json(["-r", A_CAP, "--log-dir", logs_a, "--clickhouse", nodes[0].base(),
                     "--sensor", "sensor-a", "-q"])
    b_args = []
    for c in B_CAPS:
        b_args += ["-r", c]
    b, _ = run_json(b_args + ["--log-dir", logs_b, "--clickhouse", nodes[1].base(),
                              "--sensor", "sensor-b", "--clickhouse-batch", "7", "-q"])
    for name, rep, d in (("a", a, logs_a), ("b", b, logs_b)):
        ex = rep.get("export", {})
        n_lines = len(log_lines(d))
        t.eq((ex.get("rows"), ex.get("rows_sent"), ex.get("rows_spilled")),
             (n_lines, n_lines, 0), "sensor %s: every log line sent, none spilled" % name)
    # the log files are what they are without --clickhouse
    plain_dir = os.path.join(root, "logs-a-plain")
    run_json(["-r", A_CAP, "--log-dir", plain_dir, "-q"])
    same = all(open(os.path.join(logs_a, f), "rb").read() ==
               open(os.path.join(plain_dir, f), "rb").read()
               for f in [n + ".log" for n in declared_logs()])
    t.ok(same, "log files byte-identical with and without --clickhouse")
    local = [int(n.sql("SELECT count() FROM wiretab.http_local").strip()) for n in nodes]
    t.eq(local, [len([1 for k, _ in log_lines(logs_a) if k == "http"]),
                 len([1 for k, _ in log_lines(logs_b) if k == "http"])],
         "each sensor's rows on its own node (http_local)")

    # --- fleet report ---------------------------------------------------------------
    fleet, err = run_json(["--from-clickhouse", nodes[0].base()])
    fh, ft, fu = fleet["http"], fleet["tcp"], fleet["udp"]
    want_methods = table_sum(a["http"]["methods"], b["http"]["methods"])
    t.eq(fh["methods"], want_methods, "fleet methods = sum of the single-run reports")
    truth_methods = table_sum(truth_counts(A_CAP, "method"), truth_counts(B_CAPS[0], "method"))
    t.eq(fh["methods"], truth_methods, "fleet methods = the servers' access logs summed")
    want_codes = table_sum(a["http"]["status_codes"], b["http"]["status_codes"])
    t.eq(fh["status_codes"], want_codes, "fleet status codes = sum of the single-run reports")
    truth_codes = table_sum(truth_counts(A_CAP, "status"), truth_counts(B_CAPS[0], "status"))
    t.eq(fh["status_codes"], truth_codes, "fleet status codes = the access logs summed")
    t.eq(fh["status_classes"], table_sum(a["http"]["status_classes"], b["http"]["status_classes"]),
         "fleet status classes = sum")
    t.eq(ft["conn_states"], table_sum(a["tcp"]["conn_states"], b["tcp"]["conn_states"]),
         "fleet TCP conn_states = sum of the single-run reports")
    t.eq(ft["connections"], a["tcp"]["connections"] + b["tcp"]["connections"],
         "fleet TCP connections = sum")
    t.eq(nonzero(ft["handshake"]), table_sum(a["tcp"]["handshake"], b["tcp"]["handshake"]),
         "fleet handshake table = sum")
    t.eq(nonzero(ft["teardown"]), table_sum(a["tcp"]["teardown"], b["tcp"]["teardown"]),
         "fleet teardown table = sum")
    t.eq(fu["conn_states"], table_sum(a["udp"].get("conn_states", {}), b["udp"].get("conn_states", {})),
         "fleet UDP conn_states = sum")
    t.eq(fh["requests"], a["http"]["requests"] + b["http"]["requests"], "fleet HTTP requests = sum")
    mt = {r["method"]: r["count"] for r in fh["methods_table"]}
    t.eq(mt, want_methods, "fleet methods_table = methods")
    per = {r["sensor"]: r["flows"] for r in fleet["fleet"]["sensors_table"]}
    t.eq(per, {"sensor-a": a["tcp"]["connections"] + a["udp"]["flows"],
               "sensor-b": b["tcp"]["connections"] + b["udp"]["flows"]},
         "per-sensor breakdown: flows of each sensor")
    tl = fleet["timeline"]["timeline"]
    t.eq(sum(r["http_requests"] for r in tl), fh["requests"], "timeline: every request in a row")
    t.eq(sum(r["new_connections"] for r in tl), fleet["fleet"]["flows"],
         "timeline: every connection in a row")
    only_a, _ = run_json(["--from-clickhouse", nodes[1].base(), "--sensor", "sensor-a"])
    t.eq((only_a["http"]["methods"], only_a["http"]["status_codes"], only_a["tcp"]["conn_states"]),
         (a["http"]["methods"], a["http"]["status_codes"], a["tcp"]["conn_states"]),
         "--sensor sensor-a (asked on the other node): sensor a's tables")
    none, _ = run_json(["--from-clickhouse", nodes[0].base(), "--since", "2100-01-01"])
    t.eq((none["http"]["methods"], none["tcp"]["connections"]), ({}, 0),
         "--since after every record: empty tables, same keys")
    for fmt in ("text", "csv", "html"):
        p = run_wiretab(["--from-clickhouse", nodes[0].base(), "--format", fmt])
        t.ok(p.returncode == 0 and "GET" in p.stdout if fmt != "csv" else p.returncode == 0 and
             "http,requests," in p.stdout, "fleet report renders as %s" % fmt, p.stderr)

    metrics = FleetMetrics(nodes[0])
    try:
        metrics.check_first()
        versions_and_schemes(nodes, root)
        metrics.check_requery()
    finally:
        metrics.stop()
    proxies_section(nodes, root)

    # --- a server away for a moment: batches retried, nothing spilled ------------------
    proxy = KillingProxy(nodes[0], allow=10**9, drop_first=3)
    logs_r = os.path.join(root, "logs-r")
    r, stderr = run_json(["-r", A_CAP, "--log-dir", logs_r, "--clickhouse",
                          "http://127.0.0.1:%d/?database=wiretab" % proxy.port,
                          "--sensor", "sensor-r", "--clickhouse-batch", "20", "-q"])
    proxy.close()
    ex = r["export"]
    t.ok(ex["errors"] == 3 and ex["rows_retried"] > 0 and ex["rows_spilled"] == 0 and
         ex["rows_sent"] == ex["rows"] == len(log_lines(logs_r)),
         "server away for three attempts: rows retried and all sent, none spilled", json.dumps(ex))
    t.ok("retrying" in stderr, "a warning says the export is retrying", stderr)
    got = int(nodes[0].sql("SELECT count() FROM wiretab.http_local WHERE sensor = 'sensor-r'"))
    t.eq(got, len([1 for k, _ in log_lines(logs_r) if k == "http"]),
         "retried rows are in the server once")

    # --- a server that rejects the rows (no schema): spilled after a few attempts -------
    logs_x = os.path.join(root, "logs-x")
    x, stderr = run_json(["-r", B_CAPS[1], "--log-dir", logs_x, "--clickhouse",
                          nodes[0].url("/?database=nosuch"), "--sensor", "sensor-x", "-q"])
    ex = x["export"]
    t.ok(ex["rows_sent"] == 0 and ex["rows_spilled"] == ex["rows"] == len(log_lines(logs_x)) > 0,
         "rows the server rejects are spilled, all of them", json.dumps(ex))
    t.ok("--clickhouse-schema" in stderr, "the warning says to create the schema", stderr)

    # --- a server killed in the middle of an export -------------------------------------
    kill_test(nodes, root)


def versions_and_schemes(nodes, root):
    """Two more sensors: one reads HTTP/2 (h2c), one decrypted HTTPS (HTTP/1.1 and h2).
    Their fleet version and scheme tables against the nginx access logs' counts."""
    v, _ = run_json(["-r", H2_CAP, "--log-dir", os.path.join(root, "logs-v"),
                     "--clickhouse", nodes[0].base(), "--sensor", "sensor-v", "-q"])
    s, _ = run_json(["-r", TLS_CAP, "--tls-keylog", TLS_KEYLOG,
                     "--log-dir", os.path.join(root, "logs-s"),
                     "--clickhouse", nodes[1].base(), "--sensor", "sensor-s", "-q"])
    both, _ = run_json(["--from-clickhouse", nodes[1].base(), "--sensor", "sensor-v",
                        "--sensor", "sensor-s"])
    want = table_sum(truth_versions(H2_CAP), truth_versions(TLS_CAP))
    t.eq(table_map(both["http"]["versions"], "version"), want,
         "fleet versions (h2c + TLS sensors) = the access logs' $server_protocol summed")
    t.eq(table_map(both["http"]["versions"], "version"),
         table_sum(table_map(v["http"]["versions"], "version"),
                   table_map(s["http"]["versions"], "version")),
         "fleet versions = sum of the single-run reports")
    only_s, _ = run_json(["--from-clickhouse", nodes[0].base(), "--sensor", "sensor-s"])
    t.eq(table_map(only_s["http"]["schemes"], "scheme"), truth_counts(TLS_CAP, "scheme"),
         "fleet schemes (TLS sensor) = the access log's $scheme")
    # h2c is cleartext: every one of its access-log lines is an http transaction
    t.eq(table_map(both["http"]["schemes"], "scheme"),
         table_sum(truth_counts(TLS_CAP, "scheme"),
                   {"http": sum(truth_counts(H2_CAP, "method").values())}),
         "fleet schemes (h2c + TLS sensors) = access logs: h2c all http")
    only_v, _ = run_json(["--from-clickhouse", nodes[0].base(), "--sensor", "sensor-v"])
    t.ok("schemes" not in only_v["http"], "no schemes table when no HTTPS was read")


def parse_exposition(text):
    """{(name, frozenset of label pairs): value} from Prometheus's text format."""
    import re
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
        if not m:
            raise ValueError("not an exposition line: %r" % line)
        labels = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"',
                                      m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def per_sensor(samples, name, label):
    """{sensor: {label value: count}} of one family."""
    out = collections.defaultdict(dict)
    for (n, labels), v in samples.items():
        if n == name:
            d = dict(labels)
            out[d["sensor"]][d[label]] = int(v)
    return dict(out)


class FleetMetrics:
    """wiretab --from-clickhouse --metrics, re-querying every second, scraped with curl (or
    urllib when curl is absent), its per-sensor figures against each sensor's access logs."""

    def __init__(self, node):
        self.port = free_port("127.0.0.1")
        self.proc = subprocess.Popen(
            [os.environ["WIRETAB"], "--from-clickhouse", node.base(), "--metrics",
             "127.0.0.1:%d" % self.port, "--interval", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def scrape(self):
        url = "http://127.0.0.1:%d/metrics" % self.port
        if shutil.which("curl"):
            p = subprocess.run(["curl", "-sf", "--max-time", "5", url], capture_output=True,
                               text=True)
            return p.stdout if p.returncode == 0 else None
        try:
            return urllib.request.urlopen(url, timeout=5).read().decode()
        except OSError:
            return None

    def wait_for(self, pred, timeout=15):
        deadline = time.time() + timeout
        text = None
        while time.time() < deadline and self.proc.poll() is None:
            text = self.scrape()
            if text is not None and pred(parse_exposition(text)):
                break
            time.sleep(0.2)
        return parse_exposition(text) if text else {}

    def check_first(self):
        s = self.wait_for(lambda s: True)
        codes = per_sensor(s, "wiretab_http_responses_total", "code")
        want = {"sensor-a": truth_counts(A_CAP, "status"),
                "sensor-b": truth_counts(B_CAPS[0], "status")}
        t.eq(codes, want, "--metrics: per-sensor response codes = each sensor's access log")
        methods = per_sensor(s, "wiretab_http_requests_total", "method")
        t.eq(methods, {"sensor-a": truth_counts(A_CAP, "method"),
                       "sensor-b": truth_counts(B_CAPS[0], "method")},
             "--metrics: per-sensor request methods = each sensor's access log")
        bad = [(n, dict(l)) for (n, l), _ in s.items() if n == "wiretab_http_responses_total"
               and dict(l)["class"] != dict(l)["code"][0] + "xx"]
        t.eq(bad, [], "--metrics: every code's class label is its class")

    def check_requery(self):
        """sensor-v's rows arrived after the first query: the next query serves them."""
        s = self.wait_for(lambda s: "sensor-v" in per_sensor(
            s, "wiretab_http_responses_total", "code"))
        codes = per_sensor(s, "wiretab_http_responses_total", "code")
        t.eq(codes.get("sensor-v"), truth_counts(H2_CAP, "status"),
             "--metrics re-queried: a sensor exported later is served, its codes = access log")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = None
        err = self.proc.stderr.read()
        t.eq((rc, err), (0, ""), "--metrics with --from-clickhouse: no warning, exit 0 on SIGTERM")


def curl_socks_truth():
    """The SOCKS handshakes of proxy-mix.pcap from curl's own -w lines: one per client port
    (curl reuses a proxy connection for two URLs); the label's prefix says the version
    (socks5*: 5, socks4a*: 4a, socks4) and exit 0 that the proxy granted the request. A wrong
    password (socks5-badauth) ends before any request, so it is no handshake."""
    by_port = {}
    for line in open(os.path.join(CAPTURES, "proxy-mix.curl.txt")):
        f = line.split()
        if len(f) < 5 or not f[1].startswith("socks") or f[1] == "socks5-badauth":
            continue
        kv = dict(x.split("=", 1) for x in f[5:] if "=" in x)
        u = urllib.parse.urlsplit(f[4])
        version = ("5" if f[1].startswith("socks5") else
                   "4a" if f[1].startswith("socks4a") else "4")
        target = "%s:%d" % (u.hostname, u.port or (443 if u.scheme == "https" else 80))
        by_port[kv["local_port"]] = (version, target, kv["exitcode"] == "0")
    hs = list(by_port.values())
    return {"socks_handshakes": len(hs),
            "socks_granted": sum(1 for h in hs if h[2]),
            "socks_refused": sum(1 for h in hs if not h[2]),
            "socks_versions": dict(collections.Counter(h[0] for h in hs)),
            "socks_targets": dict(collections.Counter(h[1] for h in hs))}


def proxies_section(nodes, root):
    """A sensor reading proxy-mix.pcap: the fleet's SOCKS figures against curl's own record
    of its transfers, and against the sensor's single-run report."""
    p, _ = run_json(["-r", PROXY_CAP, "--log-dir", os.path.join(root, "logs-p"),
                     "--clickhouse", nodes[1].base(), "--sensor", "sensor-p", "-q"])
    fleet, _ = run_json(["--from-clickhouse", nodes[0].base(), "--sensor", "sensor-p"])
    fp = fleet["proxies"]
    got = {k: fp[k] for k in ("socks_handshakes", "socks_granted", "socks_refused",
                              "socks_versions")}
    got["socks_targets"] = table_map(fp["socks_targets"], "target")
    t.eq(got, curl_socks_truth(), "fleet SOCKS handshakes, versions, targets = curl's -w lines")
    keys = ("socks_handshakes", "socks_granted", "socks_refused", "socks_versions",
            "socks_replies", "socks_targets")
    t.eq({k: fp[k] for k in keys}, {k: p["proxies"][k] for k in keys},
         "fleet SOCKS figures = the sensor's single-run report")


def kill_test(nodes, root):
    node = nodes[1]
    proxy = KillingProxy(node, allow=3)
    logs_c = os.path.join(root, "logs-c")
    url = "http://127.0.0.1:%d/?database=wiretab" % proxy.port
    started = time.time()
    c, stderr = run_json(["-r", A_CAP, "--log-dir", logs_c, "--clickhouse", url,
                          "--sensor", "sensor-c", "--clickhouse-batch", "5",
                          "--clickhouse-queue", "20", "--clickhouse-timeout", "2", "-q"])
    took = time.time() - started
    proxy.close()
    ex = c["export"]
    lines = log_lines(logs_c)
    t.ok(node.proc.poll() is not None, "server 2 was killed during the export (after %d batches)"
         % proxy.forwarded)
    t.eq(ex["batches"], 3, "three batches acknowledged before the kill")
    t.ok(ex["errors"] > 0 and ex["rows_spilled"] > 0, "failed attempts and spilled rows counted",
         json.dumps(ex))
    t.eq(ex["rows"], len(lines), "every log line reached the exporter")
    t.eq(ex["rows_sent"] + ex["rows_spilled"], ex["rows"], "sent + spilled = rows (nothing lost)")
    t.ok("queue is full" in stderr or "spill" in stderr, "a clear warning about spilling",
         stderr)
    t.ok(took < 20, "exit within the timeout (%.1f s)" % took)
    spill_files = sorted(glob.glob(os.path.join(logs_c, "clickhouse-spill", "*.json")))
    spilled = {}
    for f in spill_files:
        spilled[os.path.basename(f)[:-5]] = [json.loads(x) for x in open(f) if x.strip()]
    t.eq(sum(len(v) for v in spilled.values()), ex["rows_spilled"],
         "spill files hold rows_spilled rows")
    t.eq(sum(ex["tables_spilled"].values()), ex["rows_spilled"], "spilled rows by table add up")

    # restart the killed server: its rows survived; with the spill files, every row is there
    if not node.start(server_binary()):
        t.ok(False, "server 2 restarts")
        return
    in_db = {}
    for name in ("conn", "http", "dns"):
        out = node.sql("SELECT uid, toUInt32(ts), ts_us FROM wiretab.%s_local WHERE sensor = 'sensor-c' "
                       "FORMAT TSV" % name)
        in_db[name] = collections.Counter(tuple(l.split("\t")) for l in out.splitlines())
    t.eq(sum(sum(v.values()) for v in in_db.values()), ex["rows_sent"],
         "rows in the restarted server = rows_sent")

    def key_of_log(rec):
        s, _, us = ("%.6f" % rec["ts"]).partition(".")
        return rec["uid"], s, us

    have = collections.Counter()
    for name, counter in in_db.items():
        for (uid, ts, us), n in counter.items():
            have[(name, uid, int(ts), int(us))] += n
    for name, rows in spilled.items():
        for r in rows:
            have[(name, r["uid"], r["ts"], r["ts_us"])] += 1
    want = collections.Counter()
    for name, rec in lines:
        uid, s, us = key_of_log(rec)
        want[(name, uid, int(s), int(us))] += 1
    missing = want - have
    t.eq(dict(missing), {}, "no row lost: every log record is in the server or a spill file")

    # replay the spill files as the warning says; then sensor c's tables are complete
    for name, rows in spilled.items():
        body = open(os.path.join(logs_c, "clickhouse-spill", name + ".json"), "rb").read()
        q = urllib.parse.quote("INSERT INTO %s_local FORMAT JSONEachRow" % name)
        req = urllib.request.Request(node.url("/?database=wiretab&input_format_skip_unknown_fields=1"
                                              "&query=" + q), data=body, method="POST")
        urllib.request.urlopen(req, timeout=30).read()
    rep, _ = run_json(["--from-clickhouse", nodes[0].base(), "--sensor", "sensor-c"])
    t.eq((rep["http"]["methods"], rep["http"]["status_codes"], rep["tcp"]["conn_states"]),
         (c["http"]["methods"], c["http"]["status_codes"], c["tcp"]["conn_states"]),
         "after replaying the spill files, sensor c's fleet tables = its single-run tables")


if __name__ == "__main__":
    main()
