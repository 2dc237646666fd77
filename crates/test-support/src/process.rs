//! Child processes in tests, every wait bounded: a test that starts a
//! process fails with what it printed instead of hanging the run.

use std::process::{Child, Output};
use std::time::{Duration, Instant};

/// Waits for `child` (its stdout and stderr piped, or not) at most
/// `deadline`; past that, kills it and panics with what it printed so far.
/// `what` names it in the message.
///
/// # Panics
///
/// When the child outlives `deadline`, or waiting on it fails.
pub fn finish(mut child: Child, deadline: Duration, what: &str) -> Output {
    let start = Instant::now();
    loop {
        match child.try_wait().expect("try_wait") {
            Some(_) => return child.wait_with_output().expect("wait_with_output"),
            None if start.elapsed() > deadline => {
                // A kill error only means it has just exited.
                let _ = child.kill();
                let out = child.wait_with_output().expect("wait_with_output");
                panic!(
                    "{what} still running after {deadline:?}; stdout {:?}, stderr {:?}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
