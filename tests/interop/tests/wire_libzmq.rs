//! `ferrozmq-wire` against real libzmq (4.3, from the `zmq` crate): each test
//! runs our `Connection` through the blocking driver of this package on one
//! side and a libzmq socket on the other, over TCP on 127.0.0.1 (port 0) or
//! ipc in a fresh temporary folder, and asserts bytes, counts and part
//! boundaries.
//!
//! The wire layer applies no socket pattern, so the tests play it by hand:
//! REQ's empty delimiter frame, REP's envelope, PUB's subscription filter.
//! Every wait is bounded (libzmq's RCVTIMEO/SNDTIMEO, the driver's deadlines),
//! so a failure fails fast instead of hanging CI. Nothing here asserts on
//! timings.
//!
//! The `sockets` module at the end goes one level up: ferrozmq-socket's
//! `Socket`s (patterns, sessions, I/O thread) against libzmq sockets.

use std::collections::BTreeSet;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ferrozmq_alloc::{Heap, RecvAllocator};
use ferrozmq_interop::{Driver, DriverError, Stream};
use ferrozmq_msg::Msg;
use ferrozmq_test_support::{Metered, TempDir};
use ferrozmq_wire::{
    Config, ConnectionError, Event, GREETING_LEN, HandshakeError, PeerInfo, SocketType, ZmtpVersion,
};

/// How long any one wait may take.
const WAIT: Duration = Duration::from_secs(5);
/// libzmq's RCVTIMEO/SNDTIMEO, in milliseconds.
const ZMQ_TIMEOUT_MS: i32 = 5_000;

fn deadline() -> Instant {
    Instant::now() + WAIT
}

fn config(socket_type: SocketType) -> Config {
    let heap: Arc<dyn RecvAllocator> = Arc::new(Heap);
    Config::new(socket_type, heap)
}

/// A libzmq socket whose every wait is bounded and which never lingers.
fn zsocket(ctx: &zmq::Context, kind: zmq::SocketType) -> zmq::Socket {
    let s = ctx.socket(kind).expect("zmq socket");
    s.set_rcvtimeo(ZMQ_TIMEOUT_MS).unwrap();
    s.set_sndtimeo(ZMQ_TIMEOUT_MS).unwrap();
    s.set_linger(0).unwrap();
    s
}

fn last_endpoint(s: &zmq::Socket) -> String {
    s.get_last_endpoint().unwrap().expect("UTF-8 endpoint")
}

/// Binds `s` on 127.0.0.1, port chosen by the system, and returns the address.
fn zbind_tcp(s: &zmq::Socket) -> SocketAddr {
    s.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = last_endpoint(s);
    endpoint
        .strip_prefix("tcp://")
        .expect("a tcp endpoint")
        .parse()
        .unwrap()
}

fn connect_tcp(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, WAIT).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

/// A listener on 127.0.0.1 port 0, and its endpoint for libzmq.
fn listen_tcp() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
    (listener, endpoint)
}

/// Accepts one connection within [`WAIT`] (libzmq connects asynchronously).
fn accept_tcp(listener: &TcpListener) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let end = deadline();
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                stream.set_nodelay(true).unwrap();
                return stream;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < end => {
                thread::sleep(Duration::from_millis(2));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
}

