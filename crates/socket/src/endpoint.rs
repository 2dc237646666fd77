//! [`Endpoint`]: parsing and printing the endpoint strings that `bind` and
//! `connect` take, as libzmq accepts them (`zmq_tcp(7)`, `zmq_ipc(7)`,
//! `zmq_inproc(7)`), with a typed [`EndpointError`] for each refusal.
//!
//! This module resolves nothing and touches no socket: a host name (or, for
//! bind, an interface name) is kept as written and resolved by the transport
//! when it opens the connection, as libzmq 4.3 does. It does not know which
//! endpoints are in use, nor how long a path the file system takes beyond the
//! `sun_path` limit.

use core::fmt;
use core::num::NonZeroU16;
use core::str::FromStr;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;

/// The longest ipc path, in bytes, that fits in a Unix socket address with
/// its terminating NUL (`sizeof sun_path - 1`): 108 bytes on Linux, 104 on
/// the BSDs and macOS. An abstract name counts its leading `@`, which becomes
/// the leading NUL byte of `sun_path` (libzmq `ipc_address.cpp`).
pub const IPC_PATH_MAX: usize = if cfg!(any(target_os = "linux", target_os = "android")) {
    107
} else {
    103
};

/// The longest host name kept: a DNS name is at most 253 characters
/// (RFC 1035 §2.3.4, without the trailing dot).
const HOST_NAME_MAX: usize = 253;

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
            Self::Tcp(tcp) if tcp.source.is_some() => Err(EndpointError::SourceInBind {
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
            Self::Tcp(tcp) => tcp.address.is_wildcard(),
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
            Transport::Inproc => Self::Inproc(InprocEndpoint {
                name: address.to_owned(),
            }),
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
        Self::Tcp(TcpEndpoint {
            source: None,
            address: addr.into(),
        })
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

/// A tcp endpoint: an address and, for connect, an optional source address
/// to bind the outgoing connection to (`tcp://source;address`).
///
/// Made by parsing an [`Endpoint`] or from a [`SocketAddr`]; every value is
/// well-formed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TcpEndpoint {
    source: Option<TcpAddress>,
    address: TcpAddress,
}

impl TcpEndpoint {
    /// The address to bind, or to connect to.
    pub fn address(&self) -> &TcpAddress {
        &self.address
    }

    /// The local address an outgoing connection is bound to before it
    /// connects, if given (`tcp://source;address`, connect only). It may use
    /// `*` as host or port, and an interface name as host.
    pub fn source(&self) -> Option<&TcpAddress> {
        self.source.as_ref()
    }

    /// Parses the part after `tcp://`.
    fn parse(s: &str) -> Result<Self, EndpointError> {
        // libzmq (`tcp_address_t::resolve`) splits at the last `;`; a `;`
        // can appear nowhere else, so splitting at the first is the same for
        // every valid input and lets a second one be reported below.
        match s.split_once(';') {
            None => Ok(Self {
                source: None,
                address: TcpAddress::parse(s)?,
            }),
            Some((source, address)) => {
                if source.is_empty() || address.is_empty() || address.contains(';') {
                    return Err(EndpointError::BadAddress {
                        address: s.to_owned(),
                        reason: "expected `source;destination`, each `host:port`",
                    });
                }
                Ok(Self {
                    source: Some(TcpAddress::parse(source)?),
                    address: TcpAddress::parse(address)?,
                })
            }
        }
    }
}

impl From<SocketAddr> for TcpEndpoint {
    fn from(addr: SocketAddr) -> Self {
        Self {
            source: None,
            address: addr.into(),
        }
    }
}

impl fmt::Display for TcpEndpoint {
    /// `[source;]host:port`, without the `tcp://`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(source) = &self.source {
            write!(f, "{source};")?;
        }
        write!(f, "{}", self.address)
    }
}

/// A tcp host and port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TcpAddress {
    host: Host,
    port: Port,
}

