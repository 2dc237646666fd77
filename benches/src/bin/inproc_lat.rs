//! `inproc_lat`: libzmq's in-process latency test, with libzmq's contract
//! (`perf/inproc_lat.cpp`).
//!
//! ```text
//! inproc_lat <message-size> <roundtrip-count>
//! ```
//!
//! A REQ socket binds to `inproc://lat_test`; a second thread connects a REP
//! socket there and echoes. `<roundtrip-count>` times the REQ sends a message
//! of `<message-size>` bytes and receives the echo; as in libzmq one message
//! is built before the clock starts and each echo is what is sent next. It
//! prints libzmq's three lines:
//!
//! ```text
//! message size: 64 [B]
//! roundtrip count: 10000
//! average latency: 5.000 [us]
//! ```
//!
//! where the latency is libzmq's one-way figure,
//! `elapsed_us / (roundtrip_count * 2)`, printed with `%.3f`.
//!
//! Exit status as libzmq's: 1 with the usage line on a wrong argument count;
//! 255 (libzmq's `return -1`) when a socket call fails or a message of the
//! wrong size arrives. We also refuse arguments that are not numbers and a
//! count of 0.

use std::process;
use std::time::Instant;

use ferrozmq::{Context, Msg, SocketType};
use ferrozmq_benches::perf::{fail, parse};

/// libzmq's usage line, printed on a wrong argument count.
const USAGE: &str = "usage: inproc_lat <message-size> <roundtrip-count>";

/// libzmq's endpoint for this test.
const ENDPOINT: &str = "inproc://lat_test";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        println!("{USAGE}");
        process::exit(1);
    }
    let message_size: usize = parse("inproc_lat", &args[1], "message-size", 0);
    let roundtrip_count: u64 = parse("inproc_lat", &args[2], "roundtrip-count", 1);

    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let s = ctx
        .socket(SocketType::Req)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    s.bind(ENDPOINT).unwrap_or_else(|e| fail("zmq_bind", &e));

    let worker_ctx = ctx.clone();
    let worker = std::thread::spawn(move || worker(&worker_ctx, roundtrip_count));

    let mut msg = Msg::copy_from_slice(&vec![0u8; message_size]);
    println!("message size: {message_size} [B]");
    println!("roundtrip count: {roundtrip_count}");
    let watch = Instant::now();
    for _ in 0..roundtrip_count {
        s.send(msg).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
        msg = s.recv().unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        if msg.len() != message_size {
            println!("message of incorrect size received");
            process::exit(-1);
        }
    }
    let elapsed = u64::try_from(watch.elapsed().as_micros()).unwrap_or(u64::MAX);
    let latency = elapsed as f64 / (roundtrip_count as f64 * 2.0);
    println!("average latency: {latency:.3} [us]");

    if worker.join().is_err() {
        println!("error in zmq_threadclose");
        process::exit(-1);
    }
    drop(msg);
    drop(s);
    drop(ctx);
}

/// The echoing thread: REP, `count` round trips, each echo the received
/// message itself.
fn worker(ctx: &Context, count: u64) {
    let s = ctx
        .socket(SocketType::Rep)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    s.connect(ENDPOINT)
        .unwrap_or_else(|e| fail("zmq_connect", &e));
    for _ in 0..count {
        let msg = s.recv().unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        s.send(msg).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
    }
}
