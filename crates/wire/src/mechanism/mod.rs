//! The mechanism seam (RFC 37 §Authentication and Confidentiality, RFC 24,
//! RFC 25): [`Mechanism`] picks one, and the crate-private `Handshake` trait
//! is what the connection drives, so PLAIN and CURVE can be added beside NULL
//! without touching framing or the connection's phases.
//!
//! A mechanism sees only the command frames that arrive between the greeting
//! and the end of its handshake, and queues its own commands on the encoder.
//! Shared here: the local READY metadata and the check of the peer's
//! metadata (socket type compatibility, identity). Only NULL exists today;
//! CURVE will also need a per-frame transform for its MESSAGE phase, which
//! will be a second method on the same trait.

mod null;

pub(crate) use null::NullHandshake;

use core::fmt;

use crate::SocketType;
use crate::command::Command;
use crate::encoder::Encoder;
use crate::error::HandshakeError;
use crate::greeting::MechanismName;
use crate::metadata::{self, Metadata};

/// The security mechanism a connection uses. Both sides must use the same
/// one; the greeting carries its name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mechanism {
    /// No security: each side sends READY with its metadata (RFC 23/37).
    Null,
}

impl Mechanism {
    /// The name in the greeting's mechanism field.
    pub fn name(&self) -> MechanismName {
        match self {
            Mechanism::Null => MechanismName::NULL,
        }
    }
}

/// What a completed handshake learned about the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Peer {
    pub(crate) socket_type: SocketType,
    pub(crate) identity: Vec<u8>,
    pub(crate) metadata: Metadata,
}

/// One connection's handshake for one mechanism.
pub(crate) trait Handshake: Send + Sync + fmt::Debug {
    /// The greeting exchange is complete: queue the first commands.
    fn start(&mut self, out: &mut Encoder);

    /// A command frame arrived during the handshake. Returns the peer once
    /// the handshake is complete (both sides' last commands sent and
    /// received). Before returning an error the mechanism may queue an ERROR
    /// command for the peer.
    fn handle_command(
        &mut self,
        cmd: Command<'_>,
        out: &mut Encoder,
    ) -> Result<Option<Peer>, HandshakeError>;
}

/// The handshake for `mechanism`, announcing `local` metadata.
pub(crate) fn handshake(
    mechanism: &Mechanism,
    socket_type: SocketType,
    local: Metadata,
) -> Box<dyn Handshake> {
    match mechanism {
        Mechanism::Null => Box::new(NullHandshake::new(socket_type, local)),
    }
}

/// Our READY/INITIATE metadata: `Socket-Type`, then `Identity` from the
/// types libzmq sends it from (even when empty), then the application's
/// properties (RFC 37 §Connection Metadata).
pub(crate) fn local_metadata(
    socket_type: SocketType,
    identity: &[u8],
    extra: &Metadata,
) -> Metadata {
    let mut m = Metadata::new();
    // Both names are valid and the values short: these pushes cannot fail.
    let _ = m.push(
        metadata::SOCKET_TYPE,
        socket_type.name().as_bytes().to_vec(),
    );
    if socket_type.sends_identity() {
        let _ = m.push(metadata::IDENTITY, identity.to_vec());
    }
    for p in extra {
        if let Ok(name) = core::str::from_utf8(p.name()) {
            let _ = m.push(name, p.value().to_vec());
        }
    }
    m
}

/// Checks the peer's metadata against our socket type (RFC 37 §The
/// Socket-Type Property, libzmq `mechanism_t::check_socket_type`) and
/// extracts its identity. On refusal an ERROR goes to the peer first, as the
/// same RFC clause asks ("SHOULD handle errors by returning an ERROR command,
/// and then disconnecting the peer").
pub(crate) fn check_peer(
    ours: SocketType,
    metadata: Metadata,
    out: &mut Encoder,
) -> Result<Peer, HandshakeError> {
    let refuse = |out: &mut Encoder, reason: &[u8], e: HandshakeError| {
        out.push_control(Command::Error { reason }.to_msg());
        Err(e)
    };
    let Some(name) = metadata.get(metadata::SOCKET_TYPE) else {
        return refuse(
            out,
            b"missing socket type",
            HandshakeError::MissingSocketType,
        );
    };
    let Some(peer) = SocketType::from_name(name) else {
        let name = name.to_vec();
        return refuse(
            out,
            b"invalid socket type",
            HandshakeError::UnknownSocketType { name },
        );
    };
    if !ours.is_compatible(peer) {
        return refuse(
            out,
            b"incompatible socket type",
            HandshakeError::IncompatibleSocketType { ours, peer },
        );
    }
    let identity = metadata.get(metadata::IDENTITY).unwrap_or_default();
    // RFC 37 §The Identity Property: 0 to 255 octets. A longer one would
    // become a ROUTER routing id no local socket could be given
    // (ZMQ_ROUTING_ID is at most 255 bytes).
    if identity.len() > 255 {
        let len = identity.len();
        return refuse(
            out,
            b"invalid identity",
            HandshakeError::IdentityTooLong { len },
        );
    }
    let identity = identity.to_vec();
    Ok(Peer {
        socket_type: peer,
        identity,
        metadata,
    })
}
