//! Support for ferrozmq's benchmarks, its soak driver and the many-peers
//! benchmark (`scale`). The benches themselves are in `benches/`.
//!
//! Every benchmark here runs its reference (`Vec<u8>`, `bytes::Bytes`, memcpy,
//! libzmq) in the same run, so a figure is only ever read as a ratio.

pub mod perf;
pub mod scale;
pub mod soak;
pub mod sync;
