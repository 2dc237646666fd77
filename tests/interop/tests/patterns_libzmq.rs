//! ferrozmq's DEALER, ROUTER, PAIR, XPUB and XSUB sockets (and REQ/REP
//! envelopes) against real libzmq 4.3 sockets (the `zmq` crate), over tcp
//! on 127.0.0.1 and ipc in a fresh temporary folder, in both directions
//! where it matters (ferrozmq binds and libzmq connects, and the other way
//! round). The tests assert frames byte for byte: routing ids (libzmq's
//! generated ones are 5 bytes, 0x00 first), envelopes, and XPUB/XSUB
//! subscription messages (`0x01` or `0x00`, then the topic).
//!
//! Every wait is bounded (libzmq's RCVTIMEO/SNDTIMEO, ours, or a deadline),
//! so a failure fails fast; nothing here asserts on timings. Where only the
//! absence of a message can be checked, a later message on the same pipe
//! must arrive first; where there is none, a short bounded wait ([`QUIET`]).

use std::cell::Cell;
use std::thread;
use std::time::{Duration, Instant};

use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_socket::{
    Context, RoutingId, SendError, Socket, SocketEventKind, SocketMonitor, SocketOption, SocketType,
};
use ferrozmq_test_support::TempDir;

/// How long any one wait may take.
const WAIT: Duration = Duration::from_secs(10);
/// libzmq's RCVTIMEO/SNDTIMEO, in milliseconds.
const ZMQ_TIMEOUT_MS: i32 = 10_000;
/// How long a check that nothing arrives waits.
const QUIET: Duration = Duration::from_millis(250);
/// The pause between two polls.
const POLL: Duration = Duration::from_millis(2);

#[path = "patterns_libzmq/waiting.rs"]
mod waiting;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tr {
    Tcp,
    Ipc,
}

/// Where one test binds: tcp on 127.0.0.1 with a port the system picks, or
/// a fresh ipc path per bind.
struct Place {
    tr: Tr,
    dir: TempDir,
    next: Cell<usize>,
}

impl Place {
    fn new(tr: Tr) -> Place {
        Place {
            tr,
            dir: TempDir::new("ferrozmq-patterns"),
            next: Cell::new(0),
        }
    }

    fn ipc(&self) -> String {
        let n = self.next.get();
        self.next.set(n + 1);
        format!(
            "ipc://{}",
            self.dir.path().join(format!("{n}.ipc")).display()
        )
    }

    /// An endpoint for ferrozmq to bind (port 0 is its wildcard).
    fn for_ours(&self) -> String {
        match self.tr {
            Tr::Tcp => "tcp://127.0.0.1:0".to_owned(),
            Tr::Ipc => self.ipc(),
        }
    }

    /// An endpoint for libzmq to bind (`*` is its wildcard port).
    fn for_libzmq(&self) -> String {
        match self.tr {
            Tr::Tcp => "tcp://127.0.0.1:*".to_owned(),
            Tr::Ipc => self.ipc(),
        }
    }
}

fn ours(ctx: &Context, kind: SocketType) -> Socket {
    let s = ctx
        .socket(kind)
        .unwrap_or_else(|e| panic!("socket {kind:?}: {e}"));
    set(&s, SocketOption::RcvTimeo(Some(WAIT)));
    set(&s, SocketOption::SndTimeo(Some(WAIT)));
    set(&s, SocketOption::Linger(Some(Duration::ZERO)));
    s
}

fn set(s: &Socket, option: SocketOption) {
    let name = option.name();
    s.set_option(option)
        .unwrap_or_else(|e| panic!("set {name}: {e}"));
}

fn rid(bytes: &[u8]) -> RoutingId {
    RoutingId::new(bytes.to_vec()).expect("a valid routing id")
}

