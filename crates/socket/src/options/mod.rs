//! [`Options`]: a socket's settings, with libzmq's names, defaults and range
//! checks; [`SocketOption`]: one setting, to apply with [`Options::set`].
//!
//! Not here: `ZMQ_SUBSCRIBE`/`ZMQ_UNSUBSCRIBE` (subscriptions are state, not
//! settings), the receive allocator (set on the socket), and the libzmq
//! options no socket type here needs yet (TCP keepalive, GSSAPI, the
//! draft options). This module does not apply settings to live connections
//! and does not know which socket types an option applies to beyond
//! [`SocketOption::applies_to`]; the socket decides when each takes effect
//! (libzmq: most at the next bind or connect; LINGER, HWMs, REQ_*, ROUTER_*
//! and XPUB_* at once).
//!
//! One file per job: [`SocketOption`] names one setting and its libzmq name
//! (`socket_option.rs`); [`Options`] stores a socket's settings with libzmq's
//! defaults and getters (`store.rs`); the range checks that `set` applies
//! are in `range.rs`; [`RoutingId`] holds the routing-id rules
//! (`routing_id.rs`) and [`OptionError`] says why a setting was refused
//! (`error.rs`); the security settings and their libzmq rules (which
//! option picks the mechanism) are in `security.rs`.

use std::time::Duration;

mod error;
mod range;
mod routing_id;
mod security;
mod socket_option;
mod store;

pub use error::OptionError;
pub use routing_id::RoutingId;
pub use security::{SecurityError, SecurityMechanism};
pub use socket_option::SocketOption;
pub use store::Options;

/// The largest value of libzmq's `int` options, as a count.
const INT_MAX: u64 = i32::MAX as u64;

/// The longest duration any option takes: libzmq's `int` of milliseconds.
pub const MAX_DURATION: Duration = Duration::from_millis(INT_MAX);

/// The longest `ZMQ_HEARTBEAT_TTL`: 2^16 - 1 deciseconds, as the 16-bit TTL
/// field of PING carries it (RFC 37 §Connection Heartbeating), written in ms
/// as libzmq's docs do (6553599 ms).
pub const MAX_HEARTBEAT_TTL: Duration = Duration::from_millis(6_553_599);

/// The shortest `ZMQ_HEARTBEAT_TTL` that means something: the PING field
/// counts whole deciseconds, and libzmq rounds down, so less is 0 (none).
pub const MIN_HEARTBEAT_TTL: Duration = Duration::from_millis(100);
