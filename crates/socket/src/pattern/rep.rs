//! REP (RFC 28 §The REP Socket Type): fair-queues requests; strips the envelope (every
//! frame up to and including the empty delimiter) on receive and puts it
//! back on the reply, which goes to the peer the request came from. A
//! reply for a peer that is gone or at its high-water mark is dropped, as
//! libzmq does. Receive and send strictly alternate (`State`, EFSM).
//! A request without a delimiter, or with nothing after it, is dropped.

use ferrozmq_msg::{Msg, Multipart};

use super::pull::next_msg_with;
use super::{Pattern, SendResult};
use crate::error::{RecvError, SendError};
use crate::options::SocketOption;
use crate::pipe::Item;
use crate::socket::{PeerKey, Peers};
use crate::strategy::FairQueue;

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Rep {
    fq: FairQueue,
    /// The reply goes to this peer with this envelope.
    replying: Option<(PeerKey, Multipart)>,
}

impl Pattern for Rep {
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

    fn try_send(&mut self, msg: &mut Multipart, peers: &mut Peers) -> SendResult {
        let Some((key, mut whole)) = self.replying.take() else {
            return Err(SendError::State(()));
        };
        if let Some(peer) = peers.get_mut(key) {
            whole.extend(msg.drain(..));
            // Full or gone: the reply is dropped, as libzmq does.
            let _ = peer.tx.try_send(Item::Msg(whole));
        }
        Ok(())
    }

    fn try_recv_with<R>(
        &mut self,
        peers: &mut Peers,
        mut f: impl FnMut(&mut Multipart) -> R,
    ) -> Result<R, RecvError> {
        if self.replying.is_some() {
            return Err(RecvError::State);
        }
        let replying = &mut self.replying;
        next_msg_with(&mut self.fq, peers, |key, msg| {
            // Without a delimiter, or with nothing after it: dropped.
            let delim = msg.iter().position(Msg::is_empty)?;
            if delim + 1 == msg.len() {
                return None;
            }
            *replying = Some((key, msg.drain(..=delim).collect()));
            Some(f(msg))
        })
        .ok_or(RecvError::WouldBlock)
    }

    fn has_out(&mut self, _peers: &mut Peers) -> bool {
        self.replying.is_some()
    }

    fn set_option(&mut self, _option: &SocketOption) {}
}
