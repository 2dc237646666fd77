//! `libzmq_inproc_lat`: libzmq's `perf/inproc_lat.cpp` on the `zmq` crate,
//! the reference for ferrozmq's `inproc_lat` (same arguments, same lines,
//! same multi-part mode).
//!
//! ```text
//! libzmq_inproc_lat <message-size> <roundtrip-count> [<part-count>]
//! ```
//!
//! A REQ socket binds to `inproc://lat_test`; a second thread connects a REP
//! socket there and echoes. One zeroed message is built before the clock
//! starts, and each echo is what is sent next. With `<part-count>` the
//! message is that many parts holding `<message-size>` bytes in all (the
//! last takes the remainder), each wrapped without a copy from a zeroed
//! `Vec` (`zmq_msg_init_data`), sent with SNDMORE on all but the last and
//! received part by part, and one untimed round trip runs before the clock
//! starts, as in ferrozmq's tool.

use std::process;
use std::time::Instant;

use ferrozmq_libzmq_perf::perf::{check_size, elapsed_us, fail, parse};
use ferrozmq_libzmq_perf::report;

/// libzmq's usage line, printed on a wrong argument count.
const USAGE: &str = "usage: libzmq_inproc_lat <message-size> <roundtrip-count>";

/// The second usage line: the multi-part mode.
const USAGE_PARTS: &str = "   or: libzmq_inproc_lat <message-size> <roundtrip-count> <part-count>";

/// libzmq's endpoint for this test.
const ENDPOINT: &str = "inproc://lat_test";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 && args.len() != 4 {
        println!("{USAGE}");
        println!("{USAGE_PARTS}");
        process::exit(1);
    }
    let message_size: usize = parse("libzmq_inproc_lat", &args[1], "message-size", 0);
    let roundtrip_count: u64 = parse("libzmq_inproc_lat", &args[2], "roundtrip-count", 1);
    let part_count: Option<usize> = args
        .get(3)
        .map(|arg| parse("libzmq_inproc_lat", arg, "part-count", 1));

    let ctx = zmq::Context::new();
    let s = ctx
        .socket(zmq::REQ)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    s.bind(ENDPOINT).unwrap_or_else(|e| fail("zmq_bind", &e));

    let worker_ctx = ctx.clone();
    let multi = part_count.is_some();
    let worker = std::thread::spawn(move || worker(&worker_ctx, roundtrip_count, multi));

    let elapsed = match part_count {
        None => single_part(&s, message_size, roundtrip_count),
        Some(parts) => multi_part(&s, message_size, roundtrip_count, parts),
    };
    report::latency(message_size, roundtrip_count, elapsed);

    if worker.join().is_err() {
        println!("error in zmq_threadclose");
        process::exit(-1);
    }
    drop(s);
    drop(ctx);
}

/// libzmq's loop: `count` round trips of one `size`-byte message, the echo
/// sent next; returns the microseconds they took.
fn single_part(s: &zmq::Socket, size: usize, count: u64) -> u64 {
    let mut msg = zmq::Message::with_size(size);
    let watch = Instant::now();
    for _ in 0..count {
        s.send(msg, 0).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
        msg = s.recv_msg(0).unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        check_size(msg.len(), size);
    }
    elapsed_us(watch)
}

/// The multi-part mode: `count` round trips of one message of `parts` parts
/// holding `size` bytes in all, built without a copy before the clock starts
/// and sent once before it too.
fn multi_part(s: &zmq::Socket, size: usize, count: u64, parts: usize) -> u64 {
    let mut msg: Vec<zmq::Message> = (0..parts)
        .map(|i| {
            let len = size / parts + if i == parts - 1 { size % parts } else { 0 };
            zmq::Message::from(vec![0u8; len])
        })
        .collect();
    let mut watch = Instant::now();
    for i in 0..=count {
        if i == 1 {
            watch = Instant::now();
        }
        send(s, msg);
        msg = recv(s);
        if msg.len() != parts || msg.iter().map(|m| m.len()).sum::<usize>() != size {
            println!("message of incorrect size received");
            process::exit(-1);
        }
    }
    elapsed_us(watch)
}

/// Sends `parts` as one message: SNDMORE on all but the last.
fn send(s: &zmq::Socket, parts: Vec<zmq::Message>) {
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.into_iter().enumerate() {
        let flags = if i == last { 0 } else { zmq::SNDMORE };
        s.send(part, flags)
            .unwrap_or_else(|e| fail("zmq_sendmsg", &e));
    }
}

/// Receives one whole message, part by part.
fn recv(s: &zmq::Socket) -> Vec<zmq::Message> {
    let mut parts = Vec::with_capacity(2);
    loop {
        let part = s.recv_msg(0).unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        let more = part.get_more();
        parts.push(part);
        if !more {
            return parts;
        }
    }
}

/// The echoing thread: REP, `count` round trips (one more, untimed, in the
/// multi-part mode), each echo the received message itself (whole, in the
/// multi-part mode).
fn worker(ctx: &zmq::Context, count: u64, multi: bool) {
    let s = ctx
        .socket(zmq::REP)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    s.connect(ENDPOINT)
        .unwrap_or_else(|e| fail("zmq_connect", &e));
    let count = count + u64::from(multi);
    for _ in 0..count {
        if multi {
            let msg = recv(&s);
            send(&s, msg);
        } else {
            let msg = s.recv_msg(0).unwrap_or_else(|e| fail("zmq_recvmsg", &e));
            s.send(msg, 0).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
        }
    }
}
