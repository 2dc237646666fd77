//! [`IoThread`]: a mio event loop on its own thread, serving the listeners
//! and sessions of tcp and ipc endpoints. No global state: every I/O thread
//! owns its `Poll`, its command queue and its sessions.
//!
//! Other threads talk to it through a lock-free command queue plus a
//! `mio::Waker` (bind, connect, shut down), and pipes wake it through each
//! session's [`SessionSignal`]: a [`Signal`] (and a [`std::task::Waker`],
//! for the receive allocator's `notify_on_release`) that queues the
//! session's token and wakes the loop, at most once until the loop has
//! looked at the session again.
//!
//! A turn costs what happened in it, not what the loop holds: the sessions
//! touched in a turn (by readiness, a wake-up, a command or a timer) are
//! looked at again at its end; deadlines sit in a heap (one live entry per
//! session, stale ones skipped when popped, as libzmq's `poller_base_t`
//! keeps its timers in an ordered map); sessions that ran out of rounds
//! wait in a list for the next turn; the session count is kept, not
//! counted. So 10 000 idle connections cost nothing per message of a busy
//! one. Before it sleeps, a loop looks for events without sleeping for a
//! moment ([`SPIN_BEFORE_SLEEP`]), yielding the core between looks.
//!
//! A listener is closed on request ([`IoThread::unbind`], when its socket
//! goes); a session ends by itself once its socket dropped its pipes.
//! Sessions count the bytes they write on established connections
//! ([`IoThread::progress`]), which the context watches while it lingers;
//! dropping the `IoThread` closes everything at once.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::task::Wake;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_queue::SegQueue;
use mio::{Events, Interest, Poll, Registry, Token};

use crate::endpoint::Endpoint;
use crate::error::BindError;
use crate::live::LiveSessions;
use crate::monitor::{Monitor, MonitorHub, SocketEventKind};
use crate::session::{Reconnect, Session, SessionParts};
use crate::signal::{Armed, Signal};
use crate::sync::{AtomicUsize, Mutex, Ordering, StdArc, lock};
use crate::transport::{Listener, Stream};

/// The waker's token; sessions and listeners count up from 1.
const WAKER: Token = Token(0);
/// At most this many connections are accepted from one listener per turn:
/// a connect flood must not keep the loop from its commands and sessions.
/// A listener that hit it is served again next turn (readiness is
/// edge-triggered, so it is remembered rather than re-reported).
const ACCEPTS_PER_TURN: usize = 64;
/// Before it sleeps, the I/O thread looks for events without sleeping for
/// up to this long, yielding the core between looks: a reply, the next
/// request or the application's next send usually comes within it, and
/// each one found costs no sleep and no wake-up (on a virtual machine a
/// wake-up costs 10-20 us; with this, a tcp REQ/REP round trip of 64 bytes
/// went from ~44 to ~10 us here, and a 64-byte stream gained ~20 %). An
/// idle thread pays it once per quiet spell, yielding throughout. The
/// default; `Context::set_io_spin` changes it.
const SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(50);

/// Builds a session for an accepted connection, given the session's signal
/// (to build its pipes with); `None` refuses the connection.
pub(crate) type Acceptor = Box<dyn FnMut(StdArc<dyn Signal>) -> Option<SessionParts> + Send>;

/// What other threads ask of the I/O thread.
enum Command {
    /// Serve a listener bound by the caller.
    Listen {
        token: Token,
        listener: Listener,
        acceptor: Acceptor,
        monitor: Monitor,
    },
    /// Close a listener.
    Unlisten(Token),
    /// Start a connecting session.
    Connect {
        signal: StdArc<SessionSignal>,
        // Boxed: a config and two pipe ends make this the large variant.
        parts: Box<SessionParts>,
        endpoint: Endpoint,
        reconnect: Reconnect,
        monitor: Monitor,
    },
    /// Close everything and leave the loop.
    Shutdown,
}

/// What the I/O thread and its callers share.
struct Shared {
    commands: SegQueue<Command>,
    /// Tokens of sessions whose signal fired, each at most once (see
    /// `Armed`). A vector the loop swaps with its own: it keeps its
    /// capacity, so a wake-up allocates nothing (crossbeam's `SegQueue`
    /// allocated a block every 31 pushes).
    ready: Mutex<Vec<Token>>,
    waker: mio::Waker,
    /// The next token to hand out (a cold path: once per session).
    next_token: Mutex<usize>,
    /// Sessions held or on their way (connect commands queued, connections
    /// accepted this turn), for the lingering context: a socket closed right
    /// after `connect`, or right after sending to a peer it was just handed,
    /// must still be waited for.
    live: LiveSessions,
    /// Bytes its sessions wrote on established connections (wrapping):
    /// a lingering context gives up on a default LINGER once this stops
    /// moving. Written only by the loop's thread.
    progress: AtomicUsize,
    /// How long the loop looks for events without sleeping before it
    /// sleeps, in microseconds (see [`SPIN_BEFORE_SLEEP`]); read once per
    /// wait.
    spin_us: AtomicUsize,
}

