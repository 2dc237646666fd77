//! Every pattern, unit-tested on the thread-free [harness](super::harness):
//! each test names the RFC clause (or libzmq behaviour) it checks.

use ferrozmq_msg::Msg;
use ferrozmq_wire::SocketType as T;

use super::harness::Harness;
use crate::error::{RecvError, SendError};
use crate::options::SocketOption as O;
use crate::pipe::Item;

fn v(frames: &[&[u8]]) -> Vec<Vec<u8>> {
    frames.iter().map(|f| f.to_vec()).collect()
}

/// RFC 30 §The PUSH Socket Type / RFC 28 §The DEALER Socket Type: round robin over peers with room; a full
/// peer is skipped; all full is `WouldBlock` with the message back.
#[test]
fn rfc28_dealer_round_robins_and_skips_full_peers() {
    let mut h = Harness::new(T::Dealer, &[], 2);
    let a = h.connect(T::Router, b"");
    let b = h.connect(T::Router, b"");
    for i in 0..4u8 {
        h.send(&[&[i]]).unwrap();
    }
    assert_eq!(h.peer_recv(a), [v(&[&[0]]), v(&[&[2]])]);
    assert_eq!(h.peer_recv(b), [v(&[&[1]]), v(&[&[3]])]);
    // Fill both (2 each), then one more is refused with the message back.
    for i in 0..4u8 {
        h.send(&[&[i]]).unwrap();
    }
    let back = h.send(&[b"x"]).unwrap_err();
    assert!(matches!(&back, SendError::WouldBlock(m) if m[0].as_slice() == b"x"));
    // Draining one peer to its low-water mark makes it take messages again.
    assert_eq!(h.peer_recv(a).len(), 2);
    h.send(&[b"y"]).unwrap();
    assert_eq!(h.peer_recv(a), [v(&[b"y"])]);
}

/// RFC 28 §The DEALER Socket Type: fair-queued from all peers, one message each in turn.
#[test]
fn rfc28_dealer_fair_queues_incoming() {
    let mut h = Harness::new(T::Dealer, &[], 10);
    let a = h.connect(T::Router, b"");
    let b = h.connect(T::Router, b"");
    for i in 0..3u8 {
        h.peer_send(a, &[b"a", &[i]]);
        h.peer_send(b, &[b"b", &[i]]);
    }
    let got: Vec<_> = (0..6).map(|_| h.recv().unwrap()[0].clone()).collect();
    assert_eq!(
        got,
        [b"a", b"b", b"a", b"b", b"a", b"b"].map(|s| s.to_vec())
    );
    assert_eq!(h.recv(), Err(RecvError::WouldBlock));
}

/// RFC 28 §The ROUTER Socket Type: a received message is prefixed with the peer's routing
/// id; a sent one routes by its first frame; unknown ids are dropped.
#[test]
fn rfc28_router_prefixes_and_routes_by_identity() {
    let mut h = Harness::new(T::Router, &[], 10);
    let a = h.connect(T::Dealer, b"A");
    let b = h.connect(T::Dealer, b"");
    h.peer_send(a, &[b"hi"]);
    assert_eq!(h.recv().unwrap(), v(&[b"A", b"hi"]));
    h.peer_send(b, &[b"yo"]);
    let got = h.recv().unwrap();
    // A generated id: 5 bytes, 0x00 first (libzmq router_t).
    assert_eq!((got[0].len(), got[0][0], &got[1][..]), (5, 0, &b"yo"[..]));
    h.send(&[&got[0], b"back"]).unwrap();
    h.send(&[b"A", b"to a", b"2"]).unwrap();
    h.send(&[b"nobody", b"lost"]).unwrap(); // silently dropped
    assert_eq!(h.peer_recv(b), [v(&[b"back"])]);
    assert_eq!(h.peer_recv(a), [v(&[b"to a", b"2"])]);
}

