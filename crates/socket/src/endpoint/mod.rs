//! [`Endpoint`]: parsing and printing the endpoint strings that `bind` and
//! `connect` take, as libzmq accepts them (`zmq_tcp(7)`, `zmq_ipc(7)`,
//! `zmq_inproc(7)`), with a typed [`EndpointError`] for each refusal.
//!
//! This module resolves nothing and touches no socket: a host name (or, for
//! bind, an interface name) is kept as written and resolved by the transport
//! when it opens the connection, as libzmq 4.3 does. It does not know which
//! endpoints are in use, nor how long a path the file system takes beyond the
//! `sun_path` limit.
//!
//! One file per job: this one holds [`Endpoint`] and [`Transport`] and
//! dispatches to the per-transport parsers and printers in `tcp.rs`,
//! `ipc.rs` and `inproc.rs`; `error.rs` holds [`EndpointError`].

use core::fmt;
use core::str::FromStr;
use std::net::SocketAddr;

mod error;
mod inproc;
mod ipc;
mod tcp;
#[cfg(test)]
mod tests;

pub use error::EndpointError;
pub use inproc::InprocEndpoint;
pub use ipc::{IPC_PATH_MAX, IpcEndpoint};
pub use tcp::{Host, Port, TcpAddress, TcpEndpoint};

/// A transport: the part of an endpoint before `://`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transport {
    /// `tcp://`: ZMTP over TCP, IPv4 or IPv6.
    Tcp,
    /// `ipc://`: ZMTP over a Unix domain socket.
    Ipc,
    /// `inproc://`: sockets of one context joined by in-memory pipes; no ZMTP.
    Inproc,
}

impl Transport {
    /// The transport's name as written in an endpoint: `tcp`, `ipc` or
    /// `inproc`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Ipc => "ipc",
            Self::Inproc => "inproc",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a socket binds or connects: `transport://address`.
///
/// | form | example | bind | connect |
/// | --- | --- | --- | --- |
/// | tcp, IPv4 | `tcp://127.0.0.1:5555` | ✓ | ✓ |
/// | tcp, IPv6 | `tcp://[::1]:5555`, `tcp://[fe80::1%eth0]:5555` | ✓ | ✓ |
/// | tcp, name | `tcp://localhost:5555` (bind: an interface name such as `eth0`) | ✓ | ✓ |
/// | tcp, all interfaces | `tcp://*:5555` | ✓ | |
/// | tcp, ephemeral port | `tcp://127.0.0.1:*`, `tcp://127.0.0.1:0` | ✓ | |
/// | tcp, source address | `tcp://192.168.1.17:0;server1:5555` | | ✓ |
/// | ipc, path | `ipc:///tmp/feed`, `ipc://relative/feed` | ✓ | ✓ |
/// | ipc, any path | `ipc://*` (a fresh temporary path) | ✓ | |
/// | ipc, abstract (Linux) | `ipc://@feed` | ✓ | ✓ |
/// | inproc | `inproc://feed` | ✓ | ✓ |
///
/// [`str::parse`] ([`FromStr`]) checks the syntax only;
/// [`parse_bind`](Self::parse_bind) and [`parse_connect`](Self::parse_connect)
/// also check that the endpoint makes sense for that side (wild cards only in
/// bind, a source address only in connect). Every refusal is an
/// [`EndpointError`] naming what was wrong.
///
/// [`Display`](fmt::Display) prints an endpoint so that it parses back to an
/// equal value. Two endpoints are equal when they name the same thing:
/// `tcp://h:0` and `tcp://h:*` (both an ephemeral port, printed `*`), or
/// `tcp://::1:1` and `tcp://[::1]:1` (IPv6 printed in brackets).
///
/// # Examples
///
/// ```
/// use ferrozmq_socket::{Endpoint, Host, Port};
///
/// let ep = Endpoint::parse_connect("tcp://[::1]:5555")?;
/// let Endpoint::Tcp(tcp) = &ep else { unreachable!() };
/// assert!(matches!(tcp.address().host(), Host::Ipv6 { .. }));
/// assert_eq!(tcp.address().port(), Port::Number(5555.try_into()?));
/// assert_eq!(ep.to_string(), "tcp://[::1]:5555");
///
/// assert!(Endpoint::parse_connect("tcp://*:5555").is_err()); // bind only
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Where this is stricter than libzmq
///
/// libzmq reads the port with `atoi`, so `tcp://h:5555x` is port 5555 and
/// `tcp://h:70000` wraps to 4464; here both are [`EndpointError::BadPort`].
/// libzmq accepts port 0 in connect and fails later; here it is
/// [`EndpointError::WildcardInConnect`], like `*`. Brackets must hold an IPv6
/// address, and a host that looks like a dotted IPv4 address must be one.
/// libzmq checks the `sun_path` length at bind time (`ENAMETOOLONG`); here the
/// parser does ([`IPC_PATH_MAX`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `tcp://[source;]host:port`.
    Tcp(TcpEndpoint),
    /// `ipc://path`, `ipc://@name` or `ipc://*`.
    Ipc(IpcEndpoint),
    /// `inproc://name`.
    Inproc(InprocEndpoint),
}

