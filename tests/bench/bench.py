#!/usr/bin/env python3
"""Times the floor, wiretab, wiretab --log-dir and tshark on one capture; see run-bench.sh.

Wall time is measured around the child; peak resident memory and CPU time (user + sys)
come from GNU time (%M %U %S). Runs alternate program by program within each round so that
machine noise hits all of them alike; medians are reported, and every figure that matters
is a ratio to the floor measured in the same run. The CPU-time ratio is printed too: on a
loaded machine it is the steadier of the two, but the targets are stated on wall time.
"""
import argparse
import collections
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_FULL = 2.0      # full analysis, x floor
TARGET_LOGS = 3.0      # with --log-dir, x floor
TARGET_RSS_MIB = 64.0  # peak RSS
TARGET_FLAT = 1.2      # ten times the capture vs once, peak RSS ratio


GNU_TIME = '/usr/bin/time'


def run(argv, stdout=subprocess.DEVNULL, env=None):
    """Runs argv; returns (wall seconds, peak RSS KiB, exit status, stdout or None, CPU
    seconds user+sys or None).

    Peak RSS comes from GNU time's %M when installed: a child forked from this Python
    process would inherit Python's own high-water mark (Linux keeps ru_maxrss across
    execve), which would hide any program smaller than the interpreter."""
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile('r') as rss:
        cmd = argv
        if os.access(GNU_TIME, os.X_OK):
            cmd = [GNU_TIME, '-q', '-f', '%M %U %S', '-o', rss.name] + argv
        t0 = time.monotonic()
        p = subprocess.run(cmd, stdout=out if stdout is None else stdout, env=env)
        wall = time.monotonic() - t0
        kib, cpu = 0, None
        if cmd is not argv:
            fields = rss.read().split()
            if len(fields) >= 3:
                kib, cpu = int(fields[-3]), float(fields[-2]) + float(fields[-1])
        else:
            kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        text = None
        if stdout is None:
            out.seek(0)
            text = out.read().decode()
    return wall, kib, p.returncode, text, cpu


def read_truth(capture):
    base = capture[:-len('.pcapng')] if capture.endswith('.pcapng') else capture.rsplit('.', 1)[0]
    truth, log = base + '.truth.txt', base + '.access.log'
    if not os.path.exists(truth):
        return None, None
    t = {'method': {}, 'status': {}}
    for line in open(truth):
        f = line.split()
        if len(f) == 3 and f[0] in t:
            t[f[0]][f[1]] = int(f[2])
        elif len(f) == 2 and f[0] in ('requests', 'connections'):
            t[f[0]] = int(f[1])
    return t, (log if os.path.exists(log) else None)


def access_log_triples(path):
    c = collections.Counter()
    for line in open(path):
        f = line.split()
        if len(f) >= 3:
            c[(f[0], f[1], f[2])] += 1
    return c


def http_log_triples(path):
    c = collections.Counter()
    for line in open(path):
        r = json.loads(line)
        c[(r.get('method'), str(r.get('status_code')), r.get('uri'))] += 1
    return c


def compare(name, got, want, problems):
    if got != want:
        keys = sorted(set(got) | set(want))
        diff = ', '.join(f'{k}: {got.get(k, 0)} vs {want.get(k, 0)}'
                         for k in keys if got.get(k, 0) != want.get(k, 0))
        problems.append(f'{name} differ from the access log (wiretab vs log): {diff}')


def check_exact(args, capture, truth, access_log, log_dir):
    """The report's method/status tables and http.log vs the server's access log."""
    problems = []
    _, _, rc, text, _ = run([args.wiretab, '-q', '--format', 'json', '-r', capture], stdout=None)
    if rc != 0:
        return [f'wiretab --format json exited {rc}']
    http = json.loads(text)['http']
    compare('methods', {k: int(v) for k, v in http['methods'].items()}, truth['method'], problems)
    compare('final status codes', {k: int(v) for k, v in http['status_codes'].items()},
            truth['status'], problems)
    if 'requests' in truth and http['requests'] != truth['requests']:
        problems.append(f"requests {http['requests']} vs {truth['requests']}")
    if access_log and log_dir:
        got = http_log_triples(os.path.join(log_dir, 'http.log'))
        want = access_log_triples(access_log)
        if got != want:
            missing = sum((want - got).values())
            extra = sum((got - want).values())
            problems.append(f'http.log (method, status, uri) differs from the access log: '
                            f'{missing} missing, {extra} extra')
        # wrk opens one extra connection to test the server and sends nothing on it, so
        # compare the connections that carried requests.
        uids = {json.loads(l)['uid'] for l in open(os.path.join(log_dir, 'http.log'))}
        if 'connections' in truth and len(uids) != truth['connections']:
            problems.append(f"http.log has requests on {len(uids)} connections, the access log "
                            f"on {truth['connections']}")
    return problems


