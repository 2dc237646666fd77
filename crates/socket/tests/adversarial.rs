//! Bad peers against ferrozmq's sockets: a raw `std::net::TcpStream` that
//! misbehaves (bad greetings, malformed READY, absurd frame sizes, floods,
//! trickles, resets, a subscriber that never reads, a peer that goes silent,
//! routing ids a ROUTER must refuse or ignore, a subscription flood against
//! an XPUB, a subscription 65 000 bytes deep) while a well-behaved ferrozmq
//! peer on the same socket keeps exchanging messages.
//!
//! Each case asserts: the good peer gets exactly its messages (content and
//! count), before and after; the bad connection is closed with a typed
//! error, read from the socket monitor (`Socket::monitor`), and only that
//! one (the monitor sees exactly one `Disconnected` per bad peer); and no
//! allocation is sized by the peer beyond MAXMSGSIZE (the sockets receive
//! into a `Metered` allocator whose largest request is asserted). A panic on
//! an I/O thread would end the good peer's session, so the good rounds at
//! the end of each case would fail. Every wait is bounded; nothing asserts
//! on speed.

#![cfg(not(loom))]

use std::collections::{BTreeMap, VecDeque};
use std::io::{ErrorKind, IoSlice, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrozmq_alloc::{Heap, RecvAllocator};
use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_socket::{
    Context, RoutingId, SendError, SessionError, Socket, SocketEvent, SocketEventKind,
    SocketMonitor, SocketOption, SocketType,
};
use ferrozmq_test_support::Metered;
use ferrozmq_wire::{
    CommandError, Config, Connection, ConnectionError, CurveKeyPair, Event, FrameError,
    GreetingError, HandshakeError, Mechanism, MetadataError, ZmtpVersion,
};

/// Every blocking call and wait in these tests gives up by then.
const WAIT: Duration = Duration::from_secs(20);

fn socket(ctx: &Context, kind: SocketType) -> Socket {
    let s = ctx.socket(kind).unwrap();
    s.set_option(SocketOption::RcvTimeo(Some(WAIT))).unwrap();
    s.set_option(SocketOption::SndTimeo(Some(WAIT))).unwrap();
    // A failed assertion unwinds through the context: it must not wait for
    // a peer that will never read.
    s.set_option(SocketOption::Linger(Some(Duration::ZERO)))
        .unwrap();
    s
}

/// The body of the good peer's message `i`: 100 bytes (not inline, so it
/// goes through the receive allocator), tagged with `i`.
fn good_body(i: u32) -> Vec<u8> {
    let mut body = i.to_le_bytes().to_vec();
    body.extend((0..96).map(|k| (i as u8).wrapping_mul(31).wrapping_add(k)));
    body
}

/// The routing id the good DEALER announces to a ROUTER under attack.
const GOOD_ID: &[u8] = b"good dealer";

/// A bound socket (PULL, REP or ROUTER) under attack, its monitor, and a
/// good peer (PUSH, REQ or a DEALER announcing [`GOOD_ID`]) connected to it.
struct Server {
    _ctx: Context,
    sock: Socket,
    kind: SocketType,
    monitor: SocketMonitor,
    metered: Arc<Metered>,
    endpoint: String,
    addr: SocketAddr,
    good: Socket,
    next: u32,
    seen: Vec<SocketEvent>,
    /// Disconnections read so far (each a bad peer's).
    drops: usize,
}

impl Server {
    /// `kind` bound on tcp loopback with `options`, receiving into a
    /// `Metered` allocator, its monitor attached, and a good peer connected
    /// and checked with one round.
    fn new(kind: SocketType, options: &[SocketOption]) -> Self {
        let ctx = Context::new().unwrap();
        let sock = socket(&ctx, kind);
        for o in options {
            sock.set_option(o.clone()).unwrap();
        }
        let metered = Arc::new(Metered::default());
        sock.set_recv_allocator(metered.clone());
        let monitor = sock.monitor();
        sock.bind("tcp://127.0.0.1:0").unwrap();
        let endpoint = sock.last_endpoint().unwrap().to_string();
        let addr = endpoint.trim_start_matches("tcp://").parse().unwrap();
        let good_kind = match kind {
            SocketType::Pull => SocketType::Push,
            SocketType::Rep => SocketType::Req,
            SocketType::Router => SocketType::Dealer,
            other => panic!("no good peer for {other}"),
        };
        let good = socket(&ctx, good_kind);
        if kind == SocketType::Router {
            good.set_option(SocketOption::RoutingId(Some(
                RoutingId::new(GOOD_ID).unwrap(),
            )))
            .unwrap();
        }
        good.connect(&endpoint).unwrap();
        let mut server = Self {
            _ctx: ctx,
            sock,
            kind,
            monitor,
            metered,
            endpoint,
            addr,
            good,
            next: 0,
            seen: Vec::new(),
            drops: 0,
        };
        server.good_round(10);
        server.wait_for(
            |k| matches!(k, SocketEventKind::HandshakeSucceeded { peer, .. } if *peer == good_kind),
        );
        server
    }

    /// The good peer sends `n` messages (REQ and DEALER: `n` round trips),
    /// and exactly those arrive, in order.
    fn good_round(&mut self, n: u32) {
        for _ in 0..n {
            let i = self.next;
            self.next += 1;
            let msg = Multipart::from([Msg::from_static(b"good"), Msg::from(good_body(i))]);
            self.good.send_multipart(msg).unwrap();
            let mut got = self.sock.recv_multipart().unwrap();
            if self.kind == SocketType::Router {
                assert_eq!(got.len(), 3, "message {i}");
                assert_eq!(&got.remove(0)[..], GOOD_ID, "message {i}");
            }
            assert_eq!(got.len(), 2, "message {i}");
            assert_eq!(&got[0][..], b"good", "message {i}");
            assert_eq!(&got[1][..], &good_body(i)[..], "message {i}");
            let reply = Msg::copy_from_slice(&i.to_le_bytes());
            match self.kind {
                SocketType::Rep => self.sock.send(reply).unwrap(),
                SocketType::Router => self
                    .sock
                    .send_multipart(Multipart::from([Msg::from_static(GOOD_ID), reply]))
                    .unwrap(),
                _ => continue,
            }
            assert_eq!(&self.good.recv().unwrap()[..], &i.to_le_bytes());
        }
    }

    fn next_event(&mut self) -> SocketEvent {
        let event = self
            .monitor
            .recv_timeout(WAIT)
            .unwrap_or_else(|| panic!("no monitor event within {WAIT:?}; seen {:?}", self.seen));
        // Everything here happens on the bound endpoint.
        assert_eq!(event.endpoint.to_string(), self.endpoint, "{event}");
        self.seen.push(event.clone());
        event
    }

    /// Reads events until one matches.
    fn wait_for(&mut self, want: impl Fn(&SocketEventKind) -> bool) -> SocketEvent {
        loop {
            let event = self.next_event();
            if let SocketEventKind::Disconnected(_) = event.kind {
                self.drops += 1;
            }
            if want(&event.kind) {
                return event;
            }
        }
    }

    /// Waits for the next dropped connection and returns why. When it was
    /// dropped during its handshake, checks that `HandshakeFailed` came
    /// first, with the same error.
    fn expect_dropped(&mut self) -> SessionError {
        let before = self.drops;
        let event = self.wait_for(|k| matches!(k, SocketEventKind::Disconnected(_)));
        assert_eq!(self.drops, before + 1, "{:?}", self.seen);
        let SocketEventKind::Disconnected(error) = event.kind else {
            unreachable!()
        };
        // Display names what was wrong.
        assert!(!error.to_string().is_empty());
        error
    }

    /// The error of the `HandshakeFailed` event just before the last
    /// `Disconnected`, if there was one.
    fn handshake_failure(&self) -> Option<&SocketEvent> {
        let n = self.seen.len();
        (n >= 2)
            .then(|| &self.seen[n - 2])
            .filter(|e| matches!(e.kind, SocketEventKind::HandshakeFailed(_)))
    }

    /// As [`expect_dropped`](Self::expect_dropped), for a handshake failure:
    /// checks the `HandshakeFailed` event and its libzmq name.
    fn expect_handshake_failed(&mut self, libzmq: &str) -> SessionError {
        let error = self.expect_dropped();
        let failed = self
            .handshake_failure()
            .unwrap_or_else(|| panic!("no HandshakeFailed before {error}: {:?}", self.seen));
        assert_eq!(failed.kind.libzmq_name(), libzmq, "{failed}");
        assert_eq!(failed.kind.error().unwrap().to_string(), error.to_string());
        error
    }

    /// The good peer carries on; no other connection was dropped; the
    /// monitor lost nothing; nothing larger than `max_alloc` was allocated
    /// for received bodies.
    fn finish(mut self, max_alloc: usize) {
        self.good_round(50);
        while let Some(event) = self.monitor.try_recv() {
            if let SocketEventKind::Disconnected(_) = event.kind {
                self.drops += 1;
            }
            self.seen.push(event);
        }
        let disconnects = self
            .seen
            .iter()
            .filter(|e| matches!(e.kind, SocketEventKind::Disconnected(_)))
            .count();
        assert_eq!(disconnects, self.drops, "{:?}", self.seen);
        assert_eq!(self.monitor.dropped(), 0);
        let largest = self.metered.largest_body();
        assert!(
            largest <= max_alloc,
            "largest allocation {largest} > {max_alloc}"
        );
    }
}

/// The largest allocation the good peer's 100-byte bodies cause (body plus
/// the received message's small header).
const GOOD_ALLOC: usize = 256;

/// A raw tcp connection to `addr`.
fn raw(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, WAIT).unwrap();
    s.set_nodelay(true).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
    s.set_write_timeout(Some(WAIT)).unwrap();
    s
}

