//! `local_lat`: the echoing half of libzmq's latency test, with libzmq's
//! contract (`perf/local_lat.cpp`).
//!
//! ```text
//! local_lat <bind-to> <message-size> <roundtrip-count>
//! ```
//!
//! A REP socket binds to `<bind-to>`, then `<roundtrip-count>` times receives
//! a message of `<message-size>` bytes from `remote_lat` (ours or libzmq's)
//! and sends that same message back, as libzmq's reuses its `zmq_msg_t`: no
//! copy, no allocation. It prints nothing; `remote_lat` measures. It then
//! closes and lingers until the last reply is delivered.
//!
//! Exit status as libzmq's: 1 with the usage line on a wrong argument count;
//! 255 (libzmq's `return -1`) when a socket call fails or a message of the
//! wrong size arrives. We also refuse arguments that are not numbers and a
//! count of 0.

use std::process;

use ferrozmq::{Context, SocketType};
use ferrozmq_benches::perf::{fail, parse};

/// libzmq's usage line, printed on a wrong argument count.
const USAGE: &str = "usage: local_lat <bind-to> <message-size> <roundtrip-count>";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        println!("{USAGE}");
        process::exit(1);
    }
    let bind_to = &args[1];
    let message_size: usize = parse("local_lat", &args[2], "message-size", 0);
    let roundtrip_count: u64 = parse("local_lat", &args[3], "roundtrip-count", 1);

    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let s = ctx
        .socket(SocketType::Rep)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    s.bind(bind_to).unwrap_or_else(|e| fail("zmq_bind", &e));

    for _ in 0..roundtrip_count {
        let msg = s.recv().unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        if msg.len() != message_size {
            println!("message of incorrect size received");
            process::exit(-1);
        }
        s.send(msg).unwrap_or_else(|e| fail("zmq_sendmsg", &e));
    }
    drop(s);
    drop(ctx);
}