/// A libzmq socket whose every wait is bounded and which never lingers.
fn theirs(ctx: &zmq::Context, kind: zmq::SocketType) -> zmq::Socket {
    let s = ctx.socket(kind).expect("zmq socket");
    s.set_rcvtimeo(ZMQ_TIMEOUT_MS).unwrap();
    s.set_sndtimeo(ZMQ_TIMEOUT_MS).unwrap();
    s.set_linger(0).unwrap();
    s
}

fn zlast_endpoint(s: &zmq::Socket) -> String {
    s.get_last_endpoint().unwrap().expect("UTF-8 endpoint")
}

/// Joins our socket and a libzmq one: ours binds (once; later peers
/// connect to the same endpoint) and libzmq connects, or libzmq binds and
/// ours connects. Returns the endpoint the connecting side used.
fn join(our: &Socket, their: &zmq::Socket, place: &Place, ours_binds: bool) -> String {
    if ours_binds {
        let at = match our.last_endpoint() {
            Some(ep) => ep.to_string(),
            None => {
                let ep = place.for_ours();
                our.bind(&ep).unwrap_or_else(|e| panic!("bind {ep}: {e}"));
                our.last_endpoint().unwrap().to_string()
            }
        };
        their
            .connect(&at)
            .unwrap_or_else(|e| panic!("zmq connect {at}: {e}"));
        at
    } else {
        let ep = place.for_libzmq();
        their
            .bind(&ep)
            .unwrap_or_else(|e| panic!("zmq bind {ep}: {e}"));
        let at = zlast_endpoint(their);
        our.connect(&at)
            .unwrap_or_else(|e| panic!("connect {at}: {e}"));
        at
    }
}

fn owned(frames: &[&[u8]]) -> Vec<Vec<u8>> {
    frames.iter().map(|f| f.to_vec()).collect()
}

fn bytes(m: &Multipart) -> Vec<Vec<u8>> {
    m.iter().map(|f| f.to_vec()).collect()
}

#[track_caller]
fn send(s: &Socket, frames: &[&[u8]]) {
    let m: Multipart = frames.iter().map(|f| Msg::copy_from_slice(f)).collect();
    if let Err(e) = s.send_multipart(m) {
        panic!("send {:?}: {e} ({})", owned(frames), e.errno_name());
    }
}

#[track_caller]
fn recv(s: &Socket) -> Vec<Vec<u8>> {
    match s.recv_multipart() {
        Ok(m) => bytes(&m),
        Err(e) => panic!("recv: {e} ({})", e.errno_name()),
    }
}

#[track_caller]
fn expect(s: &Socket, frames: &[&[u8]]) {
    assert_eq!(recv(s), owned(frames));
}

#[track_caller]
fn zsend(s: &zmq::Socket, frames: &[&[u8]]) {
    s.send_multipart(frames.iter().copied(), 0)
        .unwrap_or_else(|e| panic!("zmq send {:?}: {e}", owned(frames)));
}

#[track_caller]
fn zrecv(s: &zmq::Socket) -> Vec<Vec<u8>> {
    s.recv_multipart(0)
        .unwrap_or_else(|e| panic!("zmq recv: {e}"))
}

#[track_caller]
fn zexpect(s: &zmq::Socket, frames: &[&[u8]]) {
    assert_eq!(zrecv(s), owned(frames));
}

/// A socket takes in a peer that connected to it (its bind) only when the
/// application calls into it: libzmq processes a socket's commands, the
/// new pipe among them, in its API calls, and ferrozmq adopts new peers
/// the same way. So does what such a socket sends to new peers (XSUB's
/// subscriptions, ZMQ_PROBE_ROUTER's empty message). A test waiting on the
/// other side pokes it meanwhile with a receive that finds nothing.
fn poke(s: &Socket) {
    match s.try_recv_multipart() {
        Err(e) if e.is_again() => {}
        other => panic!("poke: {other:?}"),
    }
}

/// [`poke`] for a libzmq socket: ZMQ_EVENTS processes its commands.
fn zpoke(s: &zmq::Socket) {
    s.get_events().expect("ZMQ_EVENTS");
}

