//! [`Options`]: the settings of one socket, holding libzmq's defaults, with
//! a getter per option and [`Options::set`], which checks a value before it
//! applies it.
//!
//! This file does not apply settings to live connections; the socket reads
//! them when it needs them.

use std::time::Duration;

use ferrozmq_wire::CurveKey;

use super::range::{NONZERO, check_count, check_duration, check_range};
use super::security::{Security, check_len};
use super::{
    MAX_HEARTBEAT_TTL, MIN_HEARTBEAT_TTL, OptionError, RoutingId, SecurityMechanism, SocketOption,
};

/// A socket's settings. `Options::default()` holds libzmq's defaults.
///
/// Read a setting with the getter named after its libzmq option (lowercase,
/// without `ZMQ_`); change one with [`set`](Self::set) or
/// [`with`](Self::with), which check it first.
///
/// | libzmq name | [`SocketOption`] / getter | type here | default | libzmq |
/// | --- | --- | --- | --- | --- |
/// | `ZMQ_SNDHWM` | `SndHwm` / [`sndhwm`](Options::sndhwm) | `usize`, 0 = no limit | 1000 | int ≥ 0 |
/// | `ZMQ_RCVHWM` | `RcvHwm` / [`rcvhwm`](Options::rcvhwm) | `usize`, 0 = no limit | 1000 | int ≥ 0 |
/// | `ZMQ_LINGER` | `Linger` / [`linger`](Options::linger) | `Option<Duration>`, `None` = forever if set; never set: while delivery progresses (stall limit, see [`Context`](crate::Context)) | `None` (reads back as -1) | -1 (ms) |
/// | `ZMQ_RECONNECT_IVL` | `ReconnectIvl` / [`reconnect_ivl`](Options::reconnect_ivl) | `Option<Duration>`, `None` = never reconnect | 100 ms | 100 (ms; -1 = never) |
/// | `ZMQ_RECONNECT_IVL_MAX` | `ReconnectIvlMax` / [`reconnect_ivl_max`](Options::reconnect_ivl_max) | `Option<Duration>`, `None` = no backoff | `None` | 0 (ms) |
/// | `ZMQ_RCVTIMEO` | `RcvTimeo` / [`rcvtimeo`](Options::rcvtimeo) | `Option<Duration>`, `None` = block | `None` | -1 (ms) |
/// | `ZMQ_SNDTIMEO` | `SndTimeo` / [`sndtimeo`](Options::sndtimeo) | `Option<Duration>`, `None` = block | `None` | -1 (ms) |
/// | `ZMQ_MAXMSGSIZE` | `MaxMsgSize` / [`maxmsgsize`](Options::maxmsgsize) | `Option<u64>`, `None` = no limit | `None` | -1 (int64 bytes) |
/// | `ZMQ_ROUTING_ID` | `RoutingId` / [`routing_id`](Options::routing_id) | `Option<RoutingId>` | `None` | empty |
/// | `ZMQ_HANDSHAKE_IVL` | `HandshakeIvl` / [`handshake_ivl`](Options::handshake_ivl) | `Option<Duration>`, `None` = no limit | 30 s | 30000 (ms; 0 = none) |
/// | `ZMQ_HEARTBEAT_IVL` | `HeartbeatIvl` / [`heartbeat_ivl`](Options::heartbeat_ivl) | `Option<Duration>`, `None` = off | `None` | 0 (ms) |
/// | `ZMQ_HEARTBEAT_TTL` | `HeartbeatTtl` / [`heartbeat_ttl`](Options::heartbeat_ttl) | `Option<Duration>`, `None` = none | `None` | 0 (ms, sent in ds) |
/// | `ZMQ_HEARTBEAT_TIMEOUT` | `HeartbeatTimeout` / [`heartbeat_timeout`](Options::heartbeat_timeout) | `Option<Duration>`, `None` = the interval | `None` | -1 (ms; = IVL) |
/// | `ZMQ_REQ_RELAXED` | `ReqRelaxed` / [`req_relaxed`](Options::req_relaxed) | `bool` | `false` | 0 |
/// | `ZMQ_REQ_CORRELATE` | `ReqCorrelate` / [`req_correlate`](Options::req_correlate) | `bool` | `false` | 0 |
/// | `ZMQ_ROUTER_MANDATORY` | `RouterMandatory` / [`router_mandatory`](Options::router_mandatory) | `bool` | `false` | 0 |
/// | `ZMQ_IMMEDIATE` | `Immediate` / [`immediate`](Options::immediate) | `bool` | `false` | 0 |
/// | `ZMQ_ROUTER_HANDOVER` | `RouterHandover` / [`router_handover`](Options::router_handover) | `bool` | `false` | 0 |
/// | `ZMQ_CONNECT_ROUTING_ID` | `ConnectRoutingId` / [`connect_routing_id`](Options::connect_routing_id) | `Option<RoutingId>`, used by the next connect | `None` | NULL |
/// | `ZMQ_PROBE_ROUTER` | `ProbeRouter` / [`probe_router`](Options::probe_router) | `bool` | `false` | 0 |
/// | `ZMQ_XPUB_VERBOSE` | `XpubVerbose` / [`xpub_verbose`](Options::xpub_verbose) | `bool` (verbose subscribes) | `false` | 0 |
/// | `ZMQ_XPUB_VERBOSER` | `XpubVerboser` / [`xpub_verboser`](Options::xpub_verboser) | `bool` (verbose unsubscribes) | `false` | 0 |
/// | `ZMQ_XPUB_MANUAL` | `XpubManual` / [`xpub_manual`](Options::xpub_manual) | `bool` | `false` | 0 |
/// | `ZMQ_XPUB_WELCOME_MSG` | `XpubWelcomeMsg` / [`xpub_welcome_msg`](Options::xpub_welcome_msg) | `Option<&[u8]>`, empty = none | `None` | NULL |
/// | `ZMQ_XPUB_NODROP` | `XpubNodrop` / [`xpub_nodrop`](Options::xpub_nodrop) | `bool` | `false` | 0 |
/// | `ZMQ_CONFLATE` | `Conflate` / [`conflate`](Options::conflate) | `bool` | `false` | 0 |
/// | `ZMQ_ZERO_COPY_RECV` | `ZeroCopyRecv` / [`zero_copy_recv`](Options::zero_copy_recv) | `bool` | `true` | 1 |
/// | `ZMQ_MECHANISM` | (set by the next six) / [`mechanism`](Options::mechanism) | [`SecurityMechanism`] | `Null` | `ZMQ_NULL` |
/// | `ZMQ_PLAIN_SERVER` | `PlainServer` / [`plain_server`](Options::plain_server) | `bool` | `false` | 0 |
/// | `ZMQ_PLAIN_USERNAME` | `PlainUsername` / [`plain_username`](Options::plain_username) | `String`, 0-255 bytes | empty | empty |
/// | `ZMQ_PLAIN_PASSWORD` | `PlainPassword` / [`plain_password`](Options::plain_password) | `String`, 0-255 bytes | empty | empty |
/// | `ZMQ_CURVE_SERVER` | `CurveServer` / [`curve_server`](Options::curve_server) | `bool` | `false` | 0 |
/// | `ZMQ_CURVE_PUBLICKEY` | `CurvePublicKey` / [`curve_public_key`](Options::curve_public_key) | `Option<&CurveKey>` | `None` | zeros |
/// | `ZMQ_CURVE_SECRETKEY` | `CurveSecretKey` / [`curve_secret_key`](Options::curve_secret_key) | `Option<&CurveKey>` | `None` | zeros |
/// | `ZMQ_CURVE_SERVERKEY` | `CurveServerKey` / [`curve_server_key`](Options::curve_server_key) | `Option<&CurveKey>` | `None` | zeros |
/// | `ZMQ_ZAP_DOMAIN` | `ZapDomain` / [`zap_domain`](Options::zap_domain) | `String`, 0-255 bytes | empty | empty |
/// | `ZMQ_ZAP_ENFORCE_DOMAIN` | `ZapEnforceDomain` / [`zap_enforce_domain`](Options::zap_enforce_domain) | `bool` | `false` | 0 |
///
/// The security options follow libzmq's rule that the last one set picks
/// the mechanism and role (see [`SocketOption::PlainServer`] and the
/// variants after it); they apply to binds and connects made afterwards.
///
/// Sources: the defaults are those of libzmq's `options_t::options_t()`
/// (`src/options.cpp`, libzmq 4.3) and its `zmq_setsockopt(3)` page, which
/// also give the accepted ranges that [`Options::set`] checks. ZMQ_LINGER
/// is -1 (infinite) in both, and was already in libzmq 4.0's `options.cpp`;
/// a binding may set its own default, libzmq does not. RFC 37 §Error Handling
/// (reconnect after a short interval) and §Connection Heartbeating agree with
/// libzmq's RECONNECT_IVL and heartbeat rules.
///
/// Where libzmq writes -1 or 0 for "off" or "forever", this type writes
/// `None`, and a `Some` must then be a meaningful value: `Some(Duration::ZERO)`
/// is refused where libzmq's 0 means "off" (HANDSHAKE_IVL, HEARTBEAT_*,
/// RECONNECT_IVL_MAX), and kept where 0 means zero (LINGER: discard at once;
/// RCVTIMEO/SNDTIMEO: do not wait; RECONNECT_IVL: retry at once). Durations
/// are capped at libzmq's `int` of milliseconds (about 24.8 days), which also
/// keeps every deadline computed from them (`Instant + Duration`) from
/// overflowing.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferrozmq_socket::{Options, SocketOption};
///
/// let mut opts = Options::default();
/// assert_eq!(opts.sndhwm(), 1000);
/// opts.set(SocketOption::Linger(Some(Duration::ZERO)))?;
/// opts.set(SocketOption::RoutingId(Some(b"client-7".try_into()?)))?;
/// assert_eq!(opts.routing_id().unwrap().as_bytes(), b"client-7");
///
/// // Or chained:
/// let opts = Options::default()
///     .with(SocketOption::SndHwm(0))?                       // no limit
///     .with(SocketOption::RcvTimeo(Some(Duration::from_millis(250))))?;
/// assert_eq!(opts.rcvtimeo(), Some(Duration::from_millis(250)));
///
/// // Out of range: refused, nothing changed.
/// let err = opts.clone().with(SocketOption::HeartbeatIvl(Some(Duration::ZERO))).unwrap_err();
/// assert_eq!(err.option(), "ZMQ_HEARTBEAT_IVL");
/// # Ok::<(), ferrozmq_socket::OptionError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    sndhwm: usize,
    rcvhwm: usize,
    linger: Option<Duration>,
    /// LINGER was set by the user (even to the default): the context then
    /// takes `linger: None` literally (see `Context`'s linger rule).
    linger_set: bool,
    reconnect_ivl: Option<Duration>,
    reconnect_ivl_max: Option<Duration>,
    rcvtimeo: Option<Duration>,
    sndtimeo: Option<Duration>,
    maxmsgsize: Option<u64>,
    routing_id: Option<RoutingId>,
    handshake_ivl: Option<Duration>,
    heartbeat_ivl: Option<Duration>,
    heartbeat_ttl: Option<Duration>,
    heartbeat_timeout: Option<Duration>,
    req_relaxed: bool,
    req_correlate: bool,
    router_mandatory: bool,
    immediate: bool,
    router_handover: bool,
    /// Consumed by the next connect ([`Options::take_connect_routing_id`]).
    connect_routing_id: Option<RoutingId>,
    probe_router: bool,
    /// XPUB_VERBOSE and XPUB_VERBOSER both set this one.
    xpub_verbose_subs: bool,
    /// Only XPUB_VERBOSER sets this one; XPUB_VERBOSE clears it.
    xpub_verbose_unsubs: bool,
    xpub_manual: bool,
    /// Never empty: an empty welcome message is stored as `None`.
    xpub_welcome_msg: Option<Box<[u8]>>,
    xpub_nodrop: bool,
    conflate: bool,
    zero_copy_recv: bool,
    security: Security,
}

