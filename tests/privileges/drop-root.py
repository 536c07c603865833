#!/usr/bin/env python3
"""Live capture gives up root (-Z), seen from outside the process.

In a network namespace this test creates (a veth pair, IPv6 off, nothing else talking),
`wiretab -i` is started as root; once it runs, /proc/<pid>/status must show the target
user's ids in all four Uid and Gid fields, no capability, no group 0; the test then sends N
raw frames from the peer, and the report (after SIGINT) must count them: the capture works
after the drop. Expected ids come from the password database (pwd/grp), never from wiretab.

- -Z nobody: ids of nobody; logs and -w in a directory wiretab creates: complete files
  under their names, exit 0;
- "through sudo" (SUDO_UID/SUDO_GID of an ordinary user in the environment; the sudo
  package is not needed), -Z nobody, in a directory of that user with mode 755 that nobody
  cannot write: -o in every format (text, json, html, csv directory), -w, --log-dir and
  --follow-dir land complete under their names, owned by that user, no temporary file
  left; the output-file broker keeps root, the capture process does not (its ids are
  checked as above);
- the same capture killed (SIGKILL) part-way: no file under an output's name and no
  temporary file;
- no -Z: the user wiretab when it exists (scripts/bootstrap creates it), else root with
  one notice line;
- -Z root: stays root, nothing on stderr;
- -Z nosuchuser: exit 2 at once, one line naming the user, nothing created;
- -r with -Z nobody: files are read as nobody too, the report is complete;
- a TLS key log only root may read is read before the drop: -r -Z nobody decrypts.

Needs root and ip; TAP skip otherwise."""
import glob
import grp
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, declared_logs, wiretab_path, project_root  # noqa: E402

t = Tap()
if os.geteuid() != 0:
    t.skip_all("needs root (network namespace, dropping root)")
if shutil.which("ip") is None:
    t.skip_all("needs ip (iproute2)")
try:
    NOBODY = pwd.getpwnam("nobody")
except KeyError:
    t.skip_all("no user nobody")

PID = os.getpid()
NS = "wtz-%d" % PID
A, B = "wtza%d" % (PID % 100000), "wtzb%d" % (PID % 100000)
MAC_A, MAC_B = "02:7b:00:00:00:01", "02:7b:00:00:00:02"
N = 20
work = tempfile.mkdtemp(prefix="wt-priv-")
os.chmod(work, 0o755)
procs = []

SENDER = r"""
import socket, sys
ifc, dst, src, n = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), \
    bytes.fromhex(sys.argv[3].replace(":", "")), int(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifc, 0))
for i in range(n):
    s.send(dst + src + b"\x88\xb5" + bytes([i]) * 46)
"""


def sh(*args, check=True):
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def ns(*args):
    return ["ip", "netns", "exec", NS] + list(args)


def setup():
    sh("ip", "netns", "add", NS)
    sh(*ns("ip", "link", "add", A, "address", MAC_A, "type", "veth", "peer", "name", B,
           "address", MAC_B))
    sh(*ns("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"), check=False)
    for ifc in (A, B):
        sh(*ns("sysctl", "-q", "-w", "net.ipv6.conf.%s.disable_ipv6=1" % ifc), check=False)
        sh(*ns("ip", "link", "set", ifc, "up"))


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    sh("ip", "netns", "del", NS, check=False)


def status_of(pid):
    """{'Uid': [...], 'Gid': [...], 'Groups': [...], 'CapEff': int, 'CapPrm': int}"""
    st = {}
    for line in open("/proc/%d/status" % pid):
        k, _, v = line.partition(":")
        if k in ("Uid", "Gid", "Groups"):
            st[k] = [int(x) for x in v.split()]
        elif k in ("CapEff", "CapPrm"):
            st[k] = int(v.strip(), 16)
    return st