/// [`expect`] while poking the socket at the other end.
#[track_caller]
fn expect_poking(s: &Socket, frames: &[&[u8]], other_end: impl Fn()) {
    let deadline = Instant::now() + WAIT;
    loop {
        match s.try_recv_multipart() {
            Ok(m) => return assert_eq!(bytes(&m), owned(frames)),
            Err(e) if e.is_again() => {}
            Err(e) => panic!("recv: {e}"),
        }
        assert!(
            Instant::now() < deadline,
            "nothing arrived, {:?} expected",
            owned(frames)
        );
        other_end();
        thread::sleep(POLL);
    }
}

/// [`zexpect`] while poking the socket at the other end.
#[track_caller]
fn zexpect_poking(s: &zmq::Socket, frames: &[&[u8]], other_end: impl Fn()) {
    let deadline = Instant::now() + WAIT;
    loop {
        match s.recv_multipart(zmq::DONTWAIT) {
            Ok(m) => return assert_eq!(m, owned(frames)),
            Err(zmq::Error::EAGAIN) => {}
            Err(e) => panic!("zmq recv: {e}"),
        }
        assert!(
            Instant::now() < deadline,
            "nothing arrived, {:?} expected",
            owned(frames)
        );
        other_end();
        thread::sleep(POLL);
    }
}

/// Nothing arrives on a libzmq socket within [`QUIET`].
#[track_caller]
fn zassert_quiet(s: &zmq::Socket, what: &str) {
    s.set_rcvtimeo(QUIET.as_millis() as i32).unwrap();
    let got = s.recv_multipart(0);
    s.set_rcvtimeo(ZMQ_TIMEOUT_MS).unwrap();
    match got {
        Err(zmq::Error::EAGAIN) => {}
        Ok(m) => panic!("{what}: unexpected message {m:?}"),
        Err(e) => panic!("{what}: {e}"),
    }
}

/// Waits for `kind` on `monitor`, skipping other events.
fn await_event(monitor: &mut SocketMonitor, what: &str, kind: fn(&SocketEventKind) -> bool) {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = monitor
            .recv_timeout(left)
            .unwrap_or_else(|| panic!("no {what} event before the deadline"));
        if kind(&event.kind) {
            return;
        }
    }
}

/// A libzmq generated routing id: 5 bytes, 0x00 then a 32-bit counter
/// (libzmq `router.cpp` `identify_peer`); ferrozmq generates the same shape.
#[track_caller]
fn assert_generated(id: &[u8]) {
    assert_eq!(id.len(), 5, "a generated routing id is 5 bytes: {id:?}");
    assert_eq!(id[0], 0, "a generated routing id starts with 0x00: {id:?}");
}

