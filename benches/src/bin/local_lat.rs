//! `local_lat`: the echoing half of libzmq's latency test, with libzmq's
//! contract (`perf/local_lat.cpp`).
//!
//! ```text
//! local_lat <bind-to> <message-size> <roundtrip-count>
//!     [--mechanism null|plain|curve] [--key-seed N]
//! ```
//!
//! A REP socket binds to `<bind-to>`, then `<roundtrip-count>` times receives
//! a message of `<message-size>` bytes from `remote_lat` (ours or libzmq's)
//! and sends that same message back, as libzmq's reuses its `zmq_msg_t`: no
//! copy, no allocation. It prints nothing; `remote_lat` measures. It then
//! closes and lingers until the last reply is delivered.
//!
//! With `--mechanism plain` or `--mechanism curve --key-seed N` (ours, as
//! `local_thr`'s) the pair runs PLAIN or CURVE, the binding side the server.
//!
//! Exit status as libzmq's: 1 with the usage line on a wrong argument count;
//! 255 (libzmq's `return -1`) when a socket call fails or a message of the
//! wrong size arrives. We also refuse arguments that are not numbers and a
//! count of 0.

use ferrozmq::{Context, SocketType};
use ferrozmq_benches::perf::{LatArgs, check_size, fail, secure_lat_args};
use ferrozmq_benches::{secure, zap_handler};

fn main() {
    let (
        LatArgs {
            endpoint: bind_to,
            message_size,
            roundtrip_count,
        },
        mechanism,
    ) = secure_lat_args("local_lat", "bind-to");

    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let _zap = zap_handler(&ctx, mechanism);
    let s = ctx
        .socket(SocketType::Rep)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    secure(&s, mechanism, true, None);
    s.bind(&bind_to).unwrap_or_else(|e| fail("zmq_bind", &e));

    for _ in 0..roundtrip_count {
        let msg = s.recv().unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        check_size(msg.len(), message_size);
        s.send(msg).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
    }
    drop(s);
    drop(ctx);
}
