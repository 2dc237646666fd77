//! One run, the same for both libraries: the receiving socket on a thread of
//! its own, the sender on the calling thread, a join, a warm-up, then a
//! counted window with quiet edges. It knows the two sides only through
//! [`Sender`] and [`Receiver`]; building sockets is `ferro.rs`'s and
//! `libzmq.rs`'s job.
//!
//! The sender keeps at most `credit` messages ahead of the receiver (an
//! atomic count of what the receiver got), below every high-water mark, so
//! PUB never drops and the window holds exactly the messages sent in it. At
//! each edge of the window the sender waits until the receiver has every
//! message, then lets the I/O threads settle for [`QUIET`], then reads the
//! process-wide counters.
//!
//! The warm-up ends with the most the window can have in flight: the
//! receiver holds off while the sender puts a whole credit's worth on the
//! way, so every cache on the path (the receive allocator's blocks, the
//! pipes' chunks) has met its peak before counting starts, however the
//! threads happened to be scheduled during the rest of the warm-up. What
//! the window then counts is the steady state, not first use.

use crate::sync::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ferrozmq_test_support::malloc_count::{MallocCounts, malloc_counts};

use crate::case::{Case, Pattern};
use crate::watchdog;

/// The length of the message that ends a run; every measured size is larger.
pub const END_LEN: usize = 1;

/// How long each edge of the window waits after the receiver has everything,
/// so frees the I/O threads make after handing a message over (a written
/// batch, a drained pipe) land on the right side of the edge.
const QUIET: Duration = Duration::from_millis(10);

/// How long a held receiver waits, once a credit's worth is on its way,
/// before it takes any: long enough for its I/O thread to read all of it
/// (64 MiB at most) into the pipe.
const FILL: Duration = Duration::from_millis(100);

/// How long the join waits after the first message gets through, so probes
/// still in flight (PUB/SUB before the subscription arrived) land before
/// counting starts.
const SETTLE: Duration = Duration::from_millis(30);

/// The most any wait of a run may take before the run fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// The sending side of a pair.
pub trait Sender {
    /// Sends one message of the case's size.
    fn send(&mut self);
    /// Sends the [`END_LEN`]-byte message that stops the receiver.
    fn send_end(&mut self);
    /// Receives a reply (REQ only) and returns its length.
    fn recv_reply(&mut self) -> usize;
}

/// The receiving side of a pair.
pub trait Receiver: Send {
    /// Receives one message and returns its length; with `echo` (REP), sends
    /// it straight back, moved, as libzmq's `local_lat` does.
    fn recv(&mut self, echo: bool) -> usize;
}

/// What one run counted over its window.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Messages in the window (both directions for REQ/REP).
    pub messages: u64,
    /// The C allocator's calls in the window, every thread of the process.
    pub heap: MallocCounts,
    /// The receive allocator's `(allocations, deallocations)` in the window,
    /// when the subject has one.
    pub recv: Option<(u64, u64)>,
}

/// Runs `case` between `tx` (on this thread) and `rx` (moved to a thread of
/// its own); `recv_counts` reads the receive allocator's totals, if any.
pub fn run(
    case: &Case,
    tx: &mut dyn Sender,
    rx: Box<dyn Receiver>,
    recv_counts: &dyn Fn() -> Option<(u64, u64)>,
) -> Window {
    let received = AtomicU64::new(0);
    let held = AtomicBool::new(false);
    let echo = case.pattern == Pattern::ReqRep;
    thread::scope(|scope| {
        let receiver = scope.spawn(|| receive(rx, echo, &received, &held));
        let mut driver = Driver {
            case,
            tx,
            received: &received,
            held: &held,
            sent: 0,
        };
        driver.join();
        driver.steps(case.warmup);
        driver.quiesce();
        driver.fill();
        let (heap_before, recv_before) = (malloc_counts(), recv_counts());
        window_open();
        driver.steps(case.steps);
        driver.quiesce();
        window_close();
        let (heap_after, recv_after) = (malloc_counts(), recv_counts());
        driver.tx.send_end();
        if echo {
            driver.tx.recv_reply();
        }
        if receiver.join().is_err() {
            watchdog::fail(&format!("{case}: the receiving thread panicked"));
        }
        Window {
            messages: case.messages(),
            heap: heap_after.since(heap_before),
            recv: recv_before
                .zip(recv_after)
                .map(|(b, a)| (a.0 - b.0, a.1 - b.1)),
        }
    })
}

/// 1 while a counted window is open, for debuggers.
static IN_WINDOW: AtomicU64 = AtomicU64::new(0);

