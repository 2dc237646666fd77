//! [`Readiness`]: a socket's change counter, and everything that waits on
//! it. Every wake-up of a socket (a peer's pipe, a new peer, a connection
//! coming up) moves it; three kinds of waiter look again when it moves:
//!
//! - threads in the socket's blocking calls ([`wait`](Readiness::wait));
//! - async tasks, one [`TaskSlot`] per pending future, woken once per
//!   registration (`std::task::Waker`);
//! - watches: [`Signal`]s notified on every move until removed (a `poll`
//!   call's, a `Poller`'s, the socket's event-loop file descriptor).
//!
//! It does not know what changed or whether the socket is now ready: a
//! waiter asks the socket again after each notification
//! (`Socket::events` and the patterns' `has_in`/`has_out`), so readiness
//! is exact while notifications may be spurious.

use core::task::Waker;
use std::time::Instant;

use smallvec::SmallVec;

use crate::signal::Signal;
use crate::sync::{AtomicUsize, Condvar, Mutex, Ordering, StdArc, fence, lock};

/// How many times [`Readiness::wait`] looks at the epoch before it sleeps:
/// half with a spin hint, half yielding the core.
#[cfg(not(loom))]
const SPINS: u32 = 64;

/// A change counter any number of threads and tasks can wait on: a
/// socket's one wait (see the `socket` module). A waiter reads
/// [`epoch`](Self::epoch) *before* it looks at its pipes, and after finding
/// nothing waits until the epoch moved; [`notify`](Self::notify) moves it.
/// So a notification that lands between the look and the wait is never
/// lost, and two threads (one in `recv`, one in `send`) can wait on one
/// socket at once.
///
/// The handshake is a Dekker pair with `SeqCst` fences, as in the pipe:
/// the notifier bumps the epoch, fences, loads the waiter count; a waiter
/// (holding the mutex) raises the count, fences, loads the epoch. Either
/// the waiter sees the new epoch, or the notifier sees the waiter and
/// takes the mutex, which a thread gives up only inside the condition
/// variable's wait and a task only with its waker in place. A
/// notification with nobody waiting costs one atomic add, a fence and a
/// load: no lock, no system call. The epoch is read with acquire and bumped
/// with release, so a waiter that reads the bumped epoch before its look
/// sees what the notifier changed.
///
/// A watch is counted as a waiter for as long as it is registered; it is
/// added before its owner looks at the socket, so the same pair orders a
/// change after that look against the notifier's load of the count.
#[derive(Debug, Default)]
pub(crate) struct Readiness {
    epoch: AtomicUsize,
    /// Threads waiting, armed task slots and watches: `notify` takes the
    /// lock only when this is not 0.
    waiting: AtomicUsize,
    lock: Mutex<Waiters>,
    cvar: Condvar,
}

/// The waiters a notification wakes, under the readiness mutex.
#[derive(Default)]
struct Waiters {
    /// Threads inside [`Readiness::wait`].
    threads: usize,
    /// Task wakers by slot: a slot belongs to one future from its first
    /// pending poll to its drop.
    slots: Vec<Option<Waker>>,
    /// Slots not given to any future.
    free: Vec<usize>,
    /// The slots holding a waker.
    armed: Vec<usize>,
    /// Watches, notified on every move until removed.
    watches: Vec<(WatchId, StdArc<dyn Signal>)>,
    next_watch: u64,
}

impl core::fmt::Debug for Waiters {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Waiters")
            .field("threads", &self.threads)
            .field("tasks", &self.armed.len())
            .field("watches", &self.watches.len())
            .finish()
    }
}

/// A future's place for its waker in one [`Readiness`]: empty until the
/// future first finds nothing to do, then kept until the future is done or
/// dropped, when its owner must [`release`](Readiness::release) it.
#[derive(Debug, Default)]
pub(crate) struct TaskSlot(Option<usize>);

impl TaskSlot {
    /// A slot not yet placed.
    pub(crate) const fn new() -> Self {
        Self(None)
    }
}

/// A watch's name, to remove it with [`Readiness::unwatch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WatchId(u64);

