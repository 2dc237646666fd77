//! End-to-end tests of the sockets: ferrozmq to ferrozmq over tcp and ipc on
//! loopback (port 0, temporary paths), every wait bounded.

#![cfg(not(loom))]

use std::time::{Duration, Instant};

use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_socket::{Context, RecvError, SendError, SendFlags, Socket, SocketOption, SocketType};

/// Every blocking call in these tests gives up by then.
const WAIT: Duration = Duration::from_secs(20);

fn socket(ctx: &Context, kind: SocketType) -> Socket {
    let s = ctx.socket(kind).unwrap();
    s.set_option(SocketOption::RcvTimeo(Some(WAIT))).unwrap();
    s.set_option(SocketOption::SndTimeo(Some(WAIT))).unwrap();
    s
}

/// A fresh ipc endpoint in a per-test directory.
fn ipc(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("ferrozmq-sock-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.sock"));
    let _ = std::fs::remove_file(&path);
    format!("ipc://{}", path.display())
}

/// Binds `s` to `bind` and returns the endpoint to connect to.
fn bind(s: &Socket, bind: &str) -> String {
    s.bind(bind).unwrap();
    s.last_endpoint().unwrap().to_string()
}

fn push_pull(endpoint: &str) {
    let ctx = Context::new().unwrap();
    let pull = socket(&ctx, SocketType::Pull);
    let at = bind(&pull, endpoint);
    let push = socket(&ctx, SocketType::Push);
    push.connect(&at).unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..10_000u32 {
                push.send(Msg::copy_from_slice(&i.to_le_bytes())).unwrap();
            }
        });
        for i in 0..10_000u32 {
            let m = pull.recv().unwrap();
            assert!(!m.more());
            assert_eq!(&m[..], &i.to_le_bytes(), "message {i}");
        }
    });
}

#[test]
fn push_pull_over_tcp() {
    push_pull("tcp://127.0.0.1:0");
}

#[test]
fn push_pull_over_ipc() {
    push_pull(&ipc("push-pull"));
}

#[test]
fn push_round_robins_over_pullers() {
    let ctx = Context::new().unwrap();
    let push = socket(&ctx, SocketType::Push);
    let at = bind(&push, "tcp://127.0.0.1:0");
    let a = socket(&ctx, SocketType::Pull);
    let b = socket(&ctx, SocketType::Pull);
    a.connect(&at).unwrap();
    b.connect(&at).unwrap();
    // Wait until both peers are there: each gets one probe.
    let deadline = Instant::now() + WAIT;
    let (mut got_a, mut got_b) = (0, 0);
    while got_a == 0 || got_b == 0 {
        assert!(Instant::now() < deadline, "both pullers never connected");
        push.send(Msg::from_static(b"probe")).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        while a.try_recv().is_ok() {
            got_a += 1;
        }
        while b.try_recv().is_ok() {
            got_b += 1;
        }
    }
    for _ in 0..100 {
        push.send(Msg::from_static(b"x")).unwrap();
    }
    let mut counts = [0, 0];
    for (i, s) in [&a, &b].into_iter().enumerate() {
        s.set_option(SocketOption::RcvTimeo(Some(Duration::from_millis(200))))
            .unwrap();
        while s.recv().is_ok() {
            counts[i] += 1;
        }
    }
    assert_eq!(counts[0] + counts[1], 100);
    assert!((45..=55).contains(&counts[0]), "{counts:?}");
}

