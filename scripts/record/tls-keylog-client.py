#!/usr/bin/env python3
"""HTTPS client for scripts/record/https-keylog-record.sh: Python's own ssl module writing
its session keys with keylog_filename (the NSS key log format curl writes too).

    tls-keylog-client.py KEYLOG PORT TLSVERSION CIPHER CONNECTIONS METHOD:PATH...

Opens CONNECTIONS connections one after the other to 127.0.0.1:PORT, the second and later
resuming the first one's session, and sends every METHOD:PATH on each connection
(HTTP/1.1 keep-alive). Prints one line per response, the client's own account:
python VERSION CIPHER METHOD PATH STATUS LOCAL_PORT REUSED(r/.)
"""
import http.client
import socket
import ssl
import sys


def make_context(keylog, version, cipher):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.keylog_filename = keylog
    ctx.set_alpn_protocols(["http/1.1"])
    if version == "1.2":
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(cipher)
    else:
        # TLS 1.3 suites cannot be narrowed through the ssl module; the server chooses
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    return ctx


def main():
    keylog, port, version, cipher, nconn = sys.argv[1:6]
    requests = [r.split(":", 1) for r in sys.argv[6:]]
    ctx = make_context(keylog, version, cipher)
    session = None
    for _ in range(int(nconn)):
        raw = socket.create_connection(("127.0.0.1", int(port)))
        tls = ctx.wrap_socket(raw, server_hostname="www.tlscap.test", session=session)
        conn = http.client.HTTPConnection("www.tlscap.test", int(port))
        conn.sock = tls
        # read before the requests: http.client closes the socket after the last response
        # when the server says Connection: close
        version, cipher_name, local_port = tls.version(), tls.cipher()[0], tls.getsockname()[1]
        reused = "r" if tls.session_reused else "."
        for method, path in requests:
            body = b"python-upload" if method in ("POST", "PUT") else None
            conn.request(method, path, body=body)
            resp = conn.getresponse()
            resp.read()
            print("python", version, cipher_name, method, path, resp.status, local_port, reused,
                  flush=True)
            session = tls.session
        try:
            # a session is resumable only after a clean close_notify; OpenSSL drops it otherwise
            tls.unwrap()
        except (OSError, ValueError):
            pass
        conn.close()


if __name__ == "__main__":
    main()
