//! [`Socket`]: the user-facing ZeroMQ socket and its patterns (PUSH, PULL,
//! PUB, SUB, REQ, REP) with libzmq's semantics.
//!
//! A socket owns one pair of [pipes](crate::pipe) per peer (a session on an
//! I/O thread) and one [`Parker`] shared by all of them: it polls its pipes
//! in turn and parks only after every one answered `Empty` (or `Full`), so a
//! steady stream makes no system call per message. Peers accepted on a bound
//! endpoint arrive through a queue the I/O thread fills (and unparks the
//! socket); a connected peer's pipes exist from `connect` on, so messages
//! sent before the connection is up wait in them, up to the HWM. Over
//! inproc the peer is another socket's pipes, joined directly (see
//! `inproc.rs`).
//!
//! Patterns:
//! - PUSH round-robins over its peers and blocks (up to SNDTIMEO) when all
//!   are at their HWM. PULL fair-queues.
//! - PUB fans every message out to each peer whose subscriptions (a prefix
//!   [`Trie`] on the first frame) match, cloning the frames' handles (no
//!   copy); a peer at its HWM misses the message. It never blocks.
//! - SUB sends SUBSCRIBE/CANCEL through its sessions (the wire picks the 3.1
//!   command or the 3.0 message) which re-send them on every new connection;
//!   it also filters what arrives.
//! - REQ alternates send and receive strictly (`State`, libzmq's EFSM,
//!   otherwise), prefixes the empty delimiter, round-robins, and accepts the
//!   reply only from the peer it asked. Recovery: when that peer's
//!   connection is lost, the request is forgotten: a waiting `recv` fails
//!   with `State` and the socket may send again (libzmq's plain REQ waits
//!   forever there). Anything a new request finds in the pipes is stale
//!   and dropped. REQ_RELAXED (libzmq's way out): a new request may be sent
//!   while one is awaited, which is forgotten; REQ_CORRELATE: each request
//!   carries a 4-byte id frame before the delimiter (echoed by REP in the
//!   envelope) and only the reply with the last id is accepted, so a late
//!   reply to a forgotten request is never taken for the new one's.
//! - REP fair-queues, strips the envelope (all frames up to and including the
//!   empty delimiter) on receive and puts it back on the reply, which goes
//!   to the peer the request came from (dropped if that peer is gone or at
//!   its HWM, as libzmq does).
//!
//! The socket is `Send + Sync`; its state sits behind one mutex, so calls
//! from several threads are serialised (a blocking call holds it).

// A failed send hands the message back by value (see `pipe.rs`).
#![allow(clippy::result_large_err)]

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crossbeam_queue::SegQueue;
use ferrozmq_alloc::{Heap, RecvAllocator};
use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_wire::{Config, SocketType};

use crate::context::ContextInner;
use crate::endpoint::Endpoint;
use crate::error::{BindError, ConnectError, RecvError, SendError};
use crate::inproc::Binder;
use crate::io_thread::Acceptor;
use crate::monitor::{MONITOR_CAPACITY, Monitor, MonitorHub, SocketMonitor};
use crate::options::{OptionError, Options, SocketOption};
use crate::pipe::{PipeReader, PipeWriter, TryRecvError, TrySendError, pipe};
use crate::session::{Reconnect, SessionParts};
use crate::signal::{Parker, Signal};
use crate::sync::{Mutex, StdArc, lock};
use crate::trie::Trie;

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

/// A ZeroMQ socket (see the module docs). Made by
/// [`Context::socket`](crate::Context::socket).
pub struct Socket {
    core: Mutex<Core>,
}

/// The socket end of one peer's pipes.
pub(crate) struct NewPeer {
    pub(crate) tx: PipeWriter,
    pub(crate) rx: PipeReader,
}

/// One peer as the socket sees it.
struct Peer {
    id: u64,
    tx: PipeWriter,
    rx: PipeReader,
    /// PUB: what the peer subscribed to.
    subs: Trie,
}

/// Where a socket with state (REQ, REP) is.
#[derive(Debug)]
enum Phase {
    /// REQ may send; REP may receive.
    Idle,
    /// REQ: waiting for the reply from this peer.
    Awaiting(u64),
    /// REP: the reply goes to this peer with this envelope.
    Replying(u64, Multipart),
}

