#!/usr/bin/env bash
# Records the benchmark capture: real HTTP/1.1 traffic (nginx serving, wrk loading with
# GET/POST/PUT/PATCH/DELETE/OPTIONS) on the loopback of a private network namespace, MTU
# 1500, offloads off, so the frames look like Ethernet traffic. Writes the server's own
# access log and the counts it holds: the ground truth an analyzer must match exactly.
#
#   record-http-capture.sh OUTDIR [SECONDS] [CONNECTIONS]
#
# Writes OUTDIR/http-mix.pcap, OUTDIR/http-mix.access.log (method status uri body_bytes
# connection_serial request_no) and OUTDIR/http-mix.truth.txt (requests, method and status
# counts, connections).
#
# KEEPALIVE_REQUESTS (default 100) is nginx's requests per connection: 1 closes every
# connection after its first answer, so wrk opens a new one per request (many short
# connections: the flow table's and reassembly's churn). BENCH_NETNS names the namespace
# (default wtbench; the pid is appended).
#
# Based on ../shared/bench/make-http-capture.sh, with one fix: that script starts wrk a
# fixed second after tcpdump, and with a 512 MiB kernel buffer tcpdump can still be
# setting up, so the first ~100 ms of traffic (the SYNs and first requests of every
# connection) were missing and the capture no longer equalled the access log. Here wrk
# starts only after tcpdump has said "listening on" (its buffer is then active).
# Needs root and nginx-light wrk tcpdump ethtool iproute2 python3. Sends nothing outside the
# namespace's own loopback.
set -euo pipefail
out=$(realpath -m "${1:?usage: record-http-capture.sh OUTDIR [SECONDS] [CONNECTIONS]}")
secs=${2:-5} conns=${3:-32}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/record/netns-lib.sh"
mkdir -p "$out"
for t in nginx wrk tcpdump ethtool ip python3; do
  command -v $t >/dev/null || {
    echo "missing $t: apt-get install nginx-light wrk tcpdump ethtool iproute2 python3" >&2
    exit 1
  }
done
work=$(mktemp -d); chmod 755 "$work"
ns=${BENCH_NETNS:-wtbench}$$
netns_cleanup_on_exit "$ns" "$work/nginx.pid"
netns_plain_lo "$ns"

# content: fixed seed so every run serves the same bodies
python3 - "$work/www" <<'PY'
import os, random, sys
root = sys.argv[1]; random.seed(7)
os.makedirs(root + '/static', exist_ok=True)
for i in range(200):
    n = random.choice([200, 1500, 4000, 12000, 40000, 150000])
    open(f'{root}/static/f{i}.bin', 'wb').write(random.randbytes(n))
open(root + '/index.html', 'w').write('<html><body>hello</body></html>\n' * 40)
PY
sed -e "s#@WORK@#$work#g" \
  -e "s#keepalive_requests 100;#keepalive_requests ${KEEPALIVE_REQUESTS:-100};#" "$here/../../scripts/record/bench-nginx.conf.in" > "$work/nginx.conf"
ip netns exec "$ns" nginx -c "$work/nginx.conf"
netns_wait_pidfile "$work/nginx.pid"
rm -f "$out/http-mix.pcap"
netns_tcpdump "$ns" "$out/http-mix.pcap" 'tcp port 8080' "$work/tcpdump.log" -B "${BUFFER_KB:-524288}"
sleep 0.5
ip netns exec "$ns" wrk -t1 -c"$conns" -d"${secs}s" -s "$here/../../scripts/record/bench-mix.lua" http://127.0.0.1:8080/ \
  | tail -n 4 >&2
sleep 1.5
netns_tcpdump_stop
grep -E 'captured|dropped' "$work/tcpdump.log" >&2
if grep -q '^[1-9][0-9]* packets dropped by kernel' "$work/tcpdump.log"; then
  echo "warning: the kernel dropped packets; the capture has gaps" >&2
fi
netns_nginx_quit "$work/nginx.pid"
cp "$work/access.log" "$out/http-mix.access.log"
{
  echo "requests $(wc -l < "$out/http-mix.access.log")"
  awk '{m[$1]++} END {for (k in m) print "method", k, m[k]}' "$out/http-mix.access.log" | sort
  awk '{s[$2]++} END {for (k in s) print "status", k, s[k]}' "$out/http-mix.access.log" | sort
  echo "connections $(awk '{print $5}' "$out/http-mix.access.log" | sort -u | wc -l)"
} > "$out/http-mix.truth.txt"
cat "$out/http-mix.truth.txt" >&2
