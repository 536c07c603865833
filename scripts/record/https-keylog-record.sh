#!/usr/bin/env bash
# Records captures/https-keylog.*: HTTPS that can be read with the clients' own session
# keys. In a private network namespace (tlscap-*), over its loopback (MTU 1500, offloads off):
# nginx-light with a self-signed certificate made here by `openssl req`, serving
#   :8080 plain HTTP (for the http/https scheme split),
#   :8443 TLS 1.3 only,                      HTTP/1.1 and h2 (ALPN),
#   :8442 TLS 1.2 only, session tickets off: resumption by session ID (shared cache),
#   :8444 TLS 1.2 only, session tickets on:  resumption by ticket,
# every server with `keepalive_requests 3`, so a curl run of seven requests opens three
# connections and the second and third resume the first one's session.
# Clients: curl with SSLKEYLOGFILE, forcing each cipher suite in turn (--tls13-ciphers /
# --ciphers) with --http1.1 and --http2, a mix of methods and statuses (nginx `return`
# locations: 200 201 204 301 404 405 500); Python's ssl with keylog_filename
# (scripts/record/tls-keylog-client.py).
#
#   scripts/record/https-keylog-record.sh [OUTDIR]     (root; defaults to captures/)
#
# Writes OUTDIR/https-keylog.pcap (tcpdump on lo), .keylog (curl's and python's key log),
# .access.log (nginx: ssl_protocol ssl_cipher server_protocol method uri status connection
# remote_port ssl_session_reused server_port), .client.txt (curl -w / python lines, one per
# response, each curl run headed by `run N LABEL`), .truth.txt (counts from the access log),
# .dsb.pcapng (the same packets with the key log injected as a Decryption Secrets Block),
# .half.keylog (the key log without the keys of the odd-numbered runs) and
# .half-removed.txt (the client ports and client randoms of those runs' connections).
# Needs nginx-light curl openssl tcpdump tshark (editcap, capinfos) ethtool iproute2 python3.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-$here/../../captures}")
name=https-keylog
. "$here/netns-lib.sh"
for t in nginx curl openssl tcpdump tshark editcap capinfos ethtool ip python3; do
  command -v $t >/dev/null || { echo "missing $t (scripts/bootstrap installs it)" >&2; exit 1; }
done
ns=tlscap$$
work=$(mktemp -d); chmod 755 "$work"
cleanup() {
  netns_tcpdump_stop
  [[ -s $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  sleep 0.3
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"
netns_plain_lo "$ns"

netns_cert "$work" "/CN=www.tlscap.test/O=wiretab test" "DNS:www.tlscap.test"
mkdir -p "$work/www/static"
python3 - "$work/www" <<'PY'
import random, sys
random.seed(17)
root = sys.argv[1]
open(root + '/index.html', 'w').write('<html><body>hello over TLS</body></html>\n' * 8)
open(root + '/static/big.bin', 'wb').write(random.randbytes(12000))
PY
tls12_ciphers='ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-SHA:AES128-SHA256:@SECLEVEL=0'
{
  netns_nginx_main "$work"
  cat <<CONF
http {
  log_format truth '\$ssl_protocol \$ssl_cipher \$server_protocol \$request_method \$request_uri \$status \$connection \$remote_port \$ssl_session_reused \$server_port';
  access_log $work/access.log truth;
  keepalive_requests 3;
  ssl_certificate $work/cert.pem;
  ssl_certificate_key $work/key.pem;
  ssl_session_cache shared:TLSCAP:1m;
  root $work/www;
  server {
    listen 127.0.0.1:8080;
    include $work/locations.conf;
  }
  server {
    listen 127.0.0.1:8443 ssl http2;
    ssl_protocols TLSv1.3;
    ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;
    include $work/locations.conf;
  }
  server {
    listen 127.0.0.1:8442 ssl http2;
    ssl_protocols TLSv1.2;
    ssl_ciphers $tls12_ciphers;
    ssl_session_tickets off;
    include $work/locations.conf;
  }
  server {
    listen 127.0.0.1:8444 ssl http2;
    ssl_protocols TLSv1.2;
    ssl_ciphers $tls12_ciphers;
    ssl_session_tickets on;
    # no server-side cache: a resumption here can only be by ticket
    ssl_session_cache off;
    include $work/locations.conf;
  }
}
CONF
} > "$work/nginx.conf"
cat > "$work/locations.conf" <<'CONF'
location = /created { return 201 "created\n"; }
location = /nocontent { return 204; }
location = /moved { return 301 /index.html; }
location = /error { return 500; }
CONF
ip netns exec "$ns" nginx -c "$work/nginx.conf"
for _ in $(seq 50); do [[ -s $work/nginx.pid ]] && break; sleep 0.1; done

rm -f "$out/$name".*
netns_tcpdump "$ns" "$out/$name.pcap" 'tcp port 8080 or tcp port 8442 or tcp port 8443 or tcp port 8444' \
  "$work/tcpdump.log"
keylog=$out/$name.keylog
client=$out/$name.client.txt
: > "$keylog"; : > "$client"
chmod 600 "$keylog"
wfmt='curl %{scheme} %{http_version} %{method} %{url_effective} %{response_code} %{local_port} %{num_connects}\n'
run_no=0

# curl_run LABEL PORT SCHEME "CURL OPTIONS" METHOD:PATH...: one curl invocation, the
# requests chained with --next so they share curl's connection and session caches
curl_run() {
  local label=$1 port=$2 scheme=$3 opts=$4; shift 4
  local args=() first=1 spec method path
  for spec in "$@"; do
    method=${spec%%:*} path=${spec#*:}
    [[ $first == 1 ]] || args+=(--next)
    first=0
    # shellcheck disable=SC2206
    args+=(-sk -o /dev/null -w "$wfmt" --resolve "www.tlscap.test:$port:127.0.0.1" $opts)
    case $method in
      GET) ;;
      HEAD) args+=(-I) ;;
      POST|PUT) args+=(-X "$method" --data-binary "curl-upload-$method") ;;
      *) args+=(-X "$method") ;;
    esac
    args+=("$scheme://www.tlscap.test:$port$path")
  done
  run_no=$((run_no + 1))
  echo "run $run_no $label" >> "$client"
  SSLKEYLOGFILE=$keylog ip netns exec "$ns" curl "${args[@]}" >> "$client"
}
py_run() {  # LABEL PORT VERSION CIPHER CONNECTIONS METHOD:PATH...
  local label=$1; shift
  run_no=$((run_no + 1))
  echo "run $run_no $label" >> "$client"
  ip netns exec "$ns" python3 "$here/tls-keylog-client.py" "$keylog" "$@" >> "$client"
}

