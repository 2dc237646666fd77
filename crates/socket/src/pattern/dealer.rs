//! DEALER (RFC 28 §The DEALER Socket Type): load-balances outgoing messages, fair-queues
//! incoming ones, blocks (up to SNDTIMEO) when every peer is at its
//! high-water mark. No envelope of its own: what the application sends is
//! what goes out.

use ferrozmq_msg::Multipart;

use super::pull::recv_any;
use super::{Pattern, SendResult};
use crate::error::{RecvError, SendError};
use crate::options::{Options, SocketOption};
use crate::socket::{PeerKey, Peers};
use crate::strategy::{FairQueue, LoadBalance};

/// See the module docs.
#[derive(Debug)]
pub(crate) struct Dealer {
    pub(super) lb: LoadBalance,
    pub(super) fq: FairQueue,
    /// ZMQ_PROBE_ROUTER: an empty message to each new peer.
    probe: bool,
}

impl Dealer {
    pub(crate) fn new(options: &Options) -> Self {
        Self {
            lb: LoadBalance::new(options.immediate()),
            fq: FairQueue::default(),
            probe: options.probe_router(),
        }
    }

    /// The message sent, and to whom.
    pub(super) fn send_to_next(
        &mut self,
        msg: &mut Multipart,
        peers: &mut Peers,
    ) -> Result<PeerKey, SendError<()>> {
        self.lb.send(msg, peers).ok_or(SendError::WouldBlock(()))
    }
}

/// libzmq's ZMQ_PROBE_ROUTER: an empty message first to every new peer
/// (libzmq `dealer_t::xattach_pipe`), so a ROUTER learns of us at once.
pub(super) fn probe(key: PeerKey, peers: &mut Peers) {
    if let Some(peer) = peers.get_mut(key) {
        let probe = Multipart::from([ferrozmq_msg::Msg::new()]);
        let _ = peer.tx.try_send(crate::pipe::Item::Msg(probe));
    }
}

impl Pattern for Dealer {
    fn attach(&mut self, key: PeerKey, peers: &mut Peers) -> bool {
        if self.probe {
            probe(key, peers);
        }
        self.lb.attach(key);
        self.fq.attach(key);
        true
    }

    fn detach(&mut self, key: PeerKey, _peers: &mut Peers) {
        self.lb.detach(key);
        self.fq.detach(key);
    }

    fn activate(&mut self, key: PeerKey, _peers: &mut Peers) {
        self.lb.activate(key);
        self.fq.activate(key);
    }

    fn try_send(&mut self, msg: &mut Multipart, peers: &mut Peers) -> SendResult {
        self.send_to_next(msg, peers).map(drop)
    }

    fn try_recv_with<R>(
        &mut self,
        peers: &mut Peers,
        f: impl FnMut(&mut Multipart) -> R,
    ) -> Result<R, RecvError> {
        recv_any(&mut self.fq, peers, f)
    }

    fn has_out(&mut self, peers: &mut Peers) -> bool {
        self.lb.has_out(peers)
    }

    fn set_option(&mut self, option: &SocketOption) {
        match option {
            SocketOption::Immediate(on) => self.lb.set_immediate(*on),
            SocketOption::ProbeRouter(on) => self.probe = *on,
            _ => {}
        }
    }
}