fn accept_ipc(listener: &UnixListener) -> UnixStream {
    listener.set_nonblocking(true).unwrap();
    let end = deadline();
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                return stream;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < end => {
                thread::sleep(Duration::from_millis(2));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
}

/// The one ipc socket file of a test, in its own folder.
fn socket_path(dir: &TempDir) -> PathBuf {
    dir.path().join("s.ipc")
}

fn ipc_endpoint(path: &Path) -> String {
    format!("ipc://{}", path.display())
}

/// Message `i` of a stream: sizes around the inline capacity (34), the short
/// frame limit (255) and the encoder's copy threshold, bytes depending on `i`
/// so that a reordering shows.
fn payload(i: usize) -> Vec<u8> {
    const SIZES: [usize; 11] = [0, 1, 7, 33, 34, 35, 255, 256, 1000, 8191, 70_000];
    let len = SIZES[i % SIZES.len()];
    (0..len)
        .map(|j| (i.wrapping_mul(131).wrapping_add(j * 7) % 251) as u8)
        .collect()
}

/// The parts of message `i`: every fifth one has three parts, so boundaries
/// are checked too.
fn message(i: usize) -> Vec<Vec<u8>> {
    if i.is_multiple_of(5) {
        vec![payload(i), format!("#{i}").into_bytes(), payload(i + 1)]
    } else {
        vec![payload(i)]
    }
}

fn msgs(parts: &[Vec<u8>]) -> Vec<Msg> {
    parts.iter().map(|p| Msg::copy_from_slice(p)).collect()
}

fn bytes(parts: &[Msg]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

fn assert_peer(peer: &PeerInfo, socket_type: SocketType) {
    assert_eq!(peer.socket_type, socket_type);
    // libzmq 4.3.4 announces ZMTP 3.1.
    assert_eq!(peer.version, ZmtpVersion::V3_1);
}

// ---------------------------------------------------------------------------
// REQ/REP

const ROUND_TRIPS: usize = 1_000;

/// Our REQ over `stream` against the libzmq REP `rep`: `ROUND_TRIPS` round
/// trips, the envelope (empty delimiter) added and checked by hand.
fn our_req_against_libzmq_rep<S: Stream>(stream: S, rep: zmq::Socket) {
    thread::scope(|scope| {
        let server = scope.spawn(move || {
            for i in 0..ROUND_TRIPS {
                // libzmq's REP strips the delimiter: only the body is left.
                let request = rep.recv_multipart(0).expect("REP recv");
                assert_eq!(request, [payload(i)], "request {i}");
                let mut reply = b"re:".to_vec();
                reply.extend_from_slice(&request[0]);
                rep.send(reply, 0).expect("REP send");
            }
            // Returned, not dropped: with LINGER 0 a closing socket drops
            // the last reply before it is written.
            (ROUND_TRIPS, rep)
        });
        let mut req = Driver::new(stream, config(SocketType::Req)).unwrap();
        assert_peer(&req.handshake(deadline()).unwrap(), SocketType::Rep);
        for i in 0..ROUND_TRIPS {
            req.send_parts([Msg::new(), Msg::copy_from_slice(&payload(i))])
                .unwrap();
            let reply = bytes(&req.recv_parts(deadline()).unwrap());
            let mut expected = b"re:".to_vec();
            expected.extend_from_slice(&payload(i));
            assert_eq!(reply, [Vec::new(), expected], "reply {i}");
        }
        assert_eq!(server.join().unwrap().0, ROUND_TRIPS);
    });
}

/// The libzmq REQ `req` (already connecting) against our REP over `stream`.
fn libzmq_req_against_our_rep<S: Stream>(req: zmq::Socket, stream: impl FnOnce() -> S) {
    thread::scope(|scope| {
        let client = scope.spawn(move || {
            for i in 0..ROUND_TRIPS {
                req.send(payload(i), 0).expect("REQ send");
                let reply = req.recv_multipart(0).expect("REQ recv");
                let mut expected = payload(i);
                expected.reverse();
                assert_eq!(reply, [expected], "reply {i}");
            }
            ROUND_TRIPS
        });
        let mut rep = Driver::new(stream(), config(SocketType::Rep)).unwrap();
        let peer = rep.handshake(deadline()).unwrap();
        assert_peer(&peer, SocketType::Req);
        assert_eq!(peer.identity, b"client-7", "the Identity property");
        for i in 0..ROUND_TRIPS {
            let request = bytes(&rep.recv_parts(deadline()).unwrap());
            assert_eq!(request, [Vec::new(), payload(i)], "request {i}");
            let mut reply = request[1].clone();
            reply.reverse();
            rep.send_parts([Msg::new(), Msg::copy_from_slice(&reply)])
                .unwrap();
        }
        assert_eq!(client.join().unwrap(), ROUND_TRIPS);
    });
}

fn libzmq_req(ctx: &zmq::Context) -> zmq::Socket {
    let req = zsocket(ctx, zmq::REQ);
    req.set_identity(b"client-7").unwrap();
    req
}

#[test]
fn our_req_to_libzmq_rep_over_tcp() {
    let ctx = zmq::Context::new();
    let rep = zsocket(&ctx, zmq::REP);
    let addr = zbind_tcp(&rep);
    our_req_against_libzmq_rep(connect_tcp(addr), rep);
}

#[test]
fn libzmq_req_to_our_rep_over_tcp() {
    let ctx = zmq::Context::new();
    let (listener, endpoint) = listen_tcp();
    let req = libzmq_req(&ctx);
    req.connect(&endpoint).unwrap();
    libzmq_req_against_our_rep(req, || accept_tcp(&listener));
}

#[test]
fn our_req_to_libzmq_rep_over_ipc() {
    let dir = TempDir::new("ferrozmq-interop");
    let ctx = zmq::Context::new();
    let rep = zsocket(&ctx, zmq::REP);
    rep.bind(&ipc_endpoint(&socket_path(&dir))).unwrap();
    let stream = UnixStream::connect(socket_path(&dir)).unwrap();
    our_req_against_libzmq_rep(stream, rep);
}

#[test]
fn libzmq_req_to_our_rep_over_ipc() {
    let dir = TempDir::new("ferrozmq-interop");
    let listener = UnixListener::bind(socket_path(&dir)).unwrap();
    let ctx = zmq::Context::new();
    let req = libzmq_req(&ctx);
    req.connect(&ipc_endpoint(&socket_path(&dir))).unwrap();
    libzmq_req_against_our_rep(req, || accept_ipc(&listener));
}

// ---------------------------------------------------------------------------
// PUSH/PULL

/// Our PUSH over `stream` sends `count` messages to the libzmq PULL `pull`.
fn our_push_to_libzmq_pull<S: Stream>(stream: S, pull: zmq::Socket, count: usize) {
    thread::scope(|scope| {
        let receiver = scope.spawn(move || {
            for i in 0..count {
                let parts = pull.recv_multipart(0).expect("PULL recv");
                assert_eq!(parts, message(i), "message {i}");
            }
            count
        });
        let mut push = Driver::new(stream, config(SocketType::Push)).unwrap();
        assert_peer(&push.handshake(deadline()).unwrap(), SocketType::Pull);
        for i in 0..count {
            push.queue_parts(msgs(&message(i))).unwrap();
            if i % 64 == 63 {
                push.flush().unwrap();
            }
        }
        push.flush().unwrap();
        assert_eq!(receiver.join().unwrap(), count);
    });
}

/// The libzmq PUSH `push` (already connecting) sends `count` messages to our
/// PULL over `stream`.
fn libzmq_push_to_our_pull<S: Stream>(push: zmq::Socket, stream: impl FnOnce() -> S, count: usize) {
    thread::scope(|scope| {
        let sender = scope.spawn(move || {
            for i in 0..count {
                push.send_multipart(message(i), 0).expect("PUSH send");
            }
            // Keep the socket open until everything is read.
            push
        });
        let mut pull = Driver::new(stream(), config(SocketType::Pull)).unwrap();
        assert_peer(&pull.handshake(deadline()).unwrap(), SocketType::Push);
        for i in 0..count {
            let parts = bytes(&pull.recv_parts(deadline()).unwrap());
            assert_eq!(parts, message(i), "message {i}");
        }
        drop(sender.join().unwrap());
    });
}

const PUSH_PULL_TCP: usize = 10_000;
const PUSH_PULL_IPC: usize = 2_000;

#[test]
fn our_push_to_libzmq_pull_over_tcp() {
    let ctx = zmq::Context::new();
    let pull = zsocket(&ctx, zmq::PULL);
    let addr = zbind_tcp(&pull);
    our_push_to_libzmq_pull(connect_tcp(addr), pull, PUSH_PULL_TCP);
}

#[test]
fn libzmq_push_to_our_pull_over_tcp() {
    let ctx = zmq::Context::new();
    let (listener, endpoint) = listen_tcp();
    let push = zsocket(&ctx, zmq::PUSH);
    push.connect(&endpoint).unwrap();
    libzmq_push_to_our_pull(push, || accept_tcp(&listener), PUSH_PULL_TCP);
}

#[test]
fn our_push_to_libzmq_pull_over_ipc() {
    let dir = TempDir::new("ferrozmq-interop");
    let ctx = zmq::Context::new();
    let pull = zsocket(&ctx, zmq::PULL);
    pull.bind(&ipc_endpoint(&socket_path(&dir))).unwrap();
    let stream = UnixStream::connect(socket_path(&dir)).unwrap();
    our_push_to_libzmq_pull(stream, pull, PUSH_PULL_IPC);
}

#[test]
fn libzmq_push_to_our_pull_over_ipc() {
    let dir = TempDir::new("ferrozmq-interop");
    let listener = UnixListener::bind(socket_path(&dir)).unwrap();
    let ctx = zmq::Context::new();
    let push = zsocket(&ctx, zmq::PUSH);
    push.connect(&ipc_endpoint(&socket_path(&dir))).unwrap();
    libzmq_push_to_our_pull(push, || accept_ipc(&listener), PUSH_PULL_IPC);
}

// ---------------------------------------------------------------------------
// Large messages

const LARGE: usize = 16 << 20;

fn large_body() -> Vec<u8> {
    (0..LARGE).map(|i| (i % 253) as u8).collect()
}

#[test]
fn sixteen_mib_from_us_to_libzmq() {
    let ctx = zmq::Context::new();
    let pull = zsocket(&ctx, zmq::PULL);
    let addr = zbind_tcp(&pull);
    let body = large_body();
    thread::scope(|scope| {
        let receiver = scope.spawn(move || {
            let parts = pull.recv_multipart(0).expect("PULL recv");
            (parts.len(), parts.into_iter().next().unwrap_or_default())
        });
        let mut push = Driver::new(connect_tcp(addr), config(SocketType::Push)).unwrap();
        push.handshake(deadline()).unwrap();
        // Zero-copy on our side: the encoder points at the vector.
        push.send_parts([Msg::from_owner(body.clone())]).unwrap();
        let (parts, received) = receiver.join().unwrap();
        assert_eq!(parts, 1);
        assert_eq!(received.len(), LARGE);
        assert!(received == body, "the 16 MiB body differs");
        // 9-byte long-frame header plus the body, after greeting and READY.
        assert!(push.stats().bytes_written >= (LARGE + 9) as u64);
    });
}

#[test]
fn sixteen_mib_from_libzmq_to_us_lands_in_one_block() {
    let ctx = zmq::Context::new();
    let push = zsocket(&ctx, zmq::PUSH);
    let addr = zbind_tcp(&push);
    let body = large_body();
    let metered = Arc::new(Metered::default());
    let mut cfg = config(SocketType::Pull);
    cfg.recv_allocator = metered.clone();
    let mut pull = Driver::new(connect_tcp(addr), cfg).unwrap();
    pull.handshake(deadline()).unwrap();
    push.send(&body[..], 0).unwrap();
    let parts = pull.recv_parts(deadline()).unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].len(), LARGE);
    assert!(parts[0][..] == body[..], "the 16 MiB body differs");
    // One block of the receive allocator, of the body's size plus the
    // message header, and nothing else from it.
    let largest = metered.largest();
    assert!((LARGE..LARGE + 64).contains(&largest), "{largest}");
    assert_eq!((metered.live(), metered.freed()), (1, 0));
    // Nearly all of it came through `body_mut`, not the read buffer.
    let direct = pull.stats().body_bytes_read;
    assert!(direct > (LARGE - 64 * 1024) as u64, "{direct}");
    drop(parts);
    assert_eq!((metered.live(), metered.freed()), (0, 1));
    drop(push);
}

