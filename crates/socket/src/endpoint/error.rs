//! [`EndpointError`]: why a string is not an endpoint, or not one that suits
//! bind or connect, with the libzmq errno of each refusal.

use super::Transport;

/// Why a string is not an endpoint, or not one that suits bind or connect.
///
/// [`errno_name`](Self::errno_name) gives the libzmq errno for each: the
/// libzmq calls fail with `EINVAL`, except for an unknown transport
/// (`EPROTONOSUPPORT`) and an overlong ipc path (`ENAMETOOLONG`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// There is no `://`.
    #[error("`{endpoint}` is not an endpoint: expected `transport://address`")]
    MissingTransport {
        /// The whole string.
        endpoint: String,
    },
    /// The transport is not `tcp`, `ipc` or `inproc` (libzmq's `pgm`,
    /// `epgm`, `norm`, `udp`, `ws`, `wss`, `tipc`, `vmci` and `vsock` are not
    /// supported).
    #[error("transport `{transport}` is not supported: use tcp, ipc or inproc")]
    UnsupportedTransport {
        /// The transport as written.
        transport: String,
    },
    /// Nothing follows `transport://`.
    #[error("the {transport} endpoint has no address after `{transport}://`")]
    EmptyAddress {
        /// The transport.
        transport: Transport,
    },
    /// A tcp address has no `:port`.
    #[error("tcp address `{address}` has no port: expected `host:port`")]
    MissingPort {
        /// The address as written.
        address: String,
    },
    /// A tcp port is not a number from 0 to 65535, nor `*`.
    #[error("bad tcp port `{port}`: expected a number from 1 to 65535, or `*` or 0 to bind any")]
    BadPort {
        /// The port as written.
        port: String,
    },
    /// A tcp address has nothing before `:port`.
    #[error("tcp address `{address}` has no host: use `*` to bind all interfaces")]
    MissingHost {
        /// The address as written.
        address: String,
    },
    /// A tcp host, or an ipc path, is malformed.
    #[error("bad address `{address}`: {reason}")]
    BadAddress {
        /// The part that is wrong, as written.
        address: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `connect` was given a wild card: tcp host `*`, tcp port `*` or 0, or
    /// `ipc://*`.
    #[error("cannot connect to `{endpoint}`: `*` and port 0 are for bind only")]
    WildcardInConnect {
        /// The endpoint.
        endpoint: String,
    },
    /// `bind` was given a tcp source address (`tcp://source;address`).
    #[error("cannot bind `{endpoint}`: a source address (`source;address`) is for connect only")]
    SourceInBind {
        /// The endpoint.
        endpoint: String,
    },
    /// An ipc path (or `@name`) is longer than a Unix socket address holds.
    #[error("ipc path is {len} bytes long; at most {max} fit in a Unix socket address")]
    PathTooLong {
        /// The length of the path, in bytes.
        len: usize,
        /// [`IPC_PATH_MAX`](super::IPC_PATH_MAX).
        max: usize,
    },
}

impl EndpointError {
    /// The libzmq errno name for this error: `EPROTONOSUPPORT` for
    /// [`UnsupportedTransport`](Self::UnsupportedTransport), `ENAMETOOLONG`
    /// for [`PathTooLong`](Self::PathTooLong), `EINVAL` for the rest.
    pub fn errno_name(&self) -> &'static str {
        match self {
            Self::UnsupportedTransport { .. } => "EPROTONOSUPPORT",
            Self::PathTooLong { .. } => "ENAMETOOLONG",
            Self::MissingTransport { .. }
            | Self::EmptyAddress { .. }
            | Self::MissingPort { .. }
            | Self::BadPort { .. }
            | Self::MissingHost { .. }
            | Self::BadAddress { .. }
            | Self::WildcardInConnect { .. }
            | Self::SourceInBind { .. } => "EINVAL",
        }
    }
}

/// A [`EndpointError::BadAddress`] for `address`.
pub(super) fn bad_address(address: &str, reason: &'static str) -> EndpointError {
    EndpointError::BadAddress {
        address: address.to_owned(),
        reason,
    }
}
