//! Contexts, I/O threads, transports and socket patterns.
//!
//! [`Context`] owns the mio I/O threads; [`Socket`]s made from it bind and
//! connect over tcp, ipc and inproc as any of the eleven ZeroMQ socket
//! types (the `pattern` module, built from the routing strategies of the
//! `strategy` module). Under them: the pipes: [`pipe`] and its two ends,
//! and the [`Signal`]s that wake them; the [`Endpoint`] strings sockets bind
//! and connect to; the socket [`Options`] with libzmq's defaults; and the
//! socket-level errors ([`BindError`], [`ConnectError`], [`SendError`],
//! [`RecvError`], [`Error`]), each naming its libzmq errno; and the socket
//! monitor ([`SocketMonitor`], from [`Socket::monitor`]): each listener and
//! connection event, a dropped connection with its typed [`SessionError`].
//!
//! Security: the PLAIN and CURVE options ([`SocketOption::PlainServer`] and
//! the variants after it, with [`CurveKey`]) pick each new tcp or ipc
//! connection's mechanism by libzmq's rules; a server (or a NULL socket with
//! a ZAP domain) asks the ZAP handler bound at [`ZAP_ENDPOINT`] in its
//! context (RFC 27) through a pipe pair of the session's own, so the I/O
//! thread never waits for it. Refusals are
//! [`SocketEventKind::HandshakeFailedAuth`]; a handler's user id comes with
//! [`SocketEventKind::HandshakeSucceeded`].
//!
//! Message properties (libzmq's `zmq_msg_gets`): the peer a received
//! message came from is known by its [`PeerProperties`] (`User-Id` from
//! the ZAP handler, `Peer-Address`, `Socket-Type`, `Identity`, the
//! application metadata of its READY), from
//! [`Socket::recv_multipart_with_properties`] or, after any receive,
//! [`Socket::peer_properties`]. They stay with the peer, so a receive
//! costs nothing more for them.

#[cfg(not(loom))]
mod authenticator;
#[cfg(not(loom))]
mod context;
mod endpoint;
mod error;
#[cfg(not(loom))]
mod inproc;
// The I/O thread, sessions and stream transports: crate-private.
#[cfg(not(loom))]
mod io_thread;
mod live;
#[cfg(not(loom))]
mod monitor;
mod options;
// The socket types, one file each.
#[cfg(not(loom))]
mod pattern;
// The loom models of per-peer activation see the peer module alone.
#[cfg(not(loom))]
mod async_socket;
#[cfg(loom)]
#[path = "socket/peer.rs"]
mod peer;
mod pipe;
#[cfg(not(loom))]
mod poll;
mod properties;
#[cfg(not(loom))]
mod proxy;
mod readiness;
#[cfg(not(loom))]
mod session;
mod signal;
#[cfg(not(loom))]
mod socket;
// Load balance, fair queue, distribute, the tries, the routing table.
#[cfg(not(loom))]
mod strategy;
mod sync;
#[cfg(not(loom))]
mod sys;
#[cfg(not(loom))]
mod transport;
#[cfg(not(loom))]
mod zap;

#[cfg(not(loom))]
pub use context::{Context, SocketError};

#[cfg(not(loom))]
pub use async_socket::{
    AsyncSocket, RecvFuture, RecvMultipartFuture, SendFuture, SendMultipartFuture,
};
#[cfg(not(loom))]
pub use authenticator::{Authenticator, AuthenticatorError, CurveKeys};
pub use endpoint::{
    Endpoint, EndpointError, Host, IPC_PATH_MAX, InprocEndpoint, IpcEndpoint, Port, TcpAddress,
    TcpEndpoint, Transport,
};
pub use error::{
    BindError, ConnectError, DisconnectError, Error, RecvError, SendError, UnbindError,
};
/// The socket types, from `ferrozmq-wire`.
pub use ferrozmq_wire::SocketType;
/// The wire layer's typed errors, which [`SessionError::Protocol`] carries
/// when a peer breaks ZMTP or a timer expires (from `ferrozmq-wire`).
pub use ferrozmq_wire::{
    CommandError, ConnectionError, FrameError, GreetingError, HandshakeError, MetadataError,
};
/// CURVE keys (RFC 26) for the `Curve*Key` options, from `ferrozmq-wire`.
pub use ferrozmq_wire::{CurveKey, CurveKeyPair, KeyError};
#[cfg(not(loom))]
pub use monitor::{MONITOR_CAPACITY, SessionError, SocketEvent, SocketEventKind, SocketMonitor};
pub use options::{
    MAX_DURATION, MAX_HEARTBEAT_TTL, MIN_HEARTBEAT_TTL, OptionError, Options, RoutingId,
    SecurityError, SecurityMechanism, SocketOption,
};
pub use pipe::{
    PipeReader, PipeWriter, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError, pipe,
};
#[cfg(not(loom))]
pub use poll::{PollError, PollEvents, PollItem, Poller, PollerEvent, poll};
pub use properties::PeerProperties;
#[cfg(not(loom))]
pub use proxy::{BURST as PROXY_BURST, ProxyError, ProxySideStats, proxy, proxy_steerable};
pub use signal::{Parker, Signal};
#[cfg(not(loom))]
pub use socket::{SendFlags, Socket};
#[cfg(not(loom))]
pub use zap::{ZAP_ENDPOINT, ZapError};