// ---------------------------------------------------------------------------
// PUB/SUB

/// A stream that keeps a copy of every byte read, to see the wire form.
struct Tee<S> {
    inner: S,
    seen: Vec<u8>,
}

impl<S: Read> Read for Tee<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl<S: Write> Write for Tee<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.inner.write_vectored(bufs)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<S: Stream> Stream for Tee<S> {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.inner.set_read_timeout(timeout)
    }
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.inner.set_write_timeout(timeout)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn next_subscription<S: Stream>(driver: &mut Driver<S>) -> (bool, Vec<u8>) {
    match driver.next_event(deadline(), "a subscription").unwrap() {
        Event::Subscribe(topic) => (true, topic.to_vec()),
        Event::Cancel(topic) => (false, topic.to_vec()),
        other => panic!("expected a subscription, got {other:?}"),
    }
}

#[test]
fn libzmq_sub_to_our_pub() {
    let ctx = zmq::Context::new();
    let (listener, endpoint) = listen_tcp();
    let sub = zsocket(&ctx, zmq::SUB);
    sub.set_subscribe(b"A").unwrap();
    sub.set_subscribe(b"B.x").unwrap();
    sub.connect(&endpoint).unwrap();
    let stream = Tee {
        inner: accept_tcp(&listener),
        seen: Vec::new(),
    };
    let mut publisher = Driver::new(stream, config(SocketType::Pub)).unwrap();
    assert_peer(&publisher.handshake(deadline()).unwrap(), SocketType::Sub);

    let mut topics = BTreeSet::new();
    for _ in 0..2 {
        let (subscribe, topic) = next_subscription(&mut publisher);
        assert!(subscribe);
        topics.insert(topic);
    }
    assert_eq!(topics, BTreeSet::from([b"A".to_vec(), b"B.x".to_vec()]));
    // What libzmq 4.3.4 sends a 3.1 peer: SUBSCRIBE commands (flags 0x04,
    // size 11, name length 9, "SUBSCRIBE", topic), never the legacy 0x01
    // message form.
    let seen = &publisher.stream().seen;
    assert!(contains(seen, b"\x04\x0b\x09SUBSCRIBEA"), "{seen:02x?}");
    assert!(contains(seen, b"\x04\x0d\x09SUBSCRIBEB.x"), "{seen:02x?}");
    assert!(!contains(seen, b"\x00\x02\x01A"), "legacy form seen");

    // Filtering is the socket layer's job: done here by hand, on the first
    // part only.
    let sent: &[(&[u8], &[u8])] = &[
        (b"A1", b"one"),
        (b"B.x.1", b"two"),
        (b"B.y", b"dropped"),
        (b"C", b"dropped"),
        (b"", b"dropped"),
        (b"AA", b""),
        (b"A", &[0xFF; 300]),
        (b"A.end", b"end"),
    ];
    let matching: Vec<Vec<Vec<u8>>> = sent
        .iter()
        .filter(|(topic, _)| topics.iter().any(|t| topic.starts_with(t)))
        .map(|(t, v)| vec![t.to_vec(), v.to_vec()])
        .collect();
    assert_eq!(matching.len(), 5);
    for parts in &matching {
        publisher.send_parts(msgs(parts)).unwrap();
    }
    for (i, expected) in matching.iter().enumerate() {
        let got = sub.recv_multipart(0).expect("SUB recv");
        assert_eq!(&got, expected, "message {i}");
    }

    // A cancellation arrives as CANCEL.
    sub.set_unsubscribe(b"B.x").unwrap();
    assert_eq!(next_subscription(&mut publisher), (false, b"B.x".to_vec()));
    let seen = &publisher.stream().seen;
    assert!(contains(seen, b"\x04\x0a\x06CANCELB.x"), "{seen:02x?}");
}

