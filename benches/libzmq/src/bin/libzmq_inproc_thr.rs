//! `libzmq_inproc_thr`: libzmq's `perf/inproc_thr.cpp` on the `zmq` crate,
//! the reference for ferrozmq's `inproc_thr` (same arguments, same lines).
//!
//! ```text
//! libzmq_inproc_thr <message-size> <message-count>
//! ```
//!
//! A PULL socket binds to `inproc://thr_test`; a second thread connects a
//! PUSH socket there and sends `<message-count>` fresh messages of
//! `<message-size>` bytes. The clock starts when the first message arrives
//! and stops after the last.

use std::process;
use std::time::Instant;

use ferrozmq_libzmq_perf::perf::{check_size, elapsed_us, fail, parse};
use ferrozmq_libzmq_perf::report;

/// libzmq's usage line, printed on a wrong argument count.
const USAGE: &str = "usage: libzmq_inproc_thr <message-size> <message-count>";

/// libzmq's endpoint for this test.
const ENDPOINT: &str = "inproc://thr_test";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        println!("{USAGE}");
        process::exit(1);
    }
    let message_size: usize = parse("libzmq_inproc_thr", &args[1], "message-size", 0);
    let message_count: u64 = parse("libzmq_inproc_thr", &args[2], "message-count", 1);

    let ctx = zmq::Context::new();
    let s = ctx
        .socket(zmq::PULL)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    s.bind(ENDPOINT).unwrap_or_else(|e| fail("zmq_bind", &e));

    let worker_ctx = ctx.clone();
    let worker = std::thread::spawn(move || worker(&worker_ctx, message_size, message_count));

    let mut msg = zmq::Message::new();
    s.recv(&mut msg, 0)
        .unwrap_or_else(|e| fail("zmq_recvmsg", &e));
    check_size(msg.len(), message_size);
    let watch = Instant::now();
    for _ in 1..message_count {
        s.recv(&mut msg, 0)
            .unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        check_size(msg.len(), message_size);
    }
    let elapsed = elapsed_us(watch);
    if worker.join().is_err() {
        println!("error in zmq_threadclose");
        process::exit(-1);
    }
    report::throughput(message_size, message_count, elapsed);
    drop(msg);
    drop(s);
    drop(ctx);
}

/// The sending thread: PUSH, `count` fresh messages of `size` bytes.
fn worker(ctx: &zmq::Context, size: usize, count: u64) {
    let s = ctx
        .socket(zmq::PUSH)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    s.connect(ENDPOINT)
        .unwrap_or_else(|e| fail("zmq_connect", &e));
    for _ in 0..count {
        let msg = zmq::Message::with_size(size);
        s.send(msg, 0).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
    }
}
