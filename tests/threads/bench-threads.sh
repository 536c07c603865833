#!/bin/sh
# --threads speed-up on a capture (docs/performance.md, "--threads N"): alternates
# ROUNDS rounds of the libpcap floor, wiretab (one thread) and wiretab --threads 2 (and
# THREADS_EXTRA, e.g. "3 4"; WITH_LOGS=1: also both with --log-dir), then prints per program the median wall time, its ratio to
# the floor, the fastest run (the least disturbed by other load), the median CPU time
# (user + system) and the peak RSS; against one thread, each ratio also as the median of
# the rounds' ratios (in parentheses for CPU).
#   BUILD_DIR=build tests/threads/bench-threads.sh [CAPTURE]
# --threads N sizes the workers to the free cores (one thread when fewer than 2 are free):
# FIXED=1 runs N threads whatever the load (WIRETAB_THREADS_FIXED=1), to measure N
# threads themselves; READER=1 adds --threads 2 with the reader thread instead of
# replicated reading (WIRETAB_THREADS_READER=1); BUSY=K keeps K `yes` processes running
# beside every run (a busy machine: K = the number of cores). SPLIT=1 adds the bound the
# machine itself sets: the capture cut by tcpdump into two halves of whole connections (by
# a bit of the ports' XOR, the same in both directions), then two one-thread wiretab
# processes at once, one per half ("pair"): no reading, routing or handing over shared, so
# its wall and CPU time against one thread are what two cores give two independent halves
# of the work here (on two free cores ~0.5x and ~1.0x; less free cores, shared caches and
# memory bandwidth show as more).
# The file's page cache matters as much as the cores: a capture read from disk sits in 2 MiB
# folios, which the kernel maps with one entry per 2 MiB, while one just written (tcpdump,
# cp) sits in 4 KiB pages, one entry and one TLB miss per page for each core that reads it
# (docs/performance.md, "Session 5"). The script prints the share in 2 MiB mappings
# (tests/bench/page-cache.py); COLD=1 first drops the capture (and the halves) from the page
# cache and reads them back once, as from disk.
# CAPTURE defaults to $BENCH_DIR/http-mix.pcap, BENCH_DIR defaulting to BUILD_DIR/bench
# (where tests/bench/run-bench.sh records it).
set -eu
build=${BUILD_DIR:-build}
cap=${1:-${BENCH_DIR:-$build/bench}/http-mix.pcap}
rounds=${ROUNDS:-5}
wt=$build/analyzer/wiretab
floor=$build/tests/bench/pcap-floor
[ -r "$cap" ] || { echo "no capture $cap (record one with tests/bench/run-bench.sh)"; exit 77; }
[ -x "$wt" ] && [ -x "$floor" ] || { echo "build $build first"; exit 77; }
out=$(mktemp -d)
busy_pids=
trap 'rm -rf "$out"; for p in $busy_pids; do kill "$p"; done' EXIT
k=0
while [ "$k" -lt "${BUSY:-0}" ]; do
  yes > /dev/null &
  busy_pids="$busy_pids $!"
  k=$((k + 1))
done
if [ -n "${FIXED:-}" ]; then export WIRETAB_THREADS_FIXED=1; fi
# COLD=1: each file dropped from the page cache and read back; then its share in 2 MiB pages
page_cache() {
  python3 "$(dirname "$0")/../bench/page-cache.py" ${COLD:+--cold} "$@"
}
progs="floor t1 t2"
for n in ${THREADS_EXTRA:-}; do progs="$progs t$n"; done
[ -n "${READER:-}" ] && progs="$progs r2"
[ -n "${WITH_LOGS:-}" ] && progs="$progs l1 l2"
if [ -n "${SPLIT:-}" ]; then
  command -v tcpdump > /dev/null || { echo "SPLIT=1 needs tcpdump"; exit 77; }
  # IPv4 and IPv6 without extension headers; anything else (fragments, ARP) goes to A
  half='(ip and ((tcp[0:2] ^ tcp[2:2]) & 2 = 0 or (udp[0:2] ^ udp[2:2]) & 2 = 0))
        or (ip6 and (tcp or udp) and (ip6[40:2] ^ ip6[42:2]) & 2 = 0) or not (tcp or udp)'
  tcpdump -r "$cap" -w "$out/half-a.pcap" "$half" 2> /dev/null
  tcpdump -r "$cap" -w "$out/half-b.pcap" "not ($half)" 2> /dev/null
  progs="$progs pair"
  page_cache "$out/half-a.pcap" "$out/half-b.pcap"
