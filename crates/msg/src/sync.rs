//! The synchronisation primitives this crate uses, from std normally and from
//! loom under `cfg(loom)`, so the loom models check the real code.
//!
//! Nothing else in the crate names `std::sync` or `core::sync` directly.

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicUsize, Ordering, fence};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering, fence};

/// The `Arc` that holds a receive allocator. It is part of the public API
/// (`Arc<dyn RecvAllocator>`), so it is always std's: loom's `Arc` cannot hold a
/// trait object. The allocator's own refcount is not what the models check.
pub use std::sync::Arc as StdArc;
