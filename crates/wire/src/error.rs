//! The error types, one per operation: greeting ([`GreetingError`]), frame
//! decoding ([`FrameError`]), command and metadata parsing ([`CommandError`],
//! [`MetadataError`]), the mechanism handshake ([`HandshakeError`]), a whole
//! connection ([`ConnectionError`]), a CURVE MESSAGE ([`MessageError`]), sending ([`SendError`]) and configuration
//! ([`ConfigError`]).
//!
//! Every error a peer can cause says what was wrong and where (a byte offset
//! or the stage). Display and Error are written by hand (no `thiserror` below
//! the socket layer, a house rule that keeps this crate's dependencies at
//! none but our own). Nothing here decides what to do about an
//! error; the connection closes, the socket layer reconnects or not.

use core::fmt;

use ferrozmq_alloc::AllocError;
use ferrozmq_msg::Msg;

use crate::SocketType;
use crate::greeting::MechanismName;

/// Writes `bytes` as escaped ASCII, at most 64 of them.
struct Escaped<'a>(&'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 64;
        for &b in self.0.iter().take(SHOWN) {
            for c in core::ascii::escape_default(b) {
                fmt::Write::write_char(f, char::from(c))?;
            }
        }
        if self.0.len() > SHOWN {
            f.write_str("...")?;
        }
        Ok(())
    }
}

/// The peer's greeting was refused (RFC 37 §Version Negotiation). Offsets count
/// from the first byte the peer sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GreetingError {
    /// The signature is not ZMTP 3's: the first byte is not `0xFF`, or the low
    /// bit of byte 9 is clear (RFC 37 §Detecting ZMTP 1.0 and 2.0 Peers). That
    /// is a ZMTP 1.0 peer, or no ZMTP peer at all (an HTTP client, garbage). We
    /// do not downgrade.
    Zmtp10 {
        /// Where the tell-tale byte is (0 or 9).
        offset: usize,
        /// Its value.
        byte: u8,
    },
    /// The peer's major version (byte 10) is below 3: `0x01` is ZMTP 2.0
    /// (libzmq 3.x), `0x00` an older revision. We do not downgrade.
    UnsupportedVersion {
        /// The peer's byte 10.
        major: u8,
    },
    /// The peer's 20-byte mechanism field differs from ours. libzmq closes
    /// without sending ERROR in this case, and so do we (RFC 37 §Authentication
    /// and Confidentiality: "it MUST close the connection").
    MechanismMismatch {
        /// Our mechanism.
        ours: MechanismName,
        /// The peer's mechanism field, as received.
        peer: MechanismName,
    },
}

impl fmt::Display for GreetingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GreetingError::Zmtp10 { offset: 0, byte } => write!(
                f,
                "greeting: byte 0 is {byte:#04x}, a ZMTP 3 greeting starts with 0xff (a ZMTP 1.0 peer, which is not supported, or not ZMTP at all)"
            ),
            GreetingError::Zmtp10 { offset, byte } => write!(
                f,
                "greeting: byte {offset} is {byte:#04x}, its low bit must be set in a ZMTP 3 signature (a ZMTP 1.0 peer, which is not supported, or not ZMTP at all)"
            ),
            GreetingError::UnsupportedVersion { major } => write!(
                f,
                "greeting: peer's major version is {major} (ZMTP 2.0 or older), at least 3 is required"
            ),
            GreetingError::MechanismMismatch { ours, peer } => {
                write!(
                    f,
                    "greeting: mechanism mismatch, we use {ours} and the peer {peer}"
                )
            }
        }
    }
}

impl std::error::Error for GreetingError {}

