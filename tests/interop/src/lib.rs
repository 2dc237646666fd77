//! A tiny blocking driver that runs one `ferrozmq_wire::Connection` over a
//! `std` stream (TCP or a Unix socket), so the wire layer can be tested
//! against real libzmq before the socket layer exists.
//!
//! It is test code: one connection, one thread, blocking calls with read and
//! write timeouts, every wait bounded by a deadline the caller gives, so a
//! broken peer fails a test instead of hanging it. It applies no socket
//! pattern (no REQ state, no subscription filter): the tests do that by hand.
//!
//! Reading follows the wire layer's contract (`lib.rs` of `ferrozmq-wire`):
//! bytes go through a read buffer into `Connection::handle_input`, except
//! while the connection exposes a large body through `Connection::body_mut`,
//! when the next read is limited to that body's remaining length and lands in
//! it. This crate has no `unsafe` code, so that read goes through a scratch
//! buffer and `MsgMut::fill_from` rather than into the spare capacity itself
//! (the socket layer's `sys` module will read in place); what is tested is
//! the hand-off: the body is one exactly-sized block of the receive
//! allocator, and the bytes after it go back through `handle_input`.

#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, IoSlice, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ferrozmq_alloc::AllocError;
use ferrozmq_msg::Msg;
use ferrozmq_wire::{Config, ConfigError, Connection, ConnectionError, Event, PeerInfo, SendError};

/// The longest single blocking read, so timers are served while waiting.
const READ_SLICE: Duration = Duration::from_millis(20);
/// How long one blocked write may take before the test fails.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Size of the read buffer (libzmq's default `in_batch_size` is 8 KiB).
const READ_BUF: usize = 64 * 1024;

/// A byte stream the driver can run over: TCP or a Unix socket.
pub trait Stream: Read + Write {
    /// As `TcpStream::set_read_timeout`.
    ///
    /// # Errors
    ///
    /// As the underlying call.
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
    /// As `TcpStream::set_write_timeout`.
    ///
    /// # Errors
    ///
    /// As the underlying call.
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
}

impl Stream for TcpStream {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_write_timeout(self, timeout)
    }
}

impl Stream for UnixStream {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        UnixStream::set_read_timeout(self, timeout)
    }
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        UnixStream::set_write_timeout(self, timeout)
    }
}

/// Why a driver call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum DriverError {
    /// The stream failed (a write timeout included).
    Io(io::Error),
    /// The connection failed; what it queued (an ERROR) was flushed if possible.
    Connection(ConnectionError),
    /// The configuration was refused.
    Config(ConfigError),
    /// The connection refused a frame (handshake incomplete, or failed).
    Send(SendError),
    /// The receive allocator refused memory (the tests never exhaust it).
    Blocked(AllocError),
    /// The peer closed the stream.
    Eof,
    /// The deadline passed while waiting for what is named.
    Timeout(&'static str),
    /// An event arrived where another was expected.
    Unexpected(Event),
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriverError::Io(e) => write!(f, "i/o: {e}"),
            DriverError::Connection(e) => write!(f, "connection: {e}"),
            DriverError::Config(e) => write!(f, "config: {e}"),
            DriverError::Send(e) => write!(f, "send: {e}"),
            DriverError::Blocked(e) => write!(f, "receive allocator refused: {e}"),
            DriverError::Eof => f.write_str("the peer closed the stream"),
            DriverError::Timeout(what) => write!(f, "timed out waiting for {what}"),
            DriverError::Unexpected(event) => write!(f, "unexpected event {event:?}"),
        }
    }
}

impl std::error::Error for DriverError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DriverError::Io(e) => Some(e),
            DriverError::Connection(e) => Some(e),
            DriverError::Config(e) => Some(e),
            DriverError::Send(e) => Some(e),
            DriverError::Blocked(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for DriverError {
    fn from(e: io::Error) -> Self {
        DriverError::Io(e)
    }
}

/// What went through a driver, for assertions.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Bytes read from the stream.
    pub bytes_read: u64,
    /// Bytes written to the stream.
    pub bytes_written: u64,
    /// Of `bytes_read`, those read into a body exposed by `body_mut`.
    pub body_bytes_read: u64,
    /// PINGs received (each already answered by the connection).
    pub pings: u64,
    /// The TTL asked for by the last PING received.
    pub last_ping_ttl: Option<Duration>,
    /// PONGs received.
    pub pongs: u64,
}