def fmt_rss(kib):
    return f'{kib / 1024:.1f} MiB'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--wiretab', required=True)
    ap.add_argument('--floor', required=True)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--tshark', type=int, default=1)
    ap.add_argument('--strict', type=int, default=0)
    ap.add_argument('capture')
    args = ap.parse_args()
    capture = os.path.abspath(args.capture)
    size = os.path.getsize(capture)

    _, _, rc, text, _ = run([args.floor, capture], stdout=None)
    if rc != 0:
        sys.exit(f'bench: floor failed on {capture}')
    frames = int(text.split()[0])

    log_dir = tempfile.mkdtemp(prefix='wiretab-bench-logs-')
    programs = [
        ('floor (pcap_loop)', [args.floor, capture]),
        ('wiretab', [args.wiretab, '-q', '-r', capture]),
        ('wiretab --log-dir', [args.wiretab, '-q', '-r', capture, '--log-dir', log_dir]),
        # the same analysis with libpcap reading the file, like the floor (not a target):
        # shows how much of the gap is the mmap reader's
        ('wiretab, libpcap reader', [args.wiretab, '-q', '-r', capture]),
    ]
    no_mmap = dict(os.environ, WIRETAB_NO_MMAP='1')
    times = {n: [] for n, _ in programs}
    cpus = {n: [] for n, _ in programs}
    rss = {n: 0 for n, _ in programs}
    print(f'bench: {capture}: {size / 1e6:.1f} MB, {frames} frames; '
          f'{args.rounds} alternating rounds', flush=True)
    for r in range(args.rounds):
        for name, argv in programs:
            wall, kib, rc, _, cpu = run(argv, env=no_mmap if 'libpcap' in name else None)
            if rc != 0:
                sys.exit(f'bench: {name} exited {rc}')
            times[name].append(wall)
            if cpu is not None:
                cpus[name].append(cpu)
            rss[name] = max(rss[name], kib)
        print(f'  round {r + 1}: ' + ', '.join(f'{n} {times[n][-1]:.3f} s' for n, _ in programs),
              flush=True)

    tshark = shutil.which('tshark') if args.tshark else None
    if tshark:
        argv = [tshark, '-n', '-q', '-z', 'http,tree', '-o', 'tcp.reassemble_out_of_order:TRUE',
                '-r', capture]
        wall, kib, rc, _, cpu = run(argv)
        if rc == 0:
            times['tshark -z http,tree (once)'] = [wall]
            cpus['tshark -z http,tree (once)'] = [cpu] if cpu is not None else []
            rss['tshark -z http,tree (once)'] = kib

    floor_med = statistics.median(times[programs[0][0]])
    floor_cpu = statistics.median(cpus[programs[0][0]]) if cpus[programs[0][0]] else None
    print()
    print(f'{"program":<28} {"median s":>9} {"x floor":>8} {"MB/s":>8} {"packets/s":>11} '
          f'{"peak RSS":>11} {"CPU s":>7} {"CPU x":>6}  wall times of the runs')
    for name, ts in times.items():
        med = statistics.median(ts)
        cpu = statistics.median(cpus[name]) if cpus.get(name) else None
        cpu_s = (f'{cpu:7.3f} {cpu / floor_cpu:6.2f}' if cpu is not None and floor_cpu
                 else f'{"-" if cpu is None else f"{cpu:.3f}":>7} {"-":>6}')
        print(f'{name:<28} {med:9.3f} {med / floor_med:8.2f} {size / 1e6 / med:8.1f} '
              f'{frames / med:11.0f} {fmt_rss(rss[name]):>11} {cpu_s}  '
              + ' '.join(f'{t:.3f}' for t in ts))

    # Flat memory: the same capture ten times in one run.
    wall10, rss10, rc, _, _ = run([args.wiretab, '-q'] + ['-r', capture] * 10)
    flat = rss10 / rss['wiretab'] if rss['wiretab'] else 0
    print(f'{"wiretab, capture x10":<28} {wall10:9.3f} {wall10 / floor_med:8.2f} '
          f'{10 * size / 1e6 / wall10:8.1f} {10 * frames / wall10:11.0f} {fmt_rss(rss10):>11}'
          f'  (peak RSS {flat:.2f}x one pass)')

    full = statistics.median(times['wiretab']) / floor_med
    logs = statistics.median(times['wiretab --log-dir']) / floor_med
    peak = max(rss['wiretab'], rss['wiretab --log-dir'], rss10) / 1024
    targets = [
        (f'full analysis <= {TARGET_FULL}x floor', full <= TARGET_FULL, f'{full:.2f}x'),
        (f'with --log-dir <= {TARGET_LOGS}x floor', logs <= TARGET_LOGS, f'{logs:.2f}x'),
        (f'peak RSS <= {TARGET_RSS_MIB:.0f} MiB', peak <= TARGET_RSS_MIB, f'{peak:.1f} MiB'),
        (f'capture x10 RSS <= {TARGET_FLAT}x one', flat <= TARGET_FLAT, f'{flat:.2f}x'),
    ]
    print()
    print('targets:')
    for what, ok, got in targets:
        print(f'  {"met    " if ok else "MISSED "} {what:<34} {got}')

    truth, access_log = read_truth(capture)
    status = 0
    if truth is None:
        print('\nexactness: no truth file next to the capture; not checked')
    else:
        problems = check_exact(args, capture, truth, access_log, log_dir)
        if problems:
            print('\nexactness: FAILED')
            for p in problems:
                print('  ' + p)
            status = 1
        else:
            what = ' and http.log (method, status, uri per request)' if access_log else ''
            print(f'\nexactness: methods, final status codes{what} equal the access log '
                  f'({truth.get("requests", "?")} requests)')
    shutil.rmtree(log_dir, ignore_errors=True)
    print(f'\n{datetime.date.today()} {platform.node()} {os.cpu_count()} cores, '
          f'{platform.platform()}')
    if args.strict and not all(ok for _, ok, _ in targets):
        status = status or 1
    sys.exit(status)


if __name__ == '__main__':
    main()
