#!/usr/bin/env python3
"""Time of each capture reader on one capture (docs/performance.md, "pcapng files and
standard input"): the pcap file, its pcapng copy, both on standard input, and libpcap's
readers (WIRETAB_NO_MMAP=1), best of ROUNDS interleaved rounds, wall and CPU (user + system)
time, and the ratio to the floor (tests/bench/pcap-floor on the pcap file).

    time-readers.py FLOOR WIRETAB CAPTURE.pcap CAPTURE.pcapng [ROUNDS]

CAPTURE.pcapng: `editcap -F pcapng CAPTURE.pcap CAPTURE.pcapng`. The exit status of every run
must be 0. A benchmark, not a test: on a shared machine compare the CPU column."""
import os
import resource
import subprocess
import sys
import time


def run(argv, stdin_path, env_extra):
    env = {k: v for k, v in os.environ.items() if k != "WIRETAB_NO_MMAP"}
    env.update(env_extra)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(stdin_path or os.devnull, "rb") as f:
        p = subprocess.run(argv, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           env=env)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit("failed: %s: %s" % (" ".join(argv), p.stderr.decode()))
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    floor, wt, pcap, ng = sys.argv[1:5]
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    nomm = {"WIRETAB_NO_MMAP": "1"}
    configs = [
        ("floor, pcap file", [floor, pcap], None, {}),
        ("pcap file", [wt, "-q", "-r", pcap], None, {}),
        ("pcapng file", [wt, "-q", "-r", ng], None, {}),
        ("pcap on stdin", [wt, "-q", "-r", "-"], pcap, {}),
        ("pcapng on stdin", [wt, "-q", "-r", "-"], ng, {}),
        ("pcap file, libpcap", [wt, "-q", "-r", pcap], None, nomm),
        ("pcapng file, libpcap", [wt, "-q", "-r", ng], None, nomm),
        ("pcap on stdin, libpcap", [wt, "-q", "-r", "-"], pcap, nomm),
    ]
    best = {}
    for _ in range(rounds):
        for name, argv, stdin, env in configs:
            w, c = run(argv, stdin, env)
            bw, bc = best.get(name, (w, c))
            best[name] = (min(w, bw), min(c, bc))
    fw, fc = best[configs[0][0]]
    print("| reader | wall s | CPU s | x floor wall | x floor CPU |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, *_ in configs:
        w, c = best[name]
        print("| %s | %.3f | %.3f | %.2f | %.2f |" % (name, w, c, w / fw, c / fc))
    print("load average: " + open("/proc/loadavg").read().split(" ", 3)[0])


main()
