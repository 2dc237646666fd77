//! The proxy in its three device shapes across libzmq, both ways round
//! (libzmq clients, workers, publishers and subscribers through our
//! `proxy_steerable`; our sockets through libzmq's `zmq_proxy_steerable`),
//! and `poll` over our sockets fed by libzmq peers. Over tcp and ipc.

use std::thread;

use ferrozmq_socket::{PollEvents, ProxyError, poll, proxy_steerable};

use super::*;

/// The three classic devices.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// ROUTER frontend, DEALER backend: REQ clients, REP workers.
    Queue,
    /// XSUB frontend, XPUB backend: PUB upstream, SUB downstream.
    Forwarder,
    /// PULL frontend, PUSH backend: a pipeline.
    Streamer,
}

impl Shape {
    fn ours(self) -> (SocketType, SocketType) {
        match self {
            Self::Queue => (SocketType::Router, SocketType::Dealer),
            Self::Forwarder => (SocketType::XSub, SocketType::XPub),
            Self::Streamer => (SocketType::Pull, SocketType::Push),
        }
    }

    fn theirs(self) -> (zmq::SocketType, zmq::SocketType) {
        match self {
            Self::Queue => (zmq::ROUTER, zmq::DEALER),
            Self::Forwarder => (zmq::XSUB, zmq::XPUB),
            Self::Streamer => (zmq::PULL, zmq::PUSH),
        }
    }
}

/// Messages each client or producer sends.
const N: u32 = 200;

/// The ends of a device, on one side or the other: `up` sends into the
/// frontend (a REQ client, a PUB, a PUSH), `down` works behind the backend
/// (a REP worker, a SUB, a PULL). They run the shape's traffic and check it.
trait Ends {
    fn run(self, shape: Shape);
}

/// libzmq's ends around our proxy at `front` and `back`.
struct TheirEnds {
    front: String,
    back: String,
}

impl Ends for TheirEnds {
    fn run(self, shape: Shape) {
        let ctx = zmq::Context::new();
        match shape {
            Shape::Queue => {
                let worker = theirs(&ctx, zmq::REP);
                worker.connect(&self.back).unwrap();
                let client = theirs(&ctx, zmq::REQ);
                client.connect(&self.front).unwrap();
                let serve = thread::spawn(move || {
                    for _ in 0..N {
                        let mut req = zrecv(&worker);
                        req[0].push(b'!');
                        zsend(&worker, &[&req[0]]);
                    }
                });
                for i in 0..N {
                    zsend(&client, &[format!("q{i}").as_bytes()]);
                    zexpect(&client, &[format!("q{i}!").as_bytes()]);
                }
                serve.join().unwrap();
            }
            Shape::Forwarder => {
                let publisher = theirs(&ctx, zmq::PUB);
                publisher.connect(&self.front).unwrap();
                let sub = theirs(&ctx, zmq::SUB);
                sub.connect(&self.back).unwrap();
                sub.set_subscribe(b"a").unwrap();
                sub.set_rcvtimeo(20).unwrap();
                // Until the subscription has gone up through the proxy.
                let deadline = Instant::now() + WAIT;
                loop {
                    assert!(Instant::now() < deadline, "nothing came through");
                    zsend(&publisher, &[b"b", b"unwanted"]);
                    zsend(&publisher, &[b"a", b"first"]);
                    if let Ok(m) = sub.recv_multipart(0) {
                        assert_eq!(m, owned(&[b"a", b"first"]));
                        break;
                    }
                }
                sub.set_rcvtimeo(ZMQ_TIMEOUT_MS).unwrap();
                // Drain the retries, then an ordered run.
                zsend(&publisher, &[b"a", b"mark"]);
                while zrecv(&sub) != owned(&[b"a", b"mark"]) {}
                for i in 0..N {
                    zsend(&publisher, &[b"b", b"unwanted"]);
                    zsend(&publisher, &[b"a", format!("{i}").as_bytes()]);
                }
                for i in 0..N {
                    zexpect(&sub, &[b"a", format!("{i}").as_bytes()]);
                }
            }
            Shape::Streamer => {
                let producer = theirs(&ctx, zmq::PUSH);
                producer.connect(&self.front).unwrap();
                let consumer = theirs(&ctx, zmq::PULL);
                consumer.connect(&self.back).unwrap();
                for i in 0..N {
                    zsend(&producer, &[b"job", format!("{i}").as_bytes()]);
                }
                for i in 0..N {
                    zexpect(&consumer, &[b"job", format!("{i}").as_bytes()]);
                }
            }
        }
    }
}

