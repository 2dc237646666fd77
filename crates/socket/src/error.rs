//! The socket layer's errors, one type per operation family, each mapping to
//! the errno name libzmq would set for the same failure: [`BindError`],
//! [`ConnectError`], [`UnbindError`], [`DisconnectError`], [`SendError`]
//! (which hands the message back) and [`RecvError`], plus [`Error`], into
//! which all of them convert for `?`. Endpoint, option and socket-creation
//! errors live beside what they check:
//! [`EndpointError`](crate::EndpointError),
//! [`OptionError`](crate::OptionError), `SocketError` (from
//! `Context::socket`).
//!
//! This module only defines the errors; the sockets and transports decide
//! when each happens. An I/O error stays the [`source`](std::error::Error::source)
//! of the error that wraps it, never flattened into a string. The table of
//! libzmq errno names is on [`Error`].

// A failed send hands the message back by value (as crossbeam's
// `TrySendError` does), and a `Multipart` is large; boxing it would put an
// allocation on every refused send (see `pipe.rs`).
#![allow(clippy::result_large_err)]

use core::fmt;
use std::io;

use ferrozmq_msg::Msg;
use ferrozmq_wire::SocketType;

#[cfg(not(loom))]
use crate::context::SocketError;
use crate::endpoint::{Endpoint, EndpointError};
use crate::options::{OptionError, SecurityError};

/// Why `bind` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BindError {
    /// The endpoint string is malformed, or not one to bind (a tcp source
    /// address). `EINVAL`, `EPROTONOSUPPORT` or `ENAMETOOLONG`, as the inner
    /// error says.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// Something is already bound there: a tcp port, an abstract ipc name, or
    /// an inproc name in this context (which has no OS error). `EADDRINUSE`.
    #[error("cannot bind {endpoint}: address already in use")]
    AddrInUse {
        /// The endpoint.
        endpoint: Endpoint,
        /// The OS error; `None` for inproc.
        #[source]
        source: Option<io::Error>,
    },
    /// The tcp address is not one of this host's. `EADDRNOTAVAIL`.
    #[error("cannot bind {endpoint}: address not available on this host")]
    AddrNotAvailable {
        /// The endpoint.
        endpoint: Endpoint,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The tcp host is a name that is not a local interface (libzmq does not
    /// look names up in DNS to bind). `ENODEV`.
    #[error("cannot bind {endpoint}: no such interface")]
    NoDevice {
        /// The endpoint.
        endpoint: Endpoint,
    },
    /// Any other OS error: a missing directory for an ipc path (`ENOENT`),
    /// a privileged port (`EACCES`), and so on. The errno name comes from the
    /// error's [`io::ErrorKind`].
    #[error("cannot bind {endpoint}")]
    Io {
        /// The endpoint.
        endpoint: Endpoint,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The context has no I/O thread to serve a tcp or ipc endpoint.
    /// `EMTHREAD`.
    #[error("cannot bind {endpoint}: the context has no I/O thread")]
    NoIoThread {
        /// The endpoint.
        endpoint: Endpoint,
    },
    /// The context was terminated. `ETERM`.
    #[error("cannot bind: the context was terminated")]
    Terminated,
    /// The security options cannot serve a connection (a CURVE server
    /// without its secret key). `EINVAL`.
    #[error("cannot bind: {0}")]
    Security(#[from] SecurityError),
}

impl BindError {
    /// Wraps an OS error from binding `endpoint`, as
    /// [`AddrInUse`](Self::AddrInUse) or
    /// [`AddrNotAvailable`](Self::AddrNotAvailable) when its kind says so,
    /// else as [`Io`](Self::Io).
    pub fn io(endpoint: Endpoint, source: io::Error) -> Self {
        match source.kind() {
            io::ErrorKind::AddrInUse => Self::AddrInUse {
                endpoint,
                source: Some(source),
            },
            io::ErrorKind::AddrNotAvailable => Self::AddrNotAvailable { endpoint, source },
            _ => Self::Io { endpoint, source },
        }
    }

    /// The libzmq errno name (see the table on [`Error`]).
    pub fn errno_name(&self) -> &'static str {
        match self {
            Self::Endpoint(e) => e.errno_name(),
            Self::AddrInUse { .. } => "EADDRINUSE",
            Self::AddrNotAvailable { .. } => "EADDRNOTAVAIL",
            Self::NoDevice { .. } => "ENODEV",
            Self::Io { source, .. } => io_errno_name(source),
            Self::NoIoThread { .. } => "EMTHREAD",
            Self::Terminated => "ETERM",
            Self::Security(e) => e.errno_name(),
        }
    }
}

/// Why `connect` failed.
///
/// Only what can be known at once: as in libzmq, the connection itself is
/// made in the background and retried, so a refused or unreachable peer is
/// not an error here.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The endpoint string is malformed, or not one to connect to (a wild
    /// card). `EINVAL`, `EPROTONOSUPPORT` or `ENAMETOOLONG`, as the inner
    /// error says.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// The socket bound at this inproc endpoint is of a type this one cannot
    /// talk to (RFC 37 §The Socket-Type Property). Over tcp and ipc the
    /// handshake refuses such a peer later instead. `ENOCOMPATPROTO`.
    #[error("cannot connect {local} to {endpoint}: the {peer} socket there is not compatible")]
    IncompatibleSocketType {
        /// The endpoint.
        endpoint: Endpoint,
        /// This socket's type.
        local: SocketType,
        /// The bound socket's type.
        peer: SocketType,
    },
    /// The context has no I/O thread to serve a tcp or ipc endpoint.
    /// `EMTHREAD`.
    #[error("cannot connect to {endpoint}: the context has no I/O thread")]
    NoIoThread {
        /// The endpoint.
        endpoint: Endpoint,
    },
    /// The context was terminated. `ETERM`.
    #[error("cannot connect: the context was terminated")]
    Terminated,
    /// The security options cannot make a connection (a CURVE client
    /// without its three keys). `EINVAL`.
    #[error("cannot connect: {0}")]
    Security(#[from] SecurityError),
}

impl ConnectError {
    /// The libzmq errno name (see the table on [`Error`]).
    pub fn errno_name(&self) -> &'static str {
        match self {
            Self::Endpoint(e) => e.errno_name(),
            Self::IncompatibleSocketType { .. } => "ENOCOMPATPROTO",
            Self::NoIoThread { .. } => "EMTHREAD",
            Self::Terminated => "ETERM",
            Self::Security(e) => e.errno_name(),
        }
    }
}

/// Why `unbind` failed.
///
/// As libzmq's `zmq_unbind`, the endpoint is the one given to `bind` or the
/// concrete one `last_endpoint` printed for a wild-card bind.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnbindError {
    /// The endpoint string is malformed. `EINVAL`, or `EPROTONOSUPPORT` or
    /// `ENAMETOOLONG` as the inner error says.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// The socket is not bound at this endpoint. `ENOENT`.
    #[error("cannot unbind {endpoint}: the socket is not bound there")]
    NotFound {
        /// The endpoint, as given.
        endpoint: String,
    },
}

