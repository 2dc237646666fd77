//! [`Connection`]: one ZMTP 3.x connection as a sans-IO state machine, from
//! the first greeting byte to traffic (quinn-proto / rustls style).
//!
//! Inputs are `handle_*` calls (bytes read, time passing, messages to send);
//! outputs are `poll_*` calls (bytes to write, events, the next deadline).
//! Time is always an argument (`Instant`s chosen by the caller); there are no
//! sockets, threads or clocks here. Phases: the staged greeting
//! (`greeting.rs`), the mechanism handshake (`mechanism/`), then traffic:
//! frames become [`Event::Message`], subscriptions (both forms) become
//! [`Event::Subscribe`]/[`Event::Cancel`] for PUB and XPUB, PINGs are answered,
//! and unknown commands are ignored as libzmq's `session_base_t::push_msg`
//! does.
//!
//! It does not assemble multi-part messages (each frame is its own event with
//! its MORE flag) and applies no socket-pattern rule beyond the socket type
//! compatibility check (RFC 37 §The Socket-Type Property); that is the socket
//! layer's job.

use crate::sync::Arc;
use std::collections::VecDeque;
use std::io::IoSlice;
use std::time::{Duration, Instant};

use ferrozmq_alloc::{AllocError, RecvAllocator};
use ferrozmq_msg::{Msg, MsgMut, ReadBlock};

use crate::SocketType;
use crate::auth::{AuthDecision, AuthRequest};
use crate::command::{Command, MAX_PING_CONTEXT, subscription_msg};
use crate::decoder::{Decoded, Decoder, DecoderConfig, Input};
use crate::encoder::{Encoder, EncoderConfig};
use crate::error::{CommandError, ConfigError, ConnectionError, HandshakeError, SendError};
use crate::greeting::{Exchange, Greeting, MechanismName, ZmtpVersion};
use crate::mechanism::{self, CurveRx, Handshake, Mechanism, Peer, Step};
use crate::metadata::Metadata;

/// How many events may wait in [`Connection::poll_event`] before
/// [`Connection::handle_input`] stops consuming input.
pub const MAX_PENDING_EVENTS: usize = 256;

/// Everything a [`Connection`] needs to know about its own side.
#[derive(Clone)]
pub struct Config {
    /// Our socket type, sent in READY and checked against the peer's.
    pub socket_type: SocketType,
    /// Our identity (`Identity` property, 0-255 bytes), sent from REQ,
    /// DEALER and ROUTER as libzmq does. Empty means "let the peer generate
    /// one".
    pub identity: Vec<u8>,
    /// The security mechanism.
    pub mechanism: Mechanism,
    /// Not read: the role comes from the [`Mechanism`] variant
    /// ([`Mechanism::is_server`]). The greeting's as-server byte is always
    /// 0, as libzmq sends it (RFC 37 §Topology).
    pub as_server: bool,
    /// A PLAIN or CURVE server pauses its handshake with
    /// [`Event::AuthRequest`] until [`Connection::handle_auth`] gives the
    /// decision (the socket layer's ZAP, RFC 27). When false (the default)
    /// every client is accepted: CURVE still proves the client holds the
    /// secret key of the public key it presents, and encrypts; PLAIN checks
    /// nothing. With NULL (libzmq: a socket with a ZAP domain), either side
    /// asks before it sends READY, with [`Credentials::Null`](crate::Credentials::Null).
    /// Ignored by PLAIN and CURVE clients.
    pub authenticate: bool,
    /// The version we announce: 3.1 normally; 3.0 to behave as libzmq 4.0-4.3.2
    /// does (legacy subscriptions), for tests and interop.
    pub version: ZmtpVersion,
    /// Extra READY properties (`X-` names for applications, RFC 37 §Connection
    /// Metadata).
    pub properties: Metadata,
    /// Where received bodies that do not fit inline are allocated.
    pub recv_allocator: Arc<dyn RecvAllocator>,
    /// The largest data frame accepted (libzmq `ZMQ_MAXMSGSIZE`, checked per
    /// frame); `None` for no limit, libzmq's default.
    pub max_msg_size: Option<u64>,
    /// The largest command frame accepted.
    pub max_command_size: u64,
    /// Whether data frames found whole in a read block are slices of it
    /// ([`handle_input_block`](Connection::handle_input_block); libzmq's
    /// `ZMQ_ZERO_COPY_RECV`, on by default). CURVE never slices.
    pub zero_copy_recv: bool,
    /// Batching and copy threshold of the encoder.
    pub encoder: EncoderConfig,
    /// How long greeting plus handshake may take (libzmq
    /// `ZMQ_HANDSHAKE_IVL`, default 30 s); `None` for no limit.
    pub handshake_timeout: Option<Duration>,
    /// Send a PING this often once the handshake is complete (libzmq
    /// `ZMQ_HEARTBEAT_IVL`); `None` (the default) sends none.
    pub heartbeat_interval: Option<Duration>,
    /// Fail when nothing arrives this long after a PING (libzmq
    /// `ZMQ_HEARTBEAT_TIMEOUT`); `None` means the interval.
    pub heartbeat_timeout: Option<Duration>,
    /// The TTL put in our PINGs, asking the peer to drop us if it hears
    /// nothing for that long (libzmq `ZMQ_HEARTBEAT_TTL`); sent in tenths of
    /// a second, at most 6553.5 s.
    pub heartbeat_ttl: Option<Duration>,
}

