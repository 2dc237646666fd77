//! [`Signal`]: how a pipe wakes the side that went to sleep on it, with two
//! implementations: [`Parker`] for a user thread that blocks (in `recv` or
//! `send`, with an optional deadline) and [`std::task::Waker`] for an event
//! loop; and [`Armed`], the "already queued" flag of an event loop's
//! wake-up. What a socket's threads, tasks and pollers wait on is the
//! `readiness` module's.
//!
//! A signal only carries "look again": it does not say which pipe changed or
//! how, and one signal may be shared by many pipes (a socket reading from many
//! peers sleeps on one [`Parker`]; an I/O thread on one waker). It does not
//! know about messages or queues; the handshake that decides *when* to notify
//! lives in [`pipe`](crate::pipe()). mio's `Waker` is not named here: the I/O
//! thread implements [`Signal`] for its own type when it needs to.

use core::fmt;
use core::task::Waker;
use std::time::Instant;

use crate::sync::{AtomicBool, Condvar, Mutex, Ordering, lock};

/// A wake-up a pipe sends to the side that went to sleep on it.
///
/// Notifications are level-triggered hints: after one, the sleeper looks at
/// all the pipes it was waiting on again. So an implementation may coalesce
/// notifications, and a sleeper must tolerate spurious ones.
///
/// `notify` is called from whichever thread sends, receives or drops a pipe
/// end, possibly while that thread is inside a pipe call; it must not block
/// for long and must not call back into the pipe.
pub trait Signal: Send + Sync {
    /// Wakes the sleeper, or makes its next wait return at once if it is not
    /// asleep yet.
    fn notify(&self);

    /// This signal as a [`Parker`], when it is one. The blocking helpers
    /// ([`PipeReader::recv_timeout`](crate::PipeReader::recv_timeout),
    /// [`PipeWriter::send_timeout`](crate::PipeWriter::send_timeout)) need a
    /// signal they can wait on; the default answers `None`.
    fn as_parker(&self) -> Option<&Parker> {
        None
    }
}

/// An event loop's wake-up: [`notify`](Signal::notify) is
/// [`Waker::wake_by_ref`].
impl Signal for Waker {
    fn notify(&self) {
        self.wake_by_ref();
    }
}

/// A one-token wake-up for a thread that blocks: [`unpark`](Parker::unpark)
/// leaves a token, [`park`](Parker::park) waits for the token and takes it.
///
/// Unlike `std::thread::park`, it is not tied to a thread, so a socket may move
/// between threads, and one `Parker` can be shared by all the pipes of a socket.
/// It is a mutex and a condition variable; `unpark` takes the mutex and wakes
/// the condition variable (a futex system call) only when a thread is actually
/// parked.
///
/// One thread parks at a time (the socket's owner); several may unpark.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use ferrozmq_socket::Parker;
///
/// let parker = Parker::new();
/// parker.unpark();
/// assert!(parker.park(None)); // the token was there
/// assert!(!parker.park(Some(Instant::now() + Duration::from_millis(1)))); // timed out
/// ```
pub struct Parker {
    state: Mutex<ParkState>,
    cvar: Condvar,
}

struct ParkState {
    /// An unpark happened since the last park took the token.
    token: bool,
    /// A thread waits on `cvar`.
    parked: bool,
}

impl Parker {
    /// A parker without a token.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(ParkState {
                token: false,
                parked: false,
            }),
            cvar: Condvar::new(),
        }
    }

    /// Leaves the token, waking the parked thread if there is one.
    pub fn unpark(&self) {
        let parked = {
            let mut state = lock(&self.state);
            state.token = true;
            state.parked
        };
        // Outside the lock, so the woken thread does not block on it at once.
        // The token was set under the lock, which the parked thread re-checks
        // under the same lock, so this wake cannot be lost.
        if parked {
            self.cvar.notify_one();
        }
    }

    /// Waits until the token is there or `deadline` passes (`None`: no
    /// deadline), and takes the token.
    ///
    /// Returns `true` when it took the token, `false` on timeout. May return
    /// `true` for an `unpark` that happened before the call, so callers
    /// re-check their condition in a loop.
    ///
    /// # Panics
    ///
    /// In debug builds, when another thread is parked on the same parker.
    pub fn park(&self, deadline: Option<Instant>) -> bool {
        let mut state = lock(&self.state);
        loop {
            if state.token {
                state.token = false;
                return true;
            }
            debug_assert!(!state.parked, "two threads parked on one Parker");
            state.parked = true;
            state = match deadline {
                None => self.cvar.wait(state).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        state.parked = false;
                        return false;
                    }
                    let waited = self.cvar.wait_timeout(state, deadline - now);
                    waited.unwrap_or_else(|p| p.into_inner()).0
                }
            };
            state.parked = false;
        }
    }
}