/// Called as the counted window opens: where a debugger starts tracing
/// allocations (`trace.gdb` beside `Cargo.toml` breaks here and prints a
/// stack trace for every allocation until [`window_close`]). Only sets
/// [`IN_WINDOW`].
#[inline(never)]
pub fn window_open() {
    // Through `black_box`, so the store (and the call) is not optimised away.
    std::hint::black_box(&IN_WINDOW).store(1, Ordering::SeqCst);
}

/// Called as the counted window closes; see [`window_open`].
#[inline(never)]
pub fn window_close() {
    // Through `black_box`, so the store (and the call) is not optimised away.
    std::hint::black_box(&IN_WINDOW).store(0, Ordering::SeqCst);
}

/// The receiving thread: counts every message until the end marker, and
/// takes none while `held` (see [`Driver::fill`]).
fn receive(mut rx: Box<dyn Receiver>, echo: bool, received: &AtomicU64, held: &AtomicBool) {
    loop {
        let mut spins = 0;
        while held.load(Ordering::Acquire) {
            pause(&mut spins);
        }
        if rx.recv(echo) == END_LEN {
            return;
        }
        received.fetch_add(1, Ordering::Release);
    }
}

/// One turn of a wait: a few yields first (the receiver is usually about
/// to catch up), then short sleeps, so a wait does not take a core from the
/// threads it waits for on a small machine. Neither allocates.
fn pause(spins: &mut u32) {
    if *spins < 64 {
        *spins += 1;
        thread::yield_now();
    } else {
        thread::sleep(Duration::from_micros(50));
    }
}

/// The sending thread's state.
struct Driver<'a> {
    case: &'a Case,
    tx: &'a mut dyn Sender,
    received: &'a AtomicU64,
    /// Set while the receiver must not take messages.
    held: &'a AtomicBool,
    /// Messages the receiver should have once all in flight arrive.
    sent: u64,
}

impl Driver<'_> {
    fn received(&self) -> u64 {
        self.received.load(Ordering::Acquire)
    }

    /// Waits, yielding, until `done` holds; fails the run past [`DEADLINE`].
    fn wait(&self, what: &str, done: impl Fn(&Self) -> bool) {
        let start = Instant::now();
        let mut spins = 0u32;
        while !done(self) {
            if start.elapsed() > DEADLINE {
                watchdog::fail(&format!(
                    "{}: {what} took over {} s (sent {}, received {})",
                    self.case,
                    DEADLINE.as_secs(),
                    self.sent,
                    self.received()
                ));
            }
            pause(&mut spins);
        }
        watchdog::beat();
    }

    /// Gets the first message through: PUB drops what it sends before the
    /// subscription arrives, so it probes every few milliseconds until one
    /// lands, then lets stragglers arrive.
    fn join(&mut self) {
        if self.case.pattern == Pattern::ReqRep {
            self.step();
            return;
        }
        let start = Instant::now();
        while self.received() == 0 {
            if start.elapsed() > DEADLINE {
                watchdog::fail(&format!("{}: no message got through", self.case));
            }
            self.tx.send();
            let probe = Instant::now();
            let mut spins = 0;
            while self.received() == 0 && probe.elapsed() < Duration::from_millis(5) {
                pause(&mut spins);
            }
        }
        thread::sleep(SETTLE);
        self.sent = self.received();
    }

    /// One step: a message within the credit, or a REQ/REP round trip.
    fn step(&mut self) {
        if self.case.pattern == Pattern::ReqRep {
            self.tx.send();
            self.tx.recv_reply();
            self.sent += 1;
            return;
        }
        let credit = self.case.credit;
        if self.sent.saturating_sub(self.received()) >= credit {
            self.wait("waiting for credit", |d| {
                d.sent.saturating_sub(d.received()) < credit
            });
        }
        self.tx.send();
        self.sent += 1;
    }

    fn steps(&mut self, n: u64) {
        for _ in 0..n {
            self.step();
        }
    }

    /// Puts the most the window can have in flight on the way while the
    /// receiver holds off, lets its I/O thread read it all ([`FILL`]), then
    /// lets it take them and waits until it has (see the module docs).
    /// REQ/REP has one message in flight at a time: nothing to do.
    fn fill(&mut self) {
        if self.case.pattern == Pattern::ReqRep {
            return;
        }
        self.held.store(true, Ordering::Release);
        self.steps(self.case.credit);
        thread::sleep(FILL);
        self.held.store(false, Ordering::Release);
        self.quiesce();
    }

    /// Waits until the receiver has every message sent, then for [`QUIET`].
    fn quiesce(&self) {
        self.wait("draining", |d| d.received() >= d.sent);
        thread::sleep(QUIET);
    }
}