impl Config {
    /// Defaults for a socket of `socket_type` receiving into
    /// `recv_allocator`: NULL, ZMTP 3.1, empty identity, no message size
    /// limit, 64 KiB command limit, 30 s handshake timeout, no heartbeats.
    pub fn new(socket_type: SocketType, recv_allocator: Arc<dyn RecvAllocator>) -> Self {
        let decoder = DecoderConfig::default();
        Self {
            socket_type,
            identity: Vec::new(),
            mechanism: Mechanism::Null,
            as_server: false,
            authenticate: false,
            version: ZmtpVersion::V3_1,
            properties: Metadata::new(),
            recv_allocator,
            max_msg_size: decoder.max_msg_size,
            max_command_size: decoder.max_command_size,
            zero_copy_recv: true,
            encoder: EncoderConfig::default(),
            handshake_timeout: Some(Duration::from_secs(30)),
            heartbeat_interval: None,
            heartbeat_timeout: None,
            heartbeat_ttl: None,
        }
    }
}

impl core::fmt::Debug for Config {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Config")
            .field("socket_type", &self.socket_type)
            .field("identity", &self.identity)
            .field("mechanism", &self.mechanism)
            .field("authenticate", &self.authenticate)
            .field("version", &self.version)
            .field("recv_allocator", &self.recv_allocator.name())
            .field("max_msg_size", &self.max_msg_size)
            .finish_non_exhaustive()
    }
}

/// What the handshake learned about the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerInfo {
    /// The peer's socket type (compatible with ours).
    pub socket_type: SocketType,
    /// The negotiated version: the lower of ours and the peer's.
    pub version: ZmtpVersion,
    /// The peer's `Identity` property (empty when absent).
    pub identity: Vec<u8>,
    /// All the peer's properties, unknown ones included, as received.
    pub metadata: Metadata,
    /// The user id our authenticator gave ([`AuthDecision::Accept`]);
    /// empty without one (libzmq's `User-Id` message property).
    pub user_id: Vec<u8>,
    /// The properties our authenticator attached (ZAP reply metadata);
    /// empty without one.
    pub auth_properties: Metadata,
}

