//! XSUB (RFC 29 §The XSUB Socket Type): receives everything its peers send, unfiltered,
//! fair-queued. A message the application sends whose first frame starts
//! with `0x01` subscribes every peer to the rest of that frame (SUBSCRIBE
//! to 3.1 peers, the `0x01` message to 3.0 peers, chosen by each session),
//! now and on every new connection; `0x00` cancels once the last of its
//! subscriptions to that topic is cancelled (libzmq `xsub_t::xsend`, whose
//! counted trie this is). Any other message goes upstream to every peer as
//! it is (an XPUB receives it). Nothing here blocks: a peer at its
//! high-water mark misses the message.

use ferrozmq_msg::{Msg, Multipart};

use super::pull::next_msg_with;
use super::{Pattern, SendResult};
use crate::error::RecvError;
use crate::options::SocketOption;
use crate::pipe::Item;
use crate::socket::{PeerKey, Peers};
use crate::strategy::{Distribute, FairQueue, Removed, Trie};

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct XSub {
    fq: FairQueue,
    dist: Distribute,
    /// What the application subscribed to, counted.
    pub(super) subs: Trie,
}

impl XSub {
    /// Subscribes (or cancels) `topic` upstream.
    pub(super) fn subscribe(&mut self, subscribe: bool, topic: &[u8], peers: &mut Peers) {
        if subscribe {
            self.subs.add(topic);
        } else if self.subs.remove(topic) != Removed::LastValue {
            return;
        }
        let topic = Msg::copy_from_slice(topic);
        self.dist.send_to_all(
            || {
                if subscribe {
                    Item::Subscribe(topic.clone())
                } else {
                    Item::Cancel(topic.clone())
                }
            },
            peers,
        );
    }

    /// The next message, handed to `take` with the subscriptions where it
    /// lies (see `next_msg_with`): the first it answers `Some` for is
    /// received.
    pub(super) fn next_with<R>(
        &mut self,
        peers: &mut Peers,
        mut take: impl FnMut(&Trie, &mut Multipart) -> Option<R>,
    ) -> Option<R> {
        let subs = &self.subs;
        next_msg_with(&mut self.fq, peers, |_, msg| take(subs, msg))
    }
}

impl Pattern for XSub {
    fn attach(&mut self, key: PeerKey, peers: &mut Peers) -> bool {
        self.fq.attach(key);
        self.dist.attach(key);
        // libzmq `xsub_t::xattach_pipe`: a new peer hears every current
        // subscription (its session repeats them on each reconnection).
        if let Some(peer) = peers.get_mut(key) {
            self.subs.for_each(|topic| {
                let _ = peer
                    .tx
                    .try_send(Item::Subscribe(Msg::copy_from_slice(topic)));
            });
        }
        true
    }

    fn detach(&mut self, key: PeerKey, _peers: &mut Peers) {
        self.fq.detach(key);
        self.dist.detach(key);
    }

    fn activate(&mut self, key: PeerKey, _peers: &mut Peers) {
        self.fq.activate(key);
        self.dist.activate(key);
    }

    fn try_send(&mut self, msg: &mut Multipart, peers: &mut Peers) -> SendResult {
        let command = msg
            .first()
            .filter(|_| msg.len() == 1)
            .and_then(|m| m.as_slice().split_first())
            .filter(|(flag, _)| **flag <= 1)
            .map(|(flag, topic)| (*flag == 1, topic.to_vec()));
        match command {
            Some((subscribe, topic)) => self.subscribe(subscribe, &topic, peers),
            None => self.dist.send_to_all(|| Item::Msg(msg.clone()), peers),
        }
        Ok(())
    }

    fn try_recv_with<R>(
        &mut self,
        peers: &mut Peers,
        mut f: impl FnMut(&mut Multipart) -> R,
    ) -> Result<R, RecvError> {
        self.next_with(peers, |_, msg| Some(f(msg)))
            .ok_or(RecvError::WouldBlock)
    }

    fn has_out(&mut self, _peers: &mut Peers) -> bool {
        true
    }

    fn set_option(&mut self, _option: &SocketOption) {}
}
