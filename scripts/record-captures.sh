#!/usr/bin/env bash
# Records the project's sample captures: real traffic between real clients (curl, wrk, small
# python programs in scripts/record/) and real servers (nginx, python) inside two network
# namespaces this script creates and deletes, wtc-srv and wtc-cli, joined by a veth pair.
# Nothing is sent to any other address.
#
#   scripts/record-captures.sh [OUTDIR]        (as root; OUTDIR defaults to captures/)
#
# For every capture it writes, next to it, the independent truth: the server's own log
# (<name>.access.log for nginx, <name>.server.log for the python servers), the client's own
# account (<name>.client.txt) and <name>.truth.txt, plain `key value` lines counted from
# those logs. It then regenerates OUTDIR/README.md: one table row per capture with its frame
# count (capinfos) and the result of checking it against the truth with tshark.
#
# Needs: iproute2 ethtool nftables tcpdump tshark (dumpcap, capinfos) nginx wrk curl python3.
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/.." && pwd)
rec=$repo/scripts/record
out=$(realpath -m "${1:-$repo/captures}")
PYTHON=${PYTHON:-python3}
SRV=wtc-srv CLI=wtc-cli
SRV4=10.77.0.1 CLI4=10.77.0.2 SRVV=10.77.100.1 CLIV=10.77.100.2
SRV_MAC=02:77:00:00:00:01 CLI_MAC=02:77:00:00:00:02
SRVV_MAC=02:77:00:00:01:01 CLIV_MAC=02:77:00:00:01:02 MID=wtc-mid

die() { echo "record-captures: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces)"
for t in ip ethtool nft tcpdump dumpcap tshark capinfos nginx wrk curl "$PYTHON" ss; do
  command -v "$t" >/dev/null || die "missing $t (scripts/bootstrap installs it)"
done
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/wtc-record.XXXXXX")
chmod 755 "$work"
bg_pids=()
cappid=

cleanup() {
  set +e
  [[ -n $cappid ]] && kill -INT "$cappid" 2>/dev/null
  for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
  [[ -f $work/nginx.pid ]] && kill -QUIT "$(cat "$work/nginx.pid")" 2>/dev/null
  sleep 0.3
  ip netns del "$SRV" 2>/dev/null
  ip netns del "$CLI" 2>/dev/null
  ip netns del "$MID" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_srv() { ip netns exec "$SRV" "$@"; }
in_cli() { ip netns exec "$CLI" "$@"; }

# MTU-sized segments and valid checksums: no TSO/GSO/GRO and no checksum offload, so what
# is captured is what an Ethernet wire would carry (loopback keeps its fixed checksum
# offload, so lo captures carry unfinished TCP checksums, as on any Linux host).
plain_link() {  # NS IFACE
  ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1 || true
  ip netns exec "$1" ethtool -K "$2" tx off rx off >/dev/null 2>&1 || true
  ip netns exec "$1" ethtool -K "$2" rxvlan off txvlan off >/dev/null 2>&1 || true
}

# VLAN 100 between vlan-srv (wtc-srv) and vlan-cli (wtc-cli). This kernel may lack 8021q (no
# VLAN devices, no tc vlan action), so the 802.1Q trunk is scripts/record/vlan-relay.py in a
# third namespace, wtc-mid: vlan-cli <-> m-cli | relay | trunk-a <-> trunk-b | relay | m-srv
# <-> vlan-srv. Frames on the trunk veth pair carry the tag; the end hosts see plain Ethernet.
vlan_up() {
  ip netns del "$MID" 2>/dev/null || true
  ip netns add "$MID"
  ip -n "$MID" link set lo up
  ip link add vlan-srv netns "$SRV" address $SRVV_MAC type veth peer name m-srv netns "$MID"
  ip link add vlan-cli netns "$CLI" address $CLIV_MAC type veth peer name m-cli netns "$MID"
  ip link add trunk-a netns "$MID" address 02:77:00:00:01:0a type veth peer name trunk-b netns "$MID" address 02:77:00:00:01:0b
  local d
  for d in m-srv m-cli trunk-a trunk-b; do
    ip netns exec "$MID" sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
    plain_link "$MID" "$d"
    ip -n "$MID" link set "$d" mtu 1504 up
  done
  in_srv sysctl -qw net.ipv6.conf.vlan-srv.disable_ipv6=1
  in_cli sysctl -qw net.ipv6.conf.vlan-cli.disable_ipv6=1
  plain_link "$SRV" vlan-srv; plain_link "$CLI" vlan-cli
  ip -n "$SRV" addr add "$SRVV/24" dev vlan-srv; ip -n "$SRV" link set vlan-srv up
  ip -n "$CLI" addr add "$CLIV/24" dev vlan-cli; ip -n "$CLI" link set vlan-cli up
  ip -n "$SRV" neigh replace "$CLIV" lladdr $CLIV_MAC dev vlan-srv nud permanent
  ip -n "$CLI" neigh replace "$SRVV" lladdr $SRVV_MAC dev vlan-cli nud permanent
  rm -f "$work/relay.ready"
  ip netns exec "$MID" "$PYTHON" "$rec/vlan-relay.py" 100 m-cli trunk-a trunk-b m-srv "$work/relay.ready" &
  bg_pids+=($!)
  for _ in $(seq 50); do [[ -f $work/relay.ready ]] && break; sleep 0.1; done
}

net_up() {
  ip netns del "$SRV" 2>/dev/null || true
  ip netns del "$CLI" 2>/dev/null || true
  ip netns add "$SRV"
  ip netns add "$CLI"
  for ns in "$SRV" "$CLI"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set lo mtu 1500
    plain_link "$ns" lo
  done
  ip link add veth-srv netns "$SRV" address $SRV_MAC type veth peer name veth-cli netns "$CLI" address $CLI_MAC
  # no IPv6 on the veths: no router solicitations, MLD or DAD frames in the captures
  in_srv sysctl -qw net.ipv6.conf.veth-srv.disable_ipv6=1
  in_cli sysctl -qw net.ipv6.conf.veth-cli.disable_ipv6=1
  for pair in "$SRV veth-srv $SRV4 $CLI4 $CLI_MAC" "$CLI veth-cli $CLI4 $SRV4 $SRV_MAC"; do
    read -r ns dev a peer peermac <<<"$pair"
    plain_link "$ns" "$dev"
    ip -n "$ns" addr add "$a/24" dev "$dev"
    ip -n "$ns" link set "$dev" up
    # fixed neighbours: no ARP in the captures unless a capture asks for it
    ip -n "$ns" neigh replace "$peer" lladdr "$peermac" dev "$dev" nud permanent
  done
  vlan_up
  in_cli sysctl -qw net.ipv4.tcp_timestamps=1
}

# --- capture control ------------------------------------------------------------------------
cap_start() {  # NS FILE TOOL(tcpdump|tcpdump-nano|dumpcap) IFACE [filter...]
  local ns=$1 file=$2 tool=$3 iface=$4; shift 4
  rm -f "$file"
  : > "$work/cap.log"
  case $tool in
    tcpdump) ip netns exec "$ns" tcpdump -n -U --immediate-mode -B 32768 -Z root -s 0 -i "$iface" -w "$file" "$@" 2>"$work/cap.log" & ;;
    tcpdump-nano) ip netns exec "$ns" tcpdump -n -U --immediate-mode -B 32768 -Z root -s 0 --time-stamp-precision=nano -i "$iface" -w "$file" "$@" 2>"$work/cap.log" & ;;
    tcpdump-sll2) ip netns exec "$ns" tcpdump -n -U --immediate-mode -B 32768 -Z root -s 0 -y LINUX_SLL2 -i "$iface" -w "$file" "$@" 2>"$work/cap.log" & ;;
    dumpcap) ip netns exec "$ns" dumpcap -q -i "$iface" -w "$file" ${1:+-f "$*"} 2>"$work/cap.log" & ;;
  esac
  cappid=$!
  local _
  for _ in $(seq 50); do
    grep -qE 'listening on|Capturing on' "$work/cap.log" && break
    sleep 0.1
  done
  grep -qE 'listening on|Capturing on' "$work/cap.log" || { cat "$work/cap.log" >&2; die "capture did not start"; }
  sleep 0.3
}