fi
page_cache "$cap"

# Timed in Python: wall time by perf_counter around the child, CPU time (user + system) and
# peak RSS from wait4(), to the microsecond (GNU time rounds to 10 ms, a twentieth of a run
# on the 551 MB capture).
python3 - "$out" "$rounds" "$wt" "$floor" "$cap" $progs <<'PY'
import os, statistics, subprocess, sys, time
out, rounds, wt, floor, cap, progs = (sys.argv[1], int(sys.argv[2]), sys.argv[3],
                                      sys.argv[4], sys.argv[5], sys.argv[6:])
def command(p):
    if p == "floor":
        return [floor, cap], {}
    if p == "t1":
        return [wt, "-q", "-r", cap], {}
    if p in ("l1", "l2"):
        logs = os.path.join(out, "logs")
        subprocess.run(["rm", "-rf", logs], check=True)
        return [wt, "-q", "-r", cap, "--log-dir", logs] + (
            ["--threads", "2"] if p == "l2" else []), {}
    if p == "r2":
        return [wt, "-q", "-r", cap, "--threads", "2"], {"WIRETAB_THREADS_READER": "1"}
    return [wt, "-q", "-r", cap, "--threads", p[1:]], {}
def commands(p):  # the processes of one run, started together
    if p == "pair":
        return [([wt, "-q", "-r", os.path.join(out, h)], {})
                for h in ("half-a.pcap", "half-b.pcap")]
    return [command(p)]
runs = {p: [] for p in progs}
for i in range(rounds):
    for p in progs:
        t0 = time.perf_counter()
        children = [(argv, subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                            env=dict(os.environ, **env)))
                    for argv, env in commands(p)]
        cpu, rss = 0.0, 0.0
        for argv, child in children:
            _, status, ru = os.wait4(child.pid, 0)
            if status != 0:
                sys.exit("%s exited with status %d" % (" ".join(argv), status))
            cpu += ru.ru_utime + ru.ru_stime
            rss = max(rss, ru.ru_maxrss / 1024)
        runs[p].append((time.perf_counter() - t0, cpu, rss))
res = {}
for p in progs:
    rows = runs[p]
    res[p] = (statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows),
              max(r[2] for r in rows), min(r[0] for r in rows))
fw, ff = res["floor"][0], res["floor"][3]
names = {"floor": "floor (pcap_loop)", "t1": "wiretab (one thread)",
         "l1": "wiretab --log-dir", "l2": "--log-dir --threads 2",
         "r2": "--threads 2, reader thread", "pair": "two halves at once"}
print("%-24s %12s %8s %10s %8s %8s %10s" % ("program", "median wall", "x floor", "fastest",
                                            "x floor", "CPU s", "peak RSS"))
for p in progs:
    w, c, m, f = res[p]
    print("%-24s %10.3f s %8.2f %8.3f s %8.2f %8.3f %6.1f MiB" % (
        names.get(p, "wiretab --threads " + p[1:]), w, w / fw, f, f / ff, c, m))
def paired(a, b, k=0):  # the median of the round-by-round ratios: a slow phase of the
    return statistics.median(x[k] / y[k] for x, y in zip(runs[a], runs[b]))  # machine hits both
for p in progs[2:]:
    if p[0] in "trp":
        print("speed-up %s vs one thread: %.2fx (median wall), %.2fx (fastest), %.2fx (median "
              "of the rounds' ratios); CPU %.2fx (%.2fx)" % (
                  names.get(p, "--threads " + p[1:]), res["t1"][0] / res[p][0],
                  res["t1"][3] / res[p][3], 1 / paired(p, "t1"), res[p][1] / res["t1"][1],
                  paired(p, "t1", 1)))
if "l2" in res:
    print("speed-up --log-dir --threads 2 vs one thread: %.2fx (median wall), %.2fx (fastest), "
          "%.2fx (median of the rounds' ratios)" % (
              res["l1"][0] / res["l2"][0], res["l1"][3] / res["l2"][3], 1 / paired("l2", "l1")))
PY