impl Default for Parker {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Parker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("Parker")
            .field("token", &state.token)
            .field("parked", &state.parked)
            .finish()
    }
}

impl Signal for Parker {
    fn notify(&self) {
        self.unpark();
    }

    fn as_parker(&self) -> Option<&Parker> {
        Some(self)
    }
}

/// The "already queued" flag of an event loop's wake-up: many notifiers, one
/// loop (an I/O thread's session token, a `Poller` entry, a descriptor
/// written once per edge). A notifier that publishes a change (a pipe push, a released block)
/// then [`arm`](Armed::arm)s; only the one that finds the flag clear queues
/// the token and wakes the loop. The loop [`take`](Armed::take)s the flag
/// when it dequeues the token, before it looks at the session.
///
/// No change is left unseen: a notifier that found the flag still set wrote
/// it (a release swap) before the loop's take, which reads that write
/// (an acquire swap), so the loop's look comes after the change. A plain
/// store in `take` would not read it, and on a weakly ordered machine the
/// look could miss the change with no token queued (the loom model
/// `loom_armed_no_lost_change` finds that).
#[derive(Debug)]
pub(crate) struct Armed(AtomicBool);

impl Armed {
    /// A clear flag.
    pub(crate) fn new() -> Self {
        Self(AtomicBool::new(false))
    }

    /// Sets the flag after the caller published its change. `true`: it was
    /// clear, so the caller must queue the token and wake the loop; `false`:
    /// a queued token is still to be taken, and the loop will see the change.
    pub(crate) fn arm(&self) -> bool {
        !self.0.swap(true, Ordering::AcqRel)
    }

    /// Clears the flag as the loop takes the token, before it looks: from
    /// here a notify queues the token again, and every change published
    /// before a notify that found the flag set is visible. Returns whether
    /// it was set.
    pub(crate) fn take(&self) -> bool {
        self.0.swap(false, Ordering::AcqRel)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::task::Wake;
    use std::time::Duration;

    use super::*;
    use crate::sync::{AtomicBool, Ordering, StdArc};

    #[test]
    fn token_is_taken_once() {
        let parker = Parker::new();
        parker.unpark();
        parker.unpark();
        assert!(parker.park(None));
        let soon = Instant::now() + Duration::from_millis(5);
        assert!(!parker.park(Some(soon)));
    }

    #[test]
    fn unpark_from_another_thread_wakes_a_parked_one() {
        let parker = StdArc::new(Parker::new());
        let other = StdArc::clone(&parker);
        let t = std::thread::spawn(move || other.park(None));
        // Whether the unpark lands before or after the park, the park returns.
        parker.unpark();
        assert!(t.join().unwrap());
        assert!(!lock(&parker.state).token);
    }

    #[test]
    fn waker_signal_wakes() {
        struct Flag(AtomicBool);
        impl Wake for Flag {
            fn wake(self: StdArc<Self>) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let flag = StdArc::new(Flag(AtomicBool::new(false)));
        let signal: StdArc<dyn Signal> = StdArc::new(Waker::from(StdArc::clone(&flag)));
        assert!(signal.as_parker().is_none());
        signal.notify();
        assert!(flag.0.load(Ordering::SeqCst));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::atomic::AtomicUsize;
    use loom::thread;

    use super::*;
    use crate::sync::Arc;

    /// A notifier publishes a change and arms while the loop, woken by an
    /// earlier notify, takes the token: either the loop's look sees the
    /// change, or the notifier queued the token again.
    #[test]
    fn loom_armed_no_lost_change() {
        loom::model(|| {
            let armed = Arc::new(Armed::new());
            // An earlier notify: the flag is set and one token queued.
            assert!(armed.arm());
            let queued = Arc::new(AtomicUsize::new(1));
            let change = Arc::new(AtomicUsize::new(0));
            let notifier = {
                let (armed, queued, change) =
                    (Arc::clone(&armed), Arc::clone(&queued), Arc::clone(&change));
                thread::spawn(move || {
                    change.store(1, Ordering::Relaxed);
                    if armed.arm() {
                        queued.fetch_add(1, Ordering::Relaxed);
                    }
                })
            };
            // The loop dequeues the token, takes the flag, looks.
            queued.fetch_sub(1, Ordering::Relaxed);
            armed.take();
            let seen = change.load(Ordering::Relaxed) == 1;
            notifier.join().unwrap();
            assert!(
                seen || queued.load(Ordering::Relaxed) == 1,
                "the change was missed and no token is queued"
            );
        });
    }
}
