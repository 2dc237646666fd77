//! The NULL mechanism (RFC 37 §The NULL Security Mechanism): each side sends
//! READY with its metadata at once, without waiting for the peer's (libzmq does
//! the same, which avoids a deadlock), and the handshake is complete when the
//! peer's READY has arrived and passed the socket-type check. An ERROR from the
//! peer is fatal. No ZAP: authentication of NULL connections is not
//! implemented.

use crate::SocketType;
use crate::command::{Command, ready_msg};
use crate::encoder::Encoder;
use crate::error::HandshakeError;
use crate::mechanism::{Handshake, Step, check_peer, parse_metadata};
use crate::metadata::Metadata;

/// NULL's handshake state.
#[derive(Debug)]
pub(crate) struct NullHandshake {
    socket_type: SocketType,
    local: Metadata,
}

impl NullHandshake {
    pub(crate) fn new(socket_type: SocketType, local: Metadata) -> Self {
        Self { socket_type, local }
    }
}

impl Handshake for NullHandshake {
    fn start(&mut self, out: &mut Encoder) {
        out.push_control(ready_msg(&self.local));
    }

    fn handle_command(
        &mut self,
        cmd: Command<'_>,
        out: &mut Encoder,
    ) -> Result<Step, HandshakeError> {
        match cmd {
            Command::Ready { metadata } => {
                let metadata = parse_metadata("READY", metadata)?;
                check_peer(self.socket_type, metadata, out).map(Step::Done)
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