/// The socket's state, behind its mutex.
struct Core {
    kind: SocketType,
    options: Options,
    alloc: StdArc<dyn RecvAllocator>,
    parker: StdArc<Parker>,
    incoming: StdArc<SegQueue<NewPeer>>,
    peers: Vec<Peer>,
    next_id: u64,
    out_rr: usize,
    in_rr: usize,
    /// Parts sent with MORE, waiting for the last one.
    pending: Multipart,
    /// The rest of a received message, handed out frame by frame.
    inbox: VecDeque<Msg>,
    last_endpoint: Option<Endpoint>,
    /// The listeners of our binds: I/O thread index and token.
    listeners: Vec<(usize, mio::Token)>,
    /// Our inproc names.
    inproc_names: Vec<String>,
    /// SUB: our subscriptions, to filter with and to send to new peers.
    subs: Trie,
    sub_list: Vec<Vec<u8>>,
    phase: Phase,
    /// REQ_CORRELATE: the id of the last request sent.
    request_id: u32,
    /// Where the listeners and sessions report (see `monitor.rs`).
    monitor: StdArc<MonitorHub>,
    /// Last, so it is dropped last: when this socket holds the last
    /// reference to its context, the context lingers in its drop until the
    /// sessions end, and they end only once this socket's pipes (`peers`,
    /// `incoming`) are gone. Dropped first, it would wait for them forever.
    ctx: StdArc<ContextInner>,
}

impl Socket {
    pub(crate) fn new(ctx: StdArc<ContextInner>, kind: SocketType) -> Self {
        Self {
            core: Mutex::new(Core {
                ctx,
                kind,
                options: Options::new(),
                alloc: StdArc::new(Heap),
                parker: StdArc::new(Parker::new()),
                incoming: StdArc::new(SegQueue::new()),
                peers: Vec::new(),
                next_id: 0,
                out_rr: 0,
                in_rr: 0,
                pending: Multipart::new(),
                inbox: VecDeque::new(),
                last_endpoint: None,
                listeners: Vec::new(),
                inproc_names: Vec::new(),
                subs: Trie::new(),
                sub_list: Vec::new(),
                phase: Phase::Idle,
                request_id: 0,
                monitor: MonitorHub::new(),
            }),
        }
    }

