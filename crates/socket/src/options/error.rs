//! [`OptionError`]: why a setting was refused, naming the libzmq option and
//! its errno.

use std::time::Duration;

use ferrozmq_wire::SocketType;

/// Why a setting was refused. libzmq refuses all of these with `EINVAL`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionError {
    /// A duration outside the option's range (a `Some` below `min` is often
    /// a `Some(ZERO)` where `None` means "off").
    #[error("{option} must be from {min:?} to {max:?}, got {value:?}")]
    DurationOutOfRange {
        /// The libzmq name of the option.
        option: &'static str,
        /// The value given.
        value: Duration,
        /// The shortest accepted.
        min: Duration,
        /// The longest accepted.
        max: Duration,
    },
    /// A count or size above the option's maximum.
    #[error("{option} must be at most {max}, got {value}")]
    ValueOutOfRange {
        /// The libzmq name of the option.
        option: &'static str,
        /// The value given.
        value: u64,
        /// The largest accepted.
        max: u64,
    },
    /// A routing id that is empty or longer than 255 bytes.
    #[error("ZMQ_ROUTING_ID must be 1 to 255 bytes long, got {len}")]
    RoutingIdLength {
        /// The length given.
        len: usize,
    },
    /// A routing id starting with a zero byte: those are reserved for the
    /// ids a ROUTER generates.
    #[error("ZMQ_ROUTING_ID must not start with a zero byte (reserved for generated ids)")]
    RoutingIdReserved,
    /// The option exists but not for this socket type (for example
    /// `ZMQ_REQ_RELAXED` on a PUB socket); returned by sockets.
    #[error("{option} does not apply to {socket_type} sockets")]
    NotApplicable {
        /// The libzmq name of the option.
        option: &'static str,
        /// The socket type.
        socket_type: SocketType,
    },
}

impl OptionError {
    /// The libzmq name of the option refused, such as `"ZMQ_LINGER"`.
    pub fn option(&self) -> &'static str {
        match self {
            Self::DurationOutOfRange { option, .. }
            | Self::ValueOutOfRange { option, .. }
            | Self::NotApplicable { option, .. } => option,
            Self::RoutingIdLength { .. } | Self::RoutingIdReserved => "ZMQ_ROUTING_ID",
        }
    }

    /// The libzmq errno name: `EINVAL`, for every variant.
    pub fn errno_name(&self) -> &'static str {
        "EINVAL"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{Options, SocketOption};

    #[test]
    fn error_messages_name_the_option() {
        let e = Options::default()
            .with(SocketOption::HandshakeIvl(Some(Duration::ZERO)))
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("ZMQ_HANDSHAKE_IVL must be from 1ms"),
            "{e}"
        );
        let e = OptionError::NotApplicable {
            option: "ZMQ_REQ_RELAXED",
            socket_type: SocketType::Pub,
        };
        assert_eq!(
            e.to_string(),
            "ZMQ_REQ_RELAXED does not apply to PUB sockets"
        );
        assert_eq!((e.option(), e.errno_name()), ("ZMQ_REQ_RELAXED", "EINVAL"));
    }
}
