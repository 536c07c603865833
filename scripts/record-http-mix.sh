#!/usr/bin/env bash
# Records real HTTP/1.1 traffic with its ground truth: nginx serving and wrk loading on the
# loopback of a private network namespace (MTU 1500, offloads off, so the frames look like
# Ethernet traffic), captured by tcpdump. nginx's own access log is the truth.
#
#   record-http-mix.sh OUTDIR [SECONDS] [CONNECTIONS] [THREADS]     (defaults 5 32 1)
#
# Writes OUTDIR/http-mix.pcap, OUTDIR/http-mix.access.log (the field order of
# captures/*.access.log: method status uri body_bytes_sent connection_serial
# request_no_on_connection request_length bytes_sent protocol client_port completion),
# OUTDIR/http-mix.client.txt (wrk's summary, tcpdump's counts) and OUTDIR/http-mix.truth.txt
# (`key value` lines like captures/*.truth.txt: capture, frames, requests, method M N,
# status C N, connections, version, incomplete, max_requests_per_connection,
# body_bytes_sent). The mix (scripts/http-mix/mix.lua, nginx.conf.in): GET POST PUT
# PATCH DELETE OPTIONS; 200 201 204 206 301 302 304 403 404 405 410 418 503; gzip-chunked
# bodies; request bodies that span segments. wrk stops with requests in flight, so the
# last response on a connection may be cut short; the access log says what nginx sent.
# BUFFER_KB=N sets tcpdump's kernel buffer (default 512 MiB). Exit 3 when the kernel
# dropped frames (the capture then has gaps and the truth does not hold).
# Needs root and nginx wrk tcpdump iproute2 python3 (ethtool, capinfos optional). Sends
# nothing outside the namespace's own loopback, and removes the namespace again.
set -euo pipefail
usage="usage: record-http-mix.sh OUTDIR [SECONDS] [CONNECTIONS] [THREADS]"
out=$(realpath -m "${1:?$usage}")
secs=${2:-5} conns=${3:-32} threads=${4:-1}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/record/netns-lib.sh"
for t in nginx wrk tcpdump ip python3; do
  command -v "$t" >/dev/null || {
    echo "record-http-mix.sh: missing $t (apt-get install nginx-light wrk tcpdump iproute2 python3)" >&2
    exit 1
  }
done
[[ $(id -u) == 0 ]] || { echo "record-http-mix.sh: needs root (network namespace)" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/wt-http-mix.XXXXXX")
chmod 755 "$work"
ns=wthttpmix$$
netns_cleanup_on_exit "$ns" "$work/nginx.pid"
trap 'exit 1' INT TERM

netns_plain_lo "$ns"

# content: fixed seed, so every run serves the same bodies
python3 - "$work/www" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(2026)
os.makedirs(os.path.join(root, "files"), exist_ok=True)
for i in range(100):
    n = rng.choice([300, 1400, 1460, 2920, 9000, 33000, 120000])
    with open(os.path.join(root, "files", "b%d.dat" % i), "wb") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(n)))
with open(os.path.join(root, "index.html"), "w") as f:
    f.write("<html><body>" + "<p>wiretab http mix</p>\n" * 60 + "</body></html>\n")
PY
mkdir -p "$work/tmp"
# the files were written just now; their mtime must be in the past for If-Modified-Since
touch -d '2020-01-01 00:00:00' "$work/www/index.html" "$work"/www/files/*
sed -e "s#@WORK@#$work#g" "$here/http-mix/nginx.conf.in" > "$work/nginx.conf"
ip netns exec "$ns" nginx -c "$work/nginx.conf"
netns_wait_pidfile "$work/nginx.pid"

rm -f "$out/http-mix.pcap"
# traffic only once tcpdump's buffer is active, or the first SYNs are missing
netns_tcpdump "$ns" "$out/http-mix.pcap" 'tcp port 8080' "$work/tcpdump.log" -B "${BUFFER_KB:-524288}" -U --immediate-mode
sleep 0.3
ip netns exec "$ns" wrk -t"$threads" -c"$conns" -d"${secs}s" -s "$here/http-mix/mix.lua" \
  http://127.0.0.1:8080/ > "$work/wrk.txt"
sleep 1
netns_tcpdump_stop
netns_nginx_quit "$work/nginx.pid"

log=$out/http-mix.access.log
cp "$work/access.log" "$log"
{ cat "$work/wrk.txt"; grep -E 'captured|received by filter|dropped' "$work/tcpdump.log"; } \
  > "$out/http-mix.client.txt"
if command -v capinfos >/dev/null; then
  frames=$(capinfos -c -M "$out/http-mix.pcap" | awk '/Number of packets/ {print $NF}')
else
  frames=$(awk '/packets captured/ {print $1}' "$work/tcpdump.log")
fi
{
  echo "# ground truth for http-mix.pcap, counted from http-mix.access.log (nginx)"
  echo "# made by scripts/record-http-mix.sh $secs s, $conns connections, $threads thread(s)"
  echo "capture http-mix.pcap"
  echo "frames $frames"
  echo "requests $(wc -l < "$log")"
  awk '{m[$1]++} END {for (k in m) print "method", k, m[k]}' "$log" | sort
  awk '{s[$2]++} END {for (k in s) print "status", k, s[k]}' "$log" | sort
  echo "connections $(awk '{print $5}' "$log" | sort -u | wc -l)"
  awk '{v[$9]++} END {for (k in v) print "version", k, v[k]}' "$log" | sort
  awk '{if ($11 != "OK") n++} END {print "incomplete", n + 0}' "$log"
  awk '{if ($6 > max) max = $6} END {print "max_requests_per_connection", max + 0}' "$log"
  awk '{b += $4} END {print "body_bytes_sent", b + 0}' "$log"
} > "$out/http-mix.truth.txt"
cat "$out/http-mix.client.txt" >&2
if grep -q '^[1-9][0-9]* packets dropped by kernel' "$work/tcpdump.log"; then
  echo "record-http-mix.sh: the kernel dropped packets; the capture has gaps" >&2
  exit 3
fi