    fn core(&self) -> crate::sync::MutexGuard<'_, Core> {
        lock(&self.core)
    }

    /// The socket's type.
    pub fn socket_type(&self) -> SocketType {
        self.core().kind
    }

    /// Sets an option; it applies to binds and connects made afterwards
    /// (HWMs, reconnect, MAXMSGSIZE, ROUTING_ID, HANDSHAKE_IVL, the
    /// HEARTBEAT_* options) or to the next call
    /// (timeouts).
    ///
    /// # Errors
    ///
    /// [`OptionError`] when the value is out of range; nothing changes.
    pub fn set_option(&self, option: SocketOption) -> Result<(), OptionError> {
        self.core().options.set(option)
    }

    /// A copy of the socket's options.
    pub fn options(&self) -> Options {
        self.core().options.clone()
    }

    /// Received bodies too large to be inline go to `alloc`, for sessions
    /// created from now on (binds' future connections, new connects).
    pub fn set_recv_allocator(&self, alloc: StdArc<dyn RecvAllocator>) {
        self.core().alloc = alloc;
    }

    /// Binds to `endpoint` (tcp, ipc, or inproc in this context) and
    /// accepts peers there.
    ///
    /// # Errors
    ///
    /// [`BindError`]: a bad endpoint, a name or address in use, or the OS's.
    pub fn bind(&self, endpoint: &str) -> Result<(), BindError> {
        let ep = Endpoint::parse_bind(endpoint)?;
        let mut core = self.core();
        if let Endpoint::Inproc(name) = &ep {
            let binder = Binder {
                kind: core.kind,
                incoming: StdArc::clone(&core.incoming),
                parker: StdArc::clone(&core.parker),
            };
            core.ctx.inproc().bind(name, binder)?;
            core.inproc_names.push(name.name().to_owned());
            core.last_endpoint = Some(ep);
            return Ok(());
        }
        let parker = StdArc::clone(&core.parker);
        let incoming = StdArc::clone(&core.incoming);
        let config = core.config();
        let (rcvhwm, sndhwm) = (core.options.rcvhwm(), core.options.sndhwm());
        let acceptor: Acceptor = Box::new(move |signal| {
            let (parts, peer) = make_parts(config.clone(), &parker, signal, rcvhwm, sndhwm);
            incoming.push(peer);
            parker.unpark();
            Some(parts)
        });
        let io = core.ctx.pick();
        let (bound, token) =
            core.ctx
                .io_thread(io)
                .bind(&ep, acceptor, StdArc::clone(&core.monitor))?;
        core.listeners.push((io, token));
        core.last_endpoint = Some(bound);
        Ok(())
    }

    /// Connects to `endpoint`: over tcp or ipc now and again whenever the
    /// connection is lost (RECONNECT_IVL); over inproc, to the socket of
    /// this context bound to that name, now or when it binds. The peer
    /// exists at once: messages sent before the connection is up wait for
    /// it, up to the HWM.
    ///
    /// # Errors
    ///
    /// [`ConnectError`]: a bad endpoint, or an inproc socket bound there of
    /// an incompatible type.
    pub fn connect(&self, endpoint: &str) -> Result<(), ConnectError> {
        let ep = Endpoint::parse_connect(endpoint)?;
        let mut core = self.core();
        if let Endpoint::Inproc(name) = &ep {
            let (sndhwm, rcvhwm) = (core.options.sndhwm(), core.options.rcvhwm());
            let peer = core
                .ctx
                .inproc()
                .connect(name, core.kind, &core.parker, sndhwm, rcvhwm)?;
            core.add_peer(peer);
            return Ok(());
        }
        let io = core.ctx.io_thread(core.ctx.pick());
        let signal = io.session_signal();
        let (parts, peer) = make_parts(
            core.config(),
            &core.parker,
            signal.clone(),
            core.options.rcvhwm(),
            core.options.sndhwm(),
        );
        let reconnect = Reconnect {
            ivl: core.options.reconnect_ivl(),
            max: core.options.reconnect_ivl_max(),
            deliver_after_close: core.options.linger() != Some(Duration::ZERO),
        };
        let monitor = Monitor::new(StdArc::clone(&core.monitor), ep.clone());
        io.connect(signal, parts, ep, reconnect, monitor);
        core.add_peer(peer);
        Ok(())
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
        self.core().monitor.attach(capacity)
    }

    /// The endpoint of the last successful bind, with a tcp port 0 resolved
    /// to the real one.
    pub fn last_endpoint(&self) -> Option<Endpoint> {
        self.core().last_endpoint.clone()
    }

    /// Sends `msg` as the last (or only) part of a message, waiting up to
    /// SNDTIMEO.
    ///
    /// # Errors
    ///
    /// [`SendError`] with `msg` back: `State` (EFSM), `NotSupported`,
    /// `WouldBlock`/`Timeout` when no peer could take it. Parts queued with
    /// [`SendFlags::MORE`] stay queued.
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
        let mut core = self.core();
        if let Err(e) = core.check_send() {
            return Err(e.map(|()| msg));
        }
        core.pending.push(msg);
        if flags.contains(SendFlags::MORE) {
            return Ok(());
        }
        let timeout = if flags.contains(SendFlags::DONTWAIT) {
            Some(Duration::ZERO)
        } else {
            core.options.sndtimeo()
        };
        let whole = core::mem::take(&mut core.pending);
        core.send_whole(whole, timeout).map_err(|e| {
            e.map(|mut whole| {
                let last = whole.pop().unwrap_or_default();
                core.pending = whole;
                last
            })
        })
    }

    /// Sends a whole message (after any parts queued with MORE), waiting up
    /// to SNDTIMEO.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send), with the given parts back.
    pub fn send_multipart(&self, msg: impl Into<Multipart>) -> Result<(), SendError<Multipart>> {
        let timeout = self.core().options.sndtimeo();
        self.send_multipart_timeout(msg.into(), timeout)
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

    fn send_multipart_timeout(
        &self,
        msg: Multipart,
        timeout: Option<Duration>,
    ) -> Result<(), SendError<Multipart>> {
        let mut core = self.core();
        if let Err(e) = core.check_send() {
            return Err(e.map(|()| msg));
        }
        if msg.is_empty() {
            return Ok(());
        }
        let queued = core.pending.len();
        let mut whole = core::mem::take(&mut core.pending);
        whole.extend(msg);
        core.send_whole(whole, timeout).map_err(|e| {
            e.map(|mut whole| {
                let mine = whole.as_slice()[queued..].iter().cloned().collect();
                while whole.len() > queued {
                    whole.pop();
                }
                core.pending = whole;
                mine
            })
        })
    }

    /// Receives the next frame, waiting up to RCVTIMEO; [`Msg::more`] says
    /// whether more frames of the same message follow (they are already
    /// here: a message arrives whole).
    ///
    /// # Errors
    ///
    /// [`RecvError`]: `State` (EFSM), `NotSupported`, `WouldBlock`/`Timeout`.
    pub fn recv(&self) -> Result<Msg, RecvError> {
        let timeout = self.core().options.rcvtimeo();
        self.recv_timeout(timeout)
    }

    /// [`recv`](Self::recv) without waiting.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv); `WouldBlock` when nothing is there now.
    pub fn try_recv(&self) -> Result<Msg, RecvError> {
        self.recv_timeout(Some(Duration::ZERO))
    }

    fn recv_timeout(&self, timeout: Option<Duration>) -> Result<Msg, RecvError> {
        let mut core = self.core();
        if core.inbox.is_empty() {
            let mut msg = core.recv_whole(timeout)?;
            msg.mark_more();
            core.inbox.extend(msg);
        }
        core.inbox.pop_front().ok_or(RecvError::WouldBlock)
    }

    /// Receives a whole message (or the rest of one partly taken with
    /// [`recv`](Self::recv)), waiting up to RCVTIMEO.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    pub fn recv_multipart(&self) -> Result<Multipart, RecvError> {
        let timeout = self.core().options.rcvtimeo();
        self.recv_multipart_timeout(timeout)
    }

    /// [`recv_multipart`](Self::recv_multipart) without waiting.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    pub fn try_recv_multipart(&self) -> Result<Multipart, RecvError> {
        self.recv_multipart_timeout(Some(Duration::ZERO))
    }

    fn recv_multipart_timeout(&self, timeout: Option<Duration>) -> Result<Multipart, RecvError> {
        let mut core = self.core();
        if !core.inbox.is_empty() {
            return Ok(core.inbox.drain(..).collect());
        }
        let mut msg = core.recv_whole(timeout)?;
        msg.mark_more();
        Ok(msg)
    }

    /// SUB: receive messages whose first frame starts with `prefix` (empty:
    /// all). Sent to every peer, now and on each reconnect.
    ///
    /// # Errors
    ///
    /// [`OptionError`] on a socket that is not SUB.
    pub fn subscribe(&self, prefix: &[u8]) -> Result<(), OptionError> {
        self.core().subscription(true, prefix)
    }

    /// SUB: undo one [`subscribe`](Self::subscribe) of `prefix`.
    ///
    /// # Errors
    ///
    /// [`OptionError`] on a socket that is not SUB.
    pub fn unsubscribe(&self, prefix: &[u8]) -> Result<(), OptionError> {
        self.core().subscription(false, prefix)
    }
}

