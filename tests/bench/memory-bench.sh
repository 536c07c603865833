#!/usr/bin/env bash
# The memory benchmark (targets and method: docs/performance.md, "Memory").
#
#   tests/bench/memory-bench.sh
#   meson test -C BUILD --benchmark bench-memory      (the same, with the build's binaries)
#
# Peak resident memory of wiretab, one pass against ten passes, the text report alone, with
# --log-dir and with --threads 2, on the benchmark's captures in BENCH_DIR (default
# BUILD/bench, never a tracked folder), each recorded there first when missing (root
# needed; BENCH_RERECORD=1 records anew):
#   HTTP/1      http-mix.pcap, wrk against nginx (record-http-capture.sh, BENCH_SECONDS=6)
#   HTTP/2      http2-mix.pcap, h2load against nginx (record-h2load-capture.sh,
#               BENCH_H2_REQUESTS=20000)
#   HTTPS       https.pcap with its key log https.keylog, curl against nginx over TLS 1.3
#               and 1.2, AES-128-GCM (tls-bench.sh's recording, BENCH_TLS_MB=400)
#   short conns short/http-mix.pcap, wrk against nginx closing every connection after one
#               answer (record-http-capture.sh with KEEPALIVE_REQUESTS=1, BENCH_SHORT_SECONDS=4):
#               many short connections, the flow table's peak (~2,300 a second here; a
#               closed connection stays for TIME-WAIT, so 64 MiB holds ~16,000 of them)
#   short HTTPS https-short.pcap with https-short.keylog, 3,000 TLS 1.3 connections of one
#               request each (record-tls-short.sh): sessions kept through TIME-WAIT
# A capture that is missing and cannot be recorded (not root, a tool missing) is left out
# with a note; when none is left the benchmark is skipped (77). MEM_PASSES (default 10).
# The captures can also be named: MEM_HTTP1, MEM_H2, MEM_TLS with MEM_TLS_KEYLOG, MEM_SHORT,
# MEM_TLS_SHORT (keylog and access log next to it: NAME.keylog, NAME.access.log; HTTPS:
# https.access.log).
#
# Exit status: 0 when every run stays <= 64 MiB, ten passes <= 1.2x one, and every count
# equals the access logs; 1 otherwise; 77 when skipped.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$src/build}
wiretab=${WIRETAB:-$build/analyzer/wiretab}
repeat=${WT_REPEAT:-$build/tests/bench/pcap-repeat}
dir=${BENCH_DIR:-$build/bench}
for b in "$wiretab" "$repeat"; do
  [[ -x $b ]] || { echo "memory-bench: $b not built; set BUILD_DIR or WIRETAB/WT_REPEAT" >&2; exit 1; }
done
mkdir -p "$dir"

# needs TOOL... : true when root and every tool is installed, else a note why not
can_record() {
  if [[ $(id -u) != 0 ]]; then
    echo "memory-bench: $what: not recorded (needs root); left out" >&2
    return 1
  fi
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "memory-bench: $what: $t missing; left out" >&2; return 1; }
  done
}

fresh() {  # fresh FILE...: every file there and no re-recording asked for
  [[ ${BENCH_RERECORD:-0} != 1 ]] || return 1
  local f
  for f in "$@"; do [[ -s $f ]] || return 1; done
}

cases=()
what=HTTP/1
http1=${MEM_HTTP1:-$dir/http-mix.pcap}
if [[ -n ${MEM_HTTP1:-} ]] || fresh "$http1" "${http1%.pcap}.access.log" ||
   { can_record nginx wrk tcpdump ethtool ip &&
     "$here/record-http-capture.sh" "$dir" "${BENCH_SECONDS:-6}" 32 >&2; }; then
  cases+=(--case HTTP/1 "$http1" "${http1%.pcap}.access.log")
fi
what=HTTP/2
h2=${MEM_H2:-$dir/http2-mix.pcap}
if [[ -n ${MEM_H2:-} ]] || fresh "$h2" "${h2%.pcap}.access.log" ||
   { can_record nginx h2load tcpdump ethtool ip &&
     "$here/record-h2load-capture.sh" "$dir" "${BENCH_H2_REQUESTS:-20000}" 32 16 >&2; }; then
  cases+=(--case HTTP/2 "$h2" "${h2%.pcap}.access.log")
fi
what=HTTPS
tls=${MEM_TLS:-$dir/https.pcap}
keylog=${MEM_TLS_KEYLOG:-$dir/https.keylog}
# tls-bench.sh records when its files are missing, then runs its own (short) benchmark
if [[ -n ${MEM_TLS:-} ]] || fresh "$tls" "$keylog" "$(dirname "$tls")/https.access.log" ||
   { can_record nginx curl openssl tcpdump ip &&
     BENCH_DIR=$dir BENCH_TLS_MB=${BENCH_TLS_MB:-400} BENCH_ROUNDS=1 "$here/tls-bench.sh" >&2; }; then
  cases+=(--case HTTPS "$tls" "$(dirname "$tls")/https.access.log" "$keylog")
fi
what="short connections"
short=${MEM_SHORT:-$dir/short/http-mix.pcap}
if [[ -n ${MEM_SHORT:-} ]] || fresh "$short" "${short%.pcap}.access.log" ||
   { can_record nginx wrk tcpdump ethtool ip &&
     KEEPALIVE_REQUESTS=1 "$here/record-http-capture.sh" "$(dirname "$short")" "${BENCH_SHORT_SECONDS:-4}" 32 >&2; }; then
  cases+=(--case "short connections" "$short" "${short%.pcap}.access.log")
fi
what="short HTTPS"
tls_short=${MEM_TLS_SHORT:-$dir/https-short.pcap}
if [[ -n ${MEM_TLS_SHORT:-} ]] || fresh "$tls_short" "${tls_short%.pcap}.keylog" "${tls_short%.pcap}.access.log" ||
   { can_record nginx curl openssl tcpdump ip &&
     "$here/record-tls-short.sh" "$(dirname "$tls_short")" 3000 >&2; }; then
  cases+=(--case "short HTTPS" "$tls_short" "${tls_short%.pcap}.access.log" "${tls_short%.pcap}.keylog")
fi
if ((${#cases[@]} == 0)); then
  echo "memory-bench: SKIP: no capture (recording needs root, nginx, wrk, h2load, curl, tcpdump)" >&2
  exit 77
fi
exec python3 "$here/memory-bench.py" --wiretab "$wiretab" --repeat "$repeat" \
  --passes "${MEM_PASSES:-10}" "${cases[@]}"
