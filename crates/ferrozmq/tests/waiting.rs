//! Waiting on many sockets: `poll`, `Poller`, the event-loop descriptor
//! (`Socket::fd`), the proxies, and `AsyncSocket` under tokio (current-
//! and multi-thread), smol and `futures::executor`. Every test asserts the
//! bytes, counts and order that came through.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use ferrozmq::{
    AsyncSocket, Context, Msg, Multipart, PollError, PollEvents, PollItem, Poller, PollerEvent,
    RecvError, SendError, Socket, SocketOption, SocketType, poll, proxy, proxy_steerable,
};

const WAIT: Duration = Duration::from_secs(20);

fn socket(ctx: &Context, kind: SocketType) -> Socket {
    ctx.socket(kind).unwrap()
}

/// A bound and a connected socket over a fresh inproc name.
fn pair(ctx: &Context, bound: SocketType, connected: SocketType, name: &str) -> (Socket, Socket) {
    let a = socket(ctx, bound);
    a.bind(&format!("inproc://{name}")).unwrap();
    let b = socket(ctx, connected);
    b.connect(&format!("inproc://{name}")).unwrap();
    (a, b)
}

fn frames(m: &Multipart) -> Vec<Vec<u8>> {
    m.iter().map(|f| f.to_vec()).collect()
}

/// CPU time this thread has used (from `/proc/thread-self/schedstat`).
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    let ns: u64 = stat.split_whitespace().next().unwrap().parse().unwrap();
    Duration::from_nanos(ns)
}

// ---- poll ----

#[test]
fn poll_reports_the_ready_socket_with_its_whole_message() {
    let ctx = Context::new().unwrap();
    let (a, b) = pair(&ctx, SocketType::Pair, SocketType::Pair, "poll-whole");
    let (c, _d) = pair(&ctx, SocketType::Pair, SocketType::Pair, "poll-quiet");
    b.send_multipart([Msg::from_static(b"one"), Msg::from_static(b"two")])
        .unwrap();
    let mut items = [
        a.as_poll_item(PollEvents::IN),
        c.as_poll_item(PollEvents::IN),
    ];
    assert_eq!(poll(&mut items, Some(WAIT)).unwrap(), 1);
    assert!(items[0].is_readable());
    assert!(!items[1].is_readable());
    assert_eq!(items[1].revents(), PollEvents::NONE);
    let got = a.try_recv_multipart().unwrap();
    assert_eq!(frames(&got), [b"one".to_vec(), b"two".to_vec()]);
    // Nothing left: a zero timeout just looks.
    assert_eq!(poll(&mut items, Some(Duration::ZERO)).unwrap(), 0);
}

#[test]
fn poll_reports_out_only_where_a_send_would_not_block() {
    let ctx = Context::new().unwrap();
    let lonely = socket(&ctx, SocketType::Push);
    let (pull, push) = pair(&ctx, SocketType::Pull, SocketType::Push, "poll-out");
    let mut items = [
        lonely.as_poll_item(PollEvents::OUT),
        push.as_poll_item(PollEvents::IN | PollEvents::OUT),
    ];
    assert_eq!(poll(&mut items, Some(Duration::ZERO)).unwrap(), 1);
    assert!(!items[0].is_writable(), "a PUSH without peers cannot send");
    assert_eq!(items[1].revents(), PollEvents::OUT);
    drop(pull);
}

#[test]
fn poll_wakes_on_a_message_from_another_thread_and_idles_without_cpu() {
    let ctx = Context::new().unwrap();
    let (pull, push) = pair(&ctx, SocketType::Pull, SocketType::Push, "poll-wake");
    let (quiet, _peer) = pair(&ctx, SocketType::Pull, SocketType::Push, "poll-idle");
    // Idle: a timed-out wait used next to no CPU.
    let cpu = thread_cpu();
    let started = Instant::now();
    let mut items = [quiet.as_poll_item(PollEvents::IN)];
    assert_eq!(
        poll(&mut items, Some(Duration::from_millis(300))).unwrap(),
        0
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    let burnt = thread_cpu() - cpu;
    assert!(
        burnt < Duration::from_millis(60),
        "an idle poll burnt {burnt:?}"
    );
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        push.send(Msg::from_static(b"late")).unwrap();
        push
    });
    let mut items = [
        quiet.as_poll_item(PollEvents::IN),
        pull.as_poll_item(PollEvents::IN),
    ];
    assert_eq!(poll(&mut items, None).unwrap(), 1);
    assert!(items[1].is_readable());
    assert_eq!(pull.try_recv().unwrap(), b"late");
    drop(sender.join().unwrap());
}