impl UnbindError {
    /// The libzmq errno name (see the table on [`Error`]).
    pub fn errno_name(&self) -> &'static str {
        match self {
            Self::Endpoint(e) => e.errno_name(),
            Self::NotFound { .. } => "ENOENT",
        }
    }
}

/// Why `disconnect` failed.
///
/// As libzmq's `zmq_disconnect`, the endpoint is the one given to `connect`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DisconnectError {
    /// The endpoint string is malformed. `EINVAL`, or `EPROTONOSUPPORT` or
    /// `ENAMETOOLONG` as the inner error says.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// The socket is not connected to this endpoint. `ENOENT`.
    #[error("cannot disconnect from {endpoint}: the socket is not connected there")]
    NotFound {
        /// The endpoint, as given.
        endpoint: String,
    },
}

impl DisconnectError {
    /// The libzmq errno name (see the table on [`Error`]).
    pub fn errno_name(&self) -> &'static str {
        match self {
            Self::Endpoint(e) => e.errno_name(),
            Self::NotFound { .. } => "ENOENT",
        }
    }
}

/// Why a send did not take the message; the message comes back inside,
/// untouched.
///
/// `M` is what was sent: a [`Msg`] (the default) from `send`/`try_send`,
/// a [`Multipart`](ferrozmq_msg::Multipart) from `send_multipart`. Get it
/// back with [`into_inner`](Self::into_inner). [`Error`] holds a
/// `SendError<()>`: the kind without the message.
///
/// The blocking and non-blocking sends share this type: the two differ
/// only in [`WouldBlock`](Self::WouldBlock) versus
/// [`Timeout`](Self::Timeout), which libzmq reports alike (`EAGAIN`).
/// (The crate's pipe-level `TrySendError` is a different, lower-level type.)
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError<M = Msg> {
    /// No peer could take the message now: no peer yet (REQ, PUSH, DEALER),
    /// or all at their high-water mark; returned without waiting by a
    /// non-blocking send, or with `ZMQ_SNDTIMEO` = 0. `EAGAIN`.
    #[error("no peer can take the message now")]
    WouldBlock(M),
    /// As [`WouldBlock`](Self::WouldBlock), after waiting `ZMQ_SNDTIMEO`.
    /// `EAGAIN` (libzmq has no separate timeout errno).
    #[error("no peer took the message before the send timeout")]
    Timeout(M),
    /// The socket's state machine forbids a send now: a REQ awaiting its
    /// reply (without `ZMQ_REQ_RELAXED`), a REP that has no request to
    /// answer. `EFSM`.
    #[error("the socket cannot send in its current state")]
    State(M),
    /// This socket type never sends (SUB, PULL). `ENOTSUP`.
    #[error("this socket type cannot send")]
    NotSupported(M),
    /// ROUTER with `ZMQ_ROUTER_MANDATORY`: no connected peer has the routing
    /// id in the first frame. `EHOSTUNREACH`.
    #[error("no peer with this routing id")]
    HostUnreachable(M),
    /// The context was terminated. `ETERM`.
    #[error("the context was terminated")]
    Terminated(M),
}

