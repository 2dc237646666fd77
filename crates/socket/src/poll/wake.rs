//! [`FdWake`]: a wake-up that is a file descriptor, readable once notified
//! until [`reset`](FdWake::reset). It is the socket's event-loop descriptor
//! (libzmq's `ZMQ_FD`) and what `poll` and `Poller` add to their `poll(2)`
//! set when they wait on raw descriptors too. A pipe from mio (non-blocking,
//! close-on-exec, on every Unix), written at most once between resets, so a
//! busy socket costs one write per edge, not per message.

use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};

use mio::unix::pipe::{Receiver, Sender};

use crate::signal::{Armed, Signal};

/// A pipe that a notification makes readable (see the module docs).
#[derive(Debug)]
pub(crate) struct FdWake {
    tx: Sender,
    rx: Receiver,
    /// A byte was written since the last reset.
    signalled: Armed,
}

impl FdWake {
    /// A quiet wake-up.
    ///
    /// # Errors
    ///
    /// The OS's, when it has no descriptors left.
    pub(crate) fn new() -> io::Result<Self> {
        let (tx, rx) = mio::unix::pipe::new()?;
        Ok(Self {
            tx,
            rx,
            signalled: Armed::new(),
        })
    }

    /// The descriptor that becomes readable.
    pub(crate) fn fd(&self) -> RawFd {
        self.rx.as_raw_fd()
    }

    /// Makes the descriptor quiet again; a notification from here on makes
    /// it readable. Call it *before* looking at what it watches.
    pub(crate) fn reset(&self) {
        if self.signalled.take() {
            let mut buf = [0u8; 64];
            // Non-blocking: stops at WouldBlock (drained) or an error.
            while matches!((&self.rx).read(&mut buf), Ok(n) if n > 0) {}
        }
    }
}

impl Signal for FdWake {
    fn notify(&self) {
        if self.signalled.arm() {
            // A full pipe is readable already; nothing else can fail here
            // that a retry would mend.
            let _ = (&self.tx).write(&[1]);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::sys::{POLLIN, poll_fd, poll_fds};

    fn readable(wake: &FdWake) -> bool {
        let mut fds = [poll_fd(wake.fd(), POLLIN)];
        poll_fds(&mut fds, Some(Duration::ZERO)).unwrap() == 1
    }

    #[test]
    fn readable_from_notify_to_reset() {
        let wake = FdWake::new().unwrap();
        assert!(!readable(&wake));
        wake.notify();
        wake.notify();
        assert!(readable(&wake));
        wake.reset();
        assert!(!readable(&wake));
        wake.notify();
        assert!(readable(&wake));
    }
}
