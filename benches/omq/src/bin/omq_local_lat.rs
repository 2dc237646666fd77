//! `omq_local_lat`: libzmq's `perf/local_lat.cpp` on OMQ.rs, beside
//! ferrozmq's `local_lat` (same arguments).
//!
//! ```text
//! omq_local_lat <bind-to> <message-size> <roundtrip-count>
//!     [--mechanism null|plain|curve] [--key-seed N]
//! ```
//!
//! A REP socket binds to `<bind-to>`, then `<roundtrip-count>` times
//! receives a message of `<message-size>` bytes and sends that same message
//! back; it closes with an infinite linger, so that the last echo is
//! delivered. It prints nothing; `remote_lat` (any implementation's)
//! measures.

use ferrozmq_omq_perf::perf::{LatArgs, check_size, fail, secure_lat_args};
use ferrozmq_omq_perf::{lingering, options, runtime, secured};
use omq_tokio::{Socket, SocketType};

fn main() {
    let (
        LatArgs {
            endpoint: bind_to,
            message_size,
            roundtrip_count,
        },
        mechanism,
    ) = secure_lat_args("omq_local_lat", "bind-to");

    runtime().block_on(async {
        let opts = secured(options(message_size), mechanism, true);
        let s = Socket::new(SocketType::Rep, lingering(opts));
        s.bind(bind_to.as_str())
            .await
            .unwrap_or_else(|e| fail("bind", &e));
        for _ in 0..roundtrip_count {
            let msg = s.recv().await.unwrap_or_else(|e| fail("recv", &e));
            check_size(msg.byte_len(), message_size);
            s.send(msg).await.unwrap_or_else(|e| fail("send", &e));
        }
        s.close().await.unwrap_or_else(|e| fail("close", &e));
    });
}
