#!/bin/sh
# --threads speed-up on a capture (docs/performance.md, "--threads N"): alternates
# ROUNDS rounds of the libpcap floor, wiretab (one thread) and wiretab --threads 2 (and
# THREADS_EXTRA, e.g. "3 4"; WITH_LOGS=1: also both with --log-dir), then prints per program the median wall time, its ratio to
# the floor, the fastest run (the least disturbed by other load), the median CPU time
# (user + system) and the peak RSS.
#   BUILD_DIR=build tests/threads/bench-threads.sh [CAPTURE]
# --threads N sizes the workers to the free cores (one thread when fewer than 2 are free):
# FIXED=1 runs N threads whatever the load (WIRETAB_THREADS_FIXED=1), to measure N
# threads themselves; READER=1 adds --threads 2 with the reader thread instead of
# replicated reading (WIRETAB_THREADS_READER=1); BUSY=K keeps K `yes` processes running
# beside every run (a busy machine: K = the number of cores).
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
command -v /usr/bin/time >/dev/null || { echo "GNU time (/usr/bin/time) missing"; exit 77; }
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
progs="floor t1 t2"
for n in ${THREADS_EXTRA:-}; do progs="$progs t$n"; done
[ -n "${READER:-}" ] && progs="$progs r2"
[ -n "${WITH_LOGS:-}" ] && progs="$progs l1 l2"

i=0
while [ $i -lt "$rounds" ]; do
  for p in $progs; do
    case $p in
      floor) set -- "$floor" "$cap" ;;
      t1) set -- "$wt" -q -r "$cap" ;;
      l1) rm -rf "$out/logs"; set -- "$wt" -q -r "$cap" --log-dir "$out/logs" ;;
      l2) rm -rf "$out/logs"; set -- "$wt" -q -r "$cap" --log-dir "$out/logs" --threads 2 ;;
      r2) set -- env WIRETAB_THREADS_READER=1 "$wt" -q -r "$cap" --threads 2 ;;
      t*) set -- "$wt" -q -r "$cap" --threads "${p#t}" ;;
    esac
    /usr/bin/time -f "%e %U %S %M" -o "$out/$p.$i" "$@" > /dev/null
  done
  i=$((i + 1))
done
python3 - "$out" "$rounds" $progs <<'PY'
import statistics, sys
out, rounds, progs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
res = {}
for p in progs:
    rows = [list(map(float, open("%s/%s.%d" % (out, p, i)).read().split()[-4:]))
            for i in range(rounds)]
    res[p] = (statistics.median(r[0] for r in rows),
              statistics.median(r[1] + r[2] for r in rows), max(r[3] for r in rows) / 1024,
              min(r[0] for r in rows))
fw = res["floor"][0]
names = {"floor": "floor (pcap_loop)", "t1": "wiretab (one thread)",
         "l1": "wiretab --log-dir", "l2": "--log-dir --threads 2",
         "r2": "--threads 2, reader thread"}
ff = res["floor"][3]
print("%-24s %12s %8s %10s %8s %8s %10s" % ("program", "median wall", "x floor", "fastest",
                                            "x floor", "CPU s", "peak RSS"))
for p in progs:
    w, c, m, f = res[p]
    print("%-24s %10.3f s %8.2f %8.3f s %8.2f %8.3f %6.1f MiB" % (
        names.get(p, "wiretab --threads " + p[1:]), w, w / fw, f, f / ff, c, m))
for p in progs[2:]:
    if p[0] in "tr":
        print("speed-up %s vs one thread: %.2fx (median wall), %.2fx (fastest); "
              "CPU %.2fx" % (names.get(p, "--threads " + p[1:]), res["t1"][0] / res[p][0],
                             res["t1"][3] / res[p][3], res[p][1] / res["t1"][1]))
if "l2" in res:
    print("speed-up --log-dir --threads 2 vs one thread: %.2fx (median wall), %.2fx (fastest)" % (
        res["l1"][0] / res["l2"][0], res["l1"][3] / res["l2"][3]))
PY