impl Shared {
    fn token(&self) -> Token {
        let mut next = lock(&self.next_token);
        *next += 1;
        Token(*next - 1)
    }

    fn wake(&self) {
        // A failed eventfd write means the loop is gone; nothing to wake.
        let _ = self.waker.wake();
    }
}

/// A session's wake-up: its pipes' session-side signal and its receive
/// allocator's waker (see the module docs).
pub(crate) struct SessionSignal {
    token: Token,
    /// Queued in `ready` and not yet taken by the loop.
    armed: Armed,
    shared: StdArc<Shared>,
}

impl SessionSignal {
    /// The session's token.
    pub(crate) fn token(&self) -> Token {
        self.token
    }
}

impl SessionSignal {
    /// The session wrote `bytes` on an established connection (linger
    /// progress). Called on the loop's thread only, so a load and a store
    /// do (no locked instruction on the write path).
    pub(crate) fn progressed(&self, bytes: usize) {
        let p = &self.shared.progress;
        p.store(
            p.load(Ordering::Relaxed).wrapping_add(bytes),
            Ordering::Relaxed,
        );
    }
}

impl Signal for SessionSignal {
    fn notify(&self) {
        if self.armed.arm() {
            lock(&self.shared.ready).push(self.token);
            self.shared.wake();
        }
    }
}

impl Wake for SessionSignal {
    fn wake(self: StdArc<Self>) {
        self.notify();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.notify();
    }
}

/// An I/O thread (see the module docs). Dropping it stops the loop, closes
/// every listener and session on it and joins the thread.
pub(crate) struct IoThread {
    shared: StdArc<Shared>,
    registry: Registry,
    thread: Option<JoinHandle<()>>,
}

impl IoThread {
    /// Starts an I/O thread named `name`.
    ///
    /// # Errors
    ///
    /// Creating the poller or the thread failed.
    pub(crate) fn spawn(name: &str) -> io::Result<Self> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let shared = StdArc::new(Shared {
            commands: SegQueue::new(),
            ready: Mutex::new(Vec::new()),
            waker: mio::Waker::new(poll.registry(), WAKER)?,
            next_token: Mutex::new(1),
            live: LiveSessions::new(),
            progress: AtomicUsize::new(0),
            spin_us: AtomicUsize::new(SPIN_BEFORE_SLEEP.as_micros() as usize),
        });
        let loop_shared = StdArc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || EventLoop::new(poll, loop_shared).run())?;
        Ok(Self {
            shared,
            registry,
            thread: Some(thread),
        })
    }

    /// A fresh signal for a session about to be started with
    /// [`connect`](Self::connect): build the session's pipes with it.
    pub(crate) fn session_signal(&self) -> StdArc<SessionSignal> {
        StdArc::new(SessionSignal {
            token: self.shared.token(),
            armed: Armed::new(),
            shared: StdArc::clone(&self.shared),
        })
    }

    /// Binds `endpoint` on the calling thread (so errors are immediate) and
    /// hands the listener to the I/O thread, which calls `acceptor` for each
    /// connection. Returns the concrete endpoint (tcp port 0 resolved).
    /// Events of the listener and its connections go to `hub`, about the
    /// bound endpoint (`Listening` at once).
    ///
    /// # Errors
    ///
    /// [`BindError`] from the OS.
    pub(crate) fn bind(
        &self,
        endpoint: &Endpoint,
        acceptor: Acceptor,
        hub: StdArc<MonitorHub>,
    ) -> Result<(Endpoint, Token), BindError> {
        let (mut listener, bound) = Listener::bind(endpoint)?;
        let token = self.shared.token();
        self.registry
            .register(&mut listener, token, Interest::READABLE)
            .map_err(|e| BindError::io(endpoint.clone(), e))?;
        let monitor = Monitor::new(hub, bound.clone());
        monitor.emit(SocketEventKind::Listening);
        self.command(Command::Listen {
            token,
            listener,
            acceptor,
            monitor,
        });
        Ok((bound, token))
    }

    /// Closes the listener [`bind`](Self::bind) returned `token` for;
    /// sessions it accepted carry on.
    pub(crate) fn unbind(&self, token: Token) {
        self.command(Command::Unlisten(token));
    }

    /// Starts a session that connects to `endpoint` and reconnects as
    /// `reconnect` says. `signal` comes from
    /// [`session_signal`](Self::session_signal) and `parts` were built with
    /// it. Failures go to `monitor`.
    pub(crate) fn connect(
        &self,
        signal: StdArc<SessionSignal>,
        parts: SessionParts,
        endpoint: Endpoint,
        reconnect: Reconnect,
        monitor: Monitor,
    ) {
        // Counted before the command is queued (see `LiveSessions`).
        self.shared.live.arriving();
        self.command(Command::Connect {
            signal,
            parts: Box::new(parts),
            endpoint,
            reconnect,
            monitor,
        });
    }

    /// How many sessions (connections or reconnecting peers) the loop
    /// held at the end of its last turn; the context waits for this to
    /// reach 0 while lingering.
    pub(crate) fn sessions(&self) -> usize {
        self.shared.live.live()
    }

    /// A counter that moves whenever a session on this thread writes to
    /// an established connection; the lingering context watches it.
    pub(crate) fn progress(&self) -> usize {
        self.shared.progress.load(Ordering::Relaxed)
    }

    /// Sets how long the loop looks for events without sleeping before it
    /// sleeps (0: it sleeps at once); from its next wait on.
    pub(crate) fn set_spin(&self, spin: Duration) {
        let us = usize::try_from(spin.as_micros()).unwrap_or(usize::MAX);
        self.shared.spin_us.store(us, Ordering::Relaxed);
    }

    /// See [`set_spin`](Self::set_spin).
    pub(crate) fn spin(&self) -> Duration {
        Duration::from_micros(self.shared.spin_us.load(Ordering::Relaxed) as u64)
    }

    fn command(&self, command: Command) {
        self.shared.commands.push(command);
        self.shared.wake();
    }
}

