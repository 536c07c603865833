#!/usr/bin/env bash
# Records HTTPS traffic for captures/tls-sni.pcap: nginx serving TLS on 443 with a
# self-signed certificate in a private network namespace, curl clients naming three server
# names (SNI) and offering TLS 1.2 or 1.3, plus one plain HTTP request on port 80 for
# contrast. Truth: curl's own account of each transfer (server name asked for, TLS version
# negotiated, HTTP status), written to captures/tls-sni.client.txt and tls-sni.truth.txt.
#   scripts/record/tls-record.sh [OUTDIR]   (root; nginx-light, curl, openssl, tcpdump)
set -euo pipefail
. "$(dirname "$0")/netns-lib.sh"
out=$(realpath -m "${1:-$(dirname "$0")/../../captures}")
ns=wttls$$
work=$(mktemp -d)
chmod 755 "$work"
netns_cleanup_on_exit "$ns" "$work/nginx.pid"
netns_plain_lo "$ns"
netns_cert "$work" "/CN=shop.example.test" "DNS:shop.example.test,DNS:api.example.test,DNS:cdn.example.test"
mkdir -p "$work/www"
echo "hello over TLS" > "$work/www/index.html"
{
  netns_nginx_main "$work"
  cat <<CONF
http {
  access_log $work/access.log;
  server {
    listen 127.0.0.1:443 ssl;
    listen 127.0.0.1:80;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $work/www;
    location = /missing { return 404; }
  }
}
CONF
} > "$work/nginx.conf"
ip netns exec "$ns" nginx -c "$work/nginx.conf"
netns_wait_pidfile "$work/nginx.pid"
netns_tcpdump "$ns" "$out/tls-sni.pcap" 'tcp port 443 or tcp port 80' "$work/tcpdump.log"
: > "$out/tls-sni.client.txt"
fetch() {  # fetch NAME CURL-TLS-OPTIONS PATH: one connection; curl says what it negotiated
  local v
  v=$(ip netns exec "$ns" curl -vsk -o /dev/null --resolve "$1:443:127.0.0.1" $2 \
        -w "status %{http_code}\n" "https://$1$3" 2>&1)
  echo "sni $1 $(grep -o 'SSL connection using TLSv1\.[0-9]' <<<"$v" | awk '{print $4}') \
$(grep '^status' <<<"$v" | awk '{print $2}')" >> "$out/tls-sni.client.txt"
}
fetch shop.example.test --tlsv1.3 /
fetch api.example.test "--tlsv1.2 --tls-max 1.2" /missing
fetch cdn.example.test --tlsv1.3 /
ip netns exec "$ns" curl -s -o /dev/null -w "plain http %{http_code}\n" http://127.0.0.1/ \
  >> "$out/tls-sni.client.txt"
sleep 0.5
netns_tcpdump_stop
{
  echo "# ground truth for tls-sni.pcap, from curl's own account (tls-sni.client.txt)"
  echo "capture tls-sni.pcap"
  echo "frames $(capinfos -c -M "$out/tls-sni.pcap" | awk '/Number of packets/ {print $NF}')"
  echo "tls_connections $(grep -c '^sni ' "$out/tls-sni.client.txt")"
  awk '$1 == "sni" {print "sni", $2}' "$out/tls-sni.client.txt" | sort | uniq -c | awk '{print $2, $3, $1}'
  awk '$1 == "sni" {print "negotiated", $3}' "$out/tls-sni.client.txt" | sort | uniq -c | awk '{print $2, $3, $1}'
  awk '$1 == "sni" {print "https_status", $4}' "$out/tls-sni.client.txt" | sort | uniq -c | awk '{print $2, $3, $1}' 
  echo "plain_http_requests 1"
} > "$out/tls-sni.truth.txt"
cat "$out/tls-sni.client.txt" "$out/tls-sni.truth.txt"
