//! `libzmq_remote_thr`: libzmq's `perf/remote_thr.cpp` on the `zmq` crate,
//! the reference for ferrozmq's `remote_thr` (same arguments).
//!
//! ```text
//! libzmq_remote_thr <connect-to> <message-size> <message-count> [pubsub]
//! ```
//!
//! A PUSH socket connects to `<connect-to>` and sends `<message-count>`
//! messages of `<message-size>` bytes, each built afresh (`zmq_msg_init_size`
//! per message, as libzmq's tool; the `zmq` crate then zeroes the body, a
//! cost ferrozmq's tool pays too with its copy from a zeroed template). It
//! then closes and terminates the context, which lingers (LINGER -1) until
//! everything is delivered. With `pubsub`, a PUB socket with SNDHWM 0
//! connects instead and waits one second for the subscription before it
//! sends, as ferrozmq's tool does in that mode. It prints nothing.

use std::time::Duration;

use ferrozmq_libzmq_perf::perf::{ThrArgs, fail, thr_args};

/// How long the PUB waits after connecting before it sends (pubsub mode).
const SLOW_JOINER_WAIT: Duration = Duration::from_secs(1);

fn main() {
    let ThrArgs {
        endpoint: connect_to,
        message_size,
        message_count,
        pubsub,
    } = thr_args("libzmq_remote_thr", "connect-to");

    let ctx = zmq::Context::new();
    let socket_type = if pubsub { zmq::PUB } else { zmq::PUSH };
    let s = ctx
        .socket(socket_type)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    if pubsub {
        s.set_sndhwm(0)
            .unwrap_or_else(|e| fail("zmq_setsockopt", &e));
    }
    s.connect(&connect_to)
        .unwrap_or_else(|e| fail("zmq_connect", &e));
    if pubsub {
        std::thread::sleep(SLOW_JOINER_WAIT);
    }

    for _ in 0..message_count {
        let msg = zmq::Message::with_size(message_size);
        s.send(msg, 0).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
    }
    // Close, then terminate the context: it lingers until all is delivered.
    drop(s);
    drop(ctx);
}
