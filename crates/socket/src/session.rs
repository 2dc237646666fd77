//! A session: one peer of a socket, on an I/O thread. It owns the two pipes
//! to its socket and drives a [`ferrozmq_wire::Connection`] over a tcp or
//! ipc [`Stream`]; a connecting session survives its connections and
//! reconnects with RECONNECT_IVL / RECONNECT_IVL_MAX backoff (libzmq's
//! session/engine split).
//!
//! Each writable round is one `write_vectored` of what `poll_transmit`
//! offers. Reads go into a reusable buffer, or straight into a large
//! body's receive-allocator block ([`sys::read_into_body`]). Frames are
//! gathered into a whole [`Multipart`] before they enter the socket-bound
//! pipe. Reading stops (back-pressure, nothing lost) while that pipe is
//! full or the receive allocator is exhausted, and resumes on the session's
//! signal. An error closes this connection only and is reported to the
//! [`Monitor`].
//!
//! The session knows no socket type. It speaks to its socket in typed
//! [`Item`]s: a completed handshake becomes [`Item::Attached`] with the
//! peer's type, routing id and READY metadata (and marks the peer
//! connected, for ZMQ_IMMEDIATE); a lost connection of a connecting session
//! becomes [`Item::Lost`]; the peer's subscriptions and cancellations (the
//! wire decodes them only for socket types that receive them) become
//! [`Item::Subscribe`]/[`Item::Cancel`]. From the socket, an
//! [`Item::Subscribe`]/[`Item::Cancel`] is sent with
//! [`Connection::send_subscription`] (the wire picks the 3.1 command or the
//! 3.0 message) and remembered, so all of them are sent again on every new
//! connection.
//!
//! Linger: when the socket goes, the session still sends what it queued; a
//! connecting session with messages waiting keeps connecting until they are
//! written (the context bounds the wait by LINGER, and for a LINGER never
//! set by the stall limit, watching the bytes sessions write on established
//! connections: [`SessionSignal::progressed`]). A connection that fails on
//! the peer's protocol error makes one non-blocking write of what it queued
//! last (an ERROR command, when it refused the peer) before closing.

use std::io::{self, IoSlice, Write};
use std::task::Waker;
use std::time::{Duration, Instant};

use ferrozmq_alloc::RecvAllocator;
use ferrozmq_msg::{Multipart, ReadBlock};
use ferrozmq_wire::{AuthDecision, AuthRequest, Config, Connection, ConnectionError, Event};
use mio::{Interest, Registry, Token};

use crate::endpoint::Endpoint;
use crate::io_thread::SessionSignal;
use crate::monitor::{Monitor, SessionError, SocketEventKind};
use crate::pipe::{Item, PeerMeta, PipeReader, PipeWriter, TryRecvError, TrySendError};
use crate::properties::PeerProperties;
use crate::signal::Signal;
use crate::socket::PeerWake;
use crate::sync::StdArc;
use crate::sys;
use crate::transport::Stream;
use crate::zap::{Reply, ZapClient, ZapError, ZapSettings};

/// A connection's first read buffer: libzmq's `in_batch_size` (8 KiB), so
/// an idle connection holds little (10 000 of them: 80 MB at 8 KiB, 640 MB
/// at 64 KiB).
const READ_BUFFER: usize = 8 * 1024;
/// A read that fills the buffer doubles it, up to this: a busy stream of
/// small messages makes fewer system calls. Growing happens a few times in
/// a connection's life, never per message.
const READ_BUFFER_MAX: usize = 64 * 1024;
/// A frame with at least this much of its body still to come is a large
/// one: its body is read straight into the message, and the read after it
/// takes at most [`READ_AFTER_LARGE`], as the next frame is likely large
/// too and what a read puts in the block of its body is copied. That read
/// also tells how the peer sends: when the next bytes are already there,
/// it streams, and the next large body is awaited with the tcp socket's
/// low-water mark (`SO_RCVLOWAT`) raised to what is missing, so the I/O
/// thread wakes once for the rest instead of once per segment that
/// arrives (each of those reads, as it raced the sender's writes on the
/// other core, cost more than one read of the whole). When nothing
/// followed (a request and its reply), the body is read as it arrives:
/// the copy out of the kernel then overlaps the sender's copy in, which
/// is most of a large round trip's time (tcp 1 MiB REQ/REP 230 -> 165 us).
const LARGE_BODY: usize = 256 * 1024;
/// See [`LARGE_BODY`]: libzmq's `in_batch_size`, its read size throughout.
const READ_AFTER_LARGE: usize = 8 * 1024;
/// A write that would begin a large body (see [`LARGE_BODY`]) stops this
/// far into it; the rest goes in the next write. The peer then has the
/// frame's header, and its reader is under way, while the sender's kernel
/// still copies the rest. libzmq's first write of a large message is the
/// same: its 8 KiB batch buffer, the header and the body's start, then the
/// body from the message itself. Measured over tcp, 1 MiB REQ/REP round
/// trips: 170 -> 120 us with 64 KiB (libzmq 156 in the same alternating
/// rounds, medians of 5; as a first try, 8 KiB: 127, 32 KiB: 103,
/// 128 KiB: 118 against 159 without, and a cap on every write: 138); ipc
/// unchanged. Only a message sent alone is cut (see [`begins_large_body`]).
const FIRST_WRITE_INTO_LARGE: usize = 64 * 1024;
/// At most this many messages are taken from the socket per write round,
/// so the encoder's queue stays bounded. 256 as OMQ.rs drains per wake-up:
/// at 64 a stream of small messages made a `writev` per ~30 of them.
const SEND_BATCH: usize = 256;
/// At most this many rounds per turn, so one busy peer does not starve the
/// others on its I/O thread; the I/O thread comes back at once.
const ROUNDS: usize = 64;
/// How soon an allocator that cannot notify is tried again.
const ALLOC_RETRY: Duration = Duration::from_millis(10);

