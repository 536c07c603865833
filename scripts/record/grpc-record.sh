#!/usr/bin/env bash
# Records gRPC over h2c for captures/grpc-h2c.pcap: scripts/record/grpc-calls.py (python3-
# grpcio, raw-bytes messages) as server and client on 127.0.0.1:50051 in a private network
# namespace's loopback; the client makes 12 calls over one connection with statuses OK,
# NOT_FOUND, INVALID_ARGUMENT, PERMISSION_DENIED, INTERNAL (in trailers after the headers),
# UNAUTHENTICATED and UNIMPLEMENTED (trailers-only responses) and a server-streaming call.
# Truth: the client's own record of each call's status code (grpc-h2c.client.txt: method,
# grpc.StatusCode name), counted into grpc-h2c.truth.txt.
#   scripts/record/grpc-record.sh [OUTDIR]   (root; python3-grpcio, tcpdump, capinfos)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-$here/../../captures}")
ns=wtgrpc-$$
work=$(mktemp -d)
cleanup() {
  [[ -n ${tdpid:-} ]] && kill "$tdpid" 2>/dev/null || true
  [[ -n ${srvpid:-} ]] && kill "$srvpid" 2>/dev/null || true
  sleep 0.3
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip link set lo mtu 1500
ip netns exec "$ns" ethtool -K lo tso off gso off gro off tx off >/dev/null 2>&1 || true
ip netns exec "$ns" /usr/bin/python3 "$here/grpc-calls.py" server 127.0.0.1:50051 \
  2>"$work/server.err" &
srvpid=$!
for _ in $(seq 50); do
  ip netns exec "$ns" bash -c '</dev/tcp/127.0.0.1/50051' 2>/dev/null && break
  sleep 0.1
done
ip netns exec "$ns" tcpdump -n -i lo -s 0 -U --immediate-mode -Z root \
  -w "$out/grpc-h2c.pcap" 'tcp port 50051' 2>"$work/tcpdump.log" &
tdpid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/tcpdump.log" && break; sleep 0.05; done
ip netns exec "$ns" /usr/bin/python3 "$here/grpc-calls.py" client 127.0.0.1:50051 \
  "$out/grpc-h2c.client.txt"
sleep 0.5
kill "$tdpid"
wait "$tdpid" 2>/dev/null || true
tdpid=
log=$out/grpc-h2c.client.txt
{
  echo "# ground truth for grpc-h2c.pcap: the gRPC client's own record of each call"
  echo "# (grpc-h2c.client.txt: service/method and grpc.StatusCode), counted; frames from"
  echo "# capinfos. Checked by tests/golden/grpc.py."
  echo "capture grpc-h2c.pcap"
  echo "frames $(capinfos -c -M "$out/grpc-h2c.pcap" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')"
  echo "http_checked_by tests/golden/grpc.py"
  echo "grpc_calls $(wc -l < "$log")"
  awk '{s[$2]++} END {for (k in s) print "grpc_status", k, s[k]}' "$log" | sort
  awk '{m[$1 " " $2]++} END {for (k in m) print "grpc_call", k, m[k]}' "$log" | sort
} > "$out/grpc-h2c.truth.txt"