impl Readiness {
    /// A counter at 0, nobody waiting.
    #[cfg(any(test, loom))]
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The current epoch; read it before looking at what it guards.
    pub(crate) fn epoch(&self) -> usize {
        self.epoch.load(Ordering::Acquire)
    }

    /// Moves the epoch and wakes every waiter: threads, the armed tasks
    /// (each once), the watches.
    pub(crate) fn notify(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        // Pairs with the fences in `wait`, `register` and `watch`.
        fence(Ordering::SeqCst);
        if self.waiting.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut wakers = SmallVec::<[Waker; 4]>::new();
        let threads = {
            let mut waiters = lock(&self.lock);
            let Waiters {
                slots,
                armed,
                watches,
                threads,
                ..
            } = &mut *waiters;
            self.waiting.fetch_sub(armed.len(), Ordering::Relaxed);
            wakers.extend(armed.drain(..).filter_map(|slot| slots[slot].take()));
            // Ours (a parker, a queue push, an eventfd write): none calls
            // back into this readiness, so they may run under the lock.
            for (_, watch) in watches.iter() {
                watch.notify();
            }
            *threads > 0
        };
        // A thread counted holds the mutex until it is inside the condition
        // variable's wait, so it is there (or gone) now. Waking after the
        // unlock spares the woken thread a wait for the mutex, and a task's
        // waker (an executor's code) never runs under our lock.
        if threads {
            self.cvar.notify_all();
        }
        for waker in wakers {
            waker.wake();
        }
    }

