//! `remote_thr`: the sending half of libzmq's throughput test, with libzmq's
//! contract (`perf/remote_thr.cpp`).
//!
//! ```text
//! remote_thr <connect-to> <message-size> <message-count> [pubsub]
//!     [--mechanism null|plain|curve] [--key-seed N] [--body fresh|shared]
//!     [--hwm none|default]
//! ```
//!
//! A PUSH socket connects to `<connect-to>` and sends `<message-count>`
//! messages of `<message-size>` bytes to `local_thr` (ours or libzmq's), then
//! closes and waits, as libzmq's default infinite LINGER does, until all of
//! them are delivered. It prints nothing; `local_thr` measures.
//!
//! Each message is built afresh, because libzmq's `remote_thr` calls
//! `zmq_msg_init_size` per message: [`Msg::copy_from_slice`] of a zeroed
//! template, which is inline (no allocation) up to
//! [`INLINE_CAPACITY`](ferrozmq::INLINE_CAPACITY) bytes,
//! where libzmq's is inline up to 33, and otherwise one allocation for header
//! and body, as libzmq's one `malloc`. The copy into it is a cost libzmq does
//! not pay (it sends the uninitialised body), which we cannot skip without
//! `unsafe`; cloning one shared [`Msg`] instead would cost an atomic
//! increment and no allocation, flattering us against libzmq.
//!
//! With `--body shared` (ours) it does clone one: `cargo xtask compare`
//! measures large messages that way beside the fresh ones, against the raw
//! socket, where what is measured is the transport and not the copy into a
//! new body (see `perf::Body`).
//!
//! With the trailing `pubsub` argument (ours; libzmq's tool has no such mode)
//! a PUB socket connects instead, with SNDHWM 0 (no limit) so that nothing is
//! dropped (with `--hwm default`, ours: libzmq's default SNDHWM and
//! `ZMQ_XPUB_NODROP`, so that it waits for a full subscriber instead, as
//! OMQ.rs's tool; see `perf::PubSubHwm`), and waits one second after
//! connecting before it sends, for the
//! connection and the SUB's subscription to arrive (the slow-joiner problem:
//! a PUB drops what it sends before then, and `local_thr` would never reach
//! its count).
//!
//! With `--mechanism plain` or `--mechanism curve --key-seed N` (ours,
//! anywhere after the tool's name; `cargo xtask secbench`) both tools of
//! the pair run PLAIN or CURVE instead of NULL: the binding side is the
//! server (for PLAIN with a ZAP handler admitting the client's fixed
//! credentials), and CURVE's key pairs come from the seed (see
//! `perf::curve_secrets`), so both tools derive the same ones.
//!
//! As with libzmq, closing the context lingers until everything queued is
//! delivered, also when the sends all went into the queue before the
//! connection was up.
//!
//! Exit status as libzmq's: 1 with the usage line on a wrong argument count;
//! 255 (libzmq's `return -1`) when a socket call fails. We also refuse
//! arguments that are not numbers and a count of 0.

use ferrozmq::{Context, Msg};
use ferrozmq_benches::perf::{Body, ThrArgs, fail, sender_thr_args};
use ferrozmq_benches::thr_sender;

fn main() {
    let (
        ThrArgs {
            endpoint: connect_to,
            message_size,
            message_count,
            pubsub,
        },
        mechanism,
        body,
        hwm,
    ) = sender_thr_args("remote_thr", "connect-to");

    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let s = thr_sender(&ctx, pubsub, hwm, mechanism, &connect_to);

    let template = vec![0u8; message_size];
    let shared = Msg::copy_from_slice(&template);
    for _ in 0..message_count {
        // `zmq_msg_init_size` per message (see the module docs), unless the
        // body is shared.
        let msg = match body {
            Body::Fresh => Msg::copy_from_slice(&template),
            Body::Shared => shared.clone(),
        };
        s.send(msg).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
    }
    // Close, then terminate the context: it lingers until all is delivered.
    drop(s);
    drop(ctx);
}
