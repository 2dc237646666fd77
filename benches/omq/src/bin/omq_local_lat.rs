//! `omq_local_lat`: libzmq's `perf/local_lat.cpp` on OMQ.rs, beside
//! ferrozmq's `local_lat` (same arguments).
//!
//! ```text
//! omq_local_lat <bind-to> <message-size> <roundtrip-count>
//! ```
//!
//! A REP socket binds to `<bind-to>`, then `<roundtrip-count>` times
//! receives a message of `<message-size>` bytes and sends that same message
//! back; it closes with an infinite linger, so that the last echo is
//! delivered. It prints nothing; `remote_lat` (any implementation's)
//! measures.

use std::process;

use ferrozmq_omq_perf::perf::{check_size, fail, parse};
use ferrozmq_omq_perf::{lingering, options, runtime};
use omq_tokio::{Socket, SocketType};

/// libzmq's usage line, printed on a wrong argument count.
const USAGE: &str = "usage: omq_local_lat <bind-to> <message-size> <roundtrip-count>";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        println!("{USAGE}");
        process::exit(1);
    }
    let bind_to = args[1].as_str();
    let message_size: usize = parse("omq_local_lat", &args[2], "message-size", 0);
    let roundtrip_count: u64 = parse("omq_local_lat", &args[3], "roundtrip-count", 1);

    runtime().block_on(async {
        let s = Socket::new(SocketType::Rep, lingering(options(message_size)));
        s.bind(bind_to).await.unwrap_or_else(|e| fail("bind", &e));
        for _ in 0..roundtrip_count {
            let msg = s.recv().await.unwrap_or_else(|e| fail("recv", &e));
            check_size(msg.byte_len(), message_size);
            s.send(msg).await.unwrap_or_else(|e| fail("send", &e));
        }
        s.close().await.unwrap_or_else(|e| fail("close", &e));
    });
}
