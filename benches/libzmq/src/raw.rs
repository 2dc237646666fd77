//! The plumbing of the raw socket limit tools (`raw_*`): endpoints written as
//! ZeroMQ writes them (`tcp://127.0.0.1:5555`, `ipc:///tmp/x.sock`) opened as
//! a plain [`TcpStream`] or [`UnixStream`], and the framing the tools use, a
//! 4-byte little-endian length before each body.
//!
//! These are the limits a messaging library on the same socket can at best
//! reach: the writer batches small messages into 64 KiB writes and hands
//! large bodies to the kernel as they are; the reader reads in 64 KiB batches
//! and large bodies straight into one reused buffer, never allocating per
//! message. Both ends set `TCP_NODELAY`, as libzmq and ferrozmq do. It does
//! no ZMTP, no handshake, no per-message allocation and no queueing between
//! threads, which is the point.

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The read and write batch size.
pub const BATCH: usize = 64 * 1024;

/// How long a connecting tool keeps retrying while the binding one starts.
pub const CONNECT_PATIENCE: Duration = Duration::from_secs(10);

/// A parsed endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `tcp://HOST:PORT`: the `HOST:PORT` part.
    Tcp(String),
    /// `ipc://PATH`: the path of a unix-domain socket.
    Ipc(PathBuf),
}

impl Endpoint {
    /// Parses `tcp://HOST:PORT` or `ipc://PATH`.
    ///
    /// # Errors
    ///
    /// Any other form, as a message for the user.
    pub fn parse(s: &str) -> Result<Endpoint, String> {
        if let Some(addr) = s.strip_prefix("tcp://") {
            Ok(Endpoint::Tcp(addr.to_owned()))
        } else if let Some(path) = s.strip_prefix("ipc://") {
            Ok(Endpoint::Ipc(PathBuf::from(path)))
        } else {
            Err(format!("{s:?}: only tcp:// and ipc:// endpoints"))
        }
    }
}

/// One connected plain socket, either kind.
#[derive(Debug)]
pub enum Stream {
    /// A TCP connection.
    Tcp(TcpStream),
    /// A unix-domain stream connection.
    Unix(UnixStream),
}

impl Stream {
    /// Binds `endpoint` and accepts one connection (a stale ipc socket file
    /// at the path is removed first, as libzmq does).
    ///
    /// # Errors
    ///
    /// When binding or accepting fails.
    pub fn accept(endpoint: &Endpoint) -> io::Result<Stream> {
        match endpoint {
            Endpoint::Tcp(addr) => {
                let (s, _) = TcpListener::bind(addr.as_str())?.accept()?;
                s.set_nodelay(true)?;
                Ok(Stream::Tcp(s))
            }
            Endpoint::Ipc(path) => {
                let _ = std::fs::remove_file(path);
                let listener = UnixListener::bind(path)?;
                let (s, _) = listener.accept()?;
                // The connection outlives the name; the path is unique to this run.
                let _ = std::fs::remove_file(path);
                Ok(Stream::Unix(s))
            }
        }
    }

