#!/usr/bin/env python3
"""wiretab@.service as systemd reads it (TAP): `systemd-analyze verify` finds nothing to
say about an instance (lo), with the unit's ExecStart pointing at this build's binary;
`systemd-analyze security --offline` rates its exposure at 3.0 or below (systemd calls up
to 3.9 "OK"); and the settings file the unit reads is a valid environment file whose
variables the ExecStart line uses.

    unit-verify.py BUILT_UNIT WIRETAB_CONF
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, wiretab_path  # noqa: E402


def main():
    tap = Tap()
    unit_path, conf_path = sys.argv[1], sys.argv[2]
    with open(unit_path) as f:
        unit = f.read()
    if not shutil.which("systemd-analyze"):
        tap.skip_all("systemd-analyze (package systemd) is not installed")
    work = tempfile.mkdtemp(prefix="wt-unit-")
    try:
        local = re.sub(r"^ExecStart=\S+", "ExecStart=" + os.path.abspath(wiretab_path()), unit,
                       flags=re.M)
        with open(os.path.join(work, "wiretab@.service"), "w") as f:
            f.write(local)
        instance = os.path.join(work, "wiretab@lo.service")
        os.symlink("wiretab@.service", instance)
        p = subprocess.run(["systemd-analyze", "verify", "--man=no", instance],
                           capture_output=True, text=True)
        tap.ok(p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(),
               "systemd-analyze verify wiretab@lo.service: exit 0, no remark",
               "exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
        p = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager",
                            instance], capture_output=True, text=True)
        m = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", p.stdout)
        tap.ok(m is not None and float(m.group(1)) <= 3.0,
               "systemd-analyze security: exposure %s (at most 3.0)"
               % (m.group(1) + " " + m.group(2) if m else "?"), p.stdout[-2000:] + p.stderr)

        # The settings file: KEY=VALUE lines and comments only; every key is one the unit
        # expands; the unit reads it and the per-interface file.
        keys, bad = [], []
        with open(conf_path) as f:
            for n, line in enumerate(f, 1):
                s = line.strip()
                if not s or s.startswith("#"):
                    continue
                m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", s)
                if not m or '"' in m.group(2) or "'" in m.group(2):
                    bad.append("%d: %s" % (n, s))
                else:
                    keys.append(m.group(1))
        tap.ok(keys and not bad, "wiretab.conf: %d settings, each KEY=VALUE without quotes"
               % len(keys), bad)
        execstart = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1)
        used = set(re.findall(r"\$([A-Z_]+)", execstart))
        tap.ok(set(keys) <= used, "every setting of wiretab.conf is used by ExecStart",
               sorted(set(keys) - used))
        commented = set(re.findall(r"^#(WIRETAB_[A-Z_]+)=", open(conf_path).read(), re.M))
        tap.ok(used - {"STATE_DIRECTORY"} <= set(keys) | commented,
               "every variable of ExecStart is described in wiretab.conf",
               sorted(used - set(keys) - commented))
        envfiles = re.findall(r"^EnvironmentFile=-(\S+)$", unit, re.M)
        tap.ok(len(envfiles) == 2 and envfiles[0].endswith("/wiretab/wiretab.conf") and
               envfiles[1].endswith("/wiretab/wiretab-%i.conf"),
               "the unit reads wiretab.conf, then wiretab-IFACE.conf (both optional)", envfiles)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


if __name__ == "__main__":
    main()