impl Drop for Socket {
    /// Closes the socket's listeners and notes its LINGER for the context;
    /// its sessions end once they have sent what was queued (while
    /// connected), see [`Context`](crate::Context).
    fn drop(&mut self) {
        let core = self.core();
        for &(io, token) in &core.listeners {
            core.ctx.io_thread(io).unbind(token);
        }
        for name in &core.inproc_names {
            core.ctx.inproc().unbind(name, &core.incoming);
        }
        core.ctx.linger(&core.options);
    }
}

impl core::fmt::Debug for Socket {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let core = self.core();
        f.debug_struct("Socket")
            .field("type", &core.kind)
            .field("peers", &core.peers.len())
            .field("last_endpoint", &core.last_endpoint)
            .finish_non_exhaustive()
    }
}

/// A session's parts and the socket's ends of its pipes.
fn make_parts(
    config: Config,
    parker: &StdArc<Parker>,
    signal: StdArc<dyn Signal>,
    rcvhwm: usize,
    sndhwm: usize,
) -> (SessionParts, NewPeer) {
    let parker: StdArc<dyn Signal> = StdArc::clone(parker) as StdArc<dyn Signal>;
    let (to_socket, rx) = pipe(rcvhwm, StdArc::clone(&parker), StdArc::clone(&signal));
    let (tx, from_socket) = pipe(sndhwm, signal, parker);
    let parts = SessionParts {
        config,
        to_socket,
        from_socket,
    };
    (parts, NewPeer { tx, rx })
}

