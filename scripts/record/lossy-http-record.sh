#!/usr/bin/env bash
# Records a LOSSY HTTP/1.1 capture (tests/fidelity/lossy): nginx serving, wrk loading, tcpdump with a
# tiny kernel buffer, on the loopback of a private network namespace (MTU 1500, offloads
# off), the way ../shared/bench/make-http-capture.sh records its capture. The kernel drops
# frames that tcpdump could not take in time (the capture has gaps) while TCP itself lost
# nothing, so nginx's access log is still the truth of what was sent.
#
#   BUFFER_KB=256 lossy-http-record.sh OUTDIR NAME [CONNECTIONS]
#
# Small bodies (200 B to 12 kB, binary; WT_LOSSY_SIZES=200,1500,40000,150000 for the
# bench's larger ones) and a fixed number of requests (WT_LOSSY_REQUESTS, default 2000)
# keep the capture at a few MB.
# Exits 3 when tcpdump dropped nothing (loss depends on the machine's load: run again).
# Writes OUTDIR/NAME.pcap, OUTDIR/NAME.access.log (method status uri body_bytes
# connection_serial request_no client_port bytes_sent), OUTDIR/NAME.tcpdump.txt (what
# tcpdump said it captured and dropped) and OUTDIR/NAME.counts.json (start lines in the
# capture, counted by http-startlines.py, an independent pcap reader; not wiretab).
# Needs root and nginx-light wrk tcpdump ethtool iproute2 python3. Sends nothing outside
# the namespace's own loopback.
set -euo pipefail
out=$(realpath -m "${1:?usage: BUFFER_KB=N lossy-http-record.sh OUTDIR NAME [CONNECTIONS]}")
name=${2:?usage: BUFFER_KB=N lossy-http-record.sh OUTDIR NAME [CONNECTIONS]}
conns=${3:-32}
buffer_kb=${BUFFER_KB:-256}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/netns-lib.sh"
mkdir -p "$out"
for t in nginx wrk tcpdump ethtool ip python3; do
  command -v $t >/dev/null || {
    echo "missing $t: apt-get install nginx-light wrk tcpdump ethtool iproute2 python3" >&2
    exit 1
  }
done
work=$(mktemp -d); chmod 755 "$work"
ns=wtfid-lossy$$
netns_cleanup_on_exit "$ns" "$work/nginx.pid"
netns_plain_lo "$ns"

# content: fixed seed so every run serves the same bodies; small ones, so that a few MB
# hold a few thousand responses
python3 - "$work/www" "${WT_LOSSY_SIZES:-200,700,1500,4000,12000}" <<'PY'
import os, random, sys
root = sys.argv[1]; random.seed(7)
sizes = [int(x) for x in sys.argv[2].split(',')]
os.makedirs(root + '/static', exist_ok=True)
for i in range(200):
    n = random.choice(sizes)
    open(f'{root}/static/f{i}.bin', 'wb').write(random.randbytes(n))
open(root + '/index.html', 'w').write('<html><body>hello</body></html>\n' * 40)
PY
sed -e "s#@WORK@#$work#g" "$here/lossy-nginx.conf.in" > "$work/nginx.conf"
ip netns exec "$ns" nginx -c "$work/nginx.conf"
netns_wait_pidfile "$work/nginx.pid"
rm -f "$out/$name.pcap"
# load only once tcpdump is capturing, so everything nginx logs had its chance to be captured
netns_tcpdump "$ns" "$out/$name.pcap" 'tcp port 8080' "$work/tcpdump.log" -B "$buffer_kb"
sleep 0.5
ip netns exec "$ns" env WT_LOSSY_REQUESTS="${WT_LOSSY_REQUESTS:-2000}" \
  wrk -t1 -c"$conns" -d3s -s "$here/lossy-mix.lua" http://127.0.0.1:8080/ | tail -n 4 >&2
sleep 1.5
netns_tcpdump_stop
# wrk closes its connections when it stops; nginx logs on its side of each request
netns_nginx_quit "$work/nginx.pid"
cp "$work/access.log" "$out/$name.access.log"
{
  echo "# tcpdump -B $buffer_kb, $conns connections, ${WT_LOSSY_REQUESTS:-2000} requests asked of wrk, body sizes ${WT_LOSSY_SIZES:-200,700,1500,4000,12000}"
  grep -E 'captured|received by filter|dropped' "$work/tcpdump.log"
} > "$out/$name.tcpdump.txt"
cat "$out/$name.tcpdump.txt" >&2
if grep -q '^0 packets dropped by kernel' "$work/tcpdump.log"; then
  echo "warning: nothing dropped: not a lossy capture; run again (more CONNECTIONS or a smaller BUFFER_KB)" >&2
  rc=3
fi
python3 "$here/http-startlines.py" "$out/$name.pcap" "$out/$name.access.log" > "$out/$name.counts.json"
ls -l "$out/$name.pcap" >&2
exit "${rc:-0}"
