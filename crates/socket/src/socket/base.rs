//! [`Base`]: a socket's state behind its mutex: options, receive
//! allocator, its [`Engine`] (peers and the pattern of its type), the
//! parts of a message being sent with MORE, the rest of a message being
//! received frame by frame, and what its binds and connects made (libzmq's
//! `socket_base_t`).

use std::collections::VecDeque;
use std::time::Duration;

use ferrozmq_alloc::{Cache, RecvAllocator};
use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_wire::{Config, SocketType};

use super::{Engine, Hub, NewPeer, Origin, PeerKey, PeerWake};
use crate::context::ContextInner;
use crate::endpoint::Endpoint;
use crate::error::{BindError, ConnectError, DisconnectError, RecvError, SendError, UnbindError};
use crate::inproc::Joiner;
use crate::io_thread::Acceptor;
use crate::monitor::{Monitor, MonitorHub, SocketMonitor};
use crate::options::{OptionError, Options, SecurityError, SocketOption};
use crate::pattern::AnyPattern;
use crate::pipe::{Item, PeerMeta, conflating_pipe, pipe};
use crate::properties::PeerProperties;
use crate::session::{Reconnect, SessionParts};
use crate::signal::Signal;
use crate::sync::StdArc;
use crate::zap::ZapSettings;

/// A bind: the endpoint as given and as bound, and what serves it.
struct Bind {
    id: u64,
    given: Endpoint,
    bound: Endpoint,
    /// The I/O thread and listener token; `None` for inproc.
    listener: Option<(usize, mio::Token)>,
}

/// A connect: the endpoint as given.
struct Connect {
    id: u64,
    endpoint: Endpoint,
}

/// See the module docs.
pub(crate) struct Base {
    socket_type: SocketType,
    options: Options,
    alloc: StdArc<dyn RecvAllocator>,
    engine: Engine,
    /// Parts sent with MORE, waiting for the last one.
    pending: Multipart,
    /// The rest of a received message, handed out frame by frame.
    inbox: VecDeque<Msg>,
    /// A whole message taken by a readiness question, for the next
    /// receive, with the peer it came from.
    stash: Option<(Multipart, Option<PeerKey>)>,
    last_endpoint: Option<Endpoint>,
    binds: Vec<Bind>,
    connects: Vec<Connect>,
    next_id: u64,
    /// Where the listeners and sessions report (see `monitor.rs`).
    monitor: StdArc<MonitorHub>,
    /// Last, so it is dropped last: when this socket holds the last
    /// reference to its context, the context lingers in its drop until the
    /// sessions end, and they end only once this socket's pipes (the
    /// engine's peers, the hub's offered peers) are gone. Dropped first, it would wait for
    /// them forever.
    ctx: StdArc<ContextInner>,
}

impl Base {
    /// `None` for a socket type without a pattern.
    pub(crate) fn new(
        ctx: StdArc<ContextInner>,
        socket_type: SocketType,
        hub: StdArc<Hub>,
    ) -> Option<Self> {
        let options = Options::new();
        Some(Self {
            engine: Engine::new(hub, AnyPattern::new(socket_type, &options)?),
            socket_type,
            options,
            alloc: StdArc::new(Cache::new()),
            pending: Multipart::new(),
            inbox: VecDeque::new(),
            stash: None,
            last_endpoint: None,
            binds: Vec::new(),
            connects: Vec::new(),
            next_id: 0,
            monitor: MonitorHub::new(),
            ctx,
        })
    }

    pub(crate) fn socket_type(&self) -> SocketType {
        self.socket_type
    }

    pub(crate) fn options(&self) -> &Options {
        &self.options
    }

    pub(crate) fn peer_count(&self) -> usize {
        self.engine.peers.len()
    }

    pub(crate) fn last_endpoint(&self) -> Option<Endpoint> {
        self.last_endpoint.clone()
    }

    pub(crate) fn monitor(&self, capacity: usize) -> SocketMonitor {
        self.monitor.attach(capacity)
    }