/// The deadline `timeout` from now; `None`: never.
fn deadline_after(timeout: Option<Duration>) -> Option<Instant> {
    timeout.map(|t| Instant::now() + t)
}

impl Core {
    fn config(&self) -> Config {
        let mut config = Config::new(self.kind, StdArc::clone(&self.alloc));
        config.max_msg_size = self.options.maxmsgsize();
        if let Some(id) = self.options.routing_id() {
            config.identity = id.as_bytes().to_vec();
        }
        config.handshake_timeout = self.options.handshake_ivl();
        config.heartbeat_interval = self.options.heartbeat_ivl();
        config.heartbeat_timeout = self.options.heartbeat_timeout();
        config.heartbeat_ttl = self.options.heartbeat_ttl();
        config
    }

    fn add_peer(&mut self, peer: NewPeer) {
        let id = self.next_id;
        self.next_id += 1;
        let mut peer = Peer {
            id,
            tx: peer.tx,
            rx: peer.rx,
            subs: Trie::new(),
        };
        for topic in &self.sub_list {
            let _ = peer.tx.try_send(subscription(true, topic));
        }
        self.peers.push(peer);
    }

    /// Takes peers the I/O thread accepted.
    fn adopt(&mut self) {
        while let Some(peer) = self.incoming.pop() {
            self.add_peer(peer);
        }
    }

    fn remove_peer(&mut self, i: usize) {
        let peer = self.peers.remove(i);
        // A REQ whose peer went may send again (see the module docs).
        if matches!(self.phase, Phase::Awaiting(id) if id == peer.id) {
            self.phase = Phase::Idle;
        }
    }

    /// REQ, before a request: drops what every peer's pipe holds (see
    /// `send_whole`) and the peers that are gone.
    fn drain_stale(&mut self) {
        self.adopt();
        let mut i = 0;
        while i < self.peers.len() {
            let gone = loop {
                match self.peers[i].rx.try_recv() {
                    Ok(_) => {}
                    Err(TryRecvError::Empty) => break false,
                    Err(TryRecvError::Disconnected) => break true,
                }
            };
            if gone {
                self.remove_peer(i);
            } else {
                i += 1;
            }
        }
    }

    fn check_send(&self) -> Result<(), SendError<()>> {
        match self.kind {
            SocketType::Pull | SocketType::Sub => Err(SendError::NotSupported(())),
            SocketType::Req
                if matches!(self.phase, Phase::Awaiting(_)) && !self.options.req_relaxed() =>
            {
                Err(SendError::State(()))
            }
            SocketType::Rep if !matches!(self.phase, Phase::Replying(..)) => {
                Err(SendError::State(()))
            }
            _ => Ok(()),
        }
    }

    fn subscription(&mut self, subscribe: bool, prefix: &[u8]) -> Result<(), OptionError> {
        if self.kind != SocketType::Sub {
            return Err(OptionError::NotApplicable {
                option: if subscribe {
                    "ZMQ_SUBSCRIBE"
                } else {
                    "ZMQ_UNSUBSCRIBE"
                },
                socket_type: self.kind,
            });
        }
        self.adopt();
        if subscribe {
            self.subs.add(prefix);
            self.sub_list.push(prefix.to_vec());
        } else {
            if !self.subs.remove(prefix) {
                return Ok(());
            }
            if let Some(i) = self.sub_list.iter().position(|t| t == prefix) {
                self.sub_list.swap_remove(i);
            }
        }
        for peer in &mut self.peers {
            // A SUB's outbound pipe carries only subscriptions; a full one
            // (thousands queued while disconnected) loses this one.
            let _ = peer.tx.try_send(subscription(subscribe, prefix));
        }
        Ok(())
    }

