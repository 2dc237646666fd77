//! [`Socket`]: the user-facing ZeroMQ socket. It holds the socket's state
//! ([`base`]: options, peers, the pattern of its type, parts sent with
//! MORE, bind and connect bookkeeping) behind one mutex, and owns the one
//! blocking wait.
//!
//! The wait: read the socket's [`Readiness`](crate::signal) epoch, lock,
//! try the non-blocking operation of the socket's pattern, unlock; on
//! "would block", wait until the epoch moves (or the timeout passes) and
//! try again. The state lock is never held while waiting, so a thread
//! blocked in `recv` does not hold up another thread's `send`,
//! `set_option`, `monitor` or `Debug`, and a DEALER can be used full
//! duplex from two threads. Every wake-up moves the epoch: a peer's pipe
//! (see [`peer`]: it also names the peer, so only that one is looked at
//! again), a new peer, a session's connection coming up.
//!
//! The patterns themselves are in [`pattern`](crate::pattern), built from
//! the strategies in [`strategy`](crate::strategy).

// A failed send hands the message back by value (see `pipe.rs`).
#![allow(clippy::result_large_err)]

mod base;
mod engine;
mod peer;

use std::io;
use std::os::fd::RawFd;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use ferrozmq_alloc::RecvAllocator;
use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_wire::SocketType;

pub(crate) use self::base::{Base, PipeSettings};
pub(crate) use self::engine::Engine;
pub(crate) use self::peer::{Hub, NewPeer, Origin, Peer, PeerKey, PeerWake, Peers};
use crate::context::ContextInner;
use crate::endpoint::Endpoint;
use crate::error::{BindError, ConnectError, DisconnectError, RecvError, SendError, UnbindError};
use crate::monitor::{MONITOR_CAPACITY, SocketMonitor};
use crate::options::{OptionError, Options, SocketOption};
use crate::pipe::deadline_after;
use crate::poll::{FdWake, PollEvents, PollItem};
use crate::properties::PeerProperties;
use crate::readiness::{Readiness, TaskSlot};
use crate::signal::Signal;
use crate::sync::{Mutex, MutexGuard, OnceLock, StdArc, lock};

/// Flags for [`Socket::send_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SendFlags(u8);

impl SendFlags {
    /// No flag: the part ends the message; wait as SNDTIMEO says.
    pub const NONE: Self = Self(0);
    /// More parts follow (libzmq `ZMQ_SNDMORE`): the part is queued in the
    /// socket until the last one.
    pub const MORE: Self = Self(1);
    /// Do not wait (libzmq `ZMQ_DONTWAIT`).
    pub const DONTWAIT: Self = Self(2);

    /// Whether every flag of `other` is set in `self`.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for SendFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// A ZeroMQ socket of any of the eleven types (see the module docs and
/// the `pattern` module for each type's rules). Made by
/// [`Context::socket`](crate::Context::socket).
///
/// `Send + Sync`: calls from several threads are serialised on the
/// socket's state, but a blocked call does not hold it while it waits.
pub struct Socket {
    hub: StdArc<Hub>,
    base: Mutex<Base>,
    /// The event-loop descriptor, made by the first [`fd`](Self::fd).
    fd_wake: OnceLock<StdArc<FdWake>>,
}

impl Socket {
    /// `None` for a socket type without a pattern.
    pub(crate) fn new(ctx: StdArc<ContextInner>, socket_type: SocketType) -> Option<Self> {
        let hub = Hub::new();
        Some(Self {
            base: Mutex::new(Base::new(ctx, socket_type, StdArc::clone(&hub))?),
            hub,
            fd_wake: OnceLock::new(),
        })
    }

    fn base(&self) -> MutexGuard<'_, Base> {
        lock(&self.base)
    }

    /// The socket's type.
    pub fn socket_type(&self) -> SocketType {
        self.base().socket_type()
    }

