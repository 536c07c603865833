#!/usr/bin/env python3
"""Peak memory of wiretab on the benchmark captures, one pass against ten; see memory-bench.sh.

For every capture (CASE: a name, the capture, its access log and, for HTTPS, the key log)
and every way of running (the text report alone, with --log-dir, with --threads 2), feeds
wiretab one pass and ten passes of the capture on standard input from pcap-repeat (each pass
an hour after the one before: new connections, not retransmissions) and reads the peak
resident set of each run from GNU time (%M). A child forked from this Python process would
inherit Python's own high-water mark through getrusage (Linux keeps ru_maxrss across
execve), so the figure comes from GNU time, which forks wiretab from its own small process.
Also, for the report alone, the file read once and the same file given ten times (`-r C -r C
...`, the mmap reader; to the analyzer the nine copies are retransmissions of the first, so
the counts are one pass's).

Targets (docs/performance.md, "Memory"): every run <= 64 MiB; ten passes <= 1.2x one pass.
Exactness in the same runs: the JSON report's request, method and final status counts equal
the access log's (ten times them for ten passes), and with --log-dir http.log holds one line
per request. Exit status 0 when every target is met and every count is exact, 1 otherwise.
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

TARGET_RSS_MIB = 64.0
TARGET_FLAT = 1.2
GNU_TIME = '/usr/bin/time'


def run(argv, feeder=None):
    """(peak RSS KiB, wall s, CPU s, JSON report) of one wiretab run; `feeder`: the argv of
    a program whose output is wiretab's standard input."""
    with tempfile.NamedTemporaryFile('r') as meas, tempfile.TemporaryFile() as out:
        feed = subprocess.Popen(feeder, stdout=subprocess.PIPE) if feeder else None
        p = subprocess.run([GNU_TIME, '-q', '-f', '%M %e %U %S', '-o', meas.name] + argv,
                           stdin=feed.stdout if feed else None, stdout=out,
                           stderr=subprocess.PIPE)
        if feed:
            feed.stdout.close()
            if feed.wait() != 0:
                sys.exit(f'memory-bench: {" ".join(feeder)} exited {feed.returncode}')
        if p.returncode != 0:
            sys.exit(f'memory-bench: {" ".join(argv)} exited {p.returncode}: '
                     f'{p.stderr.decode(errors="replace").strip()}')
        kib, wall, user, sys_ = meas.read().split()[-4:]
        out.seek(0)
        return int(kib), float(wall), float(user) + float(sys_), json.load(out)


def access_log_counts(path):
    """Requests, methods and statuses of an access log whose lines begin `METHOD STATUS`."""
    methods, statuses, n = collections.Counter(), collections.Counter(), 0
    for line in open(path):
        f = line.split()
        if len(f) >= 2:
            methods[f[0]] += 1
            statuses[f[1]] += 1
            n += 1
    return n, methods, statuses


def exactness(report, truth, times):
    n, methods, statuses = truth
    http = report['http']
    problems = []
    if http['requests'] != n * times:
        problems.append(f"requests {http['requests']} vs {n * times}")
    got_m = {k: int(v) for k, v in http['methods'].items()}
    if got_m != {k: v * times for k, v in methods.items()}:
        problems.append(f'methods {got_m} vs the access log x{times}')
    got_s = {k: int(v) for k, v in http['status_codes'].items()}
    if got_s != {k: v * times for k, v in statuses.items()}:
        problems.append(f'final status codes {got_s} vs the access log x{times}')
    return problems


def count_lines(path):
    with open(path, 'rb') as f:
        return sum(1 for _ in f)


