//! [`SocketOption`]: one setting with the value it takes, named after its
//! libzmq option. Range checks are [`Options::set`](super::Options::set)'s
//! job, not this file's.

use std::time::Duration;

use ferrozmq_wire::{CurveKey, SocketType};

use super::RoutingId;

/// One setting, named after its libzmq option, with the value it takes.
///
/// `None` stands for libzmq's -1 or 0 where that means "off" or "forever";
/// each variant says which. Apply it with [`Options::set`](super::Options::set).
///
/// `Debug` never prints a password ([`PlainPassword`](Self::PlainPassword)
/// shows as `PlainPassword(..)`) and [`CurveKey`] never prints key material.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SocketOption {
    /// `ZMQ_SNDHWM`: messages queued per peer for sending; 0 = no limit. At
    /// most `i32::MAX`.
    SndHwm(usize),
    /// `ZMQ_RCVHWM`: messages queued per peer on receipt; 0 = no limit. At
    /// most `i32::MAX`.
    RcvHwm(usize),
    /// `ZMQ_LINGER`: `None` = until delivered; `Some(ZERO)` = discard. At
    /// most [`MAX_DURATION`](super::MAX_DURATION).
    Linger(Option<Duration>),
    /// `ZMQ_RECONNECT_IVL`: `None` = never reconnect; `Some(ZERO)` = at once.
    /// At most [`MAX_DURATION`](super::MAX_DURATION).
    ReconnectIvl(Option<Duration>),
    /// `ZMQ_RECONNECT_IVL_MAX`: `None` = no backoff. A `Some` is from 1 ms
    /// to [`MAX_DURATION`](super::MAX_DURATION).
    ReconnectIvlMax(Option<Duration>),
    /// `ZMQ_RCVTIMEO`: `None` = block; `Some(ZERO)` = do not wait. At most
    /// [`MAX_DURATION`](super::MAX_DURATION).
    RcvTimeo(Option<Duration>),
    /// `ZMQ_SNDTIMEO`: `None` = block; `Some(ZERO)` = do not wait. At most
    /// [`MAX_DURATION`](super::MAX_DURATION).
    SndTimeo(Option<Duration>),
    /// `ZMQ_MAXMSGSIZE` in bytes: `None` = no limit; `Some(0)` = only empty
    /// messages. At most `i64::MAX`.
    MaxMsgSize(Option<u64>),
    /// `ZMQ_ROUTING_ID`: `None` = let the peer generate one. The
    /// [`RoutingId`] type holds the length and first-byte rules.
    RoutingId(Option<RoutingId>),
    /// `ZMQ_HANDSHAKE_IVL`: `None` = no limit. A `Some` is from 1 ms to
    /// [`MAX_DURATION`](super::MAX_DURATION).
    HandshakeIvl(Option<Duration>),
    /// `ZMQ_HEARTBEAT_IVL`: `None` = no heartbeats. A `Some` is from 1 ms to
    /// [`MAX_DURATION`](super::MAX_DURATION).
    HeartbeatIvl(Option<Duration>),
    /// `ZMQ_HEARTBEAT_TTL`: `None` = no TTL. A `Some` is from
    /// [`MIN_HEARTBEAT_TTL`](super::MIN_HEARTBEAT_TTL) (100 ms) to [`MAX_HEARTBEAT_TTL`](super::MAX_HEARTBEAT_TTL) (6553.599 s).
    HeartbeatTtl(Option<Duration>),
    /// `ZMQ_HEARTBEAT_TIMEOUT`: `None` = the heartbeat interval. A `Some` is
    /// from 1 ms to [`MAX_DURATION`](super::MAX_DURATION).
    HeartbeatTimeout(Option<Duration>),
    /// `ZMQ_REQ_RELAXED` (REQ): a new request may be sent before the reply
    /// to the last one arrived. Default `false`.
    ReqRelaxed(bool),
    /// `ZMQ_REQ_CORRELATE` (REQ): each request carries a request id frame
    /// and replies must match it. Default `false`.
    ReqCorrelate(bool),
    /// `ZMQ_ROUTER_MANDATORY` (ROUTER): a message for an unknown peer fails
    /// with `EHOSTUNREACH`, and one for a peer at its send high-water mark
    /// blocks, or fails with `EAGAIN` under `DONTWAIT`, instead of being
    /// dropped silently. Default `false`.
    RouterMandatory(bool),
    /// `ZMQ_IMMEDIATE`: queue outgoing messages only on connections whose
    /// handshake is complete. Default `false`.
    Immediate(bool),
    /// `ZMQ_ROUTER_HANDOVER` (ROUTER): when a peer connects with a routing
    /// id already in use, the new connection takes the id over and the old
    /// one is disconnected. Default `false`: the newcomer is refused.
    RouterHandover(bool),
    /// `ZMQ_CONNECT_ROUTING_ID` (ROUTER): the routing id under which the
    /// peer of the next `connect` is known, so that messages can be routed
    /// to it at once (ROUTER to ROUTER). Only the next `connect` uses it;
    /// each connection needs a routing id not already in use. `None`
    /// (default) clears it; libzmq has no way to clear it but a connect.
    ConnectRoutingId(Option<RoutingId>),
    /// `ZMQ_PROBE_ROUTER` (ROUTER, DEALER, REQ): send an empty message on
    /// every new connection, made or accepted, so that a ROUTER peer learns
    /// of it; the peer's application must filter those messages out. Only
    /// meaningful towards a ROUTER. Default `false`.
    ProbeRouter(bool),
    /// `ZMQ_XPUB_VERBOSE` (XPUB): pass every subscribe message to the
    /// application, not only the first one for each topic. Setting it also
    /// clears the verbose unsubscribes of [`XpubVerboser`](Self::XpubVerboser),
    /// as in libzmq. Default `false`.
    XpubVerbose(bool),
    /// `ZMQ_XPUB_VERBOSER` (XPUB): pass every subscribe and unsubscribe
    /// message to the application, not only the first subscription to and
    /// the last unsubscription from each topic. `true` turns on both verbose
    /// subscribes and verbose unsubscribes; `false` turns both off, as in
    /// libzmq. Default `false`.
    XpubVerboser(bool),
    /// `ZMQ_XPUB_MANUAL` (XPUB): subscription messages are passed to the
    /// application and not added to the subscription list; the application
    /// adds them with `subscribe`, for the peer whose subscription message
    /// it received last. Default `false`: handled automatically.
    XpubManual(bool),
    /// `ZMQ_XPUB_WELCOME_MSG` (XPUB): a message sent to each subscriber
    /// when it connects, and again when it reconnects; the subscriber must
    /// be subscribed to it before connecting. Empty (default): none.
    XpubWelcomeMsg(Vec<u8>),
    /// `ZMQ_XPUB_NODROP` (XPUB, PUB): at a subscriber's send high-water
    /// mark, a send fails with `EAGAIN` (under `DONTWAIT`) instead of the
    /// message being dropped silently. Default `false`.
    XpubNodrop(bool),
    /// `ZMQ_CONFLATE` (PUSH, PULL, PUB, SUB, DEALER): keep only the last
    /// message in the inbound and outbound queues, ignoring the high-water
    /// marks. Multi-part messages are not supported: only one part is kept.
    /// Default `false`.
    Conflate(bool),
    /// `ZMQ_ZERO_COPY_RECV` (a libzmq 4.3 draft option, on by default
    /// there too): a received frame above the inline size that arrived
    /// whole in one read is handed out as a slice of the connection's read
    /// block (8 KiB, growing to 64 KiB on a busy stream, from the socket's
    /// receive allocator) instead of being copied into a block of its own.
    /// A message kept by the application keeps its whole read block alive,
    /// so a program that keeps a few small messages out of many for a long
    /// time should turn it off (or copy what it keeps). Not applied to
    /// CURVE, whose frames are opened in place. Default `true`; read by
    /// the next binds and connects.
    ZeroCopyRecv(bool),
    /// `ZMQ_PLAIN_SERVER`: `true` makes the socket a PLAIN server (RFC 24)
    /// for its next binds and connects; `false` switches back to NULL.
    /// Default `false`. A PLAIN server asks the ZAP handler about every
    /// client and refuses them all when none is bound (libzmq's rule).
    PlainServer(bool),
    /// `ZMQ_PLAIN_USERNAME`: the username a PLAIN client sends (1-255
    /// bytes); setting it makes the socket a PLAIN client. Empty switches
    /// back to NULL (libzmq's reset with a NULL value).
    PlainUsername(String),
    /// `ZMQ_PLAIN_PASSWORD`: the password a PLAIN client sends (1-255
    /// bytes); setting it makes the socket a PLAIN client. Empty switches
    /// back to NULL. Zeroed when dropped from the options, never printed.
    PlainPassword(String),
    /// `ZMQ_CURVE_SERVER`: `true` makes the socket a CURVE server (RFC 26)
    /// for its next binds and connects, which then needs
    /// [`CurveSecretKey`](Self::CurveSecretKey); `false` switches back to
    /// NULL. Default `false`.
    CurveServer(bool),
    /// `ZMQ_CURVE_PUBLICKEY`: our long-term public key, for a CURVE client.
    /// Switches to CURVE.
    CurvePublicKey(CurveKey),
    /// `ZMQ_CURVE_SECRETKEY`: our long-term secret key (CURVE client or
    /// server). Switches to CURVE.
    CurveSecretKey(CurveKey),
    /// `ZMQ_CURVE_SERVERKEY`: the server's long-term public key; setting it
    /// makes the socket a CURVE client, which also needs
    /// [`CurvePublicKey`](Self::CurvePublicKey) and
    /// [`CurveSecretKey`](Self::CurveSecretKey).
    CurveServerKey(CurveKey),
    /// `ZMQ_ZAP_DOMAIN`: the domain sent in ZAP requests (RFC 27), 0-255
    /// bytes. Default empty. Set on a NULL socket, it turns on ZAP for its
    /// connections.
    ZapDomain(String),
    /// `ZMQ_ZAP_ENFORCE_DOMAIN`: a NULL or CURVE socket that would ask ZAP
    /// fails the handshake when no handler is bound (without it, it accepts
    /// the peer); a CURVE server without a domain then asks no handler at
    /// all. Default `false`.
    ZapEnforceDomain(bool),
}