/// Something that happened on the connection, from
/// [`Connection::poll_event`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// Greeting and handshake are done: messages may flow both ways.
    HandshakeComplete(Box<PeerInfo>),
    /// One frame of a message; [`Msg::more`] says whether more follow.
    Message(Msg),
    /// A subscription to a topic prefix, from a SUBSCRIBE command or a legacy
    /// `0x01` message (only for PUB and XPUB; RFC 23 §The Publish-Subscribe
    /// Pattern).
    Subscribe(Msg),
    /// A cancelled subscription, from a CANCEL command or a legacy `0x00`
    /// message (only for PUB and XPUB).
    Cancel(Msg),
    /// The peer sent PING; the PONG is already queued (RFC 37 §Connection
    /// Heartbeating). At most one PONG waits to be written: PINGs that arrive
    /// meanwhile are answered by it, with the latest context (as libzmq does).
    Ping {
        /// The TTL it asked for, if any: the connection now fails with
        /// [`ConnectionError::TtlExpired`] if nothing arrives in time.
        ttl: Option<Duration>,
        /// Its context (echoed in the PONG, truncated to 16 bytes).
        context: Msg,
    },
    /// The peer answered a PING.
    Pong {
        /// The context it echoed.
        context: Msg,
    },
    /// A PLAIN or CURVE server handshake (with [`Config::authenticate`])
    /// is paused on the client's credentials: give the decision to
    /// [`Connection::handle_auth`]. Input is not consumed meanwhile: a
    /// well-behaved client sends nothing until answered.
    AuthRequest(Box<AuthRequest>),
}

/// The result of a successful [`Connection::handle_input`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// How many input bytes were consumed. Fewer than given when events are
    /// waiting ([`MAX_PENDING_EVENTS`]; poll them and call again with the
    /// rest) or when `blocked` is set.
    pub consumed: usize,
    /// The receive allocator is exhausted: stop reading until memory comes
    /// back, then call `handle_input` again with the unconsumed bytes (or
    /// none). Nothing has been lost.
    pub blocked: Option<AllocError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Greeting,
    Handshake,
    Traffic,
    Failed,
}

#[derive(Debug)]
struct Heartbeat {
    interval: Option<Duration>,
    timeout: Duration,
    ttl_deciseconds: u16,
    next_ping: Option<Instant>,
    /// Set after a PING until traffic arrives.
    timeout_deadline: Option<Instant>,
    /// Set by the peer's PING with a TTL until traffic arrives.
    ttl_deadline: Option<Instant>,
}

/// One ZMTP connection (see the module docs).
///
/// # Examples
///
/// Two connections wired back to back in memory:
///
/// ```
/// use std::io::IoSlice;
/// use std::sync::Arc;
/// use std::time::Instant;
/// use ferrozmq_alloc::{Heap, RecvAllocator};
/// use ferrozmq_msg::Msg;
/// use ferrozmq_wire::{Config, Connection, Event, SocketType};
///
/// let alloc: Arc<dyn RecvAllocator> = Arc::new(Heap);
/// let now = Instant::now();
/// let mut req = Connection::new(Config::new(SocketType::Req, alloc.clone()), now)?;
/// let mut rep = Connection::new(Config::new(SocketType::Rep, alloc), now)?;
///
/// fn pump(from: &mut Connection, to: &mut Connection, now: Instant) {
///     let mut iov = [IoSlice::new(&[]); 8];
///     let n = from.poll_transmit(&mut iov);
///     let bytes: Vec<u8> = iov[..n].iter().flat_map(|s| s.iter().copied()).collect();
///     from.advance(bytes.len());
///     let progress = to.handle_input(&bytes, now).unwrap();
///     assert_eq!(progress.consumed, bytes.len());
/// }
/// for _ in 0..4 {
///     pump(&mut req, &mut rep, now);
///     pump(&mut rep, &mut req, now);
/// }
/// assert!(matches!(rep.poll_event(), Some(Event::HandshakeComplete(p)) if p.socket_type == SocketType::Req));
/// assert!(req.is_established());
///
/// req.send(Msg::new().with_more(true)).unwrap();
/// req.send(Msg::from_static(b"Hello")).unwrap();
/// pump(&mut req, &mut rep, now);
/// let Some(Event::Message(delimiter)) = rep.poll_event() else { panic!() };
/// let Some(Event::Message(body)) = rep.poll_event() else { panic!() };
/// assert!(delimiter.more() && delimiter.is_empty());
/// assert_eq!(&body[..], b"Hello");
/// # Ok::<(), ferrozmq_wire::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct Connection {
    socket_type: SocketType,
    phase: Phase,
    greeting: Exchange,
    handshake: Box<dyn Handshake>,
    encoder: Encoder,
    decoder: Decoder,
    events: VecDeque<Event>,
    version: Option<ZmtpVersion>,
    peer_socket_type: Option<SocketType>,
    /// The last data frame received had MORE set.
    rx_mid_message: bool,
    handshake_deadline: Option<Instant>,
    heartbeat: Heartbeat,
    /// A PONG not yet handed to the encoder. At most one waits: a PING that
    /// arrives meanwhile replaces its context (libzmq keeps one `_pong_msg`
    /// too), so a peer flooding PINGs without reading our PONGs cannot grow
    /// our output queue.
    pong: Option<Msg>,
    /// The handshake waits for [`Connection::handle_auth`].
    auth_pending: bool,
    /// CURVE's MESSAGE phase, receiving side (the sending side is in the
    /// encoder). `None` on NULL and PLAIN connections.
    rx: Option<Box<CurveRx>>,
}