    pub(crate) fn set_recv_allocator(&mut self, alloc: StdArc<dyn RecvAllocator>) {
        self.alloc = alloc;
    }

    pub(crate) fn set_option(&mut self, option: SocketOption) -> Result<(), OptionError> {
        if !option.applies_to(self.socket_type) {
            return Err(OptionError::NotApplicable {
                option: option.name(),
                socket_type: self.socket_type,
            });
        }
        self.options.set(option.clone())?;
        self.engine.set_option(&option);
        Ok(())
    }

    pub(crate) fn subscription(
        &mut self,
        subscribe: bool,
        topic: &[u8],
    ) -> Result<(), OptionError> {
        self.engine
            .subscription(subscribe, topic)
            .ok_or(OptionError::NotApplicable {
                option: if subscribe {
                    "ZMQ_SUBSCRIBE"
                } else {
                    "ZMQ_UNSUBSCRIBE"
                },
                socket_type: self.socket_type,
            })
    }

    /// Whether a send may be tried at all (before parts are queued).
    pub(crate) fn check_send(&self) -> Result<(), SendError<()>> {
        if self.engine.sends() {
            Ok(())
        } else {
            Err(SendError::NotSupported(()))
        }
    }

    /// Queues a part sent with MORE; the first part of a message is
    /// checked by the pattern first.
    pub(crate) fn queue_part(&mut self, part: Msg) -> Result<(), SendError<Msg>> {
        if self.pending.is_empty()
            && let Err(e) = self.engine.check_first_part(&part)
        {
            return Err(e.map(|()| part));
        }
        self.pending.push(part);
        Ok(())
    }

    /// Puts the queued parts in front of `mine`; returns how many there were.
    pub(crate) fn take_parts(&mut self, mine: &mut Multipart) -> usize {
        let queued = self.pending.len();
        if queued > 0 {
            let own = core::mem::replace(mine, core::mem::take(&mut self.pending));
            mine.extend(own);
        }
        queued
    }

    /// Puts the first `queued` parts of `whole` back in the queue, leaving
    /// the rest there (a failed send's own parts).
    pub(crate) fn restore_parts(&mut self, whole: &mut Multipart, queued: usize) {
        if queued > 0 {
            self.pending.extend(whole.drain(..queued));
        }
    }