/// Four tests per body: ferrozmq binds or libzmq binds, over tcp or ipc.
macro_rules! both_ways {
    ($(#[$attr:meta])* $name:ident => $body:ident) => {
        $(#[$attr])*
        mod $name {
            #[test]
            fn ours_binds_tcp() {
                crate::$body(crate::Tr::Tcp, true);
            }
            #[test]
            fn ours_binds_ipc() {
                crate::$body(crate::Tr::Ipc, true);
            }
            #[test]
            fn libzmq_binds_tcp() {
                crate::$body(crate::Tr::Tcp, false);
            }
            #[test]
            fn libzmq_binds_ipc() {
                crate::$body(crate::Tr::Ipc, false);
            }
        }
    };
}

// ---------------------------------------------------------------------------
// ROUTER and DEALER
// ---------------------------------------------------------------------------

/// The two messages a ROUTER received from a DEALER named "D1" and an
/// anonymous one, in either order: checks both and returns the id the
/// ROUTER generated for the anonymous one.
fn named_and_generated(got: [Vec<Vec<u8>>; 2]) -> Vec<u8> {
    let mut generated = None;
    for m in got {
        if m[0] == b"D1" {
            assert_eq!(m, owned(&[b"D1", b"from named", b"2nd part"]));
        } else {
            assert_generated(&m[0]);
            assert_eq!(m[1..], owned(&[b"from anonymous"]));
            generated = Some(m[0].clone());
        }
    }
    generated.expect("a message from the anonymous DEALER")
}

/// Our ROUTER and two libzmq DEALERs, one with ZMQ_ROUTING_ID "D1", one
/// without: the ROUTER prefixes "D1" and a generated id, and routes
/// replies back by them.
fn our_router_with_libzmq_dealers(tr: Tr, ours_binds: bool) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let router = ours(&ctx, SocketType::Router);
    let named = theirs(&zctx, zmq::DEALER);
    named.set_identity(b"D1").unwrap();
    join(&router, &named, &place, ours_binds);
    let anonymous = theirs(&zctx, zmq::DEALER);
    join(&router, &anonymous, &place, ours_binds);
    zsend(&named, &[b"from named", b"2nd part"]);
    zsend(&anonymous, &[b"from anonymous"]);
    let generated = named_and_generated([recv(&router), recv(&router)]);
    send(&router, &[&generated, b"to anonymous"]);
    send(&router, &[b"D1", b"to named", b""]);
    zexpect(&anonymous, &[b"to anonymous"]);
    zexpect(&named, &[b"to named", b""]);
}

both_ways! {
    our_router_with_libzmq_dealers_named_and_anonymous => our_router_with_libzmq_dealers
}

/// A libzmq ROUTER and two of our DEALERs, one named "D1", one not: libzmq
/// sees "D1" and an id it generated.
fn libzmq_router_with_our_dealers(tr: Tr, ours_binds: bool) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let router = theirs(&zctx, zmq::ROUTER);
    let named = ours(&ctx, SocketType::Dealer);
    set(&named, SocketOption::RoutingId(Some(rid(b"D1"))));
    let anonymous = ours(&ctx, SocketType::Dealer);
    if ours_binds {
        // Each of our DEALERs binds; the libzmq ROUTER connects to both.
        join(&named, &router, &place, true);
        join(&anonymous, &router, &place, true);
    } else {
        let at = join(&named, &router, &place, false);
        anonymous.connect(&at).unwrap();
    }
    send(&named, &[b"from named", b"2nd part"]);
    send(&anonymous, &[b"from anonymous"]);
    let generated = named_and_generated([zrecv(&router), zrecv(&router)]);
    zsend(&router, &[&generated, b"to anonymous"]);
    zsend(&router, &[b"D1", b"to named", b""]);
    expect(&anonymous, &[b"to anonymous"]);
    expect(&named, &[b"to named", b""]);
}

both_ways! {
    libzmq_router_with_our_dealers_named_and_anonymous => libzmq_router_with_our_dealers
}

/// Our DEALER with ZMQ_PROBE_ROUTER: the libzmq ROUTER receives [id, ""]
/// as soon as the connection is up (libzmq `test_probe_router.cpp`).
fn our_probing_dealer(tr: Tr, ours_binds: bool) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let router = theirs(&zctx, zmq::ROUTER);
    let dealer = ours(&ctx, SocketType::Dealer);
    set(&dealer, SocketOption::RoutingId(Some(rid(b"X"))));
    set(&dealer, SocketOption::ProbeRouter(true));
    join(&dealer, &router, &place, ours_binds);
    zexpect_poking(&router, &[b"X", b""], || poke(&dealer));
    zsend(&router, &[b"X", b"Hello"]);
    expect(&dealer, &[b"Hello"]);
}

both_ways! {
    our_probe_router_dealer_announces_itself_to_libzmq => our_probing_dealer
}