/// A ZMTP greeting: signature, version `major.minor`, `mechanism`.
fn greeting(major: u8, minor: u8, mechanism: &[u8]) -> Vec<u8> {
    let mut g = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, major, minor];
    let mut field = [0u8; 20];
    field[..mechanism.len()].copy_from_slice(mechanism);
    g.extend(field);
    g.extend([0u8; 32]);
    assert_eq!(g.len(), 64);
    g
}

/// A frame with `flags` (short or long form chosen by size).
fn frame(flags: u8, body: &[u8]) -> Vec<u8> {
    let mut f = if body.len() <= 255 {
        vec![flags, body.len() as u8]
    } else {
        let mut f = vec![flags | 0x02];
        f.extend((body.len() as u64).to_be_bytes());
        f
    };
    f.extend(body);
    f
}

/// A command frame `name` + `data`.
fn command(name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut body = vec![name.len() as u8];
    body.extend(name);
    body.extend(data);
    frame(0x04, &body)
}

/// A READY property: name, 4-byte length, value.
fn property(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut p = vec![name.len() as u8];
    p.extend(name);
    p.extend((value.len() as u32).to_be_bytes());
    p.extend(value);
    p
}

/// A PING with no TTL and `context`.
fn ping(context: &[u8]) -> Vec<u8> {
    let mut data = vec![0, 0];
    data.extend(context);
    command(b"PING", &data)
}

/// Writes `bytes`; a peer that was already dropped may see the write fail,
/// which these tests allow.
fn write_lossy(stream: &mut TcpStream, bytes: &[u8]) {
    let _ = stream.write_all(bytes);
}

/// Reads until the socket closes the stream (end of stream or reset) and
/// returns what arrived; fails past `WAIT`.
fn wait_closed(stream: &mut TcpStream) -> Vec<u8> {
    let deadline = Instant::now() + WAIT;
    let mut buf = [0u8; 4096];
    let mut got = Vec::new();
    loop {
        assert!(
            Instant::now() < deadline,
            "the socket never closed the stream"
        );
        match stream.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return got,
        }
    }
}

/// A raw peer driven by our own wire layer over a plain `TcpStream`: it
/// completes the NULL handshake properly, then the test makes it misbehave
/// by writing raw bytes, or by going silent.
struct RawPeer {
    stream: TcpStream,
    conn: Connection,
    buf: Vec<u8>,
    /// Message frames read past the end of the message
    /// [`recv_message`](Self::recv_message) returned.
    frames: VecDeque<Msg>,
    /// Events that arrived in the same read as the end of the handshake
    /// (a socket may send a subscription right behind its READY); the
    /// next [`read_once`](Self::read_once) returns them first.
    early: Vec<Event>,
}

/// A wire configuration for a raw peer of type `kind`.
fn raw_config(kind: SocketType) -> Config {
    let heap: Arc<dyn RecvAllocator> = Arc::new(Heap);
    Config::new(kind, heap)
}

impl RawPeer {
    fn new(stream: TcpStream, kind: SocketType) -> Self {
        Self::with_config(stream, raw_config(kind))
    }

    fn with_config(stream: TcpStream, config: Config) -> Self {
        let conn = Connection::new(config, Instant::now()).unwrap();
        Self {
            stream,
            conn,
            buf: vec![0; 64 * 1024],
            frames: VecDeque::new(),
            early: Vec::new(),
        }
    }

    /// Connects to `addr` as `kind` and completes the handshake.
    fn handshaken(addr: SocketAddr, kind: SocketType) -> Self {
        let mut peer = Self::new(raw(addr), kind);
        peer.handshake();
        peer
    }

    fn flush(&mut self) {
        while self.conn.has_transmit() {
            let written = {
                let mut iov = [IoSlice::new(&[]); 16];
                let n = self.conn.poll_transmit(&mut iov);
                self.stream.write_vectored(&iov[..n]).unwrap()
            };
            self.conn.advance(written);
        }
    }

    /// Reads once (up to the read timeout) and feeds the connection;
    /// returns the events, or `None` when the stream closed.
    fn read_once(&mut self) -> Option<Vec<Event>> {
        let n = match self.stream.read(&mut self.buf) {
            Ok(0) => return None,
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => 0,
            Err(_) => return None,
        };
        let mut input = &self.buf[..n];
        let mut events = std::mem::take(&mut self.early);
        loop {
            let progress = self.conn.handle_input(input, Instant::now()).unwrap();
            input = &input[progress.consumed..];
            events.extend(std::iter::from_fn(|| self.conn.poll_event()));
            if input.is_empty() {
                return Some(events);
            }
        }
    }

    fn handshake(&mut self) {
        let deadline = Instant::now() + WAIT;
        loop {
            assert!(Instant::now() < deadline, "no handshake");
            self.flush();
            let mut events = self.read_once().expect("closed during the handshake");
            if let Some(at) = events
                .iter()
                .position(|e| matches!(e, Event::HandshakeComplete(_)))
            {
                self.early = events.split_off(at + 1);
                self.flush();
                return;
            }
        }
    }

    /// The next whole message read so far, if any.
    fn take_message(&mut self) -> Option<Vec<Vec<u8>>> {
        let end = self.frames.iter().position(|f| !f.more())?;
        Some(self.frames.drain(..=end).map(|f| f.to_vec()).collect())
    }

    /// Reads once (unless a whole message is already in) and returns the
    /// next whole message if there is one; fails when the stream closes.
    fn poll_message(&mut self) -> Option<Vec<Vec<u8>>> {
        if let Some(m) = self.take_message() {
            return Some(m);
        }
        self.flush();
        let events = self
            .read_once()
            .expect("closed while waiting for a message");
        self.frames
            .extend(events.into_iter().filter_map(|e| match e {
                Event::Message(frame) => Some(frame),
                _ => None,
            }));
        self.take_message()
    }

    /// Reads until a whole message has arrived and returns its frames;
    /// fails past `WAIT` or when the stream closes.
    fn recv_message(&mut self) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(m) = self.poll_message() {
                return m;
            }
            assert!(Instant::now() < deadline, "no message");
        }
    }

    /// Reads, answering as the wire layer does, until nothing has arrived
    /// for `quiet` (or the stream closed); returns the events.
    fn read_until_quiet(&mut self, quiet: Duration) -> Vec<Event> {
        let deadline = Instant::now() + WAIT;
        let mut last = Instant::now();
        let mut all = Vec::new();
        while last.elapsed() < quiet {
            assert!(Instant::now() < deadline, "the socket never went quiet");
            self.flush();
            match self.read_once() {
                None => break,
                Some(events) if events.is_empty() => {}
                Some(events) => {
                    all.extend(events);
                    last = Instant::now();
                }
            }
        }
        all
    }
}

// ---------------------------------------------------------------------------
// Greetings