/// What a session needs from its socket: its connection config and its two
/// pipe ends (built with the session's [`SessionSignal`] as the session-side
/// signal of both).
pub(crate) struct SessionParts {
    /// The ZMTP config of every connection of the session.
    pub(crate) config: Config,
    /// Messages received from the peer, to the socket.
    pub(crate) to_socket: PipeWriter<Item>,
    /// Messages from the socket, to send to the peer.
    pub(crate) from_socket: PipeReader<Item>,
    /// The socket's wake for this peer, told when a connection is up.
    pub(crate) peer: Option<StdArc<PeerWake>>,
    /// How to ask ZAP, when the socket's connections do (`config`'s
    /// `authenticate` is then set).
    pub(crate) zap: Option<ZapSettings>,
}

/// RECONNECT_IVL and RECONNECT_IVL_MAX (see [`Options`](crate::Options)).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reconnect {
    /// The first wait; `None`: never reconnect.
    pub(crate) ivl: Option<Duration>,
    /// The wait doubles up to this; `None`: no backoff.
    pub(crate) max: Option<Duration>,
    /// Whether messages still queued when the socket goes are worth
    /// connecting for (false when the socket's LINGER is 0).
    pub(crate) deliver_after_close: bool,
}

/// One connection: the stream and its ZMTP state.
struct Engine {
    stream: Stream,
    conn: Connection,
    /// What was read and not consumed yet: a block from the socket's
    /// receive allocator, whose small frames are handed on as slices of it
    /// (`ReadBlock`); the global-heap fallback when the allocator refused.
    rbuf: ReadBlock,
    /// The size of the next read block.
    rsize: usize,
    readable: bool,
    writable: bool,
    /// The socket's `SO_RCVLOWAT` as last set (1, the default, unless a
    /// large body is being read; see [`LARGE_BODY`]).
    low_water: usize,
    /// Where reading stands after a large body (see [`LARGE_BODY`]).
    after_large: AfterLarge,
    /// The read after the last large body found the next bytes there:
    /// the peer streams, so the next large body waits for its rest with
    /// the low-water mark raised (see [`LARGE_BODY`]).
    streaming: bool,
    /// A non-blocking connect is in flight.
    connecting: bool,
}

impl Engine {
    /// After a read: raises the tcp socket's low-water mark to the rest of
    /// a large body when the peer streams and the socket has no more of
    /// the body for now, and puts it back to 1 after any read that got
    /// bytes (see [`LARGE_BODY`]). So the mark is never above what the
    /// peer still owes, and the session reads on to `WouldBlock` with the
    /// mark at 1 before it waits for anything else: no edge is missed.
    /// Linux caps the mark at half the most the socket may buffer and
    /// reports a socket readable below it when the window is full, so a
    /// body larger than the buffer still arrives.
    fn set_low_water(&mut self) -> Result<(), SessionError> {
        let Stream::Tcp(tcp) = &self.stream else {
            // Unix stream sockets wake their reader for any data.
            return Ok(());
        };
        let missing = self.conn.body_mut().map_or(0, |b| b.remaining());
        let want = if !self.readable && missing >= LARGE_BODY && self.streaming {
            missing
        } else {
            1
        };
        if want != self.low_water {
            match sys::set_recv_low_water(tcp, want) {
                Ok(()) => self.low_water = want,
                // A system that refuses the mark reads as before (the mark
                // stays at 1); one that will not put it back down would
                // leave the connection waiting for bytes nobody owes.
                Err(_) if want > 1 => {}
                Err(e) => return Err(SessionError::io(e)),
            }
        }
        Ok(())
    }
}