/// libzmq test_router_mandatory: EHOSTUNREACH for an unknown id, EAGAIN
/// at the high-water mark, the message handed back whole.
#[test]
fn router_mandatory_refuses_unroutable_messages() {
    let mut h = Harness::new(T::Router, &[O::RouterMandatory(true)], 1);
    let a = h.connect(T::Dealer, b"A");
    let e = h.send(&[b"B", b"x"]).unwrap_err();
    assert!(matches!(&e, SendError::HostUnreachable(m) if m.len() == 2));
    h.send(&[b"A", b"1"]).unwrap();
    let e = h.send(&[b"A", b"2"]).unwrap_err();
    assert!(matches!(&e, SendError::WouldBlock(m) if m[0].as_slice() == b"A"));
    assert_eq!(h.peer_recv(a), [v(&[b"1"])]);
}

/// libzmq test_router_handover: without handover a second peer with a
/// taken id is ignored; with it, the newcomer takes the id and the old
/// peer is closed.
#[test]
fn router_duplicate_ids_and_handover() {
    let mut h = Harness::new(T::Router, &[], 10);
    let a = h.connect(T::Dealer, b"X");
    let b = h.connect(T::Dealer, b"X");
    h.peer_send(b, &[b"ignored"]);
    h.peer_send(a, &[b"kept"]);
    assert_eq!(h.recv().unwrap(), v(&[b"X", b"kept"]));
    assert_eq!(h.recv(), Err(RecvError::WouldBlock));
    h.send(&[b"X", b"to a"]).unwrap();
    assert_eq!(h.peer_recv(a), [v(&[b"to a"])]);
    // The ignored one is dropped from the socket once it goes.
    assert_eq!(h.engine.peers.len(), 2);
    h.drop_peer(b);
    h.send(&[b"X", b"again"]).unwrap();
    assert_eq!(h.engine.peers.len(), 1);

    let mut h = Harness::new(T::Router, &[O::RouterHandover(true)], 10);
    let a = h.connect(T::Dealer, b"X");
    let b = h.connect(T::Dealer, b"X");
    h.send(&[b"X", b"to b"]).unwrap();
    assert_eq!(h.peer_recv(b), [v(&[b"to b"])]);
    assert!(h.peer_closed(a));
}

/// A peer restarted under the same id is routed to again once the old
/// connection is gone, even before the socket noticed.
#[test]
fn router_a_restarted_peer_takes_its_id_back() {
    let mut h = Harness::new(T::Router, &[], 10);
    let a = h.connect(T::Dealer, b"W");
    h.drop_peer(a);
    let b = h.connect(T::Dealer, b"W");
    h.send(&[b"W", b"again"]).unwrap();
    assert_eq!(h.peer_recv(b), [v(&[b"again"])]);
}

/// ZMQ_CONNECT_ROUTING_ID names the peer before its handshake, and
/// ZMQ_PROBE_ROUTER sends it an empty message first.
#[test]
fn router_connect_routing_id_and_probe() {
    let mut h = Harness::new(T::Router, &[O::ProbeRouter(true)], 10);
    let a = h.add(Some(b"named"));
    h.send(&[b"named", b"early"]).unwrap();
    assert_eq!(h.peer_recv(a), [v(&[b""]), v(&[b"early"])]);
    h.attached(a, T::Router, b"other");
    h.peer_send(a, &[b"x"]);
    assert_eq!(h.recv().unwrap(), v(&[b"named", b"x"]));
}