    /// Waits until the epoch differs from `seen` (true) or `deadline`
    /// passes (false).
    pub(crate) fn wait(&self, seen: usize, deadline: Option<Instant>) -> bool {
        let mut waiters = lock(&self.lock);
        waiters.threads += 1;
        self.waiting.fetch_add(1, Ordering::Relaxed);
        // Pairs with the fence in `notify`.
        fence(Ordering::SeqCst);
        let moved = loop {
            if self.epoch.load(Ordering::Acquire) != seen {
                break true;
            }
            waiters = match deadline {
                None => self.cvar.wait(waiters).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break false;
                    }
                    let waited = self.cvar.wait_timeout(waiters, deadline - now);
                    waited.unwrap_or_else(|p| p.into_inner()).0
                }
            };
        };
        waiters.threads -= 1;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        drop(waiters);
        moved
    }

    /// Like [`wait`](Self::wait), after watching the epoch for a moment.
    pub(crate) fn spin_then_wait(&self, seen: usize, deadline: Option<Instant>) -> bool {
        self.spin(seen) || self.wait(seen, deadline)
    }

    /// Watches the epoch for a moment before a waiter sleeps: a busy peer
    /// usually moves it within microseconds, and a sleep costs the waiter
    /// and its waker a system call and a context switch each. True when it
    /// moved.
    #[cfg(not(loom))]
    fn spin(&self, seen: usize) -> bool {
        for i in 0..SPINS {
            if self.epoch.load(Ordering::Acquire) != seen {
                return true;
            }
            if i < SPINS / 2 {
                core::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        false
    }

    /// loom explores every interleaving of a spin: the model waits at once.
    #[cfg(loom)]
    fn spin(&self, _seen: usize) -> bool {
        false
    }

    /// Arms `slot` with `waker` after a look (begun at epoch `seen`) found
    /// nothing to do. `true`: armed, the next [`notify`](Self::notify)
    /// wakes the task (the future returns `Pending`); `false`: the epoch
    /// moved since `seen`, look again now (the waker may still be woken
    /// once, spuriously).
    pub(crate) fn register(&self, slot: &mut TaskSlot, waker: &Waker, seen: usize) -> bool {
        {
            let mut waiters = lock(&self.lock);
            let index = match slot.0 {
                Some(index) => index,
                None => {
                    let index = match waiters.free.pop() {
                        Some(index) => index,
                        None => {
                            waiters.slots.push(None);
                            waiters.slots.len() - 1
                        }
                    };
                    slot.0 = Some(index);
                    index
                }
            };
            match &mut waiters.slots[index] {
                Some(old) => {
                    // Armed already (polled again before a wake): keep the
                    // newest waker, as `Future::poll` asks.
                    if !old.will_wake(waker) {
                        old.clone_from(waker);
                    }
                }
                empty @ None => {
                    *empty = Some(waker.clone());
                    waiters.armed.push(index);
                    self.waiting.fetch_add(1, Ordering::Relaxed);
                }
            }
            // Pairs with the fence in `notify`: the waker is in place
            // before the epoch is read again.
            fence(Ordering::SeqCst);
        }
        self.epoch.load(Ordering::Acquire) == seen
    }

    /// Gives `slot` back, disarming it: the future is done or dropped.
    pub(crate) fn release(&self, slot: &mut TaskSlot) {
        let Some(index) = slot.0.take() else {
            return;
        };
        let mut waiters = lock(&self.lock);
        if waiters.slots[index].take().is_some() {
            if let Some(at) = waiters.armed.iter().position(|&s| s == index) {
                waiters.armed.swap_remove(at);
            }
            self.waiting.fetch_sub(1, Ordering::Relaxed);
        }
        waiters.free.push(index);
    }

    /// Adds a watch: `signal` is notified on every move from now until
    /// [`unwatch`](Self::unwatch). Add it *before* looking at the socket.
    pub(crate) fn watch(&self, signal: StdArc<dyn Signal>) -> WatchId {
        let mut waiters = lock(&self.lock);
        let id = WatchId(waiters.next_watch);
        waiters.next_watch += 1;
        waiters.watches.push((id, signal));
        self.waiting.fetch_add(1, Ordering::Relaxed);
        // Pairs with the fence in `notify`: the watch is counted before
        // the caller's look.
        fence(Ordering::SeqCst);
        id
    }

    /// Removes a watch (nothing when it is gone already).
    pub(crate) fn unwatch(&self, id: WatchId) {
        let mut waiters = lock(&self.lock);
        if let Some(at) = waiters.watches.iter().position(|(w, _)| *w == id) {
            waiters.watches.swap_remove(at);
            self.waiting.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Signal for Readiness {
    fn notify(&self) {
        Readiness::notify(self);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::task::Wake;

    use super::*;
    use crate::sync::{AtomicBool, Ordering};

    struct Flag(AtomicBool);

    impl Wake for Flag {
        fn wake(self: StdArc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    fn flag() -> (StdArc<Flag>, Waker) {
        let flag = StdArc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(StdArc::clone(&flag));
        (flag, waker)
    }

    #[test]
    fn a_task_is_woken_once_per_registration() {
        let ready = Readiness::new();
        let (flag, waker) = flag();
        let mut slot = TaskSlot::new();
        assert!(ready.register(&mut slot, &waker, ready.epoch()));
        ready.notify();
        assert!(flag.0.swap(false, Ordering::SeqCst));
        ready.notify();
        assert!(!flag.0.load(Ordering::SeqCst), "woken without registering");
        assert_eq!(ready.waiting.load(Ordering::SeqCst), 0);
        ready.release(&mut slot);
    }

    #[test]
    fn a_moved_epoch_refuses_the_registration() {
        let ready = Readiness::new();
        let (_, waker) = flag();
        let mut slot = TaskSlot::new();
        let seen = ready.epoch();
        ready.notify();
        assert!(!ready.register(&mut slot, &waker, seen));
        ready.release(&mut slot);
        assert_eq!(ready.waiting.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_released_slot_is_reused_and_not_woken() {
        let ready = Readiness::new();
        let (flag, waker) = flag();
        let mut a = TaskSlot::new();
        assert!(ready.register(&mut a, &waker, ready.epoch()));
        // Polled again before a wake: still one waker, counted once.
        assert!(ready.register(&mut a, &waker, ready.epoch()));
        assert_eq!(ready.waiting.load(Ordering::SeqCst), 1);
        ready.release(&mut a);
        assert_eq!(ready.waiting.load(Ordering::SeqCst), 0);
        ready.notify();
        assert!(!flag.0.load(Ordering::SeqCst));
        let mut b = TaskSlot::new();
        assert!(ready.register(&mut b, &waker, ready.epoch()));
        assert_eq!(b.0, Some(0), "the freed slot is reused");
        ready.release(&mut b);
    }

    #[test]
    fn a_watch_is_notified_until_removed() {
        struct Count(AtomicUsize);
        impl Signal for Count {
            fn notify(&self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let ready = Readiness::new();
        let count = StdArc::new(Count(AtomicUsize::new(0)));
        let id = ready.watch(StdArc::clone(&count) as StdArc<dyn Signal>);
        ready.notify();
        ready.notify();
        ready.unwatch(id);
        ready.notify();
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
        assert_eq!(ready.waiting.load(Ordering::SeqCst), 0);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use std::task::Wake;

    use loom::sync::atomic::AtomicBool;
    use loom::thread;

    use super::*;
    use crate::sync::Arc;

    /// A change published between a waiter's look and its wait is not
    /// lost, with two threads waiting on one socket at once (a `recv` and a
    /// `send`): each either sees the change on its look or is woken.
    #[test]
    fn loom_readiness_no_lost_wakeup_two_waiters() {
        loom::model(|| {
            let ready = Arc::new(Readiness::new());
            let change = Arc::new(AtomicUsize::new(0));
            let waiters: Vec<_> = (0..2)
                .map(|_| {
                    let (ready, change) = (Arc::clone(&ready), Arc::clone(&change));
                    thread::spawn(move || {
                        loop {
                            let seen = ready.epoch();
                            if change.load(Ordering::SeqCst) == 1 {
                                return;
                            }
                            assert!(ready.wait(seen, None));
                        }
                    })
                })
                .collect();
            change.store(1, Ordering::SeqCst);
            ready.notify();
            for w in waiters {
                w.join().unwrap();
            }
        });
    }

    /// A watch added before a look, and a concurrent change: either the
    /// look saw the change, or the watch was notified (what `poll`, the
    /// `Poller` and the event-loop descriptor rely on).
    #[test]
    fn loom_watch_then_look_no_lost_change() {
        struct Flag(AtomicBool);
        impl Signal for Flag {
            fn notify(&self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        loom::model(|| {
            let ready = Arc::new(Readiness::new());
            let change = Arc::new(AtomicBool::new(false));
            let notifier = {
                let (ready, change) = (Arc::clone(&ready), Arc::clone(&change));
                thread::spawn(move || {
                    change.store(true, Ordering::Relaxed);
                    ready.notify();
                })
            };
            let flag = StdArc::new(Flag(AtomicBool::new(false)));
            let id = ready.watch(StdArc::clone(&flag) as StdArc<dyn Signal>);
            let saw = change.load(Ordering::Relaxed);
            notifier.join().unwrap();
            let notified = flag.0.load(Ordering::SeqCst);
            assert!(saw || notified, "the change was missed");
            ready.unwatch(id);
        });
    }

    /// A task's look, its registration and a concurrent change: either the
    /// look saw the change, or the registration was refused (the caller
    /// looks again), or the task was woken. The waker registry's handoff
    /// with the pipes.
    #[test]
    fn loom_task_registration_no_lost_wakeup() {
        struct Flag(AtomicBool);
        impl Wake for Flag {
            fn wake(self: StdArc<Self>) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        loom::model(|| {
            let ready = Arc::new(Readiness::new());
            let change = Arc::new(AtomicBool::new(false));
            let notifier = {
                let (ready, change) = (Arc::clone(&ready), Arc::clone(&change));
                thread::spawn(move || {
                    change.store(true, Ordering::Relaxed);
                    ready.notify();
                })
            };
            let flag = StdArc::new(Flag(AtomicBool::new(false)));
            let waker = Waker::from(StdArc::clone(&flag));
            let mut slot = TaskSlot::new();
            let seen = ready.epoch();
            let saw = change.load(Ordering::Relaxed);
            let armed = !saw && ready.register(&mut slot, &waker, seen);
            let looked_again = !saw && !armed && change.load(Ordering::Relaxed);
            notifier.join().unwrap();
            let woken = flag.0.load(Ordering::SeqCst);
            assert!(saw || looked_again || woken, "the change was missed");
            ready.release(&mut slot);
        });
    }
}
