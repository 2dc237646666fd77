//! The queue inside a pipe: a chunked queue (`chunked.rs`), bounded or not,
//! normally; a loom-visible stand-in under `cfg(loom)`.
//!
//! It moves values and says nothing about wake-ups or disconnection; those are
//! the pipe's. crossbeam-queue and rtrb are invisible to loom, so under
//! `cfg(loom)` this one type is swapped for a stand-in, and the models check
//! *our* handshake around the queue, not the queues themselves, which their
//! crates test. The
//! chunked queue's own handoffs are modelled in `chunked.rs`, with this
//! stand-in as its rings.
//!
//! # What the pipe relies on
//!
//! One producer and one consumer (the pipe's ends take `&mut self`), and:
//! a successful `push` is a release of the value and of everything the
//! producer wrote before; a `pop` that returns it acquires them; a `pop` (or a
//! `push` on a full queue) that runs after a `SeqCst` fence which is ordered
//! after the other side's fence sees the other side's earlier `push` (or
//! `pop`). The chunked queue is built from rtrb rings (a push ends with a release store
//! of the write index; a pop that finds its cached copy empty reloads it
//! with an acquire load, and the same the other way round) and keeps it too
//! (`chunked.rs`, "Why a pop sees every push it must").
//!
//! The loom stand-in gives exactly that and no more. It is *not* a plain
//! `Mutex<VecDeque>`: a mutex taken by both sides to decide "empty" or "full"
//! would order the two sides by itself and hide a missing fence in the pipe.
//! Here "empty" and "full" are decided from two counters (`pushed`, `popped`)
//! with acquire loads and release stores, and the mutex only guards the
//! storage once an item is known to be there.
//!
//! # Memory
//!
//! A queue holds no storage until the first push, grows in chunks of about
//! 4 KiB as its backlog grows, up to the capacity if it has one, and gives
//! them back as the backlog shrinks (`chunked.rs`, "Spare chunks"; libzmq's
//! ypipe keeps one chunk and one spare, libzmq `yqueue.hpp`). A steady
//! stream allocates nothing. An unbounded queue (HWM 0) also keeps its
//! links between chunks in a list that takes a block per 31 chunks.

// Under `cfg(loom)` the pipe uses the stand-in below; the chunked queue is
// compiled for its own models only.
#[cfg_attr(loom, allow(dead_code))]
mod chunked;

/// Each side's own state, kept by the pipe's ends (see `chunked.rs`); the
/// unbounded and conflating queues and the loom stand-in leave it unused.
pub(super) use chunked::{Head, Tail};

#[cfg(loom)]
use std::collections::VecDeque;

#[cfg(loom)]
use crate::sync::{AtomicUsize, Mutex, Ordering, lock};

/// A single-producer single-consumer FIFO; see the module docs.
pub(super) struct Queue<T> {
    #[cfg(not(loom))]
    inner: Inner<T>,
    #[cfg(loom)]
    items: Mutex<VecDeque<T>>,
    /// Items pushed so far; written by the producer only.
    #[cfg(loom)]
    pushed: AtomicUsize,
    /// Items popped so far; written by the consumer only.
    #[cfg(loom)]
    popped: AtomicUsize,
    /// `None`: unbounded.
    #[cfg(loom)]
    capacity: Option<usize>,
}

// The chunked queue's two padded halves and handle ring make it several
// cache lines; the variants live in the pipe's one shared allocation, and
// boxing the larger would add a pointer chase to every push and pop.
#[cfg(not(loom))]
#[allow(clippy::large_enum_variant)]
enum Inner<T> {
    Chunked(chunked::Chunked<T>),
    /// One slot that a push overwrites (see [`Queue::conflating`]).
    Conflating(crate::sync::Mutex<Option<T>>),
}

impl<T> Queue<T> {
    /// A queue holding at most `capacity` items, or any number when
    /// `capacity` is 0. Item storage comes later, as items do (module docs,
    /// "Memory").
    pub(super) fn new(capacity: usize) -> Self {
        #[cfg(not(loom))]
        {
            let inner = match capacity {
                0 => Inner::Chunked(chunked::Chunked::unbounded()),
                n => Inner::Chunked(chunked::Chunked::new(n)),
            };
            Self { inner }
        }
        #[cfg(loom)]
        {
            Self {
                items: Mutex::new(VecDeque::with_capacity(capacity)),
                pushed: AtomicUsize::new(0),
                popped: AtomicUsize::new(0),
                capacity: (capacity != 0).then_some(capacity),
            }
        }
    }

    /// A queue of at most one item in which a push replaces the item not
    /// yet popped (libzmq's `dbuffer_t`, behind `ZMQ_CONFLATE`). Its mutex
    /// orders a push and a pop as the contract above asks.
    pub(super) fn conflating() -> Self {
        #[cfg(not(loom))]
        {
            Self {
                inner: Inner::Conflating(crate::sync::Mutex::new(None)),
            }
        }
        #[cfg(loom)]
        {
            // The loom models do not exercise conflation.
            Self::new(0)
        }
    }

    /// Appends `value`, or hands it back when the queue is full. Producer
    /// only, with its own `tail`.
    #[inline]
    #[cfg(any(test, loom))]
    pub(super) fn push(&self, tail: &mut Tail<T>, value: T) -> Result<(), T> {
        self.push_with(tail, || value).map_err(|make| make())
    }