impl Default for Options {
    /// libzmq's defaults (`options_t::options_t()`).
    fn default() -> Self {
        Self {
            sndhwm: 1000,
            rcvhwm: 1000,
            linger: None,
            linger_set: false,
            reconnect_ivl: Some(Duration::from_millis(100)),
            reconnect_ivl_max: None,
            rcvtimeo: None,
            sndtimeo: None,
            maxmsgsize: None,
            routing_id: None,
            handshake_ivl: Some(Duration::from_secs(30)),
            heartbeat_ivl: None,
            heartbeat_ttl: None,
            heartbeat_timeout: None,
            req_relaxed: false,
            req_correlate: false,
            router_mandatory: false,
            immediate: false,
            router_handover: false,
            connect_routing_id: None,
            probe_router: false,
            xpub_verbose_subs: false,
            xpub_verbose_unsubs: false,
            xpub_manual: false,
            xpub_welcome_msg: None,
            xpub_nodrop: false,
            conflate: false,
            zero_copy_recv: true,
            security: Security::default(),
        }
    }
}

impl Options {
    /// libzmq's defaults; the same as [`Options::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks `option` and, if it is in range, applies it.
    ///
    /// # Errors
    ///
    /// [`OptionError`] if the value is out of the range libzmq accepts (see
    /// each [`SocketOption`] variant); `self` is then unchanged.
    pub fn set(&mut self, option: SocketOption) -> Result<(), OptionError> {
        use SocketOption as O;
        let name = option.name();
        match option {
            O::SndHwm(n) => self.sndhwm = check_count(name, n)?,
            O::RcvHwm(n) => self.rcvhwm = check_count(name, n)?,
            O::Linger(d) => {
                self.linger = check_duration(name, d, Duration::ZERO)?;
                self.linger_set = true;
            }
            O::ReconnectIvl(d) => self.reconnect_ivl = check_duration(name, d, Duration::ZERO)?,
            O::ReconnectIvlMax(d) => self.reconnect_ivl_max = check_duration(name, d, NONZERO)?,
            O::RcvTimeo(d) => self.rcvtimeo = check_duration(name, d, Duration::ZERO)?,
            O::SndTimeo(d) => self.sndtimeo = check_duration(name, d, Duration::ZERO)?,
            O::MaxMsgSize(n) => {
                // libzmq's is an int64_t.
                if let Some(n) = n.filter(|&n| n > i64::MAX as u64) {
                    return Err(OptionError::ValueOutOfRange {
                        option: name,
                        value: n,
                        max: i64::MAX as u64,
                    });
                }
                self.maxmsgsize = n;
            }
            O::RoutingId(id) => self.routing_id = id,
            O::HandshakeIvl(d) => self.handshake_ivl = check_duration(name, d, NONZERO)?,
            O::HeartbeatIvl(d) => self.heartbeat_ivl = check_duration(name, d, NONZERO)?,
            O::HeartbeatTtl(d) => {
                self.heartbeat_ttl = check_range(name, d, MIN_HEARTBEAT_TTL, MAX_HEARTBEAT_TTL)?;
            }
            O::HeartbeatTimeout(d) => self.heartbeat_timeout = check_duration(name, d, NONZERO)?,
            O::ReqRelaxed(b) => self.req_relaxed = b,
            O::ReqCorrelate(b) => self.req_correlate = b,
            O::RouterMandatory(b) => self.router_mandatory = b,
            O::Immediate(b) => self.immediate = b,
            O::RouterHandover(b) => self.router_handover = b,
            O::ConnectRoutingId(id) => self.connect_routing_id = id,
            O::ProbeRouter(b) => self.probe_router = b,
            // As libzmq's `xpub_t::xsetsockopt`: VERBOSE sets the subscribes
            // and clears the unsubscribes; VERBOSER sets both alike.
            O::XpubVerbose(b) => {
                self.xpub_verbose_subs = b;
                self.xpub_verbose_unsubs = false;
            }
            O::XpubVerboser(b) => {
                self.xpub_verbose_subs = b;
                self.xpub_verbose_unsubs = b;
            }
            O::XpubManual(b) => self.xpub_manual = b,
            O::XpubWelcomeMsg(msg) => {
                self.xpub_welcome_msg = (!msg.is_empty()).then(|| msg.into_boxed_slice());
            }
            O::XpubNodrop(b) => self.xpub_nodrop = b,
            O::Conflate(b) => self.conflate = b,
            O::ZeroCopyRecv(b) => self.zero_copy_recv = b,
            O::PlainServer(b) => self.security.set_server(SecurityMechanism::Plain, b),
            O::PlainUsername(u) => {
                check_len(name, &u)?;
                self.security.set_plain(Some(u), None);
            }
            O::PlainPassword(p) => {
                check_len(name, &p)?;
                self.security.set_plain(None, Some(p));
            }
            O::CurveServer(b) => self.security.set_server(SecurityMechanism::Curve, b),
            O::CurvePublicKey(k) => {
                self.security.curve_public_key = Some(k);
                self.security.mechanism = SecurityMechanism::Curve;
            }
            O::CurveSecretKey(k) => {
                self.security.curve_secret_key = Some(k);
                self.security.mechanism = SecurityMechanism::Curve;
            }
            O::CurveServerKey(k) => {
                self.security.curve_server_key = Some(k);
                self.security.mechanism = SecurityMechanism::Curve;
                self.security.as_server = false;
            }
            O::ZapDomain(d) => {
                check_len(name, &d)?;
                self.security.zap_domain = d;
            }
            O::ZapEnforceDomain(b) => self.security.zap_enforce_domain = b,
        }
        Ok(())
    }

