//! The `std::sync` items this package uses, in one place (the workspace's
//! house rule: code names `std::sync` only in its `src/sync.rs`).

pub use std::sync::Arc;
pub use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