/// Our SUB (announcing `version`) to a libzmq PUB: libzmq filters with our
/// subscription, in the form that version calls for.
fn our_sub_to_libzmq_pub(version: ZmtpVersion) {
    let ctx = zmq::Context::new();
    let publisher = zsocket(&ctx, zmq::PUB);
    let addr = zbind_tcp(&publisher);
    let subscribed = AtomicBool::new(false);
    let sent: &[(&[u8], &[u8])] = &[
        (b"A1", b"one"),
        (b"B1", b"dropped"),
        (b"A2", b"two"),
        (b"", b"dropped"),
        (b"BA", b"dropped"),
        (b"AB", &[7; 1000]),
        (b"A.end", b""),
    ];
    thread::scope(|scope| {
        let subscribed = &subscribed;
        let feed = scope.spawn(move || {
            // libzmq's slow joiner: publish warm-ups until the subscriber has
            // seen one, so the subscription has taken effect.
            let end = deadline();
            while !subscribed.load(Ordering::SeqCst) {
                assert!(Instant::now() < end, "no warm-up message got through");
                publisher
                    .send_multipart([&b"A.warm-up"[..], b""], 0)
                    .unwrap();
                thread::sleep(Duration::from_millis(5));
            }
            for (topic, value) in sent {
                publisher.send_multipart([*topic, *value], 0).unwrap();
            }
            publisher
        });
        let mut cfg = config(SocketType::Sub);
        cfg.version = version;
        let mut sub = Driver::new(connect_tcp(addr), cfg).unwrap();
        let peer = sub.handshake(deadline()).unwrap();
        assert_eq!(peer.socket_type, SocketType::Pub);
        assert_eq!(peer.version, version);
        sub.connection().send_subscription(true, b"A").unwrap();
        sub.flush().unwrap();
        let mut got = Vec::new();
        loop {
            let parts = bytes(&sub.recv_parts(deadline()).unwrap());
            assert_eq!(parts.len(), 2, "{parts:?}");
            if parts[0] == b"A.warm-up" {
                subscribed.store(true, Ordering::SeqCst);
                continue;
            }
            let end = parts[0] == b"A.end";
            got.push(parts);
            if end {
                break;
            }
        }
        let expected: Vec<Vec<Vec<u8>>> = sent
            .iter()
            .filter(|(topic, _)| topic.starts_with(b"A"))
            .map(|(t, v)| vec![t.to_vec(), v.to_vec()])
            .collect();
        assert_eq!(got, expected);
        drop(feed.join().unwrap());
    });
}

#[test]
fn our_sub_to_libzmq_pub_zmtp_3_1() {
    our_sub_to_libzmq_pub(ZmtpVersion::V3_1);
}

#[test]
fn our_sub_to_libzmq_pub_zmtp_3_0_legacy_subscriptions() {
    our_sub_to_libzmq_pub(ZmtpVersion::V3_0);
}

// ---------------------------------------------------------------------------
// Incompatible socket types

/// Holds back everything written after our greeting until the peer has
/// sent a byte after its own greeting.
///
/// libzmq 4.3.4 closes an incompatible connection without ERROR as soon as
/// it has read our READY; if that happens before it has written its own
/// READY (it does so in a later output round than its greeting), all we can
/// see is the end of the stream. Holding our READY back until its READY has
/// begun to arrive makes the typed error on our side deterministic.
struct HoldAfterGreeting<S> {
    inner: S,
    written: usize,
    read: usize,
    held: Vec<u8>,
}

impl<S: Write> HoldAfterGreeting<S> {
    fn release(&mut self) -> io::Result<()> {
        if self.read > GREETING_LEN && !self.held.is_empty() {
            self.inner.write_all(&self.held)?;
            self.held.clear();
        }
        Ok(())
    }
}

impl<S: Read + Write> Read for HoldAfterGreeting<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n;
        self.release()?;
        Ok(n)
    }
}

impl<S: Write> Write for HoldAfterGreeting<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written < GREETING_LEN {
            let n = buf.len().min(GREETING_LEN - self.written);
            let n = self.inner.write(&buf[..n])?;
            self.written += n;
            return Ok(n);
        }
        self.held.extend_from_slice(buf);
        self.release()?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<S: Stream> Stream for HoldAfterGreeting<S> {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.inner.set_read_timeout(timeout)
    }
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.inner.set_write_timeout(timeout)
    }
}

fn hold_after_greeting<S>(inner: S) -> HoldAfterGreeting<S> {
    HoldAfterGreeting {
        inner,
        written: 0,
        read: 0,
        held: Vec::new(),
    }
}

fn assert_incompatible<S: Stream>(driver: &mut Driver<S>, ours: SocketType, peer: SocketType) {
    match driver.handshake(deadline()) {
        Err(DriverError::Connection(ConnectionError::Handshake(
            HandshakeError::IncompatibleSocketType { ours: o, peer: p },
        ))) => assert_eq!((o, p), (ours, peer)),
        other => panic!("expected IncompatibleSocketType, got {other:?}"),
    }
    assert!(driver.connection().is_failed());
}

