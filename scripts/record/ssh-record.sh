#!/usr/bin/env bash
# Records SSH traffic for captures/ssh-openssh.pcap: OpenSSH's sshd on 127.0.0.1:22 and
# :2222 in a private network namespace; clients: ssh with a key that logs in (port 22),
# ssh refused for lack of a key (port 2222: the dissector must find SSH by its banner, not
# the port), and a raw client that sends its own identification string and leaves.
# Truth: the clients' own account (ssh -v: local and remote version strings, the
# negotiated algorithms) and sshd's log (each connection's remote software), written to
# captures/ssh-openssh.client.txt, ssh-openssh.server.log and ssh-openssh.truth.txt.
#   scripts/record/ssh-record.sh [OUTDIR]   (root; openssh-server, openssh-client, tcpdump)
set -euo pipefail
. "$(dirname "$0")/netns-lib.sh"
out=$(realpath -m "${1:-$(dirname "$0")/../../captures}")
ns=wtssh$$
work=$(mktemp -d)
chmod 755 "$work"
netns_cleanup_on_exit "$ns" "$work/sshd.pid"
netns_plain_lo "$ns"
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/user_key"
cp "$work/user_key.pub" "$work/authorized_keys"
chmod 600 "$work/authorized_keys"
mkdir -p /run/sshd
cat > "$work/sshd_config" <<CONF
Port 22
Port 2222
ListenAddress 127.0.0.1
HostKey $work/host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
LogLevel DEBUG1
CONF
ip netns exec "$ns" /usr/sbin/sshd -f "$work/sshd_config" -E "$work/sshd.log"
netns_wait_pidfile "$work/sshd.pid"
netns_tcpdump "$ns" "$out/ssh-openssh.pcap" 'tcp port 22 or tcp port 2222' "$work/tcpdump.log"
: > "$out/ssh-openssh.client.txt"
client() {  # client PORT KEY-OPTIONS: one connection; ssh -v says what it negotiated
  local v
  v=$(ip netns exec "$ns" ssh -v -p "$1" $2 -o BatchMode=yes -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null root@127.0.0.1 true 2>&1) || true
  {
    echo "connection port $1"
    grep -E '^debug1: (Local version string|Remote protocol version|kex: algorithm|kex: host key algorithm|kex: client->server cipher|kex: server->client cipher|Authenticated to|Authentications that can continue)' <<<"$v" | tr -d '\r' | sort -u | sed 's/^debug1: //'
  } >> "$out/ssh-openssh.client.txt"
}
client 22 "-i $work/user_key"
client 2222 "-o IdentitiesOnly=yes -o IdentityFile=/dev/null"
# A client with its own identification string: it reads the server's, then leaves.
ip netns exec "$ns" python3 - >> "$out/ssh-openssh.client.txt" <<'PY'
import socket
s = socket.create_connection(("127.0.0.1", 22))
s.sendall(b"SSH-2.0-wiretab_probe_1.0 recorder\r\n")
banner = b""
while not banner.endswith(b"\n"):
    banner += s.recv(1)
s.close()
print("connection port 22")
print("Local version string SSH-2.0-wiretab_probe_1.0 recorder")
print("Remote banner " + banner.decode().strip())
PY
sleep 0.5
netns_tcpdump_stop
kill "$(cat "$work/sshd.pid")"; sleep 0.2
grep -E 'Connection from|remote software version|Accepted publickey|Connection closed|Disconnected|banner exchange' "$work/sshd.log" \
  | tr -d '\r' | sed -E 's/^[^]]*\]: //; s/^sshd\[[0-9]+\]: //' > "$out/ssh-openssh.server.log" || true
{
  echo "# ground truth for ssh-openssh.pcap: ssh -v's and the raw client's own account"
  echo "# (ssh-openssh.client.txt), sshd's log (ssh-openssh.server.log)"
  echo "capture ssh-openssh.pcap"
  echo "frames $(capinfos -c -M "$out/ssh-openssh.pcap" | awk '/Number of packets/ {print $NF}')"
  echo "ssh_connections $(grep -c '^connection ' "$out/ssh-openssh.client.txt")"
  sed -n 's/^Local version string SSH-[0-9.]*-//p' "$out/ssh-openssh.client.txt" | sort | uniq -c | awk '{c=$1; $1=""; sub(/^ /,""); print "client", $0 "\t" c}'
  { grep -o 'remote software version .*' "$out/ssh-openssh.server.log" || true; } | sed 's/remote software version //' | sort | uniq -c | awk '{c=$1; $1=""; sub(/^ /,""); print "client_software_by_server_log", $0 "\t" c}'
  sed -n 's/^Remote protocol version [0-9.]*, remote software version //p; s/^Remote banner SSH-[0-9.]*-//p' "$out/ssh-openssh.client.txt" | sort | uniq -c | awk '{c=$1; $1=""; sub(/^ /,""); print "server", $0 "\t" c}'
  sed -n 's/^kex: algorithm: //p' "$out/ssh-openssh.client.txt" | sort | uniq -c | awk '{print "kex_alg", $2 "\t" $1}'
  sed -n 's/^kex: host key algorithm: //p' "$out/ssh-openssh.client.txt" | sort | uniq -c | awk '{print "host_key_alg", $2 "\t" $1}'
  sed -n 's/^kex: client->server cipher: \([^ ]*\) MAC: \([^ ]*\) compression: \([^ ]*\)/\1 \2 \3/p' "$out/ssh-openssh.client.txt" | sort | uniq -c | awk '{print "cipher_alg", $2 "\t" $1; print "mac_alg", $3 "\t" $1; print "compression_alg", $4 "\t" $1}'
} > "$out/ssh-openssh.truth.txt"
cat "$out/ssh-openssh.client.txt" "$out/ssh-openssh.server.log" "$out/ssh-openssh.truth.txt"
