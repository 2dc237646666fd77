//! `local_thr`: the receiving half of libzmq's throughput test, with libzmq's
//! contract (`perf/local_thr.cpp`).
//!
//! ```text
//! local_thr <bind-to> <message-size> <message-count> [pubsub]
//!     [--mechanism null|plain|curve] [--key-seed N] [--hwm none|default]
//! ```
//!
//! A PULL socket binds to `<bind-to>` and receives `<message-count>` messages
//! of `<message-size>` bytes from `remote_thr` (ours or libzmq's). As in
//! libzmq, the clock starts when the first message arrives and stops after the
//! last, so the figure excludes connection set-up; it prints libzmq's four
//! lines:
//!
//! ```text
//! message size: 64 [B]
//! message count: 1000000
//! mean throughput: 4000000 [msg/s]
//! mean throughput: 2048.000 [Mb/s]
//! ```
//!
//! computed as libzmq does: `throughput = count / elapsed_us * 1e6` printed
//! truncated to an integer (`%d`), `megabits = throughput * size * 8 / 1e6`
//! printed with `%.3f`; an elapsed time of 0 µs counts as 1.
//!
//! With the trailing `pubsub` argument (ours; libzmq's tool has no such mode)
//! a SUB socket binds instead, subscribes to everything and sets RCVHWM to 0
//! (no limit) so that, with `remote_thr … pubsub` setting SNDHWM to 0 too,
//! nothing is dropped and the count is reached. With `--hwm default` (ours,
//! with `remote_thr … pubsub --hwm default`) it keeps libzmq's default
//! RCVHWM and the PUB waits for it instead (`ZMQ_XPUB_NODROP`): OMQ.rs's
//! tool's contract (see `perf::PubSubHwm`).
//!
//! With `--mechanism plain` or `--mechanism curve --key-seed N` (ours,
//! anywhere after the tool's name; `cargo xtask secbench`) both tools of
//! the pair run PLAIN or CURVE instead of NULL: the binding side is the
//! server (for PLAIN with a ZAP handler admitting the client's fixed
//! credentials), and CURVE's key pairs come from the seed (see
//! `perf::curve_secrets`), so both tools derive the same ones.
//!
//! Exit status as libzmq's: 1 with the usage line on a wrong argument count;
//! 255 (libzmq's `return -1`) when a socket call fails or a message of the
//! wrong size arrives. We also refuse arguments that are not numbers and a
//! count of 0, which libzmq's `atoi` would accept and then mis-measure.

use std::time::Instant;

use ferrozmq::Context;
use ferrozmq_benches::perf::{ThrArgs, check_size, elapsed_us, fail, print_thr, receiver_thr_args};
use ferrozmq_benches::{thr_receiver, zap_handler};

fn main() {
    let (
        ThrArgs {
            endpoint: bind_to,
            message_size,
            message_count,
            pubsub,
        },
        mechanism,
        hwm,
    ) = receiver_thr_args("local_thr", "bind-to");

    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let _zap = zap_handler(&ctx, mechanism);
    let s = thr_receiver(&ctx, pubsub, hwm, mechanism, &bind_to);

    let msg = s.recv().unwrap_or_else(|e| fail("zmq_recvmsg", &e));
    check_size(msg.len(), message_size);
    drop(msg);
    let watch = Instant::now();
    for _ in 1..message_count {
        let msg = s.recv().unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        check_size(msg.len(), message_size);
    }
    print_thr(message_size, message_count, elapsed_us(watch));
}
