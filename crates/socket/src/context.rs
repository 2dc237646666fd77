//! [`Context`]: the owner of a set of I/O threads and the factory of
//! [`Socket`]s. No global state: two contexts in one process share nothing.
//!
//! Lifetime: every socket holds a reference to its context's I/O threads, so
//! they run until the [`Context`] *and* all its sockets are dropped. A
//! dropped socket closes its listeners and drops its pipe ends; each of its
//! sessions still sends what was queued and ends once drained; a session
//! not yet connected keeps connecting while it has messages to deliver (as
//! libzmq does), and ends at once when it has none (or when its socket's
//! LINGER is 0).
//!
//! # The linger rule
//!
//! When the last reference goes, the context lingers: it waits until every
//! session on its I/O threads has ended, and then stops and joins the I/O
//! threads, closing whatever is left. How long it waits is decided by the
//! LINGER of each socket dropped before, and the longest wait wins:
//!
//! - LINGER `Some(d)`: at most `d` after that socket was dropped (`ZERO`:
//!   not at all, and its queued messages were already discarded).
//! - LINGER `None` *set by the user* (libzmq's -1, asked for explicitly):
//!   without limit, as libzmq's `zmq_ctx_term` does. A peer that never
//!   comes back then hangs the drop: that is what was asked for.
//! - LINGER never set (the default; it reads back as `None`, like libzmq's
//!   -1): as long as delivery makes progress. The context gives up once no
//!   session has written a byte on an established connection for the
//!   stall limit ([`DEFAULT_LINGER_STALL_LIMIT`](Context::DEFAULT_LINGER_STALL_LIMIT),
//!   30 s; [`Context::set_linger_stall_limit`]), counted from the moment
//!   the wait begins and restarted by every write. So a peer draining
//!   slowly but steadily receives everything, and a peer gone for good
//!   costs at most the stall limit instead of hanging the process (libzmq's
//!   notorious `zmq_ctx_term` hang).
//!
//! Progress is what the sessions write after the handshake, never connect
//! attempts or handshakes alone, so a peer that accepts and closes in a
//! loop cannot keep the context waiting. The bytes a closed socket can
//! still write are bounded (its queue is), so the default wait ends.

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
    /// How long a default-LINGER wait tolerates no progress.
    stall_limit: Mutex<Duration>,
    /// The inproc names bound in this context (shared with the sessions
    /// that ask a ZAP handler bound here).
    inproc: StdArc<Registry>,
}

/// What the sockets dropped so far ask the context to wait for (see the
/// module docs: the longest wait wins).
#[derive(Debug, Clone, Copy, Default)]
struct Linger {
    /// The latest deadline of an explicit LINGER `Some(d)`.
    until: Option<Instant>,
    /// A socket with LINGER set to `None` (forever) was dropped.
    forever: bool,
    /// A socket whose LINGER was never set was dropped: wait while
    /// delivery progresses.
    while_progress: bool,
}

impl ContextInner {
    /// A socket with these options was dropped: note its LINGER.
    pub(crate) fn linger(&self, options: &crate::Options) {
        let mut current = lock(&self.linger);
        match (options.linger(), options.linger_is_set()) {
            (None, true) => current.forever = true,
            (None, false) => current.while_progress = true,
            (Some(d), _) => {
                let t = Instant::now() + d;
                current.until = Some(current.until.map_or(t, |u| u.max(t)));
            }
        }
    }

    /// The sum of the I/O threads' progress counters: moves whenever a
    /// session writes.
    fn progress(&self) -> usize {
        self.io
            .iter()
            .fold(0usize, |sum, io| sum.wrapping_add(io.progress()))
    }

    /// The index of the I/O thread for the next bind or connect (round
    /// robin).
    pub(crate) fn pick(&self) -> usize {
        self.next.fetch_add(1, Ordering::Relaxed) % self.io.len()
    }

    /// The context's inproc names.
    pub(crate) fn inproc(&self) -> &StdArc<Registry> {
        &self.inproc
    }

    /// I/O thread `i` (from [`pick`](Self::pick)).
    pub(crate) fn io_thread(&self, i: usize) -> &IoThread {
        &self.io[i]
    }
}