/// A frame header the decoder refuses (RFC 37 §Framing). `offset` is the
/// position of the frame's flags byte, counted from the first byte after the
/// greeting.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// A long frame announced a size of 2^63 or more (or more than this
    /// platform's address space). Such a size is never trusted: nothing is
    /// allocated.
    InvalidSize {
        /// Where the frame starts.
        offset: u64,
        /// The announced size.
        size: u64,
    },
    /// The announced size is above the configured maximum (libzmq
    /// `ZMQ_MAXMSGSIZE`, checked per frame as libzmq's `v2_decoder` does, or the
    /// command size limit). Checked before any allocation.
    TooLarge {
        /// Where the frame starts.
        offset: u64,
        /// The announced size.
        size: u64,
        /// The limit it broke.
        max: u64,
        /// Whether the frame was a command (the command limit applies).
        command: bool,
    },
    /// A command frame has the MORE bit set; commands are always single
    /// frames (RFC 37 §Framing: "This bit SHALL be zero on command frames").
    CommandWithMore {
        /// Where the frame starts.
        offset: u64,
        /// The flags byte.
        flags: u8,
    },
    /// A command frame arrived between the frames of one message, which the
    /// protocol forbids (RFC 37 §Formal Grammar: traffic is whole commands and
    /// whole messages).
    CommandInsideMessage {
        /// Where the command frame starts.
        offset: u64,
    },
    /// The receive allocator refused the body for good (too large for it, or
    /// its memory source failed). Exhaustion is not an error: it is reported
    /// as [`Decoded::Blocked`](crate::Decoded::Blocked).
    Alloc {
        /// Where the frame starts.
        offset: u64,
        /// The allocator's answer.
        error: AllocError,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::InvalidSize { offset, size } => {
                write!(
                    f,
                    "frame at offset {offset}: announced size {size} is not a valid frame size"
                )
            }
            FrameError::TooLarge {
                offset,
                size,
                max,
                command,
            } => write!(
                f,
                "frame at offset {offset}: {} of {size} bytes exceeds the maximum of {max}",
                if *command { "command" } else { "frame" }
            ),
            FrameError::CommandWithMore { offset, flags } => {
                write!(
                    f,
                    "frame at offset {offset}: command with MORE set (flags {flags:#04x})"
                )
            }
            FrameError::CommandInsideMessage { offset } => write!(
                f,
                "frame at offset {offset}: command between the frames of a multi-part message"
            ),
            FrameError::Alloc { offset, error } => {
                write!(
                    f,
                    "frame at offset {offset}: cannot allocate the body: {error}"
                )
            }
        }
    }
}

impl std::error::Error for FrameError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FrameError::Alloc { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Metadata (a READY or INITIATE property list, RFC 37 §Connection Metadata)
/// that does not parse. Offsets count from the first byte of the property list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetadataError {
    /// A property name runs past the end of the list.
    NameTruncated {
        /// Where the name-length byte is.
        offset: usize,
        /// The announced name length.
        len: u8,
        /// How many bytes were left after the length byte.
        available: usize,
    },
    /// Fewer than the 4 bytes of a value length are left after a name.
    ValueLengthTruncated {
        /// Where the value length should start.
        offset: usize,
        /// How many bytes were left.
        available: usize,
    },
    /// A property value runs past the end of the list.
    ValueTruncated {
        /// Where the value length is.
        offset: usize,
        /// The announced value length.
        len: u32,
        /// How many bytes were left after the value length.
        available: usize,
    },
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetadataError::NameTruncated {
                offset,
                len,
                available,
            } => write!(
                f,
                "metadata at offset {offset}: property name of {len} bytes but only {available} left"
            ),
            MetadataError::ValueLengthTruncated { offset, available } => write!(
                f,
                "metadata at offset {offset}: value length needs 4 bytes but only {available} left"
            ),
            MetadataError::ValueTruncated {
                offset,
                len,
                available,
            } => write!(
                f,
                "metadata at offset {offset}: value of {len} bytes but only {available} left"
            ),
        }
    }
}

impl std::error::Error for MetadataError {}

/// A command frame whose body does not parse (RFC 37 §Commands).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandError {
    /// The command frame is empty: not even a name length.
    Empty,
    /// The name length byte is larger than what follows it (libzmq
    /// `process_command_message`: "malformed command").
    NameTruncated {
        /// The announced name length.
        len: u8,
        /// How many bytes follow the length byte.
        available: usize,
    },
    /// PING without its 2-byte TTL (RFC 37 §Connection Heartbeating).
    PingTruncated {
        /// Bytes of data after the name.
        len: usize,
    },
    /// ERROR whose reason length is missing or larger than what follows
    /// (libzmq `process_error`).
    ErrorTruncated {
        /// Bytes of data after the name.
        len: usize,
    },
    /// READY whose metadata does not parse.
    Metadata {
        /// The command (`READY`).
        command: &'static str,
        /// What is wrong with the property list.
        error: MetadataError,
    },
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Empty => f.write_str("command: empty command frame"),
            CommandError::NameTruncated { len, available } => write!(
                f,
                "command: name of {len} bytes but only {available} bytes in the frame"
            ),
            CommandError::PingTruncated { len } => {
                write!(f, "command PING: {len} bytes of data, the TTL needs 2")
            }
            CommandError::ErrorTruncated { len } => {
                write!(
                    f,
                    "command ERROR: reason length runs past the {len} bytes of data"
                )
            }
            CommandError::Metadata { command, error } => write!(f, "command {command}: {error}"),
        }
    }
}