#[test]
fn poll_waits_on_sockets_and_raw_descriptors_together() {
    let ctx = Context::new().unwrap();
    let (pull, push) = pair(&ctx, SocketType::Pull, SocketType::Push, "poll-fd");
    let (mut tx, rx) = UnixStream::pair().unwrap();
    let mut items = [
        pull.as_poll_item(PollEvents::IN),
        PollItem::from_fd(rx.as_raw_fd(), PollEvents::IN),
    ];
    assert_eq!(
        poll(&mut items, Some(Duration::from_millis(20))).unwrap(),
        0
    );
    // The descriptor first, from another thread while the poll waits.
    let writer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(30));
        tx.write_all(b"x").unwrap();
        tx
    });
    assert_eq!(poll(&mut items, Some(WAIT)).unwrap(), 1);
    assert!(items[1].is_readable() && !items[0].is_readable());
    let _tx = writer.join().unwrap();
    // Then the socket, woken out of poll(2) by its wake-up descriptor.
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(30));
        push.send(Msg::from_static(b"m")).unwrap();
        push
    });
    let mut items = [
        pull.as_poll_item(PollEvents::IN),
        PollItem::from_fd(rx.as_raw_fd(), PollEvents::OUT),
        PollItem::from_fd(1 << 30, PollEvents::IN),
    ];
    // The writable end and the descriptor that is not open are ready now.
    assert_eq!(poll(&mut items, Some(WAIT)).unwrap(), 2);
    assert!(items[1].is_writable() && items[2].is_error());
    let mut items = [
        pull.as_poll_item(PollEvents::IN),
        PollItem::from_fd(rx.as_raw_fd(), PollEvents::NONE),
    ];
    let _ = poll(&mut items, Some(Duration::ZERO));
    let mut woken = false;
    for _ in 0..2 {
        if poll(&mut items, Some(WAIT)).unwrap() == 1 && items[0].is_readable() {
            woken = true;
            break;
        }
    }
    assert!(woken);
    assert_eq!(pull.try_recv().unwrap(), b"m");
    drop(sender.join().unwrap());
}

#[test]
fn poll_with_nothing_and_no_timeout_is_refused() {
    assert!(matches!(poll(&mut [], None), Err(PollError::NothingToPoll)));
    assert_eq!(poll(&mut [], Some(Duration::from_millis(1))).unwrap(), 0);
}

// ---- Poller ----

#[test]
fn poller_reports_tokens_level_triggered_and_in_turn() {
    let ctx = Context::new().unwrap();
    let pairs: Vec<_> = (0..3)
        .map(|i| {
            pair(
                &ctx,
                SocketType::Pull,
                SocketType::Push,
                &format!("poller-{i}"),
            )
        })
        .collect();
    let mut poller = Poller::new();
    for (i, (pull, _)) in pairs.iter().enumerate() {
        poller.add(pull, 10 + i, PollEvents::IN).unwrap();
    }
    assert!(matches!(
        poller.add(&pairs[0].0, 1, PollEvents::IN),
        Err(PollError::AlreadyAdded)
    ));
    let mut events = [PollerEvent::default(); 2];
    assert_eq!(
        poller
            .wait(&mut events, Some(Duration::from_millis(10)))
            .unwrap(),
        0
    );
    for (_, push) in &pairs {
        push.send(Msg::from_static(b"x")).unwrap();
    }
    // Three ready, room for two: the third comes first next time.
    let n = poller.wait(&mut events, Some(WAIT)).unwrap();
    assert_eq!(n, 2);
    let mut seen: Vec<usize> = events[..n].iter().map(|e| e.token).collect();
    let n = poller.wait(&mut events, Some(WAIT)).unwrap();
    assert!(n >= 1);
    seen.push(events[0].token);
    seen.sort_unstable();
    assert_eq!(seen, [10, 11, 12], "every ready socket gets its turn");
    assert!(events[..n].iter().all(|e| e.events == PollEvents::IN));
    // Level-triggered: still readable until received.
    pairs[1].0.recv().unwrap();
    pairs[2].0.recv().unwrap();
    let n = poller.wait(&mut events, Some(WAIT)).unwrap();
    assert_eq!(
        &events[..n],
        [PollerEvent {
            token: 10,
            events: PollEvents::IN
        }]
    );
    pairs[0].0.recv().unwrap();
    assert_eq!(poller.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
    // modify and remove.
    poller.modify(&pairs[0].0, PollEvents::OUT).unwrap();
    assert_eq!(
        poller.wait(&mut events, Some(Duration::ZERO)).unwrap(),
        0,
        "PULL never sends"
    );
    poller.remove(&pairs[0].0).unwrap();
    assert!(matches!(
        poller.remove(&pairs[0].0),
        Err(PollError::NotAdded)
    ));
    pairs[0].1.send(Msg::from_static(b"gone")).unwrap();
    assert_eq!(
        poller
            .wait(&mut events, Some(Duration::from_millis(10)))
            .unwrap(),
        0
    );
    assert_eq!(poller.len(), 2);
}

#[test]
fn poller_wakes_for_a_socket_and_a_descriptor_from_other_threads() {
    let ctx = Context::new().unwrap();
    let (pull, push) = pair(&ctx, SocketType::Pull, SocketType::Push, "poller-wake");
    let (mut tx, rx) = UnixStream::pair().unwrap();
    let mut poller = Poller::new();
    poller.add(&pull, 1, PollEvents::IN).unwrap();
    poller.add_fd(rx.as_raw_fd(), 2, PollEvents::IN).unwrap();
    let mut events = [PollerEvent::default(); 4];
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(30));
        push.send(Msg::from_static(b"s")).unwrap();
        push
    });
    let n = poller.wait(&mut events, Some(WAIT)).unwrap();
    assert_eq!(
        &events[..n],
        [PollerEvent {
            token: 1,
            events: PollEvents::IN
        }]
    );
    assert_eq!(pull.recv().unwrap(), b"s");
    tx.write_all(b"d").unwrap();
    let n = poller.wait(&mut events, Some(WAIT)).unwrap();
    assert_eq!(
        &events[..n],
        [PollerEvent {
            token: 2,
            events: PollEvents::IN
        }]
    );
    assert!(matches!(poller.wait(&mut [], None), Err(PollError::NoRoom)));
    drop(sender.join().unwrap());
}