    /// Sets an option. HWMs, reconnect, MAXMSGSIZE, ROUTING_ID,
    /// CONFLATE, HANDSHAKE_IVL and the HEARTBEAT_* options apply to binds
    /// and connects made afterwards; the rest at once.
    ///
    /// # Errors
    ///
    /// [`OptionError`] when the value is out of range or the option does
    /// not apply to this socket type (libzmq's `EINVAL`); nothing changes.
    pub fn set_option(&self, option: SocketOption) -> Result<(), OptionError> {
        self.base().set_option(option)
    }

    /// A copy of the socket's options.
    pub fn options(&self) -> Options {
        self.base().options().clone()
    }

    /// Received bodies too large to be inline go to `alloc`, for sessions
    /// created from now on (binds' future connections, new connects).
    ///
    /// Each socket starts with its own [`Cache`](ferrozmq_alloc::Cache),
    /// which keeps released blocks per size class for reuse;
    /// [`Heap`](ferrozmq_alloc::Heap) is the plain global allocator.
    pub fn set_recv_allocator(&self, alloc: StdArc<dyn RecvAllocator>) {
        self.base().set_recv_allocator(alloc);
    }

    /// Binds to `endpoint` (tcp, ipc, or inproc in this context) and
    /// accepts peers there.
    ///
    /// # Errors
    ///
    /// [`BindError`]: a bad endpoint, a name or address in use, or the OS's.
    pub fn bind(&self, endpoint: &str) -> Result<(), BindError> {
        let ep = Endpoint::parse_bind(endpoint)?;
        self.base().bind(ep)
    }

    /// Stops accepting peers on an endpoint bound before, given as it was
    /// bound or as [`last_endpoint`](Self::last_endpoint) printed it
    /// (libzmq's `zmq_unbind`); the connections accepted there are closed.
    ///
    /// # Errors
    ///
    /// [`UnbindError`]: a bad endpoint, or nothing bound there (`ENOENT`).
    pub fn unbind(&self, endpoint: &str) -> Result<(), UnbindError> {
        let ep = Endpoint::parse_bind(endpoint)?;
        self.base().unbind(&ep)
    }

    /// Connects to `endpoint`: over tcp or ipc now and again whenever the
    /// connection is lost (RECONNECT_IVL); over inproc, to the socket of
    /// this context bound to that name, now or when it binds. The peer
    /// exists at once: messages sent before the connection is up wait for
    /// it, up to the HWM (unless IMMEDIATE is set).
    ///
    /// # Errors
    ///
    /// [`ConnectError`]: a bad endpoint, or an inproc socket bound there of
    /// an incompatible type.
    pub fn connect(&self, endpoint: &str) -> Result<(), ConnectError> {
        let ep = Endpoint::parse_connect(endpoint)?;
        self.base().connect(ep)
    }

    /// Drops the peer made by an earlier [`connect`](Self::connect) to
    /// `endpoint` (libzmq's `zmq_disconnect`): it stops reconnecting, and
    /// its connection closes once what was queued for it is written, as
    /// LINGER says.
    ///
    /// # Errors
    ///
    /// [`DisconnectError`]: a bad endpoint, or no connect there (`ENOENT`).
    pub fn disconnect(&self, endpoint: &str) -> Result<(), DisconnectError> {
        let ep = Endpoint::parse_connect(endpoint)?;
        self.base().disconnect(&ep)
    }

    /// Starts monitoring the socket (libzmq's `zmq_socket_monitor`): the
    /// returned [`SocketMonitor`] receives the events of the socket's tcp
    /// and ipc listeners and connections from now on, each with the
    /// endpoint it concerns; a dropped connection says why with a typed
    /// error. It holds at most [`MONITOR_CAPACITY`] unread events and
    /// counts the ones it had to drop. A second call replaces the first
    /// monitor (which then receives nothing more), as in libzmq. Without a
    /// monitor, events cost one atomic load each and are not built.
    ///
    /// inproc connections have no session and report no events.
    pub fn monitor(&self) -> SocketMonitor {
        self.monitor_with_capacity(MONITOR_CAPACITY)
    }

    /// [`monitor`](Self::monitor) holding at most `capacity` unread events
    /// (at least 1).
    pub fn monitor_with_capacity(&self, capacity: usize) -> SocketMonitor {
        self.base().monitor(capacity)
    }

