//! `libzmq_poll_cost`: libzmq's `zmq_poll` doing what ferrozmq's
//! `poll_cost` does (same arguments, same lines), its reference in
//! `cargo xtask pollcost`.
//!
//! ```text
//! libzmq_poll_cost <socket-count> <wait-count>
//! ```
//!
//! `<socket-count>` PULL sockets bound over inproc and one PUSH connected
//! to them all (libzmq's default limit of 1023 sockets a context allows no
//! more), one message waiting on one of them; `zmq_poll` over all of them for ZMQ_POLLIN, `<wait-count>`
//! times (each returns at once with one ready item); then an idle
//! `zmq_poll` with nothing ready and a 500 ms timeout, and the CPU the
//! process used meanwhile. The `zmq` crate has no `zmq_poller`, so the
//! `poller` line reads `-`.

use std::process;
use std::time::Instant;

use ferrozmq_libzmq_perf::perf::{fail, idle_cpu_percent, parse};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        println!("usage: libzmq_poll_cost <socket-count> <wait-count>");
        process::exit(1);
    }
    let n: usize = parse("libzmq_poll_cost", &args[1], "socket-count", 1);
    let waits: u32 = parse("libzmq_poll_cost", &args[2], "wait-count", 1);

    // Each libzmq socket holds a descriptor (its mailbox): 1000 sockets
    // need about the usual soft limit of 1024.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let ctx = zmq::Context::new();
    let push = ctx
        .socket(zmq::PUSH)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    let pulls: Vec<_> = (0..n)
        .map(|i| {
            let pull = ctx
                .socket(zmq::PULL)
                .unwrap_or_else(|e| fail("zmq_socket", &e));
            pull.bind(&format!("inproc://poll-cost-{i}"))
                .unwrap_or_else(|e| fail("zmq_bind", &e));
            push.connect(&format!("inproc://poll-cost-{i}"))
                .unwrap_or_else(|e| fail("zmq_connect", &e));
            pull
        })
        .collect();

    let idle = idle_cpu_percent(|| {
        let mut items: Vec<_> = pulls.iter().map(|p| p.as_poll_item(zmq::POLLIN)).collect();
        let got = zmq::poll(&mut items, 500).unwrap_or_else(|e| fail("zmq_poll", &e));
        assert_eq!(got, 0, "nothing was sent");
    });

    push.send("ready", 0)
        .unwrap_or_else(|e| fail("zmq_send", &e));
    let mut items: Vec<_> = pulls.iter().map(|p| p.as_poll_item(zmq::POLLIN)).collect();
    let watch = Instant::now();
    for _ in 0..waits {
        let got = zmq::poll(&mut items, -1).unwrap_or_else(|e| fail("zmq_poll", &e));
        assert_eq!(got, 1);
    }
    let poll_ns = watch.elapsed().as_nanos() as f64 / f64::from(waits);

    println!("sockets: {n}");
    println!("poll, one ready: {poll_ns:.1} [ns]");
    println!("poller, one ready: - [ns]");
    println!("idle cpu: {idle:.1} [%]");
}