/// Our ROUTER connects to a libzmq ROUTER naming it with
/// ZMQ_CONNECT_ROUTING_ID, and sends to it before hearing from it (libzmq
/// `test_connect_rid.cpp` `test_router_2_router`).
fn our_router_connect_routing_id(tr: Tr) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let server = theirs(&zctx, zmq::ROUTER);
    let client = ours(&ctx, SocketType::Router);
    set(&client, SocketOption::RoutingId(Some(rid(b"Y"))));
    set(&client, SocketOption::ConnectRoutingId(Some(rid(b"conn1"))));
    join(&client, &server, &place, false);
    send(&client, &[b"conn1", b"hi 1"]);
    zexpect(&server, &[b"Y", b"hi 1"]);
    zsend(&server, &[b"Y", b"ok"]);
    expect(&client, &[b"conn1", b"ok"]);
}

#[test]
fn our_router_names_a_libzmq_router_with_connect_routing_id_tcp() {
    our_router_connect_routing_id(Tr::Tcp);
}

#[test]
fn our_router_names_a_libzmq_router_with_connect_routing_id_ipc() {
    our_router_connect_routing_id(Tr::Ipc);
}

// ---------------------------------------------------------------------------
// REQ and REP envelopes
// ---------------------------------------------------------------------------

/// Our REQ (ZMQ_ROUTING_ID "R") to a libzmq ROUTER: the ROUTER sees
/// ["R", "", body...], and a reply ["R", "", reply] reaches the REQ as
/// [reply]. With ZMQ_REQ_CORRELATE a 4-byte request id frame comes before
/// the delimiter and must be echoed (libzmq `req.cpp`).
fn our_req_to_libzmq_router(tr: Tr, ours_binds: bool) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let router = theirs(&zctx, zmq::ROUTER);
    let req = ours(&ctx, SocketType::Req);
    set(&req, SocketOption::RoutingId(Some(rid(b"R"))));
    join(&req, &router, &place, ours_binds);
    send(&req, &[b"ABC", b"DEF"]);
    zexpect(&router, &[b"R", b"", b"ABC", b"DEF"]);
    zsend(&router, &[b"R", b"", b"GHI"]);
    expect(&req, &[b"GHI"]);

    let correlated = ours(&ctx, SocketType::Req);
    set(&correlated, SocketOption::RoutingId(Some(rid(b"C"))));
    set(&correlated, SocketOption::ReqCorrelate(true));
    if ours_binds {
        join(&correlated, &router, &place, true);
    } else {
        correlated.connect(&zlast_endpoint(&router)).unwrap();
    }
    send(&correlated, &[b"JKL"]);
    let m = zrecv(&router);
    assert_eq!(m.len(), 4, "[id, request id, delimiter, body]: {m:?}");
    assert_eq!(m[0], b"C");
    assert_eq!(m[1].len(), 4, "a 4-byte request id: {:?}", m[1]);
    assert_eq!(m[2..], owned(&[b"", b"JKL"]));
    zsend(&router, &[b"C", &m[1], b"", b"MNO"]);
    expect(&correlated, &[b"MNO"]);
}

both_ways! {
    our_req_to_libzmq_router_exact_envelope => our_req_to_libzmq_router
}

/// A libzmq DEALER to our REP: the REP strips everything up to the empty
/// delimiter and puts it back on the reply (libzmq `test_spec_rep.cpp`
/// `test_envelope`).
fn libzmq_dealer_to_our_rep(tr: Tr, ours_binds: bool) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let rep = ours(&ctx, SocketType::Rep);
    let dealer = theirs(&zctx, zmq::DEALER);
    join(&rep, &dealer, &place, ours_binds);
    zsend(&dealer, &[b"", b"A"]);
    expect(&rep, &[b"A"]);
    send(&rep, &[b"B"]);
    zexpect(&dealer, &[b"", b"B"]);
    zsend(&dealer, &[b"X", b"Y", b"", b"A", b"A2"]);
    expect(&rep, &[b"A", b"A2"]);
    send(&rep, &[b"B"]);
    zexpect(&dealer, &[b"X", b"Y", b"", b"B"]);
}

