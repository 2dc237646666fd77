//! ZMTP 3.x as a sans-IO state machine: greeting, the NULL, PLAIN and CURVE
//! handshakes, framing, a zero-copy encoder and a decoder that receives
//! straight into the socket's allocator.
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
//! | [`Mechanism`] | the security mechanism with its role and credentials: NULL, PLAIN (RFC 24), CURVE (RFC 25/26) |
//! | [`CurveKey`], [`CurveKeyPair`], [`z85_encode`], [`z85_decode`] | CURVE keys and their Z85 text form (RFC 32) |
//! | [`AuthRequest`], [`AuthDecision`], [`Credentials`] | a PLAIN/CURVE server's authentication pause (what ZAP, RFC 27, decides) |
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
//! # Security mechanisms
//!
//! [`Config::mechanism`] picks the mechanism and the role:
//!
//! - [`Mechanism::PlainClient`] / [`Mechanism::PlainServer`] (RFC 24):
//!   username and password in clear, then plain framing. No confidentiality.
//! - [`Mechanism::CurveClient`] / [`Mechanism::CurveServer`] (RFC 25, RFC 26
//!   CurveZMQ): the client must know the server's public key; both sides
//!   prove their long-term keys, and every frame after the handshake travels
//!   encrypted and authenticated in a MESSAGE command. A CURVE [`Connection`]
//!   is used exactly like a NULL one: [`Connection::send`] takes plain
//!   [`Msg`](ferrozmq_msg::Msg) frames and [`Event::Message`] gives them
//!   back; the encoder seals each frame as it writes it, the connection
//!   opens each one as it arrives. A replayed, reordered or forged MESSAGE
//!   fails the connection with [`MessageError`].
//!
//! Byte layouts are libzmq's (`plain_client.cpp`, `plain_server.cpp`,
//! `curve_client_tools.hpp`, `curve_server.cpp`, `curve_mechanism_base.cpp`),
//! and were checked against libzmq 4.3.5 in both roles. The role comes from
//! the mechanism, never from the greeting's as-server byte (libzmq sends 0).
//!
//! Authentication: with [`Config::authenticate`], a PLAIN server (after
//! HELLO) or CURVE server (after a valid INITIATE) pauses with
//! [`Event::AuthRequest`] carrying the username and password or the
//! client's public key, and resumes when [`Connection::handle_auth`] is given
//! an [`AuthDecision`]: accepted with a user id (in [`PeerInfo::user_id`]),
//! or refused with a ZAP status code, sent to the client in ERROR (3xx:
//! closed silently), as libzmq does with a ZAP handler. Nothing blocks:
//! the socket layer can ask a ZAP handler (RFC 27) or a callback and answer
//! later. Without it every client is accepted, as libzmq's CURVE server
//! without a ZAP handler does; note that libzmq's PLAIN server instead
//! refuses everyone then.
//!
//! ```
//! use std::io::IoSlice;
//! use std::sync::Arc;
//! use std::time::Instant;
//! use ferrozmq_alloc::{Heap, RecvAllocator};
//! use ferrozmq_msg::Msg;
//! use ferrozmq_wire::{AuthDecision, Config, Connection, Credentials, CurveKeyPair, Event, Mechanism, SocketType};
//!
//! let alloc: Arc<dyn RecvAllocator> = Arc::new(Heap);
//! let (server_keys, client_keys) = (CurveKeyPair::generate(), CurveKeyPair::generate());
//! let mut sc = Config::new(SocketType::Router, alloc.clone());
//! sc.mechanism = Mechanism::CurveServer { secret: server_keys.secret };
//! sc.authenticate = true;
//! let mut cc = Config::new(SocketType::Dealer, alloc);
//! cc.mechanism = Mechanism::CurveClient {
//!     public: client_keys.public.clone(),
//!     secret: client_keys.secret,
//!     server_key: server_keys.public,
//! };
//! let now = Instant::now();
//! let (mut server, mut client) = (Connection::new(sc, now)?, Connection::new(cc, now)?);
//!
//! fn pump(from: &mut Connection, to: &mut Connection, now: Instant) -> Vec<Event> {
//!     let mut iov = [IoSlice::new(&[]); 8];
//!     let n = from.poll_transmit(&mut iov);
//!     let bytes: Vec<u8> = iov[..n].iter().flat_map(|s| s.iter().copied()).collect();
//!     from.advance(bytes.len());
//!     to.handle_input(&bytes, now).unwrap();
//!     std::iter::from_fn(|| to.poll_event()).collect()
//! }
//! let mut events = Vec::new();
//! for _ in 0..4 {
//!     events.extend(pump(&mut client, &mut server, now));
//!     pump(&mut server, &mut client, now);
//! }
//! // The server waits for our decision on the client's key.
//! let Some(Event::AuthRequest(request)) = events.pop() else { panic!() };
//! assert_eq!(request.credentials, Credentials::Curve { client_key: client_keys.public });
//! server.handle_auth(AuthDecision::accept("alice"), now)?;
//! pump(&mut server, &mut client, now);
//! assert!(client.is_established() && server.is_established());
//!
//! client.send(Msg::from_static(b"secret"))?;
//! let events = pump(&mut client, &mut server, now);
//! // The server's own HandshakeComplete (queued by `handle_auth`), then the
//! // message, decrypted.
//! assert!(matches!(&events[..], [Event::HandshakeComplete(p), Event::Message(m)]
//!     if p.user_id == b"alice" && &m[..] == b"secret"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
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

/// Fuzzing builds only (`--cfg fuzzing`): rewinds this thread's
/// deterministic CURVE randomness, so a fuzz input replays exactly. The
/// CURVE fuzz targets call it first thing for every input.
#[cfg(fuzzing)]
#[doc(hidden)]
pub use mechanism::curve::reset_rng as reset_fuzzing_rng;
