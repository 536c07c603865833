#!/usr/bin/env bash
# Golden test on fresh traffic: scripts/record-http-mix.sh records 2 s of wrk against nginx
# (8 connections) in a private network namespace; wiretab's methods and final status codes
# must equal the counts of nginx's access log exactly, and each log line must match its
# transaction in http.log (tests/golden/truth.py does the comparing). TAP; needs root,
# nginx, wrk, tcpdump, ip and python3, skipped otherwise.
#   WIRETAB=path/to/wiretab wrk-mix.sh [SECONDS] [CONNECTIONS]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-2} conns=${2:-8}
: "${WIRETAB:?set WIRETAB to the wiretab binary}"
if [[ $(id -u) != 0 ]]; then echo "1..0 # SKIP needs root (network namespace)"; exit 0; fi
for t in nginx wrk tcpdump ip python3; do
  command -v "$t" >/dev/null || { echo "1..0 # SKIP missing $t"; exit 0; }
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/wt-wrk-mix.XXXXXX")
trap 'rm -rf "$dir"' EXIT
n=0
ok() {  # ok CONDITION-STATUS NAME [DIAGNOSTIC]
  n=$((n + 1))
  if [[ $1 == 0 ]]; then echo "ok $n - $2"; else
    echo "not ok $n - $2"
    if [[ -n ${3:-} ]]; then while IFS= read -r l; do echo "# $l"; done <<<"$3"; fi
  fi
}

rec=$("$root/scripts/record-http-mix.sh" "$dir" "$secs" "$conns" 2>&1)
rc=$?
ok $rc "record-http-mix.sh $secs s, $conns connections (exit $rc; 3 = kernel drops)" "$rec"
if [[ $rc != 0 && $rc != 3 ]]; then echo "1..$n"; exit 1; fi
truth=$dir/http-mix.truth.txt
requests=$(awk '$1 == "requests" {print $2}' "$truth")
[[ ${requests:-0} -ge 100 ]]; ok $? "nginx logged $requests requests (>= 100)"
captured=$(awk '/packets captured/ {print $1}' "$dir/http-mix.client.txt")
frames=$(awk '$1 == "frames" {print $2}' "$truth")
[[ -n $captured && $captured == "$frames" ]]
ok $? "tcpdump's $captured captured frames are all in the file ($frames)"
statuses=$(awk '$1 == "status" {n++} END {print n + 0}' "$truth")
[[ $statuses -ge 8 ]]; ok $? "the mix has $statuses different status codes (>= 8)"

# the comparison proper: same checks as for captures/ (numbers continue from here)
WT_TAP_START=$n python3 "$here/truth.py" "$dir"