impl<M> SendError<M> {
    /// The message that was not sent.
    pub fn into_inner(self) -> M {
        match self {
            Self::WouldBlock(m)
            | Self::Timeout(m)
            | Self::State(m)
            | Self::NotSupported(m)
            | Self::HostUnreachable(m)
            | Self::Terminated(m) => m,
        }
    }

    /// The message that was not sent, borrowed.
    pub fn message(&self) -> &M {
        match self {
            Self::WouldBlock(m)
            | Self::Timeout(m)
            | Self::State(m)
            | Self::NotSupported(m)
            | Self::HostUnreachable(m)
            | Self::Terminated(m) => m,
        }
    }

    /// The same error around `f(message)`; `map(drop)` keeps only the kind.
    pub fn map<N>(self, f: impl FnOnce(M) -> N) -> SendError<N> {
        match self {
            Self::WouldBlock(m) => SendError::WouldBlock(f(m)),
            Self::Timeout(m) => SendError::Timeout(f(m)),
            Self::State(m) => SendError::State(f(m)),
            Self::NotSupported(m) => SendError::NotSupported(f(m)),
            Self::HostUnreachable(m) => SendError::HostUnreachable(f(m)),
            Self::Terminated(m) => SendError::Terminated(f(m)),
        }
    }

    /// Whether a retry may succeed later ([`WouldBlock`](Self::WouldBlock) or
    /// [`Timeout`](Self::Timeout), libzmq's `EAGAIN`).
    pub fn is_again(&self) -> bool {
        matches!(self, Self::WouldBlock(_) | Self::Timeout(_))
    }

    /// The libzmq errno name (see the table on [`Error`]).
    pub fn errno_name(&self) -> &'static str {
        match self {
            Self::WouldBlock(_) | Self::Timeout(_) => "EAGAIN",
            Self::State(_) => "EFSM",
            Self::NotSupported(_) => "ENOTSUP",
            Self::HostUnreachable(_) => "EHOSTUNREACH",
            Self::Terminated(_) => "ETERM",
        }
    }
}

// The message is left out of `Debug`, as crossbeam and our pipes do: it may
// be large, and an error report is not the place for its bytes.
impl<M> fmt::Debug for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::WouldBlock(_) => "WouldBlock(..)",
            Self::Timeout(_) => "Timeout(..)",
            Self::State(_) => "State(..)",
            Self::NotSupported(_) => "NotSupported(..)",
            Self::HostUnreachable(_) => "HostUnreachable(..)",
            Self::Terminated(_) => "Terminated(..)",
        })
    }
}

