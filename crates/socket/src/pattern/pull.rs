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

/// The next message of `fq`, whichever it is, handed to `f` where it lies
/// (the receive of PULL, DEALER and PAIR).
#[inline]
pub(super) fn recv_any<R>(
    fq: &mut FairQueue,
    peers: &mut Peers,
    mut f: impl FnMut(&mut Multipart) -> R,
) -> Result<R, RecvError> {
    next_msg_with(fq, peers, |_, msg| Some(f(msg))).ok_or(RecvError::WouldBlock)
}

/// The next message of `fq`, noting the control items met on the way:
/// each is handed to `take` where it lies in its pipe (see
/// `FairQueue::recv_with`); the first it answers `Some` for is the one
/// received, the others are dropped (REP's malformed requests, SUB's
/// filter).
#[inline]
pub(super) fn next_msg_with<R>(
    fq: &mut FairQueue,
    peers: &mut Peers,
    mut take: impl FnMut(PeerKey, &mut Multipart) -> Option<R>,
) -> Option<R> {
    // A control item is moved out to here rather than returned beside
    // `R`: every layer in between would then move an item-sized value.
    let mut control = None;
    loop {
        let got = fq.recv_with(peers, |key, item| match item {
            Item::Msg(msg) => take(key, msg),
            other => {
                control = Some((key, core::mem::replace(other, Item::Lost)));
                None
            }
        })?;
        if got.is_some() {
            return got;
        }
        if let Some((key, item)) = control.take() {
            peers.note(key, &item);
        }
    }
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

    fn try_send(&mut self, _msg: &mut Multipart, _peers: &mut Peers) -> SendResult {
        Err(SendError::NotSupported(()))
    }

    fn try_recv_with<R>(
        &mut self,
        peers: &mut Peers,
        f: impl FnMut(&mut Multipart) -> R,
    ) -> Result<R, RecvError> {
        recv_any(&mut self.fq, peers, f)
    }

    fn has_out(&mut self, _peers: &mut Peers) -> bool {
        false
    }

    fn set_option(&mut self, _option: &SocketOption) {}
}
