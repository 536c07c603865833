#!/usr/bin/env bash
# Byte-identical outputs of two wiretab builds: every report format (text, JSON, CSV,
# HTML), the logs (--log-dir), --explain and --follow, and --threads 2, for every capture
# in captures/ and, when present, ../shared/captures (its sub-folders too).
#
#   tests/arch/compare-outputs.sh OLD_WIRETAB NEW_WIRETAB [OUT_DIR]
#
# Used to show that a restructuring changed no output: run the binary built from the
# commit before and the one after. Exit 0 when every output is identical, 1 otherwise
# (the differing files are listed, and kept under OUT_DIR, default a temporary directory).
set -uo pipefail
old=$(realpath "$1"); new=$(realpath "$2")
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${3:-$(mktemp -d)}
mkdir -p "$out"
shared=${WT_SHARED_CAPTURES:-$repo/../shared/captures}

mapfile -t files < <( { find "$repo/captures" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' \);
  [[ -d $shared ]] && find "$shared" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' -o -name '*.trace' \); } | sort)

# Every run is deterministic given the input: timestamps come from the capture, never the
# clock; the HTML page has no generation time. LC_ALL=C keeps messages untranslated.
export LC_ALL=C TZ=UTC
# --threads 2 runs two threads whatever the load (not sized to the free CPUs: the peaks
# summed over workers, capture.flows_peak and peak_buffered_bytes, would follow the load)
export WIRETAB_THREADS_FIXED=1
run_one() { # BINARY DEST FILE
  local bin=$1 dest=$2 f=$3
  mkdir -p "$dest/csv" "$dest/logs" "$dest/logs-t2" "$dest/follow"
  "$bin" -q -r "$f" > "$dest/text" 2> "$dest/text.err"; echo $? > "$dest/text.rc"
  "$bin" -q -r "$f" --format json --top 25 --log-dir "$dest/logs" > "$dest/json" 2> "$dest/json.err"
  "$bin" -q -r "$f" --format csv -o "$dest/csv" 2> "$dest/csv.err"
  "$bin" -q -r "$f" --format html -o "$dest/html" 2> "$dest/html.err"
  "$bin" -q -r "$f" --format json --threads 2 --log-dir "$dest/logs-t2" > "$dest/json-t2" 2> "$dest/json-t2.err"
  "$bin" -q -r "$f" --explain 'port 80' --follow 'port 80' --follow-dir "$dest/follow" > "$dest/explain" 2> "$dest/explain.err"
  # logs with --threads are written in batch order; compare them as sets of lines
  for l in "$dest"/logs-t2/*; do [[ -f $l ]] && sort -o "$l" "$l"; done
}

n=0 bad=0
for f in "${files[@]}"; do
  n=$((n + 1))
  name=$(printf '%03d-%s' "$n" "$(basename "$f")")
  run_one "$old" "$out/old/$name" "$f"
  run_one "$new" "$out/new/$name" "$f"
  if ! diff -r -q "$out/old/$name" "$out/new/$name" > "$out/$name.diff" 2>&1; then
    bad=$((bad + 1))
    echo "DIFFERENT: $f"; sed 's/^/  /' "$out/$name.diff" | head -20
  fi
done
echo "compared $n captures: $((n - bad)) identical, $bad different (outputs in $out)"
[[ $bad -eq 0 ]]