impl Connection {
    /// A connection that has just been established at the transport level,
    /// at time `now`. Our greeting's signature is queued at once.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when the identity is longer than 255 bytes, a PLAIN
    /// username or password longer than 255 bytes, or a CURVE client's
    /// public key not that of its secret key.
    pub fn new(config: Config, now: Instant) -> Result<Self, ConfigError> {
        if config.identity.len() > 255 {
            return Err(ConfigError::IdentityTooLong {
                len: config.identity.len(),
            });
        }
        config.mechanism.validate()?;
        let greeting = Greeting {
            // libzmq's "identity length + 1" (RFC 23 §Detecting ZMTP 1.0 and
            // 2.0 Peers); never read.
            padding: config.identity.len() as u64 + 1,
            minor: config.version.minor(),
            mechanism: config.mechanism.name(),
            as_server: false,
        };
        let local =
            mechanism::local_metadata(config.socket_type, &config.identity, &config.properties);
        let mut exchange = Exchange::new(greeting);
        let mut encoder = Encoder::new(config.encoder);
        encoder.push_raw(exchange.start());
        let mut decoder = Decoder::new(
            config.recv_allocator,
            DecoderConfig {
                max_msg_size: config.max_msg_size,
                max_command_size: config.max_command_size,
            },
        );
        // CURVE opens each MESSAGE in place: it needs a body of its own.
        decoder
            .set_slicing(config.zero_copy_recv && config.mechanism.name() != MechanismName::CURVE);
        let ttl_deciseconds = config.heartbeat_ttl.map_or(0, |t| {
            u16::try_from(t.as_millis() / 100).unwrap_or(u16::MAX)
        });
        Ok(Self {
            socket_type: config.socket_type,
            phase: Phase::Greeting,
            greeting: exchange,
            handshake: mechanism::handshake(
                &config.mechanism,
                config.socket_type,
                local,
                config.authenticate,
            ),
            encoder,
            decoder,
            events: VecDeque::new(),
            version: None,
            peer_socket_type: None,
            rx_mid_message: false,
            handshake_deadline: config.handshake_timeout.and_then(|t| now.checked_add(t)),
            heartbeat: Heartbeat {
                interval: config.heartbeat_interval,
                timeout: config
                    .heartbeat_timeout
                    .or(config.heartbeat_interval)
                    .unwrap_or(Duration::MAX),
                ttl_deciseconds,
                next_ping: None,
                timeout_deadline: None,
                ttl_deadline: None,
            },
            pong: None,
            auth_pending: false,
            rx: None,
        })
    }

    /// Our socket type.
    pub fn socket_type(&self) -> SocketType {
        self.socket_type
    }

    /// Whether the handshake is complete and the connection has not failed.
    pub fn is_established(&self) -> bool {
        self.phase == Phase::Traffic
    }

    /// Whether the connection has failed (an error was returned).
    pub fn is_failed(&self) -> bool {
        self.phase == Phase::Failed
    }

