//! Support for ferrozmq's benchmarks, its soak driver and the many-peers
//! benchmark (`scale`). The benches themselves are in `benches/`.
//!
//! Every benchmark here runs its reference (`Vec<u8>`, `bytes::Bytes`, memcpy,
//! libzmq) in the same run, so a figure is only ever read as a ratio.

pub mod perf;
pub mod scale;
pub mod soak;
pub mod sync;

/// The runtime the `async_*` tools run their one task on: tokio's
/// current-thread runtime (the socket needs no runtime; this is the
/// executor a tokio user would have).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| perf::fail("runtime", &e))
}

/// The throughput tools' receiving socket (`local_thr`): a PULL, or with
/// `pubsub` a SUB subscribed to everything with no RCVHWM, bound to
/// `endpoint`. Exits as libzmq's tools do when a call fails.
pub fn thr_receiver(ctx: &ferrozmq::Context, pubsub: bool, endpoint: &str) -> ferrozmq::Socket {
    use ferrozmq::{SocketOption, SocketType};
    let kind = if pubsub {
        SocketType::Sub
    } else {
        SocketType::Pull
    };
    let s = ctx
        .socket(kind)
        .unwrap_or_else(|e| perf::fail("zmq_socket", &e));
    if pubsub {
        s.set_option(SocketOption::RcvHwm(0))
            .unwrap_or_else(|e| perf::fail("zmq_setsockopt", &e));
        s.subscribe(b"")
            .unwrap_or_else(|e| perf::fail("zmq_setsockopt", &e));
    }
    s.bind(endpoint)
        .unwrap_or_else(|e| perf::fail("zmq_bind", &e));
    s
}

/// The throughput tools' sending socket (`remote_thr`): a PUSH, or with
/// `pubsub` a PUB with no SNDHWM, connected to `endpoint`; with `pubsub`
/// it waits a second for the subscription (the slow joiner). Exits as
/// libzmq's tools do when a call fails.
pub fn thr_sender(ctx: &ferrozmq::Context, pubsub: bool, endpoint: &str) -> ferrozmq::Socket {
    use ferrozmq::{SocketOption, SocketType};
    let kind = if pubsub {
        SocketType::Pub
    } else {
        SocketType::Push
    };
    let s = ctx
        .socket(kind)
        .unwrap_or_else(|e| perf::fail("zmq_socket", &e));
    if pubsub {
        s.set_option(SocketOption::SndHwm(0))
            .unwrap_or_else(|e| perf::fail("zmq_setsockopt", &e));
    }
    s.connect(endpoint)
        .unwrap_or_else(|e| perf::fail("zmq_connect", &e));
    if pubsub {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    s
}
