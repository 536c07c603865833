#!/usr/bin/env bash
# Reassembly invariance, end to end: the same HTTP byte streams delivered split, swapped,
# duplicated, overlapping and all at once must give wiretab the same HTTP methods and
# final status codes as the server's own log.
#
#   check-rewrites.sh WIRETAB CAPTURE TRUTH [--seed N] [--keep DIR] [MODE...]
#
# TRUTH: lines `method GET 123` and `status 200 456` (make-http-capture.sh's truth.txt;
# other lines are ignored). Modes default to: orig split swap dup overlap all trickle
# (`orig` is the capture as it is; rewrite-capture.py describes the others). Compares `http.methods` and the final (>= 200) entries of
# `http.status_codes` of `wiretab -r OUT --format json`: interim 1xx responses are not in
# a server's access log. Exit status 0 only if every mode matches.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage() { echo "usage: $0 WIRETAB CAPTURE TRUTH [--seed N] [--keep DIR] [MODE...]" >&2; exit 2; }
[[ $# -ge 3 ]] || usage
wiretab=$1 capture=$2 truth=$3
shift 3
seed=1 keep='' modes=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --seed) seed=${2:?}; shift 2 ;;
    --keep) keep=${2:?}; shift 2 ;;
    -*) usage ;;
    *) modes+=("$1"); shift ;;
  esac
done
[[ ${#modes[@]} -gt 0 ]] || modes=(orig split swap dup overlap all trickle)
[[ -x $wiretab ]] || { echo "$0: $wiretab: not executable" >&2; exit 2; }
[[ -r $capture && -r $truth ]] || { echo "$0: cannot read $capture or $truth" >&2; exit 2; }
# PYTHON overrides the interpreter (only the standard library is needed)
py=${PYTHON:-python3}

if [[ -n $keep ]]; then
  work=$keep; mkdir -p "$work"
else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fi
# classic pcap in: the rewriter reads pcap only
cap=$work/input.pcap
if [[ $(head -c 4 "$capture" | od -An -tx1 | tr -d ' \n') == 0a0d0d0a ]]; then
  editcap -F pcap "$capture" "$cap"
else
  cap=$capture
fi

fail=0
for mode in "${modes[@]}"; do
  out=$work/$mode.pcap
  if [[ $mode == orig ]]; then
    out=$cap
  else
    "$py" "$here/rewrite-capture.py" "$mode" "$cap" "$out" --seed "$seed" 2>/dev/null
  fi
  "$wiretab" -r "$out" --format json > "$work/$mode.json"
  if ! "$py" - "$truth" "$work/$mode.json" "$mode" <<'PY'
import json, sys
truth_path, report_path, mode = sys.argv[1:4]
want_m, want_s = {}, {}
for line in open(truth_path):
    f = line.split()
    if len(f) == 3 and f[0] == 'method':
        want_m[f[1]] = int(f[2])
    elif len(f) == 3 and f[0] == 'status':
        want_s[f[1]] = int(f[2])
rep = json.load(open(report_path))
http = rep.get('http') or {}
got_m = {k: int(v) for k, v in (http.get('methods') or {}).items() if v}
got_s = {k: int(v) for k, v in (http.get('status_codes') or {}).items()
         if v and not (len(k) == 3 and k.startswith('1'))}
bad = []
for name, want, got in (('method', want_m, got_m), ('status', want_s, got_s)):
    for k in sorted(set(want) | set(got)):
        if want.get(k, 0) != got.get(k, 0):
            bad.append(f'{name} {k}: want {want.get(k, 0)} got {got.get(k, 0)}')
anom = rep.get('anomalies') or {}
notes = ' '.join(f'{k}={anom[k]}' for k in sorted(anom) if k.startswith('tcp.'))
if bad:
    print(f'FAIL {mode}: ' + '; '.join(bad) + (f'  [{notes}]' if notes else ''))
    sys.exit(1)
print(f'ok   {mode}: {sum(got_m.values())} requests, {sum(got_s.values())} final responses'
      + (f'  [{notes}]' if notes else ''))
PY
  then
    fail=1
  fi
done
exit $fail