/// Sends `topic`/`value` messages until the first one arrives (the
/// subscription has reached the publisher).
fn sync_sub(publisher: &Socket, sub: &Socket, topic: &[u8]) {
    let deadline = Instant::now() + WAIT;
    loop {
        assert!(Instant::now() < deadline, "subscription never arrived");
        publisher
            .send_multipart([Msg::copy_from_slice(topic), Msg::from_static(b"sync")])
            .unwrap();
        if let Ok(m) = sub.try_recv_multipart() {
            assert_eq!(&m[0][..], topic);
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    // Drain the other probes.
    std::thread::sleep(Duration::from_millis(20));
    while sub.try_recv_multipart().is_ok() {}
}

fn pub_sub(endpoint: &str, pub_binds: bool) {
    let ctx = Context::new().unwrap();
    let publisher = socket(&ctx, SocketType::Pub);
    let sub = socket(&ctx, SocketType::Sub);
    sub.subscribe(b"A").unwrap();
    sub.subscribe(b"B2").unwrap();
    sub.subscribe(b"sync").unwrap();
    if pub_binds {
        sub.connect(&bind(&publisher, endpoint)).unwrap();
    } else {
        publisher.connect(&bind(&sub, endpoint)).unwrap();
    }
    sync_sub(&publisher, &sub, b"sync");
    let topics: [&[u8]; 6] = [b"A", b"Apple", b"B", b"B2x", b"C", b""];
    let mut expected = Vec::new();
    for i in 0..1000u32 {
        let topic = topics[i as usize % topics.len()];
        let value = i.to_le_bytes();
        if topic.starts_with(b"A") || topic.starts_with(b"B2") {
            expected.push((topic.to_vec(), value));
        }
        publisher
            .send_with(Msg::copy_from_slice(topic), SendFlags::MORE)
            .unwrap();
        publisher.send(Msg::copy_from_slice(&value)).unwrap();
    }
    publisher
        .send_multipart([Msg::from_static(b"sync"), Msg::from_static(b"end")])
        .unwrap();
    for (topic, value) in expected {
        let m = sub.recv_multipart().unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!((&m[0][..], &m[1][..]), (&topic[..], &value[..]));
        assert!(m[0].more() && !m[1].more());
    }
    let end = sub.recv_multipart().unwrap();
    assert_eq!(&end[1][..], b"end");

    // Unsubscribing stops a topic.
    sub.unsubscribe(b"A").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    publisher
        .send_multipart([Msg::from_static(b"A"), Msg::from_static(b"gone")])
        .unwrap();
    publisher
        .send_multipart([Msg::from_static(b"B2"), Msg::from_static(b"kept")])
        .unwrap();
    let m = sub.recv_multipart().unwrap();
    assert_eq!(&m[1][..], b"kept");
}

#[test]
fn pub_sub_over_tcp() {
    pub_sub("tcp://127.0.0.1:0", true);
}

#[test]
fn pub_sub_over_ipc() {
    pub_sub(&ipc("pub-sub"), true);
}

#[test]
fn pub_sub_with_sub_bound() {
    pub_sub("tcp://127.0.0.1:0", false);
}

#[test]
fn sub_resubscribes_after_the_publisher_restarts() {
    let at = ipc("resub");
    let ctx = Context::new().unwrap();
    let sub = socket(&ctx, SocketType::Sub);
    sub.set_option(SocketOption::ReconnectIvl(Some(Duration::from_millis(10))))
        .unwrap();
    sub.subscribe(b"t").unwrap();
    let first = socket(&ctx, SocketType::Pub);
    first.bind(&at).unwrap();
    sub.connect(&at).unwrap();
    sync_sub(&first, &sub, b"t");
    drop(first);
    let second = socket(&ctx, SocketType::Pub);
    // The old listener's path goes with its I/O thread's close: retry.
    let deadline = Instant::now() + WAIT;
    while second.bind(&at).is_err() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(5));
    }
    sync_sub(&second, &sub, b"t");
}

fn req_rep(endpoint: &str) {
    let ctx = Context::new().unwrap();
    let rep = socket(&ctx, SocketType::Rep);
    let at = bind(&rep, endpoint);
    let req = socket(&ctx, SocketType::Req);
    req.connect(&at).unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..1000 {
                let m = rep.recv_multipart().unwrap();
                assert_eq!(m.len(), 2, "envelope stripped");
                let mut reply = Multipart::new();
                reply.push(Msg::from_static(b"re"));
                reply.push(m[1].clone());
                rep.send_multipart(reply).unwrap();
            }
        });
        for i in 0..1000u32 {
            req.send_multipart([
                Msg::from_static(b"q"),
                Msg::copy_from_slice(&i.to_le_bytes()),
            ])
            .unwrap();
            let m = req.recv_multipart().unwrap();
            assert_eq!(m.len(), 2);
            assert_eq!((&m[0][..], &m[1][..]), (&b"re"[..], &i.to_le_bytes()[..]));
        }
    });
}

#[test]
fn req_rep_over_tcp() {
    req_rep("tcp://127.0.0.1:0");
}

