#!/usr/bin/env python3
"""One TCP connection shaped a known way, for the project's sample captures.

    tcp-scenario.py server SCENARIO HOST PORT READY_FILE
    tcp-scenario.py client SCENARIO HOST PORT

Each side prints its own account of what happened as plain `key value` lines on stdout
(bytes sent and received, who closed first, the error it got); scripts/record-captures.sh
keeps these next to the capture as ground truth. The server touches READY_FILE once it
listens, so the client never races it.

Scenarios:
  close-client    client sends, server answers, client closes first, server closes on EOF
  close-server    client sends, server answers and closes first, client closes on EOF
  rst-abort       client closes with SO_LINGER {1, 0}: an RST instead of a FIN
  refused         client connects to a port nobody listens on (no server): ECONNREFUSED
  syn-timeout     client connects to a port whose SYNs are dropped; 3.5 s connect timeout
  half-close      client sends, shutdown(SHUT_WR); server sends 3 chunks after EOF, closes
  keepalive       client enables keep-alive (idle 1 s, interval 1 s) and idles 3.5 s
  simultaneous    after one exchange both sides wait for the file named by $WTC_GO_FILE and
                  close; the recorder drops incoming FINs meanwhile, so both FINs cross on
                  the wire (a simultaneous close, RFC 793 CLOSING state)
"""
import errno
import os
import socket
import struct
import sys
import time

REQUEST = b"hello from the client\n"
REPLY = b"hello from the server\n"
CHUNK = 10000


def say(key, value):
    print(f"{key} {value}", flush=True)


def wait_for_go():
    """Barrier shared by client and server: the recorder creates the file once both wait."""
    path = os.environ["WTC_GO_FILE"]
    while not os.path.exists(path):
        time.sleep(0.005)


def recv_all(sock):
    """Reads until EOF; returns (bytes, error name or None)."""
    total = 0
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return total, None
            total += len(data)
    except OSError as e:
        return total, errno.errorcode.get(e.errno, str(e.errno))


def recv_exactly(sock, n):
    got = b""
    while len(got) < n:
        data = sock.recv(n - len(got))
        if not data:
            break
        got += data
    return got


def server(scenario, host, port, ready_file):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(1)
    open(ready_file, "w").close()
    conn, peer = ls.accept()
    ls.close()
    say("server_accepted", 1)
    sent = 0
    received = len(recv_exactly(conn, len(REQUEST)))
    if scenario == "half-close":
        more, err = recv_all(conn)          # until the client's FIN
        received += more
        say("server_saw_eof_before_sending", "yes" if err is None else "no")
        for _ in range(3):
            conn.sendall(b"s" * CHUNK)
            sent += CHUNK
            time.sleep(0.05)
        conn.close()
        say("server_closed", "after_sending")
    else:
        conn.sendall(REPLY)
        sent += len(REPLY)
        if scenario == "close-server":
            time.sleep(0.1)
            conn.close()
            say("server_closed", "first")
        elif scenario == "simultaneous":
            wait_for_go()
            conn.close()
            say("server_closed", "on_go")
        else:
            more, err = recv_all(conn)
            received += more
            if err:
                say("server_recv_error", err)
            else:
                say("server_saw_eof", "yes")
            conn.close()
            say("server_closed", "after_peer")
    say("server_bytes_received", received)
    say("server_bytes_sent", sent)


def client(scenario, host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    if scenario == "keepalive":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 5)
        say("client_keepalive_idle_s", 1)
        say("client_keepalive_interval_s", 1)
    timeout = 3.5 if scenario == "syn-timeout" else 5.0
    s.settimeout(timeout)
    start = time.monotonic()
    try:
        s.connect((host, port))
    except socket.timeout:
        say("client_connect_error", "timeout")
        say("client_connect_timeout_s", timeout)
        say("connections_established", 0)
        return
    except OSError as e:
        say("client_connect_error", errno.errorcode.get(e.errno, str(e.errno)))
        say("client_connect_error_after_ms", int((time.monotonic() - start) * 1000))
        say("connections_established", 0)
        return
    s.settimeout(None)
    say("connections_established", 1)
    s.sendall(REQUEST)
    sent = len(REQUEST)
    received = 0
    if scenario == "half-close":
        s.shutdown(socket.SHUT_WR)
        say("client_shutdown_wr", "after_request")
        more, err = recv_all(s)
        received += more
        s.close()
        say("client_closed", "after_eof")
    else:
        received += len(recv_exactly(s, len(REPLY)))
        if scenario == "close-client":
            s.close()
            say("client_closed", "first")
        elif scenario == "close-server":
            more, _ = recv_all(s)
            received += more
            s.close()
            say("client_closed", "after_eof")
        elif scenario == "rst-abort":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
            say("client_closed", "rst_so_linger_0")
        elif scenario == "keepalive":
            time.sleep(3.5)
            say("client_idle_s", 3.5)
            s.close()
            say("client_closed", "first")
        elif scenario == "simultaneous":
            wait_for_go()
            s.close()
            say("client_closed", "on_go")
    say("client_bytes_sent", sent)
    say("client_bytes_received", received)


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    role, scenario, host, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if role == "server":
        server(scenario, host, port, sys.argv[5])
    else:
        client(scenario, host, port)


if __name__ == "__main__":
    main()
