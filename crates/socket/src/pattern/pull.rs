//! PULL (RFC 30 §The PULL Socket Type): fair-queues messages from its peers; sends nothing.

use ferrozmq_msg::Multipart;

use super::{Pattern, SendResult};
use crate::error::{RecvError, SendError};
use crate::options::SocketOption;
use crate::pipe::Item;
use crate::socket::{PeerKey, Peers};
use crate::strategy::FairQueue;

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Pull {
    fq: FairQueue,
}

/// The next message of `fq`, noting the control items met on the way.
#[inline]
pub(super) fn next_msg(fq: &mut FairQueue, peers: &mut Peers) -> Option<(PeerKey, Multipart)> {
    while let Some((key, item)) = fq.recv(peers) {
        match item {
            Item::Msg(msg) => return Some((key, msg)),
            other => {
                peers.note(key, &other);
            }
        }
    }
    None
}

impl Pattern for Pull {
    fn attach(&mut self, key: PeerKey, _peers: &mut Peers) -> bool {
        self.fq.attach(key);
        true
    }

    fn detach(&mut self, key: PeerKey, _peers: &mut Peers) {
        self.fq.detach(key);
    }

    fn activate(&mut self, key: PeerKey, _peers: &mut Peers) {
        self.fq.activate(key);
    }

    fn sends(&self) -> bool {
        false
    }

    fn try_send(&mut self, msg: Multipart, _peers: &mut Peers) -> SendResult {
        Err(SendError::NotSupported(msg))
    }

    fn try_recv(&mut self, peers: &mut Peers) -> Result<Multipart, RecvError> {
        next_msg(&mut self.fq, peers)
            .map(|(_, msg)| msg)
            .ok_or(RecvError::WouldBlock)
    }

    fn has_out(&mut self, _peers: &mut Peers) -> bool {
        false
    }

    fn set_option(&mut self, _option: &SocketOption) {}
}
