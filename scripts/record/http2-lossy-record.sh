#!/usr/bin/env bash
# Records a LOSSY h2c capture for captures/http2-lossy.pcap: nginx (`listen ... http2`,
# nginx.conf.in) and h2load (prior knowledge, many concurrent streams) on the loopback of a
# private network namespace, captured by tcpdump with a tiny kernel buffer (BUFFER_KB, default 32 KiB),
# so the kernel drops frames tcpdump could not take in time while TCP itself
# lost nothing: nginx's access log is still the truth of what was sent. The gaps cut frame
# headers and header blocks: the HPACK state of a direction is unknown after one.
#   BUFFER_KB=64 scripts/record/http2-lossy-record.sh [OUTDIR]   (root; nginx-light,
#   nghttp2-client (h2load), tcpdump, capinfos)
# Exits 3 when tcpdump dropped nothing (loss depends on the machine's load: run again).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/netns-lib.sh"
out=$(realpath -m "${1:-$here/../../captures}")
buffer_kb=${BUFFER_KB:-32}
ns=wth2l-$$
work=$(mktemp -d)
chmod 755 "$work"
netns_cleanup_on_exit "$ns" "$work/nginx.pid"
netns_plain_lo "$ns"
mkdir -p "$work/www" "$work/body"
echo "hello over h2c" > "$work/www/index.html"
head -c 6000 /dev/urandom > "$work/www/blob.bin"
head -c 600 /dev/zero | tr '\0' 'p' > "$work/post.bin"
sed -e "s|@WORK@|$work|g" -e "s|@LISTEN@|    listen 127.0.0.1:8080 http2;|" \
  "$here/nginx.conf.in" > "$work/nginx.conf"
ip netns exec "$ns" nginx -c "$work/nginx.conf"
netns_wait_pidfile "$work/nginx.pid"
netns_tcpdump "$ns" "$out/http2-lossy.pcap" 'tcp port 8080' "$work/tcpdump.log" -B "$buffer_kb"
sleep 0.3
base=http://127.0.0.1:8080
ip netns exec "$ns" h2load -n 600 -c 6 -m 32 "$base/index.html" "$base/missing" \
  "$base/blob.bin" "$base/api/items" "$base/old" "$base/busy" > "$work/h2load1.txt" &
ip netns exec "$ns" h2load -n 200 -c 2 -m 32 -d "$work/post.bin" "$base/api/items" \
  > "$work/h2load2.txt"
wait %2 2>/dev/null || true
sleep 0.5
netns_tcpdump_stop
netns_nginx_quit "$work/nginx.pid"
cat "$work/tcpdump.log" >&2
dropped=$(awk '/dropped by kernel/ {print $1}' "$work/tcpdump.log")
cp "$work/access.log" "$out/http2-lossy.access.log"
grep -h '^requests:' "$work"/h2load*.txt | sed 's/^/h2load /' > "$out/http2-lossy.client.txt"
{
  echo "# ground truth for http2-lossy.pcap, counted from http2-lossy.access.log (nginx) by"
  echo "# nginx-truth.sh; the capture LOST frames (tcpdump -B $buffer_kb: $dropped dropped by"
  echo "# kernel), so these are upper bounds for what a capture reader may report. Checked by"
  echo "# tests/golden/http2-lossy.py."
  echo "capture http2-lossy.pcap"
  echo "frames $(capinfos -c -M "$out/http2-lossy.pcap" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')"
  echo "http_checked_by tests/golden/http2-lossy.py"
  echo "dropped_by_kernel $dropped"
  "$here/nginx-truth.sh" "$out/http2-lossy.access.log"
} > "$out/http2-lossy.truth.txt"
[[ ${dropped:-0} -gt 0 ]] || { echo "tcpdump dropped nothing: run again (or smaller BUFFER_KB)" >&2; exit 3; }
