#!/usr/bin/env bash
# Records captures/proxy-tls-keylog.*: HTTPS through proxies, with the clients' key log, so
# the TLS inside a SOCKS or HTTP CONNECT tunnel can be read. In a private network
# namespace's loopback (MTU 1500, offloads off): nginx with TLS on 443 (HTTP/1.1 and h2,
# a self-signed certificate made here by `openssl req`), microsocks (SOCKS5 on 1080) and
# tinyproxy (CONNECT on 8888); curl with SSLKEYLOGFILE through each, TLS 1.3 and 1.2,
# --http1.1 and --http2. Only the proxies' ports are captured, so each request nginx
# served appears once.
#   scripts/record/proxy-tls-keylog-record.sh [OUTDIR]   (root; defaults to captures/)
# Writes OUTDIR/proxy-tls-keylog.pcap, .keylog (curl's), .access.log (nginx: ssl_protocol
# server_protocol method status uri connection), .curl.txt (curl's account of each
# transfer, with the proxy's CONNECT answer). Needs nginx-light curl microsocks tinyproxy openssl tcpdump ethtool iproute2.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-$here/../../captures}")
name=proxy-tls-keylog
. "$here/netns-lib.sh"
for t in nginx curl microsocks tinyproxy openssl tcpdump ethtool ip; do
  command -v $t >/dev/null || { echo "missing $t (scripts/bootstrap installs it)" >&2; exit 1; }
done
ns=wtpxk$$
work=$(mktemp -d); chmod 755 "$work"
pids=()
cleanup() {
  netns_tcpdump_stop
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -s $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [[ -s $work/tinyproxy.pid ]] && kill "$(cat "$work/tinyproxy.pid")" 2>/dev/null || true
  sleep 0.3
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "/etc/netns/$ns" "$work"
}
trap cleanup EXIT
mkdir -p "$out"
netns_plain_lo "$ns"
# the name the proxies resolve: ip netns exec bind-mounts /etc/netns/NS/hosts
mkdir -p "/etc/netns/$ns"
printf '127.0.0.1 localhost\n127.0.0.1 shop.wt.test\n' > "/etc/netns/$ns/hosts"

netns_cert "$work" "/CN=shop.wt.test" "DNS:shop.wt.test"
mkdir -p "$work/www"
echo "hello through a proxy, over TLS" > "$work/www/index.html"
{
  netns_nginx_main "$work"
  cat <<CONF
http {
  log_format truth '\$ssl_protocol \$server_protocol \$request_method \$status \$request_uri \$connection';
  access_log $work/access.log truth;
  server {
    listen 127.0.0.1:443 ssl http2;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    root $work/www;
    location = /missing { return 404; }
    location = /created { return 201 "created\n"; }
  }
}
CONF
} > "$work/nginx.conf"
ip netns exec "$ns" nginx -c "$work/nginx.conf"
ip netns exec "$ns" microsocks -i 127.0.0.1 -p 1080 >"$work/ms.log" 2>&1 & pids+=($!)
cat > "$work/tinyproxy.conf" <<CONF
Port 8888
Listen 127.0.0.1
Timeout 30
PidFile "$work/tinyproxy.pid"
LogFile "$work/tinyproxy.log"
LogLevel Info
MaxClients 10
Allow 127.0.0.1
ConnectPort 443
DisableViaHeader Yes
CONF
ip netns exec "$ns" tinyproxy -c "$work/tinyproxy.conf"
for _ in $(seq 50); do [[ -s $work/nginx.pid && -s $work/tinyproxy.pid ]] && break; sleep 0.1; done
sleep 0.5

rm -f "$out/$name".*
netns_tcpdump "$ns" "$out/$name.pcap" 'tcp port 1080 or tcp port 8888' "$work/tcpdump.log"
keylog=$out/$name.keylog
curlout=$out/$name.curl.txt
: > "$keylog"; : > "$curlout"; chmod 600 "$keylog"
# fetch LABEL "CURL OPTIONS" METHOD:PATH...: one curl invocation (one connection)
fetch() {
  local label=$1 opts=$2; shift 2
  local args=() first=1 spec
  for spec in "$@"; do
    [[ $first == 1 ]] || args+=(--next)
    first=0
    # shellcheck disable=SC2206
    args+=(-sk -o /dev/null $opts -X "${spec%%:*}"
           -w "curl $label %{method} %{http_code} %{http_version} %{url} connect=%{http_connect} local_port=%{local_port}\n"
           "https://shop.wt.test${spec#*:}")
    [[ ${spec%%:*} == POST ]] && args+=(--data-binary "through-a-proxy")
  done
  SSLKEYLOGFILE=$keylog ip netns exec "$ns" curl "${args[@]}" >> "$curlout"
}
mix=(GET:/ POST:/created GET:/missing)
fetch socks5h-tls1.3-h1 "--socks5-hostname 127.0.0.1:1080 --tlsv1.3 --http1.1" "${mix[@]}"
fetch socks5h-tls1.2-h2 "--socks5-hostname 127.0.0.1:1080 --tlsv1.2 --tls-max 1.2 --http2" "${mix[@]}"
fetch connect-tls1.3-h2 "-x http://127.0.0.1:8888 --tlsv1.3 --http2" "${mix[@]}"
fetch connect-tls1.2-h1 "-x http://127.0.0.1:8888 --tlsv1.2 --tls-max 1.2 --http1.1" "${mix[@]}"
sleep 0.5
netns_tcpdump_stop
grep -E 'captured|dropped' "$work/tcpdump.log" >&2
kill -QUIT "$(cat "$work/nginx.pid")"
for _ in $(seq 50); do [[ -f $work/nginx.pid ]] || break; sleep 0.1; done
cp "$work/access.log" "$out/$name.access.log"
cat "$curlout" "$out/$name.access.log"
# the truth file captures/README.md and truth.py read: the capture, its frames (capinfos), and
# the test that checks its HTTP (decrypting needs the key log)
cat > "$out/$name.truth.txt" <<TRUTH
# ground truth for $name.pcap: nginx's access log ($name.access.log) and
# curl's -w lines ($name.curl.txt); frames from capinfos. Decrypting needs the key
# log ($name.keylog): tests/tls/proxy-keylog.py checks the HTTP, not truth.py.
capture $name.pcap
frames $(capinfos -c -M "$out/$name.pcap" | awk -F': *' '/Number of packets/ {print $2}')
http_checked_by tests/tls/proxy-keylog.py
TRUTH