impl std::error::Error for CommandError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CommandError::Metadata { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// The mechanism handshake failed (RFC 37 §The NULL Security Mechanism).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The peer sent ERROR: fatal, and per the RFC the connecting side must
    /// not retry with the same credentials (RFC 37 §Error Handling).
    PeerError {
        /// The peer's reason (0-255 bytes, normally printable ASCII).
        reason: Vec<u8>,
    },
    /// A command the mechanism does not expect at this point: the handshake
    /// grammar admits only its own commands (RFC 37 §The NULL Security
    /// Mechanism: `null = ready *message | error`).
    UnexpectedCommand {
        /// The command name.
        name: Vec<u8>,
    },
    /// A data frame arrived before the handshake completed.
    UnexpectedMessage,
    /// A handshake command did not parse.
    Malformed(CommandError),
    /// The peer's READY has no `Socket-Type` property. libzmq tolerates
    /// this; we do not, because the socket type check cannot be made
    /// without it.
    MissingSocketType,
    /// The peer's `Socket-Type` names no type we know. We sent ERROR.
    UnknownSocketType {
        /// The value received.
        name: Vec<u8>,
    },
    /// The peer's socket type may not talk to ours (RFC 37 §The Socket-Type
    /// Property). We sent ERROR.
    IncompatibleSocketType {
        /// Our type.
        ours: SocketType,
        /// The peer's type.
        peer: SocketType,
    },
    /// The peer's `Identity` is longer than 255 bytes (RFC 37 §The Identity
    /// Property: 0 to 255 octets). No libzmq peer sends one (its
    /// ZMQ_ROUTING_ID is at most 255 bytes), though libzmq does not check
    /// what it receives. We sent ERROR.
    IdentityTooLong {
        /// The identity's length.
        len: usize,
    },
    /// A PLAIN or CURVE command whose body has the wrong size or layout for
    /// its name (RFC 24, RFC 26 grammars; libzmq's
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_*`): a CURVE HELLO that is
    /// not 200 bytes, a WELCOME that is not 168, an INITIATE under 257, a
    /// READY under 30, a PLAIN HELLO whose lengths do not add up.
    MalformedCommand {
        /// The command.
        command: &'static str,
        /// Its body's length, name included.
        len: usize,
    },
    /// A CURVE HELLO announcing a CurveZMQ version other than 1.0 (RFC 26
    /// §The HELLO Command).
    UnsupportedVersion {
        /// The major version.
        major: u8,
        /// The minor version.
        minor: u8,
    },
    /// A CURVE box did not open: the peer used other keys than expected, or
    /// the command was corrupted or forged (libzmq
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`). A HELLO box that does not
    /// open usually means the client has the wrong server key; a cookie that
    /// does not open, an INITIATE not made for this handshake.
    Cryptographic {
        /// The command carrying the box.
        command: &'static str,
        /// Which box: `signature`, `box`, `cookie` or `vouch`.
        part: &'static str,
    },
    /// The vouch in a CURVE INITIATE opened but does not name this
    /// connection's transient key and our server key (RFC 26 §The INITIATE
    /// Command; libzmq `ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE`).
    VouchMismatch,
    /// Our authenticator refused the client
    /// ([`AuthDecision::Refuse`](crate::AuthDecision::Refuse)). For a status
    /// other than 3xx an ERROR carrying the status code was queued for the
    /// peer.
    AuthRefused {
        /// The ZAP status code given.
        status_code: u16,
        /// The reason given (not sent to the peer).
        reason: String,
    },
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::PeerError { reason } => {
                write!(f, "handshake: peer sent ERROR \"{}\"", Escaped(reason))
            }
            HandshakeError::UnexpectedCommand { name } => {
                write!(f, "handshake: unexpected command \"{}\"", Escaped(name))
            }
            HandshakeError::UnexpectedMessage => {
                f.write_str("handshake: message frame before the handshake completed")
            }
            HandshakeError::Malformed(e) => write!(f, "handshake: {e}"),
            HandshakeError::MissingSocketType => {
                f.write_str("handshake: peer's READY has no Socket-Type property")
            }
            HandshakeError::UnknownSocketType { name } => {
                write!(
                    f,
                    "handshake: unknown peer socket type \"{}\"",
                    Escaped(name)
                )
            }
            HandshakeError::IncompatibleSocketType { ours, peer } => {
                write!(f, "handshake: a {ours} socket cannot talk to a {peer} peer")
            }
            HandshakeError::IdentityTooLong { len } => write!(
                f,
                "handshake: peer's identity of {len} bytes, at most 255 are allowed"
            ),
            HandshakeError::MalformedCommand { command, len } => {
                write!(f, "handshake: malformed {command} of {len} bytes")
            }
            HandshakeError::UnsupportedVersion { major, minor } => {
                write!(
                    f,
                    "handshake: CurveZMQ version {major}.{minor}, only 1.0 is known"
                )
            }
            HandshakeError::Cryptographic { command, part } => write!(
                f,
                "handshake: the {part} of {command} does not open (wrong key, or corrupted)"
            ),
            HandshakeError::VouchMismatch => {
                f.write_str("handshake: INITIATE's vouch names another transient key or server key")
            }
            HandshakeError::AuthRefused {
                status_code,
                reason,
            } => write!(
                f,
                "handshake: authentication refused with status {status_code} ({reason})"
            ),
        }
    }
}