    /// One non-blocking send of `mine` after the parts queued with MORE;
    /// on failure the queued parts stay queued and `mine` comes back.
    pub(crate) fn try_send_whole(
        &mut self,
        mut mine: Multipart,
    ) -> Result<(), SendError<Multipart>> {
        if let Err(e) = self.check_send() {
            return Err(e.map(|()| mine));
        }
        if mine.is_empty() {
            return Ok(());
        }
        let queued = self.take_parts(&mut mine);
        match self.try_send(&mut mine) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.restore_parts(&mut mine, queued);
                Err(e.map(|()| mine))
            }
        }
    }

    /// One non-blocking try of the pattern's send (see
    /// `Pattern::try_send`: on failure the message is still in `msg`).
    pub(crate) fn try_send(&mut self, msg: &mut Multipart) -> Result<(), SendError<()>> {
        self.engine.try_send(msg)
    }

    /// The properties of the peer the message last handed out (whole, or
    /// its first frame) came from.
    pub(crate) fn peer_properties(&self) -> Option<PeerProperties> {
        let peers = &self.engine.peers;
        peers.properties(peers.delivered?)
    }

    /// The next frame, the rest of its message kept for the next calls.
    pub(crate) fn try_recv_frame(&mut self) -> Result<Msg, RecvError> {
        if let Some(frame) = self.inbox.pop_front() {
            return Ok(frame);
        }
        let inbox = &mut self.inbox;
        // The frame is moved into here rather than returned: wrapped in
        // the result of every layer in between, each would move it again,
        // and each move stalls on the last one's differently shaped stores.
        let mut first = None;
        take_next_with(&mut self.engine, &mut self.stash, |msg| {
            // One frame, the common case: nothing for the inbox.
            if msg.len() > 1 {
                inbox.extend(msg.drain(1..));
            }
            first = msg.pop();
        })?;
        first.ok_or(RecvError::WouldBlock)
    }

    /// Every frame left of the current message, or the next whole one.
    pub(crate) fn try_recv_whole(&mut self) -> Result<Multipart, RecvError> {
        if !self.inbox.is_empty() {
            return Ok(self.inbox.drain(..).collect());
        }
        // Into here, not returned through the layers (see `try_recv_frame`).
        let mut whole = Multipart::new();
        take_next_with(&mut self.engine, &mut self.stash, |msg| {
            core::mem::swap(&mut whole, msg);
        })?;
        Ok(whole)
    }

    /// Whether a whole message can be received now.
    pub(crate) fn has_in(&mut self) -> bool {
        if !self.inbox.is_empty() || self.stash.is_some() {
            return true;
        }
        match self.engine.try_recv() {
            Ok(msg) => {
                self.stash = Some((msg, self.engine.peers.last_from));
                true
            }
            Err(_) => false,
        }
    }

    /// Whether a message can be sent now.
    pub(crate) fn has_out(&mut self) -> bool {
        self.engine.has_out()
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// ZMTP settings for the sessions of a new bind or connect, and how
    /// they ask ZAP when they do.
    ///
    /// # Errors
    ///
    /// [`SecurityError`] when the security options cannot make a
    /// connection (CURVE without its keys).
    fn config(&self) -> Result<(Config, Option<ZapSettings>), SecurityError> {
        let security = self.options.security();
        let mut config = Config::new(self.socket_type, StdArc::clone(&self.alloc));
        config.mechanism = security.wire_mechanism()?;
        config.as_server = security.is_server();
        // PLAIN and CURVE servers, or NULL with a domain (either side).
        config.authenticate = security.uses_zap();
        let zap = config.authenticate.then(|| ZapSettings {
            registry: StdArc::clone(self.ctx.inproc()),
            domain: security.zap_domain.clone().into_bytes(),
            routing_id: self
                .options
                .routing_id()
                .map(|id| id.as_bytes().to_vec())
                .unwrap_or_default(),
            handler_required: security.zap_handler_required(),
        });
        config.max_msg_size = self.options.maxmsgsize();
        config.zero_copy_recv = self.options.zero_copy_recv();
        if let Some(id) = self.options.routing_id() {
            config.identity = id.as_bytes().to_vec();
        }
        config.handshake_timeout = self.options.handshake_ivl();
        config.heartbeat_interval = self.options.heartbeat_ivl();
        config.heartbeat_timeout = self.options.heartbeat_timeout();
        config.heartbeat_ttl = self.options.heartbeat_ttl();
        Ok((config, zap))
    }

    /// Who this socket is, as its inproc peers learn it.
    fn meta(&self) -> PeerMeta {
        let routing_id = self
            .options
            .routing_id()
            .map(|id| id.as_bytes().to_vec())
            .unwrap_or_default();
        PeerMeta {
            socket_type: self.socket_type,
            properties: PeerProperties::inproc(self.socket_type, routing_id.clone()),
            routing_id,
        }
    }

    /// The pipe settings of a new peer.
    fn pipes(&self) -> PipeSettings {
        PipeSettings {
            sndhwm: self.options.sndhwm(),
            rcvhwm: self.options.rcvhwm(),
            conflate: self.options.conflate(),
        }
    }

    pub(crate) fn bind(&mut self, ep: Endpoint) -> Result<(), BindError> {
        let id = self.next_id();
        if let Endpoint::Inproc(name) = &ep {
            let binder = crate::inproc::Binder {
                hub: StdArc::clone(&self.engine.hub),
                meta: self.meta(),
                pipes: self.pipes(),
                origin: Origin::Bound(id),
            };
            self.ctx.inproc().bind(name, binder)?;
            self.binds.push(Bind {
                id,
                given: ep.clone(),
                bound: ep.clone(),
                listener: None,
            });
            self.last_endpoint = Some(ep);
            return Ok(());
        }
        let hub = StdArc::clone(&self.engine.hub);
        let (config, zap) = self.config()?;
        let pipes = self.pipes();
        let acceptor: Acceptor = Box::new(move |signal| {
            let (parts, peer) = make_parts(
                (config.clone(), zap.clone()),
                &hub,
                signal,
                pipes,
                Origin::Bound(id),
                None,
            );
            hub.offer(peer);
            Some(parts)
        });
        let io = self.ctx.pick();
        let (bound, token) =
            self.ctx
                .io_thread(io)
                .bind(&ep, acceptor, StdArc::clone(&self.monitor))?;
        self.binds.push(Bind {
            id,
            given: ep,
            bound: bound.clone(),
            listener: Some((io, token)),
        });
        self.last_endpoint = Some(bound);
        Ok(())
    }

    pub(crate) fn unbind(&mut self, ep: &Endpoint) -> Result<(), UnbindError> {
        // A wildcard names no one bind: libzmq refuses it (ENOENT); the
        // endpoint as bound (`last_endpoint`) is what unbinds.
        let Some(i) = self
            .binds
            .iter()
            .rposition(|b| (&b.given == ep && !ep.is_wildcard()) || &b.bound == ep)
        else {
            return Err(UnbindError::NotFound {
                endpoint: ep.to_string(),
            });
        };
        let bind = self.binds.remove(i);
        self.stop_listening(&bind);
        self.drop_peers(Origin::Bound(bind.id));
        Ok(())
    }

    pub(crate) fn connect(&mut self, ep: Endpoint) -> Result<(), ConnectError> {
        // inproc has no security mechanism (libzmq's neither); a stream
        // endpoint's is checked before anything changes.
        let config = self.config();
        if let (Err(e), false) = (&config, matches!(ep, Endpoint::Inproc(_))) {
            return Err(e.clone().into());
        }
        let id = self.next_id();
        let routing_id = self
            .options
            .take_connect_routing_id()
            .map(|id| id.as_bytes().to_vec());
        let peer = if let Endpoint::Inproc(name) = &ep {
            let joiner = Joiner {
                hub: &self.engine.hub,
                meta: self.meta(),
                pipes: self.pipes(),
                origin: Origin::Connected(id),
                routing_id,
            };
            self.ctx.inproc().connect(name, joiner)?
        } else {
            let io = self.ctx.io_thread(self.ctx.pick());
            let signal = io.session_signal();
            let (parts, peer) = make_parts(
                config?,
                &self.engine.hub,
                signal.clone(),
                self.pipes(),
                Origin::Connected(id),
                routing_id,
            );
            let reconnect = Reconnect {
                ivl: self.options.reconnect_ivl(),
                max: self.options.reconnect_ivl_max(),
                deliver_after_close: self.options.linger() != Some(Duration::ZERO),
            };
            let monitor = Monitor::new(StdArc::clone(&self.monitor), ep.clone());
            io.connect(signal, parts, ep.clone(), reconnect, monitor);
            peer
        };
        self.connects.push(Connect { id, endpoint: ep });
        self.engine.prepare();
        self.engine.adopt(peer);
        self.engine.reap();
        Ok(())
    }

    pub(crate) fn disconnect(&mut self, ep: &Endpoint) -> Result<(), DisconnectError> {
        let ids: Vec<u64> = self
            .connects
            .iter()
            .filter(|c| &c.endpoint == ep)
            .map(|c| c.id)
            .collect();
        if ids.is_empty() {
            return Err(DisconnectError::NotFound {
                endpoint: ep.to_string(),
            });
        }
        self.connects.retain(|c| &c.endpoint != ep);
        for id in ids {
            self.drop_peers(Origin::Connected(id));
        }
        Ok(())
    }

    /// Detaches and drops every peer that came from `origin`.
    fn drop_peers(&mut self, origin: Origin) {
        self.engine.drop_peers(|p| p.origin == origin);
    }

    /// Closes `bind`'s listener, or frees its inproc name.
    fn stop_listening(&self, bind: &Bind) {
        match (&bind.bound, bind.listener) {
            (_, Some((io, token))) => self.ctx.io_thread(io).unbind(token),
            (Endpoint::Inproc(name), None) => {
                self.ctx.inproc().unbind(name.name(), &self.engine.hub);
            }
            _ => {}
        }
    }

    /// The socket is being dropped (see `Socket`'s `Drop`).
    pub(crate) fn close(&mut self) {
        for bind in &self.binds {
            self.stop_listening(bind);
        }
        self.ctx.linger(&self.options);
    }
}