    /// [`set`](Self::set), by value, for chaining.
    ///
    /// # Errors
    ///
    /// As [`set`](Self::set).
    pub fn with(mut self, option: SocketOption) -> Result<Self, OptionError> {
        self.set(option)?;
        Ok(self)
    }

    /// `ZMQ_SNDHWM`: at most this many whole messages are queued per peer
    /// for sending; 0 means no limit. Default 1000. What a socket does at the
    /// mark depends on its type (PUB drops, PUSH/REQ/DEALER block; RFC 28,
    /// RFC 29, RFC 30).
    pub fn sndhwm(&self) -> usize {
        self.sndhwm
    }

    /// `ZMQ_RCVHWM`: at most this many whole messages are queued per peer on
    /// receipt; 0 means no limit. Default 1000. At the mark the connection
    /// stops reading (back-pressure through TCP).
    pub fn rcvhwm(&self) -> usize {
        self.rcvhwm
    }

    /// `ZMQ_LINGER`: how long unsent messages are kept, trying to deliver
    /// them, after the socket is closed; closing the context waits that long.
    /// `Some(ZERO)`: discard at once. `Some(d)`: at most `d`. `None` set
    /// explicitly (libzmq -1): until delivered, however long. Never set (the
    /// default, which also reads back as `None`): until delivered while
    /// delivery makes progress, giving up once nothing was written for the
    /// context's stall limit
    /// ([`Context::set_linger_stall_limit`](crate::Context::set_linger_stall_limit)),
    /// so a peer gone for good cannot hang the process.
    pub fn linger(&self) -> Option<Duration> {
        self.linger
    }