    /// The endpoint of the last successful bind, with a tcp port 0 resolved
    /// to the real one.
    pub fn last_endpoint(&self) -> Option<Endpoint> {
        self.base().last_endpoint()
    }

    /// What the socket is ready for now (libzmq's `ZMQ_EVENTS`):
    /// [`PollEvents::IN`] when a whole message can be received without
    /// waiting, [`PollEvents::OUT`] when one can be sent. Where an answer
    /// is no, the socket is woken (a waiter on it returns, its
    /// [`fd`](Self::fd) becomes readable) once that may have changed.
    pub fn events(&self) -> PollEvents {
        // Before the look: a change after it makes the descriptor readable
        // again.
        if let Some(wake) = self.fd_wake.get() {
            wake.reset();
        }
        let mut base = self.base();
        let mut events = PollEvents::NONE;
        if base.has_in() {
            events |= PollEvents::IN;
        }
        if base.has_out() {
            events |= PollEvents::OUT;
        }
        events
    }

    /// A file descriptor that becomes readable when the socket may have
    /// become ready (libzmq's `ZMQ_FD`), to put a socket in another event
    /// loop (mio, epoll, GLib, Python's asyncio). It is edge-triggered, as
    /// libzmq's: after each wake-up, call [`events`](Self::events) (which
    /// also quiets the descriptor) and receive or send until it no longer
    /// says [`PollEvents::IN`] / [`PollEvents::OUT`]; only a change after
    /// that makes the descriptor readable again. Never read or write the
    /// descriptor yourself; it lives as long as the socket.
    ///
    /// # Errors
    ///
    /// The OS's, when it has no descriptors left (made on the first call).
    pub fn fd(&self) -> io::Result<RawFd> {
        if let Some(wake) = self.fd_wake.get() {
            return Ok(wake.fd());
        }
        let wake = StdArc::new(FdWake::new()?);
        if self.fd_wake.set(StdArc::clone(&wake)).is_ok() {
            // Ready now: say so at once, as libzmq's does after a command.
            wake.notify();
            self.hub.readiness.watch(wake as StdArc<dyn Signal>);
        }
        Ok(self.fd_wake.get().map_or(-1, |w| w.fd()))
    }