impl std::error::Error for HandshakeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HandshakeError::Malformed(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a [`Connection`](crate::Connection) failed. After any of these the
/// connection is dead: flush what [`poll_transmit`](crate::Connection::poll_transmit)
/// still offers (it may hold an ERROR command for the peer) and close.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The greeting was refused.
    Greeting(GreetingError),
    /// The mechanism handshake failed.
    Handshake(HandshakeError),
    /// A frame header was refused (during the handshake or after it).
    Frame(FrameError),
    /// A command after the handshake did not parse (libzmq closes on a
    /// malformed command too).
    Command(CommandError),
    /// The greeting and handshake did not finish within the configured time
    /// (libzmq `ZMQ_HANDSHAKE_IVL`).
    HandshakeTimeout,
    /// Nothing arrived within the heartbeat timeout after our PING (libzmq
    /// `ZMQ_HEARTBEAT_TIMEOUT`).
    HeartbeatTimeout,
    /// Nothing arrived within the TTL the peer asked for in its PING
    /// (RFC 37 §Connection Heartbeating).
    TtlExpired,
    /// A CURVE MESSAGE was refused after the handshake.
    Message(MessageError),
    /// The connection had already failed; this call did nothing.
    Closed,
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionError::Greeting(e) => e.fmt(f),
            ConnectionError::Handshake(e) => e.fmt(f),
            ConnectionError::Frame(e) => e.fmt(f),
            ConnectionError::Command(e) => write!(f, "traffic: {e}"),
            ConnectionError::HandshakeTimeout => f.write_str("handshake did not complete in time"),
            ConnectionError::HeartbeatTimeout => {
                f.write_str("no traffic from the peer after our PING")
            }
            ConnectionError::TtlExpired => {
                f.write_str("no traffic from the peer within its PING's TTL")
            }
            ConnectionError::Message(e) => e.fmt(f),
            ConnectionError::Closed => f.write_str("the connection has already failed"),
        }
    }
}

impl std::error::Error for ConnectionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConnectionError::Greeting(e) => Some(e),
            ConnectionError::Handshake(e) => Some(e),
            ConnectionError::Frame(e) => Some(e),
            ConnectionError::Command(e) => Some(e),
            ConnectionError::Message(e) => Some(e),
            _ => None,
        }
    }
}

impl From<GreetingError> for ConnectionError {
    fn from(e: GreetingError) -> Self {
        ConnectionError::Greeting(e)
    }
}

impl From<HandshakeError> for ConnectionError {
    fn from(e: HandshakeError) -> Self {
        ConnectionError::Handshake(e)
    }
}

impl From<FrameError> for ConnectionError {
    fn from(e: FrameError) -> Self {
        ConnectionError::Frame(e)
    }
}

impl From<MessageError> for ConnectionError {
    fn from(e: MessageError) -> Self {
        ConnectionError::Message(e)
    }
}