/// HWMs and CONFLATE, as a new peer's pipes are made.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PipeSettings {
    pub(crate) sndhwm: usize,
    pub(crate) rcvhwm: usize,
    pub(crate) conflate: bool,
}

impl PipeSettings {
    /// An inproc pair's settings (see `inproc.rs`): each direction holds
    /// the sender's SNDHWM plus the receiver's RCVHWM, or is unbounded if
    /// either is 0 (libzmq `socket_base_t::connect_internal`); CONFLATE on
    /// either side conflates both directions.
    pub(crate) fn joined_with(self, binder: Self) -> Self {
        let sum = |a: usize, b: usize| {
            if a == 0 || b == 0 {
                0
            } else {
                a.saturating_add(b)
            }
        };
        Self {
            sndhwm: sum(self.sndhwm, binder.rcvhwm),
            rcvhwm: sum(self.rcvhwm, binder.sndhwm),
            conflate: self.conflate || binder.conflate,
        }
    }

    /// A pipe to the socket (`inbound`) or from it, with these settings.
    pub(crate) fn pipe(
        self,
        inbound: bool,
        reader: StdArc<dyn Signal>,
        writer: StdArc<dyn Signal>,
    ) -> (crate::pipe::PipeWriter<Item>, crate::pipe::PipeReader<Item>) {
        if self.conflate {
            conflating_pipe(reader, writer)
        } else {
            pipe(
                if inbound { self.rcvhwm } else { self.sndhwm },
                reader,
                writer,
            )
        }
    }
}

