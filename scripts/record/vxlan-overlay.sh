# shellcheck shell=bash
# A VXLAN overlay between two network namespaces with nginx on the overlay, as functions
# to source: scripts/record/vxlan-record.sh records captures/http-vxlan.pcap with them and
# tests/live/live-vxlan.py captures the same traffic live. The underlay is a veth pair
# (u-srv / u-cli, VX_U_SRV / VX_U_CLI), the overlay the kernel's vxlan driver (vx0, VNI
# 4242, UDP 4789, VX_O_SRV / VX_O_CLI); offloads off, IPv6 off. Nothing leaves the two
# namespaces. Run as root.
VX_U_SRV=${VX_U_SRV:-10.78.0.1} VX_U_CLI=${VX_U_CLI:-10.78.0.2}
VX_O_SRV=${VX_O_SRV:-10.78.42.1} VX_O_CLI=${VX_O_CLI:-10.78.42.2}
VX_REC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# vxlan_overlay_up SRV CLI: the namespaces, the underlay and the overlay
vxlan_overlay_up() {
  local srv=$1 cli=$2
  ip netns add "$srv"
  ip netns add "$cli"
  for ns in "$srv" "$cli"; do ip -n "$ns" link set lo up; done
  ip link add u-srv netns "$srv" type veth peer name u-cli netns "$cli"
  ip -n "$srv" addr add "$VX_U_SRV/24" dev u-srv; ip -n "$srv" link set u-srv up
  ip -n "$cli" addr add "$VX_U_CLI/24" dev u-cli; ip -n "$cli" link set u-cli up
  for pair in "$srv u-srv $VX_U_SRV $VX_U_CLI $VX_O_SRV" "$cli u-cli $VX_U_CLI $VX_U_SRV $VX_O_CLI"; do
    set -- $pair
    ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    ip netns exec "$1" sysctl -qw "net.ipv6.conf.all.disable_ipv6=1"
    ip -n "$1" link add vx0 type vxlan id 4242 local "$3" remote "$4" dstport 4789 dev "$2"
    ip -n "$1" addr add "$5/24" dev vx0
    ip -n "$1" link set vx0 up
    ip netns exec "$1" ethtool -K vx0 tso off gso off gro off >/dev/null 2>&1 || true
  done
}

# vxlan_nginx_start SRV WORK: the site and nginx (nginx.conf.in's truth log format) on
# VX_O_SRV:80 in SRV; WORK/access.log is the truth, WORK/nginx.pid its pid
vxlan_nginx_start() {
  local srv=$1 work=$2
  mkdir -p "$work/www/static" "$work/www/dav"
  python3 - "$work/www" <<'PY'
import random, sys
root = sys.argv[1]; random.seed(1977)
open(root + '/index.html', 'w').write('<html><body>wiretab sample page</body></html>\n' * 30)
open(root + '/static/medium.bin', 'wb').write(random.randbytes(12000))
PY
  find "$work/www" -exec touch -d '2024-01-01 00:00:00 UTC' {} +
  chmod -R a+rX "$work/www"
  awk -v work="$work" -v listen="    listen $VX_O_SRV:80;" \
    '{gsub(/@WORK@/, work); if ($0 ~ /^[ \t]*@LISTEN@[ \t]*$/) print listen; else print}' \
    "$VX_REC/nginx.conf.in" > "$work/nginx.conf"
  ip netns exec "$srv" nginx -c "$work/nginx.conf"
  for _ in $(seq 50); do [[ -s $work/nginx.pid ]] && break; sleep 0.1; done
  sleep 0.2
}

# vxlan_curl_mix CLI OUT: one keep-alive connection (GET 200, GET 200 of 12 kB over the
# overlay's MTU, POST 201, GET 404), then a Connection: close GET 301; curl's -w lines
# appended to OUT
vxlan_curl_mix() {
  local cli=$1 out=$2
  local fmt='curl %{method} %{http_code} %{url_effective} http_version=%{http_version} new_connections=%{num_connects} local_port=%{local_port} size_download=%{size_download} size_upload=%{size_upload} exitcode=%{exitcode}\n'
  local b=http://$VX_O_SRV
  ip netns exec "$cli" curl -sS -o /dev/null -w "$fmt" "$b/index.html" \
    --next -sS -o /dev/null -w "$fmt" "$b/static/medium.bin" \
    --next -sS -o /dev/null -w "$fmt" -X POST --data-binary 'n=7' "$b/api/items" \
    --next -sS -o /dev/null -w "$fmt" "$b/missing" >> "$out"
  ip netns exec "$cli" curl -sS -o /dev/null -w "$fmt" -H 'Connection: close' "$b/old" >> "$out"
}

# vxlan_nginx_stop WORK: nginx ends, its access log complete
vxlan_nginx_stop() {
  local work=$1
  [[ -f $work/nginx.pid ]] || return 0
  kill -QUIT "$(cat "$work/nginx.pid")" 2>/dev/null || true
  for _ in $(seq 50); do [[ -f $work/nginx.pid ]] || break; sleep 0.1; done
}

# vxlan_overlay_down SRV CLI: the namespaces (and every interface in them) removed
vxlan_overlay_down() {
  ip netns del "$1" 2>/dev/null || true
  ip netns del "$2" 2>/dev/null || true
}