both_ways! {
    libzmq_dealer_to_our_rep_exact_envelope => libzmq_dealer_to_our_rep
}

// ---------------------------------------------------------------------------
// ROUTER options
// ---------------------------------------------------------------------------

/// Our ROUTER with ZMQ_ROUTER_MANDATORY: a message for an id no peer has
/// fails with EHOSTUNREACH and comes back whole; one for the libzmq
/// DEALER's id goes through.
fn router_mandatory(tr: Tr, ours_binds: bool) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let router = ours(&ctx, SocketType::Router);
    set(&router, SocketOption::RouterMandatory(true));
    let dealer = theirs(&zctx, zmq::DEALER);
    dealer.set_identity(b"X").unwrap();
    join(&router, &dealer, &place, ours_binds);
    zsend(&dealer, &[b"Hello"]);
    expect(&router, &[b"X", b"Hello"]);
    send(&router, &[b"X", b"World"]);
    zexpect(&dealer, &[b"World"]);
    let m: Multipart = [Msg::from_static(b"Y"), Msg::from_static(b"lost")].into();
    match router.send_multipart(m) {
        Err(e @ SendError::HostUnreachable(_)) => {
            assert_eq!(e.errno_name(), "EHOSTUNREACH");
            assert_eq!(bytes(&e.into_inner()), owned(&[b"Y", b"lost"]));
        }
        other => panic!("send to an unknown id: {other:?}"),
    }
    send(&router, &[b"X", b"again"]);
    zexpect(&dealer, &[b"again"]);
}

both_ways! {
    router_mandatory_ehostunreach_with_libzmq_dealer => router_mandatory
}

/// Our ROUTER with ZMQ_ROUTER_HANDOVER: a second libzmq DEALER announcing
/// "X" takes the id over from the first (libzmq `test_router_handover.cpp`
/// `test_with_handover`). Nobody reconnects, so the first cannot take it
/// back.
fn router_handover(tr: Tr, ours_binds: bool) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let router = ours(&ctx, SocketType::Router);
    set(&router, SocketOption::RouterHandover(true));
    set(&router, SocketOption::ReconnectIvl(None));
    let one = theirs(&zctx, zmq::DEALER);
    one.set_identity(b"X").unwrap();
    one.set_reconnect_ivl(-1).unwrap();
    join(&router, &one, &place, ours_binds);
    zsend(&one, &[b"Hello 1"]);
    expect(&router, &[b"X", b"Hello 1"]);
    let two = theirs(&zctx, zmq::DEALER);
    two.set_identity(b"X").unwrap();
    two.set_reconnect_ivl(-1).unwrap();
    join(&router, &two, &place, ours_binds);
    zsend(&two, &[b"Hello 2"]);
    expect(&router, &[b"X", b"Hello 2"]);
    send(&router, &[b"X", b"to two"]);
    zexpect(&two, &[b"to two"]);
    zassert_quiet(&one, "the DEALER that lost the id");
}

both_ways! {
    router_handover_with_libzmq_dealers => router_handover
}

/// A libzmq DEALER "D" is closed mid-run and a new one with the same id
/// takes its place: once our ROUTER has seen the first go, it routes "D"
/// to the new one.
fn router_routes_to_a_recreated_dealer(tr: Tr, ours_binds: bool) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let router = ours(&ctx, SocketType::Router);
    set(
        &router,
        SocketOption::ReconnectIvl(Some(Duration::from_millis(10))),
    );
    let mut monitor = router.monitor();
    let first = theirs(&zctx, zmq::DEALER);
    first.set_identity(b"D").unwrap();
    let at = join(&router, &first, &place, ours_binds);
    for i in 0..3u8 {
        zsend(&first, &[b"first", &[i]]);
        expect(&router, &[b"D", b"first", &[i]]);
        send(&router, &[b"D", b"to first", &[i]]);
        zexpect(&first, &[b"to first", &[i]]);
    }
    drop(first);
    await_event(&mut monitor, "Disconnected", |k| {
        matches!(k, SocketEventKind::Disconnected(_))
    });
    let second = theirs(&zctx, zmq::DEALER);
    second.set_identity(b"D").unwrap();
    if ours_binds {
        second.connect(&at).unwrap();
    } else {
        second
            .bind(&at)
            .unwrap_or_else(|e| panic!("zmq bind {at} again: {e}"));
    }
    for i in 0..3u8 {
        zsend(&second, &[b"second", &[i]]);
        expect(&router, &[b"D", b"second", &[i]]);
        send(&router, &[b"D", b"to second", &[i]]);
        zexpect(&second, &[b"to second", &[i]]);
    }
}

