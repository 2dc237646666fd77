//! [`LiveSessions`]: how many sessions an I/O thread holds or is about to,
//! as a lingering context reads it from another thread.
//!
//! A session is visible to its socket (the socket holds its pipes and may
//! send and close) before the I/O thread's loop counts it at the end of its
//! turn: a connect is queued as a command, an accepted connection's pipes
//! go to the socket in the middle of the turn. So a session is counted
//! twice over: `pending` from the moment it is on its way (before the
//! socket can see it) until the loop has counted it in `settled`. The loop
//! stores `settled` (release) before it takes the session off `pending`
//! (release); the reader loads `pending` (acquire) first. Reading 0 pending
//! from the loop's decrement then shows that turn's `settled` or a later
//! one; reading it before the decrement counts the session in `pending`.
//! Either way a session the socket saw is counted until the loop has seen
//! it end. The loom model `loom_live_session_counted_until_it_ends` checks
//! exactly this; it fails with the two loads swapped.

use crate::sync::{AtomicUsize, Ordering};

/// See the module docs.
#[derive(Debug)]
pub(crate) struct LiveSessions {
    /// On their way: counted before a socket can see them, not yet in
    /// `settled`.
    pending: AtomicUsize,
    /// How many the loop held at the end of its last turn.
    settled: AtomicUsize,
}

impl LiveSessions {
    /// None live.
    pub(crate) fn new() -> Self {
        Self {
            pending: AtomicUsize::new(0),
            settled: AtomicUsize::new(0),
        }
    }

    /// A session is on its way: call before its socket can see its pipes.
    pub(crate) fn arriving(&self) {
        self.pending.fetch_add(1, Ordering::SeqCst);
    }

    /// The loop's end of turn: it holds `held` sessions, `arrived` of them
    /// announced by [`arriving`](Self::arriving) and now counted.
    pub(crate) fn settle(&self, held: usize, arrived: usize) {
        self.settled.store(held, Ordering::Release);
        if arrived > 0 {
            self.pending.fetch_sub(arrived, Ordering::Release);
        }
    }

    /// Sessions held or on their way (see the module docs).
    pub(crate) fn live(&self) -> usize {
        let pending = self.pending.load(Ordering::Acquire);
        pending + self.settled.load(Ordering::Acquire)
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::atomic::AtomicBool;
    use loom::thread;

    use super::*;
    use crate::sync::Arc;

    /// The loop announces a session, hands its pipes to the socket, counts
    /// it at the end of the turn, and later ends it. A context that saw the
    /// pipes and then reads 0 live sessions must find the session ended.
    #[test]
    fn loom_live_session_counted_until_it_ends() {
        loom::model(|| {
            let live = Arc::new(LiveSessions::new());
            let handed = Arc::new(AtomicBool::new(false));
            let ended = Arc::new(AtomicBool::new(false));
            let io = {
                let (live, handed, ended) =
                    (Arc::clone(&live), Arc::clone(&handed), Arc::clone(&ended));
                thread::spawn(move || {
                    live.arriving();
                    handed.store(true, Ordering::Release);
                    live.settle(1, 1);
                    ended.store(true, Ordering::Relaxed);
                    live.settle(0, 0);
                })
            };
            while !handed.load(Ordering::Acquire) {
                thread::yield_now();
            }
            if live.live() == 0 {
                assert!(
                    ended.load(Ordering::Relaxed),
                    "0 live sessions while the socket's session is still there"
                );
            }
            io.join().unwrap();
            assert_eq!(live.live(), 0);
        });
    }
}