    /// Connects to `endpoint`, retrying every 10 ms for at most
    /// [`CONNECT_PATIENCE`] while nothing listens there yet (ZeroMQ's connect
    /// retries too).
    ///
    /// # Errors
    ///
    /// The last connect error once the patience is spent.
    pub fn connect(endpoint: &Endpoint) -> io::Result<Stream> {
        let start = Instant::now();
        loop {
            let attempt = match endpoint {
                Endpoint::Tcp(addr) => TcpStream::connect(addr.as_str()).and_then(|s| {
                    s.set_nodelay(true)?;
                    Ok(Stream::Tcp(s))
                }),
                Endpoint::Ipc(path) => UnixStream::connect(path).map(Stream::Unix),
            };
            match attempt {
                Ok(s) => return Ok(s),
                Err(e) if start.elapsed() > CONNECT_PATIENCE => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }

    /// A second handle to the same connection, for a reader beside a writer.
    ///
    /// # Errors
    ///
    /// When the OS cannot duplicate the descriptor.
    pub fn try_clone(&self) -> io::Result<Stream> {
        match self {
            Stream::Tcp(s) => s.try_clone().map(Stream::Tcp),
            Stream::Unix(s) => s.try_clone().map(Stream::Unix),
        }
    }

    /// Shuts down the writing half: the peer reads end-of-stream after the
    /// last byte.
    ///
    /// # Errors
    ///
    /// As the OS's `shutdown`.
    pub fn shutdown_write(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.shutdown(Shutdown::Write),
            Stream::Unix(s) => s.shutdown(Shutdown::Write),
        }
    }

    /// This stream behind a [`BATCH`]-sized read buffer.
    pub fn reader(self) -> BufReader<Stream> {
        BufReader::with_capacity(BATCH, self)
    }

    /// This stream behind a [`BATCH`]-sized write buffer.
    pub fn writer(self) -> BufWriter<Stream> {
        BufWriter::with_capacity(BATCH, self)
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write_vectored(bufs),
            Stream::Unix(s) => s.write_vectored(bufs),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The length prefix of a `len`-byte body.
///
/// # Panics
///
/// When `len` does not fit in 32 bits (the tools refuse such sizes first).
pub fn prefix(len: usize) -> [u8; 4] {
    u32::try_from(len)
        .expect("message sizes fit in 32 bits")
        .to_le_bytes()
}

/// Reads one framed message into `frame`, length prefix included (so an
/// echo writes it back in one call), and returns the body's length. `frame`
/// grows only when a message is longer than any before, never past
/// `max + 4` bytes.
///
/// # Errors
///
/// As the reads; `UnexpectedEof` when the peer closes mid-message or before
/// it; `InvalidData` when the peer announces more than `max` bytes.
pub fn read_frame(r: &mut impl Read, frame: &mut Vec<u8>, max: usize) -> io::Result<usize> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_le_bytes(len) as usize;
    if len > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("peer announced {len} bytes, more than {max}"),
        ));
    }
    frame.resize(4 + len, 0);
    frame[..4].copy_from_slice(&prefix(len));
    r.read_exact(&mut frame[4..])?;
    Ok(len)
}

/// A frame of `len` zero bytes, length prefix included.
pub fn zero_frame(len: usize) -> Vec<u8> {
    let mut frame = vec![0u8; 4 + len];
    frame[..4].copy_from_slice(&prefix(len));
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse_as_zeromq_writes_them() {
        assert_eq!(
            Endpoint::parse("tcp://127.0.0.1:5555"),
            Ok(Endpoint::Tcp("127.0.0.1:5555".into()))
        );
        assert_eq!(
            Endpoint::parse("ipc:///tmp/a.sock"),
            Ok(Endpoint::Ipc(PathBuf::from("/tmp/a.sock")))
        );
        assert!(Endpoint::parse("inproc://x").is_err());
    }

    #[test]
    fn framed_messages_read_back_whole() {
        let mut wire = Vec::new();
        for body in [&b"abc"[..], b"", &[7u8; 70_000]] {
            wire.extend_from_slice(&prefix(body.len()));
            wire.extend_from_slice(body);
        }
        wire.extend_from_slice(&zero_frame(5));
        let mut r = BufReader::with_capacity(16, &wire[..]);
        let mut frame = Vec::new();
        assert_eq!(read_frame(&mut r, &mut frame, 70_000).unwrap(), 3);
        assert_eq!(frame, b"\x03\0\0\0abc");
        assert_eq!(read_frame(&mut r, &mut frame, 70_000).unwrap(), 0);
        assert_eq!(frame, [0; 4]);
        assert_eq!(read_frame(&mut r, &mut frame, 70_000).unwrap(), 70_000);
        assert!(frame[4..].iter().all(|&b| b == 7));
        assert_eq!(read_frame(&mut r, &mut frame, 5).unwrap(), 5);
        assert_eq!(frame, zero_frame(5));
        let eof = read_frame(&mut r, &mut frame, 5).unwrap_err();
        assert_eq!(eof.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn oversized_announcements_are_refused_before_allocating() {
        let wire = prefix(1 << 30);
        let mut frame = Vec::new();
        let e = read_frame(&mut &wire[..], &mut frame, 64).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert_eq!(frame.capacity(), 0);
    }
}
