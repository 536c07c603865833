#!/usr/bin/env python3
"""--log-rotate, --log-keep-size and --log-keep-age on recorded captures (TAP).

Reading files, rotation follows the packets' time: the captures span several one-second
intervals (capinfos gives their first and last packet times). For each input, with one
thread and with --threads 2, and with the ClickHouse export to a server that is not
there (every row spilled):

- the rotated files' lines are exactly the lines of an unrotated run, table by table
  (one thread: in the same order, the files taken in interval order);
- every file is named TABLE.START_END.log with START and END one interval apart, aligned
  to the interval, inside the capture's time span, and no temporary file is left;
- a conn record is written when its connection ends, so its ts + duration is before the
  end of its file's interval;
- retention: with --log-keep-size set to the size of the newest K intervals' files, those
  files remain and every older one is gone; with --log-keep-age, the files whose interval
  ended more than AGE before the last packet are gone and the others remain.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tap import Tap, project_root, run_wiretab, declared_logs  # noqa: E402

CAPTURES = os.path.join(project_root(), "captures")
INPUTS = {
    # real DNS over five seconds (dnsmasq and dig in namespaces)
    "dns": ["dns-dnsmasq.pcap"],
    # four recordings made at different times, read as one capture
    "mixed": ["dns-dnsmasq.pcap", "http-mix-small.pcap", "tcp-keepalive.pcap",
              "ssh-openssh.pcap"],
}
NAME_RE = re.compile(r"^(\w+)\.(\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)_(\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)"
                     r"(?:\.(\d+))?\.log$")


def epoch(stamp):
    import calendar
    import time
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%d-%H-%M-%S"))


def capture_span(files):
    """(first, last) packet time over the files, from capinfos."""
    out = subprocess.run(["capinfos", "-a", "-e", "-S", "-T", "-r"] + files,
                         capture_output=True, text=True, check=True).stdout
    firsts, lasts = [], []
    for line in out.splitlines():
        cols = line.split("\t")
        firsts.append(float(cols[1]))
        lasts.append(float(cols[2]))
    return min(firsts), max(lasts)


def rotated_files(d):
    """{name: (table, start, end)} of the rotated logs in d."""
    found = {}
    for name in os.listdir(d):
        m = NAME_RE.match(name)
        if m:
            found[name] = (m.group(1), epoch(m.group(2)), epoch(m.group(3)))
    return found


def in_interval_order(files):
    return sorted(files, key=lambda n: (files[n][1], len(n), n))


def lines_of(path):
    with open(path) as f:
        return f.read().splitlines()


def run(tap, label, args):
    p = run_wiretab(args + ["-q", "--format", "json"])
    if not tap.ok(p.returncode == 0, "%s: wiretab exits 0" % label, p.stderr):
        return None
    return json.loads(p.stdout)


def check_partition(tap, label, plain, rot, tables, ordered):
    files = rotated_files(rot)
    for table in tables:
        want = lines_of(os.path.join(plain, table + ".log"))
        got = []
        for name in in_interval_order(files):
            if files[name][0] == table:
                got += lines_of(os.path.join(rot, name))
        if not ordered:
            got, want = sorted(got), sorted(want)
        diff = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), None)
        tap.ok(got == want, "%s: %s: rotated files hold the unrotated log's %d lines%s"
               % (label, table, len(want), ", in order" if ordered else ""),
               "got %d lines, want %d; first difference at line %s:\n%s\n%s"
               % (len(got), len(want), diff, got[diff][:200] if diff is not None else "",
                  want[diff][:200] if diff is not None else ""))
    return files


def check_names(tap, label, rot, files, span, interval):
    first, last = span
    bad = [n for n, (_, s, e) in files.items()
           if e - s != interval or s % interval or s < int(first) // interval * interval
           or s > last]
    tap.ok(not bad, "%s: %d files, each one aligned %d s interval inside the capture's "
           "span %.6f..%.6f" % (label, len(files), interval, first, last), bad)
    leftovers = [n for n in os.listdir(rot) if n.startswith(".")]
    tap.eq(leftovers, [], "%s: no temporary file left" % label)
    late = []
    for name, (table, s, e) in files.items():
        if table != "conn":
            continue
        for line in lines_of(os.path.join(rot, name)):
            r = json.loads(line)
            if r["ts"] + r.get("duration", 0) > e + 1e-6:
                late.append((name, r["uid"]))
    tap.ok(not late, "%s: every conn record is in the file of an interval that ends after "
           "its connection" % label, late[:5])


def main():
    tap = Tap()
    if not shutil.which("capinfos"):
        tap.skip_all("capinfos (wireshark-common) is not installed")
    tables = declared_logs()
    work = tempfile.mkdtemp(prefix="wt-rotation-")
    try:
        for key, names in INPUTS.items():
            paths = [os.path.join(CAPTURES, n) for n in names]
            reads = [a for p in paths for a in ("-r", p)]
            span = capture_span(paths)
            for threads in ([], ["--threads", "2"]):
                label = key + (" --threads 2" if threads else "")
                tag = key + ("-t2" if threads else "")
                plain, rot = os.path.join(work, tag + "-plain"), os.path.join(work, tag + "-rot")
                if not run(tap, label + " unrotated", reads + threads + ["--log-dir", plain]):
                    continue
                if not run(tap, label + " --log-rotate 1s",
                           reads + threads + ["--log-dir", rot, "--log-rotate", "1s"]):
                    continue
                files = check_partition(tap, label, plain, rot, tables, ordered=not threads)
                intervals = {s for (_, s, _) in files.values()}
                # one thread: the records are written at their packets' time; the workers
                # of --threads write in batches, which may all come after the last rotation
                # of a small capture
                want = 1 if threads else 3
                tap.ok(len(intervals) >= want, "%s: records in %d intervals (at least %d)"
                       % (label, len(intervals), want))
                check_names(tap, label, rot, files, span, 1)

        # The export takes every record too; the rotated files stay complete.
        paths = [os.path.join(CAPTURES, n) for n in INPUTS["mixed"]]
        reads = [a for p in paths for a in ("-r", p)]
        rot = os.path.join(work, "ch-rot")
        report = run(tap, "--clickhouse (no server) --log-rotate 1s --threads 2",
                     reads + ["--threads", "2", "--log-dir", rot, "--log-rotate", "1s",
                              "--clickhouse", "http://127.0.0.1:1/?database=wt",
                              "--clickhouse-timeout", "1"])
        if report is None or "export" not in report:
            tap.skip("export with rotation", "this build has no ClickHouse export (libcurl)")
        else:
            files = check_partition(tap, "with --clickhouse", os.path.join(work, "mixed-plain"),
                                    rot, tables, ordered=False)
            lines = sum(len(lines_of(os.path.join(rot, n))) for n in files)
            tap.eq((report["export"]["rows"], report["export"]["rows_spilled"]),
                   (lines, lines), "with --clickhouse: rows = rows spilled = lines of the "
                   "rotated files")

        # Retention by size: the newest K intervals' files fit exactly.
        full = os.path.join(work, "mixed-rot")
        files = rotated_files(full)
        starts = sorted({s for (_, s, _) in files.values()})
        keep_starts = set(starts[-3:])
        keep = sorted(n for n, (_, s, _) in files.items() if s in keep_starts)
        limit = sum(os.path.getsize(os.path.join(full, n)) for n in keep)
        kept_dir = os.path.join(work, "keep-size")
        if run(tap, "--log-keep-size %d" % limit,
               reads + ["--log-dir", kept_dir, "--log-rotate", "1s", "--log-keep-size",
                        str(limit)]):
            tap.eq(sorted(rotated_files(kept_dir)), keep,
                   "--log-keep-size %d: the %d files of the newest 3 of %d intervals remain"
                   % (limit, len(keep), len(starts)))
            for n in keep:
                if lines_of(os.path.join(kept_dir, n)) != lines_of(os.path.join(full, n)):
                    tap.ok(False, "--log-keep-size: %s unchanged" % n)
                    break
            else:
                tap.ok(True, "--log-keep-size: the files that remain are unchanged")

        # Retention by age, against the last packet's time (capture time, reading files).
        dns = [os.path.join(CAPTURES, n) for n in INPUTS["dns"]]
        first, last = capture_span(dns)
        full = os.path.join(work, "dns-rot")
        files = rotated_files(full)
        keep = sorted(n for n, (_, _, e) in files.items() if e >= last - 2)
        aged = os.path.join(work, "keep-age")
        if run(tap, "--log-keep-age 2s",
               ["-r", dns[0], "--log-dir", aged, "--log-rotate", "1s", "--log-keep-age", "2s"]):
            tap.ok(0 < len(keep) < len(files), "--log-keep-age 2s: %d of %d files ended within "
                   "2 s of the last packet (%.6f)" % (len(keep), len(files), last))
            tap.eq(sorted(rotated_files(aged)), keep,
                   "--log-keep-age 2s: exactly those remain")

        # Wrong values: a usage error naming the option, nothing written.
        for args, word in ((["--log-rotate", "1h"], "--log-dir"),
                           (["--log-dir", os.path.join(work, "bad"), "--log-rotate", "soon"],
                            "--log-rotate"),
                           (["--log-dir", os.path.join(work, "bad"), "--log-rotate", "1h",
                             "--log-keep-size", "lots"], "--log-keep-size"),
                           (["--log-dir", os.path.join(work, "bad"), "--log-keep-age", "7d"],
                            "--log-rotate")):
            p = run_wiretab(["-r", dns[0]] + args)
            tap.ok(p.returncode == 1 and word in p.stderr and len(p.stderr.splitlines()) == 1,
                   "%s: exit 1, one line naming %s" % (" ".join(args).replace(work, "DIR"), word),
                   "exit %d: %s" % (p.returncode, p.stderr))
        tap.ok(not os.path.exists(os.path.join(work, "bad")), "bad options: no log directory")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


if __name__ == "__main__":
    main()
