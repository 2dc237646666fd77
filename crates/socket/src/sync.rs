//! The synchronisation primitives this crate uses: from std normally and from
//! loom under `cfg(loom)`, so the loom models check the real code (tokio's
//! `loom` module pattern).
//!
//! Nothing else in the crate names `std::sync` or `core::sync` directly. This
//! module holds no logic beyond a poison-tolerant [`lock`].

/// Counters: the context's I/O-thread round robin, the unit tests' (the loom
/// stand-in queue's, under `cfg(loom)`).
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::AtomicUsize;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, Ordering, fence};
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};
#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};

/// std's `Arc`, always: signals are shared as `Arc<dyn Signal>`, and loom's
/// `Arc` cannot hold a trait object. A signal's own refcount is not what the
/// models check; the pipe's shared state (in [`Arc`]) is.
pub(crate) use std::sync::Arc as StdArc;

/// std's `OnceLock`, always: it holds a descriptor wake set up once, on the
/// user's thread, outside every loom model.
#[cfg(not(loom))]
pub(crate) use std::sync::OnceLock;

/// std's atomics, always, for a `Waker`'s own flag in the loom models: a
/// `Wake` impl lives in a std `Arc`, outside what the models check.
#[cfg(all(test, loom))]
pub(crate) use std::sync::atomic::{AtomicBool as StdAtomicBool, Ordering as StdOrdering};

/// Locks `mutex`, ignoring poisoning: the data behind our mutexes (a parker's
/// flags, the loom stand-in queue) stays consistent even if a holder
/// panicked, because every critical section leaves it valid at each step.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
