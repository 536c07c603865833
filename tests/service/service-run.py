#!/usr/bin/env python3
"""The command line of wiretab@.service, run as systemd would run it (TAP, root).

systemd is not needed (and is not PID 1 in a container): this test does what the unit
tells it to. It reads ExecStart from the built unit, takes the variables from the shipped
wiretab.conf and a per-interface file (as the two EnvironmentFile= lines would), expands
%i, ${STATE_DIRECTORY} and $VARIABLES the way systemd does (a $VAR splits at spaces), and
runs it

- as the system user wiretab (nobody when it does not exist) with only CAP_NET_RAW and
  CAP_NET_ADMIN (setpriv: ambient and bounding sets, no new privileges), as User=,
  AmbientCapabilities=, CapabilityBoundingSet= and NoNewPrivileges= do;
- in a network namespace of its own, capturing on a veth whose peer (another namespace)
  runs a Python HTTP server that curl asks once every 0.6 s for about 7 s;
- with NOTIFY_SOCKET pointing at a datagram socket this test listens on, and
  WATCHDOG_USEC=1000000 (WatchdogSec=1s).

Then SIGTERM, as systemctl stop sends. Checked: READY=1 arrives before the first request,
WATCHDOG=1 at least every second after it, STATUS= lines, STOPPING=1 at the end, exit 0;
the per-interface file's --log-rotate 2s wins over the unit's 1h, so http.log is rotated
into at least three two-second files whose lines together are one per request the server
logged (its own access log), and the report (report.json in the state directory) counts
the same requests.

    service-run.py BUILT_UNIT WIRETAB_CONF
"""
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_path  # noqa: E402

NS_SERVER, NS_SENSOR = "service-srv%d" % os.getpid(), "service-sen%d" % os.getpid()
IF_SERVER, IF_SENSOR = "svcsrv0", "svcsen0"
ADDR_SERVER, ADDR_SENSOR = "10.231.0.1", "10.231.0.2"
ROTATE = re.compile(r"^http\.\d{4}(-\d\d){5}_\d{4}(-\d\d){5}(\.\d+)?\.log$")


def sh(*args, check=True):
    return subprocess.run(list(args), capture_output=True, text=True, check=check)


def read_env_file(path, env):
    """systemd's EnvironmentFile=: KEY=VALUE lines, comments and blank lines skipped."""
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                env[key] = value


def expand(execstart, instance, env):
    """%i, ${VAR} (one word) and $VAR (split at spaces, none when empty) as systemd does."""
    words = []
    for word in execstart.replace("%i", instance).split():
        m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if m:
            words += env.get(m.group(1), "").split()
            continue
        words.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                            lambda v: env.get(v.group(1), ""), word))
    return words


def setup_namespaces():
    for ns in (NS_SERVER, NS_SENSOR):
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "link", "add", IF_SERVER, "netns", NS_SERVER, "type", "veth", "peer", "name",
       IF_SENSOR, "netns", NS_SENSOR)
    for ns, ifname, addr in ((NS_SERVER, IF_SERVER, ADDR_SERVER),
                             (NS_SENSOR, IF_SENSOR, ADDR_SENSOR)):
        sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", ifname)
        sh("ip", "-n", ns, "link", "set", ifname, "up")
        sh("ip", "netns", "exec", ns, "ethtool", "-K", ifname, "tso", "off", "gso", "off",
           "gro", "off", check=False)


def teardown_namespaces():
    for ns in (NS_SERVER, NS_SENSOR):
        sh("ip", "netns", "del", ns, check=False)


class Notifications:
    """The service manager's end of NOTIFY_SOCKET: every datagram with its arrival time,
    received by a thread of its own so the times are exact."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        os.chmod(path, 0o777)  # the service user sends to it
        self.sock.settimeout(0.1)
        self.messages = []  # (time, "KEY=VALUE")
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self.receive, daemon=True)
        self.thread.start()

    def receive(self):
        while self.running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            now = time.monotonic()
            with self.lock:
                self.messages += [(now, line) for line in data.decode().splitlines()]

    def drain(self):
        """Kept for the callers' rhythm: the thread receives."""

    def stop(self):
        self.running = False
        self.thread.join()

    def times(self, line):
        with self.lock:
            return [t for t, m in self.messages if m == line]