def capture(args, name, env=None, kill=False):
    """Start wiretab -i A with args, wait, read its ids, send N frames, SIGINT (SIGKILL with
    kill). Returns (status at run time, exit code, report or None, stderr)."""
    wt = subprocess.Popen(ns(wiretab_path(), "-i", A, "-q", "--format", "json") + args,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env)
    procs.append(wt)
    time.sleep(1.0)  # ip netns exec execs wiretab: same pid
    st = None
    try:
        if open("/proc/%d/comm" % wt.pid).read().strip() == "wiretab":
            st = status_of(wt.pid)
    except OSError:
        pass
    sh(*ns(sys.executable, "-c", SENDER, B, MAC_A, MAC_B, str(N)))
    time.sleep(0.5)
    wt.send_signal(signal.SIGKILL if kill else signal.SIGINT)
    try:
        out, err = wt.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        wt.kill()
        out, err = wt.communicate()
    try:
        rep = json.loads(out)
    except ValueError:
        rep = None
    return st, wt.returncode, rep, err


def check_ids(st, uid, gid, name):
    if not t.ok(st is not None, "%s: /proc/<pid>/status of the running wiretab" % name):
        return
    t.eq(st["Uid"], [uid] * 4, "%s: real, effective, saved and fs uid are %d" % (name, uid))
    t.eq(st["Gid"], [gid] * 4, "%s: real, effective, saved and fs gid are %d" % (name, gid))
    if uid != 0:
        t.ok(0 not in st["Groups"], "%s: no supplementary group 0" % name, st["Groups"])
        t.ok(st["CapEff"] == 0 and st["CapPrm"] == 0,
             "%s: no capability left (root cannot be regained)" % name, st)


def check_report(rc, rep, err, want_rc, name):
    t.ok(rc == want_rc and rep is not None and rep["capture"]["packets"] == N,
         "%s: capture works after the drop: exit %d, report with the %d frames sent"
         % (name, want_rc, N), "exit %s, report %s, stderr %s"
         % (rc, rep and rep["capture"]["packets"], err))


def capinfos_count(path):
    p = subprocess.run(["capinfos", "-c", "-M", path], capture_output=True, text=True)
    m = re.search(r"Number of packets:\s+(\d+)", p.stdout)
    return int(m.group(1)) if m else None


def test_nobody_outputs_in_new_dir():
    d = os.path.join(work, "new")
    logs = os.path.join(d, "logs")
    st, rc, rep, err = capture(["-Z", "nobody", "--log-dir", logs,
                                "-w", os.path.join(logs, "saved.pcap")], "-Z nobody")
    check_ids(st, NOBODY.pw_uid, NOBODY.pw_gid, "-Z nobody")
    check_report(rc, rep, err, 0, "-Z nobody")
    t.eq(sorted(os.listdir(logs)), sorted([n + ".log" for n in declared_logs()] + ["saved.pcap"]),
         "-Z nobody: logs and -w renamed in the directory wiretab created, no temporary file")
    t.eq(os.stat(logs).st_uid, 0, "-Z nobody, not through sudo: the directory it created "
         "stays root's (the broker, not nobody, writes in it)")
    t.eq(capinfos_count(os.path.join(logs, "saved.pcap")), N,
         "-Z nobody: the saved capture holds the %d frames (capinfos)" % N)


def ordinary_user():
    """(uid, gid) of an ordinary user: the first with uid >= 1000, else unnamed ids."""
    for pw in sorted(pwd.getpwall(), key=lambda p: p.pw_uid):
        if 1000 <= pw.pw_uid < 60000:
            return pw.pw_uid, pw.pw_gid
    return 4242, 4242


def all_entries(d):
    out = []
    for root, dirs, files in os.walk(d):
        out += [os.path.join(root, n) for n in dirs + files]
    return out


def check_landed(d, uid, gid, name):
    ents = all_entries(d)
    t.eq([e for e in ents if os.path.basename(e).startswith(".")], [],
         "%s: no temporary file left" % name)
    wrong = [(e, os.stat(e).st_uid, os.stat(e).st_gid) for e in ents
             if (os.stat(e).st_uid, os.stat(e).st_gid) != (uid, gid)]
    t.eq(wrong, [], "%s: every file and directory it made belongs to the invoking user %d:%d"
         % (name, uid, gid))