mix_a=(GET:/ POST:/created GET:/static/big.bin DELETE:/nocontent GET:/missing HEAD:/ GET:/moved)
mix_b=(GET:/index.html PUT:/created POST:/index.html GET:/error GET:/ DELETE:/nocontent GET:/missing)
mix_c=(GET:/ GET:/moved POST:/created GET:/missing)
for h in http1.1 http2; do
  curl_run "tls1.3 TLS_AES_128_GCM_SHA256 $h" 8443 https "--tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 --$h" "${mix_a[@]}"
  curl_run "tls1.3 TLS_AES_256_GCM_SHA384 $h" 8443 https "--tlsv1.3 --tls13-ciphers TLS_AES_256_GCM_SHA384 --$h" "${mix_b[@]}"
  curl_run "tls1.3 TLS_CHACHA20_POLY1305_SHA256 $h" 8443 https "--tlsv1.3 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 --$h" "${mix_a[@]}"
  for c in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305 ECDHE-RSA-AES128-SHA AES128-SHA256; do
    curl_run "tls1.2 $c $h session-id" 8442 https "--tlsv1.2 --tls-max 1.2 --ciphers $c:@SECLEVEL=0 --$h" "${mix_b[@]}"
  done
done
# curl (OpenSSL) offers no session ticket in TLS 1.2: full handshakes on the ticket server
curl_run "tls1.2 ECDHE-RSA-AES128-GCM-SHA256 http1.1 ticket-server" 8444 https "--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 --http1.1" "${mix_a[@]}"
curl_run "tls1.2 ECDHE-RSA-AES128-SHA http2 ticket-server" 8444 https "--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-SHA:@SECLEVEL=0 --http2" "${mix_b[@]}"
# python: fewer requests per connection than keepalive_requests, so it is the client that
# closes (cleanly, with close_notify) and the session stays resumable
py_run "python tls1.3 http1.1" 8443 1.3 - 3 GET:/ POST:/created
py_run "python tls1.2 ECDHE-RSA-CHACHA20-POLY1305 http1.1 session-id" 8442 1.2 ECDHE-RSA-CHACHA20-POLY1305 3 PUT:/created GET:/missing
py_run "python tls1.2 AES128-SHA256 http1.1 ticket" 8444 1.2 'AES128-SHA256:@SECLEVEL=0' 3 GET:/index.html DELETE:/nocontent
py_run "python tls1.2 ECDHE-RSA-AES256-GCM-SHA384 http1.1 ticket" 8444 1.2 ECDHE-RSA-AES256-GCM-SHA384 3 GET:/moved GET:/missing
curl_run "plain http1.1" 8080 http "--http1.1" "${mix_c[@]}"
curl_run "plain http1.1 b" 8080 http "--http1.1" GET:/missing POST:/index.html
sleep 0.5
netns_tcpdump_stop
grep -E 'captured|dropped' "$work/tcpdump.log" >&2
kill -QUIT "$(cat "$work/nginx.pid")"
for _ in $(seq 50); do [[ -f $work/nginx.pid ]] || break; sleep 0.1; done
cp "$work/access.log" "$out/$name.access.log"

editcap --inject-secrets "tls,$keylog" "$out/$name.pcap" "$out/$name.dsb.pcapng"
python3 "$here/https-keylog-truth.py" "$out" "$name"
ls -l "$out/$name".* >&2