#[test]
fn bad_signature_is_refused() {
    let mut s = Server::new(SocketType::Pull, &[]);
    // Not ZMTP at all.
    let mut http = raw(s.addr);
    http.write_all(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n")
        .unwrap();
    let error = s.expect_handshake_failed("ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL");
    assert!(
        matches!(
            error,
            SessionError::Protocol(ConnectionError::Greeting(GreetingError::Zmtp10 {
                offset: 0,
                byte: b'G'
            }))
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("byte 0 is 0x47"), "{error}");
    wait_closed(&mut http);
    s.good_round(10);
    // 0xFF first, but byte 9's low bit clear.
    let mut bad9 = raw(s.addr);
    bad9.write_all(&[0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7E, 3])
        .unwrap();
    let error = s.expect_handshake_failed("ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL");
    assert!(
        matches!(
            error,
            SessionError::Protocol(ConnectionError::Greeting(GreetingError::Zmtp10 {
                offset: 9,
                byte: 0x7E
            }))
        ),
        "{error:?}"
    );
    wait_closed(&mut bad9);
    s.finish(GOOD_ALLOC);
}

#[test]
fn zmtp_2_0_and_1_0_peers_are_refused() {
    let mut s = Server::new(SocketType::Pull, &[]);
    // ZMTP 2.0 (libzmq 3.x): major version 1 at byte 10.
    let mut v2 = raw(s.addr);
    v2.write_all(&greeting(1, 0, b"NULL")).unwrap();
    let error = s.expect_handshake_failed("ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL");
    assert!(
        matches!(
            error,
            SessionError::Protocol(ConnectionError::Greeting(
                GreetingError::UnsupportedVersion { major: 1 }
            ))
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("major version is 1"), "{error}");
    wait_closed(&mut v2);
    // ZMTP 1.0: an identity frame (length 1, flags 0, empty body).
    let mut v1 = raw(s.addr);
    v1.write_all(&[0x01, 0x00]).unwrap();
    let error = s.expect_handshake_failed("ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL");
    assert!(
        matches!(
            error,
            SessionError::Protocol(ConnectionError::Greeting(GreetingError::Zmtp10 {
                offset: 0,
                byte: 1
            }))
        ),
        "{error:?}"
    );
    wait_closed(&mut v1);
    s.finish(GOOD_ALLOC);
}

#[test]
fn unknown_mechanism_is_refused() {
    let mut s = Server::new(SocketType::Pull, &[]);
    let mut peer = raw(s.addr);
    peer.write_all(&greeting(3, 1, b"BLAH")).unwrap();
    let error = s.expect_handshake_failed("ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL");
    let SessionError::Protocol(ConnectionError::Greeting(GreetingError::MechanismMismatch {
        ours,
        peer: theirs,
    })) = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        (ours.trimmed(), theirs.trimmed()),
        (&b"NULL"[..], &b"BLAH"[..])
    );
    assert!(error.to_string().contains("BLAH"), "{error}");
    wait_closed(&mut peer);
    s.finish(GOOD_ALLOC);
}

/// HANDSHAKE_IVL (default 30 s, libzmq's) closes a connection whose
/// greeting stops half way; 500 ms here to keep the test short.
#[test]
fn truncated_greeting_then_silence_times_out() {
    let ivl = Duration::from_millis(500);
    let mut s = Server::new(SocketType::Pull, &[SocketOption::HandshakeIvl(Some(ivl))]);
    let mut peer = raw(s.addr);
    let started = Instant::now();
    peer.write_all(&greeting(3, 1, b"NULL")[..20]).unwrap();
    let error = s.expect_handshake_failed("ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL");
    assert!(started.elapsed() >= ivl - Duration::from_millis(50));
    assert!(
        matches!(
            error,
            SessionError::Protocol(ConnectionError::HandshakeTimeout)
        ),
        "{error:?}"
    );
    wait_closed(&mut peer);
    s.finish(GOOD_ALLOC);
}

/// A peer that trickles its greeting a byte a second (slowloris) holds no
/// one up, and HANDSHAKE_IVL ends it.
#[test]
fn a_peer_trickling_bytes_blocks_no_one() {
    let ivl = Duration::from_millis(1500);
    let mut s = Server::new(SocketType::Pull, &[SocketOption::HandshakeIvl(Some(ivl))]);
    let mut peer = raw(s.addr);
    for &b in &greeting(3, 1, b"NULL")[..3] {
        write_lossy(&mut peer, &[b]);
        // The good peer is served while the bad one dawdles.
        let end = Instant::now() + Duration::from_secs(1);
        while Instant::now() < end {
            s.good_round(5);
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let error = s.expect_handshake_failed("ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL");
    assert!(
        matches!(
            error,
            SessionError::Protocol(ConnectionError::HandshakeTimeout)
        ),
        "{error:?}"
    );
    wait_closed(&mut peer);
    s.finish(GOOD_ALLOC);
}

// ---------------------------------------------------------------------------
// READY

#[test]
fn ready_with_malformed_property_lengths_is_refused() {
    let mut s = Server::new(SocketType::Pull, &[]);
    let socket_type = property(b"Socket-Type", b"PUSH");
    let cases: [(Vec<u8>, MetadataError); 2] = [
        // A name length running past the end of the list.
        (
            [&socket_type[..], &[0xFF, b'X']].concat(),
            MetadataError::NameTruncated {
                offset: socket_type.len(),
                len: 0xFF,
                available: 1,
            },
        ),
        // A value length of 2^32 - 1 with 4 bytes behind it: nothing is
        // allocated for it.
        (
            [&[11][..], b"Socket-Type", &[0xFF; 4], b"PUSH"].concat(),
            MetadataError::ValueTruncated {
                offset: 12,
                len: u32::MAX,
                available: 4,
            },
        ),
    ];
    for (props, want) in cases {
        let mut peer = raw(s.addr);
        peer.write_all(&greeting(3, 1, b"NULL")).unwrap();
        peer.write_all(&command(b"READY", &props)).unwrap();
        let error = s.expect_handshake_failed("ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL");
        match &error {
            SessionError::Protocol(ConnectionError::Handshake(HandshakeError::Malformed(
                CommandError::Metadata { command, error },
            ))) => {
                assert_eq!((*command, error), ("READY", &want));
            }
            other => panic!("{other:?}"),
        }
        assert!(error.to_string().contains("READY"), "{error}");
        wait_closed(&mut peer);
        s.good_round(10);
    }
    s.finish(GOOD_ALLOC);
}

#[test]
fn incompatible_socket_type_is_refused() {
    let mut s = Server::new(SocketType::Rep, &[]);
    let mut peer = raw(s.addr);
    peer.write_all(&greeting(3, 1, b"NULL")).unwrap();
    peer.write_all(&command(b"READY", &property(b"Socket-Type", b"PUB")))
        .unwrap();
    let error = s.expect_handshake_failed("ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL");
    assert!(
        matches!(
            error,
            SessionError::Protocol(ConnectionError::Handshake(
                HandshakeError::IncompatibleSocketType {
                    ours: SocketType::Rep,
                    peer: SocketType::Pub
                }
            ))
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("REP socket cannot talk to a PUB"),
        "{error}"
    );
    // The peer was told why before the close (RFC 37 §The Socket-Type
    // Property: "returning an ERROR command, and then disconnecting"), after
    // our greeting and READY.
    let got = wait_closed(&mut peer);
    let error_command = command(b"ERROR", b"\x18incompatible socket type");
    assert!(
        got.ends_with(&error_command),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    s.finish(GOOD_ALLOC);
}

// ---------------------------------------------------------------------------
// Frames

/// A long frame header announcing `size`.
fn long_header(size: u64) -> Vec<u8> {
    let mut h = vec![0x02];
    h.extend(size.to_be_bytes());
    h
}

fn assert_frame_error(error: &SessionError, want: impl Fn(&FrameError) -> bool) {
    match error {
        SessionError::Protocol(ConnectionError::Frame(e)) if want(e) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn frame_of_2_pow_63_is_refused_without_allocating() {
    for max in [None, Some(1 << 20)] {
        let mut s = Server::new(SocketType::Pull, &[SocketOption::MaxMsgSize(max)]);
        for size in [1u64 << 63, u64::MAX] {
            let mut peer = RawPeer::handshaken(s.addr, SocketType::Push);
            peer.stream.write_all(&long_header(size)).unwrap();
            let error = s.expect_dropped();
            assert_frame_error(
                &error,
                |e| matches!(e, FrameError::InvalidSize { size: got, .. } if *got == size),
            );
            assert!(
                error.to_string().contains("not a valid frame size"),
                "{error}"
            );
            wait_closed(&mut peer.stream);
            s.good_round(10);
        }
        s.finish(GOOD_ALLOC);
    }
}

#[test]
fn frame_over_maxmsgsize_is_refused_before_allocating() {
    let max = 1000u64;
    let mut s = Server::new(SocketType::Pull, &[SocketOption::MaxMsgSize(Some(max))]);
    // At the limit is fine.
    let mut at_limit = RawPeer::handshaken(s.addr, SocketType::Push);
    at_limit.stream.write_all(&frame(0, &[7u8; 1000])).unwrap();
    let got = s.sock.recv().unwrap();
    assert_eq!(&got[..], &[7u8; 1000][..]);
    for size in [max + 1, (1 << 63) - 1] {
        let mut peer = RawPeer::handshaken(s.addr, SocketType::Push);
        let mut bytes = long_header(size);
        bytes.extend([1u8; 64]);
        peer.stream.write_all(&bytes).unwrap();
        let error = s.expect_dropped();
        assert_frame_error(&error, |e| {
            matches!(e, FrameError::TooLarge { size: got, max: m, command: false, .. }
                if *got == size && *m == max)
        });
        assert!(
            error
                .to_string()
                .contains(&format!("exceeds the maximum of {max}")),
            "{error}"
        );
        wait_closed(&mut peer.stream);
        s.good_round(10);
    }
    drop(at_limit);
    s.expect_dropped();
    s.finish(1100);
}

#[test]
fn command_inside_a_multipart_message_is_refused() {
    let mut s = Server::new(SocketType::Pull, &[]);
    let mut peer = RawPeer::handshaken(s.addr, SocketType::Push);
    let mut bytes = frame(0x01, b"first part");
    bytes.extend(ping(b""));
    bytes.extend(frame(0, b"last part"));
    peer.stream.write_all(&bytes).unwrap();
    let error = s.expect_dropped();
    assert_frame_error(&error, |e| {
        matches!(e, FrameError::CommandInsideMessage { .. })
    });
    assert!(error.to_string().contains("multi-part"), "{error}");
    wait_closed(&mut peer.stream);
    // The half message was never delivered: only the good peer's arrive.
    s.finish(GOOD_ALLOC);
}

#[test]
fn garbage_after_a_valid_handshake_is_refused() {
    let mut s = Server::new(SocketType::Pull, &[]);
    // A command whose name length (255) runs past its 6-byte body.
    let mut peer = RawPeer::handshaken(s.addr, SocketType::Push);
    peer.stream.write_all(b"\x04\x06\xffjunk!").unwrap();
    let error = s.expect_dropped();
    assert!(
        matches!(
            error,
            SessionError::Protocol(ConnectionError::Command(CommandError::NameTruncated {
                len: 255,
                available: 5
            }))
        ),
        "{error:?}"
    );
    wait_closed(&mut peer.stream);
    // Text: 'G' (0x47) reads as a command frame with MORE set.
    let mut peer = RawPeer::handshaken(s.addr, SocketType::Push);
    peer.stream
        .write_all(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n")
        .unwrap();
    let error = s.expect_dropped();
    assert_frame_error(&error, |e| {
        matches!(e, FrameError::CommandWithMore { flags: 0x47, .. })
    });
    wait_closed(&mut peer.stream);
    s.finish(GOOD_ALLOC);
}

/// Closes `stream` with SO_LINGER 0: the peer gets a reset, not a FIN.
fn reset(stream: TcpStream) {
    socket2::SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(stream);
}

#[test]
fn a_reset_mid_frame_frees_the_partial_body() {
    let mut s = Server::new(SocketType::Pull, &[]);
    // Received good bodies are all dropped by now.
    assert_eq!(s.metered.live_bodies(), 0);
    let mut peer = RawPeer::handshaken(s.addr, SocketType::Push);
    let mut bytes = long_header(100_000);
    bytes.extend([5u8; 1000]);
    peer.stream.write_all(&bytes).unwrap();
    // Until the session has allocated the body and read into it.
    let deadline = Instant::now() + WAIT;
    while s.metered.largest_body() < 100_000 {
        assert!(Instant::now() < deadline, "the body was never allocated");
        std::thread::sleep(Duration::from_millis(2));
    }
    reset(peer.stream);
    let error = s.expect_dropped();
    match &error {
        SessionError::Io(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
        // The reset may be read as an end of stream on some kernels.
        SessionError::PeerClosed => {}
        other => panic!("{other:?}"),
    }
    // The partial body went back to the allocator.
    assert_eq!(s.metered.live_bodies(), 0);
    // And a reset after the first part of a message delivers nothing of it.
    let mut peer = RawPeer::handshaken(s.addr, SocketType::Push);
    peer.stream.write_all(&frame(0x01, b"half")).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    reset(peer.stream);
    s.expect_dropped();
    s.finish(100_000 + GOOD_ALLOC);
}

/// `len` bytes of a pattern that differs with `seed`.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|k| {
            (k as u8)
                .wrapping_mul(7)
                .wrapping_add(seed ^ (k >> 12) as u8)
        })
        .collect()
}

/// A peer that sends large frames in pieces with pauses between them (a
/// slow link, or a sender that writes as it produces): every frame arrives
/// whole and in order, and a small frame sent alone after a large one is
/// not held back. Once the peer has shown it streams (bytes right behind
/// a large body: the small frame after the first one here), the session
/// raises the tcp socket's receive low-water mark while it waits for the
/// rest of a large body; were it left above what the peer still owes,
/// these reads would wait forever.
#[test]
fn large_frames_sent_in_pieces_arrive_whole() {
    let ctx = Context::new().unwrap();
    let pull = socket(&ctx, SocketType::Pull);
    pull.bind("tcp://127.0.0.1:0").unwrap();
    let endpoint = pull.last_endpoint().unwrap().to_string();
    let addr = endpoint.trim_start_matches("tcp://").parse().unwrap();
    let mut peer = RawPeer::handshaken(addr, SocketType::Push);
    let pause = || std::thread::sleep(Duration::from_millis(50));
    let recv = |what: &str| -> Vec<Vec<u8>> {
        frames(
            &pull
                .recv_multipart()
                .unwrap_or_else(|e| panic!("{what}: {e}")),
        )
    };

    // A 3 MiB body: a first piece, the rest but 10 bytes, then the last
    // 10 bytes with a small frame right behind them.
    let big = pattern(3 << 20, 1);
    let bytes = frame(0, &big);
    peer.stream.write_all(&bytes[..100 << 10]).unwrap();
    pause();
    peer.stream
        .write_all(&bytes[100 << 10..bytes.len() - 10])
        .unwrap();
    pause();
    let mut tail = bytes[bytes.len() - 10..].to_vec();
    tail.extend(frame(0, b"tiny"));
    peer.stream.write_all(&tail).unwrap();
    assert!(recv("3 MiB") == [big], "the 3 MiB body differs");
    assert_eq!(recv("tiny"), [b"tiny".to_vec()]);

    // A 600 KiB frame, then after a pause one byte alone.
    let mid = pattern(600 << 10, 2);
    peer.stream.write_all(&frame(0, &mid)).unwrap();
    assert!(recv("600 KiB") == [mid], "the 600 KiB body differs");
    pause();
    peer.stream.write_all(&frame(0, b"1")).unwrap();
    assert_eq!(recv("one byte"), [b"1".to_vec()]);

    // Two parts, each split with a pause inside its body.
    let (a, b) = (pattern(400 << 10, 3), pattern(1 << 20, 4));
    let mut bytes = frame(0x01, &a);
    bytes.extend(frame(0, &b));
    let cuts = [300 << 10, (400 << 10) + 9 + (500 << 10), bytes.len()];
    let mut at = 0;
    for cut in cuts {
        peer.stream.write_all(&bytes[at..cut]).unwrap();
        at = cut;
        pause();
    }
    assert!(recv("two parts") == [a, b], "the two parts differ");

    // 16 MiB in one write from another thread: more than the socket
    // buffers, so the low-water mark is capped below what is missing.
    let huge = pattern(16 << 20, 5);
    let mut stream = peer.stream.try_clone().unwrap();
    let writer = {
        let bytes = frame(0, &huge);
        std::thread::spawn(move || {
            stream.write_all(&bytes).unwrap();
            stream.write_all(&frame(0, b"after")).unwrap();
        })
    };
    assert!(recv("16 MiB") == [huge], "the 16 MiB body differs");
    assert_eq!(recv("after"), [b"after".to_vec()]);
    writer.join().unwrap();
}

// ---------------------------------------------------------------------------
// ROUTER identities (RFC 28 §The ROUTER Socket Type; RFC 37 §The Identity
// Property)

/// The largest allocation a ROUTER case causes: the good peer's bodies and
/// the raw peers' READY commands, which carry their ids.
const ROUTER_ALLOC: usize = 1024;

/// A raw DEALER announcing `id` in its READY (an empty `Identity` when `id`
/// is empty, as libzmq's DEALER sends it), handshaken.
fn raw_dealer(addr: SocketAddr, id: &[u8]) -> RawPeer {
    let mut config = raw_config(SocketType::Dealer);
    config.identity = id.to_vec();
    let mut peer = RawPeer::with_config(raw(addr), config);
    peer.handshake();
    peer
}

/// Writes the message `parts` as raw frames.
fn write_message(stream: &mut TcpStream, parts: &[&[u8]]) {
    let mut bytes = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let more = u8::from(i + 1 < parts.len());
        bytes.extend(frame(more, part));
    }
    stream.write_all(&bytes).unwrap();
}

fn frames(m: &Multipart) -> Vec<Vec<u8>> {
    m.iter().map(|f| f.to_vec()).collect()
}

/// `parts` as owned frames, to compare with [`frames`].
fn owned(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// Sends `parts` from a ROUTER: the first frame is the routing id.
fn route(router: &Socket, parts: &[&[u8]]) -> Result<(), SendError<Multipart>> {
    router.send_multipart(
        parts
            .iter()
            .map(|p| Msg::copy_from_slice(p))
            .collect::<Multipart>(),
    )
}

/// The messages `peer` receives before it has been quiet for `quiet`.
fn messages_until_quiet(peer: &mut RawPeer, quiet: Duration) -> usize {
    peer.read_until_quiet(quiet)
        .iter()
        .filter(|e| matches!(e, Event::Message(m) if !m.more()))
        .count()
}

impl Server {
    /// Asserts that no connection was dropped since the last look.
    fn assert_no_drop(&mut self) {
        while let Some(event) = self.monitor.try_recv() {
            assert!(
                !matches!(event.kind, SocketEventKind::Disconnected(_)),
                "{event}"
            );
            self.seen.push(event);
        }
    }

    /// Asserts that the socket has nothing to deliver, looking for `quiet`.
    fn assert_nothing_received(&self, quiet: Duration) {
        let until = Instant::now() + quiet;
        while Instant::now() < until {
            if let Ok(m) = self.sock.try_recv_multipart() {
                panic!("unexpected message {:?}", frames(&m));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// The longest routing id a peer may announce, 255 bytes, is accepted: the
/// ROUTER hands it over byte for byte as the first frame and routes by it.
#[test]
fn router_routes_by_a_255_byte_routing_id() {
    let mut s = Server::new(SocketType::Router, &[]);
    // 255 bytes, every value but 0 once, then a 0 in the middle (only a
    // leading 0 is reserved for generated ids).
    let mut id: Vec<u8> = (1..=255).rev().collect();
    id[100] = 0;
    assert_eq!(id.len(), 255);
    let mut peer = raw_dealer(s.addr, &id);
    write_message(&mut peer.stream, &[b"from the long id", &[0xEE; 200]]);
    let got = s.sock.recv_multipart().unwrap();
    assert_eq!(
        frames(&got),
        owned(&[&id, b"from the long id", &[0xEE; 200]])
    );
    s.good_round(5);
    // Routed by the id as received, and by the same bytes built afresh.
    route(&s.sock, &[&got[0], b"by the received id"]).unwrap();
    for i in 0..10u8 {
        route(&s.sock, &[&id, b"reply", &[i; 40]]).unwrap();
    }
    assert_eq!(peer.recv_message(), owned(&[b"by the received id"]));
    for i in 0..10u8 {
        assert_eq!(peer.recv_message(), owned(&[b"reply", &[i; 40]]));
    }
    // A prefix of the id, or the id and one byte more, is no match.
    s.sock
        .set_option(SocketOption::RouterMandatory(true))
        .unwrap();
    let longer = [&id[..], b"!"].concat();
    for other in [&id[..254], &longer[..]] {
        let err = route(&s.sock, &[other, b"x"]).unwrap_err();
        assert!(matches!(err, SendError::HostUnreachable(_)), "{err:?}");
    }
    assert_eq!(
        messages_until_quiet(&mut peer, Duration::from_millis(200)),
        0
    );
    s.assert_no_drop();
    s.finish(ROUTER_ALLOC);
}

/// An `Identity` longer than 255 bytes breaks RFC 37 §The Identity
/// Property (0 to 255 octets, as libzmq's ZMQ_ROUTING_ID): the handshake
/// fails with a typed error, the peer is told why with ERROR (RFC 37
/// §Error Handling) and closed; the good peer is served throughout.
#[test]
fn router_refuses_a_routing_id_over_255_bytes() {
    let mut s = Server::new(SocketType::Router, &[]);
    for len in [256usize, 4096] {
        let mut peer = raw(s.addr);
        peer.write_all(&greeting(3, 1, b"NULL")).unwrap();
        let props = [
            property(b"Socket-Type", b"DEALER"),
            property(b"Identity", &vec![b'L'; len]),
        ]
        .concat();
        peer.write_all(&command(b"READY", &props)).unwrap();
        let error = s.expect_handshake_failed("ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL");
        assert!(
            matches!(
                error,
                SessionError::Protocol(ConnectionError::Handshake(
                    HandshakeError::IdentityTooLong { len: got }
                )) if got == len
            ),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .contains(&format!("identity of {len} bytes")),
            "{error}"
        );
        let got = wait_closed(&mut peer);
        let error_command = command(b"ERROR", b"\x10invalid identity");
        assert!(
            got.ends_with(&error_command),
            "{:?}",
            String::from_utf8_lossy(&got)
        );
        s.good_round(10);
    }
    s.finish(4096 + ROUTER_ALLOC);
}

/// An `Identity` present but empty asks the ROUTER to generate one (libzmq
/// `router_t::identify_peer`): 5 bytes, `0x00` then a 32-bit counter, a
/// different one per peer, each routing to its own peer.
#[test]
fn router_generates_an_id_for_an_empty_identity() {
    let mut s = Server::new(SocketType::Router, &[]);
    let mut peers = [raw_dealer(s.addr, b""), raw_dealer(s.addr, b"")];
    let mut ids = Vec::new();
    for (k, peer) in peers.iter_mut().enumerate() {
        let body = format!("anonymous {k}");
        write_message(&mut peer.stream, &[body.as_bytes()]);
        let got = s.sock.recv_multipart().unwrap();
        assert_eq!(got.len(), 2, "{:?}", frames(&got));
        assert_eq!(&got[1][..], body.as_bytes());
        let id = got[0].to_vec();
        assert_eq!((id.len(), id[0]), (5, 0), "{id:?}");
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
    for round in 0..3 {
        for (k, id) in ids.iter().enumerate() {
            route(&s.sock, &[id, format!("to {k}, {round}").as_bytes()]).unwrap();
        }
        for (k, peer) in peers.iter_mut().enumerate() {
            assert_eq!(
                peer.recv_message(),
                [format!("to {k}, {round}").into_bytes()]
            );
        }
    }
    s.good_round(5);
    s.assert_no_drop();
    s.finish(ROUTER_ALLOC);
}

/// A second peer announcing the routing id of a live one is ignored, as
/// libzmq's ROUTER does without ROUTER_HANDOVER: none of its messages is
/// delivered and nothing is routed to it, while the first peer keeps the id
/// and its traffic. Its connection stays open (libzmq does not close it
/// either). Once the first peer is gone, a new peer with the id takes it.
#[test]
fn router_ignores_a_second_peer_announcing_a_live_routing_id() {
    let dealer = SocketType::Dealer;
    let mut s = Server::new(SocketType::Router, &[]);
    let mut first = raw_dealer(s.addr, b"twin");
    write_message(&mut first.stream, &[b"first 0"]);
    assert_eq!(
        frames(&s.sock.recv_multipart().unwrap()),
        owned(&[b"twin", b"first 0"])
    );
    let mut second = raw_dealer(s.addr, b"twin");
    for _ in 0..2 {
        s.wait_for(
            |k| matches!(k, SocketEventKind::HandshakeSucceeded { peer, .. } if *peer == dealer),
        );
    }
    for k in 0..20 {
        write_message(&mut second.stream, &[format!("second {k}").as_bytes()]);
    }
    for k in 1..=20 {
        write_message(&mut first.stream, &[format!("first {k}").as_bytes()]);
    }
    // The first peer's messages, all and in order; none of the second's.
    for k in 1..=20 {
        assert_eq!(
            frames(&s.sock.recv_multipart().unwrap()),
            [b"twin".to_vec(), format!("first {k}").into_bytes()]
        );
    }
    s.good_round(10);
    s.assert_nothing_received(Duration::from_millis(300));
    // Everything routed to the id reaches the first peer, nothing the second.
    for k in 0..20 {
        route(&s.sock, &[b"twin", format!("to twin {k}").as_bytes()]).unwrap();
    }
    for k in 0..20 {
        assert_eq!(first.recv_message(), [format!("to twin {k}").into_bytes()]);
    }
    assert_eq!(
        messages_until_quiet(&mut second, Duration::from_millis(300)),
        0
    );
    s.assert_no_drop();
    // The holder goes: a restarted peer with the id takes it over; the
    // ignored one still gets nothing and delivers nothing.
    drop(first);
    s.expect_dropped();
    let mut third = raw_dealer(s.addr, b"twin");
    write_message(&mut third.stream, &[b"third 0"]);
    assert_eq!(
        frames(&s.sock.recv_multipart().unwrap()),
        owned(&[b"twin", b"third 0"])
    );
    route(&s.sock, &[b"twin", b"to the third"]).unwrap();
    assert_eq!(third.recv_message(), owned(&[b"to the third"]));
    assert_eq!(
        messages_until_quiet(&mut second, Duration::from_millis(300)),
        0
    );
    s.assert_nothing_received(Duration::from_millis(100));
    s.good_round(10);
    s.assert_no_drop();
    drop((second, third));
    s.expect_dropped();
    s.expect_dropped();
    s.finish(ROUTER_ALLOC);
}

/// A message routed to an id no peer ever had is dropped without a trace
/// (libzmq's default); with ROUTER_MANDATORY the send fails with
/// `HostUnreachable` (EHOSTUNREACH) and hands the message back whole, id
/// frame included.
#[test]
fn router_drops_a_message_for_an_unknown_id_unless_mandatory() {
    let mut s = Server::new(SocketType::Router, &[]);
    let mut peer = raw_dealer(s.addr, b"known");
    write_message(&mut peer.stream, &[b"hello"]);
    assert_eq!(
        frames(&s.sock.recv_multipart().unwrap()),
        owned(&[b"known", b"hello"])
    );
    // Never issued, though shaped like a generated id; a prefix of a live
    // id; one byte more than it.
    let unknown: [&[u8]; 4] = [b"nobody", b"\x00\x00\x00\x00\x01", b"know", b"known!"];
    for id in unknown {
        route(&s.sock, &[id, b"lost", b"in two parts"]).unwrap();
    }
    route(&s.sock, &[b"known", b"after"]).unwrap();
    // The first thing the peer gets is the message for it.
    assert_eq!(peer.recv_message(), owned(&[b"after"]));
    // The good DEALER receives only its own replies (checked byte for byte).
    s.good_round(10);
    s.sock
        .set_option(SocketOption::RouterMandatory(true))
        .unwrap();
    let body = [7u8; 1000];
    for id in unknown {
        let parts: [&[u8]; 3] = [id, b"refused", &body];
        let err = route(&s.sock, &parts).unwrap_err();
        assert_eq!(err.errno_name(), "EHOSTUNREACH");
        let SendError::HostUnreachable(back) = err else {
            panic!("{err:?}")
        };
        assert_eq!(frames(&back), owned(&parts));
        // The non-blocking send says the same.
        let msg: Multipart = parts.iter().map(|p| Msg::copy_from_slice(p)).collect();
        match s.sock.try_send_multipart(msg) {
            Err(SendError::HostUnreachable(back)) => assert_eq!(frames(&back), owned(&parts)),
            other => panic!("{other:?}"),
        }
    }
    route(&s.sock, &[b"known", b"still routed"]).unwrap();
    assert_eq!(peer.recv_message(), owned(&[b"still routed"]));
    assert_eq!(
        messages_until_quiet(&mut peer, Duration::from_millis(200)),
        0
    );
    s.good_round(10);
    s.assert_no_drop();
    s.finish(ROUTER_ALLOC);
}

// ---------------------------------------------------------------------------
// Floods and peers that do not read

/// PINGs flood in and the peer never reads our PONGs: at most one PONG
/// waits at a time (libzmq keeps one too), so our output does not grow with
/// the flood; the connection stays up and the good peer is served.
#[test]
fn a_ping_flood_is_answered_with_bounded_output() {
    const PINGS: usize = 200_000;
    let mut s = Server::new(SocketType::Pull, &[]);
    let mut peer = RawPeer::handshaken(s.addr, SocketType::Push);
    let mut flood = Vec::with_capacity(PINGS * 13);
    for i in 0..PINGS as u32 {
        flood.extend(ping(&i.to_be_bytes()));
    }
    let mut writer = peer.stream.try_clone().unwrap();
    std::thread::scope(|scope| {
        scope.spawn(move || writer.write_all(&flood).unwrap());
        s.good_round(200);
    });
    // The connection is alive: a message after the flood arrives.
    peer.stream
        .write_all(&frame(0, b"after the flood"))
        .unwrap();
    assert_eq!(&s.sock.recv().unwrap()[..], b"after the flood");
    // What we wrote back: a few PONGs, not one per PING (each read of up to
    // 64 KiB of PINGs is answered by one PONG, with the latest context).
    let events = peer.read_until_quiet(Duration::from_millis(300));
    let pongs = events
        .iter()
        .filter(|e| matches!(e, Event::Pong { .. }))
        .count();
    assert!(
        (1..=PINGS / 10).contains(&pongs),
        "{pongs} PONGs for {PINGS} PINGs"
    );
    s.finish(GOOD_ALLOC);
}

/// A subscriber that never reads: PUB drops at its HWM and never blocks; the
/// good subscriber still receives; what the bad one holds is bounded by the
/// HWM (plus the kernel's socket buffers), not by what was published.
#[test]
fn a_subscriber_that_never_reads_costs_bounded_memory() {
    const SENT: u32 = 200_000;
    let ctx = Context::new().unwrap();
    let publisher = socket(&ctx, SocketType::Pub);
    let mut monitor = publisher.monitor();
    publisher.bind("tcp://127.0.0.1:0").unwrap();
    let endpoint = publisher.last_endpoint().unwrap().to_string();
    let addr: SocketAddr = endpoint.trim_start_matches("tcp://").parse().unwrap();
    let good = socket(&ctx, SocketType::Sub);
    good.subscribe(b"").unwrap();
    good.connect(&endpoint).unwrap();
    let mut bad = RawPeer::handshaken(addr, SocketType::Sub);
    bad.conn.send_subscription(true, b"").unwrap();
    bad.flush();
    // Until both subscriptions are in.
    let deadline = Instant::now() + WAIT;
    let (mut good_in, mut bad_in) = (false, false);
    while !(good_in && bad_in) {
        assert!(Instant::now() < deadline, "subscriptions never arrived");
        publisher.send(Msg::from_static(b"sync")).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        good_in |= good.try_recv().is_ok();
        bad_in |= bad
            .read_once()
            .unwrap()
            .iter()
            .any(|e| matches!(e, Event::Message(_)));
    }
    while good.try_recv().is_ok() {}
    // From here on the bad subscriber reads nothing.
    let body = vec![0xAB; 1024];
    std::thread::scope(|scope| {
        let received = scope.spawn(|| {
            let mut last = None;
            let mut count = 0u32;
            loop {
                let m = good.recv_multipart().unwrap();
                if &m[0][..] == b"end" {
                    return count;
                }
                if &m[0][..] == b"sync" {
                    continue;
                }
                let i = u32::from_le_bytes(m[0][..4].try_into().unwrap());
                assert!(last.is_none_or(|l| i > l), "{i} after {last:?}");
                assert_eq!(&m[1][..], &body[..]);
                last = Some(i);
                count += 1;
            }
        });
        for i in 0..SENT {
            let msg = Multipart::from([
                Msg::copy_from_slice(&i.to_le_bytes()),
                Msg::from(body.clone()),
            ]);
            // PUB never blocks: at the HWM the message is dropped for that
            // peer.
            publisher.try_send_multipart(msg).unwrap();
        }
        let deadline = Instant::now() + WAIT;
        while !received.is_finished() {
            assert!(
                Instant::now() < deadline,
                "the good subscriber never got the end"
            );
            publisher.send(Msg::from_static(b"end")).unwrap();
            std::thread::sleep(Duration::from_millis(5));
        }
        let count = received.join().unwrap();
        assert!(count > 0);
    });
    // Now the bad subscriber reads what was kept for it.
    let kept = bad
        .read_until_quiet(Duration::from_millis(500))
        .iter()
        .filter(|e| matches!(e, Event::Message(m) if !m.more()))
        .count();
    assert!(
        kept < (SENT / 4) as usize,
        "{kept} of {SENT} messages were kept for a peer that did not read"
    );
    while let Some(event) = monitor.try_recv() {
        assert!(
            !matches!(event.kind, SocketEventKind::Disconnected(_)),
            "{event}"
        );
    }
}

/// How many subscriptions the flood sends, and how many distinct topics
/// they name (each subscribed again and again).
const FLOOD: usize = 100_000;
const FLOOD_TOPICS: usize = 100;

/// Flood topic `k`: 100 bytes, so that the flood (~11 MB) is far beyond
/// what the kernel's socket buffers take from a reader that stops early
/// (a few hundred KiB here): only a queue of ours could swallow it all.
fn flood_topic(k: usize) -> Vec<u8> {
    let mut topic = format!("flood {k:03} ").into_bytes();
    topic.resize(100, b'~');
    topic
}

/// The topic the flood ends with.
const FLOOD_END: &[u8] = b"flood end";

/// How subscriptions travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubscriptionForm {
    /// SUBSCRIBE commands from a ZMTP 3.1 peer (RFC 37 §The Publish-Subscribe Pattern).
    Command,
    /// `0x01` + topic messages from a ZMTP 3.0 peer (RFC 23).
    Message,
}

/// One raw peer floods a PUB or XPUB with 100 000 subscriptions to 100
/// distinct topics while a good SUB is served:
///
/// - while the application does not touch the socket, the flood stalls
///   (the peer's writes stop being taken well before its end): what the
///   peer sent waits in its pipe up to the HWM and then in the kernel, not
///   in a queue of ours that grows with the flood;
/// - the good subscriber then receives every message published to it, in
///   order, while the flood drains;
/// - an XPUB's application receives each distinct topic once (libzmq
///   `xpub_t`: only a topic's first subscription is passed on), and
///   nothing else;
/// - the flood peer's subscriptions took effect and it stays connected.
fn subscription_flood(kind: SocketType, form: SubscriptionForm) {
    let ctx = Context::new().unwrap();
    let publisher = socket(&ctx, kind);
    publisher.set_option(SocketOption::RcvHwm(100)).unwrap();
    let mut monitor = publisher.monitor();
    publisher.bind("tcp://127.0.0.1:0").unwrap();
    let endpoint = publisher.last_endpoint().unwrap().to_string();
    let addr: SocketAddr = endpoint.trim_start_matches("tcp://").parse().unwrap();
    let good = socket(&ctx, SocketType::Sub);
    good.subscribe(b"good").unwrap();
    good.connect(&endpoint).unwrap();
    // Until the good subscription is in: sync messages until one arrives,
    // then every one sent after it (the earlier ones were dropped for want
    // of a subscriber).
    let mut sent = 0u32;
    let deadline = Instant::now() + WAIT;
    let first = loop {
        assert!(
            Instant::now() < deadline,
            "the good subscriber never joined"
        );
        let sync = Multipart::from([
            Msg::from_static(b"good sync"),
            Msg::copy_from_slice(&sent.to_le_bytes()),
        ]);
        publisher.send_multipart(sync).unwrap();
        sent += 1;
        std::thread::sleep(Duration::from_millis(5));
        if let Ok(m) = good.try_recv_multipart() {
            assert_eq!(&m[0][..], b"good sync");
            break u32::from_le_bytes(m[1][..].try_into().unwrap());
        }
    };
    for k in first + 1..sent {
        let m = good.recv_multipart().unwrap();
        assert_eq!(frames(&m), owned(&[b"good sync", &k.to_le_bytes()]));
    }
    // From here on every message to the good subscriber must arrive, in
    // order: `good_round` publishes the next one and checks it.
    let mut next = 0u32;
    let mut good_round = |publisher: &Socket| {
        let msg = Multipart::from([
            Msg::from_static(b"good"),
            Msg::copy_from_slice(&next.to_le_bytes()),
        ]);
        publisher.send_multipart(msg).unwrap();
        let m = good.recv_multipart().unwrap();
        assert_eq!(frames(&m), owned(&[b"good", &next.to_le_bytes()]));
        next += 1;
    };
    good_round(&publisher);
    let mut notices: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
    let mut take_notices = |publisher: &Socket| {
        if kind == SocketType::XPub {
            while let Ok(m) = publisher.try_recv_multipart() {
                assert_eq!(m.len(), 1, "{:?}", frames(&m));
                *notices.entry(m[0].to_vec()).or_default() += 1;
            }
        }
    };
    take_notices(&publisher);

    let mut config = raw_config(SocketType::Sub);
    if form == SubscriptionForm::Message {
        config.version = ZmtpVersion::V3_0;
    }
    let mut flood = RawPeer::with_config(raw(addr), config);
    flood.handshake();
    let subscription = |topic: &[u8]| match form {
        SubscriptionForm::Command => command(b"SUBSCRIBE", topic),
        SubscriptionForm::Message => frame(0, &[&[1u8][..], topic].concat()),
    };
    let topics: Vec<Vec<u8>> = (0..FLOOD_TOPICS).map(flood_topic).collect();
    let mut bytes = Vec::new();
    for i in 0..FLOOD {
        bytes.extend(subscription(&topics[i % FLOOD_TOPICS]));
    }
    bytes.extend(subscription(FLOOD_END));
    let total = bytes.len();
    socket2::SockRef::from(&flood.stream)
        .set_send_buffer_size(64 * 1024)
        .unwrap();
    let mut writer = flood.stream.try_clone().unwrap();
    // A write that takes nothing for this long has stalled.
    writer
        .set_write_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let (stalled_tx, stalled_rx) = std::sync::mpsc::channel();
    let flooder = std::thread::spawn(move || {
        let deadline = Instant::now() + WAIT * 6;
        let mut written = 0;
        let mut stalled = Some(stalled_tx);
        while written < bytes.len() {
            assert!(Instant::now() < deadline, "the flood never got through");
            let end = bytes.len().min(written + 64 * 1024);
            match writer.write(&bytes[written..end]) {
                Ok(n) => written += n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if let Some(tx) = stalled.take() {
                        tx.send(written).unwrap();
                    }
                }
                Err(e) => panic!("flood write: {e}"),
            }
        }
        written
    });
    // The application leaves the socket alone: the flood stalls.
    let stalled_at = stalled_rx
        .recv_timeout(WAIT * 3)
        .expect("the flood was never held back");
    assert!(
        stalled_at < total / 2,
        "{stalled_at} of {total} bytes were taken while the application slept"
    );
    // Now the good subscriber is served while the flood drains, until the
    // flood peer's last subscription (its end topic) has taken effect: a
    // message on it arrives.
    let deadline = Instant::now() + WAIT * 6;
    loop {
        assert!(Instant::now() < deadline, "the flood never drained");
        good_round(&publisher);
        take_notices(&publisher);
        if flooder.is_finished() {
            publisher
                .send_multipart(Multipart::from([
                    Msg::from_static(FLOOD_END),
                    Msg::from_static(b"end"),
                ]))
                .unwrap();
            if let Some(m) = flood.poll_message() {
                assert_eq!(m, owned(&[FLOOD_END, b"end"]));
                break;
            }
        }
    }
    assert_eq!(flooder.join().unwrap(), total);
    take_notices(&publisher);
    if kind == SocketType::XPub {
        let mut want: BTreeMap<Vec<u8>, usize> = topics
            .iter()
            .chain([&FLOOD_END.to_vec(), &b"good".to_vec()])
            .map(|t| ([&[1u8][..], t].concat(), 1))
            .collect();
        // The notices and their counts, without dumping ~100 KB of topics.
        let got: Vec<(usize, usize)> = notices.iter().map(|(t, n)| (t.len(), *n)).collect();
        assert_eq!(notices.len(), want.len(), "{got:?}");
        for (topic, n) in &notices {
            assert_eq!(
                want.remove(topic),
                Some(*n),
                "notice {:?}",
                String::from_utf8_lossy(&topic[..topic.len().min(20)])
            );
        }
    }
    // Every flood topic took effect: a message on one reaches the peer.
    publisher
        .send_multipart(Multipart::from([
            Msg::from(topics[FLOOD_TOPICS - 1].clone()),
            Msg::from_static(b"last"),
        ]))
        .unwrap();
    // (After any end messages still on their way.)
    let last = loop {
        let m = flood.recv_message();
        if m != owned(&[FLOOD_END, b"end"]) {
            break m;
        }
    };
    assert_eq!(last, owned(&[&topics[FLOOD_TOPICS - 1], b"last"]));
    good_round(&publisher);
    while let Some(event) = monitor.try_recv() {
        assert!(
            !matches!(event.kind, SocketEventKind::Disconnected(_)),
            "{event}"
        );
    }
}

#[test]
fn an_xpub_flooded_with_subscribe_commands_stays_bounded() {
    subscription_flood(SocketType::XPub, SubscriptionForm::Command);
}

#[test]
fn an_xpub_flooded_with_subscription_messages_stays_bounded() {
    subscription_flood(SocketType::XPub, SubscriptionForm::Message);
}

#[test]
fn a_pub_flooded_with_subscribe_commands_stays_bounded() {
    subscription_flood(SocketType::Pub, SubscriptionForm::Command);
}

/// Names the case a child process of
/// [`a_deep_subscription_never_overflows_the_stack`] runs.
const DEEP_CASE: &str = "FERROZMQ_ADVERSARIAL_DEEP_CASE";

/// A topic about as long as a SUBSCRIBE command can carry (commands are
/// at most 64 KiB).
const DEEP: usize = 65_000;

/// One case of [`a_deep_subscription_never_overflows_the_stack`], on a
/// thread with a 2 MiB stack (the default of spawned threads):
///
/// - `cancel`, `gone`, `close`: a raw SUB subscribes an XPUB to a
///   [`DEEP`]-byte topic, which matches; then it CANCELs it, or its
///   connection goes, or the application closes the XPUB holding it;
/// - `xsub-cancel`, `xsub-attach`: an XSUB application subscribes to such a
///   topic (a proxy does that for its downstream peers), then cancels it,
///   or a new upstream peer attaches and is sent it.
fn deep_subscription(case: &str) {
    let ctx = Context::new().unwrap();
    let topic = vec![b'd'; DEEP];
    let subscribe = [&[1u8][..], &topic].concat();
    let cancel = [&[0u8][..], &topic].concat();
    if let Some(xsub_case) = case.strip_prefix("xsub-") {
        let xsub = socket(&ctx, SocketType::XSub);
        xsub.send(Msg::from(subscribe)).unwrap();
        match xsub_case {
            "cancel" => xsub.send(Msg::from(cancel)).unwrap(),
            "attach" => {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                xsub.connect(&format!("tcp://{}", listener.local_addr().unwrap()))
                    .unwrap();
                let (stream, _) = listener.accept().unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_millis(20)))
                    .unwrap();
                let mut upstream = RawPeer::new(stream, SocketType::XPub);
                upstream.handshake();
                let deadline = Instant::now() + WAIT;
                loop {
                    assert!(Instant::now() < deadline, "no subscription upstream");
                    upstream.flush();
                    let events = upstream.read_once().expect("closed");
                    let topic = events.iter().find_map(|e| match e {
                        Event::Subscribe(t) => Some(t.len()),
                        _ => None,
                    });
                    if let Some(len) = topic {
                        assert_eq!(len, DEEP);
                        break;
                    }
                }
            }
            other => panic!("no case {other}"),
        }
        return;
    }
    let publisher = socket(&ctx, SocketType::XPub);
    publisher.bind("tcp://127.0.0.1:0").unwrap();
    let endpoint = publisher.last_endpoint().unwrap().to_string();
    let addr: SocketAddr = endpoint.trim_start_matches("tcp://").parse().unwrap();
    let mut peer = RawPeer::handshaken(addr, SocketType::Sub);
    peer.stream
        .write_all(&command(b"SUBSCRIBE", &topic))
        .unwrap();
    assert_eq!(frames(&publisher.recv_multipart().unwrap()), [subscribe]);
    publisher
        .send_multipart(Multipart::from([
            Msg::from(topic.clone()),
            Msg::from_static(b"x"),
        ]))
        .unwrap();
    assert_eq!(peer.recv_message(), owned(&[&topic, b"x"]));
    match case {
        "cancel" | "gone" => {
            if case == "cancel" {
                peer.stream.write_all(&command(b"CANCEL", &topic)).unwrap();
            } else {
                drop(peer);
            }
            assert_eq!(frames(&publisher.recv_multipart().unwrap()), [cancel]);
        }
        "close" => drop(publisher),
        other => panic!("no case {other}"),
    }
}

/// A peer's subscription as deep as a command allows never costs stack in
/// proportion to its length (each byte is a trie level): subscribing,
/// matching, cancelling, the peer going, the socket closing, and an XSUB
/// passing such a topic on all work on a 2 MiB stack. Each case runs in a
/// child process (this test binary, [`deep_subscription_child`]), so that a
/// stack overflow, which aborts the process, fails this test alone.
#[test]
fn a_deep_subscription_never_overflows_the_stack() {
    let mut failed = Vec::new();
    for case in ["cancel", "gone", "close", "xsub-cancel", "xsub-attach"] {
        let child = Command::new(std::env::current_exe().unwrap())
            .args([
                "deep_subscription_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
                "-q",
            ])
            .env(DEEP_CASE, case)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = ferrozmq_test_support::process::finish(child, WAIT * 2, case);
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().rev().take(3).collect::<Vec<_>>();
            failed.push(format!("{case}: {} {last:?}", out.status));
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

/// The child processes' entry (see
/// [`a_deep_subscription_never_overflows_the_stack`]); does nothing in a
/// normal run.
#[test]
fn deep_subscription_child() {
    let Ok(case) = std::env::var(DEEP_CASE) else {
        return;
    };
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || deep_subscription(&case))
        .unwrap()
        .join()
        .unwrap();
}

// ---------------------------------------------------------------------------
// Heartbeats

/// A peer that completed its handshake and then went silent (never
/// answers PINGs) is dropped once HEARTBEAT_TIMEOUT passes after a PING; the
/// good peer, which answers, stays connected across many intervals.
#[test]
fn a_silent_peer_is_dropped_by_the_heartbeat() {
    let ivl = Duration::from_millis(100);
    let timeout = Duration::from_millis(300);
    let mut s = Server::new(
        SocketType::Pull,
        &[
            SocketOption::HeartbeatIvl(Some(ivl)),
            SocketOption::HeartbeatTimeout(Some(timeout)),
        ],
    );
    let peer = RawPeer::handshaken(s.addr, SocketType::Push);
    let silent_since = Instant::now();
    let error = s.expect_dropped();
    assert!(
        matches!(
            error,
            SessionError::Protocol(ConnectionError::HeartbeatTimeout)
        ),
        "{error:?}"
    );
    // Not before a PING went unanswered for the timeout.
    assert!(
        silent_since.elapsed() >= timeout,
        "{:?}",
        silent_since.elapsed()
    );
    drop(peer);
    // The good peer answers PINGs: still up after several intervals.
    std::thread::sleep(ivl * 8);
    s.finish(GOOD_ALLOC);
}

/// A connecting socket whose peer goes silent drops it on the heartbeat
/// timeout and reconnects.
#[test]
fn a_connecting_socket_reconnects_after_a_heartbeat_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
    let accept = || {
        let deadline = Instant::now() + WAIT;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    stream
                        .set_read_timeout(Some(Duration::from_millis(20)))
                        .unwrap();
                    return stream;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline, "no connection");
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(e) => panic!("{e}"),
            }
        }
    };
    let ctx = Context::new().unwrap();
    let push = socket(&ctx, SocketType::Push);
    push.set_option(SocketOption::HeartbeatIvl(Some(Duration::from_millis(100))))
        .unwrap();
    push.set_option(SocketOption::HeartbeatTimeout(Some(Duration::from_millis(
        300,
    ))))
    .unwrap();
    push.set_option(SocketOption::ReconnectIvl(Some(Duration::from_millis(20))))
        .unwrap();
    let mut monitor = push.monitor();
    push.connect(&endpoint).unwrap();
    // The first peer completes its handshake, then is silent.
    let mut silent = RawPeer::new(accept(), SocketType::Pull);
    silent.handshake();
    let mut seen = Vec::new();
    let mut next = |seen: &mut Vec<SocketEvent>| {
        let e = monitor.recv_timeout(WAIT).expect("no monitor event");
        assert_eq!(e.endpoint.to_string(), endpoint);
        seen.push(e.clone());
        e.kind
    };
    let error = loop {
        if let SocketEventKind::Disconnected(e) = next(&mut seen) {
            break e;
        }
    };
    assert!(
        matches!(
            error,
            SessionError::Protocol(ConnectionError::HeartbeatTimeout)
        ),
        "{error:?}"
    );
    assert!(
        matches!(next(&mut seen), SocketEventKind::ConnectRetried(_)),
        "{seen:?}"
    );
    // The second peer answers: messages flow over the new connection.
    let mut live = RawPeer::new(accept(), SocketType::Pull);
    live.handshake();
    push.send(Msg::from_static(b"after the reconnect")).unwrap();
    let deadline = Instant::now() + WAIT;
    'wait: loop {
        assert!(Instant::now() < deadline, "nothing over the new connection");
        live.flush();
        for e in live.read_once().expect("the new connection closed") {
            if let Event::Message(m) = e {
                assert_eq!(&m[..], b"after the reconnect");
                break 'wait;
            }
        }
    }
    drop(silent);
    let kinds: Vec<&str> = seen.iter().map(|e| e.kind.libzmq_name()).collect();
    assert_eq!(
        kinds,
        [
            "ZMQ_EVENT_CONNECT_DELAYED",
            "ZMQ_EVENT_CONNECTED",
            "ZMQ_EVENT_HANDSHAKE_SUCCEEDED",
            "ZMQ_EVENT_DISCONNECTED",
            "ZMQ_EVENT_CONNECT_RETRIED",
        ]
    );
}

// ---------------------------------------------------------------------------
// CURVE

/// A flood of CURVE HELLOs (RFC 26 §The WELCOME Command: the server keeps
/// no state per client until a valid INITIATE brings its cookie back): each
/// flooding connection gets its WELCOME, sends nothing more, and ends at
/// HANDSHAKE_IVL; nothing a HELLO brought stays allocated; a good CURVE
/// client is served throughout.
#[test]
fn a_flood_of_curve_hellos_keeps_nothing_and_the_good_client_is_served() {
    const FLOOD: usize = 150;
    let ctx = Context::new().unwrap();
    let server_keys = CurveKeyPair::generate();
    let pull = socket(&ctx, SocketType::Pull);
    pull.set_option(SocketOption::CurveServer(true)).unwrap();
    pull.set_option(SocketOption::CurveSecretKey(server_keys.secret.clone()))
        .unwrap();
    pull.set_option(SocketOption::HandshakeIvl(Some(Duration::from_secs(2))))
        .unwrap();
    let metered = Arc::new(Metered::default());
    pull.set_recv_allocator(metered.clone());
    pull.bind("tcp://127.0.0.1:0").unwrap();
    let endpoint = pull.last_endpoint().unwrap().to_string();
    let addr: SocketAddr = endpoint.trim_start_matches("tcp://").parse().unwrap();

    let good_keys = CurveKeyPair::generate();
    let good = socket(&ctx, SocketType::Push);
    good.set_option(SocketOption::CurveServerKey(server_keys.public.clone()))
        .unwrap();
    good.set_option(SocketOption::CurvePublicKey(good_keys.public))
        .unwrap();
    good.set_option(SocketOption::CurveSecretKey(good_keys.secret))
        .unwrap();
    good.connect(&endpoint).unwrap();
    let mut sent = 0u32;
    let mut good_round = |n: u32| {
        for _ in 0..n {
            good.send(Msg::from(good_body(sent))).unwrap();
            assert_eq!(&pull.recv().unwrap()[..], &good_body(sent)[..]);
            sent += 1;
        }
    };
    good_round(10);

    let mut flood = Vec::new();
    for i in 0..FLOOD {
        let keys = CurveKeyPair::generate();
        let mut config = raw_config(SocketType::Push);
        config.mechanism = Mechanism::CurveClient {
            public: keys.public,
            secret: keys.secret,
            server_key: server_keys.public.clone(),
        };
        let mut peer = RawPeer::with_config(raw(addr), config);
        // Greeting out, the server's in; HELLO out; WELCOME in, which
        // the client answers by queueing INITIATE: never sent.
        peer.flush();
        let deadline = Instant::now() + WAIT;
        while !peer.conn.has_transmit() {
            assert!(Instant::now() < deadline, "no greeting from the server");
            peer.read_once().expect("closed before the greeting");
        }
        peer.flush();
        while !peer.conn.has_transmit() {
            assert!(Instant::now() < deadline, "no WELCOME for HELLO {i}");
            peer.read_once().expect("closed before the WELCOME");
        }
        flood.push(peer);
        if i % 50 == 0 {
            good_round(5);
        }
    }
    good_round(20);
    // Every flooding connection is closed by the server.
    for peer in &mut flood {
        wait_closed(&mut peer.stream);
    }
    good_round(20);
    drop(flood);
    // Every body received was dropped above: nothing is held.
    assert_eq!(metered.live_bodies(), 0, "something received is still held");
    assert!(
        metered.freed() >= 65,
        "the good client's 65 bodies were counted"
    );
}
