//! `async_local_thr`: `local_thr` (libzmq's contract, the same arguments
//! and lines) receiving through `AsyncSocket` in one task on a tokio
//! current-thread runtime, to set the async API beside the blocking one
//! and beside OMQ.rs in `cargo xtask compare`.

use std::time::Instant;

use ferrozmq::{AsyncSocket, Context};
use ferrozmq_benches::perf::{
    PubSubHwm, ThrArgs, check_size, elapsed_us, fail, print_thr, secure_thr_args,
};
use ferrozmq_benches::{runtime, thr_receiver, zap_handler};

fn main() {
    let (
        ThrArgs {
            endpoint,
            message_size,
            message_count,
            pubsub,
        },
        mechanism,
    ) = secure_thr_args("async_local_thr", "bind-to");
    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let _zap = zap_handler(&ctx, mechanism);
    let s = AsyncSocket::new(thr_receiver(
        &ctx,
        pubsub,
        PubSubHwm::None,
        mechanism,
        &endpoint,
    ));
    let elapsed = runtime().block_on(async {
        let msg = s.recv().await.unwrap_or_else(|e| fail("zmq_recvmsg", &e));
        check_size(msg.len(), message_size);
        let watch = Instant::now();
        for _ in 1..message_count {
            let msg = s.recv().await.unwrap_or_else(|e| fail("zmq_recvmsg", &e));
            check_size(msg.len(), message_size);
        }
        elapsed_us(watch)
    });
    print_thr(message_size, message_count, elapsed);
}
