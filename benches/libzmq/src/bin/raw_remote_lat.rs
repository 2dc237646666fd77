//! `raw_remote_lat`: the measuring half of the raw ping-pong limit, the
//! reference floor for `remote_lat` over the same socket (same arguments,
//! same lines).
//!
//! ```text
//! raw_remote_lat <connect-to> <message-size> <roundtrip-count>
//! ```
//!
//! Connects a plain socket to `tcp://HOST:PORT` or `ipc://PATH` (retrying
//! while `raw_local_lat` starts), then `<roundtrip-count>` times writes a
//! framed message of `<message-size>` bytes in one call and reads the echo,
//! which is what it sends next. It prints the same three lines as libzmq's
//! `remote_lat`, with the one-way figure `elapsed_us / (roundtrip_count * 2)`.

use std::io::Write;
use std::process;
use std::time::Instant;

use ferrozmq_libzmq_perf::perf::{check_size, elapsed_us, fail, parse};
use ferrozmq_libzmq_perf::raw::{Endpoint, Stream, read_frame, zero_frame};
use ferrozmq_libzmq_perf::report;

/// The usage line, printed on a wrong argument count.
const USAGE: &str = "usage: raw_remote_lat <connect-to> <message-size> <roundtrip-count>";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        println!("{USAGE}");
        process::exit(1);
    }
    let endpoint = Endpoint::parse(&args[1]).unwrap_or_else(|e| fail("connect", &e));
    let message_size: usize = parse("raw_remote_lat", &args[2], "message-size", 0);
    let roundtrip_count: u64 = parse("raw_remote_lat", &args[3], "roundtrip-count", 1);
    if u32::try_from(message_size).is_err() {
        fail::<()>("parse", &"<message-size> must fit in 32 bits");
    }

    let mut w = Stream::connect(&endpoint).unwrap_or_else(|e| fail("connect", &e));
    let mut r = w.try_clone().unwrap_or_else(|e| fail("dup", &e)).reader();
    let mut frame = zero_frame(message_size);
    let watch = Instant::now();
    for _ in 0..roundtrip_count {
        w.write_all(&frame).unwrap_or_else(|e| fail("write", &e));
        let len = read_frame(&mut r, &mut frame, message_size).unwrap_or_else(|e| fail("read", &e));
        check_size(len, message_size);
    }
    let elapsed = elapsed_us(watch);
    report::latency(message_size, roundtrip_count, elapsed);
}
