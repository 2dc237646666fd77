//! SUB (RFC 29 §The SUB Socket Type): XSUB whose subscriptions come from `subscribe` and
//! `unsubscribe` rather than from sent messages, and which delivers only
//! messages whose first frame starts with a subscribed prefix (its own
//! filter, besides the publisher's). It sends nothing.

use ferrozmq_msg::Multipart;

use super::xsub::XSub;
use super::{Pattern, SendResult};
use crate::error::{RecvError, SendError};
use crate::options::SocketOption;
use crate::socket::{PeerKey, Peers};

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Sub {
    xsub: XSub,
}

impl Pattern for Sub {
    fn attach(&mut self, key: PeerKey, peers: &mut Peers) -> bool {
        self.xsub.attach(key, peers)
    }

    fn detach(&mut self, key: PeerKey, peers: &mut Peers) {
        self.xsub.detach(key, peers);
    }

    fn activate(&mut self, key: PeerKey, peers: &mut Peers) {
        self.xsub.activate(key, peers);
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
        mut f: impl FnMut(&mut Multipart) -> R,
    ) -> Result<R, RecvError> {
        self.xsub
            .next_with(peers, |subs, msg| {
                let topic = msg.first().map_or(&[][..], |m| m.as_slice());
                subs.matches(topic).then(|| f(msg))
            })
            .ok_or(RecvError::WouldBlock)
    }

    fn has_out(&mut self, _peers: &mut Peers) -> bool {
        false
    }

    fn set_option(&mut self, _option: &SocketOption) {}

    fn subscription(&mut self, subscribe: bool, topic: &[u8], peers: &mut Peers) -> Option<()> {
        self.xsub.subscribe(subscribe, topic, peers);
        Some(())
    }
}
