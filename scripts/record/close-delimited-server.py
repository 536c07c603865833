#!/usr/bin/env python3
"""A tiny HTTP server whose responses have no Content-Length and no chunking: the body ends
where the server closes the connection (RFC 9112 section 6.3, rule 8).

    close-delimited-server.py HOST PORT READY_FILE COUNT

Serves COUNT connections, one request each, then exits. For a request of version HTTP/1.0
it answers HTTP/1.0, otherwise HTTP/1.1 with Connection: close. The body is 3000 bytes
written in three pieces. Logs one line per request on stdout, its own account:
    METHOD STATUS URI VERSION body_bytes close-delimited
"""
import socket
import sys
import time


def main():
    host, port, ready, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(4)
    open(ready, "w").close()
    for _ in range(count):
        conn, _ = ls.accept()
        head = b""
        while b"\r\n\r\n" not in head:
            data = conn.recv(4096)
            if not data:
                break
            head += data
        line = head.split(b"\r\n", 1)[0].decode("latin-1").split()
        method, uri, version = (line + ["-", "-", "-"])[:3]
        resp_version = "HTTP/1.0" if version == "HTTP/1.0" else "HTTP/1.1"
        hdr = f"{resp_version} 200 OK\r\nContent-Type: text/plain\r\nServer: close-delimited\r\n"
        if resp_version == "HTTP/1.1":
            hdr += "Connection: close\r\n"
        conn.sendall((hdr + "\r\n").encode())
        body = 0
        if method != "HEAD":
            for piece in range(3):
                conn.sendall(bytes([ord("a") + piece]) * 1000)
                body += 1000
                time.sleep(0.02)
        conn.close()
        print(f"{method} 200 {uri} {version} {body} close-delimited", flush=True)


if __name__ == "__main__":
    main()