/// One [`Connection`] over one blocking [`Stream`].
pub struct Driver<S> {
    conn: Connection,
    stream: S,
    buf: Box<[u8]>,
    /// `buf[start..end]` is read and not yet consumed by the connection.
    start: usize,
    end: usize,
    events: VecDeque<Event>,
    stats: Stats,
}

impl<S: Stream> Driver<S> {
    /// Starts a connection over `stream` (already connected or accepted).
    ///
    /// # Errors
    ///
    /// When `config` is refused or the stream's timeouts cannot be set.
    pub fn new(stream: S, config: Config) -> Result<Self, DriverError> {
        let conn = Connection::new(config, Instant::now()).map_err(DriverError::Config)?;
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        Ok(Self {
            conn,
            stream,
            buf: vec![0; READ_BUF].into_boxed_slice(),
            start: 0,
            end: 0,
            events: VecDeque::new(),
            stats: Stats::default(),
        })
    }

    /// The connection.
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The stream.
    pub fn stream(&self) -> &S {
        &self.stream
    }

    /// What went through so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Writes everything the connection has queued (one `writev` per round).
    ///
    /// # Errors
    ///
    /// When a write fails or blocks longer than the write timeout.
    pub fn flush(&mut self) -> Result<(), DriverError> {
        loop {
            let written = {
                let mut iov = [IoSlice::new(&[]); 64];
                let n = self.conn.poll_transmit(&mut iov);
                if n == 0 {
                    return Ok(());
                }
                match self.stream.write_vectored(&iov[..n]) {
                    Ok(0) => return Err(DriverError::Eof),
                    Ok(w) => w,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
                    Err(e) => return Err(e.into()),
                }
            };
            self.conn.advance(written);
            self.stats.bytes_written += written as u64;
        }
    }

    /// Queues one message (its frames' MORE flags set here) and flushes.
    ///
    /// # Errors
    ///
    /// As [`flush`](Self::flush), or the connection's refusal.
    pub fn send_parts<I>(&mut self, parts: I) -> Result<(), DriverError>
    where
        I: IntoIterator<Item = Msg>,
    {
        self.queue_parts(parts)?;
        self.flush()
    }

    /// Queues one message (its frames' MORE flags set here) without flushing.
    ///
    /// # Errors
    ///
    /// The connection's refusal (handshake incomplete, or failed).
    pub fn queue_parts<I>(&mut self, parts: I) -> Result<(), DriverError>
    where
        I: IntoIterator<Item = Msg>,
    {
        let mut parts = parts.into_iter().peekable();
        while let Some(part) = parts.next() {
            let more = parts.peek().is_some();
            self.conn
                .send(part.with_more(more))
                .map_err(DriverError::Send)?;
        }
        Ok(())
    }

    /// Waits for the handshake and returns what it learned about the peer.
    ///
    /// # Errors
    ///
    /// The connection's error (an incompatible peer, say), or a timeout.
    pub fn handshake(&mut self, deadline: Instant) -> Result<PeerInfo, DriverError> {
        match self.next_event(deadline, "the handshake")? {
            Event::HandshakeComplete(peer) => Ok(*peer),
            other => Err(DriverError::Unexpected(other)),
        }
    }

    /// The next event other than PING and PONG (those are counted in
    /// [`stats`](Self::stats)).
    ///
    /// # Errors
    ///
    /// The connection's or the stream's error, or `Timeout(what)`.
    pub fn next_event(
        &mut self,
        deadline: Instant,
        what: &'static str,
    ) -> Result<Event, DriverError> {
        loop {
            if let Some(event) = self.events.pop_front() {
                return Ok(event);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(DriverError::Timeout(what));
            }
            self.poll(deadline - now)?;
        }
    }

    /// Receives one whole message: data frames up to the one without MORE.
    ///
    /// # Errors
    ///
    /// As [`next_event`](Self::next_event); `Unexpected` for a non-message
    /// event.
    pub fn recv_parts(&mut self, deadline: Instant) -> Result<Vec<Msg>, DriverError> {
        let mut parts = Vec::new();
        loop {
            match self.next_event(deadline, "a message")? {
                Event::Message(frame) => {
                    let more = frame.more();
                    parts.push(frame);
                    if !more {
                        return Ok(parts);
                    }
                }
                other => return Err(DriverError::Unexpected(other)),
            }
        }
    }

