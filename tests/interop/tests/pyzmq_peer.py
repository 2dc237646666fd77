"""The libzmq peer of ferrozmq's security interop tests (security_pyzmq.rs).

pyzmq's wheels bundle libzmq built with libsodium, so this is a libzmq with
CURVE; the `zmq` crate's vendored libzmq has none. `cargo xtask interop`
installs pyzmq into a virtual environment under target/.

Usage: pyzmq_peer.py key=value ...

  role=server|client   bind (and run a ZAP handler) or connect
  type=REP|REQ|PULL|PUSH
  endpoint=...         to bind or connect
  mechanism=curve|plain
  secret=Z85           CURVE: our long-term secret key (public derived)
  serverkey=Z85        CURVE client: the server's public key
  allow=Z85            CURVE server: the one client key ZAP admits
  user=..., password=... PLAIN: what a client sends, what a server admits
  status=300|400|500   server: the ZAP status of a refusal (400 by default)
  metadata=Name:Value  client: ZMQ_METADATA, sent in its READY/INITIATE
  routing_id=...       client: ZMQ_ROUTING_ID, its READY's Identity
  expect=ok|refused    client: exchange messages, or wait to be refused
                       (a refused client does not reconnect)

Each exchange is the messages of `messages()`: REQ sends each and expects it
echoed; REP echoes; PUSH sends; PULL checks each in order. Prints, one per
line and flushed: `BOUND <endpoint>` once a server listens, `AUTH_FAILED
<status>` for each ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, `PROTOCOL_FAILED
<code>` for each ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL and `NO_DETAIL
<errno>` for each ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, `OK` after a full
exchange (then it exits 0), `ERROR <why>` before exiting 1. Every wait is
bounded by TIMEOUT_MS.
"""

import sys
import threading

import zmq
from zmq.utils import z85
from zmq.utils.monitor import recv_monitor_message

TIMEOUT_MS = 10_000


def messages():
    """What each exchange carries: a short message and 1 MiB with a
    pattern (byte i is i % 251), the same as the Rust side builds."""
    return [b"hello", bytes(i % 251 for i in range(1 << 20))]


def say(line):
    print(line, flush=True)


def fail(why):
    say("ERROR " + why)
    sys.exit(1)


def zap_handler(ctx, opts, ready):
    """An RFC 27 handler as applications write it: REP at
    inproc://zeromq.zap.01, answering 200 to the allowed credentials and
    `status` (400 by default) to anything else."""
    rep = ctx.socket(zmq.REP)
    rep.linger = 0
    rep.bind("inproc://zeromq.zap.01")
    ready.set()
    while True:
        try:
            req = rep.recv_multipart()
        except zmq.ContextTerminated:
            break
        version, request_id, _domain, _address, _identity, mechanism = req[:6]
        creds = req[6:]
        if mechanism == b"CURVE":
            ok = z85.encode(creds[0]).decode() == opts.get("allow")
        elif mechanism == b"PLAIN":
            ok = creds == [opts.get("user", "").encode(), opts.get("password", "").encode()]
        else:
            ok = False
        refusal = opts.get("status", "400").encode()
        status = [b"200", b"OK"] if ok else [refusal, b"refused"]
        user_id = b"py-user" if ok else b""
        rep.send_multipart([version, request_id] + status + [user_id, b""])
    rep.close()


def secure(sock, opts, server):
    if opts["mechanism"] == "curve":
        secret = opts["secret"].encode()
        sock.curve_secretkey = secret
        sock.curve_publickey = zmq.curve_public(secret)
        if server:
            sock.curve_server = True
        else:
            sock.curve_serverkey = opts["serverkey"].encode()
    elif opts["mechanism"] == "plain":
        if server:
            sock.plain_server = True
        else:
            sock.plain_username = opts["user"].encode()
            sock.plain_password = opts["password"].encode()
    else:
        fail("unknown mechanism " + opts["mechanism"])


def watch_auth(monitor, until_refused):
    """Reports handshake failures: ZMQ_EVENT_HANDSHAKE_FAILED_AUTH as
    `AUTH_FAILED <status>`, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL as
    `PROTOCOL_FAILED <code>`, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL (the
    peer closed during the handshake) as `NO_DETAIL <errno>`. Returns
    after the first one when
    `until_refused`, else drains what is queued."""
    names = {
        zmq.EVENT_HANDSHAKE_FAILED_AUTH: "AUTH_FAILED",
        zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: "PROTOCOL_FAILED",
        zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL: "NO_DETAIL",
    }
    while monitor.poll(TIMEOUT_MS if until_refused else 0):
        event = recv_monitor_message(monitor)
        name = names.get(event["event"])
        if name:
            say("%s %d" % (name, event["value"]))
            if until_refused:
                return True
    return False


def exchange(sock, kind, monitor):
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    poller.register(monitor, zmq.POLLIN)

    def recv():
        while True:
            ready = dict(poller.poll(TIMEOUT_MS))
            if not ready:
                fail("timed out waiting for a message")
            if monitor in ready:
                watch_auth(monitor, False)
            if sock in ready:
                return sock.recv_multipart()

    for body in messages():
        if kind == "REQ":
            sock.send(body)
            if recv() != [body]:
                fail("REQ: the reply is not the request")
        elif kind == "REP":
            got = recv()
            if got != [body]:
                fail("REP: unexpected request of %d bytes" % len(got[0]))
            sock.send_multipart(got)
        elif kind == "PUSH":
            sock.send(body)
        elif kind == "PULL":
            if recv() != [body]:
                fail("PULL: unexpected message")
        else:
            fail("unknown type " + kind)


def main():
    opts = dict(arg.split("=", 1) for arg in sys.argv[1:])
    ctx = zmq.Context()
    kind = opts["type"]
    server = opts["role"] == "server"
    if server:
        ready = threading.Event()
        threading.Thread(target=zap_handler, args=(ctx, opts, ready), daemon=True).start()
        ready.wait()
    sock = ctx.socket(getattr(zmq, kind))
    sock.linger = 1000
    sock.rcvtimeo = TIMEOUT_MS
    sock.sndtimeo = TIMEOUT_MS
    secure(sock, opts, server)
    if "routing_id" in opts:
        sock.routing_id = opts["routing_id"].encode()
    if "metadata" in opts:
        # ZMQ_METADATA (libzmq 4.3, draft): properties for our READY or
        # INITIATE; the name must start with X-.
        sock.setsockopt(zmq.METADATA, opts["metadata"].encode())
    if opts.get("expect") == "refused":
        sock.reconnect_ivl = -1
    monitor = sock.get_monitor_socket()
    if server:
        sock.bind(opts["endpoint"])
        say("BOUND " + sock.last_endpoint.decode())
    else:
        sock.connect(opts["endpoint"])
    if opts.get("expect") == "refused":
        if not watch_auth(monitor, True):
            fail("not refused")
    else:
        exchange(sock, kind, monitor)
        say("OK")
    sock.disable_monitor()
    monitor.close(0)
    sock.close()
    ctx.term()


if __name__ == "__main__":
    main()