both_ways! {
    router_routes_to_a_recreated_libzmq_dealer_with_the_same_id =>
        router_routes_to_a_recreated_dealer
}

// ---------------------------------------------------------------------------
// XPUB and XSUB
// ---------------------------------------------------------------------------

/// Our XPUB and a libzmq SUB: the XPUB receives the subscription as one
/// frame, 0x01 + topic, publishes only what matches, and receives the
/// unsubscription, 0x00 + topic.
fn our_xpub_with_libzmq_sub(tr: Tr, ours_binds: bool) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let xpub = ours(&ctx, SocketType::XPub);
    let sub = theirs(&zctx, zmq::SUB);
    join(&xpub, &sub, &place, ours_binds);
    sub.set_subscribe(b"topic").unwrap();
    expect_poking(&xpub, &[b"\x01topic"], || zpoke(&sub));
    send(&xpub, &[b"topic", b"data"]);
    send(&xpub, &[b"other", b"x"]);
    send(&xpub, &[b"topical", b"end"]);
    zexpect(&sub, &[b"topic", b"data"]);
    zexpect(&sub, &[b"topical", b"end"]);
    sub.set_unsubscribe(b"topic").unwrap();
    expect(&xpub, &[b"\x00topic"]);
}

both_ways! {
    our_xpub_with_libzmq_sub_exact_subscriptions => our_xpub_with_libzmq_sub
}

/// Our XSUB and a libzmq XPUB: what the XSUB sends, the XPUB receives as
/// sent: 0x01 + topic, a user message (first byte 2), 0x00 + topic.
fn our_xsub_with_libzmq_xpub(tr: Tr, ours_binds: bool) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let xsub = ours(&ctx, SocketType::XSub);
    let xpub = theirs(&zctx, zmq::XPUB);
    join(&xsub, &xpub, &place, ours_binds);
    send(&xsub, &[b"\x01topic"]);
    zexpect_poking(&xpub, &[b"\x01topic"], || poke(&xsub));
    zsend(&xpub, &[b"topic", b"data"]);
    zsend(&xpub, &[b"other", b"x"]);
    zsend(&xpub, &[b"topical", b"end"]);
    expect(&xsub, &[b"topic", b"data"]);
    expect(&xsub, &[b"topical", b"end"]);
    send(&xsub, &[b"\x02hello"]);
    zexpect(&xpub, &[b"\x02hello"]);
    send(&xsub, &[b"\x00topic"]);
    zexpect(&xpub, &[b"\x00topic"]);
}

both_ways! {
    our_xsub_with_libzmq_xpub_exact_subscriptions => our_xsub_with_libzmq_xpub
}

