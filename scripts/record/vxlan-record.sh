#!/usr/bin/env bash
# Records captures/http-vxlan.pcap: curl in wttun-cli against nginx in wttun-srv over a
# VXLAN overlay (VNI 4242, UDP 4789, the kernel's vxlan driver) whose underlay is a veth
# pair between the two namespaces; tcpdump captures the underlay, so every HTTP frame is
# inside Ethernet/IPv4/UDP/VXLAN. The truth is nginx's access log and curl's -w lines
# (http-vxlan.access.log, http-vxlan.client.txt), counted into http-vxlan.truth.txt as
# scripts/record-captures.sh does (golden test: tests/golden/truth.py). Creates and deletes
# its own namespaces; nothing is sent anywhere else.
#
#   scripts/record/vxlan-record.sh [OUTDIR]     (as root; OUTDIR defaults to captures/)
set -euo pipefail
export LC_ALL=C
repo=$(cd "$(dirname "$0")/../.." && pwd)
rec=$repo/scripts/record
out=$(realpath -m "${1:-$repo/captures}")
SRV=wttun-srv CLI=wttun-cli
U_SRV=10.78.0.1 U_CLI=10.78.0.2 O_SRV=10.78.42.1 O_CLI=10.78.42.2
die() { echo "vxlan-record: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces)"
for t in ip ethtool tcpdump capinfos nginx curl python3; do
  command -v "$t" >/dev/null || die "missing $t"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/wttun-record.XXXXXX")
chmod 755 "$work"
cappid=
cleanup() {
  set +e
  [[ -n $cappid ]] && kill -INT "$cappid" 2>/dev/null
  [[ -f $work/nginx.pid ]] && kill -QUIT "$(cat "$work/nginx.pid")" 2>/dev/null
  sleep 0.3
  ip netns del "$SRV" 2>/dev/null
  ip netns del "$CLI" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$SRV"; ip netns add "$CLI"
for ns in "$SRV" "$CLI"; do ip -n "$ns" link set lo up; done
ip link add u-srv netns "$SRV" type veth peer name u-cli netns "$CLI"
ip -n "$SRV" addr add "$U_SRV/24" dev u-srv; ip -n "$SRV" link set u-srv up
ip -n "$CLI" addr add "$U_CLI/24" dev u-cli; ip -n "$CLI" link set u-cli up
for pair in "$SRV u-srv $U_SRV $U_CLI $O_SRV" "$CLI u-cli $U_CLI $U_SRV $O_CLI"; do
  set -- $pair
  ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
  ip netns exec "$1" sysctl -qw "net.ipv6.conf.all.disable_ipv6=1"
  ip -n "$1" link add vx0 type vxlan id 4242 local "$3" remote "$4" dstport 4789 dev "$2"
  ip -n "$1" addr add "$5/24" dev vx0
  ip -n "$1" link set vx0 up
  ip netns exec "$1" ethtool -K vx0 tso off gso off gro off >/dev/null 2>&1 || true
done

mkdir -p "$work/www/static" "$work/www/dav"
python3 - "$work/www" <<'PY'
import random, sys
root = sys.argv[1]; random.seed(1977)
open(root + '/index.html', 'w').write('<html><body>wiretab sample page</body></html>\n' * 30)
open(root + '/static/medium.bin', 'wb').write(random.randbytes(12000))
PY
find "$work/www" -exec touch -d '2024-01-01 00:00:00 UTC' {} +
chmod -R a+rX "$work/www"
awk -v work="$work" -v listen="    listen $O_SRV:80;" \
  '{gsub(/@WORK@/, work); if ($0 ~ /^[ \t]*@LISTEN@[ \t]*$/) print listen; else print}' \
  "$rec/nginx.conf.in" > "$work/nginx.conf"
ip netns exec "$SRV" nginx -c "$work/nginx.conf"
for _ in $(seq 50); do [[ -s $work/nginx.pid ]] && break; sleep 0.1; done
sleep 0.2

name=http-vxlan; f=$name.pcap
rm -f "$out/$f" "$out/$name.client.txt"
ip netns exec "$CLI" tcpdump -n -U --immediate-mode -B 32768 -Z root -s 0 -i u-cli -w "$out/$f" 2>"$work/cap.log" &
cappid=$!
for _ in $(seq 50); do grep -q 'listening on' "$work/cap.log" && break; sleep 0.1; done
CURLFMT='curl %{method} %{http_code} %{url_effective} http_version=%{http_version} new_connections=%{num_connects} local_port=%{local_port} size_download=%{size_download} size_upload=%{size_upload} exitcode=%{exitcode}\n'
B=http://$O_SRV
c() { ip netns exec "$CLI" curl "$@" >> "$out/$name.client.txt"; }
# one keep-alive connection: GET 200, GET 200 (12 kB over the overlay's MTU), POST 201,
# GET 404; then a Connection: close GET 301
c -sS -o /dev/null -w "$CURLFMT" "$B/index.html" --next -sS -o /dev/null -w "$CURLFMT" "$B/static/medium.bin" \
  --next -sS -o /dev/null -w "$CURLFMT" -X POST --data-binary 'n=7' "$B/api/items" \
  --next -sS -o /dev/null -w "$CURLFMT" "$B/missing"
c -sS -o /dev/null -w "$CURLFMT" -H 'Connection: close' "$B/old"
sleep 0.5
kill -INT "$cappid"; wait "$cappid" 2>/dev/null || true; cappid=
kill -QUIT "$(cat "$work/nginx.pid")"
for _ in $(seq 50); do [[ -f $work/nginx.pid ]] || break; sleep 0.1; done
cp "$work/access.log" "$out/$name.access.log"
{
  echo "# ground truth for $f, counted from: $name.access.log (nginx) $name.client.txt (curl -w)"
  echo "# frames comes from capinfos; every other line from the server's or client's own log"
  echo "capture $f"
  echo "frames $(capinfos -c -M "$out/$f" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')"
  "$rec/nginx-truth.sh" "$out/$name.access.log"
} > "$out/$name.truth.txt"
cat "$out/$name.truth.txt"
