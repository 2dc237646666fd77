//! `omq_local_thr`: libzmq's `perf/local_thr.cpp` on OMQ.rs, beside
//! ferrozmq's `local_thr` (same arguments, same lines).
//!
//! ```text
//! omq_local_thr <bind-to> <message-size> <message-count> [pubsub]
//!     [--mechanism null|plain|curve] [--key-seed N] [--runtime current|worker]
//! ```
//!
//! A PULL socket binds to `<bind-to>` and receives `<message-count>`
//! messages of `<message-size>` bytes, draining what is queued in batches
//! (see [`Receiver`]); the clock starts when the first message arrives and
//! stops after the last. With `pubsub`, a SUB socket subscribed to
//! everything binds instead (its receive HWM stays OMQ.rs's default: the
//! PUB waits instead of dropping, see `omq_remote_thr`).
//!
//! With `--runtime worker` the socket's driver runs on a worker thread
//! and the loop on the main one (see `ferrozmq_omq_perf::Drivers`).

use std::time::Instant;

use ferrozmq_omq_perf::perf::{ThrArgs, check_size, elapsed_us, fail};
use ferrozmq_omq_perf::{Receiver, options, report, runtime_of, secured, thr_args};
use omq_tokio::{Socket, SocketType};

fn main() {
    let (
        ThrArgs {
            endpoint: bind_to,
            message_size,
            message_count,
            pubsub,
        },
        mechanism,
        drivers,
    ) = thr_args("omq_local_thr", "bind-to");

    runtime_of(drivers).block_on(async {
        let socket_type = if pubsub {
            SocketType::Sub
        } else {
            SocketType::Pull
        };
        let s = Socket::new(socket_type, secured(options(message_size), mechanism, true));
        if pubsub {
            s.subscribe(&b""[..])
                .await
                .unwrap_or_else(|e| fail("subscribe", &e));
        }
        s.bind(bind_to.as_str())
            .await
            .unwrap_or_else(|e| fail("bind", &e));

        let mut receiver = Receiver::new(message_size);
        let msg = receiver.recv(&s).await;
        check_size(msg.byte_len(), message_size);
        let watch = Instant::now();
        for _ in 1..message_count {
            let msg = receiver.recv(&s).await;
            check_size(msg.byte_len(), message_size);
        }
        let elapsed = elapsed_us(watch);
        report::throughput(message_size, message_count, elapsed);
        s.close().await.unwrap_or_else(|e| fail("close", &e));
    });
}