    /// The negotiated version, once the greeting exchange is complete.
    pub fn version(&self) -> Option<ZmtpVersion> {
        self.version
    }

    /// The peer's socket type, once the handshake is complete.
    pub fn peer_socket_type(&self) -> Option<SocketType> {
        self.peer_socket_type
    }

    /// Feeds bytes read from the transport at time `now`.
    ///
    /// Consumes as much as it can: greeting bytes, then frames, queuing
    /// [`Event`]s and any replies (the rest of our greeting, READY, PONG).
    /// See [`Progress`] for why it may consume less than given.
    ///
    /// # Errors
    ///
    /// [`ConnectionError`]: the connection is dead. Flush
    /// [`poll_transmit`](Self::poll_transmit) (it may hold an ERROR command)
    /// and close. Later calls return [`ConnectionError::Closed`].
    pub fn handle_input(
        &mut self,
        input: &[u8],
        now: Instant,
    ) -> Result<Progress, ConnectionError> {
        let mut rest = input;
        self.handle(&mut rest, now)
    }

    /// [`handle_input`](Self::handle_input) from the unread bytes of a
    /// connection's read block, consuming them: a data frame found whole in
    /// the block is a slice of it, no copy ([`Decoder::decode_block`]).
    ///
    /// # Errors
    ///
    /// As [`handle_input`](Self::handle_input).
    pub fn handle_input_block(
        &mut self,
        block: &mut ReadBlock,
        now: Instant,
    ) -> Result<Progress, ConnectionError> {
        self.handle(block, now)
    }

    fn handle(
        &mut self,
        input: &mut impl Input,
        now: Instant,
    ) -> Result<Progress, ConnectionError> {
        if self.phase == Phase::Failed {
            return Err(ConnectionError::Closed);
        }
        let before = input.bytes().len();
        match self.process(input, now) {
            Ok(blocked) => Ok(Progress {
                consumed: before - input.bytes().len(),
                blocked,
            }),
            Err(e) => {
                self.phase = Phase::Failed;
                Err(e)
            }
        }
    }

    /// The body of the frame being received, when its header is in and its
    /// body is not complete: read the next bytes of the stream straight into
    /// it (no intermediate copy), then call
    /// [`handle_input`](Self::handle_input) with the bytes read after it, or
    /// with none. See [`Decoder::body_mut`].
    pub fn body_mut(&mut self) -> Option<&mut MsgMut> {
        match self.phase {
            Phase::Handshake | Phase::Traffic => self.decoder.body_mut(),
            _ => None,
        }
    }