/// RFC 28 §The REQ Socket Type: REQ prefixes the delimiter, alternates strictly, takes
/// the reply only from the peer asked.
#[test]
fn rfc28_req_envelope_and_alternation() {
    let mut h = Harness::new(T::Req, &[], 10);
    let a = h.connect(T::Rep, b"");
    let b = h.connect(T::Rep, b"");
    assert_eq!(h.recv(), Err(RecvError::State));
    h.send(&[b"q1"]).unwrap();
    assert!(matches!(h.send(&[b"q2"]), Err(SendError::State(_))));
    assert_eq!(h.peer_recv(a), [v(&[b"", b"q1"])]);
    h.peer_send(b, &[b"", b"not asked"]);
    h.peer_send(a, &[b"", b"r1"]);
    assert_eq!(h.recv().unwrap(), v(&[b"r1"]));
    h.send(&[b"q2"]).unwrap();
    assert_eq!(h.peer_recv(b), [v(&[b"", b"q2"])]);
    // The stale reply from b was dropped when q2 went out.
    h.peer_send(b, &[b"", b"r2"]);
    assert_eq!(h.recv().unwrap(), v(&[b"r2"]));
}

/// REQ recovery: the asked peer's connection lost fails the receive with
/// `State` and allows a new request.
#[test]
fn req_forgets_a_request_whose_peer_was_lost() {
    let mut h = Harness::new(T::Req, &[], 10);
    let a = h.connect(T::Rep, b"");
    h.send(&[b"q"]).unwrap();
    h.lost(a);
    assert_eq!(h.recv(), Err(RecvError::State));
    h.send(&[b"again"]).unwrap();
    h.drop_peer(a);
    assert_eq!(h.recv(), Err(RecvError::State));
}

/// RFC 28 §The REP Socket Type: REP strips the envelope and puts it back on the reply.
#[test]
fn rfc28_rep_saves_and_restores_the_envelope() {
    let mut h = Harness::new(T::Rep, &[], 10);
    let a = h.connect(T::Dealer, b"");
    h.peer_send(a, &[b"id1", b"id2", b"", b"req"]);
    h.peer_send(a, &[b"no delimiter"]);
    assert!(matches!(h.send(&[b"early"]), Err(SendError::State(_))));
    assert_eq!(h.recv().unwrap(), v(&[b"req"]));
    assert_eq!(h.recv(), Err(RecvError::State));
    h.send(&[b"rep"]).unwrap();
    assert_eq!(h.peer_recv(a), [v(&[b"id1", b"id2", b"", b"rep"])]);
    assert_eq!(h.recv(), Err(RecvError::WouldBlock));
}

/// RFC 31: PAIR has one peer; a second is refused (its pipes dropped).
#[test]
fn rfc31_pair_refuses_a_second_peer() {
    let mut h = Harness::new(T::Pair, &[], 2);
    assert!(matches!(
        h.send(&[b"nobody"]),
        Err(SendError::WouldBlock(_))
    ));
    let a = h.connect(T::Pair, b"");
    let b = h.connect(T::Pair, b"");
    assert!(h.peer_closed(b));
    h.send(&[b"1"]).unwrap();
    h.send(&[b"2"]).unwrap();
    assert!(matches!(h.send(&[b"3"]), Err(SendError::WouldBlock(_))));
    assert_eq!(h.peer_recv(a), [v(&[b"1"]), v(&[b"2"])]);
    assert!(h.peer_send(a, &[b"back"]));
    assert_eq!(h.recv().unwrap(), v(&[b"back"]));
}

/// RFC 29 §The XPUB Socket Type: XPUB passes a topic's first subscription and last cancel
/// to the application, and filters what it sends.
#[test]
fn rfc29_xpub_reports_first_subscribe_and_last_cancel() {
    let mut h = Harness::new(T::XPub, &[], 10);
    let a = h.connect(T::Sub, b"");
    let b = h.connect(T::Sub, b"");
    h.peer_item(a, Item::Subscribe(Msg::from_static(b"t")));
    h.peer_item(b, Item::Subscribe(Msg::from_static(b"t")));
    assert_eq!(h.recv().unwrap(), v(&[b"\x01t"]));
    assert_eq!(h.recv(), Err(RecvError::WouldBlock));
    h.send(&[b"top", b"v"]).unwrap();
    h.send(&[b"other"]).unwrap();
    assert_eq!(h.peer_recv(a), [v(&[b"top", b"v"])]);
    assert_eq!(h.peer_recv(b), [v(&[b"top", b"v"])]);
    h.peer_item(a, Item::Cancel(Msg::from_static(b"t")));
    assert_eq!(h.recv(), Err(RecvError::WouldBlock));
    // The last holder leaving cancels the topic.
    h.drop_peer(b);
    assert_eq!(h.recv().unwrap(), v(&[b"\x00t"]));
}