cap_stop() {
  sleep 0.5
  kill -INT "$cappid"
  wait "$cappid" 2>/dev/null || true
  cappid=
  if grep -qE '^[1-9][0-9]* packets dropped by kernel' "$work/cap.log"; then
    die "the kernel dropped packets while capturing: $(cat "$work/cap.log")"
  fi
}

# --- servers --------------------------------------------------------------------------------
make_www() {
  "$PYTHON" - "$work/www" <<'PY'
import os, random, sys
root = sys.argv[1]; random.seed(1977)
os.makedirs(root + '/static', exist_ok=True)
os.makedirs(root + '/dav', exist_ok=True)
open(root + '/index.html', 'w').write('<html><body>wiretab sample page</body></html>\n' * 30)
for name, n in (('small', 1500), ('medium', 12000), ('big', 262144)):
    open(f'{root}/static/{name}.bin', 'wb').write(random.randbytes(n))
open(root + '/upload-4k.bin', 'wb').write(random.randbytes(4000))
open(root + '/note.txt', 'w').write('a note stored over WebDAV\n' * 8)
PY
  # fixed mtimes: Last-Modified and ETag are the same on every run
  find "$work/www" -exec touch -d '2024-01-01 00:00:00 UTC' {} +
  chmod -R a+rX "$work/www"
  chmod a+rwx "$work/www/dav"
}