    /// An item for [`poll`](crate::poll()) waiting for `events` on this
    /// socket.
    pub fn as_poll_item(&self, events: PollEvents) -> PollItem<'_> {
        PollItem::from_socket(self, events)
    }

    /// What `poll`, `Poller`, the async API and the event-loop descriptor
    /// watch.
    pub(crate) fn readiness(&self) -> &Readiness {
        &self.hub.readiness
    }

    /// What wakes the socket.
    pub(crate) fn hub(&self) -> &StdArc<Hub> {
        &self.hub
    }

    /// Whether a message can be sent without waiting.
    pub(crate) fn has_out(&self) -> bool {
        self.base().has_out()
    }

    /// Runs `op` (one non-blocking try) until it is done, or arms `slot`
    /// with the task's waker when it has nothing to do: the socket wakes
    /// the task when it may have changed. `op` answers `None` for "would
    /// block". The caller gives `slot` back to the readiness when done with
    /// it (a future on drop).
    pub(crate) fn poll_op<T>(
        &self,
        cx: &mut TaskContext<'_>,
        slot: &mut TaskSlot,
        mut op: impl FnMut(&mut Base) -> Option<T>,
    ) -> Poll<T> {
        loop {
            // Before the look: a change after it moves the epoch.
            let epoch = self.hub.readiness.epoch();
            if let Some(done) = op(&mut self.base()) {
                return Poll::Ready(done);
            }
            if self.hub.readiness.register(slot, cx.waker(), epoch) {
                return Poll::Pending;
            }
        }
    }

    /// Gives a task's slot back (see [`poll_op`](Self::poll_op)).
    pub(crate) fn release(&self, slot: &mut TaskSlot) {
        self.hub.readiness.release(slot);
    }

    /// Sends `msg` as the last (or only) part of a message, waiting up to
    /// SNDTIMEO.
    ///
    /// # Errors
    ///
    /// [`SendError`] with `msg` back: `State` (EFSM), `NotSupported`,
    /// `HostUnreachable` (ROUTER_MANDATORY), `WouldBlock`/`Timeout` when no
    /// peer could take it. Parts queued with [`SendFlags::MORE`] stay
    /// queued.
    pub fn send(&self, msg: Msg) -> Result<(), SendError<Msg>> {
        self.send_with(msg, SendFlags::NONE)
    }

    /// Sends `msg` with `flags`: with [`SendFlags::MORE`] the part is
    /// queued in the socket until the last part comes.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub fn send_with(&self, msg: Msg, flags: SendFlags) -> Result<(), SendError<Msg>> {
        let mut base = self.base();
        if let Err(e) = base.check_send() {
            return Err(e.map(|()| msg));
        }
        if flags.contains(SendFlags::MORE) {
            return base.queue_part(msg);
        }
        let timeout = if flags.contains(SendFlags::DONTWAIT) {
            Some(Duration::ZERO)
        } else {
            base.options().sndtimeo()
        };
        self.send_parts(base, Multipart::from(msg), timeout)
            .map_err(|e| e.map(|mut mine| mine.pop().unwrap_or_default()))
    }

    /// Sends a whole message (after any parts queued with MORE), waiting up
    /// to SNDTIMEO.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send), with the given parts back.
    pub fn send_multipart(&self, msg: impl Into<Multipart>) -> Result<(), SendError<Multipart>> {
        self.send_multipart_timeout(msg.into(), None)
    }

    /// [`send`](Self::send) without waiting.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send); `WouldBlock` when no peer has room now.
    pub fn try_send(&self, msg: Msg) -> Result<(), SendError<Msg>> {
        self.send_with(msg, SendFlags::DONTWAIT)
    }

    /// [`send_multipart`](Self::send_multipart) without waiting.
    ///
    /// # Errors
    ///
    /// As [`send_multipart`](Self::send_multipart).
    pub fn try_send_multipart(
        &self,
        msg: impl Into<Multipart>,
    ) -> Result<(), SendError<Multipart>> {
        self.send_multipart_timeout(msg.into(), Some(Duration::ZERO))
    }

    /// `timeout`: `None` for SNDTIMEO.
    fn send_multipart_timeout(
        &self,
        msg: Multipart,
        timeout: Option<Duration>,
    ) -> Result<(), SendError<Multipart>> {
        let base = self.base();
        if let Err(e) = base.check_send() {
            return Err(e.map(|()| msg));
        }
        if msg.is_empty() {
            return Ok(());
        }
        let timeout = timeout.or_else(|| base.options().sndtimeo());
        self.send_parts(base, msg, timeout)
    }

    /// Sends the queued MORE parts followed by `mine`, waiting up to
    /// `timeout`; on failure the queued parts stay queued and `mine` comes
    /// back.
    fn send_parts<'a>(
        &'a self,
        mut base: MutexGuard<'a, Base>,
        mut mine: Multipart,
        timeout: Option<Duration>,
    ) -> Result<(), SendError<Multipart>> {
        // Read from the clock only once a wait is in sight.
        let mut deadline = Deadline::new(timeout);
        // The whole message stays here between tries; a send moves it
        // once, into the pipe (see `Pattern::try_send`).
        let queued = base.take_parts(&mut mine);
        loop {
            // Before the look: a change after it moves the epoch.
            let epoch = self.hub.readiness.epoch();
            let error = match base.try_send(&mut mine) {
                Ok(()) => return Ok(()),
                Err(SendError::WouldBlock(())) => deadline.passed().then(|| {
                    if timeout == Some(Duration::ZERO) {
                        SendError::WouldBlock(())
                    } else {
                        SendError::Timeout(())
                    }
                }),
                Err(e) => Some(e),
            };
            if let Some(e) = error {
                base.restore_parts(&mut mine, queued);
                return Err(e.map(|()| mine));
            }
            drop(base);
            self.hub.readiness.wait(epoch, deadline.at());
            base = self.base();
        }
    }

    /// Receives the next frame, waiting up to RCVTIMEO; [`Msg::more`] says
    /// whether more frames of the same message follow (they are already
    /// here: a message arrives whole).
    ///
    /// # Errors
    ///
    /// [`RecvError`]: `State` (EFSM), `NotSupported`, `WouldBlock`/`Timeout`.
    pub fn recv(&self) -> Result<Msg, RecvError> {
        self.recv_timeout(None, Base::try_recv_frame)
    }

    /// [`recv`](Self::recv) without waiting.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv); `WouldBlock` when nothing is there now.
    pub fn try_recv(&self) -> Result<Msg, RecvError> {
        self.recv_timeout(Some(Duration::ZERO), Base::try_recv_frame)
    }

    /// Receives a whole message (or the rest of one partly taken with
    /// [`recv`](Self::recv)), waiting up to RCVTIMEO.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    pub fn recv_multipart(&self) -> Result<Multipart, RecvError> {
        self.recv_timeout(None, Base::try_recv_whole)
    }

    /// [`recv_multipart`](Self::recv_multipart) without waiting.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    pub fn try_recv_multipart(&self) -> Result<Multipart, RecvError> {
        self.recv_timeout(Some(Duration::ZERO), Base::try_recv_whole)
    }

    /// [`recv_multipart`](Self::recv_multipart) with the properties of the
    /// peer the message came from, libzmq's message properties
    /// (`zmq_msg_gets`; see [`PeerProperties`]): taken under the same lock
    /// as the message, so another thread's receive cannot come between.
    /// `None` when the socket does not know the peer (it left before its
    /// message was read, which a queued XPUB notice allows).
    ///
    /// The properties stay with the peer, not with the message (a [`Msg`]
    /// has no room for them): no receive pays for them.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    pub fn recv_multipart_with_properties(
        &self,
    ) -> Result<(Multipart, Option<PeerProperties>), RecvError> {
        self.recv_timeout(None, |base| {
            let msg = base.try_recv_whole()?;
            Ok((msg, base.peer_properties()))
        })
    }

    /// The properties of the peer the last message received came from
    /// (taken whole, or its first frame with [`recv`](Self::recv)): as
    /// [`recv_multipart_with_properties`](Self::recv_multipart_with_properties)
    /// gives them, for a message received another way. `None` before any
    /// receive. With several threads receiving on one socket, "last" is
    /// whichever receive came last: use
    /// [`recv_multipart_with_properties`](Self::recv_multipart_with_properties)
    /// there.
    pub fn peer_properties(&self) -> Option<PeerProperties> {
        self.base().peer_properties()
    }

    /// `try_once` until it has something, waiting up to `timeout` (`None`
    /// for RCVTIMEO) between tries; each try under the state lock.
    fn recv_timeout<T>(
        &self,
        timeout: Option<Duration>,
        mut try_once: impl FnMut(&mut Base) -> Result<T, RecvError>,
    ) -> Result<T, RecvError> {
        let mut base = self.base();
        let timeout = timeout.or_else(|| base.options().rcvtimeo());
        let mut deadline = Deadline::new(timeout);
        loop {
            // Before the look: a change after it moves the epoch.
            let epoch = self.hub.readiness.epoch();
            match try_once(&mut base) {
                Ok(got) => return Ok(got),
                Err(RecvError::WouldBlock) => {}
                Err(e) => return Err(e),
            }
            if deadline.passed() {
                return Err(if timeout == Some(Duration::ZERO) {
                    RecvError::WouldBlock
                } else {
                    RecvError::Timeout
                });
            }
            drop(base);
            self.hub.readiness.spin_then_wait(epoch, deadline.at());
            base = self.base();
        }
    }

    /// SUB: receive messages whose first frame starts with `prefix` (empty:
    /// all); sent to every peer, now and on each reconnect. XPUB with
    /// XPUB_MANUAL: subscribe the peer whose subscription was received
    /// last.
    ///
    /// # Errors
    ///
    /// [`OptionError`] on any other socket.
    pub fn subscribe(&self, prefix: &[u8]) -> Result<(), OptionError> {
        self.base().subscription(true, prefix)
    }

    /// Undoes one [`subscribe`](Self::subscribe) of `prefix`.
    ///
    /// # Errors
    ///
    /// [`OptionError`] on a socket that has no subscriptions to make.
    pub fn unsubscribe(&self, prefix: &[u8]) -> Result<(), OptionError> {
        self.base().subscription(false, prefix)
    }
}

