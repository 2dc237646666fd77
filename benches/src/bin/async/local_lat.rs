//! `async_local_lat`: `local_lat` (libzmq's contract), a REP echoing
//! through `AsyncSocket` in one task on a tokio current-thread runtime.

use ferrozmq::{AsyncSocket, Context, SocketType};
use ferrozmq_benches::perf::{LatArgs, check_size, fail, lat_args};
use ferrozmq_benches::runtime;

fn main() {
    let LatArgs {
        endpoint,
        message_size,
        roundtrip_count,
    } = lat_args("async_local_lat", "bind-to");
    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let s = AsyncSocket::new(
        ctx.socket(SocketType::Rep)
            .unwrap_or_else(|e| fail("zmq_socket", &e)),
    );
    s.get_ref()
        .bind(&endpoint)
        .unwrap_or_else(|e| fail("zmq_bind", &e));
    runtime().block_on(async {
        for _ in 0..roundtrip_count {
            let msg = s.recv().await.unwrap_or_else(|e| fail("zmq_recvmsg", &e));
            check_size(msg.len(), message_size);
            s.send(msg)
                .await
                .unwrap_or_else(|e| fail("zmq_sendmsg", &e));
        }
    });
    drop(s);
    drop(ctx);
}
