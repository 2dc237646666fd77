//! Contexts, I/O threads, transports and socket patterns.
//!
//! Under construction. This crate will hold `Context`, the mio I/O threads, the tcp,
//! ipc and inproc transports, the pipes between sockets and sessions, and the
//! socket patterns. Today it holds the pipes: [`pipe`] and its two ends,
//! and the [`Signal`]s that wake them; the [`Endpoint`] strings sockets bind
//! and connect to; the socket [`Options`] with libzmq's defaults; and the
//! socket-level errors ([`BindError`], [`ConnectError`], [`SendError`],
//! [`RecvError`], [`Error`]), each naming its libzmq errno.

mod endpoint;
mod error;
// The I/O thread, sessions and stream transports: crate-private until the
// sockets that use them exist.
#[cfg(not(loom))]
#[allow(dead_code, reason = "used by the sockets, which do not exist yet")]
mod io_thread;
mod options;
mod pipe;
#[cfg(not(loom))]
#[allow(dead_code, reason = "used by the sockets, which do not exist yet")]
mod session;
mod signal;
mod sync;
#[cfg(not(loom))]
mod sys;
#[cfg(not(loom))]
#[allow(dead_code, reason = "used by the sockets, which do not exist yet")]
mod transport;

pub use endpoint::{
    Endpoint, EndpointError, Host, IPC_PATH_MAX, InprocEndpoint, IpcEndpoint, Port, TcpAddress,
    TcpEndpoint, Transport,
};
pub use error::{BindError, ConnectError, Error, RecvError, SendError};
pub use options::{
    MAX_DURATION, MAX_HEARTBEAT_TTL, MIN_HEARTBEAT_TTL, OptionError, Options, RoutingId,
    SocketOption,
};
pub use pipe::{
    PipeReader, PipeWriter, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError, pipe,
};
pub use signal::{Parker, Signal};