/// Why a receive returned no message.
///
/// The blocking and non-blocking receives share this type, as for
/// [`SendError`]. (The crate's pipe-level `TryRecvError` is a different,
/// lower-level type.)
///
/// It is eight bytes wide (`repr(u64)`) so that a `Result<Multipart,
/// RecvError>` keeps its error on an aligned word: with a one-byte error
/// the compiler moved every receive result through the layers as one byte
/// and 95 bytes at odd offsets, and each of those moves stalled on the
/// stores just before it (9 % of a 64-byte stream's receiving process).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[repr(u64)]
#[non_exhaustive]
pub enum RecvError {
    /// No message now; returned without waiting by a non-blocking receive,
    /// or with `ZMQ_RCVTIMEO` = 0. `EAGAIN`.
    #[error("no message to receive now")]
    WouldBlock,
    /// No message arrived within `ZMQ_RCVTIMEO`. `EAGAIN` (libzmq has no
    /// separate timeout errno).
    #[error("no message arrived before the receive timeout")]
    Timeout,
    /// The socket's state machine forbids a receive now: a REQ that has not
    /// sent its request, a REP that has not sent its reply. `EFSM`.
    #[error("the socket cannot receive in its current state")]
    State,
    /// This socket type never receives (PUB, PUSH). `ENOTSUP`.
    #[error("this socket type cannot receive")]
    NotSupported,
    /// The context was terminated. `ETERM`.
    #[error("the context was terminated")]
    Terminated,
}

impl RecvError {
    /// Whether a retry may succeed later ([`WouldBlock`](Self::WouldBlock) or
    /// [`Timeout`](Self::Timeout), libzmq's `EAGAIN`).
    pub fn is_again(&self) -> bool {
        matches!(self, Self::WouldBlock | Self::Timeout)
    }

    /// The libzmq errno name (see the table on [`Error`]).
    pub fn errno_name(&self) -> &'static str {
        match self {
            Self::WouldBlock | Self::Timeout => "EAGAIN",
            Self::State => "EFSM",
            Self::NotSupported => "ENOTSUP",
            Self::Terminated => "ETERM",
        }
    }
}

