//! `remote_lat`: the measuring half of libzmq's latency test, with libzmq's
//! contract (`perf/remote_lat.cpp`).
//!
//! ```text
//! remote_lat <connect-to> <message-size> <roundtrip-count>
//!     [--mechanism null|plain|curve] [--key-seed N]
//! ```
//!
//! A REQ socket connects to `<connect-to>` and `<roundtrip-count>` times sends
//! a message of `<message-size>` bytes to `local_lat` (ours or libzmq's) and
//! receives the echo. As in libzmq, one message is built before the clock
//! starts and the received echo is what is sent next (libzmq reuses its
//! `zmq_msg_t`), and the clock covers the round trips only. It prints
//! libzmq's three lines:
//!
//! ```text
//! message size: 64 [B]
//! roundtrip count: 10000
//! average latency: 25.000 [us]
//! ```
//!
//! where the latency is libzmq's one-way figure,
//! `elapsed_us / (roundtrip_count * 2)`, printed with `%.3f`.
//!
//! With `--mechanism plain` or `--mechanism curve --key-seed N` (ours, as
//! `local_thr`'s) the pair runs PLAIN or CURVE, the binding side the server.
//!
//! Exit status as libzmq's: 1 with the usage line on a wrong argument count;
//! 255 (libzmq's `return -1`) when a socket call fails or a message of the
//! wrong size arrives. We also refuse arguments that are not numbers and a
//! count of 0.

use std::time::Instant;

use ferrozmq::{Context, Msg, SocketType};
use ferrozmq_benches::perf::{LatArgs, check_size, fail, print_lat, secure_lat_args};
use ferrozmq_benches::secure;

fn main() {
    let (
        LatArgs {
            endpoint: connect_to,
            message_size,
            roundtrip_count,
        },
        mechanism,
    ) = secure_lat_args("remote_lat", "connect-to");

    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let s = ctx
        .socket(SocketType::Req)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    secure(&s, mechanism, false, None);
    s.connect(&connect_to)
        .unwrap_or_else(|e| fail("zmq_connect", &e));

    let mut msg = Msg::copy_from_slice(&vec![0u8; message_size]);
    let watch = Instant::now();
    for _ in 0..roundtrip_count {
        s.send(msg).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
        msg = s.recv().unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        check_size(msg.len(), message_size);
    }
    let elapsed = u64::try_from(watch.elapsed().as_micros()).unwrap_or(u64::MAX);
    print_lat(message_size, roundtrip_count, elapsed);
    drop(msg);
    drop(s);
    drop(ctx);
}
