//! `omq_remote_lat`: libzmq's `perf/remote_lat.cpp` on OMQ.rs, beside
//! ferrozmq's `remote_lat` (same arguments, same lines).
//!
//! ```text
//! omq_remote_lat <connect-to> <message-size> <roundtrip-count>
//! ```
//!
//! A REQ socket connects to `<connect-to>`; one zeroed message of
//! `<message-size>` bytes is built before the clock starts, then
//! `<roundtrip-count>` times it is sent and the echo received, the echo
//! being what is sent next. It prints libzmq's three lines with the one-way
//! figure `elapsed_us / (roundtrip_count * 2)`.

use std::process;
use std::time::Instant;

use ferrozmq_omq_perf::perf::{check_size, elapsed_us, fail, parse};
use ferrozmq_omq_perf::{options, report, runtime};
use omq_tokio::{Message, Socket, SocketType};

/// libzmq's usage line, printed on a wrong argument count.
const USAGE: &str = "usage: omq_remote_lat <connect-to> <message-size> <roundtrip-count>";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        println!("{USAGE}");
        process::exit(1);
    }
    let connect_to = args[1].as_str();
    let message_size: usize = parse("omq_remote_lat", &args[2], "message-size", 0);
    let roundtrip_count: u64 = parse("omq_remote_lat", &args[3], "roundtrip-count", 1);

    runtime().block_on(async {
        let s = Socket::new(SocketType::Req, options(message_size));
        s.connect(connect_to)
            .await
            .unwrap_or_else(|e| fail("connect", &e));

        let mut msg = Message::from_slice(&vec![0u8; message_size]);
        let watch = Instant::now();
        for _ in 0..roundtrip_count {
            s.send(msg).await.unwrap_or_else(|e| fail("send", &e));
            msg = s.recv().await.unwrap_or_else(|e| fail("recv", &e));
            check_size(msg.byte_len(), message_size);
        }
        let elapsed = elapsed_us(watch);
        report::latency(message_size, roundtrip_count, elapsed);
        s.close().await.unwrap_or_else(|e| fail("close", &e));
    });
}
