//! Topic/value PUB/SUB: each message is two parts, a topic and a value.
//! Subscriptions match the first part only and are filtered at the publisher,
//! so a subscriber to `prices.EUR` gets only those messages, part boundaries
//! intact, and never sees the others.

use std::time::{Duration, Instant};

use ferrozmq::{Context, Msg, Multipart, SocketOption, SocketType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ctx = Context::new()?;
    let publisher = ctx.socket(SocketType::Pub)?;
    publisher.bind("tcp://127.0.0.1:0")?;
    let endpoint = publisher.last_endpoint().expect("bound").to_string();

    let sub = ctx.socket(SocketType::Sub)?;
    sub.set_option(SocketOption::RcvTimeo(Some(Duration::from_secs(5))))?;
    sub.connect(&endpoint)?;
    sub.subscribe(b"prices.EUR")?;
    sub.subscribe(b"hello")?;

    // A subscription takes a moment to reach the publisher (ZeroMQ's "slow
    // joiner"): say hello until the first one arrives.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "the subscription never arrived");
        publisher.send_multipart([Msg::from_static(b"hello"), Msg::new()])?;
        if let Ok(m) = sub.try_recv_multipart() {
            assert_eq!(m[0], b"hello");
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }

    let feed: [(&[u8], f64); 4] = [
        (b"prices.EURUSD", 1.0842),
        (b"prices.GBPUSD", 1.2710),
        (b"prices.EURJPY", 163.21),
        (b"news.EUR", 0.0),
    ];
    for (topic, price) in feed {
        let value = Msg::copy_from_slice(&price.to_le_bytes());
        publisher.send_multipart([Msg::copy_from_slice(topic), value])?;
    }
    // The end marker, also on a subscribed topic.
    publisher.send_multipart([Msg::from_static(b"hello"), Msg::from_static(b"end")])?;

    let mut got: Vec<(Vec<u8>, f64)> = Vec::new();
    loop {
        let m: Multipart = sub.recv_multipart()?;
        assert_eq!(m.len(), 2, "two parts, boundaries intact");
        if m[0] == b"hello" {
            if m[1] == b"end" {
                break;
            }
            continue; // a late hello from the warm-up
        }
        let price = f64::from_le_bytes(m[1][..].try_into()?);
        got.push((m[0].to_vec(), price));
    }
    assert_eq!(
        got,
        [
            (b"prices.EURUSD".to_vec(), 1.0842),
            (b"prices.EURJPY".to_vec(), 163.21)
        ]
    );
    for (topic, price) in &got {
        println!("{} = {price}", String::from_utf8_lossy(topic));
    }
    Ok(())
}
