#!/usr/bin/env bash
# Records TLS 1.3 KeyUpdates for captures/tls-keyupdate.pcap: openssl s_server -www (a
# self-signed certificate made now) and openssl s_client -keylogfile in a private network
# namespace. The client sends a KeyUpdate ("k"), then one that asks the server to update
# too ("K"), then an HTTP/1.0 request that the server answers with its status page; so
# both directions change keys before application data. No ALPN: the content is found by
# the HTTP probe. Truth: s_client's own output (its KEYUPDATE lines, the status line it
# received), in captures/tls-keyupdate.client.txt and tls-keyupdate.truth.txt.
#   scripts/record/tls-keyupdate-record.sh [OUTDIR]   (root; openssl, tcpdump)
set -euo pipefail
. "$(dirname "$0")/netns-lib.sh"
out=$(realpath -m "${1:-$(dirname "$0")/../../captures}")
mkdir -p "$out"
ns=tlsdec-ku-$$
work=$(mktemp -d)
netns_cleanup_on_exit "$ns"
netns_plain_lo "$ns"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=keyupdate.example.test" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
ip netns exec "$ns" openssl s_server -accept 127.0.0.1:4433 -cert "$work/cert.pem" \
  -key "$work/key.pem" -www -tls1_3 > "$work/server.log" 2>&1 &
srvpid=$!
sleep 0.5
netns_tcpdump "$ns" "$out/tls-keyupdate.pcap" 'tcp port 4433' "$work/tcpdump.log"
# s_client reads commands from its input: a line "k" sends a KeyUpdate, "K" one that
# requests the peer's (not with -ign_eof); the input stays open until the answer is in
{ sleep 0.5; printf 'k\n'; sleep 0.3; printf 'K\n'; sleep 0.3; printf 'GET / HTTP/1.0\r\n\r\n'; sleep 2; } |
  ip netns exec "$ns" timeout 10 openssl s_client -connect 127.0.0.1:4433 -tls1_3 \
    -keylogfile "$work/keylog" > "$work/client.log" 2>&1 || true
sleep 0.5
netns_tcpdump_stop
cp "$work/keylog" "$out/tls-keyupdate.keylog"
chmod 600 "$out/tls-keyupdate.keylog"
grep -a -E '^KEYUPDATE|^HTTP/' "$work/client.log" > "$out/tls-keyupdate.client.txt"
{
  echo "# ground truth for tls-keyupdate.pcap, from openssl s_client's own output"
  echo "# (tls-keyupdate.client.txt): KeyUpdates it sent, the status line it received"
  echo "capture tls-keyupdate.pcap"
  echo "frames $(capinfos -c -M "$out/tls-keyupdate.pcap" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')"
  echo "http_checked_by tests/golden/tls-decrypt.py"
  echo "client_keyupdates $(grep -c '^KEYUPDATE' "$out/tls-keyupdate.client.txt")"
  echo "status $(awk '/^HTTP\// {print $2; exit}' "$out/tls-keyupdate.client.txt") 1"
  echo "requests 1"
} > "$out/tls-keyupdate.truth.txt"
cat "$out/tls-keyupdate.client.txt" "$out/tls-keyupdate.truth.txt"
