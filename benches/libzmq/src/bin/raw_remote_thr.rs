//! `raw_remote_thr`: the sending half of the raw streaming limit, the
//! reference ceiling for `remote_thr` over the same socket (same arguments).
//!
//! ```text
//! raw_remote_thr <connect-to> <message-size> <message-count>
//! ```
//!
//! Connects a plain socket to `tcp://HOST:PORT` or `ipc://PATH` (retrying
//! while `raw_local_thr` starts) and writes `<message-count>` framed messages
//! of `<message-size>` bytes back to back through a 64 KiB write buffer
//! (large bodies bypass it). It then shuts down its writing half and waits
//! for the reader to close, so it exits after the last byte is read, as
//! `remote_thr` lingers until delivery. It prints nothing.

use std::io::{Read, Write};
use std::process;

use ferrozmq_libzmq_perf::perf::{fail, parse};
use ferrozmq_libzmq_perf::raw::{Endpoint, Stream, prefix};

/// The usage line, printed on a wrong argument count.
const USAGE: &str = "usage: raw_remote_thr <connect-to> <message-size> <message-count>";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        println!("{USAGE}");
        process::exit(1);
    }
    let endpoint = Endpoint::parse(&args[1]).unwrap_or_else(|e| fail("connect", &e));
    let message_size: usize = parse("raw_remote_thr", &args[2], "message-size", 0);
    let message_count: u64 = parse("raw_remote_thr", &args[3], "message-count", 1);
    if u32::try_from(message_size).is_err() {
        fail::<()>("parse", &"<message-size> must fit in 32 bits");
    }

    let stream = Stream::connect(&endpoint).unwrap_or_else(|e| fail("connect", &e));
    let mut done = stream.try_clone().unwrap_or_else(|e| fail("dup", &e));
    let mut w = stream.writer();
    let head = prefix(message_size);
    let body = vec![0u8; message_size];
    for _ in 0..message_count {
        w.write_all(&head).unwrap_or_else(|e| fail("write", &e));
        w.write_all(&body).unwrap_or_else(|e| fail("write", &e));
    }
    w.flush().unwrap_or_else(|e| fail("write", &e));
    done.shutdown_write()
        .unwrap_or_else(|e| fail("shutdown", &e));
    // The reader sends nothing; this returns when it closes.
    let _ = done.read(&mut [0u8; 1]);
}
