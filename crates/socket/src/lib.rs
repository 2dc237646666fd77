//! Contexts, I/O threads, transports and socket patterns.
//!
//! Under construction. This crate will hold `Context`, the mio I/O threads, the tcp,
//! ipc and inproc transports, the pipes between sockets and sessions, and the
//! socket patterns. Today it holds the pipes: [`pipe`] and its two ends,
//! and the [`Signal`]s that wake them.

mod pipe;
mod signal;
mod sync;

pub use pipe::{
    PipeReader, PipeWriter, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError, pipe,
};
pub use signal::{Parker, Signal};
