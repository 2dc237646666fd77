//! The errors of the pipe operations, one type per operation. A failed send
//! hands the message back (crossbeam's `TrySendError` convention); nothing
//! here is ever dropped on the caller's behalf.

use core::fmt;

use ferrozmq_msg::Multipart;

/// Why [`PipeWriter::try_send`](crate::PipeWriter::try_send) did not queue a
/// message; the message comes back inside.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrySendError<T = Multipart> {
    /// The pipe holds its capacity (the high-water mark) in messages. The
    /// writer's signal will be notified once the reader takes one, or goes.
    Full(T),
    /// The reader is gone; nothing sent now would be read.
    Disconnected(T),
}

/// Why [`PipeWriter::send_timeout`](crate::PipeWriter::send_timeout) did not
/// queue a message; the message comes back inside.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendTimeoutError<T = Multipart> {
    /// The pipe stayed full until the deadline.
    Timeout(T),
    /// The reader is gone; nothing sent now would be read.
    Disconnected(T),
}

/// Why [`PipeReader::try_recv`](crate::PipeReader::try_recv) returned no
/// message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TryRecvError {
    /// No message now. The reader's signal will be notified after the
    /// writer's next send, or when it goes.
    Empty,
    /// The writer is gone and every message it sent has been received.
    Disconnected,
}

/// Why [`PipeReader::recv_timeout`](crate::PipeReader::recv_timeout) returned
/// no message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecvTimeoutError {
    /// No message arrived before the deadline.
    Timeout,
    /// The writer is gone and every message it sent has been received.
    Disconnected,
}

impl<T> TrySendError<T> {
    /// The same error around `f` of the message.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> TrySendError<U> {
        match self {
            Self::Full(msg) => TrySendError::Full(f(msg)),
            Self::Disconnected(msg) => TrySendError::Disconnected(f(msg)),
        }
    }

    /// The message that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(msg) | Self::Disconnected(msg) => msg,
        }
    }

    /// Whether the pipe was full.
    pub fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }

    /// Whether the reader is gone.
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Self::Disconnected(_))
    }
}

impl<T> SendTimeoutError<T> {
    /// The message that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            Self::Timeout(msg) | Self::Disconnected(msg) => msg,
        }
    }

    /// Whether the deadline passed.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }

    /// Whether the reader is gone.
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Self::Disconnected(_))
    }
}

// The message is left out of `Debug`, as crossbeam does: it may be large, and
// an error report is not the place for its bytes.
impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Disconnected(_) => f.write_str("Disconnected(..)"),
        }
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout(_) => f.write_str("Timeout(..)"),
            Self::Disconnected(_) => f.write_str("Disconnected(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "sending on a full pipe",
            Self::Disconnected(_) => "sending on a pipe whose reader is gone",
        })
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout(_) => "timed out sending on a full pipe",
            Self::Disconnected(_) => "sending on a pipe whose reader is gone",
        })
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "receiving on an empty pipe",
            Self::Disconnected => "receiving on an empty pipe whose writer is gone",
        })
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout => "timed out receiving on an empty pipe",
            Self::Disconnected => "receiving on an empty pipe whose writer is gone",
        })
    }
}

impl<T> std::error::Error for TrySendError<T> {}
impl<T> std::error::Error for SendTimeoutError<T> {}
impl std::error::Error for TryRecvError {}
impl std::error::Error for RecvTimeoutError {}

impl<T> From<TrySendError<T>> for SendTimeoutError<T> {
    /// `Full` becomes `Timeout`: a send that gave up waiting.
    fn from(e: TrySendError<T>) -> Self {
        match e {
            TrySendError::Full(msg) => Self::Timeout(msg),
            TrySendError::Disconnected(msg) => Self::Disconnected(msg),
        }
    }
}

impl From<TryRecvError> for RecvTimeoutError {
    /// `Empty` becomes `Timeout`: a receive that gave up waiting.
    fn from(e: TryRecvError) -> Self {
        match e {
            TryRecvError::Empty => Self::Timeout,
            TryRecvError::Disconnected => Self::Disconnected,
        }
    }
}