#[test]
fn req_rep_over_ipc() {
    req_rep(&ipc("req-rep"));
}

#[test]
fn req_enforces_alternation() {
    let ctx = Context::new().unwrap();
    let req = socket(&ctx, SocketType::Req);
    assert_eq!(req.try_recv().unwrap_err(), RecvError::State);
    let rep = socket(&ctx, SocketType::Rep);
    req.connect(&bind(&rep, "tcp://127.0.0.1:0")).unwrap();
    req.send(Msg::from_static(b"one")).unwrap();
    let err = req.send(Msg::from_static(b"two")).unwrap_err();
    assert!(matches!(err, SendError::State(_)), "{err:?}");
    assert_eq!(err.errno_name(), "EFSM");
    assert_eq!(&err.into_inner()[..], b"two");
    // REP cannot reply before it received.
    let err = rep.send(Msg::from_static(b"early")).unwrap_err();
    assert!(matches!(err, SendError::State(_)));
    assert_eq!(&rep.recv().unwrap()[..], b"one");
    assert_eq!(rep.try_recv().unwrap_err(), RecvError::State);
    rep.send(Msg::from_static(b"ok")).unwrap();
    assert_eq!(&req.recv().unwrap()[..], b"ok");
    req.send(Msg::from_static(b"again")).unwrap();
}

#[test]
fn req_recovers_when_its_peer_goes() {
    let at = ipc("req-recover");
    let ctx = Context::new().unwrap();
    let req = socket(&ctx, SocketType::Req);
    req.set_option(SocketOption::ReconnectIvl(Some(Duration::from_millis(10))))
        .unwrap();
    let rep = socket(&ctx, SocketType::Rep);
    rep.bind(&at).unwrap();
    req.connect(&at).unwrap();
    req.send(Msg::from_static(b"lost")).unwrap();
    assert_eq!(&rep.recv().unwrap()[..], b"lost");
    drop(rep);
    // The request's peer is gone: recv says so and send is allowed again.
    assert_eq!(req.recv().unwrap_err(), RecvError::State);
    let rep = socket(&ctx, SocketType::Rep);
    let deadline = Instant::now() + WAIT;
    while rep.bind(&at).is_err() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(5));
    }
    req.send(Msg::from_static(b"retry")).unwrap();
    assert_eq!(&rep.recv().unwrap()[..], b"retry");
    rep.send(Msg::from_static(b"done")).unwrap();
    assert_eq!(&req.recv().unwrap()[..], b"done");
}

fn connect_before_bind(endpoint: &str) {
    let ctx = Context::new().unwrap();
    let push = socket(&ctx, SocketType::Push);
    push.set_option(SocketOption::ReconnectIvl(Some(Duration::from_millis(10))))
        .unwrap();
    push.connect(endpoint).unwrap();
    for i in 0..100u32 {
        push.send(Msg::copy_from_slice(&i.to_le_bytes())).unwrap();
    }
    let pull = socket(&ctx, SocketType::Pull);
    pull.bind(endpoint).unwrap();
    for i in 0..100u32 {
        assert_eq!(&pull.recv().unwrap()[..], &i.to_le_bytes());
    }
}

#[test]
fn connect_before_bind_over_ipc() {
    connect_before_bind(&ipc("early"));
}

#[test]
fn connect_before_bind_over_tcp() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    connect_before_bind(&format!("tcp://127.0.0.1:{port}"));
}

#[test]
fn multipart_arrives_whole_and_frame_by_frame() {
    let ctx = Context::new().unwrap();
    let pull = socket(&ctx, SocketType::Pull);
    let push = socket(&ctx, SocketType::Push);
    push.connect(&bind(&pull, "tcp://127.0.0.1:0")).unwrap();
    let big = vec![7u8; 1 << 20];
    push.send_with(Msg::from_static(b"head"), SendFlags::MORE)
        .unwrap();
    // Nothing is visible before the last part.
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(pull.try_recv().unwrap_err(), RecvError::WouldBlock);
    push.send_with(Msg::from(big.clone()), SendFlags::MORE)
        .unwrap();
    push.send(Msg::from_static(b"tail")).unwrap();
    let head = pull.recv().unwrap();
    assert!(head.more());
    assert_eq!(&head[..], b"head");
    let body = pull.recv().unwrap();
    assert!(body.more() && body[..] == big[..]);
    let tail = pull.recv().unwrap();
    assert!(!tail.more());
    assert_eq!(&tail[..], b"tail");

    push.send_multipart([
        Msg::from_static(b"a"),
        Msg::from_static(b"b"),
        Msg::from_static(b"c"),
    ])
    .unwrap();
    assert_eq!(&pull.recv().unwrap()[..], b"a");
    let rest = pull.recv_multipart().unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!((&rest[0][..], &rest[1][..]), (&b"b"[..], &b"c"[..]));
}