def measure_case(args, name, capture, access_log, keylog):
    for path, what in ((capture, 'the capture'), (access_log, 'the access log, the truth'),
                       (keylog, 'the key log')):
        if path and not os.path.isfile(path):
            sys.exit(f'memory-bench: {name}: {path}: no such file ({what}); record it or '
                     f'name another')
    truth = access_log_counts(access_log)
    base = [args.wiretab, '-q', '--format', 'json']
    if keylog:
        base += ['--tls-keylog', keylog]
    size = os.path.getsize(capture)
    print(f'\n{name}: {capture} ({size / 1e6:.0f} MB, {truth[0]} requests in the access log)',
          flush=True)
    print(f'  {"run":<18} {"passes":>6} {"peak RSS":>10} {"x one":>6} {"wall s":>8} '
          f'{"CPU s":>8} {"flows_peak":>10}  exact')
    rows = []
    # (name, extra arguments or None for --log-dir, fed by pcap-repeat on standard input)
    modes = [('report', [], True), ('--log-dir', None, True),
             ('--threads 2', ['--threads', '2'], True), ('report, -r file', [], False)]
    for mode, extra, on_stdin in modes:
        one_kib = None
        for times in (1, args.passes):
            log_dir = tempfile.mkdtemp(prefix='wiretab-mem-') if extra is None else None
            argv = base + (['--log-dir', log_dir] if log_dir else extra)
            argv += ['-r', '-'] if on_stdin else ['-r', capture] * times
            feeder = [args.repeat, str(times), capture] if on_stdin else None
            kib, wall, cpu, report = run(argv, feeder)
            # The same file again is, mostly, a retransmission of itself (its timestamps go
            # back): no count to expect, so only its one pass is checked.
            checked = on_stdin or times == 1
            problems = exactness(report, truth, times) if checked else []
            if log_dir:
                lines = count_lines(os.path.join(log_dir, 'http.log'))
                if lines != truth[0] * times:
                    problems.append(f'http.log has {lines} lines, the access log x{times} '
                                    f'{truth[0] * times}')
                shutil.rmtree(log_dir, ignore_errors=True)
            one_kib = one_kib or kib
            ratio = kib / one_kib
            rows.append((name, mode, times, kib, ratio, problems))
            verdict = ('yes' if not problems else 'NO: ' + '; '.join(problems)) if checked else '-'
            print(f'  {mode:<18} {times:>6} {kib / 1024:>7.1f} MiB {ratio:>6.2f} {wall:>8.2f} '
                  f'{cpu:>8.2f} {report["capture"]["flows_peak"]:>10}  {verdict}', flush=True)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--wiretab', required=True)
    ap.add_argument('--passes', type=int, default=10)
    ap.add_argument('--repeat', required=True, help='the pcap-repeat program')
    ap.add_argument('--case', nargs='+', action='append', default=[],
                    metavar=('NAME CAPTURE ACCESS_LOG', 'KEYLOG'),
                    help='NAME CAPTURE ACCESS_LOG [KEYLOG]')
    args = ap.parse_args()
    if not os.access(GNU_TIME, os.X_OK):
        print('memory-bench: SKIP: GNU time missing (apt-get install time)', file=sys.stderr)
        sys.exit(77)
    rows = []
    for case in args.case:
        if len(case) not in (3, 4):
            sys.exit('memory-bench: --case NAME CAPTURE ACCESS_LOG [KEYLOG]')
        rows += measure_case(args, case[0], case[1], case[2], case[3] if len(case) == 4 else None)
    peak = max(r[3] for r in rows) / 1024
    flat = max(r[4] for r in rows)
    worst = max(rows, key=lambda r: r[4])
    inexact = [r for r in rows if r[5]]
    targets = [
        (f'peak RSS <= {TARGET_RSS_MIB:.0f} MiB (every run)', peak <= TARGET_RSS_MIB,
         f'{peak:.1f} MiB'),
        (f'{args.passes} passes <= {TARGET_FLAT}x one', flat <= TARGET_FLAT,
         f'{flat:.2f}x ({worst[0]}, {worst[1]})'),
        ('counts equal the access logs', not inexact, f'{len(rows) - len(inexact)}/{len(rows)} runs'),
    ]
    print('\ntargets:')
    for what, ok, got in targets:
        print(f'  {"met    " if ok else "MISSED "} {what:<40} {got}')
    sys.exit(0 if all(ok for _, ok, _ in targets) else 1)


if __name__ == '__main__':
    main()
