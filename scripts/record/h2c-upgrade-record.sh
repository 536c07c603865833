#!/usr/bin/env bash
# Records h2c by `Upgrade: h2c` for captures/http2-upgrade.pcap: curl --http2 (HTTP/1.1
# requests offering Upgrade: h2c with HTTP2-Settings) against
# scripts/record/h2c-upgrade-server.py (python3-h2; nginx does not do h2c Upgrade) in a
# private network namespace's loopback, port 8080. The server answers 101 and then HTTP/2:
# the upgraded request on stream 1, more URLs of the same curl run as streams 3 and 5 on the
# connection; a path under /h1/ is answered in HTTP/1.1 without upgrading.
# Truth: the server's own log (http2-upgrade.server.log: conn, stream, method, path, status,
# protocol) and curl's -w line per transfer (http2-upgrade.client.txt: status, HTTP version,
# method, URL), counted into http2-upgrade.truth.txt.
#   scripts/record/h2c-upgrade-record.sh [OUTDIR]   (root; curl, python3-h2, tcpdump, capinfos)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/netns-lib.sh"
out=$(realpath -m "${1:-$here/../../captures}")
ns=wth2u-$$
work=$(mktemp -d)
netns_cleanup_on_exit "$ns"
netns_plain_lo "$ns"
head -c 3000 /dev/zero | tr '\0' 'p' > "$work/put.bin"
: > "$work/server.log"
ip netns exec "$ns" /usr/bin/python3 "$here/h2c-upgrade-server.py" 127.0.0.1 8080 \
  "$work/server.log" 2>"$work/server.err" &
srvpid=$!
netns_wait_port "$ns" 8080
: > "$work/server.log"  # the readiness probe above is no request
netns_tcpdump "$ns" "$out/http2-upgrade.pcap" 'tcp port 8080' "$work/tcpdump.log"
base=http://127.0.0.1:8080
c() {
  ip netns exec "$ns" curl -sS --http2 -w '%{http_code} %{http_version} %{method} %{url_effective}\n' "$@"
}
{
  # one connection: the upgraded GET is stream 1, the next two URLs streams 3 and 5
  c -o /dev/null -o /dev/null -o /dev/null "$base/index.html" "$base/missing" "$base/old"
  c -o /dev/null -d '{"a":1}' -H 'Content-Type: application/json' "$base/api/items"
  c -o /dev/null -X DELETE "$base/api/items"
  c -o /dev/null -H 'Expect:' -X PUT --data-binary @"$work/put.bin" "$base/dav/one.bin"
  c -o /dev/null -I "$base/index.html"
  # Upgrade offered, not taken: HTTP/1.1 on
  c -o /dev/null -o /dev/null "$base/h1/plain" "$base/h1/missing"
} > "$out/http2-upgrade.client.txt"
sleep 0.5
netns_tcpdump_stop
kill "$srvpid"
srvpid=
cp "$work/server.log" "$out/http2-upgrade.server.log"
log=$out/http2-upgrade.server.log
{
  echo "# ground truth for http2-upgrade.pcap: counted from http2-upgrade.server.log (the"
  echo "# server's own line per answer: conn stream method path status protocol); curl's own"
  echo "# -w lines (http2-upgrade.client.txt) agree; frames from capinfos. Checked by"
  echo "# tests/golden/http2-upgrade.py."
  echo "capture http2-upgrade.pcap"
  echo "frames $(capinfos -c -M "$out/http2-upgrade.pcap" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')"
  echo "http_checked_by tests/golden/http2-upgrade.py"
  echo "requests $(wc -l < "$log")"
  awk '{m[$3]++} END {for (k in m) print "method", k, m[k]}' "$log" | sort
  awk '{s[$5]++} END {for (k in s) print "status", k, s[k]}' "$log" | sort
  awk '{v[$6]++} END {for (k in v) print "version", k, v[k]}' "$log" | sort
  echo "connections $(awk '{print $1}' "$log" | sort -u | wc -l)"
  echo "upgraded_connections $(awk '$2 == 1 {n++} END {print n + 0}' "$log")"
} > "$out/http2-upgrade.truth.txt"
