#!/usr/bin/python3
"""gRPC over h2c with python3-grpcio, for recording captures/grpc-h2c.pcap without generated
code (messages are raw bytes: generic handlers and serializer-less stubs).

  grpc-calls.py server ADDR:PORT      serves wt.Store/{Get,Put,Delete,Watch} and
                                      wt.Auth/Login until killed
  grpc-calls.py client ADDR:PORT LOG  makes the calls below over one channel (one h2c
                                      connection) and writes one line per call to LOG:
                                      <service/method> <grpc status name>
                                      as the client itself saw it (grpc.StatusCode)

Server behaviour (by request bytes): Get b"missing" -> NOT_FOUND, Get b"" ->
INVALID_ARGUMENT, Get others -> OK; Put -> OK, Put b"forbidden" -> PERMISSION_DENIED;
Delete -> aborted with INTERNAL after the headers were sent (status in trailers); Watch (server
streaming) -> 3 messages then OK; Auth/Login b"bad" -> UNAUTHENTICATED at once (trailers-only
response), else OK. Methods nobody serves -> UNIMPLEMENTED (grpcio's trailers-only answer).
"""
import sys
import time
from concurrent import futures

import grpc


def get(req, ctx):
    if req == b"missing":
        ctx.abort(grpc.StatusCode.NOT_FOUND, "no such key")
    if req == b"":
        ctx.abort(grpc.StatusCode.INVALID_ARGUMENT, "empty key")
    return b"value-of-" + req


def put(req, ctx):
    if req == b"forbidden":
        ctx.abort(grpc.StatusCode.PERMISSION_DENIED, "read-only key")
    return b"stored"


def delete(req, ctx):
    ctx.send_initial_metadata((("x-started", "1"),))
    ctx.abort(grpc.StatusCode.INTERNAL, "disk on fire")


def watch(req, ctx):
    for i in range(3):
        yield b"event-%d" % i


def login(req, ctx):
    if req == b"bad":
        ctx.abort(grpc.StatusCode.UNAUTHENTICATED, "bad credentials")
    return b"token"


def serve(addr):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    store = grpc.method_handlers_generic_handler("wt.Store", {
        "Get": grpc.unary_unary_rpc_method_handler(get),
        "Put": grpc.unary_unary_rpc_method_handler(put),
        "Delete": grpc.unary_unary_rpc_method_handler(delete),
        "Watch": grpc.unary_stream_rpc_method_handler(watch),
    })
    auth = grpc.method_handlers_generic_handler("wt.Auth", {
        "Login": grpc.unary_unary_rpc_method_handler(login),
    })
    server.add_generic_rpc_handlers((store, auth))
    server.add_insecure_port(addr)
    server.start()
    server.wait_for_termination()


CALLS = [
    ("unary", "/wt.Store/Get", b"alpha"),
    ("unary", "/wt.Store/Get", b"beta"),
    ("unary", "/wt.Store/Get", b"missing"),
    ("unary", "/wt.Store/Get", b""),
    ("unary", "/wt.Store/Put", b"alpha"),
    ("unary", "/wt.Store/Put", b"forbidden"),
    ("unary", "/wt.Store/Delete", b"alpha"),
    ("stream", "/wt.Store/Watch", b"alpha"),
    ("unary", "/wt.Auth/Login", b"good"),
    ("unary", "/wt.Auth/Login", b"bad"),
    ("unary", "/wt.Auth/Logout", b"good"),
    ("unary", "/wt.Store/Get", b"gamma"),
]


def client(addr, log_path):
    with grpc.insecure_channel(addr) as ch, open(log_path, "w", encoding="utf-8") as log:
        grpc.channel_ready_future(ch).result(timeout=10)
        for kind, method, req in CALLS:
            code = grpc.StatusCode.OK
            try:
                if kind == "unary":
                    ch.unary_unary(method)(req, timeout=10)
                else:
                    for _ in ch.unary_stream(method)(req, timeout=10):
                        pass
            except grpc.RpcError as e:
                code = e.code()
            log.write("%s %s\n" % (method.lstrip("/"), code.name))
        log.flush()
        time.sleep(0.2)


def main():
    if sys.argv[1] == "server":
        serve(sys.argv[2])
    else:
        client(sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    main()
