//! The wake-up list behind [`RecvAllocator::notify_on_release`] for the
//! bounded allocators ([`Pool`](crate::Pool), [`Bump`](crate::Bump)).
//!
//! It keeps the wakers of callers that were told
//! [`Exhausted`](crate::AllocErrorKind::Exhausted) and wakes them all, outside
//! the lock, after memory comes back. A release pays one `SeqCst` fence and one
//! relaxed load of the `armed` flag when nobody waits; the lock is taken only
//! when someone does. It does not know what memory is or how much came back:
//! every waiter is woken and retries (a wake may be spurious).
//!
//! # No lost wake-up
//!
//! The trait asks callers to register *after* an `Exhausted` answer, so a
//! release can fall between the answer and the registration. Two rules close
//! that window:
//!
//! 1. Before answering `Exhausted`, the allocator calls [`Waiters::arm`], which
//!    records the calling thread as *refused*, sets `armed`, issues a `SeqCst`
//!    fence, and then the allocator retries once. A release does its release
//!    (a free-list push, a counter decrement), a `SeqCst` fence, then loads
//!    `armed`. By the fences (a Dekker handshake), either the retry sees the
//!    released memory, or the release sees `armed` and runs
//!    [`notify`](Waiters::notify)'s slow path, which wakes every registered
//!    waker and forgets every refused thread.
//! 2. [`Waiters::register`] keeps the waker only when its thread is still
//!    recorded as refused, i.e. no release has run the slow path since that
//!    thread's `Exhausted` answer; otherwise it wakes the waker at once.
//!
//! The thread stands in for the caller, which is sound when the caller
//! registers right after its `Exhausted` answer on the same thread (the I/O
//! thread's natural order), as the trait documents.
//!
//! [`RecvAllocator::notify_on_release`]: crate::RecvAllocator::notify_on_release

use core::mem;
use core::task::Waker;

use crate::sync::{AtomicBool, Mutex, Ordering, ThreadId, current_thread_id, fence, lock};

/// Wakers waiting for memory to come back; see the module docs.
pub(crate) struct Waiters {
    /// Whether a thread was refused or a waker registered since the last
    /// slow-path notify. Written only under the lock; read without it.
    armed: AtomicBool,
    inner: Mutex<Inner>,
}

struct Inner {
    /// Threads answered `Exhausted` since the last slow-path notify.
    refused: Vec<ThreadId>,
    /// Wakers to wake on the next slow-path notify.
    wakers: Vec<Waker>,
    /// An empty buffer kept for swapping with `wakers`, so waking outside the
    /// lock allocates nothing once warm.
    spare: Vec<Waker>,
}

impl Waiters {
    /// An empty list.
    pub(crate) fn new() -> Self {
        Self {
            armed: AtomicBool::new(false),
            inner: Mutex::new(Inner {
                refused: Vec::new(),
                wakers: Vec::new(),
                spare: Vec::new(),
            }),
        }
    }

    /// Records that the calling thread is about to be refused. The caller
    /// must retry its allocation once after this returns, and answer
    /// `Exhausted` only if that retry fails too.
    pub(crate) fn arm(&self) {
        let me = current_thread_id();
        {
            let mut inner = lock(&self.inner);
            if !inner.refused.contains(&me) {
                inner.refused.push(me);
            }
            self.armed.store(true, Ordering::Relaxed);
        }
        // Pairs with the fence in `notify`: either our retry sees the memory
        // that was released, or that release sees `armed`.
        fence(Ordering::SeqCst);
    }

    /// Called after memory was released: wakes every registered waker if
    /// anyone is waiting or was refused.
    #[inline]
    pub(crate) fn notify(&self) {
        // Pairs with the fence in `arm`.
        fence(Ordering::SeqCst);
        if self.armed.load(Ordering::Relaxed) {
            self.notify_slow();
        }
    }

