#!/usr/bin/env python3
"""Every wiretab command line the documentation shows runs.

The command lines are extracted from README.md (code blocks), docs/wiretab.1 (.B/.BR lines
that start a command) and `wiretab --help` (its Examples), so a new example is tested
without an edit here. Each one is run with only these substitutions:

- capture files (-r NAME): a capture the project recorded (NAME.pcapng: an nginx pcapng,
  web.pcap: captures/http-mix-small.pcap, which has HTTP on port 8080 for --follow,
  otherwise captures/http-veth-ipv4.pcap);
- live ones: the interface (eth0) is one end of a veth pair in a network namespace this
  test creates (wtdoc-PID), where frames (UDP datagrams) arrive all the time; --duration N
  becomes 1, and a live command without --duration or -c gets --duration 1 (the docs' stop
  is Ctrl-C); tcpdump in a pipe gets -c 20;
- ClickHouse URLs: a dead one (nothing listens); --clickhouse must still exit 0, its rows
  spilled; --from-clickhouse needs a server with the sensors' rows, so only its option
  parsing is checked here (it must fail on the connection, exit 2, not on the options, exit
  1); tests/clickhouse runs it against real servers.

Each runs in a fresh directory and must exit 0 with non-empty output (standard output, or
the files it was asked to write). Live ones need root and ip: skipped without (each says
so); file ones always run."""
import os
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_path, project_root  # noqa: E402

t = Tap()
ROOT = project_root()
WT = os.path.abspath(wiretab_path())
CAP = os.path.join(ROOT, "captures", "http-veth-ipv4.pcap")
CAPNG = os.path.join(ROOT, "captures", "http-edge-nginx.pcapng")
WEB = os.path.join(ROOT, "captures", "http-mix-small.pcap")  # HTTP on 8080 too (--follow)
DEAD = "http://127.0.0.1:9/?database=wiretab"
PID = os.getpid()
NS = "wtdoc-%d" % PID
A, B = "wtda%d" % (PID % 100000), "wtdb%d" % (PID % 100000)


def readme_commands():
    out, block = [], False
    for line in open(os.path.join(ROOT, "README.md")):
        if line.startswith("```"):
            block = not block
            continue
        if block and re.search(r"(^|[|&] *|=\S+ )(\S*/)?wiretab ", line):
            cmd = re.sub(r"\s+#.*$", "", line.strip())
            out.append(("README.md", cmd))
    return out


def man_commands():
    out = []
    for line in open(os.path.join(ROOT, "docs", "wiretab.1")):
        m = re.match(r'^\.BR? "?((?:LANG=\S+ )?(?:wiretab|tcpdump) \\-[^"]*)"?', line)
        if m and (m.group(1).startswith("tcpdump") and "| wiretab" not in m.group(1)):
            continue  # tcpdump named in the text, not a pipe into wiretab
        if m:
            out.append(("docs/wiretab.1", m.group(1).replace("\\-", "-").strip()))
    return out


def help_commands():
    p = subprocess.run([WT, "--help"], capture_output=True, text=True,
                       env=dict(os.environ, LANGUAGE="", LC_ALL="C.UTF-8"))
    text = p.stdout.split("Examples:", 1)[-1]
    out = []
    for line in text.splitlines():
        m = re.match(r"^  ((?:wiretab|tcpdump) .*?)(?:\s{2,}.*)?$", line)
        if m:
            out.append(("wiretab --help", m.group(1).strip()))
    return out


def substitute(cmd):
    """(argv list of pipeline stages, env, live?, outputs) for a documented command."""
    env = {}
    stages = []
    for stage in cmd.split("|"):
        words = shlex.split(stage)
        while words and re.match(r"^[A-Z_]+=", words[0]):
            k, _, v = words.pop(0).partition("=")
            env[k] = v
        stages.append(words)
    live = any(w in ("-i", "-D") for s in stages for w in s) or stages[0][0] == "tcpdump"
    outputs = []
    for s in stages:
        if s[0] == "tcpdump":
            s[1:1] = ["-c", "20", "-U", "-q"]
            s[:] = [A if w == "eth0" else w for w in s]
        if not s[0].endswith("wiretab"):
            continue
        s[0] = WT
        for i, w in enumerate(s[:-1]):
            nxt = s[i + 1]
            if w == "-r" and nxt != "-":
                s[i + 1] = CAPNG if nxt.endswith(".pcapng") else WEB if nxt == "web.pcap" else CAP
            elif w == "-i":
                s[i + 1] = A
            elif w == "--duration":
                s[i + 1] = "1"
            elif w in ("--clickhouse", "--from-clickhouse"):
                s[i + 1] = DEAD
            elif w in ("-o", "-w", "--log-dir", "--follow-dir"):
                outputs.append(nxt)
        if "-i" in s and "--duration" not in s and "-c" not in s:
            s += ["--duration", "1"]
        if "--clickhouse" in s:
            s += ["--clickhouse-timeout", "1"]
    for s in stages:
        if s[0] == "tcpdump" and "-i" not in s:
            s[1:1] = ["-i", A]
    return stages, env, live, outputs


