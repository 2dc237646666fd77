//! [`Context`]: the owner of a set of I/O threads and the factory of
//! [`Socket`]s. No global state: two contexts in one process share nothing.
//!
//! Lifetime: every socket holds a reference to its context's I/O threads, so
//! they run until the [`Context`] *and* all its sockets are dropped. A
//! dropped socket closes its listeners and drops its pipe ends; each of its
//! sessions still sends what was queued and ends once drained; a session
//! not yet connected keeps connecting while it has messages to deliver (as
//! libzmq does), and ends at once when it has none. When the last reference goes, the
//! context lingers: it waits until every session on its I/O threads has
//! ended, but no longer than the longest LINGER among its dropped sockets
//! (`None`, libzmq's -1 and the default, waits without limit; `Some(ZERO)`
//! not at all); then it stops and joins the I/O threads, closing whatever
//! is left.

use std::io;
use std::time::{Duration, Instant};

use ferrozmq_wire::SocketType;

use crate::inproc::Registry;
use crate::io_thread::IoThread;
use crate::socket::Socket;
use crate::sync::{AtomicUsize, Mutex, Ordering, StdArc, lock};

/// A ZeroMQ context: its I/O threads and the sockets made from it (see the
/// module docs).
///
/// ```
/// use ferrozmq_socket::Context;
/// use ferrozmq_wire::SocketType;
///
/// let ctx = Context::new().unwrap();
/// let pull = ctx.socket(SocketType::Pull).unwrap();
/// pull.bind("tcp://127.0.0.1:0").unwrap();
/// let push = ctx.socket(SocketType::Push).unwrap();
/// push.connect(&pull.last_endpoint().unwrap().to_string()).unwrap();
/// push.send(ferrozmq_msg::Msg::from_static(b"hi")).unwrap();
/// assert_eq!(&pull.recv().unwrap()[..], b"hi");
/// ```
#[derive(Clone)]
pub struct Context {
    inner: StdArc<ContextInner>,
}

/// What a context and its sockets share.
pub(crate) struct ContextInner {
    io: Vec<IoThread>,
    next: AtomicUsize,
    /// How long to linger when the context goes.
    linger: Mutex<Linger>,
    /// The inproc names bound in this context.
    inproc: Registry,
}

/// The longest linger of the sockets dropped so far.
#[derive(Debug, Clone, Copy)]
enum Linger {
    /// No socket was dropped: nothing to wait for.
    Nothing,
    /// Until then.
    Until(Instant),
    /// Until every session has ended.
    Forever,
}

impl ContextInner {
    /// A socket with this LINGER was dropped.
    pub(crate) fn linger(&self, linger: Option<Duration>) {
        let mut current = lock(&self.linger);
        *current = match (*current, linger) {
            (Linger::Forever, _) | (_, None) => Linger::Forever,
            (Linger::Nothing, Some(d)) => Linger::Until(Instant::now() + d),
            (Linger::Until(t), Some(d)) => Linger::Until(t.max(Instant::now() + d)),
        };
    }

    /// The index of the I/O thread for the next bind or connect (round
    /// robin).
    pub(crate) fn pick(&self) -> usize {
        self.next.fetch_add(1, Ordering::Relaxed) % self.io.len()
    }

    /// The context's inproc names.
    pub(crate) fn inproc(&self) -> &Registry {
        &self.inproc
    }

    /// I/O thread `i` (from [`pick`](Self::pick)).
    pub(crate) fn io_thread(&self, i: usize) -> &IoThread {
        &self.io[i]
    }
}

impl Context {
    /// A context with one I/O thread (libzmq's default).
    ///
    /// # Errors
    ///
    /// The I/O thread could not be started.
    pub fn new() -> io::Result<Self> {
        Self::with_io_threads(1)
    }

    /// A context with `n` I/O threads (at least one); binds and connects
    /// are spread over them in turn.
    ///
    /// # Errors
    ///
    /// An I/O thread could not be started.
    pub fn with_io_threads(n: usize) -> io::Result<Self> {
        let io = (0..n.max(1))
            .map(|i| IoThread::spawn(&format!("ferrozmq-io-{i}")))
            .collect::<io::Result<Vec<_>>>()?;
        Ok(Self {
            inner: StdArc::new(ContextInner {
                io,
                next: AtomicUsize::new(0),
                linger: Mutex::new(Linger::Nothing),
                inproc: Registry::default(),
            }),
        })
    }

    /// How many I/O threads this context runs.
    pub fn io_threads(&self) -> usize {
        self.inner.io.len()
    }

    /// A new socket of type `socket_type` with default options.
    ///
    /// # Errors
    ///
    /// [`SocketError::Unsupported`] for types not built yet (only PUSH, PULL,
    /// PUB, SUB, REQ and REP are).
    pub fn socket(&self, socket_type: SocketType) -> Result<Socket, SocketError> {
        match socket_type {
            SocketType::Push
            | SocketType::Pull
            | SocketType::Pub
            | SocketType::Sub
            | SocketType::Req
            | SocketType::Rep => Ok(Socket::new(StdArc::clone(&self.inner), socket_type)),
            other => Err(SocketError::Unsupported(other)),
        }
    }
}

impl Drop for ContextInner {
    /// Lingers (see the module docs), then the I/O threads stop as they are
    /// dropped.
    fn drop(&mut self) {
        let until = match *lock(&self.linger) {
            Linger::Nothing => return,
            Linger::Until(t) => Some(t),
            Linger::Forever => None,
        };
        // A cold path, once per context: polling the counts is enough.
        while self.io.iter().any(|io| io.sessions() > 0) && until.is_none_or(|t| Instant::now() < t)
        {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

impl core::fmt::Debug for Context {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Context")
            .field("io_threads", &self.inner.io.len())
            .finish()
    }
}

/// Why [`Context::socket`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SocketError {
    /// This socket type is not implemented yet (libzmq: `EINVAL`).
    #[error("socket type {0:?} is not supported yet")]
    Unsupported(SocketType),
}

impl SocketError {
    /// libzmq's errno name for this error.
    pub fn errno_name(&self) -> &'static str {
        "EINVAL"
    }
}