    /// Whether LINGER was set (to any value, `None` included) rather than
    /// left at its default; the context's linger rule tells them apart.
    #[cfg_attr(loom, allow(dead_code, reason = "the context is not built under loom"))]
    pub(crate) fn linger_is_set(&self) -> bool {
        self.linger_set
    }

    /// `ZMQ_RECONNECT_IVL`: the wait before reconnecting a lost or refused
    /// connection. Default 100 ms. `None` (libzmq -1): never reconnect.
    pub fn reconnect_ivl(&self) -> Option<Duration> {
        self.reconnect_ivl
    }

    /// `ZMQ_RECONNECT_IVL_MAX`: if set, the reconnect wait doubles on each
    /// failed attempt up to this ceiling (libzmq ignores a ceiling below
    /// `ZMQ_RECONNECT_IVL`). `None` (default, libzmq 0): no backoff.
    pub fn reconnect_ivl_max(&self) -> Option<Duration> {
        self.reconnect_ivl_max
    }

    /// `ZMQ_RCVTIMEO`: how long a blocking receive waits before failing with
    /// `EAGAIN`. `None` (default, libzmq -1): forever. `Some(ZERO)`: do not
    /// wait.
    pub fn rcvtimeo(&self) -> Option<Duration> {
        self.rcvtimeo
    }

    /// `ZMQ_SNDTIMEO`: how long a blocking send waits before failing with
    /// `EAGAIN`. `None` (default, libzmq -1): forever. `Some(ZERO)`: do not
    /// wait.
    pub fn sndtimeo(&self) -> Option<Duration> {
        self.sndtimeo
    }

    /// `ZMQ_MAXMSGSIZE`: the largest inbound frame, in bytes (libzmq's
    /// decoder checks each frame, not the sum of a message's frames); a peer
    /// that announces more is disconnected with a typed `TooLarge` error,
    /// checked before any allocation (libzmq `v2_decoder_t`). `None` (default,
    /// libzmq -1): no limit but the protocol's (sizes of 2^63 and up are
    /// always refused); a smaller size goes to the receive allocator, which
    /// may refuse it.
    pub fn maxmsgsize(&self) -> Option<u64> {
        self.maxmsgsize
    }

    /// `ZMQ_ROUTING_ID`: the identity this socket announces in READY, by
    /// which a ROUTER peer addresses it. `None` (default): the peer
    /// generates one.
    pub fn routing_id(&self) -> Option<&RoutingId> {
        self.routing_id.as_ref()
    }

    /// `ZMQ_HANDSHAKE_IVL`: a connection whose ZMTP handshake (greeting,
    /// mechanism, READY) has not finished in this time is closed. Default
    /// 30 s. `None` (libzmq 0): no limit.
    pub fn handshake_ivl(&self) -> Option<Duration> {
        self.handshake_ivl
    }

    /// `ZMQ_HEARTBEAT_IVL`: send a PING this often on each connection.
    /// `None` (default, libzmq 0): no heartbeats.
    pub fn heartbeat_ivl(&self) -> Option<Duration> {
        self.heartbeat_ivl
    }

    /// `ZMQ_HEARTBEAT_TTL`: the TTL our PINGs carry, asking the peer to drop
    /// the connection if it hears nothing from us for that long. Only sent
    /// with heartbeats on. `None` (default, libzmq 0): no TTL. See
    /// [`heartbeat_ttl_deciseconds`](Self::heartbeat_ttl_deciseconds).
    pub fn heartbeat_ttl(&self) -> Option<Duration> {
        self.heartbeat_ttl
    }

    /// `ZMQ_HEARTBEAT_TIMEOUT` as set: after a PING, how long to wait for any
    /// traffic before closing the connection. `None` (default, libzmq -1):
    /// the heartbeat interval; see
    /// [`effective_heartbeat_timeout`](Self::effective_heartbeat_timeout).
    pub fn heartbeat_timeout(&self) -> Option<Duration> {
        self.heartbeat_timeout
    }

    /// The heartbeat timeout in force: `ZMQ_HEARTBEAT_TIMEOUT` if set, else
    /// the interval; `None` when heartbeats are off (libzmq
    /// `stream_engine_base.cpp`).
    pub fn effective_heartbeat_timeout(&self) -> Option<Duration> {
        self.heartbeat_ivl
            .map(|ivl| self.heartbeat_timeout.unwrap_or(ivl))
    }