#[test]
fn our_req_to_libzmq_pub_fails_with_a_typed_error() {
    let ctx = zmq::Context::new();
    let publisher = zsocket(&ctx, zmq::PUB);
    let addr = zbind_tcp(&publisher);
    let stream = hold_after_greeting(connect_tcp(addr));
    let mut req = Driver::new(stream, config(SocketType::Req)).unwrap();
    assert_incompatible(&mut req, SocketType::Req, SocketType::Pub);
}

#[test]
fn libzmq_req_to_our_pub_fails_with_a_typed_error() {
    let ctx = zmq::Context::new();
    let (listener, endpoint) = listen_tcp();
    let req = zsocket(&ctx, zmq::REQ);
    req.connect(&endpoint).unwrap();
    let stream = hold_after_greeting(accept_tcp(&listener));
    let mut publisher = Driver::new(stream, config(SocketType::Pub)).unwrap();
    assert_incompatible(&mut publisher, SocketType::Pub, SocketType::Req);
}

// ---------------------------------------------------------------------------
// Heartbeats

/// Events of a libzmq socket monitor, read without waiting.
fn monitor_events(monitor: &zmq::Socket) -> Vec<zmq::SocketEvent> {
    let mut events = Vec::new();
    while let Ok(parts) = monitor.recv_multipart(zmq::DONTWAIT) {
        events.push(event_of(&parts));
    }
    events
}

/// The event in a monitor message: its first part starts with the event
/// number (16 bits, native order, i.e. little-endian here).
fn event_of(parts: &[Vec<u8>]) -> zmq::SocketEvent {
    zmq::SocketEvent::from_raw(u16::from_le_bytes([parts[0][0], parts[0][1]]))
}

/// A libzmq PULL that PINGs every 100 ms (TTL 1 s) and drops a connection
/// silent for 500 ms after a PING, with a monitor; and its address.
fn heartbeating_pull(ctx: &zmq::Context, name: &str) -> (zmq::Socket, zmq::Socket, SocketAddr) {
    let pull = zsocket(ctx, zmq::PULL);
    pull.set_heartbeat_ivl(100).unwrap();
    pull.set_heartbeat_timeout(500).unwrap();
    pull.set_heartbeat_ttl(1_000).unwrap();
    let monitor_endpoint = format!("inproc://monitor-{name}");
    pull.monitor(&monitor_endpoint, zmq::SocketEvent::ALL as i32)
        .unwrap();
    let monitor = zsocket(ctx, zmq::PAIR);
    monitor.connect(&monitor_endpoint).unwrap();
    let addr = zbind_tcp(&pull);
    (pull, monitor, addr)
}

#[test]
fn libzmq_pings_are_answered_and_keep_the_connection() {
    use zmq::SocketEvent::{DISCONNECTED, HANDSHAKE_SUCCEEDED};
    let ctx = zmq::Context::new();

    // Control: a connection that never reads (so never answers) is dropped
    // by libzmq, which shows the timeout is in force.
    let (_pull, monitor, addr) = heartbeating_pull(&ctx, "control");
    let mut silent = Driver::new(connect_tcp(addr), config(SocketType::Push)).unwrap();
    silent.handshake(deadline()).unwrap();
    let mut events = Vec::new();
    while !events.contains(&DISCONNECTED) {
        // The monitor's RCVTIMEO bounds the wait.
        let parts = monitor
            .recv_multipart(0)
            .unwrap_or_else(|e| panic!("no DISCONNECTED after {events:?}: {e}"));
        events.push(event_of(&parts));
    }
    match silent.run_for(WAIT) {
        Err(DriverError::Eof | DriverError::Io(_)) => {}
        other => panic!("expected the control connection closed, got {other:?}"),
    }

    // Our connection sends no PING of its own, so its PONGs are the only
    // thing libzmq hears from it.
    let (pull, monitor, addr) = heartbeating_pull(&ctx, "answered");
    let mut push = Driver::new(connect_tcp(addr), config(SocketType::Push)).unwrap();
    push.handshake(deadline()).unwrap();
    push.run_for(Duration::from_millis(1_500)).unwrap();
    let stats = push.stats();
    assert!(stats.pings >= 5, "{stats:?}");
    assert_eq!(stats.last_ping_ttl, Some(Duration::from_secs(1)));
    // Still the same connection: a message goes through it.
    push.send_parts([Msg::from_static(b"still here")]).unwrap();
    assert_eq!(pull.recv_multipart(0).unwrap(), [b"still here".to_vec()]);
    let events = monitor_events(&monitor);
    assert!(!events.contains(&DISCONNECTED), "{events:?}");
    assert_eq!(
        events.iter().filter(|e| **e == HANDSHAKE_SUCCEEDED).count(),
        1,
        "{events:?}"
    );
}

#[test]
fn our_pings_get_libzmq_pongs() {
    let ctx = zmq::Context::new();
    let pull = zsocket(&ctx, zmq::PULL);
    let addr = zbind_tcp(&pull);
    let mut cfg = config(SocketType::Push);
    cfg.heartbeat_interval = Some(Duration::from_millis(50));
    // Fails the connection (and the test) if a PONG is late.
    cfg.heartbeat_timeout = Some(Duration::from_millis(1_000));
    cfg.heartbeat_ttl = Some(Duration::from_secs(2));
    let mut push = Driver::new(connect_tcp(addr), cfg).unwrap();
    push.handshake(deadline()).unwrap();
    push.run_for(Duration::from_millis(600)).unwrap();
    let stats = push.stats();
    assert!(stats.pongs >= 3, "{stats:?}");
    assert_eq!(stats.pings, 0, "{stats:?}");
    push.send_parts([Msg::from_static(b"after pings")]).unwrap();
    assert_eq!(pull.recv_multipart(0).unwrap(), [b"after pings".to_vec()]);
}

/// Socket-level interop: ferrozmq's `Socket`s (patterns, sessions, I/O
/// thread) against libzmq sockets, over tcp and ipc.
mod sockets {
    use ferrozmq_msg::Multipart;
    use ferrozmq_socket::{Context, SendFlags, Socket, SocketOption};

    use super::*;