/// A frame of an encrypted (CURVE) connection that is not a valid MESSAGE
/// (RFC 26 §The MESSAGE Command; libzmq `curve_encoding_t::decode`). Any of
/// these closes the connection: a replayed, reordered or forged message is
/// never delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageError {
    /// A frame that is not a MESSAGE command (libzmq
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND`).
    NotMessage,
    /// A MESSAGE shorter than its 33-byte minimum (name, nonce, tag and
    /// the flags byte).
    TooShort {
        /// Its length.
        len: usize,
    },
    /// The short nonce is not larger than the previous one: a replayed or
    /// reordered message (libzmq `ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE`).
    NonceNotIncreasing {
        /// The nonce received.
        nonce: u64,
        /// The last nonce accepted.
        last: u64,
    },
    /// The box does not open: corrupted or forged (libzmq
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`).
    Forged {
        /// The message's nonce.
        nonce: u64,
    },
    /// A command (inner COMMAND flag) between the frames of a multi-part
    /// message, or with MORE set.
    CommandInsideMessage,
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageError::NotMessage => f.write_str("CURVE: a frame that is not a MESSAGE command"),
            MessageError::TooShort { len } => {
                write!(f, "CURVE: MESSAGE of {len} bytes, at least 33 are needed")
            }
            MessageError::NonceNotIncreasing { nonce, last } => write!(
                f,
                "CURVE: MESSAGE nonce {nonce} after {last} (replayed or reordered)"
            ),
            MessageError::Forged { nonce } => {
                write!(
                    f,
                    "CURVE: MESSAGE with nonce {nonce} does not open (forged or corrupted)"
                )
            }
            MessageError::CommandInsideMessage => {
                f.write_str("CURVE: command inside a multi-part message")
            }
        }
    }
}

impl std::error::Error for MessageError {}

/// A message could not be queued; it is handed back untouched
/// (crossbeam's `TrySendError` pattern).
#[derive(PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// The handshake has not completed yet (RFC 37 §The NULL Security
    /// Mechanism: a peer may send messages "having both sent and received a
    /// READY command").
    HandshakeIncomplete(Msg),
    /// The connection has failed.
    Closed(Msg),
}

impl SendError {
    /// The message that was not sent.
    pub fn into_msg(self) -> Msg {
        match self {
            SendError::HandshakeIncomplete(m) | SendError::Closed(m) => m,
        }
    }
}

impl fmt::Debug for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::HandshakeIncomplete(_) => f.write_str("HandshakeIncomplete(..)"),
            SendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::HandshakeIncomplete(_) => {
                f.write_str("cannot send before the handshake completes")
            }
            SendError::Closed(_) => f.write_str("cannot send on a failed connection"),
        }
    }
}

impl std::error::Error for SendError {}

/// A [`Config`](crate::Config) or [`Metadata`](crate::Metadata) value that
/// cannot go on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The identity is longer than 255 bytes (RFC 37 §The Identity Property).
    IdentityTooLong {
        /// Its length.
        len: usize,
    },
    /// A property name is empty, longer than 255 bytes, or has a character
    /// outside letters, digits, `-`, `_`, `.`, `+` (RFC 37 §The NULL Security
    /// Mechanism grammar).
    InvalidPropertyName {
        /// The name.
        name: String,
    },
    /// A property value is longer than 2^31 - 1 bytes (RFC 37 §The NULL
    /// Security Mechanism).
    PropertyValueTooLong {
        /// Its length.
        len: usize,
    },
    /// A PLAIN username or password longer than 255 bytes (RFC 24 §The
    /// HELLO Command).
    CredentialTooLong {
        /// `username` or `password`.
        field: &'static str,
        /// Its length.
        len: usize,
    },
    /// A CURVE client's public key is not the public key of its secret key
    /// (the server would refuse the vouch).
    CurveKeyMismatch,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::IdentityTooLong { len } => {
                write!(f, "identity of {len} bytes, at most 255 are allowed")
            }
            ConfigError::InvalidPropertyName { name } => {
                write!(f, "invalid property name {name:?}")
            }
            ConfigError::PropertyValueTooLong { len } => {
                write!(
                    f,
                    "property value of {len} bytes, at most 2^31-1 are allowed"
                )
            }
            ConfigError::CredentialTooLong { field, len } => {
                write!(f, "PLAIN {field} of {len} bytes, at most 255 are allowed")
            }
            ConfigError::CurveKeyMismatch => {
                f.write_str("CURVE public key does not belong to the secret key")
            }
        }
    }
}

impl std::error::Error for ConfigError {}