def test_sudo_user_dir():
    uid, gid = ordinary_user()
    d = os.path.join(work, "home")
    os.mkdir(d)
    os.chown(d, uid, gid)
    os.chmod(d, 0o755)
    env = dict(os.environ, SUDO_UID=str(uid), SUDO_GID=str(gid), SUDO_USER="wt-test")
    report, saved, logs = (os.path.join(d, n) for n in ("report.json", "saved.pcap", "logs"))
    st, rc, _, err = capture(["-Z", "nobody", "-o", report, "-w", saved, "--log-dir", logs],
                             "sudo", env)
    check_ids(st, NOBODY.pw_uid, NOBODY.pw_gid, "sudo, -Z nobody")
    t.ok(rc == 0 and err.strip() == "", "sudo, user's directory: exit 0, nothing on stderr",
         "exit %s: %s" % (rc, err))
    try:
        got = json.load(open(report))["capture"]["packets"]
    except (OSError, ValueError, KeyError):
        got = None
    t.eq(got, N, "sudo: -o report.json landed, complete (%d packets)" % N)
    t.eq(capinfos_count(saved), N, "sudo: -w landed, complete (%d frames, capinfos)" % N)
    t.eq(sorted(os.listdir(logs)) if os.path.isdir(logs) else None,
         sorted(n + ".log" for n in declared_logs()), "sudo: --log-dir: every log landed")
    for fmt, out in (("text", "report.txt"), ("html", "report.html"), ("csv", "csv")):
        path = os.path.join(d, out)
        st, rc, _, err = capture(["-Z", "nobody", "--format", fmt, "-o", path], fmt, env)
        if fmt == "csv":
            body = open(os.path.join(path, "summary.csv")).read() \
                if os.path.exists(os.path.join(path, "summary.csv")) else ""
            ok = "capture,packets,%d" % N in body and len(os.listdir(path)) > 1
        else:
            body = open(path).read() if os.path.exists(path) else ""
            ok = str(N) in body and (fmt != "html" or body.rstrip().endswith("</html>"))
        t.ok(rc == 0 and ok, "sudo: -o in %s landed, complete" % fmt,
             "exit %s: %s" % (rc, err))
    # --follow-dir needs TCP: a recorded capture, read as root through sudo with -Z nobody
    cap = os.path.join(project_root(), "captures", "http-veth-ipv4.pcap")
    fol = os.path.join(d, "streams")
    p = subprocess.run([wiretab_path(), "-q", "-r", cap, "-Z", "nobody", "--follow", "port 80",
                        "--follow-dir", fol, "-o", os.path.join(d, "follow-report.txt")],
                       capture_output=True, text=True, env=env)
    names = os.listdir(fol) if os.path.isdir(fol) else []
    t.ok(p.returncode == 0 and len(names) >= 2 and
         all(os.path.getsize(os.path.join(fol, n)) > 0 for n in names),
         "sudo: --follow-dir streams landed (%d files)" % len(names), p.stderr)
    check_landed(d, uid, gid, "sudo")
    # killed part-way: nothing under an output's name, no temporary file
    k = os.path.join(d, "killed")
    os.mkdir(k)
    os.chown(k, uid, gid)
    _, rc, _, _ = capture(["-Z", "nobody", "-o", os.path.join(k, "report.json"),
                           "-w", os.path.join(k, "saved.pcap"), "--log-dir",
                           os.path.join(k, "logs")], "killed", env, kill=True)
    left = [os.path.relpath(e, k) for e in all_entries(k) if not os.path.isdir(e)]
    t.ok(rc == -signal.SIGKILL and left == [],
         "sudo, capture killed: no partial output and no temporary file", left)


def test_default():
    try:
        user = pwd.getpwnam("wiretab")
    except KeyError:
        user = None
    st, rc, rep, err = capture([], "no -Z")
    lines = [l for l in err.splitlines() if l.strip()]
    if user:
        check_ids(st, user.pw_uid, user.pw_gid, "no -Z, user wiretab exists")
        t.eq(lines, [], "no -Z, user wiretab exists: nothing on stderr")
    else:
        check_ids(st, 0, 0, "no -Z, no user wiretab: stays root")
        t.ok(len(lines) == 1 and "notice" in lines[0] and "wiretab" in lines[0],
             "no -Z, no user wiretab: one notice line", err)
    check_report(rc, rep, err, 0, "no -Z")