// ---- the event-loop descriptor ----

#[test]
fn the_socket_descriptor_is_edge_triggered_and_quieted_by_events() {
    let ctx = Context::new().unwrap();
    let (pull, push) = pair(&ctx, SocketType::Pull, SocketType::Push, "zmq-fd");
    let fd = pull.fd().unwrap();
    assert_eq!(pull.fd().unwrap(), fd, "one descriptor per socket");
    let readable = |timeout: Duration| {
        let mut items = [PollItem::from_fd(fd, PollEvents::IN)];
        poll(&mut items, Some(timeout)).unwrap() == 1
    };
    // Readable at first (libzmq's rule: check events after a wake-up).
    assert!(readable(Duration::ZERO));
    assert_eq!(pull.events(), PollEvents::NONE);
    assert!(!readable(Duration::from_millis(10)));
    push.send(Msg::from_static(b"1")).unwrap();
    push.send(Msg::from_static(b"2")).unwrap();
    assert!(readable(WAIT));
    assert_eq!(pull.events(), PollEvents::IN);
    assert!(!readable(Duration::ZERO), "quiet after events()");
    assert_eq!(pull.recv().unwrap(), b"1");
    assert_eq!(
        pull.events(),
        PollEvents::IN,
        "the rule: drain until events says no"
    );
    assert_eq!(pull.recv().unwrap(), b"2");
    assert_eq!(pull.events(), PollEvents::NONE);
    push.send(Msg::from_static(b"3")).unwrap();
    assert!(readable(WAIT));
}

// ---- proxies ----

/// Runs `proxy_steerable` on its own thread with a PAIR control socket;
/// returns the control end and the thread.
fn steer(
    ctx: &Context,
    frontend: Socket,
    backend: Socket,
    capture: Option<Socket>,
    name: &str,
) -> (Socket, thread::JoinHandle<Result<(), ferrozmq::ProxyError>>) {
    let control = socket(ctx, SocketType::Pair);
    control.bind(&format!("inproc://{name}")).unwrap();
    let remote = socket(ctx, SocketType::Pair);
    remote.connect(&format!("inproc://{name}")).unwrap();
    let proxy =
        thread::spawn(move || proxy_steerable(&frontend, &backend, capture.as_ref(), &control));
    (remote, proxy)
}

