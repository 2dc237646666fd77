//! `poll_cost`: what waiting on many sockets costs, beside libzmq's
//! `libzmq_poll_cost` (same contract) in `cargo xtask pollcost`.
//!
//! ```text
//! poll_cost <socket-count> <wait-count>
//! ```
//!
//! It makes `<socket-count>` inproc PAIR pairs and one message waiting on
//! the last socket (never received, so it stays readable), then times:
//!
//! - `poll` over all of them for IN, `<wait-count>` times: each returns at
//!   once with one ready item (libzmq's `zmq_poll`);
//! - the same with a `Poller` holding all of them (libzmq's `zmq_poller`);
//!   its wait looks at the ready entries only;
//! - an idle wait: `poll` with nothing ready and a 500 ms timeout, and the
//!   CPU the whole process used meanwhile, in percent of one core.
//!
//! ```text
//! sockets: 1000
//! poll, one ready: 41000.0 [ns]
//! poller, one ready: 120.0 [ns]
//! idle cpu: 0.0 [%]
//! ```

use std::time::{Duration, Instant};

use ferrozmq::{Context, Msg, PollEvents, Poller, PollerEvent, SocketType, poll};
use ferrozmq_benches::perf::{fail, idle_cpu_percent, parse};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        println!("usage: poll_cost <socket-count> <wait-count>");
        std::process::exit(1);
    }
    let n: usize = parse("poll_cost", &args[1], "socket-count", 1);
    let waits: u32 = parse("poll_cost", &args[2], "wait-count", 1);

    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let pairs: Vec<_> = (0..n)
        .map(|i| {
            let a = ctx
                .socket(SocketType::Pair)
                .unwrap_or_else(|e| fail("zmq_socket", &e));
            a.bind(&format!("inproc://poll-cost-{i}"))
                .unwrap_or_else(|e| fail("zmq_bind", &e));
            let b = ctx
                .socket(SocketType::Pair)
                .unwrap_or_else(|e| fail("zmq_socket", &e));
            b.connect(&format!("inproc://poll-cost-{i}"))
                .unwrap_or_else(|e| fail("zmq_connect", &e));
            (a, b)
        })
        .collect();

    // Idle first, with nothing ready anywhere.
    let idle = idle_cpu_percent(|| {
        let mut items: Vec<_> = pairs
            .iter()
            .map(|(a, _)| a.as_poll_item(PollEvents::IN))
            .collect();
        let got = poll(&mut items, Some(Duration::from_millis(500)))
            .unwrap_or_else(|e| fail("zmq_poll", &e));
        assert_eq!(got, 0, "nothing was sent");
    });

    pairs[n - 1]
        .1
        .send(Msg::from_static(b"ready"))
        .unwrap_or_else(|e| fail("zmq_send", &e));
    let mut items: Vec<_> = pairs
        .iter()
        .map(|(a, _)| a.as_poll_item(PollEvents::IN))
        .collect();
    let watch = Instant::now();
    for _ in 0..waits {
        let got = poll(&mut items, None).unwrap_or_else(|e| fail("zmq_poll", &e));
        assert_eq!(got, 1);
    }
    let poll_ns = watch.elapsed().as_nanos() as f64 / f64::from(waits);

    let mut poller = Poller::new();
    for (i, (a, _)) in pairs.iter().enumerate() {
        poller
            .add(a, i, PollEvents::IN)
            .unwrap_or_else(|e| fail("zmq_poller_add", &e));
    }
    let mut events = [PollerEvent::default(); 16];
    let watch = Instant::now();
    for _ in 0..waits {
        let got = poller
            .wait(&mut events, None)
            .unwrap_or_else(|e| fail("zmq_poller_wait_all", &e));
        assert_eq!(got, 1);
    }
    let poller_ns = watch.elapsed().as_nanos() as f64 / f64::from(waits);

    println!("sockets: {n}");
    println!("poll, one ready: {poll_ns:.1} [ns]");
    println!("poller, one ready: {poller_ns:.1} [ns]");
    println!("idle cpu: {idle:.1} [%]");
}
