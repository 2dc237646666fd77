//! The `std::sync` items this crate uses, in one place (the workspace's house
//! rule: library code names `std::sync` only in its `src/sync.rs`).

pub use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
