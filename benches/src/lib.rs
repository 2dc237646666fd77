//! Support for ferrozmq's benchmarks and its soak driver. The benches themselves are in `benches/`.
//!
//! Every benchmark here runs its reference (`Vec<u8>`, `bytes::Bytes`, memcpy,
//! libzmq) in the same run, so a figure is only ever read as a ratio.

pub mod perf;
pub mod soak;
pub mod sync;
