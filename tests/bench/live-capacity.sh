#!/usr/bin/env bash
# Live capture capacity: the highest packet rate each capturer takes without kernel drops.
#
#   tests/bench/live-capacity.sh [CAPTURE]
#
# A private network namespace holds a veth pair (MTU 1500, offloads off). tcpreplay sends
# CAPTURE into one end, first at each rate of LIVE_PPS (packets per second, default
# "25000 50000 100000 200000 400000"), then with --topspeed; on the other end, one at a
# time, each capturer takes the whole replay:
#
#   tcpdump    tcpdump -i PEER -n -w /dev/null
#   wiretab-1  wiretab -i PEER -q -Z root --format json          (one thread, full analysis)
#   wiretab-2  wiretab -i PEER -q -Z root --format json --threads 2  (kernel fanout, 2 handles)
#   tshark     tshark -i PEER -q -c FRAMES -z http,tree  (dumpcap captures, tshark analyses)
#
# LIVE_RT=1 runs tcpreplay and the capturers under SCHED_FIFO (chrt -f 10): on a machine
# busy with other work they then run as on a quiet one.
# All with libpcap's default kernel buffer (2 MiB; LIVE_BUFFER_KIB sets -B for all). Per
# run it prints the rate tcpreplay reached, the frames sent, the frames the capturer got
# and the kernel's drops as the capturer reports them (tcpdump's "dropped by kernel",
# wiretab's report capture.dropped = the sum of every handle's pcap_stats ps_drop, tshark's
# "dropped"), then per capturer the highest rate without drops and the drop fraction at
# top speed, and the capturer's CPU time per frame captured (all its threads and child
# processes, from /proc/PID/task/*/schedstat: less sensitive to the machine's load than
# the rates, and what sets the rate a free core would hold). LIVE_TOOLS chooses capturers
# (default "tcpdump wiretab-1 wiretab-2 tshark").
#
# Without CAPTURE: BENCH_DIR/http-mix.pcap (default BUILD/bench), recorded with
# record-http-capture.sh (BENCH_SECONDS, default 2) when absent. Needs root, tcpreplay,
# tcpdump, ip, ethtool (tshark optional). Sends nothing outside its namespace. A benchmark:
# the numbers depend on the machine and its load; it asserts nothing (exit 0, 77 skipped).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$src/build}
wiretab=${WIRETAB:-$build/analyzer/wiretab}
[[ $(id -u) == 0 ]] || { echo "live-capacity: SKIP: needs root (network namespace)" >&2; exit 77; }
for t in tcpreplay tcpdump ip ethtool; do
  command -v $t >/dev/null || { echo "live-capacity: SKIP: $t missing (apt-get install tcpreplay tcpdump iproute2 ethtool)" >&2; exit 77; }
done
[[ -x $wiretab ]] || { echo "live-capacity: $wiretab not built; set BUILD_DIR or WIRETAB" >&2; exit 1; }
capture=${1:-}
if [[ -z $capture ]]; then
  dir=${BENCH_DIR:-$build/bench}
  capture=$dir/http-mix.pcap
  [[ -s $capture ]] || "$here/record-http-capture.sh" "$dir" "${BENCH_SECONDS:-2}" 32 >&2
fi
[[ -s $capture ]] || { echo "live-capacity: $capture: no such capture" >&2; exit 1; }
rates=${LIVE_PPS:-"25000 50000 100000 200000 400000"}
tools=${LIVE_TOOLS:-"tcpdump wiretab-1 wiretab-2 tshark"}
bufopt=()
[[ -n ${LIVE_BUFFER_KIB:-} ]] && bufopt=(-B "$LIVE_BUFFER_KIB")
# LIVE_RT=1: tcpreplay and the capturer run under SCHED_FIFO (chrt -f 10), ahead of the
# machine's other work, so a loaded machine measures them as a quiet one would
rt=()
[[ ${LIVE_RT:-0} == 1 ]] && rt=(chrt -f 10)

ns=live-cap$$ tx=live-t$$ rx=live-r$$
work=$(mktemp -d /tmp/live-capacity.XXXXXX)
cleanup() {
  [[ -n ${cap_pid:-} ]] && kill "$cap_pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 # only the replay's frames
ip netns exec "$ns" sysctl -q -w net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link add "$tx" type veth peer name "$rx"
for i in "$tx" "$rx"; do
  ip -n "$ns" link set "$i" mtu 1500 up
  ip netns exec "$ns" ethtool -K "$i" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
done
frames=$(tcpdump -r "$capture" -n -q 2>/dev/null | wc -l)
echo "capture: $capture ($frames frames, $(stat -c %s "$capture") bytes); nproc $(nproc); load $(cut -d' ' -f1-3 /proc/loadavg)"

# Start one capturer on the receiving end; wait until it captures.
start_capture() {
  local tool=$1
  : >"$work/err"
  case $tool in
    tcpdump) ip netns exec "$ns" "${rt[@]}" tcpdump -i "$rx" -n "${bufopt[@]}" -w /dev/null 2>"$work/err" & ;;
    wiretab-1) ip netns exec "$ns" "${rt[@]}" "$wiretab" -i "$rx" -q -Z root "${bufopt[@]}" --format json >"$work/out" 2>"$work/err" & ;;
    wiretab-2) ip netns exec "$ns" "${rt[@]}" "$wiretab" -i "$rx" -q -Z root "${bufopt[@]}" --format json --threads 2 >"$work/out" 2>"$work/err" & ;;
    # -c: it stops by itself once it has analysed every frame (SIGINT after a timeout
    # when some were dropped)
    tshark) ip netns exec "$ns" "${rt[@]}" tshark -i "$rx" -q "${bufopt[@]}" -c "$frames" -z http,tree >"$work/out" 2>"$work/err" & ;;
  esac
  cap_pid=$!
  for _ in $(seq 50); do
    grep -qE "listening on|Capturing on" "$work/err" && break
    [[ $tool == wiretab* ]] && { sleep 1; break; } # it says nothing when ready
    sleep 0.1
  done
  sleep 0.3
}

