#!/usr/bin/env bash
# TCP's fast paths change no output: every capture in captures/ and $WT_SHARED_CAPTURES
# (its sub-folders too), plus captures/http-mix-small.pcap rewritten by
# check-rewrites.sh (split, swapped, duplicated, overlapping, all at once, trickled: the
# out-of-order, retransmission and gap cases the fast paths hand to the general ones),
# analysed twice: as is, and with WIRETAB_TCP_GENERAL=1 (no fast path in the connection
# tracker, the TCP glue or the reassembler). The JSON report, every log of --log-dir
# (conn.log, http.log ...), the text report and --explain must be byte-identical.
#
#   tcp-fast-path-outputs.sh WIRETAB SOURCE_ROOT        (TAP, one line per capture)
set -uo pipefail
wiretab=$1 root=$2
shared=${WT_SHARED_CAPTURES:-$root/../shared/captures}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C TZ=UTC

# the rewritten captures (their truth check is the rewrites-* tests'; here only the files)
bash "$root/tests/tools/check-rewrites.sh" "$wiretab" "$root/captures/http-mix-small.pcap" \
  "$root/captures/http-mix-small.truth.txt" --keep "$work/rewrites" > /dev/null 2>&1 || true

mapfile -t files < <( { find "$root/captures" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' \);
  [[ -d $shared ]] && find "$shared" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' -o -name '*.trace' \);
  [[ -d $work/rewrites ]] && find "$work/rewrites" -type f -name '*.pcap'; } | sort)

run_one() { # DEST FILE (WIRETAB_TCP_GENERAL comes from the caller's environment)
  local dest=$1 f=$2
  mkdir -p "$dest/logs"
  "$wiretab" -q -r "$f" --format json --top 25 --log-dir "$dest/logs" > "$dest/json" 2> "$dest/json.err"
  echo $? > "$dest/json.rc"
  "$wiretab" -q -r "$f" > "$dest/text" 2> "$dest/text.err"
  "$wiretab" -q -r "$f" --explain 'port 80' > "$dest/explain" 2> "$dest/explain.err"
}

echo "1..${#files[@]}"
n=0 bad=0 rewritten=0
for f in "${files[@]}"; do
  n=$((n + 1))
  [[ $f == "$work/rewrites/"* ]] && rewritten=$((rewritten + 1))
  d="$work/$n"
  run_one "$d/fast" "$f"
  WIRETAB_TCP_GENERAL=1 run_one "$d/general" "$f"
  name=${f#"$root/"}
  if diff -r -q "$d/fast" "$d/general" > "$d.diff" 2>&1; then
    echo "ok $n - $name"
  else
    bad=$((bad + 1))
    echo "not ok $n - $name"
    sed 's/^/# /' "$d.diff" | head -10
  fi
  rm -rf "$d"
done
echo "# $n captures ($rewritten rewritten), $bad with different outputs"
[[ $rewritten -gt 0 ]] || { echo "# no rewritten capture (check-rewrites.sh --keep failed)"; exit 1; }
[[ $bad -eq 0 ]]
