//! `omq_remote_lat`: libzmq's `perf/remote_lat.cpp` on OMQ.rs, beside
//! ferrozmq's `remote_lat` (same arguments, same lines).
//!
//! ```text
//! omq_remote_lat <connect-to> <message-size> <roundtrip-count>
//!     [--mechanism null|plain|curve] [--key-seed N]
//! ```
//!
//! A REQ socket connects to `<connect-to>`; one zeroed message of
//! `<message-size>` bytes is built before the clock starts, then
//! `<roundtrip-count>` times it is sent and the echo received, the echo
//! being what is sent next. It prints libzmq's three lines with the one-way
//! figure `elapsed_us / (roundtrip_count * 2)`.

use std::time::Instant;

use ferrozmq_omq_perf::perf::{LatArgs, check_size, elapsed_us, fail, secure_lat_args};
use ferrozmq_omq_perf::{options, report, runtime, secured};
use omq_tokio::{Message, Socket, SocketType};

fn main() {
    let (
        LatArgs {
            endpoint: connect_to,
            message_size,
            roundtrip_count,
        },
        mechanism,
    ) = secure_lat_args("omq_remote_lat", "connect-to");

    runtime().block_on(async {
        let s = Socket::new(
            SocketType::Req,
            secured(options(message_size), mechanism, false),
        );
        s.connect(connect_to.as_str())
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
