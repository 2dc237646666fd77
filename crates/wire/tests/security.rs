//! Integration tests of the PLAIN (RFC 24) and CURVE (RFC 25/26) mechanisms
//! of `ferrozmq-wire`: handshakes between two `Connection`s in memory with
//! libzmq's byte layouts checked, traffic after them both ways (multi-part,
//! 1 MiB frames, subscriptions, heartbeats inside MESSAGE), the
//! authentication pause and its answers, and every refusal: wrong server
//! key, refused client key or password, malformed and tampered handshake
//! commands (a HELLO of the wrong size, a WELCOME with a bad box, an
//! INITIATE with a stale cookie or a vouch for another key), and replayed,
//! reordered or forged MESSAGEs.
//!
//! A hand-made CURVE client built on `crypto_box` stands in for a peer that
//! lies in its INITIATE.

use std::io::IoSlice;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crypto_box::aead::AeadInPlace;
use crypto_box::aead::generic_array::GenericArray;
use crypto_box::{PublicKey, SalsaBox, SecretKey};
use ferrozmq_alloc::{Heap, RecvAllocator};
use ferrozmq_msg::{Msg, Storage};
use ferrozmq_wire::{
    AuthDecision, Config, ConfigError, Connection, ConnectionError, Credentials, CurveKey,
    CurveKeyPair, Event, HandshakeError, Mechanism, MechanismName, MessageError, Metadata,
    Password, SocketType, z85_decode, z85_encode,
};

// ---------------------------------------------------------------------------
// Helpers.

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

fn feed(conn: &mut Connection, bytes: &[u8], now: Instant) -> Result<Vec<Event>, ConnectionError> {
    let mut at = 0;
    let mut out = Vec::new();
    loop {
        let p = conn.handle_input(&bytes[at..], now)?;
        assert!(p.blocked.is_none());
        at += p.consumed;
        out.extend(std::iter::from_fn(|| conn.poll_event()));
        if at == bytes.len() || p.consumed == 0 {
            return Ok(out);
        }
    }
}

fn config(t: SocketType, mechanism: Mechanism) -> Config {
    let alloc: Arc<dyn RecvAllocator> = Arc::new(Heap);
    let mut c = Config::new(t, alloc);
    c.mechanism = mechanism;
    c
}

fn frame(flags: u8, body: &[u8]) -> Vec<u8> {
    let mut f = if body.len() <= 255 {
        vec![flags, body.len() as u8]
    } else {
        let mut f = vec![flags | 0x02];
        f.extend((body.len() as u64).to_be_bytes());
        f
    };
    f.extend_from_slice(body);
    f
}

/// Pops one complete frame (flags, body) from the front of `buf`.
fn pop_frame(buf: &mut Vec<u8>) -> Option<(u8, Vec<u8>)> {
    let flags = *buf.first()?;
    let (len, h) = if flags & 0x02 != 0 {
        let size: [u8; 8] = buf.get(1..9)?.try_into().unwrap();
        (u64::from_be_bytes(size) as usize, 9)
    } else {
        (usize::from(*buf.get(1)?), 2)
    };
    let body = buf.get(h..h + len)?.to_vec();
    buf.drain(..h + len);
    Some((flags, body))
}

/// A client and a server wired through buffers we can read and tamper
/// with: greetings are exchanged at construction; frames after them wait
/// in `to_s` / `to_c` until delivered.
struct Wire {
    c: Connection,
    s: Connection,
    to_s: Vec<u8>,
    to_c: Vec<u8>,
    now: Instant,
}

impl Wire {
    fn new(client: Config, server: Config) -> Self {
        let now = Instant::now();
        let mut w = Wire {
            c: Connection::new(client, now).unwrap(),
            s: Connection::new(server, now).unwrap(),
            to_s: Vec::new(),
            to_c: Vec::new(),
            now,
        };
        // Deliver exactly the 64 greeting bytes each way.
        let (mut sent_s, mut sent_c) = (0, 0);
        for _ in 0..10 {
            w.collect();
            let n = w.to_s.len().min(64 - sent_s);
            let bytes: Vec<u8> = w.to_s.drain(..n).collect();
            feed(&mut w.s, &bytes, now).unwrap();
            sent_s += n;
            let n = w.to_c.len().min(64 - sent_c);
            let bytes: Vec<u8> = w.to_c.drain(..n).collect();
            feed(&mut w.c, &bytes, now).unwrap();
            sent_c += n;
            if sent_s == 64 && sent_c == 64 {
                w.collect();
                return w;
            }
        }
        panic!("greetings not exchanged");
    }

    fn collect(&mut self) {
        self.to_s.extend(take_output(&mut self.c));
        self.to_c.extend(take_output(&mut self.s));
    }

    fn next_to_s(&mut self) -> (u8, Vec<u8>) {
        self.collect();
        pop_frame(&mut self.to_s).expect("a frame for the server")
    }

    fn next_to_c(&mut self) -> (u8, Vec<u8>) {
        self.collect();
        pop_frame(&mut self.to_c).expect("a frame for the client")
    }

    fn deliver_to_s(&mut self, flags: u8, body: &[u8]) -> Result<Vec<Event>, ConnectionError> {
        feed(&mut self.s, &frame(flags, body), self.now)
    }

    fn deliver_to_c(&mut self, flags: u8, body: &[u8]) -> Result<Vec<Event>, ConnectionError> {
        feed(&mut self.c, &frame(flags, body), self.now)
    }

