//! The NULL mechanism (RFC 37 §The NULL Security Mechanism): each side sends
//! READY with its metadata at once, without waiting for the peer's (libzmq does
//! the same, which avoids a deadlock), and the handshake is complete when the
//! peer's READY has arrived and passed the socket-type check. An ERROR from the
//! peer is fatal.
//!
//! With authentication on (libzmq: a socket with a ZAP domain), a side asks
//! for a decision before it sends READY, as libzmq's `null_mechanism_t`
//! does: the peer's READY may arrive meanwhile and waits; an accepted peer
//! then gets our READY, a refused one ERROR with the status code (none for
//! 3xx, which closes without a word; libzmq sends nothing either).

use crate::SocketType;
use crate::auth::{AuthDecision, AuthRequest, Credentials};
use crate::command::{Command, ready_msg};
use crate::encoder::Encoder;
use crate::error::HandshakeError;
use crate::greeting::MechanismName;
use crate::mechanism::{Handshake, Peer, Step, check_peer, error_msg, parse_metadata, refuse};
use crate::metadata::Metadata;

/// NULL's handshake state.
#[derive(Debug)]
pub(crate) struct NullHandshake {
    socket_type: SocketType,
    local: Metadata,
    /// Ask for a decision before sending READY.
    authenticate: bool,
    /// The decision is awaited: READY is not sent yet.
    waiting: bool,
    /// The peer's READY, checked, while the decision is awaited.
    ready: Option<Peer>,
    /// The accepting decision (user id, properties), while the peer's
    /// READY is awaited.
    accepted: Option<(Vec<u8>, Metadata)>,
}

impl NullHandshake {
    pub(crate) fn new(socket_type: SocketType, local: Metadata, authenticate: bool) -> Self {
        Self {
            socket_type,
            local,
            authenticate,
            waiting: false,
            ready: None,
            accepted: None,
        }
    }
}

impl Handshake for NullHandshake {
    fn start(&mut self, out: &mut Encoder) {
        if self.authenticate {
            self.waiting = true;
        } else {
            out.push_control(ready_msg(&self.local));
        }
    }

    fn start_auth(&mut self) -> Option<AuthRequest> {
        self.waiting.then(|| AuthRequest {
            mechanism: MechanismName::NULL,
            credentials: Credentials::Null,
        })
    }

    fn commands_while_authenticating(&self) -> bool {
        true
    }

    fn handle_auth(
        &mut self,
        decision: AuthDecision,
        out: &mut Encoder,
    ) -> Result<Step, HandshakeError> {
        self.waiting = false;
        match decision {
            AuthDecision::Accept {
                user_id,
                properties,
            } => {
                out.push_control(ready_msg(&self.local));
                Ok(match self.ready.take() {
                    Some(mut peer) => {
                        peer.user_id = user_id;
                        peer.auth_properties = properties;
                        Step::Done(peer)
                    }
                    None => {
                        self.accepted = Some((user_id, properties));
                        Step::Continue
                    }
                })
            }
            AuthDecision::Refuse {
                status_code,
                reason,
            } => Err(refuse(status_code, reason, error_msg, out)),
        }
    }

    fn handle_command(
        &mut self,
        cmd: Command<'_>,
        out: &mut Encoder,
    ) -> Result<Step, HandshakeError> {
        match cmd {
            Command::Ready { metadata } => {
                let metadata = parse_metadata("READY", metadata)?;
                let mut peer = check_peer(self.socket_type, metadata, error_msg, out)?;
                if self.waiting {
                    self.ready = Some(peer);
                    return Ok(Step::Continue);
                }
                if let Some((user_id, properties)) = self.accepted.take() {
                    peer.user_id = user_id;
                    peer.auth_properties = properties;
                }
                Ok(Step::Done(peer))
            }
            Command::Error { reason } => Err(HandshakeError::PeerError {
                reason: reason.to_vec(),
            }),
            other => Err(HandshakeError::UnexpectedCommand {
                name: other.name().to_vec(),
            }),
        }
    }
}