    /// As [`push`](Self::push), with the item made by `make` once there is
    /// room for it, or `make` handed back (see `chunked.rs`).
    #[inline]
    #[cfg_attr(loom, allow(unused_variables))]
    pub(super) fn push_with<F: FnOnce() -> T>(&self, tail: &mut Tail<T>, make: F) -> Result<(), F> {
        #[cfg(not(loom))]
        {
            match &self.inner {
                Inner::Chunked(q) => q.push_with(tail, make),
                Inner::Conflating(slot) => {
                    // The replaced item is dropped after the lock is released.
                    let old = crate::sync::lock(slot).replace(make());
                    drop(old);
                    Ok(())
                }
            }
        }
        #[cfg(loom)]
        {
            // Our own count: only this side writes `pushed`.
            let pushed = self.pushed.load(Ordering::Relaxed);
            if let Some(capacity) = self.capacity {
                let popped = self.popped.load(Ordering::Acquire);
                if pushed - popped >= capacity {
                    return Err(make);
                }
            }
            lock(&self.items).push_back(make());
            self.pushed.store(pushed + 1, Ordering::Release);
            Ok(())
        }
    }

    /// Removes the oldest item, if any. Consumer only, with its own `head`.
    #[inline]
    #[cfg_attr(loom, allow(unused_variables))]
    pub(super) fn pop(&self, head: &mut Head<T>) -> Option<T> {
        #[cfg(not(loom))]
        {
            match &self.inner {
                Inner::Chunked(q) => q.pop(head),
                Inner::Conflating(slot) => crate::sync::lock(slot).take(),
            }
        }
        #[cfg(loom)]
        {
            let popped = self.popped.load(Ordering::Relaxed);
            if self.pushed.load(Ordering::Acquire) == popped {
                return None;
            }
            let value = lock(&self.items).pop_front();
            assert!(value.is_some(), "a published item is missing");
            self.popped.store(popped + 1, Ordering::Release);
            value
        }
    }

    /// Hands the oldest item, if any, to `f` where it lies, then drops what
    /// `f` left of it (see `chunked.rs`). Consumer only, with its own
    /// `head`.
    #[inline]
    pub(super) fn pop_with<R>(
        &self,
        head: &mut Head<T>,
        mut f: impl FnMut(&mut T) -> R,
    ) -> Option<R> {
        #[cfg(not(loom))]
        if let Inner::Chunked(q) = &self.inner {
            return q.pop_with(head, f);
        }
        // The conflating slot and the stand-in: the item is taken out
        // first, which is the same to `f`.
        self.pop(head).map(|mut value| f(&mut value))
    }

    /// How many items it holds (a snapshot).
    pub(super) fn len(&self) -> usize {
        #[cfg(not(loom))]
        {
            match &self.inner {
                Inner::Chunked(q) => q.len(),
                Inner::Conflating(slot) => usize::from(crate::sync::lock(slot).is_some()),
            }
        }
        #[cfg(loom)]
        {
            // `popped` first: it never passes `pushed`, so the difference
            // cannot underflow.
            let popped = self.popped.load(Ordering::Acquire);
            self.pushed.load(Ordering::Acquire) - popped
        }
    }

    /// Whether a push would fail now (a snapshot); never for an unbounded
    /// queue.
    pub(super) fn is_full(&self) -> bool {
        #[cfg(not(loom))]
        {
            match &self.inner {
                Inner::Chunked(q) => q.len() >= q.capacity(),
                Inner::Conflating(_) => false,
            }
        }
        #[cfg(loom)]
        {
            self.capacity.is_some_and(|c| self.len() >= c)
        }
    }

    /// How many items it can hold; `None` when unbounded.
    pub(super) fn capacity(&self) -> Option<usize> {
        #[cfg(not(loom))]
        {
            match &self.inner {
                Inner::Chunked(q) => (!q.is_unbounded()).then(|| q.capacity()),
                Inner::Conflating(_) => Some(1),
            }
        }
        #[cfg(loom)]
        {
            self.capacity
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Pushes and pops with one pair of side states (one thread plays both).
    fn ends<T>() -> (Tail<T>, Head<T>) {
        (Tail::default(), Head::default())
    }

    #[test]
    fn bounded_fifo() {
        let q = Queue::new(2);
        let (mut t, mut h) = ends();
        assert_eq!(q.capacity(), Some(2));
        assert_eq!(q.push(&mut t, 1), Ok(()));
        assert_eq!(q.push(&mut t, 2), Ok(()));
        assert!(q.is_full());
        assert_eq!(q.push(&mut t, 3), Err(3));
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop(&mut h), Some(1));
        assert_eq!(q.pop(&mut h), Some(2));
        assert_eq!(q.pop(&mut h), None);
    }

    #[test]
    fn conflating_keeps_the_last() {
        let q = Queue::conflating();
        let (mut t, mut h) = ends();
        assert_eq!(q.pop(&mut h), None);
        for i in 0..5 {
            assert_eq!(q.push(&mut t, i), Ok(()));
        }
        assert_eq!((q.len(), q.is_full()), (1, false));
        assert_eq!(q.pop(&mut h), Some(4));
        assert_eq!(q.pop(&mut h), None);
    }

    #[test]
    fn zero_capacity_is_unbounded() {
        let q = Queue::new(0);
        let (mut t, mut h) = ends();
        assert_eq!(q.capacity(), None);
        for i in 0..100 {
            assert_eq!(q.push(&mut t, i), Ok(()));
        }
        assert!(!q.is_full());
        assert_eq!(q.len(), 100);
        assert!((0..100).all(|i| q.pop(&mut h) == Some(i)));
        assert_eq!(q.pop(&mut h), None);
    }
}