/// Our XPUB with two libzmq SUBs: a subscription another SUB already holds
/// is passed only with ZMQ_XPUB_VERBOSE; an unsubscription while another
/// SUB still holds the topic only with ZMQ_XPUB_VERBOSER (libzmq
/// `test_xpub_verbose.cpp`).
fn our_xpub_verbose(tr: Tr) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let xpub = ours(&ctx, SocketType::XPub);
    let sub0 = theirs(&zctx, zmq::SUB);
    join(&xpub, &sub0, &place, true);
    let sub1 = theirs(&zctx, zmq::SUB);
    join(&xpub, &sub1, &place, true);
    sub0.set_subscribe(b"A").unwrap();
    expect(&xpub, &[b"\x01A"]);
    sub1.set_subscribe(b"A").unwrap(); // held by sub0: filtered
    sub1.set_subscribe(b"S1").unwrap();
    expect(&xpub, &[b"\x01S1"]);
    set(&xpub, SocketOption::XpubVerbose(true));
    sub1.set_subscribe(b"A").unwrap();
    expect(&xpub, &[b"\x01A"]);
    sub0.set_unsubscribe(b"A").unwrap(); // sub1 holds "A": filtered
    sub0.set_subscribe(b"S0").unwrap();
    expect(&xpub, &[b"\x01S0"]);
    set(&xpub, SocketOption::XpubVerboser(true));
    sub0.set_subscribe(b"A").unwrap();
    expect(&xpub, &[b"\x01A"]);
    sub0.set_unsubscribe(b"A").unwrap();
    expect(&xpub, &[b"\x00A"]);
    send(&xpub, &[b"A", b"1"]);
    zexpect(&sub1, &[b"A", b"1"]);
}

#[test]
fn our_xpub_verbose_with_libzmq_subs_tcp() {
    our_xpub_verbose(Tr::Tcp);
}

#[test]
fn our_xpub_verbose_with_libzmq_subs_ipc() {
    our_xpub_verbose(Tr::Ipc);
}

/// Our XPUB with ZMQ_XPUB_MANUAL and a libzmq SUB subscribed to "A" and
/// "B": the XPUB receives both, subscribes the SUB to "A" only, and
/// publishes only "A" to it.
fn our_xpub_manual(tr: Tr) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let xpub = ours(&ctx, SocketType::XPub);
    set(&xpub, SocketOption::XpubManual(true));
    let sub = theirs(&zctx, zmq::SUB);
    join(&xpub, &sub, &place, true);
    sub.set_subscribe(b"A").unwrap();
    sub.set_subscribe(b"B").unwrap();
    expect(&xpub, &[b"\x01A"]);
    xpub.subscribe(b"A").unwrap();
    expect(&xpub, &[b"\x01B"]);
    send(&xpub, &[b"B", b"not sent"]);
    send(&xpub, &[b"A", b"sent"]);
    zexpect(&sub, &[b"A", b"sent"]);
    drop(sub);
    // RFC 29 §The XPUB Socket Type: "SHALL, if the subscriber peer disconnects prematurely,
    // generate a suitable unsubscribe request"; in manual mode, for what the
    // SUB subscribed (libzmq `xpub.cpp` `xpipe_terminated`).
    let mut gone = [recv(&xpub), recv(&xpub)];
    gone.sort();
    assert_eq!(gone, [owned(&[b"\x00A"]), owned(&[b"\x00B"])]);
}

#[test]
fn our_xpub_manual_with_libzmq_sub_tcp() {
    our_xpub_manual(Tr::Tcp);
}

#[test]
fn our_xpub_manual_with_libzmq_sub_ipc() {
    our_xpub_manual(Tr::Ipc);
}

// ---------------------------------------------------------------------------
// PAIR
// ---------------------------------------------------------------------------

/// Our PAIR and a libzmq PAIR exchange multipart messages both ways (libzmq
/// `test_pair_tcp.cpp`, `bounce`).
fn pair(tr: Tr, ours_binds: bool) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let our = ours(&ctx, SocketType::Pair);
    let their = theirs(&zctx, zmq::PAIR);
    join(&our, &their, &place, ours_binds);
    let body: &[u8] = b"12345678ABCDEFGH12345678abcdefgh";
    for i in 0..100u8 {
        send(&our, &[body, &[i], b""]);
        zexpect(&their, &[body, &[i], b""]);
        zsend(&their, &[&[i], body]);
        expect(&our, &[&[i], body]);
    }
}

both_ways! {
    pair_with_libzmq_pair => pair
}
