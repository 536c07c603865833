#!/usr/bin/env bash
# Records captures/proxy-mix.pcap: curl through real proxies in a private network
# namespace's loopback, against nginx (plain HTTP on 80, TLS on 443 with a self-signed
# certificate): microsocks (SOCKS5 on 1080 without authentication, on 1081 with
# username/password), dante (SOCKS4 and 4a on 1082), OpenSSH's dynamic forwarding (ssh -D:
# SOCKS4a on 1083, through an sshd in the same namespace) and tinyproxy (8888: requests in
# absolute form and CONNECT, to the TLS port and to the plain one). Only the client side of
# the proxies is captured (their ports; not sshd's port 22), so each request nginx served
# appears once.
# Dante 1.4.2 does not implement SOCKS 4a: it takes the request's 0.0.0.1 for the target
# address, fails to connect to it and answers 91 (its log, proxy-mix.danted.log, says why),
# so the granted SOCKS4a requests go through ssh -D, whose sshd resolves the names with the
# namespace's hosts file (ssh's log of the forwarded channels: proxy-mix.ssh.log).
# Truth, from outside wiretab: nginx's access log (proxy-mix.nginx.log: scheme, method,
# status, uri, host) and curl's own account of each transfer (proxy-mix.curl.txt: the
# proxy used, the CONNECT answer, method, status, URL, local port); summed up in
# proxy-mix.truth.txt.
#   scripts/record/proxy-record.sh [OUTDIR]   (root; nginx, curl, microsocks, dante-server,
#                                              openssh-client and -server, tinyproxy,
#                                              openssl, tcpdump, capinfos)
set -euo pipefail
. "$(dirname "$0")/netns-lib.sh" # netns_cert, netns_nginx_main
out=$(realpath -m "${1:-$(dirname "$0")/../../captures}")
ns=wtprx-$$
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  [[ -n ${tdpid:-} ]] && kill "$tdpid" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -s $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [[ -s $work/tinyproxy.pid ]] && kill "$(cat "$work/tinyproxy.pid")" 2>/dev/null || true
  [[ -s $work/danted.pid ]] && kill "$(cat "$work/danted.pid")" 2>/dev/null || true
  [[ -s $work/sshd.pid ]] && kill "$(cat "$work/sshd.pid")" 2>/dev/null || true
  sleep 0.3
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "/etc/netns/$ns" "$work"
}
trap cleanup EXIT
ip netns add "$ns"
# names the proxies resolve: ip netns exec bind-mounts /etc/netns/NS/hosts over /etc/hosts
mkdir -p "/etc/netns/$ns"
printf '127.0.0.1 localhost\n127.0.0.1 shop.wt.test api.wt.test\n' > "/etc/netns/$ns/hosts"
run() { ip netns exec "$ns" "$@"; }
run ip link set lo up
run ip link set lo mtu 1500
run ethtool -K lo tso off gso off gro off tx off >/dev/null 2>&1 || true

netns_cert "$work" "/CN=shop.wt.test" "DNS:shop.wt.test,DNS:api.wt.test"
mkdir -p "$work/www"
echo "hello through a proxy" > "$work/www/index.html"
{
  netns_nginx_main "$work"
  cat <<CONF
http {
  log_format truth "\$scheme \$request_method \$status \$request_uri \$host \$body_bytes_sent";
  access_log $work/access.log truth;
  server_tokens off;
  server {
    listen 127.0.0.1:443 ssl;
    listen 127.0.0.1:80;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    root $work/www;
    location = /missing { return 404; }
    location = /moved { return 302 /index.html; }
  }
}
CONF
} > "$work/nginx.conf"
run nginx -c "$work/nginx.conf"
# started without the run() function: $! is then the proxy itself, not a subshell
ip netns exec "$ns" microsocks -i 127.0.0.1 -p 1080 >"$work/ms0.log" 2>&1 & pids+=($!)
ip netns exec "$ns" microsocks -i 127.0.0.1 -p 1081 -u bob -P alice >"$work/ms1.log" 2>&1 & pids+=($!)
cat > "$work/danted.conf" <<CONF
logoutput: $work/danted.log
internal: 127.0.0.1 port = 1082
external: 127.0.0.1
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }
socks pass {
  from: 0.0.0.0/0 to: 0.0.0.0/0
  command: connect
  log: connect error
}
CONF
run danted -f "$work/danted.conf" -p "$work/danted.pid" -D
# ssh -D: the ssh client is the SOCKS server on 1083; sshd opens the connections to nginx
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/user_key"
cp "$work/user_key.pub" "$work/authorized_keys"
chmod 600 "$work/authorized_keys"
mkdir -p /run/sshd
cat > "$work/sshd_config" <<CONF
Port 22
ListenAddress 127.0.0.1
HostKey $work/host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding local
CONF
run /usr/sbin/sshd -f "$work/sshd_config" -E "$work/sshd.log"
for _ in $(seq 50); do [[ -s $work/sshd.pid ]] && break; sleep 0.1; done
ip netns exec "$ns" ssh -N -v -D 127.0.0.1:1083 -i "$work/user_key" -o BatchMode=yes \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes \
  -E "$work/ssh.log" root@127.0.0.1 & pids+=($!)
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
ConnectPort 80
DisableViaHeader Yes
CONF
run tinyproxy -c "$work/tinyproxy.conf"
for _ in $(seq 50); do
  [[ -s $work/nginx.pid && -s $work/tinyproxy.pid && -s $work/danted.pid ]] &&
    run ss -Hltn 'sport = :1083' | grep -q . && break
  sleep 0.1
