//! The one place this crate names `std::sync` (the workspace's house rule:
//! each crate reaches it through its own `sync.rs`); the benchmark is never
//! modelled by loom, so these are std's types as they are.

pub use std::sync::Arc;
pub use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
