"""A minimal TAP producer for the project's script tests (meson test, protocol: tap)."""
import json
import os
import subprocess
import sys


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        print(("ok %d - %s" if cond else "not ok %d - %s") % (self.n, name))
        if not cond:
            self.failed += 1
            if diag:
                for line in str(diag).splitlines():
                    print("# " + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, name):
        return self.ok(got == want, name, "got:  %r\nwant: %r" % (got, want))

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, why))

    def skip_all(self, why):
        print("1..0 # SKIP " + why)
        sys.exit(0)

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def wiretab_path():
    return os.environ.get("WIRETAB") or sys.argv[1]


def run_wiretab(args, **kw):
    return subprocess.run([wiretab_path()] + args, capture_output=True, text=True, **kw)


def wiretab_json(args):
    p = run_wiretab(args + ["--format", "json"])
    if p.returncode != 0:
        raise RuntimeError("wiretab %s failed (%d): %s" % (args, p.returncode, p.stderr))
    return json.loads(p.stdout)


def rerun_with_system_python(flag):
    """When this python lacks a module (scapy), run the script again with Debian's
    /usr/bin/python3, which python3-scapy installs into. Returns when that is this
    python or this is already the second run (FLAG set); the caller then skips."""
    system = "/usr/bin/python3"
    if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system) \
            and not os.environ.get(flag):
        os.environ[flag] = "1"
        os.execv(system, [system] + sys.argv)


def read_truth(path):
    """A captures/*.truth.txt file: its `method M N`, `status C N` and `version V N` lines
    as {M: N} dicts, every other `key value` line as kv[key] = value (a string).
    Returns (kv, methods, statuses, versions)."""
    kv, counts = {}, {"method": {}, "status": {}, "version": {}}
    for line in open(path):
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        if f[0] in counts and len(f) == 3:
            counts[f[0]][f[1]] = int(f[2])
        elif len(f) >= 2:
            kv[f[0]] = f[1]
    return kv, counts["method"], counts["status"], counts["version"]


def shared_captures():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("WT_SHARED_CAPTURES") or os.path.normpath(
        os.path.join(here, "..", "..", "shared", "captures"))


def project_root():
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def declared_logs():
    """The log tables this build writes (conn plus every registered dissector's), in the
    registry's order, as its ClickHouse schema names them: tests of the log mechanism
    (atomic files, the export) cover a new protocol's log without being edited."""
    import re
    out = subprocess.run([wiretab_path(), "--clickhouse-schema", "--clickhouse",
                          "http://127.0.0.1:1/?database=wt"], capture_output=True,
                         text=True).stdout
    return re.findall(r"CREATE TABLE IF NOT EXISTS `wt`\.(\w+)_local", out)
