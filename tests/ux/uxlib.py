"""Shared helpers of the 'ux' suite: run wiretab under a pseudo-terminal, make a capture
large enough to take a few hundred milliseconds, and the netns/veth fixture."""
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_path  # noqa: E402,F401

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("MESON_BUILD_ROOT", "")
CAPTURE = os.path.join(SRC, "captures", "http-veth-ipv4.pcap")


def run_pty(argv, env=None, timeout=60, cols=100, rows=40):
    """Run argv with stdin/stdout/stderr on a new pseudo-terminal; returns (rc, bytes)."""
    import fcntl
    import struct
    import termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                         close_fds=True)
    os.close(slave)
    out = b""
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                d = os.read(master, 65536)
            except OSError:
                break
            if not d:
                break
            out += d
        elif p.poll() is not None:
            # drain what is left
            try:
                while True:
                    r, _, _ = select.select([master], [], [], 0.1)
                    if not r:
                        break
                    d = os.read(master, 65536)
                    if not d:
                        break
                    out += d
            except OSError:
                pass
            break
    if p.poll() is None:
        p.kill()
    rc = p.wait()
    os.close(master)
    return rc, out


def big_capture(workdir, copies=2500):
    """The recorded capture concatenated `copies` times (mergecap -a): ~100 MB, read in a
    second or so, so the progress bar (first drawn after 200 ms) has time to show."""
    path = os.path.join(workdir, "big.pcap")
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", path] + [CAPTURE] * copies,
                   check=True, capture_output=True)
    return path


def capinfos_count(path):
    out = subprocess.run(["capinfos", "-M", "-c", path], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        if "Number of packets" in line:
            return int(line.split(":")[1].strip().replace(",", ""))
    raise RuntimeError("capinfos: no packet count in %r" % out)


class VethPair:
    """Two network namespaces joined by a veth pair (10.83.x.1 <-> 10.83.x.2), a python
    HTTP server in the first. Root only; removed again on exit."""

    def __init__(self, tag):
        pid = os.getpid()
        self.ns_srv, self.ns_cli = "wtux-s-%s-%d" % (tag, pid), "wtux-c-%s-%d" % (tag, pid)
        self.if_srv, self.if_cli = ("wxs%s%d" % (tag, pid))[:15], ("wxc%s%d" % (tag, pid))[:15]
        self.ip_srv, self.ip_cli = "10.83.%d.1" % (pid % 250), "10.83.%d.2" % (pid % 250)
        self.server = None
        self.work = tempfile.mkdtemp(prefix="wt-ux-")

    def sh(self, *a, check=True):
        return subprocess.run(list(a), check=check, capture_output=True, text=True)

    def ns(self, ns, *a):
        return ["ip", "netns", "exec", ns] + list(a)

    def __enter__(self):
        self.sh("ip", "netns", "add", self.ns_srv)
        self.sh("ip", "netns", "add", self.ns_cli)
        self.sh("ip", "link", "add", self.if_srv, "netns", self.ns_srv, "type", "veth", "peer",
                "name", self.if_cli, "netns", self.ns_cli)
        for ns, ifc, ip in ((self.ns_srv, self.if_srv, self.ip_srv),
                            (self.ns_cli, self.if_cli, self.ip_cli)):
            self.sh(*self.ns(ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"),
                    check=False)
            self.sh(*self.ns(ns, "sysctl", "-q", "-w",
                             "net.ipv6.conf.default.disable_ipv6=1"), check=False)
            self.sh(*self.ns(ns, "ip", "link", "set", "lo", "up"))
            self.sh(*self.ns(ns, "ip", "addr", "add", ip + "/24", "dev", ifc))
            self.sh(*self.ns(ns, "ip", "link", "set", ifc, "up"))
        with open(os.path.join(self.work, "index.html"), "w") as f:
            f.write("hello\n")
        self.server = subprocess.Popen(
            self.ns(self.ns_srv, sys.executable, "-m", "http.server", "--bind", self.ip_srv,
                    "8000"), cwd=self.work, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        for _ in range(50):
            if self.curl("/") == "200":
                return self
            time.sleep(0.1)
        raise RuntimeError("http.server did not answer")

    def curl(self, path):
        p = subprocess.run(self.ns(self.ns_cli, "curl", "-s", "-o", "/dev/null", "-w",
                                   "%{http_code}", "--max-time", "2",
                                   "http://%s:8000%s" % (self.ip_srv, path)),
                           capture_output=True, text=True)
        return p.stdout

    def __exit__(self, *exc):
        if self.server:
            self.server.kill()
            self.server.wait()
        for ns in (self.ns_srv, self.ns_cli):
            self.sh("ip", "netns", "del", ns, check=False)
        shutil.rmtree(self.work, ignore_errors=True)
        return False


def can_use_netns():
    return os.geteuid() == 0 and shutil.which("ip") and shutil.which("curl")