    /// The TTL field of our PINGs: `ZMQ_HEARTBEAT_TTL` in whole deciseconds,
    /// rounded down as libzmq does; 0 when unset.
    pub fn heartbeat_ttl_deciseconds(&self) -> u16 {
        let ds = self.heartbeat_ttl.map_or(0, |ttl| ttl.as_millis() / 100);
        // `set` capped the TTL at MAX_HEARTBEAT_TTL, 65535 ds.
        u16::try_from(ds).unwrap_or(u16::MAX)
    }

    /// `ZMQ_REQ_RELAXED` (REQ only): a new request may be sent before the
    /// reply to the last one arrived; a late reply is then dropped. Default
    /// `false`: strict alternation (`EFSM`).
    pub fn req_relaxed(&self) -> bool {
        self.req_relaxed
    }

    /// `ZMQ_REQ_CORRELATE` (REQ only): each request carries a 4-byte request
    /// id frame before the delimiter, and replies without the current id are
    /// dropped. Default `false`.
    pub fn req_correlate(&self) -> bool {
        self.req_correlate
    }

    /// `ZMQ_ROUTER_MANDATORY` (ROUTER only): a message for an unknown peer
    /// fails with `EHOSTUNREACH`, and one for a peer at its HWM blocks or
    /// fails with `EAGAIN`, instead of being dropped silently. Default
    /// `false`.
    pub fn router_mandatory(&self) -> bool {
        self.router_mandatory
    }

    /// `ZMQ_IMMEDIATE`: queue outgoing messages only on connections whose
    /// handshake is complete, so round-robin sockets do not park messages on
    /// a peer that is not there yet. Default `false`: a connecting peer's
    /// queue fills too (messages sent before the connection is up wait for
    /// it).
    pub fn immediate(&self) -> bool {
        self.immediate
    }

    /// `ZMQ_ROUTER_HANDOVER` (ROUTER only): when a peer connects with a
    /// routing id already in use, the new connection takes the id over and
    /// the old one is disconnected. Default `false`: the newcomer is refused.
    pub fn router_handover(&self) -> bool {
        self.router_handover
    }

    /// `ZMQ_CONNECT_ROUTING_ID` (ROUTER only): the routing id the peer of
    /// the next `connect` is known by, so that messages can be routed to it
    /// before it says who it is (ROUTER to ROUTER). Only the next `connect`
    /// uses it, and it must not be in use already. `None` (default): the
    /// peer's own `Identity`, or a generated id.
    pub fn connect_routing_id(&self) -> Option<&RoutingId> {
        self.connect_routing_id.as_ref()
    }

    /// Takes the `ZMQ_CONNECT_ROUTING_ID` for the connect being made,
    /// leaving `None`: libzmq's `routing_socket_base_t` uses it for one
    /// connect only.
    #[cfg_attr(loom, allow(dead_code, reason = "the socket is not built under loom"))]
    pub(crate) fn take_connect_routing_id(&mut self) -> Option<RoutingId> {
        self.connect_routing_id.take()
    }

    /// `ZMQ_PROBE_ROUTER` (ROUTER, DEALER, REQ): send an empty message on
    /// every new connection, made or accepted, so that a ROUTER peer learns
    /// of it; that peer's application must filter such messages out.
    /// Default `false`.
    pub fn probe_router(&self) -> bool {
        self.probe_router
    }

    /// Verbose subscribes (XPUB only): every subscribe message reaches the
    /// application, not only the first one for each topic. Set by
    /// `ZMQ_XPUB_VERBOSE` and by `ZMQ_XPUB_VERBOSER`. Default `false`.
    pub fn xpub_verbose(&self) -> bool {
        self.xpub_verbose_subs
    }

    /// Verbose unsubscribes (XPUB only): every unsubscribe message reaches
    /// the application, not only the last one for each topic. Set by
    /// `ZMQ_XPUB_VERBOSER` alone; setting `ZMQ_XPUB_VERBOSE` (to either
    /// value) clears it, as in libzmq's `xpub_t`. Default `false`.
    pub fn xpub_verboser(&self) -> bool {
        self.xpub_verbose_unsubs
    }

    /// `ZMQ_XPUB_MANUAL` (XPUB only): subscription messages are passed to
    /// the application and not added to the subscription list; the
    /// application adds them with `subscribe`, for the peer whose
    /// subscription message it received last. Default `false`.
    pub fn xpub_manual(&self) -> bool {
        self.xpub_manual
    }

    /// `ZMQ_XPUB_WELCOME_MSG` (XPUB only): the message sent to each
    /// subscriber when it connects or reconnects (it must have subscribed
    /// to it beforehand). `None` (default, or set empty): no welcome message.
    pub fn xpub_welcome_msg(&self) -> Option<&[u8]> {
        self.xpub_welcome_msg.as_deref()
    }

    /// `ZMQ_XPUB_NODROP` (XPUB, PUB): at a subscriber's send high-water mark
    /// a send fails with `EAGAIN` (under `DONTWAIT`) instead of dropping the
    /// message for that subscriber. Default `false`.
    pub fn xpub_nodrop(&self) -> bool {
        self.xpub_nodrop
    }

    /// `ZMQ_CONFLATE` (PUSH, PULL, PUB, SUB, DEALER): keep only the last
    /// message in each inbound and outbound queue, ignoring the high-water
    /// marks; multi-part messages are not supported. Default `false`.
    pub fn conflate(&self) -> bool {
        self.conflate
    }

    /// `ZMQ_ZERO_COPY_RECV`: received frames that arrive whole in one read
    /// are slices of the connection's read block (see
    /// [`SocketOption::ZeroCopyRecv`]). Default `true`.
    pub fn zero_copy_recv(&self) -> bool {
        self.zero_copy_recv
    }

    /// `ZMQ_MECHANISM`: the security mechanism of new connections, picked
    /// by the last security option set. Default NULL.
    pub fn mechanism(&self) -> SecurityMechanism {
        self.security.mechanism
    }