/// libzmq XPUB_VERBOSE / XPUB_VERBOSER.
#[test]
fn xpub_verbose_and_verboser() {
    let mut h = Harness::new(T::XPub, &[O::XpubVerboser(true)], 10);
    let a = h.connect(T::Sub, b"");
    let b = h.connect(T::Sub, b"");
    for p in [a, b] {
        h.peer_item(p, Item::Subscribe(Msg::from_static(b"t")));
    }
    let got: Vec<_> = (0..2).map(|_| h.recv().unwrap()).collect();
    assert_eq!(got, [v(&[b"\x01t"]), v(&[b"\x01t"])]);
    for p in [a, b] {
        h.peer_item(p, Item::Cancel(Msg::from_static(b"t")));
    }
    let got: Vec<_> = (0..2).map(|_| h.recv().unwrap()).collect();
    assert_eq!(got, [v(&[b"\x00t"]), v(&[b"\x00t"])]);
    assert_eq!(h.recv(), Err(RecvError::WouldBlock));
}

/// libzmq test_xpub_manual: subscriptions filter only as the application
/// decides, for the peer whose subscription it received last.
#[test]
fn xpub_manual_applies_subscriptions_the_application_makes() {
    let mut h = Harness::new(T::XPub, &[O::XpubManual(true)], 10);
    let a = h.connect(T::Sub, b"");
    h.peer_item(a, Item::Subscribe(Msg::from_static(b"A")));
    assert_eq!(h.recv().unwrap(), v(&[b"\x01A"]));
    h.send(&[b"A1"]).unwrap();
    assert!(h.peer_recv(a).is_empty());
    h.engine.subscription(true, b"B").unwrap();
    h.send(&[b"A2"]).unwrap();
    h.send(&[b"B1"]).unwrap();
    assert_eq!(h.peer_recv(a), [v(&[b"B1"])]);
}

/// libzmq test_xpub_welcome_msg and test_xpub_nodrop.
#[test]
fn xpub_welcome_message_and_nodrop() {
    let mut h = Harness::new(
        T::XPub,
        &[O::XpubWelcomeMsg(b"W".to_vec()), O::XpubNodrop(true)],
        2,
    );
    let a = h.connect(T::Sub, b"");
    h.peer_item(a, Item::Subscribe(Msg::from_static(b"")));
    h.send(&[b"1"]).unwrap();
    assert!(matches!(h.send(&[b"2"]), Err(SendError::WouldBlock(_))));
    assert_eq!(h.peer_recv(a), [v(&[b"W"]), v(&[b"1"])]);
}

/// RFC 29 §The XSUB Socket Type: XSUB turns `0x01`/`0x00` messages into subscriptions for
/// every peer (new ones included), cancels only the last, and passes
/// anything else upstream.
#[test]
fn rfc29_xsub_sends_subscriptions_upstream() {
    let mut h = Harness::new(T::XSub, &[], 10);
    let a = h.connect(T::XPub, b"");
    h.send(&[b"\x01t"]).unwrap();
    h.send(&[b"\x01t"]).unwrap();
    h.send(&[b"\x00t"]).unwrap();
    h.send(&[b"up"]).unwrap();
    let b = h.connect(T::XPub, b"");
    h.send(&[b"\x00t"]).unwrap();
    let plus = v(&[b"+", b"t"]);
    let minus = v(&[b"-", b"t"]);
    assert_eq!(
        h.peer_recv(a),
        [plus.clone(), plus.clone(), v(&[b"up"]), minus.clone()]
    );
    assert_eq!(h.peer_recv(b), [plus, minus]);
    h.peer_send(a, &[b"anything"]);
    assert_eq!(h.recv().unwrap(), v(&[b"anything"]));
}