#[test]
fn a_streamer_moves_every_message_in_order_and_captures_them() {
    let ctx = Context::new().unwrap();
    let frontend = socket(&ctx, SocketType::Pull);
    frontend.bind("inproc://streamer-in").unwrap();
    let backend = socket(&ctx, SocketType::Push);
    backend.bind("inproc://streamer-out").unwrap();
    let capture = socket(&ctx, SocketType::Push);
    capture.bind("inproc://streamer-capture").unwrap();
    let tap = socket(&ctx, SocketType::Pull);
    tap.connect("inproc://streamer-capture").unwrap();
    let (control, proxy) = steer(&ctx, frontend, backend, Some(capture), "streamer-ctl");
    let producer = socket(&ctx, SocketType::Push);
    producer.connect("inproc://streamer-in").unwrap();
    let consumer = socket(&ctx, SocketType::Pull);
    consumer.connect("inproc://streamer-out").unwrap();
    let n = 3000u32;
    let sender = thread::spawn(move || {
        for i in 0..n {
            producer
                .send_multipart([
                    Msg::copy_from_slice(&i.to_be_bytes()),
                    Msg::from(vec![7u8; 100]),
                ])
                .unwrap();
        }
        producer
    });
    for i in 0..n {
        let got = consumer.recv_multipart().unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(&got[0][..], i.to_be_bytes());
        assert_eq!(&got[1][..], [7u8; 100]);
        let copy = tap.recv_multipart().unwrap();
        assert_eq!(frames(&copy), frames(&got));
    }
    let _producer = sender.join().unwrap();
    control.send(Msg::from_static(b"STATISTICS")).unwrap();
    let stats = control.recv_multipart().unwrap();
    let values: Vec<u64> = stats
        .iter()
        .map(|m| u64::from_ne_bytes(m[..].try_into().unwrap()))
        .collect();
    let bytes = u64::from(n) * 104;
    let parts = u64::from(n) * 2;
    assert_eq!(values, [parts, bytes, 0, 0, 0, 0, parts, bytes]);
    control.send(Msg::from_static(b"TERMINATE")).unwrap();
    proxy.join().unwrap().unwrap();
}

