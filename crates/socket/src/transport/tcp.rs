//! `tcp://`: resolving a [`TcpAddress`], binding a listener (port 0 read
//! back as the real port) and starting a non-blocking connect with
//! TCP_NODELAY on.
//!
//! Not done yet: a connect's source address (`tcp://src;dst`) is ignored,
//! `*` binds IPv4 only (libzmq's default without `ZMQ_IPV6`), IPv6 zones
//! are numeric only, and names are resolved with the blocking system
//! resolver on the calling thread.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV6, ToSocketAddrs};

use socket2::{Domain, Protocol, Socket, Type};

use super::Listener;
use crate::endpoint::{Endpoint, Host, TcpAddress, TcpEndpoint};
use crate::error::BindError;

/// libzmq's `ZMQ_BACKLOG` default.
const BACKLOG: i32 = 100;

/// The socket addresses `address` stands for, in resolver order.
///
/// # Errors
///
/// Resolution failures, or none found (`NotFound`).
pub(crate) fn resolve(address: &TcpAddress) -> io::Result<Vec<SocketAddr>> {
    let port = address.port().get();
    let addrs = match address.host() {
        Host::Any => vec![SocketAddr::from((Ipv4Addr::UNSPECIFIED, port))],
        Host::Ipv4(ip) => vec![SocketAddr::from((*ip, port))],
        Host::Ipv6 { addr, zone } => {
            let scope = zone.as_deref().and_then(|z| z.parse().ok()).unwrap_or(0);
            vec![SocketAddr::V6(SocketAddrV6::new(*addr, port, 0, scope))]
        }
        Host::Name(name) => (name.as_str(), port).to_socket_addrs()?.collect(),
    };
    if addrs.is_empty() {
        return Err(io::Error::new(io::ErrorKind::NotFound, "no address"));
    }
    Ok(addrs)
}

/// Binds a listening socket for `tcp`, with SO_REUSEADDR as libzmq sets it
/// (so a restarted listener gets its port back while old connections sit in
/// TIME_WAIT).
pub(super) fn bind(
    endpoint: &Endpoint,
    tcp: &TcpEndpoint,
) -> Result<(Listener, Endpoint), BindError> {
    let io_err = |e| BindError::io(endpoint.clone(), e);
    let addr = *resolve(tcp.address())
        .map_err(|_| BindError::NoDevice {
            endpoint: endpoint.clone(),
        })?
        .first()
        .ok_or_else(|| BindError::NoDevice {
            endpoint: endpoint.clone(),
        })?;
    // socket2 sets CLOEXEC itself.
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(io_err)?;
    socket.set_reuse_address(true).map_err(io_err)?;
    socket.set_nonblocking(true).map_err(io_err)?;
    socket.bind(&addr.into()).map_err(io_err)?;
    socket.listen(BACKLOG).map_err(io_err)?;
    let listener = std::net::TcpListener::from(socket);
    let local = listener.local_addr().map_err(io_err)?;
    let bound = Endpoint::Tcp(TcpEndpoint::from(local));
    Ok((
        Listener::Tcp(mio::net::TcpListener::from_std(listener)),
        bound,
    ))
}

/// Starts a non-blocking connect to the first address `tcp` resolves to,
/// with TCP_NODELAY on.
pub(super) fn connect(tcp: &TcpEndpoint) -> io::Result<mio::net::TcpStream> {
    let addr = resolve(tcp.address())?[0];
    let stream = mio::net::TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    Ok(stream)
}
