//! `inproc_lat`: libzmq's in-process latency test, with libzmq's contract
//! (`perf/inproc_lat.cpp`).
//!
//! ```text
//! inproc_lat <message-size> <roundtrip-count> [<part-count>]
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
//! With a trailing `<part-count>` (ours; libzmq's tool has no such mode) the
//! message is `<part-count>` parts that together hold `<message-size>` bytes
//! (the last takes the remainder), each wrapped without a copy from a zeroed
//! `Vec` ([`Msg::from_owner`]), and both ends move it whole
//! ([`recv_multipart`](ferrozmq::Socket::recv_multipart) and
//! [`send_multipart`](ferrozmq::Socket::send_multipart)). One round trip
//! runs before the clock starts, so that the connection and the echoing
//! thread's start are not timed (they would weigh on a short run, as the
//! 256 MiB one is). `cargo xtask compare` times a 256 MiB message of two
//! parts this way against a 1-byte one of one part: inproc moves pointers,
//! so both should cost about the same. The output is the same three lines,
//! the size being the whole message's and the count that of timed round
//! trips.
//!
//! Exit status as libzmq's: 1 with the usage line on a wrong argument count;
//! 255 (libzmq's `return -1`) when a socket call fails or a message of the
//! wrong size arrives. We also refuse arguments that are not numbers and a
//! count of 0.

use std::process;
use std::time::Instant;

use ferrozmq::{Context, Msg, Multipart, Socket, SocketType};
use ferrozmq_benches::perf::{fail, parse};

/// libzmq's usage line, printed on a wrong argument count.
const USAGE: &str = "usage: inproc_lat <message-size> <roundtrip-count>";

/// The second usage line: the multi-part mode.
const USAGE_PARTS: &str = "   or: inproc_lat <message-size> <roundtrip-count> <part-count>";

/// libzmq's endpoint for this test.
const ENDPOINT: &str = "inproc://lat_test";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 && args.len() != 4 {
        println!("{USAGE}");
        println!("{USAGE_PARTS}");
        process::exit(1);
    }
    let message_size: usize = parse("inproc_lat", &args[1], "message-size", 0);
    let roundtrip_count: u64 = parse("inproc_lat", &args[2], "roundtrip-count", 1);
    let part_count: Option<usize> = args
        .get(3)
        .map(|arg| parse("inproc_lat", arg, "part-count", 1));

    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let s = ctx
        .socket(SocketType::Req)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    s.bind(ENDPOINT).unwrap_or_else(|e| fail("zmq_bind", &e));

    let worker_ctx = ctx.clone();
    let worker = std::thread::spawn(move || worker(&worker_ctx, roundtrip_count, part_count));

    println!("message size: {message_size} [B]");
    println!("roundtrip count: {roundtrip_count}");
    let elapsed = match part_count {
        None => single_part(&s, message_size, roundtrip_count),
        Some(parts) => multi_part(&s, message_size, roundtrip_count, parts),
    };
    let latency = elapsed as f64 / (roundtrip_count as f64 * 2.0);
    println!("average latency: {latency:.3} [us]");

    if worker.join().is_err() {
        println!("error in zmq_threadclose");
        process::exit(-1);
    }
    drop(s);
    drop(ctx);
}

/// libzmq's loop: `count` round trips of one `size`-byte message, the echo
/// sent next; returns the microseconds they took.
fn single_part(s: &Socket, size: usize, count: u64) -> u64 {
    let mut msg = Msg::copy_from_slice(&vec![0u8; size]);
    let watch = Instant::now();
    for _ in 0..count {
        s.send(msg).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
        msg = s.recv().unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        if msg.len() != size {
            println!("message of incorrect size received");
            process::exit(-1);
        }
    }
    u64::try_from(watch.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// The multi-part mode: `count` round trips of one message of `parts` parts
/// holding `size` bytes in all, built without a copy before the clock starts
/// and sent once before it too.
fn multi_part(s: &Socket, size: usize, count: u64, parts: usize) -> u64 {
    let mut msg: Multipart = (0..parts)
        .map(|i| {
            let len = size / parts + if i == parts - 1 { size % parts } else { 0 };
            Msg::from_owner(vec![0u8; len])
        })
        .collect();
    let mut watch = Instant::now();
    for i in 0..=count {
        if i == 1 {
            watch = Instant::now();
        }
        s.send_multipart(msg)
            .unwrap_or_else(|e| fail("zmq_sendmsg", &e));
        msg = s
            .recv_multipart()
            .unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        if msg.len() != parts || msg.byte_len() != size {
            println!("message of incorrect size received");
            process::exit(-1);
        }
    }
    u64::try_from(watch.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// The echoing thread: REP, `count` round trips (one more, untimed, in the
/// multi-part mode), each echo the received message itself (whole, in the
/// multi-part mode).
fn worker(ctx: &Context, count: u64, parts: Option<usize>) {
    let s = ctx
        .socket(SocketType::Rep)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    s.connect(ENDPOINT)
        .unwrap_or_else(|e| fail("zmq_connect", &e));
    let count = count + u64::from(parts.is_some());
    for _ in 0..count {
        if parts.is_some() {
            let msg = s
                .recv_multipart()
                .unwrap_or_else(|e| fail("zmq_recvmsg", &e));
            s.send_multipart(msg)
                .unwrap_or_else(|e| fail("zmq_sendmsg", &e));
        } else {
            let msg = s.recv().unwrap_or_else(|e| fail("zmq_recvmsg", &e));
            s.send(msg).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
        }
    }
}
