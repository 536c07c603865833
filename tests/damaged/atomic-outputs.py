#!/usr/bin/env python3
"""Outputs are atomic: the report (-o), the saved capture (-w) and the logs
(--log-dir conn.log, http.log, dns.log) are written under a temporary name in their
directory (.NAME.XXXXXX) and renamed once complete.

- a normal run leaves the final files and no temporary ones; -w holds the frames capinfos
  counts in the input, the report says as many;
- while wiretab runs (reading a pipe that stays open), the previous conn.log, report and
  capture are untouched and the new ones exist only as temporary files; SIGKILL leaves it
  so (never a half-written file under the final name); SIGINT, SIGTERM and SIGHUP end with
  complete files under their names;
- a full disk (a 64 KiB tmpfs in a private mount namespace, root only) is one line naming
  the file ("No space left on device"), exit 2, no file under the final name and no
  temporary file left;
- an unwritable path (a read-only directory, for a non-root user: setpriv when the test
  runs as root) is one line naming the path, exit 2, before anything is read.
"""
import glob
import json
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, declared_logs, wiretab_path, project_root  # noqa: E402

t = Tap()
if shutil.which("capinfos") is None:
    t.skip_all("needs capinfos")
CAP = os.path.join(project_root(), "captures", "http-veth-ipv4.pcap")
BIG = os.path.join(project_root(), "captures", "http-mix-small.pcap")
if not os.path.exists(CAP) or not os.path.exists(BIG):
    t.skip_all("captures/http-veth-ipv4.pcap or http-mix-small.pcap absent")
work = tempfile.mkdtemp(prefix="wt-atomic-")
os.chmod(work, 0o755)
ROOT = os.geteuid() == 0


def capinfos_count(path):
    p = subprocess.run(["capinfos", "-c", "-M", path], capture_output=True, text=True)
    m = re.search(r"Number of packets:\s+(\d+)", p.stdout)
    return int(m.group(1)) if m else None


def temporaries(d):
    return sorted(os.path.basename(f) for f in glob.glob(os.path.join(d, ".*.??????")))


def lines_of(err):
    return [l for l in err.splitlines() if l.strip()]


def outputs(d):
    return ["-o", os.path.join(d, "report.json"), "-w", os.path.join(d, "saved.pcap"),
            "--log-dir", os.path.join(d, "logs")]


def normal_run():
    d = os.path.join(work, "normal")
    os.mkdir(d)
    p = subprocess.run([wiretab_path(), "-q", "-r", CAP, "--format", "json"] + outputs(d),
                       capture_output=True, text=True)
    t.eq(p.returncode, 0, "normal run: exit 0")
    n = capinfos_count(CAP)
    t.eq(capinfos_count(os.path.join(d, "saved.pcap")), n, "-w holds the %d frames capinfos "
         "counts in the input" % n)
    rep = json.load(open(os.path.join(d, "report.json")))
    t.eq(rep["capture"]["packets"], n, "-o report: %d packets" % n)
    logs = os.path.join(d, "logs")
    want = sorted(n + ".log" for n in declared_logs())
    t.eq(sorted(os.listdir(logs)), want, "--log-dir: %s and nothing else" % ", ".join(want))
    conns = [json.loads(l) for l in open(os.path.join(logs, "conn.log"))]
    if shutil.which("tshark"):
        conv = subprocess.run(["tshark", "-n", "-r", CAP, "-q", "-z", "conv,tcp", "-z", "conv,udp"],
                              capture_output=True, text=True).stdout
        t.eq(len(conns), conv.count("<->"), "conn.log is complete: one line per TCP/UDP "
             "conversation tshark lists")
    else:
        t.ok(len(conns) > 0, "conn.log has lines (no tshark to count conversations)")
    t.eq(temporaries(d) + temporaries(logs), [], "no temporary file left")


PCAP_HDR = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1)


def records(path):
    """The record bytes of a classic little-endian pcap file."""
    data = open(path, "rb").read()
    assert data[:4] == b"\xd4\xc3\xb2\xa1"
    return data[24:]


