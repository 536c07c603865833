#!/usr/bin/env python3
"""SSH (captures/ssh-openssh.pcap): the ssh section and ssh.log equal the clients' own
account of each connection and sshd's log (ssh-openssh.truth.txt: ssh -v's local and
remote version strings and negotiated algorithms, the raw client's banner exchange), and
the identification strings equal what tshark's SSH dissector reads."""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_json, project_root  # noqa: E402

t = Tap()
cap = os.path.join(project_root(), "captures", "ssh-openssh.pcap")
truth = collections.defaultdict(dict)
scalars = {}
for line in open(os.path.join(project_root(), "captures", "ssh-openssh.truth.txt")):
    if line.startswith("#") or not line.strip():
        continue
    if "\t" in line:  # "key name with spaces<TAB>count"
        head, count = line.rstrip("\n").rsplit("\t", 1)
        key, name = head.split(" ", 1)
        truth[key][name] = int(count)
    else:
        k, v = line.split()
        scalars[k] = v

logs = tempfile.mkdtemp(prefix="wt-ssh-")
rep = wiretab_json(["-r", cap, "--log-dir", logs])
ssh = rep["ssh"]
t.eq(ssh["connections"], int(scalars["ssh_connections"]), "one SSH connection per client connection")
t.eq({r["software"]: r["count"] for r in ssh["client_software"]}, truth["client"],
     "client software as the clients sent it")
t.eq({r["software"]: r["count"] for r in ssh["client_software"]},
     truth["client_software_by_server_log"], "client software as sshd logged it")
t.eq({r["software"]: r["count"] for r in ssh["server_software"]}, truth["server"],
     "server software as the clients received it")
for key in ("kex_alg", "host_key_alg", "cipher_alg", "compression_alg"):
    t.eq(ssh[key], truth[key], "negotiated %s as ssh -v reports it" % key)
# OpenSSH prints "MAC: <implicit>" for an AEAD cipher; the negotiated name is still logged
# (as Zeek does), once per connection whose algorithms are known
t.eq(sum(ssh["mac_alg"].values()), sum(truth["mac_alg"].values()),
     "a MAC for every connection whose key exchange ssh -v reports")
t.eq(ssh["kex_seen"], sum(truth["kex_alg"].values()), "key exchange seen where ssh -v saw one")
t.eq(ssh["not_ssh"] + ssh["malformed"] + ssh["gaps"], 0, "nothing malformed, no gaps")

lines = [json.loads(l) for l in open(os.path.join(logs, "ssh.log"))]
t.eq(len(lines), int(scalars["ssh_connections"]), "ssh.log: one record per connection")
t.eq(collections.Counter(l.get("client") for l in lines), collections.Counter(truth["client"]),
     "ssh.log: client field")
t.ok(all(l.get("version") == 2 for l in lines), "ssh.log: version 2 (SSH-2.0)")
conns = {json.loads(l)["uid"]: json.loads(l) for l in open(os.path.join(logs, "conn.log"))}
t.ok(all(conns[l["uid"]].get("service") == "ssh" for l in lines),
     "conn.log: service ssh for each, port 2222 included")
t.ok(any(l["id.resp_p"] == 2222 for l in lines), "the connection on port 2222 is found by its banner")

if shutil.which("tshark"):
    out = subprocess.run(["tshark", "-n", "-r", cap, "-d", "tcp.port==2222,ssh", "-Y",
                          "ssh.protocol", "-T", "fields", "-e", "ssh.protocol"],
                         capture_output=True, text=True).stdout.split("\n")
    idents = collections.Counter(l.strip().split("-", 2)[2] for l in out if l.strip())
    seen = collections.Counter()
    for r in ssh["client_software"] + ssh["server_software"]:
        seen[r["software"]] += r["count"]
    t.eq(seen, idents, "every identification string tshark reads, as many times")
else:
    t.skip("identification strings equal tshark's", "tshark not installed")
t.done()
