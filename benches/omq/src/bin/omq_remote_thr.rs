//! `omq_remote_thr`: libzmq's `perf/remote_thr.cpp` on OMQ.rs, beside
//! ferrozmq's `remote_thr` (same arguments).
//!
//! ```text
//! omq_remote_thr <connect-to> <message-size> <message-count> [pubsub]
//!     [--mechanism null|plain|curve] [--key-seed N] [--runtime current|worker]
//! ```
//!
//! A PUSH socket connects to `<connect-to>` and sends `<message-count>`
//! messages of `<message-size>` bytes, each built afresh from a zeroed
//! template (libzmq's tool calls `zmq_msg_init_size` per message; see the
//! crate docs), trying first and waiting only when the pipe is full. It
//! then closes with an infinite linger (libzmq's default; OMQ.rs's is to
//! drop what is queued), which waits until everything is delivered. With
//! `pubsub`, a PUB socket with `xpub_nodrop` connects instead and waits for
//! the SUB's subscription before it sends (the other tools wait one second
//! for it; OMQ.rs can tell when it has arrived). It prints nothing.
//!
//! With `--runtime worker` the socket's driver runs on a worker thread
//! and the loop on the main one (see `ferrozmq_omq_perf::Drivers`).

use ferrozmq_omq_perf::perf::{ThrArgs, fail};
use ferrozmq_omq_perf::{SUBSCRIBER_WAIT, lingering, options, runtime_of, secured, send, thr_args};
use omq_tokio::{Message, Socket, SocketType};

fn main() {
    let (
        ThrArgs {
            endpoint: connect_to,
            message_size,
            message_count,
            pubsub,
        },
        mechanism,
        drivers,
    ) = thr_args("omq_remote_thr", "connect-to");

    runtime_of(drivers).block_on(async {
        let (socket_type, mut opts) = if pubsub {
            (SocketType::Pub, options(message_size))
        } else {
            (SocketType::Push, options(message_size))
        };
        opts.xpub_nodrop = pubsub;
        let s = Socket::new(socket_type, lingering(secured(opts, mechanism, false)));
        s.connect(connect_to.as_str())
            .await
            .unwrap_or_else(|e| fail("connect", &e));
        if pubsub {
            s.wait_subscribed(1, SUBSCRIBER_WAIT)
                .await
                .unwrap_or_else(|e| fail("wait_subscribed", &e));
        }

        let template = vec![0u8; message_size];
        for _ in 0..message_count {
            send(&s, Message::from_slice(&template)).await;
        }
        s.close().await.unwrap_or_else(|e| fail("close", &e));
    });
}
