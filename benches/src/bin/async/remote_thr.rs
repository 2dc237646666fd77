//! `async_remote_thr`: `remote_thr` (libzmq's contract) sending through
//! `AsyncSocket` in one task on a tokio current-thread runtime.

use std::time::Duration;

use ferrozmq::{AsyncSocket, Context, Msg, SocketOption, SocketType};
use ferrozmq_benches::perf::{ThrArgs, fail, thr_args};
use ferrozmq_benches::runtime;

fn main() {
    let ThrArgs {
        endpoint,
        message_size,
        message_count,
        pubsub,
    } = thr_args("async_remote_thr", "connect-to");
    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let kind = if pubsub {
        SocketType::Pub
    } else {
        SocketType::Push
    };
    let s = AsyncSocket::new(ctx.socket(kind).unwrap_or_else(|e| fail("zmq_socket", &e)));
    if pubsub {
        s.get_ref()
            .set_option(SocketOption::SndHwm(0))
            .unwrap_or_else(|e| fail("zmq_setsockopt", &e));
    }
    s.get_ref()
        .connect(&endpoint)
        .unwrap_or_else(|e| fail("zmq_connect", &e));
    if pubsub {
        // The slow-joiner wait of `remote_thr`.
        std::thread::sleep(Duration::from_secs(1));
    }
    let template = vec![0u8; message_size];
    runtime().block_on(async {
        for _ in 0..message_count {
            let msg = Msg::copy_from_slice(&template);
            s.send(msg)
                .await
                .unwrap_or_else(|e| fail("zmq_sendmsg", &e));
        }
    });
    // Close, then the context lingers until all is delivered.
    drop(s);
    drop(ctx);
}
