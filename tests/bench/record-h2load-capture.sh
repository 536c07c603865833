#!/usr/bin/env bash
# Records the HTTP/2 benchmark capture: h2c (prior knowledge) from h2load against nginx
# (`listen ... http2`, the bench's nginx configuration and content as in
# record-http-capture.sh: 200 bodies of 200 B to 150 kB, 201/302/410/503/403/404 answers)
# on the loopback of a private network namespace, MTU 1500, offloads off, a 512 MiB
# capture buffer. nginx's access log is the truth an analyzer must match exactly.
#
#   record-h2load-capture.sh OUTDIR [REQUESTS] [CONNECTIONS] [STREAMS]
#
# Writes OUTDIR/http2-mix.pcap, OUTDIR/http2-mix.access.log (method status uri body_bytes
# connection_serial request_no) and OUTDIR/http2-mix.truth.txt (requests, method and
# status counts, connections), the files tests/bench/bench.py reads.
# BENCH_NETNS names the namespace (default wtbench-h2; the pid is appended). BENCH_H2_RPS:
# requests per second per connection (default 150, see below).
# Needs root and nginx-light nghttp2-client (h2load) tcpdump ethtool iproute2 python3.
set -euo pipefail
out=$(realpath -m "${1:?usage: record-h2load-capture.sh OUTDIR [REQUESTS] [CONNECTIONS] [STREAMS]}")
requests=${2:-200000} conns=${3:-32} streams=${4:-16}
# Requests per second per connection (h2load --rps): unbounded, h2load sends ~450 MB/s of
# small frames here (a 2 vCPU Zen 4 VM), tcpdump takes a third of them and the kernel drops
# the rest even with the 512 MiB buffer; 150 per connection (~4,800/s, ~130 MB/s) it keeps.
rps=${BENCH_H2_RPS:-150}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/record/netns-lib.sh"
mkdir -p "$out"
for t in nginx h2load tcpdump ethtool ip python3; do
  command -v $t >/dev/null || {
    echo "missing $t: apt-get install nginx-light nghttp2-client tcpdump ethtool iproute2 python3" >&2
    exit 1
  }
done
work=$(mktemp -d); chmod 755 "$work"
ns=${BENCH_NETNS:-wtbench-h2}-$$
netns_cleanup_on_exit "$ns" "$work/nginx.pid"
netns_plain_lo "$ns"

# content: the HTTP/1 bench's (fixed seed), and the list of URIs h2load cycles through
python3 - "$work/www" "$work/uris.txt" <<'PY'
import os, random, sys
root, uris = sys.argv[1], sys.argv[2]; random.seed(7)
os.makedirs(root + '/static', exist_ok=True)
for i in range(200):
    n = random.choice([200, 1500, 4000, 12000, 40000, 150000])
    open(f'{root}/static/f{i}.bin', 'wb').write(random.randbytes(n))
open(root + '/index.html', 'w').write('<html><body>hello</body></html>\n' * 40)
rng = random.Random(11)
with open(uris, 'w') as f:
    for i in range(400):
        r = rng.random()
        if r < 0.70:
            f.write(f'http://127.0.0.1:8080/static/f{rng.randrange(200)}.bin\n')
        elif r < 0.80:
            f.write('http://127.0.0.1:8080/index.html\n')
        else:
            f.write(rng.choice(['http://127.0.0.1:8080/redir', 'http://127.0.0.1:8080/gone',
                                'http://127.0.0.1:8080/err', 'http://127.0.0.1:8080/forbid',
                                'http://127.0.0.1:8080/missing']) + '\n')
PY
sed -e "s#@WORK@#$work#g" -e "s#listen 127.0.0.1:8080;#listen 127.0.0.1:8080 http2;#" \
  -e "s#keepalive_requests 100;#keepalive_requests 1000000;#" \
  "$here/../../scripts/record/bench-nginx.conf.in" > "$work/nginx.conf"
ip netns exec "$ns" nginx -c "$work/nginx.conf"
netns_wait_pidfile "$work/nginx.pid"
rm -f "$out/http2-mix.pcap"
netns_tcpdump "$ns" "$out/http2-mix.pcap" 'tcp port 8080' "$work/tcpdump.log" -B "${BUFFER_KB:-524288}"
sleep 0.5
# GETs over many concurrent streams, then POSTs with a body to the API
ip netns exec "$ns" h2load -n "$requests" -c "$conns" -m "$streams" --rps "$rps" -i "$work/uris.txt" \
  | grep -E '^(finished|requests|status codes|traffic)' >&2
head -c 3000 /dev/urandom > "$work/post.bin"
ip netns exec "$ns" h2load -n $((requests / 10)) -c 8 -m "$streams" --rps "$rps" -d "$work/post.bin" \
  http://127.0.0.1:8080/api/items | grep -E '^(requests|status codes)' >&2
sleep 1.5
netns_tcpdump_stop
grep -E 'captured|dropped' "$work/tcpdump.log" >&2
if grep -q '^[1-9][0-9]* packets dropped by kernel' "$work/tcpdump.log"; then
  echo "warning: the kernel dropped packets; the capture has gaps" >&2
fi
netns_nginx_quit "$work/nginx.pid"
cp "$work/access.log" "$out/http2-mix.access.log"
{
  echo "requests $(wc -l < "$out/http2-mix.access.log")"
  awk '{m[$1]++} END {for (k in m) print "method", k, m[k]}' "$out/http2-mix.access.log" | sort
  awk '{s[$2]++} END {for (k in s) print "status", k, s[k]}' "$out/http2-mix.access.log" | sort
  echo "connections $(awk '{print $5}' "$out/http2-mix.access.log" | sort -u | wc -l)"
} > "$out/http2-mix.truth.txt"
cat "$out/http2-mix.truth.txt" >&2