nginx_start() {  # CONF_TEMPLATE NS LISTEN...
  local tmpl=$1 ns=$2; shift 2
  local listen="" l
  for l in "$@"; do listen+="    listen $l;"$'\n'; done
  rm -f "$work/access.log" "$work/nginx.pid"
  rm -rf "$work/www/dav"/*
  awk -v work="$work" -v listen="$listen" '{gsub(/@WORK@/, work); if ($0 ~ /^[ \t]*@LISTEN@[ \t]*$/) printf "%s", listen; else print}' \
    "$tmpl" > "$work/nginx.conf"
  ip netns exec "$ns" nginx -c "$work/nginx.conf"
  for l in $(seq 50); do [[ -s $work/nginx.pid ]] && break; sleep 0.1; done
  sleep 0.2
}

nginx_stop() {  # NAME: keeps the access log as NAME.access.log
  kill -QUIT "$(cat "$work/nginx.pid")"
  for _ in $(seq 50); do [[ -f $work/nginx.pid ]] || break; sleep 0.1; done
  cp "$work/access.log" "$out/$1.access.log"
}

wait_listen() {  # NS PORT
  for _ in $(seq 50); do
    [[ -n $(ip netns exec "$1" ss -Hltn "sport = :$2") ]] && return 0
    sleep 0.1
  done
  die "nothing listens on port $2 in $1"
}

# --- curl -----------------------------------------------------------------------------------
# Requests are queued with `req` and sent by `send NAME` in ONE curl run, so curl reuses one
# keep-alive connection for all of them (unless a response closes it). curl's own account of
# each transfer goes to NAME.client.txt.
CURLFMT='curl %{method} %{http_code} %{url_effective} http_version=%{http_version} new_connections=%{num_connects} local_port=%{local_port} size_download=%{size_download} size_upload=%{size_upload} exitcode=%{exitcode}\n'
queue=()
req() {  # METHOD URL [curl options...]
  local m=$1 u=$2; shift 2
  ((${#queue[@]})) && queue+=(--next)
  queue+=(-sS -o /dev/null -w "$CURLFMT")
  case $m in
    GET) ;;
    HEAD) queue+=(-I) ;;
    *) queue+=(-X "$m") ;;
  esac
  queue+=("$@" "$u")
}
send() {  # NAME [NS]
  local ns=${2:-$CLI} rc=0
  ip netns exec "$ns" curl "${queue[@]}" >> "$out/$1.client.txt" 2>>"$work/curl.err" || rc=$?
  queue=()
  if ((rc)); then echo "curl_error $(tail -n 1 "$work/curl.err")" >> "$out/$1.client.txt"; fi
}

# --- truth and README -----------------------------------------------------------------------
rows=()
frames_of() { capinfos -c -M "$1" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}'; }
encap_of() { capinfos -E "$1" | awk -F': *' '/encapsulation/ {print $2}'; }

# truth header: every truth file starts with what file it describes and where counts come from
truth_begin() {  # NAME FILE SOURCE...
  local name=$1 file=$2; shift 2
  {
    echo "# ground truth for $file, counted from: $*"
    echo "# frames comes from capinfos; every other line from the server's or client's own log"
    echo "capture $file"
    echo "frames $(frames_of "$out/$file")"
  } > "$out/$name.truth.txt"
}

# tshark's view of the HTTP in a capture, compared with the nginx access log
http_check() {  # FILE ACCESS_LOG -> one line of notes
  local f=$1 log=$2 t_req t_res a_req a_res a_done cut verdict
  t_req=$(tshark -r "$f" -o tcp.reassemble_out_of_order:TRUE -Y http.request -T fields -e http.request.method 2>/dev/null | tr ',' '\n' | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')
  t_res=$(tshark -r "$f" -o tcp.reassemble_out_of_order:TRUE -Y 'http.response && !(http.response.code == 100)' -T fields -e http.response.code 2>/dev/null | tr ',' '\n' | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')
  a_req=$(awk '{print $1}' "$log" | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')
  a_res=$(awk '{print $2}' "$log" | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')
  # responses nginx did not finish (empty completion field) never complete in the capture either
  a_done=$(awk 'NF < 10 || $11 == "OK" {print $2}' "$log" | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')
  cut=$(awk 'NF >= 10 && $11 != "OK"' "$log" | wc -l)
  if [[ $t_req == "$a_req" && $t_res == "$a_res" ]]; then
    verdict="matches the access log"
  elif [[ $t_req == "$a_req" && $t_res == "$a_done" ]]; then
    verdict="matches the access log, except $cut response(s) nginx logged as unfinished (empty completion field), which tshark does not show"
  else
    verdict="DIFFERS from the access log (requests ${a_req%, }; statuses ${a_res%, })"
  fi
  echo "tshark http: requests ${t_req%, }; responses ${t_res%, } — $verdict"
}

tcp_check() {  # FILE -> SYN/FIN/RST counts as tshark sees them
  local f=$1 syn synack fin rst ka
  syn=$(tshark -r "$f" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' 2>/dev/null | wc -l)
  synack=$(tshark -r "$f" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 1' 2>/dev/null | wc -l)
  fin=$(tshark -r "$f" -Y 'tcp.flags.fin == 1' 2>/dev/null | wc -l)
  rst=$(tshark -r "$f" -Y 'tcp.flags.reset == 1' 2>/dev/null | wc -l)
  ka=$(tshark -r "$f" -Y 'tcp.analysis.keep_alive' 2>/dev/null | wc -l)
  echo "tshark tcp: SYN $syn, SYN-ACK $synack, FIN $fin, RST $rst, keep-alive probes $ka"
}

row() {  # FILE TRUTH_FILE DESCRIPTION CHECK_NOTES
  local f=$1
  rows+=("| $f | $(frames_of "$out/$f") | $2 | $(encap_of "$out/$f") | $3 Check: $4 |")
}

# ============================================================================================
net_up
make_www
rm -f "$out"/*.client.txt "$out"/*.server.log "$out"/*.access.log "$out"/*.truth.txt

# --- a. HTTP/1.1 over the veth pair, IPv4, with ARP at the start ---------------------------
name=http-veth-ipv4; f=$name.pcap
nginx_start "$rec/nginx.conf.in" "$SRV" "$SRV4:80"
ip -n "$SRV" neigh del "$CLI4" dev veth-srv
ip -n "$CLI" neigh del "$SRV4" dev veth-cli
cap_start "$SRV" "$out/$f" tcpdump veth-srv
U=http://$SRV4
req GET $U/index.html; req GET $U/static/medium.bin; req HEAD $U/static/small.bin
req GET $U/missing; req GET $U/old
req POST $U/api/items -H 'Content-Type: application/json' --data-binary '{"name":"x","n":1}'
req PUT $U/dav/note.txt --data-binary @"$work/www/note.txt"
req PUT $U/dav/note.txt --data-binary @"$work/www/note.txt"
req DELETE $U/dav/note.txt; req OPTIONS $U/api/items; req GET $U/api/items
send $name                                   # one connection, 11 requests
req GET $U/static/small.bin -z 'Mon, 01 Jan 2024 00:00:00 GMT'
req GET $U/static/medium.bin -r 0-999
req DELETE $U/index.html; req POST $U/index.html --data-binary 'x=1'
req GET $U/busy; req GET $U/boom
send $name                                   # 304 206 405 405 503 500; nginx closes after 500
req POST $U/upload --data-binary @"$work/www/upload-4k.bin"
send $name                                   # 413 (client_max_body_size 1k), nginx closes
req GET $U/index.html -H 'Connection: close'
send $name
req GET $U/index.html -0
send $name                                   # HTTP/1.0: nginx closes
cap_stop
ip -n "$SRV" neigh replace "$CLI4" lladdr $CLI_MAC dev veth-srv nud permanent
ip -n "$CLI" neigh replace "$SRV4" lladdr $SRV_MAC dev veth-cli nud permanent
nginx_stop $name
truth_begin $name $f "$name.access.log (nginx)" "$name.client.txt (curl -w)"
"$rec/nginx-truth.sh" "$out/$name.access.log" >> "$out/$name.truth.txt"
echo "arp_resolutions 1" >> "$out/$name.truth.txt"
row $f $name.truth.txt "nginx in wtc-srv, curl in wtc-cli, veth pair, IPv4, captured by tcpdump on veth-srv; neighbour caches flushed first so it opens with an ARP request and reply. 5 connections: 11 keep-alive requests (GET HEAD POST PUT DELETE OPTIONS; 200 201 204 301 404; WebDAV PUT 201 then 204), then 304 206 405 405 503 500 (nginx closes after 500), a 413 upload (nginx closes), a Connection: close request and an HTTP/1.0 request." \
  "$(http_check "$out/$f" "$out/$name.access.log")"

# --- b. HTTP over the server namespace's loopback, IPv6 ::1, nanosecond timestamps ----------
name=http-lo-ipv6; f=$name.pcap
nginx_start "$rec/nginx.conf.in" "$SRV" "[::1]:8080"
cap_start "$SRV" "$out/$f" tcpdump-nano lo 'tcp port 8080'
U='http://[::1]:8080'
req GET "$U/index.html" -g; req GET "$U/static/medium.bin" -g
req POST "$U/api/items" -g --data-binary '{"n":2}'; req DELETE "$U/api/items" -g; req GET "$U/missing" -g
send $name "$SRV"
req GET "$U/old" -g -H 'Connection: close'
send $name "$SRV"
cap_stop
nginx_stop $name
truth_begin $name $f "$name.access.log (nginx)" "$name.client.txt (curl -w)"
"$rec/nginx-truth.sh" "$out/$name.access.log" >> "$out/$name.truth.txt"
row $f $name.truth.txt "nginx and curl both in wtc-srv over its loopback (MTU 1500), IPv6 [::1]:8080, tcpdump -i lo with nanosecond timestamps (pcap magic a1b23c4d). 2 connections: 5 keep-alive requests (200 200 201 204 404) and one Connection: close 301. Loopback TCP checksums are left unfinished by the kernel (checksum offload), as on any Linux host." \
  "$(http_check "$out/$f" "$out/$name.access.log")"

# --- c. HTTP over VLAN 100, captured on the parent veth: 802.1Q tags in every frame ---------
name=http-vlan; f=$name.pcap
nginx_start "$rec/nginx.conf.in" "$SRV" "$SRVV:80"
cap_start "$MID" "$out/$f" tcpdump trunk-a
U=http://$SRVV
req GET $U/index.html; req GET $U/static/small.bin; req PUT $U/api/items --data-binary 'n=3'; req GET $U/missing
send $name
req HEAD $U/index.html -H 'Connection: close'
send $name
cap_stop
nginx_stop $name
truth_begin $name $f "$name.access.log (nginx)" "$name.client.txt (curl -w)"
"$rec/nginx-truth.sh" "$out/$name.access.log" >> "$out/$name.truth.txt"
echo "vlan_id 100" >> "$out/$name.truth.txt"
row $f $name.truth.txt "nginx on $SRVV in wtc-srv, curl from $CLIV in wtc-cli, joined by an 802.1Q trunk (VID 100, made by scripts/record/vlan-relay.py because this kernel has no 8021q); captured on the trunk veth in wtc-mid, so every frame carries an 802.1Q tag. 2 connections: 4 keep-alive requests (200 200 201 404) and a HEAD with Connection: close." \
  "$(http_check "$out/$f" "$out/$name.access.log"); tagged frames $(tshark -r "$out/$f" -Y 'vlan.id == 100' 2>/dev/null | wc -l)"

# --- d. tcpdump -i any: Linux cooked capture v2 ----------------------------------------------
name=http-any-sll2; f=$name.pcap
nginx_start "$rec/nginx.conf.in" "$SRV" "$SRV4:80"
cap_start "$SRV" "$out/$f" tcpdump-sll2 any
U=http://$SRV4
req GET $U/index.html; req GET $U/static/medium.bin; req OPTIONS $U/api/items; req GET $U/busy
send $name
req POST $U/api/items -H 'Connection: close' --data-binary '{"n":4}'
send $name
cap_stop
nginx_stop $name
truth_begin $name $f "$name.access.log (nginx)" "$name.client.txt (curl -w)"
"$rec/nginx-truth.sh" "$out/$name.access.log" >> "$out/$name.truth.txt"
row $f $name.truth.txt "tcpdump -i any -y LINUX_SLL2 in wtc-srv while curl in wtc-cli talks to nginx over the veth (IPv4): link type LINUX_SLL2 (276) with interface index and packet direction. 2 connections: 4 keep-alive requests (200 200 204 503) and a Connection: close POST (201)." \
  "$(http_check "$out/$f" "$out/$name.access.log")"

# --- e. the bench mix, short: nginx + wrk with the bench's mix.lua ---------------------------
name=http-mix-small; f=$name.pcap
mkdir -p "$work/mix"
"$PYTHON" - "$work/mix/www" <<'PY'
import os, random, sys
root = sys.argv[1]; random.seed(7)
os.makedirs(root + '/static', exist_ok=True)
for i in range(200):
    n = random.choice([200, 1500, 4000, 12000, 40000, 150000])
    open(f'{root}/static/f{i}.bin', 'wb').write(random.randbytes(n))
open(root + '/index.html', 'w').write('<html><body>hello</body></html>\n' * 40)
PY
find "$work/mix/www" -exec touch -d '2024-01-01 00:00:00 UTC' {} +
chmod -R a+rX "$work/mix"
sed -e "s#@WORK@#$work/mix#g" "$rec/bench-nginx.conf.in" > "$work/mix/nginx.conf"
# wrk is throttled with a per-request delay so one second stays about a megabyte
{ echo "dofile('$rec/bench-mix.lua')"; echo 'delay = function() return 60 end'; } > "$work/mix/mix-small.lua"
in_srv nginx -c "$work/mix/nginx.conf"
for _ in $(seq 50); do [[ -s $work/mix/nginx.pid ]] && break; sleep 0.1; done
cap_start "$SRV" "$out/$f" tcpdump lo 'tcp port 8080'
in_srv wrk -t1 -c4 -d1s -s "$work/mix/mix-small.lua" http://127.0.0.1:8080/ > "$out/$name.client.txt" 2>&1
cap_stop
kill -QUIT "$(cat "$work/mix/nginx.pid")"
for _ in $(seq 50); do [[ -f $work/mix/nginx.pid ]] || break; sleep 0.1; done
cp "$work/mix/access.log" "$out/$name.access.log"
truth_begin $name $f "$name.access.log (nginx, bench log format)" "$name.client.txt (wrk summary)"
"$rec/nginx-truth.sh" "$out/$name.access.log" >> "$out/$name.truth.txt"
row $f $name.truth.txt "The bench recipe (/work/shared/bench/make-http-capture.sh; copies in scripts/record/bench-*) made short: nginx with bench-nginx.conf.in and wrk -t1 -c4 -d1s with bench-mix.lua plus a 60 ms delay per request, on wtc-srv's loopback, IPv4 127.0.0.1:8080. GET POST PUT PATCH DELETE OPTIONS; 200 201 302 403 404 405 410 503 and gzip-chunked bodies. wrk stops at 1 s with requests in flight, so the last responses may be cut short (the access log says what nginx sent)." \
  "$(http_check "$out/$f" "$out/$name.access.log")"

# --- f. TCP connection shapes, one capture each ---------------------------------------------
tcp_capture() {  # SCENARIO PORT DESCRIPTION  (server in wtc-srv unless the port is closed)
  local sc=$1 port=$2 desc=$3 name=tcp-$1 f
  f=$name.pcap
  rm -f "$work/ready"
  cap_start "$SRV" "$out/$f" tcpdump veth-srv
  local spid=
  case $sc in
    refused|syn-timeout) ;;
    *)
      WTC_GO_FILE=$work/go in_srv "$PYTHON" "$rec/tcp-scenario.py" server "$sc" "$SRV4" "$port" "$work/ready" > "$out/$name.server.log" &
      spid=$!; bg_pids+=("$spid")
      for _ in $(seq 50); do [[ -f $work/ready ]] && break; sleep 0.1; done ;;
  esac
  if [[ $sc == simultaneous ]]; then
    # Drop every incoming FIN on both sides while both close, so each FIN leaves before the
    # other arrives; lifting the rule lets the retransmitted FINs through (FIN_WAIT_1 -> CLOSING).
    for ns in "$SRV" "$CLI"; do
      printf 'table inet wtc {\n chain in {\n  type filter hook input priority 0;\n  tcp flags & fin == fin drop\n }\n}\n' | ip netns exec "$ns" nft -f -
    done
  fi
  if [[ $sc == simultaneous ]]; then
    rm -f "$work/go"
    WTC_GO_FILE=$work/go in_cli "$PYTHON" "$rec/tcp-scenario.py" client "$sc" "$SRV4" "$port" > "$out/$name.client.txt" &
    local cpid=$!
    sleep 0.5                      # the exchange is done; both sides wait at the barrier
    touch "$work/go"
    wait "$cpid" "$spid"
    sleep 0.3                      # both FINs sent, both dropped on arrival
    in_srv nft delete table inet wtc
    in_cli nft delete table inet wtc
    sleep 2                        # retransmitted FINs now get through
  else
    in_cli "$PYTHON" "$rec/tcp-scenario.py" client "$sc" "$SRV4" "$port" > "$out/$name.client.txt"
    [[ -z $spid ]] || wait "$spid"
  fi
  if [[ $sc == keepalive ]]; then sleep 0.2; fi
  cap_stop
  truth_begin "$name" "$f" "$name.client.txt (client)" ${spid:+"$name.server.log (server)"}
  {
    echo "scenario $sc"
    echo "server_port $port"
    echo "connections_attempted 1"
    cat "$out/$name.client.txt"
    [[ -n $spid ]] && cat "$out/$name.server.log"
    case $sc in
      close-client) echo "closed_by client"; echo "fin_both yes" ;;
      close-server) echo "closed_by server"; echo "fin_both yes" ;;
      rst-abort) echo "closed_by client"; echo "reset_by client" ;;
      half-close) echo "closed_by client"; echo "fin_both yes"; echo "half_close client" ;;
      keepalive) echo "closed_by client"; echo "fin_both yes" ;;
      simultaneous) echo "closed_by both"; echo "fin_both yes"; echo "simultaneous_close yes" ;;
    esac
  } >> "$out/$name.truth.txt"
  row "$f" "$name.truth.txt" "$desc" "$(tcp_check "$out/$f")"
}

tcp_capture close-client 7001 "python client (wtc-cli) and server (wtc-srv), scripts/record/tcp-scenario.py: one connection, 22 bytes each way, the client closes first, the server closes on EOF (FIN both ways)."
tcp_capture close-server 7002 "As tcp-close-client but the server closes first (100 ms after answering); the client closes on EOF."
tcp_capture rst-abort 7003 "One exchange, then the client closes with SO_LINGER {1, 0}: an RST instead of a FIN; the server's next recv gets ECONNRESET."
tcp_capture refused 7004 "SYN to a port nobody listens on: the server's kernel answers RST/ACK; the client gets ECONNREFUSED."
printf 'table inet wtcdrop {\n chain in {\n  type filter hook input priority 0;\n  tcp dport 7005 drop\n }\n}\n' | in_srv nft -f -
tcp_capture syn-timeout 7005 "SYNs to a port dropped by nftables in wtc-srv (the capture sees them arrive); the client gives up after a 3.5 s connect timeout: the first SYN and its retransmissions (how many and when is the kernel's choice; this recording's kernel resent it every second), never answered."
in_srv nft delete table inet wtcdrop
tcp_capture half-close 7006 "The client sends its request and shutdown(SHUT_WR); the server reads to EOF, then sends 3 x 10000 bytes over the half-closed connection and closes; the client reads to EOF and closes."
tcp_capture keepalive 7007 "The client sets SO_KEEPALIVE, TCP_KEEPIDLE 1 s, TCP_KEEPINTVL 1 s, exchanges a line, idles 3.5 s (keep-alive probes and their ACKs), then closes."
tcp_capture simultaneous 7008 "Simultaneous close: after one exchange both sides close at the same moment (a file barrier) while nftables in both namespaces drops incoming FINs, so both FINs are on the wire before either is received; the rule is lifted and the retransmitted FINs complete the close (FIN_WAIT_1 -> CLOSING -> TIME_WAIT on both sides)."

# --- g. HTTP edge cases against nginx (pcapng via dumpcap) ------------------------------------
name=http-edge-nginx; f=$name.pcapng
nginx_start "$rec/nginx.conf.in" "$SRV" "$SRV4:80"
cap_start "$SRV" "$out/$f" dumpcap veth-srv
U=http://$SRV4
req HEAD $U/index.html; send $name
req GET $U/index.html -0; send $name
req DELETE $U/api/items; send $name
req GET $U/index.html -z 'Mon, 01 Jan 2024 00:00:00 GMT'; send $name
req PUT $U/dav/expect.bin -H 'Expect: 100-continue' --expect100-timeout 5 --data-binary @"$work/www/upload-4k.bin"; send $name
req PUT $U/dav/chunked.bin -H 'Transfer-Encoding: chunked' -H 'Expect:' --data-binary @"$work/www/upload-4k.bin"; send $name
in_cli "$PYTHON" "$rec/http-client.py" pipeline "$SRV4" 80 >> "$out/$name.client.txt"
in_cli "$PYTHON" "$rec/http-client.py" abort "$SRV4" 80 /static/big.bin 20000 >> "$out/$name.client.txt"
req GET http://$SRV4:81/refused; send $name
cap_stop
nginx_stop $name
truth_begin $name $f "$name.access.log (nginx)" "$name.client.txt (curl -w, http-client.py)"
"$rec/nginx-truth.sh" "$out/$name.access.log" >> "$out/$name.truth.txt"
{
  echo "pipelined_requests 3"
  echo "aborted_downloads 1"
  echo "refused_connections 1"
  echo "expect_100_continue 1"
  echo "chunked_uploads 1"
} >> "$out/$name.truth.txt"
row $f $name.truth.txt "pcapng written by dumpcap on veth-srv; curl and scripts/record/http-client.py in wtc-cli against nginx, one connection each: HEAD; HTTP/1.0 GET; DELETE 204; If-Modified-Since 304; WebDAV PUT with Expect: 100-continue (100 then 201); chunked PUT upload (201); 3 pipelined GETs in one segment (200 200 404, last with Connection: close); a 256 KiB download the client aborts with an RST after ~20 kB (nginx logs 200 with the bytes it sent and an empty completion field); a SYN to closed port 81 (RST, curl exit 7)." \
  "$(http_check "$out/$f" "$out/$name.access.log")"

# --- g. HTTP edge cases against python servers: HTTP/1.0 server, close-delimited bodies -------
name=http-edge-python; f=$name.pcap
rm -f "$work/ready"
in_srv "$PYTHON" -u -m http.server 8000 --bind "$SRV4" --directory "$work/www" 2> "$work/httpserver.log" >/dev/null &
hspid=$!; bg_pids+=("$hspid")
in_srv "$PYTHON" "$rec/close-delimited-server.py" "$SRV4" 8001 "$work/ready" 2 > "$work/closedelim.log" &
cdpid=$!; bg_pids+=("$cdpid")
wait_listen "$SRV" 8000
for _ in $(seq 50); do [[ -f $work/ready ]] && break; sleep 0.1; done
cap_start "$SRV" "$out/$f" tcpdump veth-srv
U=http://$SRV4:8000
req GET $U/; send $name
req GET $U/index.html; send $name
req HEAD $U/index.html; send $name
req GET $U/missing; send $name
req GET http://$SRV4:8001/stream; send $name
req GET http://$SRV4:8001/old-style -0; send $name
cap_stop
wait "$cdpid"
kill "$hspid"; wait "$hspid" 2>/dev/null || true
# http.server's log line: ADDR - - [date] "METHOD URI VERSION" STATUS SIZE; keep it verbatim
cat "$work/httpserver.log" "$work/closedelim.log" > "$out/$name.server.log"
truth_begin $name $f "$name.server.log (python http.server and close-delimited-server.py)" "$name.client.txt (curl -w)"
{
  # one "METHOD STATUS" pair per logged request, from both servers' own logs
  { sed -nE 's/.*"([A-Z]+) [^ ]+ HTTP\/1\.[01]" ([0-9]{3}) .*/\1 \2/p' "$work/httpserver.log"
    awk '{print $1, $2}' "$work/closedelim.log"; } > "$work/pairs"
  echo "requests $(wc -l < "$work/pairs")"
  awk '{m[$1]++} END {for (k in m) print "method", k, m[k]}' "$work/pairs" | sort
  awk '{s[$2]++} END {for (k in s) print "status", k, s[k]}' "$work/pairs" | sort
  echo "connections $(wc -l < "$work/pairs")"
  echo "close_delimited_responses $(wc -l < "$work/closedelim.log")"
  echo "http10_responses $(sed -nE 's/.*"[A-Z]+ [^ ]+ HTTP\/1\.[01]" ([0-9]{3}) .*/x/p' "$work/httpserver.log" | wc -l)"
} >> "$out/$name.truth.txt"
row $f $name.truth.txt "curl in wtc-cli against python3 -m http.server (port 8000, answers HTTP/1.0 and closes: directory listing 200, file 200, HEAD 200, 404) and scripts/record/close-delimited-server.py (port 8001: a 3000-byte body with no Content-Length and no chunking, ended by the server's FIN; once as HTTP/1.1 with Connection: close, once as HTTP/1.0). 6 connections, one request each." \
  "$(t=$(tshark -r "$out/$f" -Y http.request 2>/dev/null | wc -l); r=$(tshark -r "$out/$f" -Y http.response 2>/dev/null | wc -l); echo "tshark http: $t requests, $r responses; the servers logged $(wc -l < "$work/pairs")")"