impl core::fmt::Debug for SocketOption {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut t = f.debug_tuple(self.variant_name());
        match self {
            Self::SndHwm(v) | Self::RcvHwm(v) => t.field(v),
            Self::Linger(v)
            | Self::ReconnectIvl(v)
            | Self::ReconnectIvlMax(v)
            | Self::RcvTimeo(v)
            | Self::SndTimeo(v)
            | Self::HandshakeIvl(v)
            | Self::HeartbeatIvl(v)
            | Self::HeartbeatTtl(v)
            | Self::HeartbeatTimeout(v) => t.field(v),
            Self::MaxMsgSize(v) => t.field(v),
            Self::RoutingId(v) | Self::ConnectRoutingId(v) => t.field(v),
            Self::ReqRelaxed(v)
            | Self::ReqCorrelate(v)
            | Self::RouterMandatory(v)
            | Self::Immediate(v)
            | Self::RouterHandover(v)
            | Self::ProbeRouter(v)
            | Self::XpubVerbose(v)
            | Self::XpubVerboser(v)
            | Self::XpubManual(v)
            | Self::XpubNodrop(v)
            | Self::Conflate(v)
            | Self::ZeroCopyRecv(v)
            | Self::PlainServer(v)
            | Self::CurveServer(v)
            | Self::ZapEnforceDomain(v) => t.field(v),
            Self::XpubWelcomeMsg(v) => t.field(v),
            Self::PlainUsername(v) | Self::ZapDomain(v) => t.field(v),
            Self::PlainPassword(_) => t.field(&format_args!("..")),
            Self::CurvePublicKey(k) | Self::CurveSecretKey(k) | Self::CurveServerKey(k) => {
                t.field(k)
            }
        };
        t.finish()
    }
}