/// Any socket-layer error, for code that uses `?` across operations. A send
/// error loses its message on the way in (it becomes a `SendError<()>`);
/// match on the [`SendError`] itself to get the message back.
///
/// # libzmq errno names
///
/// Each type has `errno_name()`. The table gives every libzmq errno a
/// ferrozmq socket call can produce, and the few it cannot:
///
/// | errno | libzmq meaning | here |
/// | --- | --- | --- |
/// | `EAGAIN` | non-blocking call would block; `ZMQ_SNDTIMEO`/`ZMQ_RCVTIMEO` expired (libzmq has no `ETIMEDOUT` for these) | [`SendError::WouldBlock`], [`SendError::Timeout`], [`RecvError::WouldBlock`], [`RecvError::Timeout`] |
/// | `EFSM` | operation out of order for the socket's state machine (REQ/REP alternation) | [`SendError::State`], [`RecvError::State`] |
/// | `ENOTSUP` | socket type cannot do that (send on SUB/PULL, receive on PUB/PUSH) | [`SendError::NotSupported`], [`RecvError::NotSupported`] |
/// | `EHOSTUNREACH` | ROUTER with `ZMQ_ROUTER_MANDATORY`: no peer with that routing id | [`SendError::HostUnreachable`] |
/// | `ETERM` | the context was terminated | `Terminated` in every type |
/// | `EMTHREAD` | no I/O thread for a tcp/ipc bind or connect | [`BindError::NoIoThread`], [`ConnectError::NoIoThread`] |
/// | `EADDRINUSE` | tcp port, abstract ipc name or inproc name already bound | [`BindError::AddrInUse`] |
/// | `EADDRNOTAVAIL` | bind address is not local | [`BindError::AddrNotAvailable`] |
/// | `ENODEV` | bind host is neither an address nor an interface name | [`BindError::NoDevice`] |
/// | `ENOENT` | not bound, or not connected, at that endpoint | [`UnbindError::NotFound`], [`DisconnectError::NotFound`] |
/// | `ENOENT`, `EACCES`, `ECONNREFUSED`, … | other OS errors of a bind, passed through | [`BindError::Io`], named from [`io::ErrorKind`] (`EIO` if none fits) |
/// | `EPROTONOSUPPORT` | unknown transport | [`EndpointError::UnsupportedTransport`](crate::EndpointError::UnsupportedTransport) |
/// | `ENAMETOOLONG` | ipc path too long | [`EndpointError::PathTooLong`](crate::EndpointError::PathTooLong) |
/// | `EINVAL` | malformed endpoint, bad option value or one that does not apply to the socket type, unknown socket type | other [`EndpointError`](crate::EndpointError)s, every [`OptionError`](crate::OptionError), `SocketError::Unsupported` |
/// | `ENOCOMPATPROTO` | endpoint incompatible with the socket | [`ConnectError::IncompatibleSocketType`] (inproc: the bound peer's type is known at once) |
/// | `ENOTSOCK` | the socket was closed | — : not produced; a closed (dropped) Rust socket cannot be called |
/// | `EMSGSIZE` | message too large for the call | — : a peer over `ZMQ_MAXMSGSIZE` is disconnected, as in libzmq; no call fails |
/// | `EINTR` | a signal interrupted a blocking call | — : not produced |
///
/// `ECONNREFUSED` and the like never come out of `connect`: as in libzmq,
/// connecting is asynchronous and retried every `ZMQ_RECONNECT_IVL`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An endpoint that did not parse.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// A setting that was refused.
    #[error(transparent)]
    Option(#[from] OptionError),
    /// A failed bind.
    #[error(transparent)]
    Bind(#[from] BindError),
    /// A failed connect.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// A failed unbind.
    #[error(transparent)]
    Unbind(#[from] UnbindError),
    /// A failed disconnect.
    #[error(transparent)]
    Disconnect(#[from] DisconnectError),
    /// A socket the context could not make.
    #[cfg(not(loom))]
    #[error(transparent)]
    Socket(#[from] SocketError),
    /// A failed send, without its message.
    #[error(transparent)]
    Send(SendError<()>),
    /// A failed receive.
    #[error(transparent)]
    Recv(#[from] RecvError),
}

impl Error {
    /// The libzmq errno name of the inner error.
    pub fn errno_name(&self) -> &'static str {
        match self {
            Self::Endpoint(e) => e.errno_name(),
            Self::Option(e) => e.errno_name(),
            Self::Bind(e) => e.errno_name(),
            Self::Connect(e) => e.errno_name(),
            Self::Unbind(e) => e.errno_name(),
            Self::Disconnect(e) => e.errno_name(),
            #[cfg(not(loom))]
            Self::Socket(e) => e.errno_name(),
            Self::Send(e) => e.errno_name(),
            Self::Recv(e) => e.errno_name(),
        }
    }
}

impl<M> From<SendError<M>> for Error {
    /// Keeps the kind and drops the message.
    fn from(e: SendError<M>) -> Self {
        Self::Send(e.map(drop))
    }
}

/// The errno name for an OS error, from its kind (std does not expose the
/// errno itself portably). `EIO` when no kind fits.
fn io_errno_name(e: &io::Error) -> &'static str {
    use io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "ENOENT",
        K::PermissionDenied => "EACCES",
        K::ConnectionRefused => "ECONNREFUSED",
        K::ConnectionReset => "ECONNRESET",
        K::HostUnreachable => "EHOSTUNREACH",
        K::NetworkUnreachable => "ENETUNREACH",
        K::AddrInUse => "EADDRINUSE",
        K::AddrNotAvailable => "EADDRNOTAVAIL",
        K::NetworkDown => "ENETDOWN",
        K::AlreadyExists => "EEXIST",
        K::WouldBlock => "EAGAIN",
        K::NotADirectory => "ENOTDIR",
        K::ReadOnlyFilesystem => "EROFS",
        K::InvalidInput => "EINVAL",
        K::InvalidFilename => "ENAMETOOLONG",
        K::TimedOut => "ETIMEDOUT",
        K::Interrupted => "EINTR",
        K::Unsupported => "ENOTSUP",
        K::OutOfMemory => "ENOMEM",
        _ => "EIO",
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use ferrozmq_msg::Multipart;

    use super::*;

    fn endpoint(s: &str) -> Endpoint {
        s.parse().unwrap()
    }

    fn every_send_error<M: Clone>(m: M) -> [SendError<M>; 6] {
        [
            SendError::WouldBlock(m.clone()),
            SendError::Timeout(m.clone()),
            SendError::State(m.clone()),
            SendError::NotSupported(m.clone()),
            SendError::HostUnreachable(m.clone()),
            SendError::Terminated(m),
        ]
    }

    #[test]
    fn send_errors_hand_the_msg_back_intact() {
        let big = vec![7u8; 1 << 20];
        let msg = Msg::from(big);
        let ptr = msg.as_ptr();
        for e in every_send_error(msg) {
            assert_eq!(e.message().as_ptr(), ptr);
            let back = e.into_inner();
            // The very same body: not copied, not truncated.
            assert_eq!(back.as_ptr(), ptr);
            assert_eq!(back.len(), 1 << 20);
            assert!(back.iter().all(|&b| b == 7));
        }
    }

    #[test]
    fn send_errors_hand_the_multipart_back_intact() {
        let parts = Multipart::from([
            Msg::from_static(b"topic"),
            Msg::copy_from_slice(b""),
            Msg::from(vec![1u8; 100_000]),
        ]);
        let body = parts[2].as_ptr();
        for e in every_send_error(parts.clone()) {
            let back = e.into_inner();
            assert_eq!(back, parts);
            assert_eq!(back.len(), 3, "boundaries kept");
            assert_eq!(back[0].as_slice(), b"topic");
            assert!(back[1].is_empty());
            assert_eq!(back[2].as_ptr(), body, "shared, not copied");
        }
    }

    #[test]
    fn send_error_map_keeps_the_kind() {
        for e in every_send_error(Msg::from_static(b"x")) {
            let name = e.errno_name();
            let debug = format!("{e:?}");
            let display = e.to_string();
            let kind = e.map(drop);
            assert_eq!(kind.errno_name(), name);
            assert_eq!(format!("{kind:?}"), debug);
            assert_eq!(kind.to_string(), display);
        }
        let e = SendError::Timeout(Msg::from_static(b"abc")).map(|m| m.len());
        assert_eq!(e, SendError::Timeout(3));
    }

    #[test]
    fn send_error_debug_hides_the_message() {
        let e = SendError::WouldBlock(Msg::from_static(b"secret payload"));
        assert_eq!(format!("{e:?}"), "WouldBlock(..)");
        assert!(!e.to_string().contains("secret"));
    }

    #[test]
    fn send_errno_names() {
        let names: Vec<_> = every_send_error(())
            .iter()
            .map(SendError::errno_name)
            .collect();
        assert_eq!(
            names,
            [
                "EAGAIN",
                "EAGAIN",
                "EFSM",
                "ENOTSUP",
                "EHOSTUNREACH",
                "ETERM"
            ]
        );
        let again: Vec<_> = every_send_error(())
            .iter()
            .map(SendError::is_again)
            .collect();
        assert_eq!(again, [true, true, false, false, false, false]);
    }

    #[test]
    fn recv_errno_names() {
        use RecvError as R;
        let all = [
            R::WouldBlock,
            R::Timeout,
            R::State,
            R::NotSupported,
            R::Terminated,
        ];
        let names: Vec<_> = all.iter().map(R::errno_name).collect();
        assert_eq!(names, ["EAGAIN", "EAGAIN", "EFSM", "ENOTSUP", "ETERM"]);
        let again: Vec<_> = all.iter().map(R::is_again).collect();
        assert_eq!(again, [true, true, false, false, false]);
    }

    #[test]
    fn bind_errno_names() {
        let ep = || endpoint("tcp://127.0.0.1:5555");
        let io = |k: io::ErrorKind| io::Error::new(k, "os said no");
        let cases: Vec<(BindError, &str)> = vec![
            (
                Endpoint::parse_bind("tcp://h:1;h:2").unwrap_err().into(),
                "EINVAL",
            ),
            (
                EndpointError::UnsupportedTransport {
                    transport: "pgm".into(),
                }
                .into(),
                "EPROTONOSUPPORT",
            ),
            (
                EndpointError::PathTooLong { len: 200, max: 107 }.into(),
                "ENAMETOOLONG",
            ),
            (
                BindError::io(ep(), io(io::ErrorKind::AddrInUse)),
                "EADDRINUSE",
            ),
            (
                BindError::AddrInUse {
                    endpoint: endpoint("inproc://x"),
                    source: None,
                },
                "EADDRINUSE",
            ),
            (
                BindError::io(ep(), io(io::ErrorKind::AddrNotAvailable)),
                "EADDRNOTAVAIL",
            ),
            (BindError::NoDevice { endpoint: ep() }, "ENODEV"),
            (BindError::io(ep(), io(io::ErrorKind::NotFound)), "ENOENT"),
            (
                BindError::io(ep(), io(io::ErrorKind::PermissionDenied)),
                "EACCES",
            ),
            (
                BindError::io(ep(), io(io::ErrorKind::InvalidFilename)),
                "ENAMETOOLONG",
            ),
            (BindError::io(ep(), io(io::ErrorKind::Other)), "EIO"),
            (BindError::NoIoThread { endpoint: ep() }, "EMTHREAD"),
            (BindError::Terminated, "ETERM"),
        ];
        for (e, name) in cases {
            assert_eq!(e.errno_name(), name, "{e:?}");
        }
    }

    #[test]
    fn bind_io_classifies_by_kind() {
        let ep = endpoint("tcp://127.0.0.1:5555");
        let e = BindError::io(ep.clone(), io::ErrorKind::AddrInUse.into());
        assert!(matches!(
            e,
            BindError::AddrInUse {
                source: Some(_),
                ..
            }
        ));
        let e = BindError::io(ep.clone(), io::ErrorKind::AddrNotAvailable.into());
        assert!(matches!(e, BindError::AddrNotAvailable { .. }));
        let e = BindError::io(ep, io::ErrorKind::NotFound.into());
        assert!(matches!(e, BindError::Io { .. }));
    }

    #[test]
    fn io_error_stays_the_source() {
        let os = io::Error::from_raw_os_error(98); // EADDRINUSE on Linux
        let os_text = os.to_string();
        let e = BindError::io(endpoint("tcp://*:5555"), os);
        assert_eq!(
            e.to_string(),
            "cannot bind tcp://*:5555: address already in use"
        );
        let source = e.source().expect("the io::Error is the source");
        assert_eq!(source.to_string(), os_text);
        let source = source.downcast_ref::<io::Error>().unwrap();
        assert_eq!(source.raw_os_error(), Some(98));

        let e = BindError::io(
            endpoint("ipc:///nonexistent/dir/sock"),
            io::Error::new(io::ErrorKind::NotFound, "no such directory"),
        );
        assert_eq!(e.to_string(), "cannot bind ipc:///nonexistent/dir/sock");
        assert_eq!(e.source().unwrap().to_string(), "no such directory");

        // Through `Error`, the chain is the same.
        let e: Error = e.into();
        assert_eq!(e.source().unwrap().to_string(), "no such directory");
        assert_eq!(e.errno_name(), "ENOENT");

        // No OS error behind an inproc name clash.
        let e = BindError::AddrInUse {
            endpoint: endpoint("inproc://x"),
            source: None,
        };
        assert!(e.source().is_none());
    }

    #[test]
    fn connect_errno_names() {
        let ep = || endpoint("inproc://x");
        let cases: Vec<(ConnectError, &str)> = vec![
            (
                Endpoint::parse_connect("tcp://*:1").unwrap_err().into(),
                "EINVAL",
            ),
            (
                EndpointError::UnsupportedTransport {
                    transport: "udp".into(),
                }
                .into(),
                "EPROTONOSUPPORT",
            ),
            (
                ConnectError::IncompatibleSocketType {
                    endpoint: ep(),
                    local: SocketType::Req,
                    peer: SocketType::Pub,
                },
                "ENOCOMPATPROTO",
            ),
            (ConnectError::NoIoThread { endpoint: ep() }, "EMTHREAD"),
            (ConnectError::Terminated, "ETERM"),
        ];
        for (e, name) in cases {
            assert_eq!(e.errno_name(), name, "{e:?}");
        }
        let e = ConnectError::IncompatibleSocketType {
            endpoint: ep(),
            local: SocketType::Req,
            peer: SocketType::Pub,
        };
        assert_eq!(
            e.to_string(),
            "cannot connect REQ to inproc://x: the PUB socket there is not compatible"
        );
    }

    #[test]
    fn unbind_and_disconnect_errno_names_and_messages() {
        let bad = Endpoint::parse_bind("tcp://h").unwrap_err();
        let e = UnbindError::from(bad.clone());
        assert_eq!((e.errno_name(), e.to_string()), ("EINVAL", bad.to_string()));
        let e = UnbindError::from(EndpointError::UnsupportedTransport {
            transport: "pgm".into(),
        });
        assert_eq!(e.errno_name(), "EPROTONOSUPPORT");
        let e = UnbindError::NotFound {
            endpoint: "tcp://127.0.0.1:5555".into(),
        };
        assert_eq!(e.errno_name(), "ENOENT");
        assert_eq!(
            e.to_string(),
            "cannot unbind tcp://127.0.0.1:5555: the socket is not bound there"
        );

        let e = DisconnectError::from(bad.clone());
        assert_eq!((e.errno_name(), e.to_string()), ("EINVAL", bad.to_string()));
        let e = DisconnectError::NotFound {
            endpoint: "ipc:///tmp/feed".into(),
        };
        assert_eq!(e.errno_name(), "ENOENT");
        assert_eq!(
            e.to_string(),
            "cannot disconnect from ipc:///tmp/feed: the socket is not connected there"
        );
    }

    #[test]
    fn endpoint_errors_pass_through_transparently() {
        let inner = Endpoint::parse_connect("tcp://h:99999").unwrap_err();
        let e = ConnectError::from(inner.clone());
        assert_eq!(e.to_string(), inner.to_string());
        assert!(
            e.source().is_none(),
            "transparent: the inner error's own source"
        );
    }

    #[test]
    fn error_collects_every_family() {
        fn run() -> Result<(), Error> {
            Err(SendError::State(Msg::from_static(b"m")))?
        }
        let e = run().unwrap_err();
        assert!(matches!(e, Error::Send(SendError::State(()))));
        assert_eq!(e.errno_name(), "EFSM");
        assert_eq!(e.to_string(), "the socket cannot send in its current state");

        let cases: Vec<(Error, &str)> = vec![
            (
                EndpointError::EmptyAddress {
                    transport: crate::Transport::Tcp,
                }
                .into(),
                "EINVAL",
            ),
            (OptionError::RoutingIdReserved.into(), "EINVAL"),
            (BindError::Terminated.into(), "ETERM"),
            (ConnectError::Terminated.into(), "ETERM"),
            (
                SendError::HostUnreachable(Multipart::new()).into(),
                "EHOSTUNREACH",
            ),
            (RecvError::Timeout.into(), "EAGAIN"),
            (
                UnbindError::NotFound {
                    endpoint: "inproc://x".into(),
                }
                .into(),
                "ENOENT",
            ),
            (
                DisconnectError::NotFound {
                    endpoint: "inproc://x".into(),
                }
                .into(),
                "ENOENT",
            ),
            (
                DisconnectError::from(EndpointError::PathTooLong { len: 200, max: 107 }).into(),
                "ENAMETOOLONG",
            ),
        ];
        for (e, name) in cases {
            assert_eq!(e.errno_name(), name, "{e:?}");
        }
    }

    // The context, and so `SocketError`, is not built under loom.
    #[cfg(not(loom))]
    #[test]
    fn socket_errors_convert_into_error() {
        fn run() -> Result<(), Error> {
            Err(SocketError::Unsupported(SocketType::Dealer))?
        }
        let e = run().unwrap_err();
        assert!(matches!(
            e,
            Error::Socket(SocketError::Unsupported(SocketType::Dealer))
        ));
        assert_eq!(e.errno_name(), "EINVAL");
        assert_eq!(e.to_string(), "socket type Dealer is not supported yet");
        fn check<T: std::error::Error + Send + Sync + 'static>() {}
        check::<SocketError>();
    }

    #[test]
    fn errors_are_send_sync_static() {
        fn check<T: std::error::Error + Send + Sync + 'static>() {}
        check::<BindError>();
        check::<ConnectError>();
        check::<UnbindError>();
        check::<DisconnectError>();
        check::<SendError>();
        check::<SendError<Multipart>>();
        check::<RecvError>();
        check::<Error>();
        check::<EndpointError>();
        check::<OptionError>();
    }
}
