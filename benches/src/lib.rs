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
