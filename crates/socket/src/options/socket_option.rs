//! [`SocketOption`]: one setting with the value it takes, named after its
//! libzmq option. Range checks are [`Options::set`](super::Options::set)'s
//! job, not this file's.

use std::time::Duration;

use super::RoutingId;

/// One setting, named after its libzmq option, with the value it takes.
///
/// `None` stands for libzmq's -1 or 0 where that means "off" or "forever";
/// each variant says which. Apply it with [`Options::set`](super::Options::set).
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// `ZMQ_REQ_RELAXED`.
    ReqRelaxed(bool),
    /// `ZMQ_REQ_CORRELATE`.
    ReqCorrelate(bool),
    /// `ZMQ_ROUTER_MANDATORY`.
    RouterMandatory(bool),
    /// `ZMQ_IMMEDIATE`.
    Immediate(bool),
}

impl SocketOption {
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
            ]
        );
    }
}
