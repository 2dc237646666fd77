//! The stream transports an I/O thread serves: tcp and ipc (Unix domain
//! sockets), as one [`Stream`] and one [`Listener`] type over both.
//!
//! This module binds, accepts and starts non-blocking connects; it does not
//! speak ZMTP (the session does), register anything with mio's `Poll` (the
//! I/O thread does) or retry (the session's reconnect timer does). inproc
//! is not a stream transport and is not here.

pub(crate) mod ipc;
pub(crate) mod tcp;

use std::io::{self, IoSlice, Read, Write};
use std::os::fd::{AsRawFd, RawFd};

use mio::event::Source;
use mio::{Interest, Registry, Token};

use crate::endpoint::Endpoint;
use crate::error::BindError;

/// A connected byte stream, tcp or ipc, in non-blocking mode.
#[derive(Debug)]
pub(crate) enum Stream {
    /// A tcp connection (TCP_NODELAY set).
    Tcp(mio::net::TcpStream),
    /// A Unix domain stream socket.
    Ipc(mio::net::UnixStream),
}

impl Stream {
    /// Starts a non-blocking connect to `endpoint` (tcp or ipc).
    ///
    /// # Errors
    ///
    /// Resolution failures and immediate OS errors; a refused connection
    /// usually shows up later, as the stream's [`take_error`](Self::take_error).
    pub(crate) fn connect(endpoint: &Endpoint) -> io::Result<Self> {
        match endpoint {
            Endpoint::Tcp(tcp) => tcp::connect(tcp).map(Self::Tcp),
            Endpoint::Ipc(ipc) => ipc::connect(ipc).map(Self::Ipc),
            _ => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "not a stream transport",
            )),
        }
    }

    /// The pending socket error (`SO_ERROR`): how a non-blocking connect
    /// failed.
    pub(crate) fn take_error(&self) -> io::Result<Option<io::Error>> {
        match self {
            Self::Tcp(s) => s.take_error(),
            Self::Ipc(s) => s.take_error(),
        }
    }

    /// The peer's address as a ZAP request names it (libzmq
    /// `stream_engine_base.cpp`'s `get_peer_address`): a tcp peer's IP
    /// without the port; an ipc peer's credentials `:uid:gid:pid` where the
    /// OS gives them (`SO_PEERCRED`), else empty.
    pub(crate) fn peer_address(&self) -> String {
        match self {
            Self::Tcp(s) => s
                .peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
            Self::Ipc(s) => crate::sys::peer_credentials(s)
                .map(|(uid, gid, pid)| format!(":{uid}:{gid}:{pid}"))
                .unwrap_or_default(),
        }
    }

    /// Whether a non-blocking connect has completed: the peer address is
    /// known.
    pub(crate) fn is_connected(&self) -> bool {
        match self {
            Self::Tcp(s) => s.peer_addr().is_ok(),
            Self::Ipc(s) => s.peer_addr().is_ok(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Tcp(s) => s.read(buf),
            Self::Ipc(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Tcp(s) => s.write(buf),
            Self::Ipc(s) => s.write(buf),
        }
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Self::Tcp(s) => s.write_vectored(bufs),
            Self::Ipc(s) => s.write_vectored(bufs),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AsRawFd for Stream {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Self::Tcp(s) => s.as_raw_fd(),
            Self::Ipc(s) => s.as_raw_fd(),
        }
    }
}

impl Source for Stream {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Self::Tcp(s) => s.register(r, t, i),
            Self::Ipc(s) => s.register(r, t, i),
        }
    }

    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Self::Tcp(s) => s.reregister(r, t, i),
            Self::Ipc(s) => s.reregister(r, t, i),
        }
    }

    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        match self {
            Self::Tcp(s) => s.deregister(r),
            Self::Ipc(s) => s.deregister(r),
        }
    }
}

/// A bound, listening socket, tcp or ipc, in non-blocking mode.
#[derive(Debug)]
pub(crate) enum Listener {
    /// A tcp listener.
    Tcp(mio::net::TcpListener),
    /// A Unix domain listener; the guard removes its socket file on drop.
    /// The guard comes first so it drops first: the file goes while the
    /// listener still answers, so a new bind at the path meanwhile finds
    /// it live (`EADDRINUSE`, then retries) instead of replacing it with a
    /// file the guard would then remove (an inode number is reused at once
    /// on ext4, so the guard's identity check alone cannot tell them apart).
    #[allow(dead_code, reason = "the guard is held for its Drop")]
    Ipc(ipc::PathGuard, mio::net::UnixListener),
}

impl Listener {
    /// Binds `endpoint` (tcp or ipc) and returns the listener with the
    /// concrete endpoint it is bound to (port 0 replaced by the real port).
    ///
    /// # Errors
    ///
    /// [`BindError`] naming the endpoint and the OS error.
    pub(crate) fn bind(endpoint: &Endpoint) -> Result<(Self, Endpoint), BindError> {
        endpoint.check_bind()?;
        match endpoint {
            Endpoint::Tcp(tcp) => tcp::bind(endpoint, tcp),
            Endpoint::Ipc(ipc) => ipc::bind(endpoint, ipc),
            _ => Err(BindError::Io {
                endpoint: endpoint.clone(),
                source: io::Error::new(io::ErrorKind::Unsupported, "not a stream transport"),
            }),
        }
    }

    /// Accepts one pending connection, if any (`WouldBlock` when none).
    ///
    /// # Errors
    ///
    /// The OS error of `accept(2)`.
    pub(crate) fn accept(&self) -> io::Result<Stream> {
        match self {
            Self::Tcp(l) => {
                let (s, _) = l.accept()?;
                s.set_nodelay(true)?;
                Ok(Stream::Tcp(s))
            }
            Self::Ipc(_, l) => l.accept().map(|(s, _)| Stream::Ipc(s)),
        }
    }
}

impl Source for Listener {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Self::Tcp(l) => l.register(r, t, i),
            Self::Ipc(_, l) => l.register(r, t, i),
        }
    }

    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Self::Tcp(l) => l.reregister(r, t, i),
            Self::Ipc(_, l) => l.reregister(r, t, i),
        }
    }

    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        match self {
            Self::Tcp(l) => l.deregister(r),
            Self::Ipc(_, l) => l.deregister(r),
        }
    }
}
