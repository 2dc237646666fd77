//! `inproc_thr`: libzmq's in-process throughput test, with libzmq's contract
//! (`perf/inproc_thr.cpp`).
//!
//! ```text
//! inproc_thr <message-size> <message-count>
//! ```
//!
//! A PULL socket binds to `inproc://thr_test`; a second thread connects a
//! PUSH socket there and sends `<message-count>` messages of
//! `<message-size>` bytes, each built afresh as libzmq's `zmq_msg_init_size`
//! per message (see `remote_thr`: [`Msg::copy_from_slice`] of a zeroed
//! template, inline up to [`INLINE_CAPACITY`](ferrozmq::INLINE_CAPACITY)
//! bytes, else one allocation). The clock starts when the first message
//! arrives and stops after the last, and it prints libzmq's four lines,
//! computed as `local_thr` does:
//!
//! ```text
//! message size: 64 [B]
//! message count: 1000000
//! mean throughput: 4000000 [msg/s]
//! mean throughput: 2048.000 [Mb/s]
//! ```
//!
//! Exit status as libzmq's: 1 with the usage line on a wrong argument count;
//! 255 (libzmq's `return -1`) when a socket call fails or a message of the
//! wrong size arrives. We also refuse arguments that are not numbers and a
//! count of 0.

use std::process;
use std::time::Instant;

use ferrozmq::{Context, Msg, SocketType};
use ferrozmq_benches::perf::{check_size, fail, parse};

/// libzmq's usage line, printed on a wrong argument count.
const USAGE: &str = "usage: inproc_thr <message-size> <message-count>";

/// libzmq's endpoint for this test.
const ENDPOINT: &str = "inproc://thr_test";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        println!("{USAGE}");
        process::exit(1);
    }
    let message_size: usize = parse("inproc_thr", &args[1], "message-size", 0);
    let message_count: u64 = parse("inproc_thr", &args[2], "message-count", 1);

    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let s = ctx
        .socket(SocketType::Pull)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    s.bind(ENDPOINT).unwrap_or_else(|e| fail("zmq_bind", &e));

    let worker_ctx = ctx.clone();
    let worker = std::thread::spawn(move || worker(&worker_ctx, message_size, message_count));

    let msg = s.recv().unwrap_or_else(|e| fail("zmq_recvmsg", &e));
    check_size(msg.len(), message_size);
    drop(msg);
    let watch = Instant::now();
    for _ in 1..message_count {
        let msg = s.recv().unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        check_size(msg.len(), message_size);
    }
    let elapsed = u64::try_from(watch.elapsed().as_micros())
        .unwrap_or(u64::MAX)
        .max(1);
    if worker.join().is_err() {
        println!("error in zmq_threadclose");
        process::exit(-1);
    }

    let throughput = message_count as f64 / elapsed as f64 * 1_000_000.0;
    let megabits = throughput * message_size as f64 * 8.0 / 1_000_000.0;
    println!("message size: {message_size} [B]");
    println!("message count: {message_count}");
    println!("mean throughput: {} [msg/s]", throughput as i64);
    println!("mean throughput: {megabits:.3} [Mb/s]");
    drop(s);
    drop(ctx);
}

/// The sending thread: PUSH, `count` fresh messages of `size` bytes.
fn worker(ctx: &Context, size: usize, count: u64) {
    let s = ctx
        .socket(SocketType::Push)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    s.connect(ENDPOINT)
        .unwrap_or_else(|e| fail("zmq_connect", &e));
    let template = vec![0u8; size];
    for _ in 0..count {
        // `zmq_msg_init_size` per message, as libzmq's worker.
        let msg = Msg::copy_from_slice(&template);
        s.send(msg).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
    }
}
