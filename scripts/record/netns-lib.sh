# Shared set-up for the recording scripts: source it, then call the functions.
#   netns_plain_lo NS        create NS with its loopback up, MTU 1500, offloads off, so
#                            segments are MTU-sized as they would be on an Ethernet wire
#   netns_tcpdump NS OUT FILTER LOG
#                            start tcpdump on NS's loopback writing OUT; returns once
#                            tcpdump says "listening on" (its buffer is active, so the
#                            first SYNs are not lost); the pid is left in $tcpdump_pid
#   netns_tcpdump_stop       SIGINT tcpdump and wait for it to flush its last block
# Needs root, iproute2, ethtool, tcpdump.

netns_plain_lo() {
  ip netns add "$1"
  ip netns exec "$1" ip link set lo up
  ip netns exec "$1" ip link set lo mtu 1500
  ip netns exec "$1" ethtool -K lo tso off gso off gro off tx off >/dev/null 2>&1 || true
}

netns_tcpdump() {
  ip netns exec "$1" tcpdump -n -i lo -s 0 -U --immediate-mode -Z root -w "$2" "$3" 2>"$4" &
  tcpdump_pid=$!
  local _
  for _ in $(seq 100); do grep -q 'listening on' "$4" && break; sleep 0.05; done
  grep -q 'listening on' "$4" || { cat "$4" >&2; return 1; }
}

netns_tcpdump_stop() {
  [[ -n ${tcpdump_pid:-} ]] || return 0
  kill -INT "$tcpdump_pid" 2>/dev/null || true
  wait "$tcpdump_pid" 2>/dev/null || true
  tcpdump_pid=
}