    /// `ZMQ_PLAIN_SERVER`: whether the socket is a PLAIN server (libzmq
    /// reports the role and the mechanism together).
    pub fn plain_server(&self) -> bool {
        self.security.as_server && self.security.mechanism == SecurityMechanism::Plain
    }

    /// `ZMQ_PLAIN_USERNAME`: the username a PLAIN client sends.
    pub fn plain_username(&self) -> &str {
        &self.security.plain_username
    }

    /// `ZMQ_PLAIN_PASSWORD`: the password a PLAIN client sends.
    pub fn plain_password(&self) -> &str {
        // Only `set` writes it, from a `String`.
        core::str::from_utf8(self.security.plain_password.as_bytes()).unwrap_or_default()
    }

    /// `ZMQ_CURVE_SERVER`: whether the socket is a CURVE server.
    pub fn curve_server(&self) -> bool {
        self.security.as_server && self.security.mechanism == SecurityMechanism::Curve
    }

    /// `ZMQ_CURVE_PUBLICKEY`: our long-term public key, if set.
    pub fn curve_public_key(&self) -> Option<&CurveKey> {
        self.security.curve_public_key.as_ref()
    }

    /// `ZMQ_CURVE_SECRETKEY`: our long-term secret key, if set.
    pub fn curve_secret_key(&self) -> Option<&CurveKey> {
        self.security.curve_secret_key.as_ref()
    }

    /// `ZMQ_CURVE_SERVERKEY`: the server's long-term public key, if set.
    pub fn curve_server_key(&self) -> Option<&CurveKey> {
        self.security.curve_server_key.as_ref()
    }

    /// `ZMQ_ZAP_DOMAIN`: the domain of this socket's ZAP requests.
    pub fn zap_domain(&self) -> &str {
        &self.security.zap_domain
    }

    /// `ZMQ_ZAP_ENFORCE_DOMAIN`: whether a handshake that would ask ZAP
    /// fails when no handler is bound (see
    /// [`SocketOption::ZapEnforceDomain`]).
    pub fn zap_enforce_domain(&self) -> bool {
        self.security.zap_enforce_domain
    }

