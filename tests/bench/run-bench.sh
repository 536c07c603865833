#!/usr/bin/env bash
# The wiretab benchmark (targets and method: docs/performance.md).
#
#   tests/bench/run-bench.sh [CAPTURE]
#   meson test -C BUILD --benchmark          (the same, with the build's binaries)
#
# Without CAPTURE it records a ~1 GB real HTTP capture (nginx + wrk in a private network
# namespace, 32 connections, BENCH_SECONDS=6 s) into BENCH_DIR (default BUILD/bench,
# never a tracked folder), or reuses the one recorded there before (BENCH_RERECORD=1 records
# anew). The server's access log next to it is the truth.
#
# Then, in the same run, alternating, BENCH_ROUNDS (default 5) rounds of: the floor (bare
# libpcap loop), wiretab (full analysis, text report), wiretab --log-dir, wiretab with
# libpcap reading the file (WIRETAB_NO_MMAP=1, for comparison); tshark -q -z
# http,tree once if installed (BENCH_TSHARK=0 skips it). Prints per program the median wall
# time, ratio to the floor, MB/s, packets/s, peak RSS; the memory of the capture given ten
# times; the targets of docs/performance.md; and checks that wiretab's method and final status counts (report
# and http.log) equal the access log's exactly. Exit status: 0 when exact, 1 when not (and,
# with BENCH_STRICT=1, when a target is missed), 77 when skipped.
#
# BENCH_PROTO=h2: the HTTP/2 benchmark instead: record-h2load-capture.sh records h2c from
# h2load against nginx (BENCH_H2_REQUESTS GETs, default 200,000, 32 connections, 16 streams
# each, plus a tenth as many POSTs) into BENCH_DIR/http2-mix.pcap, with the same truth files.
#
# The capture's page cache matters: read from disk it sits in 2 MiB folios, mapped with one
# entry per 2 MiB; just recorded, in 4 KiB pages (docs/performance.md, "Session 5"). The
# script prints the share (tests/bench/page-cache.py); BENCH_COLD=1 drops the capture from
# the page cache and reads it back first, as from disk.
#
# Binaries: WIRETAB and WT_FLOOR, or BUILD_DIR (default: the build/ next to the sources).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$src/build}
wiretab=${WIRETAB:-$build/analyzer/wiretab}
floor=${WT_FLOOR:-$build/tests/bench/pcap-floor}
for b in "$wiretab" "$floor"; do
  [[ -x $b ]] || { echo "run-bench: $b not built; set BUILD_DIR or WIRETAB/WT_FLOOR" >&2; exit 1; }
done

capture=${1:-}
if [[ -z $capture && ${BENCH_PROTO:-http} == h2 ]]; then
  dir=${BENCH_DIR:-$build/bench}
  capture=$dir/http2-mix.pcap
  if [[ ${BENCH_RERECORD:-0} == 1 || ! -s $capture || ! -s $dir/http2-mix.truth.txt ]]; then
    if [[ $(id -u) != 0 ]]; then
      echo "run-bench: SKIP: recording the capture needs root (or give a CAPTURE)" >&2
      exit 77
    fi
    for t in nginx h2load tcpdump ethtool ip; do
      command -v $t >/dev/null || {
        echo "run-bench: SKIP: $t missing (apt-get install nginx-light nghttp2-client tcpdump ethtool iproute2)" >&2
        exit 77
      }
    done
    echo "run-bench: recording $capture with record-h2load-capture.sh" >&2
    "$here/record-h2load-capture.sh" "$dir" "${BENCH_H2_REQUESTS:-200000}" 32 16 >&2
  fi
fi
if [[ -z $capture ]]; then
  dir=${BENCH_DIR:-$build/bench}
  capture=$dir/http-mix.pcap
  if [[ ${BENCH_RERECORD:-0} == 1 || ! -s $capture || ! -s $dir/http-mix.truth.txt ]]; then
    if [[ $(id -u) != 0 ]]; then
      echo "run-bench: SKIP: recording the capture needs root (or give a CAPTURE)" >&2
      exit 77
    fi
    for t in nginx wrk tcpdump ethtool ip; do
      command -v $t >/dev/null || {
        echo "run-bench: SKIP: $t missing (apt-get install nginx-light wrk tcpdump ethtool iproute2)" >&2
        exit 77
      }
    done
    # e2e's recorder when committed, else ours (see record-http-capture.sh for why not the
    # shared one as is).
    if [[ -x $src/scripts/record-http-mix.sh ]]; then
      recorder=$src/scripts/record-http-mix.sh
    else
      recorder=$here/record-http-capture.sh
    fi
    echo "run-bench: recording $capture with $(basename "$recorder") (${BENCH_SECONDS:-6} s, 32 connections)" >&2
    "$recorder" "$dir" "${BENCH_SECONDS:-6}" 32 >&2
  fi
fi
[[ -s $capture ]] || { echo "run-bench: $capture: no such capture" >&2; exit 1; }
# how the capture sits in the page cache changes wiretab's time (not the floor's much)
python3 "$here/page-cache.py" ${BENCH_COLD:+--cold} "$capture" >&2

exec python3 "$here/bench.py" --wiretab "$wiretab" --floor "$floor" \
  --rounds "${BENCH_ROUNDS:-5}" --tshark "${BENCH_TSHARK:-1}" \
  --strict "${BENCH_STRICT:-0}" "$capture"