impl Endpoint {
    /// Parses `s` as an endpoint to bind: wild cards allowed, no source
    /// address.
    ///
    /// # Errors
    ///
    /// Any syntax error ([`EndpointError`]), and
    /// [`EndpointError::SourceInBind`] for `tcp://source;address`.
    pub fn parse_bind(s: &str) -> Result<Self, EndpointError> {
        let endpoint: Self = s.parse()?;
        endpoint.check_bind()?;
        Ok(endpoint)
    }

    /// Parses `s` as an endpoint to connect to: a concrete host and port (or
    /// path), optionally with a tcp source address.
    ///
    /// # Errors
    ///
    /// Any syntax error ([`EndpointError`]), and
    /// [`EndpointError::WildcardInConnect`] for `*` as host, port or ipc path,
    /// or port 0.
    pub fn parse_connect(s: &str) -> Result<Self, EndpointError> {
        let endpoint: Self = s.parse()?;
        endpoint.check_connect()?;
        Ok(endpoint)
    }

    /// Checks that this endpoint can be bound.
    ///
    /// # Errors
    ///
    /// [`EndpointError::SourceInBind`] if it has a tcp source address: a
    /// source address says where a connection comes *from*.
    pub fn check_bind(&self) -> Result<(), EndpointError> {
        match self {
            Self::Tcp(tcp) if tcp.source().is_some() => Err(EndpointError::SourceInBind {
                endpoint: self.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// Checks that this endpoint can be connected to.
    ///
    /// # Errors
    ///
    /// [`EndpointError::WildcardInConnect`] if its tcp host is `*`, its tcp
    /// port is `*` or 0, or it is `ipc://*`. (A tcp *source* address may use
    /// wild cards: it is bound locally.)
    pub fn check_connect(&self) -> Result<(), EndpointError> {
        if self.is_wildcard() {
            Err(EndpointError::WildcardInConnect {
                endpoint: self.to_string(),
            })
        } else {
            Ok(())
        }
    }

    /// The transport.
    pub fn transport(&self) -> Transport {
        match self {
            Self::Tcp(_) => Transport::Tcp,
            Self::Ipc(_) => Transport::Ipc,
            Self::Inproc(_) => Transport::Inproc,
        }
    }

    /// Whether the address (not a tcp source address) is a wild card the OS
    /// fills in at bind time: tcp host `*` or port `*`/0, or `ipc://*`. Once
    /// bound, a socket reports the concrete endpoint instead (libzmq's
    /// `ZMQ_LAST_ENDPOINT`).
    pub fn is_wildcard(&self) -> bool {
        match self {
            Self::Tcp(tcp) => tcp.address().is_wildcard(),
            Self::Ipc(ipc) => ipc.is_wildcard(),
            Self::Inproc(_) => false,
        }
    }
}

impl FromStr for Endpoint {
    type Err = EndpointError;

    /// Parses the syntax of any accepted form, without checking whether it
    /// suits bind or connect ([`Endpoint::check_bind`],
    /// [`Endpoint::check_connect`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((transport, address)) = s.split_once("://") else {
            return Err(EndpointError::MissingTransport {
                endpoint: s.to_owned(),
            });
        };
        // libzmq compares transport names case-sensitively
        // (`socket_base_t::check_protocol`); so do we.
        let transport = match transport {
            "tcp" => Transport::Tcp,
            "ipc" => Transport::Ipc,
            "inproc" => Transport::Inproc,
            _ => {
                return Err(EndpointError::UnsupportedTransport {
                    transport: transport.to_owned(),
                });
            }
        };
        if address.is_empty() {
            return Err(EndpointError::EmptyAddress { transport });
        }
        Ok(match transport {
            Transport::Tcp => Self::Tcp(TcpEndpoint::parse(address)?),
            Transport::Ipc => Self::Ipc(IpcEndpoint::parse(address)?),
            Transport::Inproc => Self::Inproc(InprocEndpoint::new(address)),
        })
    }
}

impl TryFrom<&str> for Endpoint {
    type Error = EndpointError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<SocketAddr> for Endpoint {
    /// The tcp endpoint of a socket address, such as the one a bind to port
    /// 0 obtained.
    fn from(addr: SocketAddr) -> Self {
        Self::Tcp(addr.into())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp(tcp) => write!(f, "tcp://{tcp}"),
            Self::Ipc(ipc) => write!(f, "ipc://{ipc}"),
            Self::Inproc(inproc) => write!(f, "inproc://{inproc}"),
        }
    }
}