/// The next whole message (the one a readiness question stashed, or one of
/// the pattern's), handed to `f` where it lies (see
/// `Pattern::try_recv_with`), noted as delivered, its frames marked MORE
/// but the last. A function of the fields it needs, so that `f` may borrow
/// the others.
#[inline]
fn take_next_with<R>(
    engine: &mut Engine,
    stash: &mut Option<(Multipart, Option<PeerKey>)>,
    mut f: impl FnMut(&mut Multipart) -> R,
) -> Result<R, RecvError> {
    let (got, from) = match stash.take() {
        Some((mut msg, from)) => {
            msg.mark_more();
            (f(&mut msg), from)
        }
        None => {
            let got = engine.try_recv_with(|msg| {
                msg.mark_more();
                f(msg)
            })?;
            (got, engine.peers.last_from)
        }
    };
    engine.peers.delivered = from;
    Ok(got)
}

/// A session's parts and the socket's ends of its pipes.
fn make_parts(
    (config, zap): (Config, Option<ZapSettings>),
    hub: &StdArc<Hub>,
    session: StdArc<dyn Signal>,
    pipes: PipeSettings,
    origin: Origin,
    routing_id: Option<Vec<u8>>,
) -> (SessionParts, NewPeer) {
    let wake = PeerWake::new(hub);
    let (to_socket, rx) = pipes.pipe(true, wake.signal(), StdArc::clone(&session));
    let (tx, from_socket) = pipes.pipe(false, session, wake.signal());
    let parts = SessionParts {
        config,
        to_socket,
        from_socket,
        peer: Some(StdArc::clone(&wake)),
        zap,
    };
    (
        parts,
        NewPeer {
            tx,
            rx,
            wake,
            origin,
            routing_id,
        },
    )
}
