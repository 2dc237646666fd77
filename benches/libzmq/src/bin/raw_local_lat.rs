//! `raw_local_lat`: the echoing half of the raw ping-pong limit, the
//! reference floor for `local_lat` over the same socket (same arguments).
//!
//! ```text
//! raw_local_lat <bind-to> <message-size> <roundtrip-count>
//! ```
//!
//! Binds `tcp://HOST:PORT` or `ipc://PATH` as a plain socket, accepts one
//! connection from `raw_remote_lat` and `<roundtrip-count>` times reads a
//! framed message of `<message-size>` bytes and writes it back in one call.
//! It prints nothing.

use std::io::Write;
use std::process;

use ferrozmq_libzmq_perf::perf::{check_size, fail, parse};
use ferrozmq_libzmq_perf::raw::{Endpoint, Stream, read_frame};

/// The usage line, printed on a wrong argument count.
const USAGE: &str = "usage: raw_local_lat <bind-to> <message-size> <roundtrip-count>";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        println!("{USAGE}");
        process::exit(1);
    }
    let endpoint = Endpoint::parse(&args[1]).unwrap_or_else(|e| fail("bind", &e));
    let message_size: usize = parse("raw_local_lat", &args[2], "message-size", 0);
    let roundtrip_count: u64 = parse("raw_local_lat", &args[3], "roundtrip-count", 1);

    let mut w = Stream::accept(&endpoint).unwrap_or_else(|e| fail("accept", &e));
    let mut r = w.try_clone().unwrap_or_else(|e| fail("dup", &e)).reader();
    let mut frame = Vec::with_capacity(4 + message_size);
    for _ in 0..roundtrip_count {
        let len = read_frame(&mut r, &mut frame, message_size).unwrap_or_else(|e| fail("read", &e));
        check_size(len, message_size);
        w.write_all(&frame).unwrap_or_else(|e| fail("write", &e));
    }
}
