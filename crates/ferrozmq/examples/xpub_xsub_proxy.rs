//! A forwarder between publishers and subscribers, written by hand: an
//! XSUB socket faces the publishers, an XPUB socket the subscribers, and
//! one thread moves messages downstream and subscriptions upstream.
//!
//! The XPUB hands each subscription to the application as a one-frame
//! message (`0x01` + topic; `0x00` + topic for a cancel); sending that
//! same frame on the XSUB subscribes upstream, so the publisher filters for
//! the proxy as it would for a direct subscriber. Messages are moved whole
//! (`recv_multipart`/`send_multipart`), so a topic frame and its value stay
//! together.
//!
//! Two SUBs subscribe to different topics; the PUB sends both topics and a
//! third nobody wants, interleaved. Each SUB must get exactly its topic's
//! messages, in order, and the proxy must have passed both subscriptions
//! upstream. The proxy waits on both sides at once with
//! [`ferrozmq::poll`]; [`ferrozmq::proxy`] does the same job in one call,
//! this shows what it does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ferrozmq::{Context, Msg, Multipart, PollEvents, Socket, SocketOption, SocketType, poll};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const TOPICS: [&[u8]; 2] = [b"weather", b"sports"];
/// Messages per topic, numbered.
const COUNT: u32 = 20;
/// How long any one wait may take before the example fails.
const TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> Result<()> {
    let ctx = Context::new()?;
    let frontend = ctx.socket(SocketType::XSub)?;
    frontend.bind("tcp://127.0.0.1:0")?;
    let backend = ctx.socket(SocketType::XPub)?;
    backend.bind("tcp://127.0.0.1:0")?;
    let front_ep = frontend.last_endpoint().expect("bound").to_string();
    let back_ep = backend.last_endpoint().expect("bound").to_string();

    let stop = Arc::new(AtomicBool::new(false));
    let proxy = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || forward(&frontend, &backend, &stop))
    };

    let subs: Vec<Socket> = TOPICS
        .iter()
        .map(|topic| {
            let sub = ctx.socket(SocketType::Sub)?;
            sub.set_option(SocketOption::RcvTimeo(Some(TIMEOUT)))?;
            sub.connect(&back_ep)?;
            sub.subscribe(topic)?;
            Ok(sub)
        })
        .collect::<Result<_>>()?;
    let publisher = ctx.socket(SocketType::Pub)?;
    publisher.connect(&front_ep)?;

    // Subscriptions take a moment to travel SUB -> XPUB -> proxy -> XSUB
    // -> PUB (ZeroMQ's "slow joiner"): say `sync` on every topic until
    // each SUB has heard one. They arrive before anything sent after them.
    let deadline = Instant::now() + TIMEOUT;
    let mut synced = [false; TOPICS.len()];
    while !synced.iter().all(|&s| s) {
        assert!(Instant::now() < deadline, "the subscriptions never arrived");
        for topic in TOPICS {
            publisher.send_multipart(message(topic, b"sync"))?;
        }
        thread::sleep(Duration::from_millis(5));
        for (sub, synced) in subs.iter().zip(&mut synced) {
            while sub.try_recv_multipart().is_ok() {
                *synced = true;
            }
        }
    }

    for n in 0..COUNT {
        for topic in [&b"weather"[..], b"news", b"sports"] {
            publisher.send_multipart(message(topic, n.to_string().as_bytes()))?;
        }
    }
    for topic in TOPICS {
        publisher.send_multipart(message(topic, b"end"))?;
    }

    for (sub, topic) in subs.iter().zip(TOPICS) {
        let mut got = Vec::new();
        loop {
            let msg = sub.recv_multipart()?;
            assert_eq!(msg.len(), 2, "topic and value stay together");
            assert_eq!(&msg[0][..], topic, "only the subscribed topic");
            match &msg[1][..] {
                b"sync" => assert!(got.is_empty(), "every sync comes before the data"),
                b"end" => break,
                value => got.push(std::str::from_utf8(value)?.parse::<u32>()?),
            }
        }
        assert_eq!(got, (0..COUNT).collect::<Vec<_>>(), "all of them, in order");
        println!(
            "{}: {COUNT} messages, in order, nothing else",
            String::from_utf8_lossy(topic)
        );
    }

    stop.store(true, Ordering::Relaxed);
    let upstream = proxy.join().expect("proxy thread")?;
    for topic in TOPICS {
        let mut subscribe = vec![1];
        subscribe.extend_from_slice(topic);
        assert!(
            upstream.contains(&subscribe),
            "the proxy passed each subscription on"
        );
    }
    println!(
        "the proxy passed {} subscription messages upstream",
        upstream.len()
    );
    Ok(())
}

/// A two-part message: topic, then value.
fn message(topic: &[u8], value: &[u8]) -> Multipart {
    Multipart::from([Msg::copy_from_slice(topic), Msg::copy_from_slice(value)])
}

/// The proxy's loop, until `stop`: messages from the publishers to the
/// subscribers, subscriptions from the subscribers to the publishers.
/// Returns the subscription messages it passed upstream.
fn forward(frontend: &Socket, backend: &Socket, stop: &AtomicBool) -> Result<Vec<Vec<u8>>> {
    let mut upstream = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let mut items = [
            frontend.as_poll_item(PollEvents::IN),
            backend.as_poll_item(PollEvents::IN),
        ];
        // A timeout only so that `stop` is seen.
        poll(&mut items, Some(Duration::from_millis(50)))?;
        // Downstream: a whole message.
        if items[0].is_readable() {
            backend.send_multipart(frontend.recv_multipart()?)?;
        }
        // Upstream: `0x01 ++ topic` / `0x00 ++ topic`, as XSUB sends them.
        if items[1].is_readable() {
            let msg = backend.recv_multipart()?;
            upstream.push(msg[0].to_vec());
            frontend.send_multipart(msg)?;
        }
    }
    Ok(upstream)
}
