#!/usr/bin/env bash
# Checks the project's sample captures against captures/README.md (TAP output):
# every capture the README's table lists exists and has its truth file, the truth file names
# the capture and records the same frame count as the table, capinfos counts exactly that
# many frames (skipped when capinfos is not installed), and no capture in the folder is
# missing from the table.
#   check-truth-files.sh [CAPTURES_DIR]
set -uo pipefail
dir=${1:-$(cd "$(dirname "$0")/../.." && pwd)/captures}
readme=$dir/README.md
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $* # SKIP capinfos not installed"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }

if [[ ! -f $readme ]]; then
  echo "1..1"; echo "not ok 1 - $readme exists"; exit 1
fi
have_capinfos=0
command -v capinfos >/dev/null && have_capinfos=1

# table rows: | file | frames | truth | link type | description |
mapfile -t rows < <(grep -E '^\| *[^ |]+\.pcap(ng)? *\|' "$readme")
listed=()
check "README lists at least one capture" test "${#rows[@]}" -gt 0
for r in "${rows[@]}"; do
  IFS='|' read -r _ file frames truth _ <<<"$r"
  file=$(echo $file) frames=$(echo $frames) truth=$(echo $truth)
  listed+=("$file")
  check "$file exists" test -f "$dir/$file"
  check "$file: frame count in README is a number" test -n "$frames" -a -z "${frames//[0-9]/}"
  check "$file: truth file $truth exists" test -f "$dir/$truth"
  [[ -f $dir/$truth ]] || continue
  check "$file: $truth names the capture" grep -qx "capture $file" "$dir/$truth"
  check "$file: $truth records frames $frames" grep -qx "frames $frames" "$dir/$truth"
  if ((have_capinfos)) && [[ -f $dir/$file ]]; then
    got=$(capinfos -c -M "$dir/$file" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
    check "$file: capinfos counts $frames frames (got ${got:-nothing})" test "${got:-x}" = "$frames"
  else
    skip "$file: capinfos frame count"
  fi
done
for f in "$dir"/*.pcap "$dir"/*.pcapng; do
  [[ -e $f ]] || continue
  b=$(basename "$f")
  found=no
  for l in "${listed[@]}"; do [[ $l == "$b" ]] && found=yes; done
  check "$b is listed in README.md" test $found = yes
done
echo "1..$n"
exit $((failed > 0))
