#!/usr/bin/env bash
# Instructions per packet (docs/performance.md, "Where the time goes"): runs
# valgrind --tool=callgrind on two cuts of the bench capture and prints the instruction
# totals (Ir, every thread, start-up and exit included), Ir(big)/frames(big) and the
# marginal cost (Ir(big) - Ir(small)) / (frames(big) - frames(small)), which removes
# start-up, locale loading and report writing.
#
#   callgrind-ipp.sh WIRETAB P50K P1K [extra wiretab args...]
#       runs  WIRETAB -q -r CUT [extra args...] > /dev/null   (text report, discarded)
#   callgrind-ipp.sh --floor PCAP_FLOOR P50K P1K
#       runs  PCAP_FLOOR CUT > /dev/null                        (tests/bench/pcap-floor)
#
# P50K/P1K: the first 50,000 and 1,000 frames of the capture, as classic pcap (not pcapng):
#   editcap -F pcap -r http-mix.pcap p50k.pcap 1-50000
#   editcap -F pcap -r http-mix.pcap p1k.pcap 1-1000
# Frame counts are read with capinfos when installed (else 50,000 and 1,000 are assumed).
# An extra argument spelled @LOGDIR@ is replaced by a new empty directory for each run
# (e.g. --log-dir @LOGDIR@), so both runs write their logs the same way; any other
# argument is passed on unchanged (--threads 2: Ir is summed over all threads).
#
# Same conditions for every build: heap addresses, and with them the instructions spent in
# malloc and in strcmp (g_str_equal), depend on the lengths of strings the program copies at
# start-up: the binary's path, the capture's path, the build tree's po/ directory
# (i18n.c), the environment. Two builds of identical code in different directories measured
# as is differ by up to ~3 instructions per packet. So each run sees the program and the
# cuts through symbolic links of fixed length in a fresh /tmp/cg-ipp.XXXXXXXX directory,
# a fixed environment (env -i, PATH, LANG=C.UTF-8 or $CG_LANG, WIRETAB_LOCALEDIR=/nonexistent
# so no catalogue is looked for next to the binary) and runs there. Then every wiretab
# function of identical code counts the same; what is left is libc's string functions on
# constant strings placed differently (0.2 per packet between 191024d and e593b34, which
# only moved files). With --threads N the count varies by ~0.05 % from run to run (thread
# hand-offs under valgrind's scheduler): take several runs. CG_RAW=1 runs the given paths
# in the caller's environment and directory (how docs/performance.md's older rows were taken).
#
# CG_STDIN=1 gives the cut on standard input (WIRETAB -q -r - < CUT) instead of naming it;
# CG_NO_MMAP=1 sets WIRETAB_NO_MMAP=1 (libpcap's readers) in the fixed environment;
# WIRETAB_THREADS_READER=1 in the caller's is passed on (--threads with the reader thread
# instead of replicated reading), and WIRETAB_THREADS_FIXED=1 is always set (N threads,
# not sized to the free cores).
#
# Environment: CG_KEEP=DIR keeps the callgrind.out files there (for callgrind_annotate);
# VALGRIND (default valgrind); CG_OPTS, extra valgrind options. Exit status 1 on bad usage,
# 2 when a run fails (the program's own exit status is required to be 0).
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 1
}