/// A timeout turned into an instant on first use, so an operation that
/// succeeds at once never reads the clock.
struct Deadline {
    timeout: Option<Duration>,
    at: Option<Option<Instant>>,
}

impl Deadline {
    fn new(timeout: Option<Duration>) -> Self {
        Self { timeout, at: None }
    }

    /// The instant, `None` for no timeout.
    fn at(&mut self) -> Option<Instant> {
        *self.at.get_or_insert_with(|| deadline_after(self.timeout))
    }

    /// Whether the deadline has passed (a zero timeout always has).
    fn passed(&mut self) -> bool {
        if self.timeout == Some(Duration::ZERO) {
            return true;
        }
        self.at().is_some_and(|d| d <= Instant::now())
    }
}

impl Drop for Socket {
    /// Closes the socket's listeners and notes its LINGER for the context;
    /// its sessions end once they have sent what was queued (while
    /// connected), see [`Context`](crate::Context).
    fn drop(&mut self) {
        self.base().close();
    }
}

impl core::fmt::Debug for Socket {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let base = self.base();
        f.debug_struct("Socket")
            .field("type", &base.socket_type())
            .field("peers", &base.peer_count())
            .field("last_endpoint", &base.last_endpoint())
            .finish_non_exhaustive()
    }
}

/// Keys for unit tests of the strategies: `n` keys of distinct slots.
#[cfg(test)]
pub(crate) fn test_keys(n: u32) -> Vec<PeerKey> {
    peer::test_keys(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Context;
    use crate::sync::{AtomicBool, Ordering};

    /// Regression: a socket holding the last reference to its context
    /// (the `Context` handle dropped first) used to drop the context before
    /// its own pipes, so the context's linger waited forever for a session
    /// that was waiting for those pipes to go.
    #[test]
    fn a_socket_dropped_after_its_context_does_not_hang() {
        let finished = StdArc::new(AtomicBool::new(false));
        let done = StdArc::clone(&finished);
        std::thread::spawn(move || {
            let ctx = Context::new().unwrap();
            let pull = ctx.socket(SocketType::Pull).unwrap();
            pull.bind("tcp://127.0.0.1:0").unwrap();
            let push = ctx.socket(SocketType::Push).unwrap();
            push.connect(&pull.last_endpoint().unwrap().to_string())
                .unwrap();
            push.send(Msg::from_static(b"x")).unwrap();
            assert_eq!(&pull.recv().unwrap()[..], b"x");
            drop(ctx);
            // LINGER is infinite (the default); the PUSH session is
            // connected and reconnects once PULL is gone.
            drop(pull);
            drop(push);
            done.store(true, Ordering::SeqCst);
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        while !finished.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "the last socket's drop hung");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// A thread blocked in `recv` does not hold the socket: another
    /// thread sets an option, sends and asks for `Debug` meanwhile.
    #[test]
    fn a_blocked_recv_does_not_hold_up_other_calls() {
        let ctx = Context::new().unwrap();
        let a = StdArc::new(ctx.socket(SocketType::Dealer).unwrap());
        a.bind("inproc://full-duplex").unwrap();
        let b = ctx.socket(SocketType::Dealer).unwrap();
        b.connect("inproc://full-duplex").unwrap();
        let receiver = {
            let a = StdArc::clone(&a);
            std::thread::spawn(move || a.recv().map(|m| m.to_vec()))
        };
        std::thread::sleep(Duration::from_millis(20));
        a.set_option(SocketOption::SndHwm(10)).unwrap();
        let _ = format!("{a:?}");
        a.send(Msg::from_static(b"out")).unwrap();
        assert_eq!(b.recv().unwrap(), b"out");
        b.send(Msg::from_static(b"in")).unwrap();
        assert_eq!(receiver.join().unwrap().unwrap(), b"in");
    }
}