impl Drop for IoThread {
    fn drop(&mut self) {
        self.command(Command::Shutdown);
        if let Some(thread) = self.thread.take() {
            // A panic on the I/O thread has already been reported by the
            // panic hook; there is nothing more to do with it here.
            let _ = thread.join();
        }
    }
}

/// What a token stands for on the loop.
enum Entry {
    /// A listener and what to do with its connections.
    Listener {
        listener: Listener,
        acceptor: Acceptor,
        monitor: Monitor,
    },
    /// A session.
    Session(Box<Session>),
}

/// The loop's own state, on the I/O thread.
struct EventLoop {
    poll: Poll,
    shared: StdArc<Shared>,
    entries: HashMap<Token, Entry>,
    /// Each session's signal, to disarm it when its token is taken.
    signals: HashMap<Token, StdArc<SessionSignal>>,
    /// The tokens being handled, swapped with `Shared::ready`.
    ready: Vec<Token>,
    /// Listeners that stopped at [`ACCEPTS_PER_TURN`] with more waiting.
    busy_listeners: Vec<Token>,
    /// Sessions handled this turn, looked at again at its end.
    touched: Vec<Token>,
    /// Sessions that ran out of rounds: handled again next turn.
    again: Vec<Token>,
    /// The list being worked through while `busy_listeners` or `again`
    /// fills for the next turn; swapped so that neither loses its capacity
    /// (a steady turn allocates nothing).
    draining: Vec<Token>,
    /// Session deadlines, earliest first; an entry is live while it
    /// matches `scheduled`.
    timers: BinaryHeap<Reverse<(Instant, Token)>>,
    /// The deadline each session has a live heap entry for.
    scheduled: HashMap<Token, Instant>,
    /// How many sessions the loop holds.
    sessions: usize,
    /// Every session the last turn handled is waiting for the rest of a
    /// large body (see `Session::awaits_large_body`): the next wait sleeps
    /// at once, as the spin would only take the core from the sender.
    awaiting_large: bool,
}

impl EventLoop {
    fn new(poll: Poll, shared: StdArc<Shared>) -> Self {
        Self {
            poll,
            shared,
            entries: HashMap::new(),
            signals: HashMap::new(),
            ready: Vec::new(),
            busy_listeners: Vec::new(),
            touched: Vec::new(),
            again: Vec::new(),
            draining: Vec::new(),
            timers: BinaryHeap::new(),
            scheduled: HashMap::new(),
            sessions: 0,
            awaiting_large: false,
        }
    }

    /// Looks at a session handled this turn: drops it if it ended, lists
    /// it for the next turn if it has work left, and keeps one heap entry
    /// at or before its deadline. True when it waits for the rest of a
    /// large body.
    fn settle_session(&mut self, token: Token) -> bool {
        let Some(Entry::Session(s)) = self.entries.get(&token) else {
            return false;
        };
        if s.is_done() {
            self.entries.remove(&token);
            self.signals.remove(&token);
            self.scheduled.remove(&token);
            self.sessions -= 1;
            return false;
        }
        if s.wants_again() {
            self.again.push(token);
        }
        if let Some(deadline) = s.deadline() {
            // An entry at or before the deadline already wakes the loop in
            // time; a later one is replaced (the old one goes stale).
            if self.scheduled.get(&token).is_none_or(|&t| t > deadline) {
                self.scheduled.insert(token, deadline);
                self.timers.push(Reverse((deadline, token)));
            }
        }
        s.awaits_large_body()
    }

