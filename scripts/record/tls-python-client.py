#!/usr/bin/python3
"""HTTPS requests from Python's ssl with keylog_filename, for tls-decrypt-record.sh:
  tls-python-client.py KEYLOG HOST PORT SERVERNAME MODE PATH...
MODE: tls13-alpn (TLS 1.3, ALPN http/1.1) or tls12-cbc-mte (TLS 1.2,
ECDHE-RSA-AES128-SHA256, encrypt-then-MAC refused, so the record MAC comes before the
padding; no ALPN, so a reader must find the protocol by content). One connection, the
paths in turn (HTTP/1.1 keep-alive); prints "status path" per response."""
import socket
import ssl
import sys

SSL_OP_NO_ENCRYPT_THEN_MAC = 1 << 19  # OpenSSL's SSL_OP_NO_ENCRYPT_THEN_MAC (3.0)

keylog, host, port, name, mode = sys.argv[1:6]
paths = sys.argv[6:]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.keylog_filename = keylog
if mode == "tls13-alpn":
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_alpn_protocols(["http/1.1"])
elif mode == "tls12-cbc-mte":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE-RSA-AES128-SHA256")
    ctx.options |= SSL_OP_NO_ENCRYPT_THEN_MAC
else:
    sys.exit("unknown mode " + mode)
with socket.create_connection((host, int(port))) as raw:
    with ctx.wrap_socket(raw, server_hostname=name) as s:
        f = s.makefile("rb")
        for p in paths:
            s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: python-ssl\r\n\r\n" % (p, name)).encode())
            status = f.readline().split()[1].decode()
            length = 0
            while True:
                line = f.readline()
                if line in (b"\r\n", b""):
                    break
                k, _, v = line.decode().partition(":")
                if k.lower() == "content-length":
                    length = int(v)
            f.read(length)
            print("python %s %s %s" % (s.version(), status, p))
