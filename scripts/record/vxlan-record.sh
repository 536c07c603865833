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
# shellcheck source=scripts/record/vxlan-overlay.sh
. "$rec/vxlan-overlay.sh"
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
  vxlan_nginx_stop "$work"
  vxlan_overlay_down "$SRV" "$CLI"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

vxlan_overlay_up "$SRV" "$CLI"
vxlan_nginx_start "$SRV" "$work"

name=http-vxlan; f=$name.pcap
mkdir -p "$out"
rm -f "$out/$f" "$out/$name.client.txt"
ip netns exec "$CLI" tcpdump -n -U --immediate-mode -B 32768 -Z root -s 0 -i u-cli -w "$out/$f" 2>"$work/cap.log" &
cappid=$!
for _ in $(seq 50); do grep -q 'listening on' "$work/cap.log" && break; sleep 0.1; done
vxlan_curl_mix "$CLI" "$out/$name.client.txt"
sleep 0.5
kill -INT "$cappid"; wait "$cappid" 2>/dev/null || true; cappid=
vxlan_nginx_stop "$work"
cp "$work/access.log" "$out/$name.access.log"
{
  echo "# ground truth for $f, counted from: $name.access.log (nginx) $name.client.txt (curl -w)"
  echo "# frames comes from capinfos; every other line from the server's or client's own log"
  echo "capture $f"
  echo "frames $(capinfos -c -M "$out/$f" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')"
  "$rec/nginx-truth.sh" "$out/$name.access.log"
} > "$out/$name.truth.txt"
cat "$out/$name.truth.txt"
