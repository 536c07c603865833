#!/usr/bin/env bash
# Records many short HTTPS connections with their key log: curl fetching a small page
# REQUESTS times from nginx (TLS 1.3, AES-128-GCM, http/1.1), each on its own connection
# (`Connection: close`), on the loopback of a private network namespace. For the memory
# benchmark (memory-bench.sh): thousands of TLS sessions opened, decrypted and closed, so
# what a session keeps after its connection ended shows in the peak.
#
#   record-tls-short.sh OUTDIR [REQUESTS]      (default 3000)
#
# Writes OUTDIR/https-short.pcap, OUTDIR/https-short.keylog (SSLKEYLOGFILE of curl) and
# OUTDIR/https-short.access.log (nginx: method status uri bytes protocol TLS-version), the
# truth. BENCH_NETNS names the namespace (default wtbench-tls-short; the pid is appended).
# Needs root, nginx-light, curl, openssl, tcpdump, iproute2.
set -euo pipefail
out=$(realpath -m "${1:?usage: record-tls-short.sh OUTDIR [REQUESTS]}")
requests=${2:-3000}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/record/netns-lib.sh"
for t in nginx curl openssl tcpdump ip; do
  command -v $t >/dev/null || {
    echo "missing $t: apt-get install nginx-light curl openssl tcpdump iproute2" >&2
    exit 1
  }
done
mkdir -p "$out"
work=$(mktemp -d); chmod 755 "$work"
ns=${BENCH_NETNS:-wtbench-tls-short}-$$
netns_cleanup_on_exit "$ns" "$work/nginx.pid"
netns_plain_lo "$ns"
netns_cert "$work" "/CN=bench.example.test"
mkdir -p "$work/www"
head -c 2000 /dev/urandom > "$work/www/small.bin"
{
  netns_nginx_main "$work"
  cat <<CONF
http {
  log_format truth "\$request_method \$status \$request_uri \$body_bytes_sent \$server_protocol \$ssl_protocol";
  access_log $work/access.log truth;
  server {
    listen 127.0.0.1:443 ssl;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.3;
    root $work/www;
  }
}
CONF
} > "$work/nginx.conf"
ip netns exec "$ns" nginx -c "$work/nginx.conf"
netns_wait_pidfile "$work/nginx.pid"
rm -f "$out/https-short.keylog" "$out/https-short.pcap"
netns_tcpdump "$ns" "$out/https-short.pcap" 'tcp port 443' "$work/tcpdump.log" -B 262144 -U
# one curl, many URLs: `Connection: close` makes every request a new connection and
# handshake (curl cannot reuse one the server closes)
printf 'url = "https://127.0.0.1/small.bin"\noutput = "/dev/null"\n%.0s' $(seq "$requests") \
  > "$work/urls.cfg"
ip netns exec "$ns" env SSLKEYLOGFILE="$out/https-short.keylog" curl -sSk --http1.1 \
  --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 -H 'Connection: close' -K "$work/urls.cfg"
# longer than tcpdump's 1 s packet-buffer timeout: without --immediate-mode the kernel
# hands over the last block only when it times out, and a stop before that loses the
# last connections (8 of 3,000 once, in tshark's count too)
sleep 1.5
netns_tcpdump_stop
grep -E 'captured|dropped by kernel' "$work/tcpdump.log" >&2
netns_nginx_quit "$work/nginx.pid"
cp "$work/access.log" "$out/https-short.access.log"
chmod 600 "$out/https-short.keylog"
echo "requests $(wc -l < "$out/https-short.access.log")" >&2
