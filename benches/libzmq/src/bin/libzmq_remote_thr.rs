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

use std::process;
use std::time::Duration;

use ferrozmq_libzmq_perf::perf::{fail, parse};

/// libzmq's usage line, printed on a wrong argument count.
const USAGE: &str = "usage: libzmq_remote_thr <connect-to> <message-size> <message-count>";

/// How long the PUB waits after connecting before it sends (pubsub mode).
const SLOW_JOINER_WAIT: Duration = Duration::from_secs(1);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let pubsub = match args.len() {
        4 => false,
        5 if args[4] == "pubsub" => true,
        _ => {
            println!("{USAGE}");
            println!("   or: libzmq_remote_thr <connect-to> <message-size> <message-count> pubsub");
            process::exit(1);
        }
    };
    let connect_to = &args[1];
    let message_size: usize = parse("libzmq_remote_thr", &args[2], "message-size", 0);
    let message_count: u64 = parse("libzmq_remote_thr", &args[3], "message-count", 1);

    let ctx = zmq::Context::new();
    let socket_type = if pubsub { zmq::PUB } else { zmq::PUSH };
    let s = ctx
        .socket(socket_type)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    if pubsub {
        s.set_sndhwm(0)
            .unwrap_or_else(|e| fail("zmq_setsockopt", &e));
    }
    s.connect(connect_to)
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