    fn ours(ctx: &Context, kind: SocketType) -> Socket {
        let s = ctx.socket(kind).unwrap();
        s.set_option(SocketOption::RcvTimeo(Some(WAIT))).unwrap();
        s.set_option(SocketOption::SndTimeo(Some(WAIT))).unwrap();
        s
    }

    fn our_req_to_libzmq_rep(endpoint: &str) {
        let zctx = zmq::Context::new();
        let rep = zsocket(&zctx, zmq::REP);
        rep.bind(endpoint).unwrap();
        let at = last_endpoint(&rep);
        let server = thread::spawn(move || {
            for _ in 0..10_000 {
                let parts = rep.recv_multipart(0).unwrap();
                rep.send_multipart(parts.iter().rev(), 0).unwrap();
            }
        });
        let ctx = Context::new().unwrap();
        let req = ours(&ctx, SocketType::Req);
        req.connect(&at).unwrap();
        for i in 0..10_000 {
            let parts = message(i);
            req.send_multipart(Multipart::from(msgs(&parts))).unwrap();
            let got = req.recv_multipart().unwrap();
            let want: Vec<Vec<u8>> = parts.into_iter().rev().collect();
            assert_eq!(bytes(got.as_slice()), want, "round trip {i}");
        }
        server.join().unwrap();
    }

    #[test]
    fn socket_our_req_to_libzmq_rep_over_tcp() {
        our_req_to_libzmq_rep("tcp://127.0.0.1:*");
    }

    #[test]
    fn socket_our_req_to_libzmq_rep_over_ipc() {
        let dir = TempDir::new("ferrozmq-interop");
        our_req_to_libzmq_rep(&ipc_endpoint(&socket_path(&dir)));
    }