/// Where a write of `iov` would begin the large body of a message sent
/// alone (see [`FIRST_WRITE_INTO_LARGE`]): the index of its slice, when it
/// is the last and only the message's headers and small frames come
/// before it (a stream's writes begin mid-body or carry the next message,
/// and cutting them measured 22 % off a tcp 1 MiB stream). A large slice
/// first in `iov` is not counted: either its start was written already,
/// or the write before ended with its header.
fn begins_large_body(iov: &[IoSlice<'_>]) -> Option<usize> {
    let (last, before) = iov.split_last()?;
    let small: usize = before.iter().map(|s| s.len()).sum();
    (!before.is_empty() && last.len() >= LARGE_BODY && small < FIRST_WRITE_INTO_LARGE)
        .then_some(before.len())
}

/// Where reading stands after a large body (see [`LARGE_BODY`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum AfterLarge {
    /// No large body since the last read into the block that got bytes:
    /// reads fill the block.
    No,
    /// A large body was read; the next read into the block is short and
    /// tells whether the peer streams.
    First,
    /// That read found nothing: reads stay short until one gets bytes.
    Short,
}

/// Where a session is in its connection's life.
enum State {
    /// A connection is up or being connected.
    Active(Box<Engine>),
    /// Reconnect at this time.
    Waiting(Instant),
    /// Ended for good; the I/O thread drops it.
    Done,
}

/// One peer of a socket (see the module docs).
pub(crate) struct Session {
    token: Token,
    signal: StdArc<SessionSignal>,
    config: Config,
    to_socket: PipeWriter<Item>,
    from_socket: PipeReader<Item>,
    peer: Option<StdArc<PeerWake>>,
    /// Where to reconnect to; `None` for an accepted connection.
    connect: Option<(Endpoint, Reconnect, Duration)>,
    state: State,
    /// The frames of a message not yet complete.
    inbound: Multipart,
    /// An item the socket-bound pipe refused (full).
    pending: Option<Item>,
    /// The receive allocator said `Exhausted`: wait for its release.
    alloc_blocked: bool,
    /// Call `handle_input` even with no buffered bytes (after a block).
    retry_input: bool,
    alloc_retry: Option<Instant>,
    /// The last turn ran out of rounds with work left.
    again: bool,
    /// The current connection completed its handshake.
    established: bool,
    /// The subscriptions the socket asked for (a multiset), re-sent on
    /// each new connection.
    subscriptions: Vec<Vec<u8>>,
    /// How to ask ZAP (see `zap.rs`).
    zap: Option<ZapSettings>,
    /// The pipes to the ZAP handler, once joined; dropped with a failed
    /// connection so no stale reply outlives it.
    zap_client: Option<ZapClient>,
    monitor: Monitor,
}

impl Session {
    /// A session for an accepted `stream`.
    pub(crate) fn accepted(
        signal: StdArc<SessionSignal>,
        parts: SessionParts,
        stream: Stream,
        monitor: Monitor,
        registry: &Registry,
        now: Instant,
    ) -> Self {
        let mut s = Self::new(signal, parts, None, monitor);
        s.monitor.emit(SocketEventKind::Accepted);
        let result = s.start(stream, false, registry, now);
        s.settle(result, now);
        s
    }

    /// A session that connects to `endpoint` now and reconnects as
    /// `reconnect` says.
    pub(crate) fn connecting(
        signal: StdArc<SessionSignal>,
        parts: SessionParts,
        endpoint: Endpoint,
        reconnect: Reconnect,
        monitor: Monitor,
        registry: &Registry,
        now: Instant,
    ) -> Self {
        let first = reconnect.ivl.unwrap_or_default();
        let mut s = Self::new(signal, parts, Some((endpoint, reconnect, first)), monitor);
        s.state = State::Waiting(now);
        s.handle_timeout(registry, now);
        s
    }

    fn new(
        signal: StdArc<SessionSignal>,
        parts: SessionParts,
        connect: Option<(Endpoint, Reconnect, Duration)>,
        monitor: Monitor,
    ) -> Self {
        Self {
            token: signal.token(),
            signal,
            config: parts.config,
            to_socket: parts.to_socket,
            from_socket: parts.from_socket,
            peer: parts.peer,
            connect,
            state: State::Done,
            inbound: Multipart::new(),
            pending: None,
            alloc_blocked: false,
            retry_input: false,
            alloc_retry: None,
            again: false,
            established: false,
            subscriptions: Vec::new(),
            zap: parts.zap,
            zap_client: None,
            monitor,
        }
    }