def main():
    tap = Tap()
    unit_path, conf_path = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        tap.skip_all("needs root (network namespaces, capabilities)")
    for tool in ("ip", "setpriv", "curl"):
        if not shutil.which(tool):
            tap.skip_all("%s is not installed" % tool)
    pid1 = open("/proc/1/comm").read().strip()
    print("# PID 1 is %s: the unit's command line runs here without systemd" % pid1)
    with open(unit_path) as f:
        execstart = re.search(r"^ExecStart=(.*)$", f.read(), re.M).group(1)
    try:
        user = pwd.getpwnam("wiretab")
    except KeyError:
        user = pwd.getpwnam("nobody")
    print("# running as %s" % user.pw_name)

    work = tempfile.mkdtemp(prefix="wt-service-")
    os.chmod(work, 0o755)
    state = os.path.join(work, "state", IF_SENSOR)  # StateDirectory=wiretab/%i
    os.makedirs(state)
    os.chown(state, user.pw_uid, user.pw_gid)
    os.chmod(state, 0o750)
    per_iface = os.path.join(work, "wiretab-%s.conf" % IF_SENSOR)
    with open(per_iface, "w") as f:
        f.write("# this interface rotates every 2 s\n"
                "WIRETAB_OPTIONS=--log-rotate 2s --log-keep-age 7d\n")
    env = {"STATE_DIRECTORY": state}
    read_env_file(conf_path, env)
    read_env_file(per_iface, env)
    argv = expand(execstart, IF_SENSOR, env)
    argv[0] = os.path.abspath(wiretab_path())
    print("# ExecStart: %s" % " ".join(argv))

    notify_path = os.path.join(work, "notify")
    notes = Notifications(notify_path)
    server = sensor = None
    teardown_namespaces()
    try:
        setup_namespaces()
        server_log = open(os.path.join(work, "server.log"), "w+")
        www = os.path.join(work, "www")
        os.makedirs(www)
        with open(os.path.join(www, "index.html"), "w") as f:
            f.write("hello\n")
        server = subprocess.Popen(["ip", "netns", "exec", NS_SERVER, sys.executable, "-m",
                                   "http.server", "--bind", ADDR_SERVER, "8080",
                                   "--directory", www],
                                  stdout=subprocess.DEVNULL, stderr=server_log)
        child_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
                     "NOTIFY_SOCKET": notify_path, "WATCHDOG_USEC": "1000000"}
        started = time.monotonic()
        sensor = subprocess.Popen(
            ["ip", "netns", "exec", NS_SENSOR, "setpriv", "--reuid", str(user.pw_uid),
             "--regid", str(user.pw_gid), "--init-groups", "--nnp",
             "--inh-caps", "-all,+net_raw,+net_admin",
             "--ambient-caps", "-all,+net_raw,+net_admin",
             "--bounding-set", "-all,+net_raw,+net_admin"] + argv,
            env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd="/")
        ready = None
        while time.monotonic() - started < 10 and sensor.poll() is None:
            notes.drain()
            if notes.times("READY=1"):
                ready = notes.times("READY=1")[0]
                break
            time.sleep(0.05)
        if not tap.ok(ready is not None, "READY=1 once the interface is open (%.2f s)"
                      % ((ready or started) - started)):
            raise RuntimeError("no READY=1; wiretab: %s" % (
                sensor.communicate(timeout=5)[1] if sensor.poll() is not None else "running"))
        for _ in range(60):  # the server listens
            if sh("ip", "netns", "exec", NS_SENSOR, "curl", "-s", "-o", "/dev/null",
                  "--max-time", "1", "http://%s:8080/" % ADDR_SERVER, check=False).returncode == 0:
                break
            time.sleep(0.1)
        first_request = time.monotonic()
        while time.monotonic() - first_request < 7:
            sh("ip", "netns", "exec", NS_SENSOR, "curl", "-s", "-o", "/dev/null",
               "--max-time", "2", "http://%s:8080/index.html" % ADDR_SERVER, check=False)
            notes.drain()
            time.sleep(0.6)
        time.sleep(0.5)  # the last response is on the wire
        notes.drain()
        stop = time.monotonic()
        sensor.terminate()  # systemctl stop: SIGTERM to the main process
        try:
            out, err = sensor.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            sensor.kill()
            out, err = sensor.communicate()
        time.sleep(0.2)
        notes.stop()
        tap.eq(sensor.returncode, 0, "SIGTERM: wiretab exits 0 (stderr: %s)" % err.strip()[:300])

        dogs = [t for t in notes.times("WATCHDOG=1") if ready <= t <= stop]
        gaps = [b - a for a, b in zip([ready] + dogs, dogs + [stop])]
        tap.ok(len(dogs) >= 6 and max(gaps) <= 1.0,
               "WATCHDOG=1 %d times over %.1f s, at most %.2f s apart (WatchdogSec=1s)"
               % (len(dogs), stop - ready, max(gaps)))
        status = [m for _, m in notes.messages if m.startswith("STATUS=")]  # thread stopped
        counted = [m for m in status if re.search(r"\d+ packets", m)]
        tap.ok(status and status[0] == "STATUS=capturing on %s" % IF_SENSOR and counted,
               "STATUS= says where it captures, then packet counts (%s)"
               % (counted[-1] if counted else status), status)
        tap.ok(bool(notes.times("STOPPING=1")), "STOPPING=1 after SIGTERM")

        server_log.seek(0)
        served = [l for l in server_log.read().splitlines() if '"GET /' in l]
        files = sorted(n for n in os.listdir(state) if ROTATE.match(n))
        lines = []
        for n in files:
            with open(os.path.join(state, n)) as f:
                lines += [json.loads(l) for l in f.read().splitlines()]
        tap.ok(len(files) >= 3, "http.log rotated every 2 s (--log-rotate 2s from the "
               "per-interface file): %d files" % len(files), sorted(os.listdir(state)))
        tap.eq(len(lines), len(served), "the rotated http files hold one line per request "
               "the server logged (%d)" % len(served))
        tap.eq(sorted(r.get("status_code") for r in lines), [200] * len(served),
               "every request's status in the logs is the server's 200")
        leftovers = [n for n in os.listdir(state) if n.startswith(".")]
        tap.eq(leftovers, [], "no temporary file left in the state directory")
        owners = {os.stat(os.path.join(state, n)).st_uid for n in files}
        tap.eq(owners, {user.pw_uid}, "the logs belong to the service user %s" % user.pw_name)
        report_path = os.path.join(state, "report.json")
        if tap.ok(os.path.exists(report_path), "report.json of the run in the state directory"):
            with open(report_path) as f:
                report = json.load(f)
            tap.eq(report["http"]["requests"], len(served),
                   "report.json counts the server's %d requests" % len(served))
    except Exception as e:  # noqa: BLE001 - reported as a failed test, namespaces removed
        tap.ok(False, "service run", repr(e))
    finally:
        notes.running = False
        for p in (sensor, server):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        teardown_namespaces()
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


if __name__ == "__main__":
    main()
