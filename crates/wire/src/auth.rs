//! The authentication hook of a PLAIN or CURVE server: the handshake pauses
//! with an [`AuthRequest`] (what a ZAP handler is given, RFC 27 §Request
//! Format, less what only the socket knows: domain, peer address, request
//! id) and resumes with the caller's [`AuthDecision`] (RFC 27 §Reply
//! Format: status code, user id, metadata). Nothing blocks: the request is
//! an [`Event`](crate::Event) and the decision goes in through
//! [`Connection::handle_auth`](crate::Connection::handle_auth).
//!
//! A connection asks only when [`Config::authenticate`](crate::Config::authenticate)
//! is set; otherwise the server accepts every client, like libzmq's CURVE
//! server without a ZAP handler (the "Stonehouse" pattern).

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::greeting::MechanismName;
use crate::key::CurveKey;
use crate::metadata::Metadata;

/// A PLAIN password: zeroed on drop, never printed by `Debug`, compared in
/// constant time (for a given length).
#[derive(Clone)]
pub struct Password(Vec<u8>);

impl PartialEq for Password {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for Password {}

impl Password {
    /// The password whose bytes are `bytes` (at most 255 go on the wire).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// Its bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Self(s.as_bytes().to_vec())
    }
}

impl From<&[u8]> for Password {
    fn from(b: &[u8]) -> Self {
        Self(b.to_vec())
    }
}

impl From<Vec<u8>> for Password {
    fn from(b: Vec<u8>) -> Self {
        Self(b)
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

/// What a client presented, by mechanism (RFC 27 §Request Format, the
/// credentials frames).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// PLAIN's HELLO (RFC 24 §The HELLO Command).
    Plain {
        /// The username (0-255 bytes).
        username: Vec<u8>,
        /// The password (0-255 bytes).
        password: Password,
    },
    /// CURVE's INITIATE: the client's long-term public key, proved by its
    /// vouch (RFC 26 §The INITIATE Command).
    Curve {
        /// The client's long-term public key C.
        client_key: CurveKey,
    },
    /// NULL: no credentials (a ZAP request for NULL has no credential
    /// frames).
    Null,
}

/// A server handshake waiting for an authentication decision, from
/// [`Event::AuthRequest`](crate::Event::AuthRequest).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthRequest {
    /// The mechanism (`NULL`, `PLAIN` or `CURVE`), as a ZAP request names
    /// it.
    pub mechanism: MechanismName,
    /// The client's credentials.
    pub credentials: Credentials,
}

/// The answer to an [`AuthRequest`], given to
/// [`Connection::handle_auth`](crate::Connection::handle_auth).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthDecision {
    /// Accepted (ZAP status 200): the handshake goes on.
    Accept {
        /// The user id (ZAP's, libzmq's `User-Id` message property), kept in
        /// [`PeerInfo::user_id`](crate::PeerInfo::user_id).
        user_id: Vec<u8>,
        /// Properties the authenticator attaches to the connection (ZAP
        /// reply metadata), kept in
        /// [`PeerInfo::auth_properties`](crate::PeerInfo::auth_properties).
        properties: Metadata,
    },
    /// Refused. The connection fails with
    /// [`HandshakeError::AuthRefused`](crate::HandshakeError::AuthRefused).
    /// As libzmq's `zap_client_common_handshake_t` does, a 3xx status
    /// (temporary failure) sends the peer nothing, and the connection
    /// closes (libzmq 4.3 leaves it open and silent until a handshake
    /// timer ends it); any other
    /// status sends ERROR whose reason is the three digits (`400`), which
    /// tells the client not to retry with the same credentials.
    Refuse {
        /// The ZAP status code: 300, 400 or 500 (others outside 300-599
        /// are sent as 500).
        status_code: u16,
        /// Why, for our logs (ZAP status text); not sent to the peer.
        reason: String,
    },
}

impl AuthDecision {
    /// Accepts with `user_id` and no properties.
    pub fn accept(user_id: impl Into<Vec<u8>>) -> Self {
        AuthDecision::Accept {
            user_id: user_id.into(),
            properties: Metadata::new(),
        }
    }

    /// Refuses with ZAP status 400 (authentication failure) and `reason`.
    pub fn refuse(reason: impl Into<String>) -> Self {
        AuthDecision::Refuse {
            status_code: 400,
            reason: reason.into(),
        }
    }
}