#[test]
fn a_failed_send_hands_the_message_back() {
    let ctx = Context::new().unwrap();
    let push = ctx.socket(SocketType::Push).unwrap();
    // No peer: nothing can take it.
    let err = push.try_send(Msg::from_static(b"mine")).unwrap_err();
    assert!(err.is_again(), "{err:?}");
    assert_eq!(&err.into_inner()[..], b"mine");
    push.set_option(SocketOption::SndTimeo(Some(Duration::from_millis(20))))
        .unwrap();
    let err = push.send(Msg::from_static(b"late")).unwrap_err();
    assert!(matches!(err, SendError::Timeout(_)), "{err:?}");
    assert_eq!(&err.into_inner()[..], b"late");
    let err = push
        .try_send_multipart([Msg::from_static(b"x"), Msg::from_static(b"y")])
        .unwrap_err();
    assert_eq!(err.message().len(), 2);

    // Parts sent with MORE stay queued when the last part fails; only the
    // last part comes back, and the whole message goes once a peer is there.
    push.send_with(Msg::from_static(b"a"), SendFlags::MORE)
        .unwrap();
    push.send_with(Msg::from_static(b"b"), SendFlags::MORE)
        .unwrap();
    let err = push
        .send_with(Msg::from_static(b"c"), SendFlags::DONTWAIT)
        .unwrap_err();
    assert!(err.is_again(), "{err:?}");
    assert_eq!(&err.into_inner()[..], b"c");
    let err = push
        .try_send_multipart([Msg::from_static(b"c"), Msg::from_static(b"d")])
        .unwrap_err();
    let back: Vec<&[u8]> = err.message().iter().map(|m| &m[..]).collect();
    assert_eq!(back, [&b"c"[..], b"d"]);
    // REQ hands back what it was given, without the envelope it adds.
    let req = ctx.socket(SocketType::Req).unwrap();
    let err = req
        .try_send_multipart([Msg::from_static(b"q1"), Msg::from_static(b"q2")])
        .unwrap_err();
    let back: Vec<&[u8]> = err.message().iter().map(|m| &m[..]).collect();
    assert_eq!(back, [&b"q1"[..], b"q2"]);
    let sink = ctx.socket(SocketType::Pull).unwrap();
    sink.bind("inproc://failed-send-keeps-parts").unwrap();
    push.connect("inproc://failed-send-keeps-parts").unwrap();
    push.send(Msg::from_static(b"c")).unwrap();
    let got: Vec<Vec<u8>> = sink
        .recv_multipart()
        .unwrap()
        .iter()
        .map(|m| m.to_vec())
        .collect();
    assert_eq!(got, [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);

    let pull = ctx.socket(SocketType::Pull).unwrap();
    let err = pull.send(Msg::from_static(b"no")).unwrap_err();
    assert!(matches!(err, SendError::NotSupported(_)));
    pull.set_option(SocketOption::RcvTimeo(Some(Duration::from_millis(20))))
        .unwrap();
    assert_eq!(pull.recv().unwrap_err(), RecvError::Timeout);
    assert!(ctx.socket(SocketType::Sub).unwrap().subscribe(b"x").is_ok());
    assert!(pull.subscribe(b"x").is_err());
}

#[test]
fn push_blocks_at_the_high_water_mark() {
    let ctx = Context::new().unwrap();
    let push = ctx.socket(SocketType::Push).unwrap();
    push.set_option(SocketOption::SndHwm(10)).unwrap();
    // Nobody will ever be there: without LINGER 0 the context would wait for
    // the queued messages forever, as libzmq's zmq_ctx_term does.
    push.set_option(SocketOption::Linger(Some(Duration::ZERO)))
        .unwrap();
    push.connect(&ipc("hwm")).unwrap(); // nobody there
    for _ in 0..10 {
        push.try_send(Msg::from_static(b"q")).unwrap();
    }
    assert!(
        push.try_send(Msg::from_static(b"q"))
            .unwrap_err()
            .is_again()
    );
}

#[test]
fn pub_shares_one_message_with_all_subscribers() {
    let ctx = Context::with_io_threads(2).unwrap();
    assert_eq!(ctx.io_threads(), 2);
    let publisher = socket(&ctx, SocketType::Pub);
    let at = bind(&publisher, "tcp://127.0.0.1:0");
    let subs: Vec<Socket> = (0..3)
        .map(|_| {
            let s = socket(&ctx, SocketType::Sub);
            s.subscribe(b"").unwrap();
            s.connect(&at).unwrap();
            s
        })
        .collect();
    for s in &subs {
        sync_sub(&publisher, s, b"");
    }
    std::thread::sleep(Duration::from_millis(50));
    for s in &subs {
        while s.try_recv_multipart().is_ok() {}
    }
    let body = vec![3u8; 100_000];
    publisher.send(Msg::from(body.clone())).unwrap();
    for s in &subs {
        assert!(s.recv().unwrap()[..] == body[..]);
    }
}

#[test]
fn dropping_the_context_lingers_until_queued_messages_are_sent() {
    let receiver = Context::new().unwrap();
    let pull = socket(&receiver, SocketType::Pull);
    let at = bind(&pull, "tcp://127.0.0.1:0");
    {
        let ctx = Context::new().unwrap();
        let push = socket(&ctx, SocketType::Push);
        push.connect(&at).unwrap();
        // Wait for the connection, then queue more than one write's worth.
        push.send(Msg::from_static(b"first")).unwrap();
        assert_eq!(&pull.recv().unwrap()[..], b"first");
        for i in 0..1000u32 {
            push.send(Msg::from(vec![i as u8; 1000])).unwrap();
        }
        // Socket, then context: the default LINGER (forever) keeps the I/O
        // thread until the session has written everything.
    }
    for i in 0..1000u32 {
        let m = pull.recv().unwrap_or_else(|e| panic!("message {i}: {e}"));
        assert!(m.len() == 1000 && m[0] == i as u8, "message {i}");
    }
}

#[test]
fn linger_zero_does_not_wait() {
    let ctx = Context::new().unwrap();
    let push = ctx.socket(SocketType::Push).unwrap();
    push.set_option(SocketOption::Linger(Some(Duration::ZERO)))
        .unwrap();
    let pull = ctx.socket(SocketType::Pull).unwrap();
    push.connect(&bind(&pull, "tcp://127.0.0.1:0")).unwrap();
    push.send(Msg::from_static(b"x")).unwrap();
    let started = Instant::now();
    drop((push, pull, ctx));
    assert!(started.elapsed() < WAIT);
}

#[test]
fn pub_drops_for_a_subscriber_at_its_hwm_and_never_blocks() {
    let ctx = Context::new().unwrap();
    let publisher = socket(&ctx, SocketType::Pub);
    publisher.set_option(SocketOption::SndHwm(10)).unwrap();
    let sub = socket(&ctx, SocketType::Sub);
    sub.set_option(SocketOption::RcvHwm(10)).unwrap();
    sub.subscribe(b"").unwrap();
    sub.connect(&bind(&publisher, "tcp://127.0.0.1:0")).unwrap();
    sync_sub(&publisher, &sub, b"");
    // The subscriber does not read: the publisher goes on regardless. 128
    // MiB in all (one shared body): more than the kernel's buffers hold.
    let body = Msg::from(vec![0u8; 64 << 10]);
    for _ in 0..2000 {
        publisher.try_send(body.clone()).unwrap();
    }
    std::thread::sleep(Duration::from_millis(100));
    let mut got = 0;
    while sub.try_recv().is_ok() {
        got += 1;
    }
    assert!(got > 0 && got < 2000, "{got}");
}

#[test]
fn req_round_robins_and_rep_fair_queues() {
    let ctx = Context::new().unwrap();
    let reps = [socket(&ctx, SocketType::Rep), socket(&ctx, SocketType::Rep)];
    let req = socket(&ctx, SocketType::Req);
    for rep in &reps {
        req.connect(&bind(rep, "tcp://127.0.0.1:0")).unwrap();
    }
    // Both connects exist at once (pipes made at connect): requests
    // alternate between the two.
    for round in 0..10u8 {
        req.send(Msg::copy_from_slice(&[round])).unwrap();
        let rep = &reps[usize::from(round % 2)];
        assert_eq!(&rep.recv().unwrap()[..], &[round]);
        rep.send(Msg::copy_from_slice(&[round, 1])).unwrap();
        assert_eq!(&req.recv().unwrap()[..], &[round, 1]);
    }

    let rep = socket(&ctx, SocketType::Rep);
    let at = bind(&rep, "tcp://127.0.0.1:0");
    let reqs = [socket(&ctx, SocketType::Req), socket(&ctx, SocketType::Req)];
    for (i, req) in reqs.iter().enumerate() {
        req.connect(&at).unwrap();
        req.send(Msg::copy_from_slice(&[i as u8])).unwrap();
    }
    // Each reply goes back to the REQ that asked.
    for _ in 0..2 {
        let m = rep.recv().unwrap();
        let who = m[0];
        rep.send(Msg::copy_from_slice(&[who, 9])).unwrap();
    }
    for (i, req) in reqs.iter().enumerate() {
        assert_eq!(&req.recv().unwrap()[..], &[i as u8, 9]);
    }
}

/// The I/O threads' look before they sleep can be turned off and back on
/// while traffic flows; round trips stay exact either way.
#[test]
fn io_spin_can_change_while_traffic_flows() {
    let ctx = Context::with_io_threads(2).unwrap();
    assert_eq!(ctx.io_spin(), Duration::from_micros(50));
    let rep = socket(&ctx, SocketType::Rep);
    let req = socket(&ctx, SocketType::Req);
    req.connect(&bind(&rep, "tcp://127.0.0.1:0")).unwrap();
    for (round, spin) in [0, 50, 0, 1000].into_iter().enumerate() {
        ctx.set_io_spin(Duration::from_micros(spin));
        assert_eq!(ctx.io_spin(), Duration::from_micros(spin));
        for i in 0..50u32 {
            let body = format!("{round}:{i}").into_bytes();
            req.send(Msg::from(body.clone())).unwrap();
            let got = rep.recv().unwrap();
            assert_eq!(&got[..], &body[..]);
            rep.send(got).unwrap();
            assert_eq!(&req.recv().unwrap()[..], &body[..]);
        }
    }
}

/// `ZMQ_ZERO_COPY_RECV`: on (the default), small frames received over a
/// connection share its read block; off, each has a block of its own.
#[test]
fn zero_copy_recv_slices_the_read_block_unless_turned_off() {
    use ferrozmq_test_support::Metered;
    for zero_copy in [true, false] {
        let ctx = Context::new().unwrap();
        let pull = socket(&ctx, SocketType::Pull);
        let metered = std::sync::Arc::new(Metered::default());
        pull.set_recv_allocator(metered.clone());
        if !zero_copy {
            pull.set_option(SocketOption::ZeroCopyRecv(false)).unwrap();
        }
        let push = socket(&ctx, SocketType::Push);
        push.connect(&bind(&pull, "tcp://127.0.0.1:0")).unwrap();
        for i in 0..100u8 {
            push.send(Msg::from(vec![i; 300])).unwrap();
        }
        let got: Vec<Msg> = (0..100).map(|_| pull.recv().unwrap()).collect();
        for (i, m) in got.iter().enumerate() {
            assert_eq!(&m[..], &[i as u8; 300][..]);
        }
        // A frame cut by the end of a read is copied into a block of its
        // own (one per read at most); every other frame is a slice.
        let own = got.iter().filter(|m| m.is_unique()).count();
        assert_eq!(metered.live_bodies(), own);
        if zero_copy {
            assert!(own < 50, "{own} of 100 copied");
        } else {
            assert_eq!(own, 100);
        }
        drop(got);
        assert_eq!(metered.live_bodies(), 0);
    }
}

#[test]
fn the_recv_allocator_serves_sessions_created_afterwards() {
    use ferrozmq_test_support::Metered;
    let ctx = Context::new().unwrap();
    let pull = socket(&ctx, SocketType::Pull);
    let metered = std::sync::Arc::new(Metered::default());
    pull.set_recv_allocator(metered.clone());
    let push = socket(&ctx, SocketType::Push);
    push.connect(&bind(&pull, "tcp://127.0.0.1:0")).unwrap();
    push.send(Msg::from(vec![5u8; 100_000])).unwrap();
    let m = pull.recv().unwrap();
    assert_eq!(m.len(), 100_000);
    assert!(metered.largest_body() >= 100_000);
    assert_eq!(metered.live_bodies(), 1);
    drop(m);
    assert_eq!(metered.live_bodies(), 0);
}

#[test]
fn push_pull_over_inproc_in_either_order() {
    push_pull("inproc://pp");
    // Connect first: messages wait in the pipe until the bind.
    let ctx = Context::new().unwrap();
    let push = socket(&ctx, SocketType::Push);
    push.connect("inproc://early").unwrap();
    for i in 0..100u32 {
        push.send(Msg::copy_from_slice(&i.to_le_bytes())).unwrap();
    }
    let pull = socket(&ctx, SocketType::Pull);
    pull.bind("inproc://early").unwrap();
    for i in 0..100u32 {
        assert_eq!(&pull.recv().unwrap()[..], &i.to_le_bytes());
    }
}

#[test]
fn inproc_moves_the_message_without_copying() {
    let ctx = Context::new().unwrap();
    let pull = socket(&ctx, SocketType::Pull);
    pull.bind("inproc://zero-copy").unwrap();
    let push = socket(&ctx, SocketType::Push);
    push.connect("inproc://zero-copy").unwrap();
    let big = Msg::from(vec![1u8; 1 << 20]);
    let at = big.as_ptr();
    push.send(big).unwrap();
    let got = pull.recv().unwrap();
    assert_eq!(got.as_ptr(), at);
}

#[test]
fn pub_sub_and_req_rep_over_inproc() {
    pub_sub("inproc://ps", true);
    pub_sub("inproc://ps-sub-bound", false);
    req_rep("inproc://rr");
}

#[test]
fn inproc_names_are_checked() {
    let ctx = Context::new().unwrap();
    let rep = socket(&ctx, SocketType::Rep);
    rep.bind("inproc://name").unwrap();
    let other = socket(&ctx, SocketType::Rep);
    let err = other.bind("inproc://name").unwrap_err();
    assert_eq!(err.errno_name(), "EADDRINUSE");
    let push = socket(&ctx, SocketType::Push);
    let err = push.connect("inproc://name").unwrap_err();
    assert_eq!(err.errno_name(), "ENOCOMPATPROTO");
    // Another context does not see the name; the name is free once its
    // socket is gone.
    let elsewhere = Context::new().unwrap();
    socket(&elsewhere, SocketType::Rep)
        .bind("inproc://name")
        .unwrap();
    drop(rep);
    other.bind("inproc://name").unwrap();
    assert_eq!(other.last_endpoint().unwrap().to_string(), "inproc://name");
}

#[test]
fn push_pull_over_tcp_ipv6() {
    push_pull("tcp://[::1]:0");
}

/// Writes everything the raw peer's connection has queued.
fn flush_raw(conn: &mut ferrozmq_wire::Connection, stream: &mut std::net::TcpStream) {
    use std::io::{IoSlice, Write};
    loop {
        let written = {
            let mut iov = [IoSlice::new(&[]); 16];
            let n = conn.poll_transmit(&mut iov);
            if n == 0 {
                return;
            }
            stream.write_vectored(&iov[..n]).unwrap()
        };
        conn.advance(written);
    }
}

/// A raw ZMTP PUSH peer (our wire layer over a plain TcpStream) that completes
/// the handshake, sends the first part of a two-part message and dies.
fn raw_push_dies_mid_message(at: &str) {
    use ferrozmq_wire::{Config, Connection, Event};
    use std::io::{ErrorKind, Read};

    let addr = at.trim_start_matches("tcp://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let heap: std::sync::Arc<dyn ferrozmq_alloc::RecvAllocator> =
        std::sync::Arc::new(ferrozmq_alloc::Heap::new());
    let mut conn = Connection::new(Config::new(SocketType::Push, heap), Instant::now()).unwrap();
    let deadline = Instant::now() + WAIT;
    let mut buf = vec![0u8; 4096];
    'handshake: loop {
        assert!(Instant::now() < deadline, "no handshake");
        flush_raw(&mut conn, &mut stream);
        let n = match stream.read(&mut buf) {
            Ok(0) => panic!("the socket closed the raw peer"),
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => 0,
            Err(e) => panic!("{e}"),
        };
        let mut input = &buf[..n];
        loop {
            let progress = conn.handle_input(input, Instant::now()).unwrap();
            input = &input[progress.consumed..];
            while let Some(event) = conn.poll_event() {
                if matches!(event, Event::HandshakeComplete(_)) {
                    break 'handshake;
                }
            }
            if input.is_empty() {
                break;
            }
        }
    }
    conn.send(Msg::from_static(b"first part of two").with_more(true))
        .unwrap();
    flush_raw(&mut conn, &mut stream);
    stream.shutdown(std::net::Shutdown::Both).unwrap();
}

#[test]
fn peer_lost_mid_message_never_yields_a_partial_one() {
    let ctx = Context::new().unwrap();
    let pull = socket(&ctx, SocketType::Pull);
    let at = bind(&pull, "tcp://127.0.0.1:0");
    raw_push_dies_mid_message(&at);
    // A well-behaved peer sends a whole two-part message afterwards.
    let push = socket(&ctx, SocketType::Push);
    push.connect(&at).unwrap();
    push.send_multipart([Msg::from_static(b"whole"), Msg::from_static(b"message")])
        .unwrap();
    let got = pull.recv_multipart().unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!((&got[0][..], &got[1][..]), (&b"whole"[..], &b"message"[..]));
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        pull.try_recv_multipart().is_err(),
        "the dead peer's half message must never be delivered"
    );
}

