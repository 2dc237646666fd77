//! `async_remote_lat`: `remote_lat` (libzmq's contract), a REQ timing
//! round trips through `AsyncSocket` in one task on a tokio current-thread
//! runtime.

use std::time::Instant;

use ferrozmq::{AsyncSocket, Context, Msg, SocketType};
use ferrozmq_benches::perf::{LatArgs, check_size, fail, lat_args, print_lat};
use ferrozmq_benches::runtime;

fn main() {
    let LatArgs {
        endpoint,
        message_size,
        roundtrip_count,
    } = lat_args("async_remote_lat", "connect-to");
    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let s = AsyncSocket::new(
        ctx.socket(SocketType::Req)
            .unwrap_or_else(|e| fail("zmq_socket", &e)),
    );
    s.get_ref()
        .connect(&endpoint)
        .unwrap_or_else(|e| fail("zmq_connect", &e));
    let elapsed = runtime().block_on(async {
        let mut msg = Msg::copy_from_slice(&vec![0u8; message_size]);
        let watch = Instant::now();
        for _ in 0..roundtrip_count {
            s.send(msg)
                .await
                .unwrap_or_else(|e| fail("zmq_sendmsg", &e));
            msg = s.recv().await.unwrap_or_else(|e| fail("zmq_recvmsg", &e));
            check_size(msg.len(), message_size);
        }
        u64::try_from(watch.elapsed().as_micros()).unwrap_or(u64::MAX)
    });
    print_lat(message_size, roundtrip_count, elapsed);
    drop(s);
    drop(ctx);
}