    /// The security settings, for the socket's new sessions.
    #[cfg_attr(loom, allow(dead_code, reason = "the socket is not built under loom"))]
    pub(crate) fn security(&self) -> &Security {
        &self.security
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::MAX_DURATION;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn defaults_are_libzmqs() {
        let o = Options::default();
        assert_eq!(o, Options::new());
        assert_eq!(o.sndhwm(), 1000);
        assert_eq!(o.rcvhwm(), 1000);
        assert_eq!(o.linger(), None);
        assert_eq!(o.reconnect_ivl(), Some(Duration::from_millis(100)));
        assert_eq!(o.reconnect_ivl_max(), None);
        assert_eq!(o.rcvtimeo(), None);
        assert_eq!(o.sndtimeo(), None);
        assert_eq!(o.maxmsgsize(), None);
        assert_eq!(o.routing_id(), None);
        assert_eq!(o.handshake_ivl(), Some(Duration::from_millis(30_000)));
        assert_eq!(o.heartbeat_ivl(), None);
        assert_eq!(o.heartbeat_ttl(), None);
        assert_eq!(o.heartbeat_timeout(), None);
        assert_eq!(o.effective_heartbeat_timeout(), None);
        assert_eq!(o.heartbeat_ttl_deciseconds(), 0);
        assert!(!o.req_relaxed());
        assert!(!o.req_correlate());
        assert!(!o.router_mandatory());
        assert!(!o.immediate());
        assert!(!o.router_handover());
        assert_eq!(o.connect_routing_id(), None);
        assert!(!o.probe_router());
        assert!(!o.xpub_verbose());
        assert!(!o.xpub_verboser());
        assert!(!o.xpub_manual());
        assert_eq!(o.xpub_welcome_msg(), None);
        assert!(!o.xpub_nodrop());
        assert!(!o.conflate());
        assert!(o.zero_copy_recv());
    }

    #[test]
    fn security_options_follow_libzmqs_rules() {
        use SocketOption as O;
        use ferrozmq_wire::CurveKeyPair;
        let mut o = Options::default();
        assert_eq!(o.mechanism(), SecurityMechanism::Null);
        assert!(!o.plain_server() && !o.curve_server());
        assert_eq!((o.zap_domain(), o.zap_enforce_domain()), ("", false));
        o.set(O::PlainUsername("admin".into())).unwrap();
        o.set(O::PlainPassword("hunter2".into())).unwrap();
        assert_eq!(o.mechanism(), SecurityMechanism::Plain);
        assert_eq!(
            (o.plain_username(), o.plain_password()),
            ("admin", "hunter2")
        );
        assert!(!o.plain_server());
        assert!(!format!("{o:?}").contains("hunter2"));
        o.set(O::PlainServer(true)).unwrap();
        assert!(o.plain_server() && !o.curve_server());
        let pair = CurveKeyPair::generate();
        o.set(O::CurveSecretKey(pair.secret.clone())).unwrap();
        // A key switches to CURVE but keeps the role.
        assert_eq!(o.mechanism(), SecurityMechanism::Curve);
        assert!(o.curve_server() && !o.plain_server());
        o.set(O::CurveServerKey(pair.public.clone())).unwrap();
        assert!(!o.curve_server());
        assert_eq!(o.curve_server_key(), Some(&pair.public));
        assert_eq!(o.curve_secret_key(), Some(&pair.secret));
        assert_eq!(o.curve_public_key(), None);
        o.set(O::CurveServer(false)).unwrap();
        assert_eq!(o.mechanism(), SecurityMechanism::Null);
        let long = "x".repeat(256);
        for bad in [
            O::PlainUsername(long.clone()),
            O::PlainPassword(long.clone()),
            O::ZapDomain(long),
        ] {
            let name = bad.name();
            let before = o.clone();
            let e = o.set(bad).unwrap_err();
            assert_eq!(e.option(), name);
            assert_eq!(o, before);
        }
        o.set(O::ZapDomain("x".repeat(255))).unwrap();
        o.set(O::ZapEnforceDomain(true)).unwrap();
        assert_eq!((o.zap_domain().len(), o.zap_enforce_domain()), (255, true));
    }

    #[test]
    fn every_option_sets_its_own_field() {
        use SocketOption as O;
        let d = Duration::from_millis(1234);
        let id = RoutingId::new("me").unwrap();
        let peer = RoutingId::new("peer").unwrap();
        let mut o = Options::default();
        for opt in [
            O::SndHwm(1),
            O::RcvHwm(2),
            O::Linger(Some(d)),
            O::ReconnectIvl(None),
            O::ReconnectIvlMax(Some(d * 2)),
            O::RcvTimeo(Some(d * 3)),
            O::SndTimeo(Some(d * 4)),
            O::MaxMsgSize(Some(5)),
            O::RoutingId(Some(id.clone())),
            O::HandshakeIvl(None),
            O::HeartbeatIvl(Some(d * 5)),
            O::HeartbeatTtl(Some(d * 6)),
            O::HeartbeatTimeout(Some(d * 7)),
            O::ReqRelaxed(true),
            O::ReqCorrelate(true),
            O::RouterMandatory(true),
            O::Immediate(true),
            O::RouterHandover(true),
            O::ConnectRoutingId(Some(peer.clone())),
            O::ProbeRouter(true),
            O::XpubVerboser(true),
            O::XpubManual(true),
            O::XpubWelcomeMsg(b"hello".to_vec()),
            O::XpubNodrop(true),
            O::Conflate(true),
            O::ZeroCopyRecv(false),
        ] {
            o.set(opt).unwrap();
        }
        assert_eq!((o.sndhwm(), o.rcvhwm()), (1, 2));
        assert_eq!(o.linger(), Some(d));
        assert_eq!(o.reconnect_ivl(), None);
        assert_eq!(o.reconnect_ivl_max(), Some(d * 2));
        assert_eq!(o.rcvtimeo(), Some(d * 3));
        assert_eq!(o.sndtimeo(), Some(d * 4));
        assert_eq!(o.maxmsgsize(), Some(5));
        assert_eq!(o.routing_id(), Some(&id));
        assert_eq!(o.handshake_ivl(), None);
        assert_eq!(o.heartbeat_ivl(), Some(d * 5));
        assert_eq!(o.heartbeat_ttl(), Some(d * 6));
        assert_eq!(o.heartbeat_timeout(), Some(d * 7));
        assert!(o.req_relaxed() && o.req_correlate() && o.router_mandatory() && o.immediate());
        assert!(o.router_handover() && o.probe_router());
        assert_eq!(o.connect_routing_id(), Some(&peer));
        assert!(o.xpub_verbose() && o.xpub_verboser() && o.xpub_manual());
        assert_eq!(o.xpub_welcome_msg(), Some(&b"hello"[..]));
        assert!(o.xpub_nodrop() && o.conflate() && !o.zero_copy_recv());
        // And back to the defaults where `None` is the default.
        o.set(O::RoutingId(None)).unwrap();
        assert_eq!(o.routing_id(), None);
    }

    #[test]
    fn zero_means_zero_where_libzmq_says_so() {
        use SocketOption as O;
        let o = Options::default()
            .with(O::Linger(Some(Duration::ZERO)))
            .and_then(|o| o.with(O::RcvTimeo(Some(Duration::ZERO))))
            .and_then(|o| o.with(O::SndTimeo(Some(Duration::ZERO))))
            .and_then(|o| o.with(O::ReconnectIvl(Some(Duration::ZERO))))
            .and_then(|o| o.with(O::SndHwm(0)))
            .and_then(|o| o.with(O::MaxMsgSize(Some(0))))
            .unwrap();
        assert_eq!(o.linger(), Some(Duration::ZERO));
        assert_eq!(o.rcvtimeo(), Some(Duration::ZERO));
        assert_eq!(o.sndtimeo(), Some(Duration::ZERO));
        assert_eq!(o.reconnect_ivl(), Some(Duration::ZERO));
        assert_eq!(o.sndhwm(), 0);
        assert_eq!(o.maxmsgsize(), Some(0));
    }

    #[test]
    fn zero_is_refused_where_none_means_off() {
        use SocketOption as O;
        for opt in [
            O::ReconnectIvlMax(Some(Duration::ZERO)),
            O::HandshakeIvl(Some(Duration::ZERO)),
            O::HeartbeatIvl(Some(Duration::ZERO)),
            O::HeartbeatTimeout(Some(Duration::from_micros(999))),
            O::HeartbeatTtl(Some(Duration::ZERO)),
            O::HeartbeatTtl(Some(Duration::from_millis(99))),
        ] {
            let name = opt.name();
            let mut o = Options::default();
            let e = o.set(opt).unwrap_err();
            assert!(
                matches!(e, OptionError::DurationOutOfRange { option, .. } if option == name),
                "{e:?}"
            );
            assert_eq!(e.option(), name);
            assert_eq!(e.errno_name(), "EINVAL");
            assert_eq!(o, Options::default(), "a refused set changes nothing");
        }
    }

    #[test]
    fn durations_are_capped_at_libzmqs_int_of_ms() {
        use SocketOption as O;
        let max = MAX_DURATION;
        assert_eq!(max.as_millis(), i32::MAX as u128);
        let over = max + Duration::from_nanos(1);
        for make in [
            O::Linger as fn(Option<Duration>) -> SocketOption,
            O::ReconnectIvl,
            O::ReconnectIvlMax,
            O::RcvTimeo,
            O::SndTimeo,
            O::HandshakeIvl,
            O::HeartbeatIvl,
            O::HeartbeatTimeout,
        ] {
            let mut o = Options::default();
            o.set(make(Some(max))).unwrap();
            let e = o.set(make(Some(over))).unwrap_err();
            assert_eq!(
                e,
                OptionError::DurationOutOfRange {
                    option: make(None).name(),
                    value: over,
                    min: if matches!(
                        make(None),
                        O::Linger(_) | O::ReconnectIvl(_) | O::RcvTimeo(_) | O::SndTimeo(_)
                    ) {
                        Duration::ZERO
                    } else {
                        MS
                    },
                    max,
                }
            );
            let e = o.set(make(Some(Duration::MAX))).unwrap_err();
            assert!(matches!(e, OptionError::DurationOutOfRange { .. }));
            // `None` is always accepted.
            o.set(make(None)).unwrap();
        }
    }

    #[test]
    fn heartbeat_ttl_range_and_deciseconds() {
        use SocketOption as O;
        let mut o = Options::default();
        o.set(O::HeartbeatTtl(Some(MAX_HEARTBEAT_TTL))).unwrap();
        assert_eq!(o.heartbeat_ttl_deciseconds(), u16::MAX);
        let over = MAX_HEARTBEAT_TTL + MS;
        assert_eq!(
            o.set(O::HeartbeatTtl(Some(over))).unwrap_err(),
            OptionError::DurationOutOfRange {
                option: "ZMQ_HEARTBEAT_TTL",
                value: over,
                min: MIN_HEARTBEAT_TTL,
                max: MAX_HEARTBEAT_TTL,
            }
        );
        // Rounded down to whole deciseconds, as libzmq does.
        o.set(O::HeartbeatTtl(Some(Duration::from_millis(100))))
            .unwrap();
        assert_eq!(o.heartbeat_ttl_deciseconds(), 1);
        o.set(O::HeartbeatTtl(Some(Duration::from_millis(1999))))
            .unwrap();
        assert_eq!(o.heartbeat_ttl_deciseconds(), 19);
        o.set(O::HeartbeatTtl(None)).unwrap();
        assert_eq!(o.heartbeat_ttl_deciseconds(), 0);
    }

    #[test]
    fn heartbeat_timeout_defaults_to_the_interval() {
        use SocketOption as O;
        let ivl = Duration::from_secs(2);
        let mut o = Options::default();
        o.set(O::HeartbeatTimeout(Some(Duration::from_secs(9))))
            .unwrap();
        assert_eq!(o.effective_heartbeat_timeout(), None, "heartbeats off");
        o.set(O::HeartbeatIvl(Some(ivl))).unwrap();
        assert_eq!(
            o.effective_heartbeat_timeout(),
            Some(Duration::from_secs(9))
        );
        o.set(O::HeartbeatTimeout(None)).unwrap();
        assert_eq!(o.effective_heartbeat_timeout(), Some(ivl));
    }

    #[test]
    fn hwm_is_capped_at_libzmqs_int() {
        use SocketOption as O;
        let mut o = Options::default();
        o.set(O::SndHwm(i32::MAX as usize)).unwrap();
        o.set(O::RcvHwm(i32::MAX as usize)).unwrap();
        for make in [O::SndHwm as fn(usize) -> SocketOption, O::RcvHwm] {
            let e = o.set(make(i32::MAX as usize + 1)).unwrap_err();
            assert_eq!(
                e,
                OptionError::ValueOutOfRange {
                    option: make(0).name(),
                    value: i32::MAX as u64 + 1,
                    max: i32::MAX as u64,
                }
            );
            assert!(o.set(make(usize::MAX)).is_err());
        }
        assert_eq!(o.sndhwm(), i32::MAX as usize);
    }

    #[test]
    fn maxmsgsize_is_capped_at_int64() {
        let mut o = Options::default();
        o.set(SocketOption::MaxMsgSize(Some(i64::MAX as u64)))
            .unwrap();
        let e = o.set(SocketOption::MaxMsgSize(Some(u64::MAX))).unwrap_err();
        assert_eq!(
            e,
            OptionError::ValueOutOfRange {
                option: "ZMQ_MAXMSGSIZE",
                value: u64::MAX,
                max: i64::MAX as u64
            }
        );
        assert_eq!(o.maxmsgsize(), Some(i64::MAX as u64));
    }

    #[test]
    fn xpub_verbose_and_verboser_interact_as_in_libzmq() {
        use SocketOption as O;
        let mut o = Options::default();
        let mut set = |opt| {
            o.set(opt).unwrap();
            (o.xpub_verbose(), o.xpub_verboser())
        };
        assert_eq!(set(O::XpubVerbose(true)), (true, false));
        assert_eq!(set(O::XpubVerboser(true)), (true, true));
        // VERBOSE clears the unsubscribes, whatever its value.
        assert_eq!(set(O::XpubVerbose(true)), (true, false));
        assert_eq!(set(O::XpubVerboser(true)), (true, true));
        assert_eq!(set(O::XpubVerbose(false)), (false, false));
        assert_eq!(set(O::XpubVerboser(true)), (true, true));
        // VERBOSER false turns both off.
        assert_eq!(set(O::XpubVerboser(false)), (false, false));
    }

    #[test]
    fn connect_routing_id_is_taken_once() {
        let id = RoutingId::new("peer-1").unwrap();
        let mut o = Options::default();
        o.set(SocketOption::ConnectRoutingId(Some(id.clone())))
            .unwrap();
        assert_eq!(o.connect_routing_id(), Some(&id));
        assert_eq!(o.take_connect_routing_id(), Some(id));
        assert_eq!(o.connect_routing_id(), None);
        assert_eq!(o.take_connect_routing_id(), None);
    }

    #[test]
    fn an_empty_welcome_message_is_none() {
        let mut o = Options::default();
        o.set(SocketOption::XpubWelcomeMsg(b"W".to_vec())).unwrap();
        assert_eq!(o.xpub_welcome_msg(), Some(&b"W"[..]));
        o.set(SocketOption::XpubWelcomeMsg(Vec::new())).unwrap();
        assert_eq!(o.xpub_welcome_msg(), None);
        assert_eq!(o, Options::default());
    }
}