    /// Delivers everything both ways until quiet; the events each side saw.
    fn run(&mut self) -> (Vec<Event>, Vec<Event>) {
        let (mut ec, mut es) = (Vec::new(), Vec::new());
        for _ in 0..100 {
            self.collect();
            if self.to_s.is_empty() && self.to_c.is_empty() {
                return (ec, es);
            }
            let to_s = std::mem::take(&mut self.to_s);
            let to_c = std::mem::take(&mut self.to_c);
            es.extend(feed(&mut self.s, &to_s, self.now).unwrap());
            ec.extend(feed(&mut self.c, &to_c, self.now).unwrap());
        }
        panic!("never went quiet");
    }

    /// Runs the handshake to completion and checks both sides saw it.
    fn established(mut self) -> Self {
        let (ec, es) = self.run();
        assert!(matches!(&ec[..], [Event::HandshakeComplete(_)]), "{ec:?}");
        assert!(matches!(&es[..], [Event::HandshakeComplete(_)]), "{es:?}");
        self
    }
}

fn curve_configs(
    client_type: SocketType,
    server_type: SocketType,
) -> (Config, Config, CurveKeyPair, CurveKeyPair) {
    let server = CurveKeyPair::generate();
    let client = CurveKeyPair::generate();
    let c = config(
        client_type,
        Mechanism::CurveClient {
            public: client.public.clone(),
            secret: client.secret.clone(),
            server_key: server.public.clone(),
        },
    );
    let s = config(
        server_type,
        Mechanism::CurveServer {
            secret: server.secret.clone(),
        },
    );
    (c, s, client, server)
}

fn plain_client(username: &str, password: &str) -> Mechanism {
    Mechanism::PlainClient {
        username: username.as_bytes().to_vec(),
        password: Password::from(password),
    }
}

fn messages(events: &[Event]) -> Vec<(Vec<u8>, bool)> {
    events
        .iter()
        .map(|e| match e {
            Event::Message(m) => (m.to_vec(), m.more()),
            other => panic!("not a message: {other:?}"),
        })
        .collect()
}

/// Sends a multi-part message, a 1 MiB frame and an empty frame from `a`
/// and checks `b` gets them intact.
fn traffic(w: &mut Wire, client_to_server: bool) {
    let big: Vec<u8> = (0..1 << 20).map(|i: u32| (i * 7 + 3) as u8).collect();
    let from = if client_to_server { &mut w.c } else { &mut w.s };
    from.send(Msg::from_static(b"").with_more(true)).unwrap();
    from.send(Msg::from_static(b"part one").with_more(true))
        .unwrap();
    from.send(Msg::from(big.clone()).with_more(true)).unwrap();
    from.send(Msg::from_static(b"")).unwrap();
    let (ec, es) = w.run();
    let got = if client_to_server { es } else { ec };
    assert_eq!(
        messages(&got),
        vec![
            (b"".to_vec(), true),
            (b"part one".to_vec(), true),
            (big, true),
            (b"".to_vec(), false),
        ]
    );
}

// ---------------------------------------------------------------------------
// Keys and Z85 through the public API.

#[test]
fn z85_and_keys_from_the_public_api() {
    assert_eq!(
        z85_encode(&[0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]).unwrap(),
        "HelloWorld"
    );
    assert_eq!(z85_decode("HelloWorld").unwrap().len(), 8);
    let secret = CurveKey::from_z85("D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs").unwrap();
    assert_eq!(
        secret.public_key().to_z85(),
        "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
    );
    assert_eq!(format!("{secret:?}"), "CurveKey(..)");
}

#[test]
fn config_errors() {
    let pair = CurveKeyPair::generate();
    let other = CurveKeyPair::generate();
    let c = config(
        SocketType::Dealer,
        Mechanism::CurveClient {
            public: other.public,
            secret: pair.secret,
            server_key: pair.public,
        },
    );
    assert_eq!(
        Connection::new(c, Instant::now()).err(),
        Some(ConfigError::CurveKeyMismatch)
    );
    let long = "x".repeat(256);
    let c = config(SocketType::Dealer, plain_client(&long, "pw"));
    assert_eq!(
        Connection::new(c, Instant::now()).err(),
        Some(ConfigError::CredentialTooLong {
            field: "username",
            len: 256
        })
    );
}

// ---------------------------------------------------------------------------
// PLAIN.