impl TcpAddress {
    /// The host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> Port {
        self.port
    }

    /// Whether the host is `*` or the port is ephemeral.
    pub fn is_wildcard(&self) -> bool {
        self.host == Host::Any || self.port == Port::Ephemeral
    }

    /// Parses `host:port`. The port is after the *last* colon, so an IPv6
    /// address may be written without brackets (`::1:5555` is `[::1]:5555`),
    /// as libzmq's `ip_resolver_t::resolve` allows.
    fn parse(s: &str) -> Result<Self, EndpointError> {
        let missing_port = || EndpointError::MissingPort {
            address: s.to_owned(),
        };
        let (host, port) = if s.starts_with('[') {
            // A bracketed host ends at its `]`, so `[::1]` alone lacks a
            // port rather than having the port `1]`.
            let Some(end) = s.find(']') else {
                return Err(bad_address(s, "unclosed `[`"));
            };
            let (host, rest) = s.split_at(end + 1);
            match rest.strip_prefix(':') {
                Some(port) => (host, port),
                None if rest.is_empty() => return Err(missing_port()),
                None => return Err(bad_address(s, "expected `:port` after `]`")),
            }
        } else {
            s.rsplit_once(':').ok_or_else(missing_port)?
        };
        if port.is_empty() {
            return Err(missing_port());
        }
        let port = Port::parse(port)?;
        if host.is_empty() {
            return Err(EndpointError::MissingHost {
                address: s.to_owned(),
            });
        }
        Ok(Self {
            host: Host::parse(host)?,
            port,
        })
    }
}

impl From<SocketAddr> for TcpAddress {
    fn from(addr: SocketAddr) -> Self {
        let host = match addr {
            SocketAddr::V4(v4) => Host::Ipv4(*v4.ip()),
            SocketAddr::V6(v6) => Host::Ipv6 {
                addr: *v6.ip(),
                zone: (v6.scope_id() != 0).then(|| v6.scope_id().to_string()),
            },
        };
        Self {
            host,
            port: Port::from(addr.port()),
        }
    }
}

impl fmt::Display for TcpAddress {
    /// `host:port`; an IPv6 host in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// The host part of a tcp address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Host {
    /// `*`: every interface (bind only; `INADDR_ANY` or `in6addr_any`).
    Any,
    /// A numeric IPv4 address.
    Ipv4(Ipv4Addr),
    /// A numeric IPv6 address, written `[addr]` or `[addr%zone]`.
    Ipv6 {
        /// The address.
        addr: Ipv6Addr,
        /// The zone (RFC 4007 scope): an interface name such as `eth0` or
        /// its index such as `2`, as written. Needed for link-local
        /// addresses.
        zone: Option<String>,
    },
    /// A name, resolved when the socket binds or connects: for connect a DNS
    /// name (`localhost`, `server1.example.com`); for bind or a source
    /// address an interface name (`eth0`), as libzmq reads them. It starts
    /// with a letter or digit and holds letters, digits, `.`, `-` and `_`.
    Name(String),
}

impl Host {
    fn parse(s: &str) -> Result<Self, EndpointError> {
        if s == "*" {
            return Ok(Self::Any);
        }
        if let Some(inner) = s.strip_prefix('[') {
            let Some(inner) = inner.strip_suffix(']') else {
                return Err(bad_address(s, "unclosed `[`"));
            };
            return Self::parse_ipv6(inner)
                .ok_or_else(|| bad_address(s, "brackets must hold an IPv6 address"));
        }
        if s.contains(':') {
            return Self::parse_ipv6(s).ok_or_else(|| bad_address(s, "not an IPv6 address"));
        }
        if let Ok(ip) = s.parse::<Ipv4Addr>() {
            return Ok(Self::Ipv4(ip));
        }
        // A DNS name never ends in an all-numeric label (RFC 3696 §2), so
        // something like `10.0.0.256` is a mistyped address, not a name.
        if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(bad_address(s, "not an IPv4 address"));
        }
        // The characters libzmq's `socket_base_t::connect` lets through for
        // a host (less those that belong to IPv6 literals and wild cards).
        let valid = s.len() <= HOST_NAME_MAX
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if valid {
            Ok(Self::Name(s.to_owned()))
        } else {
            Err(bad_address(
                s,
                "not an IP address, nor a name of letters, digits, `.`, `-` and `_`",
            ))
        }
    }

    /// Parses `addr` or `addr%zone`.
    fn parse_ipv6(s: &str) -> Option<Self> {
        let (addr, zone) = match s.split_once('%') {
            Some((addr, zone)) => {
                let zone_ok = !zone.is_empty()
                    && zone
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
                if !zone_ok {
                    return None;
                }
                (addr, Some(zone.to_owned()))
            }
            None => (s, None),
        };
        let addr = addr.parse::<Ipv6Addr>().ok()?;
        Some(Self::Ipv6 { addr, zone })
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Ipv4(addr) => write!(f, "{addr}"),
            Self::Ipv6 { addr, zone: None } => write!(f, "[{addr}]"),
            Self::Ipv6 {
                addr,
                zone: Some(zone),
            } => write!(f, "[{addr}%{zone}]"),
            Self::Name(name) => f.write_str(name),
        }
    }
}