    fn run(mut self) {
        let mut events = Events::with_capacity(256);
        loop {
            let timeout = self.timeout();
            if let Err(e) = self.wait(&mut events, timeout) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                // epoll_wait fails only on programming errors; stop rather
                // than spin.
                return;
            }
            let now = Instant::now();
            let mut woken = false;
            // Sessions counted as arriving that this turn adds to `sessions`.
            let mut arrivals = 0;
            for event in events.iter() {
                if event.token() == WAKER {
                    woken = true;
                    continue;
                }
                let readable = event.is_readable() || event.is_read_closed() || event.is_error();
                let writable = event.is_writable() || event.is_write_closed() || event.is_error();
                arrivals += self.handle_io(event.token(), readable, writable, now);
            }
            let mut listeners = core::mem::take(&mut self.draining);
            core::mem::swap(&mut listeners, &mut self.busy_listeners);
            for token in listeners.drain(..) {
                arrivals += self.handle_io(token, true, false, now);
            }
            self.draining = listeners;
            if woken || !self.shared.commands.is_empty() {
                while let Some(command) = self.shared.commands.pop() {
                    match self.handle_command(command, now) {
                        Some(n) => arrivals += n,
                        None => return,
                    }
                }
            }
            // Tokens queued while these are handled come in the next round.
            loop {
                core::mem::swap(&mut *lock(&self.shared.ready), &mut self.ready);
                if self.ready.is_empty() {
                    break;
                }
                for token in self.ready.drain(..) {
                    if let Some(signal) = self.signals.get(&token) {
                        // Before looking, so a notify from now on queues the
                        // token again: no wake-up is lost (see `Armed`).
                        signal.armed.take();
                    }
                    if let Some(Entry::Session(s)) = self.entries.get_mut(&token) {
                        s.handle_wake(now);
                        self.touched.push(token);
                    }
                }
            }
            self.handle_timers(now);
            let (mut touched, mut large) = (0, 0);
            while let Some(token) = self.touched.pop() {
                touched += 1;
                large += usize::from(self.settle_session(token));
            }
            self.awaiting_large = touched > 0 && large == touched;
            self.shared.live.settle(self.sessions, arrivals);
        }
    }

    /// Waits for events until `timeout` (`None`: no limit), looking
    /// without sleeping for the spin time first ([`SPIN_BEFORE_SLEEP`]
    /// unless set otherwise; never past the timeout; not at all when the
    /// last turn's sessions all await large bodies).
    fn wait(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        let spin = self.shared.spin_us.load(Ordering::Relaxed);
        if timeout == Some(Duration::ZERO) || spin == 0 || self.awaiting_large {
            return self.poll.poll(events, timeout);
        }
        let start = Instant::now();
        let spin = Duration::from_micros(spin as u64);
        let spin = timeout.map_or(spin, |t| t.min(spin));
        loop {
            self.poll.poll(events, Some(Duration::ZERO))?;
            if !events.is_empty() {
                return Ok(());
            }
            let spent = start.elapsed();
            if spent >= spin {
                let rest = timeout.map(|t| t.saturating_sub(spent));
                return self.poll.poll(events, rest);
            }
            std::thread::yield_now();
        }
    }

    fn timeout(&mut self) -> Option<Duration> {
        if !self.busy_listeners.is_empty() || !self.again.is_empty() {
            return Some(Duration::ZERO);
        }
        // Stale entries on top are dropped here, so the wait is not cut
        // short by a deadline that moved.
        while let Some(&Reverse((t, token))) = self.timers.peek() {
            if self.scheduled.get(&token) == Some(&t) {
                return Some(t.saturating_duration_since(Instant::now()));
            }
            self.timers.pop();
        }
        None
    }

    /// Runs `command`; returns how many sessions counted as arriving it
    /// added, or `None` to shut down.
    fn handle_command(&mut self, command: Command, now: Instant) -> Option<usize> {
        let arrivals = match command {
            Command::Listen {
                token,
                listener,
                acceptor,
                monitor,
            } => {
                self.entries.insert(
                    token,
                    Entry::Listener {
                        listener,
                        acceptor,
                        monitor,
                    },
                );
                // Connections may have queued before registration was seen.
                self.handle_io(token, true, false, now)
            }
            Command::Connect {
                signal,
                parts,
                endpoint,
                reconnect,
                monitor,
            } => {
                let token = signal.token();
                self.signals.insert(token, StdArc::clone(&signal));
                let s = Session::connecting(
                    signal,
                    *parts,
                    endpoint,
                    reconnect,
                    monitor,
                    self.poll.registry(),
                    now,
                );
                self.entries.insert(token, Entry::Session(Box::new(s)));
                self.sessions += 1;
                self.touched.push(token);
                1
            }
            Command::Unlisten(token) => {
                if let Some(Entry::Listener {
                    mut listener,
                    monitor,
                    ..
                }) = self.entries.remove(&token)
                {
                    // Deregistering a listener about to close cannot matter.
                    let _ = self.poll.registry().deregister(&mut listener);
                    monitor.emit(SocketEventKind::Closed);
                }
                0
            }
            Command::Shutdown => return None,
        };
        Some(arrivals)
    }

    /// Readiness for `token`; returns how many connections it accepted
    /// (each counted as arriving).
    #[must_use]
    fn handle_io(&mut self, token: Token, readable: bool, writable: bool, now: Instant) -> usize {
        let mut accepted = Vec::new();
        let mut arrivals = 0;
        let mut busy = false;
        match self.entries.get_mut(&token) {
            Some(Entry::Session(s)) => {
                s.handle_io(readable, writable, now);
                self.touched.push(token);
            }
            Some(Entry::Listener {
                listener,
                acceptor,
                monitor,
            }) => loop {
                if arrivals == ACCEPTS_PER_TURN {
                    busy = true;
                    break;
                }
                match listener.accept() {
                    Ok(stream) => {
                        // Counted before the socket gets its pipes: it may
                        // send and close before this turn ends.
                        self.shared.live.arriving();
                        arrivals += 1;
                        let signal = StdArc::new(SessionSignal {
                            token: self.shared.token(),
                            armed: Armed::new(),
                            shared: StdArc::clone(&self.shared),
                        });
                        if let Some(parts) = acceptor(signal.clone()) {
                            accepted.push((signal, parts, stream, monitor.clone()));
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        monitor.emit(SocketEventKind::AcceptFailed(StdArc::new(e)));
                        break;
                    }
                }
            },
            None => {}
        }
        if busy {
            self.busy_listeners.push(token);
        }
        for (signal, parts, stream, monitor) in accepted {
            self.start_accepted(signal, parts, stream, monitor, now);
        }
        arrivals
    }

    fn start_accepted(
        &mut self,
        signal: StdArc<SessionSignal>,
        parts: SessionParts,
        stream: Stream,
        monitor: Monitor,
        now: Instant,
    ) {
        let token = signal.token();
        self.signals.insert(token, StdArc::clone(&signal));
        let s = Session::accepted(signal, parts, stream, monitor, self.poll.registry(), now);
        self.entries.insert(token, Entry::Session(Box::new(s)));
        self.sessions += 1;
        self.touched.push(token);
    }

    /// Sessions with rounds left from the last turn, and those whose
    /// deadline passed.
    fn handle_timers(&mut self, now: Instant) {
        let mut again = core::mem::take(&mut self.draining);
        core::mem::swap(&mut again, &mut self.again);
        for token in again.drain(..) {
            if let Some(Entry::Session(s)) = self.entries.get_mut(&token)
                && s.wants_again()
            {
                s.handle_wake(now);
                self.touched.push(token);
            }
        }
        self.draining = again;
        while let Some(&Reverse((t, token))) = self.timers.peek() {
            if t > now {
                break;
            }
            self.timers.pop();
            if self.scheduled.get(&token) != Some(&t) {
                continue; // stale: the deadline moved since
            }
            self.scheduled.remove(&token);
            if let Some(Entry::Session(s)) = self.entries.get_mut(&token) {
                if s.deadline().is_some_and(|d| d <= now) {
                    s.handle_timeout(self.poll.registry(), now);
                }
                self.touched.push(token);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use ferrozmq_alloc::{Heap, RecvAllocator};
    use ferrozmq_msg::{Msg, Multipart};
    use ferrozmq_test_support::Metered;
    use ferrozmq_wire::{Config, ConnectionError, SocketType};

    use super::*;
    use crate::monitor::{SessionError, SocketMonitor};
    use crate::pipe::{Item, PipeReader, PipeWriter, RecvTimeoutError, SendTimeoutError, pipe};
    use crate::signal::Parker;

    /// Every wait in these tests ends by then.
    const WAIT: Duration = Duration::from_secs(20);

    /// The socket's ends of a session's pipes.
    struct SocketEnds {
        rx: Rx,
        tx: Tx,
    }

    /// A socket-side reader that skips the session's control items.
    struct Rx(PipeReader<Item>);

    impl Rx {
        fn recv_timeout(
            &mut self,
            timeout: Option<Duration>,
        ) -> Result<Multipart, RecvTimeoutError> {
            loop {
                if let Item::Msg(m) = self.0.recv_timeout(timeout)? {
                    return Ok(m);
                }
            }
        }

        fn len(&self) -> usize {
            self.0.len()
        }
    }

    /// A socket-side writer of messages.
    struct Tx(PipeWriter<Item>);

    impl Tx {
        fn send_timeout(
            &mut self,
            msg: Multipart,
            timeout: Option<Duration>,
        ) -> Result<(), SendTimeoutError<Item>> {
            self.0.send_timeout(Item::Msg(msg), timeout)
        }
    }

    fn parts(
        socket_type: SocketType,
        alloc: StdArc<dyn RecvAllocator>,
        signal: StdArc<dyn Signal>,
        hwm: usize,
    ) -> (SessionParts, SocketEnds) {
        let parker: StdArc<dyn Signal> = StdArc::new(Parker::new());
        let (to_socket, rx) = pipe(hwm, StdArc::clone(&parker), StdArc::clone(&signal));
        let (tx, from_socket) = pipe(hwm, signal, parker);
        let config = Config::new(socket_type, alloc);
        let parts = SessionParts {
            config,
            to_socket,
            from_socket,
            peer: None,
            zap: None,
        };
        (
            parts,
            SocketEnds {
                rx: Rx(rx),
                tx: Tx(tx),
            },
        )
    }

    /// A hub with a monitor attached, to record what it is told.
    fn recorder() -> (StdArc<MonitorHub>, SocketMonitor) {
        let hub = MonitorHub::new();
        let monitor = hub.attach(1 << 16);
        (hub, monitor)
    }

    /// Every event the monitor holds now.
    fn drain(monitor: &mut SocketMonitor) -> Vec<SocketEventKind> {
        core::iter::from_fn(|| monitor.try_recv())
            .map(|e| e.kind)
            .collect()
    }

    /// Binds a PULL side on `io`; returns the bound endpoint and a channel
    /// of the socket ends of the sessions it accepts.
    fn listen(
        io: &IoThread,
        endpoint: &str,
        alloc: StdArc<dyn RecvAllocator>,
        monitor: StdArc<MonitorHub>,
    ) -> (Endpoint, Accepted) {
        listen_with_hwm(io, endpoint, alloc, monitor, 1000)
    }

    /// [`listen`] with the sessions' pipes holding at most `hwm` messages.
    fn listen_with_hwm(
        io: &IoThread,
        endpoint: &str,
        alloc: StdArc<dyn RecvAllocator>,
        monitor: StdArc<MonitorHub>,
        hwm: usize,
    ) -> (Endpoint, Accepted) {
        let accepted = Accepted(StdArc::new(SegQueue::new()));
        let queue = StdArc::clone(&accepted.0);
        let acceptor: Acceptor = Box::new(move |signal| {
            let (p, ends) = parts(SocketType::Pull, StdArc::clone(&alloc), signal, hwm);
            queue.push(ends);
            Some(p)
        });
        let endpoint = Endpoint::parse_bind(endpoint).unwrap();
        (io.bind(&endpoint, acceptor, monitor).unwrap().0, accepted)
    }

    /// The socket ends of accepted sessions, in order.
    struct Accepted(StdArc<SegQueue<SocketEnds>>);

    impl Accepted {
        fn recv_timeout(&self, timeout: Duration) -> Option<SocketEnds> {
            let deadline = Instant::now() + timeout;
            loop {
                if let Some(ends) = self.0.pop() {
                    return Some(ends);
                }
                if Instant::now() >= deadline {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }

    /// Starts a PUSH session on `io` connecting to `endpoint`.
    fn push_to(io: &IoThread, endpoint: &Endpoint, hub: StdArc<MonitorHub>) -> SocketEnds {
        let signal = io.session_signal();
        let (p, ends) = parts(SocketType::Push, StdArc::new(Heap), signal.clone(), 1000);
        let reconnect = Reconnect {
            ivl: Some(Duration::from_millis(20)),
            max: Some(Duration::from_millis(200)),
            deliver_after_close: true,
        };
        let monitor = Monitor::new(hub, endpoint.clone());
        io.connect(signal, p, endpoint.clone(), reconnect, monitor);
        ends
    }

    fn message(i: u32) -> Multipart {
        let n = (i % 5) as usize + 1;
        let mut m = Multipart::new();
        for part in 0..n {
            m.push(Msg::from(vec![part as u8; (i as usize * 7 + part) % 300]));
        }
        m.push(Msg::copy_from_slice(&i.to_le_bytes()));
        m
    }

    fn exchange(push: &mut SocketEnds, pull: &mut SocketEnds, range: std::ops::Range<u32>) {
        let items: Vec<u32> = range.collect();
        let expected = items.clone();
        let tx = &mut push.tx;
        std::thread::scope(|s| {
            s.spawn(move || {
                for i in items {
                    tx.send_timeout(message(i), Some(WAIT)).unwrap();
                }
            });
            for i in expected {
                let got = pull.rx.recv_timeout(Some(WAIT)).unwrap();
                let want = message(i);
                assert_eq!(got.len(), want.len(), "message {i}");
                for (g, w) in got.iter().zip(want.iter()) {
                    assert_eq!(g.as_slice(), w.as_slice(), "message {i}");
                }
            }
        });
    }

    fn push_pull(bind: &str) {
        let io = IoThread::spawn("test-io").unwrap();
        let (mon, _) = recorder();
        let (bound, accepted) = listen(&io, bind, StdArc::new(Heap), mon.clone());
        let mut push = push_to(&io, &bound, mon);
        let mut pull = accepted.recv_timeout(WAIT).unwrap();
        exchange(&mut push, &mut pull, 0..10_000);
    }

    #[test]
    fn push_pull_over_tcp() {
        push_pull("tcp://127.0.0.1:0");
    }

    #[test]
    fn push_pull_over_ipc() {
        let dir = std::env::temp_dir().join(format!("ferrozmq-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("push-pull.sock");
        push_pull(&format!("ipc://{}", path.display()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn tcp_port_zero_is_read_back() {
        let io = IoThread::spawn("test-io").unwrap();
        let (mon, _) = recorder();
        let (bound, _) = listen(&io, "tcp://127.0.0.1:0", StdArc::new(Heap), mon);
        let Endpoint::Tcp(tcp) = &bound else {
            panic!("{bound}")
        };
        assert_ne!(tcp.address().port().get(), 0);
    }

    /// An I/O thread with a PUSH session connected over tcp to a PULL
    /// session that receives into a `Metered` allocator, exhausted from
    /// the start when asked.
    fn metered_tcp_pair(exhausted: bool) -> (IoThread, StdArc<Metered>, SocketEnds, SocketEnds) {
        let io = IoThread::spawn("test-io").unwrap();
        let metered = StdArc::new(Metered::default());
        metered.exhausted.store(exhausted, Ordering::SeqCst);
        let (mon, _) = recorder();
        let alloc: StdArc<dyn RecvAllocator> = metered.clone();
        let (bound, accepted) = listen(&io, "tcp://127.0.0.1:0", alloc, mon.clone());
        let push = push_to(&io, &bound, mon);
        let pull = accepted.recv_timeout(WAIT).unwrap();
        (io, metered, push, pull)
    }

    #[test]
    fn large_message_lands_in_one_exact_block() {
        const SIZE: usize = 16 << 20;
        let (io, metered, mut push, mut pull) = metered_tcp_pair(false);
        let body: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
        let big = Multipart::from([Msg::from(body.clone())]);
        push.tx.send_timeout(big, Some(WAIT)).unwrap();
        let got = pull.rx.recv_timeout(Some(WAIT)).unwrap();
        assert_eq!(got.len(), 1);
        assert!(got[0].as_slice() == body.as_slice(), "bytes differ");
        // One block: the body plus the message's small fixed header
        // (`RecvHeader` in ferrozmq-msg). The allocator's other blocks are
        // the connection's read blocks (at most 64 KiB each); the body was
        // read straight into its own block, not through them.
        let largest = metered.largest();
        assert!((SIZE..SIZE + 64).contains(&largest), "{largest}");
        let (live, freed) = (metered.live(), metered.freed());
        assert!((2..=3).contains(&live), "body and read blocks: {live}");
        assert_eq!(metered.live_bodies(), 1, "the body's block");
        drop(got);
        // Counted apart from read blocks: the I/O thread may replace one
        // of those meanwhile.
        assert_eq!(metered.live_bodies(), 0, "the drop gave the body back");
        assert!(metered.freed() > freed);
        drop(push);
        drop(pull);
        drop(io);
        assert_eq!(metered.live(), 0, "every read block went back");
    }

    #[test]
    fn small_frames_are_slices_of_read_blocks_from_the_allocator() {
        let (io, metered, mut push, mut pull) = metered_tcp_pair(false);
        let mut held = Vec::new();
        for i in 0..1000u32 {
            let body = vec![(i % 251) as u8; 200];
            push.tx
                .send_timeout(Multipart::from([Msg::from(body)]), Some(WAIT))
                .unwrap();
            held.push(pull.rx.recv_timeout(Some(WAIT)).unwrap());
        }
        for (i, m) in held.iter().enumerate() {
            assert_eq!(m[0].as_slice(), &[(i % 251) as u8; 200][..]);
            assert!(!m[0].is_unique(), "message {i} has a body of its own");
        }
        // 206 KB of frames received one by one (each read finds one) into
        // 8 KiB blocks of which the first 6 KiB are used (a block with less
        // than a quarter spare is replaced): about 34 blocks, not 1000.
        assert_eq!(metered.largest_body(), 0);
        assert!((1..=40).contains(&metered.live()), "{}", metered.live());
        drop(held);
        drop(push);
        drop(pull);
        drop(io);
        assert_eq!(metered.live(), 0, "every block went back");
    }

    #[test]
    fn exhausted_allocator_pauses_then_resumes() {
        let (_io, metered, mut push, mut pull) = metered_tcp_pair(true);
        let big = Multipart::from([Msg::from(vec![9u8; 100_000])]);
        push.tx.send_timeout(big, Some(WAIT)).unwrap();
        let paused = pull.rx.recv_timeout(Some(Duration::from_millis(100)));
        assert_eq!(paused.unwrap_err(), RecvTimeoutError::Timeout);
        // Metered cannot notify: the session retries on its timer.
        metered.exhausted.store(false, Ordering::SeqCst);
        let got = pull.rx.recv_timeout(Some(WAIT)).unwrap();
        assert_eq!(got[0].len(), 100_000);
    }

    #[test]
    fn full_socket_pipe_pauses_reading_and_loses_nothing() {
        let io = IoThread::spawn("test-io").unwrap();
        let (mon, _) = recorder();
        let (bound, accepted) =
            listen_with_hwm(&io, "tcp://127.0.0.1:0", StdArc::new(Heap), mon.clone(), 2);
        let mut push = push_to(&io, &bound, mon);
        let mut pull = accepted.recv_timeout(WAIT).unwrap();
        for i in 0..500 {
            push.tx.send_timeout(message(i), Some(WAIT)).unwrap();
        }
        // Let the session fill the pipe and stop reading.
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(pull.rx.len(), 2);
        for i in 0..500u32 {
            let got = pull.rx.recv_timeout(Some(WAIT)).unwrap();
            assert_eq!(got.last().unwrap().as_slice(), &i.to_le_bytes());
        }
    }

    #[test]
    fn connecting_side_reconnects_to_a_restarted_listener() {
        let io = IoThread::spawn("test-io-connect").unwrap();
        let (mon, mut log) = recorder();
        let first = IoThread::spawn("test-io-listen-1").unwrap();
        let (bound, accepted) = listen(&first, "tcp://127.0.0.1:0", StdArc::new(Heap), mon.clone());
        let mut push = push_to(&io, &bound, mon.clone());
        let mut pull = accepted.recv_timeout(WAIT).unwrap();
        exchange(&mut push, &mut pull, 0..100);
        drop((first, pull));
        // The same port, on a fresh I/O thread.
        let second = IoThread::spawn("test-io-listen-2").unwrap();
        let bind = bound.to_string();
        let (_, accepted) = listen(&second, &bind, StdArc::new(Heap), mon);
        let mut pull = accepted.recv_timeout(WAIT).unwrap();
        exchange(&mut push, &mut pull, 100..200);
        let log = drain(&mut log);
        assert!(
            log.iter()
                .any(|e| matches!(e, SocketEventKind::ConnectRetried(_))),
            "{log:?}"
        );
    }

    #[test]
    fn garbage_closes_only_that_connection() {
        let io = IoThread::spawn("test-io").unwrap();
        let (listen_mon, mut log) = recorder();
        let (bound, accepted) = listen(&io, "tcp://127.0.0.1:0", StdArc::new(Heap), listen_mon);
        let (push_mon, _) = recorder();
        let mut push = push_to(&io, &bound, push_mon);
        let mut pull = accepted.recv_timeout(WAIT).unwrap();
        exchange(&mut push, &mut pull, 0..10);

        let Endpoint::Tcp(tcp) = &bound else { panic!() };
        let addr = crate::transport::tcp::resolve(tcp.address()).unwrap()[0];
        let mut raw = std::net::TcpStream::connect(addr).unwrap();
        raw.write_all(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n..........................")
            .unwrap();
        let mut garbage_ends = accepted.recv_timeout(WAIT).unwrap();
        // Its session ends: the socket sees the pipe disconnect.
        let end = garbage_ends.rx.recv_timeout(Some(WAIT)).unwrap_err();
        assert_eq!(end, RecvTimeoutError::Disconnected);
        let log = drain(&mut log);
        assert!(
            log.iter().any(|e| matches!(
                e,
                SocketEventKind::Disconnected(SessionError::Protocol(ConnectionError::Greeting(_)))
            )),
            "{log:?}"
        );
        exchange(&mut push, &mut pull, 10..1000);
    }
}