impl Context {
    /// How long a context lingering for sockets whose LINGER was never set
    /// waits without any progress before giving up (see the module docs).
    pub const DEFAULT_LINGER_STALL_LIMIT: Duration = Duration::from_secs(30);

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
                linger: Mutex::new(Linger::default()),
                stall_limit: Mutex::new(Self::DEFAULT_LINGER_STALL_LIMIT),
                inproc: StdArc::new(Registry::default()),
            }),
        })
    }

    /// Sets how long the linger of sockets whose LINGER was never set
    /// tolerates no progress (default
    /// [`DEFAULT_LINGER_STALL_LIMIT`](Self::DEFAULT_LINGER_STALL_LIMIT); see
    /// the module docs). Applies to the wait when the context goes, for
    /// every such socket, whenever they were dropped. Sockets with an
    /// explicit LINGER are not affected.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use ferrozmq_socket::Context;
    /// use ferrozmq_wire::SocketType;
    ///
    /// let ctx = Context::new().unwrap();
    /// ctx.set_linger_stall_limit(Duration::from_millis(200));
    /// let push = ctx.socket(SocketType::Push).unwrap();
    /// let path = std::env::temp_dir().join(format!("nobody-{}.sock", std::process::id()));
    /// push.connect(&format!("ipc://{}", path.display())).unwrap(); // nobody listens there
    /// push.send(ferrozmq_msg::Msg::from_static(b"lost")).unwrap();
    /// let t = Instant::now();
    /// drop((push, ctx)); // gives up after 200 ms without progress
    /// assert!(t.elapsed() < Duration::from_secs(20));
    /// ```
    pub fn set_linger_stall_limit(&self, limit: Duration) {
        *lock(&self.inner.stall_limit) = limit;
    }

    /// The stall limit (see
    /// [`set_linger_stall_limit`](Self::set_linger_stall_limit)).
    pub fn linger_stall_limit(&self) -> Duration {
        *lock(&self.inner.stall_limit)
    }

    /// How many I/O threads this context runs.
    pub fn io_threads(&self) -> usize {
        self.inner.io.len()
    }

    /// Sets how long each of the context's I/O threads looks for work
    /// without sleeping before it sleeps (default 50 us). Finding a reply
    /// or the application's next send in that time saves a sleep and a
    /// wake-up, which on a virtual machine are most of a small round trip
    /// (tcp REQ/REP 64 B: ~9 us with it, ~45 us without, measured on a
    /// 2-core virtual machine); the cost is up to that much CPU, yielding,
    /// per quiet spell of each I/O thread. `Duration::ZERO` makes them
    /// sleep at once, as libzmq's do: the choice for many contexts with
    /// little traffic each. Takes effect at each thread's next wait.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ferrozmq_socket::Context;
    ///
    /// let ctx = Context::new().unwrap();
    /// assert_eq!(ctx.io_spin(), Duration::from_micros(50));
    /// ctx.set_io_spin(Duration::ZERO);
    /// assert_eq!(ctx.io_spin(), Duration::ZERO);
    /// ```
    pub fn set_io_spin(&self, spin: Duration) {
        for io in &self.inner.io {
            io.set_spin(spin);
        }
    }

    /// How long the I/O threads look for work before they sleep (see
    /// [`set_io_spin`](Self::set_io_spin)), to the microsecond.
    pub fn io_spin(&self) -> Duration {
        self.inner.io.first().map_or(Duration::ZERO, IoThread::spin)
    }

    /// A new socket of type `socket_type` with default options.
    ///
    /// # Errors
    ///
    /// None today: every type of [`SocketType`] is supported
    /// ([`SocketError`] stays for types a later ZMTP may add).
    pub fn socket(&self, socket_type: SocketType) -> Result<Socket, SocketError> {
        Socket::new(StdArc::clone(&self.inner), socket_type)
            .ok_or(SocketError::Unsupported(socket_type))
    }
}

impl Drop for ContextInner {
    /// Lingers (see the module docs), then the I/O threads stop as they are
    /// dropped.
    fn drop(&mut self) {
        let linger = *lock(&self.linger);
        if !linger.forever && !linger.while_progress && linger.until.is_none() {
            // No socket was dropped: nothing to wait for.
            return;
        }
        let stall_limit = *lock(&self.stall_limit);
        let mut progress = self.progress();
        let mut progressed_at = Instant::now();
        // A cold path, once per context: polling the counters is enough.
        while self.io.iter().any(|io| io.sessions() > 0) {
            let now = Instant::now();
            let p = self.progress();
            if p != progress {
                progress = p;
                progressed_at = now;
            }
            let deadline_passed = linger.until.is_none_or(|t| now >= t);
            let stalled =
                !linger.while_progress || now.duration_since(progressed_at) >= stall_limit;
            if !linger.forever && deadline_passed && stalled {
                break;
            }
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

/// Why [`Context::socket`] failed. It converts into
/// [`Error`](crate::Error) for `?`.
///
/// Every type of [`SocketType::ALL`] is supported, so `Context::socket`
/// does not fail for them; the enum stays (`#[non_exhaustive]`) for types
/// that [`SocketType`] may gain, such as the draft ZMTP 3.1 ones, before
/// they are built here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SocketError {
    /// This socket type is not implemented (libzmq: `EINVAL`).
    #[error("socket type {0:?} is not supported yet")]
    Unsupported(SocketType),
}

impl SocketError {
    /// libzmq's errno name for this error: `EINVAL`.
    pub fn errno_name(&self) -> &'static str {
        match self {
            Self::Unsupported(_) => "EINVAL",
        }
    }
}
