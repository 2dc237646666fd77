//! `raw_local_thr`: the receiving half of the raw streaming limit, the
//! reference ceiling for `local_thr` over the same socket (same arguments,
//! same lines).
//!
//! ```text
//! raw_local_thr <bind-to> <message-size> <message-count>
//! ```
//!
//! Binds `tcp://HOST:PORT` or `ipc://PATH` as a plain socket, accepts one
//! connection from `raw_remote_thr` and reads `<message-count>` framed
//! messages of `<message-size>` bytes (see `ferrozmq_libzmq_perf::raw`) into
//! one reused buffer. As libzmq's `local_thr`, the clock starts when the
//! first message is in and stops after the last, and it prints the same four
//! lines.

use std::process;
use std::time::Instant;

use ferrozmq_libzmq_perf::perf::{check_size, elapsed_us, fail, parse};
use ferrozmq_libzmq_perf::raw::{Endpoint, Stream, read_frame};
use ferrozmq_libzmq_perf::report;

/// The usage line, printed on a wrong argument count.
const USAGE: &str = "usage: raw_local_thr <bind-to> <message-size> <message-count>";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        println!("{USAGE}");
        process::exit(1);
    }
    let endpoint = Endpoint::parse(&args[1]).unwrap_or_else(|e| fail("bind", &e));
    let message_size: usize = parse("raw_local_thr", &args[2], "message-size", 0);
    let message_count: u64 = parse("raw_local_thr", &args[3], "message-count", 1);

    let stream = Stream::accept(&endpoint).unwrap_or_else(|e| fail("accept", &e));
    let mut r = stream.reader();
    let mut frame = Vec::with_capacity(4 + message_size);
    let len = read_frame(&mut r, &mut frame, message_size).unwrap_or_else(|e| fail("read", &e));
    check_size(len, message_size);
    let watch = Instant::now();
    for _ in 1..message_count {
        let len = read_frame(&mut r, &mut frame, message_size).unwrap_or_else(|e| fail("read", &e));
        check_size(len, message_size);
    }
    let elapsed = elapsed_us(watch);
    report::throughput(message_size, message_count, elapsed);
}