# CPU time (ns) of a process, every thread, and of its children (tshark's dumpcap) so far.
cpu_ns() {
  local total=0 p t
  for p in $1 $(pgrep -P "$1" || true); do
    for t in /proc/$p/task/*/schedstat; do
      [[ -r $t ]] && total=$((total + $(cut -d' ' -f1 "$t" 2>/dev/null || echo 0)))
    done
  done
  echo $total
}

# Stop it; prints "got dropped cpu_ns" (cpu_ns: the capturer's CPU time for the replay).
stop_capture() {
  local tool=$1 cpu
  sleep 1
  if [[ $tool == tshark ]]; then
    for _ in $(seq 120); do kill -0 "$cap_pid" 2>/dev/null || break; sleep 0.5; done
  fi
  cpu=$(($(cpu_ns "$cap_pid") - cpu0))
  kill -INT "$cap_pid" 2>/dev/null || true
  wait "$cap_pid" || true
  cap_pid=
  case $tool in
    tcpdump) echo "$(grep -oE '^[0-9]+ packets? captured' "$work/err" | cut -d' ' -f1) $(grep -oE '^[0-9]+ packets? dropped by kernel' "$work/err" | cut -d' ' -f1) $cpu" ;;
    wiretab*) python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["capture"]; print(c["packets"], c["dropped"], sys.argv[2])' "$work/out" "$cpu" ;;
    tshark) echo "$(grep -oE '[0-9]+ packets? captured' "$work/err" | cut -d' ' -f1) $(grep -oE '[0-9]+ packets? dropped' "$work/err" | head -1 | cut -d' ' -f1 || echo 0) $cpu" ;;
  esac
}

declare -A best top
printf '%-10s %-9s %10s %9s %9s %9s %8s %10s\n' tool asked reached_pps sent got dropped drop% cpu_us/frame
for tool in $tools; do
  if [[ $tool == tshark ]] && ! command -v tshark >/dev/null; then continue; fi
  best[$tool]=0
  for rate in $rates topspeed; do
    start_capture "$tool"
    cpu0=$(cpu_ns "$cap_pid")
    if [[ $rate == topspeed ]]; then speed=(--topspeed); else speed=(--pps="$rate"); fi
    rep=$(ip netns exec "$ns" "${rt[@]}" tcpreplay -i "$tx" "${speed[@]}" "$capture" 2>&1)
    reached=$(grep -oE 'Rated: [0-9.]+ Bps, [0-9.]+ Mbps, [0-9.]+ pps' <<<"$rep" | awk '{print $6}')
    reached=${reached%.*}
    sent=$(grep -oE 'Successful packets: +[0-9]+' <<<"$rep" | awk '{print $3}')
    stop_capture "$tool" >"$work/result" # not in a subshell: it waits for the capturer
    read -r got dropped cpu <"$work/result"
    dropped=${dropped:-0}
    # n/a: the capturer (tshark's dumpcap) ended before it was measured
    per_frame=$(awk -v c="${cpu:-0}" -v g="$got" 'BEGIN { if (c <= 0 || !g) print "n/a"; else printf "%.2f", c / 1000 / g }')
    frac=$(awk -v d="$dropped" -v s="$sent" 'BEGIN { printf "%.2f", s ? 100 * d / s : 0 }')
    printf '%-10s %-9s %10s %9s %9s %9s %8s %10s\n' "$tool" "$rate" "$reached" "$sent" "$got" "$dropped" "$frac" "$per_frame"
    # the rate tcpreplay reached, not the one asked: on a busy machine the capturer's own
    # CPU use slows the replay
    if [[ $dropped == 0 && $got == "$sent" && $reached -gt ${best[$tool]} ]]; then
      best[$tool]=$reached
    fi
    [[ $rate == topspeed ]] && top[$tool]="${frac}% dropped at top speed (${reached} pps)"
  done
done
echo
for tool in $tools; do
  [[ -n ${top[$tool]:-} ]] && echo "$tool: highest rate reached without drops: ${best[$tool]} pps; ${top[$tool]}"
done