/// The port of a tcp address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Port {
    /// `*` or `0`: the OS picks a free port at bind time (bind, or a source
    /// address). Printed as `*`.
    Ephemeral,
    /// A port number.
    Number(NonZeroU16),
}

impl Port {
    /// The port number, 0 for [`Port::Ephemeral`] (what `bind(2)` takes).
    pub fn get(self) -> u16 {
        match self {
            Self::Ephemeral => 0,
            Self::Number(n) => n.get(),
        }
    }

    fn parse(s: &str) -> Result<Self, EndpointError> {
        if s == "*" {
            return Ok(Self::Ephemeral);
        }
        // Digits only: `u16::from_str` would also take a leading `+`.
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(EndpointError::BadPort { port: s.to_owned() });
        }
        match s.parse::<u16>() {
            Ok(n) => Ok(Self::from(n)),
            Err(_) => Err(EndpointError::BadPort { port: s.to_owned() }),
        }
    }
}

impl From<u16> for Port {
    /// 0 is [`Port::Ephemeral`].
    fn from(n: u16) -> Self {
        NonZeroU16::new(n).map_or(Self::Ephemeral, Self::Number)
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ephemeral => f.write_str("*"),
            Self::Number(n) => write!(f, "{n}"),
        }
    }
}

/// An ipc endpoint: a file system path, an abstract name (Linux), or `*`.
///
/// Made by parsing an [`Endpoint`]; every value is well-formed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IpcEndpoint {
    repr: IpcRepr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum IpcRepr {
    /// `ipc://*`.
    Any,
    /// `ipc://path`, as written.
    Path(String),
    /// `ipc://@name`: the name without its `@`.
    Abstract(String),
}

impl IpcEndpoint {
    /// The file system path of the Unix socket, absolute or relative to the
    /// working directory; `None` for an abstract name or `*`.
    pub fn path(&self) -> Option<&Path> {
        match &self.repr {
            IpcRepr::Path(path) => Some(Path::new(path)),
            IpcRepr::Any | IpcRepr::Abstract(_) => None,
        }
    }

    /// The name in Linux's abstract socket namespace (`ipc://@name`), without
    /// its `@`; `None` otherwise. Elsewhere `ipc://@name` is a relative path
    /// beginning with `@`, as in libzmq.
    pub fn abstract_name(&self) -> Option<&str> {
        match &self.repr {
            IpcRepr::Abstract(name) => Some(name),
            IpcRepr::Any | IpcRepr::Path(_) => None,
        }
    }

    /// Whether this is `ipc://*`: bind picks a fresh temporary path.
    pub fn is_wildcard(&self) -> bool {
        self.repr == IpcRepr::Any
    }

    /// Parses the part after `ipc://` (non-empty).
    fn parse(s: &str) -> Result<Self, EndpointError> {
        if s == "*" {
            return Ok(Self { repr: IpcRepr::Any });
        }
        if s.contains('\0') {
            return Err(bad_address(s, "a path cannot hold a NUL byte"));
        }
        if s.len() > IPC_PATH_MAX {
            return Err(EndpointError::PathTooLong {
                len: s.len(),
                max: IPC_PATH_MAX,
            });
        }
        if cfg!(any(target_os = "linux", target_os = "android"))
            && let Some(name) = s.strip_prefix('@')
        {
            if name.is_empty() {
                return Err(bad_address(s, "an abstract name after `@` cannot be empty"));
            }
            return Ok(Self {
                repr: IpcRepr::Abstract(name.to_owned()),
            });
        }
        Ok(Self {
            repr: IpcRepr::Path(s.to_owned()),
        })
    }
}

