# Shared set-up for the recording scripts: source it, then call the functions.
#   netns_plain_lo NS        create NS with its loopback up, MTU 1500, offloads off, so
#                            segments are MTU-sized as they would be on an Ethernet wire
#   netns_cleanup_on_exit NS [PIDFILE]
#                            on exit: stop tcpdump, kill the server in $srvpid and the
#                            daemon whose pid is in PIDFILE, delete NS and rm -rf $work
#   netns_wait_pidfile FILE  wait (up to 5 s) until a daemon (nginx, sshd) wrote its pid file
#   netns_nginx_quit PIDFILE graceful nginx stop (SIGQUIT); returns once nginx removed PIDFILE,
#                            so its access log holds every request
#   netns_wait_port NS PORT  wait (up to 5 s) until a server in NS accepts on 127.0.0.1:PORT
#   netns_tcpdump NS OUT FILTER LOG [OPTION...]
#                            start tcpdump on NS's loopback writing OUT, with the buffer
#                            OPTIONs given (default -U --immediate-mode); returns once
#                            tcpdump says "listening on" (its buffer is active, so the
#                            first SYNs are not lost); the pid is left in $tcpdump_pid
#   netns_tcpdump_stop       SIGINT tcpdump and wait for it to flush its last block
#   netns_cert DIR SUBJECT [SAN]
#                            a self-signed RSA certificate (2 days) in DIR/cert.pem and
#                            DIR/key.pem, e.g. netns_cert "$work" /CN=shop.wt.test DNS:shop.wt.test
#   netns_nginx_main WORK    the top of an nginx.conf: one worker, its pid and error log in
#                            WORK; the script appends its http { } block
# Needs root, iproute2, ethtool, tcpdump (openssl for netns_cert).

netns_plain_lo() {
  ip netns add "$1"
  ip netns exec "$1" ip link set lo up
  ip netns exec "$1" ip link set lo mtu 1500
  ip netns exec "$1" ethtool -K lo tso off gso off gro off tx off >/dev/null 2>&1 || true
}

netns_cleanup() {
  netns_tcpdump_stop
  [[ -n ${srvpid:-} ]] && kill "$srvpid" 2>/dev/null || true
  [[ -n $netns_daemon_pidfile && -s $netns_daemon_pidfile ]] &&
    kill "$(cat "$netns_daemon_pidfile")" 2>/dev/null || true
  # the servers need a moment to exit before their namespace goes
  sleep 0.3
  ip netns del "$netns_name" 2>/dev/null || true
  [[ -n ${work:-} ]] && rm -rf "$work"
  return 0
}

netns_cleanup_on_exit() {
  netns_name=$1
  netns_daemon_pidfile=${2:-}
  trap netns_cleanup EXIT
}

netns_wait_pidfile() {
  local _
  for _ in $(seq 50); do [[ -s $1 ]] && break; sleep 0.1; done
}

netns_nginx_quit() {
  local _
  kill -QUIT "$(cat "$1")"
  for _ in $(seq 50); do [[ -f $1 ]] || break; sleep 0.1; done
}

netns_wait_port() {
  local _
  for _ in $(seq 50); do
    ip netns exec "$1" bash -c "</dev/tcp/127.0.0.1/$2" 2>/dev/null && break
    sleep 0.1
  done
}

netns_tcpdump() {
  local ns=$1 out=$2 filter=$3 log=$4
  shift 4
  (($#)) || set -- -U --immediate-mode
  ip netns exec "$ns" tcpdump -n -i lo -s 0 "$@" -Z root -w "$out" "$filter" 2>"$log" &
  tcpdump_pid=$!
  netns_tcpdump_wait "$log"
}

# a 512 MiB kernel buffer can take seconds to set up
netns_tcpdump_wait() {
  local _
  for _ in $(seq 200); do grep -q 'listening on' "$1" && break; sleep 0.05; done
  grep -q 'listening on' "$1" || { cat "$1" >&2; return 1; }
}

netns_tcpdump_stop() {
  [[ -n ${tcpdump_pid:-} ]] || return 0
  kill -INT "$tcpdump_pid" 2>/dev/null || true
  wait "$tcpdump_pid" 2>/dev/null || true
  tcpdump_pid=
}

netns_cert() {
  local san=()
  [[ -n ${3:-} ]] && san=(-addext "subjectAltName=$3")
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "$2" "${san[@]}" \
    -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null
}

netns_nginx_main() {
  printf 'worker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log;\nevents { worker_connections 64; }\n' \
    "$1" "$1"
}