def start_on_pipe(d):
    """wiretab reading a pipe that stays open: header and every frame of CAP written."""
    p = subprocess.Popen([wiretab_path(), "-q", "-r", "-", "--format", "json"] + outputs(d),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(PCAP_HDR + records(CAP))
    p.stdin.flush()
    # wait until its outputs exist (as temporary files) and the frames are read
    end = time.time() + 5
    while time.time() < end and len(temporaries(d)) < 2:
        time.sleep(0.05)
    time.sleep(0.5)
    return p


def preexisting(d):
    os.makedirs(os.path.join(d, "logs"))
    for name in ("report.json", "saved.pcap", os.path.join("logs", "conn.log")):
        with open(os.path.join(d, name), "w") as f:
            f.write("OLD\n")


def killed_run():
    d = os.path.join(work, "killed")
    os.mkdir(d)
    preexisting(d)
    p = start_on_pipe(d)
    logs = os.path.join(d, "logs")
    running = (temporaries(d), temporaries(logs))
    old = [open(os.path.join(d, n)).read() for n in ("report.json", "saved.pcap",
                                                      os.path.join("logs", "conn.log"))]
    n_logs = len(declared_logs())
    t.ok(len(running[0]) == 2 and len(running[1]) == n_logs,
         "while running: report and capture, and the %d logs, exist as temporary files" % n_logs,
         repr(running))
    t.eq(old, ["OLD\n"] * 3, "while running: the previous report, capture and conn.log are "
         "untouched")
    p.kill()
    p.wait()
    p.stdin.close()
    after = [open(os.path.join(d, n)).read() for n in ("report.json", "saved.pcap",
                                                        os.path.join("logs", "conn.log"))]
    t.eq(after, ["OLD\n"] * 3, "SIGKILL: no half-written report, capture or conn.log under "
         "the final names")
    t.eq((temporaries(d), temporaries(logs)), running,
         "SIGKILL: only the temporary files are left")


def signalled_run(sig, name):
    d = os.path.join(work, "sig-" + name)
    os.mkdir(d)
    preexisting(d)
    p = start_on_pipe(d)
    p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    n = capinfos_count(CAP)
    logs = os.path.join(d, "logs")
    try:
        rep = json.load(open(os.path.join(d, "report.json")))
    except ValueError:
        rep = {}
    t.ok(p.returncode == 0 and rep.get("capture", {}).get("packets") == n,
         "%s: exit 0, the report file is complete (%d packets)" % (name, n),
         "exit %s, stderr %s" % (p.returncode, err.decode()[-300:]))
    t.eq(capinfos_count(os.path.join(d, "saved.pcap")), n,
         "%s: the saved capture is complete (%d frames)" % (name, n))
    conn = open(os.path.join(logs, "conn.log")).read()
    t.ok(conn != "OLD\n" and all(json.loads(l) for l in conn.splitlines()),
         "%s: conn.log replaced by the new, whole log" % name, conn[:200])
    t.eq(temporaries(d) + temporaries(logs), [], "%s: no temporary file left" % name)


def full_disk():
    if not ROOT or shutil.which("unshare") is None:
        t.skip("full disk", "needs root and unshare (private mount namespace)")
        return
    for what, args, target in (
            ("--log-dir", ["--log-dir", "{m}/logs"], "{m}/logs/http.log"),
            ("-w", ["-w", "{m}/saved.pcap"], "{m}/saved.pcap"),
            ("-o", ["-o", "{m}/report.json"], "{m}/report.json")):
        m = tempfile.mkdtemp(prefix="wt-full-", dir=work)
        argv = [wiretab_path(), "-q", "-r", BIG, "--format", "json"] + [a.format(m=m) for a in args]
        # a 64 KiB tmpfs, 52 KiB of it taken: the first files fit, not the rest
        script = ('mount -t tmpfs -o size=64k tmpfs "$0" && '
                  'dd if=/dev/zero of="$0/fill" bs=1k count=52 2>/dev/null && "$@" >/dev/null; '
                  'rc=$?; ls -a "$0" "$0/logs" 2>/dev/null | tr "\\n" " " >&2; exit $rc')
        p = subprocess.run(["unshare", "-m", "sh", "-c", script, m] + argv,
                           capture_output=True, text=True, timeout=60)
        err, listing = p.stderr.rsplit("\n", 1) if "\n" in p.stderr else ("", p.stderr)
        lines = lines_of(err)
        path = target.format(m=m)
        t.eq(p.returncode, 2, "full disk, %s: exit 2" % what)
        t.ok(len(lines) == 1 and lines[0].startswith("wiretab: ") and path in lines[0] and
             "No space left on device" in lines[0],
             "full disk, %s: one line naming %s: no space left" % (what, os.path.basename(path)),
             err)
        names = listing.split()
        t.ok(os.path.basename(path) not in names and
             not any(re.match(r"^\..*\.\w{6}$", n) for n in names),
             "full disk, %s: neither %s nor a temporary file is left" % (what, os.path.basename(path)),
             listing)


def unwritable():
    ro = os.path.join(work, "read-only")
    os.mkdir(ro)
    os.chmod(ro, 0o555)
    prefix = []
    if ROOT:
        if shutil.which("setpriv") is None:
            t.skip("unwritable paths", "root, and no setpriv to run as a user")
            return
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    cases = (("-o in a read-only directory", ["-o", ro + "/report.json"], ro + "/report.json"),
             ("-w in a read-only directory", ["-w", ro + "/saved.pcap"], ro + "/saved.pcap"),
             ("--log-dir a read-only directory", ["--log-dir", ro], ro + "/conn.log"),
             ("--log-dir below a read-only directory", ["--log-dir", ro + "/logs"], ro + "/logs"),
             ("-o in a missing directory", ["-o", ro + "/no/such/report.json"],
              ro + "/no/such/report.json"))
    for name, args, path in cases:
        start = time.time()
        p = subprocess.run(prefix + [wiretab_path(), "-q", "-r", BIG, "--format", "json"] + args,
                           capture_output=True, text=True)
        took = time.time() - start
        lines = lines_of(p.stderr)
        t.ok(p.returncode == 2 and len(lines) == 1 and path in lines[0] and
             lines[0].startswith("wiretab: ") and p.stdout == "",
             "%s: exit 2, one line naming %s, no report" % (name, path),
             "exit %d: %s" % (p.returncode, p.stderr))
        t.ok(took < 2.0 and os.listdir(ro) == [],
             "%s: fails before reading (%.2f s), nothing created" % (name, took))


def special_targets():
    """Devices and pipes are written in place (a root run must never replace /dev/null:
    a character device made with mknod in the test's directory stands in for it); a
    symbolic link stays a link, its target gets the report; a directory is an error."""
    d = os.path.join(work, "special")
    os.mkdir(d)
    if ROOT:
        dev = os.path.join(d, "null")
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        p = subprocess.run([wiretab_path(), "-q", "-r", CAP, "--format", "json", "-o", dev,
                            "-w", dev], capture_output=True, text=True)
        st = os.lstat(dev)
        t.ok(p.returncode == 0 and stat.S_ISCHR(st.st_mode) and os.listdir(d) == ["null"],
             "-o and -w to a character device: written in place, the device stays",
             "exit %d, %s, %s" % (p.returncode, p.stderr, os.listdir(d)))
        os.unlink(dev)
    else:
        t.skip("-o to a character device", "mknod needs root")
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", fifo], stdout=subprocess.PIPE)
    p = subprocess.run([wiretab_path(), "-q", "-r", CAP, "--format", "json", "-o", fifo],
                       capture_output=True, text=True, timeout=30)
    got = reader.communicate(timeout=10)[0]
    try:
        packets = json.loads(got)["capture"]["packets"]
    except (ValueError, KeyError):
        packets = None
    t.ok(p.returncode == 0 and stat.S_ISFIFO(os.lstat(fifo).st_mode) and
         packets == capinfos_count(CAP),
         "-o to a named pipe: the report goes through it, the pipe stays", p.stderr)
    os.mkdir(os.path.join(d, "real"))
    link = os.path.join(d, "link.json")
    os.symlink(os.path.join("real", "r.json"), link)
    p = subprocess.run([wiretab_path(), "-q", "-r", CAP, "--format", "json", "-o", link],
                       capture_output=True, text=True)
    t.ok(p.returncode == 0 and os.path.islink(link) and
         json.load(open(os.path.join(d, "real", "r.json")))["capture"]["packets"] ==
         capinfos_count(CAP) and temporaries(d) + temporaries(os.path.join(d, "real")) == [],
         "-o to a symbolic link: the link stays, its target holds the report", p.stderr)
    p = subprocess.run([wiretab_path(), "-q", "-r", CAP, "-o", d], capture_output=True, text=True)
    lines = lines_of(p.stderr)
    t.ok(p.returncode == 2 and len(lines) == 1 and d in lines[0] and p.stdout == "",
         "-o to a directory (text format): exit 2, one line naming it", p.stderr)


try:
    special_targets()
    normal_run()
    killed_run()
    for sig, name in ((signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM"),
                      (signal.SIGHUP, "SIGHUP")):
        signalled_run(sig, name)
    full_disk()
    unwritable()
finally:
    shutil.rmtree(work, ignore_errors=True)
t.done()
