//! PAIR (RFC 31): exactly one peer. Messages go to it and come from it;
//! a send blocks (up to SNDTIMEO) while it is at its high-water mark or
//! while there is no peer. A second peer is refused and its pipes are
//! dropped, closing its connection, as libzmq `pair_t::xattach_pipe`
//! terminates the pipe of any peer after the first.

use ferrozmq_msg::Multipart;

use super::pull::recv_any;
use super::{Pattern, SendResult};
use crate::error::{RecvError, SendError};
use crate::options::SocketOption;
use crate::pipe::Item;
use crate::socket::{PeerKey, Peers};
use crate::strategy::FairQueue;

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Pair {
    peer: Option<PeerKey>,
    fq: FairQueue,
}

impl Pattern for Pair {
    fn attach(&mut self, key: PeerKey, _peers: &mut Peers) -> bool {
        if self.peer.is_some() {
            return false;
        }
        self.peer = Some(key);
        self.fq.attach(key);
        true
    }

    fn detach(&mut self, key: PeerKey, _peers: &mut Peers) {
        if self.peer == Some(key) {
            self.peer = None;
        }
        self.fq.detach(key);
    }

    fn activate(&mut self, key: PeerKey, _peers: &mut Peers) {
        self.fq.activate(key);
    }

    fn try_send(&mut self, msg: &mut Multipart, peers: &mut Peers) -> SendResult {
        let Some(peer) = self.peer.and_then(|key| peers.get_mut(key)) else {
            return Err(SendError::WouldBlock(()));
        };
        match peer.tx.try_send_with(|| Item::Msg(core::mem::take(msg))) {
            Ok(()) => Ok(()),
            Err(e) => {
                if e.is_disconnected()
                    && let Some(key) = self.peer
                {
                    peers.mark_gone(key);
                }
                Err(SendError::WouldBlock(()))
            }
        }
    }

    fn try_recv_with<R>(
        &mut self,
        peers: &mut Peers,
        f: impl FnMut(&mut Multipart) -> R,
    ) -> Result<R, RecvError> {
        recv_any(&mut self.fq, peers, f)
    }

    fn has_out(&mut self, peers: &mut Peers) -> bool {
        self.peer
            .and_then(|key| peers.get_mut(key))
            .is_some_and(|p| p.tx.poll_ready())
    }

    fn set_option(&mut self, _option: &SocketOption) {}
}