/// Our ends around libzmq's proxy at `front` and `back`.
struct OurEnds {
    front: String,
    back: String,
}

impl Ends for OurEnds {
    fn run(self, shape: Shape) {
        let ctx = Context::new().unwrap();
        match shape {
            Shape::Queue => {
                let worker = ours(&ctx, SocketType::Rep);
                worker.connect(&self.back).unwrap();
                let client = ours(&ctx, SocketType::Req);
                client.connect(&self.front).unwrap();
                let serve = thread::spawn(move || {
                    for _ in 0..N {
                        let mut req = recv(&worker);
                        req[0].push(b'!');
                        send(&worker, &[&req[0]]);
                    }
                });
                for i in 0..N {
                    send(&client, &[format!("q{i}").as_bytes()]);
                    expect(&client, &[format!("q{i}!").as_bytes()]);
                }
                serve.join().unwrap();
            }
            Shape::Forwarder => {
                let publisher = ours(&ctx, SocketType::Pub);
                publisher.connect(&self.front).unwrap();
                let sub = ours(&ctx, SocketType::Sub);
                sub.connect(&self.back).unwrap();
                sub.subscribe(b"a").unwrap();
                set(
                    &sub,
                    SocketOption::RcvTimeo(Some(Duration::from_millis(20))),
                );
                let deadline = Instant::now() + WAIT;
                loop {
                    assert!(Instant::now() < deadline, "nothing came through");
                    send(&publisher, &[b"b", b"unwanted"]);
                    send(&publisher, &[b"a", b"first"]);
                    if let Ok(m) = sub.recv_multipart() {
                        assert_eq!(bytes(&m), owned(&[b"a", b"first"]));
                        break;
                    }
                }
                set(&sub, SocketOption::RcvTimeo(Some(WAIT)));
                send(&publisher, &[b"a", b"mark"]);
                while recv(&sub) != owned(&[b"a", b"mark"]) {}
                for i in 0..N {
                    send(&publisher, &[b"b", b"unwanted"]);
                    send(&publisher, &[b"a", format!("{i}").as_bytes()]);
                }
                for i in 0..N {
                    expect(&sub, &[b"a", format!("{i}").as_bytes()]);
                }
            }
            Shape::Streamer => {
                let producer = ours(&ctx, SocketType::Push);
                producer.connect(&self.front).unwrap();
                let consumer = ours(&ctx, SocketType::Pull);
                consumer.connect(&self.back).unwrap();
                for i in 0..N {
                    send(&producer, &[b"job", format!("{i}").as_bytes()]);
                }
                for i in 0..N {
                    expect(&consumer, &[b"job", format!("{i}").as_bytes()]);
                }
            }
        }
    }
}

/// Our `proxy_steerable` between libzmq's ends; TERMINATE over a libzmq
/// PAIR on the control socket ends it.
fn our_proxy(shape: Shape, tr: Tr) {
    let place = Place::new(tr);
    let ctx = Context::new().unwrap();
    let (f, b) = shape.ours();
    let frontend = ctx.socket(f).unwrap();
    frontend.bind(&place.for_ours()).unwrap();
    let backend = ctx.socket(b).unwrap();
    backend.bind(&place.for_ours()).unwrap();
    let control = ctx.socket(SocketType::Pair).unwrap();
    control.bind(&place.for_ours()).unwrap();
    let ends = TheirEnds {
        front: frontend.last_endpoint().unwrap().to_string(),
        back: backend.last_endpoint().unwrap().to_string(),
    };
    let control_at = control.last_endpoint().unwrap().to_string();
    let proxy = thread::spawn(move || proxy_steerable(&frontend, &backend, None, &control));
    ends.run(shape);
    let zctx = zmq::Context::new();
    let steer = theirs(&zctx, zmq::PAIR);
    steer.connect(&control_at).unwrap();
    zsend(&steer, &[b"STATISTICS"]);
    let stats = zrecv(&steer);
    assert_eq!(stats.len(), 8);
    let frontend_in = u64::from_ne_bytes(stats[0][..].try_into().unwrap());
    assert!(frontend_in >= u64::from(N), "{frontend_in} parts in");
    zsend(&steer, &[b"TERMINATE"]);
    let done: Result<(), ProxyError> = proxy.join().unwrap();
    done.unwrap();
}