def test_root():
    st, rc, rep, err = capture(["-Z", "root"], "-Z root")
    check_ids(st, 0, 0, "-Z root")
    t.eq(err.strip(), "", "-Z root: nothing on stderr")
    check_report(rc, rep, err, 0, "-Z root")


def test_no_such_user():
    logs = os.path.join(work, "never")
    start = time.time()
    p = subprocess.run(ns(wiretab_path(), "-i", A, "-Z", "wt-no-such-user", "--log-dir", logs),
                       capture_output=True, text=True, timeout=10)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    t.ok(p.returncode == 2 and len(lines) == 1 and "wt-no-such-user" in lines[0] and
         lines[0].startswith("wiretab: ") and p.stdout == "",
         "-Z nosuchuser: exit 2, one line naming the user, no report",
         "exit %d: %s" % (p.returncode, p.stderr))
    t.ok(time.time() - start < 2 and not os.path.exists(logs),
         "-Z nosuchuser: fails at once, nothing created")


def test_files_as_nobody():
    cap = os.path.join(project_root(), "captures", "http-veth-ipv4.pcap")
    if not os.path.exists(cap):
        t.skip("-r -Z nobody", "capture absent")
        return
    p = subprocess.run([wiretab_path(), "-q", "-r", cap, "-Z", "nobody", "--format", "json"],
                       capture_output=True, text=True)
    try:
        got = json.loads(p.stdout)["capture"]["packets"]
    except (ValueError, KeyError):
        got = None
    t.ok(p.returncode == 0 and got == capinfos_count(cap),
         "-r with -Z nobody: exit 0, every frame capinfos counts", p.stderr)


def test_keylog_read_before_drop():
    """A TLS key log only root may read, in a directory only root may enter: with -Z nobody
    the capture is read as nobody, yet every session is decrypted (the key log was read
    before the drop), with no warning and no error."""
    caps = os.path.join(project_root(), "captures")
    cap = os.path.join(caps, "tls-decrypt.pcap")
    if not os.path.exists(cap):
        t.skip("key log read before -Z", "capture absent")
        return
    secret_dir = os.path.join(work, "private")
    os.mkdir(secret_dir, 0o700)
    keylog = os.path.join(secret_dir, "keys.log")
    shutil.copy(os.path.join(caps, "tls-decrypt.keylog"), keylog)
    os.chmod(keylog, 0o600)
    # the capture itself where nobody can read it
    shutil.copy(cap, os.path.join(work, "tls.pcap"))
    os.chmod(os.path.join(work, "tls.pcap"), 0o644)
    want = [int(l.split()[1]) for l in open(os.path.join(caps, "tls-decrypt.truth.txt"))
            if l.startswith("tls_connections ")][0]
    p = subprocess.run([wiretab_path(), "-q", "-r", os.path.join(work, "tls.pcap"), "-Z", "nobody",
                        "--tls-keylog", keylog, "--format", "json"], capture_output=True, text=True)
    try:
        got = json.loads(p.stdout)["tls"]["sessions_decrypted"]
    except (ValueError, KeyError):
        got = None
    nobody_reads = subprocess.run(["setpriv", "--reuid", str(NOBODY.pw_uid), "--regid",
                                   str(NOBODY.pw_gid), "--clear-groups", "cat", keylog],
                                  capture_output=True).returncode == 0
    t.ok(p.returncode == 0 and got == want and p.stderr == "" and not nobody_reads,
         "--tls-keylog readable by root only, -Z nobody: every TLS session decrypted (%s of %d)"
         % (got, want), p.stderr)


try:
    setup()
    test_nobody_outputs_in_new_dir()
    test_sudo_user_dir()
    test_default()
    test_root()
    test_no_such_user()
    test_files_as_nobody()
    test_keylog_read_before_drop()
except subprocess.CalledProcessError as e:
    t.ok(False, "namespace setup or traffic", "%s\n%s" % (e, e.stderr))
finally:
    cleanup()
    shutil.rmtree(work, ignore_errors=True)
t.done()
