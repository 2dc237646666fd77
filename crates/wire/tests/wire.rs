//! Integration tests of `ferrozmq-wire`: byte-exact handshakes against the RFC
//! 23/37 and libzmq vectors, encoder→decoder round trips with arbitrary
//! chunking (proptest), in-memory pairs of connections (3.1 with 3.1, 3.0 with
//! 3.1, incompatible types), every malformed-input path, allocator
//! back-pressure and bounds, and heap allocations per message in the steady
//! state.
//!
//! One binary on purpose (build time). The global allocator counts
//! allocations per thread, so tests running in parallel do not disturb each
//! other's counts.

use std::io::IoSlice;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ferrozmq_alloc::{Heap, RecvAllocator};
use ferrozmq_msg::{INLINE_CAPACITY, Msg};
use ferrozmq_test_support::{CountingAlloc, Metered, counted};
use ferrozmq_wire::{
    CommandError, Config, Connection, ConnectionError, Decoded, Decoder, DecoderConfig, Encoder,
    EncoderConfig, Event, FrameError, GreetingError, HandshakeError, MetadataError, SendError,
    SocketType, ZmtpVersion,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Allocation counting and a metered receive allocator.

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn allocs_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let (r, counts) = counted(f);
    (r, counts.allocs)
}

fn heap() -> Arc<dyn RecvAllocator> {
    Arc::new(Heap)
}

// ---------------------------------------------------------------------------
// Helpers.

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

/// A NULL greeting as libzmq sends it (RFC 37 §Formal Grammar) with the given
/// minor version.
fn libzmq_greeting(minor: u8) -> Vec<u8> {
    let mut g = hex("FF 00 00 00 00 00 00 00 01 7F 03");
    g.push(minor);
    g.extend(b"NULL");
    g.extend([0; 16 + 1 + 31]);
    assert_eq!(g.len(), 64);
    g
}

/// Everything `conn` wants to write, written in full.
fn take_output(conn: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    while conn.has_transmit() {
        let mut iov = [IoSlice::new(&[]); 32];
        let n = conn.poll_transmit(&mut iov);
        let before = out.len();
        for s in &iov[..n] {
            out.extend_from_slice(s);
        }
        conn.advance(out.len() - before);
    }
    out
}

fn events(conn: &mut Connection) -> Vec<Event> {
    std::iter::from_fn(|| conn.poll_event()).collect()
}

/// Feeds all of `bytes`, polling events whenever the connection pauses.
fn feed(conn: &mut Connection, bytes: &[u8], now: Instant) -> Result<Vec<Event>, ConnectionError> {
    let mut at = 0;
    let mut out = Vec::new();
    loop {
        let p = conn.handle_input(&bytes[at..], now)?;
        assert!(p.blocked.is_none());
        at += p.consumed;
        out.extend(events(conn));
        if at == bytes.len() {
            return Ok(out);
        }
    }
}

fn config(t: SocketType) -> Config {
    Config::new(t, heap())
}

/// Moves bytes both ways until neither side has anything to say; returns
/// the events each side saw.
fn pump(a: &mut Connection, b: &mut Connection, now: Instant) -> (Vec<Event>, Vec<Event>) {
    let (mut ea, mut eb) = (Vec::new(), Vec::new());
    for _ in 0..100 {
        let ab = take_output(a);
        let ba = take_output(b);
        if ab.is_empty() && ba.is_empty() {
            return (ea, eb);
        }
        eb.extend(feed(b, &ab, now).unwrap());
        ea.extend(feed(a, &ba, now).unwrap());
    }
    panic!("connections never went quiet");
}

fn connected(ca: Config, cb: Config, now: Instant) -> (Connection, Connection) {
    let mut a = Connection::new(ca, now).unwrap();
    let mut b = Connection::new(cb, now).unwrap();
    let (ea, eb) = pump(&mut a, &mut b, now);
    assert!(matches!(&ea[..], [Event::HandshakeComplete(_)]), "{ea:?}");
    assert!(matches!(&eb[..], [Event::HandshakeComplete(_)]), "{eb:?}");
    (a, b)
}

fn frame_bytes(events: &[Event]) -> Vec<(Vec<u8>, bool)> {
    events
        .iter()
        .map(|e| match e {
            Event::Message(m) => (m.to_vec(), m.more()),
            other => panic!("not a message: {other:?}"),
        })
        .collect()
}

/// The READY a libzmq PUB would send: `04 19 05 READY 0B Socket-Type 00 00
/// 00 03 PUB`.
fn ready_from(socket_type: &str) -> Vec<u8> {
    let mut body = b"\x05READY\x0bSocket-Type".to_vec();
    body.extend((socket_type.len() as u32).to_be_bytes());
    body.extend(socket_type.as_bytes());
    let mut f = vec![0x04, body.len() as u8];
    f.extend(body);
    f
}

/// The READY a DEALER announcing `identity` sends (a long frame when it
/// does not fit a short one).
fn ready_with_identity(identity: &[u8]) -> Vec<u8> {
    let mut body = b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity".to_vec();
    body.extend((identity.len() as u32).to_be_bytes());
    body.extend(identity);
    let mut f = if body.len() <= 255 {
        vec![0x04, body.len() as u8]
    } else {
        let mut f = vec![0x06];
        f.extend((body.len() as u64).to_be_bytes());
        f
    };
    f.extend(body);
    f
}