    #[cold]
    fn notify_slow(&self) {
        let mut woken = {
            let mut inner = lock(&self.inner);
            if !self.armed.load(Ordering::Relaxed) {
                return;
            }
            self.armed.store(false, Ordering::Relaxed);
            inner.refused.clear();
            let spare = mem::take(&mut inner.spare);
            mem::replace(&mut inner.wakers, spare)
        };
        // Waking runs foreign code; never under our lock.
        for waker in woken.drain(..) {
            waker.wake();
        }
        let mut inner = lock(&self.inner);
        if inner.spare.capacity() < woken.capacity() {
            inner.spare = woken;
        }
    }

    /// Registers `waker` for the next release, or wakes it at once when a
    /// release already happened since the calling thread was refused.
    pub(crate) fn register(&self, waker: &Waker) {
        let me = current_thread_id();
        {
            let mut inner = lock(&self.inner);
            if inner.refused.contains(&me) {
                // `armed` is already set: it is cleared only together with
                // `refused`.
                if !inner.wakers.iter().any(|w| w.will_wake(waker)) {
                    inner.wakers.push(waker.clone());
                }
                return;
            }
        }
        waker.wake_by_ref();
    }

    /// How many wakers are registered (for tests).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn registered(&self) -> usize {
        lock(&self.inner).wakers.len()
    }
}

/// A waker that counts its wakes, for tests.
#[cfg(test)]
pub(crate) mod test_waker {
    use core::task::Waker;
    use std::task::Wake;

    use crate::sync::{AtomicUsize, Ordering, StdArc};

    /// Counts wakes.
    pub(crate) struct CountingWaker {
        pub(crate) wakes: AtomicUsize,
    }

    impl Wake for CountingWaker {
        fn wake(self: StdArc<Self>) {
            self.wakes.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A fresh counter and a waker for it.
    pub(crate) fn counting() -> (StdArc<CountingWaker>, Waker) {
        let counter = StdArc::new(CountingWaker {
            wakes: AtomicUsize::new(0),
        });
        let waker = Waker::from(StdArc::clone(&counter));
        (counter, waker)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::test_waker::counting;
    use super::*;

    #[test]
    fn registered_after_refusal_is_woken_by_release() {
        let waiters = Waiters::new();
        let (count, waker) = counting();
        waiters.arm();
        waiters.register(&waker);
        waiters.register(&waker); // the same waker is kept once
        assert_eq!(waiters.registered(), 1);
        assert_eq!(count.wakes.load(Ordering::SeqCst), 0);
        waiters.notify();
        assert_eq!(count.wakes.load(Ordering::SeqCst), 1);
        assert_eq!(waiters.registered(), 0);
        // Woken at most once.
        waiters.notify();
        assert_eq!(count.wakes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn release_between_refusal_and_registration_wakes_at_once() {
        let waiters = Waiters::new();
        let (count, waker) = counting();
        waiters.arm();
        waiters.notify();
        waiters.register(&waker);
        assert_eq!(count.wakes.load(Ordering::SeqCst), 1);
        assert_eq!(waiters.registered(), 0);
    }

    #[test]
    fn notify_without_waiters_is_a_no_op() {
        let waiters = Waiters::new();
        waiters.notify();
        assert!(!waiters.armed.load(Ordering::Relaxed));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::test_waker::counting;
    use super::*;
    use crate::sync::{Arc, AtomicUsize};

    /// A one-unit resource guarded by `Waiters` the way the allocators use
    /// it: a refused taker arms, retries, then registers; a releaser returns
    /// the unit then notifies. The taker must get the unit or be woken.
    #[test]
    fn loom_waiters_no_lost_wakeup() {
        loom::model(|| {
            let units = Arc::new(AtomicUsize::new(0));
            let waiters = Arc::new(Waiters::new());
            let take = |units: &AtomicUsize| {
                units
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
            };

            let releaser = {
                let (units, waiters) = (Arc::clone(&units), Arc::clone(&waiters));
                loom::thread::spawn(move || {
                    units.fetch_add(1, Ordering::Relaxed);
                    waiters.notify();
                })
            };

            let (count, waker) = counting();
            let got = take(&units) || {
                waiters.arm();
                take(&units) || {
                    waiters.register(&waker);
                    false
                }
            };
            releaser.join().unwrap();
            assert!(got || count.wakes.load(Ordering::SeqCst) == 1);
        });
    }
}
