//! tcp endpoints: `[source;]host:port` parsed and printed as libzmq's
//! `zmq_tcp(7)` writes them ([`TcpEndpoint`], [`TcpAddress`], [`Host`],
//! [`Port`]).
//!
//! Nothing is resolved here: a name stays a [`Host::Name`] until the tcp
//! transport resolves it when it binds or connects.

use core::fmt;
use core::num::NonZeroU16;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use super::error::{EndpointError, bad_address};

/// The longest host name kept: a DNS name is at most 253 characters
/// (RFC 1035 §2.3.4, without the trailing dot).
const HOST_NAME_MAX: usize = 253;

/// A tcp endpoint: an address and, for connect, an optional source address
/// to bind the outgoing connection to (`tcp://source;address`).
///
/// Made by parsing an [`Endpoint`](super::Endpoint) or from a [`SocketAddr`]; every value is
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
    pub(super) fn parse(s: &str) -> Result<Self, EndpointError> {
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
