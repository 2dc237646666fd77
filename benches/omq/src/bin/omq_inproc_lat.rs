//! `omq_inproc_lat`: libzmq's `perf/inproc_lat.cpp` on OMQ.rs, beside
//! ferrozmq's `inproc_lat` (same arguments, same lines, same multi-part
//! mode).
//!
//! ```text
//! omq_inproc_lat <message-size> <roundtrip-count> [<part-count>]
//! ```
//!
//! A REQ socket binds to `inproc://lat_test`; a second thread, with a
//! `current_thread` runtime of its own, connects a REP socket there and
//! echoes (libzmq's second thread: OMQ.rs's own inproc latency benchmark
//! runs both sockets as tasks of one runtime on one thread, which times no
//! handoff between threads). One zeroed message is built before the clock
//! starts, and each echo is what is sent next. With `<part-count>` the message is that many
//! parts holding `<message-size>` bytes in all (the last takes the
//! remainder), each wrapped without a copy from a zeroed `Vec`, moved whole
//! (an OMQ.rs `Message` is all its parts), and one untimed round trip runs
//! before the clock starts, as in ferrozmq's tool.

use std::process;
use std::time::Instant;

use ferrozmq_omq_perf::perf::{elapsed_us, fail, parse};
use ferrozmq_omq_perf::{lingering, options, report, runtime};
use omq_tokio::{Message, Socket, SocketType};

/// libzmq's usage line, printed on a wrong argument count.
const USAGE: &str = "usage: omq_inproc_lat <message-size> <roundtrip-count>";

/// The second usage line: the multi-part mode.
const USAGE_PARTS: &str = "   or: omq_inproc_lat <message-size> <roundtrip-count> <part-count>";

/// libzmq's endpoint for this test.
const ENDPOINT: &str = "inproc://lat_test";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 && args.len() != 4 {
        println!("{USAGE}");
        println!("{USAGE_PARTS}");
        process::exit(1);
    }
    let message_size: usize = parse("omq_inproc_lat", &args[1], "message-size", 0);
    let roundtrip_count: u64 = parse("omq_inproc_lat", &args[2], "roundtrip-count", 1);
    let part_count: Option<usize> = args
        .get(3)
        .map(|arg| parse("omq_inproc_lat", arg, "part-count", 1));

    let worker = runtime().block_on(async {
        let s = Socket::new(SocketType::Req, options(message_size));
        s.bind(ENDPOINT).await.unwrap_or_else(|e| fail("bind", &e));

        let multi = part_count.is_some();
        let worker = std::thread::spawn(move || {
            runtime().block_on(worker(message_size, roundtrip_count, multi));
        });

        let parts = part_count.unwrap_or(1);
        let mut msg = if multi {
            Message::multipart((0..parts).map(|i| {
                let len = message_size / parts
                    + if i == parts - 1 {
                        message_size % parts
                    } else {
                        0
                    };
                vec![0u8; len]
            }))
        } else {
            Message::from_slice(&vec![0u8; message_size])
        };
        let mut watch = Instant::now();
        for i in 0..roundtrip_count + u64::from(multi) {
            if multi && i == 1 {
                watch = Instant::now();
            }
            s.send(msg).await.unwrap_or_else(|e| fail("send", &e));
            msg = s.recv().await.unwrap_or_else(|e| fail("recv", &e));
            if msg.len() != parts || msg.byte_len() != message_size {
                println!("message of incorrect size received");
                process::exit(-1);
            }
        }
        let elapsed = elapsed_us(watch);
        report::latency(message_size, roundtrip_count, elapsed);
        s.close().await.unwrap_or_else(|e| fail("close", &e));
        worker
    });
    if worker.join().is_err() {
        println!("error in zmq_threadclose");
        process::exit(-1);
    }
}

/// The echoing thread's task: REP, `count` round trips (one more, untimed, in the
/// multi-part mode), each echo the received message itself.
async fn worker(size: usize, count: u64, multi: bool) {
    let s = Socket::new(SocketType::Rep, lingering(options(size)));
    s.connect(ENDPOINT)
        .await
        .unwrap_or_else(|e| fail("connect", &e));
    for _ in 0..count + u64::from(multi) {
        let msg = s.recv().await.unwrap_or_else(|e| fail("recv", &e));
        s.send(msg).await.unwrap_or_else(|e| fail("send", &e));
    }
    s.close().await.unwrap_or_else(|e| fail("close", &e));
}
