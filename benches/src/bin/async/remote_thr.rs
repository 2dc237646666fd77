//! `async_remote_thr`: `remote_thr` (libzmq's contract) sending through
//! `AsyncSocket` in one task on a tokio current-thread runtime.

use ferrozmq::{AsyncSocket, Context, Msg};
use ferrozmq_benches::perf::{PubSubHwm, ThrArgs, fail, secure_thr_args};
use ferrozmq_benches::{runtime, thr_sender};

fn main() {
    let (
        ThrArgs {
            endpoint,
            message_size,
            message_count,
            pubsub,
        },
        mechanism,
    ) = secure_thr_args("async_remote_thr", "connect-to");
    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let s = AsyncSocket::new(thr_sender(
        &ctx,
        pubsub,
        PubSubHwm::None,
        mechanism,
        &endpoint,
    ));
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