/// A connection of type `t` that has exchanged greetings and READY with a
/// scripted libzmq-like peer of type `peer` and version 3.`minor`.
fn scripted(t: SocketType, peer: &str, minor: u8, now: Instant) -> Connection {
    let mut c = Connection::new(config(t), now).unwrap();
    take_output(&mut c);
    let mut input = libzmq_greeting(minor);
    input.extend(ready_from(peer));
    let ev = feed(&mut c, &input, now).unwrap();
    assert!(matches!(&ev[..], [Event::HandshakeComplete(_)]), "{ev:?}");
    take_output(&mut c);
    c
}

// ---------------------------------------------------------------------------
// Byte-exact handshakes.

#[test]
fn staged_greeting_and_ready_byte_exact() {
    let now = Instant::now();
    let mut dealer = Connection::new(config(SocketType::Dealer), now).unwrap();
    let greeting = libzmq_greeting(1);
    // libzmq staging (`zmtp_engine_t::receive_greeting`): 10 bytes first...
    assert_eq!(take_output(&mut dealer), &greeting[..10]);
    feed(&mut dealer, &greeting[..9], now).unwrap();
    assert_eq!(
        take_output(&mut dealer),
        b"",
        "nothing before the peer's 10 bytes"
    );
    feed(&mut dealer, &greeting[9..10], now).unwrap();
    assert_eq!(
        take_output(&mut dealer),
        [0x03],
        "the major version after them"
    );
    feed(&mut dealer, &greeting[10..11], now).unwrap();
    // ...then the rest of the greeting, and READY as soon as the greeting is
    // complete (NULL does not wait for the peer's READY, as in libzmq).
    assert_eq!(take_output(&mut dealer), &greeting[11..]);
    feed(&mut dealer, &greeting[11..], now).unwrap();
    // The RFC 23/37 §Worked Example: 04 29 05 READY 0B
    // Socket-Type 00 00 00 06 DEALER 08 Identity 00 00 00 00.
    let mut ready = hex("04 29 05");
    ready.extend(b"READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00");
    assert_eq!(take_output(&mut dealer), ready);
    let ev = feed(&mut dealer, &ready_from("ROUTER"), now).unwrap();
    let [Event::HandshakeComplete(peer)] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert_eq!(peer.socket_type, SocketType::Router);
    assert_eq!(peer.version, ZmtpVersion::V3_1);
    assert_eq!(peer.identity, b"");
    assert_eq!(peer.metadata.len(), 1);
    assert!(dealer.is_established());
}

#[test]
fn ready_without_identity_and_with_extra_properties() {
    let now = Instant::now();
    let mut cfg = config(SocketType::Pub);
    cfg.properties.push("X-App", b"v1".to_vec()).unwrap();
    let mut publisher = Connection::new(cfg, now).unwrap();
    take_output(&mut publisher);
    feed(&mut publisher, &libzmq_greeting(1), now).unwrap();
    let out = take_output(&mut publisher);
    // 64 - 10 greeting bytes, then READY: PUB sends no Identity (libzmq
    // sends it from REQ, DEALER and ROUTER only).
    let mut ready = hex("04 25 05");
    ready.extend(b"READY\x0bSocket-Type\x00\x00\x00\x03PUB\x05X-App\x00\x00\x00\x02v1");
    assert_eq!(&out[54..], ready);
    // A ROUTER's identity goes out as given.
    let mut cfg = config(SocketType::Router);
    cfg.identity = b"me".to_vec();
    let mut router = Connection::new(cfg, now).unwrap();
    let sig = take_output(&mut router);
    assert_eq!(
        sig,
        hex("FF 00 00 00 00 00 00 00 03 7F"),
        "padding is identity length + 1"
    );
    feed(&mut router, &libzmq_greeting(1), now).unwrap();
    let out = take_output(&mut router);
    assert!(out.ends_with(b"ROUTER\x08Identity\x00\x00\x00\x02me"));
}

#[test]
fn peer_metadata_unknown_properties_and_identity_are_exposed() {
    let now = Instant::now();
    let mut router = Connection::new(config(SocketType::Router), now).unwrap();
    let mut input = libzmq_greeting(1);
    let body = b"\x05READY\x0bsocket-type\x00\x00\x00\x03REQ\x08IDENTITY\x00\x00\x00\x03abc\x05X-Foo\x00\x00\x00\x01z";
    input.extend([0x04, body.len() as u8]);
    input.extend(body);
    let ev = feed(&mut router, &input, now).unwrap();
    let [Event::HandshakeComplete(peer)] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert_eq!(peer.socket_type, SocketType::Req);
    assert_eq!(peer.identity, b"abc");
    assert_eq!(peer.metadata.get("x-foo"), Some(&b"z"[..]));
    assert_eq!(peer.metadata.len(), 3);
}

// ---------------------------------------------------------------------------
// Pairs of connections.

#[test]
fn req_rep_exchange_traffic() {
    let now = Instant::now();
    let (mut req, mut rep) = connected(config(SocketType::Req), config(SocketType::Rep), now);
    assert_eq!(req.peer_socket_type(), Some(SocketType::Rep));
    assert_eq!(rep.version(), Some(ZmtpVersion::V3_1));
    req.send(Msg::new().with_more(true)).unwrap();
    req.send(Msg::from(vec![5u8; 70_000])).unwrap();
    let (_, got) = pump(&mut req, &mut rep, now);
    assert_eq!(
        frame_bytes(&got),
        [(vec![], true), (vec![5u8; 70_000], false)]
    );
    rep.send(Msg::new().with_more(true)).unwrap();
    rep.send(Msg::from_static(b"World")).unwrap();
    let (got, _) = pump(&mut req, &mut rep, now);
    assert_eq!(
        frame_bytes(&got),
        [(vec![], true), (b"World".to_vec(), false)]
    );
}