impl SocketOption {
    /// The Rust name of the variant, for `Debug`.
    fn variant_name(&self) -> &'static str {
        match self {
            Self::SndHwm(_) => "SndHwm",
            Self::RcvHwm(_) => "RcvHwm",
            Self::Linger(_) => "Linger",
            Self::ReconnectIvl(_) => "ReconnectIvl",
            Self::ReconnectIvlMax(_) => "ReconnectIvlMax",
            Self::RcvTimeo(_) => "RcvTimeo",
            Self::SndTimeo(_) => "SndTimeo",
            Self::MaxMsgSize(_) => "MaxMsgSize",
            Self::RoutingId(_) => "RoutingId",
            Self::HandshakeIvl(_) => "HandshakeIvl",
            Self::HeartbeatIvl(_) => "HeartbeatIvl",
            Self::HeartbeatTtl(_) => "HeartbeatTtl",
            Self::HeartbeatTimeout(_) => "HeartbeatTimeout",
            Self::ReqRelaxed(_) => "ReqRelaxed",
            Self::ReqCorrelate(_) => "ReqCorrelate",
            Self::RouterMandatory(_) => "RouterMandatory",
            Self::Immediate(_) => "Immediate",
            Self::RouterHandover(_) => "RouterHandover",
            Self::ConnectRoutingId(_) => "ConnectRoutingId",
            Self::ProbeRouter(_) => "ProbeRouter",
            Self::XpubVerbose(_) => "XpubVerbose",
            Self::XpubVerboser(_) => "XpubVerboser",
            Self::XpubManual(_) => "XpubManual",
            Self::XpubWelcomeMsg(_) => "XpubWelcomeMsg",
            Self::XpubNodrop(_) => "XpubNodrop",
            Self::Conflate(_) => "Conflate",
            Self::ZeroCopyRecv(_) => "ZeroCopyRecv",
            Self::PlainServer(_) => "PlainServer",
            Self::PlainUsername(_) => "PlainUsername",
            Self::PlainPassword(_) => "PlainPassword",
            Self::CurveServer(_) => "CurveServer",
            Self::CurvePublicKey(_) => "CurvePublicKey",
            Self::CurveSecretKey(_) => "CurveSecretKey",
            Self::CurveServerKey(_) => "CurveServerKey",
            Self::ZapDomain(_) => "ZapDomain",
            Self::ZapEnforceDomain(_) => "ZapEnforceDomain",
        }
    }

    /// The libzmq name of the option, such as `"ZMQ_SNDHWM"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SndHwm(_) => "ZMQ_SNDHWM",
            Self::RcvHwm(_) => "ZMQ_RCVHWM",
            Self::Linger(_) => "ZMQ_LINGER",
            Self::ReconnectIvl(_) => "ZMQ_RECONNECT_IVL",
            Self::ReconnectIvlMax(_) => "ZMQ_RECONNECT_IVL_MAX",
            Self::RcvTimeo(_) => "ZMQ_RCVTIMEO",
            Self::SndTimeo(_) => "ZMQ_SNDTIMEO",
            Self::MaxMsgSize(_) => "ZMQ_MAXMSGSIZE",
            Self::RoutingId(_) => "ZMQ_ROUTING_ID",
            Self::HandshakeIvl(_) => "ZMQ_HANDSHAKE_IVL",
            Self::HeartbeatIvl(_) => "ZMQ_HEARTBEAT_IVL",
            Self::HeartbeatTtl(_) => "ZMQ_HEARTBEAT_TTL",
            Self::HeartbeatTimeout(_) => "ZMQ_HEARTBEAT_TIMEOUT",
            Self::ReqRelaxed(_) => "ZMQ_REQ_RELAXED",
            Self::ReqCorrelate(_) => "ZMQ_REQ_CORRELATE",
            Self::RouterMandatory(_) => "ZMQ_ROUTER_MANDATORY",
            Self::Immediate(_) => "ZMQ_IMMEDIATE",
            Self::RouterHandover(_) => "ZMQ_ROUTER_HANDOVER",
            Self::ConnectRoutingId(_) => "ZMQ_CONNECT_ROUTING_ID",
            Self::ProbeRouter(_) => "ZMQ_PROBE_ROUTER",
            Self::XpubVerbose(_) => "ZMQ_XPUB_VERBOSE",
            Self::XpubVerboser(_) => "ZMQ_XPUB_VERBOSER",
            Self::XpubManual(_) => "ZMQ_XPUB_MANUAL",
            Self::XpubWelcomeMsg(_) => "ZMQ_XPUB_WELCOME_MSG",
            Self::XpubNodrop(_) => "ZMQ_XPUB_NODROP",
            Self::Conflate(_) => "ZMQ_CONFLATE",
            Self::ZeroCopyRecv(_) => "ZMQ_ZERO_COPY_RECV",
            Self::PlainServer(_) => "ZMQ_PLAIN_SERVER",
            Self::PlainUsername(_) => "ZMQ_PLAIN_USERNAME",
            Self::PlainPassword(_) => "ZMQ_PLAIN_PASSWORD",
            Self::CurveServer(_) => "ZMQ_CURVE_SERVER",
            Self::CurvePublicKey(_) => "ZMQ_CURVE_PUBLICKEY",
            Self::CurveSecretKey(_) => "ZMQ_CURVE_SECRETKEY",
            Self::CurveServerKey(_) => "ZMQ_CURVE_SERVERKEY",
            Self::ZapDomain(_) => "ZMQ_ZAP_DOMAIN",
            Self::ZapEnforceDomain(_) => "ZMQ_ZAP_ENFORCE_DOMAIN",
        }
    }

    /// Whether the option applies to sockets of `socket_type`, as the
    /// "Applicable socket types" of libzmq's `zmq_setsockopt(3)` say. A
    /// socket refuses an option that does not apply with
    /// [`OptionError::NotApplicable`](super::OptionError::NotApplicable)
    /// (`EINVAL`).
    ///
    /// | option | socket types |
    /// | --- | --- |
    /// | `ReqRelaxed`, `ReqCorrelate` | REQ |
    /// | `RouterMandatory`, `RouterHandover`, `ConnectRoutingId` | ROUTER |
    /// | `ProbeRouter` | ROUTER, DEALER, REQ |
    /// | `XpubVerbose`, `XpubVerboser`, `XpubManual`, `XpubWelcomeMsg` | XPUB |
    /// | `XpubNodrop` | XPUB, PUB |
    /// | `Conflate` | PUSH, PULL, PUB, SUB, DEALER |
    /// | every other option | every type |
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrozmq_socket::{SocketOption, SocketType};
    ///
    /// assert!(SocketOption::ReqRelaxed(true).applies_to(SocketType::Req));
    /// assert!(!SocketOption::ReqRelaxed(true).applies_to(SocketType::Pub));
    /// assert!(SocketOption::SndHwm(10).applies_to(SocketType::Pair));
    /// ```
    pub fn applies_to(&self, socket_type: SocketType) -> bool {
        use SocketType as T;
        match self {
            Self::ReqRelaxed(_) | Self::ReqCorrelate(_) => socket_type == T::Req,
            Self::RouterMandatory(_) | Self::RouterHandover(_) | Self::ConnectRoutingId(_) => {
                socket_type == T::Router
            }
            Self::ProbeRouter(_) => matches!(socket_type, T::Router | T::Dealer | T::Req),
            Self::XpubVerbose(_)
            | Self::XpubVerboser(_)
            | Self::XpubManual(_)
            | Self::XpubWelcomeMsg(_) => socket_type == T::XPub,
            Self::XpubNodrop(_) => matches!(socket_type, T::XPub | T::Pub),
            Self::Conflate(_) => {
                matches!(socket_type, T::Push | T::Pull | T::Pub | T::Sub | T::Dealer)
            }
            Self::SndHwm(_)
            | Self::RcvHwm(_)
            | Self::Linger(_)
            | Self::ReconnectIvl(_)
            | Self::ReconnectIvlMax(_)
            | Self::RcvTimeo(_)
            | Self::SndTimeo(_)
            | Self::MaxMsgSize(_)
            | Self::RoutingId(_)
            | Self::HandshakeIvl(_)
            | Self::HeartbeatIvl(_)
            | Self::HeartbeatTtl(_)
            | Self::HeartbeatTimeout(_)
            | Self::Immediate(_)
            | Self::ZeroCopyRecv(_)
            | Self::PlainServer(_)
            | Self::PlainUsername(_)
            | Self::PlainPassword(_)
            | Self::CurveServer(_)
            | Self::CurvePublicKey(_)
            | Self::CurveSecretKey(_)
            | Self::CurveServerKey(_)
            | Self::ZapDomain(_)
            | Self::ZapEnforceDomain(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_libzmqs() {
        use SocketOption as O;
        let names: Vec<_> = [
            O::SndHwm(0),
            O::RcvHwm(0),
            O::Linger(None),
            O::ReconnectIvl(None),
            O::ReconnectIvlMax(None),
            O::RcvTimeo(None),
            O::SndTimeo(None),
            O::MaxMsgSize(None),
            O::RoutingId(None),
            O::HandshakeIvl(None),
            O::HeartbeatIvl(None),
            O::HeartbeatTtl(None),
            O::HeartbeatTimeout(None),
            O::ReqRelaxed(false),
            O::ReqCorrelate(false),
            O::RouterMandatory(false),
            O::Immediate(false),
            O::RouterHandover(false),
            O::ConnectRoutingId(None),
            O::ProbeRouter(false),
            O::XpubVerbose(false),
            O::XpubVerboser(false),
            O::XpubManual(false),
            O::XpubWelcomeMsg(Vec::new()),
            O::XpubNodrop(false),
            O::Conflate(false),
            O::ZeroCopyRecv(true),
        ]
        .iter()
        .map(SocketOption::name)
        .collect();
        assert_eq!(
            names,
            [
                "ZMQ_SNDHWM",
                "ZMQ_RCVHWM",
                "ZMQ_LINGER",
                "ZMQ_RECONNECT_IVL",
                "ZMQ_RECONNECT_IVL_MAX",
                "ZMQ_RCVTIMEO",
                "ZMQ_SNDTIMEO",
                "ZMQ_MAXMSGSIZE",
                "ZMQ_ROUTING_ID",
                "ZMQ_HANDSHAKE_IVL",
                "ZMQ_HEARTBEAT_IVL",
                "ZMQ_HEARTBEAT_TTL",
                "ZMQ_HEARTBEAT_TIMEOUT",
                "ZMQ_REQ_RELAXED",
                "ZMQ_REQ_CORRELATE",
                "ZMQ_ROUTER_MANDATORY",
                "ZMQ_IMMEDIATE",
                "ZMQ_ROUTER_HANDOVER",
                "ZMQ_CONNECT_ROUTING_ID",
                "ZMQ_PROBE_ROUTER",
                "ZMQ_XPUB_VERBOSE",
                "ZMQ_XPUB_VERBOSER",
                "ZMQ_XPUB_MANUAL",
                "ZMQ_XPUB_WELCOME_MSG",
                "ZMQ_XPUB_NODROP",
                "ZMQ_CONFLATE",
                "ZMQ_ZERO_COPY_RECV",
            ]
        );
    }

    #[test]
    fn security_options_have_libzmqs_names_and_hide_secrets() {
        use SocketOption as O;
        let key = CurveKey::from_bytes([7; 32]);
        let names: Vec<_> = [
            O::PlainServer(true),
            O::PlainUsername("u".into()),
            O::PlainPassword("hunter2".into()),
            O::CurveServer(true),
            O::CurvePublicKey(key.clone()),
            O::CurveSecretKey(key.clone()),
            O::CurveServerKey(key.clone()),
            O::ZapDomain("d".into()),
            O::ZapEnforceDomain(true),
        ]
        .iter()
        .map(|o| {
            assert!(SocketType::ALL.iter().all(|&t| o.applies_to(t)));
            o.name()
        })
        .collect();
        assert_eq!(
            names,
            [
                "ZMQ_PLAIN_SERVER",
                "ZMQ_PLAIN_USERNAME",
                "ZMQ_PLAIN_PASSWORD",
                "ZMQ_CURVE_SERVER",
                "ZMQ_CURVE_PUBLICKEY",
                "ZMQ_CURVE_SECRETKEY",
                "ZMQ_CURVE_SERVERKEY",
                "ZMQ_ZAP_DOMAIN",
                "ZMQ_ZAP_ENFORCE_DOMAIN",
            ]
        );
        assert_eq!(
            format!("{:?}", O::PlainPassword("hunter2".into())),
            "PlainPassword(..)"
        );
        assert_eq!(
            format!("{:?}", O::CurveSecretKey(key)),
            "CurveSecretKey(CurveKey(..))"
        );
        assert_eq!(format!("{:?}", O::SndHwm(5)), "SndHwm(5)");
        assert_eq!(format!("{:?}", O::Linger(None)), "Linger(None)");
    }

    /// Every option, once, with the socket types it applies to written out
    /// as a row of `SocketType::ALL` (REQ REP DEALER ROUTER PUB XPUB SUB
    /// XSUB PUSH PULL PAIR), from libzmq's `zmq_setsockopt(3)`.
    #[test]
    fn applies_to_follows_libzmqs_table() {
        use SocketOption as O;
        let every = "xxxxxxxxxxx";
        let rows = [
            (O::SndHwm(0), every),
            (O::RcvHwm(0), every),
            (O::Linger(None), every),
            (O::ReconnectIvl(None), every),
            (O::ReconnectIvlMax(None), every),
            (O::RcvTimeo(None), every),
            (O::SndTimeo(None), every),
            (O::MaxMsgSize(None), every),
            (O::RoutingId(None), every),
            (O::HandshakeIvl(None), every),
            (O::HeartbeatIvl(None), every),
            (O::HeartbeatTtl(None), every),
            (O::HeartbeatTimeout(None), every),
            (O::Immediate(false), every),
            (O::ZeroCopyRecv(true), every),
            (O::ReqRelaxed(false), "x.........."),
            (O::ReqCorrelate(false), "x.........."),
            (O::RouterMandatory(false), "...x......."),
            (O::RouterHandover(false), "...x......."),
            (O::ConnectRoutingId(None), "...x......."),
            (O::ProbeRouter(false), "x.xx......."),
            (O::XpubVerbose(false), ".....x....."),
            (O::XpubVerboser(false), ".....x....."),
            (O::XpubManual(false), ".....x....."),
            (O::XpubWelcomeMsg(Vec::new()), ".....x....."),
            (O::XpubNodrop(false), "....xx....."),
            (O::Conflate(false), "..x.x.x.xx."),
        ];
        for (option, row) in &rows {
            let got: String = SocketType::ALL
                .iter()
                .map(|&t| if option.applies_to(t) { 'x' } else { '.' })
                .collect();
            assert_eq!(&got, row, "{}", option.name());
        }
        // The value does not matter, only the option.
        assert!(O::ReqRelaxed(true).applies_to(SocketType::Req));
        assert!(!O::Conflate(true).applies_to(SocketType::Router));
    }
}