#[test]
fn a_queue_carries_requests_and_replies_between_req_clients_and_rep_workers() {
    let ctx = Context::new().unwrap();
    let frontend = socket(&ctx, SocketType::Router);
    frontend.bind("inproc://queue-front").unwrap();
    let backend = socket(&ctx, SocketType::Dealer);
    backend.bind("inproc://queue-back").unwrap();
    let (control, proxy) = steer(&ctx, frontend, backend, None, "queue-ctl");
    let workers: Vec<_> = (0..2)
        .map(|w| {
            let rep = socket(&ctx, SocketType::Rep);
            rep.connect("inproc://queue-back").unwrap();
            thread::spawn(move || {
                for _ in 0..50 {
                    let Ok(req) = rep.recv() else { return };
                    let mut reply = req.to_vec();
                    reply.push(b'0' + w);
                    rep.send(Msg::from(reply)).unwrap();
                }
            })
        })
        .collect();
    let clients: Vec<_> = (0..4u8)
        .map(|c| {
            let req = socket(&ctx, SocketType::Req);
            req.connect("inproc://queue-front").unwrap();
            thread::spawn(move || {
                for i in 0..25u8 {
                    req.send(Msg::copy_from_slice(&[c, i])).unwrap();
                    let reply = req.recv().unwrap();
                    assert_eq!(&reply[..2], [c, i], "a reply for its own request");
                    assert!(matches!(reply[2], b'0' | b'1'));
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    control.send(Msg::from_static(b"TERMINATE")).unwrap();
    proxy.join().unwrap().unwrap();
    drop(ctx);
    drop(workers);
}

#[test]
fn a_forwarder_sends_subscriptions_up_and_messages_down() {
    let ctx = Context::new().unwrap();
    let publisher = socket(&ctx, SocketType::Pub);
    publisher.bind("inproc://fwd-up").unwrap();
    let frontend = socket(&ctx, SocketType::XSub);
    frontend.connect("inproc://fwd-up").unwrap();
    let backend = socket(&ctx, SocketType::XPub);
    backend.bind("inproc://fwd-down").unwrap();
    let (control, proxy) = steer(&ctx, frontend, backend, None, "fwd-ctl");
    let sub = socket(&ctx, SocketType::Sub);
    sub.connect("inproc://fwd-down").unwrap();
    sub.subscribe(b"news").unwrap();
    // The subscription reaches the publisher through the proxy.
    let deadline = Instant::now() + WAIT;
    let got = loop {
        assert!(
            Instant::now() < deadline,
            "no message through the forwarder"
        );
        publisher.send(Msg::from_static(b"weather: rain")).unwrap();
        publisher.send(Msg::from_static(b"news: up")).unwrap();
        if let Ok(m) = sub.recv_timeout_for_test() {
            break m;
        }
    };
    assert_eq!(got, b"news: up", "only the subscribed topic comes down");
    control.send(Msg::from_static(b"STATISTICS")).unwrap();
    let stats = control.recv_multipart().unwrap();
    let backend_recv = u64::from_ne_bytes(stats[4][..].try_into().unwrap());
    assert!(
        backend_recv >= 1,
        "the subscription went up through the backend"
    );
    control.send(Msg::from_static(b"TERMINATE")).unwrap();
    proxy.join().unwrap().unwrap();
}

/// `recv` with a short timeout, for loops that re-send until a
/// subscription has propagated.
trait RecvTimeout {
    fn recv_timeout_for_test(&self) -> Result<Msg, RecvError>;
}

impl RecvTimeout for Socket {
    fn recv_timeout_for_test(&self) -> Result<Msg, RecvError> {
        self.set_option(SocketOption::RcvTimeo(Some(Duration::from_millis(20))))
            .unwrap();
        self.recv()
    }
}

#[test]
fn a_paused_proxy_holds_messages_and_a_slow_side_pushes_back() {
    let ctx = Context::new().unwrap();
    let frontend = socket(&ctx, SocketType::Pull);
    frontend.set_option(SocketOption::RcvHwm(10)).unwrap();
    frontend.bind("inproc://hwm-in").unwrap();
    let backend = socket(&ctx, SocketType::Push);
    backend.set_option(SocketOption::SndHwm(10)).unwrap();
    backend.bind("inproc://hwm-out").unwrap();
    let (control, proxy) = steer(&ctx, frontend, backend, None, "hwm-ctl");
    let producer = socket(&ctx, SocketType::Push);
    producer.set_option(SocketOption::SndHwm(10)).unwrap();
    producer.connect("inproc://hwm-in").unwrap();
    let consumer = socket(&ctx, SocketType::Pull);
    consumer.set_option(SocketOption::RcvHwm(10)).unwrap();
    consumer.connect("inproc://hwm-out").unwrap();
    // Nobody reads the consumer: the proxy may fill the backend pipe, but
    // then stops reading, and the producer's sends start to block.
    let mut sent = 0u32;
    let deadline = Instant::now() + WAIT;
    loop {
        match producer.try_send(Msg::copy_from_slice(&sent.to_be_bytes())) {
            Ok(()) => sent += 1,
            Err(SendError::WouldBlock(_)) => {
                // Give the proxy a moment; stop once it stays blocked.
                thread::sleep(Duration::from_millis(50));
                if producer
                    .try_send(Msg::copy_from_slice(&sent.to_be_bytes()))
                    .is_ok()
                {
                    sent += 1;
                    continue;
                }
                break;
            }
            Err(e) => panic!("{e}"),
        }
        assert!(
            Instant::now() < deadline && sent < 10_000,
            "the proxy buffered without bound"
        );
    }
    // Bounded by the HWMs on the way (inproc sums both sides' HWMs).
    assert!(sent <= 100, "{sent} messages went in before the push-back");
    for i in 0..sent {
        assert_eq!(&consumer.recv().unwrap()[..], i.to_be_bytes(), "order kept");
    }
    // Paused (the STATISTICS reply comes after the PAUSE took effect):
    // a message waits in the frontend until RESUME.
    control.send(Msg::from_static(b"PAUSE")).unwrap();
    control.send(Msg::from_static(b"STATISTICS")).unwrap();
    assert_eq!(control.recv_multipart().unwrap().len(), 8);
    producer.send(Msg::from_static(b"after")).unwrap();
    consumer
        .set_option(SocketOption::RcvTimeo(Some(Duration::from_millis(100))))
        .unwrap();
    assert_eq!(
        consumer.recv(),
        Err(RecvError::Timeout),
        "moved while paused"
    );
    control.send(Msg::from_static(b"RESUME")).unwrap();
    consumer
        .set_option(SocketOption::RcvTimeo(Some(WAIT)))
        .unwrap();
    assert_eq!(consumer.recv().unwrap(), b"after");
    control.send(Msg::from_static(b"TERMINATE")).unwrap();
    proxy.join().unwrap().unwrap();
}

#[test]
fn a_rep_control_socket_gets_an_answer_to_every_command() {
    let ctx = Context::new().unwrap();
    let (frontend, _f) = pair(&ctx, SocketType::Pull, SocketType::Push, "rep-ctl-in");
    let (backend, _b) = pair(&ctx, SocketType::Push, SocketType::Pull, "rep-ctl-out");
    let control = socket(&ctx, SocketType::Rep);
    control.bind("inproc://rep-ctl").unwrap();
    let client = socket(&ctx, SocketType::Req);
    client.connect("inproc://rep-ctl").unwrap();
    let proxy = thread::spawn(move || proxy_steerable(&frontend, &backend, None, &control));
    for command in [&b"PAUSE"[..], b"what?", b"RESUME"] {
        client.send(Msg::copy_from_slice(command)).unwrap();
        assert_eq!(client.recv().unwrap(), b"", "REP answers {command:?}");
    }
    client.send(Msg::from_static(b"STATISTICS")).unwrap();
    assert_eq!(client.recv_multipart().unwrap().len(), 8);
    client.send(Msg::from_static(b"TERMINATE")).unwrap();
    assert_eq!(client.recv().unwrap(), b"");
    proxy.join().unwrap().unwrap();
}

#[test]
fn a_proxy_stops_with_the_error_of_a_send() {
    let ctx = Context::new().unwrap();
    let (frontend, client) = pair(&ctx, SocketType::Dealer, SocketType::Dealer, "proxy-error");
    let backend = socket(&ctx, SocketType::Router);
    backend
        .set_option(SocketOption::RouterMandatory(true))
        .unwrap();
    backend.bind("inproc://proxy-error-back").unwrap();
    // A peer, so that the ROUTER can send (with MANDATORY it cannot
    // without one, as libzmq's `xhas_out`)...
    let worker = socket(&ctx, SocketType::Dealer);
    worker.connect("inproc://proxy-error-back").unwrap();
    // ...and a message addressed to a peer it does not have: EHOSTUNREACH.
    client
        .send_multipart([Msg::from_static(b"nobody"), Msg::from_static(b"x")])
        .unwrap();
    let err = proxy(&frontend, &backend, None).unwrap_err();
    assert!(
        matches!(
            err,
            ferrozmq::ProxyError::Send(SendError::HostUnreachable(()))
        ),
        "{err:?}"
    );
}

// ---- async ----

/// The same REQ/REP round trips on any executor.
async fn req_rep_round_trips(ctx: &Context, name: &str, n: u32) {
    let rep = AsyncSocket::new(socket(ctx, SocketType::Rep));
    rep.get_ref().bind(&format!("inproc://{name}")).unwrap();
    let req = AsyncSocket::new(socket(ctx, SocketType::Req));
    req.get_ref().connect(&format!("inproc://{name}")).unwrap();
    let server = async {
        for _ in 0..n {
            let m = rep.recv_multipart().await.unwrap();
            rep.send_multipart(m).await.unwrap();
        }
    };
    let client = async {
        for i in 0..n {
            req.send_multipart([
                Msg::copy_from_slice(&i.to_be_bytes()),
                Msg::from_static(b"tail"),
            ])
            .await
            .unwrap();
            let back = req.recv_multipart().await.unwrap();
            assert_eq!(&back[0][..], i.to_be_bytes());
            assert_eq!(&back[1][..], b"tail");
        }
    };
    futures::join!(server, client);
}

#[test]
fn async_under_tokio_current_thread() {
    let ctx = Context::new().unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(req_rep_round_trips(&ctx, "tokio-ct", 500));
}

#[test]
fn async_under_smol() {
    let ctx = Context::new().unwrap();
    smol::block_on(req_rep_round_trips(&ctx, "smol", 500));
}

#[test]
fn async_under_futures_executor() {
    let ctx = Context::new().unwrap();
    futures::executor::block_on(req_rep_round_trips(&ctx, "futures", 500));
}

#[test]
fn async_dealer_full_duplex_on_tokio_multi_thread() {
    let ctx = Context::new().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let a = Arc::new(AsyncSocket::new(socket(&ctx, SocketType::Dealer)));
    a.get_ref().bind("tcp://127.0.0.1:0").unwrap();
    let endpoint = a.get_ref().last_endpoint().unwrap().to_string();
    let b = Arc::new(AsyncSocket::new(socket(&ctx, SocketType::Dealer)));
    b.get_ref().connect(&endpoint).unwrap();
    let n = 5000u32;
    rt.block_on(async {
        // One socket, two tasks: a sends while it receives.
        let a_send = {
            let a = Arc::clone(&a);
            tokio::spawn(async move {
                for i in 0..n {
                    a.send(Msg::copy_from_slice(&i.to_be_bytes()))
                        .await
                        .unwrap();
                }
            })
        };
        let a_recv = {
            let a = Arc::clone(&a);
            tokio::spawn(async move {
                for i in 0..n {
                    assert_eq!(&a.recv().await.unwrap()[..], i.to_be_bytes());
                }
            })
        };
        let echo = {
            let b = Arc::clone(&b);
            tokio::spawn(async move {
                for _ in 0..n {
                    let m = b.recv().await.unwrap();
                    b.send(m).await.unwrap();
                }
            })
        };
        a_send.await.unwrap();
        echo.await.unwrap();
        a_recv.await.unwrap();
    });
}

#[test]
fn async_stream_and_sink_carry_whole_messages() {
    use futures::{SinkExt, StreamExt};
    let ctx = Context::new().unwrap();
    let mut push = AsyncSocket::new(socket(&ctx, SocketType::Push));
    push.get_ref().bind("inproc://stream-sink").unwrap();
    let mut pull = AsyncSocket::new(socket(&ctx, SocketType::Pull));
    pull.get_ref().connect("inproc://stream-sink").unwrap();
    futures::executor::block_on(async {
        let n = 200u32;
        let sending = async {
            for i in 0..n {
                let msg = Multipart::from([Msg::copy_from_slice(&i.to_be_bytes()), Msg::new()]);
                SinkExt::send(&mut push, msg).await.unwrap();
            }
            push.flush().await.unwrap();
        };
        let receiving = async {
            let got: Vec<_> = (&mut pull).take(n as usize).collect().await;
            for (i, m) in got.into_iter().enumerate() {
                let m = m.unwrap();
                assert_eq!(m.len(), 2);
                assert_eq!(&m[0][..], (i as u32).to_be_bytes());
            }
        };
        futures::join!(sending, receiving);
    });
}

#[test]
fn cancelled_recv_futures_lose_no_message() {
    let ctx = Context::new().unwrap();
    let (pull, push) = pair(&ctx, SocketType::Pull, SocketType::Push, "cancel-recv");
    let pull = AsyncSocket::new(pull);
    let n = 5000u32;
    let sender = thread::spawn(move || {
        for i in 0..n {
            push.send(Msg::copy_from_slice(&i.to_be_bytes())).unwrap();
            // A pause now and then: the receiver drains what is queued and
            // its recv future waits, so the race with `yield_now` happens
            // however fast the machine is.
            if i % 256 == 255 {
                thread::sleep(Duration::from_millis(1));
            } else if i % 64 == 0 {
                thread::yield_now();
            }
        }
        push
    });
    let cancelled = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let mut cancelled = 0u32;
            let mut next = 0u32;
            while next < n {
                tokio::select! {
                    biased;
                    m = pull.recv() => {
                        assert_eq!(&m.unwrap()[..], next.to_be_bytes(), "exactly once, in order");
                        next += 1;
                    }
                    () = tokio::task::yield_now() => cancelled += 1,
                }
            }
            cancelled
        });
    drop(sender.join().unwrap());
    assert!(cancelled > 0, "no recv future was ever cancelled");
    assert!(pull.get_ref().try_recv().is_err(), "nothing extra");
}

/// Deterministic: each of thousands of recv futures is polled (pending,
/// its waker armed), then the message arrives and wakes it, then it is
/// dropped unpolled: the message stays for the next receive.
#[test]
fn recv_futures_woken_then_dropped_leave_the_message() {
    use std::future::Future;
    use std::task::{Context as TaskContext, Poll, Waker};
    let ctx = Context::new().unwrap();
    let (pull, push) = pair(&ctx, SocketType::Pull, SocketType::Push, "cancel-woken");
    let pull = AsyncSocket::new(pull);
    let mut cx = TaskContext::from_waker(Waker::noop());
    for i in 0..3000u32 {
        {
            let mut pending = std::pin::pin!(pull.recv_multipart());
            assert!(pending.as_mut().poll(&mut cx).is_pending());
            push.send(Msg::copy_from_slice(&i.to_be_bytes())).unwrap();
            // Dropped here, woken but not polled again.
        }
        let mut next = std::pin::pin!(pull.recv());
        let Poll::Ready(got) = next.as_mut().poll(&mut cx) else {
            panic!("message {i} was lost with a cancelled future");
        };
        assert_eq!(&got.unwrap()[..], i.to_be_bytes());
    }
}

/// A proxy moves a message's handles: over inproc the body that comes out
/// is the body that went in (no copy).
#[test]
fn a_proxy_moves_bodies_without_copying_them() {
    let ctx = Context::new().unwrap();
    let (frontend, producer) = pair(&ctx, SocketType::Pull, SocketType::Push, "handles-in");
    let (backend, consumer) = pair(&ctx, SocketType::Push, SocketType::Pull, "handles-out");
    let (control, proxy) = steer(&ctx, frontend, backend, None, "handles-ctl");
    let body = Msg::from(vec![9u8; 4096]);
    let at = body.as_ptr();
    producer
        .send_multipart([Msg::from_static(b"head"), body])
        .unwrap();
    let got = consumer.recv_multipart().unwrap();
    assert_eq!(got[1].as_ptr(), at, "the same body, not a copy");
    control.send(Msg::from_static(b"TERMINATE")).unwrap();
    proxy.join().unwrap().unwrap();
}

/// Deterministic: with the pipe full, each of thousands of send futures
/// is polled (pending) and dropped; it queued nothing. Then a slot frees
/// and the same message goes whole with a new future: the receiver sees
/// every message exactly once, in order, each with both parts.
#[test]
fn cancelled_send_futures_queue_all_or_nothing() {
    use std::future::Future;
    use std::task::{Context as TaskContext, Poll, Waker};
    let ctx = Context::new().unwrap();
    let pull = socket(&ctx, SocketType::Pull);
    pull.set_option(SocketOption::RcvHwm(2)).unwrap();
    pull.bind("inproc://cancel-send").unwrap();
    let push = socket(&ctx, SocketType::Push);
    push.set_option(SocketOption::SndHwm(2)).unwrap();
    push.connect("inproc://cancel-send").unwrap();
    let push = AsyncSocket::new(push);
    let mut cx = TaskContext::from_waker(Waker::noop());
    let message = |i: u32| {
        [
            Msg::copy_from_slice(&i.to_be_bytes()),
            Msg::from_static(b"body"),
        ]
    };
    let n = 3000u32;
    let (mut next_in, mut next_out, mut cancelled) = (0u32, 0u32, 0u32);
    while next_in < n {
        {
            let mut send = std::pin::pin!(push.send_multipart(message(next_in)));
            if let Poll::Ready(sent) = send.as_mut().poll(&mut cx) {
                sent.unwrap();
                next_in += 1;
                continue;
            }
            // Full: dropped pending, nothing of it may be queued; the same
            // message goes again with a new future once a slot is free.
            cancelled += 1;
        }
        let got = pull.recv_multipart().unwrap();
        assert_eq!(got.len(), 2, "whole messages only");
        assert_eq!(
            &got[0][..],
            next_out.to_be_bytes(),
            "exactly once, in order"
        );
        next_out += 1;
    }
    while next_out < n {
        let got = pull.recv_multipart().unwrap();
        assert_eq!(
            &got[0][..],
            next_out.to_be_bytes(),
            "exactly once, in order"
        );
        next_out += 1;
    }
    assert!(cancelled >= n / 4, "only {cancelled} sends were cancelled");
    assert!(pull.try_recv().is_err(), "nothing extra");
}

#[test]
fn a_runtime_timer_times_out_an_idle_pending_recv_without_cpu_and_the_next_recv_gets_the_message() {
    let ctx = Context::new().unwrap();
    let (pull, push) = pair(&ctx, SocketType::Pull, SocketType::Push, "async-timeout");
    let pull = AsyncSocket::new(pull);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            // Pending on an idle socket: the thread sleeps in the runtime.
            let cpu = thread_cpu();
            let timed_out = tokio::time::timeout(Duration::from_millis(300), pull.recv()).await;
            assert!(timed_out.is_err());
            let burnt = thread_cpu() - cpu;
            assert!(
                burnt < Duration::from_millis(60),
                "a pending recv burnt {burnt:?}"
            );
            push.send(Msg::from_static(b"now")).unwrap();
            let got = tokio::time::timeout(WAIT, pull.recv())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got, b"now");
        });
}