def nonempty(path):
    if os.path.isdir(path):
        return any(os.path.getsize(os.path.join(r, f)) > 0
                   for r, _, fs in os.walk(path) for f in fs)
    return os.path.exists(path) and os.path.getsize(path) > 0


# --- the namespace: a veth pair, UDP datagrams arriving on A all the time ---------------

SENDER = r"""
import socket, struct, sys, time
ifc = sys.argv[1]
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifc, 0))
eth = bytes.fromhex("027d00000001" "027d00000002" "0800")
i = 0
while True:
    payload = b"wiretab-doc-%06d" % i
    udp = struct.pack("!HHHH", 40000 + i % 50, 5353, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                     bytes([10, 201, 0, 2]), bytes([10, 201, 0, 1]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.send(eth + ip + udp)
    i += 1
    time.sleep(0.02)
"""

ns_ok = False
sender = None


def sh(*args, check=True):
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def setup_ns():
    global ns_ok, sender
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return "needs root and ip (network namespace)"
    try:
        sh("ip", "netns", "add", NS)
        ex = ["ip", "netns", "exec", NS]
        sh(*ex, "ip", "link", "add", A, "address", "02:7d:00:00:00:01", "type", "veth",
           "peer", "name", B, "address", "02:7d:00:00:00:02")
        for ifc in ("lo", A, B):
            sh(*ex, "ip", "link", "set", ifc, "up")
        sh(*ex, "ip", "addr", "add", "10.201.0.1/24", "dev", A)
        sender = subprocess.Popen(ex + [sys.executable, "-c", SENDER, B])
    except subprocess.CalledProcessError as e:
        return "namespace setup failed: %s %s" % (e, e.stderr)
    ns_ok = True
    return None


def cleanup_ns():
    if sender and sender.poll() is None:
        sender.kill()
        sender.wait()
    sh("ip", "netns", "del", NS, check=False)


def run(where, cmd):
    stages, env, live, outputs = substitute(cmd)
    name = "%s: %s" % (where, cmd)
    if live and not ns_ok:
        t.skip(name, "live capture " + no_ns)
        return
    work = tempfile.mkdtemp(prefix="wt-doc-")
    full_env = dict(os.environ, **env)
    pre = ["ip", "netns", "exec", NS] if live else []
    spool = "/var/lib/wiretab/spool/clickhouse-spill"
    spool_was = os.path.isdir(spool)
    try:
        if len(stages) == 1:
            p = subprocess.run(pre + stages[0], cwd=work, env=full_env, capture_output=True,
                               text=True, timeout=60)
            rc, out, err = p.returncode, p.stdout, p.stderr
        else:
            line = " | ".join(shlex.join(s) for s in stages)
            p = subprocess.run(pre + ["sh", "-c", line],
                               cwd=work, env=full_env, capture_output=True, text=True,
                               timeout=60)
            rc, out, err = p.returncode, p.stdout, p.stderr
        argv = stages[-1]
        if "--from-clickhouse" in argv:
            t.ok(rc == 2 and "--from-clickhouse" not in err and "see wiretab --help" not in err,
                 name + " (options parse; needs a server with the sensors' rows: only "
                 "the connection may fail, exit 2)", "exit %d: %s" % (rc, err))
            return
        made = [o for o in outputs if nonempty(os.path.join(work, o))]
        # the report goes to standard output unless -o names a file
        t.ok(rc == 0 and (out.strip() != "" or "-o" in argv) and made == outputs,
             name + " (exit 0, output%s)" % ("" if not outputs else ", " + ", ".join(outputs)),
             "exit %d, %d bytes out, outputs made %s\n%s" % (rc, len(out), made, err[-2000:]))
        if "--clickhouse" in argv:
            m = re.search(r"Rows spilled to files\s+(\d+)", out)
            t.ok(m is not None and int(m.group(1)) > 0 and
                 "needs --log-dir" not in err,
                 name + ": no --log-dir needed, the rows were spilled", out[-1500:] + err)
    except subprocess.TimeoutExpired:
        t.ok(False, name, "timed out")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not spool_was and os.path.isdir(spool):
            shutil.rmtree(spool, ignore_errors=True)


commands = readme_commands() + man_commands() + help_commands()
t.ok(len(readme_commands()) >= 10 and len(man_commands()) >= 8 and len(help_commands()) >= 8,
     "command lines found: README %d, man page %d, --help %d"
     % (len(readme_commands()), len(man_commands()), len(help_commands())))
no_ns = None
try:
    no_ns = setup_ns()
    for where, cmd in commands:
        # README's quick start runs scripts/bootstrap (installs packages): its wiretab part
        if "scripts/bootstrap" in cmd:
            cmd = cmd.split("&&", 1)[1].strip().replace("build/analyzer/wiretab", "wiretab")
        run(where, cmd)
finally:
    cleanup_ns()
t.done()
