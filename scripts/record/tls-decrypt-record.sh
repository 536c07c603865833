#!/usr/bin/env bash
# Records HTTPS with its key log for captures/tls-decrypt.pcap: nginx (TLS 1.2 and 1.3,
# HTTP/1.1 and h2 on 127.0.0.1:443, plain HTTP on :80) with a self-signed certificate made
# now, in a private network namespace; curl writes the session secrets (SSLKEYLOGFILE) to
# captures/tls-decrypt.keylog. Each cipher family is forced in turn (TLS 1.3 AES-128-GCM,
# AES-256-GCM, ChaCha20-Poly1305; TLS 1.2 ECDHE with AES-GCM, ChaCha20-Poly1305 and AES-CBC
# (OpenSSL negotiates encrypt-then-MAC)), over http/1.1 and h2; one curl run per family,
# several requests on a connection, and with `Connection: close` a second connection that
# resumes the first one's session; Python's ssl (keylog_filename) with TLS 1.3 and with TLS 1.2
# AES-CBC refusing encrypt-then-MAC, without ALPN; a TLS 1.3 handshake with a
# HelloRetryRequest (port 8443 wants P-384, curl's first key share is X25519). Truth: nginx's access log (captures/tls-decrypt.access.log,
# with $scheme, $ssl_protocol, $ssl_cipher, $server_protocol), counted into
# tls-decrypt.truth.txt.
#   scripts/record/tls-decrypt-record.sh [OUTDIR]   (root; nginx-light, curl, openssl, tcpdump)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/netns-lib.sh"
out=$(realpath -m "${1:-$here/../../captures}")
ns=tlsdec-$$
work=$(mktemp -d)
chmod 755 "$work"
netns_cleanup_on_exit "$ns" "$work/nginx.pid"
netns_plain_lo "$ns"
netns_cert "$work" "/CN=shop.example.test/O=wiretab test" "DNS:shop.example.test"
mkdir -p "$work/www" "$work/body"
echo "hello over TLS" > "$work/www/index.html"
head -c 40000 /dev/zero | tr '\0' 'x' > "$work/www/big.txt"
{
  netns_nginx_main "$work"
  cat <<CONF
http {
  # method status uri body_bytes_sent connection requests_on_connection protocol scheme
  # ssl_protocol ssl_cipher ssl_session_reused
  log_format truth "\$request_method \$status \$request_uri \$body_bytes_sent \$connection \$connection_requests \$server_protocol \$scheme \$ssl_protocol \$ssl_cipher \$ssl_session_reused";
  access_log $work/access.log truth;
  client_body_temp_path $work/body;
  types { text/html html; text/plain txt; }
  server_tokens off;
  server {
    listen 127.0.0.1:443 ssl http2;
    listen 127.0.0.1:80;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers HIGH:!aNULL:!MD5;
    ssl_session_cache shared:tls:1m;
    root $work/www;
    location = /api/items {
      if (\$request_method = GET) { return 200 '{"items":[1,2,3]}\n'; }
      return 201 '{"created":true}\n';
    }
    location = /old { return 301 /index.html; }
    location = /missing { return 404; }
  }
  # a server that wants P-384: a client offering an X25519 key share gets a
  # HelloRetryRequest (RFC 8446 4.1.4) and sends a second ClientHello
  server {
    listen 127.0.0.1:8443 ssl;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.3;
    ssl_ecdh_curve secp384r1;
    root $work/www;
  }
}
CONF
} > "$work/nginx.conf"
ip netns exec "$ns" nginx -c "$work/nginx.conf"
netns_wait_pidfile "$work/nginx.pid"
netns_tcpdump "$ns" "$out/tls-decrypt.pcap" 'tcp port 443 or tcp port 80 or tcp port 8443' "$work/tcpdump.log"
keylog=$work/keylog
base=https://shop.example.test
c() {  # one curl run: its TLS options, then URLs (one connection, reused)
  local a args=()
  for a in "$@"; do [[ $a == https://* ]] && args+=(-o /dev/null); args+=("$a"); done
  ip netns exec "$ns" env SSLKEYLOGFILE="$keylog" curl -sSk --resolve shop.example.test:443:127.0.0.1 \
    -w '%{http_version} %{http_code} %{url_effective}\n' "${args[@]}"
}
{
  c --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 --http1.1 "$base/" "$base/missing" "$base/big.txt"
  c --tlsv1.3 --tls13-ciphers TLS_AES_256_GCM_SHA384 --http2 "$base/" "$base/old" "$base/api/items"
  c --tlsv1.3 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 --http2 -X POST -d 'a=1' "$base/api/items"
  c --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 --http1.1 "$base/" "$base/api/items" "$base/missing"
  c --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384 --http2 "$base/big.txt" "$base/old"
  c --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305 --http1.1 "$base/"
  c --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-SHA --http1.1 "$base/" "$base/missing"
  c --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES256-SHA384 --http1.1 "$base/api/items"
  # Connection: close: the second request needs a new connection, which resumes the session
  c --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 --http1.1 -H 'Connection: close' "$base/" "$base/old"
  c --tlsv1.3 --http1.1 -H 'Connection: close' "$base/" "$base/missing"
  c --tlsv1.3 --http1.1 --curves X25519:P-384 --resolve shop.example.test:8443:127.0.0.1 \
    "$base:8443/" "$base:8443/missing"
  # Python's ssl (keylog_filename): TLS 1.3 with ALPN; TLS 1.2 AES-CBC with MAC-then-encrypt
  # and no ALPN
  py() { ip netns exec "$ns" /usr/bin/python3 "$here/tls-python-client.py" "$keylog" 127.0.0.1 443 shop.example.test "$@"; }
  py tls13-alpn / /missing
  py tls12-cbc-mte /api/items /
  ip netns exec "$ns" curl -sS -w '%{http_version} %{http_code} %{url_effective}\n' \
    -o /dev/null http://127.0.0.1/ -o /dev/null http://127.0.0.1/missing
} > "$out/tls-decrypt.client.txt"
sleep 0.5
netns_tcpdump_stop
kill "$(cat "$work/nginx.pid")"
sleep 0.3
cp "$work/access.log" "$out/tls-decrypt.access.log"
cp "$keylog" "$out/tls-decrypt.keylog"
chmod 600 "$out/tls-decrypt.keylog"
log=$out/tls-decrypt.access.log
{
  echo "# ground truth for tls-decrypt.pcap, counted from tls-decrypt.access.log (nginx);"
  echo "# frames from capinfos, TLS connections are nginx's distinct \$connection with a protocol"
  echo "capture tls-decrypt.pcap"
  echo "http_checked_by tests/golden/tls-decrypt.py"
  echo "frames $(capinfos -c -M "$out/tls-decrypt.pcap" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')"
  echo "requests $(wc -l < "$log")"
  awk '{s[$8]++} END {for (k in s) print "scheme", k, s[k]}' "$log" | sort
  awk '{m[$1]++} END {for (k in m) print "method", k, m[k]}' "$log" | sort
  awk '{s[$2]++} END {for (k in s) print "status", k, s[k]}' "$log" | sort
  awk '$8 == "https" {s[$2]++} END {for (k in s) print "https_status", k, s[k]}' "$log" | sort
  awk '{v[$7]++} END {for (k in v) print "version", k, v[k]}' "$log" | sort
  awk '$8 == "https" && !seen[$5]++ {t[$9 " " $10]++} END {for (k in t) print "tls_session", k, t[k]}' "$log" | sort
  awk '$8 == "https" && !seen[$5]++ {n++} END {print "tls_connections", n}' "$log"
  awk '$8 == "https" && !seen[$5]++ && $11 == "r" {n++} END {print "tls_resumed", n + 0}' "$log"
} > "$out/tls-decrypt.truth.txt"
cat "$out/tls-decrypt.client.txt" "$out/tls-decrypt.truth.txt"