mode=wiretab
if [[ ${1:-} == --floor ]]; then mode=floor; shift; fi
[[ $# -ge 3 ]] || usage
prog=$1 big=$2 small=$3
shift 3
[[ -x $prog ]] || { echo "callgrind-ipp: $prog: not an executable" >&2; exit 1; }
for f in "$big" "$small"; do
  [[ -r $f ]] || { echo "callgrind-ipp: $f: cannot read" >&2; exit 1; }
done
if [[ $mode == floor && $# -gt 0 ]]; then
  echo "callgrind-ipp: --floor takes no extra arguments" >&2; exit 1
fi
valgrind=${VALGRIND:-valgrind}
command -v "$valgrind" >/dev/null || { echo "callgrind-ipp: valgrind not installed" >&2; exit 1; }

work=$(mktemp -d /tmp/cg-ipp.XXXXXXXX)
trap 'rm -rf "$work"' EXIT
raw=${CG_RAW:-0}
if [[ $raw == 1 ]]; then
  run_prog=$prog run_big=$big run_small=$small run_dir=$PWD
  run_env=()
else
  ln -s "$(realpath "$prog")" "$work/prog"
  ln -s "$(realpath "$big")" "$work/big.pcap"
  ln -s "$(realpath "$small")" "$work/sml.pcap"
  run_prog=$work/prog run_big=$work/big.pcap run_small=$work/sml.pcap run_dir=$work
  run_env=(env -i PATH=/usr/local/bin:/usr/bin:/bin "LANG=${CG_LANG:-C.UTF-8}"
    WIRETAB_LOCALEDIR=/nonexistent)
  if [[ ${CG_NO_MMAP:-0} == 1 ]]; then run_env+=(WIRETAB_NO_MMAP=1); fi
  # --threads N counts N threads' instructions, whatever the load when it runs (wiretab
  # would size the workers to the free cores); WIRETAB_THREADS_READER=1 is passed on
  run_env+=(WIRETAB_THREADS_FIXED=1)
  if [[ -n ${WIRETAB_THREADS_READER:-} ]]; then run_env+=(WIRETAB_THREADS_READER=1); fi
fi

frames() {
  local n=
  if command -v capinfos >/dev/null; then
    n=$(capinfos -M -c "$1" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
  fi
  echo "${n:-$2}"
}

# run LABEL CUT: callgrind one program run on CUT, print its Ir total
run() {
  local label=$1 cut=$2 out=$work/callgrind.out.$1 args=() a i=0 input=/dev/null
  if [[ $mode == floor ]]; then
    args=("$run_prog" "$cut")
  elif [[ ${CG_STDIN:-0} == 1 ]]; then
    args=("$run_prog" -q -r -)
    input=$cut
  else
    args=("$run_prog" -q -r "$cut")
    for a in "${extra[@]}"; do
      if [[ $a == @LOGDIR@ ]]; then
        i=$((i + 1)); a=$work/logs.$label.$i; mkdir -p "$a"
      fi
      args+=("$a")
    done
  fi
  # shellcheck disable=SC2086
  if ! (cd "$run_dir" && "${run_env[@]}" "$valgrind" -q --tool=callgrind --callgrind-out-file="$out" ${CG_OPTS:-} \
      "${args[@]}" < "$input" > /dev/null 2> "$work/stderr.$label"); then
    echo "callgrind-ipp: failed: ${args[*]}" >&2
    cat "$work/stderr.$label" >&2
    exit 2
  fi
  if [[ -s $work/stderr.$label ]]; then
    sed 's/^/callgrind-ipp: stderr: /' "$work/stderr.$label" >&2
  fi
  # "summary:" (older valgrind) or "totals:" holds the Ir of the whole run
  local ir
  ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$out")
  [[ -n $ir ]] || { echo "callgrind-ipp: no total in $out" >&2; exit 2; }
  if [[ -n ${CG_KEEP:-} ]]; then mkdir -p "$CG_KEEP"; cp "$out" "$CG_KEEP/"; fi
  echo "$ir"
}

extra=("$@")
fb=$(frames "$big" 50000)
fs=$(frames "$small" 1000)
(( fb > fs )) || { echo "callgrind-ipp: $big must hold more frames than $small" >&2; exit 1; }
valgrind=$(command -v "$valgrind")
irb=$(run big "$run_big")
irs=$(run sml "$run_small")

if [[ $mode == floor ]]; then
  cmd="$prog CUT"
else
  cmd="$prog -q -r CUT${extra[*]:+ ${extra[*]}}"
  if [[ ${CG_STDIN:-0} == 1 ]]; then cmd="$prog -q -r -${extra[*]:+ ${extra[*]}} < CUT"; fi
  if [[ ${CG_NO_MMAP:-0} == 1 ]]; then cmd="WIRETAB_NO_MMAP=1 $cmd"; fi
  if [[ -n ${WIRETAB_THREADS_READER:-} ]]; then cmd="WIRETAB_THREADS_READER=1 $cmd"; fi
fi
# The report is written once a run, and its length follows what the cut holds (a timeline
# row per interval, a row per host or URI), not its packets: a cut whose report grows more
# from 1,000 to 50,000 frames counts more "per packet" (153 per packet on a recording where
# the 50,000 frames spanned 253 timeline rows). So the marginal is also given without it:
# each run's Ir less write_report's inclusive Ir (callgrind_annotate; 0 for the floor).
report_ir() {
  [[ $mode == floor ]] && { echo 0; return; }
  callgrind_annotate --inclusive=yes --threshold=100 "$work/callgrind.out.$1" 2>/dev/null |
    awk '!found && /cli\/main.c:write_report / {gsub(",", "", $1); ir = $1; found = 1}
         END {print found ? ir : 0}' # reads to the end: no SIGPIPE under pipefail
}
rpb=$(report_ir big)
rps=$(report_ir sml)
awk -v irb="$irb" -v irs="$irs" -v fb="$fb" -v fs="$fs" -v rpb="$rpb" -v rps="$rps" -v cmd="$cmd" 'BEGIN {
  printf "command           %s\n", cmd
  printf "Ir %-14s %15.0f\n", "(" fb " fr)", irb
  printf "Ir %-14s %15.0f\n", "(" fs " fr)", irs
  printf "total / %-9d %15.1f instructions per packet\n", fb, irb / fb
  printf "marginal          %15.1f instructions per packet ((Ir big - Ir small) / %d)\n", (irb - irs) / (fb - fs), fb - fs
  if (rpb > 0)
    printf "marginal, no report %13.1f instructions per packet (the report: %.0f and %.0f Ir)\n", ((irb - rpb) - (irs - rps)) / (fb - fs), rpb, rps
}'
