//! `libzmq_remote_lat`: libzmq's `perf/remote_lat.cpp` on the `zmq` crate,
//! the reference for ferrozmq's `remote_lat` (same arguments, same lines).
//!
//! ```text
//! libzmq_remote_lat <connect-to> <message-size> <roundtrip-count>
//! ```
//!
//! A REQ socket connects to `<connect-to>`; one zeroed message of
//! `<message-size>` bytes is built before the clock starts, then
//! `<roundtrip-count>` times it is sent and the echo received, the echo being
//! what is sent next. It prints libzmq's three lines with the one-way figure
//! `elapsed_us / (roundtrip_count * 2)`.

use std::process;
use std::time::Instant;

use ferrozmq_libzmq_perf::perf::{check_size, elapsed_us, fail, parse};
use ferrozmq_libzmq_perf::report;

/// libzmq's usage line, printed on a wrong argument count.
const USAGE: &str = "usage: libzmq_remote_lat <connect-to> <message-size> <roundtrip-count>";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        println!("{USAGE}");
        process::exit(1);
    }
    let connect_to = &args[1];
    let message_size: usize = parse("libzmq_remote_lat", &args[2], "message-size", 0);
    let roundtrip_count: u64 = parse("libzmq_remote_lat", &args[3], "roundtrip-count", 1);

    let ctx = zmq::Context::new();
    let s = ctx
        .socket(zmq::REQ)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    s.connect(connect_to)
        .unwrap_or_else(|e| fail("zmq_connect", &e));

    let mut msg = zmq::Message::with_size(message_size);
    let watch = Instant::now();
    for _ in 0..roundtrip_count {
        s.send(msg, 0).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
        msg = s.recv_msg(0).unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        check_size(msg.len(), message_size);
    }
    let elapsed = elapsed_us(watch);
    report::latency(message_size, roundtrip_count, elapsed);
    drop(msg);
    drop(s);
    drop(ctx);
}