    /// PUB: applies the subscriptions waiting in every peer's pipe.
    fn drain_subscriptions(&mut self) {
        let mut i = 0;
        while i < self.peers.len() {
            let peer = &mut self.peers[i];
            let gone = loop {
                match peer.rx.try_recv() {
                    Ok(m) if m.is_empty() => peer.subs.clear(),
                    Ok(m) => {
                        if let Some((&flag, topic)) = m[0].as_slice().split_first() {
                            if flag == 1 {
                                peer.subs.add(topic);
                            } else if flag == 0 {
                                peer.subs.remove(topic);
                            }
                        }
                    }
                    Err(TryRecvError::Empty) => break false,
                    Err(TryRecvError::Disconnected) => break true,
                }
            };
            if gone {
                self.remove_peer(i);
            } else {
                i += 1;
            }
        }
    }

    fn send_whole(
        &mut self,
        msg: Multipart,
        timeout: Option<Duration>,
    ) -> Result<(), SendError<Multipart>> {
        self.adopt();
        match self.kind {
            SocketType::Pub => {
                self.drain_subscriptions();
                let topic = msg.first().map_or(&[][..], |m| m.as_slice());
                let mut i = 0;
                while i < self.peers.len() {
                    let peer = &mut self.peers[i];
                    // Full: this subscriber misses the message (PUB drops).
                    if peer.subs.matches(topic)
                        && let Err(TrySendError::Disconnected(_)) = peer.tx.try_send(msg.clone())
                    {
                        self.remove_peer(i);
                        continue;
                    }
                    i += 1;
                }
                Ok(())
            }
            SocketType::Rep => {
                let Phase::Replying(id, envelope) =
                    core::mem::replace(&mut self.phase, Phase::Idle)
                else {
                    return Err(SendError::State(msg));
                };
                if let Some(peer) = self.peers.iter_mut().find(|p| p.id == id) {
                    let mut whole = envelope;
                    whole.extend(msg);
                    // Full or gone: the reply is dropped, as libzmq does.
                    let _ = peer.tx.try_send(whole);
                }
                Ok(())
            }
            SocketType::Req => {
                // Whatever the pipes hold now answers an earlier request or
                // reports a connection lost before this one was queued:
                // stale either way.
                self.drain_stale();
                let mut whole = Multipart::new();
                if self.options.req_correlate() {
                    self.request_id = self.request_id.wrapping_add(1);
                    whole.push(Msg::copy_from_slice(&self.request_id.to_be_bytes()));
                }
                whole.push(Msg::new());
                whole.extend(msg);
                match self.round_robin(whole, timeout) {
                    Ok(id) => {
                        self.phase = Phase::Awaiting(id);
                        // A reply to an earlier request is not this one's.
                        self.inbox.clear();
                        Ok(())
                    }
                    Err(e) => Err(e.map(|mut w| {
                        let envelope = 1 + usize::from(self.options.req_correlate());
                        for _ in 0..envelope {
                            w.remove(0);
                        }
                        w
                    })),
                }
            }
            _ => self.round_robin(msg, timeout).map(|_| ()),
        }
    }

    /// Sends to the next peer with room, waiting until `timeout`; returns
    /// the peer's id.
    fn round_robin(
        &mut self,
        mut msg: Multipart,
        timeout: Option<Duration>,
    ) -> Result<u64, SendError<Multipart>> {
        let deadline = deadline_after(timeout);
        loop {
            self.adopt();
            let mut tried = 0;
            while tried < self.peers.len() {
                let i = self.out_rr % self.peers.len();
                match self.peers[i].tx.try_send(msg) {
                    Ok(()) => {
                        let id = self.peers[i].id;
                        self.out_rr = i + 1;
                        return Ok(id);
                    }
                    Err(TrySendError::Full(m)) => {
                        msg = m;
                        self.out_rr = i + 1;
                        tried += 1;
                    }
                    Err(TrySendError::Disconnected(m)) => {
                        msg = m;
                        self.remove_peer(i);
                    }
                }
            }
            if !self.park(deadline) {
                return Err(if timeout == Some(Duration::ZERO) {
                    SendError::WouldBlock(msg)
                } else {
                    SendError::Timeout(msg)
                });
            }
        }
    }