    /// Whether the socket is gone while no connection is up and nothing it
    /// sent is still waiting: the session ends. Messages still queued keep a
    /// connecting session trying (libzmq's linger: they are delivered once a
    /// connection comes up; the context bounds the wait by LINGER).
    fn orphaned(&self) -> bool {
        let deliver = self
            .connect
            .as_ref()
            .is_some_and(|(_, r, _)| r.deliver_after_close);
        !matches!(self.state, State::Active(_))
            && self.from_socket.is_disconnected()
            && (self.from_socket.is_empty() || !deliver)
    }

    /// Whether the session has ended and can be dropped.
    pub(crate) fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Whether the connection waits for the rest of a large body, its
    /// low-water mark raised (see [`LARGE_BODY`]): nothing will happen on
    /// it for a while.
    pub(crate) fn awaits_large_body(&self) -> bool {
        matches!(&self.state, State::Active(e) if e.low_water > 1)
    }

    /// Whether the last turn left work undone (come back without waiting).
    pub(crate) fn wants_again(&self) -> bool {
        self.again
    }

    /// The earliest time [`handle_timeout`](Self::handle_timeout) has work.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        let own = match &self.state {
            State::Active(e) => e.conn.poll_timeout(),
            State::Waiting(at) => Some(*at),
            State::Done => None,
        };
        [own, self.alloc_retry].into_iter().flatten().min()
    }

    /// Readiness from mio for this session's stream.
    pub(crate) fn handle_io(&mut self, readable: bool, writable: bool, now: Instant) {
        if let State::Active(e) = &mut self.state {
            e.readable |= readable;
            e.writable |= writable;
        }
        self.turn(now);
    }

    /// The session's signal fired: a pipe or the allocator changed.
    pub(crate) fn handle_wake(&mut self, now: Instant) {
        if self.orphaned() {
            self.state = State::Done;
            self.monitor.emit(SocketEventKind::Closed);
            return;
        }
        if self.alloc_blocked {
            self.alloc_blocked = false;
            self.retry_input = true;
        }
        self.turn(now);
    }

    /// Timers: reconnect, allocator retry, the connection's own.
    pub(crate) fn handle_timeout(&mut self, registry: &Registry, now: Instant) {
        if self.alloc_retry.is_some_and(|t| t <= now) {
            self.alloc_retry = None;
            self.alloc_blocked = false;
            self.retry_input = true;
        }
        if self.orphaned() {
            self.state = State::Done;
            self.monitor.emit(SocketEventKind::Closed);
            return;
        }
        match &mut self.state {
            State::Waiting(at) if *at <= now => {
                let Some((endpoint, ..)) = &self.connect else {
                    return;
                };
                let result = Stream::connect(endpoint)
                    .map_err(SessionError::connect)
                    .and_then(|stream| self.start(stream, true, registry, now));
                self.settle(result, now);
                return;
            }
            State::Active(e) => {
                if let Err(err) = e.conn.handle_timeout(now) {
                    self.fail(err.into(), now);
                    return;
                }
            }
            _ => {}
        }
        self.turn(now);
    }

    fn start(
        &mut self,
        mut stream: Stream,
        connecting: bool,
        registry: &Registry,
        now: Instant,
    ) -> Result<(), SessionError> {
        registry
            .register(
                &mut stream,
                self.token,
                Interest::READABLE | Interest::WRITABLE,
            )
            .map_err(SessionError::io)?;
        let conn = Connection::new(self.config.clone(), now)?;
        self.state = State::Active(Box::new(Engine {
            stream,
            conn,
            rbuf: read_block(&self.config.recv_allocator, READ_BUFFER)?,
            rsize: READ_BUFFER,
            // Edge-triggered: assume ready until the OS says `WouldBlock`.
            readable: !connecting,
            writable: !connecting,
            low_water: 1,
            after_large: AfterLarge::No,
            streaming: false,
            connecting,
        }));
        self.alloc_blocked = false;
        self.retry_input = false;
        if connecting {
            self.monitor.emit(SocketEventKind::ConnectDelayed);
        }
        Ok(())
    }

    fn settle(&mut self, result: Result<(), SessionError>, now: Instant) {
        match result {
            Ok(()) => self.turn(now),
            Err(e) => self.fail(e, now),
        }
    }

    fn turn(&mut self, now: Instant) {
        self.again = false;
        let result = self.drive(now);
        // A round that returned early (an error) left its batch unflushed.
        self.to_socket.flush();
        self.from_socket.flush();
        if let Err(e) = result {
            self.fail(e, now);
        }
    }

    /// Ends the current connection; schedules a reconnect or ends the
    /// session.
    fn fail(&mut self, error: SessionError, now: Instant) {
        let socket_gone = matches!(error, SessionError::SocketClosed);
        // A connection up at the transport level reports exactly one
        // `Disconnected`, after `HandshakeFailed` when it never got that far
        // (libzmq's `stream_engine_base_t::error`); a failed connect only
        // reports its retry.
        let was_up = matches!(&self.state, State::Active(e) if !e.connecting);
        if let (State::Active(e), SessionError::Protocol(_)) = (&mut self.state, &error) {
            // What the connection queued last (an ERROR command when it
            // refused the peer's READY: RFC 37 §The Socket-Type Property, a peer that refuses the
            // handshake sends ERROR and closes)
            // goes out if the socket buffer takes it now; never waited for.
            let mut iov = [IoSlice::new(&[]); 16];
            let n = e.conn.poll_transmit(&mut iov);
            let _ = e.stream.write_vectored(&iov[..n]);
        }
        // The stream is closed and the connection's memory (a partly
        // received body included) is back before anyone hears of it.
        self.state = State::Done;
        // A peer lost mid-message never yields a partial one.
        self.inbound.clear();
        // A request still awaiting its reply belongs to this connection.
        self.zap_client = None;
        if was_up {
            if !self.established && !socket_gone {
                self.monitor.emit(match auth_status(&error) {
                    Some(status_code) => SocketEventKind::HandshakeFailedAuth { status_code },
                    None => SocketEventKind::HandshakeFailed(error.clone()),
                });
            }
            self.monitor.emit(SocketEventKind::Disconnected(error));
        }
        if core::mem::take(&mut self.established) {
            if let Some(peer) = &self.peer {
                peer.set_connected(false);
            }
            if self.connect.is_some() && !socket_gone {
                // Tell the socket its peer changed; a full pipe loses the
                // notice (the socket then learns nothing, as libzmq's REQ
                // would).
                let _ = self.to_socket.try_send(Item::Lost);
            }
        }
        self.again = false;
        self.alloc_retry = None;
        self.state = match &mut self.connect {
            Some((
                _,
                Reconnect {
                    ivl: Some(_), max, ..
                },
                wait,
            )) if !socket_gone => {
                let delay = *wait;
                *wait = next_wait(delay, *max);
                self.monitor.emit(SocketEventKind::ConnectRetried(delay));
                State::Waiting(now + delay)
            }
            _ => {
                self.monitor.emit(SocketEventKind::Closed);
                State::Done
            }
        };
    }

    fn drive(&mut self, now: Instant) -> Result<(), SessionError> {
        let State::Active(engine) = &mut self.state else {
            return Ok(());
        };
        let e = &mut **engine;
        if e.connecting {
            if let Some(err) = e.stream.take_error().map_err(SessionError::connect)? {
                return Err(SessionError::connect(err));
            }
            if !e.stream.is_connected() {
                return Ok(());
            }
            e.connecting = false;
            e.readable = true;
            e.writable = true;
            self.monitor.emit(SocketEventKind::Connected);
        }
        for _ in 0..ROUNDS {
            if !self.round(now)? {
                return Ok(());
            }
        }
        self.again = true;
        Ok(())
    }

    /// One round: deliver, encode, write once, read once. Returns whether
    /// anything moved.
    fn round(&mut self, now: Instant) -> Result<bool, SessionError> {
        let State::Active(engine) = &mut self.state else {
            return Ok(false);
        };
        let e = &mut **engine;
        let mut progress = false;
        // The ZAP handler's reply resumes a paused handshake.
        if let Some(zap) = &mut self.zap_client
            && let Reply::Decision(decision) = zap.poll_reply()?
        {
            progress = true;
            e.conn.handle_auth(decision, now)?;
        }
        // Deliver a message the socket refused before.
        // The socket hears of this round's deliveries once, after the loop
        // below (`PipeWriter::flush`).
        if let Some(msg) = self.pending.take() {
            match self.to_socket.try_send_unflushed(msg) {
                Ok(()) => progress = true,
                Err(TrySendError::Full(msg)) => self.pending = Some(msg),
                // The socket is gone; what it queued still goes out.
                Err(TrySendError::Disconnected(_)) => progress = true,
            }
        }
        // Events into whole messages.
        while self.pending.is_none() {
            // Data frames, the common event, go from the connection's queue
            // straight into the message they belong to.
            let inbound = &mut self.inbound;
            let frame_more = e.conn.poll_message_with(|frame| {
                let more = frame.more();
                inbound.push(core::mem::take(frame));
                more
            });
            if let Some(more) = frame_more {
                progress = true;
                if !more {
                    deliver(&mut self.to_socket, &mut self.pending, &mut self.inbound);
                }
                continue;
            }
            let Some(event) = e.conn.poll_event() else {
                break;
            };
            progress = true;
            match event {
                Event::HandshakeComplete(peer) => {
                    if let Some((_, r, wait)) = &mut self.connect {
                        *wait = r.ivl.unwrap_or_default();
                    }
                    self.monitor.emit_for(
                        SocketEventKind::HandshakeSucceeded {
                            peer: peer.socket_type,
                        },
                        peer.user_id.clone(),
                    );
                    self.established = true;
                    for topic in &self.subscriptions {
                        e.conn
                            .send_subscription(true, topic)
                            .map_err(|_| ConnectionError::Closed)?;
                    }
                    let meta = PeerMeta {
                        socket_type: peer.socket_type,
                        routing_id: peer.identity.clone(),
                        properties: PeerProperties::from_handshake(&peer, e.stream.peer_address()),
                    };
                    to_socket(&mut self.to_socket, &mut self.pending, || {
                        Item::Attached(Box::new(meta))
                    });
                    if let Some(peer) = &self.peer {
                        peer.set_connected(true);
                    }
                }
                Event::AuthRequest(req) => {
                    let address = e.stream.peer_address();
                    let asked = ask_zap(
                        self.zap.as_ref(),
                        &mut self.zap_client,
                        &self.signal,
                        &address,
                        &req,
                    )?;
                    if let Some(decision) = asked {
                        e.conn.handle_auth(decision, now)?;
                    }
                }
                Event::Subscribe(topic) => {
                    to_socket(&mut self.to_socket, &mut self.pending, || {
                        Item::Subscribe(topic)
                    });
                }
                Event::Cancel(topic) => {
                    to_socket(&mut self.to_socket, &mut self.pending, || {
                        Item::Cancel(topic)
                    });
                }
                Event::Message(frame) => {
                    let more = frame.more();
                    self.inbound.push(frame);
                    if !more {
                        deliver(&mut self.to_socket, &mut self.pending, &mut self.inbound);
                    }
                }
                _ => {}
            }
        }
        self.to_socket.flush();
        // Messages from the socket into the encoder, a batch at a time; the
        // socket hears of the room made once, after the batch.
        if e.conn.is_established() && !e.conn.has_transmit() {
            for _ in 0..SEND_BATCH {
                // Each item is taken apart where it lies in the pipe.
                let subscriptions = &mut self.subscriptions;
                let conn = &mut e.conn;
                match self
                    .from_socket
                    .try_recv_unflushed_with(|item| encode_item(item, conn, subscriptions))
                {
                    Ok(true) => progress = true,
                    Ok(false) => return Err(ConnectionError::Closed.into()),
                    Err(TryRecvError::Empty) => break,
                    // The socket is gone: write what the encoder holds
                    // first (linger); the session ends on a later round.
                    Err(TryRecvError::Disconnected) if e.conn.has_transmit() => break,
                    Err(TryRecvError::Disconnected) => return Err(SessionError::SocketClosed),
                }
            }
            self.from_socket.flush();
        }
        // One gather write.
        if e.writable && e.conn.has_transmit() {
            let mut iov = [IoSlice::new(&[]); 64];
            let n = e.conn.poll_transmit(&mut iov);
            let wrote = match begins_large_body(&iov[..n]) {
                Some(at) => {
                    let mut short = [IoSlice::new(&[]); 64];
                    short[..at].copy_from_slice(&iov[..at]);
                    short[at] = IoSlice::new(&iov[at][..FIRST_WRITE_INTO_LARGE]);
                    e.stream.write_vectored(&short[..=at])
                }
                None => e.stream.write_vectored(&iov[..n]),
            };
            match wrote {
                Ok(written) => {
                    e.conn.advance(written);
                    progress |= written > 0;
                    if written > 0 && e.conn.is_established() {
                        // Linger progress (see `Context`).
                        self.signal.progressed(written);
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => e.writable = false,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(SessionError::io(err)),
            }
        }
        // Read, unless back-pressure holds it.
        if self.pending.is_some() || self.alloc_blocked {
            return Ok(progress);
        }
        let mut fed_any = false;
        if e.rbuf.unread().is_empty() && !self.retry_input && e.readable {
            let read = if let Some(body) = e.conn.body_mut() {
                if body.remaining() >= LARGE_BODY {
                    e.after_large = AfterLarge::First;
                }
                sys::read_into_body(&e.stream, body)
            } else {
                // Little room left: start over in place when every frame
                // taken from the block is gone, else take a new block (the
                // frames keep the old one alive; it goes back to the
                // allocator with the last of them).
                if e.rbuf.spare() < e.rsize / 4
                    && !(e.rbuf.capacity() >= e.rsize && e.rbuf.try_reset())
                {
                    e.rbuf = read_block(&self.config.recv_allocator, e.rsize)?;
                }
                let spare = e.rbuf.spare();
                let limit = if e.after_large != AfterLarge::No {
                    READ_AFTER_LARGE
                } else {
                    spare
                };
                let filled = sys::read_into_block(&e.stream, &mut e.rbuf, limit);
                let got = matches!(filled, Ok(n) if n > 0);
                if e.after_large == AfterLarge::First {
                    e.streaming = got;
                }
                e.after_large = match (got, e.after_large) {
                    (false, AfterLarge::First) => AfterLarge::Short,
                    (false, state) => state,
                    (true, _) => AfterLarge::No,
                };
                if filled
                    .as_ref()
                    .is_ok_and(|&n| n == spare && n >= e.rsize / 2)
                    && may_grow(e.rsize)
                {
                    // The next block is twice as large.
                    e.rsize *= 2;
                }
                filled
            };
            match read {
                Ok(0) => return Err(SessionError::PeerClosed),
                Ok(_) => {
                    progress = true;
                    // A body read is fed as "no new bytes".
                    fed_any = true;
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => e.readable = false,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(SessionError::io(err)),
            }
            e.set_low_water()?;
        }
        if !e.rbuf.unread().is_empty() || self.retry_input || fed_any {
            self.retry_input = false;
            let p = e.conn.handle_input_block(&mut e.rbuf, now)?;
            progress |= p.consumed > 0;
            if p.blocked.is_some() {
                self.alloc_blocked = true;
                let waker = Waker::from(StdArc::clone(&self.signal));
                if !self.config.recv_allocator.notify_on_release(&waker) {
                    self.alloc_retry = Some(now + ALLOC_RETRY);
                }
            }
        }
        Ok(progress)
    }
}

/// Sends `req` to the ZAP handler (joining it first), or decides at once
/// when there is no handler to ask: `Ok(None)` means the reply will wake
/// the session. Without a handler, libzmq's rule (see `Security`): accept,
/// unless the mechanism requires one.
fn ask_zap(
    settings: Option<&ZapSettings>,
    client: &mut Option<ZapClient>,
    signal: &StdArc<SessionSignal>,
    address: &str,
    req: &AuthRequest,
) -> Result<Option<AuthDecision>, SessionError> {
    let Some(settings) = settings else {
        return Ok(Some(AuthDecision::accept(Vec::new())));
    };
    if client.is_none() {
        *client = ZapClient::connect(settings, StdArc::clone(signal) as StdArc<dyn Signal>);
    }
    match client {
        Some(zap) => {
            zap.send_request(settings, address, req)?;
            Ok(None)
        }
        None if settings.handler_required => Err(ZapError::NoHandler.into()),
        None => Ok(Some(AuthDecision::accept(Vec::new()))),
    }
}

/// The ZAP status code of a handshake that failed on authentication: ours
/// refused the peer, or the peer's ERROR carried a status code (libzmq
/// `mechanism_base_t::handle_error_reason`).
fn auth_status(error: &SessionError) -> Option<u16> {
    use ferrozmq_wire::HandshakeError as H;
    match error.protocol()? {
        ConnectionError::Handshake(H::AuthRefused { status_code, .. }) => Some(*status_code),
        ConnectionError::Handshake(H::PeerError { reason }) => match reason[..] {
            [d @ b'3'..=b'5', b'0', b'0'] => Some(u16::from(d - b'0') * 100),
            _ => None,
        },
        _ => None,
    }
}

/// Puts one item from the socket into the connection: a message's frames
/// (read out of the pipe's slot, with MORE set on all but the last), or a
/// subscription to send and remember for the next connection. The
/// connection is established, so a send fails only when it is closed:
/// `false` then. (A `bool`, not the connection's error: the answer travels
/// back through the pipe's layers, and a word moves cheaply.)
fn encode_item(item: &mut Item, conn: &mut Connection, subscriptions: &mut Vec<Vec<u8>>) -> bool {
    match item {
        Item::Msg(msg) => {
            msg.mark_more();
            msg.drain(..).all(|frame| conn.send(frame).is_ok())
        }
        Item::Subscribe(topic) => {
            subscriptions.push(topic.to_vec());
            conn.send_subscription(true, topic).is_ok()
        }
        Item::Cancel(topic) => {
            if let Some(i) = subscriptions.iter().position(|t| t[..] == topic[..]) {
                subscriptions.swap_remove(i);
            }
            conn.send_subscription(false, topic).is_ok()
        }
        Item::Attached(_) | Item::Lost => true,
    }
}

/// Hands the item `make` makes to the socket (unflushed: `round` flushes
/// once per round), made in the pipe's slot once there is room (see
/// `PipeWriter::try_send_with`); a full pipe keeps it in `pending`, which
/// holds reading back until the socket takes it (the pipe's writer signal,
/// ours, fires then). A socket that is gone drops it: what it had queued
/// is still written (linger), and the session ends once that is done
/// (see `round`).
fn to_socket(
    to_socket: &mut PipeWriter<Item>,
    pending: &mut Option<Item>,
    make: impl FnOnce() -> Item,
) {
    if let Err(TrySendError::Full(make)) = to_socket.try_send_unflushed_with(make) {
        *pending = Some(make());
    }
}

/// [`to_socket`] for the whole message gathered in `inbound`, moved from
/// there into the pipe's slot; `inbound` is left empty.
fn deliver(pipe: &mut PipeWriter<Item>, pending: &mut Option<Item>, inbound: &mut Multipart) {
    to_socket(pipe, pending, || Item::Msg(core::mem::take(inbound)));
    // Dropped with the socket gone (`make` was not called).
    inbound.clear();
}

/// A read block of `size` bytes from the socket's receive allocator, or
/// from the global heap when it refuses (its frames are then copied into
/// the allocator one by one, as the decoder does without a block, so the
/// allocator's back-pressure still applies).
fn read_block(alloc: &StdArc<dyn RecvAllocator>, size: usize) -> Result<ReadBlock, SessionError> {
    ReadBlock::new_in(alloc, size)
        .or_else(|_| ReadBlock::unsliced(size))
        .map_err(|e| SessionError::io(io::Error::new(io::ErrorKind::OutOfMemory, e)))
}

/// Whether a read buffer of `len` may still grow.
fn may_grow(len: usize) -> bool {
    len < READ_BUFFER_MAX
}

/// The wait after `wait`: doubled up to `max` (RECONNECT_IVL_MAX), never
/// below `wait` (libzmq ignores a maximum below the interval); unchanged
/// without a maximum.
fn next_wait(wait: Duration, max: Option<Duration>) -> Duration {
    match max {
        Some(max) => wait.saturating_mul(2).min(max).max(wait),
        None => wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnect_backoff_doubles_up_to_the_maximum() {
        let ms = Duration::from_millis;
        let mut wait = ms(100);
        let mut seen = Vec::new();
        for _ in 0..5 {
            seen.push(wait);
            wait = next_wait(wait, Some(ms(500)));
        }
        assert_eq!(seen, [ms(100), ms(200), ms(400), ms(500), ms(500)]);
        assert_eq!(next_wait(ms(100), None), ms(100));
        assert_eq!(next_wait(ms(100), Some(ms(50))), ms(100));
    }

    #[test]
    fn only_a_large_message_sent_alone_is_begun_with_a_short_write() {
        let (header, big, small) = ([0u8; 11], vec![0u8; LARGE_BODY], [0u8; 600]);
        let io = IoSlice::new;
        // A request or a reply: its headers, then the body, nothing after.
        assert_eq!(begins_large_body(&[io(&header), io(&big)]), Some(1));
        assert_eq!(
            begins_large_body(&[io(&header), io(&small), io(&header), io(&big)]),
            Some(3)
        );
        // Its start written already, or its header the last write's end.
        assert_eq!(begins_large_body(&[io(&big)]), None);
        assert_eq!(begins_large_body(&[io(&big), io(&header)]), None);
        // A stream: more behind it, or much before it.
        assert_eq!(
            begins_large_body(&[io(&header), io(&big), io(&header)]),
            None
        );
        assert_eq!(begins_large_body(&[io(&big), io(&header), io(&big)]), None);
        // A body below the mark.
        assert_eq!(begins_large_body(&[io(&header), io(&big[1..])]), None);
        assert_eq!(begins_large_body(&[]), None);
    }
}
