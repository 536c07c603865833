#!/usr/bin/env bash
# Records h2c (HTTP/2 in the clear, prior knowledge) for captures/http2-h2c.pcap: nginx
# (`listen ... http2`, scripts/record/nginx.conf.in) in a private network namespace, curl
# --http2-prior-knowledge and nghttp with several methods and statuses (several requests per
# connection), one request with Expect: 100-continue, and h2load with many concurrent
# streams per connection. Truth: nginx's access log (captures/http2-h2c.access.log, with
# $server_protocol and $connection) counted by nginx-truth.sh into http2-h2c.truth.txt.
#   scripts/record/http2-record.sh [OUTDIR]   (root; nginx-light, curl, nghttp2-client, tcpdump)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-$here/../../captures}")
ns=wth2-$$
work=$(mktemp -d)
chmod 755 "$work"
cleanup() {
  [[ -n ${tdpid:-} ]] && kill "$tdpid" 2>/dev/null || true
  [[ -s $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  sleep 0.3
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip link set lo mtu 1500
ip netns exec "$ns" ethtool -K lo tso off gso off gro off tx off >/dev/null 2>&1 || true
mkdir -p "$work/www" "$work/body"
echo "hello over h2c" > "$work/www/index.html"
head -c 40000 /dev/zero | tr '\0' 'x' > "$work/www/big.txt"
head -c 3000 /dev/zero | tr '\0' 'p' > "$work/post.bin"
sed -e "s|@WORK@|$work|g" -e "s|@LISTEN@|    listen 127.0.0.1:8080 http2;|" \
  "$here/nginx.conf.in" > "$work/nginx.conf"
ip netns exec "$ns" nginx -c "$work/nginx.conf"
for _ in $(seq 50); do [[ -s $work/nginx.pid ]] && break; sleep 0.1; done
ip netns exec "$ns" tcpdump -n -i lo -s 0 -U --immediate-mode -Z root \
  -w "$out/http2-h2c.pcap" 'tcp port 8080' 2>"$work/tcpdump.log" &
tdpid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/tcpdump.log" && break; sleep 0.05; done
base=http://127.0.0.1:8080
c() { ip netns exec "$ns" curl -sS --http2-prior-knowledge -o /dev/null -w '%{http_version} %{http_code} %{url_effective}\n' "$@"; }
{
  # one connection, several streams at once (nghttp; curl 7.88 fails to reuse an h2c
  # prior-knowledge connection): 200, 404, 301, 500, 503, a 40 kB body
  ip netns exec "$ns" nghttp -n -s "$base/index.html" "$base/missing" "$base/old" \
    "$base/boom" "$base/busy" "$base/big.txt" | awk '$1 ~ /^[0-9]+$/ {print "nghttp", $5, $7}'
  c -X POST -d '{"a":1}' -H 'Content-Type: application/json' "$base/api/items"
  c -X DELETE "$base/api/items"
  c -X OPTIONS "$base/api/items"
  c -X PUT --data-binary @"$work/post.bin" "$base/dav/one.bin"
  c -X PUT --data-binary @"$work/post.bin" "$base/dav/one.bin"
  c -X DELETE "$base/dav/one.bin"
  c -H 'Expect: 100-continue' --data-binary @"$work/post.bin" "$base/upload"
  c -X PATCH -d 'x=1' "$base/api/items"
  c -I "$base/index.html"
} > "$out/http2-h2c.client.txt"
# many concurrent streams: 4 connections, up to 32 streams each at a time
ip netns exec "$ns" h2load -n 400 -c 4 -m 32 "$base/api/items" "$base/index.html" "$base/missing" \
  > "$work/h2load1.txt"
ip netns exec "$ns" h2load -n 100 -c 2 -m 16 -d "$work/post.bin" "$base/api/items" \
  > "$work/h2load2.txt"
grep -h '^requests:' "$work"/h2load*.txt | sed 's/^/h2load /' >> "$out/http2-h2c.client.txt"
sleep 0.5
kill "$tdpid"
wait "$tdpid" 2>/dev/null || true
tdpid=
kill "$(cat "$work/nginx.pid")"
sleep 0.3
cp "$work/access.log" "$out/http2-h2c.access.log"
write_truth() {
  echo "# ground truth for http2-h2c.pcap, counted from http2-h2c.access.log (nginx, the truth"
  echo "# log format of nginx.conf.in; protocol HTTP/2.0 = \$server_protocol) by nginx-truth.sh;"
  echo "# frames from capinfos. tests/golden/http2.py checks it (nginx's \$connection_requests"
  echo "# is not a stream's number, so golden/truth.py leaves the HTTP part to it)."
  echo "capture http2-h2c.pcap"
  echo "frames $(capinfos -c -M "$out/http2-h2c.pcap" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')"
  echo "http_checked_by tests/golden/http2.py"
  "$here/nginx-truth.sh" "$out/http2-h2c.access.log"
}
write_truth > "$out/http2-h2c.truth.txt"
