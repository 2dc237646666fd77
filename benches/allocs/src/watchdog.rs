//! Bounded runs: a thread that ends the process when no run has made
//! progress for [`STALL`] (a blocking `recv` or `send` that never returns
//! would otherwise hang the benchmark), and [`fail`], which ends it at once
//! with a message. Exiting, not panicking: a panic on the sending thread
//! would wait forever for the receiving thread in its scope.

use crate::sync::{AtomicU64, Ordering};
use std::process;
use std::thread;
use std::time::Duration;

/// How long the benchmark may go without progress.
const STALL: Duration = Duration::from_secs(120);

/// Progress beats so far.
static BEATS: AtomicU64 = AtomicU64::new(0);

/// Records progress.
pub fn beat() {
    BEATS.fetch_add(1, Ordering::Relaxed);
}

/// Prints `why` and ends the process with status 2.
pub fn fail(why: &str) -> ! {
    eprintln!("allocs: {why}");
    process::exit(2);
}

/// Starts the watchdog thread (once, before the first run).
pub fn start() {
    thread::Builder::new()
        .name("allocs-watchdog".into())
        .spawn(|| {
            let tick = Duration::from_millis(500);
            let mut last = BEATS.load(Ordering::Relaxed);
            let mut idle = Duration::ZERO;
            loop {
                thread::sleep(tick);
                let now = BEATS.load(Ordering::Relaxed);
                if now == last {
                    idle += tick;
                    if idle >= STALL {
                        fail(&format!("no progress for {} s", STALL.as_secs()));
                    }
                } else {
                    (last, idle) = (now, Duration::ZERO);
                }
            }
        })
        .unwrap_or_else(|e| fail(&format!("cannot start the watchdog: {e}")));
}
