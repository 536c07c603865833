#!/usr/bin/env bash
# The HTTPS decryption benchmark (docs/performance.md, "TLS decryption").
#
#   tests/bench/tls-bench.sh [CAPTURE KEYLOG ACCESS_LOG]
#   meson test -C BUILD --benchmark bench-tls      (the same, with the build's binaries)
#
# Without arguments it records, into BENCH_DIR (default BUILD/bench, never a tracked folder;
# reused when there, BENCH_RERECORD=1 records anew), about BENCH_TLS_MB (default 1000) MB
# of HTTPS: nginx with a self-signed certificate in a private network namespace, curl
# with SSLKEYLOGFILE downloading a 10 MB file over TLS 1.3 (AES-128-GCM) and TLS 1.2
# (ECDHE-RSA-AES128-GCM), http/1.1 and h2, rate-limited so tcpdump keeps every frame.
# nginx's access log is the truth. BENCH_NETNS names the namespace (default tlsdec-bench).
#
# Then BENCH_ROUNDS (default 3) alternating rounds of: the floor (bare libpcap loop),
# wiretab without the key log (handshakes only), wiretab --tls-keylog (every record
# decrypted and the HTTP inside parsed). Prints the median wall time of each, its ratio to
# the floor and MB/s, and checks that the decrypted run's requests and statuses equal the
# access log's. Exit status 0 when exact, 1 when not, 77 when skipped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$src/scripts/record/netns-lib.sh"
build=${BUILD_DIR:-$src/build}
wiretab=${WIRETAB:-$build/analyzer/wiretab}
floor=${WT_FLOOR:-$build/tests/bench/pcap-floor}
for b in "$wiretab" "$floor"; do
  [[ -x $b ]] || { echo "tls-bench: $b not built; set BUILD_DIR or WIRETAB/WT_FLOOR" >&2; exit 1; }
done

record() {  # record DIR MB
  local dir=$1 mb=$2 ns=${BENCH_NETNS:-tlsdec-bench}-$$
  work=$(mktemp -d)
  chmod 755 "$work"
  # the EXIT trap cleans up after a failure; the end of this function does it otherwise
  netns_cleanup_on_exit "$ns" "$work/nginx.pid"
  netns_plain_lo "$ns"
  netns_cert "$work" "/CN=bench.example.test"
  mkdir -p "$work/www"
  head -c 10000000 /dev/urandom > "$work/www/big.bin"
  {
    netns_nginx_main "$work"
    cat <<CONF
http {
  log_format truth "\$request_method \$status \$request_uri \$body_bytes_sent \$server_protocol \$ssl_protocol";
  access_log $work/access.log truth;
  server {
    listen 127.0.0.1:443 ssl http2;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $work/www;
  }
}
CONF
  } > "$work/nginx.conf"
  ip netns exec "$ns" nginx -c "$work/nginx.conf"
  netns_wait_pidfile "$work/nginx.pid"
  rm -f "$dir/https.keylog"
  netns_tcpdump "$ns" "$dir/https.pcap" 'tcp port 443' "$work/tcpdump.log" -B 262144 -U
  local per_run=$(( (mb + 39) / 40 ))  # 4 runs of 10 MB downloads
  local urls=() i
  for ((i = 0; i < per_run; i++)); do urls+=(-o /dev/null https://127.0.0.1/big.bin); done
  local opts
  for opts in "--tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 --http1.1" \
              "--tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 --http2" \
              "--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 --http1.1" \
              "--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 --http2"; do
    # shellcheck disable=SC2086
    ip netns exec "$ns" env SSLKEYLOGFILE="$dir/https.keylog" curl -sSk --limit-rate 150M \
      $opts "${urls[@]}"
  done
  sleep 1.5 # past tcpdump's 1 s block timeout, or the last block is lost (record-tls-short.sh)
  netns_tcpdump_stop
  grep -E 'packets dropped by kernel' "$work/tcpdump.log" >&2 || true
  kill "$(cat "$work/nginx.pid")"; sleep 0.3
  cp "$work/access.log" "$dir/https.access.log"
  chmod 600 "$dir/https.keylog"
  netns_cleanup
  trap - EXIT
}

if (($# == 3)); then
  capture=$1 keylog=$2 access=$3
else
  dir=${BENCH_DIR:-$build/bench}
  mkdir -p "$dir"
  capture=$dir/https.pcap keylog=$dir/https.keylog access=$dir/https.access.log
  if [[ ${BENCH_RERECORD:-0} == 1 || ! -s $capture || ! -s $keylog || ! -s $access ]]; then
    if [[ $(id -u) != 0 ]]; then
      echo "tls-bench: SKIP: recording the capture needs root (or give CAPTURE KEYLOG ACCESS_LOG)" >&2
      exit 77
    fi
    for t in nginx curl openssl tcpdump ip; do
      command -v $t >/dev/null || { echo "tls-bench: SKIP: $t missing" >&2; exit 77; }
    done
    echo "tls-bench: recording ~${BENCH_TLS_MB:-1000} MB of HTTPS into $dir" >&2
    record "$dir" "${BENCH_TLS_MB:-1000}"
  fi
fi

exec python3 - "$wiretab" "$floor" "$capture" "$keylog" "$access" "${BENCH_ROUNDS:-3}" <<'PY'
import json, os, statistics, subprocess, sys, time
from collections import Counter
wiretab, floor, cap, keylog, access, rounds = sys.argv[1:7]
size = os.path.getsize(cap) / 1e6
runs = {"floor": [floor, cap],
        "wiretab (no key log)": [wiretab, "-q", "-r", cap, "--format", "json"],
        "wiretab --tls-keylog": [wiretab, "-q", "-r", cap, "--tls-keylog", keylog, "--format", "json"]}
times = {k: [] for k in runs}
out = {}
for _ in range(int(rounds)):
    for name, argv in runs.items():
        t0 = time.monotonic()
        p = subprocess.run(argv, capture_output=True, text=True)
        times[name].append(time.monotonic() - t0)
        if p.returncode != 0:
            sys.exit("tls-bench: %s failed: %s" % (name, p.stderr))
        out[name] = p.stdout
base = statistics.median(times["floor"])
print("capture %s: %.0f MB" % (cap, size))
for name in runs:
    m = statistics.median(times[name])
    print("%-24s %7.2f s  %5.1fx floor  %7.0f MB/s" % (name, m, m / base, size / m))
rep = json.loads(out["wiretab --tls-keylog"])
lines = [l.split() for l in open(access) if l.strip()]
want_status = Counter(l[1] for l in lines)
got = rep["http"]
exact = got["requests"] == len(lines) and got["status_codes"] == dict(want_status)
print("decrypted: %d sessions, %d records, %d failed; requests %d (access log %d), statuses %s"
      % (rep["tls"]["sessions_decrypted"], rep["tls"]["records_decrypted"],
         rep["tls"]["decrypt_failed"], got["requests"], len(lines),
         "equal" if got["status_codes"] == dict(want_status) else "DIFFER"))
sys.exit(0 if exact else 1)
PY