impl fmt::Display for IpcEndpoint {
    /// The part after `ipc://`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            IpcRepr::Any => f.write_str("*"),
            IpcRepr::Path(path) => f.write_str(path),
            IpcRepr::Abstract(name) => write!(f, "@{name}"),
        }
    }
}

/// An inproc endpoint: a non-empty name, unique among the binds of one
/// context. Any other string is a valid name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InprocEndpoint {
    name: String,
}

impl InprocEndpoint {
    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for InprocEndpoint {
    /// The name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

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
        /// [`IPC_PATH_MAX`].
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

fn bad_address(address: &str, reason: &'static str) -> EndpointError {
    EndpointError::BadAddress {
        address: address.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(s: &str) -> TcpEndpoint {
        match s.parse::<Endpoint>() {
            Ok(Endpoint::Tcp(tcp)) => tcp,
            other => panic!("{s}: {other:?}"),
        }
    }

    fn port(n: u16) -> Port {
        Port::Number(NonZeroU16::new(n).unwrap())
    }

    fn err(s: &str) -> EndpointError {
        s.parse::<Endpoint>().unwrap_err()
    }

    /// Parses, checks that printing gives `s` back exactly, and that the
    /// printed form parses to an equal value.
    fn round_trip(s: &str) -> Endpoint {
        let ep: Endpoint = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(ep.to_string(), s);
        assert_eq!(ep.to_string().parse::<Endpoint>().unwrap(), ep);
        ep
    }

    #[test]
    fn tcp_ipv4() {
        round_trip("tcp://127.0.0.1:5555");
        let t = tcp("tcp://127.0.0.1:5555");
        assert_eq!(t.address().host(), &Host::Ipv4(Ipv4Addr::LOCALHOST));
        assert_eq!(t.address().port(), port(5555));
        assert_eq!(t.address().port().get(), 5555);
        assert_eq!(t.source(), None);
        assert_eq!(tcp("tcp://1.2.3.4:65535").address().port(), port(65535));
    }

    #[test]
    fn tcp_ipv6() {
        round_trip("tcp://[::1]:5555");
        let t = tcp("tcp://[::1]:5555");
        assert_eq!(
            t.address().host(),
            &Host::Ipv6 {
                addr: Ipv6Addr::LOCALHOST,
                zone: None
            }
        );
        // Unbracketed, as libzmq takes it: the port follows the last colon.
        let bare = tcp("tcp://::1:5555");
        assert_eq!(bare, t);
        assert_eq!(Endpoint::Tcp(bare).to_string(), "tcp://[::1]:5555");
        // Zones by name and by index.
        let ep = round_trip("tcp://[fe80::1%eth0]:5555");
        let Endpoint::Tcp(t) = ep else { unreachable!() };
        assert_eq!(
            t.address().host(),
            &Host::Ipv6 {
                addr: "fe80::1".parse().unwrap(),
                zone: Some("eth0".into())
            }
        );
        round_trip("tcp://[fe80::1%2]:5555");
        round_trip("tcp://[::ffff:1.2.3.4]:1");
    }

    #[test]
    fn tcp_names_are_kept_unresolved() {
        round_trip("tcp://localhost:5555");
        round_trip("tcp://server1.example.com:80");
        round_trip("tcp://eth0:5555");
        round_trip("tcp://my_host-2:1");
        assert_eq!(
            tcp("tcp://localhost:5555").address().host(),
            &Host::Name("localhost".into())
        );
    }

    #[test]
    fn tcp_wildcards() {
        let ep = round_trip("tcp://*:5555");
        assert!(ep.is_wildcard());
        let Endpoint::Tcp(t) = &ep else {
            unreachable!()
        };
        assert_eq!(t.address().host(), &Host::Any);

        let ep = round_trip("tcp://127.0.0.1:*");
        assert!(ep.is_wildcard());
        let Endpoint::Tcp(t) = &ep else {
            unreachable!()
        };
        assert_eq!(t.address().port(), Port::Ephemeral);
        assert_eq!(t.address().port().get(), 0);

        // Port 0 is the same as `*`, and prints as `*`.
        let zero: Endpoint = "tcp://127.0.0.1:0".parse().unwrap();
        assert_eq!(zero, ep);
        assert_eq!(zero.to_string(), "tcp://127.0.0.1:*");

        round_trip("tcp://*:*");
        round_trip("tcp://[::]:*");
        assert!(Endpoint::parse_bind("tcp://*:*").is_ok());
        assert!(!round_trip("tcp://1.2.3.4:1").is_wildcard());
    }

    #[test]
    fn tcp_source_address() {
        let ep = round_trip("tcp://192.168.1.17:5555;192.168.1.1:5555");
        let Endpoint::Tcp(t) = &ep else {
            unreachable!()
        };
        let source = t.source().unwrap();
        assert_eq!(source.host(), &Host::Ipv4(Ipv4Addr::new(192, 168, 1, 17)));
        assert_eq!(source.port(), port(5555));
        assert_eq!(
            t.address().host(),
            &Host::Ipv4(Ipv4Addr::new(192, 168, 1, 1))
        );

        // The source may be an interface with an ephemeral port, or `*`;
        // the address is then not a wild card.
        let ep = Endpoint::parse_connect("tcp://eth1:0;server1:5555").unwrap();
        assert_eq!(ep.to_string(), "tcp://eth1:*;server1:5555");
        assert!(!ep.is_wildcard());
        round_trip("tcp://*:*;[::1]:5555");
    }

    #[test]
    fn ipc_forms() {
        let ep = round_trip("ipc:///tmp/feeds/0");
        let Endpoint::Ipc(ipc) = &ep else {
            unreachable!()
        };
        assert_eq!(ipc.path(), Some(Path::new("/tmp/feeds/0")));
        assert_eq!(ipc.abstract_name(), None);
        assert!(!ep.is_wildcard());

        let ep = round_trip("ipc://relative/feed.sock");
        let Endpoint::Ipc(ipc) = &ep else {
            unreachable!()
        };
        assert_eq!(ipc.path(), Some(Path::new("relative/feed.sock")));

        let ep = round_trip("ipc://*");
        let Endpoint::Ipc(ipc) = &ep else {
            unreachable!()
        };
        assert!(ipc.is_wildcard() && ep.is_wildcard());
        assert_eq!(ipc.path(), None);
        assert!(Endpoint::parse_bind("ipc://*").is_ok());

        // Exactly the longest path fits.
        let longest = format!("ipc://{}", "a".repeat(IPC_PATH_MAX));
        round_trip(&longest);
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn ipc_abstract_on_linux() {
        let ep = round_trip("ipc://@feed");
        let Endpoint::Ipc(ipc) = &ep else {
            unreachable!()
        };
        assert_eq!(ipc.abstract_name(), Some("feed"));
        assert_eq!(ipc.path(), None);
        assert!(Endpoint::parse_connect("ipc://@feed").is_ok());
        assert!(matches!(err("ipc://@"), EndpointError::BadAddress { .. }));
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    #[test]
    fn ipc_at_is_a_path_elsewhere() {
        let ep = round_trip("ipc://@feed");
        let Endpoint::Ipc(ipc) = &ep else {
            unreachable!()
        };
        assert_eq!(ipc.path(), Some(Path::new("@feed")));
    }

    #[test]
    fn inproc() {
        let ep = round_trip("inproc://feed");
        let Endpoint::Inproc(inproc) = &ep else {
            unreachable!()
        };
        assert_eq!(inproc.name(), "feed");
        assert_eq!(ep.transport(), Transport::Inproc);
        // Any non-empty string is a name, `*` and `:` included.
        round_trip("inproc://*");
        round_trip("inproc://a:b;c/d");
        assert!(!round_trip("inproc://*").is_wildcard());
    }

    #[test]
    fn transports() {
        assert_eq!(round_trip("tcp://h:1").transport(), Transport::Tcp);
        assert_eq!(round_trip("ipc://p").transport(), Transport::Ipc);
        assert_eq!(Transport::Tcp.to_string(), "tcp");
        assert_eq!(Transport::Ipc.name(), "ipc");
        assert_eq!(Transport::Inproc.name(), "inproc");
    }

    #[test]
    fn from_socket_addr() {
        let v4: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        assert_eq!(Endpoint::from(v4).to_string(), "tcp://127.0.0.1:4321");
        let v6: SocketAddr = "[::1]:4321".parse().unwrap();
        assert_eq!(Endpoint::from(v6).to_string(), "tcp://[::1]:4321");
        let scoped = SocketAddr::V6(std::net::SocketAddrV6::new(
            "fe80::1".parse().unwrap(),
            7,
            0,
            3,
        ));
        assert_eq!(Endpoint::from(scoped).to_string(), "tcp://[fe80::1%3]:7");
        assert_eq!(TcpEndpoint::from(v4), tcp("tcp://127.0.0.1:4321"));
        // Port 0 becomes `Port::Ephemeral`; 0.0.0.0 stays a numeric address.
        let unbound: SocketAddr = "0.0.0.0:0".parse().unwrap();
        let addr = TcpAddress::from(unbound);
        assert_eq!(addr.host(), &Host::Ipv4(Ipv4Addr::UNSPECIFIED));
        assert_eq!(addr.port(), Port::Ephemeral);
        assert!(addr.is_wildcard());
    }

    #[test]
    fn try_from_str() {
        assert_eq!(
            Endpoint::try_from("inproc://x").unwrap(),
            "inproc://x".parse::<Endpoint>().unwrap()
        );
    }

    #[test]
    fn error_missing_or_unknown_transport() {
        assert_eq!(
            err("127.0.0.1:5555"),
            EndpointError::MissingTransport {
                endpoint: "127.0.0.1:5555".into()
            }
        );
        assert!(matches!(
            err("tcp:/h:1"),
            EndpointError::MissingTransport { .. }
        ));
        for t in ["udp", "pgm", "epgm", "ws", "TCP", ""] {
            let e = err(&format!("{t}://h:1"));
            assert_eq!(
                e,
                EndpointError::UnsupportedTransport {
                    transport: t.into()
                }
            );
            assert_eq!(e.errno_name(), "EPROTONOSUPPORT");
        }
    }

    #[test]
    fn error_empty_address() {
        for (s, t) in [
            ("tcp://", Transport::Tcp),
            ("ipc://", Transport::Ipc),
            ("inproc://", Transport::Inproc),
        ] {
            let e = err(s);
            assert_eq!(e, EndpointError::EmptyAddress { transport: t });
            assert_eq!(e.errno_name(), "EINVAL");
        }
    }

    #[test]
    fn error_missing_port() {
        assert_eq!(
            err("tcp://localhost"),
            EndpointError::MissingPort {
                address: "localhost".into()
            }
        );
        assert!(matches!(
            err("tcp://localhost:"),
            EndpointError::MissingPort { .. }
        ));
        assert!(matches!(
            err("tcp://[::1]:"),
            EndpointError::MissingPort { .. }
        ));
        assert_eq!(
            err("tcp://[::1]"),
            EndpointError::MissingPort {
                address: "[::1]".into()
            }
        );
        assert!(matches!(
            err("tcp://h:1;localhost"),
            EndpointError::MissingPort { .. }
        ));
    }

    #[test]
    fn error_bad_port() {
        for p in [
            "65536",
            "70000",
            "5555x",
            "-1",
            "+80",
            " 80",
            "http",
            "1.5",
            "99999999999",
        ] {
            assert_eq!(
                err(&format!("tcp://h:{p}")),
                EndpointError::BadPort { port: p.into() },
                "{p}"
            );
        }
    }

    #[test]
    fn error_missing_host() {
        assert_eq!(
            err("tcp://:5555"),
            EndpointError::MissingHost {
                address: ":5555".into()
            }
        );
    }

    #[test]
    fn error_bad_address() {
        for host in [
            "[::1",          // unclosed bracket
            "[::1]x",        // junk after the bracket
            "[::1]]",        //
            "[1.2.3.4]",     // brackets hold IPv6 only
            "[localhost]",   //
            "[*]",           //
            "1:2:3",         // colons but not IPv6
            "fe80::1%",      // empty zone
            "[fe80::1%e/0]", // bad zone
            "1.2.3.4%eth0",  // zone on IPv4
            "256.1.1.1",     // dotted but not IPv4
            "10.0.0",        //
            "-host",         // name must start alphanumeric
            "host name",     // space
            "host/path",     //
            "höst",          // non-ASCII
            "**",            //
        ] {
            let e = err(&format!("tcp://{host}:1"));
            assert!(
                matches!(e, EndpointError::BadAddress { .. }),
                "{host}: {e:?}"
            );
            assert_eq!(e.errno_name(), "EINVAL");
        }
        let long = format!("tcp://{}:1", "a".repeat(254));
        assert!(matches!(err(&long), EndpointError::BadAddress { .. }));
        round_trip(&format!("tcp://{}:1", "a".repeat(253)));
        // A malformed source address, and malformed `;` use.
        for s in [
            "tcp://;h:1",
            "tcp://h:1;",
            "tcp://a:1;b:1;c:1",
            "tcp://bad host:1;h:1",
        ] {
            assert!(matches!(err(s), EndpointError::BadAddress { .. }), "{s}");
        }
        assert!(matches!(
            err("ipc://a\0b"),
            EndpointError::BadAddress { .. }
        ));
    }

    #[test]
    fn error_wildcard_in_connect() {
        for s in [
            "tcp://*:5555",
            "tcp://h:*",
            "tcp://h:0",
            "tcp://[::]:*",
            "ipc://*",
        ] {
            assert!(s.parse::<Endpoint>().is_ok(), "{s} is valid syntax");
            let e = Endpoint::parse_connect(s).unwrap_err();
            assert!(matches!(e, EndpointError::WildcardInConnect { .. }), "{s}");
            assert_eq!(e.errno_name(), "EINVAL");
        }
        // Syntax errors come first.
        assert!(matches!(
            Endpoint::parse_connect("tcp://*:x"),
            Err(EndpointError::BadPort { .. })
        ));
    }

    #[test]
    fn error_source_in_bind() {
        let e = Endpoint::parse_bind("tcp://eth0:0;1.2.3.4:5555").unwrap_err();
        assert_eq!(
            e,
            EndpointError::SourceInBind {
                endpoint: "tcp://eth0:*;1.2.3.4:5555".into()
            }
        );
        assert!(Endpoint::parse_connect("tcp://eth0:0;1.2.3.4:5555").is_ok());
    }

    #[test]
    fn error_path_too_long() {
        let s = format!("ipc://{}", "a".repeat(IPC_PATH_MAX + 1));
        let e = err(&s);
        assert_eq!(
            e,
            EndpointError::PathTooLong {
                len: IPC_PATH_MAX + 1,
                max: IPC_PATH_MAX
            }
        );
        assert_eq!(e.errno_name(), "ENAMETOOLONG");
    }

    #[test]
    fn both_sides_accept_plain_endpoints() {
        for s in [
            "tcp://127.0.0.1:5555",
            "tcp://[::1]:1",
            "ipc:///tmp/x",
            "inproc://x",
        ] {
            assert!(Endpoint::parse_bind(s).is_ok(), "{s}");
            assert!(Endpoint::parse_connect(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn error_messages_name_the_problem() {
        let msg = Endpoint::parse_connect("tcp://*:5555")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("tcp://*:5555") && msg.contains("bind only"),
            "{msg}"
        );
        let msg = err("tcp://h:99999").to_string();
        assert!(msg.contains("99999"), "{msg}");
        let msg = err("zmq://x").to_string();
        assert!(msg.contains("zmq"), "{msg}");
    }
}