    /// Parks until a pipe or a new peer wakes us or `deadline` passes;
    /// returns false when it passed.
    fn park(&self, deadline: Option<Instant>) -> bool {
        if deadline.is_some_and(|d| d <= Instant::now()) {
            return false;
        }
        self.parker.park(deadline) || deadline.is_none_or(|d| Instant::now() < d)
    }

    fn recv_whole(&mut self, timeout: Option<Duration>) -> Result<Multipart, RecvError> {
        match self.kind {
            SocketType::Push | SocketType::Pub => return Err(RecvError::NotSupported),
            SocketType::Req if !matches!(self.phase, Phase::Awaiting(_)) => {
                return Err(RecvError::State);
            }
            SocketType::Rep if matches!(self.phase, Phase::Replying(..)) => {
                return Err(RecvError::State);
            }
            _ => {}
        }
        let deadline = deadline_after(timeout);
        loop {
            self.adopt();
            let mut tried = 0;
            while tried < self.peers.len() {
                let i = self.in_rr % self.peers.len();
                match self.peers[i].rx.try_recv() {
                    Ok(msg) => {
                        self.in_rr = i + 1;
                        let id = self.peers[i].id;
                        if let Some(msg) = self.accept(id, msg)? {
                            return Ok(msg);
                        }
                        // Look at this peer again: it may hold more.
                        self.in_rr = i;
                        tried = 0;
                    }
                    Err(TryRecvError::Empty) => {
                        self.in_rr = i + 1;
                        tried += 1;
                    }
                    Err(TryRecvError::Disconnected) => {
                        let awaited =
                            matches!(self.phase, Phase::Awaiting(a) if a == self.peers[i].id);
                        self.remove_peer(i);
                        if awaited {
                            return Err(RecvError::State);
                        }
                    }
                }
            }
            if !self.park(deadline) {
                return Err(if timeout == Some(Duration::ZERO) {
                    RecvError::WouldBlock
                } else {
                    RecvError::Timeout
                });
            }
        }
    }

    /// What the pattern makes of `msg` from peer `id`: a message for the
    /// user, or nothing (dropped or consumed).
    fn accept(&mut self, id: u64, mut msg: Multipart) -> Result<Option<Multipart>, RecvError> {
        if msg.is_empty() {
            // The peer's connection was lost (see `session.rs`).
            if self.kind == SocketType::Req && matches!(self.phase, Phase::Awaiting(a) if a == id) {
                self.phase = Phase::Idle;
                return Err(RecvError::State);
            }
            return Ok(None);
        }
        match self.kind {
            SocketType::Sub => Ok(self.subs.matches(&msg[0]).then_some(msg)),
            SocketType::Req => {
                if !matches!(self.phase, Phase::Awaiting(a) if a == id) {
                    return Ok(None);
                }
                if self.options.req_correlate() {
                    // The reply must carry our last request's id.
                    if msg[0].as_slice() != self.request_id.to_be_bytes() {
                        return Ok(None);
                    }
                    msg.remove(0);
                }
                if msg.first().is_none_or(|m| !m.is_empty()) {
                    return Ok(None);
                }
                msg.remove(0);
                if msg.is_empty() {
                    return Ok(None);
                }
                self.phase = Phase::Idle;
                Ok(Some(msg))
            }
            SocketType::Rep => {
                let Some(delim) = msg.iter().position(Msg::is_empty) else {
                    return Ok(None);
                };
                if delim + 1 == msg.len() {
                    return Ok(None);
                }
                let mut envelope = Multipart::new();
                for _ in 0..=delim {
                    envelope.push(msg.remove(0));
                }
                self.phase = Phase::Replying(id, envelope);
                Ok(Some(msg))
            }
            _ => Ok(Some(msg)),
        }
    }
}

/// A subscription message as it crosses a SUB's pipes (see `session.rs`).
fn subscription(subscribe: bool, topic: &[u8]) -> Multipart {
    let mut body = Vec::with_capacity(topic.len() + 1);
    body.push(u8::from(subscribe));
    body.extend_from_slice(topic);
    Multipart::from([Msg::from(body)])
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
}