/// libzmq's linger: messages sent on a connecting socket that is closed
/// before its connection is up are still delivered once it comes up (the
/// dropped context waits for them, LINGER being infinite by default).
fn close_before_connected_still_delivers(endpoint: &str) {
    let ctx = Context::new().unwrap();
    let pull = socket(&ctx, SocketType::Pull);
    let at = bind(&pull, endpoint);
    {
        let sender_ctx = Context::new().unwrap();
        let push = socket(&sender_ctx, SocketType::Push);
        push.connect(&at).unwrap();
        for i in 0..5u8 {
            push.send(Msg::copy_from_slice(&[i; 3])).unwrap();
        }
        // Dropped at once: almost surely before the connection is up.
    }
    for i in 0..5u8 {
        assert_eq!(&pull.recv().unwrap()[..], &[i; 3], "message {i}");
    }
}

#[test]
fn close_before_connected_still_delivers_over_ipc() {
    close_before_connected_still_delivers(&ipc("linger-connect"));
}

#[test]
fn close_before_connected_still_delivers_over_tcp() {
    close_before_connected_still_delivers("tcp://127.0.0.1:0");
}

/// The bound side of the same rule: a PUSH that sends to a peer it was just
/// handed by its listener, and is closed at once, still delivers (the
/// context counts an accepted session from the moment the socket gets its
/// pipes). Repeated, as the window is one I/O-thread turn wide.
fn close_right_after_accept_still_delivers(endpoint: &str) {
    for round in 0..20u8 {
        let ctx = Context::new().unwrap();
        let pull = socket(&ctx, SocketType::Pull);
        {
            let sender_ctx = Context::new().unwrap();
            let push = socket(&sender_ctx, SocketType::Push);
            let at = bind(&push, endpoint);
            pull.connect(&at).unwrap();
            // Blocks until the listener hands PUSH the connection.
            push.send(Msg::copy_from_slice(&[round; 3])).unwrap();
        }
        let got = pull.recv().unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(&got[..], &[round; 3], "round {round}");
    }
}

#[test]
fn close_right_after_accept_still_delivers_over_ipc() {
    close_right_after_accept_still_delivers(&ipc("linger-accept"));
}

#[test]
fn close_right_after_accept_still_delivers_over_tcp() {
    close_right_after_accept_still_delivers("tcp://127.0.0.1:0");
}