#[test]
fn many_tasks_wait_on_one_socket_and_each_message_goes_to_one() {
    let ctx = Context::new().unwrap();
    let (pull, push) = pair(&ctx, SocketType::Pull, SocketType::Push, "many-waiters");
    let pull = Arc::new(AsyncSocket::new(pull));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let n = 2000u32;
    let got = rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let pull = Arc::clone(&pull);
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    while let Ok(Ok(m)) =
                        tokio::time::timeout(Duration::from_millis(500), pull.recv()).await
                    {
                        mine.push(u32::from_be_bytes(m[..].try_into().unwrap()));
                    }
                    mine
                })
            })
            .collect();
        for i in 0..n {
            push.send(Msg::copy_from_slice(&i.to_be_bytes())).unwrap();
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    let mut got = got;
    got.sort_unstable();
    assert_eq!(got, (0..n).collect::<Vec<_>>(), "each message exactly once");
}

#[test]
fn a_send_error_hands_the_message_back() {
    let ctx = Context::new().unwrap();
    let pull = AsyncSocket::new(socket(&ctx, SocketType::Pull));
    futures::executor::block_on(async {
        let err = pull.send(Msg::from_static(b"mine")).await.unwrap_err();
        assert!(matches!(&err, SendError::NotSupported(m) if m == &b"mine"[..]));
        let err = pull
            .send_multipart([Msg::from_static(b"a"), Msg::from_static(b"b")])
            .await
            .unwrap_err();
        let SendError::NotSupported(back) = err else {
            panic!("{err:?}")
        };
        assert_eq!(frames(&back), [b"a".to_vec(), b"b".to_vec()]);
    });
}
