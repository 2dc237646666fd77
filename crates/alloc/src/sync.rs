//! The synchronisation primitives this crate uses: from std normally and from
//! loom under `cfg(loom)`, so the loom models check the real code (tokio's
//! `loom` module pattern).
//!
//! Nothing else in the crate names `std::sync` or `core::sync` directly. This
//! module holds no logic beyond a poison-tolerant [`lock`] and the current
//! thread's id.

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::thread::ThreadId;

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};
#[cfg(loom)]
pub(crate) use loom::thread::ThreadId;

/// The lazily created mimalloc heap handle. Always std's: mimalloc's thread
/// rules are about real OS threads, and the `Mimalloc` allocator is not
/// modelled under loom.
pub(crate) use std::sync::OnceLock;

/// loom's `Arc`, for the loom models.
#[cfg(all(test, loom))]
pub(crate) use loom::sync::Arc;

/// std's `Arc`, always: `Waker::from` takes one, also in the loom models.
#[cfg(test)]
pub(crate) use std::sync::Arc as StdArc;

/// Locks `mutex`, ignoring poisoning: the data behind our mutexes (waker
/// lists, arena bookkeeping) stays consistent even if a holder panicked,
/// because every critical section leaves it valid at each step.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The id of the calling thread (a loom thread's under `cfg(loom)`).
pub(crate) fn current_thread_id() -> ThreadId {
    #[cfg(not(loom))]
    {
        std::thread::current().id()
    }
    #[cfg(loom)]
    {
        loom::thread::current().id()
    }
}
