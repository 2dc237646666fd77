//! ZMTP 3.x as a sans-IO state machine: greeting, NULL handshake, framing,
//! a zero-copy encoder and a decoder that receives straight into the
//! socket's allocator.
//!
//! Like quinn-proto and rustls, nothing here does I/O, spawns threads or reads
//! a clock: inputs are `handle_*` calls (bytes read, the current time, messages
//! to send), outputs are `poll_*` calls (bytes to write, events, the next
//! deadline). That makes every path deterministic to test and fuzzable, and
//! usable from sync and async code alike. Protocol rules follow RFC 23
//! (ZMTP 3.0) and RFC 37 (ZMTP 3.1) at rfc.zeromq.org, and libzmq's actual
//! behaviour where they differ. The RFCs do not number their sections, so
//! comments cite them by heading ("RFC 37 §Framing") and cite libzmq by the
//! public name of the class or function. The crate has no `unsafe` code.
//!
//! # Layers
//!
//! | item | job |
//! | --- | --- |
//! | [`Connection`], [`Config`], [`Event`] | one connection from the first greeting byte to traffic |
//! | [`Greeting`], [`ZmtpVersion`], [`MechanismName`] | the 64-byte greeting (staged as libzmq does), version negotiation |
//! | [`Mechanism`] | the security mechanism; NULL today, PLAIN/CURVE to come behind the same seam |
//! | [`Encoder`] | queued frames to a gather list of `IoSlice`s: small frames batched, large bodies referenced, never copied |
//! | [`Decoder`] | bytes to frames; sizes checked before allocating; large bodies read in place |
//! | [`Command`], [`Metadata`] | command bodies (READY, ERROR, SUBSCRIBE, CANCEL, PING, PONG) and property lists |
//! | [`SocketType`] | type names and the compatibility matrix (RFC 37 §The Socket-Type Property) |
//!
//! # Driving a connection
//!
//! ```text
//! let mut conn = Connection::new(config, now)?;      // queues our signature
//! loop {
//!     // write: one writev per round
//!     let n = conn.poll_transmit(&mut iov);  let w = sock.write_vectored(&iov[..n])?;  conn.advance(w);
//!     // read: into the read buffer, or straight into a large body
//!     if let Some(body) = conn.body_mut() { /* read into body.spare_capacity_mut(), set_len */ }
//!     let progress = conn.handle_input(&buf[..r], now)?;   // consumed, or blocked on the allocator
//!     while let Some(event) = conn.poll_event() { /* HandshakeComplete, Message, Subscribe, ... */ }
//!     conn.handle_timeout(now)?;  // at conn.poll_timeout()
//! }
//! ```
//!
//! # Guarantees on peer input
//!
//! Every malformed input is a typed error ([`ConnectionError`] and the
//! per-stage errors it wraps) saying what was wrong and where, never a
//! panic. No allocation is sized by the peer beyond the configured maximum:
//! a frame's announced size is checked against [`Config::max_msg_size`] (or
//! the command limit) before the allocator is asked, and sizes of 2^63 or
//! more are refused outright. An exhausted [`RecvAllocator`](ferrozmq_alloc::RecvAllocator)
//! is back-pressure ([`Progress::blocked`], [`Decoded::Blocked`]), not an
//! error.
//!
//! # Steady state
//!
//! Once the queues and the batch buffer have grown to their working size,
//! sending and receiving a message allocates nothing on the heap, except the
//! receive allocator's one block for a body that does not fit inline in a
//! [`Msg`](ferrozmq_msg::Msg).

#![forbid(unsafe_code)]

mod auth;
mod command;
mod connection;
mod decoder;
mod encoder;
mod error;
mod frame;
mod greeting;
mod key;
mod mechanism;
mod metadata;
mod socket_type;
mod sync;
mod z85;

pub use auth::{AuthDecision, AuthRequest, Credentials, Password};
pub use command::{Command, MAX_PING_CONTEXT, ready_msg, subscription_msg};
pub use connection::{Config, Connection, Event, MAX_PENDING_EVENTS, PeerInfo, Progress};
pub use decoder::{Decoded, Decoder, DecoderConfig};
pub use encoder::{Encoder, EncoderConfig};
pub use error::{
    CommandError, ConfigError, ConnectionError, FrameError, GreetingError, HandshakeError,
    MessageError, MetadataError, SendError,
};
pub use frame::{
    FLAG_COMMAND, FLAG_LONG, FLAG_MORE, MAX_FRAME_SIZE, MAX_HEADER_LEN, SHORT_MAX,
    encode_frame_header,
};
pub use greeting::{
    GREETING_LEN, Greeting, MECHANISM_LEN, MechanismName, SIGNATURE_LEN, ZmtpVersion,
};
pub use key::{CURVE_KEY_LEN, CURVE_KEY_Z85_LEN, CurveKey, CurveKeyPair, KeyError};
pub use mechanism::Mechanism;
pub use metadata::{IDENTITY, Metadata, Property, SOCKET_TYPE};
pub use socket_type::SocketType;
pub use z85::{Z85Error, z85_decode, z85_encode};
