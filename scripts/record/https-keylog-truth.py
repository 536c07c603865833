#!/usr/bin/env python3
"""Truth files for captures/https-keylog.* (called by https-keylog-record.sh).

    https-keylog-truth.py OUTDIR NAME

Reads NAME.access.log (nginx: ssl_protocol ssl_cipher server_protocol method uri status
connection remote_port ssl_session_reused server_port) and NAME.client.txt (curl -w and
python lines, grouped by `run N LABEL`) and writes:
  NAME.truth.txt        key value counts from the access log (the report must equal them)
  NAME.dsb.truth.txt    the same for NAME.dsb.pcapng (same packets, key log inside)
  NAME.half.keylog      the key log without the keys (CLIENT_RANDOM, TLS 1.3 secrets and
                        RSA premaster lines) of every connection of the
                        even-numbered TLS runs (a run's resumed connections need the keys
                        of its first one, so whole runs are removed)
  NAME.half-removed.txt which runs, client ports and client randoms lost their keys
The client randoms come from tshark (the ClientHello of each connection, by client port).
"""
import collections
import subprocess
import sys

# the servers' ports are not TLS ports to tshark: without this it guesses IRC for some
TLS_PORTS = ["-d", "tcp.port==8442,tls", "-d", "tcp.port==8443,tls", "-d", "tcp.port==8444,tls"]


def read_access_log(path):
    rows = []
    for line in open(path):
        f = line.split()
        rows.append(dict(tls=f[0], cipher=f[1], version=f[2], method=f[3], uri=f[4],
                         status=f[5], conn=f[6], port=f[7], reused=f[8], server_port=f[9],
                         scheme="http" if f[0] == "-" else "https"))
    return rows


def frames(pcap):
    out = subprocess.run(["capinfos", "-c", "-M", pcap], capture_output=True, text=True,
                         check=True).stdout
    return next(l.split()[-1] for l in out.splitlines() if "Number of packets" in l)


def write_truth(out, name, rows):
    c = collections.Counter()
    conns = {}
    for r in rows:
        c[("requests",)] += 1
        c[("scheme", r["scheme"])] += 1
        c[("method", r["method"])] += 1
        c[("status", r["status"])] += 1
        c[("version", r["version"])] += 1
        c[("scheme_version", r["scheme"], r["version"])] += 1
        c[("scheme_method", r["scheme"], r["method"])] += 1
        c[("scheme_status", r["scheme"], r["status"])] += 1
        c[("scheme_version_method", r["scheme"], r["version"], r["method"])] += 1
        c[("scheme_version_status", r["scheme"], r["version"], r["status"])] += 1
        if r["scheme"] == "https":
            c[("tls_requests", r["tls"])] += 1
            c[("tls_cipher_requests", r["tls"], r["cipher"])] += 1
        conns[r["conn"]] = r
    for r in conns.values():
        c[("scheme_connections", r["scheme"])] += 1
        if r["scheme"] == "https":
            c[("tls_sessions", r["tls"], r["cipher"])] += 1
            c[("tls_resumed", r["tls"])] += r["reused"] == "r"
    with open(f"{out}/{name}.truth.txt", "w") as f:
        f.write(f"# ground truth for {name}.pcap, counted from {name}.access.log (nginx)\n")
        f.write(f"capture {name}.pcap\nframes {frames(f'{out}/{name}.pcap')}\n")
        # decrypting needs the key log: tls-https-keylog checks the HTTP lines, not truth.py
        f.write("http_checked_by tests/tls/https-keylog.py\n")
        for k in sorted(c):
            f.write(" ".join(k) + f" {c[k]}\n")


def write_dsb_truth(out, name):
    """the pcapng with the key log injected holds the same packets: the same truth"""
    truth = open(f"{out}/{name}.truth.txt").read()
    truth = truth.replace(f"capture {name}.pcap\n", f"capture {name}.dsb.pcapng\n")
    truth = truth.replace(f"for {name}.pcap,", f"for {name}.dsb.pcapng (keys inside),")
    open(f"{out}/{name}.dsb.truth.txt", "w").write(truth)


def client_runs(path):
    """run number -> (label, set of client ports), from curl -w and python lines"""
    runs, cur = {}, None
    for line in open(path):
        f = line.split()
        if f[0] == "run":
            cur = int(f[1])
            runs[cur] = (" ".join(f[2:]), set())
        elif f[0] == "curl":
            runs[cur][1].add(f[6])
        elif f[0] == "python":
            runs[cur][1].add(f[6])
    return runs


def client_randoms(pcap):
    out = subprocess.run(["tshark", "-r", pcap] + TLS_PORTS + ["-Y", "tls.handshake.type == 1", "-T", "fields",
                          "-e", "tcp.srcport", "-e", "tls.handshake.random"],
                         capture_output=True, text=True, check=True).stdout
    return dict(l.split("\t") for l in out.splitlines() if l.strip())


def rsa_premasters(pcap):
    """client port -> the first 8 bytes (hex) of the RSA-encrypted premaster secret: the
    key of the key log's `RSA` lines (RSA key exchange), which decrypt a session on their own"""
    out = subprocess.run(["tshark", "-r", pcap] + TLS_PORTS + ["-Y", "tls.handshake.type == 16",
                          "-T", "fields", "-e", "tcp.srcport", "-e", "tls.handshake.epms"],
                         capture_output=True, text=True, check=True).stdout
    return {p: e.replace(":", "")[:16].lower() for p, e in
            (l.split("\t") for l in out.splitlines() if l.strip()) if e}


def write_half(out, name):
    runs = client_runs(f"{out}/{name}.client.txt")
    randoms = client_randoms(f"{out}/{name}.pcap")
    premasters = rsa_premasters(f"{out}/{name}.pcap")
    tls_runs = [n for n in sorted(runs) if not runs[n][0].startswith("plain")]
    removed = [n for i, n in enumerate(tls_runs) if i % 2 == 1]
    gone = set()
    with open(f"{out}/{name}.half-removed.txt", "w") as f:
        f.write(f"# {name}.half.keylog lacks the keys of these runs' connections "
                "(run N LABEL, then: port CLIENT_PORT client_random HEX, and for RSA key "
                "exchange the RSA line's key too)\n")
        for n in removed:
            f.write(f"run {n} {runs[n][0]}\n")
            for port in sorted(runs[n][1], key=int):
                cr = randoms[port]
                gone.add(cr.lower())
                line = f"port {port} client_random {cr}"
                if port in premasters:
                    gone.add(premasters[port])
                    line += f" rsa_premaster_prefix {premasters[port]}"
                f.write(line + "\n")
    with open(f"{out}/{name}.keylog") as src, open(f"{out}/{name}.half.keylog", "w") as dst:
        for line in src:
            f = line.split()
            if len(f) == 3 and f[1].lower() in gone:
                continue
            dst.write(line)


def main():
    out, name = sys.argv[1:3]
    write_truth(out, name, read_access_log(f"{out}/{name}.access.log"))
    write_dsb_truth(out, name)
    write_half(out, name)


if __name__ == "__main__":
    main()