/// RFC 29 §The SUB Socket Type: SUB delivers only what matches its subscriptions.
#[test]
fn rfc29_sub_filters_by_prefix() {
    let mut h = Harness::new(T::Sub, &[], 10);
    let a = h.connect(T::Pub, b"");
    h.engine.subscription(true, b"ab").unwrap();
    assert_eq!(h.peer_recv(a), [v(&[b"+", b"ab"])]);
    h.peer_send(a, &[b"abc", b"1"]);
    h.peer_send(a, &[b"xyz", b"2"]);
    assert_eq!(h.recv().unwrap(), v(&[b"abc", b"1"]));
    assert_eq!(h.recv(), Err(RecvError::WouldBlock));
}

/// RFC 29 §The PUB Socket Type: PUB drops for a subscriber at its high-water mark and
/// never blocks; others still get every message.
#[test]
fn rfc29_pub_drops_for_a_full_subscriber_only() {
    let mut h = Harness::new(T::Pub, &[], 2);
    let slow = h.connect(T::Sub, b"");
    let fast = h.connect(T::Sub, b"");
    for p in [slow, fast] {
        h.peer_item(p, Item::Subscribe(Msg::from_static(b"")));
    }
    let mut fast_got = 0;
    for i in 0..10u8 {
        h.send(&[&[i]]).unwrap();
        fast_got += h.peer_recv(fast).len();
    }
    assert_eq!((h.peer_recv(slow).len(), fast_got), (2, 10));
    assert_eq!(h.recv(), Err(RecvError::NotSupported));
}

/// ZMQ_IMMEDIATE: messages go only to peers whose connection is up.
#[test]
fn immediate_queues_only_to_connected_peers() {
    let mut h = Harness::new(T::Push, &[O::Immediate(true)], 10);
    let a = h.add(None);
    assert!(matches!(h.send(&[b"x"]), Err(SendError::WouldBlock(_))));
    h.attached(a, T::Pull, b"");
    h.send(&[b"y"]).unwrap();
    assert_eq!(h.peer_recv(a), [v(&[b"y"])]);
}

/// A fair queue over many idle peers looks only at the ones woken: a
/// message from the last of 10 000 peers is found after all the others
/// said `Empty` once.
#[test]
fn fair_queue_over_ten_thousand_peers_finds_the_active_one() {
    let mut h = Harness::new(T::Pull, &[], 4);
    let peers: Vec<_> = (0..10_000).map(|_| h.connect(T::Push, b"")).collect();
    assert_eq!(h.recv(), Err(RecvError::WouldBlock));
    for round in 0..3u8 {
        let p = peers[peers.len() - 1 - usize::from(round)];
        h.peer_send(p, &[&[round]]);
        assert_eq!(h.recv().unwrap(), v(&[&[round]]));
    }
}

/// A subscriber to two prefixes of a topic gets each message once.
#[test]
fn rfc29_pub_sends_once_to_a_peer_matching_twice() {
    let mut h = Harness::new(T::Pub, &[], 10);
    let a = h.connect(T::Sub, b"");
    let b = h.connect(T::Sub, b"");
    for topic in [&b"a"[..], b"ab"] {
        h.peer_item(a, Item::Subscribe(Msg::copy_from_slice(topic)));
    }
    h.peer_item(b, Item::Subscribe(Msg::from_static(b"ab")));
    h.send(&[b"abc"]).unwrap();
    h.send(&[b"abd"]).unwrap();
    assert_eq!(h.peer_recv(a), [v(&[b"abc"]), v(&[b"abd"])]);
    assert_eq!(h.peer_recv(b), [v(&[b"abc"]), v(&[b"abd"])]);
}