# --- README ---------------------------------------------------------------------------------
total=$(du -cb "$out"/*.pcap "$out"/*.pcapng | tail -n 1 | cut -f1)
{
  cat <<'EOF'
# Sample captures

Small captures of real traffic that wiretab's own tests use, each with independent ground
truth. All were recorded by `scripts/record-captures.sh` (run as root) inside two network
namespaces it creates and removes again, `wtc-srv` (10.77.0.1, VLAN 100: 10.77.100.1) and
`wtc-cli` (10.77.0.2, VLAN 100: 10.77.100.2), joined by a veth pair with fixed MAC
addresses (02:77:00:00:00:01 / :02); VLAN 100 runs over a second pair of links through an
802.1Q trunk in a third namespace, `wtc-mid` (scripts/record/vlan-relay.py). Loopback MTU
is 1500 and TSO/GSO/GRO and checksum offload are off on every interface, so segments are MTU-sized and veth checksums are valid.
IPv6 is off on the veths (no ND/MLD noise) and neighbours are static (no ARP, except at the
start of http-veth-ipv4.pcap). Ephemeral ports and timestamps differ from run to run; the
contents (file bodies, Last-Modified, request sequences) do not.

## Files

For a capture `NAME.pcap` (or `.pcapng`):

- `NAME.truth.txt`: plain `key value` lines (the format of the bench's truth.txt): `capture`,
  `frames` (from capinfos), then counts taken from the logs below, e.g. `requests 20`,
  `method GET 9`, `status 404 1`, `connections 5`, `version HTTP/1.1 19`,
  `incomplete 0` (requests nginx did not finish), `max_requests_per_connection 11`,
  `body_bytes_sent N`; for TCP captures the client's and server's own account
  (`connections_attempted 1`, `connections_established 1`, `client_connect_error
  ECONNREFUSED` or `timeout`, `closed_by client|server|both`, `fin_both yes`, `reset_by
  client`, `half_close client`, `simultaneous_close yes`, `client_bytes_sent 22`,
  `server_recv_error ECONNRESET` ...). Keys may repeat with different second words
  (`method GET 9`, `method PUT 2`); lines starting with `#` are comments.
- `NAME.access.log`: nginx's own log, one line per request, fields: method status uri
  body_bytes_sent connection_serial request_no_on_connection request_length bytes_sent
  protocol client_port completion (`OK`, or nothing at all when nginx did not finish the
  response, e.g. the client reset the connection mid-body). The
  http-mix-small log has only the first six fields (the bench log format).
- `NAME.server.log`: the python servers' own logs; `NAME.client.txt`: the client's own
  account (curl's `-w` line per transfer, wrk's summary, the python clients' lines).

The table is what `tests/captures/check-truth-files.sh` checks: every file listed exists,
has its truth file, and capinfos counts exactly that many frames.

| file | frames | truth | link type | how it was made and what it shows |
|------|--------|-------|-----------|-----------------------------------|
EOF
  printf '%s\n' "${rows[@]}"
  cat <<EOF

Total size of the captures: $total bytes.

## Checks

Each "Check:" above was computed when the capture was recorded. For HTTP captures it lists
the request methods and response codes that tshark finds
(\`tshark -r F -o tcp.reassemble_out_of_order:TRUE -Y http.request -T fields -e http.request.method\`,
likewise \`http.response.code\`, interim 100 responses left out) and whether they equal the
method and status counts of the server's access log. For TCP captures it lists the SYN,
SYN-ACK, FIN and RST frames and tshark's keep-alive analysis. See the notes below for where
tshark and the server logs legitimately disagree.
EOF
  [[ -f $rec/README-notes.md ]] && { echo; cat "$rec/README-notes.md"; }
} > "$out/README.md"

chmod 644 "$out"/*
echo "record-captures: wrote $(ls "$out"/*.pcap "$out"/*.pcapng | wc -l) captures ($total bytes) to $out" >&2
