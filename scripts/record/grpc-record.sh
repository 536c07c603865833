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
. "$here/netns-lib.sh"
out=$(realpath -m "${1:-$here/../../captures}")
ns=wtgrpc-$$
work=$(mktemp -d)
netns_cleanup_on_exit "$ns"
netns_plain_lo "$ns"
ip netns exec "$ns" /usr/bin/python3 "$here/grpc-calls.py" server 127.0.0.1:50051 \
  2>"$work/server.err" &
srvpid=$!
netns_wait_port "$ns" 50051
netns_tcpdump "$ns" "$out/grpc-h2c.pcap" 'tcp port 50051' "$work/tcpdump.log"
ip netns exec "$ns" /usr/bin/python3 "$here/grpc-calls.py" client 127.0.0.1:50051 \
  "$out/grpc-h2c.client.txt"
sleep 0.5
netns_tcpdump_stop
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