#[test]
fn plain_handshake_byte_layout_and_traffic_without_authenticator() {
    let mut w = Wire::new(
        config(SocketType::Dealer, plain_client("admin", "secret")),
        config(SocketType::Router, Mechanism::PlainServer),
    );
    // RFC 24 §The HELLO Command; libzmq `plain_client_t::produce_hello`.
    let (flags, hello) = w.next_to_s();
    assert_eq!(flags, 0x04);
    assert_eq!(hello, b"\x05HELLO\x05admin\x06secret");
    w.deliver_to_s(flags, &hello).unwrap();
    let (flags, welcome) = w.next_to_c();
    assert_eq!((flags, &welcome[..]), (0x04, &b"\x07WELCOME"[..]));
    w.deliver_to_c(flags, &welcome).unwrap();
    let (_, initiate) = w.next_to_s();
    assert!(initiate.starts_with(b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x06DEALER"));
    w.deliver_to_s(0x04, &initiate).unwrap();
    let (_, ready) = w.next_to_c();
    assert!(ready.starts_with(b"\x05READY\x0bSocket-Type\x00\x00\x00\x06ROUTER"));
    let ev = w.deliver_to_c(0x04, &ready).unwrap();
    assert!(
        matches!(&ev[..], [Event::HandshakeComplete(p)] if p.socket_type == SocketType::Router)
    );
    assert!(w.s.is_established() && w.c.is_established());
    traffic(&mut w, true);
    traffic(&mut w, false);
    // PLAIN traffic is plain ZMTP framing.
    w.c.send(Msg::from_static(b"Hi")).unwrap();
    w.collect();
    assert_eq!(w.to_s, b"\x00\x02Hi");
}

#[test]
fn plain_authenticator_accepts_with_a_user_id() {
    let mut server = config(SocketType::Rep, Mechanism::PlainServer);
    server.authenticate = true;
    let mut w = Wire::new(config(SocketType::Req, plain_client("alice", "pw")), server);
    let (_, es) = w.run();
    let [Event::AuthRequest(req)] = &es[..] else {
        panic!("{es:?}")
    };
    assert_eq!(req.mechanism, MechanismName::PLAIN);
    let Credentials::Plain { username, password } = &req.credentials else {
        panic!()
    };
    assert_eq!(
        (&username[..], password.as_bytes()),
        (&b"alice"[..], &b"pw"[..])
    );
    assert!(!format!("{req:?}").contains("pw\""), "password printed");
    // Nothing moves while the decision is pending.
    assert!(!w.s.has_transmit());
    let mut props = Metadata::new();
    props.push("X-Role", b"admin".to_vec()).unwrap();
    let accepted =
        w.s.handle_auth(
            AuthDecision::Accept {
                user_id: b"alice@example".to_vec(),
                properties: props,
            },
            w.now,
        )
        .unwrap();
    assert!(accepted);
    let (ec, es) = w.run();
    assert!(matches!(&ec[..], [Event::HandshakeComplete(_)]));
    let [Event::HandshakeComplete(peer)] = &es[..] else {
        panic!("{es:?}")
    };
    assert_eq!(peer.user_id, b"alice@example");
    assert_eq!(peer.auth_properties.get("X-Role"), Some(&b"admin"[..]));
    // A second decision is not awaited.
    assert_eq!(w.s.handle_auth(AuthDecision::accept("x"), w.now), Ok(false));
    traffic(&mut w, true);
}

#[test]
fn plain_wrong_password_is_refused_with_error_400() {
    let mut server = config(SocketType::Pull, Mechanism::PlainServer);
    server.authenticate = true;
    let mut w = Wire::new(
        config(SocketType::Push, plain_client("alice", "wrong")),
        server,
    );
    let (_, es) = w.run();
    assert!(matches!(&es[..], [Event::AuthRequest(_)]));
    let err =
        w.s.handle_auth(AuthDecision::refuse("bad password"), w.now)
            .unwrap_err();
    assert_eq!(
        err,
        ConnectionError::Handshake(HandshakeError::AuthRefused {
            status_code: 400,
            reason: "bad password".into()
        })
    );
    // The ERROR carries the status code as its reason, in libzmq's PLAIN
    // form (`^RROR`, libzmq `plain_server_t::produce_error`): the only one
    // libzmq's PLAIN client recognises. Ours reads it as a peer error.
    let (flags, error) = w.next_to_c();
    assert_eq!(
        (flags, &error[..]),
        (
            0x04,
            &[0x5E, b'R', b'R', b'O', b'R', 3, b'4', b'0', b'0'][..]
        )
    );
    let err = w.deliver_to_c(flags, &error).unwrap_err();
    assert_eq!(
        err,
        ConnectionError::Handshake(HandshakeError::PeerError {
            reason: b"400".to_vec()
        })
    );
    assert!(err.to_string().contains("400"));
}

#[test]
fn plain_server_refuses_a_socket_type_in_libzmqs_error_form() {
    let mut w = Wire::new(
        config(SocketType::Push, plain_client("a", "b")),
        config(SocketType::Push, Mechanism::PlainServer),
    );
    let (flags, hello) = w.next_to_s();
    w.deliver_to_s(flags, &hello).unwrap();
    let (flags, welcome) = w.next_to_c();
    w.deliver_to_c(flags, &welcome).unwrap();
    let (flags, initiate) = w.next_to_s();
    assert_eq!(
        w.deliver_to_s(flags, &initiate).unwrap_err(),
        ConnectionError::Handshake(HandshakeError::IncompatibleSocketType {
            ours: SocketType::Push,
            peer: SocketType::Push
        })
    );
    let (flags, error) = w.next_to_c();
    assert_eq!(
        (flags, &error[..]),
        (0x04, &b"\x5eRROR\x18incompatible socket type"[..])
    );
    assert_eq!(
        w.deliver_to_c(flags, &error).unwrap_err(),
        ConnectionError::Handshake(HandshakeError::PeerError {
            reason: b"incompatible socket type".to_vec()
        })
    );
}

#[test]
fn a_libzmq_plain_refusal_surfaces_its_status_code() {
    // libzmq 4.3.5's PLAIN server refusing (ZAP 400) sends these exact
    // bytes (captured from pyzmq 27.3 over TCP): `^RROR`, not `\x05ERROR`.
    let mut w = Wire::new(
        config(SocketType::Dealer, plain_client("admin", "wrong")),
        config(SocketType::Router, Mechanism::PlainServer),
    );
    let _ = w.next_to_s();
    let mut c = w.c;
    let err = feed(
        &mut c,
        &[
            0x04, 0x09, 0x5E, b'R', b'R', b'O', b'R', 3, b'4', b'0', b'0',
        ],
        w.now,
    )
    .unwrap_err();
    assert_eq!(
        err,
        ConnectionError::Handshake(HandshakeError::PeerError {
            reason: b"400".to_vec()
        })
    );
}

#[test]
fn a_temporary_refusal_closes_without_error() {
    let mut server = config(SocketType::Pull, Mechanism::PlainServer);
    server.authenticate = true;
    let mut w = Wire::new(config(SocketType::Push, plain_client("a", "b")), server);
    w.run();
    let err =
        w.s.handle_auth(
            AuthDecision::Refuse {
                status_code: 300,
                reason: "try later".into(),
            },
            w.now,
        )
        .unwrap_err();
    assert!(matches!(
        err,
        ConnectionError::Handshake(HandshakeError::AuthRefused {
            status_code: 300,
            ..
        })
    ));
    assert!(!w.s.has_transmit(), "no ERROR for a 3xx status");
    assert_eq!(w.s.handle_input(b"", w.now), Err(ConnectionError::Closed));
}

#[test]
fn null_with_authentication_asks_before_ready() {
    let mut server = config(SocketType::Rep, Mechanism::Null);
    server.authenticate = true;
    // The request comes as soon as the greeting is done.
    let now = Instant::now();
    let mut lone = Connection::new(server.clone(), now).unwrap();
    let mut peer = Connection::new(config(SocketType::Req, Mechanism::Null), now).unwrap();
    let mut events = Vec::new();
    for _ in 0..4 {
        let to_lone = take_output(&mut peer);
        let to_peer = take_output(&mut lone);
        events.extend(feed(&mut lone, &to_lone, now).unwrap());
        feed(&mut peer, &to_peer, now).unwrap();
    }
    let [Event::AuthRequest(req), ..] = &events[..] else {
        panic!("{events:?}")
    };
    assert_eq!(req.mechanism, MechanismName::NULL);
    assert_eq!(req.credentials, Credentials::Null);
    let mut w = Wire::new(config(SocketType::Req, Mechanism::Null), server);
    // The request went out with the greeting (`Wire::new` drops it).
    let (ec, es) = w.run();
    // The client's READY arrived and waits; ours is not sent yet.
    assert!(ec.is_empty() && es.is_empty(), "{ec:?} {es:?}");
    assert!(!w.s.has_transmit());
    assert_eq!(
        w.s.handle_auth(AuthDecision::accept("null-user"), w.now),
        Ok(true)
    );
    let (ec, es) = w.run();
    assert!(matches!(&ec[..], [Event::HandshakeComplete(_)]), "{ec:?}");
    let [Event::HandshakeComplete(peer)] = &es[..] else {
        panic!("{es:?}")
    };
    assert_eq!(peer.user_id, b"null-user");
    traffic(&mut w, true);
}

#[test]
fn null_accepted_before_the_peers_ready_completes_on_it() {
    let mut server = config(SocketType::Pull, Mechanism::Null);
    server.authenticate = true;
    let mut w = Wire::new(config(SocketType::Push, Mechanism::Null), server);
    // The decision comes before the client's READY is read.
    w.s.handle_auth(AuthDecision::accept("early"), w.now)
        .unwrap();
    let (ec, es) = w.run();
    assert!(matches!(&ec[..], [Event::HandshakeComplete(_)]), "{ec:?}");
    let [Event::HandshakeComplete(peer)] = &es[..] else {
        panic!("{es:?}")
    };
    assert_eq!(peer.user_id, b"early");
}

#[test]
fn null_refused_sends_error_with_the_status_code() {
    let mut server = config(SocketType::Pull, Mechanism::Null);
    server.authenticate = true;
    let mut w = Wire::new(config(SocketType::Push, Mechanism::Null), server);
    w.run();
    let err =
        w.s.handle_auth(
            AuthDecision::Refuse {
                status_code: 500,
                reason: "down".into(),
            },
            w.now,
        )
        .unwrap_err();
    assert!(matches!(
        err,
        ConnectionError::Handshake(HandshakeError::AuthRefused {
            status_code: 500,
            ..
        })
    ));
    let (flags, error) = w.next_to_c();
    assert_eq!((flags, &error[..]), (0x04, &b"\x05ERROR\x03500"[..]));
}

#[test]
fn plain_malformed_hello_and_commands_during_a_pending_decision() {
    let mut w = Wire::new(
        config(SocketType::Push, plain_client("a", "b")),
        config(SocketType::Pull, Mechanism::PlainServer),
    );
    let _ = w.next_to_s();
    assert_eq!(
        w.deliver_to_s(0x04, b"\x05HELLO\x01a\x02b").unwrap_err(),
        ConnectionError::Handshake(HandshakeError::MalformedCommand {
            command: "HELLO",
            len: 10
        })
    );

    let mut server = config(SocketType::Pull, Mechanism::PlainServer);
    server.authenticate = true;
    let mut w = Wire::new(config(SocketType::Push, plain_client("a", "b")), server);
    w.run();
    assert!(matches!(
        w.deliver_to_s(0x04, b"\x08INITIATE"),
        Err(ConnectionError::Handshake(
            HandshakeError::UnexpectedCommand { .. }
        ))
    ));
}

// ---------------------------------------------------------------------------
// CURVE: handshake, layouts, traffic.

#[test]
fn curve_handshake_byte_layouts_as_libzmq() {
    let (c, s, client, _) = curve_configs(SocketType::Dealer, SocketType::Router);
    let mut w = Wire::new(c, s);
    // HELLO: 200 bytes, version 1.0, 72 zero bytes of padding (libzmq
    // `curve_client_tools_t::produce_hello`), short nonce 1.
    let (flags, hello) = w.next_to_s();
    assert_eq!((flags, hello.len()), (0x04, 200));
    assert_eq!(&hello[..8], b"\x05HELLO\x01\x00");
    assert_eq!(&hello[8..80], &[0u8; 72]);
    assert_eq!(&hello[112..120], &1u64.to_be_bytes());
    w.deliver_to_s(flags, &hello).unwrap();
    // WELCOME: 168 bytes.
    let (flags, welcome) = w.next_to_c();
    assert_eq!((flags, welcome.len()), (0x04, 168));
    assert_eq!(&welcome[..8], b"\x07WELCOME");
    w.deliver_to_c(flags, &welcome).unwrap();
    // INITIATE: a long command frame (at least 257 bytes), short nonce 2.
    let (flags, initiate) = w.next_to_s();
    assert_eq!(flags, 0x06);
    assert!(initiate.len() >= 257);
    assert_eq!(&initiate[..9], b"\x08INITIATE");
    assert_eq!(&initiate[105..113], &2u64.to_be_bytes());
    let ev = w.deliver_to_s(flags, &initiate).unwrap();
    let [Event::HandshakeComplete(peer)] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert_eq!(peer.socket_type, SocketType::Dealer);
    assert!(peer.user_id.is_empty());
    // READY: server short nonce 1, metadata boxed.
    let (flags, ready) = w.next_to_c();
    assert_eq!(flags, 0x04);
    assert_eq!(&ready[..14], b"\x05READY\x00\x00\x00\x00\x00\x00\x00\x01");
    assert!(
        !ready.windows(6).any(|x| x == b"ROUTER"),
        "metadata in clear"
    );
    let ev = w.deliver_to_c(flags, &ready).unwrap();
    assert!(
        matches!(&ev[..], [Event::HandshakeComplete(p)] if p.socket_type == SocketType::Router)
    );
    let _ = client;

    // MESSAGE: data frames (libzmq sends them so), nonces continuing from
    // the handshake: client 3, server 2; inner flags carry MORE.
    w.c.send(Msg::from_static(b"secret").with_more(true))
        .unwrap();
    w.c.send(Msg::from_static(b"end")).unwrap();
    let (flags, m1) = w.next_to_s();
    assert_eq!(flags, 0x00);
    assert_eq!(m1.len(), 8 + 8 + 16 + 1 + 6);
    assert_eq!(&m1[..16], b"\x07MESSAGE\x00\x00\x00\x00\x00\x00\x00\x03");
    assert!(!m1.windows(6).any(|x| x == b"secret"));
    let (_, m2) = w.next_to_s();
    assert_eq!(&m2[8..16], &4u64.to_be_bytes());
    w.s.send(Msg::from_static(b"back")).unwrap();
    let (flags, back) = w.next_to_c();
    assert_eq!(flags, 0x00);
    assert_eq!(&back[8..16], &2u64.to_be_bytes());
    let mut ev = w.deliver_to_s(0x00, &m1).unwrap();
    ev.extend(w.deliver_to_s(0x00, &m2).unwrap());
    assert_eq!(
        messages(&ev),
        vec![(b"secret".to_vec(), true), (b"end".to_vec(), false)]
    );
    assert_eq!(
        messages(&w.deliver_to_c(0x00, &back).unwrap()),
        vec![(b"back".to_vec(), false)]
    );
    // A MESSAGE in a command frame is accepted too (only the inner flags
    // count).
    w.c.send(Msg::from_static(b"x")).unwrap();
    let (_, m3) = w.next_to_s();
    assert_eq!(
        messages(&w.deliver_to_s(0x04, &m3).unwrap()),
        vec![(b"x".to_vec(), false)]
    );
}

#[test]
fn curve_traffic_both_ways_multipart_and_1_mib() {
    let (c, s, _, _) = curve_configs(SocketType::Dealer, SocketType::Router);
    let mut w = Wire::new(c, s).established();
    traffic(&mut w, true);
    traffic(&mut w, false);
    traffic(&mut w, true);
}

/// A CURVE feed lands in the receiving socket's allocator once: the
/// 64 KiB body is opened in the block the decoder filled (header stripped
/// in place), not copied into a second one.
#[test]
fn curve_bodies_are_opened_in_the_receive_allocators_block() {
    let (c, mut s, _, _) = curve_configs(SocketType::Push, SocketType::Pull);
    let metered = Arc::new(ferrozmq_test_support::Metered::default());
    s.recv_allocator = metered.clone();
    let mut w = Wire::new(c, s).established();
    let before = metered.live() + metered.freed();
    let body: Vec<u8> = (0..65_536u32).map(|i| (i * 13) as u8).collect();
    w.c.send(Msg::from(body.clone())).unwrap();
    w.c.send(Msg::from_static(b"small")).unwrap();
    let (_, es) = w.run();
    let [Event::Message(big), Event::Message(small)] = &es[..] else {
        panic!("{es:?}");
    };
    assert_eq!((&big[..], big.more()), (&body[..], false));
    assert_eq!(
        (&small[..], small.storage()),
        (&b"small"[..], Storage::Inline)
    );
    // One block for the big MESSAGE (the small one was inline-sized only
    // after opening: its 38-byte frame took a block, given back at once).
    assert_eq!(metered.live() + metered.freed() - before, 2);
    assert_eq!(metered.live(), 1);
    // The block the decoder filled holds the whole MESSAGE frame: the
    // 33-byte header (name, nonce, tag, flags) and the body (plus the
    // block's own header).
    assert!((65_536 + 33..65_536 + 33 + 64).contains(&metered.largest()));
    drop(es);
    assert_eq!(metered.live(), 0);
}

#[test]
fn curve_handshake_in_one_byte_chunks() {
    let (c, s, _, _) = curve_configs(SocketType::Req, SocketType::Rep);
    let now = Instant::now();
    let mut c = Connection::new(c, now).unwrap();
    let mut s = Connection::new(s, now).unwrap();
    let mut done = (false, false);
    for _ in 0..100 {
        for b in take_output(&mut c) {
            for e in feed(&mut s, &[b], now).unwrap() {
                done.1 |= matches!(e, Event::HandshakeComplete(_));
            }
        }
        for b in take_output(&mut s) {
            for e in feed(&mut c, &[b], now).unwrap() {
                done.0 |= matches!(e, Event::HandshakeComplete(_));
            }
        }
        if done == (true, true) {
            break;
        }
    }
    assert_eq!(done, (true, true));
    c.send(Msg::from_static(b"").with_more(true)).unwrap();
    c.send(Msg::from(vec![5u8; 1000])).unwrap();
    let mut got = Vec::new();
    for b in take_output(&mut c) {
        got.extend(feed(&mut s, &[b], now).unwrap());
    }
    assert_eq!(
        messages(&got),
        vec![(vec![], true), (vec![5u8; 1000], false)]
    );
}

#[test]
fn curve_subscriptions_and_heartbeats_travel_inside_message() {
    let (c, mut s, _, _) = curve_configs(SocketType::Sub, SocketType::Pub);
    s.heartbeat_interval = Some(Duration::from_secs(1));
    let mut w = Wire::new(c, s).established();
    w.c.send_subscription(true, b"topic").unwrap();
    let (flags, sub) = w.next_to_s();
    assert_eq!(flags, 0x00);
    assert!(sub.starts_with(b"\x07MESSAGE"));
    assert!(!sub.windows(9).any(|x| x == b"SUBSCRIBE"));
    let ev = w.deliver_to_s(flags, &sub).unwrap();
    assert!(
        matches!(&ev[..], [Event::Subscribe(t)] if &t[..] == b"topic"),
        "{ev:?}"
    );

    let later = w.now + Duration::from_secs(2);
    w.s.handle_timeout(later).unwrap();
    let (flags, ping) = w.next_to_c();
    assert!(ping.starts_with(b"\x07MESSAGE"));
    let ev = w.deliver_to_c(flags, &ping).unwrap();
    assert!(matches!(&ev[..], [Event::Ping { .. }]), "{ev:?}");
    let (flags, pong) = w.next_to_s();
    let ev = w.deliver_to_s(flags, &pong).unwrap();
    assert!(matches!(&ev[..], [Event::Pong { .. }]), "{ev:?}");
}

// ---------------------------------------------------------------------------
// CURVE: authentication and refusals.

#[test]
fn curve_authenticator_sees_the_client_key_and_accepts() {
    let (c, mut s, client, _) = curve_configs(SocketType::Push, SocketType::Pull);
    s.authenticate = true;
    let mut w = Wire::new(c, s);
    let (ec, es) = w.run();
    assert!(ec.is_empty());
    let [Event::AuthRequest(req)] = &es[..] else {
        panic!("{es:?}")
    };
    assert_eq!(req.mechanism, MechanismName::CURVE);
    assert_eq!(
        req.credentials,
        Credentials::Curve {
            client_key: client.public.clone()
        }
    );
    assert!(
        w.s.handle_auth(AuthDecision::accept("client-1"), w.now)
            .unwrap()
    );
    let (ec, es) = w.run();
    assert!(matches!(&ec[..], [Event::HandshakeComplete(_)]));
    assert!(matches!(&es[..], [Event::HandshakeComplete(p)] if p.user_id == b"client-1"));
    traffic(&mut w, true);
}

#[test]
fn curve_refused_client_key_gets_error_400() {
    let (c, mut s, _, _) = curve_configs(SocketType::Push, SocketType::Pull);
    s.authenticate = true;
    let mut w = Wire::new(c, s);
    w.run();
    let err =
        w.s.handle_auth(AuthDecision::refuse("unknown key"), w.now)
            .unwrap_err();
    assert!(matches!(
        err,
        ConnectionError::Handshake(HandshakeError::AuthRefused {
            status_code: 400,
            ..
        })
    ));
    let (flags, error) = w.next_to_c();
    assert_eq!(error, b"\x05ERROR\x03400");
    assert_eq!(
        w.deliver_to_c(flags, &error).unwrap_err(),
        ConnectionError::Handshake(HandshakeError::PeerError {
            reason: b"400".to_vec()
        })
    );
}

#[test]
fn curve_wrong_server_key_is_refused_at_hello() {
    let (mut c, s, client, _) = curve_configs(SocketType::Push, SocketType::Pull);
    c.mechanism = Mechanism::CurveClient {
        public: client.public,
        secret: client.secret,
        server_key: CurveKeyPair::generate().public,
    };
    let mut w = Wire::new(c, s);
    let (flags, hello) = w.next_to_s();
    assert_eq!(
        w.deliver_to_s(flags, &hello).unwrap_err(),
        ConnectionError::Handshake(HandshakeError::Cryptographic {
            command: "HELLO",
            part: "signature"
        })
    );
    assert!(!w.s.has_transmit(), "no ERROR for a bad HELLO");
}

#[test]
fn curve_hello_of_the_wrong_size_or_version() {
    let (c, s, _, _) = curve_configs(SocketType::Push, SocketType::Pull);
    let mut w = Wire::new(c, s);
    let (flags, hello) = w.next_to_s();
    assert_eq!(
        w.deliver_to_s(flags, &hello[..199]).unwrap_err(),
        ConnectionError::Handshake(HandshakeError::MalformedCommand {
            command: "HELLO",
            len: 199
        })
    );
    let (c, s, _, _) = curve_configs(SocketType::Push, SocketType::Pull);
    let mut w = Wire::new(c, s);
    let (flags, mut hello) = w.next_to_s();
    hello[6] = 2;
    assert_eq!(
        w.deliver_to_s(flags, &hello).unwrap_err(),
        ConnectionError::Handshake(HandshakeError::UnsupportedVersion { major: 2, minor: 0 })
    );
}

#[test]
fn curve_welcome_with_a_bad_box_or_size() {
    for (at, want) in [
        (
            100,
            HandshakeError::Cryptographic {
                command: "WELCOME",
                part: "box",
            },
        ),
        (
            10,
            HandshakeError::Cryptographic {
                command: "WELCOME",
                part: "box",
            },
        ),
        (
            usize::MAX,
            HandshakeError::MalformedCommand {
                command: "WELCOME",
                len: 167,
            },
        ),
    ] {
        let (c, s, _, _) = curve_configs(SocketType::Push, SocketType::Pull);
        let mut w = Wire::new(c, s);
        let (flags, hello) = w.next_to_s();
        w.deliver_to_s(flags, &hello).unwrap();
        let (flags, mut welcome) = w.next_to_c();
        if at == usize::MAX {
            welcome.pop();
        } else {
            welcome[at] ^= 0x20;
        }
        assert_eq!(
            w.deliver_to_c(flags, &welcome).unwrap_err(),
            ConnectionError::Handshake(want)
        );
    }
}

#[test]
fn curve_initiate_with_a_stale_cookie() {
    // Two handshakes with the same server key: the INITIATE of the first
    // carries a cookie made with the first connection's cookie key, which
    // the second has never had.
    let server = CurveKeyPair::generate();
    let client = CurveKeyPair::generate();
    let mk = || {
        let c = config(
            SocketType::Push,
            Mechanism::CurveClient {
                public: client.public.clone(),
                secret: client.secret.clone(),
                server_key: server.public.clone(),
            },
        );
        let s = config(
            SocketType::Pull,
            Mechanism::CurveServer {
                secret: server.secret.clone(),
            },
        );
        let mut w = Wire::new(c, s);
        let (flags, hello) = w.next_to_s();
        w.deliver_to_s(flags, &hello).unwrap();
        let (flags, welcome) = w.next_to_c();
        w.deliver_to_c(flags, &welcome).unwrap();
        w
    };
    let mut first = mk();
    let mut second = mk();
    let (flags, stale) = first.next_to_s();
    assert_eq!(
        second.deliver_to_s(flags, &stale).unwrap_err(),
        ConnectionError::Handshake(HandshakeError::Cryptographic {
            command: "INITIATE",
            part: "cookie"
        })
    );
    // The first server's own INITIATE, damaged in its box.
    let mut damaged = stale.clone();
    *damaged.last_mut().unwrap() ^= 1;
    assert_eq!(
        first.deliver_to_s(flags, &damaged).unwrap_err(),
        ConnectionError::Handshake(HandshakeError::Cryptographic {
            command: "INITIATE",
            part: "box"
        })
    );
}

// ---------------------------------------------------------------------------
// A hand-made CURVE client that can lie in its INITIATE.

fn nacl_box(cipher: &SalsaBox, nonce: &[u8; 24], plain: &[u8]) -> Vec<u8> {
    let mut buf = plain.to_vec();
    let tag = cipher
        .encrypt_in_place_detached(GenericArray::from_slice(nonce), b"", &mut buf)
        .unwrap();
    let mut out = tag.to_vec();
    out.extend(buf);
    out
}

fn nacl_open(cipher: &SalsaBox, nonce: &[u8; 24], boxed: &[u8]) -> Vec<u8> {
    let mut buf = boxed[16..].to_vec();
    cipher
        .decrypt_in_place_detached(
            GenericArray::from_slice(nonce),
            b"",
            &mut buf,
            GenericArray::from_slice(&boxed[..16]),
        )
        .unwrap();
    buf
}

fn nonce(prefix: &[u8], tail: &[u8]) -> [u8; 24] {
    let mut n = [0u8; 24];
    n[..prefix.len()].copy_from_slice(prefix);
    n[prefix.len()..].copy_from_slice(tail);
    n
}

fn secret_key(pair: &CurveKeyPair) -> SecretKey {
    SecretKey::from(*pair.secret.as_bytes())
}

/// Runs a CURVE client by hand against `server` up to the INITIATE, whose
/// vouch holds (`vouch_transient`, `vouch_server`) boxed with
/// `vouch_signer`'s secret key while the box claims `claimed` as C.
fn lying_initiate(
    vouch_transient: Option<[u8; 32]>,
    vouch_server: Option<[u8; 32]>,
    vouch_signer: &CurveKeyPair,
    claimed: &CurveKeyPair,
) -> ConnectionError {
    let server = CurveKeyPair::generate();
    let now = Instant::now();
    let mut s = Connection::new(
        config(
            SocketType::Pull,
            Mechanism::CurveServer {
                secret: server.secret.clone(),
            },
        ),
        now,
    )
    .unwrap();
    take_output(&mut s);
    let mut greeting = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 1];
    greeting.extend(b"CURVE");
    greeting.extend([0; 47]);
    feed(&mut s, &greeting, now).unwrap();
    take_output(&mut s);

    let ct = CurveKeyPair::generate();
    let server_pk = PublicKey::from(*server.public.as_bytes());
    let hello_box = SalsaBox::new(&server_pk, &secret_key(&ct));
    let mut hello = b"\x05HELLO\x01\x00".to_vec();
    hello.extend([0; 72]);
    hello.extend(ct.public.as_bytes());
    hello.extend(1u64.to_be_bytes());
    hello.extend(nacl_box(
        &hello_box,
        &nonce(b"CurveZMQHELLO---", &1u64.to_be_bytes()),
        &[0; 64],
    ));
    feed(&mut s, &frame(0x04, &hello), now).unwrap();
    let mut out = take_output(&mut s);
    let (_, welcome) = pop_frame(&mut out).unwrap();
    let plain = nacl_open(
        &hello_box,
        &nonce(b"WELCOME-", &welcome[8..24]),
        &welcome[24..],
    );
    let st = PublicKey::from(<[u8; 32]>::try_from(&plain[..32]).unwrap());
    let cookie = &plain[32..128];

    let mut vouch_plain = vouch_transient.unwrap_or(*ct.public.as_bytes()).to_vec();
    vouch_plain.extend(vouch_server.unwrap_or(*server.public.as_bytes()));
    let vouch_nonce = [7u8; 16];
    let vouch = nacl_box(
        &SalsaBox::new(&st, &secret_key(vouch_signer)),
        &nonce(b"VOUCH---", &vouch_nonce),
        &vouch_plain,
    );
    let mut inner = claimed.public.as_bytes().to_vec();
    inner.extend(vouch_nonce);
    inner.extend(vouch);
    inner.extend(b"\x0bSocket-Type\x00\x00\x00\x04PUSH");
    let mut initiate = b"\x08INITIATE".to_vec();
    initiate.extend(cookie);
    initiate.extend(2u64.to_be_bytes());
    initiate.extend(nacl_box(
        &SalsaBox::new(&st, &secret_key(&ct)),
        &nonce(b"CurveZMQINITIATE", &2u64.to_be_bytes()),
        &inner,
    ));
    match feed(&mut s, &frame(0x04, &initiate), now) {
        Ok(ev) => {
            assert!(matches!(&ev[..], [Event::HandshakeComplete(_)]), "{ev:?}");
            ConnectionError::Closed
        }
        Err(e) => e,
    }
}

#[test]
fn a_hand_made_honest_client_is_accepted() {
    let c = CurveKeyPair::generate();
    // `Closed` stands for "accepted" here.
    assert_eq!(lying_initiate(None, None, &c, &c), ConnectionError::Closed);
}

#[test]
fn curve_initiate_with_a_vouch_for_another_key() {
    let c = CurveKeyPair::generate();
    let other = CurveKeyPair::generate();
    let vouch = ConnectionError::Handshake(HandshakeError::VouchMismatch);
    // The vouch names another transient key, or another server.
    assert_eq!(
        lying_initiate(Some(*other.public.as_bytes()), None, &c, &c),
        vouch
    );
    assert_eq!(
        lying_initiate(None, Some(*other.public.as_bytes()), &c, &c),
        vouch
    );
    // The vouch was made by another long-term key than the one claimed.
    assert_eq!(
        lying_initiate(None, None, &other, &c),
        ConnectionError::Handshake(HandshakeError::Cryptographic {
            command: "INITIATE",
            part: "vouch"
        })
    );
}

// ---------------------------------------------------------------------------
// CURVE: the MESSAGE phase refuses replays, reordering and forgeries.

fn established_curve() -> Wire {
    let (c, s, _, _) = curve_configs(SocketType::Dealer, SocketType::Dealer);
    Wire::new(c, s).established()
}

#[test]
fn curve_replayed_message_is_refused() {
    let mut w = established_curve();
    w.c.send(Msg::from_static(b"pay 100")).unwrap();
    let (flags, m) = w.next_to_s();
    assert_eq!(messages(&w.deliver_to_s(flags, &m).unwrap()).len(), 1);
    let err = w.deliver_to_s(flags, &m).unwrap_err();
    assert_eq!(
        err,
        ConnectionError::Message(MessageError::NonceNotIncreasing { nonce: 3, last: 3 })
    );
    assert!(w.s.is_failed());
}

#[test]
fn curve_reordered_messages_are_refused() {
    let mut w = established_curve();
    w.s.send(Msg::from_static(b"one")).unwrap();
    w.s.send(Msg::from_static(b"two")).unwrap();
    let (f1, m1) = w.next_to_c();
    let (f2, m2) = w.next_to_c();
    assert_eq!(messages(&w.deliver_to_c(f2, &m2).unwrap()).len(), 1);
    assert_eq!(
        w.deliver_to_c(f1, &m1).unwrap_err(),
        ConnectionError::Message(MessageError::NonceNotIncreasing { nonce: 2, last: 3 })
    );
}

#[test]
fn curve_forged_messages_are_refused() {
    // A flipped bit anywhere in the box, a nonce changed (to a larger one),
    // a truncated box, or not a MESSAGE at all.
    for case in 0..5 {
        let mut w = established_curve();
        w.c.send(Msg::from_static(b"hello world")).unwrap();
        let (flags, mut m) = w.next_to_s();
        let want = match case {
            0 => {
                m[20] ^= 1;
                MessageError::Forged { nonce: 3 }
            }
            1 => {
                *m.last_mut().unwrap() ^= 0x80;
                MessageError::Forged { nonce: 3 }
            }
            2 => {
                m[15] = 9;
                MessageError::Forged { nonce: 9 }
            }
            3 => {
                m.truncate(32);
                MessageError::TooShort { len: 32 }
            }
            _ => {
                m = b"\x05READYxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".to_vec();
                MessageError::NotMessage
            }
        };
        assert_eq!(
            w.deliver_to_s(flags, &m).unwrap_err(),
            ConnectionError::Message(want)
        );
    }
    // Plain ZMTP data is not accepted on a CURVE connection.
    let mut w = established_curve();
    assert_eq!(
        w.deliver_to_s(0x00, b"hello").unwrap_err(),
        ConnectionError::Message(MessageError::NotMessage)
    );
}

#[test]
fn curve_error_display_names_the_problem() {
    let e = ConnectionError::Message(MessageError::NonceNotIncreasing { nonce: 3, last: 5 });
    assert!(e.to_string().contains("replayed"));
    let e = HandshakeError::Cryptographic {
        command: "INITIATE",
        part: "cookie",
    };
    assert!(e.to_string().contains("cookie"));
}
