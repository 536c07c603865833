#!/usr/bin/env bash
# Runs the fuzz targets with libFuzzer + ASan + UBSan.
#
#   tests/fuzz/run-fuzzers.sh [-t SECONDS] [-j PARALLEL] [-b BUILD_DIR] [TARGET...]
#
# Builds BUILD_DIR (default ../build-fuzzing next to the repository) with clang and
# -Dfuzzing=true, then runs each TARGET (default: all) for SECONDS (default 600), at most
# PARALLEL (default 2) at a time. New inputs go to OUT/<target>/work (not into the
# committed corpus), crashes to OUT/<target>/crash-*, the libFuzzer log to
# OUT/<target>.log; OUT is $FUZZ_OUT or BUILD_DIR/fuzz-out. libFuzzer runs in fork mode
# with one worker, so a finding is recorded and fuzzing goes on. A summary line per target
# (executions, cov, ft, crashes) is printed at the end, ready for docs/fuzzing.md.
# A crash: copy it into tests/fuzz/corpus/<target>/crash-<what> and commit it first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
secs=600 par=2 build="$repo/../build-fuzzing"
while getopts t:j:b: o; do
  case $o in
    t) secs=$OPTARG ;; j) par=$OPTARG ;; b) build=$OPTARG ;;
    *) sed -n '2,13p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
((${#targets[@]})) || targets=(capture frame tunnel reassembly http tls $(ls "$here"/fuzz-dns.c >/dev/null 2>&1 && echo dns))
if [[ ! -f $build/build.ninja ]]; then
  CC=clang meson setup "$build" "$repo" -Dfuzzing=true
fi
out=${FUZZ_OUT:-$build/fuzz-out}
mkdir -p "$out"
ninja -C "$build" $(printf 'tests/fuzz/fuzz-%s ' "${targets[@]}")

declare -A max_len=([capture]=65536 [http]=16384 [frame]=4096 [tunnel]=4096 [reassembly]=4096 [dns]=4096)
run_one() {
  local t=$1
  mkdir -p "$out/$t/work"
  # halt_on_error: a UBSan report is a finding, not a warning.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$build/tests/fuzz/fuzz-$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -max_len="${max_len[$t]:-8192}" -print_final_stats=1 \
      -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
      -artifact_prefix="$out/$t/" "$out/$t/work" "$here/corpus/$t" >"$out/$t.log" 2>&1 || true
}
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if ((running >= par)); then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

for t in "${targets[@]}"; do
  log="$out/$t.log"
  # fork mode (one child at a time, so a finding does not end the run): "#N: cov: ..."
  last=$(grep -E '^#[0-9]+:? ' "$log" | tail -1)
  execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  crashes=$(ls "$out/$t" | grep -cE '^(crash|leak|timeout|oom)-' || true)
  echo "$t: executions=${execs:-?} cov=${cov:-?} ft=${ft:-?} findings=$crashes log=$log"
done