done
sleep 0.5
ip netns exec "$ns" tcpdump -n -i lo -s 0 -U --immediate-mode -Z root -w "$out/proxy-mix.pcap" \
  'tcp port 1080 or tcp port 1081 or tcp port 1082 or tcp port 1083 or tcp port 8888' 2>"$work/tcpdump.log" &
tdpid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/tcpdump.log" && break; sleep 0.05; done

curlout=$out/proxy-mix.curl.txt
: > "$curlout"
# fetch LABEL CURL-OPTIONS URL...: one connection; curl's own account, one line per URL
fetch() {
  local label=$1 opts=$2
  shift 2
  local outs=()
  for _ in "$@"; do outs+=(-o /dev/null); done
  run curl -sk "${outs[@]}" $opts \
    -w "curl $label %{method} %{http_code} %{url} connect=%{http_connect} local_port=%{local_port} size_download=%{size_download} exitcode=%{exitcode}\n" \
    "$@" >> "$curlout" || true
}
fetch socks5 "--socks5 127.0.0.1:1080" http://127.0.0.1/index.html
fetch socks5h "--socks5-hostname 127.0.0.1:1080" http://shop.wt.test/missing http://shop.wt.test/moved
fetch socks5h-auth "--socks5-hostname bob:alice@127.0.0.1:1081" http://api.wt.test/index.html
fetch socks5h-tls "--socks5-hostname 127.0.0.1:1080" https://shop.wt.test/index.html
fetch socks5-refused "--socks5 127.0.0.1:1080" http://127.0.0.1:9/
fetch socks5-badauth "--socks5-hostname bob:wrong@127.0.0.1:1081" http://api.wt.test/
fetch socks4a-refused "--socks4a 127.0.0.1:1082" http://shop.wt.test/index.html
fetch socks4 "--socks4 127.0.0.1:1082" http://127.0.0.1/moved
fetch socks4a "--socks4a 127.0.0.1:1083" http://api.wt.test/index.html http://api.wt.test/missing
fetch socks4a-tls "--socks4a 127.0.0.1:1083" https://shop.wt.test/index.html
fetch forward "-x http://127.0.0.1:8888" http://shop.wt.test/index.html http://api.wt.test/missing
fetch connect-tls "-x http://127.0.0.1:8888" https://api.wt.test/index.html
fetch connect-http "-p -x http://127.0.0.1:8888" http://shop.wt.test/moved
sleep 0.5
kill -INT "$tdpid"; wait "$tdpid" 2>/dev/null || true; tdpid=
cp "$work/access.log" "$out/proxy-mix.nginx.log"
# dante's and ssh's own account of the SOCKS requests, without times and process ids
sed -E 's/^.*danted\[[0-9]+\]: //' "$work/danted.log" | grep -E '^info: (pass|block)\(' \
  > "$out/proxy-mix.danted.log" || true
grep -E 'direct-tcpip: listening port 1083|open failed' "$work/ssh.log" | tr -d '\r' \
  | sed -E 's/^debug1: //; s/, nchannels [0-9]+$//' > "$out/proxy-mix.ssh.log" || true
python3 "$(dirname "$0")/proxy-truth.py" "$out" > "$out/proxy-mix.truth.txt"
cat "$curlout" "$out/proxy-mix.nginx.log" "$out/proxy-mix.truth.txt"
