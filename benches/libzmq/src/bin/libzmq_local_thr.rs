//! `libzmq_local_thr`: libzmq's `perf/local_thr.cpp` on the `zmq` crate, the
//! reference for ferrozmq's `local_thr` (same arguments, same lines).
//!
//! ```text
//! libzmq_local_thr <bind-to> <message-size> <message-count> [pubsub]
//! ```
//!
//! A PULL socket binds to `<bind-to>` and receives `<message-count>` messages
//! of `<message-size>` bytes into one reused `zmq_msg_t`; the clock starts
//! when the first message arrives and stops after the last. With `pubsub`, a
//! SUB socket with RCVHWM 0 subscribed to everything binds instead, as
//! ferrozmq's tool does in that mode.

use std::time::Instant;

use ferrozmq_libzmq_perf::perf::{ThrArgs, check_size, elapsed_us, fail, thr_args};
use ferrozmq_libzmq_perf::report;

fn main() {
    let ThrArgs {
        endpoint: bind_to,
        message_size,
        message_count,
        pubsub,
    } = thr_args("libzmq_local_thr", "bind-to");

    let ctx = zmq::Context::new();
    let socket_type = if pubsub { zmq::SUB } else { zmq::PULL };
    let s = ctx
        .socket(socket_type)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    if pubsub {
        s.set_rcvhwm(0)
            .unwrap_or_else(|e| fail("zmq_setsockopt", &e));
        s.set_subscribe(b"")
            .unwrap_or_else(|e| fail("zmq_setsockopt", &e));
    }
    s.bind(&bind_to).unwrap_or_else(|e| fail("zmq_bind", &e));

    let mut msg = zmq::Message::new();
    s.recv(&mut msg, 0)
        .unwrap_or_else(|e| fail("zmq_recvmsg", &e));
    check_size(msg.len(), message_size);
    let watch = Instant::now();
    for _ in 1..message_count {
        s.recv(&mut msg, 0)
            .unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        check_size(msg.len(), message_size);
    }
    let elapsed = elapsed_us(watch);
    report::throughput(message_size, message_count, elapsed);
}