#[test]
fn subscriptions_31_to_31_use_commands() {
    let now = Instant::now();
    let (mut sub, mut publisher) = connected(config(SocketType::Sub), config(SocketType::Pub), now);
    sub.send_subscription(true, b"A").unwrap();
    sub.send_subscription(true, b"").unwrap();
    sub.send_subscription(false, b"A").unwrap();
    let wire = take_output(&mut sub);
    // RFC 37 §The Publish-Subscribe Pattern vectors.
    let mut want = hex("04 0B 09");
    want.extend(b"SUBSCRIBEA");
    want.extend(hex("04 0A 09"));
    want.extend(b"SUBSCRIBE");
    want.extend(hex("04 08 06"));
    want.extend(b"CANCELA");
    assert_eq!(wire, want);
    let ev = feed(&mut publisher, &wire, now).unwrap();
    let kinds: Vec<(bool, Vec<u8>)> = ev
        .iter()
        .map(|e| match e {
            Event::Subscribe(t) => (true, t.to_vec()),
            Event::Cancel(t) => (false, t.to_vec()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (true, b"A".to_vec()),
            (true, vec![]),
            (false, b"A".to_vec())
        ]
    );
}

#[test]
fn a_30_peer_against_a_31_peer_uses_legacy_subscriptions() {
    let now = Instant::now();
    let mut old = config(SocketType::Pub);
    old.version = ZmtpVersion::V3_0;
    let (mut sub, mut publisher) = connected(config(SocketType::Sub), old, now);
    assert_eq!(sub.version(), Some(ZmtpVersion::V3_0));
    assert_eq!(publisher.version(), Some(ZmtpVersion::V3_0));
    sub.send_subscription(true, b"A").unwrap();
    sub.send_subscription(true, b"").unwrap();
    sub.send_subscription(false, b"A").unwrap();
    let wire = take_output(&mut sub);
    // RFC 23 §The Publish-Subscribe Pattern: `00 02 01 41`, `00 01 01`,
    // `00 02 00 41`.
    assert_eq!(wire, hex("00 02 01 41 00 01 01 00 02 00 41"));
    let ev = feed(&mut publisher, &wire, now).unwrap();
    assert!(
        matches!(&ev[..], [Event::Subscribe(a), Event::Subscribe(b), Event::Cancel(c)]
        if a == b"A" && b.is_empty() && c == b"A")
    );
    // The publisher's messages still flow.
    publisher.send(Msg::from_static(b"A-news")).unwrap();
    let (got, _) = pump(&mut sub, &mut publisher, now);
    assert_eq!(frame_bytes(&got), [(b"A-news".to_vec(), false)]);
}

#[test]
fn poll_message_with_takes_data_frames_in_order_and_leaves_other_events() {
    let now = Instant::now();
    let mut xpub = scripted(SocketType::XPub, "XSUB", 1, now);
    // SUBSCRIBE A, a two-frame message, SUBSCRIBE B (the legacy form).
    let wire = hex("00 02 01 41 01 01 01 00 01 02 00 02 01 42");
    let p = xpub.handle_input(&wire, now).unwrap();
    assert_eq!(p.consumed, wire.len());
    let take = |conn: &mut Connection| {
        conn.poll_message_with(|frame| {
            let more = frame.more();
            (core::mem::take(frame).to_vec(), more)
        })
    };
    // Not a data frame: left where it is, for `poll_event`.
    assert_eq!(take(&mut xpub), None);
    assert!(matches!(xpub.poll_event(), Some(Event::Subscribe(t)) if t == b"A"));
    assert_eq!(take(&mut xpub), Some((vec![1], true)));
    assert_eq!(take(&mut xpub), Some((vec![2], false)));
    assert_eq!(take(&mut xpub), None);
    assert!(matches!(xpub.poll_event(), Some(Event::Subscribe(t)) if t == b"B"));
    assert_eq!(take(&mut xpub), None);
    assert!(xpub.poll_event().is_none());
}

#[test]
fn publisher_accepts_both_forms_from_any_peer_and_only_single_frames() {
    let now = Instant::now();
    // A 3.1 connection receiving the legacy form (libzmq XSUB forwards it).
    let mut xpub = scripted(SocketType::XPub, "XSUB", 1, now);
    let mut wire = hex("00 02 01 41 00 02 00 41");
    // A multi-part message starting with 0x01 is data, not a subscription.
    wire.extend(hex("01 01 01 00 01 02"));
    // Any first byte other than 0/1 is ordinary upstream data.
    wire.extend(hex("00 01 07"));
    let ev = feed(&mut xpub, &wire, now).unwrap();
    assert!(
        matches!(&ev[..4], [Event::Subscribe(a), Event::Cancel(b), Event::Message(c), Event::Message(d)]
        if a == b"A" && b == b"A" && c == &[1u8][..] && c.more() && d == &[2u8][..])
    );
    assert!(matches!(&ev[4..], [Event::Message(m)] if m == &[7u8][..]));
    // A SUB does not turn data or commands into subscriptions.
    let mut sub = scripted(SocketType::Sub, "PUB", 1, now);
    let mut wire = hex("00 02 01 41 04 0B 09");
    wire.extend(b"SUBSCRIBEA");
    let ev = feed(&mut sub, &wire, now).unwrap();
    assert!(matches!(&ev[..], [Event::Message(m)] if m == b"\x01A"));
}

#[test]
fn incompatible_socket_types_are_refused_with_error() {
    let now = Instant::now();
    let mut a = Connection::new(config(SocketType::Req), now).unwrap();
    let mut b = Connection::new(config(SocketType::Pub), now).unwrap();
    // Greetings (staged) and READYs cross until REQ sees the PUB's READY.
    let mut to_b = Vec::new();
    let err = loop {
        let ab = take_output(&mut a);
        let ba = take_output(&mut b);
        to_b.extend(&ab);
        feed(&mut b, &ab, now).unwrap_or_default();
        match feed(&mut a, &ba, now) {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    let ab: Vec<u8> = to_b[64..].to_vec();
    assert_eq!(
        err,
        ConnectionError::Handshake(HandshakeError::IncompatibleSocketType {
            ours: SocketType::Req,
            peer: SocketType::Pub
        })
    );
    assert!(a.is_failed());
    // REQ's ERROR (RFC 37 §The NULL Security Mechanism grammar):
    // 04 1F 05 ERROR 18 + reason.
    let error_frame = take_output(&mut a);
    let mut want = hex("04 1F 05");
    want.extend(b"ERROR\x18incompatible socket type");
    assert_eq!(error_frame, want);
    // The PUB refuses the REQ's READY the same way; the ERROR that follows
    // would be fatal to it too.
    let mut pub_side = Connection::new(config(SocketType::Pub), now).unwrap();
    let err = feed(&mut pub_side, &[&libzmq_greeting(1)[..], &ab].concat(), now).unwrap_err();
    assert!(matches!(
        err,
        ConnectionError::Handshake(HandshakeError::IncompatibleSocketType { .. })
    ));
    let mut fresh = Connection::new(config(SocketType::Pub), now).unwrap();
    let mut input = libzmq_greeting(1);
    input.extend(error_frame);
    assert_eq!(
        feed(&mut fresh, &input, now).unwrap_err(),
        ConnectionError::Handshake(HandshakeError::PeerError {
            reason: b"incompatible socket type".to_vec()
        })
    );
    // After a failure everything is refused, and the message handed back.
    assert_eq!(a.handle_input(b"x", now), Err(ConnectionError::Closed));
    assert!(matches!(a.send(Msg::from_static(b"m")), Err(SendError::Closed(m)) if m == b"m"));
}

#[test]
fn an_identity_of_255_bytes_is_accepted_and_256_refused_with_error() {
    let now = Instant::now();
    let mut c = fresh(now);
    let ev = feed(
        &mut c,
        &after_greeting(&ready_with_identity(&[0xAB; 255])),
        now,
    )
    .unwrap();
    match &ev[..] {
        [Event::HandshakeComplete(peer)] => assert_eq!(peer.identity, [0xAB; 255]),
        other => panic!("{other:?}"),
    }
    let mut c = fresh(now);
    let err = feed(
        &mut c,
        &after_greeting(&ready_with_identity(&[0xAB; 256])),
        now,
    )
    .unwrap_err();
    assert_eq!(
        err,
        ConnectionError::Handshake(HandshakeError::IdentityTooLong { len: 256 })
    );
    assert_eq!(
        err.to_string(),
        "handshake: peer's identity of 256 bytes, at most 255 are allowed"
    );
    // Our READY went out before the peer's was read; then ERROR and its
    // reason: 04 17 05 ERROR 10 "invalid identity".
    let out = take_output(&mut c);
    assert!(
        out.ends_with(&[&hex("04 17 05")[..], b"ERROR\x10invalid identity"].concat()),
        "{out:02x?}"
    );
}

#[test]
fn send_before_the_handshake_hands_the_message_back() {
    let now = Instant::now();
    let mut c = Connection::new(config(SocketType::Push), now).unwrap();
    let err = c.send(Msg::from_static(b"early")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot send before the handshake completes"
    );
    assert_eq!(err.into_msg(), b"early");
    assert!(matches!(
        c.send_subscription(true, b"t"),
        Err(SendError::HandshakeIncomplete(_))
    ));
}

#[test]
fn heartbeats_ping_pong_and_timeouts() {
    let t0 = Instant::now();
    let mut ca = config(SocketType::Dealer);
    ca.heartbeat_interval = Some(Duration::from_secs(1));
    ca.heartbeat_timeout = Some(Duration::from_millis(500));
    ca.heartbeat_ttl = Some(Duration::from_secs(3));
    let (mut a, mut b) = connected(ca, config(SocketType::Router), t0);
    let t1 = t0 + Duration::from_secs(1);
    assert_eq!(a.poll_timeout(), Some(t1));
    assert_eq!(b.poll_timeout(), None);
    a.handle_timeout(t1).unwrap();
    // PING with TTL 30 deciseconds and no context (RFC 37 §Connection
    // Heartbeating).
    let ping = take_output(&mut a);
    assert_eq!(
        ping,
        [&hex("04 07 04")[..], b"PING", &[0x00, 0x1E]].concat()
    );
    assert_eq!(a.poll_timeout(), Some(t1 + Duration::from_millis(500)));
    let ev = feed(&mut b, &ping, t1).unwrap();
    assert!(
        matches!(&ev[..], [Event::Ping { ttl: Some(ttl), context }] if *ttl == Duration::from_secs(3) && context.is_empty())
    );
    assert_eq!(b.poll_timeout(), Some(t1 + Duration::from_secs(3)));
    let pong = take_output(&mut b);
    assert_eq!(pong, [&hex("04 05 04")[..], b"PONG"].concat());
    let ev = feed(&mut a, &pong, t1).unwrap();
    assert!(matches!(&ev[..], [Event::Pong { context }] if context.is_empty()));
    // The PONG cancelled the heartbeat timeout; the next PING is due at t2.
    assert_eq!(a.poll_timeout(), Some(t1 + Duration::from_secs(1)));
    // The peer's TTL expires when nothing arrives.
    assert_eq!(
        b.handle_timeout(t1 + Duration::from_secs(3)),
        Err(ConnectionError::TtlExpired)
    );
    // And our own timeout fires when the PONG never comes.
    let t2 = t1 + Duration::from_secs(1);
    a.handle_timeout(t2).unwrap();
    take_output(&mut a);
    assert_eq!(a.handle_timeout(t2 + Duration::from_millis(499)), Ok(()));
    assert_eq!(
        a.handle_timeout(t2 + Duration::from_millis(500)),
        Err(ConnectionError::HeartbeatTimeout)
    );
}

#[test]
fn ping_context_is_echoed_truncated_to_16_bytes_and_pings_wait_for_message_ends() {
    let now = Instant::now();
    let mut c = scripted(SocketType::Dealer, "ROUTER", 1, now);
    c.send(Msg::from_static(b"part").with_more(true)).unwrap();
    let mut ping = hex("04 1A 04");
    ping.extend(b"PING\x00\x00");
    ping.extend(b"0123456789abcdefXYZ");
    let ev = feed(&mut c, &ping, now).unwrap();
    assert!(matches!(&ev[..], [Event::Ping { ttl: None, context }] if context.len() == 19));
    assert_eq!(
        take_output(&mut c),
        hex("01 04 70 61 72 74"),
        "the PONG waits for the message end"
    );
    c.send(Msg::from_static(b"end")).unwrap();
    let mut want = hex("00 03 65 6E 64 04 15 04");
    want.extend(b"PONG0123456789abcdef");
    assert_eq!(take_output(&mut c), want);
}

#[test]
fn a_ping_flood_leaves_one_pong_waiting() {
    // A peer that floods PINGs and never reads cannot grow our output: one
    // PONG waits, with the latest context (libzmq keeps one `_pong_msg`).
    let now = Instant::now();
    let mut c = scripted(SocketType::Pull, "PUSH", 1, now);
    let mut flood = Vec::new();
    for i in 0..100_000u32 {
        flood.extend(hex("04 0B 04"));
        flood.extend(b"PING\x00\x00");
        flood.extend(i.to_be_bytes());
    }
    let ev = feed(&mut c, &flood, now).unwrap();
    assert_eq!(ev.len(), 100_000);
    let mut want = hex("04 09 04");
    want.extend(b"PONG");
    want.extend(99_999u32.to_be_bytes());
    assert_eq!(take_output(&mut c), want);
    assert!(!c.has_transmit());
    // A PING answered while a message is queued: the PONG follows it.
    c.send(Msg::from_static(b"data")).unwrap();
    let mut ping = hex("04 07 04");
    ping.extend(b"PING\x00\x00");
    feed(&mut c, &ping, now).unwrap();
    let mut want = hex("00 04");
    want.extend(b"data");
    want.extend(hex("04 05 04"));
    want.extend(b"PONG");
    assert_eq!(take_output(&mut c), want);
}

#[test]
fn handshake_timeout() {
    let t0 = Instant::now();
    let mut c = Connection::new(config(SocketType::Pair), t0).unwrap();
    // A truncated greeting: no error, just waiting.
    let ev = feed(&mut c, &libzmq_greeting(1)[..40], t0).unwrap();
    assert!(ev.is_empty());
    let deadline = t0 + Duration::from_secs(30);
    assert_eq!(c.poll_timeout(), Some(deadline));
    assert_eq!(
        c.handle_timeout(deadline - Duration::from_millis(1)),
        Ok(())
    );
    assert_eq!(
        c.handle_timeout(deadline),
        Err(ConnectionError::HandshakeTimeout)
    );
    assert_eq!(c.handle_timeout(deadline), Err(ConnectionError::Closed));
}

#[test]
fn unknown_commands_after_the_handshake_are_ignored() {
    let now = Instant::now();
    let mut c = scripted(SocketType::Pull, "PUSH", 1, now);
    let mut wire = hex("04 09 04");
    wire.extend(b"JOINabcd");
    wire.extend(hex("04 08 05"));
    wire.extend(b"ERRORxy");
    wire.extend(ready_from("PUSH"));
    wire.extend(hex("04 0B 09"));
    wire.extend(b"SUBSCRIBEA");
    wire.extend(hex("00 02 6F 6B"));
    let ev = feed(&mut c, &wire, now).unwrap();
    assert_eq!(frame_bytes(&ev), [(b"ok".to_vec(), false)]);
    assert!(take_output(&mut c).is_empty(), "nothing is answered");
}

// ---------------------------------------------------------------------------
// Malformed input, one test per error path.

fn fresh(now: Instant) -> Connection {
    let mut c = Connection::new(config(SocketType::Dealer), now).unwrap();
    take_output(&mut c);
    c
}

fn after_greeting(extra: &[u8]) -> Vec<u8> {
    let mut v = libzmq_greeting(1);
    v.extend(extra);
    v
}

#[test]
fn malformed_greetings() {
    let now = Instant::now();
    // ZMTP 1.0 (first byte not 0xFF) is refused on the first byte.
    assert_eq!(
        feed(&mut fresh(now), &[0x05], now).unwrap_err(),
        ConnectionError::Greeting(GreetingError::Zmtp10 { offset: 0, byte: 5 })
    );
    let mut g = libzmq_greeting(1);
    g[9] = 0x7E;
    assert_eq!(
        feed(&mut fresh(now), &g, now).unwrap_err(),
        ConnectionError::Greeting(GreetingError::Zmtp10 {
            offset: 9,
            byte: 0x7E
        })
    );
    for major in [0u8, 1, 2] {
        let mut g = libzmq_greeting(1);
        g[10] = major;
        let err = feed(&mut fresh(now), &g, now).unwrap_err();
        assert_eq!(
            err,
            ConnectionError::Greeting(GreetingError::UnsupportedVersion { major })
        );
        assert!(
            err.to_string()
                .contains(&format!("major version is {major}"))
        );
    }
    let mut g = libzmq_greeting(1);
    g[12..17].copy_from_slice(b"CURVE");
    let mut c = fresh(now);
    let err = feed(&mut c, &g, now).unwrap_err();
    assert_eq!(
        err.to_string(),
        "greeting: mechanism mismatch, we use NULL and the peer CURVE"
    );
    // libzmq closes without ERROR on a mechanism mismatch (RFC 37
    // §Authentication and Confidentiality asks only for the close).
    let rest = take_output(&mut c);
    assert_eq!(rest.len(), 54, "only the rest of our greeting, no ERROR");
    let mut g = libzmq_greeting(1);
    g[12..20].copy_from_slice(b"UNKNOWN!");
    assert!(matches!(
        feed(&mut fresh(now), &g, now),
        Err(ConnectionError::Greeting(
            GreetingError::MechanismMismatch { .. }
        ))
    ));
    // A major above 3 is accepted as 3.1.
    let mut g = libzmq_greeting(0);
    g[10] = 4;
    let mut c = fresh(now);
    feed(&mut c, &g, now).unwrap();
    assert_eq!(c.version(), Some(ZmtpVersion::V3_1));
}

#[test]
fn malformed_handshakes() {
    let now = Instant::now();
    let cases: Vec<(Vec<u8>, ConnectionError)> = vec![
        // READY whose property name runs past the frame.
        (
            [&hex("04 0B 05")[..], b"READY\x09Sock"].concat(),
            ConnectionError::Handshake(HandshakeError::Malformed(CommandError::Metadata {
                command: "READY",
                error: MetadataError::NameTruncated {
                    offset: 0,
                    len: 9,
                    available: 4,
                },
            })),
        ),
        // READY whose value length is cut.
        (
            [&hex("04 0E 05")[..], b"READY\x01A\x00\x00\x00\x05ab"].concat(),
            ConnectionError::Handshake(HandshakeError::Malformed(CommandError::Metadata {
                command: "READY",
                error: MetadataError::ValueTruncated {
                    offset: 2,
                    len: 5,
                    available: 2,
                },
            })),
        ),
        // READY without Socket-Type.
        (
            [&hex("04 06 05")[..], b"READY"].concat(),
            ConnectionError::Handshake(HandshakeError::MissingSocketType),
        ),
        // Socket-Type with an unknown or lower-case name.
        (
            ready_from("dealer"),
            ConnectionError::Handshake(HandshakeError::UnknownSocketType {
                name: b"dealer".to_vec(),
            }),
        ),
        // An Identity of 256 bytes (RFC 37 §The Identity Property: 0 to 255).
        (
            ready_with_identity(&[b'i'; 256]),
            ConnectionError::Handshake(HandshakeError::IdentityTooLong { len: 256 }),
        ),
        // A data frame before READY.
        (
            hex("00 01 61"),
            ConnectionError::Handshake(HandshakeError::UnexpectedMessage),
        ),
        // A mechanism command NULL does not expect.
        (
            [&hex("04 06 05")[..], b"HELLO"].concat(),
            ConnectionError::Handshake(HandshakeError::UnexpectedCommand {
                name: b"HELLO".to_vec(),
            }),
        ),
        // PING before the handshake is over is unexpected too.
        (
            [&hex("04 07 04")[..], b"PING\x00\x00"].concat(),
            ConnectionError::Handshake(HandshakeError::UnexpectedCommand {
                name: b"PING".to_vec(),
            }),
        ),
        // A command whose name runs past the frame.
        (
            hex("04 02 05 52"),
            ConnectionError::Handshake(HandshakeError::Malformed(CommandError::NameTruncated {
                len: 5,
                available: 1,
            })),
        ),
        (
            hex("04 00"),
            ConnectionError::Handshake(HandshakeError::Malformed(CommandError::Empty)),
        ),
        // ERROR whose reason runs past the frame.
        (
            [&hex("04 08 05")[..], b"ERROR\x09x"].concat(),
            ConnectionError::Handshake(HandshakeError::Malformed(CommandError::ErrorTruncated {
                len: 2,
            })),
        ),
        // A command with MORE.
        (
            hex("05 00"),
            ConnectionError::Frame(FrameError::CommandWithMore {
                offset: 0,
                flags: 5,
            }),
        ),
        // A command larger than the command limit (64 KiB by default).
        (
            hex("06 00 00 00 00 00 01 00 01"),
            ConnectionError::Frame(FrameError::TooLarge {
                offset: 0,
                size: 65537,
                max: 65536,
                command: true,
            }),
        ),
    ];
    for (bytes, want) in cases {
        let mut c = fresh(now);
        let got = feed(&mut c, &after_greeting(&bytes), now).unwrap_err();
        assert_eq!(got, want, "input {bytes:02x?}");
        assert!(!got.to_string().is_empty());
    }
}

#[test]
fn malformed_traffic() {
    let now = Instant::now();
    let at = |c: &mut Connection, bytes: &[u8]| feed(c, bytes, now).unwrap_err();
    // A command between the frames of one message; the offset counts from
    // the first byte after the greeting (the scripted ROUTER READY is 30 bytes).
    let mut c = scripted(SocketType::Dealer, "ROUTER", 1, now);
    let mut wire = hex("01 01 61 04 05 04");
    wire.extend(b"PONG");
    assert_eq!(
        at(&mut c, &wire),
        ConnectionError::Frame(FrameError::CommandInsideMessage { offset: 33 })
    );
    // PING without its TTL.
    let mut c = scripted(SocketType::Dealer, "ROUTER", 1, now);
    let mut wire = hex("04 06 04");
    wire.extend(b"PING\x00");
    assert_eq!(
        at(&mut c, &wire),
        ConnectionError::Command(CommandError::PingTruncated { len: 1 })
    );
    // Sizes of 2^63 and u64::MAX, with and without a maximum: typed errors,
    // and the allocator is never asked.
    for max in [None, Some(1u64 << 20)] {
        for size in [1u64 << 63, u64::MAX] {
            let alloc = Arc::new(Metered::default());
            let mut cfg = config(SocketType::Dealer);
            cfg.recv_allocator = alloc.clone();
            cfg.max_msg_size = max;
            let mut c = Connection::new(cfg, now).unwrap();
            let mut wire = after_greeting(&ready_from("ROUTER"));
            wire.push(0x02);
            wire.extend(size.to_be_bytes());
            assert_eq!(
                feed(&mut c, &wire, now).unwrap_err(),
                ConnectionError::Frame(FrameError::InvalidSize { offset: 30, size })
            );
            assert!(alloc.largest() < 1024);
        }
    }
    // Over the maximum: refused before allocating.
    let alloc = Arc::new(Metered::default());
    let mut cfg = config(SocketType::Dealer);
    cfg.recv_allocator = alloc.clone();
    cfg.max_msg_size = Some(1000);
    let mut c = Connection::new(cfg, now).unwrap();
    let mut wire = after_greeting(&ready_from("ROUTER"));
    wire.extend(hex("02 00 00 00 00 00 00 03 E8"));
    wire.extend([1; 1000]);
    wire.extend(hex("02 00 00 00 00 00 00 03 E9"));
    let ev = c.handle_input(&wire, now).unwrap_err();
    assert_eq!(
        ev,
        ConnectionError::Frame(FrameError::TooLarge {
            offset: 30 + 1009,
            size: 1001,
            max: 1000,
            command: false
        })
    );
    assert!(alloc.largest() < 1000 + 64);
}

// ---------------------------------------------------------------------------
// Allocator back-pressure and direct reads.

#[test]
fn exhausted_allocator_blocks_without_losing_anything() {
    let now = Instant::now();
    let alloc = Arc::new(Metered::default());
    let mut cfg = config(SocketType::Pull);
    cfg.recv_allocator = alloc.clone();
    let mut c = Connection::new(cfg, now).unwrap();
    feed(&mut c, &after_greeting(&ready_from("PUSH")), now).unwrap();
    let mut wire = hex("00 03 61 62 63");
    wire.extend(hex("00 64"));
    wire.extend([9u8; 100]);
    wire.extend(hex("00 01 7A"));
    alloc.exhausted.store(true, Ordering::Relaxed);
    let p = c.handle_input(&wire, now).unwrap();
    // The inline frame needs no allocator; the 100-byte one blocks after
    // its header.
    assert_eq!(p.consumed, 5 + 2);
    assert!(p.blocked.is_some_and(|e| e.is_transient()));
    assert_eq!(frame_bytes(&events(&mut c)), [(b"abc".to_vec(), false)]);
    let p = c.handle_input(&wire[7..], now).unwrap();
    assert_eq!(p.consumed, 0);
    assert!(p.blocked.is_some());
    alloc.exhausted.store(false, Ordering::Relaxed);
    let p = c.handle_input(&wire[7..], now).unwrap();
    assert_eq!((p.consumed, p.blocked), (wire.len() - 7, None));
    assert_eq!(
        frame_bytes(&events(&mut c)),
        [(vec![9u8; 100], false), (b"z".to_vec(), false)]
    );
}

#[test]
fn large_body_read_straight_into_its_final_memory() {
    let now = Instant::now();
    let alloc = Arc::new(Metered::default());
    let mut cfg = config(SocketType::Pull);
    cfg.recv_allocator = alloc.clone();
    let mut c = Connection::new(cfg, now).unwrap();
    feed(&mut c, &after_greeting(&ready_from("PUSH")), now).unwrap();
    let body: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let mut header = hex("02");
    header.extend((body.len() as u64).to_be_bytes());
    // The read buffer holds the header and the first 8 KiB of the body.
    let first = [&header[..], &body[..8192]].concat();
    assert_eq!(c.handle_input(&first, now).unwrap().consumed, first.len());
    assert!(events(&mut c).is_empty());
    // The body is one block of the exact size (plus the message header).
    let largest = alloc.largest();
    assert!((1_000_000..1_000_000 + 64).contains(&largest), "{largest}");
    let dest = c.body_mut().expect("a body in progress");
    assert_eq!(dest.remaining(), 1_000_000 - 8192);
    let dest_ptr = dest.as_ptr();
    // "read()" the rest in two pieces straight into the destination.
    dest.fill_from(&body[8192..500_000]);
    c.handle_input(&[], now).unwrap();
    c.body_mut().unwrap().fill_from(&body[500_000..]);
    c.handle_input(&[], now).unwrap();
    let ev = events(&mut c);
    let [Event::Message(m)] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert_eq!(m.as_ptr(), dest_ptr, "the frame is the memory we read into");
    assert!(m[..] == body[..]);
    assert!(c.body_mut().is_none());
}

// ---------------------------------------------------------------------------
// Steady state: no heap allocation per message.

#[test]
fn steady_state_makes_no_heap_allocation_per_message() {
    let now = Instant::now();
    let (mut a, mut b) = connected(config(SocketType::Push), config(SocketType::Pull), now);
    let big = Msg::from(vec![3u8; 100_000]);
    let mid = Msg::from(vec![4u8; 500]);
    let mut wire = vec![0u8; 8 << 20];
    let round = |a: &mut Connection, b: &mut Connection, wire: &mut Vec<u8>| {
        for _ in 0..50 {
            a.send(Msg::from_static(b"small").with_more(true)).unwrap();
            a.send(mid.clone().with_more(true)).unwrap();
            a.send(big.clone()).unwrap();
        }
        let mut len = 0;
        while a.has_transmit() {
            let mut iov = [IoSlice::new(&[]); 64];
            let n = a.poll_transmit(&mut iov);
            let mut w = 0;
            for s in &iov[..n] {
                wire[len + w..len + w + s.len()].copy_from_slice(s);
                w += s.len();
            }
            len += w;
            a.advance(w);
        }
        let mut at = 0;
        let mut frames = 0;
        while at < len {
            at += b.handle_input(&wire[at..len], now).unwrap().consumed;
            while let Some(Event::Message(m)) = b.poll_event() {
                frames += 1;
                drop(m);
            }
        }
        frames
    };
    // Warm-up grows the queues and the batch to their working size.
    assert_eq!(round(&mut a, &mut b, &mut wire), 150);
    let (frames, allocs) = allocs_during(|| round(&mut a, &mut b, &mut wire));
    assert_eq!(frames, 150);
    // Received bodies above the inline size take one block each from the
    // receive allocator (the Heap, i.e. the global allocator here): 100
    // frames of 500 B and 100 KiB. Nothing else allocates.
    assert_eq!(allocs, 100);
}

// ---------------------------------------------------------------------------
// Round trips with arbitrary chunking.

fn frame_strategy() -> impl Strategy<Value = Vec<u8>> {
    let sizes = prop_oneof![
        Just(0usize),
        0usize..8,
        (INLINE_CAPACITY - 2)..(INLINE_CAPACITY + 3),
        250usize..262,
        (1024usize - 2)..(1024 + 3),
        3000usize..20_000,
    ];
    sizes.prop_flat_map(|n| proptest::collection::vec(any::<u8>(), n))
}

fn message_strategy() -> impl Strategy<Value = Vec<Vec<u8>>> {
    proptest::collection::vec(frame_strategy(), 1..5)
}

fn chunking() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(
        prop_oneof![Just(1usize), 1usize..17, 1usize..5000, Just(usize::MAX)],
        1..8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn encoder_then_decoder_preserves_frames(
        messages in proptest::collection::vec(message_strategy(), 1..6),
        writes in chunking(),
        reads in chunking(),
        slots in 1usize..8,
        threshold in prop_oneof![Just(0usize), Just(INLINE_CAPACITY), Just(1024), Just(1 << 20)],
        direct in any::<bool>(),
    ) {
        let mut enc = Encoder::new(EncoderConfig { copy_threshold: threshold, batch_size: 4096 });
        let mut want = Vec::new();
        for message in &messages {
            for (i, frame) in message.iter().enumerate() {
                let more = i + 1 < message.len();
                enc.push(Msg::from(frame.clone()).with_more(more));
                want.push((frame.clone(), more));
            }
        }
        // Write with the given chunk sizes, cycling.
        let mut wire = Vec::new();
        let mut w = writes.iter().cycle();
        while enc.has_transmit() {
            let mut iov = vec![IoSlice::new(&[]); slots];
            let n = enc.poll_transmit(&mut iov);
            let mut budget = *w.next().unwrap();
            let mut written = 0;
            for s in &iov[..n] {
                let take = s.len().min(budget);
                wire.extend_from_slice(&s[..take]);
                budget -= take;
                written += take;
            }
            enc.advance(written);
        }
        // Read with other chunk sizes; sometimes straight into the body.
        let mut dec = Decoder::new(heap(), DecoderConfig::default());
        let mut got = Vec::new();
        let mut at = 0;
        let mut r = reads.iter().cycle();
        while at < wire.len() {
            let chunk = (*r.next().unwrap()).min(wire.len() - at);
            if direct && let Some(body) = dec.body_mut() {
                at += body.fill_from(&wire[at..at + chunk]);
            } else {
                let mut input = &wire[at..at + chunk];
                loop {
                    match dec.decode(&mut input).unwrap() {
                        Decoded::Frame(m) => got.push((m.to_vec(), m.more())),
                        Decoded::NeedInput => break,
                        Decoded::Blocked(e) => panic!("{e}"),
                    }
                }
                at += chunk;
            }
        }
        while let Decoded::Frame(m) = dec.decode(&mut &[][..]).unwrap() {
            got.push((m.to_vec(), m.more()));
        }
        prop_assert_eq!(dec.stream_offset(), wire.len() as u64);
        prop_assert_eq!(got, want);
    }

    #[test]
    fn connection_pair_preserves_messages_under_chunking(
        messages in proptest::collection::vec(message_strategy(), 1..5),
        chunk in prop_oneof![Just(1usize), 1usize..64, 1usize..100_000],
    ) {
        let now = Instant::now();
        let (mut a, mut b) = connected(config(SocketType::Dealer), config(SocketType::Dealer), now);
        let mut want = Vec::new();
        for message in &messages {
            for (i, frame) in message.iter().enumerate() {
                let more = i + 1 < message.len();
                a.send(Msg::from(frame.clone()).with_more(more)).unwrap();
                want.push((frame.clone(), more));
            }
        }
        let wire = take_output(&mut a);
        let mut got = Vec::new();
        for piece in wire.chunks(chunk) {
            got.extend(frame_bytes(&feed(&mut b, piece, now).unwrap()));
        }
        prop_assert_eq!(got, want);
    }
}