    /// Checks the timers at time `now`: fails the connection when the
    /// handshake, the heartbeat timeout or the peer's TTL has expired, and
    /// queues a PING when one is due.
    ///
    /// # Errors
    ///
    /// [`ConnectionError::HandshakeTimeout`], [`ConnectionError::HeartbeatTimeout`],
    /// [`ConnectionError::TtlExpired`], or [`ConnectionError::Closed`] after
    /// an earlier failure.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), ConnectionError> {
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        let error = match self.phase {
            Phase::Failed => return Err(ConnectionError::Closed),
            Phase::Greeting | Phase::Handshake if due(self.handshake_deadline) => {
                ConnectionError::HandshakeTimeout
            }
            Phase::Greeting | Phase::Handshake => return Ok(()),
            Phase::Traffic if due(self.heartbeat.timeout_deadline) => {
                ConnectionError::HeartbeatTimeout
            }
            Phase::Traffic if due(self.heartbeat.ttl_deadline) => ConnectionError::TtlExpired,
            Phase::Traffic => {
                if due(self.heartbeat.next_ping) {
                    self.send_ping(now);
                }
                return Ok(());
            }
        };
        self.phase = Phase::Failed;
        Err(error)
    }

    /// The earliest time at which [`handle_timeout`](Self::handle_timeout)
    /// has something to do, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let hb = &self.heartbeat;
        let candidates = match self.phase {
            Phase::Greeting | Phase::Handshake => [self.handshake_deadline, None, None],
            Phase::Traffic => [hb.next_ping, hb.timeout_deadline, hb.ttl_deadline],
            Phase::Failed => [None; 3],
        };
        candidates.into_iter().flatten().min()
    }

    /// Queues one frame of a message; [`Msg::more`] marks all but the last.
    /// Commands queued by the connection (PONG, PING) never land between the
    /// frames of a message.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the message, before the handshake is complete or
    /// after a failure.
    pub fn send(&mut self, frame: Msg) -> Result<(), SendError> {
        match self.phase {
            Phase::Traffic => {
                self.encoder.push(frame);
                Ok(())
            }
            Phase::Failed => Err(SendError::Closed(frame)),
            _ => Err(SendError::HandshakeIncomplete(frame)),
        }
    }

    /// Queues a subscription (`subscribe` true) or its cancellation for
    /// `topic`, in the form the negotiated version calls for (RFC 37 and RFC 23
    /// §The Publish-Subscribe Pattern): a SUBSCRIBE/CANCEL command for 3.1, a
    /// legacy `0x01`/`0x00` data message for 3.0. Like commands, it waits for
    /// the end of a half-sent message.
    ///
    /// # Errors
    ///
    /// [`SendError`] holding the topic, before the handshake is complete or
    /// after a failure.
    pub fn send_subscription(&mut self, subscribe: bool, topic: &[u8]) -> Result<(), SendError> {
        match (self.phase, self.version) {
            (Phase::Traffic, Some(version)) => {
                self.encoder
                    .push_control(subscription_msg(version, subscribe, topic));
                Ok(())
            }
            (Phase::Failed, _) => Err(SendError::Closed(Msg::copy_from_slice(topic))),
            _ => Err(SendError::HandshakeIncomplete(Msg::copy_from_slice(topic))),
        }
    }

    /// Fills `iov` with the next bytes to write; see
    /// [`Encoder::poll_transmit`]. Then call [`advance`](Self::advance).
    pub fn poll_transmit<'a>(&'a mut self, iov: &mut [IoSlice<'a>]) -> usize {
        // The waiting PONG goes in only once everything queued before it is
        // encoded, so the encoder never holds more than one.
        if self.pong_may_go()
            && self.encoder.queued_frames() == 0
            && let Some(pong) = self.pong.take()
        {
            self.encoder.push_control(pong);
        }
        self.encoder.poll_transmit(iov)
    }

    /// Whether the waiting PONG may be queued: not while a message is half
    /// queued (commands never go between its frames).
    fn pong_may_go(&self) -> bool {
        !self.encoder.is_mid_message()
    }

    /// Marks `written` bytes of what [`poll_transmit`](Self::poll_transmit)
    /// offered as written.
    ///
    /// # Panics
    ///
    /// When `written` is more than was offered.
    pub fn advance(&mut self, written: usize) {
        self.encoder.advance(written);
    }

    /// Whether [`poll_transmit`](Self::poll_transmit) has bytes to offer.
    pub fn has_transmit(&self) -> bool {
        self.encoder.has_transmit() || (self.pong.is_some() && self.pong_may_go())
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When the next event is a data frame ([`Event::Message`]), hands the
    /// frame to `f` where it lies and removes the event (with what `f`
    /// left of the frame); otherwise `None`, the event left for
    /// [`poll_event`](Self::poll_event). A receiver gathering frames into
    /// messages takes them from here (`core::mem::take`) rather than from
    /// the `Option<Event>` that `poll_event` returns by value: each move of
    /// that tagged value, read back right after it was written, waits on
    /// the store it cannot be forwarded from.
    pub fn poll_message_with<R>(&mut self, f: impl FnOnce(&mut Msg) -> R) -> Option<R> {
        let Some(Event::Message(frame)) = self.events.front_mut() else {
            return None;
        };
        let out = f(frame);
        self.events.pop_front();
        Some(out)
    }

    fn process(
        &mut self,
        rest: &mut impl Input,
        now: Instant,
    ) -> Result<Option<AllocError>, ConnectionError> {
        loop {
            match self.phase {
                Phase::Greeting => {
                    if rest.bytes().is_empty() {
                        return Ok(None);
                    }
                    let encoder = &mut self.encoder;
                    let (used, done) = self
                        .greeting
                        .handle_input(rest.bytes(), |b| encoder.push_raw(b))?;
                    rest.advance(used);
                    if let Some(peer) = done {
                        self.version = Some(peer.version);
                        self.phase = Phase::Handshake;
                        self.handshake.start(&mut self.encoder);
                        if let Some(request) = self.handshake.start_auth() {
                            self.on_step(Step::Auth(request), now);
                        }
                    }
                }
                Phase::Handshake | Phase::Traffic => {
                    if self.events.len() >= MAX_PENDING_EVENTS {
                        return Ok(None);
                    }
                    match self.decoder.decode_from(rest)? {
                        Decoded::Frame(frame) => self.on_frame(frame, now)?,
                        Decoded::NeedInput => return Ok(None),
                        Decoded::Blocked(e) => return Ok(Some(e)),
                    }
                }
                Phase::Failed => return Err(ConnectionError::Closed),
            }
        }
    }

    fn on_frame(&mut self, frame: Msg, now: Instant) -> Result<(), ConnectionError> {
        // Any complete frame proves the peer alive (libzmq's decode_and_push
        // cancels both the heartbeat-timeout and the TTL timer).
        self.heartbeat.timeout_deadline = None;
        self.heartbeat.ttl_deadline = None;
        // CURVE: every frame after the handshake is a MESSAGE, whatever its
        // outer flags (libzmq sends data frames); only the inner flags count.
        let frame = match self.rx.as_deref_mut() {
            Some(rx) if self.phase == Phase::Traffic => rx.open(frame, self.rx_mid_message)?,
            _ => frame,
        };
        if frame.is_command() {
            return self.on_command(&frame, now);
        }
        if self.phase == Phase::Handshake {
            return Err(HandshakeError::UnexpectedMessage.into());
        }
        let first = !self.rx_mid_message;
        self.rx_mid_message = frame.more();
        // Legacy subscriptions (RFC 23 §The Publish-Subscribe Pattern): a
        // one-frame message starting with 0x01 or 0x00, on any connection,
        // whatever its version.
        if first
            && !frame.more()
            && self.socket_type.receives_subscriptions()
            && let Some((&kind @ (0 | 1), topic)) = frame.split_first()
        {
            let topic = Msg::copy_from_slice(topic);
            self.events.push_back(if kind == 1 {
                Event::Subscribe(topic)
            } else {
                Event::Cancel(topic)
            });
            return Ok(());
        }
        self.events.push_back(Event::Message(frame));
        Ok(())
    }

    fn on_command(&mut self, frame: &Msg, now: Instant) -> Result<(), ConnectionError> {
        if self.phase == Phase::Handshake {
            let cmd = match Command::parse(frame) {
                Ok(cmd) => cmd,
                Err(e) => self
                    .handshake
                    .parse_quirk(frame)
                    .ok_or(HandshakeError::Malformed(e))?,
            };
            if self.auth_pending && !self.handshake.commands_while_authenticating() {
                // The client has nothing to send while we decide.
                return Err(HandshakeError::UnexpectedCommand {
                    name: cmd.name().to_vec(),
                }
                .into());
            }
            let step = self.handshake.handle_command(cmd, &mut self.encoder)?;
            self.on_step(step, now);
            return Ok(());
        }
        let cmd = match Command::parse(frame) {
            Ok(cmd) => cmd,
            // libzmq drops ERROR after the handshake without reading it, so
            // a malformed one is no reason to close (libzmq
            // `session_base_t::push_msg`).
            Err(CommandError::ErrorTruncated { .. }) => return Ok(()),
            Err(e) => return Err(ConnectionError::Command(e)),
        };
        match cmd {
            Command::Subscribe { topic } if self.socket_type.receives_subscriptions() => {
                self.events
                    .push_back(Event::Subscribe(Msg::copy_from_slice(topic)));
            }
            Command::Cancel { topic } if self.socket_type.receives_subscriptions() => {
                self.events
                    .push_back(Event::Cancel(Msg::copy_from_slice(topic)));
            }
            cmd @ Command::Ping { context, .. } => {
                let echoed = &context[..context.len().min(MAX_PING_CONTEXT)];
                self.pong = Some(Command::Pong { context: echoed }.to_msg());
                let ttl = cmd.ping_ttl();
                self.heartbeat.ttl_deadline = ttl.and_then(|t| now.checked_add(t));
                self.events.push_back(Event::Ping {
                    ttl,
                    context: Msg::copy_from_slice(context),
                });
            }
            Command::Pong { context } => {
                self.events.push_back(Event::Pong {
                    context: Msg::copy_from_slice(context),
                });
            }
            // Everything else after the handshake is dropped, as libzmq's
            // `session_base_t::push_msg` does.
            _ => {}
        }
        Ok(())
    }

    fn on_step(&mut self, step: Step, now: Instant) {
        match step {
            Step::Continue => {}
            Step::Auth(request) => {
                self.auth_pending = true;
                self.events.push_back(Event::AuthRequest(Box::new(request)));
            }
            Step::Done(peer) => self.complete(peer, now),
        }
    }

    fn complete(&mut self, peer: Peer, now: Instant) {
        if let Some((tx, rx)) = self.handshake.take_cipher() {
            // The handshake's last command is already queued: it goes out
            // in clear, everything after it sealed.
            self.encoder.set_seal(tx);
            self.rx = Some(Box::new(rx));
        }
        self.phase = Phase::Traffic;
        self.peer_socket_type = Some(peer.socket_type);
        self.heartbeat.next_ping = self.heartbeat.interval.and_then(|i| now.checked_add(i));
        self.events
            .push_back(Event::HandshakeComplete(Box::new(PeerInfo {
                socket_type: peer.socket_type,
                version: self.version.unwrap_or(ZmtpVersion::V3_0),
                identity: peer.identity,
                metadata: peer.metadata,
                user_id: peer.user_id,
                auth_properties: peer.auth_properties,
            })));
    }

    /// Resumes a server handshake paused on [`Event::AuthRequest`] with the
    /// authenticator's `decision`, at time `now`. Accepting queues WELCOME
    /// (PLAIN) or READY (CURVE); refusing fails the connection, after
    /// queuing ERROR with the status code unless it is 3xx (flush
    /// [`poll_transmit`](Self::poll_transmit), then close).
    ///
    /// Returns `Ok(false)`, doing nothing, when no decision was awaited.
    ///
    /// # Errors
    ///
    /// [`ConnectionError::Handshake`] with
    /// [`HandshakeError::AuthRefused`] for a refusal (or a socket type
    /// check failing at that point); [`ConnectionError::Closed`] after an
    /// earlier failure.
    pub fn handle_auth(
        &mut self,
        decision: AuthDecision,
        now: Instant,
    ) -> Result<bool, ConnectionError> {
        if self.phase == Phase::Failed {
            return Err(ConnectionError::Closed);
        }
        if !self.auth_pending {
            return Ok(false);
        }
        self.auth_pending = false;
        match self.handshake.handle_auth(decision, &mut self.encoder) {
            Ok(step) => {
                self.on_step(step, now);
                Ok(true)
            }
            Err(e) => {
                self.phase = Phase::Failed;
                Err(e.into())
            }
        }
    }

    fn send_ping(&mut self, now: Instant) {
        let ping = Command::Ping {
            ttl_deciseconds: self.heartbeat.ttl_deciseconds,
            context: b"",
        };
        self.encoder.push_control(ping.to_msg());
        self.heartbeat.next_ping = self.heartbeat.interval.and_then(|i| now.checked_add(i));
        if self.heartbeat.timeout_deadline.is_none() {
            self.heartbeat.timeout_deadline = now.checked_add(self.heartbeat.timeout);
        }
    }
}
