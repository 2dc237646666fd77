//! `libzmq_local_lat`: libzmq's `perf/local_lat.cpp` on the `zmq` crate, the
//! reference for ferrozmq's `local_lat` (same arguments).
//!
//! ```text
//! libzmq_local_lat <bind-to> <message-size> <roundtrip-count>
//! ```
//!
//! A REP socket binds to `<bind-to>`, then `<roundtrip-count>` times receives
//! a message of `<message-size>` bytes and sends that same message back. It
//! prints nothing; `remote_lat` (either implementation's) measures.

use std::process;

use ferrozmq_libzmq_perf::perf::{check_size, fail, parse};

/// libzmq's usage line, printed on a wrong argument count.
const USAGE: &str = "usage: libzmq_local_lat <bind-to> <message-size> <roundtrip-count>";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        println!("{USAGE}");
        process::exit(1);
    }
    let bind_to = &args[1];
    let message_size: usize = parse("libzmq_local_lat", &args[2], "message-size", 0);
    let roundtrip_count: u64 = parse("libzmq_local_lat", &args[3], "roundtrip-count", 1);

    let ctx = zmq::Context::new();
    let s = ctx
        .socket(zmq::REP)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    s.bind(bind_to).unwrap_or_else(|e| fail("zmq_bind", &e));

    for _ in 0..roundtrip_count {
        let msg = s.recv_msg(0).unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        check_size(msg.len(), message_size);
        s.send(msg, 0).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
    }
    drop(s);
    drop(ctx);
}
