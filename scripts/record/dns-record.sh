#!/usr/bin/env bash
# Records captures/dns-dnsmasq.pcap: dig in network namespace wtd-cli asking dnsmasq in
# wtd-srv (veth pair, 10.78.0.0/24 and fd78::/64, nothing leaves the two namespaces) about a
# few local names, over UDP and TCP, IPv4 and IPv6, with NXDOMAIN, NODATA, AAAA, MX, TXT,
# SRV, CNAME, PTR, a refused name outside the local zone, a second dnsmasq on port 5300 (not
# a DNS port: found by content) and one query to a port nobody answers (unanswered).
#
#   scripts/record/dns-record.sh [OUTDIR]     (as root; OUTDIR defaults to captures/)
#
# Writes OUTDIR/dns-dnsmasq.pcap, dns-dnsmasq.server.log (both dnsmasq query logs,
# --log-queries=extra), dns-dnsmasq.client.txt (each dig command and its status line) and
# dns-dnsmasq.truth.txt (counts from the server logs and dig's own account, made by
# scripts/record/dns-truth.py). Needs: iproute2 ethtool tcpdump dnsmasq (dnsmasq-base) dig
# (dnsutils) capinfos python3.
set -euo pipefail
export LC_ALL=C
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:-$repo/captures}")
SRV=wtd-srv CLI=wtd-cli
S4=10.78.0.1 C4=10.78.0.2 S6=fd78::1 C6=fd78::2
name=dns-dnsmasq

die() { echo "dns-record: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces)"
for t in ip ethtool tcpdump dnsmasq dig capinfos python3; do
  command -v "$t" >/dev/null || die "missing $t"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/wtd-record.XXXXXX")
chmod 755 "$work"
pids=()
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  ip netns del "$SRV" 2>/dev/null
  ip netns del "$CLI" 2>/dev/null
  [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

ip netns del "$SRV" 2>/dev/null || true
ip netns del "$CLI" 2>/dev/null || true
ip netns add "$SRV"
ip netns add "$CLI"
ip link add veth-dsrv netns "$SRV" address 02:78:00:00:00:01 type veth peer name veth-dcli \
  netns "$CLI" address 02:78:00:00:00:02
for ns in "$SRV" "$CLI"; do
  ip -n "$ns" link set lo up
  dev=$([[ $ns == "$SRV" ]] && echo veth-dsrv || echo veth-dcli)
  ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
  # no router solicitations, no DAD delay: only the queries on the wire
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.$dev.accept_dad=0 net.ipv6.conf.$dev.router_solicitations=0 \
    net.ipv6.conf.$dev.mldv1_unsolicited_report_interval=0 \
    net.ipv6.conf.$dev.mldv2_unsolicited_report_interval=0 2>/dev/null || true
done
ip -n "$SRV" addr add $S4/24 dev veth-dsrv
ip -n "$CLI" addr add $C4/24 dev veth-dcli
ip -n "$SRV" addr add $S6/64 dev veth-dsrv nodad
ip -n "$CLI" addr add $C6/64 dev veth-dcli nodad
ip -n "$SRV" link set veth-dsrv up
ip -n "$CLI" link set veth-dcli up
# static neighbours: no ARP or ND in the capture
ip -n "$SRV" neigh replace $C4 lladdr 02:78:00:00:00:02 dev veth-dsrv nud permanent
ip -n "$CLI" neigh replace $S4 lladdr 02:78:00:00:00:01 dev veth-dcli nud permanent
ip -n "$SRV" neigh replace $C6 lladdr 02:78:00:00:00:02 dev veth-dsrv nud permanent
ip -n "$CLI" neigh replace $S6 lladdr 02:78:00:00:00:01 dev veth-dcli nud permanent
sleep 1

# The zone: dnsmasq answers wt.test itself (--local: unknown names are NXDOMAIN, never
# forwarded); there is no upstream (--no-resolv), so other names are REFUSED.
zone=(--no-resolv --no-hosts --no-poll --local=/wt.test/ --domain-needed
  --host-record=www.wt.test,10.78.0.80,fd78::80
  --host-record=mail.wt.test,10.78.0.25
  --host-record=v6only.wt.test,fd78::66
  --cname=alias.wt.test,www.wt.test
  --mx-host=wt.test,mail.wt.test,10
  --txt-record=wt.test,"v=spf1 -all"
  --srv-host=_http._tcp.wt.test,www.wt.test,80,0,5)
start_dnsmasq() {  # PORT LOGFILE
  ip netns exec "$SRV" dnsmasq --keep-in-foreground --user=root --pid-file="$work/dnsmasq-$1.pid" \
    --bind-interfaces --listen-address=$S4 --listen-address=$S6 --except-interface=lo \
    --port="$1" --log-queries=extra --log-facility="$2" --cache-size=0 "${zone[@]}" &
  pids+=($!)
}
start_dnsmasq 53 "$work/dnsmasq-53.log"
start_dnsmasq 5300 "$work/dnsmasq-5300.log"
sleep 1

ip netns exec "$CLI" tcpdump -i veth-dcli -U -s 0 -w "$work/$name.pcap" 'udp or tcp' 2>"$work/tcpdump.err" &
cappid=$!
pids+=($cappid)
sleep 1

: >"$work/client.txt"
q() {  # dig arguments...
  local status
  status=$(ip netns exec "$CLI" dig +tries=1 +time=2 +nocookie "$@" 2>&1 |
    grep -E 'status:|connection timed out|no servers could be reached' | head -1 | sed 's/^;; *//') || true
  echo "dig $* => ${status:-no answer}" >>"$work/client.txt"
  sleep 0.2
}
q @$S4 www.wt.test A
q @$S4 www.wt.test AAAA
q @$S4 mail.wt.test A
q @$S4 mail.wt.test AAAA            # NODATA: NOERROR, no answer
q @$S4 wt.test MX
q @$S4 wt.test TXT
q @$S4 _http._tcp.wt.test SRV
q @$S4 alias.wt.test A              # CNAME then A
q @$S4 nosuch.wt.test A             # NXDOMAIN
q @$S4 nosuch.wt.test AAAA          # NXDOMAIN
q @$S4 -x 10.78.0.80                # PTR
q @$S4 www.example.org A            # outside the zone, no upstream: REFUSED
q @$S4 +tcp www.wt.test A
q @$S4 +tcp missing.wt.test AAAA    # NXDOMAIN over TCP
q @$S4 +tcp wt.test MX
q @$S6 v6only.wt.test AAAA          # over IPv6
q @$S6 +tcp www.wt.test AAAA
q @$S4 -p 5300 www.wt.test A        # DNS on a port that is not DNS's
q @$S4 -p 5300 nosuch2.wt.test A
q @$S4 -p 5301 www.wt.test A        # nobody listens: never answered
sleep 1
kill -INT $cappid
wait $cappid 2>/dev/null || true

mkdir -p "$out"
cp "$work/$name.pcap" "$out/$name.pcap"
cat "$work/dnsmasq-53.log" "$work/dnsmasq-5300.log" >"$out/$name.server.log"
cp "$work/client.txt" "$out/$name.client.txt"
python3 "$repo/scripts/record/dns-truth.py" "$out/$name.pcap" "$work/dnsmasq-53.log" \
  "$work/dnsmasq-5300.log" "$work/client.txt" >"$out/$name.truth.txt"
echo "wrote $out/$name.pcap ($(capinfos -c -M "$out/$name.pcap" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}') frames)"
