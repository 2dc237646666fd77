//! `poll_cost`: what waiting on many sockets costs, beside libzmq's
//! `libzmq_poll_cost` (same contract) in `cargo xtask pollcost`.
//!
//! ```text
//! poll_cost <socket-count> <wait-count>
//! ```
//!
//! It makes `<socket-count>` PULL sockets bound over inproc and one PUSH
//! connected to them all (the shape libzmq's default socket limit allows
//! for 1000), one message waiting on one of them (never received, so it
//! stays readable), then times:
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
    let push = ctx
        .socket(SocketType::Push)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    let pulls: Vec<_> = (0..n)
        .map(|i| {
            let pull = ctx
                .socket(SocketType::Pull)
                .unwrap_or_else(|e| fail("zmq_socket", &e));
            pull.bind(&format!("inproc://poll-cost-{i}"))
                .unwrap_or_else(|e| fail("zmq_bind", &e));
            push.connect(&format!("inproc://poll-cost-{i}"))
                .unwrap_or_else(|e| fail("zmq_connect", &e));
            pull
        })
        .collect();

    // Idle first, with nothing ready anywhere.
    let idle = idle_cpu_percent(|| {
        let mut items: Vec<_> = pulls
            .iter()
            .map(|p| p.as_poll_item(PollEvents::IN))
            .collect();
        let got = poll(&mut items, Some(Duration::from_millis(500)))
            .unwrap_or_else(|e| fail("zmq_poll", &e));
        assert_eq!(got, 0, "nothing was sent");
    });

    push.send(Msg::from_static(b"ready"))
        .unwrap_or_else(|e| fail("zmq_send", &e));
    let mut items: Vec<_> = pulls
        .iter()
        .map(|p| p.as_poll_item(PollEvents::IN))
        .collect();
    let watch = Instant::now();
    for _ in 0..waits {
        let got = poll(&mut items, None).unwrap_or_else(|e| fail("zmq_poll", &e));
        assert_eq!(got, 1);
    }
    let poll_ns = watch.elapsed().as_nanos() as f64 / f64::from(waits);

    let mut poller = Poller::new();
    for (i, pull) in pulls.iter().enumerate() {
        poller
            .add(pull, i, PollEvents::IN)
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
