#!/usr/bin/python3
"""An HTTP/1.1 server that accepts `Upgrade: h2c` (RFC 7540 section 3.2) with python3-h2, for
recording h2c-by-Upgrade captures (nginx does not do h2c Upgrade). After the 101 the
connection is HTTP/2: the upgraded request is answered on stream 1, further streams the
client opens on the connection as usual. A request whose path starts with /h1/ is answered
in HTTP/1.1 without upgrading (as a server that ignores Upgrade does).

Answers by path: /missing* 404, /old* 301, POST and PUT 201, DELETE 204, otherwise 200 with
a small text body. Every answer is logged, one line each, to LOG:
    <conn> <stream_id or -> <method> <path> <status> <protocol>
protocol is HTTP/1.1 (not upgraded) or HTTP/2.0.
    h2c-upgrade-server.py ADDR PORT LOG
"""
import socket
import sys
import threading

import h2.config
import h2.connection
import h2.events

LOG_LOCK = threading.Lock()


def status_for(method, path):
    if "/missing" in path:
        return 404
    if path.startswith("/old"):
        return 301
    if method in ("POST", "PUT"):
        return 201
    if method == "DELETE":
        return 204
    return 200


def body_for(method, status):
    if method == "HEAD" or status in (204, 304):
        return b""
    return b"status %d over h2c\n" % status


def log(logf, conn_no, stream, method, path, status, proto):
    with LOG_LOCK:
        logf.write(f"{conn_no} {stream} {method} {path} {status} {proto}\n")
        logf.flush()


def read_head(sock):
    """The HTTP/1.1 request head and whatever followed it in the same reads."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def parse_head(head):
    lines = head.split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    return method, path, fields


def read_body(sock, fields, rest):
    need = int(fields.get("content-length", "0"))
    while len(rest) < need:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return rest[:need], rest[need:]


def answer_h1(sock, method, path, logf, conn_no):
    status = status_for(method, path)
    body = body_for(method, status)
    reason = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently",
              404: "Not Found"}[status]
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n"
    head += "Content-Type: text/plain\r\n\r\n"
    sock.sendall(head.encode() + body)
    log(logf, conn_no, "-", method, path, status, "HTTP/1.1")


def answer_h2(conn, stream_id, method, path, logf, conn_no):
    status = status_for(method, path)
    body = body_for(method, status)
    headers = [(":status", str(status)), ("content-type", "text/plain"),
               ("content-length", str(len(body))), ("server", "h2c-upgrade-server")]
    conn.send_headers(stream_id, headers, end_stream=not body)
    if body:
        conn.send_data(stream_id, body, end_stream=True)
    log(logf, conn_no, stream_id, method, path, status, "HTTP/2.0")


def serve_h2(sock, conn, rest, logf, conn_no):
    """HTTP/2 after the 101: further requests on the connection until the client closes."""
    pending = {}
    data = rest
    while True:
        if data:
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.RequestReceived):
                    hdr = {k.decode() if isinstance(k, bytes) else k:
                           v.decode() if isinstance(v, bytes) else v for k, v in ev.headers}
                    pending[ev.stream_id] = (hdr.get(":method"), hdr.get(":path"))
                    if ev.stream_ended:
                        answer_h2(conn, ev.stream_id, *pending.pop(ev.stream_id), logf, conn_no)
                elif isinstance(ev, h2.events.DataReceived):
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id in pending:
                    answer_h2(conn, ev.stream_id, *pending.pop(ev.stream_id), logf, conn_no)
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    sock.sendall(conn.data_to_send())
                    return
            sock.sendall(conn.data_to_send())
        data = sock.recv(65536)
        if not data:
            return


def handle(sock, logf, conn_no):
    with sock:
        rest = b""
        while True:
            head, rest2 = read_head_with(sock, rest)
            if head is None:
                return
            method, path, fields = parse_head(head)
            _, rest = read_body(sock, fields, rest2)
            upgrade = fields.get("upgrade", "").lower()
            wants_h2c = "h2c" in [t.strip() for t in upgrade.split(",")] and \
                "http2-settings" in fields
            if not wants_h2c or path.startswith("/h1/"):
                answer_h1(sock, method, path, logf, conn_no)
                continue
            sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                         b"Upgrade: h2c\r\n\r\n")
            conn = h2.connection.H2Connection(h2.config.H2Configuration(
                client_side=False, header_encoding=None))
            conn.initiate_upgrade_connection(fields["http2-settings"])
            answer_h2(conn, 1, method, path, logf, conn_no)
            sock.sendall(conn.data_to_send())
            try:
                serve_h2(sock, conn, rest, logf, conn_no)
            except (ConnectionResetError, BrokenPipeError):
                pass  # the client went away after its last answer
            return


def read_head_with(sock, rest):
    if b"\r\n\r\n" in rest:
        head, tail = rest.split(b"\r\n\r\n", 1)
        return head.decode("latin-1"), tail
    head, tail = read_head(sock)
    if head is None:
        return None, b""
    if rest:
        head, tail = (rest + head.encode("latin-1") + b"\r\n\r\n" + tail).split(b"\r\n\r\n", 1)
        head = head.decode("latin-1")
    return head, tail


def main():
    addr, port, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    logf = open(log_path, "a", encoding="utf-8")
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(16)
    conn_no = 0
    while True:
        sock, _ = srv.accept()
        conn_no += 1
        threading.Thread(target=handle, args=(sock, logf, conn_no), daemon=True).start()


if __name__ == "__main__":
    main()
