//! PUSH (RFC 30 §The PUSH Socket Type): load-balances messages over its peers and blocks
//! (up to SNDTIMEO) when all are at their high-water mark; receives
//! nothing.

use ferrozmq_msg::Multipart;

use super::{Pattern, SendResult};
use crate::error::{RecvError, SendError};
use crate::options::{Options, SocketOption};
use crate::socket::{PeerKey, Peers};
use crate::strategy::LoadBalance;

/// See the module docs.
#[derive(Debug)]
pub(crate) struct Push {
    lb: LoadBalance,
}

impl Push {
    pub(crate) fn new(options: &Options) -> Self {
        Self {
            lb: LoadBalance::new(options.immediate()),
        }
    }
}

impl Pattern for Push {
    fn attach(&mut self, key: PeerKey, _peers: &mut Peers) -> bool {
        self.lb.attach(key);
        true
    }

    fn detach(&mut self, key: PeerKey, _peers: &mut Peers) {
        self.lb.detach(key);
    }

    fn activate(&mut self, key: PeerKey, peers: &mut Peers) {
        // Only control items come this way (a PULL sends nothing).
        peers.drain_control(key, drop);
        self.lb.activate(key);
    }

    fn try_send(&mut self, msg: &mut Multipart, peers: &mut Peers) -> SendResult {
        self.lb
            .send(msg, peers)
            .map(drop)
            .ok_or(SendError::WouldBlock(()))
    }

    fn try_recv_with<R>(
        &mut self,
        _peers: &mut Peers,
        _f: impl FnMut(&mut Multipart) -> R,
    ) -> Result<R, RecvError> {
        Err(RecvError::NotSupported)
    }

    fn has_out(&mut self, peers: &mut Peers) -> bool {
        self.lb.has_out(peers)
    }

    fn set_option(&mut self, option: &SocketOption) {
        if let SocketOption::Immediate(on) = option {
            self.lb.set_immediate(*on);
        }
    }
}