/// libzmq's `zmq_proxy_steerable` between our ends.
fn their_proxy(shape: Shape, tr: Tr) {
    let place = Place::new(tr);
    let zctx = zmq::Context::new();
    let (f, b) = shape.theirs();
    let frontend = theirs(&zctx, f);
    frontend.bind(&place.for_libzmq()).unwrap();
    let backend = theirs(&zctx, b);
    backend.bind(&place.for_libzmq()).unwrap();
    let control = theirs(&zctx, zmq::PAIR);
    let control_at = match tr {
        Tr::Tcp => "tcp://127.0.0.1:*".to_owned(),
        Tr::Ipc => place.ipc(),
    };
    control.bind(&control_at).unwrap();
    let control_at = zlast_endpoint(&control);
    let ends = OurEnds {
        front: zlast_endpoint(&frontend),
        back: zlast_endpoint(&backend),
    };
    let proxy = thread::spawn(move || {
        let (mut frontend, mut backend, mut control) = (frontend, backend, control);
        zmq::proxy_steerable(&mut frontend, &mut backend, &mut control)
    });
    ends.run(shape);
    let ctx = Context::new().unwrap();
    let steer = ours(&ctx, SocketType::Pair);
    steer.connect(&control_at).unwrap();
    send(&steer, &[b"TERMINATE"]);
    proxy.join().unwrap().unwrap();
}

#[test]
fn libzmq_clients_and_workers_through_our_queue_tcp() {
    our_proxy(Shape::Queue, Tr::Tcp);
}

#[test]
fn libzmq_clients_and_workers_through_our_queue_ipc() {
    our_proxy(Shape::Queue, Tr::Ipc);
}

#[test]
fn libzmq_publisher_and_subscriber_through_our_forwarder_tcp() {
    our_proxy(Shape::Forwarder, Tr::Tcp);
}

#[test]
fn libzmq_publisher_and_subscriber_through_our_forwarder_ipc() {
    our_proxy(Shape::Forwarder, Tr::Ipc);
}

#[test]
fn libzmq_pipeline_through_our_streamer_tcp() {
    our_proxy(Shape::Streamer, Tr::Tcp);
}

#[test]
fn our_clients_and_workers_through_libzmq_queue_tcp() {
    their_proxy(Shape::Queue, Tr::Tcp);
}

#[test]
fn our_publisher_and_subscriber_through_libzmq_forwarder_tcp() {
    their_proxy(Shape::Forwarder, Tr::Tcp);
}

#[test]
fn our_pipeline_through_libzmq_streamer_ipc() {
    their_proxy(Shape::Streamer, Tr::Ipc);
}

/// `poll` over two of our PULL sockets, each fed by a libzmq PUSH (one
/// over tcp, one over ipc): every message arrives, in order per socket.
#[test]
fn poll_over_sockets_fed_by_libzmq_keeps_order_per_socket() {
    let (tcp, ipc) = (Place::new(Tr::Tcp), Place::new(Tr::Ipc));
    let ctx = Context::new().unwrap();
    let zctx = zmq::Context::new();
    let pulls = [ours(&ctx, SocketType::Pull), ours(&ctx, SocketType::Pull)];
    let pushes = [theirs(&zctx, zmq::PUSH), theirs(&zctx, zmq::PUSH)];
    join(&pulls[0], &pushes[0], &tcp, true);
    join(&pulls[1], &pushes[1], &ipc, false);
    let feeders: Vec<_> = pushes
        .into_iter()
        .enumerate()
        .map(|(k, push)| {
            thread::spawn(move || {
                for i in 0..N * 5 {
                    zsend(&push, &[&[k as u8], format!("{i}").as_bytes()]);
                }
                push
            })
        })
        .collect();
    let mut next = [0u32; 2];
    let deadline = Instant::now() + WAIT;
    while next != [N * 5; 2] {
        assert!(Instant::now() < deadline, "stalled at {next:?}");
        let mut items = [
            pulls[0].as_poll_item(PollEvents::IN),
            pulls[1].as_poll_item(PollEvents::IN),
        ];
        if poll(&mut items, Some(WAIT)).unwrap() == 0 {
            continue;
        }
        for (k, item) in items.iter().enumerate() {
            if item.is_readable() {
                // Readable means a whole message is there now.
                let m = pulls[k].try_recv_multipart().unwrap();
                assert_eq!(
                    bytes(&m),
                    owned(&[&[k as u8], format!("{}", next[k]).as_bytes()])
                );
                next[k] += 1;
            }
        }
    }
    for f in feeders {
        drop(f.join().unwrap());
    }
}