    fn libzmq_req_to_our_rep(endpoint: &str) {
        let ctx = Context::new().unwrap();
        let rep = ours(&ctx, SocketType::Rep);
        rep.bind(endpoint).unwrap();
        let at = rep.last_endpoint().unwrap().to_string();
        let zctx = zmq::Context::new();
        let req = zsocket(&zctx, zmq::REQ);
        req.connect(&at).unwrap();
        thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..10_000 {
                    let got = rep.recv_multipart().unwrap();
                    let reply: Multipart = got.iter().rev().cloned().collect();
                    rep.send_multipart(reply).unwrap();
                }
            });
            for i in 0..10_000 {
                let parts = message(i);
                req.send_multipart(&parts, 0).unwrap();
                let got = req.recv_multipart(0).unwrap();
                let want: Vec<Vec<u8>> = parts.into_iter().rev().collect();
                assert_eq!(got, want, "round trip {i}");
            }
        });
    }

    #[test]
    fn socket_libzmq_req_to_our_rep_over_tcp() {
        libzmq_req_to_our_rep("tcp://127.0.0.1:0");
    }

    #[test]
    fn socket_libzmq_req_to_our_rep_over_ipc() {
        let dir = TempDir::new("ferrozmq-interop");
        libzmq_req_to_our_rep(&ipc_endpoint(&socket_path(&dir)));
    }

    fn libzmq_push_to_our_pull(endpoint: &str) {
        let ctx = Context::new().unwrap();
        let pull = ours(&ctx, SocketType::Pull);
        pull.bind(endpoint).unwrap();
        let at = pull.last_endpoint().unwrap().to_string();
        let zctx = zmq::Context::new();
        let push = zsocket(&zctx, zmq::PUSH);
        push.connect(&at).unwrap();
        let sender = thread::spawn(move || {
            for i in 0..10_000 {
                push.send_multipart(message(i), 0).unwrap();
            }
            push
        });
        for i in 0..10_000 {
            let got = pull.recv_multipart().unwrap();
            assert_eq!(bytes(got.as_slice()), message(i), "message {i}");
        }
        drop(sender.join().unwrap());
    }

    #[test]
    fn socket_libzmq_push_to_our_pull_over_tcp() {
        libzmq_push_to_our_pull("tcp://127.0.0.1:0");
    }

    #[test]
    fn socket_libzmq_push_to_our_pull_over_ipc() {
        let dir = TempDir::new("ferrozmq-interop");
        libzmq_push_to_our_pull(&ipc_endpoint(&socket_path(&dir)));
    }

    fn our_push_to_libzmq_pull(endpoint: &str) {
        let zctx = zmq::Context::new();
        let pull = zsocket(&zctx, zmq::PULL);
        pull.bind(endpoint).unwrap();
        let at = last_endpoint(&pull);
        let ctx = Context::new().unwrap();
        let push = ours(&ctx, SocketType::Push);
        push.connect(&at).unwrap();
        thread::scope(|s| {
            s.spawn(|| {
                for i in 0..10_000 {
                    push.send_multipart(Multipart::from(msgs(&message(i))))
                        .unwrap();
                }
            });
            for i in 0..10_000 {
                assert_eq!(pull.recv_multipart(0).unwrap(), message(i), "message {i}");
            }
        });
    }

    #[test]
    fn socket_our_push_to_libzmq_pull_over_tcp() {
        our_push_to_libzmq_pull("tcp://127.0.0.1:*");
    }

    #[test]
    fn socket_our_push_to_libzmq_pull_over_ipc() {
        let dir = TempDir::new("ferrozmq-interop");
        our_push_to_libzmq_pull(&ipc_endpoint(&socket_path(&dir)));
    }

    /// The topics published, and whether a subscriber to `A` and `B2` wants
    /// each.
    const TOPICS: [(&[u8], bool); 6] = [
        (b"A", true),
        (b"Apple", true),
        (b"B", false),
        (b"B2x", true),
        (b"C", false),
        (b"", false),
    ];

    fn our_pub_to_libzmq_sub(endpoint: &str) {
        let ctx = Context::new().unwrap();
        let publisher = ours(&ctx, SocketType::Pub);
        publisher.bind(endpoint).unwrap();
        let at = publisher.last_endpoint().unwrap().to_string();
        let zctx = zmq::Context::new();
        let sub = zsocket(&zctx, zmq::SUB);
        for topic in [&b"A"[..], b"B2", b"sync"] {
            sub.set_subscribe(topic).unwrap();
        }
        sub.connect(&at).unwrap();
        // Until the subscriptions have arrived.
        let end = deadline();
        loop {
            assert!(Instant::now() < end, "subscriptions never arrived");
            publisher
                .send_multipart([Msg::from_static(b"sync"), Msg::from_static(b"probe")])
                .unwrap();
            if sub.poll(zmq::POLLIN, 5).unwrap() > 0 {
                break;
            }
        }
        thread::sleep(Duration::from_millis(20));
        while sub.recv_multipart(zmq::DONTWAIT).is_ok() {}
        let mut expected = Vec::new();
        for i in 0..1000usize {
            let (topic, wanted) = TOPICS[i % TOPICS.len()];
            if wanted {
                expected.push(vec![topic.to_vec(), payload(i)]);
            }
            publisher
                .send_with(Msg::copy_from_slice(topic), SendFlags::MORE)
                .unwrap();
            publisher.send(Msg::from(payload(i))).unwrap();
        }
        publisher
            .send_multipart([Msg::from_static(b"sync"), Msg::from_static(b"end")])
            .unwrap();
        for want in expected {
            assert_eq!(sub.recv_multipart(0).unwrap(), want);
        }
        assert_eq!(sub.recv_multipart(0).unwrap()[1], b"end");
    }

    #[test]
    fn socket_our_pub_to_libzmq_sub_over_tcp() {
        our_pub_to_libzmq_sub("tcp://127.0.0.1:0");
    }

    #[test]
    fn socket_our_pub_to_libzmq_sub_over_ipc() {
        let dir = TempDir::new("ferrozmq-interop");
        our_pub_to_libzmq_sub(&ipc_endpoint(&socket_path(&dir)));
    }

    fn libzmq_pub_to_our_sub(endpoint: &str) {
        let zctx = zmq::Context::new();
        let publisher = zsocket(&zctx, zmq::PUB);
        publisher.bind(endpoint).unwrap();
        let at = last_endpoint(&publisher);
        let ctx = Context::new().unwrap();
        let sub = ours(&ctx, SocketType::Sub);
        for topic in [&b"A"[..], b"B2", b"sync"] {
            sub.subscribe(topic).unwrap();
        }
        sub.connect(&at).unwrap();
        let end = deadline();
        loop {
            assert!(Instant::now() < end, "subscriptions never arrived");
            publisher
                .send_multipart([&b"sync"[..], b"probe"], 0)
                .unwrap();
            thread::sleep(Duration::from_millis(5));
            if sub.try_recv_multipart().is_ok() {
                break;
            }
        }
        thread::sleep(Duration::from_millis(20));
        while sub.try_recv_multipart().is_ok() {}
        let mut expected = Vec::new();
        for i in 0..1000usize {
            let (topic, wanted) = TOPICS[i % TOPICS.len()];
            if wanted {
                expected.push(vec![topic.to_vec(), payload(i)]);
            }
            publisher
                .send_multipart([topic.to_vec(), payload(i)], 0)
                .unwrap();
        }
        publisher.send_multipart([&b"sync"[..], b"end"], 0).unwrap();
        for want in expected {
            let got = sub.recv_multipart().unwrap();
            assert!(got[0].more() && !got[1].more());
            assert_eq!(bytes(got.as_slice()), want);
        }
        assert_eq!(&sub.recv_multipart().unwrap()[1][..], b"end");
    }

    #[test]
    fn socket_libzmq_pub_to_our_sub_over_tcp() {
        libzmq_pub_to_our_sub("tcp://127.0.0.1:*");
    }

    #[test]
    fn socket_libzmq_pub_to_our_sub_over_ipc() {
        let dir = TempDir::new("ferrozmq-interop");
        libzmq_pub_to_our_sub(&ipc_endpoint(&socket_path(&dir)));
    }

    #[test]
    fn socket_sixteen_mib_both_ways() {
        let zctx = zmq::Context::new();
        let ctx = Context::new().unwrap();
        let body = large_body();
        // Ours to libzmq.
        let zpull = zsocket(&zctx, zmq::PULL);
        zpull.bind("tcp://127.0.0.1:*").unwrap();
        let push = ours(&ctx, SocketType::Push);
        push.connect(&last_endpoint(&zpull)).unwrap();
        push.send(Msg::from(body.clone())).unwrap();
        let got = zpull.recv_bytes(0).unwrap();
        assert!(got == body, "bytes differ");
        // libzmq to ours.
        let pull = ours(&ctx, SocketType::Pull);
        pull.bind("tcp://127.0.0.1:0").unwrap();
        let zpush = zsocket(&zctx, zmq::PUSH);
        zpush
            .connect(&pull.last_endpoint().unwrap().to_string())
            .unwrap();
        zpush.send(&body[..], 0).unwrap();
        let got = pull.recv().unwrap();
        assert!(!got.more() && got[..] == body[..], "bytes differ");
    }

    #[test]
    fn socket_our_req_recovers_when_libzmq_rep_restarts() {
        let dir = TempDir::new("ferrozmq-interop");
        let at = ipc_endpoint(&socket_path(&dir));
        let zctx = zmq::Context::new();
        let rep = zsocket(&zctx, zmq::REP);
        rep.bind(&at).unwrap();
        let ctx = Context::new().unwrap();
        let req = ours(&ctx, SocketType::Req);
        req.set_option(SocketOption::ReconnectIvl(Some(Duration::from_millis(10))))
            .unwrap();
        req.connect(&at).unwrap();
        req.send(Msg::from_static(b"one")).unwrap();
        assert_eq!(rep.recv_bytes(0).unwrap(), b"one");
        rep.send(&b"1"[..], 0).unwrap();
        assert_eq!(&req.recv().unwrap()[..], b"1");
        req.send(Msg::from_static(b"lost")).unwrap();
        assert_eq!(rep.recv_bytes(0).unwrap(), b"lost");
        drop(rep);
        // The request died with the peer: recv says so, send is allowed.
        assert_eq!(req.recv().unwrap_err(), ferrozmq_socket::RecvError::State);
        let rep = zsocket(&zctx, zmq::REP);
        rep.bind(&at).unwrap();
        req.send(Msg::from_static(b"again")).unwrap();
        assert_eq!(rep.recv_bytes(0).unwrap(), b"again");
        rep.send(&b"2"[..], 0).unwrap();
        assert_eq!(&req.recv().unwrap()[..], b"2");
    }

    #[test]
    fn socket_our_sub_resubscribes_when_libzmq_pub_restarts() {
        let dir = TempDir::new("ferrozmq-interop");
        let at = ipc_endpoint(&socket_path(&dir));
        let zctx = zmq::Context::new();
        let ctx = Context::new().unwrap();
        let sub = ours(&ctx, SocketType::Sub);
        sub.set_option(SocketOption::ReconnectIvl(Some(Duration::from_millis(10))))
            .unwrap();
        sub.subscribe(b"t").unwrap();
        sub.connect(&at).unwrap(); // before the bind
        for round in 0..2 {
            let publisher = zsocket(&zctx, zmq::PUB);
            publisher.bind(&at).unwrap();
            let end = deadline();
            loop {
                assert!(Instant::now() < end, "round {round}: nothing arrived");
                publisher.send_multipart([&b"x"[..], b"no"], 0).unwrap();
                publisher.send_multipart([&b"t"[..], b"yes"], 0).unwrap();
                thread::sleep(Duration::from_millis(5));
                if let Ok(m) = sub.try_recv_multipart() {
                    assert_eq!(bytes(m.as_slice()), [b"t".to_vec(), b"yes".to_vec()]);
                    break;
                }
            }
            while let Ok(m) = sub.try_recv_multipart() {
                assert_eq!(&m[0][..], b"t");
            }
        }
    }

    /// Socket-level heartbeats against libzmq: a PUSH/PULL pair, one side
    /// ours and one libzmq's, each with or without HEARTBEAT_IVL (100 ms;
    /// TIMEOUT 500 ms, TTL 1 s). The connection stays up while idle for
    /// many intervals, seen by both monitors, and a message still goes
    /// through after. With heartbeats only on libzmq's side, our PONGs are
    /// all libzmq hears from us, so its HEARTBEAT_TIMEOUT would drop us if
    /// we did not answer its PINGs.
    fn heartbeats_keep_an_idle_connection(ours_beat: bool, theirs_beat: bool, we_bind: bool) {
        use ferrozmq_socket::{SocketEventKind, SocketMonitor};
        use zmq::SocketEvent::{DISCONNECTED, HANDSHAKE_SUCCEEDED};

        let name = format!("hb-{ours_beat}-{theirs_beat}-{we_bind}");
        let ctx = Context::new().unwrap();
        let zctx = zmq::Context::new();
        let (our_kind, their_kind) = if we_bind {
            (SocketType::Pull, zmq::PUSH)
        } else {
            (SocketType::Push, zmq::PULL)
        };
        let our = ours(&ctx, our_kind);
        if ours_beat {
            our.set_option(SocketOption::HeartbeatIvl(Some(Duration::from_millis(100))))
                .unwrap();
            our.set_option(SocketOption::HeartbeatTimeout(Some(Duration::from_millis(
                500,
            ))))
            .unwrap();
            our.set_option(SocketOption::HeartbeatTtl(Some(Duration::from_secs(1))))
                .unwrap();
        }
        let mut our_monitor: SocketMonitor = our.monitor();
        let their = zsocket(&zctx, their_kind);
        if theirs_beat {
            their.set_heartbeat_ivl(100).unwrap();
            their.set_heartbeat_timeout(500).unwrap();
            their.set_heartbeat_ttl(1_000).unwrap();
        }
        let monitor_endpoint = format!("inproc://monitor-{name}");
        their
            .monitor(&monitor_endpoint, zmq::SocketEvent::ALL as i32)
            .unwrap();
        let their_monitor = zsocket(&zctx, zmq::PAIR);
        their_monitor.connect(&monitor_endpoint).unwrap();
        if we_bind {
            our.bind("tcp://127.0.0.1:0").unwrap();
            their
                .connect(&our.last_endpoint().unwrap().to_string())
                .unwrap();
        } else {
            their.bind("tcp://127.0.0.1:*").unwrap();
            our.connect(&last_endpoint(&their)).unwrap();
        }
        // One message each way the pair allows, before and after the idle
        // time.
        let exchange = |tag: &[u8]| {
            if we_bind {
                their.send(tag, 0).unwrap();
                assert_eq!(&our.recv().unwrap()[..], tag);
            } else {
                our.send(Msg::copy_from_slice(tag)).unwrap();
                assert_eq!(their.recv_bytes(0).unwrap(), tag);
            }
        };
        exchange(b"before");
        thread::sleep(Duration::from_millis(1_500));
        exchange(b"after");
        let ours_seen: Vec<SocketEventKind> =
            std::iter::from_fn(|| our_monitor.try_recv().map(|e| e.kind)).collect();
        assert!(
            !ours_seen
                .iter()
                .any(|k| matches!(k, SocketEventKind::Disconnected(_))),
            "{ours_seen:?}"
        );
        let peer = if we_bind {
            SocketType::Push
        } else {
            SocketType::Pull
        };
        assert_eq!(
            ours_seen
                .iter()
                .filter(
                    |k| matches!(k, SocketEventKind::HandshakeSucceeded { peer: p, .. } if *p == peer)
                )
                .count(),
            1,
            "{ours_seen:?}"
        );
        let theirs_seen = monitor_events(&their_monitor);
        assert!(!theirs_seen.contains(&DISCONNECTED), "{theirs_seen:?}");
        assert_eq!(
            theirs_seen
                .iter()
                .filter(|e| **e == HANDSHAKE_SUCCEEDED)
                .count(),
            1,
            "{theirs_seen:?}"
        );
    }

    #[test]
    fn socket_heartbeats_both_sides_our_pull_bound() {
        heartbeats_keep_an_idle_connection(true, true, true);
    }

    #[test]
    fn socket_heartbeats_both_sides_our_push_connecting() {
        heartbeats_keep_an_idle_connection(true, true, false);
    }

    #[test]
    fn socket_libzmq_pings_are_answered_by_our_socket() {
        heartbeats_keep_an_idle_connection(false, true, true);
        heartbeats_keep_an_idle_connection(false, true, false);
    }

    #[test]
    fn socket_our_pings_are_answered_by_libzmq() {
        heartbeats_keep_an_idle_connection(true, false, false);
    }
}