    /// Keeps the connection running (reading, answering, timers) for `period`;
    /// events received meanwhile stay queued.
    ///
    /// # Errors
    ///
    /// The connection's or the stream's error.
    pub fn run_for(&mut self, period: Duration) -> Result<(), DriverError> {
        let end = Instant::now() + period;
        loop {
            let now = Instant::now();
            if now >= end {
                return Ok(());
            }
            self.poll(end - now)?;
        }
    }

    /// One round: flush, serve due timers, read once (waiting at most
    /// `wait`, capped so timers are served), feed the connection, flush.
    fn poll(&mut self, wait: Duration) -> Result<(), DriverError> {
        self.flush()?;
        let now = Instant::now();
        let mut wait = wait.min(READ_SLICE);
        if let Some(at) = self.conn.poll_timeout() {
            if at <= now {
                self.fail_on(|c| c.handle_timeout(now))?;
                self.flush()?;
            } else {
                wait = wait.min(at - now);
            }
        }
        self.stream
            .set_read_timeout(Some(wait.max(Duration::from_millis(1))))?;
        let read = if let Some(body) = self.conn.body_mut() {
            // A body is open: the read buffer is empty (the decoder took all
            // of it), and the next bytes of the stream belong to the body,
            // up to its remaining length and not one byte more.
            debug_assert_eq!(self.start, self.end);
            let want = body.remaining().min(self.buf.len());
            let n = read_some(&mut self.stream, &mut self.buf[..want])?;
            let filled = body.fill_from(&self.buf[..n]);
            debug_assert_eq!(filled, n);
            self.stats.body_bytes_read += n as u64;
            n
        } else {
            if self.end == self.buf.len() {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            let n = read_some(&mut self.stream, &mut self.buf[self.end..])?;
            self.end += n;
            n
        };
        self.stats.bytes_read += read as u64;
        if read > 0 {
            self.feed(Instant::now())?;
        }
        self.flush()
    }

    /// Hands the buffered bytes to the connection until it has taken them
    /// all (polling events between calls, as `MAX_PENDING_EVENTS` asks).
    fn feed(&mut self, now: Instant) -> Result<(), DriverError> {
        loop {
            let (start, end) = (self.start, self.end);
            let progress = match self.conn.handle_input(&self.buf[start..end], now) {
                Ok(p) => p,
                Err(e) => return Err(self.fail(e)),
            };
            self.start += progress.consumed;
            let got = self.drain_events();
            if let Some(e) = progress.blocked {
                return Err(DriverError::Blocked(e));
            }
            if self.start == self.end || (progress.consumed == 0 && !got) {
                break;
            }
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        Ok(())
    }

    fn drain_events(&mut self) -> bool {
        let mut got = false;
        while let Some(event) = self.conn.poll_event() {
            got = true;
            match &event {
                Event::Ping { ttl, .. } => {
                    self.stats.pings += 1;
                    self.stats.last_ping_ttl = *ttl;
                }
                Event::Pong { .. } => self.stats.pongs += 1,
                _ => {}
            }
            // PING and PONG are counted, not queued, so that a heartbeat
            // between two messages never gets in a test's way.
            if !matches!(event, Event::Ping { .. } | Event::Pong { .. }) {
                self.events.push_back(event);
            }
        }
        got
    }

    fn fail_on(
        &mut self,
        f: impl FnOnce(&mut Connection) -> Result<(), ConnectionError>,
    ) -> Result<(), DriverError> {
        f(&mut self.conn).map_err(|e| self.fail(e))
    }

    /// Flushes what a failed connection queued (an ERROR), best effort.
    fn fail(&mut self, e: ConnectionError) -> DriverError {
        let _ = self.flush();
        DriverError::Connection(e)
    }
}

impl<S> fmt::Debug for Driver<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("conn", &self.conn)
            .field("buffered", &(self.end - self.start))
            .field("events", &self.events.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// One read; a timeout is 0 bytes, the end of the stream is `Eof`.
fn read_some(stream: &mut impl Read, buf: &mut [u8]) -> Result<usize, DriverError> {
    match stream.read(buf) {
        Ok(0) if !buf.is_empty() => Err(DriverError::Eof),
        Ok(n) => Ok(n),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
            ) =>
        {
            Ok(0)
        }
        Err(e) => Err(e.into()),
    }
}
